#include "app/server.h"
#include "chatclient.h"
#include "localcache.h"
#include "mainwindow.h"
#include "privatesettings.h"
#include "settings.h"
#include "settingsdialog.h"
#include "traycontroller.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QMenu>
#include <QPushButton>
#include <QScopeGuard>
#include <QSettings>
#include <QSignalSpy>
#include <QSystemTrayIcon>
#include <QTemporaryDir>
#include <QTest>

using namespace Confab;
using Client::ChatClient;

//! The tray against a real server core. Offscreen there is no tray: the fallback is checked.
//! tests/ui/tray.sh runs the same test under Xvfb with a real X11 tray (trayer) and
//! CONFAB_EXPECT_TRAY=1, where the icon must appear.
class TestTrayController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void trayOrFallback();
    void liveMessageFromSomeoneElseNotifies();
    void comingBackShowsOneSummary();
    void settingsApplyAtOnceAndPersist();
    void aNotificationPlaysTheSoundUnlessItIsOff();

private:
    std::unique_ptr<ChatClient> signedIn(const QString &name);
    PrivateSettings m_settings;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Server> m_server;
};

void TestTrayController::initTestCase()
{
    QVERIFY(m_settings.isValid());
    QVERIFY(Auth::initCrypto());
    QCoreApplication::setOrganizationName(QStringLiteral("ConfabTrayTests"));
}

void TestTrayController::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    ServerConfig config;
    config.port = 0;
    config.dataDir = m_dir->filePath(QStringLiteral("server"));
    config.hashCost = Auth::HashCost::minimum();
    m_server = std::make_unique<Server>(config);
    QVERIFY(m_server->start());
}

void TestTrayController::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

std::unique_ptr<ChatClient> TestTrayController::signedIn(const QString &name)
{
    auto client = std::make_unique<ChatClient>(m_dir->filePath(name));
    client->setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_server->port())));
    client->registerAccount(name, QStringLiteral("password123"), name.toUpper());
    if (!QTest::qWaitFor([&] { return client->state() == ChatClient::State::Online; }, 10'000))
        return nullptr;
    return client;
}

void TestTrayController::trayOrFallback()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    Ui::MainWindow window(alice.get());
    Ui::TrayController tray(alice.get(), &window);
    window.show();
    const bool expectTray = qEnvironmentVariableIntValue("CONFAB_EXPECT_TRAY") == 1;
    if (expectTray)
        QTRY_VERIFY_WITH_TIMEOUT(QSystemTrayIcon::isSystemTrayAvailable(), 10'000);
    if (!QSystemTrayIcon::isSystemTrayAvailable()) {
        QVERIFY(!expectTray);
        QVERIFY(!tray.isAvailable());
        QVERIFY(
            !tray.hideToTray()); // closing the window will quit: nothing is lost in a hidden window
        return;
    }
    QVERIFY(tray.isAvailable());
    QTRY_VERIFY(tray.trayIcon()->isVisible());
    QVERIFY(tray.trayIcon()->contextMenu());
    QCOMPARE(tray.trayIcon()->contextMenu()->actions().size(), 4); // Show, DND, separator, Quit
    QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), QStringLiteral("ping")).isOk());
    QTRY_COMPARE(tray.unreadCount(), 1);
    QVERIFY(tray.trayIcon()->toolTip().contains(QStringLiteral("1")));
    // Read on alice's phone: the badge here goes (read cursors reach every device).
    auto phone = std::make_unique<ChatClient>(m_dir->filePath(QStringLiteral("alice-phone")));
    phone->setServerUrl(alice->serverUrl());
    phone->setBackoff(20, 200);
    phone->signIn(QStringLiteral("alice"), QStringLiteral("password123"));
    QTRY_COMPARE(phone->state(), ChatClient::State::Online);
    Client::ConversationSummary chat;
    QTRY_VERIFY([&] {
        const auto list = phone->cache()->conversations().value();
        if (list.isEmpty() || list.first().lastSeq == 0)
            return false;
        chat = list.first();
        return true;
    }());
    phone->markRead(chat.conversationId, chat.lastSeq);
    QTRY_COMPARE(tray.unreadCount(), 0);
    QVERIFY(tray.hideToTray());
}

void TestTrayController::liveMessageFromSomeoneElseNotifies()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    Ui::MainWindow window(alice.get());
    Ui::TrayController tray(alice.get(), &window);
    QSignalSpy notified(tray.policy(), &Client::NotificationPolicy::notify);
    QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), QStringLiteral("are you there?")).isOk());
    QTRY_COMPARE(notified.size(), 1);
    const auto notification = notified.first().first().value<Client::Notification>();
    QCOMPARE(notification.title, QStringLiteral("BOB"));
    QCOMPARE(notification.body, QStringLiteral("are you there?"));
    QVERIFY(notification.conversationId != 0);

    // Muted from the conversation list: silence.
    window.setNotifyMode(notification.conversationId, int(Client::NotifyMode::Muted));
    QCOMPARE(tray.policy()->mode(notification.conversationId), Client::NotifyMode::Muted);
    QVERIFY(bob->sendMessage(notification.conversationId, QStringLiteral("hello??")).isOk());
    QTRY_COMPARE(alice->cache()->messages(notification.conversationId, 0, 10).value().size(), 2);
    QCOMPARE(notified.size(), 1);

    // Back on, then quiet hours set on another device of alice's (all day, here): silence too.
    window.setNotifyMode(notification.conversationId, int(Client::NotifyMode::All));
    QVERIFY(bob->sendMessage(notification.conversationId, QStringLiteral("now?")).isOk());
    QTRY_COMPARE(notified.size(), 2);
    Client::NotificationPrefs quiet = alice->notificationPrefs();
    quiet.quietHours = true;
    quiet.quietStartMinute = 0;
    quiet.quietEndMinute = 24 * 60 - 1; // all day but the last minute
    quiet.timeZone = QStringLiteral("UTC");
    if (QTime::currentTime().hour() == 23 && QTime::currentTime().minute() == 59)
        quiet.quietEndMinute = 23 * 60; // not the minute we are in
    auto phone = std::make_unique<ChatClient>(m_dir->filePath(QStringLiteral("alice-phone")));
    phone->setServerUrl(alice->serverUrl());
    phone->setBackoff(20, 200);
    phone->signIn(QStringLiteral("alice"), QStringLiteral("password123"));
    QTRY_COMPARE(phone->state(), ChatClient::State::Online);
    phone->setNotificationPrefs(quiet);
    QTRY_VERIFY(tray.policy()->prefs().quietHours);
    QVERIFY(bob->sendMessage(notification.conversationId, QStringLiteral("hello???")).isOk());
    QTRY_COMPARE(alice->cache()->messages(notification.conversationId, 0, 10).value().size(), 4);
    QTest::qWait(100);
    QCOMPARE(notified.size(), 2);
}

void TestTrayController::comingBackShowsOneSummary()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    Ui::MainWindow window(alice.get());
    Ui::TrayController tray(alice.get(), &window);
    QSignalSpy notified(tray.policy(), &Client::NotificationPolicy::notify);
    QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), QStringLiteral("hi")).isOk());
    QTRY_COMPARE(notified.size(), 1);
    const quint64 chat = notified.first().first().value<Client::Notification>().conversationId;

    // Alice's laptop is away while Bob writes three times; back, it says so once.
    alice->disconnectFromServer();
    QTRY_COMPARE(alice->state(), ChatClient::State::Disconnected);
    for (int i = 0; i < 3; ++i)
        QVERIFY(bob->sendMessage(chat, QStringLiteral("news %1").arg(i)).isOk());
    QTRY_VERIFY(bob->cache()->outbox().value().isEmpty());
    QVERIFY(alice->restoreSession());
    QTRY_COMPARE(alice->state(), ChatClient::State::Online);
    QTRY_COMPARE(notified.size(), 2);
    QTest::qWait(200);
    QCOMPARE(notified.size(), 2); // one, not three
    const auto summary = notified.last().first().value<Client::Notification>();
    QCOMPARE(summary.title, QStringLiteral("BOB"));
    QCOMPARE(summary.body, Client::NotificationPolicy::tr("%n new messages", nullptr, 3));
    QCOMPARE(summary.conversationId, chat); // a click opens the chat
    QVERIFY(summary.sound); // direct messages: high priority

    // With Confab in front, the chat list says it: no summary.
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    alice->disconnectFromServer();
    QTRY_COMPARE(alice->state(), ChatClient::State::Disconnected);
    QVERIFY(bob->sendMessage(chat, QStringLiteral("more news")).isOk());
    QTRY_VERIFY(bob->cache()->outbox().value().isEmpty());
    QSignalSpy caughtUp(alice.get(), &ChatClient::caughtUp);
    QVERIFY(alice->restoreSession());
    QTRY_COMPARE(caughtUp.size(), 1); // there was something to sum up
    QTest::qWait(200);
    QCOMPARE(notified.size(), 2);
}

void TestTrayController::settingsApplyAtOnceAndPersist()
{
    QSettings().clear();
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    Ui::MainWindow window(alice.get());
    Ui::TrayController tray(alice.get(), &window);
    QVERIFY(!tray.policy()->prefs().doNotDisturb);
    QSignalSpy notified(tray.policy(), &Client::NotificationPolicy::notify);
    QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), QStringLiteral("before")).isOk());
    QTRY_COMPARE(notified.size(), 1); // notifications work; the chat and its names are known now

    // As MainWindow::openSettings() wires it.
    Ui::SettingsDialog dialog(&window, {}, alice->notificationPrefs());
    connect(&dialog, &Ui::SettingsDialog::applied, &window, &Ui::MainWindow::settingsApplied);
    connect(&dialog, &Ui::SettingsDialog::notificationPrefsChosen, alice.get(),
            &ChatClient::setNotificationPrefs);
    dialog.doNotDisturbBox()->setChecked(true);
    dialog.themeBox()->setCurrentIndex(
        dialog.themeBox()->findData(int(Ui::AppSettings::Theme::Dark)));
    dialog.languageBox()->setCurrentIndex(dialog.languageBox()->findData(QStringLiteral("zh_CN")));
    auto *buttons = dialog.findChild<QDialogButtonBox *>();
    QVERIFY(buttons);
    QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);

    QVERIFY(tray.policy()->prefs().doNotDisturb); // live
    QVERIFY(alice->notificationPrefs().doNotDisturb); // the user's: on its way to every device
    QTRY_VERIFY(alice->notificationPrefs().version > 0); // the server has it
    QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 80); // dark now
    const Ui::AppSettings saved = Ui::AppSettings::load();
    QVERIFY(!saved.doNotDisturb); // not this computer's any more
    QCOMPARE(saved.theme, Ui::AppSettings::Theme::Dark);
    QCOMPARE(saved.language, QStringLiteral("zh_CN"));
    QCOMPARE(saved.locale().name(), QStringLiteral("zh_CN"));

    QSignalSpy added(alice.get(), &ChatClient::messageAdded);
    QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), QStringLiteral("shh")).isOk());
    QTRY_COMPARE(added.size(), 1); // offered synchronously on arrival (names known)...
    QCOMPARE(notified.size(), 1); // ...and silenced by do not disturb
    Ui::applyTheme(Ui::AppSettings::Theme::System);
    QSettings().clear();
}

void TestTrayController::aNotificationPlaysTheSoundUnlessItIsOff()
{
    // A stand-in player that records what it was asked to play.
    QTemporaryDir scratch;
    const QString played = scratch.filePath(QStringLiteral("played"));
    const QString script = scratch.filePath(QStringLiteral("player.sh"));
    QFile player(script);
    QVERIFY(player.open(QIODevice::WriteOnly));
    player.write("#!/bin/sh\nhead -c 4 \"$1\" >> \"$(dirname \"$0\")/played\"\n");
    player.close();
    QVERIFY(player.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    qputenv("CONFAB_SOUND_PLAYER", script.toLocal8Bit());
    const auto restore = qScopeGuard([] { qunsetenv("CONFAB_SOUND_PLAYER"); });
    const auto playedBytes = [&played] {
        QFile file(played);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    };

    Ui::AppSettings settings = Ui::AppSettings::load();
    settings.sound = true;
    settings.doNotDisturb = false;
    QVERIFY(settings.save());
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    Ui::MainWindow window(alice.get());
    Ui::TrayController tray(alice.get(), &window);
    tray.policy()->setCoalesceWindowMs(0); // every message its own burst
    QSignalSpy notified(tray.policy(), &Client::NotificationPolicy::notify);
    QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), QStringLiteral("ding")).isOk());
    QTRY_COMPARE(notified.size(), 1);
    QTRY_COMPARE(playedBytes(), QByteArray("RIFF")); // the bundled WAV reached the player

    // Sound off in the settings: the notification comes, silently.
    settings.sound = false;
    Q_EMIT window.settingsApplied(settings);
    QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), QStringLiteral("quiet")).isOk());
    QTRY_COMPARE(notified.size(), 2);
    QTest::qWait(300); // time enough for a player to have run
    QCOMPARE(playedBytes(), QByteArray("RIFF"));
}

QTEST_MAIN(TestTrayController)
#include "tst_traycontroller.moc"
