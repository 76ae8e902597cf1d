#include "app/server.h"
#include "epolltestmain.h"
#include "wireclient.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Confab;

namespace {

pb::Envelope getPrefs()
{
    pb::Envelope e;
    e.mutable_get_notification_prefs();
    return e;
}

pb::Envelope setPrefs(const pb::NotificationPrefs &prefs)
{
    pb::Envelope e;
    *e.mutable_set_notification_prefs()->mutable_prefs() = prefs;
    return e;
}

pb::NotificationPrefs sample()
{
    pb::NotificationPrefs p;
    p.set_quiet_hours(true);
    p.set_quiet_start_minute(22 * 60);
    p.set_quiet_end_minute(7 * 60);
    p.set_time_zone("Europe/Berlin");
    p.set_hide_preview(true);
    auto *muted = p.add_conversations();
    muted->set_conversation_id(5);
    muted->set_level(pb::NOTIFY_LEVEL_MUTED);
    muted->set_muted_until_ms(1'900'000'000'000);
    auto *mentions = p.add_conversations();
    mentions->set_conversation_id(9);
    mentions->set_level(pb::NOTIFY_LEVEL_MENTIONS);
    return p;
}

//! The preferences without the server's version, to compare what was set with what came back.
std::string withoutVersion(pb::NotificationPrefs p)
{
    p.clear_version();
    return p.SerializeAsString();
}

} // namespace

//! Notification preferences (PROTOCOL.md §15) against a real server core on 127.0.0.1 over real
//! WebSockets: kept per user, versioned, pushed to the user's other devices and no one else's.
class TestNotifyPrefs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void prefsAreKeptPerUserAndSurviveARestart();
    void aChangeReachesTheUsersOtherDevicesOnly();
    void badPrefsAreRefused();

private:
    void startServer();
    std::unique_ptr<WireClient> client(const QString &name, bool registerFirst = true);

    std::unique_ptr<QTemporaryDir> m_dir;
    ServerConfig m_config;
    std::unique_ptr<Server> m_server;
};

void TestNotifyPrefs::initTestCase()
{
    QVERIFY(Auth::initCrypto());
}

void TestNotifyPrefs::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_config = ServerConfig();
    m_config.port = 0;
    m_config.dataDir = m_dir->path();
    m_config.hashCost = Auth::HashCost::minimum();
    m_config.registrationsPerAddressPerHour = 0;
    m_config.networkThreads = qEnvironmentVariableIntValue("CONFAB_TEST_NETWORK_THREADS");
    startServer();
}

void TestNotifyPrefs::startServer()
{
    m_server.reset();
    m_server = std::make_unique<Server>(m_config);
    auto started = m_server->start();
    QVERIFY2(started.isOk(), started.isOk() ? "" : qPrintable(started.error().message));
}

void TestNotifyPrefs::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

std::unique_ptr<WireClient> TestNotifyPrefs::client(const QString &name, bool registerFirst)
{
    auto c = std::make_unique<WireClient>();
    if (!c->connectAs(m_server->port(), name, registerFirst))
        return nullptr;
    return c;
}

void TestNotifyPrefs::prefsAreKeptPerUserAndSurviveARestart()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    // Never set: the defaults, version 0.
    const auto none = alice->request(getPrefs());
    QVERIFY(none.has_notification_prefs());
    QCOMPARE(none.notification_prefs().version(), 0u);
    QCOMPARE(none.notification_prefs().conversations_size(), 0);

    const auto first = alice->request(setPrefs(sample()));
    QVERIFY(first.has_notification_prefs());
    QCOMPARE(first.notification_prefs().version(), 1u);
    QCOMPARE(withoutVersion(first.notification_prefs()), withoutVersion(sample()));
    pb::NotificationPrefs changed = sample();
    changed.set_do_not_disturb(true);
    changed.set_version(999); // ignored: the server counts
    const auto second = alice->request(setPrefs(changed));
    QCOMPARE(second.notification_prefs().version(), 2u);
    QVERIFY(second.notification_prefs().do_not_disturb());
    // Bob's are his own.
    QCOMPARE(bob->request(getPrefs()).notification_prefs().version(), 0u);

    alice.reset();
    bob.reset();
    startServer(); // kept in the database
    auto again = client(QStringLiteral("alice"), false);
    QVERIFY(again);
    const auto kept = again->request(getPrefs()).notification_prefs();
    QCOMPARE(kept.version(), 2u);
    QVERIFY(kept.do_not_disturb());
    QCOMPARE(kept.time_zone(), std::string("Europe/Berlin"));
    QCOMPARE(kept.conversations_size(), 2);
}

void TestNotifyPrefs::aChangeReachesTheUsersOtherDevicesOnly()
{
    auto laptop = client(QStringLiteral("alice"));
    auto phone = client(QStringLiteral("alice"), false);
    auto bob = client(QStringLiteral("bob"));
    QVERIFY(laptop && phone && bob);
    const qsizetype phoneEvents = phone->events().size();
    const qsizetype bobEvents = bob->events().size();
    const qsizetype laptopEvents = laptop->events().size();
    const auto stored = laptop->request(setPrefs(sample()));
    QVERIFY(stored.has_notification_prefs());
    // The phone hears of it at once, as stored (with its version).
    QVERIFY(phone->waitForEvents(int(phoneEvents) + 1));
    const pb::Envelope pushed = phone->events().last();
    QVERIFY(pushed.has_notification_prefs());
    QCOMPARE(pushed.request_id(), 0u);
    QCOMPARE(pushed.notification_prefs().version(), 1u);
    QCOMPARE(withoutVersion(pushed.notification_prefs()), withoutVersion(sample()));
    // Neither the device that made the change (it has the answer) nor anyone else.
    QTest::qWait(200);
    for (qsizetype i = laptopEvents; i < laptop->events().size(); ++i)
        QVERIFY(!laptop->events().at(i).has_notification_prefs());
    for (qsizetype i = bobEvents; i < bob->events().size(); ++i)
        QVERIFY(!bob->events().at(i).has_notification_prefs());
}

void TestNotifyPrefs::badPrefsAreRefused()
{
    auto alice = client(QStringLiteral("alice"));
    QVERIFY(alice);
    pb::NotificationPrefs nowhere = sample();
    nowhere.set_time_zone("Mars/Olympus_Mons");
    const auto refused = alice->request(setPrefs(nowhere));
    QVERIFY(refused.has_error());
    QCOMPARE(refused.error().code(), pb::INVALID_ARGUMENT);
    pb::NotificationPrefs sneaky = sample();
    sneaky.set_time_zone("../../../etc/passwd"); // never looked up as a path
    QCOMPARE(alice->request(setPrefs(sneaky)).error().code(), pb::INVALID_ARGUMENT);
    pb::NotificationPrefs late = sample();
    late.set_quiet_end_minute(24 * 60);
    QCOMPARE(alice->request(setPrefs(late)).error().code(), pb::INVALID_ARGUMENT);
    // Nothing of these was kept.
    QCOMPARE(alice->request(getPrefs()).notification_prefs().version(), 0u);
    // What a Debian machine calls itself (in no zone table, yet valid) is fine.
    pb::NotificationPrefs utc = sample();
    utc.set_time_zone("Etc/UTC");
    QCOMPARE(alice->request(setPrefs(utc)).notification_prefs().version(), 1u);
    // Before signing in, like any request: UNAUTHENTICATED.
    WireClient stranger;
    QVERIFY(stranger.open(m_server->port()));
    QVERIFY(stranger.hello().has_welcome());
    QCOMPARE(stranger.request(getPrefs()).error().code(), pb::UNAUTHENTICATED);
}

CONFAB_EPOLL_TEST_MAIN(TestNotifyPrefs)
#include "tst_notifyprefs.moc"
