#include "ids.h"

#include <QDateTime>
#include <QRandomGenerator>

#include <algorithm>

namespace Confab {

namespace {
constexpr quint64 kSequenceMask = (quint64(1) << SnowflakeGenerator::kSequenceBits) - 1;
constexpr int kTimeShift = SnowflakeGenerator::kNodeBits + SnowflakeGenerator::kSequenceBits;
} // namespace

SnowflakeGenerator::SnowflakeGenerator(quint16 nodeId, Clock clock)
    : m_nodeId(nodeId & kMaxNodeId),
      m_clock(clock ? std::move(clock) : Clock([] { return QDateTime::currentMSecsSinceEpoch(); }))
{
    Q_ASSERT(nodeId <= kMaxNodeId);
}

quint64 SnowflakeGenerator::next()
{
    const qint64 sinceEpochMs = std::max<qint64>(0, m_clock() - kEpochMs);
    const quint64 earliest = quint64(sinceEpochMs) << kSequenceBits;
    quint64 last = m_last.load(std::memory_order_relaxed);
    quint64 chosen = 0;
    do {
        // Normally the clock's millisecond with sequence 0; if the clock stood still or stepped
        // back, one past the last id (which may carry into the next millisecond).
        chosen = std::max(earliest, last + 1);
    } while (!m_last.compare_exchange_weak(last, chosen, std::memory_order_relaxed));
    return ((chosen >> kSequenceBits) << kTimeShift) | (quint64(m_nodeId) << kSequenceBits)
        | (chosen & kSequenceMask);
}

void SnowflakeGenerator::advancePast(quint64 id)
{
    const quint64 packed = ((id >> kTimeShift) << kSequenceBits) | (id & kSequenceMask);
    quint64 last = m_last.load(std::memory_order_relaxed);
    while (last < packed
           && !m_last.compare_exchange_weak(last, packed, std::memory_order_relaxed)) { }
}

qint64 SnowflakeGenerator::timestampMs(quint64 id)
{
    return qint64(id >> kTimeShift) + kEpochMs;
}

quint16 SnowflakeGenerator::nodeOf(quint64 id)
{
    return quint16((id >> kSequenceBits) & kMaxNodeId);
}

quint16 SnowflakeGenerator::sequenceOf(quint64 id)
{
    return quint16(id & kSequenceMask);
}

QUuid createTimeOrderedUuid()
{
    QByteArray bytes(16, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), 4);
    const auto ms = quint64(QDateTime::currentMSecsSinceEpoch());
    for (int i = 0; i < 6; ++i)
        bytes[i] = char(ms >> (40 - 8 * i));
    bytes[6] = char(0x70 | (bytes[6] & 0x0f)); // version 7
    bytes[8] = char(0x80 | (bytes[8] & 0x3f)); // the RFC 4122 variant
    return QUuid::fromRfc4122(bytes);
}

std::string uuidToWire(const QUuid &uuid)
{
    const QByteArray bytes = uuid.toRfc4122();
    return std::string(bytes.constData(), size_t(bytes.size()));
}

QUuid uuidFromWire(std::string_view bytes)
{
    if (bytes.size() != 16)
        return {};
    return QUuid::fromRfc4122(QByteArrayView(bytes.data(), qsizetype(bytes.size())));
}

} // namespace Confab
