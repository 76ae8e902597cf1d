#pragma once

#include "types.h"

#include <confab/result.h>

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QVariant>

#include <optional>
#include <unordered_map>

namespace Confab::Client {

//! The client's local cache for one account: one SQLite file (WAL) holding conversations,
//! members, messages, the outbox, sync cursors, settings and a full-text index. The app opens on
//! it instantly and syncs in the background. A file that is corrupt or not a Confab cache is
//! moved aside and replaced by an empty one (movedAsidePath() says where). Not thread-safe: one
//! instance, on the client core's thread.
class LocalCache final
{
public:
    explicit LocalCache(const QString &path);
    ~LocalCache();
    LocalCache(const LocalCache &) = delete;
    LocalCache &operator=(const LocalCache &) = delete;

    static constexpr int kSchemaVersion = 5;

    [[nodiscard]] Result<void> open();
    [[nodiscard]] QString path() const { return m_path; }
    //! Where an unusable cache file was moved to during open(); empty when none was.
    [[nodiscard]] QString movedAsidePath() const { return m_movedAside; }
    //! A full integrity check (PRAGMA quick_check) on a connection of its own: it reads the whole
    //! file, so run it off the GUI thread. Thread-safe.
    [[nodiscard]] static std::optional<bool>
    checkIntegrity(const QString &path); //!< nullopt: could not check
    //! Renames a cache file (and its WAL) aside; returns the new name, empty on failure.
    [[nodiscard]] static QString moveAside(const QString &path);

    [[nodiscard]] QVariant setting(const QString &key, const QVariant &fallback = {});
    [[nodiscard]] Result<void> setSetting(const QString &key, const QVariant &value);

    // The outbox (DESIGN.md §3.1): a message is written here before anything goes on the wire.
    //! Adds a pending message and its outbox entry in one transaction; the message gets a fresh
    //! client id. Exactly one of conversationId and peerUsername is set.
    [[nodiscard]] Result<ChatMessage>
    addPending(quint64 conversationId, const QString &peerUsername, const QString &text,
               quint64 senderId, qint64 nowMs, const QUuid &clientId = {}, quint64 replyTo = 0,
               quint64 replySeq = 0, const QList<quint64> &mentions = {},
               const QList<AttachmentInfo> &attachments = {});
    //! One of a pending message's files is uploaded: it has its server id now.
    [[nodiscard]] Result<void> setAttachmentUploaded(qint64 localId, int position,
                                                     quint64 attachmentId);
    //! One of a pending message's files has its SHA-256 (worked out in the background).
    [[nodiscard]] Result<void> setAttachmentHash(qint64 localId, int position,
                                                 const QByteArray &sha256);
    //! A received file is downloaded to `path` (checked against its hash).
    [[nodiscard]] Result<void> setAttachmentPath(quint64 attachmentId, const QString &path);
    //! Adds a pending change of a sent message (an edit, delete or reaction) to the outbox, and
    //! applies it to the target at once (the server's answer confirms or undoes it). `value`:
    //! the new text or the emoji. Returns the target as it is now.
    [[nodiscard]] Result<ChatMessage> addPendingChange(const ChatMessage &target, ChangeKind kind,
                                                       const QString &value, quint64 senderId,
                                                       qint64 nowMs);
    //! Unsent messages written before the account's id was known (sender 0) become its own.
    [[nodiscard]] Result<void> claimUnsentMessages(quint64 userId);
    //! Messages waiting to be sent, oldest first.
    [[nodiscard]] Result<QList<ChatMessage>> outbox();
    //! The server acked: the message becomes Sent with its server id, seq and time, and leaves
    //! the outbox.
    //! For a change entry, the target it changed is appended to `changed`.
    [[nodiscard]] Result<ChatMessage> markSent(const QUuid &clientId, quint64 messageId,
                                               quint64 conversationId, quint64 seq, qint64 timeMs,
                                               QList<ChatMessage> *changed = nullptr);
    //! The server refused it for good: Failed with the reason, out of the outbox. A refused
    //! change is dropped instead (its target is to be fetched again: it may show the change).
    [[nodiscard]] Result<ChatMessage> markFailed(const QUuid &clientId, const QString &reason);
    //! Back into the outbox (the user pressed Retry).
    [[nodiscard]] Result<ChatMessage> retry(const QUuid &clientId);
    //! Deletes a message that was never sent (Failed or still Sending).
    [[nodiscard]] Result<void> discard(const QUuid &clientId);

    // What the server sent
    //! Stores messages from sync, history or live events; turns a matching pending message of
    //! ours into the sent one; applies change entries to their targets (unless a target's
    //! changedSeq already covers them). A message already held takes the server's state when
    //! it is as new or newer (changedSeq). Returns the entries newly stored (change entries
    //! included), puts the held messages whose state changed in `changed`, and advances the
    //! cursors.
    [[nodiscard]] Result<QList<ChatMessage>> storeMessages(const QList<ChatMessage> &messages,
                                                           QList<ChatMessage> *changed = nullptr);
    //! Stores what the server says of a conversation. When its purgedSeq is above what was held,
    //! the cursor moves up to it at once (the deleted start is no gap), `purgeMoved` is set, and
    //! deletePurged() removes the entries up to it.
    [[nodiscard]] Result<void> storeConversation(const ConversationSummary &conversation,
                                                 bool *purgeMoved = nullptr);

    // Retention (PROTOCOL.md §17). Deleting is two steps: a conversation's purged_seq moves up
    // (at once; reads no longer show what is below it, storeMessages() no longer takes it), then
    // deletePurged() deletes the rows in bounded batches.
    //! Moves purged_seq up over every held entry older than the chat's limit (the smaller of
    //! serverRetentionDays and its own that are set), as the server does: a prefix of the
    //! stream, up to the first entry that is not that old. Returns the conversations whose
    //! purged_seq moved.
    [[nodiscard]] Result<QList<quint64>> expire(qint64 nowMs, int serverRetentionDays);
    //! Deletes up to maxRows entries at or below their conversation's purged_seq, with their
    //! reactions, files and search index rows (never an unsent message), and counts unread
    //! again. Returns how many went: maxRows means there may be more.
    [[nodiscard]] Result<int> deletePurged(int maxRows);

    //! Another member's cursors moved (they only move forward).
    [[nodiscard]] Result<void> storeReceipt(quint64 conversationId, const Receipt &receipt);
    [[nodiscard]] Result<QList<Receipt>> receipts(quint64 conversationId);
    //! The user has seen everything up to seq: moves the read cursor on and counts unread again.
    //! Returns whether it moved.
    [[nodiscard]] Result<bool> markRead(quint64 conversationId, quint64 seq);

    //! The highest seq held with nothing missing below it (DESIGN.md §3.5), per conversation.
    [[nodiscard]] QHash<quint64, quint64> cursors();
    //! The lowest held seq above a conversation's cursor, 0 when there is no gap.
    [[nodiscard]] quint64 gapEnd(quint64 conversationId);
    //! Whether every seq strictly between the two is held (change entries count: they are held,
    //! though never shown).
    [[nodiscard]] bool holdsAllBetween(quint64 conversationId, quint64 afterSeq, quint64 beforeSeq);
    //! The lowest seq held, 0 for none: where older history continues.
    [[nodiscard]] quint64 oldestSeq(quint64 conversationId);

    // Reads for the views
    [[nodiscard]] Result<QList<ConversationSummary>> conversations();
    [[nodiscard]] Result<ConversationSummary> conversation(quint64 conversationId);
    //! The newest `limit` sent messages below beforeSeq (0: the newest), ascending, and when
    //! beforeSeq is 0 the unsent ones after them.
    [[nodiscard]] Result<QList<ChatMessage>> messages(quint64 conversationId, quint64 beforeSeq,
                                                      int limit);
    [[nodiscard]] Result<ChatMessage> message(const QUuid &clientId);
    //! By server id (NOT_FOUND when not held).
    [[nodiscard]] Result<ChatMessage> messageById(quint64 messageId);
    //! Full-text search over every message, newest first. English words match by prefix; Chinese,
    //! Japanese and Korean text matches as a phrase of characters.
    //! conversationId 0: every conversation; else that one only.
    [[nodiscard]] Result<QList<SearchHit>> search(const QString &text, int limit,
                                                  quint64 conversationId = 0);
    [[nodiscard]] qint64 messageCount();
    //! Anyone this account has shared a conversation with, former members too: their name.
    [[nodiscard]] QString displayName(quint64 userId);
    //! Everyone this account has shared a conversation with, by display name.
    [[nodiscard]] Result<QList<UserInfo>> knownUsers();

    //! The text as indexed: CJK characters stand apart as tokens of their own.
    [[nodiscard]] static QString searchableText(const QString &text);
    //! The FTS5 query for what the user typed.
    [[nodiscard]] static QString ftsQuery(const QString &text);

private:
    Result<void> openFile();
    Result<void> migrate();
    Result<void> migrateTo(int version);
    QSqlQuery &query(const char *sql);
    Result<void> exec(QSqlQuery &query);
    Result<void> execOnce(const QString &sql);
    Error sqlError(const QSqlQuery &query) const;
    Result<void> begin();
    Result<void> commit();
    void rollback();
    Result<void> advanceCursor(quint64 conversationId);
    //! A pending message of ours becomes the stored one (server id, seq, time); out of the outbox.
    Result<void> promote(qint64 localId, quint64 messageId, quint64 conversationId, quint64 seq,
                         qint64 timeMs);
    //! Creates or moves on a conversation's row for a message at seq; `unread` adds to its count.
    Result<void> touchConversation(quint64 conversationId, quint64 seq, qint64 timeMs, int unread);
    Result<ChatMessage> messageWhere(const char *sql, const QVariant &value);
    //! Applies a change entry to its target, if held and not already reflected (entry.seq 0: a
    //! pending change of ours, applied without moving the target's changedSeq). The target's
    //! local id goes to `changedIds` when something changed.
    Result<void> applyChange(const ChatMessage &entry, QList<qint64> *changedIds);
    //! Moves a conversation's purged_seq up to seq (never down), and its cursor with it. Inside
    //! a transaction. Returns whether it moved.
    Result<bool> raisePurgedSeq(quint64 conversationId, quint64 seq);
    //! A conversation's purged_seq, 0 when it is not held.
    quint64 purgedSeq(quint64 conversationId);
    //! A held message takes the state the server sent (text, edited, deleted, reactions).
    Result<bool> refreshState(qint64 localId, const ChatMessage &incoming);
    Result<void> replaceReactions(quint64 messageId, const QList<Reaction> &reactions);
    Result<void> readReactions(ChatMessage *message);
    Result<void> readAttachments(ChatMessage *message);
    Result<void> insertAttachments(qint64 localId, const QList<AttachmentInfo> &attachments);
    Result<QList<ChatMessage>> messagesByLocalId(const QList<qint64> &localIds);
    static QByteArray changeToBytes(const ChatMessage &entry);
    static void changeFromBytes(const QByteArray &bytes, ChatMessage *entry);
    static ChatMessage readMessage(const QSqlQuery &query);
    //! only 0: every conversation, most recent first; else that one.
    Result<QList<ConversationSummary>> readConversations(quint64 only);
    static QByteArray eventToBytes(const GroupEvent &event);
    static GroupEvent eventFromBytes(const QByteArray &bytes);
    Result<void> upsertReceipt(quint64 conversationId, const Receipt &receipt);
    Result<void> index(qint64 localId, const QString &text);

    const QString m_path;
    const QString m_connectionName;
    QString m_movedAside;
    QSqlDatabase m_db;
    std::unordered_map<const char *, QSqlQuery> m_queries;
};

} // namespace Confab::Client
