#include "app/server.h"
#include "chatclient.h"
#include "conversationlistmodel.h"
#include "localcache.h"
#include "messagelistmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Confab;
using namespace Confab::Client;

//! The view models over a real client core and server: incremental updates only, checked by
//! QAbstractItemModelTester on every change.
class TestModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void conversationListInsertsMovesAndUpdatesRows();
    void messageListInsertsAndUpdatesRows();
    void messageListShowsFailuresAndRemovals();
    void messageListFetchesOlderFromCacheThenServer();
    void olderHistoryCanBeAskedForAgainAfterAConnectionDrop();

private:
    std::unique_ptr<ChatClient> signedIn(const QString &name);
    quint64 waitForConversation(ChatClient &client);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Server> m_server;
};

void TestModels::initTestCase()
{
    QVERIFY(Auth::initCrypto());
}

void TestModels::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    ServerConfig config;
    config.port = 0;
    config.dataDir = m_dir->filePath(QStringLiteral("server"));
    config.hashCost = Auth::HashCost::minimum();
    config.limits.ratePerSecond = 1000;
    config.userRatePerSecond = 0; // per account: TestServer::accountRateLimitSpansDevices
    config.limits.rateBurst = 1000;
    m_server = std::make_unique<Server>(config);
    QVERIFY(m_server->start());
}

void TestModels::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

std::unique_ptr<ChatClient> TestModels::signedIn(const QString &name)
{
    auto client = std::make_unique<ChatClient>(m_dir->filePath(name));
    client->setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_server->port())));
    client->registerAccount(name, QStringLiteral("password123"), name.toUpper());
    if (!QTest::qWaitFor([&] { return client->state() == ChatClient::State::Online; }, 10'000))
        return nullptr;
    return client;
}

quint64 TestModels::waitForConversation(ChatClient &client)
{
    static_cast<void>(
        QTest::qWaitFor([&] { return !client.cache()->conversations().value().isEmpty(); }, 5000));
    const auto all = client.cache()->conversations().value();
    return all.isEmpty() ? 0 : all.first().conversationId;
}

void TestModels::conversationListInsertsMovesAndUpdatesRows()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    auto carol = signedIn(QStringLiteral("carol"));
    QVERIFY(alice && bob && carol);

    ConversationListModel model(bob.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QCOMPARE(model.rowCount(), 0);

    QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("from alice")).isOk());
    QTRY_COMPARE(model.rowCount(), 1);
    QCOMPARE(inserted.size(), 1);
    QTRY_COMPARE(model.data(model.index(0), ConversationListModel::TitleRole).toString(),
                 QStringLiteral("ALICE"));
    QCOMPARE(model.data(model.index(0), ConversationListModel::LastTextRole).toString(),
             QStringLiteral("from alice"));
    QCOMPARE(model.data(model.index(0), ConversationListModel::UnreadCountRole).toULongLong(),
             quint64(1));

    QVERIFY(carol->sendMessageTo(QStringLiteral("bob"), QStringLiteral("from carol")).isOk());
    QTRY_COMPARE(model.rowCount(), 2);
    QTRY_COMPARE(model.data(model.index(0), ConversationListModel::TitleRole).toString(),
                 QStringLiteral("CAROL"));

    QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("alice again")).isOk());
    QTRY_COMPARE(model.data(model.index(0), ConversationListModel::LastTextRole).toString(),
                 QStringLiteral("alice again"));
    QCOMPARE(model.data(model.index(0), ConversationListModel::PeerUsernameRole).toString(),
             QStringLiteral("alice"));
    QVERIFY(moved.size() >= 1); // alice's row moved back to the top
    QVERIFY(changed.size() >= 1);
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(resets.size(), 0);
}

void TestModels::messageListInsertsAndUpdatesRows()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("first")).isOk());
    const quint64 conversation = waitForConversation(*alice);
    QVERIFY(conversation);
    QTRY_VERIFY(alice->cache()->outbox().value().isEmpty());

    MessageListModel model(alice.get(), conversation);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QCOMPARE(model.rowCount(), 1);

    QVERIFY(alice->sendMessage(conversation, QStringLiteral("second")).isOk());
    QCOMPARE(model.rowCount(), 2); // shown at once, before any network round trip
    QCOMPARE(model.data(model.index(1), MessageListModel::StateRole).toInt(),
             int(MessageState::Sending));
    QVERIFY(model.data(model.index(1), MessageListModel::IsOwnRole).toBool());
    QTRY_COMPARE(model.data(model.index(1), MessageListModel::StateRole).toInt(),
                 int(MessageState::Sent));
    QCOMPARE(model.data(model.index(1), MessageListModel::SeqRole).toULongLong(), quint64(2));
    QVERIFY(changed.size() >= 1);

    QVERIFY(bob->sendMessage(conversation, QStringLiteral("reply")).isOk());
    QTRY_COMPARE(model.rowCount(), 3);
    QCOMPARE(model.data(model.index(2), MessageListModel::TextRole).toString(),
             QStringLiteral("reply"));
    QVERIFY(!model.data(model.index(2), MessageListModel::IsOwnRole).toBool());
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(resets.size(), 0);
}

void TestModels::messageListShowsFailuresAndRemovals()
{
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice && signedIn(QStringLiteral("bob")));
    QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("hi")).isOk());
    const quint64 conversation = waitForConversation(*alice);
    MessageListModel model(alice.get(), conversation);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    // Too long for the server: the row turns Failed with the reason, then the user deletes it.
    const QString tooLong(int(Limits().maxTextBytes) + 1, u'x');
    const auto pending = alice->sendMessage(conversation, tooLong).value();
    QTRY_COMPARE(model.data(model.index(model.rowCount() - 1), MessageListModel::StateRole).toInt(),
                 int(MessageState::Failed));
    QVERIFY(!model.data(model.index(model.rowCount() - 1), MessageListModel::ErrorRole)
                 .toString()
                 .isEmpty());
    QVERIFY(alice->discard(pending.clientId).isOk());
    QCOMPARE(removed.size(), 1);
    QCOMPARE(model.rowCount(), 1);
}

void TestModels::messageListFetchesOlderFromCacheThenServer()
{
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice && signedIn(QStringLiteral("bob")));
    for (int i = 1; i <= 130; ++i)
        QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QString::number(i)).isOk());
    QTRY_VERIFY_WITH_TIMEOUT(alice->cache()->outbox().value().isEmpty(), 20'000);
    const quint64 conversation = waitForConversation(*alice);
    {
        // The cache keeps only 31..130 (as after a fresh install that synced recent history).
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("trim"));
        db.setDatabaseName(alice->cache()->path());
        QVERIFY(db.open());
        QVERIFY(QSqlQuery(db).exec(QStringLiteral("DELETE FROM messages WHERE seq <= 30")));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("trim"));

    MessageListModel model(alice.get(), conversation);
    QCOMPARE(model.rowCount(), MessageListModel::kPageSize);
    QCOMPARE(model.data(model.index(0), MessageListModel::SeqRole).toULongLong(), quint64(81));
    QVERIFY(model.canLoadOlder());
    model.loadOlder(); // from the cache: 31..80
    QCOMPARE(model.rowCount(), 100);
    // (Attached only now, so the checks run on the grown model too.)
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.data(model.index(0), MessageListModel::SeqRole).toULongLong(), quint64(31));
    model.loadOlder(); // the cache has no more: from the server
    QTRY_COMPARE(model.rowCount(), 130);
    QCOMPARE(model.data(model.index(0), MessageListModel::TextRole).toString(),
             QStringLiteral("1"));
    QVERIFY(!model.canLoadOlder());
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.data(model.index(row), MessageListModel::SeqRole).toULongLong(),
                 quint64(row + 1));
}

void TestModels::olderHistoryCanBeAskedForAgainAfterAConnectionDrop()
{
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice && signedIn(QStringLiteral("bob")));
    for (int i = 1; i <= 80; ++i)
        QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QString::number(i)).isOk());
    QTRY_VERIFY_WITH_TIMEOUT(alice->cache()->outbox().value().isEmpty(), 20'000);
    const quint64 conversation = waitForConversation(*alice);
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("trim2"));
        db.setDatabaseName(alice->cache()->path());
        QVERIFY(db.open());
        QVERIFY(QSqlQuery(db).exec(QStringLiteral("DELETE FROM messages WHERE seq <= 60")));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("trim2"));
    MessageListModel model(alice.get(), conversation);
    QVERIFY(model.canLoadOlder());
    model.loadOlder(); // goes to the server...
    QVERIFY(!model.canLoadOlder()); // ...one request at a time
    m_server.reset(); // ...which dies before answering
    QTRY_VERIFY(model.canLoadOlder()); // the model may ask again, instead of waiting for ever
}

QTEST_GUILESS_MAIN(TestModels)
#include "tst_models.moc"
