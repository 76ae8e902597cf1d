#pragma once

#include "notificationpolicy.h"

#include <QObject>
#include <QPointer>
#include <QSystemTrayIcon>

#include <memory>

class QAction;
class QMenu;

namespace Confab::Client {
class ChatClient;
}

namespace Confab::Ui {

class MainWindow;
struct AppSettings;
class NotificationSound;

//! The system tray: an icon with the unread count, a menu (Show/Hide, Do not disturb, Quit) and
//! the notifications NotificationPolicy decides on; a click opens the conversation. Where the
//! desktop has no tray, it does nothing and closing the window quits. GUI thread.
class TrayController final : public QObject
{
    Q_OBJECT
public:
    TrayController(Client::ChatClient *client, MainWindow *window, QObject *parent = nullptr);
    ~TrayController() override;

    [[nodiscard]] bool isAvailable() const { return m_tray != nullptr; }
    [[nodiscard]] QSystemTrayIcon *trayIcon() const { return m_tray.get(); }
    [[nodiscard]] Client::NotificationPolicy *policy() const { return m_policy; }
    [[nodiscard]] int unreadCount() const { return m_unread; }
    //! The window was closed: hide to the tray (true) or let the app quit (false).
    bool hideToTray();
    void applySettings(const AppSettings &settings);

private:
    void onMessage(const Client::ChatMessage &message);
    void offer(const Client::ChatMessage &message, const QString &sender);
    void offerWaiting(bool timedOut);
    [[nodiscard]] QString senderName(const Client::ChatMessage &message) const;
    static constexpr int kNameWaitMs = 1000;
    void onNotification(const Client::Notification &notification);
    void updateUnread();
    void setDoNotDisturb(bool on);
    void showWindow();

    Client::ChatClient *const m_client;
    QPointer<MainWindow> m_window;
    Client::NotificationPolicy *m_policy;
    NotificationSound *m_sound;
    std::unique_ptr<QSystemTrayIcon> m_tray;
    std::unique_ptr<QMenu> m_menu;
    QAction *m_dnd = nullptr;
    int m_unread = -1;
    quint64 m_clickTarget = 0;
    QList<Client::ChatMessage> m_waitingForNames;
};

} // namespace Confab::Ui
