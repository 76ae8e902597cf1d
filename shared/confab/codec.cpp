#include "codec.h"

#include "logging.h"
#include "utf8.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/unknown_field_set.h>

#include <mutex>

namespace Confab::Codec {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

// protobuf logs an ERROR line for every string with invalid UTF-8 it parses. A peer could flood
// stderr that way, so its log goes to our category at debug level; decode() reports the error.
void routeProtobufLogs()
{
    static std::once_flag once;
    std::call_once(once, [] {
        google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char *file,
                                           int line, const std::string &message) {
            if (level >= google::protobuf::LOGLEVEL_FATAL)
                qCCritical(lcProto) << "protobuf:" << file << line << message.c_str();
            else
                qCDebug(lcProto) << "protobuf:" << file << line << message.c_str();
        });
    });
}

// Explains why a typed parse failed, walking the raw wire format with the schema: either a string
// field holds invalid UTF-8 (named in the error) or the bytes are not a valid message.
Error diagnoseParseFailure(const std::string_view bytes, const Descriptor *descriptor, int depth)
{
    const Error badFrame {
        ErrorCode::BAD_FRAME,
        QStringLiteral("the frame is not a valid %1").arg(QLatin1StringView(descriptor->name()))
    };
    if (depth > 32)
        return badFrame;
    UnknownFieldSet raw;
    if (!raw.ParseFromArray(bytes.data(), int(bytes.size())))
        return badFrame;
    for (int i = 0; i < raw.field_count(); ++i) {
        const UnknownField &field = raw.field(i);
        const FieldDescriptor *known = descriptor->FindFieldByNumber(field.number());
        if (!known || field.type() != UnknownField::TYPE_LENGTH_DELIMITED)
            continue;
        const std::string &payload = field.length_delimited();
        if (known->type() == FieldDescriptor::TYPE_STRING && !isValidUtf8(payload)) {
            return { ErrorCode::INVALID_UTF8,
                     QStringLiteral("invalid UTF-8 in %1")
                         .arg(QString::fromStdString(known->full_name())) };
        }
        if (known->type() == FieldDescriptor::TYPE_MESSAGE) {
            Error inner = diagnoseParseFailure(payload, known->message_type(), depth + 1);
            if (inner.code != ErrorCode::ERROR_CODE_UNSPECIFIED)
                return inner;
        }
    }
    // The wire format is sound at this level and no string is bad: nothing to blame here.
    return { ErrorCode::ERROR_CODE_UNSPECIFIED, {} };
}

//! Checks one decoded envelope against the limits; remembers the first violation.
class Validator
{
public:
    explicit Validator(const Limits &limits) : m_limits(limits) { }

    [[nodiscard]] Result<void> run(const pb::Envelope &envelope);

private:
    bool fail(ErrorCode code, const QString &message)
    {
        m_error = Error { code, message };
        return false;
    }
    bool maxBytes(const std::string &value, int max, const char *field)
    {
        if (value.size() <= size_t(max))
            return true;
        return fail(ErrorCode::FIELD_TOO_LONG,
                    QStringLiteral("%1 is %2 bytes, more than %3")
                        .arg(QLatin1StringView(field))
                        .arg(value.size())
                        .arg(max));
    }
    bool notificationPrefs(const pb::NotificationPrefs &prefs)
    {
        if (prefs.quiet_start_minute() >= 24 * 60 || prefs.quiet_end_minute() >= 24 * 60)
            return fail(ErrorCode::INVALID_ARGUMENT,
                        QStringLiteral("quiet hours are minutes after midnight: 0 to 1439"));
        return maxBytes(prefs.time_zone(), kMaxTimeZoneBytes, "NotificationPrefs.time_zone")
            && maxBytes(prefs.digest_email(), kMaxEmailBytes, "NotificationPrefs.digest_email")
            && count(prefs.conversations_size(), kMaxNotifyConversations,
                     "NotificationPrefs.conversations");
    }
    bool uuid(const std::string &value, const char *field)
    {
        if (value.size() == size_t(kUuidBytes))
            return true;
        return fail(ErrorCode::INVALID_ARGUMENT,
                    QStringLiteral("%1 must be %2 bytes, got %3")
                        .arg(QLatin1StringView(field))
                        .arg(kUuidBytes)
                        .arg(value.size()));
    }
    bool text(const std::string &value)
    {
        if (value.size() <= m_limits.maxTextBytes)
            return true;
        return fail(ErrorCode::TEXT_TOO_LONG,
                    QStringLiteral("text is %1 bytes, more than %2")
                        .arg(value.size())
                        .arg(m_limits.maxTextBytes));
    }
    bool count(int size, quint32 max, const char *field)
    {
        if (size >= 0 && quint32(size) <= max)
            return true;
        return fail(ErrorCode::FIELD_TOO_LONG,
                    QStringLiteral("%1 has %2 entries, more than %3")
                        .arg(QLatin1StringView(field))
                        .arg(size)
                        .arg(max));
    }

    bool user(const pb::User &value)
    {
        return maxBytes(value.username(), kMaxNameBytes, "User.username")
            && maxBytes(value.display_name(), kMaxNameBytes, "User.display_name");
    }
    bool groupEvent(const pb::GroupEvent &value)
    {
        return maxBytes(value.title(), kMaxNameBytes, "GroupEvent.title")
            && count(value.user_ids_size(), m_limits.maxGroupMembers, "GroupEvent.user_ids");
    }
    bool reactions(const pb::Message &value)
    {
        if (!count(value.reactions_size(), kMaxReactionKinds, "Message.reactions"))
            return false;
        for (const auto &reaction : value.reactions())
            if (!maxBytes(reaction.emoji(), kMaxEmojiBytes, "Reaction.emoji")
                || !count(reaction.user_ids_size(), m_limits.maxGroupMembers, "Reaction.user_ids"))
                return false;
        return true;
    }
    bool bytesExactly(const std::string &value, int size, const char *field)
    {
        if (value.size() == size_t(size))
            return true;
        return fail(ErrorCode::INVALID_ARGUMENT,
                    QStringLiteral("%1 must be %2 bytes, got %3")
                        .arg(QLatin1StringView(field))
                        .arg(size)
                        .arg(value.size()));
    }
    bool attachment(const pb::Attachment &value)
    {
        return maxBytes(value.name(), kMaxFileNameBytes, "Attachment.name")
            && maxBytes(value.mime_type(), kMaxNameBytes, "Attachment.mime_type")
            && maxBytes(value.sha256(), kSha256Bytes, "Attachment.sha256")
            && maxBytes(value.thumbnail(), kMaxThumbnailBytes, "Attachment.thumbnail");
    }
    bool message(const pb::Message &value)
    {
        if (!count(value.attachments_size(), kMaxAttachmentsPerMessage, "Message.attachments"))
            return false;
        for (const auto &a : value.attachments())
            if (!attachment(a))
                return false;
        return uuid(value.client_id(), "Message.client_id") && text(value.text())
            && (!value.has_group_event() || groupEvent(value.group_event()))
            && maxBytes(value.change().emoji(), kMaxEmojiBytes, "MessageChange.emoji")
            && count(value.mention_user_ids_size(), m_limits.maxGroupMembers,
                     "Message.mention_user_ids")
            && reactions(value);
    }
    bool usernames(const google::protobuf::RepeatedPtrField<std::string> &values, const char *field)
    {
        if (!count(values.size(), m_limits.maxGroupMembers, field))
            return false;
        for (const auto &value : values)
            if (!maxBytes(value, kMaxNameBytes, field))
                return false;
        return true;
    }
    bool conversation(const pb::Conversation &value)
    {
        if (!maxBytes(value.title(), kMaxNameBytes, "Conversation.title")
            || !count(value.members_size(), m_limits.maxGroupMembers, "Conversation.members"))
            return false;
        for (const auto &member : value.members())
            if (!user(member))
                return false;
        return count(value.receipts_size(), m_limits.maxGroupMembers, "Conversation.receipts")
            && (!value.has_last_message() || message(value.last_message()));
    }
    bool messages(const google::protobuf::RepeatedPtrField<pb::Message> &values, const char *field)
    {
        if (!count(values.size(), m_limits.maxPageSize, field))
            return false;
        for (const auto &value : values)
            if (!message(value))
                return false;
        return true;
    }
    bool body(const pb::Envelope &envelope);

    const Limits &m_limits;
    std::optional<Error> m_error;
};

bool Validator::body(const pb::Envelope &e)
{
    using B = pb::Envelope::BodyCase;
    switch (e.body_case()) {
    case B::kHello:
        return uuid(e.hello().device_id(), "Hello.device_id")
            && maxBytes(e.hello().client_name(), kMaxNameBytes, "Hello.client_name")
            && maxBytes(e.hello().client_version(), kMaxNameBytes, "Hello.client_version")
            && maxBytes(e.hello().device_name(), kMaxNameBytes, "Hello.device_name");
    case B::kWelcome:
        return maxBytes(e.welcome().server_name(), kMaxNameBytes, "Welcome.server_name")
            && maxBytes(e.welcome().server_version(), kMaxNameBytes, "Welcome.server_version");
    case B::kRegisterAccount:
        return maxBytes(e.register_account().username(), kMaxNameBytes, "RegisterAccount.username")
            && maxBytes(e.register_account().password(), kMaxPasswordBytes,
                        "RegisterAccount.password")
            && maxBytes(e.register_account().display_name(), kMaxNameBytes,
                        "RegisterAccount.display_name");
    case B::kLogin:
        return maxBytes(e.login().username(), kMaxNameBytes, "Login.username")
            && maxBytes(e.login().password(), kMaxPasswordBytes, "Login.password");
    case B::kResume:
        return maxBytes(e.resume().token(), kMaxTokenBytes, "Resume.token");
    case B::kAuthOk:
        return user(e.auth_ok().user())
            && maxBytes(e.auth_ok().token(), kMaxTokenBytes, "AuthOk.token");
    case B::kLogout:
    case B::kOk:
    case B::kListConversations:
    case B::kRemoveMember:
    case B::kLeaveGroup:
    case B::kSetRole:
    case B::kSetRetention:
    case B::kSetPresence:
    case B::kTyping:
    case B::kTypingEvent:
    case B::kUpdateReceipt:
    case B::kReceiptEvent:
    case B::kListSessions:
    case B::kRevokeOtherSessions:
        return true;
    case B::kGetNotificationPrefs:
        return true;
    case B::kSetNotificationPrefs:
        return notificationPrefs(e.set_notification_prefs().prefs());
    case B::kNotificationPrefs:
        return notificationPrefs(e.notification_prefs());
    case B::kRevokeSession:
        return maxBytes(e.revoke_session().session_id(), kMaxSessionIdBytes,
                        "RevokeSession.session_id");
    case B::kChangePassword:
        return maxBytes(e.change_password().current_password(), kMaxPasswordBytes,
                        "ChangePassword.current_password")
            && maxBytes(e.change_password().new_password(), kMaxPasswordBytes,
                        "ChangePassword.new_password");
    case B::kSessionList:
        for (const pb::SessionInfo &session : e.session_list().sessions()) {
            if (!maxBytes(session.session_id(), kMaxSessionIdBytes, "SessionInfo.session_id")
                || !maxBytes(session.client_name(), kMaxNameBytes, "SessionInfo.client_name")
                || !maxBytes(session.client_version(), kMaxNameBytes, "SessionInfo.client_version")
                || !maxBytes(session.device_name(), kMaxNameBytes, "SessionInfo.device_name"))
                return false;
        }
        return true;
    case B::kCreateGroup:
        return uuid(e.create_group().client_id(), "CreateGroup.client_id")
            && maxBytes(e.create_group().title(), kMaxNameBytes, "CreateGroup.title")
            && count(e.create_group().member_ids_size(), m_limits.maxGroupMembers,
                     "CreateGroup.member_ids")
            && usernames(e.create_group().member_usernames(), "CreateGroup.member_usernames");
    case B::kRenameGroup:
        return maxBytes(e.rename_group().title(), kMaxNameBytes, "RenameGroup.title");
    case B::kAddMembers:
        return count(e.add_members().user_ids_size(), m_limits.maxGroupMembers,
                     "AddMembers.user_ids")
            && usernames(e.add_members().usernames(), "AddMembers.usernames");
    case B::kGroupResult:
        return conversation(e.group_result().conversation())
            && (!e.group_result().has_event() || message(e.group_result().event()));
    case B::kConversationEvent:
        return conversation(e.conversation_event().conversation());
    case B::kPresenceEvent:
        return count(e.presence_event().presences_size(), kMaxPresences, "PresenceEvent.presences");
    case B::kError:
        return maxBytes(e.error().message(), kMaxErrorMessageBytes, "Error.message");
    case B::kSendMessage:
        return uuid(e.send_message().client_id(), "SendMessage.client_id")
            && maxBytes(e.send_message().peer_username(), kMaxNameBytes,
                        "SendMessage.peer_username")
            && text(e.send_message().text())
            && count(e.send_message().mention_user_ids_size(), m_limits.maxGroupMembers,
                     "SendMessage.mention_user_ids")
            && count(e.send_message().attachment_ids_size(), kMaxAttachmentsPerMessage,
                     "SendMessage.attachment_ids");
    case B::kBeginUpload:
        return maxBytes(e.begin_upload().name(), kMaxFileNameBytes, "BeginUpload.name")
            && maxBytes(e.begin_upload().mime_type(), kMaxNameBytes, "BeginUpload.mime_type")
            && bytesExactly(e.begin_upload().sha256(), kSha256Bytes, "BeginUpload.sha256")
            && maxBytes(e.begin_upload().thumbnail(), kMaxThumbnailBytes, "BeginUpload.thumbnail");
    case B::kUploadStatus:
        return maxBytes(e.upload_status().upload_id(), kUuidBytes, "UploadStatus.upload_id");
    case B::kUploadChunk:
        return bytesExactly(e.upload_chunk().upload_id(), kUuidBytes, "UploadChunk.upload_id")
            && maxBytes(e.upload_chunk().data(), int(m_limits.attachmentChunkBytes),
                        "UploadChunk.data");
    case B::kDownloadRequest:
        return true;
    case B::kDownloadChunk:
        return maxBytes(e.download_chunk().data(), int(m_limits.attachmentChunkBytes),
                        "DownloadChunk.data");
    case B::kChangeMessage:
        return uuid(e.change_message().client_id(), "ChangeMessage.client_id")
            && text(e.change_message().text())
            && maxBytes(e.change_message().emoji(), kMaxEmojiBytes, "ChangeMessage.emoji");
    case B::kMessageAck:
        return uuid(e.message_ack().client_id(), "MessageAck.client_id");
    case B::kMessageEvent:
        return message(e.message_event().message());
    case B::kSyncRequest:
        return count(e.sync_request().cursors_size(), kMaxSyncCursors, "SyncRequest.cursors");
    case B::kSyncPage:
        if (!messages(e.sync_page().messages(), "SyncPage.messages"))
            return false;
        for (const auto &value : e.sync_page().conversations())
            if (!conversation(value))
                return false;
        return true;
    case B::kHistoryRequest:
        return true;
    case B::kHistoryPage:
        return messages(e.history_page().messages(), "HistoryPage.messages");
    case B::kConversationList:
        for (const auto &value : e.conversation_list().conversations())
            if (!conversation(value))
                return false;
        return true;
    case B::BODY_NOT_SET:
        break;
    }
    return fail(ErrorCode::EMPTY_BODY, QStringLiteral("the envelope has no body"));
}

Result<void> Validator::run(const pb::Envelope &envelope)
{
    if (body(envelope))
        return {};
    m_error->requestId = envelope.request_id();
    return *m_error;
}

} // namespace

QByteArray encode(const pb::Envelope &envelope)
{
    routeProtobufLogs();
    const size_t size = envelope.ByteSizeLong();
    QByteArray frame(qsizetype(size), Qt::Uninitialized);
    envelope.SerializeWithCachedSizesToArray(reinterpret_cast<quint8 *>(frame.data()));
    return frame;
}

Result<pb::Envelope> decode(QByteArrayView frame, const Limits &limits)
{
    // Attachment chunks may be larger than other frames; which this is, parsing tells.
    if (quint64(frame.size()) > limits.maxIncomingFrameBytes()) {
        return Error { ErrorCode::FRAME_TOO_LARGE,
                       QStringLiteral("frame of %1 bytes is over the limit of %2")
                           .arg(frame.size())
                           .arg(limits.maxIncomingFrameBytes()) };
    }
    if (frame.isEmpty())
        return Error { ErrorCode::BAD_FRAME, QStringLiteral("empty frame") };

    routeProtobufLogs();
    pb::Envelope envelope;
    if (!envelope.ParseFromArray(frame.data(), int(frame.size()))) {
        // Only a chunk may be over maxFrameBytes; what does not parse is not one.
        if (quint64(frame.size()) > limits.maxFrameBytes) {
            return Error { ErrorCode::FRAME_TOO_LARGE,
                           QStringLiteral("frame of %1 bytes is over the limit of %2")
                               .arg(frame.size())
                               .arg(limits.maxFrameBytes) };
        }
        const std::string_view bytes(frame.data(), size_t(frame.size()));
        Error error = diagnoseParseFailure(bytes, pb::Envelope::descriptor(), 0);
        if (error.code == ErrorCode::ERROR_CODE_UNSPECIFIED)
            error = { ErrorCode::BAD_FRAME, QStringLiteral("the frame is not a valid Envelope") };
        return error;
    }
    if (envelope.body_case() == pb::Envelope::BODY_NOT_SET) {
        const bool hasUnknown = !envelope.GetReflection()->GetUnknownFields(envelope).empty();
        Error error = hasUnknown
            ? Error { ErrorCode::UNKNOWN_BODY,
                      QStringLiteral("the envelope's body is of a type this "
                                     "peer does not know") }
            : Error { ErrorCode::EMPTY_BODY, QStringLiteral("the envelope has no body") };
        error.requestId = envelope.request_id();
        return error;
    }
    const bool chunk = envelope.body_case() == pb::Envelope::kUploadChunk
        || envelope.body_case() == pb::Envelope::kDownloadChunk;
    if (!chunk && quint64(frame.size()) > limits.maxFrameBytes) {
        return Error { ErrorCode::FRAME_TOO_LARGE,
                       QStringLiteral("frame of %1 bytes is over the limit of %2")
                           .arg(frame.size())
                           .arg(limits.maxFrameBytes) };
    }
    if (Result<void> valid = validate(envelope, limits); !valid)
        return valid.error();
    return envelope;
}

Result<void> validate(const pb::Envelope &envelope, const Limits &limits)
{
    return Validator(limits).run(envelope);
}

const char *bodyName(const pb::Envelope &envelope)
{
    const FieldDescriptor *field =
        pb::Envelope::descriptor()->FindFieldByNumber(envelope.body_case());
    return field ? field->name().c_str() : "none";
}

} // namespace Confab::Codec
