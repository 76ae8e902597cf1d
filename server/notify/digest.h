#pragma once

#include "store/records.h"

#include <QString>

#include <optional>

namespace Confab::Notify {

//! What a digest may say, from the server's config ([email]).
struct DigestOptions
{
    QString serverName; //!< named in the mail: which server the messages are waiting on
    bool previews = false; //!< quote the messages (the admin's choice; off by default)
};

//! A digest for one user (PROTOCOL.md §15.3): the unread messages that are high priority by
//! the user's preferences (direct messages, mentions, replies to the user; muted conversations
//! and, in mentions-only ones, everything else left out), counted per sender and conversation,
//! with their text only when `options.previews`. Nothing when there is none. `coveredMs` gets
//! the newest server time among `items`, high or not: the next digest starts after it.
[[nodiscard]] std::optional<Store::OutgoingEmail>
composeDigest(const Store::DigestCandidate &user, const QList<Store::DigestItem> &items,
              const DigestOptions &options, qint64 nowMs, qint64 *coveredMs);

} // namespace Confab::Notify
