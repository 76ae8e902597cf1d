#pragma once

#include "types.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>

namespace Confab::Client {

struct NotificationSettings
{
    bool enabled = true;
    bool showPreview = true;
    bool doNotDisturb = false;
    bool sound = true;
};

//! What the tray shows: one message, or a summary of a burst.
struct Notification
{
    quint64 conversationId = 0; //!< where a click leads; 0 for a summary across several chats
    QString title;
    QString body;
    int messages = 1;
    int conversations = 1;
    bool sound = false; //!< play the sound: a burst's first only (not a group message), never a
                        //!< burst's summary; a catch-up summary with high-priority messages
};

//! Decides which incoming messages notify (following the server's priority when it sends one),
//! and coalesces bursts: the first message of a burst
//! notifies at once, the others within the window become one summary ("5 new messages in 3
//! chats"). Never for own messages, muted conversations, do-not-disturb, or the conversation
//! the user is looking at; mentions-only conversations only for "@username". No Widgets: the
//! tray shows what it emits. GUI thread; the clock can be injected for tests.
class NotificationPolicy final : public QObject
{
    Q_OBJECT
public:
    using Clock = std::function<qint64()>;
    explicit NotificationPolicy(QObject *parent = nullptr, Clock clock = {});

    void setSettings(const NotificationSettings &settings) { m_settings = settings; }
    [[nodiscard]] NotificationSettings settings() const { return m_settings; }
    //! The user's synced preferences (ChatClient::notificationPrefs()): per-chat modes, quiet
    //! hours and do not disturb, previews. They add to this device's settings.
    void setPrefs(const NotificationPrefs &prefs) { m_prefs = prefs; }
    [[nodiscard]] const NotificationPrefs &prefs() const { return m_prefs; }
    void setOwnUser(quint64 userId, const QString &username);
    void setMode(quint64 conversationId, NotifyMode mode);
    [[nodiscard]] NotifyMode mode(quint64 conversationId) const;
    //! The conversation on screen (0: none) and whether the window has the focus.
    void setVisibleConversation(quint64 conversationId, bool windowActive);
    void setCoalesceWindowMs(int ms) { m_windowMs = ms; }

    //! Names chats in a catch-up summary of one chat.
    void setChatNames(std::function<QString(quint64)> chatName)
    {
        m_chatName = std::move(chatName);
    }

    //! A message arrived live. Returns whether it counts towards a notification. With a priority
    //! from the server (PROTOCOL.md §15) that decides, with sound for high only; without one (a
    //! server before 1.4) the preferences this device holds do. This device's own settings and
    //! the chat on screen apply either way.
    bool offer(const ChatMessage &message, const QString &senderName);
    //! A sync brought what would have notified: one summary ("34 new messages in 5 chats"), with
    //! sound when any of it is high priority. Returns whether it notified.
    bool catchUp(const CatchUpSummary &summary);
    //! Emits the summary of a burst whose window has passed (the timer calls it too).
    void flush();
    [[nodiscard]] bool mentions(const QString &text) const;

Q_SIGNALS:
    void notify(const Confab::Client::Notification &notification);

private:
    [[nodiscard]] QString previewOf(const ChatMessage &message) const;
    [[nodiscard]] bool worthNotifying(const ChatMessage &message) const;

    Clock m_clock;
    std::function<QString(quint64)> m_chatName;
    NotificationSettings m_settings;
    quint64 m_userId = 0;
    QString m_username;
    NotificationPrefs m_prefs; //!< per-chat modes live here
    quint64 m_visibleConversation = 0;
    bool m_windowActive = false;
    int m_windowMs = 3000;

    qint64 m_burstStartMs = -1; //!< when the leading notification of the current burst went out
    int m_pendingMessages = 0;
    QSet<quint64> m_pendingConversations;
    ChatMessage m_lastPending;
    QString m_lastSender;
    QTimer m_timer;
};

} // namespace Confab::Client

Q_DECLARE_METATYPE(Confab::Client::Notification)
