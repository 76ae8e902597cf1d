#pragma once

#include "archive/segmentfile.h"

#include <confab/pb.h>

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Confab::Store {

struct UserRecord
{
    quint64 userId = 0;
    QString username;
    QString displayName;
    QByteArray passwordHash; //!< libsodium's Argon2id string (crypto_pwhash_str)
    bool disabled = false;
    qint64 createdMs = 0;
};

//! A session token as stored: only its SHA-256 hash, never the token.
struct TokenRecord
{
    QByteArray tokenHash;
    quint64 userId = 0;
    QByteArray deviceId;
    qint64 createdMs = 0;
    qint64 expiresMs = 0;
};

//! A session as its user sees it: a token (by its hash) and the device that holds it.
struct SessionRecord
{
    QByteArray tokenHash;
    QByteArray deviceId;
    QString clientName; //!< empty when the device never finished signing in
    QString clientVersion;
    QString deviceName; //!< e.g. "laptop (Debian GNU/Linux 12)"; empty when not told
    qint64 createdMs = 0;
    qint64 lastSeenMs = 0; //!< the device's last sign-in or resume
    qint64 expiresMs = 0;
};

//! A message to append. Exactly one target is set: conversationId, peerUserId or peerUsername.
struct NewMessage
{
    quint64 senderId = 0;
    QByteArray clientId; //!< 16 bytes
    quint64 conversationId = 0;
    quint64 peerUserId = 0;
    QString peerUsername;
    std::string text;
    quint64 replyTo = 0; //!< a message of the same conversation, 0: none
    QList<quint64> mentions {}; //!< user ids the text names; those not members are dropped
    QList<quint64> attachmentIds {}; //!< the sender's complete uploads, not sent before
};

//! An upload in progress (PROTOCOL.md §14); its bytes are the BlobStore's.
struct UploadRecord
{
    QByteArray uploadId; //!< 16 bytes
    quint64 userId = 0;
    QString name;
    QString mimeType;
    quint64 size = 0;
    QByteArray sha256;
    QByteArray thumbnail;
    quint32 width = 0;
    quint32 height = 0;
    qint64 createdMs = 0;
};

//! A complete upload: a file that is, or may become, part of a message.
struct AttachmentRecord
{
    quint64 attachmentId = 0;
    quint64 uploaderId = 0;
    quint64 messageId = 0; //!< 0: not sent yet
    QString name;
    QString mimeType;
    quint64 size = 0;
    QByteArray sha256;
    QByteArray thumbnail;
    quint32 width = 0;
    quint32 height = 0;
};

//! An edit, delete or reaction to a stored message (PROTOCOL.md §13).
struct MessageChangeRequest
{
    quint64 actorId = 0;
    QByteArray clientId; //!< 16 bytes: a repeated request returns the original entry
    quint64 conversationId = 0;
    quint64 targetId = 0; //!< the message changed
    pb::MessageChange::Kind kind = pb::MessageChange::KIND_UNSPECIFIED;
    std::string text; //!< EDITED
    std::string emoji; //!< REACTION_*
};

//! The outcome of appending one message.
struct Appended
{
    pb::Message message;
    QList<quint64> memberIds; //!< every member of the conversation, the sender included
    bool duplicate = false; //!< an earlier message with the same (sender, client id) was returned
    bool direct = false; //!< in a direct (1:1) conversation: notifies at high priority
};

//! A change to a group (the request's fields; which are used depends on the kind).
struct GroupChange
{
    enum class Kind { Create, Rename, AddMembers, RemoveMember, Leave, SetRole, SetRetention };
    Kind kind = Kind::Create;
    quint64 actorId = 0;
    QByteArray clientId; //!< Create: 16 bytes, for idempotency
    quint64 conversationId = 0; //!< all but Create
    QString title; //!< Create, Rename
    QList<quint64> userIds; //!< Create, AddMembers; RemoveMember and SetRole: the one target
    QStringList usernames; //!< Create, AddMembers
    pb::Role role = pb::ROLE_MEMBER; //!< SetRole
    int maxMembers = 1000;
    quint32 retentionDays = 0; //!< SetRetention: 0 (off) or within the two below
    quint32 minRetentionDays = 1;
    quint32 maxRetentionDays = 0; //!< the server's retention; 0: none
};

//! The outcome of a group change.
struct GroupChanged
{
    //! The stream entry and who gets it: the members after the change plus anyone removed or
    //! leaving. Without a change (e.g. a rename to the same name) message is empty.
    Appended appended;
    pb::Conversation conversation; //!< the group for the actor
    pb::Conversation snapshot; //!< the group for everyone: title, members, roles, last seq
    [[nodiscard]] bool changed() const { return appended.message.seq() != 0; }
};

//! The outcome of a receipt update.
struct ReceiptChange
{
    pb::Receipt receipt; //!< the cursors as stored now
    bool moved = false; //!< false: an older or equal cursor; nothing to tell anyone
    QList<quint64> memberIds; //!< who gets the ReceiptEvent
};

// Email digests (PROTOCOL.md §15.3)

//! A user who may be owed a digest: away long enough, none sent within the interval, an address
//! set and digests not turned off.
struct DigestCandidate
{
    quint64 userId = 0;
    QString username;
    pb::NotificationPrefs prefs;
    qint64 coveredMs = 0; //!< messages up to this server time were in an earlier digest
};

//! An unread message from someone else, with what a digest says of it.
struct DigestItem
{
    pb::Message message;
    bool direct = false;
    QString conversationTitle; //!< groups: the name
    QString senderName; //!< display name, or username
};

//! A mail in the durable outbox: removed once the SMTP server took it.
struct OutgoingEmail
{
    quint64 emailId = 0;
    quint64 userId = 0;
    QString to;
    QString subject;
    QString body; //!< plain text, lines ending in \n
    qint64 createdMs = 0;
    int attempts = 0; //!< failed so far
};

struct Stats
{
    qint64 users = 0;
    qint64 disabledUsers = 0;
    qint64 conversations = 0;
    qint64 messages = 0;
    qint64 activeTokens = 0;
    qint64 databaseBytes = 0;
    int schemaVersion = 0;
    qint64 archivedMessages = 0; //!< in the cold archive (not in `messages`)
    qint64 archiveSegments = 0;
    qint64 archiveBytes = 0; //!< the archive's files
    qint64 archiveRawBytes = 0; //!< what they hold, uncompressed
};

//! Messages to move to the cold archive (Store::archiveBatch): a prefix of a conversation's
//! history in the database, all of one calendar month (UTC), as readers see them.
struct ArchiveBatch
{
    quint64 conversationId = 0;
    quint64 archivedSeq = 0; //!< archived up to here before (the batch starts after it)
    quint64 lastSeq = 0; //!< the conversation's last seq when the batch was read
    QString month; //!< "2026-10"
    QList<pb::Message> messages;
};

//! An archive file as the database knows it (archive_segments).
struct SegmentRecord
{
    Archive::SegmentInfo info;
    QString file; //!< relative to the archive directory
    QString month;
    qint64 createdMs = 0;
};

//! A conversation that has entries older than its retention (PROTOCOL.md §17).
struct ExpiringConversation
{
    quint64 conversationId = 0;
    qint64 cutoffMs = 0; //!< entries stored before this go (as a prefix of the stream)
};

//! Where a conversation's retention stands: entries up to purgedSeq are gone; those up to
//! archivedSeq (above purgedSeq) are in archive segments, the first of which starts right after
//! purgedSeq.
struct PurgeState
{
    quint64 purgedSeq = 0;
    quint64 archivedSeq = 0;
    std::optional<SegmentRecord> firstSegment; //!< when archivedSeq > purgedSeq
};

//! Deleting the prefix of a conversation's stream that is in its first archive segment: the
//! segment's file goes, and its newer part (if any) is written to a new one first.
struct ArchivePurge
{
    quint64 conversationId = 0;
    SegmentRecord old; //!< the segment as read (its file is deleted after the commit)
    std::optional<SegmentRecord> rest; //!< the entries it kept, already written and verified
    quint64 purgedSeq = 0; //!< the new purged seq
    QList<quint64> messageIds; //!< of the deleted entries (their edits and reactions go too)
};

} // namespace Confab::Store
