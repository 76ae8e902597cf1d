#include "limits.h"

#include <QString>

namespace Confab {

Limits Limits::fromPb(const pb::Limits &limits)
{
    Limits result;
    result.maxFrameBytes = limits.max_frame_bytes();
    result.maxTextBytes = limits.max_text_bytes();
    result.maxPageSize = limits.max_page_size();
    result.maxGroupMembers = limits.max_group_members();
    result.ratePerSecond = limits.rate_per_second();
    result.rateBurst = limits.rate_burst();
    result.pingIntervalMs = limits.ping_interval_ms();
    result.idleTimeoutMs = limits.idle_timeout_ms();
    result.maxAttachmentBytes = limits.max_attachment_bytes();
    result.attachmentChunkBytes = limits.attachment_chunk_bytes();
    result.retentionDays = limits.retention_days();
    result.minRetentionDays = std::max<quint32>(1, limits.min_retention_days()); // 0 before 1.6
    return result;
}

void Limits::toPb(pb::Limits *out) const
{
    out->set_max_frame_bytes(maxFrameBytes);
    out->set_max_text_bytes(maxTextBytes);
    out->set_max_page_size(maxPageSize);
    out->set_max_group_members(maxGroupMembers);
    out->set_rate_per_second(ratePerSecond);
    out->set_rate_burst(rateBurst);
    out->set_ping_interval_ms(pingIntervalMs);
    out->set_idle_timeout_ms(idleTimeoutMs);
    out->set_max_attachment_bytes(maxAttachmentBytes);
    out->set_attachment_chunk_bytes(attachmentChunkBytes);
    out->set_retention_days(retentionDays);
    out->set_min_retention_days(minRetentionDays);
}

bool Limits::isValid(QString *reason) const
{
    auto fail = [reason](const QString &why) {
        if (reason)
            *reason = why;
        return false;
    };
    // A frame must hold at least one message of maximum length plus its envelope.
    constexpr quint32 kEnvelopeOverheadBytes = 1024;
    if (maxFrameBytes < 1024)
        return fail(QStringLiteral("max frame bytes must be at least 1024"));
    if (maxTextBytes == 0 || maxTextBytes + kEnvelopeOverheadBytes > maxFrameBytes)
        return fail(QStringLiteral("max text bytes must be non-zero and leave %1 bytes of the "
                                   "frame for the envelope")
                        .arg(kEnvelopeOverheadBytes));
    if (maxPageSize == 0)
        return fail(QStringLiteral("max page size must be non-zero"));
    if (maxGroupMembers < 2)
        return fail(QStringLiteral("max group members must be at least 2"));
    if (ratePerSecond == 0 || rateBurst == 0)
        return fail(QStringLiteral("rate and burst must be non-zero"));
    // A ping goes out up to half a ping interval late (the server sweeps at that pace) and its pong
    // needs a round trip: an idle timeout of two intervals never closes a peer that answers.
    if (maxAttachmentBytes > 0 && (attachmentChunkBytes < 1024 || attachmentChunkBytes > 16u << 20))
        return fail(QStringLiteral("attachment chunks must be 1 KiB to 16 MiB"));
    if (pingIntervalMs == 0 || idleTimeoutMs < 2 * quint64(pingIntervalMs))
        return fail(QStringLiteral("the idle timeout must be at least twice the ping interval"));
    return true;
}

} // namespace Confab
