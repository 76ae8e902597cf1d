#include "app/server.h"
#include "epolltestmain.h"
#include "wireclient.h"

#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>
#include <QUuid>

#include <optional>

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

pb::Envelope change(quint64 conversationId, quint64 messageId, pb::MessageChange::Kind kind,
                    const std::string &text = {})
{
    pb::Envelope e;
    const QByteArray uuid = QUuid::createUuid().toRfc4122();
    auto *c = e.mutable_change_message();
    c->set_client_id(uuid.constData(), size_t(uuid.size()));
    c->set_conversation_id(conversationId);
    c->set_message_id(messageId);
    c->set_kind(kind);
    if (kind == pb::MessageChange::EDITED)
        c->set_text(text);
    else
        c->set_emoji(text);
    return e;
}

pb::Envelope createGroup(const QList<quint64> &members)
{
    pb::Envelope e;
    const QByteArray uuid = QUuid::createUuid().toRfc4122();
    e.mutable_create_group()->set_client_id(uuid.constData(), size_t(uuid.size()));
    e.mutable_create_group()->set_title("team");
    for (quint64 id : members)
        e.mutable_create_group()->add_member_ids(id);
    return e;
}

//! The MessageEvent that carries the entry with this seq, once it comes (nullopt on timeout).
std::optional<pb::MessageEvent> waitForEntry(WireClient &client, quint64 conversationId,
                                             quint64 seq)
{
    std::optional<pb::MessageEvent> found;
    static_cast<void>(QTest::qWaitFor(
        [&] {
            for (const pb::Envelope &e : client.events())
                if (e.has_message_event()
                    && e.message_event().message().conversation_id() == conversationId
                    && e.message_event().message().seq() == seq) {
                    found = e.message_event();
                    return true;
                }
            return false;
        },
        10'000));
    return found;
}

//! Quiet hours an hour either side of now, or starting two hours from now, in Asia/Shanghai.
void setQuietHours(pb::NotificationPrefs *prefs, bool coveringNow)
{
    const QTimeZone zone("Asia/Shanghai");
    const QTime now = QDateTime::currentDateTime().toTimeZone(zone).time();
    const int minute = now.hour() * 60 + now.minute();
    const int start = coveringNow ? minute - 60 : minute + 120;
    prefs->set_quiet_hours(true);
    prefs->set_quiet_start_minute(quint32((start + 1440) % 1440));
    prefs->set_quiet_end_minute(quint32((start + 120 + 1440) % 1440));
    prefs->set_time_zone("Asia/Shanghai");
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
    void priorityTags_data();
    void priorityTags();
    void catchUpCountsWhatWouldHaveNotified();

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

void TestNotifyPrefs::priorityTags_data()
{
    // Bob, with a laptop and a phone, gets a message; the phone's MessageEvent says how it
    // notifies him (PROTOCOL.md §15). `what`: text, mention (of Bob), replyToBob, replyToCarol,
    // ownOtherDevice (Bob's laptop sends), edit, reaction, delete, memberAdded.
    QTest::addColumn<bool>("group");
    QTest::addColumn<QString>("what");
    QTest::addColumn<int>("level"); // Bob's NotifyLevel for the conversation
    QTest::addColumn<int>("mutedMinutes"); // MUTED for this long: > 0 ahead, < 0 over, 0 forever
    QTest::addColumn<bool>("dnd");
    QTest::addColumn<int>("quiet"); // 0: none, 1: quiet hours now, 2: quiet hours later today
    QTest::addColumn<int>("expected");

    const int all = pb::NOTIFY_LEVEL_ALL, mentions = pb::NOTIFY_LEVEL_MENTIONS,
              muted = pb::NOTIFY_LEVEL_MUTED;
    const int high = pb::NOTIFY_PRIORITY_HIGH, normal = pb::NOTIFY_PRIORITY_NORMAL,
              silent = pb::NOTIFY_PRIORITY_SILENT;
    const QString text = QStringLiteral("text"), mention = QStringLiteral("mention");
    // clang-format off
    QTest::newRow("direct message") << false << text << all << 0 << false << 0 << high;
    QTest::newRow("group message") << true << text << all << 0 << false << 0 << normal;
    QTest::newRow("mention in a group") << true << mention << all << 0 << false << 0 << high;
    QTest::newRow("reply to you in a group") << true << "replyToBob" << all << 0 << false << 0 << high;
    QTest::newRow("reply to another in a group") << true << "replyToCarol" << all << 0 << false << 0 << normal;
    QTest::newRow("own, from another device") << false << "ownOtherDevice" << all << 0 << false << 0 << silent;
    QTest::newRow("own in a group, another device") << true << "ownOtherDevice" << all << 0 << false << 0 << silent;
    QTest::newRow("muted for good") << false << text << muted << 0 << false << 0 << silent;
    QTest::newRow("muted for an hour") << true << text << muted << 60 << false << 0 << silent;
    QTest::newRow("muted, mention") << true << mention << muted << 0 << false << 0 << silent;
    QTest::newRow("mute that ended") << true << text << muted << -5 << false << 0 << normal;
    QTest::newRow("mentions only, plain") << true << text << mentions << 0 << false << 0 << silent;
    QTest::newRow("mentions only, mention") << true << mention << mentions << 0 << false << 0 << high;
    QTest::newRow("mentions only, reply to you") << true << "replyToBob" << mentions << 0 << false << 0 << high;
    QTest::newRow("mentions only, direct") << false << text << mentions << 0 << false << 0 << silent;
    QTest::newRow("do not disturb") << false << text << all << 0 << true << 0 << silent;
    QTest::newRow("do not disturb, mention") << true << mention << all << 0 << true << 0 << silent;
    QTest::newRow("quiet hours now") << false << text << all << 0 << false << 1 << silent;
    QTest::newRow("quiet hours later") << false << text << all << 0 << false << 2 << high;
    QTest::newRow("edit") << false << "edit" << all << 0 << false << 0 << silent;
    QTest::newRow("reaction") << false << "reaction" << all << 0 << false << 0 << silent;
    QTest::newRow("delete") << true << "delete" << all << 0 << false << 0 << silent;
    QTest::newRow("member added") << true << "memberAdded" << all << 0 << false << 0 << silent;
    // clang-format on
}

void TestNotifyPrefs::priorityTags()
{
    QFETCH(bool, group);
    QFETCH(QString, what);
    QFETCH(int, level);
    QFETCH(int, mutedMinutes);
    QFETCH(bool, dnd);
    QFETCH(int, quiet);
    QFETCH(int, expected);

    auto alice = client(QStringLiteral("alice"));
    auto laptop = client(QStringLiteral("bob"));
    auto phone = client(QStringLiteral("bob"), false);
    auto carol = client(QStringLiteral("carol"));
    auto dave = client(QStringLiteral("dave"));
    QVERIFY(alice && laptop && phone && carol && dave);

    quint64 conversationId = 0;
    if (group) {
        const auto made = alice->request(createGroup({ laptop->userId(), carol->userId() }));
        QVERIFY2(made.has_group_result(), made.DebugString().c_str());
        conversationId = made.group_result().conversation().conversation_id();
    } else {
        const auto first = alice->request(WireClient::sendTo(QStringLiteral("bob"), "hello"));
        QVERIFY(first.has_message_ack());
        conversationId = first.message_ack().conversation_id();
    }

    pb::NotificationPrefs prefs;
    if (level != pb::NOTIFY_LEVEL_ALL) {
        auto *c = prefs.add_conversations();
        c->set_conversation_id(conversationId);
        c->set_level(pb::NotifyLevel(level));
        if (mutedMinutes != 0)
            c->set_muted_until_ms(QDateTime::currentMSecsSinceEpoch()
                                  + qint64(mutedMinutes) * 60'000);
    }
    prefs.set_do_not_disturb(dnd);
    if (quiet != 0)
        setQuietHours(&prefs, quiet == 1);
    // Set on the laptop: the phone's session follows it.
    QVERIFY(laptop->request(setPrefs(prefs)).has_notification_prefs());

    // What the message answers, reacts to or changes.
    const auto target = (what == QLatin1String("replyToBob")         ? laptop
                             : what == QLatin1String("replyToCarol") ? carol
                                                                     : alice)
                            ->request(WireClient::sendIn(conversationId, "target"));
    QVERIFY(target.has_message_ack());
    const quint64 targetId = target.message_ack().message_id();

    pb::Envelope answer;
    if (what == QLatin1String("text")) {
        answer = alice->request(WireClient::sendIn(conversationId, "news"));
    } else if (what == QLatin1String("mention")) {
        pb::Envelope send = WireClient::sendIn(conversationId, "@bob look");
        send.mutable_send_message()->add_mention_user_ids(laptop->userId());
        answer = alice->request(send);
    } else if (what.startsWith(QLatin1String("replyTo"))) {
        pb::Envelope send = WireClient::sendIn(conversationId, "agreed");
        send.mutable_send_message()->set_reply_to_message_id(targetId);
        answer = alice->request(send);
    } else if (what == QLatin1String("ownOtherDevice")) {
        answer = laptop->request(WireClient::sendIn(conversationId, "from my laptop"));
    } else if (what == QLatin1String("edit")) {
        answer =
            alice->request(change(conversationId, targetId, pb::MessageChange::EDITED, "fixed"));
    } else if (what == QLatin1String("reaction")) {
        answer = alice->request(
            change(conversationId, targetId, pb::MessageChange::REACTION_ADDED, "👍"));
    } else if (what == QLatin1String("delete")) {
        answer = alice->request(change(conversationId, targetId, pb::MessageChange::DELETED));
    } else if (what == QLatin1String("memberAdded")) {
        pb::Envelope add;
        add.mutable_add_members()->set_conversation_id(conversationId);
        add.mutable_add_members()->add_user_ids(dave->userId());
        answer = alice->request(add);
    }
    quint64 seq = 0;
    if (answer.has_message_ack())
        seq = answer.message_ack().seq();
    else if (answer.has_group_result())
        seq = answer.group_result().event().seq();
    QVERIFY2(seq != 0, answer.DebugString().c_str());

    const auto event = waitForEntry(*phone, conversationId, seq);
    QVERIFY(event);
    QCOMPARE(int(event->priority()), expected);
    if (what == QLatin1String("replyToBob"))
        QCOMPARE(event->message().reply_to_sender_id(), laptop->userId());
    // Alice's preferences are her own: never set, so every entry of hers is silent to her other
    // devices and anyone else's follow their own (Carol's group messages stay normal).
    if (group && what == QLatin1String("text")) {
        const auto toCarol = waitForEntry(*carol, conversationId, seq);
        QVERIFY(toCarol);
        QCOMPARE(int(toCarol->priority()), int(pb::NOTIFY_PRIORITY_NORMAL));
    }
}

void TestNotifyPrefs::catchUpCountsWhatWouldHaveNotified()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    auto carol = client(QStringLiteral("carol"));
    QVERIFY(alice && bob && carol);
    const auto made = alice->request(createGroup({ bob->userId(), carol->userId() }));
    QVERIFY(made.has_group_result());
    const quint64 team = made.group_result().conversation().conversation_id();
    const auto noisyMade = alice->request(createGroup({ bob->userId() }));
    QVERIFY(noisyMade.has_group_result());
    const quint64 noisy = noisyMade.group_result().conversation().conversation_id();
    const auto hello = alice->request(WireClient::sendTo(QStringLiteral("bob"), "hello"));
    QVERIFY(hello.has_message_ack());
    const quint64 direct = hello.message_ack().conversation_id();
    // Bob mutes the noisy group, and reads everything so far.
    pb::NotificationPrefs prefs;
    auto *mute = prefs.add_conversations();
    mute->set_conversation_id(noisy);
    mute->set_level(pb::NOTIFY_LEVEL_MUTED);
    QVERIFY(bob->request(setPrefs(prefs)).has_notification_prefs());
    for (quint64 conversation : { team, noisy, direct }) {
        pb::Envelope read;
        read.mutable_update_receipt()->set_conversation_id(conversation);
        read.mutable_update_receipt()->set_read_seq(1000);
        bob->post(read);
    }
    pb::Envelope sync;
    sync.mutable_sync_request();
    const auto before = bob->request(sync);
    QVERIFY(before.has_sync_page());
    QVERIFY2(!before.sync_page().has_catch_up(), before.sync_page().DebugString().c_str());
    // Bob is away. 3 direct messages, 4 in the team (one naming him), 5 in the muted group, 2 of
    // Carol's in the team that he reads on another device, and one that he sends himself.
    QHash<quint64, quint64> cursors;
    for (const pb::Conversation &c : before.sync_page().conversations())
        cursors.insert(c.conversation_id(), c.last_seq());
    bob->close();
    QVERIFY(bob->waitForDisconnected());
    auto phone = client(QStringLiteral("bob"), false);
    QVERIFY(phone);
    for (int i = 0; i < 2; ++i)
        QVERIFY(carol->request(WireClient::sendIn(team, "early")).has_message_ack());
    pb::Envelope readOnPhone;
    readOnPhone.mutable_update_receipt()->set_conversation_id(team);
    readOnPhone.mutable_update_receipt()->set_read_seq(1000);
    phone->post(readOnPhone);
    QVERIFY(phone->request(getPrefs()).has_notification_prefs()); // the receipt is in
    phone->close();
    QVERIFY(phone->waitForDisconnected());
    for (int i = 0; i < 3; ++i)
        QVERIFY(alice->request(WireClient::sendIn(direct, "psst")).has_message_ack());
    for (int i = 0; i < 3; ++i)
        QVERIFY(carol->request(WireClient::sendIn(team, "chatter")).has_message_ack());
    pb::Envelope naming = WireClient::sendIn(team, "@bob?");
    naming.mutable_send_message()->add_mention_user_ids(bob->userId());
    QVERIFY(alice->request(naming).has_message_ack());
    for (int i = 0; i < 5; ++i)
        QVERIFY(alice->request(WireClient::sendIn(noisy, "spam")).has_message_ack());

    // Back, with the cursors the laptop held: the sync says what would have notified, in pages.
    auto back = client(QStringLiteral("bob"), false);
    QVERIFY(back);
    QVERIFY(back->request(WireClient::sendIn(team, "I'm back")).has_message_ack());
    quint32 high = 0, normal = 0;
    QSet<quint64> chats;
    int pages = 0;
    for (bool more = true; more && pages < 20; ++pages) {
        pb::Envelope request;
        request.mutable_sync_request()->set_page_size(4);
        for (auto it = cursors.cbegin(); it != cursors.cend(); ++it) {
            auto *cursor = request.mutable_sync_request()->add_cursors();
            cursor->set_conversation_id(it.key());
            cursor->set_seq(it.value());
        }
        const auto page = back->request(request);
        QVERIFY(page.has_sync_page());
        high += page.sync_page().catch_up().high();
        normal += page.sync_page().catch_up().normal();
        for (quint64 id : page.sync_page().catch_up().conversation_ids())
            chats.insert(id);
        for (const pb::Message &m : page.sync_page().messages())
            cursors[m.conversation_id()] =
                std::max<quint64>(cursors.value(m.conversation_id()), m.seq());
        more = page.sync_page().has_more();
    }
    QVERIFY(pages > 1);
    QCOMPARE(high, 4u); // 3 direct + the mention
    QCOMPARE(normal, 3u); // Carol's chatter after he read on the phone
    QCOMPARE(chats, (QSet<quint64> { direct, team }));
}

CONFAB_EPOLL_TEST_MAIN(TestNotifyPrefs)
#include "tst_notifyprefs.moc"
