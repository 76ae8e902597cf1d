#pragma once

#include <QString>

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>

namespace Confab {

//! Counts of values (e.g. microseconds) in log-linear buckets: exact below 16, then eight
//! buckets per power of two (within 12.5 %). Constant memory and O(1) add, for a hot path. Not
//! thread-safe: one writer, read once it is done.
class Histogram
{
public:
    void add(std::int64_t value)
    {
        const auto v = std::uint64_t(value < 0 ? 0 : value);
        ++m_buckets[index(v)];
        ++m_count;
        m_max = v > m_max ? v : m_max;
    }
    [[nodiscard]] std::uint64_t count() const { return m_count; }
    [[nodiscard]] std::uint64_t max() const { return m_max; }
    //! The upper bound of the bucket holding the q-quantile (0 when empty).
    [[nodiscard]] std::uint64_t percentile(double q) const
    {
        if (m_count == 0)
            return 0;
        const auto rank = std::uint64_t(double(m_count - 1) * q) + 1;
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < m_buckets.size(); ++i) {
            seen += m_buckets[i];
            if (seen >= rank)
                return std::min(upperBound(i), m_max);
        }
        return m_max;
    }
    //! "n 1200, p50 310, p90 800, p99 2100, max 5400" (with the unit after each value).
    [[nodiscard]] QString summary(const QString &unit) const
    {
        return QStringLiteral("n %1, p50 %2%6, p90 %3%6, p99 %4%6, max %5%6")
            .arg(m_count)
            .arg(percentile(0.5))
            .arg(percentile(0.9))
            .arg(percentile(0.99))
            .arg(m_max)
            .arg(unit);
    }

private:
    static constexpr std::size_t kExact = 16;
    static std::size_t index(std::uint64_t v)
    {
        if (v < kExact)
            return std::size_t(v);
        const int exponent = 63 - std::countl_zero(v); // >= 4
        const auto sub = std::size_t((v >> (exponent - 3)) & 7);
        return kExact + std::size_t(exponent - 4) * 8 + sub;
    }
    static std::uint64_t upperBound(std::size_t i)
    {
        if (i < kExact)
            return i;
        const std::size_t exponent = (i - kExact) / 8 + 4;
        const std::size_t sub = (i - kExact) % 8;
        return ((std::uint64_t(8 + sub + 1)) << (exponent - 3)) - 1;
    }

    std::array<std::uint64_t, kExact + 60 * 8> m_buckets {};
    std::uint64_t m_count = 0;
    std::uint64_t m_max = 0;
};

//! Latencies in fixed buckets, Prometheus's shape (cumulative "le" counts, a sum, a count). One
//! thread adds; any thread may read meanwhile (relaxed atomics: a scrape sees each counter whole,
//! not all of them at one instant).
class LatencyBuckets
{
public:
    static constexpr std::array<std::int64_t, 11> kBoundsUs { 250,    500,    1000,   2500,
                                                              5000,   10000,  25000,  50000,
                                                              100000, 250000, 1000000 };

    void add(std::int64_t us)
    {
        size_t i = 0;
        while (i < kBoundsUs.size() && us > kBoundsUs[i])
            ++i;
        m_counts[i].fetch_add(1, std::memory_order_relaxed);
        m_sumUs.fetch_add(std::uint64_t(us < 0 ? 0 : us), std::memory_order_relaxed);
    }
    //! Values at most kBoundsUs[i] (i == kBoundsUs.size(): all of them).
    [[nodiscard]] std::uint64_t cumulative(size_t i) const
    {
        std::uint64_t total = 0;
        for (size_t j = 0; j <= i && j < m_counts.size(); ++j)
            total += m_counts[j].load(std::memory_order_relaxed);
        return total;
    }
    [[nodiscard]] std::uint64_t count() const { return cumulative(kBoundsUs.size()); }
    [[nodiscard]] std::uint64_t sumUs() const { return m_sumUs.load(std::memory_order_relaxed); }

private:
    std::array<std::atomic<std::uint64_t>, kBoundsUs.size() + 1> m_counts {};
    std::atomic<std::uint64_t> m_sumUs { 0 };
};

} // namespace Confab
