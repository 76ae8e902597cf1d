// An installed confabd, end to end, as an administrator and a user meet it: start it, create two
// accounts with its admin command while it serves, a client core signs in and sends, the other
// receives, `stats` counts the message, `backup` and `check` pass, SIGTERM stops it cleanly. The
// binary is the build tree's, or the one named by $CONFAB_SMOKE_CONFABD (installer/package.sh runs
// this against the .deb's).
#include "chatclient.h"

#include <confab/datadir.h>

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>

using namespace Confab;
using namespace Confab::Client;

class TestServerSmoke : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void serveAdministerChatAndStop();
    void logLinesSuitTheConsoleAndTheJournal();

private:
    [[nodiscard]] QString admin(const QStringList &command, const QByteArray &input = {});

    QString m_confabd;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_server;
};

void TestServerSmoke::initTestCase()
{
    m_confabd = qEnvironmentVariable("CONFAB_SMOKE_CONFABD", QStringLiteral(CONFABD_PATH));
    QVERIFY2(QFile::exists(m_confabd), qPrintable(m_confabd));
    qInfo() << "confabd under test:" << m_confabd;
}

void TestServerSmoke::cleanup()
{
    if (m_server && m_server->state() != QProcess::NotRunning) {
        m_server->kill();
        m_server->waitForFinished(5000);
    }
    m_server.reset();
    m_dir.reset();
}

QString TestServerSmoke::admin(const QStringList &command, const QByteArray &input)
{
    QProcess run;
    run.start(m_confabd,
              QStringList { QStringLiteral("--data-dir"), m_dir->filePath("data") } + command);
    if (!run.waitForStarted(5000))
        return {};
    run.write(input);
    run.closeWriteChannel();
    if (!run.waitForFinished(30'000) || run.exitStatus() != QProcess::NormalExit
        || run.exitCode() != 0) {
        qWarning() << command << "failed:" << run.readAllStandardError();
        return {};
    }
    return QString::fromUtf8(run.readAllStandardOutput() + run.readAllStandardError());
}

void TestServerSmoke::serveAdministerChatAndStop()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    const QString dataDir = m_dir->filePath("data");
    m_server = std::make_unique<QProcess>();
    m_server->setProcessChannelMode(QProcess::SeparateChannels);
    m_server->start(
        m_confabd,
        { QStringLiteral("--data-dir"), dataDir, QStringLiteral("--port"), QStringLiteral("0") });
    QVERIFY(m_server->waitForStarted(5000));
    static const QRegularExpression listening(QStringLiteral("listening on ws://127.0.0.1:(\\d+)"));
    quint16 port = 0;
    QVERIFY(QTest::qWaitFor(
        [&] {
            const auto match = listening.match(QString::fromUtf8(m_server->peek(4096)));
            port = match.hasMatch() ? quint16(match.captured(1).toUInt()) : 0;
            return port != 0;
        },
        10'000));

    // Accounts made by the administrator while it serves (the password and its confirmation on
    // standard input).
    QVERIFY(!admin({ QStringLiteral("user"), QStringLiteral("add"), QStringLiteral("alice"),
                     QStringLiteral("Alice") },
                   "alice-password\nalice-password\n")
                 .isNull());
    QVERIFY(!admin({ QStringLiteral("user"), QStringLiteral("add"), QStringLiteral("bob") },
                   "bob-password\nbob-password\n")
                 .isNull());
    QVERIFY(admin({ QStringLiteral("user"), QStringLiteral("list") }).contains("alice"));

    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/").arg(port));
    auto signIn = [&](const QString &name, const QString &password) {
        auto client = std::make_unique<ChatClient>(m_dir->filePath(name));
        client->setServerUrl(url);
        client->signIn(name, password);
        return client;
    };
    auto alice = signIn(QStringLiteral("alice"), QStringLiteral("alice-password"));
    auto bob = signIn(QStringLiteral("bob"), QStringLiteral("bob-password"));
    QTRY_VERIFY_WITH_TIMEOUT(alice->state() == ChatClient::State::Online, 15'000);
    QTRY_VERIFY_WITH_TIMEOUT(bob->state() == ChatClient::State::Online, 15'000);
    QSignalSpy received(bob.get(), &ChatClient::messageAdded);
    QSignalSpy changed(alice.get(), &ChatClient::messageChanged);
    QVERIFY(alice->sendMessageTo(QStringLiteral("bob"), QStringLiteral("installed and working"))
                .isOk());
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 1, 10'000);
    QCOMPARE(changed.first().first().value<ChatMessage>().state, MessageState::Sent);
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1, 10'000);
    QCOMPARE(received.first().first().value<ChatMessage>().text,
             QStringLiteral("installed and working"));
    alice.reset();
    bob.reset();

    const QString stats = admin({ QStringLiteral("stats") });
    QVERIFY2(QRegularExpression(QStringLiteral("messages\\D*1\\b")).match(stats).hasMatch(),
             qPrintable(stats));

    // A backup while it serves, and the invariants checked.
    const QString backup = m_dir->filePath("backup.db");
    QVERIFY(admin({ QStringLiteral("backup"), backup }).contains("backup written"));
    QVERIFY(QFile::exists(backup));
    QVERIFY(admin({ QStringLiteral("check") }).contains("ok:"));

    // SIGTERM: a clean stop, exit 0, the address file gone.
    QVERIFY(QFile::exists(DataDir::addressFile(dataDir)));
    ::kill(pid_t(m_server->processId()), SIGTERM);
    QVERIFY(m_server->waitForFinished(15'000));
    QCOMPARE(m_server->exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_server->exitCode(), 0);
    QVERIFY(!QFile::exists(DataDir::addressFile(dataDir)));
}

void TestServerSmoke::logLinesSuitTheConsoleAndTheJournal()
{
    m_dir = std::make_unique<QTemporaryDir>();
    auto firstLine = [&](bool journal) {
        QProcess server;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.remove(QStringLiteral("JOURNAL_STREAM"));
        if (journal)
            environment.insert(QStringLiteral("JOURNAL_STREAM"), QStringLiteral("8:12345"));
        server.setProcessEnvironment(environment);
        server.start(m_confabd,
                     { QStringLiteral("--data-dir"),
                       m_dir->filePath(journal ? "journal" : "console"), QStringLiteral("--port"),
                       QStringLiteral("0") });
        server.setReadChannel(QProcess::StandardError);
        QString line;
        if (QTest::qWaitFor([&] { return server.canReadLine(); }, 10'000))
            line = QString::fromUtf8(server.readLine()).trimmed();
        server.terminate();
        server.waitForFinished(10'000);
        return line;
    };
    // The first line is the store's migration of the new database, at info level.
    const QString console = firstLine(false);
    QVERIFY2(
        QRegularExpression(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+ info confab\\.store: "))
            .match(console)
            .hasMatch(),
        qPrintable(console));
    const QString journal = firstLine(true);
    QVERIFY2(journal.startsWith(QStringLiteral("<6>confab.store: ")), qPrintable(journal));
}

QTEST_GUILESS_MAIN(TestServerSmoke)
#include "tst_serversmoke.moc"
