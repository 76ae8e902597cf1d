#include "recentcache.h"

namespace Confab::Store {

RecentCache::RecentCache(int perConversation, qint64 budgetBytes,
                         std::shared_ptr<RecentCacheStats> stats)
    : m_perConversation(perConversation), m_budgetBytes(budgetBytes),
      m_stats(stats ? std::move(stats) : std::make_shared<RecentCacheStats>())
{ }

qint64 RecentCache::sizeOf(const pb::Message &message)
{
    return qint64(message.SpaceUsedLong()) + 64; // and the deque's and hash's share
}

void RecentCache::appended(const pb::Message &message)
{
    // The hot path: a conversation that is not cached (and not being loaded) costs no copy.
    if (enabled() && (m_loadPending || m_entries.contains(message.conversation_id())))
        m_pending.push_back({ Pending::Append, message.conversation_id(), { message } });
}

void RecentCache::publish()
{
    m_stats->bytes = m_bytes;
    m_stats->conversations = m_entries.size();
}

void RecentCache::invalidate(quint64 conversationId)
{
    if (!enabled())
        return;
    // At once, too: what the cache holds is stale for the rest of this transaction (a read in
    // the same batch must not get the text a delete just removed). A rollback only costs a miss.
    drop(conversationId);
    publish();
    m_pending.push_back({ Pending::Invalidate, conversationId, {} });
}

void RecentCache::loaded(quint64 conversationId, const QList<pb::Message> &newest)
{
    if (enabled() && !newest.isEmpty()) {
        m_pending.push_back({ Pending::Load, conversationId, newest });
        m_loadPending = true;
    }
}

void RecentCache::dropFrom(size_t mark)
{
    if (mark < m_pending.size())
        m_pending.resize(mark);
}

void RecentCache::apply()
{
    for (Pending &pending : m_pending) {
        const quint64 id = pending.conversationId;
        switch (pending.kind) {
        case Pending::Invalidate:
            drop(id);
            break;
        case Pending::Append: {
            auto found = m_entries.find(id);
            if (found == m_entries.end())
                break; // not cached: it is loaded when read
            pb::Message &message = pending.messages.first();
            if (found->messages.empty() || message.seq() != found->messages.back().seq() + 1) {
                drop(id); // not the next one: no longer contiguous
                break;
            }
            const qint64 size = sizeOf(message);
            found->bytes += size;
            m_bytes += size;
            found->messages.push_back(std::move(message));
            trim(*found);
            touch(*found, id);
            break;
        }
        case Pending::Load: {
            if (const auto found = m_entries.constFind(id); found != m_entries.cend()) {
                // Kept, unless this reaches further back to the same end (a longer read).
                if (found->messages.empty()
                    || pending.messages.last().seq() != found->messages.back().seq()
                    || pending.messages.first().seq() >= found->messages.front().seq())
                    break;
                drop(id);
            }
            Entry &entry = m_entries[id];
            m_lru.push_front(id);
            entry.lru = m_lru.begin();
            for (pb::Message &message : pending.messages) {
                entry.bytes += sizeOf(message);
                entry.messages.push_back(std::move(message));
            }
            m_bytes += entry.bytes;
            trim(entry);
            break;
        }
        }
    }
    m_pending.clear();
    m_loadPending = false;
    evict();
    publish();
}

void RecentCache::trim(Entry &entry)
{
    while (int(entry.messages.size()) > m_perConversation) {
        const qint64 size = sizeOf(entry.messages.front());
        entry.bytes -= size;
        m_bytes -= size;
        entry.messages.pop_front();
    }
}

void RecentCache::touch(Entry &entry, quint64 conversationId)
{
    m_lru.erase(entry.lru);
    m_lru.push_front(conversationId);
    entry.lru = m_lru.begin();
}

void RecentCache::drop(quint64 conversationId)
{
    auto found = m_entries.find(conversationId);
    if (found == m_entries.end())
        return;
    m_bytes -= found->bytes;
    m_lru.erase(found->lru);
    m_entries.erase(found);
}

void RecentCache::evict()
{
    while (m_bytes > m_budgetBytes && !m_lru.empty())
        drop(m_lru.back());
}

bool RecentCache::read(quint64 conversationId, quint64 afterSeq, quint64 upToSeq, int limit,
                       bool newestFirst, QList<pb::Message> *out)
{
    if (!enabled())
        return false;
    auto found = m_entries.find(conversationId);
    if (found == m_entries.end() || found->messages.empty() || upToSeq <= afterSeq) {
        ++m_stats->misses;
        return false;
    }
    const std::deque<pb::Message> &messages = found->messages;
    const quint64 first = messages.front().seq();
    const quint64 last = messages.back().seq();
    // Which seqs the answer needs: from the newest down or the oldest up, at most `limit`.
    const quint64 count = std::min<quint64>(quint64(std::max(limit, 0)), upToSeq - afterSeq);
    const quint64 low = newestFirst ? upToSeq - count + 1 : afterSeq + 1;
    const quint64 high = newestFirst ? upToSeq : afterSeq + count;
    if (count == 0 || low < first || high > last) {
        ++m_stats->misses;
        return false;
    }
    for (quint64 seq = low; seq <= high; ++seq)
        out->append(messages[size_t(seq - first)]);
    if (newestFirst)
        std::reverse(out->begin(), out->end());
    touch(*found, conversationId);
    ++m_stats->hits;
    return true;
}

quint64 RecentCache::lastSeq(quint64 conversationId) const
{
    const auto found = m_entries.constFind(conversationId);
    return found == m_entries.cend() || found->messages.empty() ? 0 : found->messages.back().seq();
}

void RecentCache::clear()
{
    m_entries.clear();
    m_lru.clear();
    m_bytes = 0;
    clearPending();
    publish();
}

} // namespace Confab::Store
