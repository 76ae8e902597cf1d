// Several confabd nodes on one PostgreSQL database and one Redis (DESIGN.md §6): the nodes run
// in this process, each a whole Server on its own port; clients are real WebSockets on
// 127.0.0.1. PostgreSQL is the run's own (CTest's postgres fixture, CONFAB_TEST_POSTGRES);
// Redis is this test's own redis-server, on a Unix socket in a temporary directory, which the
// test stops and starts again.
#include "app/server.h"
#include "cluster/clusterlink.h"
#include "store/postgresstore.h"
#include "testprocesses.h"
#include "wireclient.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Confab;

namespace {

using TestProcesses::postgresConnection;

template<typename T>
QByteArray why(const Result<T> &result)
{
    return result.isOk() ? QByteArray() : result.error().message.toUtf8();
}

//! The messages of a conversation as `client` reads its history (at most 1,000).
QList<pb::Message> historyOf(WireClient &client, quint64 conversationId)
{
    pb::Envelope request;
    request.mutable_history_request()->set_conversation_id(conversationId);
    request.mutable_history_request()->set_limit(1000);
    const pb::Envelope page = client.request(request);
    return { page.history_page().messages().begin(), page.history_page().messages().end() };
}

//! Texts of the messages pushed live to the client in that conversation.
QStringList liveTexts(const WireClient &client, quint64 conversationId)
{
    QStringList texts;
    for (const pb::Envelope &event : client.events())
        if (event.has_message_event()
            && event.message_event().message().conversation_id() == conversationId
            && !event.message_event().message().has_group_event())
            texts << QString::fromStdString(event.message_event().message().text());
    return texts;
}

//! The last presence the client was told of the user (OFFLINE if never).
pb::PresenceState lastPresence(const WireClient &client, quint64 userId)
{
    pb::PresenceState state = pb::PRESENCE_OFFLINE;
    for (const pb::PresenceEvent &event : client.presence())
        for (const pb::Presence &presence : event.presences())
            if (presence.user_id() == userId)
                state = presence.state();
    return state;
}

} // namespace

class TestCluster : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void nodesTakeDistinctIdsAndSeeEachOther();
    void clientsOnTwoNodesChatDirectAndInAGroup();
    void aNodeIsKnownToTheOthersOnceItIsReady();
    void presenceCrossesNodes();
    void aNodeThatStopsGoesOfflineForTheOthers();
    void aDrainingNodeSaysGoingAwayAndItsClientsResumeElsewhere();
    void redisRestartLosesNothingAcked();
    void aNodeKilledUnderLoadLosesNothingAcked();
    void configNeedsPostgresForRedis();

private:
    bool startRedis();
    void stopRedis();
    //! A node of the cluster (null if it failed to start: see the test's output).
    std::unique_ptr<Server> startNode(quint16 preferredId);
    //! Waits until every node sees all the others live.
    bool waitForMesh(const QList<Server *> &nodes, int timeoutMs = 15'000);
    std::unique_ptr<WireClient> client(Server &node, const QString &name, bool registerFirst);
    //! Nodes 1 and 2, seeing each other, with alice signed up on 1 and bob on 2 (bob is null
    //! if any of it failed).
    struct TwoNodes
    {
        std::unique_ptr<Server> a, b;
        std::unique_ptr<WireClient> alice, bob;
    };
    TwoNodes twoNodes();
    //! A node as its own confabd process (port: where it listens), or null.
    std::unique_ptr<QProcess> startProcess(int index, quint16 *port);

    std::unique_ptr<QTemporaryDir> m_dir;
    QProcess m_redis;
    QString m_redisSocket;
    int m_graceMs = 300;
};

void TestCluster::init()
{
    QVERIFY2(!postgresConnection().isEmpty(), "CONFAB_TEST_POSTGRES is not set (run under CTest)");
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    // An empty database for each test.
    const QString emptied = TestProcesses::emptyPostgres();
    QVERIFY2(emptied.isEmpty(), qPrintable(emptied));
    m_redisSocket = m_dir->filePath(QStringLiteral("redis.sock"));
    QVERIFY(startRedis());
}

void TestCluster::cleanup()
{
    stopRedis();
    m_dir.reset();
}

bool TestCluster::startRedis()
{
    m_redis.setProgram(QStringLiteral("redis-server"));
    m_redis.setArguments({ QStringLiteral("--port"), QStringLiteral("0"),
                           QStringLiteral("--unixsocket"), m_redisSocket, QStringLiteral("--save"),
                           QString(), QStringLiteral("--appendonly"), QStringLiteral("no"),
                           QStringLiteral("--dir"), m_dir->path() });
    m_redis.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_redis.setStandardOutputFile(m_dir->filePath(QStringLiteral("redis.log")));
    m_redis.start();
    if (!m_redis.waitForStarted(10'000))
        return false;
    const auto address = Cluster::RedisAddress::parse(QStringLiteral("unix:") + m_redisSocket);
    return QTest::qWaitFor(
        [&] {
            auto pong = Cluster::RedisConnection::commandNow(address.value(), { "PING" }, 200);
            return pong.isOk() && pong.value().ok();
        },
        10'000);
}

void TestCluster::stopRedis()
{
    if (m_redis.state() == QProcess::NotRunning)
        return;
    m_redis.kill();
    m_redis.waitForFinished(10'000);
}

std::unique_ptr<Server> TestCluster::startNode(quint16 preferredId)
{
    ServerConfig config;
    config.port = 0;
    config.dataDir = m_dir->filePath(QStringLiteral("data")); // shared, as in a cluster
    config.hashCost = Auth::HashCost::minimum();
    config.limits.rateBurst = 1000;
    config.limits.ratePerSecond = 1000;
    config.userRatePerSecond = 0;
    config.presenceGraceMs = m_graceMs;
    config.registrationsPerAddressPerHour = 0;
    config.postgres = postgresConnection();
    config.redis = QStringLiteral("unix:") + m_redisSocket;
    config.nodeId = preferredId;
    if (auto joined = Server::joinCluster(config); !joined) {
        qWarning() << "joinCluster:" << joined.error().message;
        return nullptr;
    }
    auto server = std::make_unique<Server>(config);
    if (auto started = server->start(); !started) {
        qWarning() << "start:" << started.error().message;
        return nullptr;
    }
    return server;
}

bool TestCluster::waitForMesh(const QList<Server *> &nodes, int timeoutMs)
{
    return QTest::qWaitFor(
        [&] {
            for (Server *node : nodes)
                if (node->cluster()->liveNodes().size() != nodes.size() - 1)
                    return false;
            return true;
        },
        timeoutMs);
}

std::unique_ptr<WireClient> TestCluster::client(Server &node, const QString &name,
                                                bool registerFirst)
{
    auto c = std::make_unique<WireClient>();
    if (!c->connectAs(node.port(), name, registerFirst))
        return nullptr;
    return c;
}

TestCluster::TwoNodes TestCluster::twoNodes()
{
    TwoNodes nodes;
    nodes.a = startNode(1);
    nodes.b = startNode(2);
    if (!nodes.a || !nodes.b || !waitForMesh({ nodes.a.get(), nodes.b.get() }))
        return nodes;
    nodes.alice = client(*nodes.a, QStringLiteral("alice"), true);
    if (nodes.alice)
        nodes.bob = client(*nodes.b, QStringLiteral("bob"), true);
    return nodes;
}

std::unique_ptr<QProcess> TestCluster::startProcess(int index, quint16 *port)
{
    const QString config = m_dir->filePath(QStringLiteral("node%1.conf").arg(index));
    QFile file(config);
    if (!file.open(QIODevice::WriteOnly))
        return nullptr;
    file.write(QStringLiteral("[server]\nnode_id = %1\n[store]\npostgres = %2\n[cluster]\n"
                              "redis = unix:%3\n[auth]\nargon2_ops_limit = 1\n"
                              "argon2_mem_limit_kib = 8\nregistrations_per_address_per_hour = 0\n"
                              "[limits]\nrate_per_second = 10000\nrate_burst = 10000\n"
                              "user_rate_per_second = 0\n")
                   .arg(index)
                   .arg(postgresConnection(), m_redisSocket)
                   .toUtf8());
    file.close();
    auto process = std::make_unique<QProcess>();
    process->setProgram(QStringLiteral(CONFABD_PATH));
    process->setArguments({ QStringLiteral("--config"), config, QStringLiteral("--data-dir"),
                            m_dir->filePath(QStringLiteral("data")), QStringLiteral("--port"),
                            QStringLiteral("0") });
    process->setStandardErrorFile(m_dir->filePath(QStringLiteral("node%1.log").arg(index)));
    *port = TestProcesses::startConfabd(*process);
    return *port ? std::move(process) : nullptr;
}

void TestCluster::nodesTakeDistinctIdsAndSeeEachOther()
{
    // Both ask for id 5: one gets it, the other the lowest free one.
    auto a = startNode(5);
    auto b = startNode(5);
    QVERIFY(a && b);
    QCOMPARE(a->config().nodeId, quint16(5));
    QCOMPARE(b->config().nodeId, quint16(0));
    QVERIFY(waitForMesh({ a.get(), b.get() }));
    QCOMPARE(a->cluster()->liveNodes(), QList<quint16> { 0 });
    // One of them runs the jobs, not both.
    QVERIFY(QTest::qWaitFor(
        [&] { return a->cluster()->holdsJobsLease() != b->cluster()->holdsJobsLease(); }, 10'000));
    QCOMPARE(a->archive() != nullptr, a->cluster()->holdsJobsLease());
    QCOMPARE(b->archive() != nullptr, b->cluster()->holdsJobsLease());
    // A clean stop gives the id back and the others see the node gone at once.
    Server *holder = a->cluster()->holdsJobsLease() ? a.get() : b.get();
    Server *other = holder == a.get() ? b.get() : a.get();
    QSignalSpy stopped(holder, &Server::stopped);
    holder->shutdown();
    QVERIFY(stopped.wait(10'000) || stopped.count() == 1);
    QVERIFY(QTest::qWaitFor([&] { return other->cluster()->liveNodes().isEmpty(); }, 10'000));
    // ... and the jobs move to the node left.
    QVERIFY(QTest::qWaitFor([&] { return other->cluster()->holdsJobsLease(); }, 15'000));
    QVERIFY(other->archive() != nullptr);
}

void TestCluster::clientsOnTwoNodesChatDirectAndInAGroup()
{
    auto a = startNode(1);
    auto b = startNode(2);
    QVERIFY(a && b);
    QVERIFY(waitForMesh({ a.get(), b.get() }));
    auto alice = client(*a, QStringLiteral("alice"), true);
    auto bob = client(*b, QStringLiteral("bob"), true);
    auto carol = client(*b, QStringLiteral("carol"), true);
    QVERIFY(alice && bob && carol);
    // Alice's second device, on the other node.
    auto alicePhone = client(*b, QStringLiteral("alice"), false);
    QVERIFY(alicePhone);

    // Direct: node 1 stores it; bob's session on node 2 gets it live, and so does alice's phone.
    const pb::Envelope ack = alice->request(WireClient::sendTo(QStringLiteral("bob"), "hi bob"));
    QVERIFY2(ack.has_message_ack(), ack.DebugString().c_str());
    const quint64 direct = ack.message_ack().conversation_id();
    QTRY_COMPARE(liveTexts(*bob, direct), QStringList { QStringLiteral("hi bob") });
    QTRY_COMPARE(liveTexts(*alicePhone, direct), QStringList { QStringLiteral("hi bob") });
    // And back, from node 2 to node 1.
    QVERIFY(bob->request(WireClient::sendIn(direct, QStringLiteral("hi alice"))).has_message_ack());
    QTRY_COMPARE(liveTexts(*alice, direct), QStringList { QStringLiteral("hi alice") });
    QVERIFY(!liveTexts(*bob, direct).contains(QStringLiteral("hi alice"))); // the sender: an ack

    // A group made on node 1 with members on node 2; each message reaches every member once.
    pb::Envelope create;
    const QByteArray uuid = QUuid::createUuid().toRfc4122();
    create.mutable_create_group()->set_client_id(uuid.constData(), size_t(uuid.size()));
    create.mutable_create_group()->set_title("team");
    create.mutable_create_group()->add_member_ids(bob->userId());
    create.mutable_create_group()->add_member_ids(carol->userId());
    const pb::Envelope created = alice->request(create);
    QVERIFY2(created.has_group_result(), created.DebugString().c_str());
    const quint64 group = created.group_result().conversation().conversation_id();
    QTRY_VERIFY(std::any_of(bob->events().cbegin(), bob->events().cend(), [&](const auto &e) {
        return e.has_message_event() && e.message_event().message().conversation_id() == group;
    })); // the CREATED entry crossed too
    for (int i = 0; i < 20; ++i) {
        WireClient &sender = i % 2 ? *bob : *alice;
        QVERIFY(sender.request(WireClient::sendIn(group, QStringLiteral("m%1").arg(i)))
                    .has_message_ack());
    }
    QStringList expected;
    for (int i = 0; i < 20; ++i)
        expected << QStringLiteral("m%1").arg(i);
    QTRY_COMPARE(liveTexts(*carol, group), expected);
    QStringList fromBob, fromAlice;
    for (int i = 0; i < 20; ++i)
        (i % 2 ? fromBob : fromAlice) << QStringLiteral("m%1").arg(i);
    QTRY_COMPARE(liveTexts(*alice, group), fromBob);
    QTRY_COMPARE(liveTexts(*bob, group), fromAlice);
    // The history both nodes serve is the same, seqs 1..n without a gap.
    const QList<pb::Message> onA = historyOf(*alice, group);
    const QList<pb::Message> onB = historyOf(*carol, group);
    QCOMPARE(onA.size(), 21);
    QCOMPARE(onB.size(), 21);
    for (int i = 0; i < onA.size(); ++i) {
        QCOMPARE(onA[i].seq(), quint64(i + 1));
        QCOMPARE(onA[i].message_id(), onB[i].message_id());
    }
    // Messages made on the two nodes have ids of both.
    QSet<quint16> nodes;
    for (const pb::Message &message : onA)
        nodes.insert(quint16((message.message_id() >> 12) & SnowflakeGenerator::kMaxNodeId));
    QCOMPARE(nodes, (QSet<quint16> { a->config().nodeId, b->config().nodeId }));
}

void TestCluster::aNodeIsKnownToTheOthersOnceItIsReady()
{
    // Ready (/healthz 200, so the balancer sends clients) means the others know it: a message
    // stored on node 1 right then reaches a client of node 2, although node 1's next heartbeat
    // is up to a second away.
    auto a = startNode(1);
    QVERIFY(a);
    QTRY_VERIFY(a->cluster()->isReady());
    auto alice = client(*a, QStringLiteral("alice"), true);
    QVERIFY(alice);
    auto b = startNode(2);
    QVERIFY(b);
    QVERIFY(!b->cluster()->isReady() || a->cluster()->liveNodes() == QList<quint16> { 2 });
    QTRY_VERIFY_WITH_TIMEOUT(b->cluster()->isReady(), 5000);
    auto bob = client(*b, QStringLiteral("bob"), true);
    QVERIFY(bob);
    const pb::Envelope ack = alice->request(WireClient::sendTo(QStringLiteral("bob"), "at once"));
    QVERIFY(ack.has_message_ack());
    QTRY_COMPARE(liveTexts(*bob, ack.message_ack().conversation_id()),
                 QStringList { QStringLiteral("at once") });
}

void TestCluster::presenceCrossesNodes()
{
    TwoNodes nodes = twoNodes();
    QVERIFY(nodes.bob);
    auto &[a, b, alice, bob] = nodes;
    QVERIFY(alice->request(WireClient::sendTo(QStringLiteral("bob"), "hi")).has_message_ack());
    // Contacts now: each hears that the other is online, across the nodes.
    QTRY_COMPARE(lastPresence(*bob, alice->userId()), pb::PRESENCE_ONLINE);
    QTRY_COMPARE(lastPresence(*alice, bob->userId()), pb::PRESENCE_ONLINE);

    // Alice also on node 2, then gone from node 1: still online (nobody is told otherwise).
    auto alicePhone = client(*b, QStringLiteral("alice"), false);
    QVERIFY(alicePhone);
    QTest::qWait(200);
    bob->clearPresence();
    alice->close();
    QTest::qWait(m_graceMs + 1000);
    QCOMPARE(lastPresence(*bob, alice->userId()), pb::PRESENCE_OFFLINE); // nothing told: default
    QVERIFY(bob->presence().isEmpty());

    // A fresh device of bob's on node 1 is told alice is online (she is, on node 2 only).
    auto bobLaptop = client(*a, QStringLiteral("bob"), false);
    QVERIFY(bobLaptop);
    QTRY_COMPARE(lastPresence(*bobLaptop, alice->userId()), pb::PRESENCE_ONLINE);

    // Gone everywhere: offline, told on both nodes, with last seen.
    alicePhone->close();
    QTRY_COMPARE(lastPresence(*bob, alice->userId()), pb::PRESENCE_OFFLINE);
    QTRY_VERIFY(!bob->presence().isEmpty());
    QTRY_COMPARE(lastPresence(*bobLaptop, alice->userId()), pb::PRESENCE_OFFLINE);
    QVERIFY(bob->presence().last().presences(0).last_seen_ms() > 0);
}

void TestCluster::aNodeThatStopsGoesOfflineForTheOthers()
{
    // A node that vanishes without a word (as after SIGKILL: here its Redis heartbeats simply
    // stop) is gone for the others once its heartbeat expires, and its users go offline there.
    TwoNodes nodes = twoNodes();
    QVERIFY(nodes.bob);
    auto &[a, b, alice, bob] = nodes;
    QVERIFY(alice->request(WireClient::sendTo(QStringLiteral("bob"), "hi")).has_message_ack());
    QTRY_COMPARE(lastPresence(*bob, alice->userId()), pb::PRESENCE_ONLINE);
    QElapsedTimer timer;
    timer.start();
    a->cluster()->fallSilent();
    QTRY_VERIFY_WITH_TIMEOUT(b->cluster()->liveNodes().isEmpty(), 20'000);
    QTRY_COMPARE(lastPresence(*bob, alice->userId()), pb::PRESENCE_OFFLINE);
    qInfo() << "the silent node was gone for the other after" << timer.elapsed() << "ms";
}

void TestCluster::aDrainingNodeSaysGoingAwayAndItsClientsResumeElsewhere()
{
    // SIGTERM's path (Server::shutdown): /healthz says 503 at once, so the balancer sends no
    // one there (tst_server checks that), what is queued is committed and acked, then the
    // sessions close with "going away". Alice resumes her session on the other node and
    // misses nothing bob sent.
    TwoNodes nodes = twoNodes();
    QVERIFY(nodes.bob);
    auto &[a, b, alice, bob] = nodes;
    const pb::Envelope first = alice->request(WireClient::sendTo(QStringLiteral("bob"), "m0"));
    QVERIFY(first.has_message_ack());
    const quint64 direct = first.message_ack().conversation_id();
    QSignalSpy stopped(a.get(), &Server::stopped);
    a->shutdown();
    QVERIFY(alice->waitForDisconnected());
    QCOMPARE(alice->closeCode(), QWebSocketProtocol::CloseCodeGoingAway);
    for (int i = 1; i <= 5; ++i) // while alice is away
        QVERIFY(bob->request(WireClient::sendIn(direct, QStringLiteral("m%1").arg(i)))
                    .has_message_ack());
    QVERIFY(alice->open(b->port()));
    QVERIFY(alice->hello().has_welcome());
    QVERIFY(alice->resume(alice->token()).has_auth_ok());
    QVERIFY(bob->request(WireClient::sendIn(direct, QStringLiteral("m6"))).has_message_ack());
    QTRY_VERIFY(liveTexts(*alice, direct).contains(QStringLiteral("m6")));
    // What came while she moved, she reads (as the app's sync does): all of it, in order.
    QStringList texts;
    for (const pb::Message &message : historyOf(*alice, direct))
        texts << QString::fromStdString(message.text());
    QCOMPARE(texts, (QStringList { "m0", "m1", "m2", "m3", "m4", "m5", "m6" }));
    QVERIFY(stopped.count() == 1 || stopped.wait(10'000));
}

void TestCluster::redisRestartLosesNothingAcked()
{
    TwoNodes nodes = twoNodes();
    QVERIFY(nodes.bob);
    auto &[a, b, alice, bob] = nodes;
    const pb::Envelope first = alice->request(WireClient::sendTo(QStringLiteral("bob"), "m0"));
    QVERIFY(first.has_message_ack());
    const quint64 direct = first.message_ack().conversation_id();
    QTRY_COMPARE(liveTexts(*bob, direct).size(), 1);

    // Redis goes away mid-run and comes back: every message acked meanwhile is stored once.
    QSet<QString> acked { QStringLiteral("m0") };
    int refused = 0;
    for (int i = 1; i <= 60; ++i) {
        if (i == 20)
            stopRedis();
        if (i == 40)
            QVERIFY(startRedis());
        WireClient &sender = i % 2 ? *alice : *bob;
        const QString text = QStringLiteral("m%1").arg(i);
        const pb::Envelope reply = sender.request(WireClient::sendIn(direct, text));
        if (reply.has_message_ack())
            acked.insert(text);
        else
            ++refused;
    }
    QCOMPARE(refused, 0); // the store does not need Redis
    // Live delivery across the nodes resumes once both are back on Redis.
    QVERIFY(QTest::qWaitFor(
        [&] { return a->cluster()->isConnected() && b->cluster()->isConnected(); }, 15'000));
    QVERIFY(waitForMesh({ a.get(), b.get() }));
    QVERIFY(alice->request(WireClient::sendIn(direct, QStringLiteral("after"))).has_message_ack());
    acked.insert(QStringLiteral("after"));
    QTRY_VERIFY(liveTexts(*bob, direct).contains(QStringLiteral("after")));
    // What bob missed live meanwhile, he gets by reading: everything, once, without a gap.
    const QList<pb::Message> history = historyOf(*bob, direct);
    QSet<QString> stored;
    for (int i = 0; i < history.size(); ++i) {
        QCOMPARE(history[i].seq(), quint64(i + 1));
        const QString text = QString::fromStdString(history[i].text());
        QVERIFY2(!stored.contains(text), qPrintable(text));
        stored.insert(text);
    }
    QCOMPARE(stored, acked);
    qInfo() << "live to bob:" << liveTexts(*bob, direct).size() << "of" << acked.size() / 2
            << "sent by alice; publishes lost while Redis was down:"
            << a->cluster()->lostPublishes() + b->cluster()->lostPublishes();
}

void TestCluster::aNodeKilledUnderLoadLosesNothingAcked()
{
    // Two confabd processes; six users, three on each, all in one group, each with a window of
    // four messages in flight. Node 1 is killed with SIGKILL at a random moment under that
    // load: its users sign in on node 2 and send again what was not acked (same client ids, as
    // the app's outbox does). Every acked message is then stored exactly once, in gapless seqs.
    quint16 ports[3] = {};
    auto node1 = startProcess(1, &ports[1]);
    auto node2 = startProcess(2, &ports[2]);
    QVERIFY(node1 && node2);
    constexpr int kUsers = 6;
    constexpr int kWindow = 4;
    constexpr int kRounds = 40;
    std::vector<std::unique_ptr<WireClient>> users;
    std::vector<int> nodeOf;
    for (int u = 0; u < kUsers; ++u) {
        auto c = std::make_unique<WireClient>();
        nodeOf.push_back(u % 2 ? 2 : 1);
        QVERIFY(c->connectAs(ports[nodeOf.back()], QStringLiteral("user%1").arg(u), true));
        users.push_back(std::move(c));
    }
    pb::Envelope create;
    const QByteArray uuid = QUuid::createUuid().toRfc4122();
    create.mutable_create_group()->set_client_id(uuid.constData(), size_t(uuid.size()));
    create.mutable_create_group()->set_title("load");
    for (int u = 1; u < kUsers; ++u)
        create.mutable_create_group()->add_member_ids(users[size_t(u)]->userId());
    const pb::Envelope created = users[0]->request(create);
    QVERIFY(created.has_group_result());
    const quint64 group = created.group_result().conversation().conversation_id();

    const int killAt = 5 + int(QRandomGenerator::global()->bounded(20));
    QSet<QString> acked;
    int resent = 0;
    QElapsedTimer clock;
    clock.start();
    for (int round = 0; round < kRounds; ++round) {
        if (round == killAt) {
            node1->kill(); // SIGKILL: no drain, no goodbye
            QVERIFY(node1->waitForFinished(10'000));
        }
        for (int u = 0; u < kUsers; ++u) {
            WireClient &c = *users[size_t(u)];
            QList<QPair<quint64, pb::Envelope>> posted;
            for (int w = 0; w < kWindow; ++w) {
                const pb::Envelope send = WireClient::sendIn(
                    group, QStringLiteral("u%1 r%2 w%3").arg(u).arg(round).arg(w));
                posted.append({ c.post(send), send });
            }
            const int postedOn = nodeOf[size_t(u)];
            for (const auto &[requestId, send] : posted) {
                // Its answer, unless the connection dies first (its node was killed), or it
                // was sent to the node since left.
                if (nodeOf[size_t(u)] == postedOn)
                    static_cast<void>(QTest::qWaitFor(
                        [&] { return c.hasResponse(requestId) || !c.isConnected(); }, 10'000));
                pb::Envelope reply = nodeOf[size_t(u)] == postedOn && c.hasResponse(requestId)
                    ? c.waitForResponse(requestId)
                    : pb::Envelope();
                for (int attempt = 0; !reply.has_message_ack() && attempt < 3; ++attempt) {
                    // Not acked (its node died): sign in on the one left and send it again.
                    QVERIFY2(!reply.has_error() || reply.error().code() == pb::UNAVAILABLE,
                             reply.DebugString().c_str());
                    if (!c.isConnected() || nodeOf[size_t(u)] == 1) {
                        c.close();
                        QVERIFY(c.connectAs(ports[2], QStringLiteral("user%1").arg(u), false));
                        nodeOf[size_t(u)] = 2;
                    }
                    ++resent;
                    reply = c.request(send);
                }
                QVERIFY2(reply.has_message_ack(), reply.DebugString().c_str());
                acked.insert(QString::fromStdString(send.send_message().text()));
            }
        }
    }
    QCOMPARE(acked.size(), kUsers * kWindow * kRounds);
    // Everything is in node 2's history once, in seqs 1..n: the group's CREATED entry, then
    // each acked message.
    QList<pb::Message> all;
    for (quint64 before = 0;;) {
        pb::Envelope request;
        request.mutable_history_request()->set_conversation_id(group);
        request.mutable_history_request()->set_before_seq(before);
        request.mutable_history_request()->set_limit(200);
        const pb::Envelope page = users[1]->request(request);
        QVERIFY(page.has_history_page());
        QList<pb::Message> messages { page.history_page().messages().begin(),
                                      page.history_page().messages().end() };
        all = messages + all;
        if (!page.history_page().has_more() || messages.isEmpty())
            break;
        before = messages.first().seq();
    }
    QCOMPARE(all.size(), 1 + kUsers * kWindow * kRounds);
    QSet<QString> stored;
    for (int i = 0; i < all.size(); ++i) {
        QCOMPARE(all[i].seq(), quint64(i + 1));
        if (i == 0)
            continue;
        const QString text = QString::fromStdString(all[i].text());
        QVERIFY2(!stored.contains(text), qPrintable(text));
        stored.insert(text);
    }
    QCOMPARE(stored, acked);
    qInfo() << "node 1 killed at round" << killAt << "of" << kRounds << ";" << resent
            << "messages sent again on node 2;" << clock.elapsed() << "ms in all";
    node2->terminate();
    QVERIFY(node2->waitForFinished(20'000));
}

void TestCluster::configNeedsPostgresForRedis()
{
    ServerConfig config;
    config.dataDir = m_dir->path();
    config.redis = QStringLiteral("127.0.0.1:6379");
    auto valid = config.validate();
    QVERIFY(!valid);
    QVERIFY2(valid.error().message.contains(QStringLiteral("store/postgres")),
             why(valid).constData());
    config.postgres = postgresConnection();
    config.redis = QStringLiteral("127.0.0.1:notaport");
    valid = config.validate();
    QVERIFY(!valid);
    QVERIFY2(valid.error().message.contains(QStringLiteral("cluster/redis")),
             why(valid).constData());
}

QTEST_GUILESS_MAIN(TestCluster)
#include "tst_cluster.moc"
