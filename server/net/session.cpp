#include "session.h"

#include "app/serverconfig.h"
#include "auth/authservice.h"
#include "auth/credentials.h"
#include "auth/loginthrottle.h"
#include "presence/presencetracker.h"
#include "routing/router.h"
#include "store/blobstore.h"
#include "store/storeservice.h"

#include <confab/ids.h>
#include <confab/logging.h>
#include <confab/version.h>

#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QPointer>
#include <QRegularExpression>
#include <QSet>
#include <QTimeZone>
#include <QTimer>
#include <QUuid>

#include <algorithm>

namespace Confab::Net {

namespace {

// Room for the Envelope around a page when fitting it into one frame.
constexpr size_t kEnvelopeOverheadBytes = 64;
constexpr int kMaxViolations = 10;
constexpr size_t kPreviewBytes = 256;

// Timeouts and rates use a monotonic clock: a wall clock stepped by NTP must not close every
// session or starve a client's rate bucket. Welcome still reports the wall-clock time.
qint64 nowMs()
{
    return Session::monotonicMs();
}

// Cuts text to at most maxBytes without splitting a UTF-8 sequence.
void shorten(std::string *text, size_t maxBytes)
{
    if (text->size() <= maxBytes)
        return;
    size_t cut = maxBytes;
    while (cut > 0 && (static_cast<unsigned char>((*text)[cut]) & 0xC0) == 0x80)
        --cut;
    text->resize(cut);
}

bool hasMessagesOf(const pb::SyncPage &page, quint64 conversationId)
{
    return std::any_of(page.messages().begin(), page.messages().end(),
                       [conversationId](const pb::Message &message) {
                           return message.conversation_id() == conversationId;
                       });
}

// Pages are bounded by count in the store and by bytes here: whatever does not fit in one frame
// waits for the next page (has_more). A page always keeps something the client moves on with:
// one message, or, when none was fetched, one summary, even if that is more than a frame
// (PROTOCOL.md §6). Trimming those too would send the same page back for ever.
void fitToFrame(pb::SyncPage &page, size_t maxBytes)
{
    auto fits = [&page, maxBytes] {
        return page.ByteSizeLong() + kEnvelopeOverheadBytes <= maxBytes;
    };
    if (fits())
        return;
    // The messages are in the page in full; in a summary the last message is only a preview.
    for (auto &conversation : *page.mutable_conversations())
        shorten(conversation.mutable_last_message()->mutable_text(), kPreviewBytes);
    while (!fits()) {
        // Summaries and messages come in conversation order: trim both from the end.
        const int conversations = page.conversations_size();
        if (conversations > 1
            && !hasMessagesOf(page, page.conversations(conversations - 1).conversation_id()))
            page.mutable_conversations()->RemoveLast();
        else if (page.messages_size() > 1)
            page.mutable_messages()->RemoveLast();
        else
            break;
        page.set_has_more(true);
    }
}

void fitToFrame(pb::HistoryPage &page, size_t maxBytes)
{
    while (page.messages_size() > 1 && page.ByteSizeLong() + kEnvelopeOverheadBytes > maxBytes) {
        page.mutable_messages()->DeleteSubrange(0, 1); // keep the newest
        page.set_has_more(true);
    }
}

void fitToFrame(pb::Conversation &conversation, size_t maxBytes)
{
    shorten(conversation.mutable_last_message()->mutable_text(), kPreviewBytes);
    if (conversation.ByteSizeLong() + kEnvelopeOverheadBytes > maxBytes)
        conversation.clear_receipts(); // a very large group: receipts follow as events
}

void fitToFrame(pb::ConversationList &list, size_t maxBytes)
{
    for (auto &conversation : *list.mutable_conversations())
        shorten(conversation.mutable_last_message()->mutable_text(), kPreviewBytes);
    if (list.ByteSizeLong() + kEnvelopeOverheadBytes <= maxBytes)
        return;
    qCWarning(lcNet) << "a conversation list of" << list.conversations_size()
                     << "entries does not fit in one frame; sending the most recent";
    while (list.conversations_size() > 1 && list.ByteSizeLong() + kEnvelopeOverheadBytes > maxBytes)
        list.mutable_conversations()->RemoveLast();
}

bool isClientRequest(pb::Envelope::BodyCase body)
{
    using B = pb::Envelope::BodyCase;
    switch (body) {
    case B::kHello:
    case B::kRegisterAccount:
    case B::kLogin:
    case B::kResume:
    case B::kLogout:
    case B::kSendMessage:
    case B::kChangeMessage:
    case B::kBeginUpload:
    case B::kUploadChunk:
    case B::kDownloadRequest:
    case B::kSyncRequest:
    case B::kHistoryRequest:
    case B::kListConversations:
    case B::kCreateGroup:
    case B::kRenameGroup:
    case B::kAddMembers:
    case B::kRemoveMember:
    case B::kLeaveGroup:
    case B::kSetRole:
    case B::kSetRetention:
    case B::kSetPresence:
    case B::kTyping:
    case B::kGetNotificationPrefs:
    case B::kSetNotificationPrefs:
    case B::kListSessions:
    case B::kRevokeSession:
    case B::kRevokeOtherSessions:
    case B::kChangePassword:
    case B::kUpdateReceipt:
        return true;
    default:
        return false;
    }
}

// Typing signals closer together than this (per session and conversation) are not passed on.
constexpr qint64 kTypingMinIntervalMs = 1000;
constexpr qsizetype kMaxTypingConversations = 64;
// Attachment chunks skip the request rate (a file is hundreds of them); instead this many may be
// in the works per connection at once, and each but a file's last is a whole chunk.
constexpr int kMaxChunksInFlight = 8;
constexpr qsizetype kMaxUploadsRemembered = 16;

bool isChunkWork(pb::Envelope::BodyCase body)
{
    return body == pb::Envelope::kUploadChunk || body == pb::Envelope::kDownloadRequest;
}

} // namespace

Session::Session(Connection *connection, SessionContext &context, QObject *parent)
    : QObject(parent), m_connection(connection), m_context(context)
{
    m_connection->setParent(this);
    m_peerAddress = m_connection->peerAddress();
    const Limits &limits = m_context.config.limits;
    m_connectedMs = m_lastActivityMs = nowMs();
    m_rate = { double(limits.rateBurst), m_connectedMs };

    connect(m_connection, &Connection::binaryReceived, this, &Session::onBinaryMessage);
    connect(m_connection, &Connection::textReceived, this, &Session::onTextMessage);
    connect(m_connection, &Connection::disconnected, this, &Session::onDisconnected);
    connect(m_connection, &Connection::pongReceived, this, [this] { m_lastActivityMs = nowMs(); });
    connect(m_connection, &Connection::tooSlow, this, [this](qint64 queuedBytes) {
        qCWarning(lcNet) << "closing" << peer() << "user" << m_userId << ": not reading ("
                         << queuedBytes << "bytes queued)";
        close(QWebSocketProtocol::CloseCodePolicyViolated,
              QStringLiteral("not reading fast enough"));
    });
    qCDebug(lcNet) << "connection from" << peer();
}

qint64 Session::monotonicMs()
{
    static const QElapsedTimer clock = [] {
        QElapsedTimer timer;
        timer.start();
        return timer;
    }();
    return clock.elapsed();
}

Session::~Session()
{
    if (m_state == State::Live)
        m_context.router.remove(this);
}

QString Session::peer() const
{
    return QStringLiteral("%1:%2")
        .arg(m_connection->peerAddress().toString())
        .arg(m_connection->peerPort());
}

void Session::send(const pb::Envelope &envelope)
{
    sendFrame(Codec::encode(envelope));
}

void Session::sendFrame(const QByteArray &frame)
{
    if (m_state == State::Closed)
        return;
    m_connection->sendBinary(frame); // a peer that does not read is cut off (tooSlow)
}

void Session::sendError(const Error &error)
{
    send(error.toEnvelope());
}

void Session::close(QWebSocketProtocol::CloseCode code, const QString &reason)
{
    if (m_state == State::Closed)
        return;
    if (m_state == State::Live) {
        m_context.router.remove(this);
        m_context.presence.sessionOffline(this);
    }
    m_state = State::Closed;
    qCDebug(lcNet) << "closing" << peer() << code << reason;
    m_connection->close(code, reason); // a peer that never answers it is cut off
}

void Session::ping()
{
    if (m_state != State::Closed)
        m_connection->ping();
}

void Session::onDisconnected()
{
    if (m_state == State::Live) {
        m_context.router.remove(this);
        m_context.presence.sessionOffline(this);
    }
    m_state = State::Closed;
    qCDebug(lcNet) << "disconnected" << peer() << "user" << m_userId;
    Q_EMIT closed(this);
}

void Session::onTextMessage()
{
    m_lastActivityMs = nowMs();
    sendError({ ErrorCode::BAD_FRAME,
                QStringLiteral("text frames are not part of the protocol; "
                               "send binary Protobuf frames") });
    close(QWebSocketProtocol::CloseCodeDatatypeNotSupported, QStringLiteral("binary frames only"));
}

bool Session::takeRateToken(qint64 now)
{
    const Limits &limits = m_context.config.limits;
    if (!m_rate.take(now, limits.ratePerSecond, limits.rateBurst))
        return false;
    m_rateStrikes = 0;
    return true;
}

void Session::violation(const Error &error)
{
    sendError(error);
    if (++m_violations >= kMaxViolations)
        close(QWebSocketProtocol::CloseCodeProtocolError,
              QStringLiteral("too many protocol errors"));
}

void Session::onBinaryMessage(const QByteArray &frame)
{
    if (m_state == State::Closed)
        return;
    const qint64 now = nowMs();
    m_lastActivityMs = now;
    auto decoded = Codec::decode(frame, m_context.config.limits);
    if (!decoded) {
        qCDebug(lcProto) << peer() << "sent a bad frame:" << decoded.error().message;
        if (decoded.error().code == ErrorCode::FRAME_TOO_LARGE) {
            sendError(decoded.error());
            close(QWebSocketProtocol::CloseCodeTooMuchData, QStringLiteral("frame too large"));
            return;
        }
        violation(decoded.error());
        return;
    }
    pb::Envelope &envelope = decoded.value();
    if (isChunkWork(envelope.body_case()) && m_state == State::Live) {
        if (takeChunkSlot(envelope.request_id()))
            dispatch(envelope);
        return;
    }
    if (!takeRateToken(now)) {
        const Limits &limits = m_context.config.limits;
        Error limited { ErrorCode::RATE_LIMITED,
                        QStringLiteral("over %1 requests per second").arg(limits.ratePerSecond),
                        envelope.request_id(), quint32(1000 / limits.ratePerSecond + 1) };
        sendError(limited);
        // A client that keeps going after a whole burst of refusals is not listening.
        if (++m_rateStrikes > int(limits.rateBurst))
            close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("rate limit"));
        return;
    }
    if (m_userId != 0 && !m_context.userRates.take(m_userId, now)) {
        // The account as a whole is over its rate (many devices, or many stolen tokens): refused,
        // and the connection stays; each device's own bucket deals with a device that floods.
        sendError(
            { ErrorCode::RATE_LIMITED,
              QStringLiteral("over %1 requests per second for this account")
                  .arg(m_context.config.userRatePerSecond),
              envelope.request_id(),
              quint32(std::max<qint64>(1, m_context.userRates.retryAfterMs(m_userId, now))) });
        return;
    }
    dispatch(envelope);
}

void Session::dispatch(pb::Envelope &envelope)
{
    using B = pb::Envelope::BodyCase;
    const quint64 requestId = envelope.request_id();
    const B body = envelope.body_case();
    if (!isClientRequest(body)) {
        return violation({ ErrorCode::PROTOCOL_VIOLATION,
                           QStringLiteral("%1 is sent by servers, not clients")
                               .arg(QLatin1StringView(Codec::bodyName(envelope))),
                           requestId });
    }
    if (m_context.stopping) {
        Error stopping { ErrorCode::UNAVAILABLE, QStringLiteral("the server is shutting down"),
                         requestId };
        stopping.retryAfterMs = 1000;
        return sendError(stopping);
    }
    switch (m_state) {
    case State::AwaitingHello:
        if (body == B::kHello)
            return handleHello(requestId, envelope.hello());
        return sendError(
            { ErrorCode::UNAUTHENTICATED, QStringLiteral("send Hello first"), requestId });
    case State::AwaitingAuth:
        if (body == B::kRegisterAccount || body == B::kLogin || body == B::kResume)
            return handleAuth(requestId, envelope);
        if (body == B::kHello)
            return violation({ ErrorCode::PROTOCOL_VIOLATION,
                               QStringLiteral("Hello was already sent"), requestId });
        return sendError(
            { ErrorCode::UNAUTHENTICATED, QStringLiteral("authenticate first"), requestId });
    case State::Authenticating:
        return sendError({ ErrorCode::UNAUTHENTICATED,
                           QStringLiteral("wait for the answer to the authentication request"),
                           requestId });
    case State::Live:
        break;
    case State::Closed:
        return;
    }
    switch (body) {
    case B::kSendMessage:
        return handleSend(requestId, envelope.send_message());
    case B::kChangeMessage:
        return handleChangeMessage(requestId, envelope.change_message());
    case B::kBeginUpload:
        return handleBeginUpload(requestId, envelope.begin_upload());
    case B::kUploadChunk:
        return handleUploadChunk(requestId, envelope.upload_chunk());
    case B::kDownloadRequest:
        return handleDownload(requestId, envelope.download_request());
    case B::kSyncRequest:
        return handleSync(requestId, envelope.sync_request());
    case B::kHistoryRequest:
        return handleHistory(requestId, envelope.history_request());
    case B::kListConversations:
        return handleListConversations(requestId);
    case B::kLogout:
        return handleLogout(requestId);
    case B::kCreateGroup:
    case B::kRenameGroup:
    case B::kAddMembers:
    case B::kRemoveMember:
    case B::kLeaveGroup:
    case B::kSetRole:
    case B::kSetRetention:
        return handleGroupChange(requestId, envelope);
    case B::kUpdateReceipt:
        return handleUpdateReceipt(requestId, envelope.update_receipt());
    case B::kTyping:
        return handleTyping(requestId, envelope.typing());
    case B::kSetPresence:
        return handleSetPresence(requestId, envelope.set_presence());
    case B::kListSessions:
        return handleListSessions(requestId);
    case B::kGetNotificationPrefs:
        return handleGetNotificationPrefs(requestId);
    case B::kSetNotificationPrefs:
        return handleSetNotificationPrefs(requestId, envelope.set_notification_prefs().prefs());
    case B::kRevokeSession:
        return handleRevokeSession(requestId, envelope.revoke_session());
    case B::kRevokeOtherSessions:
        return handleRevokeOtherSessions(requestId);
    case B::kChangePassword:
        return handleChangePassword(requestId, envelope.change_password());
    default:
        return violation({ ErrorCode::PROTOCOL_VIOLATION,
                           QStringLiteral("%1 is only valid before authentication")
                               .arg(QLatin1StringView(Codec::bodyName(envelope))),
                           requestId });
    }
}

void Session::handleHello(quint64 requestId, const pb::Hello &hello)
{
    if (hello.protocol_major() != kProtocolMajor) {
        sendError({ ErrorCode::UNSUPPORTED_VERSION,
                    QStringLiteral("client speaks protocol %1.%2, this server speaks %3.x")
                        .arg(hello.protocol_major())
                        .arg(hello.protocol_minor())
                        .arg(kProtocolMajor),
                    requestId });
        close(QWebSocketProtocol::CloseCodeProtocolError,
              QStringLiteral("unsupported protocol version"));
        return;
    }
    m_deviceId = QByteArray::fromStdString(hello.device_id());
    m_clientName = QString::fromStdString(hello.client_name());
    m_clientVersion = QString::fromStdString(hello.client_version());
    m_deviceName = QString::fromStdString(hello.device_name());
    m_state = State::AwaitingAuth;

    pb::Envelope reply;
    reply.set_request_id(requestId);
    auto *welcome = reply.mutable_welcome();
    welcome->set_protocol_major(kProtocolMajor);
    welcome->set_protocol_minor(kProtocolMinor);
    welcome->set_server_name(m_context.config.serverName.toStdString());
    welcome->set_server_version(kVersion);
    Limits limits = m_context.config.limits;
    limits.retentionDays = m_context.config.retentionDays();
    limits.toPb(welcome->mutable_limits());
    welcome->set_node_id(m_context.config.nodeId);
    welcome->set_server_time_ms(QDateTime::currentMSecsSinceEpoch());
    welcome->set_email_digests(!m_context.config.smtpUrl.isEmpty());
    send(reply);
}

void Session::handleAuth(quint64 requestId, pb::Envelope &envelope)
{
    m_state = State::Authenticating;
    const bool byToken = envelope.body_case() == pb::Envelope::kResume;
    auto done = [this, requestId, byToken](const Result<Auth::Grant> &granted) {
        SignInCounters &counters = m_context.signIns;
        ++(granted ? (byToken ? counters.tokenOk : counters.passwordOk)
                   : (byToken ? counters.tokenFailed : counters.passwordFailed));
        if (m_state != State::Authenticating)
            return; // closed meanwhile
        if (!granted) {
            m_state = State::AwaitingAuth;
            Error error = granted.error();
            error.requestId = requestId;
            return sendError(error);
        }
        const Auth::Grant &grant = granted.value();
        m_userId = grant.user.userId;
        m_token = grant.token;
        m_tokenHash = Auth::Tokens::hash(grant.token);
        m_state = State::Live;
        // Registered before any sync can run: whatever commits from now on is pushed live, so a
        // sync page and live events together miss nothing (PROTOCOL.md §5).
        m_context.router.add(this);
        // The user's notification preferences come with it: this session's priorities follow
        // them (the store answers in order, so before any sync this session asks for).
        m_context.store.run(
            this,
            [userId = m_userId, deviceId = m_deviceId, name = m_clientName,
             version = m_clientVersion,
             deviceName = m_deviceName](Store::Store &store) -> Result<pb::NotificationPrefs> {
                if (auto touched = store.touchDevice(userId, deviceId, name, version, deviceName,
                                                     QDateTime::currentMSecsSinceEpoch());
                    !touched)
                    qCWarning(lcStore) << "cannot record the device:" << touched.error().message;
                return store.notificationPrefs(userId);
            },
            [this](const Result<pb::NotificationPrefs> &prefs) {
                if (prefs)
                    takeNotificationPrefs(prefs.value());
            });

        pb::Envelope reply;
        reply.set_request_id(requestId);
        auto *ok = reply.mutable_auth_ok();
        ok->mutable_user()->set_user_id(grant.user.userId);
        ok->mutable_user()->set_username(grant.user.username.toStdString());
        ok->mutable_user()->set_display_name(grant.user.displayName.toStdString());
        ok->set_token(grant.token.toStdString());
        ok->set_token_expires_ms(grant.expiresMs);
        ok->set_resumed(grant.resumed);
        send(reply);
        // After AuthOk: the presence snapshot is an event of the signed-in session.
        m_context.presence.sessionOnline(this);
    };
    Auth::AuthService &auth = m_context.auth;
    switch (envelope.body_case()) {
    case pb::Envelope::kRegisterAccount: {
        const auto &r = envelope.register_account();
        auth.registerAccount(this, QString::fromStdString(r.username()),
                             QByteArray::fromStdString(r.password()),
                             QString::fromStdString(r.display_name()),
                             Auth::LoginThrottle::addressKey(m_peerAddress), m_deviceId, done);
        break;
    }
    case pb::Envelope::kLogin:
        auth.login(this, QString::fromStdString(envelope.login().username()),
                   QByteArray::fromStdString(envelope.login().password()),
                   Auth::LoginThrottle::addressKey(m_peerAddress), m_deviceId, done);
        break;
    default:
        auth.resume(this, QString::fromStdString(envelope.resume().token()), done);
        break;
    }
}

void Session::handleSend(quint64 requestId, const pb::SendMessage &send)
{
    if (send.target_case() == pb::SendMessage::TARGET_NOT_SET)
        return sendError({ ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("name a conversation_id, peer_user_id or peer_username"),
                           requestId });
    if (send.text().empty() && send.attachment_ids().empty())
        return sendError({ ErrorCode::INVALID_ARGUMENT, QStringLiteral("empty text"), requestId });

    Store::NewMessage message;
    message.senderId = m_userId;
    message.clientId = QByteArray::fromStdString(send.client_id());
    message.conversationId = send.has_conversation_id() ? send.conversation_id() : 0;
    message.peerUserId = send.has_peer_user_id() ? send.peer_user_id() : 0;
    message.peerUsername = QString::fromStdString(send.peer_username()).toLower();
    message.text = send.text();
    message.replyTo = send.reply_to_message_id();
    message.mentions = { send.mention_user_ids().begin(), send.mention_user_ids().end() };
    message.attachmentIds = { send.attachment_ids().begin(), send.attachment_ids().end() };

    QPointer<Session> self(this);
    Routing::Router *router = &m_context.router;
    Presence::PresenceTracker *presence = &m_context.presence;
    m_context.store.append(
        std::move(message),
        [self, router, presence, requestId](const Result<Store::Appended> &appended) {
            // Routing does not depend on the sender still being connected.
            if (appended && !appended.value().duplicate) {
                router->cacheMembers(appended.value().message.conversation_id(),
                                     appended.value().memberIds);
                router->deliver(appended.value(), self.data());
                // A first direct message makes two users contacts.
                if (appended.value().message.seq() == 1 && appended.value().memberIds.size() == 2)
                    presence->becameContacts(appended.value().memberIds.at(0),
                                             appended.value().memberIds.at(1));
            }
            if (!self)
                return;
            if (!appended) {
                Error error = appended.error();
                error.requestId = requestId;
                return self->sendError(error);
            }
            self->sendAck(requestId, appended.value().message);
        });
}

void Session::sendAck(quint64 requestId, const pb::Message &stored)
{
    pb::Envelope reply;
    reply.set_request_id(requestId);
    auto *ack = reply.mutable_message_ack();
    ack->set_client_id(stored.client_id());
    ack->set_message_id(stored.message_id());
    ack->set_conversation_id(stored.conversation_id());
    ack->set_seq(stored.seq());
    ack->set_server_time_ms(stored.server_time_ms());
    send(reply);
}

bool Session::takeChunkSlot(quint64 requestId)
{
    if (m_chunksInFlight >= kMaxChunksInFlight) {
        sendError({ ErrorCode::RATE_LIMITED,
                    QStringLiteral("at most %1 chunks at once").arg(kMaxChunksInFlight), requestId,
                    50 });
        return false;
    }
    return true;
}

void Session::replyUploadStatus(quint64 requestId, const QByteArray &uploadId, qint64 offset,
                                quint64 attachmentId)
{
    pb::Envelope reply;
    reply.set_request_id(requestId);
    auto *status = reply.mutable_upload_status();
    status->set_upload_id(uploadId.toStdString());
    status->set_committed_offset(quint64(offset));
    status->set_attachment_id(attachmentId);
    send(reply);
}

void Session::handleBeginUpload(quint64 requestId, const pb::BeginUpload &begin)
{
    const Limits &limits = m_context.config.limits;
    if (limits.maxAttachmentBytes == 0)
        return sendError({ ErrorCode::FILE_TOO_LARGE,
                           QStringLiteral("this server does not take attachments"), requestId });
    if (begin.size() == 0)
        return sendError(
            { ErrorCode::INVALID_ARGUMENT, QStringLiteral("an empty file"), requestId });
    if (begin.size() > limits.maxAttachmentBytes)
        return sendError(
            { ErrorCode::FILE_TOO_LARGE,
              QStringLiteral("a file is at most %1 bytes").arg(limits.maxAttachmentBytes),
              requestId });
    Store::UploadRecord wanted;
    wanted.uploadId = QUuid::createUuid().toRfc4122();
    wanted.userId = m_userId;
    // A name, never a path.
    wanted.name = QFileInfo(QString::fromStdString(begin.name()).replace(u'\\', u'/')).fileName();
    if (wanted.name.isEmpty() || wanted.name == QLatin1String("..")
        || wanted.name == QLatin1String("."))
        wanted.name = QStringLiteral("file");
    wanted.mimeType = QString::fromStdString(begin.mime_type());
    if (wanted.mimeType.isEmpty())
        wanted.mimeType = QStringLiteral("application/octet-stream");
    wanted.size = begin.size();
    wanted.sha256 = QByteArray::fromStdString(begin.sha256());
    wanted.thumbnail = QByteArray::fromStdString(begin.thumbnail());
    wanted.width = begin.width();
    wanted.height = begin.height();
    wanted.createdMs = QDateTime::currentMSecsSinceEpoch();
    m_context.store.run(
        this, [wanted](Store::Store &store) { return store.beginUpload(wanted); },
        [this, requestId](const Result<Store::UploadRecord> &upload) {
            if (!upload)
                return sendError({ upload.error().code, upload.error().message, requestId });
            const Store::UploadRecord record = upload.value();
            if (m_uploads.size() >= kMaxUploadsRemembered)
                m_uploads.clear();
            m_uploads.insert(record.uploadId, record);
            Store::BlobStore *blobs = &m_context.blobs;
            blobs->run(
                this, [blobs, id = record.uploadId] { return blobs->partSize(id); },
                [this, requestId, record](qint64 held) {
                    // All there already (the answer to the last chunk was lost): finish now.
                    if (quint64(held) == record.size)
                        return finishUpload(requestId, record);
                    replyUploadStatus(requestId, record.uploadId, held);
                });
        });
}

void Session::handleUploadChunk(quint64 requestId, const pb::UploadChunk &chunk)
{
    const QByteArray uploadId = QByteArray::fromStdString(chunk.upload_id());
    const auto known = m_uploads.constFind(uploadId);
    if (known == m_uploads.cend()) {
        // Not begun on this connection: BeginUpload again (it resumes the same upload).
        return sendError({ ErrorCode::NOT_FOUND,
                           QStringLiteral("no such upload on this connection; send BeginUpload"),
                           requestId });
    }
    const Store::UploadRecord upload = *known;
    const quint64 offset = chunk.offset();
    const quint64 length = chunk.data().size();
    const bool last = offset + length == upload.size;
    if (offset + length > upload.size
        || (!last && length != m_context.config.limits.attachmentChunkBytes))
        return sendError({ ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("a chunk is %1 bytes, or the rest of the file")
                               .arg(m_context.config.limits.attachmentChunkBytes),
                           requestId });
    ++m_chunksInFlight;
    Store::BlobStore *blobs = &m_context.blobs;
    blobs->run(
        this,
        [blobs, uploadId, offset, data = QByteArray::fromStdString(chunk.data())] {
            return blobs->append(uploadId, qint64(offset), data);
        },
        [this, requestId, upload](const Result<qint64> &held) {
            --m_chunksInFlight;
            if (!held)
                return sendError({ held.error().code, held.error().message, requestId });
            if (quint64(held.value()) == upload.size)
                return finishUpload(requestId, upload);
            replyUploadStatus(requestId, upload.uploadId, held.value());
        });
}

void Session::finishUpload(quint64 requestId, const Store::UploadRecord &upload)
{
    ++m_chunksInFlight; // hashing a large file is chunk work too
    Store::BlobStore *blobs = &m_context.blobs;
    blobs->run(
        this,
        [blobs, upload] {
            return blobs->finish(upload.uploadId, upload.sha256, qint64(upload.size));
        },
        [this, requestId, upload](const Result<void> &filed) {
            --m_chunksInFlight;
            if (!filed) {
                if (filed.error().code == ErrorCode::HASH_MISMATCH) {
                    // Nothing of it is kept: a new BeginUpload starts from zero.
                    m_uploads.remove(upload.uploadId);
                    m_context.store.run(
                        this,
                        [upload](Store::Store &store) {
                            return store.discardUpload(upload.userId, upload.uploadId);
                        },
                        [](const Result<void> &) {});
                }
                return sendError({ filed.error().code, filed.error().message, requestId });
            }
            m_context.store.completeUpload(
                this, upload.userId, upload.uploadId,
                [this, requestId, upload](const Result<Store::AttachmentRecord> &attachment) {
                    if (!attachment)
                        return sendError(
                            { attachment.error().code, attachment.error().message, requestId });
                    m_uploads.remove(upload.uploadId);
                    replyUploadStatus(requestId, upload.uploadId, qint64(upload.size),
                                      attachment.value().attachmentId);
                });
        });
}

void Session::handleDownload(quint64 requestId, const pb::DownloadRequest &request)
{
    const quint32 chunkBytes = m_context.config.limits.attachmentChunkBytes;
    const quint32 length =
        request.length() == 0 ? chunkBytes : std::min(request.length(), chunkBytes);
    ++m_chunksInFlight;
    m_context.store.run(
        this,
        [userId = m_userId, attachmentId = request.attachment_id()](Store::Store &store) {
            return store.attachmentFor(userId, attachmentId);
        },
        [this, requestId, offset = request.offset(),
         length](const Result<Store::AttachmentRecord> &attachment) {
            if (!attachment) {
                --m_chunksInFlight;
                return sendError(
                    { attachment.error().code, attachment.error().message, requestId });
            }
            const Store::AttachmentRecord a = attachment.value();
            if (offset > a.size) {
                --m_chunksInFlight;
                return sendError({ ErrorCode::INVALID_ARGUMENT,
                                   QStringLiteral("offset past the end"), requestId });
            }
            Store::BlobStore *blobs = &m_context.blobs;
            blobs->run(
                this,
                [blobs, sha = a.sha256, offset, length] {
                    return blobs->read(sha, qint64(offset), qint64(length));
                },
                [this, requestId, a, offset](const Result<QByteArray> &data) {
                    --m_chunksInFlight;
                    if (!data)
                        return sendError({ data.error().code, data.error().message, requestId });
                    pb::Envelope reply;
                    reply.set_request_id(requestId);
                    auto *chunk = reply.mutable_download_chunk();
                    chunk->set_attachment_id(a.attachmentId);
                    chunk->set_offset(offset);
                    chunk->set_data(data.value().constData(), size_t(data.value().size()));
                    chunk->set_size(a.size);
                    send(reply);
                });
        });
}

void Session::handleChangeMessage(quint64 requestId, const pb::ChangeMessage &change)
{
    Store::MessageChangeRequest request;
    request.actorId = m_userId;
    request.clientId = QByteArray::fromStdString(change.client_id());
    request.conversationId = change.conversation_id();
    request.targetId = change.message_id();
    request.kind = change.kind();
    request.text = change.text();
    request.emoji = change.emoji();

    QPointer<Session> self(this);
    Routing::Router *router = &m_context.router;
    m_context.store.changeMessage(
        std::move(request), [self, router, requestId](const Result<Store::Appended> &appended) {
            // Every member's devices apply it, whether or not the requester is still here.
            if (appended && !appended.value().duplicate)
                router->deliver(appended.value(), self.data());
            if (!self)
                return;
            if (!appended) {
                Error error = appended.error();
                error.requestId = requestId;
                return self->sendError(error);
            }
            self->sendAck(requestId, appended.value().message);
        });
}

quint32 Session::pageSize(quint32 requested) const
{
    const quint32 max = m_context.config.limits.maxPageSize;
    return requested == 0 ? std::min<quint32>(100, max) : std::min(requested, max);
}

void Session::handleSync(quint64 requestId, const pb::SyncRequest &request)
{
    QHash<quint64, quint64> cursors;
    cursors.reserve(request.cursors_size());
    for (const auto &cursor : request.cursors())
        cursors.insert(cursor.conversation_id(), cursor.seq());
    // The cursors it saves share the batch's commit (a reconnect storm would otherwise pay an
    // fsync per device); the page goes out once that commit is done.
    m_context.store.run(
        this,
        [userId = m_userId, deviceId = m_deviceId, cursors,
         size = int(pageSize(request.page_size()))](Store::Store &store) -> Result<pb::SyncPage> {
            // What the device reports holding is what was delivered to it.
            if (auto saved = store.saveSyncCursors(userId, deviceId, cursors); !saved)
                return saved.error();
            return store.sync(userId, cursors, size);
        },
        [this, requestId](const Result<pb::SyncPage> &page) {
            if (!page)
                return sendError({ page.error().code, page.error().message, requestId });
            pb::Envelope reply;
            reply.set_request_id(requestId);
            *reply.mutable_sync_page() = page.value();
            fitToFrame(*reply.mutable_sync_page(), m_context.config.limits.maxFrameBytes);
            countCatchUp(reply.mutable_sync_page());
            send(reply);
        });
}

void Session::countCatchUp(pb::SyncPage *page) const
{
    if (!m_notifyRulesLoaded)
        return;
    struct Seen
    {
        bool direct = false;
        quint64 readSeq = 0;
        bool counted = false;
    };
    QHash<quint64, Seen> conversations;
    for (const pb::Conversation &conversation : page->conversations())
        conversations.insert(conversation.conversation_id(),
                             { conversation.kind() == pb::CONVERSATION_KIND_DIRECT,
                               conversation.read_seq(), false });
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    pb::CatchUp *catchUp = page->mutable_catch_up();
    for (const pb::Message &message : page->messages()) {
        const auto seen = conversations.find(message.conversation_id());
        if (seen == conversations.end() || message.seq() <= seen->readSeq)
            continue; // read already, on some device of the user
        const pb::NotifyPriority priority =
            m_notifyRules.priority(message, { seen->direct, m_userId }, now);
        if (priority == pb::NOTIFY_PRIORITY_HIGH)
            catchUp->set_high(catchUp->high() + 1);
        else if (priority == pb::NOTIFY_PRIORITY_NORMAL)
            catchUp->set_normal(catchUp->normal() + 1);
        else
            continue;
        if (!std::exchange(seen->counted, true))
            catchUp->add_conversation_ids(message.conversation_id());
    }
    if (catchUp->high() == 0 && catchUp->normal() == 0)
        page->clear_catch_up();
}

pb::NotifyPriority Session::notifyPriority(const pb::Message &message, bool direct,
                                           qint64 nowMs) const
{
    if (!m_notifyRulesLoaded)
        return pb::NOTIFY_PRIORITY_UNSET;
    return m_notifyRules.priority(message, { direct, m_userId }, nowMs);
}

void Session::takeNotificationPrefs(const pb::NotificationPrefs &prefs)
{
    if (m_notifyRulesLoaded && prefs.version() < m_notifyRules.prefs().version())
        return; // a change from another device overtook the load at sign-in
    m_notifyRules = Notify::Rules(prefs);
    m_notifyRulesLoaded = true;
}

void Session::handleHistory(quint64 requestId, const pb::HistoryRequest &request)
{
    m_context.store.run(
        this,
        [userId = m_userId, conversationId = request.conversation_id(),
         beforeSeq = request.before_seq(),
         limit = int(pageSize(request.limit()))](Store::Store &store) {
            return store.history(userId, conversationId, beforeSeq, limit);
        },
        [this, requestId](const Result<pb::HistoryPage> &page) {
            if (!page)
                return sendError({ page.error().code, page.error().message, requestId });
            pb::Envelope reply;
            reply.set_request_id(requestId);
            *reply.mutable_history_page() = page.value();
            fitToFrame(*reply.mutable_history_page(), m_context.config.limits.maxFrameBytes);
            send(reply);
        });
}

void Session::handleListConversations(quint64 requestId)
{
    m_context.store.run(
        this, [userId = m_userId](Store::Store &store) { return store.conversations(userId); },
        [this, requestId](const Result<pb::ConversationList> &list) {
            if (!list)
                return sendError({ list.error().code, list.error().message, requestId });
            pb::Envelope reply;
            reply.set_request_id(requestId);
            *reply.mutable_conversation_list() = list.value();
            fitToFrame(*reply.mutable_conversation_list(), m_context.config.limits.maxFrameBytes);
            send(reply);
        });
}

void Session::handleLogout(quint64 requestId)
{
    m_context.auth.logout(this, m_token, [this, requestId](const Result<void> &done) {
        if (!done)
            return sendError({ done.error().code, done.error().message, requestId });
        pb::Envelope reply;
        reply.set_request_id(requestId);
        reply.mutable_ok();
        send(reply);
        close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("logged out"));
    });
}

void Session::handleGetNotificationPrefs(quint64 requestId)
{
    QPointer<Session> self(this);
    m_context.store.run(
        &m_context.store,
        [userId = m_userId](Store::Store &store) { return store.notificationPrefs(userId); },
        [self, requestId](const Result<pb::NotificationPrefs> &prefs) {
            if (!self)
                return;
            if (!prefs)
                return self->sendError({ prefs.error().code, prefs.error().message, requestId });
            pb::Envelope reply;
            reply.set_request_id(requestId);
            *reply.mutable_notification_prefs() = prefs.value();
            self->send(reply);
        });
}

void Session::handleSetNotificationPrefs(quint64 requestId, const pb::NotificationPrefs &prefs)
{
    // An IANA id this server knows ("Etc/UTC" too, which the zone tables do not list). Only
    // such characters are looked up: no path reaches the time zone database.
    const QByteArray zone = QByteArray::fromStdString(prefs.time_zone());
    static const QRegularExpression zoneId(
        QStringLiteral("^[A-Za-z][A-Za-z0-9_+\\-]*(/[A-Za-z0-9_+\\-]+)*$"));
    if (!zone.isEmpty()
        && (!zoneId.match(QString::fromLatin1(zone)).hasMatch() || !QTimeZone(zone).isValid()))
        return sendError({ ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("unknown time zone %1").arg(QString::fromUtf8(zone)),
                           requestId });
    const QString email = QString::fromStdString(prefs.digest_email());
    if (!email.isEmpty() && !Notify::isPlainEmailAddress(email))
        return sendError({ ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("not an email address: %1").arg(email.left(64)),
                           requestId });
    QPointer<Session> self(this);
    Routing::Router *router = &m_context.router;
    m_context.store.run(
        &m_context.store,
        [userId = m_userId, prefs](Store::Store &store) {
            return store.setNotificationPrefs(userId, prefs);
        },
        [self, router, requestId, userId = m_userId](const Result<pb::NotificationPrefs> &stored) {
            if (stored) {
                // The user's other devices follow at once (PROTOCOL.md §15), and every session
                // of the user decides priorities by them from now on.
                pb::Envelope event;
                *event.mutable_notification_prefs() = stored.value();
                const QByteArray frame = Codec::encode(event);
                for (Session *session : router->sessionsOf(userId)) {
                    session->takeNotificationPrefs(stored.value());
                    if (session != self.data())
                        session->sendFrame(frame);
                }
            }
            if (!self)
                return;
            if (!stored)
                return self->sendError({ stored.error().code, stored.error().message, requestId });
            pb::Envelope reply;
            reply.set_request_id(requestId);
            *reply.mutable_notification_prefs() = stored.value();
            self->send(reply);
        });
}

void Session::handleListSessions(quint64 requestId)
{
    m_context.auth.sessions(
        this, m_userId, [this, requestId](const Result<QList<Store::SessionRecord>> &found) {
            if (!found)
                return sendError({ found.error().code, found.error().message, requestId });
            QSet<QByteArray> online;
            for (const Session *session : m_context.router.sessionsOf(m_userId))
                online.insert(session->m_tokenHash);
            pb::Envelope reply;
            reply.set_request_id(requestId);
            auto *list = reply.mutable_session_list();
            for (const Store::SessionRecord &record : found.value()) {
                const bool current = record.tokenHash == m_tokenHash;
                pb::SessionInfo *info = list->add_sessions();
                info->set_session_id(record.tokenHash.toStdString());
                info->set_client_name(record.clientName.toStdString());
                info->set_client_version(record.clientVersion.toStdString());
                info->set_device_name(record.deviceName.toStdString());
                info->set_created_ms(record.createdMs);
                info->set_last_seen_ms(record.lastSeenMs);
                info->set_expires_ms(record.expiresMs);
                info->set_current(current);
                info->set_online(online.contains(record.tokenHash));
                if (current && list->sessions_size() > 1) // the current one first
                    list->mutable_sessions()->SwapElements(0, list->sessions_size() - 1);
            }
            send(reply);
        });
}

void Session::handleRevokeSession(quint64 requestId, const pb::RevokeSession &revoke)
{
    const QByteArray tokenHash = QByteArray::fromStdString(revoke.session_id());
    m_context.auth.revokeSession(
        this, m_userId, tokenHash, [this, requestId, tokenHash](const Result<void> &done) {
            if (!done)
                return sendError({ done.error().code, done.error().message, requestId });
            replyOk(requestId);
            endSessions(
                [&tokenHash](const Session &session) { return session.m_tokenHash == tokenHash; });
        });
}

void Session::handleRevokeOtherSessions(quint64 requestId)
{
    m_context.auth.revokeOtherSessions(
        this, m_userId, m_tokenHash, [this, requestId](const Result<void> &done) {
            if (!done)
                return sendError({ done.error().code, done.error().message, requestId });
            replyOk(requestId);
            endSessions(
                [this](const Session &session) { return session.m_tokenHash != m_tokenHash; });
        });
}

void Session::handleChangePassword(quint64 requestId, const pb::ChangePassword &change)
{
    m_context.auth.changePassword(this, m_userId, Auth::LoginThrottle::addressKey(m_peerAddress),
                                  QByteArray::fromStdString(change.current_password()),
                                  QByteArray::fromStdString(change.new_password()), m_tokenHash,
                                  [this, requestId](const Result<void> &done) {
                                      if (!done) {
                                          Error error = done.error();
                                          error.requestId = requestId;
                                          return sendError(error);
                                      }
                                      replyOk(requestId);
                                      endSessions([this](const Session &session) {
                                          return session.m_tokenHash != m_tokenHash;
                                      });
                                  });
}

void Session::endSessions(const std::function<bool(const Session &)> &which)
{
    // The tokens are gone from the store; the connections signed in with them go now, not at
    // their next resume.
    for (Session *session : m_context.router.sessionsOf(m_userId)) {
        if (session != this && which(*session))
            session->closeRevoked();
    }
}

void Session::closeRevoked()
{
    close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("session revoked"));
}

void Session::replyOk(quint64 requestId)
{
    pb::Envelope reply;
    reply.set_request_id(requestId);
    reply.mutable_ok();
    send(reply);
}

void Session::handleGroupChange(quint64 requestId, const pb::Envelope &envelope)
{
    using Kind = Store::GroupChange::Kind;
    Store::GroupChange change;
    change.actorId = m_userId;
    change.maxMembers = int(m_context.config.limits.maxGroupMembers);
    change.minRetentionDays = m_context.config.limits.minRetentionDays;
    change.maxRetentionDays = m_context.config.retentionDays();
    auto usernames = [](const auto &names) {
        QStringList list;
        for (const auto &name : names)
            list.append(QString::fromStdString(name));
        return list;
    };
    switch (envelope.body_case()) {
    case pb::Envelope::kCreateGroup: {
        const auto &create = envelope.create_group();
        change.kind = Kind::Create;
        change.clientId = QByteArray::fromStdString(create.client_id());
        change.title = QString::fromStdString(create.title());
        change.userIds = { create.member_ids().begin(), create.member_ids().end() };
        change.usernames = usernames(create.member_usernames());
        break;
    }
    case pb::Envelope::kRenameGroup:
        change.kind = Kind::Rename;
        change.conversationId = envelope.rename_group().conversation_id();
        change.title = QString::fromStdString(envelope.rename_group().title());
        break;
    case pb::Envelope::kAddMembers: {
        const auto &add = envelope.add_members();
        change.kind = Kind::AddMembers;
        change.conversationId = add.conversation_id();
        change.userIds = { add.user_ids().begin(), add.user_ids().end() };
        change.usernames = usernames(add.usernames());
        if (change.userIds.isEmpty() && change.usernames.isEmpty())
            return sendError(
                { ErrorCode::INVALID_ARGUMENT, QStringLiteral("name someone to add"), requestId });
        break;
    }
    case pb::Envelope::kRemoveMember:
        change.kind = Kind::RemoveMember;
        change.conversationId = envelope.remove_member().conversation_id();
        change.userIds = { envelope.remove_member().user_id() };
        break;
    case pb::Envelope::kLeaveGroup:
        change.kind = Kind::Leave;
        change.conversationId = envelope.leave_group().conversation_id();
        break;
    case pb::Envelope::kSetRetention:
        change.kind = Kind::SetRetention;
        change.conversationId = envelope.set_retention().conversation_id();
        change.retentionDays = envelope.set_retention().retention_days();
        break;
    default: // kSetRole
        change.kind = Kind::SetRole;
        change.conversationId = envelope.set_role().conversation_id();
        change.userIds = { envelope.set_role().user_id() };
        change.role = envelope.set_role().role();
        break;
    }

    QPointer<Session> self(this);
    Routing::Router *router = &m_context.router;
    Presence::PresenceTracker *presence = &m_context.presence;
    m_context.store.changeGroup(
        std::move(change),
        [self, router, presence, requestId](const Result<Store::GroupChanged> &changed) {
            // The members hear of it whether or not the requester is still connected.
            if (changed && changed.value().changed() && !changed.value().appended.duplicate) {
                const Store::GroupChanged &c = changed.value();
                const quint64 conversationId = c.snapshot.conversation_id();
                router->forgetMembers(conversationId);
                router->deliver(c.appended, self.data());
                pb::Envelope event;
                *event.mutable_conversation_event()->mutable_conversation() = c.snapshot;
                router->broadcast(c.appended.memberIds, Codec::encode(event), self.data());
                // Who gained or lost contacts: the members who came or went, not everyone.
                const pb::GroupEvent &change = c.appended.message.group_event();
                switch (change.kind()) {
                case pb::GroupEvent::CREATED:
                case pb::GroupEvent::MEMBERS_ADDED:
                    presence->joined({ change.user_ids().begin(), change.user_ids().end() },
                                     c.appended.memberIds);
                    break;
                case pb::GroupEvent::MEMBER_REMOVED:
                    presence->contactsChanged(
                        { change.user_ids().begin(), change.user_ids().end() });
                    break;
                case pb::GroupEvent::MEMBER_LEFT:
                    presence->contactsChanged({ c.appended.message.sender_id() });
                    break;
                default:
                    break; // a rename or a role: nobody's contacts change
                }
            }
            if (!self)
                return;
            if (!changed)
                return self->sendError(
                    { changed.error().code, changed.error().message, requestId });
            pb::Envelope reply;
            reply.set_request_id(requestId);
            auto *result = reply.mutable_group_result();
            *result->mutable_conversation() = changed.value().conversation;
            if (changed.value().changed())
                *result->mutable_event() = changed.value().appended.message;
            fitToFrame(*result->mutable_conversation(),
                       self->m_context.config.limits.maxFrameBytes);
            self->send(reply);
        });
}

void Session::handleUpdateReceipt(quint64 requestId, const pb::UpdateReceipt &update)
{
    QPointer<Session> self(this);
    Routing::Router *router = &m_context.router;
    m_context.store.run(
        &m_context.store,
        [userId = m_userId, update](Store::Store &store) {
            return store.updateReceipt(userId, update.conversation_id(), update.delivered_seq(),
                                       update.read_seq());
        },
        [self, router, requestId](const Result<Store::ReceiptChange> &change) {
            if (change && change.value().moved) {
                pb::Envelope event;
                *event.mutable_receipt_event()->mutable_receipt() = change.value().receipt;
                router->broadcast(change.value().memberIds, Codec::encode(event), self.data());
            }
            if (!self)
                return;
            if (!change)
                return self->sendError({ change.error().code, change.error().message, requestId });
            self->replyOk(requestId);
        });
}

void Session::handleTyping(quint64 requestId, const pb::Typing &typing)
{
    const quint64 conversationId = typing.conversation_id();
    if (const QList<quint64> *members = m_context.router.cachedMembers(conversationId))
        return typingTo(requestId, conversationId, *members);
    m_context.store.run(
        this, [conversationId](Store::Store &store) { return store.activeMembers(conversationId); },
        [this, requestId, conversationId](const Result<QList<quint64>> &members) {
            if (!members) {
                if (requestId)
                    sendError({ members.error().code, members.error().message, requestId });
                return;
            }
            m_context.router.cacheMembers(conversationId, members.value());
            typingTo(requestId, conversationId, members.value());
        });
}

void Session::typingTo(quint64 requestId, quint64 conversationId, const QList<quint64> &members)
{
    if (!members.contains(m_userId)) {
        // Said the same way as for an unknown conversation: nothing leaks about others' chats.
        if (requestId)
            sendError({ ErrorCode::NOT_FOUND, QStringLiteral("no such conversation"), requestId });
        return;
    }
    const qint64 now = nowMs();
    const auto last = m_typingMs.constFind(conversationId);
    if (last == m_typingMs.cend() || now - last.value() >= kTypingMinIntervalMs) {
        if (m_typingMs.size() >= kMaxTypingConversations)
            m_typingMs.clear(); // bounded; the throttle is a courtesy, the rate limit the guard
        m_typingMs.insert(conversationId, now);
        pb::Envelope event;
        event.mutable_typing_event()->set_conversation_id(conversationId);
        event.mutable_typing_event()->set_user_id(m_userId);
        QList<quint64> others = members;
        others.removeAll(m_userId); // never stored, never echoed to the typist's own devices
        m_context.router.broadcast(others, Codec::encode(event));
    }
    if (requestId)
        replyOk(requestId);
}

void Session::handleSetPresence(quint64 requestId, const pb::SetPresence &presence)
{
    if (presence.state() != pb::PRESENCE_ONLINE && presence.state() != pb::PRESENCE_AWAY)
        return sendError({ ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("a connected client is ONLINE or AWAY"), requestId });
    m_context.presence.setAway(this, presence.state() == pb::PRESENCE_AWAY);
    replyOk(requestId);
}

} // namespace Confab::Net
