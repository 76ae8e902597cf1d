#pragma once

#include "pb.h"

#include <QtGlobal>

#include <algorithm>

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
inline constexpr int kMaxTimeZoneBytes = 64; //!< an IANA time zone id
inline constexpr int kMaxEmailBytes = 254; //!< an email address (RFC 5321's path limit)
inline constexpr int kMaxNotifyConversations = 10000; //!< per-conversation notification settings
inline constexpr int kMaxEmojiBytes = 32; //!< one reaction: an emoji, ZWJ sequences included
//! Different emoji on one message (each user may add several; PROTOCOL.md §13).
inline constexpr int kMaxReactionKinds = 64;
inline constexpr int kSha256Bytes = 32;
inline constexpr int kMaxFileNameBytes = 255; //!< an attachment's name
inline constexpr int kMaxThumbnailBytes = 8 * 1024; //!< an image attachment's JPEG thumbnail
inline constexpr int kMaxAttachmentsPerMessage = 4;
//! What a chunk frame may hold besides its data (PROTOCOL.md §14).
inline constexpr quint32 kChunkOverheadBytes = 1024;

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
    quint64 maxAttachmentBytes = 256ull << 20; //!< 0: attachments are off
    quint32 attachmentChunkBytes = 256 * 1024;
    //! Since 1.6 (PROTOCOL.md §17): the server deletes entries older than this; 0: never.
    quint32 retentionDays = 0;
    //! The shortest retention a conversation may set (SetRetention).
    quint32 minRetentionDays = 1;

    //! The largest frame a peer may send: an attachment chunk may be over maxFrameBytes.
    [[nodiscard]] quint32 maxIncomingFrameBytes() const
    {
        return maxAttachmentBytes > 0
            ? std::max(maxFrameBytes, attachmentChunkBytes + kChunkOverheadBytes)
            : maxFrameBytes;
    }

    [[nodiscard]] static Limits fromPb(const pb::Limits &limits);
    void toPb(pb::Limits *out) const;
    //! Whether the values are usable (non-zero, text fits in a frame, ...); false names the reason.
    [[nodiscard]] bool isValid(QString *reason = nullptr) const;

    friend bool operator==(const Limits &, const Limits &) = default;
};

} // namespace Confab
