#pragma once

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <QUuid>

#include <algorithm>

namespace Confab::Client {

enum class MessageState { Sending = 0, Sent = 1, Failed = 2 };

//! A member's role in a group (the wire's Role values).
enum class Role { Member = 0, Admin = 1, Owner = 2 };

struct UserInfo
{
    quint64 userId = 0;
    QString username;
    QString displayName;
    Role role = Role::Member; //!< in a group's member list
};

//! A change to a group (or to any chat's retention), recorded in its stream (the wire's
//! GroupEvent).
struct GroupEvent
{
    enum class Kind {
        None = 0,
        Created,
        Renamed,
        MembersAdded,
        MemberRemoved,
        MemberLeft,
        RoleChanged,
        RetentionSet //!< since 1.6: retentionDays (0: the chat's own limit is off)
    };
    Kind kind = Kind::None;
    QList<quint64> userIds;
    QString title;
    Role role = Role::Member;
    int retentionDays = 0;
    [[nodiscard]] bool isValid() const { return kind != Kind::None; }
};

//! A member's cursors in a conversation: delivered-up-to and read-up-to.
struct Receipt
{
    quint64 userId = 0;
    quint64 deliveredSeq = 0;
    quint64 readSeq = 0;
};

//! What a change entry does to its target (the wire's MessageChange.Kind).
enum class ChangeKind { None = 0, Edited = 1, Deleted = 2, ReactionAdded = 3, ReactionRemoved = 4 };

//! Who reacted to a message with one emoji, in the order they did.
struct Reaction
{
    QString emoji;
    QList<quint64> userIds;
};

enum class PresenceState { Offline = 0, Online = 1, Away = 2 };

struct Presence
{
    PresenceState state = PresenceState::Offline;
    qint64 lastSeenMs = 0; //!< when offline: last seen (0: unknown)
};

enum class NotifyMode { All = 0, MentionsOnly = 1, Muted = 2 };

//! How the server says a message notifies this user (PROTOCOL.md §15), the same on every device:
//! Unset from a server before 1.4 (the client decides), Silent (nothing), Normal (a notification),
//! High (a notification with sound: a direct message, a mention, a reply to the user).
enum class NotifyPriority { Unset = 0, Silent = 1, Normal = 2, High = 3 };

//! What a sync brought that would have notified had it come live (PROTOCOL.md §15): one
//! summary for a device that was away, not a notification per message.
struct CatchUpSummary
{
    int high = 0;
    int normal = 0;
    QList<quint64> conversationIds; //!< each once
    [[nodiscard]] int messages() const { return high + normal; }
    [[nodiscard]] bool isEmpty() const { return messages() == 0; }
};

//! How one conversation notifies: NotifyMode, and for Muted until when (0: until turned back on).
struct ConversationNotify
{
    NotifyMode mode = NotifyMode::All;
    qint64 mutedUntilMs = 0;
    friend bool operator==(const ConversationNotify &, const ConversationNotify &) = default;
};

//! The user's notification preferences (PROTOCOL.md §15): kept by the server, the same on
//! every device of the user.
struct NotificationPrefs
{
    bool doNotDisturb = false; //!< nothing notifies, until turned off
    bool quietHours = false; //!< nothing notifies every day from quietStart to quietEnd
    int quietStartMinute = 0; //!< minutes after midnight, in timeZone
    int quietEndMinute = 0; //!< before the start: through midnight
    QString timeZone; //!< IANA id; empty: UTC
    bool showPreview = true; //!< the message's text in notifications
    bool emailDigest = true; //!< when the server sends digests
    QString digestEmail; //!< where digests go; empty: nowhere
    QHash<quint64, ConversationNotify> conversations; //!< those not at All
    quint64 version = 0; //!< the server's; 0: never set

    //! A conversation's mode at that moment: a mute that ended is All again.
    [[nodiscard]] NotifyMode modeAt(quint64 conversationId, qint64 nowMs) const;
    //! Do not disturb, or inside the quiet hours, at that moment.
    [[nodiscard]] bool quietAt(qint64 nowMs) const;
    friend bool operator==(const NotificationPrefs &, const NotificationPrefs &) = default;
};

//! A file sent with a message (PROTOCOL.md §14).
struct AttachmentInfo
{
    quint64 attachmentId = 0; //!< 0: one of ours, not uploaded yet
    QString name;
    QString mimeType;
    quint64 size = 0;
    QByteArray sha256;
    QByteArray thumbnail; //!< images: a small JPEG
    int width = 0;
    int height = 0;
    //! Ours being sent: the file it is read from. Received: the downloaded copy, once complete.
    QString localPath;
    [[nodiscard]] bool isImage() const { return mimeType.startsWith(QLatin1String("image/")); }
};

//! A file to send, as the app prepared it (the thumbnail of an image is made by the UI).
struct OutgoingFile
{
    QString path;
    QString mimeType;
    QByteArray thumbnail;
    int width = 0;
    int height = 0;
};

//! A message as the client holds it: sent and received ones have a server id and a seq; one
//! still in the outbox (Sending) or refused (Failed) has only its client id.
struct ChatMessage
{
    qint64 localId = 0;
    QUuid clientId;
    quint64 messageId = 0;
    quint64 conversationId = 0; //!< 0 for a first message to peerUsername, until it is acked
    QString peerUsername;
    quint64 seq = 0;
    quint64 senderId = 0;
    QString text;
    qint64 timeMs = 0; //!< server time once sent; local time while sending
    MessageState state = MessageState::Sent;
    QString error; //!< why it failed, for the user
    GroupEvent event; //!< set for a group change (then text is empty)

    // A change entry (an edit, delete or reaction, PROTOCOL.md §13): kept in the stream, never
    // shown; applied to its target. For an edit, text is the new text.
    ChangeKind change = ChangeKind::None;
    quint64 targetId = 0; //!< the target's server id
    quint64 targetSeq = 0;
    QString emoji; //!< reactions

    quint64 replyToId = 0; //!< the message this one answers, 0: none
    quint64 replyToSeq = 0;
    QList<quint64> mentions; //!< members the text names with @username

    // The state changes left (set on messages, never on entries):
    qint64 editedMs = 0; //!< last edited (server time), 0: never
    bool deleted = false; //!< deleted for everyone: a tombstone without text
    QList<Reaction> reactions;
    quint64 changedSeq = 0; //!< the newest change entry reflected here
    QList<AttachmentInfo> attachments;
    //! Live messages only, never stored: how the server says it notifies this user.
    NotifyPriority priority = NotifyPriority::Unset;

    [[nodiscard]] bool isChange() const { return change != ChangeKind::None; }
    [[nodiscard]] bool reactedBy(const QString &emoji, quint64 userId) const
    {
        for (const Reaction &reaction : reactions)
            if (reaction.emoji == emoji)
                return reaction.userIds.contains(userId);
        return false;
    }
};

struct ConversationSummary
{
    quint64 conversationId = 0;
    bool isGroup = false;
    QString title;
    QList<UserInfo> members;
    quint64 lastSeq = 0;
    quint64 readSeq = 0;
    quint64 unreadCount = 0;
    qint64 lastActivityMs = 0;
    QString lastText;
    bool lastDeleted = false; //!< the last message was deleted for everyone
    QString lastFileName; //!< the last message had files and no text: the first file's name
    quint64 lastSenderId = 0;
    quint64 joinedSeq = 0; //!< this user sees entries after this seq only
    bool left = false; //!< no longer a member: read-only
    QList<Receipt> receipts; //!< the other members' cursors
    //! The chat's own retention (PROTOCOL.md §17): entries older are deleted; 0: none (the
    //! server's limit may still apply, see retentionLimitDays()).
    int retentionDays = 0;
    //! Entries up to this seq were deleted by retention (by the server, or here because they
    //! were older than the limit): history starts after it.
    quint64 purgedSeq = 0;
};

//! How long a chat keeps its entries (PROTOCOL.md §17): the smaller of the server's limit and
//! the chat's own that are set; 0: for ever.
[[nodiscard]] inline int retentionLimitDays(int serverDays, int chatDays)
{
    if (serverDays <= 0)
        return std::max(chatDays, 0);
    return chatDays <= 0 ? serverDays : std::min(serverDays, chatDays);
}

//! A search hit. The snippet marks matches with U+0002 (start) and U+0003 (end).
struct SearchHit
{
    qint64 localId = 0;
    quint64 conversationId = 0;
    quint64 seq = 0;
    qint64 timeMs = 0;
    QString snippet;
};

//! One account on one server, as remembered on this device.
struct Profile
{
    QString id; //!< "host:port/username"
    QUrl serverUrl;
    QString username;
    bool hasSession = false; //!< a token is stored: it can reconnect without the password
    bool isCurrent = false;
};

//! One of the account's sessions: a device signed in to it (PROTOCOL.md "Account and sessions").
struct SessionInfo
{
    QByteArray id; //!< for ChatClient::revokeSession
    QString clientName; //!< as the device says, e.g. "confab"
    QString clientVersion;
    QString deviceName; //!< e.g. "laptop (Debian GNU/Linux 12)"; may be empty
    QDateTime created; //!< signed in with the password
    QDateTime lastSeen; //!< last signed in or reconnected
    QDateTime expires;
    bool current = false; //!< this device
    bool online = false; //!< connected now
};

//! A server certificate this device could not verify (self-signed, or from an unknown authority,
//! or for another name), or one that differs from the certificate the user trusted before. The
//! client connects to that server only once the user trusts this fingerprint.
struct CertificateInfo
{
    QUrl server;
    QString fingerprint; //!< SHA-256, "AB:CD:..." (confabd prints its own at start)
    QString trustedFingerprint; //!< the one trusted before; empty: never asked
    QString subject;
    QString issuer;
    QDateTime expiry;
    QStringList problems; //!< why verification failed, one line each (Qt's words)
    [[nodiscard]] bool hasChanged() const { return !trustedFingerprint.isEmpty(); }
};

} // namespace Confab::Client

Q_DECLARE_METATYPE(Confab::Client::ChatMessage)
Q_DECLARE_METATYPE(Confab::Client::CatchUpSummary)
Q_DECLARE_METATYPE(Confab::Client::CertificateInfo)
Q_DECLARE_METATYPE(Confab::Client::SessionInfo)
