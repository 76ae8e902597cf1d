#pragma once

#include "pb.h"

#include <QtGlobal>

namespace Confab {

//! Protocol constants that are not configurable (PROTOCOL.md "Limits").
inline constexpr int kUuidBytes = 16;
inline constexpr int kMaxNameBytes = 128; //!< usernames, display names, titles, client names
inline constexpr int kMaxPasswordBytes = 1024;
inline constexpr int kMaxTokenBytes = 256;
inline constexpr int kMaxSessionIdBytes = 64; // SessionInfo.session_id (a token's hash)
inline constexpr int kMaxErrorMessageBytes = 1024;
inline constexpr int kMaxSyncCursors = 10000;
inline constexpr int kMaxPresences = 100000; //!< entries in one PresenceEvent
inline constexpr int kMaxEmojiBytes = 32; //!< one reaction: an emoji, ZWJ sequences included
//! Different emoji on one message (each user may add several; PROTOCOL.md §13).
inline constexpr int kMaxReactionKinds = 64;

//! Limits the server enforces and announces in Welcome; the client adopts them from there.
struct Limits
{
    quint32 maxFrameBytes = 64 * 1024;
    quint32 maxTextBytes = 16 * 1024;
    quint32 maxPageSize = 200;
    quint32 maxGroupMembers = 1000;
    quint32 ratePerSecond = 50;
    quint32 rateBurst = 100;
    quint32 pingIntervalMs = 30'000;
    quint32 idleTimeoutMs = 90'000;

    [[nodiscard]] static Limits fromPb(const pb::Limits &limits);
    void toPb(pb::Limits *out) const;
    //! Whether the values are usable (non-zero, text fits in a frame, ...); false names the reason.
    [[nodiscard]] bool isValid(QString *reason = nullptr) const;

    friend bool operator==(const Limits &, const Limits &) = default;
};

} // namespace Confab
