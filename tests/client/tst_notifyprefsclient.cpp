#include "app/server.h"
#include "chatclient.h"
#include "localcache.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace Confab;
using namespace Confab::Client;

//! Notification preferences through the client core (PROTOCOL.md §15): two devices of one user
//! against the real server core on 127.0.0.1, with real caches; changes live, offline and across
//! restarts.
class TestNotifyPrefsClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void aChangeOnOneDeviceReachesTheOtherLive();
    void aDeviceThatWasAwayCatchesUp();
    void aChangeMadeOfflineGoesUpOnceOnline();
    void liveMessagesCarryTheirPriorityAndAnAbsenceEndsInOneSummary();

private:
    std::unique_ptr<ChatClient> device(const QString &name, bool registerFirst,
                                       const QString &user = QStringLiteral("alice"));
    std::unique_ptr<ChatClient> restarted(const QString &name);
    static NotificationPrefs sample();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Server> m_server;
    quint16 m_port = 0;
};

void TestNotifyPrefsClient::initTestCase()
{
    QVERIFY(Auth::initCrypto());
}

void TestNotifyPrefsClient::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    m_port = probe.serverPort();
    probe.close();
    ServerConfig config;
    config.port = m_port;
    config.dataDir = m_dir->filePath(QStringLiteral("server"));
    config.hashCost = Auth::HashCost::minimum();
    config.registrationsPerAddressPerHour = 0;
    m_server = std::make_unique<Server>(config);
    QVERIFY(m_server->start());
}

void TestNotifyPrefsClient::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

std::unique_ptr<ChatClient> TestNotifyPrefsClient::device(const QString &name, bool registerFirst,
                                                          const QString &user)
{
    auto client = std::make_unique<ChatClient>(m_dir->filePath(name));
    client->setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_port)));
    client->setBackoff(20, 200);
    if (registerFirst)
        client->registerAccount(user, QStringLiteral("password123"));
    else
        client->signIn(user, QStringLiteral("password123"));
    if (!QTest::qWaitFor([&] { return client->state() == ChatClient::State::Online; }, 10'000))
        return nullptr;
    return client;
}

std::unique_ptr<ChatClient> TestNotifyPrefsClient::restarted(const QString &name)
{
    auto client = std::make_unique<ChatClient>(m_dir->filePath(name));
    client->setBackoff(20, 200);
    if (!client->restoreSession())
        return nullptr;
    return client;
}

NotificationPrefs TestNotifyPrefsClient::sample()
{
    NotificationPrefs prefs;
    prefs.quietHours = true;
    prefs.quietStartMinute = 23 * 60;
    prefs.quietEndMinute = 6 * 60 + 30;
    prefs.timeZone = QStringLiteral("Asia/Shanghai");
    prefs.showPreview = false;
    prefs.conversations.insert(7, { NotifyMode::Muted, 1'900'000'000'000 });
    prefs.conversations.insert(8, { NotifyMode::MentionsOnly, 0 });
    return prefs;
}

namespace {
//! The same preferences, whatever their versions.
bool sameSettings(NotificationPrefs a, NotificationPrefs b)
{
    a.version = b.version = 0;
    return a == b;
}
} // namespace

void TestNotifyPrefsClient::aChangeOnOneDeviceReachesTheOtherLive()
{
    auto laptop = device(QStringLiteral("laptop"), true);
    auto phone = device(QStringLiteral("phone"), false);
    QVERIFY(laptop && phone);
    QSignalSpy here(laptop.get(), &ChatClient::notificationPrefsChanged);
    QSignalSpy there(phone.get(), &ChatClient::notificationPrefsChanged);
    laptop->setNotificationPrefs(sample());
    QCOMPARE(here.size(), 1); // at once, here
    QVERIFY(sameSettings(laptop->notificationPrefs(), sample()));
    QVERIFY(there.wait(5000));
    QVERIFY(sameSettings(phone->notificationPrefs(), sample()));
    QCOMPARE(phone->notificationPrefs().version, 1u);
    QTRY_COMPARE(laptop->notificationPrefs().version, 1u); // the server's answer
    // One conversation from the phone: mentions only becomes muted for an hour.
    const qint64 hourFromNow = QDateTime::currentMSecsSinceEpoch() + 3'600'000;
    phone->setConversationNotify(8, NotifyMode::Muted, hourFromNow);
    QTRY_COMPARE(laptop->notificationPrefs().conversations.value(8).mode, NotifyMode::Muted);
    QCOMPARE(laptop->notificationPrefs().conversations.value(8).mutedUntilMs, hourFromNow);
    QCOMPARE(laptop->notificationPrefs().modeAt(8, hourFromNow - 1), NotifyMode::Muted);
    QCOMPARE(laptop->notificationPrefs().modeAt(8, hourFromNow), NotifyMode::All);
    // Back to all messages: the entry goes.
    laptop->setConversationNotify(8, NotifyMode::All);
    QTRY_VERIFY(!phone->notificationPrefs().conversations.contains(8));
    QCOMPARE(phone->notificationPrefs().conversations.size(), 1);
}

void TestNotifyPrefsClient::aDeviceThatWasAwayCatchesUp()
{
    auto laptop = device(QStringLiteral("laptop"), true);
    QVERIFY(laptop && device(QStringLiteral("phone"), false)); // the phone signs in, then quits
    laptop->setNotificationPrefs(sample());
    NotificationPrefs later = sample();
    later.doNotDisturb = true;
    laptop->setNotificationPrefs(later);
    QTRY_COMPARE(laptop->notificationPrefs().version, 2u);
    auto phone = restarted(QStringLiteral("phone"));
    QVERIFY(phone);
    QSignalSpy changed(phone.get(), &ChatClient::notificationPrefsChanged);
    QVERIFY(changed.wait(10'000)); // after its sync
    QVERIFY(sameSettings(phone->notificationPrefs(), later));
    QVERIFY(phone->notificationPrefs().doNotDisturb);
    // Kept in its cache: the next start has them before the network answers.
    phone.reset();
    auto again = std::make_unique<ChatClient>(m_dir->filePath(QStringLiteral("phone")));
    QVERIFY(again->restoreSession());
    QVERIFY(again->notificationPrefs().doNotDisturb);
}

void TestNotifyPrefsClient::aChangeMadeOfflineGoesUpOnceOnline()
{
    auto laptop = device(QStringLiteral("laptop"), true);
    auto phone = device(QStringLiteral("phone"), false);
    QVERIFY(laptop && phone);
    laptop->disconnectFromServer();
    QTRY_VERIFY(laptop->state() != ChatClient::State::Online);
    laptop->setNotificationPrefs(sample()); // on the train
    QVERIFY(sameSettings(laptop->notificationPrefs(), sample()));
    QTest::qWait(200);
    QVERIFY(phone->notificationPrefs().conversations.isEmpty()); // not yet
    laptop.reset();
    auto back = restarted(QStringLiteral("laptop"));
    QVERIFY(back);
    QVERIFY(sameSettings(back->notificationPrefs(), sample())); // never lost
    QSignalSpy there(phone.get(), &ChatClient::notificationPrefsChanged);
    QVERIFY(there.wait(10'000));
    QVERIFY(sameSettings(phone->notificationPrefs(), sample()));
    QTRY_COMPARE(back->notificationPrefs().version, 1u);
}

void TestNotifyPrefsClient::liveMessagesCarryTheirPriorityAndAnAbsenceEndsInOneSummary()
{
    auto alice = device(QStringLiteral("alice"), true);
    auto bob = device(QStringLiteral("bob"), true, QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QSignalSpy added(bob.get(), &ChatClient::messageAdded);
    QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("hi bob")));
    QTRY_COMPARE_WITH_TIMEOUT(added.size(), 1, 10'000);
    const auto live = added.first().first().value<ChatMessage>();
    QCOMPARE(live.text, QStringLiteral("hi bob"));
    QCOMPARE(live.priority, NotifyPriority::High); // a direct message (PROTOCOL.md §15)
    const quint64 direct = live.conversationId;

    // Bob's laptop is shut; Alice writes three times; it comes back.
    bob.reset();
    for (int i = 0; i < 3; ++i)
        QVERIFY(alice->sendMessage(direct, QStringLiteral("are you there? %1").arg(i)));
    QTRY_VERIFY_WITH_TIMEOUT(alice->cache()->outbox().value().isEmpty(), 10'000);
    auto back = restarted(QStringLiteral("bob"));
    QVERIFY(back);
    QSignalSpy caughtUp(back.get(), &ChatClient::caughtUp);
    QSignalSpy synced(back.get(), &ChatClient::syncFinished);
    QSignalSpy again(back.get(), &ChatClient::messageAdded);
    QVERIFY(synced.wait(10'000));
    QCOMPARE(caughtUp.size(), 1); // one summary, before the sync is reported finished
    const auto summary = caughtUp.first().first().value<CatchUpSummary>();
    QCOMPARE(summary.high, 3);
    QCOMPARE(summary.normal, 0);
    QCOMPARE(summary.conversationIds, QList<quint64> { direct });
    QCOMPARE(again.size(), 3);
    for (const auto &args : std::as_const(again))
        QCOMPARE(args.first().value<ChatMessage>().priority, NotifyPriority::Unset); // not live

    // Nothing new since: the next start sums up nothing.
    back.reset();
    auto quiet = restarted(QStringLiteral("bob"));
    QVERIFY(quiet);
    QSignalSpy none(quiet.get(), &ChatClient::caughtUp);
    QSignalSpy done(quiet.get(), &ChatClient::syncFinished);
    QVERIFY(done.wait(10'000));
    QCOMPARE(none.size(), 0);
}

QTEST_GUILESS_MAIN(TestNotifyPrefsClient)
#include "tst_notifyprefsclient.moc"
