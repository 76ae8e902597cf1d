#include "notificationpolicy.h"

#include <confab/notifyrules.h>

#include <QDateTime>
#include <QRegularExpression>

namespace Confab::Client {

NotificationPolicy::NotificationPolicy(QObject *parent, Clock clock)
    : QObject(parent),
      m_clock(clock ? std::move(clock) : Clock([] { return QDateTime::currentMSecsSinceEpoch(); }))
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &NotificationPolicy::flush);
}

void NotificationPolicy::setOwnUser(quint64 userId, const QString &username)
{
    m_userId = userId;
    m_username = username;
}

void NotificationPolicy::setMode(quint64 conversationId, NotifyMode mode)
{
    if (mode == NotifyMode::All)
        m_prefs.conversations.remove(conversationId);
    else
        m_prefs.conversations.insert(conversationId, { mode, 0 });
}

NotifyMode NotificationPolicy::mode(quint64 conversationId) const
{
    return m_prefs.modeAt(conversationId, m_clock());
}

void NotificationPolicy::setVisibleConversation(quint64 conversationId, bool windowActive)
{
    m_visibleConversation = conversationId;
    m_windowActive = windowActive;
}

bool NotificationPolicy::mentions(const QString &text) const
{
    if (m_username.isEmpty())
        return false;
    const QRegularExpression mention(
        QStringLiteral("(^|[^\\w@])@%1(?![\\w.-]*\\w)").arg(QRegularExpression::escape(m_username)),
        QRegularExpression::CaseInsensitiveOption);
    return mention.match(text).hasMatch();
}

NotifyMode NotificationPrefs::modeAt(quint64 conversationId, qint64 nowMs) const
{
    const auto found = conversations.constFind(conversationId);
    if (found == conversations.cend())
        return NotifyMode::All;
    if (found->mode == NotifyMode::Muted && found->mutedUntilMs != 0
        && found->mutedUntilMs <= nowMs)
        return NotifyMode::All; // the mute for a while is over
    return found->mode;
}

bool NotificationPrefs::quietAt(qint64 nowMs) const
{
    if (doNotDisturb)
        return true;
    return quietHours
        && Notify::inQuietHours(quietStartMinute, quietEndMinute, Notify::zoneOf(timeZone.toUtf8()),
                                nowMs);
}

QString NotificationPolicy::previewOf(const ChatMessage &message) const
{
    if (!m_settings.showPreview || !m_prefs.showPreview)
        return tr("New message");
    QString text = message.text.simplified();
    if (text.isEmpty() && !message.attachments.isEmpty()) {
        const AttachmentInfo &file = message.attachments.first();
        text = (file.isImage() ? tr("📷 %1") : tr("📎 %1")).arg(file.name);
        if (message.attachments.size() > 1)
            text = tr("%1 and %n more file(s)", nullptr, int(message.attachments.size() - 1))
                       .arg(text);
    }
    if (text.size() > 120)
        text = text.left(119) + u'…';
    return text;
}

bool NotificationPolicy::worthNotifying(const ChatMessage &message) const
{
    switch (message.priority) {
    case NotifyPriority::Silent:
        return false;
    case NotifyPriority::Normal:
    case NotifyPriority::High:
        return true; // the server applied the user's preferences (PROTOCOL.md §15)
    case NotifyPriority::Unset:
        break;
    }
    // A server before 1.4: the same rules, from the preferences this device holds.
    if (m_prefs.quietAt(m_clock()))
        return false; // do not disturb, or quiet hours, as set on any device
    // Edits, deletes and reactions change what is there: they are not new messages.
    if (message.isChange() || message.deleted)
        return false;
    switch (mode(message.conversationId)) {
    case NotifyMode::Muted:
        return false;
    case NotifyMode::MentionsOnly:
        return message.mentions.contains(m_userId) || mentions(message.text);
    case NotifyMode::All:
        break;
    }
    return true;
}

bool NotificationPolicy::offer(const ChatMessage &message, const QString &senderName)
{
    if (!m_settings.enabled || m_settings.doNotDisturb || message.senderId == m_userId)
        return false;
    if (!worthNotifying(message))
        return false;
    if (m_windowActive && message.conversationId == m_visibleConversation)
        return false; // it is on screen already

    const qint64 now = m_clock();
    if (m_burstStartMs < 0 || now - m_burstStartMs >= m_windowMs) {
        flush(); // a burst that ended: its summary first
        m_burstStartMs = now;
        // A group message (normal priority) notifies quietly; the rest with sound.
        const bool sound = m_settings.sound && message.priority != NotifyPriority::Normal;
        Q_EMIT notify({ message.conversationId, senderName, previewOf(message), 1, 1, sound });
        m_timer.start(m_windowMs);
        return true;
    }
    // Inside the window: counted now, summarised when it ends.
    ++m_pendingMessages;
    m_pendingConversations.insert(message.conversationId);
    m_lastPending = message;
    m_lastSender = senderName;
    return true;
}

bool NotificationPolicy::catchUp(const CatchUpSummary &summary)
{
    // The server counted with the user's preferences; this device's own settings still apply.
    if (!m_settings.enabled || m_settings.doNotDisturb || summary.isEmpty())
        return false;
    const int messages = summary.messages();
    const bool sound = m_settings.sound && summary.high > 0;
    if (summary.conversationIds.size() == 1) {
        const quint64 conversationId = summary.conversationIds.first();
        const QString title = m_chatName ? m_chatName(conversationId) : QString();
        Q_EMIT notify({ conversationId, title.isEmpty() ? tr("Confab") : title,
                        tr("%n new messages", nullptr, messages), messages, 1, sound });
        return true;
    }
    const int chats = int(summary.conversationIds.size());
    Q_EMIT notify({ 0, tr("Confab"),
                    tr("%n new messages in %1 chats", nullptr, messages).arg(std::max(chats, 1)),
                    messages, chats, sound });
    return true;
}

void NotificationPolicy::flush()
{
    const int messages = m_pendingMessages;
    const QSet<quint64> conversations = m_pendingConversations;
    m_pendingMessages = 0;
    m_pendingConversations.clear();
    if (messages == 0) {
        m_burstStartMs = -1;
        return;
    }
    m_burstStartMs = m_clock(); // the summary starts a new window, so floods stay one a window
    m_timer.start(m_windowMs);
    if (messages == 1) {
        Q_EMIT notify(
            { m_lastPending.conversationId, m_lastSender, previewOf(m_lastPending), 1, 1 });
        return;
    }
    if (conversations.size() == 1) {
        Q_EMIT notify({ m_lastPending.conversationId, m_lastSender,
                        tr("%n new messages", nullptr, messages), messages, 1 });
        return;
    }
    Q_EMIT notify({ 0, tr("Confab"),
                    tr("%n new messages in %1 chats", nullptr, messages).arg(conversations.size()),
                    messages, int(conversations.size()) });
}

} // namespace Confab::Client
