#include "store/sqlitestore.h"
#include "testprocesses.h"
#include "wireclient.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Confab;

namespace {

//! One sender with its outbox: messages leave it only when acked (DESIGN.md §3.1).
struct Sender
{
    QString name;
    QList<QPair<QUuid, QString>> outbox;
    QHash<QUuid, pb::MessageAck> acked;
    int created = 0;
};

} // namespace

//! The delivery contract under SIGKILL: a real confabd child process, killed at random moments
//! while clients send; clients reconnect and resend their outboxes. Every acked message must be
//! stored exactly once, with its acked id and seq, and seqs must stay gapless.
class TestCrash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void ackedMessageSurvivesSigkill();
    void randomSigkillsUnderLoadLoseAndDuplicateNothing();
    void sigtermCommitsInFlightAndExitsZero();

private:
    [[nodiscard]] bool startServer();
    void killServer();
    std::unique_ptr<WireClient> connect(const QString &name, bool registerFirst);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_server;
    quint16 m_port = 0;
};

void TestCrash::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QFile config(m_dir->filePath(QStringLiteral("confabd.conf")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write("[auth]\nargon2_ops_limit=1\nargon2_mem_limit_kib=8\n"
                 "registrations_per_address_per_hour=0\n"
                 "[limits]\nrate_per_second=100000\nrate_burst=100000\n"
                 "user_rate_per_second=0\nmax_connections_per_address=0\n");
}

void TestCrash::cleanup()
{
    killServer();
    m_dir.reset();
}

bool TestCrash::startServer()
{
    m_server = std::make_unique<QProcess>();
    m_server->setProgram(QStringLiteral(CONFABD_PATH));
    m_server->setArguments({ QStringLiteral("--config"),
                             m_dir->filePath(QStringLiteral("confabd.conf")),
                             QStringLiteral("--data-dir"), m_dir->filePath(QStringLiteral("data")),
                             QStringLiteral("--port"), QStringLiteral("0") });
    m_port = TestProcesses::startConfabd(*m_server);
    return m_port != 0;
}

void TestCrash::killServer()
{
    if (!m_server)
        return;
    m_server->kill(); // SIGKILL: no shutdown code runs
    m_server->waitForFinished(10'000);
    m_server.reset();
}

std::unique_ptr<WireClient> TestCrash::connect(const QString &name, bool registerFirst)
{
    auto client = std::make_unique<WireClient>();
    if (!client->connectAs(m_port, name, registerFirst))
        return nullptr;
    return client;
}

void TestCrash::ackedMessageSurvivesSigkill()
{
    QVERIFY(startServer());
    auto alice = connect(QStringLiteral("alice"), true);
    QVERIFY(alice && connect(QStringLiteral("bob"), true));
    const auto ack =
        alice->request(WireClient::sendTo(QStringLiteral("bob"), QStringLiteral("survive")));
    QVERIFY(ack.has_message_ack());
    killServer(); // right after the ack arrived

    QVERIFY(startServer());
    auto bob = connect(QStringLiteral("bob"), false);
    QVERIFY(bob);
    pb::Envelope sync;
    sync.mutable_sync_request();
    const auto page = bob->request(sync);
    QCOMPARE(page.sync_page().messages_size(), 1);
    QCOMPARE(page.sync_page().messages(0).message_id(), ack.message_ack().message_id());
    QCOMPARE(page.sync_page().messages(0).text(), std::string("survive"));
}

void TestCrash::randomSigkillsUnderLoadLoseAndDuplicateNothing()
{
    // CTest runs a short soak. The long one, hundreds of kills:
    //   CONFAB_SOAK_ROUNDS=300 CONFAB_SOAK_SEED=0 tst_crash
    //   randomSigkillsUnderLoadLoseAndDuplicateNothing
    // (seed 0: a new one each run, printed so that a failure can be replayed).
    constexpr int kSenders = 4;
    constexpr int kNewPerRound = 150;
    const int soakRounds = qEnvironmentVariableIntValue("CONFAB_SOAK_ROUNDS");
    const int kRounds = soakRounds > 0 ? std::min(soakRounds, 100'000) : 6;
    quint32 seed = 20261123;
    if (qEnvironmentVariableIsSet("CONFAB_SOAK_SEED")) {
        seed = quint32(qEnvironmentVariableIntValue("CONFAB_SOAK_SEED"));
        if (seed == 0)
            seed = QRandomGenerator::system()->generate() | 1;
    }
    qInfo("soak: %d rounds, seed %u", kRounds, seed);
    QRandomGenerator random(seed);
    int clientKills = 0;
    QList<Sender> senders;
    for (int i = 0; i < kSenders; ++i)
        senders.append({ QStringLiteral("sender%1").arg(i), {}, {}, 0 });

    for (int round = 0; round <= kRounds; ++round) {
        const bool last = round == kRounds;
        QVERIFY(startServer());
        if (round == 0)
            QVERIFY(connect(QStringLiteral("bob"), true));
        std::vector<std::unique_ptr<WireClient>> clients;
        QHash<quint64, QUuid> inFlight[kSenders];
        for (int i = 0; i < kSenders; ++i) {
            Sender &sender = senders[i];
            clients.push_back(connect(sender.name, round == 0));
            QVERIFY(clients.back());
            if (!last) {
                for (int k = 0; k < kNewPerRound; ++k) {
                    const QUuid id = QUuid::createUuid();
                    sender.outbox.append(
                        { id, QStringLiteral("%1-%2").arg(sender.name).arg(sender.created++) });
                }
            }
            // The whole outbox, oldest first: resends of unacked messages, then the new ones.
            for (const auto &[id, text] : std::as_const(sender.outbox))
                inFlight[i].insert(
                    clients.back()->post(WireClient::sendTo(QStringLiteral("bob"), text, id)), id);
        }
        int total = 0;
        for (int i = 0; i < kSenders; ++i)
            total += inFlight[i].size();
        // Kill after a random number of acks: at a random moment of the commit stream.
        const int killAfter = last ? total : int(random.bounded(1, std::max(2, total)));
        // In half the rounds a client dies too, earlier: its answers in flight are lost, and it
        // comes back and resends its whole outbox (same client ids) to the same server.
        const int clientKillAfter =
            !last && random.bounded(2) == 0 ? int(random.bounded(0, killAfter)) : -1;
        const int victim = int(random.bounded(kSenders));
        int mismatches = 0;
        auto collect = [&] {
            int acks = 0;
            for (int i = 0; i < kSenders; ++i) {
                for (auto it = inFlight[i].begin(); it != inFlight[i].end();) {
                    if (!clients[i]->hasResponse(it.key())) {
                        ++it;
                        continue;
                    }
                    const auto reply = clients[i]->waitForResponse(it.key(), 0);
                    if (reply.has_message_ack()) {
                        Sender &sender = senders[i];
                        const QUuid id = it.value();
                        if (sender.acked.contains(id) // a resend must return the original ack
                            && (sender.acked[id].message_id() != reply.message_ack().message_id()
                                || sender.acked[id].seq() != reply.message_ack().seq()))
                            ++mismatches;
                        sender.acked.insert(id, reply.message_ack());
                        sender.outbox.removeIf(
                            [id](const auto &entry) { return entry.first == id; });
                        ++acks;
                    }
                    it = inFlight[i].erase(it);
                }
            }
            return acks;
        };
        int acked = 0;
        bool clientKilled = false;
        bool reconnectFailed = false;
        QVERIFY(QTest::qWaitFor(
            [&] {
                acked += collect();
                if (clientKillAfter >= 0 && !clientKilled && acked >= clientKillAfter) {
                    clientKilled = true;
                    ++clientKills;
                    clients[victim]->socket().abort();
                    inFlight[victim].clear();
                    clients[victim] = connect(senders[victim].name, false);
                    if (!clients[victim]) {
                        reconnectFailed = true;
                        return true;
                    }
                    for (const auto &[id, text] : std::as_const(senders[victim].outbox))
                        inFlight[victim].insert(clients[victim]->post(WireClient::sendTo(
                                                    QStringLiteral("bob"), text, id)),
                                                id);
                }
                return acked >= killAfter;
            },
            60'000));
        QVERIFY(!reconnectFailed);
        killServer();
        acked += collect(); // acks that arrived before the kill took effect
        QCOMPARE(mismatches, 0);
    }

    // Every message any sender created was acked exactly once, and is stored exactly once.
    int created = 0;
    for (const Sender &sender : senders) {
        QVERIFY2(sender.outbox.isEmpty(), qPrintable(sender.name));
        QCOMPARE(sender.acked.size(), sender.created);
        created += sender.created;
    }
    QCOMPARE(created, kSenders * kRounds * kNewPerRound);
    qInfo("soak: %d server kills (SIGKILL), %d client kills, %d messages each acked once", kRounds,
          clientKills, created);

    // confabd's own check agrees: integrity, gapless seqs, cursors.
    QProcess check;
    check.start(QStringLiteral(CONFABD_PATH),
                { QStringLiteral("--config"), m_dir->filePath(QStringLiteral("confabd.conf")),
                  QStringLiteral("--data-dir"), m_dir->filePath(QStringLiteral("data")),
                  QStringLiteral("check") });
    QVERIFY(check.waitForFinished(60'000));
    QVERIFY2(check.exitStatus() == QProcess::NormalExit && check.exitCode() == 0,
             check.readAllStandardOutput() + check.readAllStandardError());

    Store::SqliteStore store(m_dir->filePath(QStringLiteral("data")));
    QVERIFY(store.open());
    QCOMPARE(store.stats().value().messages, qint64(created));
    for (const Sender &sender : senders) {
        const auto user = store.userByName(sender.name).value();
        const quint64 conversation = sender.acked.begin()->conversation_id();
        QHash<QByteArray, pb::Message> stored;
        quint64 expectedSeq = 1;
        for (quint64 before = 0;;) {
            auto page = store.history(user.userId, conversation, before, 200).value();
            for (auto it = page.messages().rbegin(); it != page.messages().rend(); ++it)
                stored.insert(QByteArray::fromStdString(it->client_id()), *it);
            if (!page.has_more())
                break;
            before = page.messages(0).seq();
        }
        QCOMPARE(stored.size(), sender.created);
        QList<quint64> seqs;
        for (auto it = sender.acked.cbegin(); it != sender.acked.cend(); ++it) {
            const pb::Message message = stored.value(it.key().toRfc4122());
            QCOMPARE(message.message_id(), it.value().message_id());
            QCOMPARE(message.seq(), it.value().seq());
            seqs << message.seq();
        }
        std::sort(seqs.begin(), seqs.end());
        for (quint64 seq : seqs)
            QCOMPARE(seq, expectedSeq++); // gapless 1..N
    }
}

void TestCrash::sigtermCommitsInFlightAndExitsZero()
{
    QVERIFY(startServer());
    auto alice = connect(QStringLiteral("alice"), true);
    QVERIFY(alice && connect(QStringLiteral("bob"), true));
    QList<quint64> ids;
    for (int i = 0; i < 300; ++i)
        ids << alice->post(WireClient::sendTo(QStringLiteral("bob"), QStringLiteral("m%1").arg(i)));
    QVERIFY(QTest::qWaitFor([&] { return alice->hasResponse(ids.first()); }, 10'000));
    m_server->terminate(); // SIGTERM, with messages still in flight
    QVERIFY(m_server->waitForFinished(15'000));
    QCOMPARE(m_server->exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_server->exitCode(), 0);
    QVERIFY(alice->waitForDisconnected());
    QCOMPARE(alice->closeCode(), QWebSocketProtocol::CloseCodeGoingAway);
    int acked = 0;
    for (quint64 id : ids)
        acked += alice->hasResponse(id) && alice->waitForResponse(id, 0).has_message_ack();
    m_server.reset();
    Store::SqliteStore store(m_dir->filePath(QStringLiteral("data")));
    QVERIFY(store.open());
    QCOMPARE(store.stats().value().messages, qint64(acked)); // all acked stored, none unacked
    QVERIFY(acked > 0);
}

QTEST_GUILESS_MAIN(TestCrash)
#include "tst_crash.moc"
