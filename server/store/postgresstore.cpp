#include "postgresstore.h"

#include <confab/logging.h>
#include <confab/sqlsupport.h>

#include <QDir>
#include <QRegularExpression>
#include <QSqlError>
#include <QVariant>

namespace Confab::Store {

namespace {

// Nodes starting at once take turns to migrate (pg_advisory_xact_lock). Two 32-bit keys: a
// space apart from the single 64-bit keys that lock conversations (SqlStore::lockConversation).
constexpr int kMigrationLock = 0x636f6e66; // "conf"

struct ConnectionParts
{
    QString host, database, user, password, options;
    int port = -1;
};

Result<ConnectionParts> parseConnection(const QString &connection)
{
    ConnectionParts parts;
    QStringList options;
    const QStringList pairs =
        connection.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
    for (const QString &pair : pairs) {
        const qsizetype equals = pair.indexOf(QLatin1Char('='));
        if (equals <= 0)
            return Error { ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("\"%1\" is not key=value").arg(pair) };
        const QString key = pair.left(equals);
        const QString value = pair.mid(equals + 1);
        if (key == QLatin1String("host") || key == QLatin1String("hostaddr")) {
            parts.host = value;
        } else if (key == QLatin1String("port")) {
            bool ok = false;
            parts.port = value.toInt(&ok);
            if (!ok || parts.port <= 0 || parts.port > 65535)
                return Error { ErrorCode::INVALID_ARGUMENT,
                               QStringLiteral("port %1 is not a port number").arg(value) };
        } else if (key == QLatin1String("dbname")) {
            parts.database = value;
        } else if (key == QLatin1String("user")) {
            parts.user = value;
        } else if (key == QLatin1String("password")) {
            parts.password = value;
        } else {
            options << pair;
        }
    }
    if (parts.database.isEmpty())
        return Error { ErrorCode::INVALID_ARGUMENT,
                       QStringLiteral("the connection names no database (dbname=...)") };
    if (!connection.contains(QLatin1String("connect_timeout=")))
        options << QStringLiteral("connect_timeout=5");
    parts.options = options.join(QLatin1Char(';'));
    return parts;
}

} // namespace

PostgresStore::PostgresStore(const QString &dataDir, const QString &connection)
    : SqlStore(dataDir, Engine::Postgres), m_connection(connection)
{ }

Result<void> PostgresStore::validateConnection(const QString &connection)
{
    auto parts = parseConnection(connection);
    if (!parts)
        return parts.error();
    return {};
}

Result<void> PostgresStore::open()
{
    auto parts = parseConnection(m_connection);
    if (!parts)
        return parts.error();
    if (!QDir().mkpath(m_dataDir))
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("cannot create the data directory %1").arg(m_dataDir) };
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")))
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("Qt's PostgreSQL driver is not installed "
                                      "(Debian: libqt6sql6-psql)") };
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_connectionName);
    m_db.setHostName(parts.value().host);
    if (parts.value().port > 0)
        m_db.setPort(parts.value().port);
    m_db.setDatabaseName(parts.value().database);
    m_db.setUserName(parts.value().user);
    m_db.setPassword(parts.value().password);
    m_db.setConnectOptions(parts.value().options);
    if (!m_db.open())
        return Error { ErrorCode::UNAVAILABLE,
                       QStringLiteral("cannot connect to PostgreSQL (%1 on %2): %3")
                           .arg(parts.value().database, parts.value().host,
                                m_db.lastError().text().trimmed()) };
    if (auto ready = afterConnect(); !ready)
        return ready;
    return migrate();
}

Result<void> PostgresStore::afterConnect()
{
    // A commit is durable (on the primary, and on standbys as the server is configured) before
    // it returns: an ack sent after commit() survives a crash of the database server.
    for (const char *setting : { "SET synchronous_commit = on", "SET client_min_messages = warning",
                                 "SET default_transaction_isolation = 'read committed'" }) {
        if (auto done = execOnce(QString::fromLatin1(setting)); !done)
            return done;
    }
    return {};
}

Result<void> PostgresStore::commit()
{
    if (m_depth == 1) {
        // PostgreSQL ends a transaction in which a statement failed with ROLLBACK, even when
        // asked to COMMIT, and says so only in the command tag: ask first, so that nothing is
        // acked that was not stored.
        QSqlQuery probe(m_db);
        if (!probe.exec(QStringLiteral("SELECT 1")))
            return sqlError(probe);
    }
    return SqlStore::commit();
}

Error PostgresStore::sqlError(const QSqlQuery &query) const
{
    const QSqlError error = query.lastError();
    const QString state = error.nativeErrorCode();
    qCWarning(lcStore).noquote() << "SQL failed:" << query.lastQuery() << "|" << state
                                 << error.text().trimmed();
    if (state.isEmpty() || state.startsWith(QLatin1String("08"))
        || state.startsWith(QLatin1String("57P"))) {
        // No answer, or the server is shutting down: connect again before the next statement.
        m_connectionLost = true;
        return { ErrorCode::UNAVAILABLE, QStringLiteral("the database is unavailable") };
    }
    if (state == QLatin1String("53100")) // disk_full
        return { ErrorCode::STORAGE_FULL, QStringLiteral("the database or disk is full") };
    if (state == QLatin1String("40001") || state == QLatin1String("40P01")
        || state == QLatin1String("55P03") || state == QLatin1String("23505")
        || state.startsWith(QLatin1String("53")))
        // A conflict with another node's transaction (serialization, deadlock, a unique key
        // taken meanwhile), or the server out of connections or memory: try again.
        return { ErrorCode::UNAVAILABLE, QStringLiteral("the database is busy") };
    return { ErrorCode::INTERNAL, QStringLiteral("storage error") };
}

qint64 PostgresStore::databaseBytes()
{
    QSqlQuery size(m_db);
    if (size.exec(QStringLiteral("SELECT pg_database_size(current_database())")) && size.next())
        return size.value(0).toLongLong();
    return -1;
}

// ----- migrations
// ---------------------------------------------------------------------------------

Result<void> PostgresStore::migrate()
{
    // One transaction per step, together with the new version (STYLE.md §6); PostgreSQL's DDL
    // is transactional. The advisory lock makes nodes that start together take turns.
    auto readVersion = [this]() -> Result<int> {
        if (auto done = execOnce(QStringLiteral("BEGIN")); !done)
            return done.error();
        QSqlQuery run(m_db);
        if (!run.exec(QStringLiteral("SELECT pg_advisory_xact_lock(%1, 0)").arg(kMigrationLock))
            || !run.exec(QStringLiteral(
                "CREATE TABLE IF NOT EXISTS confab_schema (version INTEGER NOT NULL)"))
            || !run.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM confab_schema"))
            || !run.next()) {
            const Error error = sqlError(run);
            static_cast<void>(execOnce(QStringLiteral("ROLLBACK")));
            return error;
        }
        return run.value(0).toInt();
    };
    for (;;) {
        auto version = readVersion();
        if (!version)
            return version.error();
        const int current = version.value();
        if (current > kSchemaVersion) {
            static_cast<void>(execOnce(QStringLiteral("ROLLBACK")));
            return Error { ErrorCode::INTERNAL,
                           QStringLiteral("the database has schema version %1, newer than this "
                                          "confabd (%2): upgrade confabd")
                               .arg(current)
                               .arg(kSchemaVersion) };
        }
        if (current == kSchemaVersion) {
            static_cast<void>(execOnce(QStringLiteral("COMMIT")));
            m_schemaVersion = current;
            return {};
        }
        // A new database starts at the current schema; later versions add steps from there.
        const int next = current == 0 ? 10 : current + 1;
        qCInfo(lcStore) << "migrating the PostgreSQL database from schema version" << current
                        << "to" << next;
        auto stepped = migrateTo(next);
        if (stepped)
            stepped = execOnce(QStringLiteral("DELETE FROM confab_schema"));
        if (stepped)
            stepped = execOnce(
                QStringLiteral("INSERT INTO confab_schema (version) VALUES (%1)").arg(next));
        if (stepped)
            stepped = execOnce(QStringLiteral("COMMIT"));
        if (!stepped) {
            static_cast<void>(execOnce(QStringLiteral("ROLLBACK")));
            return Error { ErrorCode::INTERNAL,
                           QStringLiteral("migrating to schema version %1 failed: %2")
                               .arg(next)
                               .arg(stepped.error().message) };
        }
    }
}

Result<void> PostgresStore::migrateTo(int version)
{
    // One step per schema version; a shipped step never changes (STYLE.md §6).
    static_assert(kSchemaVersion == 10, "add the new step here, and to SqliteStore's");
    switch (version) {
    case 10:
        return createSchema10();
    }
    return Error { ErrorCode::INTERNAL, QStringLiteral("no migration to version %1").arg(version) };
}

Result<void> PostgresStore::createSchema10()
{
    // SQLite's schema 10 (SqliteStore::migrateTo1..10) in PostgreSQL's types: ids BIGINT
    // (users, conversations and mails numbered by the database, messages and files by the
    // Snowflake ids confabd gives them), bytes BYTEA.
    const char *const statements[] = {
        R"(CREATE TABLE users (
            user_id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            created_ms BIGINT NOT NULL,
            last_seen_ms BIGINT NOT NULL DEFAULT 0))",
        R"(CREATE TABLE tokens (
            token_hash BYTEA PRIMARY KEY,
            user_id BIGINT NOT NULL REFERENCES users (user_id),
            device_id BYTEA NOT NULL,
            created_ms BIGINT NOT NULL,
            expires_ms BIGINT NOT NULL))",
        "CREATE INDEX tokens_by_user ON tokens (user_id)",
        R"(CREATE TABLE devices (
            user_id BIGINT NOT NULL REFERENCES users (user_id),
            device_id BYTEA NOT NULL,
            client_name TEXT NOT NULL,
            client_version TEXT NOT NULL,
            last_seen_ms BIGINT NOT NULL,
            device_name TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (user_id, device_id)))",
        R"(CREATE TABLE conversations (
            conversation_id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            kind INTEGER NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            direct_key TEXT UNIQUE,
            last_seq BIGINT NOT NULL DEFAULT 0,
            last_activity_ms BIGINT NOT NULL,
            created_ms BIGINT NOT NULL,
            archived_seq BIGINT NOT NULL DEFAULT 0,
            retention_days INTEGER NOT NULL DEFAULT 0,
            purged_seq BIGINT NOT NULL DEFAULT 0))",
        R"(CREATE TABLE members (
            conversation_id BIGINT NOT NULL REFERENCES conversations (conversation_id),
            user_id BIGINT NOT NULL REFERENCES users (user_id),
            role INTEGER NOT NULL DEFAULT 0,
            joined_seq BIGINT NOT NULL DEFAULT 0,
            read_seq BIGINT NOT NULL DEFAULT 0,
            left_seq BIGINT,
            delivered_seq BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (conversation_id, user_id)))",
        "CREATE INDEX members_by_user ON members (user_id)",
        R"(CREATE TABLE messages (
            message_id BIGINT PRIMARY KEY,
            conversation_id BIGINT NOT NULL REFERENCES conversations (conversation_id),
            seq BIGINT NOT NULL,
            sender_id BIGINT NOT NULL REFERENCES users (user_id),
            client_id BYTEA NOT NULL,
            server_time_ms BIGINT NOT NULL,
            text TEXT NOT NULL,
            event BYTEA,
            change BYTEA,
            target_id BIGINT,
            reply_to BIGINT,
            reply_seq BIGINT,
            mentions TEXT,
            edited_ms BIGINT NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            changed_seq BIGINT NOT NULL DEFAULT 0,
            has_attachments INTEGER NOT NULL DEFAULT 0,
            reply_sender BIGINT,
            UNIQUE (conversation_id, seq),
            UNIQUE (sender_id, client_id)))",
        "CREATE INDEX messages_by_target ON messages (target_id) WHERE target_id IS NOT NULL",
        R"(CREATE TABLE sync_cursors (
            user_id BIGINT NOT NULL REFERENCES users (user_id),
            device_id BYTEA NOT NULL,
            conversation_id BIGINT NOT NULL REFERENCES conversations (conversation_id),
            seq BIGINT NOT NULL,
            PRIMARY KEY (user_id, device_id, conversation_id)))",
        R"(CREATE TABLE reactions (
            message_id BIGINT NOT NULL,
            user_id BIGINT NOT NULL REFERENCES users (user_id),
            emoji TEXT NOT NULL,
            seq BIGINT NOT NULL,
            PRIMARY KEY (message_id, user_id, emoji)))",
        R"(CREATE TABLE message_edits (
            message_id BIGINT NOT NULL,
            edited_ms BIGINT NOT NULL,
            previous_text TEXT NOT NULL))",
        "CREATE INDEX message_edits_by_message ON message_edits (message_id)",
        R"(CREATE TABLE uploads (
            upload_id BYTEA PRIMARY KEY,
            user_id BIGINT NOT NULL REFERENCES users (user_id),
            name TEXT NOT NULL,
            mime_type TEXT NOT NULL,
            size BIGINT NOT NULL,
            sha256 BYTEA NOT NULL,
            thumbnail BYTEA,
            width INTEGER NOT NULL DEFAULT 0,
            height INTEGER NOT NULL DEFAULT 0,
            created_ms BIGINT NOT NULL))",
        "CREATE INDEX uploads_by_file ON uploads (user_id, sha256, size)",
        R"(CREATE TABLE attachments (
            attachment_id BIGINT PRIMARY KEY,
            uploader_id BIGINT NOT NULL REFERENCES users (user_id),
            message_id BIGINT,
            conversation_id BIGINT,
            seq BIGINT,
            name TEXT NOT NULL,
            mime_type TEXT NOT NULL,
            size BIGINT NOT NULL,
            sha256 BYTEA NOT NULL,
            thumbnail BYTEA,
            width INTEGER NOT NULL DEFAULT 0,
            height INTEGER NOT NULL DEFAULT 0,
            created_ms BIGINT NOT NULL))",
        "CREATE INDEX attachments_by_message ON attachments (message_id)",
        "CREATE INDEX attachments_by_conversation ON attachments (conversation_id, seq)",
        R"(CREATE TABLE notification_prefs (
            user_id BIGINT PRIMARY KEY REFERENCES users (user_id),
            prefs BYTEA NOT NULL,
            version BIGINT NOT NULL,
            digest_to TEXT))",
        ("CREATE INDEX notification_prefs_digests ON notification_prefs (user_id) "
         "WHERE digest_to IS NOT NULL"),
        R"(CREATE TABLE digest_state (
            user_id BIGINT PRIMARY KEY REFERENCES users (user_id),
            last_queued_ms BIGINT NOT NULL,
            covered_ms BIGINT NOT NULL))",
        R"(CREATE TABLE email_outbox (
            email_id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            user_id BIGINT NOT NULL REFERENCES users (user_id),
            to_addr TEXT NOT NULL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            created_ms BIGINT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_ms BIGINT NOT NULL,
            last_error TEXT NOT NULL DEFAULT ''))",
        "CREATE INDEX email_outbox_due ON email_outbox (next_attempt_ms)",
        R"(CREATE TABLE archive_segments (
            conversation_id BIGINT NOT NULL REFERENCES conversations (conversation_id),
            first_seq BIGINT NOT NULL,
            last_seq BIGINT NOT NULL,
            month TEXT NOT NULL,
            file TEXT NOT NULL UNIQUE,
            messages INTEGER NOT NULL,
            bytes BIGINT NOT NULL,
            raw_bytes BIGINT NOT NULL,
            sha256 BYTEA NOT NULL,
            first_ms BIGINT NOT NULL,
            last_ms BIGINT NOT NULL,
            min_message_id BIGINT NOT NULL,
            max_message_id BIGINT NOT NULL,
            created_ms BIGINT NOT NULL,
            PRIMARY KEY (conversation_id, first_seq)))",
    };
    for (const char *sql : statements)
        if (auto done = execOnce(QString::fromLatin1(sql)); !done)
            return done;
    return {};
}

} // namespace Confab::Store
