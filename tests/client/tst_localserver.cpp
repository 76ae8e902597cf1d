#include "autostart.h"
#include "localserver.h"
#include "privatesettings.h"
#include "singleinstance.h"

#include <confab/datadir.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Confab::Client;

namespace {

//! The Exec line of a desktop entry, as a shell would run it: the key's escapes undone and
//! %% made %. The freedesktop quoting inside it is the shell's double-quote syntax.
QString execLine(const QString &desktopFile)
{
    QFile file(desktopFile);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    for (const QString &line : QString::fromUtf8(file.readAll()).split(u'\n')) {
        if (!line.startsWith(QStringLiteral("Exec=")))
            continue;
        QString value;
        const QString raw = line.mid(5);
        for (int i = 0; i < raw.size(); ++i) {
            if (raw[i] == u'\\' && i + 1 < raw.size()) {
                const QChar next = raw[++i];
                value += next == u'n' ? QChar(u'\n') : next == u't' ? QChar(u'\t') : next;
            } else {
                value += raw[i];
            }
        }
        return value.replace(QStringLiteral("%%"), QStringLiteral("%"));
    }
    return {};
}

} // namespace

//! The server on this computer: its login item runs a real confabd with the exact data
//! directory, however odd its path; a second app finds the confabd already running instead of
//! starting another.
class TestLocalServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void argumentsAreQuotedForDesktopEntries_data();
    void argumentsAreQuotedForDesktopEntries();
    void loginItemStartsTheServerOnItsDataDirectory();
    void aRunningServerIsUsedNotStartedTwice();
    void aSecondLaunchBringsTheFirstForward();

private:
    PrivateSettings m_settings;
};

void TestLocalServer::initTestCase()
{
    QVERIFY(m_settings.isValid());
    qputenv("CONFAB_CONFABD", CONFABD_PATH);
}

void TestLocalServer::argumentsAreQuotedForDesktopEntries_data()
{
    QTest::addColumn<QString>("argument");
    QTest::addColumn<QString>("quoted");
    QTest::newRow("plain") << QStringLiteral("--port") << QStringLiteral("--port");
    QTest::newRow("space") << QStringLiteral("/home/a b/x") << QStringLiteral("\"/home/a b/x\"");
    QTest::newRow("dollar") << QStringLiteral("$HOME") << QStringLiteral("\"\\$HOME\"");
    QTest::newRow("quote") << QStringLiteral("say \"hi\"") << QStringLiteral("\"say \\\"hi\\\"\"");
    QTest::newRow("backslash") << QStringLiteral("a\\b") << QStringLiteral("\"a\\\\b\"");
    QTest::newRow("percent") << QStringLiteral("100%") << QStringLiteral("100%%");
    QTest::newRow("empty") << QString() << QStringLiteral("\"\"");
    QTest::newRow("chinese") << QStringLiteral("数据") << QStringLiteral("数据");
}

void TestLocalServer::argumentsAreQuotedForDesktopEntries()
{
    QFETCH(QString, argument);
    QFETCH(QString, quoted);
    QCOMPARE(Autostart::quoteExecArgument(argument), quoted);
}

void TestLocalServer::loginItemStartsTheServerOnItsDataDirectory()
{
    QTemporaryDir base;
    const QString dataDir = base.filePath(QStringLiteral("my \"chat\" $server 100% 数据\\x"));
    LocalServer server(dataDir);
    const Autostart item = LocalServer::loginItem();
    QVERIFY(!item.isEnabled());
    QVERIFY(item.location().startsWith(m_settings.path())); // never the real session's
    QVERIFY(server.setStartAtLogin(true, false, 0));
    QVERIFY(item.isEnabled());
    QVERIFY(QFile::exists(item.location()));

    // Run the entry the way a session manager does, and see it serve that very directory.
    const QString exec = execLine(item.location());
    QVERIFY2(exec.contains(QStringLiteral("--data-dir")), qPrintable(exec));
    QProcess process;
    process.start(QStringLiteral("/bin/sh"),
                  { QStringLiteral("-c"), QStringLiteral("exec ") + exec });
    QVERIFY(process.waitForStarted());
    // Listening: confabd says where, beside its data.
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(Confab::DataDir::addressFile(dataDir)), 15'000);
    QTRY_VERIFY(QFile::exists(QDir(dataDir).filePath(QStringLiteral("confab.db"))));
    process.terminate();
    QVERIFY(process.waitForFinished(10'000));
    QCOMPARE(process.exitCode(), 0);

    QVERIFY(server.setStartAtLogin(false, false, 0));
    QVERIFY(!item.isEnabled());
    QVERIFY(!QFile::exists(item.location()));
}

void TestLocalServer::aRunningServerIsUsedNotStartedTwice()
{
    QTemporaryDir base;
    const QString dataDir = base.filePath(QStringLiteral("server"));
    auto first = std::make_unique<LocalServer>(dataDir);
    QSignalSpy firstStarted(first.get(), &LocalServer::started);
    first->setKeepRunning(false);
    first->start(false, 0);
    QVERIFY(firstStarted.wait(15'000));
    const quint16 port = firstStarted.first().first().value<quint16>();
    QVERIFY(port != 0);
    QVERIFY(!first->isExternal());

    // A second app (or the same one restarted) finds it: same port, not its child.
    LocalServer second(dataDir);
    QSignalSpy secondStarted(&second, &LocalServer::started);
    QSignalSpy secondFailed(&second, &LocalServer::failed);
    second.start(false, 0);
    QVERIFY(secondStarted.wait(5000));
    QCOMPARE(secondStarted.first().first().value<quint16>(), port);
    QVERIFY(second.isExternal());
    QVERIFY(second.isRunning());
    QCOMPARE(secondFailed.size(), 0);
    second.stop(); // not its to stop
    QVERIFY(first->isRunning());

    // Once the first one stops it, the directory is free, and the next start runs a new one.
    first.reset();
    QVERIFY(!QFile::exists(Confab::DataDir::addressFile(dataDir)));
    LocalServer third(dataDir);
    QSignalSpy thirdStarted(&third, &LocalServer::started);
    third.start(false, 0);
    QVERIFY(thirdStarted.wait(15'000));
    QVERIFY(!third.isExternal());
}

void TestLocalServer::aSecondLaunchBringsTheFirstForward()
{
    QTemporaryDir base;
    const QString dataDir = base.filePath(QStringLiteral("app"));
    auto first = std::make_unique<SingleInstance>(dataDir);
    QVERIFY(first->acquire());
    QVERIFY(first->acquire()); // again: still it
    QSignalSpy activated(first.get(), &SingleInstance::activationRequested);

    // Another launch cannot have the data directory; it asks the first to show itself.
    SingleInstance second(dataDir);
    QVERIFY(!second.acquire());
    QVERIFY(second.activateFirst());
    QTRY_COMPARE(activated.size(), 1);

    // A different data directory (another user or profile) is independent.
    SingleInstance elsewhere(base.filePath(QStringLiteral("other")));
    QVERIFY(elsewhere.acquire());

    // Once the first quits, the next launch is the one instance.
    first.reset();
    QVERIFY(!second.activateFirst(500));
    QVERIFY(second.acquire());
}

QTEST_GUILESS_MAIN(TestLocalServer)
#include "tst_localserver.moc"
