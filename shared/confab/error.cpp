#include "error.h"

#include <QCoreApplication>

namespace Confab {

bool Error::isTransient() const
{
    switch (code) {
    case ErrorCode::INTERNAL:
    case ErrorCode::RATE_LIMITED:
    case ErrorCode::LOGIN_THROTTLED:
    case ErrorCode::STORAGE_FULL:
    case ErrorCode::UNAVAILABLE:
        return true;
    default:
        return false;
    }
}

Error Error::fromPb(const pb::Error &error)
{
    return Error { error.code(), QString::fromStdString(error.message()), error.request_id(),
                   error.retry_after_ms() };
}

void Error::toPb(pb::Error *out) const
{
    out->set_code(code);
    out->set_message(message.toStdString());
    out->set_request_id(requestId);
    out->set_retry_after_ms(retryAfterMs);
}

pb::Envelope Error::toEnvelope() const
{
    pb::Envelope envelope;
    envelope.set_request_id(requestId);
    toPb(envelope.mutable_error());
    return envelope;
}

QString errorCodeName(ErrorCode code)
{
    const std::string &name = pb::ErrorCode_Name(code);
    return name.empty() ? QStringLiteral("ERROR_%1").arg(int(code)) : QString::fromStdString(name);
}

namespace {

// The untranslated text of a code; a switch, so that a new code without a text warns.
const char *untranslatedMessage(ErrorCode code)
{
    switch (code) {
    case ErrorCode::ERROR_CODE_UNSPECIFIED:
    case ErrorCode::INTERNAL:
        return QT_TRANSLATE_NOOP("Confab::Error",
                                 "The server ran into a problem. Please try again.");
    case ErrorCode::BAD_FRAME:
        return QT_TRANSLATE_NOOP("Confab::Error", "The data sent could not be understood.");
    case ErrorCode::FRAME_TOO_LARGE:
        return QT_TRANSLATE_NOOP("Confab::Error", "The data sent was too large.");
    case ErrorCode::EMPTY_BODY:
        return QT_TRANSLATE_NOOP("Confab::Error", "An empty request was sent.");
    case ErrorCode::UNKNOWN_BODY:
        return QT_TRANSLATE_NOOP("Confab::Error",
                                 "The server does not support this request. It may "
                                 "be older than this app.");
    case ErrorCode::INVALID_UTF8:
        return QT_TRANSLATE_NOOP("Confab::Error", "The text contains invalid characters.");
    case ErrorCode::TEXT_TOO_LONG:
        return QT_TRANSLATE_NOOP("Confab::Error", "The message is too long.");
    case ErrorCode::FIELD_TOO_LONG:
        return QT_TRANSLATE_NOOP("Confab::Error", "A value is too long.");
    case ErrorCode::INVALID_ARGUMENT:
        return QT_TRANSLATE_NOOP("Confab::Error", "A value is not valid.");
    case ErrorCode::UNSUPPORTED_VERSION:
        return QT_TRANSLATE_NOOP("Confab::Error",
                                 "This app and the server speak different protocol "
                                 "versions. Please update.");
    case ErrorCode::PROTOCOL_VIOLATION:
        return QT_TRANSLATE_NOOP("Confab::Error", "The request was sent at the wrong time.");
    case ErrorCode::UNAUTHENTICATED:
        return QT_TRANSLATE_NOOP("Confab::Error", "Please sign in first.");
    case ErrorCode::BAD_CREDENTIALS:
        return QT_TRANSLATE_NOOP("Confab::Error", "Wrong username or password.");
    case ErrorCode::ACCOUNT_DISABLED:
        return QT_TRANSLATE_NOOP("Confab::Error", "This account has been disabled.");
    case ErrorCode::TOKEN_INVALID:
        return QT_TRANSLATE_NOOP("Confab::Error",
                                 "Your session is no longer valid. Please sign in again.");
    case ErrorCode::TOKEN_EXPIRED:
        return QT_TRANSLATE_NOOP("Confab::Error",
                                 "Your session has expired. Please sign in again.");
    case ErrorCode::USERNAME_TAKEN:
        return QT_TRANSLATE_NOOP("Confab::Error", "This username is already taken.");
    case ErrorCode::NOT_FOUND:
        return QT_TRANSLATE_NOOP("Confab::Error", "It does not exist.");
    case ErrorCode::FORBIDDEN:
        return QT_TRANSLATE_NOOP("Confab::Error", "You are not allowed to do this.");
    case ErrorCode::RATE_LIMITED:
        return QT_TRANSLATE_NOOP("Confab::Error", "Too many requests. Please slow down.");
    case ErrorCode::LOGIN_THROTTLED:
        return QT_TRANSLATE_NOOP("Confab::Error",
                                 "Too many failed sign-in attempts. Please wait a "
                                 "moment and try again.");
    case ErrorCode::STORAGE_FULL:
        return QT_TRANSLATE_NOOP("Confab::Error", "The server is out of storage space.");
    case ErrorCode::UNAVAILABLE:
        return QT_TRANSLATE_NOOP("Confab::Error",
                                 "The server is unavailable right now. Please try "
                                 "again later.");
    case ErrorCode::GROUP_FULL:
        return QT_TRANSLATE_NOOP("Confab::Error", "The group is full.");
    case ErrorCode::MESSAGE_DELETED:
        return QT_TRANSLATE_NOOP("Confab::Error", "The message was deleted.");
    case ErrorCode::FILE_TOO_LARGE:
        return QT_TRANSLATE_NOOP("Confab::Error", "The file is too large for this server.");
    case ErrorCode::HASH_MISMATCH:
        return QT_TRANSLATE_NOOP("Confab::Error",
                                 "The file changed or was damaged while it was sent. Please "
                                 "send it again.");
    case ErrorCode::MESSAGE_ARCHIVED:
        return QT_TRANSLATE_NOOP("Confab::Error",
                                 "This message is archived and can no longer be changed.");
    case ErrorCode::ARCHIVE_UNAVAILABLE:
        return QT_TRANSLATE_NOOP("Confab::Error",
                                 "Older history cannot be read from the server's archive right "
                                 "now.");
    case pb::ErrorCode_INT_MIN_SENTINEL_DO_NOT_USE_:
    case pb::ErrorCode_INT_MAX_SENTINEL_DO_NOT_USE_:
        break;
    }
    return nullptr;
}

} // namespace

QString userMessage(ErrorCode code)
{
    if (const char *text = untranslatedMessage(code))
        return QCoreApplication::translate("Confab::Error", text);
    return QCoreApplication::translate("Confab::Error", "Unknown error (code %1).").arg(int(code));
}

} // namespace Confab
