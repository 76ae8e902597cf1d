#include "app/serverconfig.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace Confab;

class TestServerConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultsListenOnLoopback();
    void readsEveryKeyFromTheFile();
    void unknownKeysAreReported();
    void invalidValuesAreRefused_data();
    void invalidValuesAreRefused();
    void commandLineOverridesTheFile();
    void missingConfigFileIsAnError();

private:
    Result<ServerConfig> load(const QStringList &arguments, const QByteArray &ini = {},
                              QStringList *warnings = nullptr);
    QTemporaryDir m_dir;
};

Result<ServerConfig> TestServerConfig::load(const QStringList &arguments, const QByteArray &ini,
                                            QStringList *warnings)
{
    QStringList args { QStringLiteral("confabd") };
    if (!ini.isNull()) {
        // A new file each time: QSettings caches files by path and modification time.
        static int counter = 0;
        const QString path = m_dir.filePath(QStringLiteral("confabd-%1.conf").arg(++counter));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return Error { ErrorCode::INTERNAL, QStringLiteral("cannot write the test config") };
        file.write(ini);
        file.close();
        args << QStringLiteral("--config") << path;
    }
    args << arguments;
    QCommandLineParser parser;
    addServerOptions(parser);
    if (!parser.parse(args))
        return Error { ErrorCode::INVALID_ARGUMENT, parser.errorText() };
    QStringList ignored;
    return loadServerConfig(parser, warnings ? warnings : &ignored);
}

void TestServerConfig::defaultsListenOnLoopback()
{
    auto config = load({}, QByteArray(""));
    QVERIFY(config.isOk());
    QCOMPARE(config.value().listenAddress, QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(config.value().port, quint16(7700));
    QCOMPARE(config.value().dataDir, ServerConfig::defaultDataDir());
    QCOMPARE(config.value().limits, Limits());
}

void TestServerConfig::readsEveryKeyFromTheFile()
{
    QStringList warnings;
    auto config =
        load({},
             "[server]\nlisten=0.0.0.0\nport=8800\ndata_dir=/srv/confab\nnode_id=42\nname=chat\n"
             "max_database_mb=512\n"
             "[limits]\nmax_frame_bytes=300000\nmax_text_bytes=4096\nmax_page_size=50\n"
             "max_group_members=12\nrate_per_second=9\nrate_burst=11\nping_interval_ms=1000\n"
             "user_rate_per_second=13\nuser_rate_burst=14\nmax_connections_per_address=15\n"
             "idle_timeout_ms=5000\nhandshake_timeout_ms=700\nmax_store_queue=33\n"
             "max_send_queue_bytes=100000\n"
             "[auth]\ntoken_ttl_days=2\nargon2_ops_limit=3\nargon2_mem_limit_kib=1024\n"
             "threads=4\nmax_pending=5\nlogin_failures_per_user=6\n"
             "login_failures_per_address=7\nlogin_window_seconds=8\nregistration=closed\n"
             "registrations_per_address_per_hour=9\n"
             "[tls]\ncertificate=/etc/ssl/chat.pem\nkey=private/chat.key\n"
             "[store]\npostgres = host=db.internal port=6432 dbname=confab user=chat "
             "sslmode=require\n",
             &warnings);
    QVERIFY2(config.isOk(), config.isOk() ? "" : qPrintable(config.error().message));
    QVERIFY2(warnings.isEmpty(), qPrintable(warnings.join(u'\n')));
    const ServerConfig &c = config.value();
    QCOMPARE(c.listenAddress, QHostAddress(QHostAddress::AnyIPv4));
    QCOMPARE(c.port, quint16(8800));
    QCOMPARE(c.dataDir, QStringLiteral("/srv/confab"));
    QCOMPARE(c.nodeId, quint16(42));
    QCOMPARE(c.serverName, QStringLiteral("chat"));
    QCOMPARE(c.maxDatabaseMb, quint64(512));
    QCOMPARE(c.postgres,
             QStringLiteral("host=db.internal port=6432 dbname=confab user=chat "
                            "sslmode=require"));
    QCOMPARE(c.limits.maxFrameBytes, 300000u);
    QCOMPARE(c.limits.maxTextBytes, 4096u);
    QCOMPARE(c.limits.maxPageSize, 50u);
    QCOMPARE(c.limits.maxGroupMembers, 12u);
    QCOMPARE(c.limits.ratePerSecond, 9u);
    QCOMPARE(c.limits.rateBurst, 11u);
    QCOMPARE(c.userRatePerSecond, 13u);
    QCOMPARE(c.userRateBurst, 14u);
    QCOMPARE(c.maxConnectionsPerAddress, 15);
    QCOMPARE(c.limits.pingIntervalMs, 1000u);
    QCOMPARE(c.limits.idleTimeoutMs, 5000u);
    QCOMPARE(c.handshakeTimeoutMs, 700);
    QCOMPARE(c.maxStoreQueue, 33);
    QCOMPARE(c.maxSendQueueBytes, 100000);
    QCOMPARE(c.tokenTtlMs, qint64(2) * 24 * 3600 * 1000);
    QCOMPARE(c.hashCost.opsLimit, quint64(3));
    QCOMPARE(c.hashCost.memLimitBytes, quint64(1024) * 1024);
    QCOMPARE(c.authThreads, 4);
    QCOMPARE(c.maxPendingAuth, 5);
    QCOMPARE(c.loginFailuresPerUser, 6);
    QCOMPARE(c.loginFailuresPerAddress, 7);
    QVERIFY(!c.openRegistration);
    QCOMPARE(c.loginWindowMs, 8000);
    QCOMPARE(c.registrationsPerAddressPerHour, 9);
    QCOMPARE(c.tlsCertificate, QStringLiteral("/etc/ssl/chat.pem"));
    // A relative path is taken from the config file's directory.
    QCOMPARE(c.tlsKey, QDir(m_dir.path()).filePath(QStringLiteral("private/chat.key")));
}

void TestServerConfig::unknownKeysAreReported()
{
    QStringList warnings;
    auto config = load({}, "[server]\nprot=1234\n", &warnings);
    QVERIFY(config.isOk());
    QCOMPARE(warnings.size(), 1);
    QVERIFY(warnings.first().contains(QStringLiteral("server/prot")));
}

void TestServerConfig::invalidValuesAreRefused_data()
{
    QTest::addColumn<QByteArray>("ini");
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("port-not-a-number")
        << QByteArray("[server]\nport=http\n") << QStringList() << "server/port";
    QTest::newRow("port-too-big") << QByteArray("[server]\nport=70000\n") << QStringList()
                                  << "server/port";
    QTest::newRow("listen-not-an-ip")
        << QByteArray("[server]\nlisten=example.org\n") << QStringList() << "server/listen";
    QTest::newRow("node-id") << QByteArray("[server]\nnode_id=1024\n") << QStringList()
                             << "server/node_id";
    QTest::newRow("postgres-without-database")
        << QByteArray("[store]\npostgres = host=127.0.0.1 user=confab\n") << QStringList()
        << "store/postgres";
    QTest::newRow("postgres-not-key-value")
        << QByteArray("[store]\npostgres = postgresql://127.0.0.1/confab\n") << QStringList()
        << "store/postgres";
    QTest::newRow("text-bigger-than-frame")
        << QByteArray("[limits]\nmax_frame_bytes=2000\n") << QStringList() << "limits";
    QTest::newRow("idle-before-ping")
        << QByteArray("[limits]\nping_interval_ms=5000\nidle_timeout_ms=4000\n") << QStringList()
        << "idle";
    QTest::newRow("registration") << QByteArray("[auth]\nregistration=maybe\n") << QStringList()
                                  << "auth/registration";
    QTest::newRow("tls-half") << QByteArray("[tls]\ncertificate=/etc/ssl/chat.pem\n")
                              << QStringList() << "both the certificate and the key";
    QTest::newRow("cli-port") << QByteArray("") << QStringList { "--port", "-1" } << "--port";
    QTest::newRow("cli-node") << QByteArray("") << QStringList { "--node-id", "5000" }
                              << "--node-id";
    QTest::newRow("cli-listen") << QByteArray("") << QStringList { "--listen", "localhost.example" }
                                << "--listen";
}

void TestServerConfig::invalidValuesAreRefused()
{
    QFETCH(QByteArray, ini);
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    auto config = load(arguments, ini);
    QVERIFY(!config.isOk());
    QVERIFY2(config.error().message.contains(mentions), qPrintable(config.error().message));
}

void TestServerConfig::commandLineOverridesTheFile()
{
    auto config =
        load({ QStringLiteral("--port"), QStringLiteral("9900"), QStringLiteral("--listen"),
               QStringLiteral("::1"), QStringLiteral("--data-dir"), QStringLiteral("/tmp/x"),
               QStringLiteral("--node-id"), QStringLiteral("9") },
             "[server]\nport=8800\nlisten=127.0.0.1\ndata_dir=/srv\nnode_id=3\n");
    QVERIFY(config.isOk());
    QCOMPARE(config.value().port, quint16(9900));
    QCOMPARE(config.value().listenAddress, QHostAddress(QHostAddress::LocalHostIPv6));
    QCOMPARE(config.value().dataDir, QStringLiteral("/tmp/x"));
    QCOMPARE(config.value().nodeId, quint16(9));
}

void TestServerConfig::missingConfigFileIsAnError()
{
    QCommandLineParser parser;
    addServerOptions(parser);
    QVERIFY(parser.parse({ QStringLiteral("confabd"), QStringLiteral("--config"),
                           m_dir.filePath(QStringLiteral("missing.conf")) }));
    QStringList warnings;
    auto config = loadServerConfig(parser, &warnings);
    QVERIFY(!config.isOk());
    QVERIFY(config.error().message.contains(QStringLiteral("missing.conf")));
}

QTEST_GUILESS_MAIN(TestServerConfig)
#include "tst_serverconfig.moc"
