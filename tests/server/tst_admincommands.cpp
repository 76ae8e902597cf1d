#include "admin/admincommands.h"
#include "app/serverconfig.h"
#include "store/sqlitestore.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Confab;

//! The admin commands on a real data directory, with a scripted password prompt.
class TestAdminCommands : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void addListDisableEnable();
    void addRefusesBadNamesAndMismatchedPasswords();
    void resetPasswordChangesTheHashAndEndsSessions();
    void statsCountsWhatIsStored();
    void unknownCommandShowsUsage();

private:
    int run(const QStringList &arguments, QStringList passwords = {});
    std::unique_ptr<QTemporaryDir> m_dir;
    ServerConfig m_config;
    QString m_out;
    QString m_err;
};

void TestAdminCommands::init()
{
    QVERIFY(Auth::initCrypto());
    m_dir = std::make_unique<QTemporaryDir>();
    m_config = ServerConfig();
    m_config.dataDir = m_dir->path();
    m_config.hashCost = Auth::HashCost::minimum();
}

int TestAdminCommands::run(const QStringList &arguments, QStringList passwords)
{
    m_out.clear();
    m_err.clear();
    QTextStream out(&m_out);
    QTextStream err(&m_err);
    AdminCommands commands(m_config, out, err, [&passwords](const QString &) {
        return passwords.isEmpty() ? QByteArray() : passwords.takeFirst().toUtf8();
    });
    const int code = commands.run(arguments);
    out.flush();
    err.flush();
    return code;
}

void TestAdminCommands::addListDisableEnable()
{
    const QStringList twice { QStringLiteral("secret-pass"), QStringLiteral("secret-pass") };
    QCOMPARE(run({ "user", "add", "Alice", "Alice", "Liddell" }, twice), 0);
    QVERIFY(m_out.contains(QStringLiteral("added user alice")));
    QCOMPARE(run({ "user", "add", "alice" }, twice), 1);
    QVERIFY(m_err.contains(QStringLiteral("taken")));

    QCOMPARE(run({ "user", "list" }), 0);
    QVERIFY(m_out.contains(QStringLiteral("alice")));
    QVERIFY(m_out.contains(QStringLiteral("Alice Liddell")));
    QVERIFY(m_out.contains(QStringLiteral("active")));

    QCOMPARE(run({ "user", "disable", "ALICE" }), 0);
    QCOMPARE(run({ "user", "list" }), 0);
    QVERIFY(m_out.contains(QStringLiteral("disabled")));
    QCOMPARE(run({ "user", "enable", "alice" }), 0);
    QCOMPARE(run({ "user", "disable", "nobody" }), 1);
    QVERIFY(m_err.contains(QStringLiteral("no user named nobody")));

    Store::SqliteStore store(m_dir->path());
    QVERIFY(store.open());
    const auto alice = store.userByName(QStringLiteral("alice")).value();
    QVERIFY(!alice.disabled);
    QVERIFY(Auth::PasswordHasher::verify(alice.passwordHash, "secret-pass"));
}

void TestAdminCommands::addRefusesBadNamesAndMismatchedPasswords()
{
    QCOMPARE(run({ "user", "add", "a b" }, { "secret-pass", "secret-pass" }), 1);
    QCOMPARE(run({ "user", "add", "bob" }, { "secret-pass", "other-pass" }), 1);
    QVERIFY(m_err.contains(QStringLiteral("differ")));
    QCOMPARE(run({ "user", "add", "bob" }, { "short", "short" }), 1);
    QVERIFY(m_err.contains(QStringLiteral("password")));
    QCOMPARE(run({ "user", "list" }), 0);
    QVERIFY(!m_out.contains(QStringLiteral("bob")));
}

void TestAdminCommands::resetPasswordChangesTheHashAndEndsSessions()
{
    QCOMPARE(run({ "user", "add", "carol" }, { "first-pass", "first-pass" }), 0);
    {
        Store::SqliteStore store(m_dir->path());
        QVERIFY(store.open());
        const auto carol = store.userByName(QStringLiteral("carol")).value();
        QVERIFY(store.addToken({ "t", carol.userId, "d", 1, 99'999'999'999'999 }));
    }
    QCOMPARE(run({ "user", "reset-password", "carol" }, { "second-pass", "second-pass" }), 0);
    Store::SqliteStore store(m_dir->path());
    QVERIFY(store.open());
    const auto carol = store.userByName(QStringLiteral("carol")).value();
    QVERIFY(Auth::PasswordHasher::verify(carol.passwordHash, "second-pass"));
    QVERIFY(!Auth::PasswordHasher::verify(carol.passwordHash, "first-pass"));
    QCOMPARE(store.token("t").error().code, ErrorCode::NOT_FOUND);
}

void TestAdminCommands::statsCountsWhatIsStored()
{
    QCOMPARE(run({ "user", "add", "dave" }, { "dave-pass1", "dave-pass1" }), 0);
    QCOMPARE(run({ "stats" }), 0);
    QVERIFY2(m_out.contains(QRegularExpression(QStringLiteral("users\\s+1 \\(0 disabled\\)"))),
             qPrintable(m_out));
    QVERIFY(m_out.contains(QRegularExpression(QStringLiteral("messages\\s+0"))));
    QVERIFY(m_out.contains(QRegularExpression(QStringLiteral("schema version\\s+2"))));
}

void TestAdminCommands::unknownCommandShowsUsage()
{
    QCOMPARE(run({ "user", "frobnicate" }), 2);
    QVERIFY(m_err.contains(QStringLiteral("reset-password")));
}

QTEST_GUILESS_MAIN(TestAdminCommands)
#include "tst_admincommands.moc"
