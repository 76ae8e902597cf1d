#include "traycontroller.h"

#include "appicon.h"
#include "chatclient.h"
#include "conversationlistmodel.h"
#include "localcache.h"
#include "mainwindow.h"
#include "notificationsound.h"
#include "settings.h"

#include <QAction>
#include <QApplication>
#include <QMenu>
#include <QPainter>
#include <QSettings>
#include <QTimer>

namespace Confab::Ui {

using Client::ChatClient;
using Client::ConversationListModel;

TrayController::TrayController(ChatClient *client, MainWindow *window, QObject *parent)
    : QObject(parent), m_client(client), m_window(window),
      m_policy(new Client::NotificationPolicy(this)), m_sound(new NotificationSound(this))
{
    AppSettings settings = AppSettings::load();
    if (settings.doNotDisturb || !settings.showPreview) {
        // Kept on this computer before the server kept them (protocol 1.4): they go up once.
        Client::NotificationPrefs prefs = client->notificationPrefs();
        prefs.doNotDisturb = prefs.doNotDisturb || settings.doNotDisturb;
        prefs.showPreview = prefs.showPreview && settings.showPreview;
        client->setNotificationPrefs(prefs);
        settings.doNotDisturb = false;
        settings.showPreview = true;
        static_cast<void>(settings.save());
    }
    applySettings(settings);
    connect(window, &MainWindow::settingsApplied, this, &TrayController::applySettings);
    m_policy->setOwnUser(client->currentUser().userId, client->currentUser().username);
    connect(client, &ChatClient::authenticated, this, [this](const Client::UserInfo &user) {
        m_policy->setOwnUser(user.userId, user.username);
    });
    connect(client, &ChatClient::messageAdded, this, &TrayController::onMessage);
    // Back after being away: one summary of what the sync brought (PROTOCOL.md §15).
    // Not while the user is looking at Confab: the chat list shows it already.
    connect(client, &ChatClient::caughtUp, this, [this](const Client::CatchUpSummary &summary) {
        if (!(m_window && m_window->isVisible() && m_window->isActiveWindow()))
            m_policy->catchUp(summary);
    });
    m_policy->setChatNames([this](quint64 conversationId) {
        const auto *model = m_window->conversationModel();
        for (int row = 0; row < model->rowCount(); ++row) {
            const QModelIndex index = model->index(row);
            if (index.data(ConversationListModel::ConversationIdRole).toULongLong()
                == conversationId)
                return index.data(ConversationListModel::TitleRole).toString();
        }
        return QString();
    });
    connect(client, &ChatClient::conversationsChanged, this, [this] { offerWaiting(false); });
    connect(m_policy, &Client::NotificationPolicy::notify, this, &TrayController::onNotification);
    connect(window, &MainWindow::notifyModeChanged, this,
            [this] { m_policy->setPrefs(m_client->notificationPrefs()); });
    // Per-chat modes, quiet hours and previews as the user set them on any device.
    m_policy->setPrefs(client->notificationPrefs());
    connect(client, &ChatClient::notificationPrefsChanged, this,
            [this](const Client::NotificationPrefs &prefs) {
                m_policy->setPrefs(prefs);
                if (m_dnd) {
                    const QSignalBlocker blocker(m_dnd);
                    m_dnd->setChecked(prefs.doNotDisturb);
                }
            });

    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return; // no tray on this desktop: closing the window quits, nothing is shown here
    m_tray = std::make_unique<QSystemTrayIcon>(applicationIcon());
    m_menu = std::make_unique<QMenu>();
    QAction *show = m_menu->addAction(tr("Show Confab"));
    connect(show, &QAction::triggered, this, &TrayController::showWindow);
    m_dnd = m_menu->addAction(tr("Do not disturb"));
    m_dnd->setCheckable(true);
    m_dnd->setChecked(client->notificationPrefs().doNotDisturb);
    connect(m_dnd, &QAction::toggled, this, &TrayController::setDoNotDisturb);
    m_menu->addSeparator();
    QAction *quit = m_menu->addAction(tr("Quit"));
    connect(quit, &QAction::triggered, qApp, &QApplication::quit);
    m_tray->setContextMenu(m_menu.get());
    connect(m_tray.get(), &QSystemTrayIcon::activated, this,
            [this](QSystemTrayIcon::ActivationReason reason) {
                if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick) {
                    if (m_window && m_window->isVisible() && m_window->isActiveWindow())
                        m_window->hide();
                    else
                        showWindow();
                }
            });
    connect(m_tray.get(), &QSystemTrayIcon::messageClicked, this, [this] {
        showWindow();
        if (m_clickTarget && m_window)
            m_window->openConversation(m_clickTarget);
    });
    auto *model = window->conversationModel();
    connect(model, &QAbstractItemModel::dataChanged, this, &TrayController::updateUnread);
    connect(model, &QAbstractItemModel::rowsInserted, this, &TrayController::updateUnread);
    connect(model, &QAbstractItemModel::rowsRemoved, this, &TrayController::updateUnread);
    connect(model, &QAbstractItemModel::modelReset, this, &TrayController::updateUnread);
    updateUnread();
    m_tray->show();
}

TrayController::~TrayController() = default;

QString TrayController::senderName(const Client::ChatMessage &message) const
{
    if (auto conversation = m_client->cache()->conversation(message.conversationId)) {
        for (const auto &member : conversation.value().members)
            if (member.userId == message.senderId)
                return member.displayName.isEmpty() ? member.username : member.displayName;
    }
    return {};
}

void TrayController::onMessage(const Client::ChatMessage &message)
{
    // Live messages only: what a sync brings after a long absence is not a flood of alerts.
    if (m_client->state() != ChatClient::State::Online
        || message.state != Client::MessageState::Sent
        || message.senderId == m_client->currentUser().userId)
        return;
    if (senderName(message).isEmpty()) {
        // A new conversation: its members are on their way; wait for them, briefly.
        m_waitingForNames.append(message);
        QTimer::singleShot(kNameWaitMs, this, [this] { offerWaiting(true); });
        return;
    }
    offer(message, senderName(message));
}

void TrayController::offerWaiting(bool timedOut)
{
    const QList<Client::ChatMessage> waiting = std::exchange(m_waitingForNames, {});
    for (const auto &message : waiting) {
        const QString name = senderName(message);
        if (name.isEmpty() && !timedOut)
            m_waitingForNames.append(message);
        else
            offer(message, name.isEmpty() ? tr("New message") : name);
    }
}

void TrayController::offer(const Client::ChatMessage &message, const QString &sender)
{
    const bool active = m_window && m_window->isVisible() && m_window->isActiveWindow();
    m_policy->setVisibleConversation(m_window ? m_window->currentConversation() : 0, active);
    m_policy->offer(message, sender);
}

void TrayController::onNotification(const Client::Notification &notification)
{
    m_clickTarget = notification.conversationId;
    if (notification.sound)
        m_sound->play();
    if (m_tray)
        m_tray->showMessage(notification.title, notification.body, applicationIcon(), 6000);
    else if (m_window)
        QApplication::alert(m_window); // no tray: the taskbar entry asks for attention instead
}

void TrayController::updateUnread()
{
    int unread = 0;
    const auto *model = m_window->conversationModel();
    for (int row = 0; row < model->rowCount(); ++row)
        unread += model->index(row).data(ConversationListModel::UnreadCountRole).toInt();
    if (unread == m_unread)
        return;
    m_unread = unread;
    QPixmap pixmap = applicationIcon().pixmap(64, 64);
    if (unread > 0) {
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        const QRect badge(26, 26, 38, 38);
        painter.setPen(Qt::NoPen);
        painter.setBrush(QColor(0xdc, 0x26, 0x26));
        painter.drawEllipse(badge);
        QFont font = painter.font();
        font.setPixelSize(unread > 99 ? 16 : 22);
        font.setBold(true);
        painter.setFont(font);
        painter.setPen(Qt::white);
        painter.drawText(badge, Qt::AlignCenter,
                         unread > 99 ? QStringLiteral("99+") : QString::number(unread));
    }
    m_tray->setIcon(QIcon(pixmap));
    m_tray->setToolTip(unread > 0 ? tr("Confab — %n unread", nullptr, unread) : tr("Confab"));
}

void TrayController::setDoNotDisturb(bool on)
{
    // On every device of the user (PROTOCOL.md §15).
    Client::NotificationPrefs prefs = m_client->notificationPrefs();
    prefs.doNotDisturb = on;
    m_client->setNotificationPrefs(prefs);
}

void TrayController::applySettings(const AppSettings &settings)
{
    // This computer's own: notifications at all, and the sound. Do not disturb and previews
    // are the user's, synced (setPrefs).
    m_policy->setSettings({ settings.notifications, true, false, settings.sound });
}

void TrayController::showWindow()
{
    if (!m_window)
        return;
    m_window->showNormal();
    m_window->raise();
    m_window->activateWindow();
}

bool TrayController::hideToTray()
{
    if (!m_tray)
        return false;
    QSettings settings;
    if (!settings.value(QStringLiteral("tray/told"), false).toBool()) {
        m_tray->showMessage(tr("Confab is still running"),
                            tr("New messages will show up here. Quit from this icon's menu."),
                            applicationIcon(), 8000);
        settings.setValue(QStringLiteral("tray/told"), true);
    }
    return true;
}

} // namespace Confab::Ui
