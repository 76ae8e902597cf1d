#include "app/server.h"
#include "chatclient.h"
#include "conversationlistmodel.h"
#include "localcache.h"
#include "messagelistmodel.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QLoggingCategory>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>

using namespace Confab;
using namespace Confab::Client;

namespace {

//! HistoryRequests the client cores in this process sent (each logs one line when it does).
std::atomic<int> g_historyRequests { 0 };
QtMessageHandler g_previousHandler = nullptr;

void countHistoryRequests(QtMsgType type, const QMessageLogContext &context, const QString &text)
{
    if (type == QtDebugMsg && qstrcmp(context.category, "confab.client.sync") == 0) {
        if (text.startsWith(QLatin1String("history request:")))
            ++g_historyRequests;
        return; // the sync log is chatty: counted, not printed
    }
    g_previousHandler(type, context, text);
}

} // namespace

//! Retention (PROTOCOL.md §17) through the client core: a real server core on 127.0.0.1 that
//! deletes entries a few seconds old, real sockets, real SQLite caches, the real view models.
class TestRetentionClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void purgedHistoryLeavesEveryCacheAndViewAndIsNoGap();
    void retentionSetInADirectChatReachesTheOtherMember();
    void onlyAGroupsOwnerAndAdminsSetIt();
    void anOfflineDeviceForgetsOnTimeOnItsOwn();

private:
    void startServer(qint64 retentionMs, quint32 minRetentionDays = 1);
    std::unique_ptr<ChatClient> signedIn(const QString &name, const QString &device = {});
    static quint64 directChat(ChatClient &client);
    static QList<quint64> seqsOf(ChatClient &client, quint64 conversationId);
    static QList<quint64> seqsOf(const MessageListModel &model);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Server> m_server;
};

void TestRetentionClient::initTestCase()
{
    QVERIFY(Auth::initCrypto());
    QLoggingCategory::setFilterRules(QStringLiteral("confab.client.sync.debug=true"));
    g_previousHandler = qInstallMessageHandler(countHistoryRequests);
}

void TestRetentionClient::cleanupTestCase()
{
    qInstallMessageHandler(g_previousHandler);
}

void TestRetentionClient::startServer(qint64 retentionMs, quint32 minRetentionDays)
{
    m_server.reset();
    m_dir = std::make_unique<QTemporaryDir>();
    ServerConfig config;
    config.port = 0;
    config.dataDir = m_dir->filePath(QStringLiteral("server"));
    config.hashCost = Auth::HashCost::minimum();
    config.limits.rateBurst = 1000;
    config.limits.ratePerSecond = 1000;
    config.userRatePerSecond = 0;
    config.retentionMs = retentionMs;
    config.retentionIntervalMs = 200;
    config.limits.minRetentionDays = minRetentionDays;
    m_server = std::make_unique<Server>(config);
    QVERIFY(m_server->start());
}

void TestRetentionClient::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

std::unique_ptr<ChatClient> TestRetentionClient::signedIn(const QString &name,
                                                          const QString &device)
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

quint64 TestRetentionClient::directChat(ChatClient &client)
{
    static_cast<void>(
        QTest::qWaitFor([&] { return !client.cache()->conversations().value().isEmpty(); }, 5000));
    const auto all = client.cache()->conversations().value();
    return all.isEmpty() ? 0 : all.first().conversationId;
}

QList<quint64> TestRetentionClient::seqsOf(ChatClient &client, quint64 conversationId)
{
    QList<quint64> seqs;
    for (const ChatMessage &m : client.cache()->messages(conversationId, 0, 100).value())
        seqs.append(m.seq);
    return seqs;
}

QList<quint64> TestRetentionClient::seqsOf(const MessageListModel &model)
{
    QList<quint64> seqs;
    for (int row = 0; row < model.rowCount(); ++row)
        seqs.append(model.messageAt(row).seq);
    return seqs;
}

void TestRetentionClient::purgedHistoryLeavesEveryCacheAndViewAndIsNoGap()
{
    // The server deletes what is older than 4 s, looking five times a second.
    startServer(4000);
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QCOMPARE(bob->limits().retentionDays, 1u); // announced in whole days, rounded up
    for (int i = 1; i <= 3; ++i)
        QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("old %1").arg(i)));
    const quint64 chat = directChat(*bob);
    QVERIFY(chat);
    QTRY_COMPARE(seqsOf(*bob, chat), (QList<quint64> { 1, 2, 3 }));
    QTRY_COMPARE(seqsOf(*alice, chat), (QList<quint64> { 1, 2, 3 }));

    MessageListModel bobView(bob.get(), chat);
    MessageListModel aliceView(alice.get(), chat);
    ConversationListModel bobList(bob.get());
    QAbstractItemModelTester bobTester(&bobView,
                                       QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester aliceTester(&aliceView,
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester listTester(&bobList,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy removed(&bobView, &QAbstractItemModel::rowsRemoved);
    QSignalSpy resets(&bobView, &QAbstractItemModel::modelReset);
    QCOMPARE(bobView.rowCount(), 3);

    // Retention counts time: the next messages go once these are half-way to their end, so
    // that the server deletes these and keeps those.
    const qint64 oldSentMs = bob->cache()->messages(chat, 0, 10).value().last().timeMs;
    QTRY_VERIFY_WITH_TIMEOUT(QDateTime::currentMSecsSinceEpoch() - oldSentMs > 2000, 5000);
    QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("new 4")));
    QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("new 5")));
    QTRY_COMPARE(bobView.rowCount(), 5);

    QSignalSpy purged(bob.get(), &ChatClient::historyPurged);
    QTRY_COMPARE_WITH_TIMEOUT(bob->cache()->conversation(chat).value().purgedSeq, quint64(3),
                              10'000);
    QVERIFY(!purged.isEmpty());
    QCOMPARE(purged.first().at(0).toULongLong(), chat);
    QCOMPARE(purged.first().at(1).toULongLong(), quint64(3));
    // Both ends: gone from the cache (search included) and from the views, the rest stays.
    QTRY_COMPARE(bob->cache()->messageCount(), qint64(2));
    QCOMPARE(seqsOf(*bob, chat), (QList<quint64> { 4, 5 }));
    QCOMPARE(seqsOf(bobView), (QList<quint64> { 4, 5 }));
    QVERIFY(bob->search(QStringLiteral("old")).value().isEmpty());
    QCOMPARE(bob->search(QStringLiteral("new")).value().size(), 2);
    QCOMPARE(removed.size(), 1); // one block, no reset
    QCOMPARE(resets.size(), 0);
    QTRY_COMPARE(seqsOf(*alice, chat), (QList<quint64> { 4, 5 }));
    QTRY_COMPARE(seqsOf(aliceView), (QList<quint64> { 4, 5 }));
    QCOMPARE(bob->cache()->cursors().value(chat), quint64(5));
    QCOMPARE(bob->cache()->gapEnd(chat), quint64(0));
    QCOMPARE(bobList.rowCount(), 1);
    QCOMPARE(bobList.data(bobList.index(0), ConversationListModel::LastTextRole).toString(),
             QStringLiteral("new 5"));
    QCOMPARE(bobList.data(bobList.index(0), ConversationListModel::UnreadCountRole).toULongLong(),
             quint64(2));
    QVERIFY(!bobView.canLoadOlder()); // nothing before 4 any more

    // A device that signs in now syncs from after the deleted start: its cursor is there, and
    // it asks for nothing before.
    g_historyRequests = 0;
    auto laptop = signedIn(QStringLiteral("bob"), QStringLiteral("-laptop"));
    QVERIFY(laptop);
    QVERIFY(laptop->cache()->conversation(chat).value().purgedSeq >= 3);
    QVERIFY(laptop->cache()->cursors().value(chat) >= 5);
    QCOMPARE(laptop->cache()->gapEnd(chat), quint64(0));

    // Live messages are no reason to ask for the missing start, on any device.
    for (quint64 seq = 6; seq <= 8; ++seq) {
        QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("live %1").arg(seq)));
        QTRY_VERIFY(seqsOf(*laptop, chat).endsWith(seq));
        QTRY_VERIFY(seqsOf(*bob, chat).endsWith(seq));
    }
    QCOMPARE(laptop->cache()->gapEnd(chat), quint64(0));
    // Nor is scrolling up: history ends after what was deleted, without asking the server.
    QSignalSpy loaded(laptop.get(), &ChatClient::historyLoaded);
    laptop->fetchOlder(chat);
    QTRY_COMPARE(loaded.size(), 1);
    QCOMPARE(loaded.first().at(2).toBool(), false);
    QCOMPARE(g_historyRequests.load(), 0);
}

void TestRetentionClient::retentionSetInADirectChatReachesTheOtherMember()
{
    startServer(0, 3);
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QCOMPARE(alice->limits().minRetentionDays, 3u);
    QCOMPARE(alice->serverRetentionDays(), 0);
    QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("hi")));
    const quint64 chat = directChat(*bob);
    QVERIFY(chat);
    QTRY_VERIFY(alice->cache()->conversation(chat).isOk());
    MessageListModel bobView(bob.get(), chat);
    MessageListModel aliceView(alice.get(), chat);
    QAbstractItemModelTester tester(&bobView,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE(bobView.rowCount(), 1);

    // Either member of a direct chat may set it.
    QString reason;
    QVERIFY2(alice->canSetRetention(chat, &reason), qPrintable(reason));
    QVERIFY2(bob->canSetRetention(chat, &reason), qPrintable(reason));
    QCOMPARE(alice->retentionLimitDays(chat), 0);
    QSignalSpy changed(alice.get(), &ChatClient::groupChanged);
    alice->setRetention(chat, 7);
    QTRY_COMPARE(changed.size(), 1);
    QCOMPARE(changed.first().first().toULongLong(), chat);
    QCOMPARE(alice->cache()->conversation(chat).value().retentionDays, 7);
    QTRY_COMPARE(bob->cache()->conversation(chat).value().retentionDays, 7);
    QCOMPARE(bob->retentionLimitDays(chat), 7);
    // The change is a notice in the chat, in words, for both.
    QTRY_COMPARE(bobView.rowCount(), 2);
    const ChatMessage notice = bobView.messageAt(1);
    QCOMPARE(notice.event.kind, GroupEvent::Kind::RetentionSet);
    QCOMPARE(notice.event.retentionDays, 7);
    QCOMPARE(notice.senderId, alice->currentUser().userId);
    QCOMPARE(bobView.data(bobView.index(1), MessageListModel::EventTextRole).toString(),
             QStringLiteral("ALICE set messages to disappear after 1 week(s)"));
    QTRY_COMPARE(aliceView.rowCount(), 2);
    QCOMPARE(aliceView.data(aliceView.index(1), MessageListModel::EventTextRole).toString(),
             QStringLiteral("You set messages to disappear after 1 week(s)"));
    QCOMPARE(bob->cache()->conversation(chat).value().unreadCount, quint64(1)); // "hi" only

    // Outside what the server allows: refused, nothing changes.
    QSignalSpy failed(bob.get(), &ChatClient::groupRequestFailed);
    bob->setRetention(chat, 2);
    QTRY_COMPARE(failed.size(), 1);
    QCOMPARE(failed.first().first().value<Error>().code, ErrorCode::INVALID_ARGUMENT);
    QVERIFY(!failed.first().first().value<Error>().message.isEmpty());
    QCOMPARE(bob->cache()->conversation(chat).value().retentionDays, 7);

    // The other member turns it off.
    bob->setRetention(chat, 0);
    QTRY_COMPARE(alice->cache()->conversation(chat).value().retentionDays, 0);
    QTRY_COMPARE(aliceView.rowCount(), 3);
    QCOMPARE(aliceView.data(aliceView.index(2), MessageListModel::EventTextRole).toString(),
             QStringLiteral("BOB turned off disappearing messages"));
    QCOMPARE(alice->retentionLimitDays(chat), 0);
}

void TestRetentionClient::onlyAGroupsOwnerAndAdminsSetIt()
{
    startServer(0);
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    auto carol = signedIn(QStringLiteral("carol"));
    QVERIFY(alice && bob && carol);
    QSignalSpy created(alice.get(), &ChatClient::groupChanged);
    alice->createGroup(QStringLiteral("team"), { QStringLiteral("bob"), QStringLiteral("carol") });
    QTRY_COMPARE(created.size(), 1);
    const quint64 group = created.first().first().toULongLong();
    QTRY_COMPARE(bob->cache()->conversation(group).value().members.size(), 3);

    // A plain member: told why beforehand, and refused by the server all the same.
    QString reason;
    QVERIFY(!bob->canSetRetention(group, &reason));
    QVERIFY(!reason.isEmpty());
    QSignalSpy failed(bob.get(), &ChatClient::groupRequestFailed);
    bob->setRetention(group, 30);
    QTRY_COMPARE(failed.size(), 1);
    QCOMPARE(failed.first().first().value<Error>().code, ErrorCode::FORBIDDEN);
    QCOMPARE(alice->cache()->conversation(group).value().retentionDays, 0);

    // The owner may; everyone hears of it.
    QVERIFY(alice->canSetRetention(group));
    alice->setRetention(group, 30);
    QTRY_COMPARE(bob->cache()->conversation(group).value().retentionDays, 30);
    QTRY_COMPARE(carol->cache()->conversation(group).value().retentionDays, 30);
    QTRY_VERIFY(carol->cache()->messages(group, 0, 10).value().last().event.kind
                == GroupEvent::Kind::RetentionSet);

    // An admin may.
    alice->setRole(group, bob->currentUser().userId, Role::Admin);
    QTRY_VERIFY(bob->canSetRetention(group));
    QSignalSpy done(bob.get(), &ChatClient::groupChanged);
    bob->setRetention(group, 90);
    QTRY_COMPARE(done.size(), 1);
    QTRY_COMPARE(carol->cache()->conversation(group).value().retentionDays, 90);

    // A member who left may not.
    carol->leaveGroup(group);
    QTRY_VERIFY(carol->cache()->conversation(group).value().left);
    QVERIFY(!carol->canSetRetention(group, &reason));
    QSignalSpy refused(carol.get(), &ChatClient::groupRequestFailed);
    carol->setRetention(group, 1);
    QTRY_COMPARE(refused.size(), 1);
    QCOMPARE(refused.first().first().value<Error>().code, ErrorCode::FORBIDDEN);
}

void TestRetentionClient::anOfflineDeviceForgetsOnTimeOnItsOwn()
{
    constexpr qint64 kDayMs = 24 * 3600 * 1000;
    startServer(30 * kDayMs);
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QCOMPARE(bob->serverRetentionDays(), 30);
    for (int i = 1; i <= 3; ++i)
        QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("m%1").arg(i)));
    const quint64 chat = directChat(*bob);
    QTRY_COMPARE(seqsOf(*bob, chat), (QList<quint64> { 1, 2, 3 }));
    QCOMPARE(bob->retentionLimitDays(chat), 30);
    const QString cachePath = bob->cache()->path();
    bob.reset();
    m_server.reset(); // and the server is out of reach from now on

    // Time passes for the first two: as if they had been sent 40 days ago.
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("age"));
        db.setDatabaseName(cachePath);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("UPDATE messages SET time_ms = time_ms - %1 WHERE "
                                          "seq <= 2")
                               .arg(40 * kDayMs)));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("age"));

    // The app starts offline: it forgets them by itself, with the limit it remembered.
    bob = std::make_unique<ChatClient>(m_dir->filePath(QStringLiteral("bob")));
    QSignalSpy purged(bob.get(), &ChatClient::historyPurged);
    QVERIFY(bob->restoreSession());
    QVERIFY(bob->state() != ChatClient::State::Online);
    QTRY_COMPARE(purged.size(), 1);
    QCOMPARE(purged.first().at(1).toULongLong(), quint64(2));
    QTRY_COMPARE(bob->cache()->messageCount(), qint64(1));
    QCOMPARE(seqsOf(*bob, chat), QList<quint64> { 3 });
    QCOMPARE(bob->cache()->gapEnd(chat), quint64(0));
    QVERIFY(bob->search(QStringLiteral("m1")).value().isEmpty());
}

QTEST_GUILESS_MAIN(TestRetentionClient)
#include "tst_retentionclient.moc"
