#include "notifyrules.h"

#include <QDateTime>
#include <QRegularExpression>

#include <algorithm>

namespace Confab::Notify {

bool inQuietHours(int startMinute, int endMinute, const QTimeZone &zone, qint64 nowMs)
{
    if (startMinute == endMinute)
        return false;
    const QTime time = QDateTime::fromMSecsSinceEpoch(nowMs, zone).time();
    const int minute = time.hour() * 60 + time.minute();
    if (startMinute < endMinute)
        return minute >= startMinute && minute < endMinute;
    return minute >= startMinute || minute < endMinute; // through midnight
}

bool isPlainEmailAddress(const QString &address)
{
    static const QRegularExpression plain(
        QStringLiteral("^[^\\s<>()\\[\\],;:\"@\\\\]{1,64}@[^\\s<>()\\[\\],;:\"@\\\\]{1,253}$"));
    return address.toUtf8().size() <= 254 && plain.match(address).hasMatch()
        && address.section(u'@', 1).contains(u'.');
}

QTimeZone zoneOf(const QByteArray &ianaId)
{
    if (ianaId.isEmpty())
        return QTimeZone::utc();
    const QTimeZone zone(ianaId);
    return zone.isValid() ? zone : QTimeZone::utc();
}

Rules::Rules(const pb::NotificationPrefs &prefs) : m_prefs(prefs)
{
    m_conversations.reserve(prefs.conversations_size());
    for (const auto &conversation : prefs.conversations())
        m_conversations.insert(conversation.conversation_id(),
                               { conversation.level(), conversation.muted_until_ms() });
    if (prefs.quiet_hours())
        m_zone = zoneOf(QByteArray::fromStdString(prefs.time_zone()));
}

bool Rules::quietAt(qint64 nowMs) const
{
    if (m_prefs.do_not_disturb())
        return true;
    return m_prefs.quiet_hours()
        && inQuietHours(int(m_prefs.quiet_start_minute()), int(m_prefs.quiet_end_minute()), m_zone,
                        nowMs);
}

pb::NotifyLevel Rules::levelAt(quint64 conversationId, qint64 nowMs) const
{
    const auto found = m_conversations.constFind(conversationId);
    if (found == m_conversations.cend())
        return pb::NOTIFY_LEVEL_ALL;
    if (found->level == pb::NOTIFY_LEVEL_MUTED && found->mutedUntilMs != 0
        && found->mutedUntilMs <= nowMs)
        return pb::NOTIFY_LEVEL_ALL; // the mute for a while is over
    return found->level;
}

pb::NotifyPriority Rules::priority(const pb::Message &message, const Delivery &delivery,
                                   qint64 nowMs) const
{
    const pb::NotifyPriority priority = priorityIgnoringQuiet(message, delivery, nowMs);
    return priority != pb::NOTIFY_PRIORITY_SILENT && quietAt(nowMs) ? pb::NOTIFY_PRIORITY_SILENT
                                                                    : priority;
}

pb::NotifyPriority Rules::priorityIgnoringQuiet(const pb::Message &message,
                                                const Delivery &delivery, qint64 nowMs) const
{
    if (message.sender_id() == delivery.recipientId || message.has_change()
        || message.has_group_event() || message.deleted())
        return pb::NOTIFY_PRIORITY_SILENT;
    const pb::NotifyLevel level = levelAt(message.conversation_id(), nowMs);
    if (level == pb::NOTIFY_LEVEL_MUTED)
        return pb::NOTIFY_PRIORITY_SILENT;
    const auto &mentions = message.mention_user_ids();
    const bool personal = message.reply_to_sender_id() == delivery.recipientId
        || std::find(mentions.begin(), mentions.end(), delivery.recipientId) != mentions.end();
    if (personal)
        return pb::NOTIFY_PRIORITY_HIGH;
    if (level == pb::NOTIFY_LEVEL_MENTIONS)
        return pb::NOTIFY_PRIORITY_SILENT;
    return delivery.direct ? pb::NOTIFY_PRIORITY_HIGH : pb::NOTIFY_PRIORITY_NORMAL;
}

} // namespace Confab::Notify
