#pragma once

#include "pb.h"

#include <QString>

namespace Confab {

//! The one list of error codes, defined in confab.proto (enum ErrorCode). Values read as
//! ErrorCode::RATE_LIMITED.
using ErrorCode = pb::ErrorCode;

//! An error on the wire or in code: a code from the one list and an English reason for logs.
//! User-facing text comes from userMessage(code), which is translated.
struct Error
{
    ErrorCode code = ErrorCode::INTERNAL;
    QString message;
    quint64 requestId = 0; //!< the request this error answers, 0 for none
    quint32 retryAfterMs = 0; //!< a hint for transient errors, 0 for none

    //! True when the same request may succeed later unchanged (retry with back-off); false when
    //! it never will (report it to the user).
    [[nodiscard]] bool isTransient() const;

    [[nodiscard]] static Error fromPb(const pb::Error &error);
    void toPb(pb::Error *out) const;
    //! An Envelope with this error as its body, echoing requestId.
    [[nodiscard]] pb::Envelope toEnvelope() const;
};

//! The protocol name of a code, e.g. "RATE_LIMITED" (as in confab.proto and PROTOCOL.md).
[[nodiscard]] QString errorCodeName(ErrorCode code);

//! A translated, user-facing sentence for a code: the one place codes become tr() texts.
[[nodiscard]] QString userMessage(ErrorCode code);

} // namespace Confab
