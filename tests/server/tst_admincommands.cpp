#include "admin/admincommands.h"
#include "app/serverconfig.h"
#include "store/sqlitestore.h"

#include <confab/ids.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <atomic>
#include <thread>

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
    void backupWhileWritingIsConsistentAndChecks();
    void checkFindsGapsAndDanglingReferences();
    void groupListAndShow();

private:
    int run(const QStringList &arguments, QStringList passwords = {});
    //! alice and bob, and `count` messages from alice to bob, straight into the store.
    void seed(int count);
    //! Runs SQL on the data directory's database behind the store's back.
    void tamper(const QStringList &statements);
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
    QVERIFY(m_out.contains(QRegularExpression(
        QStringLiteral("schema version\\s+%1").arg(Store::SqliteStore::kSchemaVersion))));
}

void TestAdminCommands::unknownCommandShowsUsage()
{
    QCOMPARE(run({ "user", "frobnicate" }), 2);
    QVERIFY(m_err.contains(QStringLiteral("reset-password")));
}

void TestAdminCommands::seed(int count)
{
    Store::SqliteStore store(m_config.dataDir);
    QVERIFY(store.open());
    SnowflakeGenerator ids(1);
    const auto alice = store.createUser(QStringLiteral("alice"), QStringLiteral("A"), "h", 1);
    QVERIFY(store.createUser(QStringLiteral("bob"), QStringLiteral("B"), "h", 1));
    QVERIFY(alice);
    for (int i = 0; i < count; ++i) {
        Store::NewMessage message;
        message.senderId = alice.value().userId;
        message.clientId = QUuid::createUuid().toRfc4122();
        message.peerUsername = QStringLiteral("bob");
        message.text = "message " + std::to_string(i);
        QVERIFY(store.append(message, ids.next(), 1000 + i));
    }
}

void TestAdminCommands::tamper(const QStringList &statements)
{
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("x"));
        db.setDatabaseName(QDir(m_config.dataDir).filePath(QStringLiteral("confab.db")));
        QVERIFY(db.open());
        QSqlQuery query(db);
        for (const QString &sql : statements)
            QVERIFY2(query.exec(sql), qPrintable(sql));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("x"));
}

void TestAdminCommands::backupWhileWritingIsConsistentAndChecks()
{
    seed(10);
    // A writer appends all along (bounded), as a serving confabd would.
    std::atomic<int> written { 0 };
    std::atomic<bool> stop { false };
    std::thread writer([this, &written, &stop] {
        Store::SqliteStore store(m_config.dataDir);
        if (!store.open())
            return;
        SnowflakeGenerator ids(2);
        const quint64 alice = store.userByName(QStringLiteral("alice")).value().userId;
        for (int i = 0; i < 20'000 && !stop; ++i) {
            Store::NewMessage message;
            message.senderId = alice;
            message.clientId = QUuid::createUuid().toRfc4122();
            message.peerUsername = QStringLiteral("bob");
            message.text = "during the backup " + std::to_string(i);
            if (!store.append(message, ids.next(), QDateTime::currentMSecsSinceEpoch()))
                return;
            ++written;
        }
    });
    QTRY_VERIFY(written > 100);
    QTemporaryDir elsewhere;
    const QString path = elsewhere.filePath(QStringLiteral("copy.db"));
    const int committedBefore = written; // each append commits on its own
    const int code = run({ "backup", path });
    const int writtenAtBackup = written;
    stop = true;
    writer.join();
    QCOMPARE(code, 0);
    QVERIFY2(m_out.contains(QStringLiteral("backup written to")), qPrintable(m_out));
    QVERIFY(!QFile::exists(path + QStringLiteral(".partial")));

    // The copy is a sound database of its own, holding a state the server was in.
    QTemporaryDir restored;
    QVERIFY(QFile::copy(path, restored.filePath(QStringLiteral("confab.db"))));
    const QString live = m_config.dataDir;
    m_config.dataDir = restored.path();
    QVERIFY2(run({ "check" }) == 0, qPrintable(m_out + m_err));
    QVERIFY2(m_out.contains(QStringLiteral("ok:")), qPrintable(m_out));
    Store::SqliteStore copy(restored.path());
    QVERIFY(copy.open());
    const qint64 copied = copy.stats().value().messages;
    QVERIFY2(copied >= 10 + committedBefore && copied <= 10 + writtenAtBackup,
             qPrintable(QStringLiteral("%1, expected %2..%3")
                            .arg(copied)
                            .arg(10 + committedBefore)
                            .arg(10 + writtenAtBackup)));
    // Every message committed before the backup began is in it, in order, seqs 1..n.
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("c"));
        db.setDatabaseName(restored.filePath(QStringLiteral("confab.db")));
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("SELECT seq, text FROM messages ORDER BY seq")));
        int n = 0;
        while (query.next()) {
            ++n;
            QCOMPARE(query.value(0).toInt(), n);
            const QString expected = n <= 10 ? QStringLiteral("message %1").arg(n - 1)
                                             : QStringLiteral("during the backup %1").arg(n - 11);
            QCOMPARE(query.value(1).toString(), expected);
        }
        QCOMPARE(n, int(copied));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("c"));
    m_config.dataDir = live;
    QCOMPARE(run({ "check" }), 0); // and the live one is sound too

    // Never over an existing file.
    QCOMPARE(run({ "backup", path }), 1);
    QVERIFY(m_err.contains(QStringLiteral("already exists")));
}

void TestAdminCommands::checkFindsGapsAndDanglingReferences()
{
    seed(3);
    QCOMPARE(run({ "check" }), 0);
    QVERIFY2(m_out.contains(QStringLiteral("checked 1 conversations, 3 messages")),
             qPrintable(m_out));

    tamper({ QStringLiteral("DELETE FROM messages WHERE seq = 2") });
    QCOMPARE(run({ "check" }), 1);
    QVERIFY2(m_out.contains(QStringLiteral("seqs are not 1..3 without gaps")), qPrintable(m_out));

    tamper({ QStringLiteral("PRAGMA foreign_keys = OFF"),
             QStringLiteral("INSERT INTO members (conversation_id, user_id) "
                            "SELECT conversation_id, 999 FROM conversations"),
             QStringLiteral("UPDATE members SET read_seq = 50 WHERE user_id = 1") });
    QCOMPARE(run({ "check" }), 1);
    QVERIFY2(m_out.contains(QStringLiteral("dangling reference: members")), qPrintable(m_out));
    QVERIFY2(m_out.contains(QStringLiteral("has a cursor past its end")), qPrintable(m_out));
    QVERIFY2(m_out.contains(QStringLiteral("has 3 members, not 2")), qPrintable(m_out));
}

void TestAdminCommands::groupListAndShow()
{
    seed(1); // alice, bob and a direct chat, which is not a group
    quint64 groupId = 0;
    {
        Store::SqliteStore store(m_config.dataDir);
        QVERIFY(store.open());
        QVERIFY(store.createUser(QStringLiteral("carol"), QStringLiteral("C"), "h", 1));
        Store::GroupChange create;
        create.actorId = store.userByName(QStringLiteral("alice")).value().userId;
        create.clientId = QUuid::createUuid().toRfc4122();
        create.title = QStringLiteral("Book club");
        create.usernames = { QStringLiteral("bob"), QStringLiteral("carol") };
        SnowflakeGenerator ids(3);
        auto created = store.changeGroup(create, ids.next(), 5000);
        QVERIFY2(created, created ? "" : qPrintable(created.error().message));
        groupId = created.value().conversation.conversation_id();
    }
    QCOMPARE(run({ "group", "list" }), 0);
    QVERIFY2(m_out.contains(QStringLiteral("Book club")), qPrintable(m_out));
    QCOMPARE(m_out.count(u'\n'), 2); // the heading and the one group
    QCOMPARE(run({ "group", "show", QString::number(groupId) }), 0);
    QVERIFY2(m_out.contains(QStringLiteral("3 members")), qPrintable(m_out));
    QVERIFY(m_out.contains(QRegularExpression(QStringLiteral("alice\\s+owner"))));
    QVERIFY(m_out.contains(QRegularExpression(QStringLiteral("carol\\s+member"))));
    QCOMPARE(run({ "group", "show", "12345" }), 1);
    QVERIFY(m_err.contains(QStringLiteral("no group 12345")));
    QCOMPARE(run({ "group", "show", "book-club" }), 2);
}

QTEST_GUILESS_MAIN(TestAdminCommands)
#include "tst_admincommands.moc"
