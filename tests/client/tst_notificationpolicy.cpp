#include "notificationpolicy.h"

#include <QSignalSpy>
#include <QTest>
#include <QTimeZone>

Q_DECLARE_METATYPE(Confab::Client::NotifyPriority)

using namespace Confab::Client;

namespace {

ChatMessage from(quint64 sender, quint64 conversation, const QString &text)
{
    ChatMessage m;
    m.senderId = sender;
    m.conversationId = conversation;
    m.text = text;
    m.clientId = QUuid::createUuid();
    return m;
}

} // namespace

class TestNotificationPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void aMessageFromSomeoneElseNotifies();
    void ownMessagesNeverNotify();
    void disabledOrDoNotDisturbSilenceEverything();
    void mutedConversationsNeverNotify();
    void mentionsOnlyNotifiesOnMentions();
    void mentionDetection_data();
    void mentionDetection();
    void theConversationOnScreenDoesNotNotifyWhileTheWindowIsActive();
    void previewsCanBeHidden();
    void aBurstBecomesOneSummary();
    void aBurstInOneChatIsSummarisedForThatChat();
    void aQuietPeriodStartsANewBurst();
    void onlyTheFirstOfABurstMakesASound();
    void quietHoursFollowTheUsersTimeZone_data();
    void quietHoursFollowTheUsersTimeZone();
    void aMuteForAWhileEnds();
    void theServersPriorityDecides_data();
    void theServersPriorityDecides();
    void aCatchUpIsOneSummary();

private:
    qint64 m_now = 1'000'000;
    std::unique_ptr<NotificationPolicy> m_policy;
    std::unique_ptr<QSignalSpy> m_spy;
    Notification last() const { return m_spy->last().first().value<Notification>(); }
};

void TestNotificationPolicy::init()
{
    m_now = 1'000'000;
    m_policy = std::make_unique<NotificationPolicy>(nullptr, [this] { return m_now; });
    m_policy->setOwnUser(1, QStringLiteral("alice"));
    m_policy->setCoalesceWindowMs(3000);
    m_spy = std::make_unique<QSignalSpy>(m_policy.get(), &NotificationPolicy::notify);
}

void TestNotificationPolicy::aMessageFromSomeoneElseNotifies()
{
    QVERIFY(m_policy->offer(from(2, 10, QStringLiteral("hello")), QStringLiteral("Bob")));
    QCOMPARE(m_spy->size(), 1); // at once: no waiting for a burst to end
    QCOMPARE(last().title, QStringLiteral("Bob"));
    QCOMPARE(last().body, QStringLiteral("hello"));
    QCOMPARE(last().conversationId, quint64(10));
}

void TestNotificationPolicy::ownMessagesNeverNotify()
{
    QVERIFY(!m_policy->offer(from(1, 10, QStringLiteral("mine, from my phone")),
                             QStringLiteral("Alice")));
    QCOMPARE(m_spy->size(), 0);
}

void TestNotificationPolicy::disabledOrDoNotDisturbSilenceEverything()
{
    m_policy->setSettings({ false, true, false });
    QVERIFY(!m_policy->offer(from(2, 10, QStringLiteral("x")), QStringLiteral("Bob")));
    m_policy->setSettings({ true, true, true });
    QVERIFY(!m_policy->offer(from(2, 10, QStringLiteral("@alice urgent")), QStringLiteral("Bob")));
    QCOMPARE(m_spy->size(), 0);
    m_policy->setSettings({ true, true, false });
    QVERIFY(m_policy->offer(from(2, 10, QStringLiteral("x")), QStringLiteral("Bob")));
}

void TestNotificationPolicy::mutedConversationsNeverNotify()
{
    m_policy->setMode(10, NotifyMode::Muted);
    QVERIFY(!m_policy->offer(from(2, 10, QStringLiteral("@alice even mentions")),
                             QStringLiteral("Bob")));
    QVERIFY(m_policy->offer(from(3, 11, QStringLiteral("other chat")), QStringLiteral("Carol")));
    QCOMPARE(m_spy->size(), 1);
    m_policy->setMode(10, NotifyMode::All);
    QCOMPARE(m_policy->mode(10), NotifyMode::All);
}

void TestNotificationPolicy::mentionsOnlyNotifiesOnMentions()
{
    m_policy->setMode(10, NotifyMode::MentionsOnly);
    QVERIFY(!m_policy->offer(from(2, 10, QStringLiteral("lunch anyone?")), QStringLiteral("Bob")));
    QVERIFY(m_policy->offer(from(2, 10, QStringLiteral("@Alice lunch?")), QStringLiteral("Bob")));
    QCOMPARE(m_spy->size(), 1);
}

void TestNotificationPolicy::mentionDetection_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("mentioned");
    QTest::newRow("start") << "@alice hi" << true;
    QTest::newRow("middle") << "hi @alice, how are you" << true;
    QTest::newRow("end-punctuation") << "thanks @alice!" << true;
    QTest::newRow("case") << "@ALICE" << true;
    QTest::newRow("chinese-around") << "你好@alice 明天见" << true;
    QTest::newRow("longer-name") << "@alicex hi" << false;
    QTest::newRow("email") << "mail bob@alice.example" << false;
    QTest::newRow("no-at") << "alice is here" << false;
    QTest::newRow("dotted-longer") << "@alice.smith" << false;
}

void TestNotificationPolicy::mentionDetection()
{
    QFETCH(QString, text);
    QFETCH(bool, mentioned);
    QCOMPARE(m_policy->mentions(text), mentioned);
}

void TestNotificationPolicy::theConversationOnScreenDoesNotNotifyWhileTheWindowIsActive()
{
    m_policy->setVisibleConversation(10, true);
    QVERIFY(!m_policy->offer(from(2, 10, QStringLiteral("seen already")), QStringLiteral("Bob")));
    QVERIFY(m_policy->offer(from(3, 11, QStringLiteral("another chat")), QStringLiteral("Carol")));
    m_now += 10'000;
    m_policy->flush();
    m_policy->setVisibleConversation(10, false); // the window lost the focus
    QVERIFY(m_policy->offer(from(2, 10, QStringLiteral("now it notifies")), QStringLiteral("Bob")));
    QCOMPARE(m_spy->size(), 2);
}

void TestNotificationPolicy::previewsCanBeHidden()
{
    m_policy->setSettings({ true, false, false });
    QVERIFY(m_policy->offer(from(2, 10, QStringLiteral("secret plans")), QStringLiteral("Bob")));
    QCOMPARE(last().title, QStringLiteral("Bob"));
    QVERIFY(!last().body.contains(QStringLiteral("secret")));
}

void TestNotificationPolicy::aBurstBecomesOneSummary()
{
    QVERIFY(m_policy->offer(from(2, 10, QStringLiteral("1")), QStringLiteral("Bob")));
    for (int i = 0; i < 4; ++i) {
        m_now += 200;
        QVERIFY(m_policy->offer(from(3 + i % 3, 11 + i % 3, QString::number(i)),
                                QStringLiteral("Someone")));
    }
    QCOMPARE(m_spy->size(), 1); // only the first, so far
    m_now += 3000;
    m_policy->flush();
    QCOMPARE(m_spy->size(), 2);
    QCOMPARE(last().messages, 4);
    QCOMPARE(last().conversations, 3);
    QCOMPARE(last().conversationId, quint64(0));
    QVERIFY2(last().body.contains(QStringLiteral("4")) && last().body.contains(QStringLiteral("3")),
             qPrintable(last().body));
}

void TestNotificationPolicy::aBurstInOneChatIsSummarisedForThatChat()
{
    QVERIFY(m_policy->offer(from(2, 10, QStringLiteral("a")), QStringLiteral("Bob")));
    for (int i = 0; i < 5; ++i)
        QVERIFY(m_policy->offer(from(2, 10, QStringLiteral("more")), QStringLiteral("Bob")));
    m_now += 3000;
    m_policy->flush();
    QCOMPARE(m_spy->size(), 2);
    QCOMPARE(last().conversationId, quint64(10)); // a click opens that chat
    QCOMPARE(last().messages, 5);
    QCOMPARE(last().title, QStringLiteral("Bob"));
}

void TestNotificationPolicy::aQuietPeriodStartsANewBurst()
{
    QVERIFY(m_policy->offer(from(2, 10, QStringLiteral("a")), QStringLiteral("Bob")));
    m_now += 3000;
    m_policy->flush(); // nothing pending: the window just closes
    QCOMPARE(m_spy->size(), 1);
    m_now += 100;
    QVERIFY(m_policy->offer(from(2, 10, QStringLiteral("b")), QStringLiteral("Bob")));
    QCOMPARE(m_spy->size(), 2); // at once again
    QCOMPARE(last().body, QStringLiteral("b"));
}

void TestNotificationPolicy::onlyTheFirstOfABurstMakesASound()
{
    QVERIFY(m_policy->offer(from(2, 10, QStringLiteral("one")), QStringLiteral("Bob")));
    QVERIFY(last().sound);
    for (int i = 0; i < 5; ++i)
        QVERIFY(m_policy->offer(from(3, 11, QStringLiteral("more")), QStringLiteral("Carol")));
    m_now += 3000;
    m_policy->flush();
    QCOMPARE(m_spy->size(), 2);
    QCOMPARE(last().messages, 5);
    QVERIFY(!last().sound); // the summary is silent: one sound a burst

    // Later, a new burst sounds again, unless sound is off.
    m_now += 10'000;
    m_policy->flush();
    QVERIFY(m_policy->offer(from(2, 10, QStringLiteral("again")), QStringLiteral("Bob")));
    QVERIFY(last().sound);
    auto settings = m_policy->settings();
    settings.sound = false;
    m_policy->setSettings(settings);
    m_now += 10'000;
    m_policy->flush();
    QVERIFY(m_policy->offer(from(2, 10, QStringLiteral("quietly")), QStringLiteral("Bob")));
    QCOMPARE(last().body, QStringLiteral("quietly"));
    QVERIFY(!last().sound);
}

void TestNotificationPolicy::quietHoursFollowTheUsersTimeZone_data()
{
    QTest::addColumn<QString>("zone");
    QTest::addColumn<int>("start");
    QTest::addColumn<int>("end");
    QTest::addColumn<bool>("dnd");
    QTest::addColumn<QString>("utc"); // the moment, as UTC
    QTest::addColumn<bool>("quiet");
    const QString shanghai = QStringLiteral("Asia/Shanghai"); // UTC+8, no summer time
    const QString berlin = QStringLiteral("Europe/Berlin"); // UTC+1 in winter, +2 in summer
    QTest::newRow("night, before midnight") << shanghai << 23 * 60 << 6 * 60 + 30 << false
                                            << QStringLiteral("2026-11-24T15:30:00") << true;
    QTest::newRow("night, after midnight") << shanghai << 23 * 60 << 6 * 60 + 30 << false
                                           << QStringLiteral("2026-11-24T22:00:00") << true;
    QTest::newRow("night, at its end") << shanghai << 23 * 60 << 6 * 60 + 30 << false
                                       << QStringLiteral("2026-11-24T22:30:00") << false;
    QTest::newRow("night, in the day") << shanghai << 23 * 60 << 6 * 60 + 30 << false
                                       << QStringLiteral("2026-11-24T10:00:00") << false;
    QTest::newRow("day, winter") << berlin << 9 * 60 << 17 * 60 << false
                                 << QStringLiteral("2026-01-15T08:30:00") << true;
    QTest::newRow("day, summer") << berlin << 9 * 60 << 17 * 60 << false
                                 << QStringLiteral("2026-07-15T07:30:00") << true;
    QTest::newRow("day, summer, before")
        << berlin << 9 * 60 << 17 * 60 << false << QStringLiteral("2026-07-15T06:30:00") << false;
    QTest::newRow("no zone is UTC")
        << QString() << 9 * 60 << 17 * 60 << false << QStringLiteral("2026-07-15T09:00:00") << true;
    QTest::newRow("an empty window")
        << berlin << 600 << 600 << false << QStringLiteral("2026-07-15T08:00:00") << false;
    QTest::newRow("do not disturb")
        << berlin << 0 << 0 << true << QStringLiteral("2026-07-15T08:00:00") << true;
}

void TestNotificationPolicy::quietHoursFollowTheUsersTimeZone()
{
    QFETCH(QString, zone);
    QFETCH(int, start);
    QFETCH(int, end);
    QFETCH(bool, dnd);
    QFETCH(QString, utc);
    QFETCH(bool, quiet);
    NotificationPrefs prefs;
    prefs.doNotDisturb = dnd;
    prefs.quietHours = start != 0 || end != 0;
    prefs.quietStartMinute = start;
    prefs.quietEndMinute = end;
    prefs.timeZone = zone;
    QDateTime moment = QDateTime::fromString(utc, Qt::ISODate);
    moment.setTimeZone(QTimeZone::utc());
    QCOMPARE(prefs.quietAt(moment.toMSecsSinceEpoch()), quiet);
}

void TestNotificationPolicy::aMuteForAWhileEnds()
{
    NotificationPrefs prefs;
    prefs.conversations.insert(1, { NotifyMode::Muted, 5000 });
    prefs.conversations.insert(2, { NotifyMode::Muted, 0 });
    prefs.conversations.insert(3, { NotifyMode::MentionsOnly, 0 });
    QCOMPARE(prefs.modeAt(1, 4999), NotifyMode::Muted);
    QCOMPARE(prefs.modeAt(1, 5000), NotifyMode::All);
    QCOMPARE(prefs.modeAt(2, std::numeric_limits<qint64>::max()), NotifyMode::Muted); // forever
    QCOMPARE(prefs.modeAt(3, 0), NotifyMode::MentionsOnly);
    QCOMPARE(prefs.modeAt(4, 0), NotifyMode::All);
}

void TestNotificationPolicy::theServersPriorityDecides_data()
{
    // What the device holds says the chat is muted and it is quiet hours: an old server's
    // messages (Unset) follow that; a 1.4 server's priority overrides it, since the server
    // applied the user's newest preferences (PROTOCOL.md §15).
    QTest::addColumn<NotifyPriority>("priority");
    QTest::addColumn<bool>("heldPrefsSilence");
    QTest::addColumn<bool>("notifies");
    QTest::addColumn<bool>("sound");
    QTest::newRow("high") << NotifyPriority::High << true << true << true;
    QTest::newRow("normal: quietly") << NotifyPriority::Normal << true << true << false;
    QTest::newRow("silent") << NotifyPriority::Silent << false << false << false;
    QTest::newRow("unset, prefs allow") << NotifyPriority::Unset << false << true << true;
    QTest::newRow("unset, prefs silence") << NotifyPriority::Unset << true << false << false;
}

void TestNotificationPolicy::theServersPriorityDecides()
{
    QFETCH(NotifyPriority, priority);
    QFETCH(bool, heldPrefsSilence);
    QFETCH(bool, notifies);
    QFETCH(bool, sound);
    if (heldPrefsSilence)
        m_policy->setMode(7, NotifyMode::Muted);
    ChatMessage message = from(2, 7, QStringLiteral("hi"));
    message.priority = priority;
    QCOMPARE(m_policy->offer(message, QStringLiteral("Bob")), notifies);
    QCOMPARE(m_spy->size(), notifies ? 1 : 0);
    if (notifies) {
        QCOMPARE(last().body, QStringLiteral("hi"));
        QCOMPARE(last().sound, sound);
    }
    // This device's own switches still win over any priority.
    m_now += 10'000;
    NotificationSettings off = m_policy->settings();
    off.doNotDisturb = true;
    m_policy->setSettings(off);
    message.priority = NotifyPriority::High;
    QVERIFY(!m_policy->offer(message, QStringLiteral("Bob")));
}

void TestNotificationPolicy::aCatchUpIsOneSummary()
{
    m_policy->setChatNames([](quint64 id) { return id == 7 ? QStringLiteral("Team") : QString(); });
    QVERIFY(!m_policy->catchUp({}));
    QCOMPARE(m_spy->size(), 0);

    // Many chats: one summary for all, with sound when any of it was high priority.
    QVERIFY(m_policy->catchUp({ 4, 30, { 7, 8, 9, 10, 11 } }));
    QCOMPARE(m_spy->size(), 1);
    QCOMPARE(last().body, QStringLiteral("34 new messages in 5 chats"));
    QCOMPARE(last().conversationId, 0u);
    QCOMPARE(last().messages, 34);
    QCOMPARE(last().conversations, 5);
    QVERIFY(last().sound);

    // One chat: named, and a click opens it; group messages only: quietly.
    QVERIFY(m_policy->catchUp({ 0, 3, { 7 } }));
    QCOMPARE(last().title, QStringLiteral("Team"));
    QCOMPARE(last().body, QStringLiteral("3 new messages"));
    QCOMPARE(last().conversationId, 7u);
    QVERIFY(!last().sound);

    // This device's do not disturb holds it back.
    NotificationSettings quiet = m_policy->settings();
    quiet.doNotDisturb = true;
    m_policy->setSettings(quiet);
    QVERIFY(!m_policy->catchUp({ 1, 0, { 7 } }));
    QCOMPARE(m_spy->size(), 2);
}

QTEST_GUILESS_MAIN(TestNotificationPolicy)
#include "tst_notificationpolicy.moc"
