#include "userratelimiter.h"

#include <algorithm>
#include <cmath>

namespace Confab::Net {

double UserRateLimiter::tokensAt(const Bucket &bucket, qint64 nowMs) const
{
    const qint64 elapsedMs = std::max<qint64>(0, nowMs - bucket.refillMs);
    return std::min<double>(m_burst, bucket.tokens + double(elapsedMs) * m_perSecond / 1000.0);
}

bool UserRateLimiter::take(quint64 userId, qint64 nowMs)
{
    if (m_perSecond == 0)
        return true;
    auto [it, added] = m_buckets.try_emplace(userId, Bucket { double(m_burst), nowMs });
    Bucket &bucket = it->second;
    bucket.tokens = tokensAt(bucket, nowMs);
    bucket.refillMs = nowMs;
    if (bucket.tokens < 1.0)
        return false;
    bucket.tokens -= 1.0;
    return true;
}

qint64 UserRateLimiter::retryAfterMs(quint64 userId, qint64 nowMs) const
{
    const auto it = m_buckets.find(userId);
    if (m_perSecond == 0 || it == m_buckets.end())
        return 0;
    const double missing = 1.0 - tokensAt(it->second, nowMs);
    return missing <= 0 ? 0 : qint64(std::ceil(missing * 1000.0 / m_perSecond));
}

void UserRateLimiter::prune(qint64 nowMs)
{
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        if (tokensAt(it->second, nowMs) >= double(m_burst))
            it = m_buckets.erase(it);
        else
            ++it;
    }
}

} // namespace Confab::Net
