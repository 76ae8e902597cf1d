#pragma once

#include "limits.h"
#include "pb.h"
#include "result.h"

#include <QByteArray>
#include <QByteArrayView>

//! The frame codec: one Envelope per binary WebSocket frame (PROTOCOL.md "Framing").
//! Stateless and thread-safe.
namespace Confab::Codec {

//! Serialises an envelope into the bytes of one binary frame.
[[nodiscard]] QByteArray encode(const pb::Envelope &envelope);

//! Decodes and validates one frame. Rejects, each with its own ErrorCode: frames over
//! limits.maxFrameBytes (before parsing), empty or undecodable frames (BAD_FRAME), invalid UTF-8
//! in a string field, an Envelope with no body or with a body this build does not know, and
//! values over the limits. Unknown fields inside a known body are tolerated (forward
//! compatibility). The error carries the request id when the frame got far enough to have one.
[[nodiscard]] Result<pb::Envelope> decode(QByteArrayView frame, const Limits &limits);

//! The checks decode() applies after parsing; also usable on envelopes built in code.
[[nodiscard]] Result<void> validate(const pb::Envelope &envelope, const Limits &limits);

//! The name of an envelope's body as in confab.proto, e.g. "send_message"; for logs.
[[nodiscard]] const char *bodyName(const pb::Envelope &envelope);

} // namespace Confab::Codec
