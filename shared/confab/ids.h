#pragma once

#include <QByteArray>
#include <QUuid>

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

namespace Confab {

//! Generates 64-bit, time-ordered, Snowflake-style ids: 41 bits of milliseconds since the Confab
//! epoch (2026-01-01T00:00:00Z), 10 bits of node id, 12 bits of sequence within the millisecond.
//! Ids from one generator strictly increase, even when the wall clock steps back (the generator
//! then keeps counting from its last id) or a millisecond's 4096 ids run out (it borrows the next
//! millisecond). Thread-safe and lock-free; one generator per node.
class SnowflakeGenerator final
{
public:
    using Clock = std::function<qint64()>; //!< milliseconds since the Unix epoch

    static constexpr qint64 kEpochMs = 1'767'225'600'000; // 2026-01-01T00:00:00Z
    static constexpr int kNodeBits = 10;
    static constexpr int kSequenceBits = 12;
    static constexpr quint16 kMaxNodeId = (1u << kNodeBits) - 1;

    //! nodeId must be at most kMaxNodeId (configuration checks it). Without a clock, the system
    //! clock is used.
    explicit SnowflakeGenerator(quint16 nodeId, Clock clock = {});

    [[nodiscard]] quint64 next();
    //! Never issue an id at or below this one again (e.g. the newest id found in storage at start).
    void advancePast(quint64 id);

    [[nodiscard]] quint16 nodeId() const { return m_nodeId; }

    [[nodiscard]] static qint64 timestampMs(quint64 id); //!< Unix epoch milliseconds
    [[nodiscard]] static quint16 nodeOf(quint64 id);
    [[nodiscard]] static quint16 sequenceOf(quint64 id);

private:
    const quint16 m_nodeId;
    const Clock m_clock;
    //! The last issued (milliseconds since kEpochMs << kSequenceBits | sequence), node bits apart.
    std::atomic<quint64> m_last { 0 };
};

//! A new time-ordered UUID (version 7, RFC 9562): 48 bits of Unix milliseconds, then random
//! bits. Client message ids are made with it, so that one sender's ids sort by time: the server's
//! index on (sender, client id) then grows at its edge instead of touching a random page for
//! every message (a random UUID dirtied one index page per message, each written to the log at
//! commit). Qt has QUuid::createUuidV7 only from 6.9.
[[nodiscard]] QUuid createTimeOrderedUuid();

//! Client message and device ids travel as the 16 bytes of an RFC 4122 UUID.
[[nodiscard]] std::string uuidToWire(const QUuid &uuid);
//! The UUID of 16 wire bytes, or a null QUuid when the size is wrong.
[[nodiscard]] QUuid uuidFromWire(std::string_view bytes);

} // namespace Confab
