#include "app/server.h"
#include "chatclient.h"
#include "conversationlistmodel.h"
#include "localcache.h"
#include "messagelistmodel.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Confab;
using namespace Confab::Client;

//! Groups, receipts, presence and typing through the client core: real server core on
//! 127.0.0.1, real sockets, real SQLite caches.
class TestGroupClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void groupLifecycleReachesEveryCache();
    void joinerStartsAtTheJoinWithoutChasingAGap();
    void readReceiptsClearUnreadEverywhereAndShowToTheSender();
    void presenceAndTyping();
    void groupRequestsOfflineFailAtOnce();
    void ticksCountOnlyCurrentMembersAndJoinersHaveSeenTheirPast();
    void memberAddedBackStartsAtTheRejoin();
    void receiptsAfterALongAbsenceArePacedAndAllArrive();

private:
    void startServer(quint32 burst, quint32 rate);
    std::unique_ptr<ChatClient> signedIn(const QString &name, const QString &device = {});
    static ConversationSummary conversationOf(ChatClient &client, quint64 conversationId);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Server> m_server;
};

void TestGroupClient::initTestCase()
{
    QVERIFY(Auth::initCrypto());
}

void TestGroupClient::init()
{
    startServer(1000, 1000);
}

void TestGroupClient::startServer(quint32 burst, quint32 rate)
{
    m_server.reset();
    m_dir = std::make_unique<QTemporaryDir>();
    ServerConfig config;
    config.port = 0;
    config.dataDir = m_dir->filePath(QStringLiteral("server"));
    config.hashCost = Auth::HashCost::minimum();
    config.limits.rateBurst = burst;
    config.limits.ratePerSecond = rate;
    config.userRatePerSecond = 0; // the per-connection limit is what is under test
    config.presenceGraceMs = 200;
    m_server = std::make_unique<Server>(config);
    QVERIFY(m_server->start());
}

void TestGroupClient::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

std::unique_ptr<ChatClient> TestGroupClient::signedIn(const QString &name, const QString &device)
{
    auto client = std::make_unique<ChatClient>(m_dir->filePath(name + device));
    client->setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_server->port())));
    client->setBackoff(20, 200);
    if (device.isEmpty())
        client->registerAccount(name, QStringLiteral("password123"), name.toUpper());
    else
        client->signIn(name, QStringLiteral("password123"));
    if (!QTest::qWaitFor([&] { return client->state() == ChatClient::State::Online; }, 10'000))
        return nullptr;
    return client;
}

ConversationSummary TestGroupClient::conversationOf(ChatClient &client, quint64 conversationId)
{
    auto conversation = client.cache()->conversation(conversationId);
    return conversation ? conversation.value() : ConversationSummary {};
}

void TestGroupClient::groupLifecycleReachesEveryCache()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    auto carol = signedIn(QStringLiteral("carol"));
    QVERIFY(alice && bob && carol);
    QSignalSpy created(alice.get(), &ChatClient::groupChanged);
    alice->createGroup(QStringLiteral("  Weekend 周末 "),
                       { QStringLiteral("Bob"), QStringLiteral("carol") });
    QTRY_COMPARE(created.size(), 1);
    const quint64 group = created.first().first().toULongLong();
    QVERIFY(group);

    const auto mine = conversationOf(*alice, group);
    QVERIFY(mine.isGroup);
    QCOMPARE(mine.title, QStringLiteral("Weekend 周末"));
    QCOMPARE(mine.members.size(), 3);
    QTRY_COMPARE(conversationOf(*bob, group).members.size(), 3);
    const auto theirs = conversationOf(*bob, group);
    QCOMPARE(theirs.title, mine.title);
    for (const UserInfo &member : theirs.members)
        QCOMPARE(member.role,
                 member.userId == alice->currentUser().userId ? Role::Owner : Role::Member);
    const auto history = bob->cache()->messages(group, 0, 10).value();
    QCOMPARE(history.size(), 1);
    QCOMPARE(history.first().event.kind, GroupEvent::Kind::Created);
    QCOMPARE(theirs.unreadCount, quint64(0)); // a group change is not an unread message

    QVERIFY(alice->sendMessage(group, QStringLiteral("saturday?")).isOk());
    QTRY_COMPARE(carol->cache()->messages(group, 0, 10).value().size(), 2);
    QTRY_COMPARE(conversationOf(*carol, group).unreadCount, quint64(1));

    alice->renameGroup(group, QStringLiteral("Sunday"));
    QTRY_COMPARE(conversationOf(*bob, group).title, QStringLiteral("Sunday"));

    alice->removeMember(group, carol->currentUser().userId);
    QTRY_VERIFY(conversationOf(*carol, group).left);
    QTRY_COMPARE(conversationOf(*bob, group).members.size(), 2);
    QVERIFY(!conversationOf(*bob, group).left);
    // What carol writes now fails with a reason, and stays with her.
    QSignalSpy changed(carol.get(), &ChatClient::messageChanged);
    QVERIFY(carol->sendMessage(group, QStringLiteral("wait")).isOk());
    QTRY_VERIFY(!changed.isEmpty()
                && changed.last().first().value<ChatMessage>().state == MessageState::Failed);

    // Refusals come back as errors with a reason for the user.
    QSignalSpy failed(bob.get(), &ChatClient::groupRequestFailed);
    bob->renameGroup(group, QStringLiteral("mine now"));
    QTRY_COMPARE(failed.size(), 1);
    QCOMPARE(failed.first().first().value<Error>().code, ErrorCode::FORBIDDEN);

    bob->leaveGroup(group);
    QTRY_VERIFY(conversationOf(*bob, group).left);
    QTRY_COMPARE(conversationOf(*alice, group).members.size(), 1);
}

void TestGroupClient::joinerStartsAtTheJoinWithoutChasingAGap()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QSignalSpy created(alice.get(), &ChatClient::groupChanged);
    alice->createGroup(QStringLiteral("team"), { QStringLiteral("bob") });
    QTRY_COMPARE(created.size(), 1);
    const quint64 group = created.first().first().toULongLong();
    for (int i = 0; i < 10; ++i)
        QVERIFY(alice->sendMessage(group, QStringLiteral("before %1").arg(i)).isOk());
    QTRY_VERIFY(alice->cache()->outbox().value().isEmpty());

    auto dave = signedIn(QStringLiteral("dave"));
    QVERIFY(dave);
    alice->addMembers(group, { QStringLiteral("dave") });
    QTRY_COMPARE(conversationOf(*dave, group).members.size(), 3);
    QVERIFY(alice->sendMessage(group, QStringLiteral("welcome")).isOk());
    QTRY_COMPARE(dave->cache()->messages(group, 0, 100).value().size(), 2);
    QCOMPARE(dave->cache()->cursors().value(group), quint64(13)); // created, 10, added, welcome
    QCOMPARE(dave->cache()->gapEnd(group), quint64(0));

    // A fresh device of dave's syncs the same, from the join.
    auto daveLaptop = signedIn(QStringLiteral("dave"), QStringLiteral("-laptop"));
    QVERIFY(daveLaptop);
    QTRY_COMPARE(daveLaptop->cache()->messages(group, 0, 100).value().size(), 2);
    QCOMPARE(conversationOf(*daveLaptop, group).joinedSeq, quint64(11));
    QCOMPARE(daveLaptop->cache()->gapEnd(group), quint64(0));
}

void TestGroupClient::readReceiptsClearUnreadEverywhereAndShowToTheSender()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    auto bobPhone = signedIn(QStringLiteral("bob"), QStringLiteral("-phone"));
    QVERIFY(alice && bob && bobPhone);
    QSignalSpy receipts(alice.get(), &ChatClient::receiptsChanged);
    for (int i = 0; i < 3; ++i)
        QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("m%1").arg(i)).isOk());
    QTRY_COMPARE(bob->cache()->messageCount(), qint64(3));
    const quint64 conversation = bob->cache()->conversations().value().first().conversationId;
    QTRY_COMPARE(conversationOf(*bobPhone, conversation).unreadCount, quint64(3));

    // Delivered comes on its own (coalesced: one update for the three).
    QTRY_VERIFY(!receipts.isEmpty());
    QTRY_VERIFY([&] {
        const auto list = alice->cache()->receipts(conversation).value();
        return list.size() == 1 && list.first().deliveredSeq == 3;
    }());
    QCOMPARE(alice->cache()->receipts(conversation).value().first().readSeq, quint64(0));

    bob->markRead(conversation, 2);
    QCOMPARE(conversationOf(*bob, conversation).unreadCount, quint64(1)); // at once, locally
    QTRY_COMPARE(conversationOf(*bobPhone, conversation).unreadCount, quint64(1)); // his phone too
    QTRY_COMPARE(alice->cache()->receipts(conversation).value().first().readSeq, quint64(2));
    bob->markRead(conversation, 1); // older: nothing moves back
    QTest::qWait(700);
    QCOMPARE(alice->cache()->receipts(conversation).value().first().readSeq, quint64(2));
    QCOMPARE(conversationOf(*bob, conversation).unreadCount, quint64(1));
}

void TestGroupClient::presenceAndTyping()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const quint64 aliceId = alice->currentUser().userId;
    const quint64 bobId = bob->currentUser().userId;
    QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("hi")).isOk());
    QTRY_COMPARE(bob->cache()->messageCount(), qint64(1));
    // They became contacts after signing in: a new session learns of the other at once.
    auto bobAgain = signedIn(QStringLiteral("bob"), QStringLiteral("-2"));
    QVERIFY(bobAgain);
    QTRY_COMPARE(bobAgain->presence(aliceId).state, PresenceState::Online);

    ConversationListModel list(bobAgain.get());
    list.refresh();
    QTRY_COMPARE(list.rowCount(), 1);
    QCOMPARE(list.index(0).data(ConversationListModel::PresenceRole).toInt(),
             int(PresenceState::Online)); // the dot in the list
    QSignalSpy rowChanged(&list, &QAbstractItemModel::dataChanged);
    alice->setAway(true);
    QTRY_COMPARE(bobAgain->presence(aliceId).state, PresenceState::Away);
    QVERIFY(!rowChanged.isEmpty());
    QCOMPARE(list.index(0).data(ConversationListModel::PresenceRole).toInt(),
             int(PresenceState::Away));
    alice->setAway(false);
    QTRY_COMPARE(bobAgain->presence(aliceId).state, PresenceState::Online);

    const quint64 conversation = bob->cache()->conversations().value().first().conversationId;
    QSignalSpy typing(bobAgain.get(), &ChatClient::typingChanged);
    alice->notifyTyping(conversation);
    alice->notifyTyping(conversation); // throttled: one signal per 3 s
    QTRY_COMPARE(bobAgain->typingUsers(conversation), QList<quint64> { aliceId });
    QCOMPARE(alice->typingUsers(conversation), QList<quint64> {});
    // The message that follows ends it.
    QVERIFY(alice->sendMessage(conversation, QStringLiteral("there")).isOk());
    QTRY_COMPARE(bobAgain->typingUsers(conversation), QList<quint64> {});

    alice.reset(); // gone: offline after the grace period, with last-seen
    QTRY_COMPARE(bobAgain->presence(aliceId).state, PresenceState::Offline);
    QVERIFY(bobAgain->presence(aliceId).lastSeenMs > 0);
    QCOMPARE(bobAgain->presence(bobId).state, PresenceState::Offline); // not one's own contact
}

void TestGroupClient::groupRequestsOfflineFailAtOnce()
{
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice);
    alice->disconnectFromServer();
    QSignalSpy failed(alice.get(), &ChatClient::groupRequestFailed);
    alice->createGroup(QStringLiteral("x"), { QStringLiteral("bob") });
    QTRY_COMPARE(failed.size(), 1);
    QCOMPARE(failed.first().first().value<Error>().code, ErrorCode::UNAVAILABLE);
}

void TestGroupClient::ticksCountOnlyCurrentMembersAndJoinersHaveSeenTheirPast()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    auto carol = signedIn(QStringLiteral("carol"));
    auto dave = signedIn(QStringLiteral("dave"));
    QVERIFY(alice && bob && carol && dave);
    dave.reset(); // offline when he is added
    QSignalSpy created(alice.get(), &ChatClient::groupChanged);
    alice->createGroup(QStringLiteral("g"), { QStringLiteral("bob"), QStringLiteral("carol") });
    QTRY_COMPARE(created.size(), 1);
    const quint64 group = created.first().first().toULongLong();
    QVERIFY(alice->sendMessage(group, QStringLiteral("hello")).isOk()); // seq 2
    QTRY_COMPARE(carol->cache()->messages(group, 0, 10).value().size(), 2);
    MessageListModel model(alice.get(), group);
    const QModelIndex hello = model.index(model.rowOfSeq(2));
    auto receipt = [&] {
        return MessageListModel::Receipt(model.data(hello, MessageListModel::ReceiptRole).toInt());
    };
    carol->markRead(group, 2);
    QTRY_COMPARE(model.data(hello, MessageListModel::ReadByRole).toInt(), 1);
    QVERIFY(receipt() != MessageListModel::Receipt::Read); // bob has not read it
    // Carol leaves: her reading no longer speaks for the group; bob still has not read it.
    carol->leaveGroup(group);
    QTRY_COMPARE(conversationOf(*alice, group).members.size(), 2);
    QTest::qWait(200);
    QVERIFY(receipt() != MessageListModel::Receipt::Read);
    bob->markRead(group, 3);
    QTRY_COMPARE(receipt(), MessageListModel::Receipt::Read);
    // Dave joins later, offline: what came before he joined stays read by everyone.
    alice->addMembers(group, { QStringLiteral("dave") });
    QTRY_COMPARE(conversationOf(*alice, group).members.size(), 3);
    QTest::qWait(200);
    QCOMPARE(receipt(), MessageListModel::Receipt::Read);
}

void TestGroupClient::memberAddedBackStartsAtTheRejoin()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QSignalSpy created(alice.get(), &ChatClient::groupChanged);
    alice->createGroup(QStringLiteral("g"), { QStringLiteral("bob") });
    QTRY_COMPARE(created.size(), 1);
    const quint64 group = created.first().first().toULongLong();
    QTRY_COMPARE(bob->cache()->cursors().value(group), quint64(1));
    alice->removeMember(group, bob->currentUser().userId); // seq 2
    QTRY_VERIFY(conversationOf(*bob, group).left);
    for (int i = 0; i < 5; ++i) // seqs 3-7, not his to see
        QVERIFY(alice->sendMessage(group, QStringLiteral("while away %1").arg(i)).isOk());
    QTRY_VERIFY(alice->cache()->outbox().value().isEmpty());
    alice->addMembers(group, { QStringLiteral("bob") }); // seq 8
    QTRY_VERIFY(!conversationOf(*bob, group).left);
    QVERIFY(alice->sendMessage(group, QStringLiteral("welcome back")).isOk()); // seq 9
    QTRY_COMPARE(bob->cache()->messages(group, 0, 100).value().size(), 4); // 1, 2, 8, 9
    QTRY_COMPARE(bob->cache()->cursors().value(group), quint64(9)); // no gap left to chase
    QCOMPARE(bob->cache()->gapEnd(group), quint64(0));
    QCOMPARE(conversationOf(*bob, group).joinedSeq, quint64(7));
    QTRY_VERIFY([&] {
        for (const auto &r : alice->cache()->receipts(group).value())
            if (r.userId == bob->currentUser().userId)
                return r.deliveredSeq == 9;
        return false;
    }());
}

void TestGroupClient::receiptsAfterALongAbsenceArePacedAndAllArrive()
{
    startServer(20, 10); // a strict server: a burst of 60 receipts would be refused
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    alice->disconnectFromServer();
    QTRY_COMPARE(alice->state(), ChatClient::State::Disconnected);
    constexpr int kGroups = 40;
    QSignalSpy created(bob.get(), &ChatClient::groupChanged);
    for (int i = 0; i < kGroups; ++i) {
        bob->createGroup(QStringLiteral("g%1").arg(i), { QStringLiteral("alice") });
        QVERIFY(QTest::qWaitFor([&] { return created.size() == i + 1; }, 5000));
        QTest::qWait(110); // bob too stays under the rate
    }
    QSignalSpy states(alice.get(), &ChatClient::stateChanged);
    QVERIFY(alice->restoreSession());
    const quint64 aliceId = alice->currentUser().userId;
    auto deliveredTo = [&] {
        int groups = 0;
        for (const auto &c : bob->cache()->conversations().value())
            for (const auto &r : c.receipts)
                groups += r.userId == aliceId && r.deliveredSeq >= 1 ? 1 : 0;
        return groups;
    };
    QTRY_COMPARE_WITH_TIMEOUT(deliveredTo(), kGroups, 20'000);
    for (const auto &change : std::as_const(states)) // never thrown off for flooding
        QVERIFY(change.at(0).value<ChatClient::State>() != ChatClient::State::Backoff);
}

QTEST_GUILESS_MAIN(TestGroupClient)
#include "tst_groupclient.moc"
