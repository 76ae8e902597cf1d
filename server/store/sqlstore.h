#pragma once

#include "recentcache.h"
#include "store.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>

#include <functional>
#include <unordered_map>
#include <utility>

namespace Confab::Store {

//! The Store in SQL, shared by the engines: SqliteStore (embedded, the default) and PostgresStore
//! (a server that several confabd nodes share). The statements are written once, in the SQL both
//! accept; what differs (opening, migrations, transactions, errors, maintenance) is the
//! engine's. Not thread-safe: one instance per thread.
class SqlStore : public Store
{
public:
    //! Keeps the newest `perConversation` messages of recently used conversations in memory,
    //! `budgetBytes` in all (RecentCache), for history and sync; off by default (the admin
    //! CLI's connections). Only for a store that is the only writer of messages: the server's
    //! on SQLite (a node of a cluster does not know what the others wrote).
    void setRecentCache(int perConversation, qint64 budgetBytes,
                        std::shared_ptr<RecentCacheStats> stats = {})
    {
        if (!soleWriter())
            return;
        m_recent = std::make_unique<RecentCache>(perConversation, budgetBytes, std::move(stats));
    }
    [[nodiscard]] const RecentCache &recentCache() const { return *m_recent; }
    ~SqlStore() override;
    SqlStore(const SqlStore &) = delete;
    SqlStore &operator=(const SqlStore &) = delete;

    //! Unread messages counted in the archive at most (a conversation list shows no more).
    static constexpr quint64 kMaxArchivedUnread = 10'000;
    //! The schema version this build migrates to (each engine's migrations reach it).
    static constexpr int kSchemaVersion = 10;

    int schemaVersion() const override { return m_schemaVersion; }

    Result<UserRecord> createUser(const QString &username, const QString &displayName,
                                  const QByteArray &passwordHash, qint64 nowMs) override;
    Result<UserRecord> userByName(const QString &username) override;
    Result<UserRecord> userById(quint64 userId) override;
    Result<QList<UserRecord>> users() override;
    Result<void> setUserDisabled(quint64 userId, bool disabled) override;
    Result<void> setPasswordHash(quint64 userId, const QByteArray &hash,
                                 const QByteArray &keepToken = {}) override;

    Result<void> addToken(const TokenRecord &token) override;
    Result<TokenRecord> token(const QByteArray &tokenHash) override;
    Result<void> removeToken(const QByteArray &tokenHash) override;
    Result<void> removeUserToken(quint64 userId, const QByteArray &tokenHash) override;
    Result<int> removeUserTokens(quint64 userId, const QByteArray &keepToken) override;
    Result<QList<SessionRecord>> sessions(quint64 userId, qint64 nowMs) override;
    Result<QSet<QByteArray>> validTokens(const QList<QByteArray> &tokenHashes,
                                         qint64 nowMs) override;
    Result<void> removeExpiredTokens(qint64 nowMs) override;
    Result<void> touchDevice(quint64 userId, const QByteArray &deviceId, const QString &clientName,
                             const QString &clientVersion, const QString &deviceName,
                             qint64 nowMs) override;

    Result<void> begin() override;
    Result<void> commit() override;
    void rollback() override;
    [[nodiscard]] int openTransactions() const override { return m_depth; }
    Result<Appended> append(const NewMessage &message, quint64 messageId, qint64 nowMs) override;
    Result<quint64> maxMessageId() override;
    Result<Appended> changeMessage(const MessageChangeRequest &change, quint64 messageId,
                                   qint64 nowMs) override;
    bool takeScrubRequest() override { return std::exchange(m_scrubRequested, false); }
    bool takeWouldWait() override { return std::exchange(m_wouldWait, false); }
    Result<UploadRecord> beginUpload(const UploadRecord &wanted) override;
    Result<UploadRecord> upload(quint64 userId, const QByteArray &uploadId) override;
    Result<AttachmentRecord> completeUpload(quint64 userId, const QByteArray &uploadId,
                                            quint64 attachmentId, qint64 nowMs) override;
    Result<void> discardUpload(quint64 userId, const QByteArray &uploadId) override;
    Result<AttachmentRecord> attachmentFor(quint64 userId, quint64 attachmentId) override;
    Result<QList<QByteArray>> expireUploads(qint64 olderThanMs) override;
    Result<QSet<QByteArray>> referencedBlobs() override;

    Result<void> saveSyncCursors(quint64 userId, const QByteArray &deviceId,
                                 const QHash<quint64, quint64> &cursors) override;
    Result<GroupChanged> changeGroup(const GroupChange &change, quint64 messageId,
                                     qint64 nowMs) override;
    Result<QList<quint64>> activeMembers(quint64 conversationId) override;
    Result<ReceiptChange> updateReceipt(quint64 userId, quint64 conversationId,
                                        quint64 deliveredSeq, quint64 readSeq) override;
    Result<QList<quint64>> contactsOf(quint64 userId) override;
    Result<QHash<quint64, qint64>> lastSeen(const QList<quint64> &userIds) override;
    Result<void> setLastSeen(quint64 userId, qint64 nowMs) override;
    Result<pb::NotificationPrefs> notificationPrefs(quint64 userId) override;
    Result<QList<DigestCandidate>> digestCandidates(quint64 afterUserId, qint64 seenBeforeMs,
                                                    qint64 sentBeforeMs, int limit) override;
    Result<QList<DigestItem>> unreadForDigest(quint64 userId, qint64 afterMs, int limit) override;
    Result<quint64> queueDigest(const OutgoingEmail &email, qint64 coveredMs,
                                qint64 nowMs) override;
    Result<QList<OutgoingEmail>> dueEmails(qint64 nowMs, int limit) override;
    Result<void> emailSent(quint64 emailId) override;
    Result<void> emailFailed(quint64 emailId, qint64 nextAttemptMs, const QString &error) override;
    Result<int> pendingEmails() override;
    Result<pb::NotificationPrefs> setNotificationPrefs(quint64 userId,
                                                       const pb::NotificationPrefs &prefs) override;
    Result<QHash<quint64, quint64>> syncCursors(quint64 userId,
                                                const QByteArray &deviceId) override;
    Result<pb::SyncPage> sync(quint64 userId, const QHash<quint64, quint64> &cursors,
                              int pageSize) override;
    Result<pb::HistoryPage> history(quint64 userId, quint64 conversationId, quint64 beforeSeq,
                                    int limit) override;
    Result<pb::ConversationList> conversations(quint64 userId) override;
    Result<pb::Conversation> conversationSnapshot(quint64 conversationId) override;
    Result<Stats> stats() override;
    Result<QList<quint64>> archivableConversations(quint64 afterConversationId, qint64 cutoffMs,
                                                   int limit) override;
    Result<ArchiveBatch> archiveBatch(quint64 conversationId, qint64 cutoffMs,
                                      int maxMessages) override;
    Result<void> commitArchive(const ArchiveBatch &batch, const SegmentRecord &segment) override;
    Result<QList<SegmentRecord>> archiveSegments(quint64 conversationId) override;
    Result<QList<ExpiringConversation>> expiringConversations(quint64 afterConversationId,
                                                              qint64 nowMs,
                                                              qint64 serverRetentionMs,
                                                              int limit) override;
    Result<PurgeState> purgeState(quint64 conversationId) override;
    Result<quint64> purgeDatabase(quint64 conversationId, qint64 cutoffMs, int maxEntries) override;
    Result<void> commitArchivePurge(const ArchivePurge &purge) override;
    void forgetConversation(quint64 conversationId) override;
    //! Where the archive's files are: `archive` in the data directory.
    [[nodiscard]] static QString archivePath(const QString &dataDir);

    //! What `confabd check` found: nothing in `problems` means the database is sound.
    struct CheckReport
    {
        QStringList problems;
        qint64 conversations = 0;
        qint64 messages = 0;
    };
    //! The engine's own integrity checks (checkEngine()), and the invariants: each
    //! conversation's seqs run 1..last_seq without a gap, no member's cursor is past it, a
    //! direct conversation has two members, the archive's segments follow on from each other.
    [[nodiscard]] Result<CheckReport> check();

    //! A group as `confabd group` shows it: current members (those who left are not listed).
    struct GroupSummary
    {
        quint64 conversationId = 0;
        QString title;
        quint64 lastSeq = 0;
        QList<QPair<QString, int>> members; //!< username, pb::Role
    };
    //! Every group, or just `conversationId` (NOT_FOUND if it is not a group).
    [[nodiscard]] Result<QList<GroupSummary>> groups(quint64 conversationId = 0);

protected:
    //! Which SQL the statements that differ are written in.
    enum class Engine { Sqlite, Postgres };
    SqlStore(const QString &dataDir, Engine engine);

    //! A prepared statement, prepared once per connection and reused.
    QSqlQuery &query(const char *sql);
    Result<void> exec(QSqlQuery &query);
    Result<void> execOnce(const QString &sql);
    //! The error the caller is told of a failed statement (and logged as the engine sees fit):
    //! STORAGE_FULL, UNAVAILABLE (busy, a conflict: try again) or INTERNAL.
    virtual Error sqlError(const QSqlQuery &query) const = 0;
    //! check()'s part that only the engine can do (SQLite's integrity_check, say).
    virtual Result<void> checkEngine(CheckReport *report)
    {
        Q_UNUSED(report);
        return {};
    }
    //! Connects again after sqlError() saw the connection lost (m_connectionLost), before the
    //! next statement outside a transaction; a transaction under way fails as a whole.
    void reconnect();
    //! What a new connection needs before use (session settings); after open() and reconnect().
    virtual Result<void> afterConnect() { return {}; }
    //! The database's size on disk, for stats(); -1 when not known.
    virtual qint64 databaseBytes() { return -1; }
    //! Drops the members' floors (m_joins) once another connection changed the database.
    virtual void noticeOtherWriters() { }
    //! Whether this connection is the only one that changes conversations and members (the
    //! server's on SQLite), so that what it read of them may be kept in memory.
    [[nodiscard]] bool soleWriter() const { return m_engine == Engine::Sqlite; }
    //! Inside a transaction: holds the conversation until the end of it, so that what is read
    //! of it and its members (a membership, the last seq, a resend) stays true meanwhile
    //! although other nodes write too. SQLite needs nothing: its writers take turns anyway.
    //! UNAVAILABLE with takeWouldWait() set: another transaction holds it and this one holds
    //! others, so it does not wait (see the definition).
    Result<void> lockConversation(quint64 conversationId);

    const Engine m_engine;
    const QString m_dataDir;
    const QString m_connectionName;
    QSqlDatabase m_db;
    std::unordered_map<const char *, QSqlQuery> m_queries;
    int m_schemaVersion = 0;
    int m_depth = 0; //!< open transactions: 1 is BEGIN, each more a savepoint
    //! (joined seq, left seq) of members, by conversation and user: a history page served from
    //! the recent cache asks nothing of the database. Group changes drop their conversation's.
    QHash<quint64, QHash<quint64, QPair<quint64, quint64>>> m_joins;
    bool m_scrubRequested = false; //!< text was deleted: empty the log soon (takeScrubRequest)
    mutable bool m_connectionLost = false; //!< set by sqlError(): reconnect() before going on
    QSet<quint64> m_locked; //!< conversations this transaction holds (lockConversation)
    bool m_wouldWait = false; //!< see takeWouldWait()

private:
    Result<UserRecord> userWhere(const char *sql, const QVariant &value);
    Result<quint64> resolveConversation(const NewMessage &message, qint64 nowMs);
    Result<QList<quint64>> memberIds(quint64 conversationId);
    //! The conversation as the user sees it (userId 0: as everyone sees it, without cursors).
    Result<void> fillConversation(pb::Conversation *out, quint64 conversationId, quint64 userId);
    //! The group change itself, inside changeGroup's transaction.
    Result<GroupChanged> applyGroupChange(const GroupChange &change, quint64 messageId,
                                          qint64 nowMs);
    //! What an entry may carry besides its text and group event.
    struct EntryExtras
    {
        const pb::MessageChange *change = nullptr; //!< a change entry
        quint64 replyTo = 0;
        quint64 replySeq = 0;
        quint64 replySender = 0;
        QList<quint64> mentions;
        QList<quint64> attachmentIds; //!< bound to the new message
    };
    //! Appends an entry (text, group event or change) with the next seq.
    Result<pb::Message> appendEntry(quint64 conversationId, quint64 senderId,
                                    const QByteArray &clientId, const std::string &text,
                                    const pb::GroupEvent *event, quint64 messageId, qint64 nowMs,
                                    const EntryExtras &extras);
    //! The entry a repeated (sender, client id) asks for again, with its members; false: none.
    Result<bool> findOriginal(quint64 senderId, const QByteArray &clientId, Appended *out);
    //! The change itself, inside changeMessage's savepoint.
    Result<Appended> applyMessageChange(const MessageChangeRequest &change, quint64 messageId,
                                        qint64 nowMs);
    //! Fills in the reactions of messages that have any (after reading them).
    Result<void> fillReactions(google::protobuf::RepeatedPtrField<pb::Message> *messages);
    Result<void> fillReactions(pb::Message *message);
    Result<void> fillAttachments(pb::Message *message);
    //! A new conversation and its members (ownerId, if one of them, as the owner).
    Result<quint64> createConversation(int kind, const QString &title, const QString &directKey,
                                       const QList<quint64> &members, quint64 ownerId,
                                       qint64 nowMs);
    Result<QList<quint64>> resolveUsers(const QList<quint64> &ids, const QStringList &names);
    struct Membership
    {
        int role = 0;
        quint64 joinedSeq = 0;
        quint64 leftSeq = 0; //!< 0: a current member
        int kind = 0;
        quint64 lastSeq = 0;
        quint64 archivedSeq = 0; //!< up to here, the history is in the archive
        quint64 purgedSeq = 0; //!< up to here, retention deleted it
        //! The member sees entries after this: joined after it, or older ones are gone.
        [[nodiscard]] quint64 floor() const { return std::max(joinedSeq, purgedSeq); }
    };
    Result<Membership> membership(quint64 userId, quint64 conversationId); //!< NOT_FOUND
    static void readMessage(const QSqlQuery &query, pb::Message *out);
    //! Archived messages of a conversation with seq in (afterSeq, upToSeq], at most `limit`:
    //! ascending, or with newestFirst from the newest down. ARCHIVE_UNAVAILABLE when a segment
    //! cannot be read.
    Result<QList<pb::Message>> archivedMessages(quint64 conversationId, quint64 afterSeq,
                                                quint64 upToSeq, int limit, bool newestFirst);
    //! Calls `visit` with the archived messages of (afterSeq, upToSeq] in order, one block in
    //! memory at a time, until it returns false.
    Result<void> forEachArchived(quint64 conversationId, quint64 afterSeq, quint64 upToSeq,
                                 bool newestFirst, const std::function<bool(pb::Message &)> &visit);
    //! Segments by a query binding (conversation, a, b) and selecting (file, first_seq,
    //! last_seq, messages).
    Result<QList<SegmentRecord>> segmentsWhere(const char *sql, quint64 conversationId, quint64 a,
                                               quint64 b);
    //! Records a written segment (archive_segments).
    Result<void> insertSegment(const SegmentRecord &segment);
    //! What goes with a purge of (fromSeq, toSeq]'s entries (ids given): their edits,
    //! reactions and files; then the conversation's purged seq moves to toSeq.
    Result<void> deletePurged(quint64 conversationId, quint64 fromSeq, quint64 toSeq,
                              const QList<quint64> &messageIds);
    //! An archived message of the conversation by id; NOT_FOUND when the archive has none.
    Result<pb::Message> archivedMessage(quint64 conversationId, quint64 messageId);
    //! Segment files open for reading, by path (they never change once written). Bounded.
    QHash<QString, std::shared_ptr<Archive::SegmentReader>> m_readers;
    Result<std::shared_ptr<Archive::SegmentReader>> segmentReader(const SegmentRecord &segment);

    std::unique_ptr<RecentCache> m_recent = std::make_unique<RecentCache>(0, 0);
    std::vector<size_t> m_recentMarks; //!< m_recent's pending mark at each savepoint

    // What every message would otherwise ask the database again. Usernames and direct
    // conversations never change once made; members change only through this object (group
    // changes drop their entry). Bounded; all dropped on a rollback, which may undo a creation.
    static constexpr int kMaxCached = 100'000;
    QHash<QString, quint64> m_userIdByName;
    QHash<QString, quint64> m_directByKey;
    QHash<quint64, QList<quint64>> m_membersById;
    QHash<quint64, bool> m_directById; //!< a conversation's kind never changes
    template<typename K, typename V>
    static void remember(QHash<K, V> &cache, const K &key, const V &value)
    {
        if (cache.size() >= kMaxCached)
            cache.clear();
        cache.insert(key, value);
    }
    void forgetCached();
    //! Whether a conversation is direct (1:1), from memory once seen.
    [[nodiscard]] Result<bool> isDirect(quint64 conversationId);
    //! The id of a username, from memory once seen.
    [[nodiscard]] Result<quint64> userIdByName(const QString &username);
};

} // namespace Confab::Store
