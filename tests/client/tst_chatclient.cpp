#include "app/server.h"
#include "chatclient.h"
#include "localcache.h"
#include "store/sqlitestore.h"
#include "testcertificate.h"
#include "wireclient.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Confab;
using namespace Confab::Client;

//! The client core against the real server core on 127.0.0.1, with real sockets and real SQLite
//! files on both sides.
class TestChatClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void sendAndReceiveBetweenTwoClients();
    void wrongPasswordNeedsTheUser();
    void sessionIsRestoredWithTheToken();
    void offlineComposeIsDeliveredOnceInOrderWhenTheServerStarts();
    void resendAfterALostAckStoresOnce();
    void outboxSurvivesTheClientBeingDestroyed();
    void clientKilledWithANonEmptyOutboxSendsItOnTheNextStart();
    void permanentErrorMarksTheMessageFailed();
    void gapIsFilledFromHistory();
    void olderHistoryLoadsPageByPage();
    void corruptCacheIsRebuiltFromTheServer();
    void damageInsideTheCacheIsFoundInTheBackground();
    void rateLimitedBurstIsRetriedUntilDelivered();
    void profilesRememberEveryAccount();
    void frozenServerIsDetectedAndLeft();
    void messageWrittenBeforeTheFirstSignInIsOwn();
    void selfSignedCertificateIsTrustedOnFirstUseOnly();

private:
    void startServer();
    void startServerWithRate(quint32 perSecond);
    void startTlsServer(const TestCertificate &certificate);
    void stopServer();
    std::unique_ptr<ChatClient> newClient(const QString &name);
    std::unique_ptr<ChatClient> signedIn(const QString &name, bool registerFirst = true);
    QString dataDir(const QString &name) const { return m_clients->filePath(name); }
    [[nodiscard]] qint64 storedOnServer();

    std::unique_ptr<QTemporaryDir> m_serverDir;
    std::unique_ptr<QTemporaryDir> m_clients;
    std::unique_ptr<Server> m_server;
    quint16 m_port = 0;
};

void TestChatClient::initTestCase()
{
    QVERIFY(Auth::initCrypto());
}

void TestChatClient::init()
{
    m_serverDir = std::make_unique<QTemporaryDir>();
    m_clients = std::make_unique<QTemporaryDir>();
    QTcpServer probe; // a free port, kept across server restarts
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    m_port = probe.serverPort();
    probe.close();
    startServer();
}

void TestChatClient::cleanup()
{
    m_server.reset();
    m_clients.reset();
    m_serverDir.reset();
}

void TestChatClient::startServer()
{
    startServerWithRate(1000);
}

void TestChatClient::startServerWithRate(quint32 perSecond)
{
    ServerConfig config;
    config.limits.ratePerSecond = perSecond;
    config.userRatePerSecond = 0; // the per-connection limit is what is under test
    config.limits.rateBurst = perSecond;
    config.port = m_port;
    config.dataDir = m_serverDir->path();
    config.hashCost = Auth::HashCost::minimum();
    m_server = std::make_unique<Server>(config);
    auto started = m_server->start();
    QVERIFY2(started.isOk(), started.isOk() ? "" : qPrintable(started.error().message));
}

void TestChatClient::startTlsServer(const TestCertificate &certificate)
{
    ServerConfig config;
    config.port = m_port;
    config.dataDir = m_serverDir->path();
    config.hashCost = Auth::HashCost::minimum();
    config.tlsCertificate = certificate.certificatePath;
    config.tlsKey = certificate.keyPath;
    m_server = std::make_unique<Server>(config);
    auto started = m_server->start();
    QVERIFY2(started.isOk(), started.isOk() ? "" : qPrintable(started.error().message));
}

void TestChatClient::stopServer()
{
    m_server.reset();
}

qint64 TestChatClient::storedOnServer()
{
    Store::SqliteStore store(m_serverDir->path());
    if (!store.open())
        return -1;
    return store.stats().value().messages;
}

std::unique_ptr<ChatClient> TestChatClient::newClient(const QString &name)
{
    auto client = std::make_unique<ChatClient>(dataDir(name));
    client->setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_port)));
    client->setBackoff(20, 200);
    return client;
}

std::unique_ptr<ChatClient> TestChatClient::signedIn(const QString &name, bool registerFirst)
{
    auto client = newClient(name);
    if (registerFirst)
        client->registerAccount(name, QStringLiteral("password123"));
    else
        client->signIn(name, QStringLiteral("password123"));
    if (!QTest::qWaitFor([&] { return client->state() == ChatClient::State::Online; }, 10'000))
        return nullptr;
    return client;
}

void TestChatClient::sendAndReceiveBetweenTwoClients()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QSignalSpy received(bob.get(), &ChatClient::messageAdded);
    QSignalSpy changed(alice.get(), &ChatClient::messageChanged);

    auto sent = alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("Hello Bob, 你好"));
    QVERIFY(sent.isOk());
    QCOMPARE(sent.value().state, MessageState::Sending);
    QTRY_COMPARE(changed.size(), 1);
    const auto acked = changed.first().first().value<ChatMessage>();
    QCOMPARE(acked.state, MessageState::Sent);
    QCOMPARE(acked.seq, quint64(1));
    QVERIFY(acked.conversationId != 0);

    QTRY_COMPARE(received.size(), 1);
    const auto message = received.first().first().value<ChatMessage>();
    QCOMPARE(message.text, QStringLiteral("Hello Bob, 你好"));
    QCOMPARE(message.senderId, alice->currentUser().userId);
    QCOMPARE(bob->cache()->messages(acked.conversationId, 0, 10).value().size(), 1);
    // Both caches learn the conversation with its members.
    QTRY_COMPARE(bob->cache()->conversation(acked.conversationId).value().members.size(), 2);
    QTRY_COMPARE(alice->cache()->conversation(acked.conversationId).value().members.size(), 2);

    // And back, into the conversation by id.
    QVERIFY(bob->sendMessage(acked.conversationId, QStringLiteral("hi alice")).isOk());
    QTRY_COMPARE(alice->cache()->messages(acked.conversationId, 0, 10).value().size(), 2);
    QCOMPARE(alice->cache()->search(QStringLiteral("你好"), 10).value().size(), 1);
}

void TestChatClient::wrongPasswordNeedsTheUser()
{
    QVERIFY(signedIn(QStringLiteral("alice")));
    auto client = newClient(QStringLiteral("alice-again"));
    QSignalSpy failed(client.get(), &ChatClient::authenticationFailed);
    client->signIn(QStringLiteral("alice"), QStringLiteral("not-the-password"));
    QTRY_COMPARE(failed.size(), 1);
    QCOMPARE(failed.first().first().value<Error>().code, ErrorCode::BAD_CREDENTIALS);
    QTRY_COMPARE(client->state(), ChatClient::State::Disconnected); // no retry loop
}

void TestChatClient::sessionIsRestoredWithTheToken()
{
    {
        auto alice = signedIn(QStringLiteral("alice"));
        QVERIFY(alice);
    }
    auto again = std::make_unique<ChatClient>(dataDir(QStringLiteral("alice")));
    QVERIFY(again->restoreSession());
    QVERIFY(again->cache()); // the cache is there before the network answers
    QTRY_COMPARE(again->state(), ChatClient::State::Online);
    QCOMPARE(again->currentUser().username, QStringLiteral("alice"));

    auto fresh = std::make_unique<ChatClient>(dataDir(QStringLiteral("nobody")));
    QVERIFY(!fresh->restoreSession());
}

void TestChatClient::offlineComposeIsDeliveredOnceInOrderWhenTheServerStarts()
{
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice && signedIn(QStringLiteral("bob")));
    const quint64 conversation = [&] {
        auto first = alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("0"));
        QSignalSpy changed(alice.get(), &ChatClient::messageChanged);
        static_cast<void>(changed.wait(5000));
        return alice->cache()->message(first.value().clientId).value().conversationId;
    }();
    QVERIFY(conversation != 0);

    stopServer();
    QTRY_VERIFY(alice->state() == ChatClient::State::Backoff
                || alice->state() == ChatClient::State::Connecting);
    for (int i = 1; i <= 5; ++i)
        QVERIFY(alice->sendMessage(conversation, QString::number(i)).isOk());
    QCOMPARE(alice->cache()->outbox().value().size(), 5);

    startServer();
    QTRY_COMPARE_WITH_TIMEOUT(alice->state(), ChatClient::State::Online, 10'000);
    QTRY_VERIFY(alice->cache()->outbox().value().isEmpty());
    QCOMPARE(storedOnServer(), qint64(6));

    auto bob = signedIn(QStringLiteral("bob"), false);
    QVERIFY(bob);
    const auto messages = bob->cache()->messages(conversation, 0, 100).value();
    QCOMPARE(messages.size(), 6);
    for (int i = 0; i < 6; ++i) {
        QCOMPARE(messages.at(i).text, QString::number(i));
        QCOMPARE(messages.at(i).seq, quint64(i + 1));
    }
}

void TestChatClient::resendAfterALostAckStoresOnce()
{
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice && signedIn(QStringLiteral("bob")));
    alice->disconnectFromServer();
    QTRY_COMPARE(alice->state(), ChatClient::State::Disconnected);
    const auto pending =
        alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("only once")).value();

    // The server commits it, but the ack never reaches this client (as if the connection died
    // right after the commit): another connection of alice's sends the same client id.
    WireClient other;
    QVERIFY(other.connectAs(m_port, QStringLiteral("alice"), false));
    const auto original = other.request(
        WireClient::sendTo(QStringLiteral("bob"), QStringLiteral("only once"), pending.clientId));
    QVERIFY(original.has_message_ack());

    QSignalSpy changed(alice.get(), &ChatClient::messageChanged);
    alice->signIn(QStringLiteral("alice"), QStringLiteral("password123"));
    QTRY_VERIFY(alice->cache()->outbox().value().isEmpty());
    const auto stored = alice->cache()->message(pending.clientId).value();
    QCOMPARE(stored.state, MessageState::Sent);
    QCOMPARE(stored.messageId, original.message_ack().message_id());
    QCOMPARE(storedOnServer(), qint64(1));
    QCOMPARE(alice->cache()->messageCount(), qint64(1));
}

void TestChatClient::outboxSurvivesTheClientBeingDestroyed()
{
    QUuid pendingId;
    {
        auto alice = signedIn(QStringLiteral("alice"));
        QVERIFY(alice && signedIn(QStringLiteral("bob")));
        stopServer();
        QTRY_VERIFY(alice->state() != ChatClient::State::Online);
        pendingId = alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("written offline"))
                        .value()
                        .clientId;
    } // the app goes away with a non-empty outbox
    startServer();
    auto alice = std::make_unique<ChatClient>(dataDir(QStringLiteral("alice")));
    alice->setBackoff(20, 200);
    QCOMPARE(alice->restoreSession(), true);
    QTRY_VERIFY(alice->cache()->outbox().value().isEmpty());
    QCOMPARE(alice->cache()->message(pendingId).value().state, MessageState::Sent);
    QCOMPARE(storedOnServer(), qint64(1));
}

void TestChatClient::clientKilledWithANonEmptyOutboxSendsItOnTheNextStart()
{
    {
        auto alice = signedIn(QStringLiteral("alice"));
        QVERIFY(alice && signedIn(QStringLiteral("bob")));
    }
    stopServer();
    QProcess helper;
    helper.start(QStringLiteral(OUTBOX_HELPER_PATH),
                 { dataDir(QStringLiteral("alice")), QStringLiteral("bob"), QStringLiteral("5") });
    QVERIFY(helper.waitForStarted());
    QVERIFY(QTest::qWaitFor(
        [&] { return helper.canReadLine() || helper.state() != QProcess::Running; }, 10'000));
    QCOMPARE(helper.readLine().trimmed(), QByteArray("queued 5"));
    helper.kill(); // SIGKILL, with five messages in the outbox
    QVERIFY(helper.waitForFinished());

    startServer();
    auto alice = std::make_unique<ChatClient>(dataDir(QStringLiteral("alice")));
    alice->setBackoff(20, 200);
    QVERIFY(alice->restoreSession());
    QCOMPARE(alice->cache()->outbox().value().size(), 5);
    QTRY_VERIFY(alice->cache()->outbox().value().isEmpty());
    QCOMPARE(storedOnServer(), qint64(5));
    const quint64 conversation = alice->cache()->conversations().value().first().conversationId;
    const auto messages = alice->cache()->messages(conversation, 0, 10).value();
    QCOMPARE(messages.size(), 5);
    for (int i = 0; i < 5; ++i)
        QCOMPARE(messages.at(i).text, QStringLiteral("queued %1").arg(i));
}

void TestChatClient::permanentErrorMarksTheMessageFailed()
{
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice);
    QSignalSpy changed(alice.get(), &ChatClient::messageChanged);
    const auto pending =
        alice->sendMessageTo(QStringLiteral("nobody"), QStringLiteral("hello?")).value();
    QTRY_COMPARE(changed.size(), 1);
    const auto failed = changed.first().first().value<ChatMessage>();
    QCOMPARE(failed.state, MessageState::Failed);
    QCOMPARE(failed.error, userMessage(ErrorCode::NOT_FOUND));
    QVERIFY(alice->cache()->outbox().value().isEmpty()); // never retried by itself
    QVERIFY(alice->discard(pending.clientId).isOk());
    QCOMPARE(alice->cache()->messageCount(), qint64(0));
}

void TestChatClient::gapIsFilledFromHistory()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    quint64 conversation = 0;
    for (int i = 1; i <= 5; ++i) {
        auto sent = alice->sendMessageTo(QStringLiteral("bob"), QString::number(i));
        QVERIFY(sent.isOk());
    }
    QTRY_COMPARE(bob->cache()->messageCount(), qint64(5));
    conversation = bob->cache()->conversations().value().first().conversationId;
    QVERIFY(conversation != 0);
    {
        // Bob's cache loses 3..5 (as if those events never arrived).
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("surgery"));
        db.setDatabaseName(bob->cache()->path());
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("DELETE FROM messages WHERE seq >= 3")));
        QVERIFY(q.exec(QStringLiteral("UPDATE sync_cursors SET seq = 2")));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("surgery"));
    QCOMPARE(bob->cache()->messageCount(), qint64(2));
    QVERIFY(alice->sendMessage(conversation, QStringLiteral("6")).isOk());
    // Seq 6 arrives live with 3..5 missing: bob notices and fetches them.
    QTRY_COMPARE(bob->cache()->messageCount(), qint64(6));
    QTRY_COMPARE(bob->cache()->cursors().value(conversation), quint64(6));
    const auto messages = bob->cache()->messages(conversation, 0, 10).value();
    for (int i = 0; i < 6; ++i)
        QCOMPARE(messages.at(i).text, QString::number(i + 1));
}

void TestChatClient::olderHistoryLoadsPageByPage()
{
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice && signedIn(QStringLiteral("bob")));
    for (int i = 1; i <= 30; ++i)
        QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QString::number(i)).isOk());
    QTRY_VERIFY(alice->cache()->outbox().value().isEmpty());
    const quint64 conversation = alice->cache()->conversations().value().first().conversationId;
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("trim"));
        db.setDatabaseName(alice->cache()->path());
        QVERIFY(db.open());
        QSqlQuery(db).exec(
            QStringLiteral("DELETE FROM messages WHERE seq <= 25")); // only recent kept
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("trim"));
    QSignalSpy loaded(alice.get(), &ChatClient::historyLoaded);
    alice->fetchOlder(conversation, 10);
    QTRY_COMPARE(loaded.size(), 1);
    QCOMPARE(loaded.at(0).at(1).toInt(), 10);
    QCOMPARE(loaded.at(0).at(2).toBool(), true);
    QCOMPARE(alice->cache()->oldestSeq(conversation), quint64(16));
    alice->fetchOlder(conversation, 50);
    QTRY_COMPARE(loaded.size(), 2);
    QCOMPARE(loaded.at(1).at(1).toInt(), 15);
    QCOMPARE(loaded.at(1).at(2).toBool(), false);
    QCOMPARE(alice->cache()->oldestSeq(conversation), quint64(1));
}

void TestChatClient::corruptCacheIsRebuiltFromTheServer()
{
    QString cachePath;
    {
        auto alice = signedIn(QStringLiteral("alice"));
        QVERIFY(alice && signedIn(QStringLiteral("bob")));
        for (int i = 0; i < 3; ++i)
            QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("keep %1").arg(i))
                        .isOk());
        QTRY_VERIFY(alice->cache()->outbox().value().isEmpty());
        cachePath = alice->cache()->path();
    }
    {
        QFile file(cachePath);
        QVERIFY(file.open(QIODevice::ReadWrite));
        file.write(QByteArray(4096, 'x'));
    }
    QFile::remove(cachePath + QStringLiteral("-wal"));
    auto alice = std::make_unique<ChatClient>(dataDir(QStringLiteral("alice")));
    QSignalSpy recovered(alice.get(), &ChatClient::cacheRecovered);
    QVERIFY(alice->restoreSession());
    QCOMPARE(recovered.size(), 1); // the client says so
    QVERIFY(QFile::exists(recovered.first().first().toString()));
    QTRY_COMPARE(alice->state(), ChatClient::State::Online);
    QCOMPARE(alice->cache()->messageCount(), qint64(3)); // synced back from the server
}

void TestChatClient::damageInsideTheCacheIsFoundInTheBackground()
{
    QString cachePath;
    {
        auto alice = signedIn(QStringLiteral("alice"));
        QVERIFY(alice && signedIn(QStringLiteral("bob")));
        for (int i = 0; i < 200; ++i)
            QVERIFY(alice
                        ->sendMessageTo(QStringLiteral("bob"),
                                        QStringLiteral("message %1 with some text").arg(i))
                        .isOk());
        QTRY_VERIFY_WITH_TIMEOUT(alice->cache()->outbox().value().isEmpty(), 20'000);
        cachePath = alice->cache()->path();
    }
    {
        // The header is fine (the file opens at once), but pages in the middle are garbage.
        QFile file(cachePath);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.size() > 5 * 4096);
        QVERIFY(file.seek(3 * 4096));
        file.write(QByteArray(2 * 4096, '\x42'));
    }
    auto alice = std::make_unique<ChatClient>(dataDir(QStringLiteral("alice")));
    alice->setBackoff(20, 200);
    QSignalSpy recovered(alice.get(), &ChatClient::cacheRecovered);
    QVERIFY(alice->restoreSession());
    QTRY_COMPARE(recovered.size(), 1); // found by the background check, and said
    QTRY_COMPARE_WITH_TIMEOUT(alice->cache()->messageCount(), qint64(200), 10'000); // resynced
    QCOMPARE(LocalCache::checkIntegrity(alice->cache()->path()), std::optional<bool>(true));
}

void TestChatClient::rateLimitedBurstIsRetriedUntilDelivered()
{
    stopServer();
    startServerWithRate(20);
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice && signedIn(QStringLiteral("bob")));
    QSignalSpy changed(alice.get(), &ChatClient::messageChanged);
    for (int i = 0; i < 40; ++i) // twice the burst at once: the client paces itself
        QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QString::number(i)).isOk());
    QTRY_VERIFY_WITH_TIMEOUT(alice->cache()->outbox().value().isEmpty(), 30'000);
    for (const auto &args : std::as_const(changed))
        QCOMPARE(args.first().value<ChatMessage>().state, MessageState::Sent); // none failed
    QCOMPARE(storedOnServer(), qint64(40));
    const auto messages =
        alice->cache()
            ->messages(alice->cache()->conversations().value().first().conversationId, 0, 100)
            .value();
    QCOMPARE(messages.size(), 40);
    for (int i = 0; i < 40; ++i) // in the order they were written
        QCOMPARE(messages.at(i).text, QString::number(i));
}

void TestChatClient::profilesRememberEveryAccount()
{
    QVERIFY(signedIn(QStringLiteral("carol")));
    auto client = newClient(QStringLiteral("shared-device"));
    client->registerAccount(QStringLiteral("alice"), QStringLiteral("password123"));
    QTRY_COMPARE(client->state(), ChatClient::State::Online);
    QVERIFY(
        client->sendMessageTo(QStringLiteral("carol"), QStringLiteral("note from alice")).isOk());
    QTRY_VERIFY(client->cache()->outbox().value().isEmpty());
    client->registerAccount(QStringLiteral("bob"), QStringLiteral("password123")); // switch account
    QTRY_COMPARE(client->state(), ChatClient::State::Online);
    QCOMPARE(client->currentUser().username, QStringLiteral("bob"));
    QVERIFY(client->search(QStringLiteral("note"), 5).value().isEmpty()); // bob's own cache

    const auto profiles = client->profiles();
    QCOMPARE(profiles.size(), 2);
    QString aliceId;
    for (const Profile &profile : profiles) {
        QVERIFY(profile.hasSession);
        QCOMPARE(profile.serverUrl.port(), int(m_port));
        QCOMPARE(profile.isCurrent, profile.username == QStringLiteral("bob"));
        if (profile.username == QStringLiteral("alice"))
            aliceId = profile.id;
    }
    QVERIFY(client->restoreSession(aliceId));
    QTRY_COMPARE(client->state(), ChatClient::State::Online);
    QCOMPARE(client->currentUser().username, QStringLiteral("alice"));
    QCOMPARE(client->search(QStringLiteral("note"), 5).value().size(), 1);

    client->signOut();
    QTRY_COMPARE(client->state(), ChatClient::State::Disconnected);
    for (const Profile &profile : client->profiles())
        QCOMPARE(profile.hasSession, profile.username == QStringLiteral("bob"));
}

void TestChatClient::frozenServerIsDetectedAndLeft()
{
    // A real confabd in a child process, with fast keep-alive, that we can freeze (SIGSTOP): its
    // kernel keeps the TCP connection open, but nothing answers any more.
    stopServer();
    QFile config(m_serverDir->filePath(QStringLiteral("confabd.conf")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write("[limits]\nping_interval_ms=200\nidle_timeout_ms=600\n"
                 "[auth]\nargon2_ops_limit=1\nargon2_mem_limit_kib=8\n");
    config.close();
    QProcess server;
    server.start(QStringLiteral(CONFABD_PATH),
                 { QStringLiteral("--config"), config.fileName(), QStringLiteral("--data-dir"),
                   m_serverDir->filePath(QStringLiteral("child")), QStringLiteral("--port"),
                   QString::number(m_port) });
    QVERIFY(server.waitForStarted());
    QVERIFY(QTest::qWaitFor([&] { return server.canReadLine(); }, 10'000));
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice);

    ::kill(pid_t(server.processId()), SIGSTOP);
    QElapsedTimer timer;
    timer.start();
    QTRY_VERIFY_WITH_TIMEOUT(alice->state() != ChatClient::State::Online, 5000);
    QVERIFY2(timer.elapsed() >= 400, qPrintable(QString::number(timer.elapsed()))); // not at once
    ::kill(pid_t(server.processId()), SIGCONT);
    QTRY_COMPARE_WITH_TIMEOUT(alice->state(), ChatClient::State::Online, 15'000);
    server.terminate();
    QVERIFY(server.waitForFinished());
}

void TestChatClient::messageWrittenBeforeTheFirstSignInIsOwn()
{
    QVERIFY(signedIn(QStringLiteral("bob")));
    auto alice = newClient(QStringLiteral("alice"));
    alice->registerAccount(QStringLiteral("alice"), QStringLiteral("password123"));
    // Written at once, before the server has said who alice is.
    const QUuid id =
        alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("early")).value().clientId;
    QTRY_VERIFY(alice->cache()->outbox().value().isEmpty());
    const auto message = alice->cache()->message(id).value();
    QCOMPARE(message.state, MessageState::Sent);
    QCOMPARE(message.senderId, alice->currentUser().userId);
    QVERIFY(message.senderId != 0);
}

QTEST_GUILESS_MAIN(TestChatClient)
void TestChatClient::selfSignedCertificateIsTrustedOnFirstUseOnly()
{
    stopServer();
    const auto first = TestCertificate::make(m_serverDir->path(), QStringLiteral("first"));
    const auto second = TestCertificate::make(m_serverDir->path(), QStringLiteral("second"));
    QVERIFY(first && second);
    startTlsServer(*first);

    auto alice = newClient(QStringLiteral("alice"));
    const QUrl server(QStringLiteral("wss://127.0.0.1:%1/").arg(m_port));
    alice->setServerUrl(server);
    QSignalSpy asked(alice.get(), &ChatClient::certificateNeedsTrust);
    QSignalSpy authenticated(alice.get(), &ChatClient::authenticated);
    alice->registerAccount(QStringLiteral("alice"), QStringLiteral("password123"));
    // Unknown to this device, it is shown (the fingerprint as openssl prints it), not used.
    QTRY_COMPARE_WITH_TIMEOUT(asked.size(), 1, 10'000);
    auto info = asked.first().first().value<CertificateInfo>();
    QCOMPARE(info.fingerprint, first->fingerprint);
    QVERIFY(!info.hasChanged());
    QCOMPARE(info.server, server);
    QCOMPARE(info.subject, QStringLiteral("localhost"));
    QVERIFY(!info.problems.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(alice->state(), ChatClient::State::Disconnected, 5000);
    QVERIFY(alice->untrustedCertificate().has_value());
    // It does not retry on its own (back-off here is 20-200 ms), and never signed in.
    QTest::qWait(500);
    QCOMPARE(asked.size(), 1);
    QCOMPARE(alice->state(), ChatClient::State::Disconnected);
    QCOMPARE(authenticated.size(), 0);

    // Trusted: it connects and registers, and reconnects without asking again.
    alice->trustCertificate(info);
    QTRY_COMPARE_WITH_TIMEOUT(alice->state(), ChatClient::State::Online, 10'000);
    QVERIFY(!alice->untrustedCertificate().has_value());
    QVERIFY(alice->sendMessageTo(QStringLiteral("alice"), QStringLiteral("note to self")));
    stopServer();
    QTRY_VERIFY_WITH_TIMEOUT(alice->state() != ChatClient::State::Online, 5000);
    startTlsServer(*first);
    QTRY_COMPARE_WITH_TIMEOUT(alice->state(), ChatClient::State::Online, 10'000);
    QCOMPARE(asked.size(), 1);
    QCOMPARE(authenticated.size(), 2);

    // The same server with another certificate (a new install, or someone in the middle): it is
    // refused, and the user is told it changed.
    stopServer();
    startTlsServer(*second);
    QTRY_COMPARE_WITH_TIMEOUT(asked.size(), 2, 10'000);
    info = asked.last().first().value<CertificateInfo>();
    QCOMPARE(info.fingerprint, second->fingerprint);
    QVERIFY(info.hasChanged());
    QCOMPARE(info.trustedFingerprint, first->fingerprint);
    QTRY_COMPARE_WITH_TIMEOUT(alice->state(), ChatClient::State::Disconnected, 5000);
    QTest::qWait(300);
    QCOMPARE(authenticated.size(), 2);
    QCOMPARE(asked.size(), 2);

    // Another app on this device (same data directory) asks too: the trust is per server.
    auto again = newClient(QStringLiteral("alice"));
    again->setServerUrl(server);
    QSignalSpy againAsked(again.get(), &ChatClient::certificateNeedsTrust);
    alice.reset();
    again->signIn(QStringLiteral("alice"), QStringLiteral("password123"));
    QTRY_COMPARE_WITH_TIMEOUT(againAsked.size(), 1, 10'000);
    again->trustCertificate(againAsked.first().first().value<CertificateInfo>());
    QTRY_COMPARE_WITH_TIMEOUT(again->state(), ChatClient::State::Online, 10'000);
}

#include "tst_chatclient.moc"
