#pragma once

#include <QtGlobal>

#include <unordered_map>

namespace Confab::Net {

//! A token bucket: `perSecond` tokens a second, at most `burst` saved up. Its rate is passed in,
//! so that a million of them (one per connection) cost 16 bytes each.
struct TokenBucket
{
    double tokens = 0;
    qint64 refillMs = 0; //!< a monotonic clock

    //! The tokens at `nowMs`, refilled since the last take.
    [[nodiscard]] double tokensAt(qint64 nowMs, quint32 perSecond, quint32 burst) const;
    //! Refills, then takes one token if there is one.
    bool take(qint64 nowMs, quint32 perSecond, quint32 burst);
};

//! One token bucket per signed-in user, shared by all of that user's connections: however many
//! devices (or stolen tokens) a user has, together they get this rate. Each connection keeps its
//! own, tighter-or-equal bucket as well (Session). Network thread.
class UserRateLimiter
{
public:
    //! `perSecond` tokens a second, at most `burst` saved up; perSecond 0: no limit.
    UserRateLimiter(quint32 perSecond, quint32 burst) : m_perSecond(perSecond), m_burst(burst) { }

    //! Takes one token of `userId`'s bucket at `nowMs` (a monotonic clock); false: none left.
    bool take(quint64 userId, qint64 nowMs);
    //! Milliseconds until `userId` has a token again (0: now).
    [[nodiscard]] qint64 retryAfterMs(quint64 userId, qint64 nowMs) const;
    //! Forgets the buckets that are full again: a full bucket is the same as none. Keeps the map
    //! to the users active in the last burst/perSecond seconds.
    void prune(qint64 nowMs);
    [[nodiscard]] size_t size() const { return m_buckets.size(); }

private:
    const quint32 m_perSecond;
    const quint32 m_burst;
    std::unordered_map<quint64, TokenBucket> m_buckets;
};

} // namespace Confab::Net
