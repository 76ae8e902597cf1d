#include "chatclient.h"

#include "localcache.h"

#include <confab/codec.h>
#include <confab/fingerprint.h>
#include <confab/ids.h>
#include <confab/logging.h>
#include <confab/version.h>

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QNetworkInformation>
#include <QPointer>
#include <QPromise>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>
#include <QSettings>
#include <QSslCertificate>
#include <QSslError>
#include <QSslSocket>
#include <QSysInfo>
#include <QTcpSocket>
#include <QThreadPool>
#include <QTimer>
#include <QWebSocket>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace Confab::Client {

namespace {

constexpr int kMaxSendAttempts = 8;
constexpr int kLivenessCheckMs = 1000;
//! Entries deleted by retention per turn of the event loop (LocalCache::deletePurged).
constexpr int kPurgeBatchRows = 500;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

NotificationPrefs prefsFromWire(const pb::NotificationPrefs &p)
{
    NotificationPrefs prefs;
    prefs.doNotDisturb = p.do_not_disturb();
    prefs.quietHours = p.quiet_hours();
    prefs.quietStartMinute = int(p.quiet_start_minute());
    prefs.quietEndMinute = int(p.quiet_end_minute());
    prefs.timeZone = QString::fromStdString(p.time_zone());
    prefs.showPreview = !p.hide_preview();
    prefs.emailDigest = !p.no_email_digest();
    prefs.digestEmail = QString::fromStdString(p.digest_email());
    for (const auto &c : p.conversations()) {
        const NotifyMode mode = c.level() == pb::NOTIFY_LEVEL_MUTED ? NotifyMode::Muted
            : c.level() == pb::NOTIFY_LEVEL_MENTIONS                ? NotifyMode::MentionsOnly
                                                                    : NotifyMode::All;
        if (mode != NotifyMode::All)
            prefs.conversations.insert(c.conversation_id(), { mode, c.muted_until_ms() });
    }
    prefs.version = p.version();
    return prefs;
}

pb::NotificationPrefs prefsToWire(const NotificationPrefs &prefs)
{
    pb::NotificationPrefs p;
    p.set_do_not_disturb(prefs.doNotDisturb);
    p.set_quiet_hours(prefs.quietHours);
    p.set_quiet_start_minute(quint32(std::clamp(prefs.quietStartMinute, 0, 24 * 60 - 1)));
    p.set_quiet_end_minute(quint32(std::clamp(prefs.quietEndMinute, 0, 24 * 60 - 1)));
    p.set_time_zone(prefs.timeZone.toStdString());
    p.set_hide_preview(!prefs.showPreview);
    p.set_no_email_digest(!prefs.emailDigest);
    p.set_digest_email(prefs.digestEmail.toStdString());
    QList<quint64> ids = prefs.conversations.keys();
    std::sort(ids.begin(), ids.end());
    for (quint64 id : ids) {
        const ConversationNotify &c = prefs.conversations.value(id);
        if (c.mode == NotifyMode::All)
            continue;
        auto *entry = p.add_conversations();
        entry->set_conversation_id(id);
        entry->set_level(c.mode == NotifyMode::Muted ? pb::NOTIFY_LEVEL_MUTED
                                                     : pb::NOTIFY_LEVEL_MENTIONS);
        entry->set_muted_until_ms(c.mode == NotifyMode::Muted ? c.mutedUntilMs : 0);
    }
    p.set_version(prefs.version);
    return p;
}

ChatMessage fromWire(const pb::Message &m)
{
    ChatMessage message;
    message.clientId = uuidFromWire(m.client_id());
    message.messageId = m.message_id();
    message.conversationId = m.conversation_id();
    message.seq = m.seq();
    message.senderId = m.sender_id();
    message.text = QString::fromStdString(m.text());
    message.timeMs = m.server_time_ms();
    message.state = MessageState::Sent;
    if (m.has_group_event()) {
        const auto &e = m.group_event();
        message.event.kind = GroupEvent::Kind(e.kind());
        for (quint64 userId : e.user_ids())
            message.event.userIds.append(userId);
        message.event.title = QString::fromStdString(e.title());
        message.event.role = Role(e.role());
        message.event.retentionDays = int(std::min<quint32>(e.retention_days(), 1u << 30));
    }
    if (m.has_change()) {
        message.change = ChangeKind(m.change().kind());
        message.targetId = m.change().target_message_id();
        message.targetSeq = m.change().target_seq();
        message.emoji = QString::fromStdString(m.change().emoji());
    }
    message.replyToId = m.reply_to_message_id();
    message.replyToSeq = m.reply_to_seq();
    for (quint64 userId : m.mention_user_ids())
        message.mentions.append(userId);
    message.editedMs = m.edited_ms();
    message.deleted = m.deleted();
    message.changedSeq = m.changed_seq();
    for (const auto &reaction : m.reactions())
        message.reactions.append({ QString::fromStdString(reaction.emoji()),
                                   { reaction.user_ids().begin(), reaction.user_ids().end() } });
    for (const auto &a : m.attachments())
        message.attachments.append({ a.attachment_id(),
                                     QString::fromStdString(a.name()),
                                     QString::fromStdString(a.mime_type()),
                                     a.size(),
                                     QByteArray::fromStdString(a.sha256()),
                                     QByteArray::fromStdString(a.thumbnail()),
                                     int(a.width()),
                                     int(a.height()),
                                     {} });
    return message;
}

ConversationSummary fromWire(const pb::Conversation &c)
{
    ConversationSummary summary;
    summary.conversationId = c.conversation_id();
    summary.isGroup = c.kind() == pb::CONVERSATION_KIND_GROUP;
    summary.title = QString::fromStdString(c.title());
    for (const auto &member : c.members())
        summary.members.append({ member.user_id(), QString::fromStdString(member.username()),
                                 QString::fromStdString(member.display_name()),
                                 Role(member.role()) });
    for (const auto &receipt : c.receipts())
        summary.receipts.append({ receipt.user_id(), receipt.delivered_seq(), receipt.read_seq() });
    summary.lastSeq = c.last_seq();
    summary.readSeq = c.read_seq();
    summary.joinedSeq = c.joined_seq();
    summary.left = c.left();
    summary.retentionDays = int(std::min<quint32>(c.retention_days(), 1u << 30));
    summary.purgedSeq = c.purged_seq();
    summary.lastActivityMs = c.has_last_message() ? c.last_message().server_time_ms() : 0;
    return summary;
}

} // namespace

class ChatClient::Private
{
public:
    enum class Kind {
        Hello,
        Auth,
        Send,
        Sync,
        History,
        GapFill,
        ListConversations,
        Logout,
        Group,
        Receipt,
        Presence,
        Sessions,
        Revoke,
        Password,
        Upload, //!< BeginUpload and UploadChunk
        Download,
        Prefs //!< GetNotificationPrefs and SetNotificationPrefs
    };
    struct Request
    {
        Kind kind;
        QUuid clientId;
        quint64 conversationId = 0;
        quint64 delivered = 0; //!< Receipt: what it said, to say again if it is lost
        quint64 read = 0;
        qint64 offset = 0; //!< Upload, Download: the chunk's
        qint64 length = 0;
        quint64 generation = 0; //!< Upload, Download: the transfer's
        bool begin = false; //!< Upload: BeginUpload (otherwise a chunk)
    };

    // Attachments (PROTOCOL.md §14): one upload at a time, for the oldest message in the outbox
    // that has a file not yet uploaded; downloads side by side. At most kMaxChunksInFlight
    // chunks are in flight, uploads and downloads together, as the server allows.
    static constexpr int kMaxChunksInFlight = 8;
    static constexpr int kUploadWindow = 4; //!< an upload leaves room for downloads
    static constexpr int kMaxUploadAttempts = 8;
    quint64 transferGeneration = 0; //!< tells answers for a transfer given up on
    struct Upload
    {
        quint64 generation = 0;
        QUuid clientId; //!< the message
        qint64 localId = 0;
        int position = 0;
        AttachmentInfo file;
        std::string uploadId;
        qint64 committed = 0; //!< what the server holds
        qint64 next = 0; //!< where the next chunk starts
        int inFlight = 0;
        bool begun = false;
    };
    std::optional<Upload> upload;
    QHash<QUuid, int> uploadAttempts; //!< refusals so far, by message
    qint64 uploadNotBeforeMs = 0; //!< after a refusal: no new upload before then
    struct Download
    {
        quint64 generation = 0;
        AttachmentInfo file;
        QString target;
        std::unique_ptr<QFile> part;
        qint64 written = 0; //!< in the .part, from the start, in order
        qint64 asked = 0; //!< the next offset never asked for
        std::set<qint64> outstanding; //!< asked for, not answered
        std::set<qint64> again; //!< refused for a while: to ask for again
        std::map<qint64, QByteArray> early; //!< arrived ahead of `written`: written after it
        qint64 notBeforeMs = 0; //!< after a refusal: asks nothing before then
        int refusals = 0;
        bool verifying = false; //!< all there: its hash is being checked
    };
    std::map<quint64, Download> downloads; //!< by attachment id
    QSet<QPair<qint64, int>> hashing; //!< pending files (local id, position) being hashed
    quint64 cacheGeneration = 0; //!< grows when another account's cache opens
    enum class Credentials { None, Login, Register, Resume };

    explicit Private(ChatClient *q, const QString &dataDir) : q(q), dataDir(dataDir) { }

    ChatClient *const q;
    const QString dataDir;
    QUrl url { QStringLiteral("ws://127.0.0.1:7700/") };
    QWebSocket socket;
    State state = State::Disconnected;
    bool wantConnection = false;
    std::unique_ptr<LocalCache> cache;
    UserInfo user;
    Limits limits;
    unsigned serverMinor = 0; //!< Welcome.protocol_minor
    //! The server (host:port) that serverMinor and limits are from, and the open cache's: a
    //! cache only takes what its own server said (its retention above all).
    QString welcomeServer;
    QString cacheServer;
    //! Welcome.server_time_ms minus this clock then: expiry goes by the server's clock, so
    //! that a clock running fast here deletes nothing the server still keeps.
    qint64 serverClockOffsetMs = 0;
    bool emailDigests = false; //!< Welcome.email_digests, as last heard (kept in the cache)
    bool emailDigestsHeard = false; //!< from this server since the cache opened

    Credentials credentials = Credentials::None;
    QString username;
    QString password;
    QString displayName;
    QString token;

    quint64 nextRequestId = 1;
    QHash<quint64, Request> requests;
    QSet<QUuid> inFlight;
    QHash<QUuid, int> attempts;
    bool syncing = false;
    CatchUpSummary catchUp; //!< added up over the pages of the current sync
    QHash<quint64, bool> catchUpSeen; //!< its conversations, to list each once
    QSet<quint64> gapFilling;
    QByteArray deviceId;

    QTimer backoffTimer;
    QTimer retryTimer;
    QTimer livenessTimer;
    int backoffAttempt = 0;
    int backoffInitialMs = 500;
    int backoffMaxMs = 30'000;
    qint64 lastFrameMs = 0;
    double sendTokens = 0;
    qint64 outboxPausedUntilMs = 0;
    qint64 sendRefillMs = 0;

    std::optional<CertificateInfo> untrusted; //!< refused; the user has not decided
    bool away = false;
    QHash<quint64, Presence> presence;
    QHash<quint64, QHash<quint64, qint64>> typing; //!< conversation -> user -> shown until (ms)
    QHash<quint64, qint64> typingSentMs;
    QTimer typingTimer;
    struct PendingReceipt
    {
        quint64 delivered = 0;
        quint64 read = 0;
    };
    QHash<quint64, PendingReceipt> pendingReceipts;
    QTimer receiptTimer;
    QTimer expireTimer; //!< every kExpireIntervalMs while a cache is open
    QTimer expireSoonTimer; //!< coalesces the reasons to expire now
    QTimer purgeTimer; //!< the next batch of LocalCache::deletePurged
    bool purgeDeleted = false; //!< the running purge deleted something: views are told at the end

    //! Server profiles and their sessions: `profiles.ini` in the data directory. A profile is one
    //! account on one server; the token is kept here (a keychain is a later option).
    QSettings profiles() const
    {
        return QSettings(QDir(dataDir).filePath(QStringLiteral("profiles.ini")),
                         QSettings::IniFormat);
    }

    [[nodiscard]] static QString profileId(const QUrl &server, const QString &name)
    {
        return QStringLiteral("%1:%2/%3")
            .arg(server.host(), QString::number(server.port(7700)), name.toLower());
    }

    [[nodiscard]] static QString profileGroup(const QString &id)
    {
        return QStringLiteral("profile-") + QString::fromLatin1(id.toUtf8().toHex());
    }

    void forgetToken()
    {
        QSettings settings = profiles();
        settings.remove(
            profileGroup(profileId(url, user.username.isEmpty() ? username : user.username))
            + QStringLiteral("/token"));
    }

    void setState(State next, const QString &reason)
    {
        if (state == next)
            return;
        state = next;
        qCInfo(lcClientSync) << "state" << int(next) << reason;
        Q_EMIT q->stateChanged(next, reason);
    }

    bool openCache(const QString &forUsername)
    {
        const QString name = forUsername.toLower();
        const QString file =
            QStringLiteral("%1_%2_%3.db").arg(url.host(), QString::number(url.port(7700)), name);
        const QString path = QDir(dataDir).filePath(QStringLiteral("accounts/") + file);
        if (cache && cache->path() == path)
            return true;
        cacheServer = serverKey(url);
        // Another account's cache: nothing queued for the previous one may leak into it.
        pendingReceipts.clear();
        typingSentMs.clear();
        dropTransfers();
        cache = std::make_unique<LocalCache>(path);
        auto opened = cache->open();
        if (!opened) {
            qCWarning(lcClientSync) << "cannot open the cache:" << opened.error().message;
            cache.reset();
            return false;
        }
        if (!cache->movedAsidePath().isEmpty())
            Q_EMIT q->cacheRecovered(cache->movedAsidePath());
        checkCacheInBackground(path, name);
        if (emailDigestsHeard)
            static_cast<void>(
                cache->setSetting(QStringLiteral("email_digests"), emailDigests ? 1 : 0));
        else
            emailDigests = cache->setting(QStringLiteral("email_digests")).toInt() == 1;
        user.userId = cache->setting(QStringLiteral("user_id")).toULongLong();
        user.username = cache->setting(QStringLiteral("username"), name).toString();
        user.displayName = cache->setting(QStringLiteral("display_name")).toString();
        deviceId = cache->setting(QStringLiteral("device_id")).toByteArray();
        if (deviceId.size() != kUuidBytes) {
            deviceId = QUuid::createUuid().toRfc4122();
            static_cast<void>(cache->setSetting(QStringLiteral("device_id"), deviceId));
        }
        // What became too old while the app was not running goes first, online or not.
        expireTimer.start(kExpireIntervalMs);
        expireSoon();
        purgeTimer.start(); // a purge the app was stopped in the middle of
        return true;
    }

    //! The full integrity check reads the whole file: off the GUI thread, after the app is up.
    void checkCacheInBackground(const QString &path, const QString &name)
    {
        QPointer<ChatClient> guard(q);
        QThreadPool::globalInstance()->start([guard, path, name] {
            // Only a check that ran and found damage counts; one that could not run proves nothing.
            const std::optional<bool> ok = LocalCache::checkIntegrity(path);
            if (!ok.has_value() || *ok || !guard)
                return;
            QMetaObject::invokeMethod(guard, [guard, path, name] {
                if (guard && guard->d->cache && guard->d->cache->path() == path)
                    guard->d->recoverCache(name);
            });
        });
    }

    //! The open cache is damaged: set it aside, start an empty one and sync it from the server.
    void recoverCache(const QString &name)
    {
        const QString path = cache->path();
        qCWarning(lcClientSync) << "the cache" << path
                                << "is damaged: rebuilding it from the server";
        // What was still to be sent is rescued, with its client ids: the server stores each once.
        auto unsent = cache->outbox();
        cache.reset();
        const QString aside = LocalCache::moveAside(path);
        if (!openCache(name)) {
            wantConnection = false; // nothing to work on: stay disconnected, say why
            socket.abort();
            setState(State::Disconnected, ChatClient::tr("The local cache cannot be opened"));
            return;
        }
        if (unsent) {
            for (ChatMessage message : unsent.value()) {
                if (message.isChange()) {
                    // An edit, delete or reaction: on its target, once that is synced again.
                    ChatMessage target;
                    target.messageId = message.targetId;
                    target.seq = message.targetSeq;
                    target.conversationId = message.conversationId;
                    const QString value =
                        message.change == ChangeKind::Edited ? message.text : message.emoji;
                    static_cast<void>(cache->addPendingChange(target, message.change, value,
                                                              message.senderId, message.timeMs));
                    continue;
                }
                for (AttachmentInfo &file : message.attachments)
                    file.sha256.clear(); // hashed again: the file may have changed meanwhile
                static_cast<void>(cache->addPending(
                    message.conversationId, message.peerUsername, message.text, message.senderId,
                    message.timeMs, message.clientId, message.replyToId, message.replyToSeq,
                    message.mentions, message.attachments));
            }
        }
        Q_EMIT q->cacheRecovered(aside);
        Q_EMIT q->conversationsChanged();
        if (socket.state() == QAbstractSocket::ConnectedState)
            socket.abort(); // reconnect and sync everything into the new cache
    }

    quint64 send(pb::Envelope envelope, Request request)
    {
        const quint64 id = nextRequestId++;
        envelope.set_request_id(id);
        requests.insert(id, request);
        socket.sendBinaryMessage(Codec::encode(envelope));
        return id;
    }

    //! Drops the current connection at once, e.g. to sign in as someone else.
    void dropConnection()
    {
        wantConnection = false;
        backoffTimer.stop();
        if (socket.state() != QAbstractSocket::UnconnectedState)
            socket.abort();
    }

    //! Certificates the user trusted, by server: `trusted-certificates.ini` in the data directory.
    QSettings trustStore() const
    {
        return QSettings(QDir(dataDir).filePath(QStringLiteral("trusted-certificates.ini")),
                         QSettings::IniFormat);
    }
    static QString trustKey(const QUrl &server)
    {
        // Per host and port, as the certificate is: every account on that server shares it.
        return QStringLiteral("%1:%2").arg(server.host().toLower()).arg(server.port(443));
    }

    //! Verification failed. A certificate the user trusted for this server is accepted, with
    //! whatever errors it has (it is the same one: self-signed, or for another name); any other
    //! is refused, and the user is asked.
    void onSslErrors(const QList<QSslError> &errors)
    {
        // The QSslSocket under QWebSocket is its child (the newest one, after reconnects).
        const QList<QSslSocket *> sockets = socket.findChildren<QSslSocket *>();
        QSslCertificate certificate =
            sockets.isEmpty() ? QSslCertificate() : sockets.last()->peerCertificate();
        if (certificate.isNull() && !errors.isEmpty())
            certificate = errors.first().certificate();
        const QString fingerprint = certificateFingerprint(certificate.toDer());
        QSettings store = trustStore();
        const QString trusted = store.value(trustKey(url)).toString();
        if (!certificate.isNull() && trusted == fingerprint) {
            socket.ignoreSslErrors();
            return;
        }
        CertificateInfo info;
        info.server = url;
        info.fingerprint = fingerprint;
        info.trustedFingerprint = trusted;
        info.subject = certificate.subjectDisplayName();
        info.issuer = certificate.issuerDisplayName();
        info.expiry = certificate.expiryDate();
        for (const QSslError &error : errors)
            info.problems.append(error.errorString());
        untrusted = info;
        // No automatic retries: the same certificate would come back until the user decides.
        wantConnection = false;
        backoffTimer.stop();
        qCWarning(lcClientSync).noquote()
            << "refused the certificate of" << url.toDisplayString() << "SHA-256" << fingerprint
            << (trusted.isEmpty() ? "(not trusted yet)" : "(another one is trusted)");
        Q_EMIT q->certificateNeedsTrust(info);
    }

    void connectNow()
    {
        backoffTimer.stop();
        if (!wantConnection || socket.state() != QAbstractSocket::UnconnectedState)
            return;
        setState(State::Connecting, ChatClient::tr("Connecting to %1").arg(url.toDisplayString()));
        socket.open(url);
    }

    void scheduleReconnect(const QString &reason)
    {
        if (!wantConnection) {
            setState(State::Disconnected, reason);
            return;
        }
        // Exponential back-off with jitter (0.5x to 1.5x), so that many clients of a restarted
        // server do not all come back in the same instant.
        const int base = int(std::min<qint64>(
            backoffMaxMs, qint64(backoffInitialMs) << std::min(backoffAttempt, 20)));
        const int delay = int(base * (0.5 + QRandomGenerator::global()->generateDouble()));
        ++backoffAttempt;
        setState(State::Backoff, reason);
        backoffTimer.start(delay);
    }

    //! How this device appears in the account's session list: the computer's name and system.
    static QString deviceName()
    {
        // "Debian GNU/Linux 12 (bookworm)": the code name in brackets only adds length.
        QString system = QSysInfo::prettyProductName();
        if (system.endsWith(u')') && system.contains(QLatin1String(" (")))
            system.truncate(system.lastIndexOf(QLatin1String(" (")));
        QString name = QStringLiteral("%1 (%2)").arg(QSysInfo::machineHostName(), system);
        while (name.toUtf8().size() > kMaxNameBytes)
            name.chop(1);
        return name;
    }

    void onConnected()
    {
        untrusted.reset();
        lastFrameMs = nowMs();
        setState(State::Authenticating, ChatClient::tr("Signing in"));
        pb::Envelope hello;
        auto *h = hello.mutable_hello();
        h->set_protocol_major(kProtocolMajor);
        h->set_protocol_minor(kProtocolMinor);
        h->set_client_name("confab");
        h->set_client_version(kVersion);
        h->set_device_id(deviceId.toStdString());
        h->set_device_name(deviceName().toStdString());
        send(hello, { Kind::Hello, {}, 0 });
    }

    void onDisconnected()
    {
        // Older-history requests die with the connection: say so, so that views can ask again.
        bool groupRequestLost = false;
        bool accountRequestLost = false;
        for (const Request &request : std::as_const(requests)) {
            if (request.kind == Kind::History)
                Q_EMIT q->historyLoaded(request.conversationId, 0, true);
            else if (request.kind == Kind::Receipt) // unanswered: said again once online
                queueReceipt(request.conversationId, request.delivered, request.read);
            else if (request.kind == Kind::Group)
                groupRequestLost = true;
            else if (request.kind == Kind::Sessions || request.kind == Kind::Revoke
                     || request.kind == Kind::Password)
                accountRequestLost = true;
        }
        requests.clear();
        if (groupRequestLost)
            Q_EMIT q->groupRequestFailed(
                { ErrorCode::UNAVAILABLE,
                  ChatClient::tr("The connection was lost before the server answered. Check "
                                 "the group, then try again.") });
        if (accountRequestLost)
            Q_EMIT q->accountRequestFailed(
                { ErrorCode::UNAVAILABLE,
                  ChatClient::tr("The connection was lost before the server answered. Try "
                                 "again once online.") });
        inFlight.clear();
        gapFilling.clear();
        upload.reset(); // begun again (and resumed) once online
        for (auto &[id, download] : downloads) {
            // Asked again from what is written once online; what came early is asked again.
            download.outstanding.clear();
            download.again.clear();
            download.early.clear();
            download.asked = download.written;
        }
        // Offline, we know nothing of others' presence and typing.
        const QList<quint64> known = presence.keys();
        presence.clear();
        for (quint64 userId : known)
            Q_EMIT q->presenceChanged(userId);
        const QList<quint64> typingIn = typing.keys();
        typing.clear();
        for (quint64 conversationId : typingIn)
            Q_EMIT q->typingChanged(conversationId);
        syncing = false;
        livenessTimer.stop();
        if (untrusted) {
            scheduleReconnect(untrusted->hasChanged()
                                  ? ChatClient::tr("Not connected: the server's certificate has "
                                                   "changed since you trusted it")
                                  : ChatClient::tr("Not connected: the server's certificate is "
                                                   "not trusted"));
            return;
        }
        const QString reason =
            socket.closeReason().isEmpty() ? socket.errorString() : socket.closeReason();
        scheduleReconnect(ChatClient::tr("Disconnected: %1").arg(reason));
    }

    void sendCredentials()
    {
        pb::Envelope auth;
        switch (credentials) {
        case Credentials::Register:
            auth.mutable_register_account()->set_username(username.toStdString());
            auth.mutable_register_account()->set_password(password.toStdString());
            auth.mutable_register_account()->set_display_name(displayName.toStdString());
            break;
        case Credentials::Login:
            auth.mutable_login()->set_username(username.toStdString());
            auth.mutable_login()->set_password(password.toStdString());
            break;
        case Credentials::Resume:
            auth.mutable_resume()->set_token(token.toStdString());
            break;
        case Credentials::None:
            wantConnection = false;
            socket.close();
            return;
        }
        send(auth, { Kind::Auth, {}, 0 });
    }

    void onAuthenticated(const pb::AuthOk &ok)
    {
        user = { ok.user().user_id(), QString::fromStdString(ok.user().username()),
                 QString::fromStdString(ok.user().display_name()) };
        token = QString::fromStdString(ok.token());
        // From now on reconnects resume with the token; the password is forgotten.
        credentials = Credentials::Resume;
        password.clear();
        if (!cache || cache->setting(QStringLiteral("user_id")).toULongLong() != user.userId) {
            if (!openCache(user.username)) {
                wantConnection = false;
                socket.close();
                return;
            }
        }
        static_cast<void>(cache->setSetting(QStringLiteral("user_id"), user.userId));
        rememberServer(); // the cache may have opened just now
        static_cast<void>(
            cache->claimUnsentMessages(user.userId)); // written before we knew who we are
        static_cast<void>(cache->setSetting(QStringLiteral("username"), user.username));
        static_cast<void>(cache->setSetting(QStringLiteral("display_name"), user.displayName));
        QSettings settings = profiles();
        const QString id = profileId(url, user.username);
        settings.beginGroup(profileGroup(id));
        settings.setValue(QStringLiteral("id"), id);
        settings.setValue(QStringLiteral("url"), url.toString());
        settings.setValue(QStringLiteral("username"), user.username);
        settings.setValue(QStringLiteral("token"), token);
        settings.endGroup();
        settings.setValue(QStringLiteral("current"), id);
        settings.sync();
        Q_EMIT q->authenticated(user);
        startSync();
    }

    void startSync()
    {
        syncing = true;
        catchUp = {};
        catchUpSeen.clear();
        setState(State::Syncing, ChatClient::tr("Syncing"));
        requestSyncPage();
    }

    void requestSyncPage()
    {
        pb::Envelope request;
        auto *sync = request.mutable_sync_request();
        const QHash<quint64, quint64> cursors = cache->cursors();
        for (auto it = cursors.cbegin(); it != cursors.cend(); ++it) {
            auto *cursor = sync->add_cursors();
            cursor->set_conversation_id(it.key());
            cursor->set_seq(it.value());
        }
        sync->set_page_size(limits.maxPageSize);
        send(request, { Kind::Sync, {}, 0 });
    }

    void storeAndAnnounce(const QList<ChatMessage> &messages)
    {
        QList<ChatMessage> changed;
        auto stored = cache->storeMessages(messages, &changed);
        if (!stored) {
            qCWarning(lcClientSync) << "cannot store messages:" << stored.error().message;
            return;
        }
        QSet<quint64> received;
        for (const ChatMessage &message : stored.value()) {
            attempts.remove(message.clientId);
            if (message.event.kind == GroupEvent::Kind::MembersAdded) {
                // Joiners never see what came before: for ticks they have it all.
                for (quint64 joiner : message.event.userIds)
                    static_cast<void>(cache->storeReceipt(
                        message.conversationId, { joiner, message.seq - 1, message.seq - 1 }));
            }
            if (message.event.kind == GroupEvent::Kind::RetentionSet)
                expireSoon(); // once the conversation's new limit is stored too
            if (message.senderId != user.userId) {
                received.insert(message.conversationId);
                stopTyping(message.conversationId, message.senderId);
            }
            Q_EMIT q->messageAdded(message);
        }
        for (const ChatMessage &message : changed)
            Q_EMIT q->messageChanged(message);
        if (!received.isEmpty()) {
            // Delivered up to what this device holds without a gap.
            const QHash<quint64, quint64> cursors = cache->cursors();
            for (quint64 conversationId : received)
                queueReceipt(conversationId, cursors.value(conversationId), 0);
        }
    }

    void queueReceipt(quint64 conversationId, quint64 delivered, quint64 read)
    {
        PendingReceipt &pending = pendingReceipts[conversationId];
        pending.delivered = std::max(pending.delivered, std::max(delivered, read));
        pending.read = std::max(pending.read, read);
        if (!receiptTimer.isActive())
            receiptTimer.start();
    }

    void flushReceipts()
    {
        if (state != State::Online)
            return; // kept; sent when online again
        // Paced with the outbox under the server's rate: after a long absence there may be one
        // for each of hundreds of conversations. What does not go now waits for the next tick.
        for (auto it = pendingReceipts.begin(); it != pendingReceipts.end();) {
            if (!takeSendToken())
                return;
            pb::Envelope envelope;
            auto *update = envelope.mutable_update_receipt();
            update->set_conversation_id(it.key());
            update->set_delivered_seq(it->delivered);
            update->set_read_seq(it->read);
            send(envelope, { Kind::Receipt, {}, it.key(), it->delivered, it->read });
            it = pendingReceipts.erase(it);
        }
    }

    void stopTyping(quint64 conversationId, quint64 userId)
    {
        auto it = typing.find(conversationId);
        if (it == typing.end() || !it->remove(userId))
            return;
        if (it->isEmpty())
            typing.erase(it);
        Q_EMIT q->typingChanged(conversationId);
    }

    void expireTyping()
    {
        const qint64 now = nowMs();
        QList<quint64> changed;
        for (auto it = typing.begin(); it != typing.end();) {
            for (auto user = it->begin(); user != it->end();) {
                if (user.value() <= now) {
                    user = it->erase(user);
                    if (!changed.contains(it.key()))
                        changed.append(it.key());
                } else {
                    ++user;
                }
            }
            it = it->isEmpty() ? typing.erase(it) : std::next(it);
        }
        if (typing.isEmpty())
            typingTimer.stop();
        for (quint64 conversationId : changed)
            Q_EMIT q->typingChanged(conversationId);
    }

    // ----- retention (PROTOCOL.md §17)

    //! Stores what the server says of a conversation; when retention deleted more of it than
    //! was held, the views drop that and the cache deletes it.
    void storeConversation(const ConversationSummary &summary)
    {
        bool purgeMoved = false;
        if (auto stored = cache->storeConversation(summary, &purgeMoved); !stored) {
            qCWarning(lcClientSync) << "cannot store conversation" << summary.conversationId << ":"
                                    << stored.error().message;
            return;
        }
        if (purgeMoved)
            onPurgeMoved(summary.conversationId);
    }

    void onPurgeMoved(quint64 conversationId)
    {
        const auto conversation = cache->conversation(conversationId);
        if (!conversation)
            return;
        qCDebug(lcClientSync) << "conversation" << conversationId << "purged through seq"
                              << conversation.value().purgedSeq;
        Q_EMIT q->historyPurged(conversationId, conversation.value().purgedSeq);
        if (!purgeTimer.isActive())
            purgeTimer.start();
    }

    [[nodiscard]] static QString serverKey(const QUrl &server)
    {
        return QStringLiteral("%1:%2").arg(server.host()).arg(server.port(7700));
    }

    //! Whether serverMinor and limits were said by the open cache's server.
    [[nodiscard]] bool welcomedByCacheServer() const
    {
        return serverMinor != 0 && cache && welcomeServer == cacheServer;
    }

    [[nodiscard]] int storedServerRetentionDays() const
    {
        if (welcomedByCacheServer())
            return int(limits.retentionDays);
        return cache ? cache->setting(QStringLiteral("server_retention_days")).toInt() : 0;
    }

    //! Now by the server's clock, as last heard from it.
    [[nodiscard]] qint64 serverNowMs() const
    {
        if (welcomedByCacheServer())
            return nowMs() + serverClockOffsetMs;
        const qint64 remembered =
            cache ? cache->setting(QStringLiteral("server_clock_offset_ms")).toLongLong() : 0;
        return nowMs() + remembered;
    }

    //! Soon, not now: a sync page or a group change brings several reasons at once.
    void expireSoon()
    {
        if (!expireSoonTimer.isActive())
            expireSoonTimer.start();
    }

    //! Deletes here what is older than its chat's limit (the server does the same, now and then).
    void expire()
    {
        if (!cache)
            return;
        auto moved = cache->expire(serverNowMs(), storedServerRetentionDays());
        if (!moved) {
            qCWarning(lcClientSync) << "cannot expire old messages:" << moved.error().message;
            return;
        }
        for (quint64 conversationId : moved.value())
            onPurgeMoved(conversationId);
    }

    //! One bounded batch per turn of the event loop, so that a big purge never freezes the app.
    void purgeSome()
    {
        if (!cache)
            return;
        auto deleted = cache->deletePurged(kPurgeBatchRows);
        if (!deleted) {
            qCWarning(lcClientSync) << "cannot delete purged messages:" << deleted.error().message;
            return;
        }
        purgeDeleted = purgeDeleted || deleted.value() > 0;
        if (deleted.value() >= kPurgeBatchRows)
            return purgeTimer.start();
        if (std::exchange(purgeDeleted, false))
            Q_EMIT q->conversationsChanged(); // previews and unread counts
    }

    void onLiveEvent(const pb::Envelope &envelope)
    {
        switch (envelope.body_case()) {
        case pb::Envelope::kMessageEvent:
            return onEvent(envelope.message_event());
        case pb::Envelope::kConversationEvent: {
            const pb::Conversation &snapshot = envelope.conversation_event().conversation();
            ConversationSummary summary = fromWire(snapshot);
            const auto held = cache->conversation(snapshot.conversation_id());
            if (held) {
                ConversationSummary merged = held.value();
                merged.title = summary.title;
                merged.members = summary.members;
                merged.isGroup = summary.isGroup;
                merged.lastSeq = std::max(merged.lastSeq, summary.lastSeq);
                merged.retentionDays = summary.retentionDays;
                merged.purgedSeq = std::max(merged.purgedSeq, summary.purgedSeq);
                summary = merged;
            }
            summary.receipts.clear();
            summary.left =
                std::none_of(summary.members.cbegin(), summary.members.cend(),
                             [this](const UserInfo &m) { return m.userId == user.userId; });
            storeConversation(summary);
            if (!held || held.value().retentionDays != summary.retentionDays)
                expireSoon();
            if (!summary.left && (!held || held.value().left)) {
                // Added (back): where our view starts (joined_seq) comes with our own listing.
                pb::Envelope list;
                list.mutable_list_conversations();
                send(list, { Kind::ListConversations, {}, 0 });
            }
            Q_EMIT q->conversationsChanged();
            return;
        }
        case pb::Envelope::kReceiptEvent: {
            const pb::Receipt &r = envelope.receipt_event().receipt();
            if (r.user_id() == user.userId) { // read on another device of ours
                auto moved = cache->markRead(r.conversation_id(), r.read_seq());
                if (moved && moved.value())
                    Q_EMIT q->conversationsChanged();
                return;
            }
            static_cast<void>(cache->storeReceipt(
                r.conversation_id(), { r.user_id(), r.delivered_seq(), r.read_seq() }));
            Q_EMIT q->receiptsChanged(r.conversation_id());
            return;
        }
        case pb::Envelope::kPresenceEvent:
            for (const auto &p : envelope.presence_event().presences()) {
                presence.insert(p.user_id(), { PresenceState(p.state()), p.last_seen_ms() });
                Q_EMIT q->presenceChanged(p.user_id());
            }
            return;
        case pb::Envelope::kNotificationPrefs:
            onPrefs(envelope.notification_prefs(), nullptr);
            return;
        case pb::Envelope::kTypingEvent: {
            const auto &t = envelope.typing_event();
            typing[t.conversation_id()].insert(t.user_id(), nowMs() + kTypingShownMs);
            if (!typingTimer.isActive())
                typingTimer.start();
            Q_EMIT q->typingChanged(t.conversation_id());
            return;
        }
        default:
            return; // an event of a newer minor version: nothing to do with it
        }
    }

    //! What the app needs to know of the server while offline: its retention (to forget on
    //! time) and whether it knows retention at all.
    void rememberServer()
    {
        if (!welcomedByCacheServer())
            return; // another server's Welcome, or none yet
        static_cast<void>(
            cache->setSetting(QStringLiteral("server_clock_offset_ms"), serverClockOffsetMs));
        static_cast<void>(
            cache->setSetting(QStringLiteral("server_retention_days"), int(limits.retentionDays)));
        static_cast<void>(
            cache->setSetting(QStringLiteral("server_protocol_minor"), int(serverMinor)));
    }

    //! Welcome.protocol_minor of this server, as last heard (0: never).
    [[nodiscard]] unsigned knownServerMinor() const
    {
        if (welcomedByCacheServer() || !cache)
            return serverMinor;
        return unsigned(cache->setting(QStringLiteral("server_protocol_minor")).toInt());
    }

    //! Changes need protocol 1.3; before a server was heard from, they are queued anyway.
    [[nodiscard]] bool supportsChanges() const { return serverMinor == 0 || serverMinor >= 3; }

    //! A change goes through the outbox like a message (it waits there while offline); the
    //! target shows it at once.
    Result<void> queueChange(const ChatMessage &target, ChangeKind kind, const QString &value)
    {
        if (!cache)
            return Error { ErrorCode::UNAUTHENTICATED, QStringLiteral("no account is open") };
        if (!supportsChanges())
            return Error { ErrorCode::UNKNOWN_BODY,
                           ChatClient::tr("The server is too old to edit, delete or react to "
                                          "messages.") };
        if (target.messageId == 0 || target.deleted || target.event.isValid() || target.isChange())
            return Error { ErrorCode::INVALID_ARGUMENT,
                           ChatClient::tr("This message cannot be changed.") };
        auto changed = cache->addPendingChange(target, kind, value, user.userId, nowMs());
        if (!changed)
            return changed.error();
        Q_EMIT q->messageChanged(changed.value());
        flushOutbox();
        return {};
    }

    void sendGroupRequest(const pb::Envelope &envelope, quint64 conversationId)
    {
        if (state != State::Online) {
            QTimer::singleShot(0, q, [this] {
                Q_EMIT q->groupRequestFailed(
                    { ErrorCode::UNAVAILABLE,
                      ChatClient::tr("You are offline. Try again when Confab is connected.") });
            });
            return;
        }
        send(envelope, { Kind::Group, {}, conversationId });
    }

    void onGroupResult(const pb::GroupResult &result)
    {
        const quint64 conversationId = result.conversation().conversation_id();
        storeConversation(fromWire(result.conversation()));
        if (result.has_event())
            storeAndAnnounce({ fromWire(result.event()) });
        expireSoon(); // a retention just set applies at once
        Q_EMIT q->conversationsChanged();
        Q_EMIT q->groupChanged(conversationId);
    }

    void onSyncPage(const pb::SyncPage &page)
    {
        bool learnt = false;
        for (const auto &conversation : page.conversations()) {
            storeConversation(fromWire(conversation));
            learnt = true;
        }
        QList<ChatMessage> messages;
        messages.reserve(page.messages_size());
        for (const auto &message : page.messages())
            messages.append(fromWire(message));
        storeAndAnnounce(messages);
        if (learnt || !messages.isEmpty())
            Q_EMIT q->conversationsChanged();
        // The server's count of what would have notified, added up over the pages.
        const pb::CatchUp &counted = page.catch_up();
        catchUp.high += int(std::min<quint32>(counted.high(), 1'000'000));
        catchUp.normal += int(std::min<quint32>(counted.normal(), 1'000'000));
        for (quint64 conversationId : counted.conversation_ids())
            if (catchUp.conversationIds.size() < 10'000
                && !std::exchange(catchUpSeen[conversationId], true))
                catchUp.conversationIds.append(conversationId);
        if (page.has_more())
            return requestSyncPage();
        syncing = false;
        backoffAttempt = 0; // only a connection that got this far counts as a success
        setState(State::Online, ChatClient::tr("Online"));
        if (!catchUp.isEmpty())
            Q_EMIT q->caughtUp(std::exchange(catchUp, {}));
        Q_EMIT q->syncFinished();
        expireSoon(); // with the chats' limits as they are now
        flushOutbox();
        pumpChunks();
        flushReceipts();
        syncPrefs();
        if (away) {
            pb::Envelope envelope;
            envelope.mutable_set_presence()->set_state(pb::PRESENCE_AWAY);
            send(envelope, { Kind::Presence, {}, 0 });
        }
        const QHash<quint64, quint64> cursors = cache->cursors();
        for (auto it = cursors.cbegin(); it != cursors.cend(); ++it)
            fillGap(it.key());
    }

    void onEvent(const pb::MessageEvent &event)
    {
        ChatMessage message = fromWire(event.message());
        // The server's priority follows the preferences it holds; while a change made here is
        // on its way, this device's copy decides (as with a server before 1.4).
        if (pb::NotifyPriority_IsValid(event.priority()) && unsentPrefs() == 0)
            message.priority = NotifyPriority(event.priority());
        const bool known = cache->cursors().contains(message.conversationId);
        storeAndAnnounce({ message });
        if (!known) {
            pb::Envelope list;
            list.mutable_list_conversations();
            send(list, { Kind::ListConversations, {}, 0 });
        }
        Q_EMIT q->conversationsChanged();
        if (!syncing)
            fillGap(message.conversationId);
    }

    //! Fetches the messages between a conversation's cursor and the next message held.
    void fillGap(quint64 conversationId)
    {
        if (state != State::Online || gapFilling.contains(conversationId))
            return;
        const quint64 end = cache->gapEnd(conversationId);
        if (end == 0)
            return;
        const quint64 cursor = cache->cursors().value(conversationId);
        qCDebug(lcClientSync) << "gap in conversation" << conversationId << "after" << cursor
                              << "before" << end;
        gapFilling.insert(conversationId);
        requestHistory(Kind::GapFill, conversationId, end,
                       quint32(std::min<quint64>(end - cursor - 1, limits.maxPageSize)));
    }

    //! Every HistoryRequest goes here: gaps, single messages again, older history.
    void requestHistory(Kind kind, quint64 conversationId, quint64 beforeSeq, quint32 limit)
    {
        qCDebug(lcClientSync) << "history request: conversation" << conversationId << "before"
                              << beforeSeq << "limit" << limit;
        pb::Envelope request;
        request.mutable_history_request()->set_conversation_id(conversationId);
        request.mutable_history_request()->set_before_seq(beforeSeq);
        request.mutable_history_request()->set_limit(limit);
        send(request, { kind, {}, conversationId });
    }

    //! Paces the outbox under the rate the server announced (with room for other requests), so
    //! that a burst is never refused half-way, which would reorder it.
    bool takeSendToken()
    {
        const double rate = std::max(1.0, 0.8 * limits.ratePerSecond);
        const double burst = std::max(1.0, 0.8 * limits.rateBurst);
        const qint64 now = nowMs();
        sendTokens = std::min(burst, sendTokens + double(now - sendRefillMs) * rate / 1000.0);
        sendRefillMs = now;
        if (sendTokens >= 1.0) {
            sendTokens -= 1.0;
            return true;
        }
        retryTimer.start(int((1.0 - sendTokens) * 1000.0 / rate) + 1);
        return false;
    }

    void flushOutbox()
    {
        if (state != State::Online || !cache)
            return;
        if (const qint64 now = nowMs(); now < outboxPausedUntilMs) {
            // Paused after a transient refusal. Timers may fire a little early (coarse timers
            // by up to 5%): wait out the rest, or the outbox would stall until something else
            // flushes it.
            retryTimer.start(int(outboxPausedUntilMs - now) + 1);
            return;
        }
        auto outbox = cache->outbox();
        if (!outbox) {
            qCWarning(lcClientSync) << "cannot read the outbox:" << outbox.error().message;
            return;
        }
        for (const ChatMessage &message : outbox.value()) {
            if (inFlight.contains(message.clientId))
                continue;
            // Its files go up first; the messages after it wait, so that order holds.
            if (!message.isChange()
                && std::any_of(message.attachments.cbegin(), message.attachments.cend(),
                               [](const AttachmentInfo &a) { return a.sha256.isEmpty(); })) {
                hashPendingFiles(message);
                break;
            }
            if (!message.isChange()
                && std::any_of(message.attachments.cbegin(), message.attachments.cend(),
                               [](const AttachmentInfo &a) { return a.attachmentId == 0; })) {
                startUpload(message);
                break;
            }
            if (!takeSendToken())
                break; // the rest follows when the bucket refills, in order
            pb::Envelope envelope;
            if (message.isChange()) {
                auto *change = envelope.mutable_change_message();
                change->set_client_id(uuidToWire(message.clientId));
                change->set_conversation_id(message.conversationId);
                change->set_message_id(message.targetId);
                change->set_kind(pb::MessageChange::Kind(message.change));
                change->set_text(message.text.toStdString());
                change->set_emoji(message.emoji.toStdString());
            } else {
                auto *send = envelope.mutable_send_message();
                send->set_client_id(uuidToWire(message.clientId));
                if (message.conversationId)
                    send->set_conversation_id(message.conversationId);
                else
                    send->set_peer_username(message.peerUsername.toStdString());
                send->set_text(message.text.toStdString());
                send->set_reply_to_message_id(message.replyToId);
                for (quint64 userId : message.mentions)
                    send->add_mention_user_ids(userId);
                for (const AttachmentInfo &a : message.attachments)
                    send->add_attachment_ids(a.attachmentId);
            }
            inFlight.insert(message.clientId);
            this->send(envelope, { Kind::Send, message.clientId, message.conversationId });
        }
    }

    void onSendFailed(const QUuid &clientId, const Error &error)
    {
        inFlight.remove(clientId);
        if (error.isTransient() && ++attempts[clientId] < kMaxSendAttempts) {
            qCDebug(lcClientSync) << "send refused for now:" << error.message << "- attempt"
                                  << attempts[clientId];
            // The whole outbox waits (so that later messages do not overtake this one more than
            // those already on the wire), then it is retried; never forever.
            const int delay =
                std::min(backoffMaxMs,
                         std::max<int>(int(error.retryAfterMs),
                                       backoffInitialMs << std::min(attempts[clientId], 10)));
            outboxPausedUntilMs = nowMs() + delay;
            retryTimer.start(delay);
            return;
        }
        attempts.remove(clientId);
        auto failed = cache->markFailed(clientId, userMessage(error.code));
        if (!failed)
            return;
        if (!failed.value().isChange())
            return Q_EMIT q->messageChanged(failed.value());
        // A refused change was dropped; the target shows it until the server's state comes back.
        Q_EMIT q->messageChangeFailed(error);
        refetch(failed.value().conversationId, failed.value().targetSeq);
    }

    //! Asks for one message again (its current state); storeMessages() takes it.
    void refetch(quint64 conversationId, quint64 seq)
    {
        if (state != State::Online || seq == 0)
            return;
        requestHistory(Kind::GapFill, conversationId, seq + 1, 1);
    }

    void onFrame(const QByteArray &frame)
    {
        lastFrameMs = nowMs();
        Limits roomy = limits;
        roomy.maxFrameBytes = std::max<quint32>(limits.maxFrameBytes, 1u << 20);
        auto decoded = Codec::decode(frame, roomy);
        if (!decoded) {
            qCWarning(lcClientSync)
                << "undecodable frame from the server:" << decoded.error().message;
            return;
        }
        const pb::Envelope &envelope = decoded.value();
        if (envelope.request_id() == 0) {
            if (cache)
                onLiveEvent(envelope);
            return;
        }
        const auto found = requests.constFind(envelope.request_id());
        if (found == requests.cend())
            return;
        const Request request = *found;
        requests.erase(found);
        if (envelope.has_error())
            return onError(request, Error::fromPb(envelope.error()));
        switch (request.kind) {
        case Kind::Hello:
            serverMinor = envelope.welcome().protocol_minor();
            welcomeServer = serverKey(url);
            if (envelope.welcome().server_time_ms() > 0)
                serverClockOffsetMs = envelope.welcome().server_time_ms() - nowMs();
            emailDigests = envelope.welcome().email_digests();
            emailDigestsHeard = true;
            if (cache)
                static_cast<void>(
                    cache->setSetting(QStringLiteral("email_digests"), emailDigests ? 1 : 0));
            limits = Limits::fromPb(envelope.welcome().limits());
            rememberServer();
            sendTokens = 0.8 * limits.rateBurst;
            sendRefillMs = nowMs();
            livenessTimer.start(kLivenessCheckMs);
            sendCredentials();
            break;
        case Kind::Auth:
            onAuthenticated(envelope.auth_ok());
            break;
        case Kind::Sync:
            onSyncPage(envelope.sync_page());
            break;
        case Kind::Send: {
            inFlight.remove(request.clientId);
            attempts.remove(request.clientId);
            const auto &ack = envelope.message_ack();
            QList<ChatMessage> changed;
            auto sent = cache->markSent(request.clientId, ack.message_id(), ack.conversation_id(),
                                        ack.seq(), ack.server_time_ms(), &changed);
            if (sent && !sent.value().isChange())
                Q_EMIT q->messageChanged(sent.value());
            for (const ChatMessage &target : changed)
                Q_EMIT q->messageChanged(target);
            if (request.conversationId == 0) { // a first message made a new conversation
                pb::Envelope list;
                list.mutable_list_conversations();
                send(list, { Kind::ListConversations, {}, 0 });
            }
            fillGap(ack.conversation_id());
            break;
        }
        case Kind::History:
        case Kind::GapFill: {
            const auto &page = envelope.history_page();
            QList<ChatMessage> messages;
            for (const auto &message : page.messages())
                messages.append(fromWire(message));
            storeAndAnnounce(messages);
            if (!messages.isEmpty())
                expireSoon(); // older history may be older than the chat's limit
            if (request.kind == Kind::History) {
                Q_EMIT q->historyLoaded(request.conversationId, int(messages.size()),
                                        page.has_more());
            } else {
                gapFilling.remove(request.conversationId);
                if (!messages.isEmpty())
                    fillGap(request.conversationId);
            }
            break;
        }
        case Kind::ListConversations:
            for (const auto &conversation : envelope.conversation_list().conversations())
                storeConversation(fromWire(conversation));
            expireSoon();
            Q_EMIT q->conversationsChanged();
            break;
        case Kind::Group:
            onGroupResult(envelope.group_result());
            break;
        case Kind::Sessions: {
            QList<SessionInfo> sessions;
            for (const pb::SessionInfo &session : envelope.session_list().sessions()) {
                sessions.append({ QByteArray::fromStdString(session.session_id()),
                                  QString::fromStdString(session.client_name()),
                                  QString::fromStdString(session.client_version()),
                                  QString::fromStdString(session.device_name()),
                                  QDateTime::fromMSecsSinceEpoch(session.created_ms()),
                                  QDateTime::fromMSecsSinceEpoch(session.last_seen_ms()),
                                  QDateTime::fromMSecsSinceEpoch(session.expires_ms()),
                                  session.current(), session.online() });
            }
            Q_EMIT q->sessionsListed(sessions);
            break;
        }
        case Kind::Revoke:
            Q_EMIT q->sessionsRevoked();
            break;
        case Kind::Password:
            Q_EMIT q->passwordChanged();
            break;
        case Kind::Upload:
            onUploadStatus(request, envelope.upload_status());
            break;
        case Kind::Download:
            onDownloadChunk(request, envelope.download_chunk());
            break;
        case Kind::Prefs:
            onPrefs(envelope.notification_prefs(), &request);
            break;
        case Kind::Logout:
        case Kind::Receipt:
        case Kind::Presence:
            break;
        }
    }

    //! Puts a new message in the outbox and shows it. Members named as @username are
    //! mentioned (they are told even in mentions-only chats).
    Result<ChatMessage> queueMessage(quint64 conversationId, const QString &text,
                                     const ChatMessage &replyTo,
                                     const QList<AttachmentInfo> &attachments)
    {
        if (!cache)
            return Error { ErrorCode::UNAUTHENTICATED, QStringLiteral("no account is open") };
        QList<quint64> mentions;
        if (text.contains(u'@')) {
            if (const auto conversation = cache->conversation(conversationId); conversation) {
                const QList<UserInfo> members = conversation.value().members;
                for (const UserInfo &member : members) {
                    if (member.userId == user.userId || member.username.isEmpty())
                        continue;
                    const QRegularExpression named(
                        QStringLiteral("(^|[^\\w@])@%1(?!\\w)")
                            .arg(QRegularExpression::escape(member.username)),
                        QRegularExpression::CaseInsensitiveOption
                            | QRegularExpression::UseUnicodePropertiesOption);
                    if (named.match(text).hasMatch())
                        mentions.append(member.userId);
                }
            }
        }
        const quint64 replyId = replyTo.messageId && !replyTo.isChange() ? replyTo.messageId : 0;
        auto pending = cache->addPending(conversationId, {}, text, user.userId, nowMs(), {},
                                         replyId, replyId ? replyTo.seq : 0, mentions, attachments);
        if (!pending)
            return pending;
        Q_EMIT q->messageAdded(pending.value());
        flushOutbox();
        return pending;
    }

    // ----- notification preferences

    [[nodiscard]] NotificationPrefs storedPrefs() const
    {
        pb::NotificationPrefs p;
        if (cache) {
            const QByteArray bytes =
                cache->setting(QStringLiteral("notification_prefs")).toByteArray();
            if (!bytes.isEmpty() && !p.ParseFromArray(bytes.constData(), int(bytes.size())))
                p.Clear();
        }
        return prefsFromWire(p);
    }

    void storePrefs(const NotificationPrefs &prefs)
    {
        if (!cache)
            return;
        const std::string bytes = prefsToWire(prefs).SerializeAsString();
        static_cast<void>(cache->setSetting(QStringLiteral("notification_prefs"),
                                            QByteArray::fromStdString(bytes)));
    }

    //! Local changes not yet confirmed by the server: how many (0: none).
    [[nodiscard]] int unsentPrefs() const
    {
        return cache ? cache->setting(QStringLiteral("notification_prefs_unsent")).toInt() : 0;
    }

    //! Once online: our unsent change goes up, or the server's current ones come down.
    void syncPrefs()
    {
        if (state != State::Online || (serverMinor != 0 && serverMinor < 4))
            return; // an older server keeps none: they stay on this device
        pb::Envelope envelope;
        Request request { Kind::Prefs, {}, 0 };
        if (const int unsent = unsentPrefs(); unsent > 0) {
            *envelope.mutable_set_notification_prefs()->mutable_prefs() =
                prefsToWire(storedPrefs());
            request.delivered = quint64(unsent); // what this answer confirms
        } else {
            envelope.mutable_get_notification_prefs();
        }
        send(envelope, request);
    }

    //! Preferences from the server: an answer, or a push after a change on another device.
    void onPrefs(const pb::NotificationPrefs &wire, const Request *answering)
    {
        if (!cache)
            return;
        int unsent = unsentPrefs();
        if (answering && answering->delivered > 0 && quint64(unsent) == answering->delivered)
            unsent = 0; // confirmed: nothing changed here since it was sent
        if (answering && answering->delivered > 0)
            static_cast<void>(
                cache->setSetting(QStringLiteral("notification_prefs_unsent"), unsent));
        if (unsent > 0)
            return; // a newer change of ours is on its way (or will be): it wins
        const NotificationPrefs incoming = prefsFromWire(wire);
        if (incoming.version == 0 && !answering) // never set: nothing to take
            return;
        if (incoming.version == 0) {
            // The server has none yet: this device's (perhaps from before 1.4) go up.
            if (!cache->setting(QStringLiteral("notification_prefs")).toByteArray().isEmpty()
                && storedPrefs() != NotificationPrefs {}) {
                static_cast<void>(
                    cache->setSetting(QStringLiteral("notification_prefs_unsent"), 1));
                syncPrefs();
            }
            return;
        }
        const NotificationPrefs current = storedPrefs();
        storePrefs(incoming);
        if (incoming != current)
            Q_EMIT q->notificationPrefsChanged(incoming);
    }

    // ----- attachments

    [[nodiscard]] int chunksInFlight() const
    {
        int n = upload ? upload->inFlight : 0;
        for (const auto &[id, d] : downloads)
            n += int(d.outstanding.size());
        return n;
    }

    //! Keeps the transfers going: the upload's next chunks, then the downloads', as far as the
    //! shared window allows.
    void pumpChunks()
    {
        if (state != State::Online)
            return;
        if (upload && upload->begun)
            sendUploadChunks();
        std::vector<quint64> ids;
        for (const auto &[id, d] : downloads)
            ids.push_back(id);
        for (quint64 id : ids)
            requestDownloadChunks(id);
    }

    [[nodiscard]] int transferBackoffMs(int attempt, qint64 retryAfterMs) const
    {
        const int doubled = backoffInitialMs << std::clamp(attempt - 1, 0, 10);
        return std::min(backoffMaxMs, std::max<int>(int(retryAfterMs), doubled));
    }

    void startUpload(const ChatMessage &message)
    {
        if (upload || nowMs() < uploadNotBeforeMs)
            return; // one at a time; or waiting out a refusal (a timer comes back)
        int position = 0;
        while (position < message.attachments.size()
               && message.attachments.at(position).attachmentId != 0)
            ++position;
        Upload next;
        next.generation = ++transferGeneration;
        next.clientId = message.clientId;
        next.localId = message.localId;
        next.position = position;
        next.file = message.attachments.at(position);
        upload = std::move(next);
        pb::Envelope envelope;
        auto *begin = envelope.mutable_begin_upload();
        begin->set_name(upload->file.name.toStdString());
        begin->set_mime_type(upload->file.mimeType.toStdString());
        begin->set_size(upload->file.size);
        begin->set_sha256(upload->file.sha256.toStdString());
        begin->set_thumbnail(upload->file.thumbnail.toStdString());
        begin->set_width(quint32(upload->file.width));
        begin->set_height(quint32(upload->file.height));
        Request request { Kind::Upload, message.clientId, message.conversationId };
        request.generation = upload->generation;
        request.begin = true;
        send(envelope, request);
    }

    void onUploadStatus(const Request &request, const pb::UploadStatus &status)
    {
        if (!upload || request.generation != upload->generation)
            return; // an answer for an upload given up on
        if (request.begin) {
            upload->begun = true;
            upload->uploadId = status.upload_id();
            upload->committed = upload->next = qint64(status.committed_offset());
        } else {
            --upload->inFlight;
            upload->committed = std::max(upload->committed, qint64(status.committed_offset()));
            // The server holds less than this chunk would make (one refused or lost): go on from
            // there; answers to chunks sent after it say the same and change nothing.
            if (status.attachment_id() == 0
                && qint64(status.committed_offset()) < request.offset + request.length)
                upload->next = std::min(upload->next, qint64(status.committed_offset()));
        }
        Q_EMIT q->uploadProgress(upload->clientId, upload->committed, qint64(upload->file.size));
        if (status.attachment_id() != 0) {
            static_cast<void>(cache->setAttachmentUploaded(upload->localId, upload->position,
                                                           status.attachment_id()));
            const QUuid clientId = upload->clientId;
            upload.reset();
            uploadAttempts.remove(clientId);
            if (auto now = cache->message(clientId); now)
                Q_EMIT q->messageChanged(now.value()); // that file shows as up
            flushOutbox(); // the message's next file, or the message itself
            pumpChunks();
            return;
        }
        pumpChunks();
    }

    void sendUploadChunks()
    {
        const qint64 size = qint64(upload->file.size);
        const qint64 chunk = std::max<qint64>(1024, limits.attachmentChunkBytes);
        int room = kMaxChunksInFlight - chunksInFlight();
        if (room <= 0 || upload->inFlight >= kUploadWindow || upload->next >= size)
            return;
        QFile source(upload->file.localPath);
        if (!source.open(QIODevice::ReadOnly) || source.size() != size) {
            return failUpload({ ErrorCode::INVALID_ARGUMENT,
                                ChatClient::tr("The file %1 cannot be read any more, or it "
                                               "changed.")
                                    .arg(upload->file.name) });
        }
        while (room > 0 && upload->inFlight < kUploadWindow && upload->next < size) {
            QByteArray data;
            if (source.seek(upload->next))
                data = source.read(std::min(chunk, size - upload->next));
            if (data.isEmpty())
                return failUpload(
                    { ErrorCode::INVALID_ARGUMENT,
                      ChatClient::tr("The file %1 cannot be read.").arg(upload->file.name) });
            pb::Envelope envelope;
            auto *piece = envelope.mutable_upload_chunk();
            piece->set_upload_id(upload->uploadId);
            piece->set_offset(quint64(upload->next));
            piece->set_data(data.constData(), size_t(data.size()));
            Request request { Kind::Upload, upload->clientId, 0 };
            request.offset = upload->next;
            request.length = data.size();
            request.generation = upload->generation;
            send(envelope, request);
            upload->next += data.size();
            ++upload->inFlight;
            --room;
        }
    }

    void failUpload(const Error &error)
    {
        const QUuid clientId = upload->clientId;
        upload.reset();
        uploadAttempts.remove(clientId);
        auto failed = cache->markFailed(
            clientId, error.message.isEmpty() ? userMessage(error.code) : error.message);
        if (failed)
            Q_EMIT q->messageChanged(failed.value());
        flushOutbox();
        pumpChunks();
    }

    void onUploadFailed(const Request &request, const Error &error)
    {
        if (!upload || request.generation != upload->generation)
            return; // about an upload given up on
        const int attempt = ++uploadAttempts[upload->clientId];
        const bool again = error.isTransient() || error.code == ErrorCode::NOT_FOUND
            || error.code == ErrorCode::HASH_MISMATCH;
        if (!again || attempt >= kMaxUploadAttempts)
            return failUpload({ error.code, userMessage(error.code) });
        if (error.code == ErrorCode::HASH_MISMATCH) {
            // The bytes the server got do not match the hash: the file changed since it was
            // hashed, or a part went wrong on the way. Hash it again and begin again.
            static_cast<void>(cache->setAttachmentHash(upload->localId, upload->position, {}));
        }
        // Begun again (and resumed where the server is) after a while that grows each time.
        upload.reset();
        const int delay = transferBackoffMs(attempt, error.retryAfterMs);
        uploadNotBeforeMs = nowMs() + delay;
        QTimer::singleShot(delay, q, [this] {
            flushOutbox();
            pumpChunks();
        });
        pumpChunks();
    }

    void startDownload(const AttachmentInfo &file, const QString &target)
    {
        if (downloads.count(file.attachmentId))
            return;
        Download d;
        d.generation = ++transferGeneration;
        d.file = file;
        d.target = target;
        d.part = std::make_unique<QFile>(target + QStringLiteral(".part"));
        if (!QDir().mkpath(QFileInfo(target).absolutePath())
            || !d.part->open(QIODevice::ReadWrite)) {
            const Error error { ErrorCode::INTERNAL,
                                ChatClient::tr("Cannot write %1.").arg(d.part->fileName()) };
            QTimer::singleShot(0, q, [this, id = file.attachmentId, error] {
                Q_EMIT q->downloadFailed(id, error);
            });
            return;
        }
        // What an earlier attempt left is kept: the download goes on from there.
        d.written = std::min<qint64>(d.part->size(), qint64(file.size));
        d.part->resize(d.written);
        d.asked = d.written;
        downloads.emplace(file.attachmentId, std::move(d));
        requestDownloadChunks(file.attachmentId);
    }

    void askForChunk(quint64 attachmentId, Download &d, qint64 offset)
    {
        pb::Envelope envelope;
        envelope.mutable_download_request()->set_attachment_id(attachmentId);
        envelope.mutable_download_request()->set_offset(quint64(offset));
        Request request { Kind::Download, {}, attachmentId };
        request.offset = offset;
        request.generation = d.generation;
        send(envelope, request);
        d.outstanding.insert(offset);
    }

    void requestDownloadChunks(quint64 attachmentId)
    {
        const auto found = downloads.find(attachmentId);
        if (found == downloads.end() || state != State::Online)
            return;
        Download &d = found->second;
        if (d.verifying)
            return;
        if (d.written >= qint64(d.file.size))
            return finishDownload(attachmentId);
        if (nowMs() < d.notBeforeMs)
            return; // a timer comes back
        const qint64 chunk = std::max<qint64>(1024, limits.attachmentChunkBytes);
        int room = kMaxChunksInFlight - chunksInFlight();
        // First what was refused for a while, then what was never asked for.
        while (room > 0 && !d.again.empty()) {
            const qint64 offset = *d.again.begin();
            d.again.erase(d.again.begin());
            if (offset < d.written || d.outstanding.count(offset) || d.early.count(offset))
                continue;
            askForChunk(attachmentId, d, offset);
            --room;
        }
        while (room > 0 && d.asked < qint64(d.file.size)) {
            askForChunk(attachmentId, d, d.asked);
            d.asked += chunk;
            --room;
        }
    }

    bool writePart(Download &d, const std::string &data)
    {
        if (!d.part->seek(d.written)
            || d.part->write(data.data(), qint64(data.size())) != qint64(data.size()))
            return false;
        d.written += qint64(data.size());
        return true;
    }

    void onDownloadChunk(const Request &request, const pb::DownloadChunk &chunk)
    {
        const auto found = downloads.find(request.conversationId);
        if (found == downloads.end() || found->second.generation != request.generation
            || chunk.attachment_id() != request.conversationId)
            return; // an answer for a download given up on
        Download &d = found->second;
        d.outstanding.erase(request.offset);
        const qint64 offset = qint64(chunk.offset());
        const qint64 size = qint64(d.file.size);
        if (chunk.data().empty() || offset + qint64(chunk.data().size()) > size) {
            return failDownload(
                request.conversationId,
                { ErrorCode::BAD_FRAME,
                  ChatClient::tr("The server sent a wrong part of %1.").arg(d.file.name) });
        }
        if (offset < d.written || d.early.count(offset))
            return pumpChunks(); // had it already
        if (offset > d.written) {
            // Ahead of a part refused for a while: kept here until that part comes.
            d.early.emplace(offset, QByteArray::fromStdString(chunk.data()));
            return pumpChunks();
        }
        bool written = writePart(d, chunk.data());
        while (written && !d.early.empty() && d.early.begin()->first <= d.written) {
            const auto next = d.early.begin();
            if (next->first == d.written)
                written = writePart(d, next->second.toStdString());
            d.early.erase(next);
        }
        if (!written) {
            return failDownload(
                request.conversationId,
                { ErrorCode::STORAGE_FULL,
                  ChatClient::tr("Cannot write %1: is the disk full?").arg(d.part->fileName()) });
        }
        Q_EMIT q->downloadProgress(request.conversationId, d.written, size);
        pumpChunks();
    }

    void failDownload(quint64 attachmentId, const Error &error)
    {
        const auto found = downloads.find(attachmentId);
        if (found == downloads.end())
            return;
        const QString partPath = found->second.part->fileName();
        found->second.part->close();
        QFile::remove(partPath);
        downloads.erase(found);
        Q_EMIT q->downloadFailed(attachmentId, error);
        pumpChunks();
    }

    void finishDownload(quint64 attachmentId)
    {
        const auto found = downloads.find(attachmentId);
        Download &d = found->second;
        if (d.verifying)
            return;
        d.verifying = true;
        d.part->close(); // flushed; checked in the background, then renamed
        const quint64 generation = d.generation;
        hashFile(d.part->fileName(), [this, attachmentId, generation](const Hashed &hashed) {
            const auto found = downloads.find(attachmentId);
            if (found == downloads.end() || found->second.generation != generation)
                return; // cancelled meanwhile
            const QString partPath = found->second.part->fileName();
            const QString target = found->second.target;
            const bool intact =
                !hashed.sha256.isEmpty() && hashed.sha256 == found->second.file.sha256;
            downloads.erase(found);
            if (!intact) {
                QFile::remove(partPath); // never shown as the file
                return Q_EMIT q->downloadFailed(
                    attachmentId,
                    { ErrorCode::HASH_MISMATCH, userMessage(ErrorCode::HASH_MISMATCH) });
            }
            QFile::remove(target);
            if (!QFile::rename(partPath, target))
                return Q_EMIT q->downloadFailed(
                    attachmentId,
                    { ErrorCode::INTERNAL, ChatClient::tr("Cannot write %1.").arg(target) });
            markDownloaded(target);
            if (cache)
                static_cast<void>(cache->setAttachmentPath(attachmentId, target));
            Q_EMIT q->downloadFinished(attachmentId, target);
        });
    }

    //! Windows: the file came from the internet, so its shell warns before running it.
    static void markDownloaded([[maybe_unused]] const QString &path)
    {
#ifdef Q_OS_WIN
        QFile zone(path + QStringLiteral(":Zone.Identifier"));
        if (zone.open(QIODevice::WriteOnly))
            zone.write("[ZoneTransfer]\r\nZoneId=3\r\n");
#endif
    }

    struct Hashed
    {
        QByteArray sha256; //!< empty when the file could not be read
        qint64 size = -1;
    };
    //! Reads a file's SHA-256 on a pool thread; `then` runs here, unless this client is gone.
    void hashFile(const QString &path, std::function<void(const Hashed &)> then)
    {
        auto promise = std::make_shared<QPromise<Hashed>>();
        auto *watcher = new QFutureWatcher<Hashed>(q);
        QObject::connect(watcher, &QFutureWatcherBase::finished, q,
                         [watcher, then = std::move(then)] {
                             watcher->deleteLater();
                             if (watcher->future().resultCount() > 0)
                                 then(watcher->result());
                         });
        watcher->setFuture(promise->future());
        promise->start();
        QThreadPool::globalInstance()->start([path, promise] {
            Hashed hashed;
            QFile file(path);
            QCryptographicHash hash(QCryptographicHash::Sha256);
            if (file.open(QIODevice::ReadOnly) && hash.addData(&file)) {
                hashed.sha256 = hash.result();
                hashed.size = file.size();
            }
            promise->addResult(hashed);
            promise->finish();
        });
    }

    //! Works out the SHA-256 of a pending message's files that have none yet (just sent, or
    //! the app restarted before it was done); the outbox goes on once they have it.
    void hashPendingFiles(const ChatMessage &message)
    {
        for (int position = 0; position < message.attachments.size(); ++position) {
            const AttachmentInfo &file = message.attachments.at(position);
            if (!file.sha256.isEmpty() || file.attachmentId != 0)
                continue;
            const auto key = qMakePair(message.localId, position);
            if (hashing.contains(key))
                continue;
            hashing.insert(key);
            hashFile(
                file.localPath,
                [this, key, generation = cacheGeneration, clientId = message.clientId,
                 size = qint64(file.size), name = file.name](const Hashed &hashed) {
                    if (generation != cacheGeneration || !cache)
                        return; // another account's cache is open now
                    hashing.remove(key);
                    if (hashed.sha256.isEmpty() || hashed.size != size) {
                        auto failed = cache->markFailed(
                            clientId,
                            ChatClient::tr("The file %1 cannot be read any more, or it changed.")
                                .arg(name));
                        if (failed)
                            Q_EMIT q->messageChanged(failed.value());
                    } else {
                        static_cast<void>(
                            cache->setAttachmentHash(key.first, key.second, hashed.sha256));
                    }
                    flushOutbox();
                });
        }
    }

    //! Another account's cache opens: nothing under way for the previous one goes on.
    void dropTransfers()
    {
        upload.reset();
        uploadAttempts.clear();
        uploadNotBeforeMs = 0;
        for (auto &[id, d] : downloads)
            d.part->close();
        downloads.clear();
        hashing.clear();
        ++cacheGeneration;
    }

    void onDownloadFailed(const Request &request, const Error &error)
    {
        const quint64 attachmentId = request.conversationId;
        const auto found = downloads.find(attachmentId);
        if (found == downloads.end() || found->second.generation != request.generation)
            return; // about a download given up on
        Download &d = found->second;
        d.outstanding.erase(request.offset);
        if (!error.isTransient())
            return failDownload(attachmentId, { error.code, userMessage(error.code) });
        // Busy (too many chunks at once, a slow disk): that part again, after a while.
        d.again.insert(request.offset);
        const int delay = transferBackoffMs(++d.refusals, error.retryAfterMs);
        d.notBeforeMs = nowMs() + delay;
        QTimer::singleShot(delay, q, [this] { pumpChunks(); });
    }

    //! Sends an account request, or says at once why it cannot go.
    void sendAccountRequest(const pb::Envelope &envelope, Kind kind)
    {
        if (state != State::Online && state != State::Syncing) {
            Q_EMIT q->accountRequestFailed(
                { ErrorCode::UNAVAILABLE,
                  ChatClient::tr("Not connected to the server. Try again once online.") });
            return;
        }
        if (serverMinor < 2) {
            Q_EMIT q->accountRequestFailed(
                { ErrorCode::UNKNOWN_BODY,
                  ChatClient::tr("This server is too old to manage sessions and passwords from "
                                 "here. Ask its administrator to update it.") });
            return;
        }
        send(envelope, { kind, {}, 0 });
    }

    void onError(const Request &request, const Error &error)
    {
        switch (request.kind) {
        case Kind::Hello:
            if (error.isTransient()) { // e.g. UNAVAILABLE while the server shuts down
                socket.close(); // and back off
                break;
            }
            // UNSUPPORTED_VERSION and the like: retrying will not help.
            wantConnection = false;
            Q_EMIT q->authenticationFailed(error);
            socket.close();
            break;
        case Kind::Auth:
            if (error.isTransient()) {
                socket.close(); // back off and try again
                break;
            }
            if (credentials == Credentials::Resume) {
                forgetToken();
                token.clear();
            }
            credentials = Credentials::None;
            wantConnection = false;
            Q_EMIT q->authenticationFailed(error);
            socket.close();
            break;
        case Kind::Send:
            onSendFailed(request.clientId, error);
            break;
        case Kind::Upload:
            onUploadFailed(request, error);
            break;
        case Kind::Download:
            onDownloadFailed(request, error);
            break;
        case Kind::Sync:
            socket.close(); // reconnect and sync again
            break;
        case Kind::GapFill:
            gapFilling.remove(request.conversationId);
            if (error.isTransient()) {
                const int delay = std::max<int>(int(error.retryAfterMs), backoffInitialMs);
                QTimer::singleShot(std::min(delay, backoffMaxMs), q,
                                   [this, id = request.conversationId] { fillGap(id); });
            }
            break;
        case Kind::History:
            if (error.isTransient()) { // e.g. RATE_LIMITED: ask again after the hint
                const int delay = std::max<int>(int(error.retryAfterMs), backoffInitialMs);
                QTimer::singleShot(std::min(delay, backoffMaxMs), q,
                                   [this, id = request.conversationId] { q->fetchOlder(id); });
                break;
            }
            Q_EMIT q->historyLoaded(request.conversationId, 0, false);
            break;
        case Kind::Group:
            Q_EMIT q->groupRequestFailed({ error.code, userMessage(error.code) });
            break;
        case Kind::Receipt:
            if (error.isTransient()) // said again with the next flush
                queueReceipt(request.conversationId, request.delivered, request.read);
            break;
        case Kind::Sessions:
        case Kind::Revoke:
        case Kind::Password:
            Q_EMIT q->accountRequestFailed({ error.code,
                                             error.code == ErrorCode::BAD_CREDENTIALS
                                                 ? ChatClient::tr("The current password is wrong.")
                                                 : userMessage(error.code) });
            break;
        case Kind::Prefs:
            // Kept here and said again on the next connection; an older server keeps none.
            qCInfo(lcClientSync) << "notification preferences not synced:" << error.message;
            break;
        case Kind::ListConversations:
        case Kind::Logout:
        case Kind::Presence:
            break;
        }
    }

    void checkLiveness()
    {
        if (socket.state() != QAbstractSocket::ConnectedState)
            return;
        const qint64 silentMs = nowMs() - lastFrameMs;
        if (silentMs > qint64(limits.idleTimeoutMs)) {
            qCInfo(lcClientSync) << "no word from the server for" << silentMs << "ms: reconnecting";
            socket.abort();
        } else if (silentMs > qint64(limits.pingIntervalMs)) {
            socket.ping();
        }
    }
};

ChatClient::ChatClient(const QString &dataDir, QObject *parent)
    : QObject(parent), d(std::make_unique<Private>(this, dataDir))
{
    QDir().mkpath(dataDir);
    connect(&d->socket, &QWebSocket::connected, this, [this] {
        // A message goes out at once, not after the ack of the frame before it (Nagle). The
        // socket under QWebSocket is its child; QWebSocket has no option of its own for this.
        if (auto *tcp = d->socket.findChild<QTcpSocket *>())
            tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        d->onConnected();
    });
    connect(&d->socket, &QWebSocket::disconnected, this, [this] { d->onDisconnected(); });
    connect(&d->socket, &QWebSocket::sslErrors, this,
            [this](const QList<QSslError> &errors) { d->onSslErrors(errors); });
    connect(&d->socket, &QWebSocket::binaryMessageReceived, this,
            [this](const QByteArray &frame) { d->onFrame(frame); });
    connect(&d->socket, &QWebSocket::pong, this, [this] { d->lastFrameMs = nowMs(); });
    d->backoffTimer.setSingleShot(true);
    connect(&d->backoffTimer, &QTimer::timeout, this, [this] { d->connectNow(); });
    d->retryTimer.setSingleShot(true);
    connect(&d->retryTimer, &QTimer::timeout, this, [this] {
        d->flushOutbox();
        d->flushReceipts();
    });
    connect(&d->livenessTimer, &QTimer::timeout, this, [this] { d->checkLiveness(); });
    d->receiptTimer.setSingleShot(true);
    d->receiptTimer.setInterval(500);
    connect(&d->receiptTimer, &QTimer::timeout, this, [this] { d->flushReceipts(); });
    d->typingTimer.setInterval(500);
    connect(&d->typingTimer, &QTimer::timeout, this, [this] { d->expireTyping(); });
    connect(&d->expireTimer, &QTimer::timeout, this, [this] { d->expire(); });
    d->expireSoonTimer.setSingleShot(true);
    d->expireSoonTimer.setInterval(200);
    connect(&d->expireSoonTimer, &QTimer::timeout, this, [this] { d->expire(); });
    d->purgeTimer.setSingleShot(true);
    d->purgeTimer.setInterval(0);
    connect(&d->purgeTimer, &QTimer::timeout, this, [this] { d->purgeSome(); });

    // Reconnect at once when the network comes back, instead of waiting out the back-off.
    if (QNetworkInformation::loadBackendByFeatures(QNetworkInformation::Feature::Reachability)) {
        connect(QNetworkInformation::instance(), &QNetworkInformation::reachabilityChanged, this,
                [this](QNetworkInformation::Reachability reachability) {
                    if (reachability != QNetworkInformation::Reachability::Disconnected
                        && d->state == State::Backoff)
                        d->connectNow();
                });
    }
}

ChatClient::~ChatClient()
{
    d->wantConnection = false;
    d->socket.disconnect(this);
    d->socket.abort();
}

void ChatClient::setServerUrl(const QUrl &url)
{
    if (url != d->url)
        d->emailDigestsHeard = false; // another server: its own answer, or its cache's
    d->url = url;
}

QUrl ChatClient::serverUrl() const
{
    return d->url;
}

void ChatClient::signIn(const QString &username, const QString &password)
{
    d->dropConnection();
    d->credentials = Private::Credentials::Login;
    d->username = username;
    d->password = password;
    d->openCache(username);
    d->wantConnection = true;
    d->backoffAttempt = 0;
    d->connectNow();
}

void ChatClient::registerAccount(const QString &username, const QString &password,
                                 const QString &displayName)
{
    d->dropConnection();
    d->credentials = Private::Credentials::Register;
    d->username = username;
    d->password = password;
    d->displayName = displayName;
    d->openCache(username);
    d->wantConnection = true;
    d->backoffAttempt = 0;
    d->connectNow();
}

QList<Profile> ChatClient::profiles() const
{
    QList<Profile> result;
    QSettings settings = d->profiles();
    const QString current = settings.value(QStringLiteral("current")).toString();
    for (const QString &group : settings.childGroups()) {
        settings.beginGroup(group);
        Profile profile { settings.value(QStringLiteral("id")).toString(),
                          QUrl(settings.value(QStringLiteral("url")).toString()),
                          settings.value(QStringLiteral("username")).toString(),
                          !settings.value(QStringLiteral("token")).toString().isEmpty(), false };
        settings.endGroup();
        profile.isCurrent = profile.id == current;
        result.append(profile);
    }
    return result;
}

bool ChatClient::restoreSession(const QString &profileId)
{
    QSettings settings = d->profiles();
    const QString id =
        profileId.isEmpty() ? settings.value(QStringLiteral("current")).toString() : profileId;
    if (id.isEmpty())
        return false;
    settings.beginGroup(Private::profileGroup(id));
    const QString token = settings.value(QStringLiteral("token")).toString();
    const QString username = settings.value(QStringLiteral("username")).toString();
    const QUrl url(settings.value(QStringLiteral("url")).toString());
    settings.endGroup();
    if (token.isEmpty() || username.isEmpty() || !url.isValid())
        return false;
    d->dropConnection(); // switching accounts
    settings.setValue(QStringLiteral("current"), id);
    d->url = url;
    d->token = token;
    d->credentials = Private::Credentials::Resume;
    if (!d->openCache(username))
        return false;
    d->wantConnection = true;
    d->backoffAttempt = 0;
    d->connectNow();
    return true;
}

void ChatClient::signOut()
{
    if (d->socket.state() == QAbstractSocket::ConnectedState && d->state == State::Online) {
        pb::Envelope logout;
        logout.mutable_logout();
        d->send(logout, { Private::Kind::Logout, {}, 0 });
    }
    d->forgetToken();
    d->token.clear();
    d->credentials = Private::Credentials::None;
    disconnectFromServer();
}

void ChatClient::disconnectFromServer()
{
    d->wantConnection = false;
    d->backoffTimer.stop();
    if (d->socket.state() == QAbstractSocket::UnconnectedState)
        d->setState(State::Disconnected, tr("Disconnected"));
    else
        d->socket.close();
}

void ChatClient::listSessions()
{
    pb::Envelope list;
    list.mutable_list_sessions();
    d->sendAccountRequest(list, Private::Kind::Sessions);
}

void ChatClient::revokeSession(const QByteArray &sessionId)
{
    pb::Envelope revoke;
    revoke.mutable_revoke_session()->set_session_id(sessionId.toStdString());
    d->sendAccountRequest(revoke, Private::Kind::Revoke);
}

void ChatClient::revokeOtherSessions()
{
    pb::Envelope revoke;
    revoke.mutable_revoke_other_sessions();
    d->sendAccountRequest(revoke, Private::Kind::Revoke);
}

void ChatClient::changePassword(const QString &currentPassword, const QString &newPassword)
{
    pb::Envelope change;
    change.mutable_change_password()->set_current_password(currentPassword.toStdString());
    change.mutable_change_password()->set_new_password(newPassword.toStdString());
    d->sendAccountRequest(change, Private::Kind::Password);
}

void ChatClient::trustCertificate(const CertificateInfo &certificate)
{
    QSettings store = d->trustStore();
    store.setValue(Private::trustKey(certificate.server), certificate.fingerprint);
    store.sync();
    d->untrusted.reset();
    if (d->credentials == Private::Credentials::None || certificate.server != d->url)
        return;
    d->wantConnection = true;
    d->backoffAttempt = 0;
    d->connectNow();
}

std::optional<CertificateInfo> ChatClient::untrustedCertificate() const
{
    return d->untrusted;
}

void ChatClient::reconnectNow()
{
    if (d->state == State::Backoff) {
        d->wantConnection = true;
        d->connectNow();
    }
}

int ChatClient::msUntilReconnect() const
{
    return d->state == State::Backoff && d->backoffTimer.isActive()
        ? d->backoffTimer.remainingTime()
        : -1;
}

ChatClient::State ChatClient::state() const
{
    return d->state;
}

UserInfo ChatClient::currentUser() const
{
    return d->user;
}

LocalCache *ChatClient::cache() const
{
    return d->cache.get();
}

Result<ChatMessage> ChatClient::sendMessage(quint64 conversationId, const QString &text,
                                            const ChatMessage &replyTo)
{
    return d->queueMessage(conversationId, text, replyTo, {});
}

Result<ChatMessage> ChatClient::sendFiles(quint64 conversationId, const QString &text,
                                          const QList<OutgoingFile> &files,
                                          const ChatMessage &replyTo)
{
    if (!d->cache)
        return Error { ErrorCode::UNAUTHENTICATED, QStringLiteral("no account is open") };
    if (files.isEmpty())
        return sendMessage(conversationId, text, replyTo);
    if (files.size() > kMaxAttachmentsPerMessage)
        return Error {
            ErrorCode::INVALID_ARGUMENT,
            tr("At most %1 files can go with one message.").arg(kMaxAttachmentsPerMessage)
        };
    QList<AttachmentInfo> attachments;
    for (const OutgoingFile &file : files) {
        QFile source(file.path);
        if (!source.open(QIODevice::ReadOnly))
            return Error { ErrorCode::INVALID_ARGUMENT,
                           tr("Cannot read %1.").arg(QFileInfo(file.path).fileName()) };
        if (source.size() == 0)
            return Error { ErrorCode::INVALID_ARGUMENT,
                           tr("%1 is empty.").arg(QFileInfo(file.path).fileName()) };
        if (d->limits.maxAttachmentBytes > 0
            && quint64(source.size()) > d->limits.maxAttachmentBytes)
            return Error { ErrorCode::FILE_TOO_LARGE,
                           tr("%1 is larger than this server takes (%2 MB).")
                               .arg(QFileInfo(file.path).fileName())
                               .arg(d->limits.maxAttachmentBytes >> 20) };
        // Its SHA-256 (which the server checks the bytes against) is worked out in the
        // background before it goes up: a large file does not hold up the app.
        AttachmentInfo a;
        a.name = QFileInfo(file.path).fileName();
        a.mimeType =
            file.mimeType.isEmpty() ? QStringLiteral("application/octet-stream") : file.mimeType;
        a.size = quint64(source.size());
        a.thumbnail = file.thumbnail.left(kMaxThumbnailBytes);
        a.width = file.width;
        a.height = file.height;
        a.localPath = QFileInfo(file.path).absoluteFilePath();
        attachments.append(a);
    }
    return d->queueMessage(conversationId, text, replyTo, attachments);
}

void ChatClient::download(const AttachmentInfo &attachment, const QString &targetPath)
{
    if (!d->cache || attachment.attachmentId == 0)
        return;
    d->startDownload(attachment, targetPath);
}

Result<void> ChatClient::editMessage(const ChatMessage &target, const QString &text)
{
    if (text.trimmed().isEmpty())
        return Error { ErrorCode::INVALID_ARGUMENT, tr("An edited message cannot be empty.") };
    if (target.senderId != d->user.userId)
        return Error { ErrorCode::FORBIDDEN, tr("Only your own messages can be edited.") };
    if (target.text == text)
        return {};
    return d->queueChange(target, ChangeKind::Edited, text);
}

Result<void> ChatClient::deleteMessage(const ChatMessage &target)
{
    return d->queueChange(target, ChangeKind::Deleted, {});
}

Result<void> ChatClient::react(const ChatMessage &target, const QString &emoji, bool add)
{
    if (add == target.reactedBy(emoji, d->user.userId))
        return {}; // already so
    return d->queueChange(target, add ? ChangeKind::ReactionAdded : ChangeKind::ReactionRemoved,
                          emoji);
}

bool ChatClient::canEdit(const ChatMessage &message) const
{
    return d->supportsChanges() && message.messageId != 0 && !message.deleted
        && !message.event.isValid() && !message.isChange() && message.senderId == d->user.userId;
}

bool ChatClient::canDelete(const ChatMessage &message) const
{
    if (!d->supportsChanges() || message.messageId == 0 || message.deleted
        || message.event.isValid() || message.isChange())
        return false;
    if (message.senderId == d->user.userId)
        return true;
    if (!d->cache)
        return false;
    const auto conversation = d->cache->conversation(message.conversationId);
    if (!conversation || !conversation.value().isGroup || conversation.value().left)
        return false;
    for (const UserInfo &member : conversation.value().members)
        if (member.userId == d->user.userId)
            return member.role != Role::Member;
    return false;
}

Result<ChatMessage> ChatClient::sendMessageTo(const QString &peerUsername, const QString &text)
{
    if (!d->cache)
        return Error { ErrorCode::UNAUTHENTICATED, QStringLiteral("no account is open") };
    auto pending = d->cache->addPending(0, peerUsername, text, d->user.userId, nowMs());
    if (!pending)
        return pending;
    Q_EMIT messageAdded(pending.value());
    d->flushOutbox();
    return pending;
}

Result<void> ChatClient::retry(const QUuid &clientId)
{
    if (!d->cache)
        return Error { ErrorCode::UNAUTHENTICATED, QStringLiteral("no account is open") };
    auto retried = d->cache->retry(clientId);
    if (!retried)
        return retried.error();
    d->attempts.remove(clientId);
    Q_EMIT messageChanged(retried.value());
    d->flushOutbox();
    return {};
}

Result<void> ChatClient::discard(const QUuid &clientId)
{
    if (!d->cache)
        return Error { ErrorCode::UNAUTHENTICATED, QStringLiteral("no account is open") };
    if (d->inFlight.contains(clientId))
        return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("the message is being sent") };
    auto done = d->cache->discard(clientId);
    if (!done)
        return done;
    Q_EMIT messageRemoved(clientId);
    d->uploadAttempts.remove(clientId);
    if (d->upload && d->upload->clientId == clientId) {
        // Cancelled while its file goes up: what the server holds expires (PROTOCOL.md §14).
        d->upload.reset();
        d->flushOutbox();
        d->pumpChunks();
    }
    return done;
}

QString ChatClient::filesDirectory() const
{
    if (!d->cache)
        return {};
    QString path = d->cache->path();
    if (path.endsWith(QLatin1String(".db")))
        path.chop(3);
    return path + QStringLiteral("-files");
}

QString ChatClient::downloadPath(const AttachmentInfo &attachment) const
{
    // The name is the sender's: no folders, nothing the file system treats specially, short
    // enough (in bytes) for any file system with ".part" after it.
    QString name = attachment.name;
    static const QRegularExpression unsafe(QStringLiteral("[\\\\/:*?\"<>|\\x00-\\x1f]"));
    name.replace(unsafe, QStringLiteral("_"));
    while (name.startsWith(u'.') || name.startsWith(u' '))
        name.remove(0, 1);
    while (name.endsWith(u'.') || name.endsWith(u' '))
        name.chop(1);
    if (name.isEmpty())
        name = QStringLiteral("file");
    // Windows' device names, with or without an extension.
    static const QRegularExpression device(
        QStringLiteral("^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\\..*)?$"),
        QRegularExpression::CaseInsensitiveOption);
    if (device.match(name).hasMatch())
        name.prepend(u'_');
    constexpr int kMaxNameBytes = 200;
    if (name.toUtf8().size() > kMaxNameBytes) {
        // Shortened in the middle of the stem; the extension (which says what it is) stays.
        const QString suffix = QFileInfo(name).suffix().left(16);
        QString stem = suffix.isEmpty() ? name : name.left(name.size() - suffix.size() - 1);
        const int room = kMaxNameBytes - int(suffix.toUtf8().size()) - 2;
        while (!stem.isEmpty() && stem.toUtf8().size() > room) {
            stem.chop(1);
            if (!stem.isEmpty() && stem.back().isHighSurrogate())
                stem.chop(1); // never half a character
        }
        name = suffix.isEmpty() ? stem : stem + u'.' + suffix;
    }
    return QDir(filesDirectory())
        .filePath(QStringLiteral("%1/%2").arg(attachment.attachmentId).arg(name));
}

void ChatClient::cancelDownload(quint64 attachmentId)
{
    const auto found = d->downloads.find(attachmentId);
    if (found == d->downloads.end())
        return;
    const QString partPath = found->second.part->fileName();
    found->second.part->close();
    QFile::remove(partPath);
    d->downloads.erase(found); // late answers and a hash under way see it gone
    Q_EMIT downloadCancelled(attachmentId);
    d->pumpChunks();
}

NotificationPrefs ChatClient::notificationPrefs() const
{
    return d->storedPrefs();
}

bool ChatClient::serverSendsEmail() const
{
    return d->emailDigests;
}

void ChatClient::setNotificationPrefs(const NotificationPrefs &prefs)
{
    if (!d->cache)
        return;
    NotificationPrefs next = prefs;
    next.version = d->storedPrefs().version;
    for (auto it = next.conversations.begin(); it != next.conversations.end();)
        it = it->mode == NotifyMode::All ? next.conversations.erase(it) : std::next(it);
    if (next == d->storedPrefs())
        return;
    d->storePrefs(next);
    static_cast<void>(
        d->cache->setSetting(QStringLiteral("notification_prefs_unsent"), d->unsentPrefs() + 1));
    Q_EMIT notificationPrefsChanged(next);
    d->syncPrefs();
}

void ChatClient::setConversationNotify(quint64 conversationId, NotifyMode mode, qint64 mutedUntilMs)
{
    NotificationPrefs prefs = notificationPrefs();
    if (mode == NotifyMode::All)
        prefs.conversations.remove(conversationId);
    else
        prefs.conversations.insert(conversationId,
                                   { mode, mode == NotifyMode::Muted ? mutedUntilMs : 0 });
    setNotificationPrefs(prefs);
}

Limits ChatClient::limits() const
{
    return d->limits;
}

bool ChatClient::isDownloading(quint64 attachmentId) const
{
    return d->downloads.count(attachmentId) > 0;
}

void ChatClient::fetchOlder(quint64 conversationId, int limit)
{
    if (!d->cache || d->state != State::Online) {
        QTimer::singleShot(
            0, this, [this, conversationId] { Q_EMIT historyLoaded(conversationId, 0, true); });
        return;
    }
    const quint64 oldest = d->cache->oldestSeq(conversationId);
    // History starts after the join and after what retention deleted: nothing to ask for.
    quint64 start = 0;
    if (const auto conversation = d->cache->conversation(conversationId); conversation)
        start = std::max(conversation.value().joinedSeq, conversation.value().purgedSeq);
    if (oldest != 0 && oldest <= start + 1) {
        QTimer::singleShot(
            0, this, [this, conversationId] { Q_EMIT historyLoaded(conversationId, 0, false); });
        return;
    }
    d->requestHistory(Private::Kind::History, conversationId, oldest,
                      quint32(std::clamp<int>(limit, 1, int(d->limits.maxPageSize))));
}

Result<QList<SearchHit>> ChatClient::search(const QString &text, int limit,
                                            quint64 conversationId) const
{
    if (!d->cache)
        return Error { ErrorCode::UNAUTHENTICATED, QStringLiteral("no account is open") };
    return d->cache->search(text, limit, conversationId);
}

void ChatClient::setBackoff(int initialMs, int maxMs)
{
    d->backoffInitialMs = std::max(1, initialMs);
    d->backoffMaxMs = std::max(d->backoffInitialMs, maxMs);
}

// ----- groups, receipts, presence and typing

void ChatClient::createGroup(const QString &title, const QStringList &usernames)
{
    pb::Envelope envelope;
    auto *create = envelope.mutable_create_group();
    create->set_client_id(uuidToWire(createTimeOrderedUuid()));
    create->set_title(title.trimmed().toStdString());
    for (const QString &name : usernames)
        create->add_member_usernames(name.trimmed().toLower().toStdString());
    d->sendGroupRequest(envelope, 0);
}

void ChatClient::renameGroup(quint64 conversationId, const QString &title)
{
    pb::Envelope envelope;
    envelope.mutable_rename_group()->set_conversation_id(conversationId);
    envelope.mutable_rename_group()->set_title(title.trimmed().toStdString());
    d->sendGroupRequest(envelope, conversationId);
}

void ChatClient::addMembers(quint64 conversationId, const QStringList &usernames)
{
    pb::Envelope envelope;
    envelope.mutable_add_members()->set_conversation_id(conversationId);
    for (const QString &name : usernames)
        envelope.mutable_add_members()->add_usernames(name.trimmed().toLower().toStdString());
    d->sendGroupRequest(envelope, conversationId);
}

void ChatClient::removeMember(quint64 conversationId, quint64 userId)
{
    pb::Envelope envelope;
    envelope.mutable_remove_member()->set_conversation_id(conversationId);
    envelope.mutable_remove_member()->set_user_id(userId);
    d->sendGroupRequest(envelope, conversationId);
}

void ChatClient::leaveGroup(quint64 conversationId)
{
    pb::Envelope envelope;
    envelope.mutable_leave_group()->set_conversation_id(conversationId);
    d->sendGroupRequest(envelope, conversationId);
}

void ChatClient::setRole(quint64 conversationId, quint64 userId, Role role)
{
    pb::Envelope envelope;
    envelope.mutable_set_role()->set_conversation_id(conversationId);
    envelope.mutable_set_role()->set_user_id(userId);
    envelope.mutable_set_role()->set_role(pb::Role(role));
    d->sendGroupRequest(envelope, conversationId);
}

void ChatClient::setRetention(quint64 conversationId, int days)
{
    if (d->state == State::Online && d->serverMinor < 6) {
        QTimer::singleShot(0, this, [this] {
            Q_EMIT groupRequestFailed(
                { ErrorCode::UNKNOWN_BODY,
                  tr("This server is too old for disappearing messages. Ask its administrator "
                     "to update it.") });
        });
        return;
    }
    pb::Envelope envelope;
    envelope.mutable_set_retention()->set_conversation_id(conversationId);
    envelope.mutable_set_retention()->set_retention_days(quint32(std::max(days, 0)));
    d->sendGroupRequest(envelope, conversationId);
}

bool ChatClient::canSetRetention(quint64 conversationId, QString *reason) const
{
    const auto no = [reason](const QString &why) {
        if (reason)
            *reason = why;
        return false;
    };
    if (!d->cache)
        return no(tr("You are not signed in."));
    if (const unsigned minor = d->knownServerMinor(); minor != 0 && minor < 6)
        return no(tr("This server is too old for disappearing messages."));
    const auto conversation = d->cache->conversation(conversationId);
    if (!conversation)
        return no(tr("The chat starts with its first message."));
    if (conversation.value().left)
        return no(tr("You are no longer a member of this chat."));
    if (conversation.value().isGroup) {
        const QList<UserInfo> &members = conversation.value().members;
        const auto me = std::find_if(members.cbegin(), members.cend(), [this](const UserInfo &m) {
            return m.userId == d->user.userId;
        });
        if (me == members.cend() || me->role == Role::Member)
            return no(tr("Only the group's owner and admins can change this."));
    }
    if (reason)
        reason->clear();
    return true;
}

int ChatClient::serverRetentionDays() const
{
    return d->storedServerRetentionDays();
}

int ChatClient::retentionLimitDays(quint64 conversationId) const
{
    int own = 0;
    if (d->cache)
        if (const auto conversation = d->cache->conversation(conversationId); conversation)
            own = conversation.value().retentionDays;
    return Client::retentionLimitDays(serverRetentionDays(), own);
}

void ChatClient::markRead(quint64 conversationId, quint64 seq)
{
    if (!d->cache || seq == 0)
        return;
    auto moved = d->cache->markRead(conversationId, seq);
    if (!moved || !moved.value())
        return;
    Q_EMIT conversationsChanged();
    d->queueReceipt(conversationId, 0, seq);
}

void ChatClient::setAway(bool away)
{
    if (d->away == away)
        return;
    d->away = away;
    if (d->state != State::Online)
        return; // said after the next sign-in
    pb::Envelope envelope;
    envelope.mutable_set_presence()->set_state(away ? pb::PRESENCE_AWAY : pb::PRESENCE_ONLINE);
    d->send(envelope, { Private::Kind::Presence, {}, 0 });
}

bool ChatClient::isAway() const
{
    return d->away;
}

Presence ChatClient::presence(quint64 userId) const
{
    return d->presence.value(userId);
}

void ChatClient::notifyTyping(quint64 conversationId)
{
    if (d->state != State::Online || conversationId == 0)
        return;
    const qint64 now = nowMs();
    const auto last = d->typingSentMs.constFind(conversationId);
    if (last != d->typingSentMs.cend() && now - last.value() < kTypingIntervalMs)
        return;
    d->typingSentMs.insert(conversationId, now);
    pb::Envelope envelope; // request id 0: a one-way signal, not answered
    envelope.mutable_typing()->set_conversation_id(conversationId);
    d->socket.sendBinaryMessage(Codec::encode(envelope));
}

QList<quint64> ChatClient::typingUsers(quint64 conversationId) const
{
    const auto it = d->typing.constFind(conversationId);
    if (it == d->typing.cend())
        return {};
    QList<quint64> users = it->keys();
    std::sort(users.begin(), users.end());
    return users;
}

} // namespace Confab::Client
