#pragma once

#include "pb.h"

#include <QHash>
#include <QString>
#include <QTimeZone>
#include <QtGlobal>

namespace Confab::Notify {

//! Whether `nowMs` falls in the daily window from `startMinute` to `endMinute` (minutes after
//! midnight in `zone`; an end before the start runs through midnight; equal ones: never).
[[nodiscard]] bool inQuietHours(int startMinute, int endMinute, const QTimeZone &zone,
                                qint64 nowMs);

//! Whether an address is one a digest email may go to, or come from (PROTOCOL.md §15.3):
//! local@domain with a dot in the domain, at most 254 bytes, and no spaces, angle brackets,
//! quotes or line breaks (nothing that could add a mail header).
[[nodiscard]] bool isPlainEmailAddress(const QString &address);

//! The time zone a preferences document names: UTC when empty or unknown.
[[nodiscard]] QTimeZone zoneOf(const QByteArray &ianaId);

//! What a message is to one recipient, as far as notifying goes (PROTOCOL.md §15).
struct Delivery
{
    bool direct = false; //!< a direct (1:1) conversation, not a group
    quint64 recipientId = 0;
};

//! A user's notification preferences, ready to decide many messages: the per-conversation
//! settings hashed, the time zone resolved once. Server: one per live session, refreshed when
//! the user changes them (PROTOCOL.md §15).
class Rules final
{
public:
    Rules() = default;
    explicit Rules(const pb::NotificationPrefs &prefs);

    [[nodiscard]] const pb::NotificationPrefs &prefs() const { return m_prefs; }
    //! Do not disturb, or inside the quiet hours, at that moment.
    [[nodiscard]] bool quietAt(qint64 nowMs) const;
    //! A conversation's level at that moment (a mute that ended is ALL again).
    [[nodiscard]] pb::NotifyLevel levelAt(quint64 conversationId, qint64 nowMs) const;
    //! How `message` notifies the recipient at `nowMs`: SILENT for the recipient's own, change
    //! entries, group events, deleted messages, a muted conversation, do not disturb and quiet
    //! hours; in a mentions-only conversation HIGH for a mention or a reply to the recipient and
    //! SILENT otherwise; else HIGH for a direct message, a mention or a reply to the recipient,
    //! NORMAL for a group message.
    [[nodiscard]] pb::NotifyPriority priority(const pb::Message &message, const Delivery &delivery,
                                              qint64 nowMs) const;
    //! The same, as if neither do not disturb nor the quiet hours were on (email digests).
    [[nodiscard]] pb::NotifyPriority
    priorityIgnoringQuiet(const pb::Message &message, const Delivery &delivery, qint64 nowMs) const;

private:
    struct Conversation
    {
        pb::NotifyLevel level = pb::NOTIFY_LEVEL_ALL;
        qint64 mutedUntilMs = 0;
    };
    pb::NotificationPrefs m_prefs;
    QHash<quint64, Conversation> m_conversations;
    QTimeZone m_zone = QTimeZone::utc();
};

} // namespace Confab::Notify
