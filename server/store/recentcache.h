#pragma once

#include <confab/pb.h>

#include <QHash>
#include <QList>

#include <algorithm>
#include <atomic>
#include <deque>
#include <list>
#include <memory>
#include <vector>

namespace Confab::Store {

//! How the recent-message cache does, readable from any thread (metrics, `confabd stats`).
struct RecentCacheStats
{
    std::atomic<quint64> hits { 0 }; //!< reads served from memory
    std::atomic<quint64> misses { 0 }; //!< reads that went to the database
    std::atomic<qint64> bytes { 0 };
    std::atomic<qint64> conversations { 0 };
};

//! The newest messages of the conversations read or written lately, in memory (DESIGN.md §4):
//! up to `perConversation` each, at most `budgetBytes` in all, the least recently used
//! conversation dropped first. It holds only what was committed: a store records what a
//! transaction wrote (pending) and applies it once the transaction commits, or forgets it on a
//! rollback. Each conversation's messages are contiguous and end at the last committed seq, so
//! a read it can serve is exactly what the database would return. One thread (the store's).
class RecentCache
{
public:
    RecentCache(int perConversation, qint64 budgetBytes,
                std::shared_ptr<RecentCacheStats> stats = {});

    [[nodiscard]] bool enabled() const { return m_perConversation > 0 && m_budgetBytes > 0; }
    [[nodiscard]] int perConversation() const { return m_perConversation; }
    //! How many messages a miss loads: perConversation, unless the budget would then hold
    //! fewer than 32 conversations (at about 512 bytes a message).
    [[nodiscard]] int loadSize() const
    {
        return int(
            std::max<qint64>(1, std::min<qint64>(m_perConversation, m_budgetBytes / (32 * 512))));
    }
    [[nodiscard]] const RecentCacheStats &stats() const { return *m_stats; }

    // What a transaction did; applied at commit (apply()), dropped at rollback (dropFrom()).
    //! An entry appended (a message; changes and group events invalidate() instead).
    void appended(const pb::Message &message);
    //! The conversation's stored messages changed (an edit, a delete, a reaction, a group
    //! event): its cached copy is dropped.
    void invalidate(quint64 conversationId);
    //! The newest messages of a conversation as read (ascending, ending at its last seq): kept
    //! if it has no entry by then.
    void loaded(quint64 conversationId, const QList<pb::Message> &newest);
    //! Marks for savepoints: what was recorded since `mark` is dropped by dropFrom(mark).
    [[nodiscard]] size_t pendingMark() const { return m_pending.size(); }
    void dropFrom(size_t mark);
    void apply(); //!< the transaction committed
    void clearPending() //!< it rolled back
    {
        m_pending.clear();
        m_loadPending = false;
    }

    //! Messages of the conversation with seq in (afterSeq, upToSeq], ascending, at most `limit`
    //! from the newest down (newestFirst) or from the oldest up; false when the cache does not
    //! hold that whole range (then nothing is filled). Counts a hit or a miss.
    bool read(quint64 conversationId, quint64 afterSeq, quint64 upToSeq, int limit,
              bool newestFirst, QList<pb::Message> *out);
    //! The last committed seq the cache knows for the conversation; 0: not cached.
    [[nodiscard]] quint64 lastSeq(quint64 conversationId) const;
    void clear();

private:
    struct Entry
    {
        std::deque<pb::Message> messages; // contiguous seqs, ascending
        qint64 bytes = 0;
        std::list<quint64>::iterator lru;
    };
    struct Pending
    {
        enum Kind { Append, Invalidate, Load } kind;
        quint64 conversationId;
        QList<pb::Message> messages;
    };
    void drop(quint64 conversationId);
    void touch(Entry &entry, quint64 conversationId);
    void trim(Entry &entry);
    void evict();
    void publish(); //!< the size figures, for other threads
    static qint64 sizeOf(const pb::Message &message);

    const int m_perConversation;
    const qint64 m_budgetBytes;
    std::shared_ptr<RecentCacheStats> m_stats;
    QHash<quint64, Entry> m_entries;
    std::list<quint64> m_lru; // most recent first
    qint64 m_bytes = 0;
    std::vector<Pending> m_pending;
    bool m_loadPending = false; //!< a Load is among m_pending (appends must follow it)
};

} // namespace Confab::Store
