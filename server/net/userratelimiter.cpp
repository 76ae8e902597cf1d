#include "userratelimiter.h"

#include <algorithm>
#include <cmath>

namespace Confab::Net {

double TokenBucket::tokensAt(qint64 nowMs, quint32 perSecond, quint32 burst) const
{
    const qint64 elapsedMs = std::max<qint64>(0, nowMs - refillMs);
    return std::min<double>(burst, tokens + double(elapsedMs) * perSecond / 1000.0);
}

bool TokenBucket::take(qint64 nowMs, quint32 perSecond, quint32 burst)
{
    tokens = tokensAt(nowMs, perSecond, burst);
    refillMs = nowMs;
    if (tokens < 1.0)
        return false;
    tokens -= 1.0;
    return true;
}

bool UserRateLimiter::take(quint64 userId, qint64 nowMs)
{
    if (m_perSecond == 0)
        return true;
    auto [it, added] = m_buckets.try_emplace(userId, TokenBucket { double(m_burst), nowMs });
    return it->second.take(nowMs, m_perSecond, m_burst);
}

qint64 UserRateLimiter::retryAfterMs(quint64 userId, qint64 nowMs) const
{
    const auto it = m_buckets.find(userId);
    if (m_perSecond == 0 || it == m_buckets.end())
        return 0;
    const double missing = 1.0 - it->second.tokensAt(nowMs, m_perSecond, m_burst);
    return missing <= 0 ? 0 : qint64(std::ceil(missing * 1000.0 / m_perSecond));
}

void UserRateLimiter::prune(qint64 nowMs)
{
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        if (it->second.tokensAt(nowMs, m_perSecond, m_burst) >= double(m_burst))
            it = m_buckets.erase(it);
        else
            ++it;
    }
}

} // namespace Confab::Net
