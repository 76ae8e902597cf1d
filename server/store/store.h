#pragma once

#include "records.h"

#include <confab/result.h>

#include <QHash>
#include <QSet>

namespace Confab::Store {

//! The server's storage. One instance per thread that uses it; every call is synchronous and may
//! block on disk, so it is only called from the store thread (StoreService) or the admin CLI.
//! Implementations keep SQL portable between SQLite and PostgreSQL (DESIGN.md §4).
class Store
{
public:
    virtual ~Store() = default;

    //! Opens or creates the database and applies pending migrations.
    [[nodiscard]] virtual Result<void> open() = 0;
    [[nodiscard]] virtual int schemaVersion() const = 0;

    // Accounts
    [[nodiscard]] virtual Result<UserRecord> createUser(const QString &username,
                                                        const QString &displayName,
                                                        const QByteArray &passwordHash,
                                                        qint64 nowMs) = 0; // USERNAME_TAKEN
    [[nodiscard]] virtual Result<UserRecord> userByName(const QString &username) = 0; // NOT_FOUND
    [[nodiscard]] virtual Result<UserRecord> userById(quint64 userId) = 0; // NOT_FOUND
    [[nodiscard]] virtual Result<QList<UserRecord>> users() = 0;
    [[nodiscard]] virtual Result<void> setUserDisabled(quint64 userId, bool disabled) = 0;
    //! Replaces the password hash and revokes every session token of the user but keepToken
    //! (the hash of the one that asked; empty: none is kept).
    [[nodiscard]] virtual Result<void> setPasswordHash(quint64 userId, const QByteArray &hash,
                                                       const QByteArray &keepToken = {}) = 0;

    // Sessions and devices
    //! A device holds one session per user: a new sign-in replaces the device's older token.
    [[nodiscard]] virtual Result<void> addToken(const TokenRecord &token) = 0;
    [[nodiscard]] virtual Result<TokenRecord> token(const QByteArray &tokenHash) = 0; // NOT_FOUND
    [[nodiscard]] virtual Result<void> removeToken(const QByteArray &tokenHash) = 0;
    //! Revokes one of the user's sessions; NOT_FOUND when it is not theirs (or gone).
    [[nodiscard]] virtual Result<void> removeUserToken(quint64 userId,
                                                       const QByteArray &tokenHash) = 0;
    //! Revokes every session of the user but keepToken's (empty: all); how many ended.
    [[nodiscard]] virtual Result<int> removeUserTokens(quint64 userId,
                                                       const QByteArray &keepToken) = 0;
    //! Of these token hashes, those that still sign someone in: stored, unexpired, and of an
    //! account that is not disabled. (Admin commands revoke tokens and disable accounts from
    //! another process; the server asks this now and then of its live sessions.)
    [[nodiscard]] virtual Result<QSet<QByteArray>> validTokens(const QList<QByteArray> &tokenHashes,
                                                               qint64 nowMs) = 0;
    //! The user's unexpired sessions with their devices, most recently seen first.
    [[nodiscard]] virtual Result<QList<SessionRecord>> sessions(quint64 userId, qint64 nowMs) = 0;
    [[nodiscard]] virtual Result<void> removeExpiredTokens(qint64 nowMs) = 0;
    //! Remembers what the device said in Hello (deviceName: what its user calls it, e.g. the
    //! computer's name and system) and that it signed in now.
    [[nodiscard]] virtual Result<void> touchDevice(quint64 userId, const QByteArray &deviceId,
                                                   const QString &clientName,
                                                   const QString &clientVersion,
                                                   const QString &deviceName, qint64 nowMs) = 0;

    // Messages. append() runs inside begin()/commit(), so that one transaction (one fsync)
    // commits a whole batch: group commit.
    [[nodiscard]] virtual Result<void> begin() = 0;
    [[nodiscard]] virtual Result<void> commit() = 0;
    virtual void rollback() = 0;
    //! Maintenance off the commit path (SQLite: copying the write-ahead log into the database,
    //! which fsyncs the database file). With elsewhere set, this connection leaves it to another
    //! that calls checkpoint() now and then; by default a store does its own as it goes.
    virtual Result<void> setCheckpointsElsewhere(bool elsewhere)
    {
        Q_UNUSED(elsewhere);
        return {};
    }
    [[nodiscard]] virtual Result<void> checkpoint() { return {}; }
    //! begin()s not yet ended by commit() or rollback().
    [[nodiscard]] virtual int openTransactions() const = 0;
    //! Resolves the target (creating a direct conversation on first use), checks membership,
    //! returns the original for a repeated (sender, client id), else assigns the next seq and
    //! inserts. Errors: NOT_FOUND, FORBIDDEN, INVALID_ARGUMENT; STORAGE_FULL and INTERNAL doom
    //! the transaction.
    [[nodiscard]] virtual Result<Appended> append(const NewMessage &message, quint64 messageId,
                                                  qint64 nowMs) = 0;
    //! Edits, deletes or reacts to a message (PROTOCOL.md §13): the change is applied to the
    //! target and recorded as a stream entry with the next seq, in one transaction (a savepoint
    //! inside a batch). A repeated (actor, client id) returns the original entry. Errors:
    //! NOT_FOUND (not a member, no such message), FORBIDDEN (not the sender; a delete by a
    //! group's admin or owner is allowed), MESSAGE_DELETED, INVALID_ARGUMENT.
    [[nodiscard]] virtual Result<Appended> changeMessage(const MessageChangeRequest &change,
                                                         quint64 messageId, qint64 nowMs) = 0;
    // Attachments (PROTOCOL.md §14)
    //! The user's unfinished upload of the same file (hash and size), or `wanted` as a new one.
    [[nodiscard]] virtual Result<UploadRecord> beginUpload(const UploadRecord &wanted) = 0;
    [[nodiscard]] virtual Result<UploadRecord> upload(quint64 userId,
                                                      const QByteArray &uploadId) = 0; // NOT_FOUND
    //! The upload is complete (its file filed): it becomes an attachment the user may send.
    [[nodiscard]] virtual Result<AttachmentRecord> completeUpload(quint64 userId,
                                                                  const QByteArray &uploadId,
                                                                  quint64 attachmentId,
                                                                  qint64 nowMs) = 0;
    [[nodiscard]] virtual Result<void> discardUpload(quint64 userId,
                                                     const QByteArray &uploadId) = 0;
    //! An attachment the user may download: their own, or one sent with a message they can see.
    //! NOT_FOUND otherwise (whether it exists is not told).
    [[nodiscard]] virtual Result<AttachmentRecord> attachmentFor(quint64 userId,
                                                                 quint64 attachmentId) = 0;
    //! Housekeeping: uploads begun and attachments never sent before `olderThanMs` are dropped
    //! (their upload ids are returned, for their part files); the hashes still referred to.
    [[nodiscard]] virtual Result<QList<QByteArray>> expireUploads(qint64 olderThanMs) = 0;
    [[nodiscard]] virtual Result<QSet<QByteArray>> referencedBlobs() = 0;

    //! Whether a commit since the last call removed text that must not linger on disk (a
    //! deleted message): then the write-ahead log is to be emptied soon (scrubLog()).
    [[nodiscard]] virtual bool takeScrubRequest() { return false; }
    //! Whether the last append() failed only because its conversation is being written by
    //! another node's transaction while this one holds others (a cluster's store): the caller
    //! commits what the transaction has and appends it again in the next one. Cleared here.
    [[nodiscard]] virtual bool takeWouldWait() { return false; }
    //! Copies the whole log into the database and truncates it, so that no older version of a
    //! page (with text since deleted) stays in the log file. May fail while others use it.
    [[nodiscard]] virtual Result<void> scrubLog() { return {}; }
    //! The newest message id stored, so that a restarted node never issues a smaller one.
    [[nodiscard]] virtual Result<quint64> maxMessageId() = 0;

    //! Remembers what a device holds (its sync cursors); cursors for conversations the user is
    //! not in are ignored. Cursors only move forward.
    [[nodiscard]] virtual Result<void> saveSyncCursors(quint64 userId, const QByteArray &deviceId,
                                                       const QHash<quint64, quint64> &cursors) = 0;
    [[nodiscard]] virtual Result<QHash<quint64, quint64>>
    syncCursors(quint64 userId, const QByteArray &deviceId) = 0;

    // Notification preferences (PROTOCOL.md §15)
    //! The user's preferences as stored; version 0 (and the defaults) when never set.
    [[nodiscard]] virtual Result<pb::NotificationPrefs> notificationPrefs(quint64 userId) = 0;
    //! Replaces them; returns them as stored, with a version above every earlier one.
    [[nodiscard]] virtual Result<pb::NotificationPrefs>
    setNotificationPrefs(quint64 userId, const pb::NotificationPrefs &prefs) = 0;

    // Email digests (PROTOCOL.md §15.3)
    //! Users with a digest address and digests on, offline since `seenBeforeMs` or earlier,
    //! whose last digest was queued at `sentBeforeMs` or earlier; at most `limit`, by user id
    //! from above `afterUserId` (a sweep goes round them all).
    [[nodiscard]] virtual Result<QList<DigestCandidate>>
    digestCandidates(quint64 afterUserId, qint64 seenBeforeMs, qint64 sentBeforeMs, int limit) = 0;
    //! The user's unread messages from others (after the read cursor, not change entries, group
    //! events or deleted ones) stored after `afterMs`, oldest first; at most `limit`.
    [[nodiscard]] virtual Result<QList<DigestItem>> unreadForDigest(quint64 userId, qint64 afterMs,
                                                                    int limit) = 0;
    //! Puts a mail in the outbox and records the digest (covering messages up to `coveredMs`),
    //! both or neither. Returns its id.
    [[nodiscard]] virtual Result<quint64> queueDigest(const OutgoingEmail &email, qint64 coveredMs,
                                                      qint64 nowMs) = 0;
    //! Mails whose next attempt is due, oldest first; at most `limit`.
    [[nodiscard]] virtual Result<QList<OutgoingEmail>> dueEmails(qint64 nowMs, int limit) = 0;
    //! The SMTP server took it: it leaves the outbox.
    [[nodiscard]] virtual Result<void> emailSent(quint64 emailId) = 0;
    //! An attempt failed: counted, and tried again at `nextAttemptMs`.
    [[nodiscard]] virtual Result<void> emailFailed(quint64 emailId, qint64 nextAttemptMs,
                                                   const QString &error) = 0;
    //! Mails waiting in the outbox.
    [[nodiscard]] virtual Result<int> pendingEmails() = 0;

    // Groups
    //! Applies a group change and records it as a stream entry, in one transaction of its own.
    //! Permissions (PROTOCOL.md §7): NOT_FOUND (not a member, unknown user), FORBIDDEN (the role
    //! does not allow it, or the actor left), INVALID_ARGUMENT (not a group, empty name, ...),
    //! GROUP_FULL. A repeated Create (same actor and client id) returns the original group.
    [[nodiscard]] virtual Result<GroupChanged> changeGroup(const GroupChange &change,
                                                           quint64 messageId, qint64 nowMs) = 0;
    //! The current members of a conversation (not those who left). NOT_FOUND: no such one.
    [[nodiscard]] virtual Result<QList<quint64>> activeMembers(quint64 conversationId) = 0;

    // Receipts
    //! Moves the user's delivered/read cursors forward (read implies delivered), clamped to the
    //! conversation's last seq. NOT_FOUND when the user was never a member.
    [[nodiscard]] virtual Result<ReceiptChange> updateReceipt(quint64 userId,
                                                              quint64 conversationId,
                                                              quint64 deliveredSeq,
                                                              quint64 readSeq) = 0;

    // Presence
    //! Everyone who shares a current conversation with the user, the user excluded.
    [[nodiscard]] virtual Result<QList<quint64>> contactsOf(quint64 userId) = 0;
    [[nodiscard]] virtual Result<QHash<quint64, qint64>>
    lastSeen(const QList<quint64> &userIds) = 0;
    [[nodiscard]] virtual Result<void> setLastSeen(quint64 userId, qint64 nowMs) = 0;

    // Reads
    //! Everything after the cursors, in (conversation, seq) order, at most pageSize messages.
    [[nodiscard]] virtual Result<pb::SyncPage>
    sync(quint64 userId, const QHash<quint64, quint64> &cursors, int pageSize) = 0;
    //! The newest `limit` messages below beforeSeq (0: the newest), ascending. NOT_FOUND when the
    //! user is not a member.
    [[nodiscard]] virtual Result<pb::HistoryPage> history(quint64 userId, quint64 conversationId,
                                                          quint64 beforeSeq, int limit) = 0;
    [[nodiscard]] virtual Result<pb::ConversationList> conversations(quint64 userId) = 0;
    //! The conversation as every member is told of a change (ConversationEvent): title, kind,
    //! members with roles, last seq, retention, purged seq. NOT_FOUND: no such one.
    [[nodiscard]] virtual Result<pb::Conversation> conversationSnapshot(quint64 conversationId) = 0;
    [[nodiscard]] virtual Result<Stats> stats() = 0;

    // History tiers: the cold archive (DESIGN.md §4, PROTOCOL.md §16). Everything of a
    // conversation up to its archived seq is in archive segments, and nothing of it in the
    // database; the readers above cross over on their own.
    //! Conversations, by id from above `afterConversationId`, whose oldest message still in the
    //! database was stored before `cutoffMs`; at most `limit`.
    [[nodiscard]] virtual Result<QList<quint64>>
    archivableConversations(quint64 afterConversationId, qint64 cutoffMs, int limit) = 0;
    //! The oldest messages of the conversation still in the database that were stored before
    //! `cutoffMs`, all of the first one's month, at most `maxMessages` (none: nothing to do).
    [[nodiscard]] virtual Result<ArchiveBatch> archiveBatch(quint64 conversationId, qint64 cutoffMs,
                                                            int maxMessages) = 0;
    //! Records the segment that now holds the batch and deletes the batch from the database,
    //! in one transaction, if nothing of it changed since it was read (else UNAVAILABLE, and
    //! nothing is done: read it again).
    [[nodiscard]] virtual Result<void> commitArchive(const ArchiveBatch &batch,
                                                     const SegmentRecord &segment) = 0;
    //! The conversation's segments by seq (0: every conversation's).
    [[nodiscard]] virtual Result<QList<SegmentRecord>> archiveSegments(quint64 conversationId) = 0;

    // Retention (PROTOCOL.md §17): a prefix of a conversation's stream is deleted, from the
    // database and the archive, once it is older than the conversation's retention (its own or
    // the server's, `serverRetentionMs`, whichever is shorter). Up to the purged seq nothing is
    // left; the readers above start after it.
    //! Conversations, by id from above `afterConversationId`, whose oldest entry left was stored
    //! before their cutoff; at most `limit`.
    [[nodiscard]] virtual Result<QList<ExpiringConversation>>
    expiringConversations(quint64 afterConversationId, qint64 nowMs, qint64 serverRetentionMs,
                          int limit) = 0;
    [[nodiscard]] virtual Result<PurgeState> purgeState(quint64 conversationId) = 0;
    //! Deletes, in one transaction, the oldest entries of the conversation that are in the
    //! database (none may be archived: purgeState's archivedSeq <= purgedSeq) and were stored
    //! before `cutoffMs`, at most `maxEntries`, with their reactions, edits and attachments.
    //! Returns the new purged seq (the old one: nothing to delete, or its start was archived
    //! meanwhile).
    [[nodiscard]] virtual Result<quint64> purgeDatabase(quint64 conversationId, qint64 cutoffMs,
                                                        int maxEntries) = 0;
    //! Records an archive purge in one transaction, if the conversation's purged seq and first
    //! segment are still as read (else UNAVAILABLE, nothing done).
    [[nodiscard]] virtual Result<void> commitArchivePurge(const ArchivePurge &purge) = 0;
    //! Forgets what this connection keeps in memory of the conversation (the recent cache): a
    //! connection of its own purged it.
    virtual void forgetConversation(quint64 conversationId) { Q_UNUSED(conversationId); }
};

} // namespace Confab::Store
