#include "sqlitestore.h"

#include <confab/logging.h>
#include <confab/sqlsupport.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QUuid>
#include <QVariant>

#include <algorithm>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace Confab::Store {

SqliteStore::SqliteStore(const QString &dataDir, int busyTimeoutMs)
    : SqlStore(dataDir, Engine::Sqlite), m_busyTimeoutMs(busyTimeoutMs)
{ }

QString SqliteStore::databasePath(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("confab.db"));
}

Result<void> SqliteStore::open()
{
    if (!QDir().mkpath(m_dataDir))
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("cannot create the data directory %1").arg(m_dataDir) };
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    m_db.setDatabaseName(databasePath(m_dataDir));
    m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(m_busyTimeoutMs));
    if (!m_db.open())
        return Error {
            ErrorCode::INTERNAL,
            QStringLiteral("cannot open %1: %2").arg(m_db.databaseName(), m_db.lastError().text())
        };
    // WAL: readers never wait for the writer; FULL: a commit is on disk before it returns, so an
    // ack sent after commit() survives a power cut, not only a crash.
    // The cache and memory map: pages are read from the map, not copied in by read() calls;
    // both bounded (16 MB of cache, 256 MB of address space, shared with the page cache).
    for (const char *pragma :
         { "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON",
           "PRAGMA cache_size = -16384", "PRAGMA mmap_size = 268435456",
           // Deleted text is overwritten with zeros, not left in free space (PROTOCOL.md §13).
           "PRAGMA secure_delete = ON" }) {
        if (auto done = execOnce(QString::fromLatin1(pragma)); !done)
            return done;
    }
    if (m_maxDatabaseBytes > 0) {
        // Pages of the database's own size; a cap below what is already used holds it there.
        QSqlQuery pageSize(m_db);
        if (!pageSize.exec(QStringLiteral("PRAGMA page_size")) || !pageSize.next())
            return sqlError(pageSize);
        const qint64 pages =
            std::max<qint64>(1, m_maxDatabaseBytes / pageSize.value(0).toLongLong());
        if (auto done = execOnce(QStringLiteral("PRAGMA max_page_count = %1").arg(pages)); !done)
            return done;
    }
    {
        QSqlQuery mode(m_db);
        if (!mode.exec(QStringLiteral("PRAGMA journal_mode")) || !mode.next()
            || mode.value(0).toString() != QStringLiteral("wal")) {
            return Error {
                ErrorCode::INTERNAL,
                QStringLiteral("%1 cannot use write-ahead logging").arg(m_db.databaseName())
            };
        }
    }
    return migrate();
}

Error SqliteStore::sqlError(const QSqlQuery &query) const
{
    const QSqlError error = query.lastError();
    const int code = error.nativeErrorCode().toInt();
    if ((code & 0xFF) == 13) { // SQLITE_FULL: every write fails alike until space returns
        // Said once every 10 s with how often, not once per refused write: a full disk under a
        // flood of sends must not fill the log as well.
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        ++m_fullRefusals;
        if (now - m_fullLoggedMs >= 10'000) {
            qCCritical(lcStore).noquote()
                << "the database or disk is full: writes are refused (" << m_fullRefusals
                << "since the last report); last:" << query.lastQuery();
            m_fullLoggedMs = now;
            m_fullRefusals = 0;
        }
        return { ErrorCode::STORAGE_FULL, QStringLiteral("the database or disk is full") };
    }
    qCWarning(lcStore).noquote() << "SQL failed:" << query.lastQuery() << "|"
                                 << error.nativeErrorCode() << error.text();
    switch (code & 0xFF) { // primary result code of an extended one
    case 5: // SQLITE_BUSY
    case 6: // SQLITE_LOCKED
        return { ErrorCode::UNAVAILABLE, QStringLiteral("the database is busy") };
    default:
        return { ErrorCode::INTERNAL, QStringLiteral("storage error") };
    }
}

Result<void> SqliteStore::migrate()
{
    auto version = Sql::userVersion(m_db);
    if (!version)
        return version.error();
    if (version.value() > kSchemaVersion) {
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("the database has schema version %1, newer than this "
                                      "confabd (%2): upgrade confabd or restore a backup")
                           .arg(version.value())
                           .arg(kSchemaVersion) };
    }
    if (version.value() < kSchemaVersion)
        qCInfo(lcStore) << "migrating" << m_db.databaseName() << "from schema version"
                        << version.value() << "to" << kSchemaVersion;
    auto reached = Sql::migrate(m_db, kSchemaVersion, [this](int next) { return migrateTo(next); });
    if (!reached)
        return reached.error();
    m_schemaVersion = reached.value();
    return {};
}

Result<void> SqliteStore::migrateTo(int version)
{
    // One step per schema version; a shipped step never changes (STYLE.md §6).
    static_assert(kSchemaVersion == 10, "add the new step here");
    switch (version) {
    case 1:
        return migrateTo1();
    case 2:
        return migrateTo2();
    case 3:
        return migrateTo3();
    case 4:
        return migrateTo4();
    case 5:
        return migrateTo5();
    case 6:
        return migrateTo6();
    case 7:
        return migrateTo7();
    case 8:
        return migrateTo8();
    case 9:
        return migrateTo9();
    case 10:
        return migrateTo10();
    }
    return Error { ErrorCode::INTERNAL, QStringLiteral("no migration to version %1").arg(version) };
}

Result<void> SqliteStore::migrateTo1()
{
    const char *const statements[] = {
        R"(CREATE TABLE users (
            user_id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            created_ms BIGINT NOT NULL))",
        R"(CREATE TABLE tokens (
            token_hash BLOB PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (user_id),
            device_id BLOB NOT NULL,
            created_ms BIGINT NOT NULL,
            expires_ms BIGINT NOT NULL))",
        "CREATE INDEX tokens_by_user ON tokens (user_id)",
        R"(CREATE TABLE devices (
            user_id INTEGER NOT NULL REFERENCES users (user_id),
            device_id BLOB NOT NULL,
            client_name TEXT NOT NULL,
            client_version TEXT NOT NULL,
            last_seen_ms BIGINT NOT NULL,
            PRIMARY KEY (user_id, device_id)))",
        R"(CREATE TABLE conversations (
            conversation_id INTEGER PRIMARY KEY,
            kind INTEGER NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            direct_key TEXT UNIQUE,
            last_seq BIGINT NOT NULL DEFAULT 0,
            last_activity_ms BIGINT NOT NULL,
            created_ms BIGINT NOT NULL))",
        R"(CREATE TABLE members (
            conversation_id INTEGER NOT NULL REFERENCES conversations (conversation_id),
            user_id INTEGER NOT NULL REFERENCES users (user_id),
            role INTEGER NOT NULL DEFAULT 0,
            joined_seq BIGINT NOT NULL DEFAULT 0,
            read_seq BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (conversation_id, user_id)))",
        "CREATE INDEX members_by_user ON members (user_id)",
        R"(CREATE TABLE messages (
            message_id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations (conversation_id),
            seq BIGINT NOT NULL,
            sender_id INTEGER NOT NULL REFERENCES users (user_id),
            client_id BLOB NOT NULL,
            server_time_ms BIGINT NOT NULL,
            text TEXT NOT NULL,
            UNIQUE (conversation_id, seq),
            UNIQUE (sender_id, client_id)))",
        R"(CREATE TABLE sync_cursors (
            user_id INTEGER NOT NULL REFERENCES users (user_id),
            device_id BLOB NOT NULL,
            conversation_id INTEGER NOT NULL REFERENCES conversations (conversation_id),
            seq BIGINT NOT NULL,
            PRIMARY KEY (user_id, device_id, conversation_id)))",
    };
    for (const char *sql : statements)
        if (auto done = execOnce(QString::fromLatin1(sql)); !done)
            return done;
    return {};
}

Result<void> SqliteStore::migrateTo2()
{
    // Groups, receipts and presence: members who left keep a row (left_seq: the entry that
    // recorded it) so that their devices still sync up to it; group events are stream entries.
    const char *const statements[] = {
        "ALTER TABLE members ADD COLUMN left_seq BIGINT",
        "ALTER TABLE members ADD COLUMN delivered_seq BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE messages ADD COLUMN event BLOB",
        "ALTER TABLE users ADD COLUMN last_seen_ms BIGINT NOT NULL DEFAULT 0",
    };
    for (const char *sql : statements)
        if (auto done = execOnce(QString::fromLatin1(sql)); !done)
            return done;
    return {};
}

Result<void> SqliteStore::migrateTo3()
{
    // Sessions are listed to their user by device: the name the device gives itself.
    return execOnce(
        QStringLiteral("ALTER TABLE devices ADD COLUMN device_name TEXT NOT NULL DEFAULT ''"));
}

Result<void> SqliteStore::migrateTo4()
{
    // Rich messages: edits, deletes and reactions are stream entries (change) aimed at a target
    // whose row holds the current state; replies and mentions; earlier versions of edited text.
    const char *const statements[] = {
        "ALTER TABLE messages ADD COLUMN change BLOB",
        "ALTER TABLE messages ADD COLUMN target_id INTEGER",
        "ALTER TABLE messages ADD COLUMN reply_to INTEGER",
        "ALTER TABLE messages ADD COLUMN reply_seq BIGINT",
        "ALTER TABLE messages ADD COLUMN mentions TEXT",
        "ALTER TABLE messages ADD COLUMN edited_ms BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE messages ADD COLUMN changed_seq BIGINT NOT NULL DEFAULT 0",
        "CREATE INDEX messages_by_target ON messages (target_id) WHERE target_id IS NOT NULL",
        R"(CREATE TABLE reactions (
            message_id INTEGER NOT NULL REFERENCES messages (message_id),
            user_id INTEGER NOT NULL REFERENCES users (user_id),
            emoji TEXT NOT NULL,
            seq BIGINT NOT NULL,
            PRIMARY KEY (message_id, user_id, emoji)))",
        R"(CREATE TABLE message_edits (
            message_id INTEGER NOT NULL REFERENCES messages (message_id),
            edited_ms BIGINT NOT NULL,
            previous_text TEXT NOT NULL))",
        "CREATE INDEX message_edits_by_message ON message_edits (message_id)",
    };
    for (const char *sql : statements)
        if (auto done = execOnce(QString::fromLatin1(sql)); !done)
            return done;
    return {};
}

Result<void> SqliteStore::migrateTo5()
{
    // Attachments: uploads in progress, and complete files bound to the message they were sent
    // with (their bytes are files under the data directory, by SHA-256).
    const char *const statements[] = {
        R"(CREATE TABLE uploads (
            upload_id BLOB PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (user_id),
            name TEXT NOT NULL,
            mime_type TEXT NOT NULL,
            size BIGINT NOT NULL,
            sha256 BLOB NOT NULL,
            thumbnail BLOB,
            width INTEGER NOT NULL DEFAULT 0,
            height INTEGER NOT NULL DEFAULT 0,
            created_ms BIGINT NOT NULL))",
        "CREATE INDEX uploads_by_file ON uploads (user_id, sha256, size)",
        R"(CREATE TABLE attachments (
            attachment_id INTEGER PRIMARY KEY,
            uploader_id INTEGER NOT NULL REFERENCES users (user_id),
            message_id INTEGER REFERENCES messages (message_id),
            name TEXT NOT NULL,
            mime_type TEXT NOT NULL,
            size BIGINT NOT NULL,
            sha256 BLOB NOT NULL,
            thumbnail BLOB,
            width INTEGER NOT NULL DEFAULT 0,
            height INTEGER NOT NULL DEFAULT 0,
            created_ms BIGINT NOT NULL))",
        "CREATE INDEX attachments_by_message ON attachments (message_id)",
        "ALTER TABLE messages ADD COLUMN has_attachments INTEGER NOT NULL DEFAULT 0",
    };
    for (const char *sql : statements)
        if (auto done = execOnce(QString::fromLatin1(sql)); !done)
            return done;
    return {};
}

Result<void> SqliteStore::migrateTo6()
{
    // Notification preferences, one row per user who set them: the NotificationPrefs message
    // as bytes (the server does not look inside), and its version.
    return execOnce(QStringLiteral(R"(CREATE TABLE notification_prefs (
        user_id INTEGER PRIMARY KEY REFERENCES users (user_id),
        prefs BLOB NOT NULL,
        version BIGINT NOT NULL))"));
}

Result<void> SqliteStore::migrateTo7()
{
    // Who wrote the message a reply answers: a reply to a user notifies that user at high
    // priority (PROTOCOL.md §15). Earlier replies learn it from their targets.
    const char *const statements[] = {
        "ALTER TABLE messages ADD COLUMN reply_sender INTEGER",
        ("UPDATE messages SET reply_sender = (SELECT t.sender_id FROM messages t WHERE "
         "t.message_id = messages.reply_to) WHERE reply_to IS NOT NULL"),
    };
    for (const char *sql : statements)
        if (auto done = execOnce(QString::fromLatin1(sql)); !done)
            return done;
    return {};
}

Result<void> SqliteStore::migrateTo8()
{
    // Email digests: where a user's go (set with the preferences, NULL when none or turned
    // off), when the last was queued and what it covered, and the durable outbox of mails.
    const char *const statements[] = {
        "ALTER TABLE notification_prefs ADD COLUMN digest_to TEXT",
        ("CREATE INDEX notification_prefs_digests ON notification_prefs (user_id) "
         "WHERE digest_to IS NOT NULL"),
        R"(CREATE TABLE digest_state (
            user_id INTEGER PRIMARY KEY REFERENCES users (user_id),
            last_queued_ms BIGINT NOT NULL,
            covered_ms BIGINT NOT NULL))",
        R"(CREATE TABLE email_outbox (
            email_id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (user_id),
            to_addr TEXT NOT NULL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            created_ms BIGINT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_ms BIGINT NOT NULL,
            last_error TEXT NOT NULL DEFAULT ''))",
        "CREATE INDEX email_outbox_due ON email_outbox (next_attempt_ms)",
    };
    for (const char *sql : statements)
        if (auto done = execOnce(QString::fromLatin1(sql)); !done)
            return done;
    return {};
}

Result<void> SqliteStore::migrateTo9()
{
    // History tiers: a conversation's oldest messages move to archive segments (files under the
    // data directory) and leave `messages`. Up to archived_seq, a conversation's history is in
    // its segments. What referred to message rows no longer does through a foreign key:
    // reactions and edits of archived messages are kept (reactions inside the segment), and an
    // attachment knows its message's conversation and seq, so that it stays downloadable.
    const char *const statements[] = {
        "ALTER TABLE conversations ADD COLUMN archived_seq BIGINT NOT NULL DEFAULT 0",
        R"(CREATE TABLE archive_segments (
            conversation_id INTEGER NOT NULL REFERENCES conversations (conversation_id),
            first_seq BIGINT NOT NULL,
            last_seq BIGINT NOT NULL,
            month TEXT NOT NULL,
            file TEXT NOT NULL UNIQUE,
            messages INTEGER NOT NULL,
            bytes BIGINT NOT NULL,
            raw_bytes BIGINT NOT NULL,
            sha256 BLOB NOT NULL,
            first_ms BIGINT NOT NULL,
            last_ms BIGINT NOT NULL,
            min_message_id INTEGER NOT NULL,
            max_message_id INTEGER NOT NULL,
            created_ms BIGINT NOT NULL,
            PRIMARY KEY (conversation_id, first_seq)))",
        R"(CREATE TABLE reactions_v9 (
            message_id INTEGER NOT NULL,
            user_id INTEGER NOT NULL REFERENCES users (user_id),
            emoji TEXT NOT NULL,
            seq BIGINT NOT NULL,
            PRIMARY KEY (message_id, user_id, emoji)))",
        "INSERT INTO reactions_v9 SELECT message_id, user_id, emoji, seq FROM reactions",
        "DROP TABLE reactions",
        "ALTER TABLE reactions_v9 RENAME TO reactions",
        R"(CREATE TABLE message_edits_v9 (
            message_id INTEGER NOT NULL,
            edited_ms BIGINT NOT NULL,
            previous_text TEXT NOT NULL))",
        ("INSERT INTO message_edits_v9 SELECT message_id, edited_ms, previous_text "
         "FROM message_edits"),
        "DROP TABLE message_edits",
        "ALTER TABLE message_edits_v9 RENAME TO message_edits",
        "CREATE INDEX message_edits_by_message ON message_edits (message_id)",
        R"(CREATE TABLE attachments_v9 (
            attachment_id INTEGER PRIMARY KEY,
            uploader_id INTEGER NOT NULL REFERENCES users (user_id),
            message_id INTEGER,
            conversation_id INTEGER,
            seq BIGINT,
            name TEXT NOT NULL,
            mime_type TEXT NOT NULL,
            size BIGINT NOT NULL,
            sha256 BLOB NOT NULL,
            thumbnail BLOB,
            width INTEGER NOT NULL DEFAULT 0,
            height INTEGER NOT NULL DEFAULT 0,
            created_ms BIGINT NOT NULL))",
        ("INSERT INTO attachments_v9 SELECT a.attachment_id, a.uploader_id, a.message_id, "
         "m.conversation_id, m.seq, a.name, a.mime_type, a.size, a.sha256, a.thumbnail, a.width, "
         "a.height, a.created_ms FROM attachments a LEFT JOIN messages m ON m.message_id = "
         "a.message_id"),
        "DROP TABLE attachments",
        "ALTER TABLE attachments_v9 RENAME TO attachments",
        "CREATE INDEX attachments_by_message ON attachments (message_id)",
    };
    for (const char *sql : statements)
        if (auto done = execOnce(QString::fromLatin1(sql)); !done)
            return done;
    return {};
}

Result<void> SqliteStore::migrateTo10()
{
    // Retention (PROTOCOL.md §17): a conversation's own limit, and how far its stream is gone.
    const char *const statements[] = {
        "ALTER TABLE conversations ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE conversations ADD COLUMN purged_seq BIGINT NOT NULL DEFAULT 0",
        "CREATE INDEX attachments_by_conversation ON attachments (conversation_id, seq)",
    };
    for (const char *sql : statements)
        if (auto done = execOnce(QString::fromLatin1(sql)); !done)
            return done;
    return {};
}

Result<void> SqliteStore::setCheckpointsElsewhere(bool elsewhere)
{
    // 1000 pages is SQLite's own default.
    return execOnce(elsewhere ? QStringLiteral("PRAGMA wal_autocheckpoint = 0")
                              : QStringLiteral("PRAGMA wal_autocheckpoint = 1000"));
}

Result<void> SqliteStore::checkpoint()
{
    // PASSIVE: copies what no reader still needs, never waits for the writer nor blocks it.
    QSqlQuery run(m_db);
    if (!run.exec(QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)")))
        return sqlError(run);
    return {};
}

Result<void> SqliteStore::scrubLog()
{
    QSqlQuery run(m_db);
    if (!run.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")) || !run.next())
        return sqlError(run);
    if (run.value(0).toInt() != 0) // busy: a reader or the writer held on
        return Error { ErrorCode::UNAVAILABLE, QStringLiteral("the log is in use") };
    return {};
}

Result<qint64> SqliteStore::backupTo(const QString &path)
{
    if (QFileInfo::exists(path))
        return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("%1 already exists").arg(path) };
    // Written under another name first: a backup cut short never looks like a finished one.
    const QString partial = path + QStringLiteral(".partial");
    QFile::remove(partial);
    {
        QSqlQuery vacuum(m_db);
        if (!vacuum.prepare(QStringLiteral("VACUUM INTO ?")))
            return sqlError(vacuum);
        vacuum.bindValue(0, partial);
        if (!vacuum.exec()) {
            QFile::remove(partial);
            return sqlError(vacuum);
        }
    }
    {
        QFile file(partial);
        bool synced = file.open(QIODevice::ReadWrite);
#ifdef Q_OS_UNIX
        synced = synced && ::fsync(file.handle()) == 0;
#endif
        if (!synced) {
            QFile::remove(partial);
            return Error { ErrorCode::STORAGE_FULL,
                           QStringLiteral("cannot write %1: %2").arg(partial, file.errorString()) };
        }
    }
    if (!QFile::rename(partial, path)) {
        QFile::remove(partial);
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("cannot rename %1 to %2").arg(partial, path) };
    }
    // The copy opens and passes SQLite's own check.
    const QString connection =
        QStringLiteral("backup-check-%1").arg(QUuid::createUuid().toString());
    QString verdict;
    {
        QSqlDatabase copy = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        copy.setDatabaseName(path);
        copy.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        QSqlQuery quick(copy);
        if (copy.open() && quick.exec(QStringLiteral("PRAGMA quick_check")) && quick.next())
            verdict = quick.value(0).toString();
    }
    QSqlDatabase::removeDatabase(connection);
    if (verdict != QLatin1String("ok"))
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("the backup %1 does not check out: %2").arg(path, verdict) };
    return QFileInfo(path).size();
}

Result<void> SqliteStore::checkEngine(CheckReport *report)
{
    QSqlQuery run(m_db);
    run.setForwardOnly(true);
    if (!run.exec(QStringLiteral("PRAGMA integrity_check")))
        return sqlError(run);
    while (run.next()) {
        const QString line = run.value(0).toString();
        if (line != QLatin1String("ok"))
            report->problems << QStringLiteral("integrity: %1").arg(line);
    }
    if (!run.exec(QStringLiteral("PRAGMA foreign_key_check")))
        return sqlError(run);
    while (run.next()) {
        report->problems << QStringLiteral("dangling reference: %1 row %2 points to a missing %3")
                                .arg(run.value(0).toString(), run.value(1).toString(),
                                     run.value(2).toString());
    }
    return {};
}

qint64 SqliteStore::databaseBytes()
{
    QSqlQuery pages(m_db);
    if (pages.exec(QStringLiteral("SELECT page_count * page_size FROM pragma_page_count(), "
                                  "pragma_page_size()"))
        && pages.next())
        return pages.value(0).toLongLong();
    return -1;
}

Result<void> SqliteStore::begin()
{
    if (m_depth > 0)
        return SqlStore::begin(); // a savepoint
    // IMMEDIATE takes the write lock now, so a batch never fails half-way on a lock upgrade.
    if (auto begun = exec(query("BEGIN IMMEDIATE")); !begun)
        return begun;
    m_depth = 1;
    return {};
}

void SqliteStore::noticeOtherWriters()
{
    // Another connection (the history jobs tell the server's at once; `confabd retention run`
    // in another process cannot) may have deleted what the recent cache holds. A member's
    // floor is read again once the database changed that way: at most every half second.
    if (m_dataVersionChecked.isValid() && m_dataVersionChecked.elapsed() < 500)
        return;
    m_dataVersionChecked.start();
    QSqlQuery version(m_db);
    if (!version.exec(QStringLiteral("PRAGMA data_version")) || !version.next())
        return;
    const qint64 now = version.value(0).toLongLong();
    if (std::exchange(m_dataVersion, now) != now)
        m_joins.clear();
}

} // namespace Confab::Store
