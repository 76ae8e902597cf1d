#include "localcache.h"

#include <confab/ids.h>
#include <confab/logging.h>
#include <confab/pb.h>
#include <confab/sqlsupport.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>
#include <QSqlError>

#include <algorithm>
#include <atomic>
#include <limits>

namespace Confab::Client {

namespace {

using Sql::Finished;
using Sql::id;
using Sql::nonNull;

// The columns readMessage() reads, in its order.
#define CONFAB_CACHE_MESSAGE_COLUMNS                                                               \
    "local_id, client_id, message_id, conversation_id, peer_username, seq, sender_id, text, "      \
    "time_ms, state, error, event, change, reply_to, reply_seq, mentions, edited_ms, deleted, "    \
    "changed_seq, has_attachments"

QString joinIds(const QList<quint64> &ids)
{
    QStringList parts;
    for (quint64 value : ids)
        parts.append(QString::number(value));
    return parts.join(QLatin1Char(','));
}

QVariant nullableId(quint64 value)
{
    return value ? QVariant(qint64(value)) : QVariant(QMetaType(QMetaType::LongLong));
}

bool isCjk(char32_t codePoint)
{
    switch (QChar::script(codePoint)) {
    case QChar::Script_Han:
    case QChar::Script_Hiragana:
    case QChar::Script_Katakana:
    case QChar::Script_Hangul:
    case QChar::Script_Bopomofo:
        return true;
    default:
        return false;
    }
}

} // namespace

LocalCache::LocalCache(const QString &path)
    : m_path(path), m_connectionName(Sql::uniqueConnectionName("confab-cache"))
{ }

LocalCache::~LocalCache()
{
    m_queries.clear();
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

// ----- opening and migrations

Result<void> LocalCache::openFile()
{
    if (!QDir().mkpath(QFileInfo(m_path).absolutePath()))
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("cannot create %1").arg(QFileInfo(m_path).absolutePath()) };
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    m_db.setDatabaseName(m_path);
    if (!m_db.open())
        return Error { ErrorCode::INTERNAL, m_db.lastError().text() };
    // WAL with synchronous=NORMAL: a commit survives the app being killed (the outbox must), and
    // costs no fsync on the GUI thread; only a power cut may lose the last instants.
    // secure_delete: the text of a message deleted for everyone is overwritten, not left in
    // the file's free space.
    for (const char *pragma : { "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
                                "PRAGMA foreign_keys = ON", "PRAGMA secure_delete = ON" }) {
        if (auto done = execOnce(QString::fromLatin1(pragma)); !done)
            return done;
    }
    // No full integrity check here: it reads the whole file, and start-up must stay fast. A file
    // that is not a database fails the pragmas above; damage found later is reported by queries.
    QSqlQuery check(m_db);
    // A database that is not ours: tables, but no Confab schema version.
    if (!check.exec(QStringLiteral("PRAGMA user_version")) || !check.next())
        return sqlError(check);
    const int version = check.value(0).toInt();
    check.finish();
    if (version == 0) {
        if (!check.exec(QStringLiteral("SELECT COUNT(*) FROM sqlite_master")) || !check.next())
            return sqlError(check);
        if (check.value(0).toInt() > 0)
            return Error { ErrorCode::INTERNAL, QStringLiteral("the file is not a Confab cache") };
        check.finish();
    } else if (version > kSchemaVersion) {
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("the cache was written by a newer Confab") };
    }
    return migrate();
}

Result<void> LocalCache::open()
{
    auto opened = openFile();
    if (opened)
        return opened;
    // A cache is only a cache: keep the unusable file for inspection, start afresh, and sync
    // everything from the server again.
    qCWarning(lcClientSync) << "cache" << m_path << "unusable:" << opened.error().message;
    m_queries.clear();
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
    m_movedAside = moveAside(m_path);
    if (m_movedAside.isEmpty())
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("cannot move the damaged cache %1 aside").arg(m_path) };
    return openFile();
}

QString LocalCache::moveAside(const QString &path)
{
    const QString aside =
        path + QStringLiteral(".broken-%1").arg(QDateTime::currentMSecsSinceEpoch());
    if (!QFile::rename(path, aside))
        return {};
    for (const char *suffix : { "-wal", "-shm" })
        QFile::rename(path + QLatin1String(suffix), aside + QLatin1String(suffix));
    return aside;
}

std::optional<bool> LocalCache::checkIntegrity(const QString &path)
{
    const QString name = Sql::uniqueConnectionName("confab-cache");
    std::optional<bool> ok;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        if (db.open()) {
            QSqlQuery check(db);
            if (check.exec(QStringLiteral("PRAGMA quick_check")) && check.next())
                ok = check.value(0).toString() == QStringLiteral("ok");
            else if ((check.lastError().nativeErrorCode().toInt() & 0xFF) == 11) // SQLITE_CORRUPT
                ok = false;
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

QSqlQuery &LocalCache::query(const char *sql)
{
    auto it = m_queries.find(sql);
    if (it == m_queries.end()) {
        it = m_queries.emplace(sql, QSqlQuery(m_db)).first;
        if (!it->second.prepare(QString::fromLatin1(sql)))
            qCCritical(lcClientSync) << "cannot prepare" << sql << it->second.lastError().text();
    }
    return it->second;
}

Error LocalCache::sqlError(const QSqlQuery &query) const
{
    const QSqlError error = query.lastError();
    qCWarning(lcClientSync).noquote()
        << "cache SQL failed:" << query.lastQuery() << "|" << error.text();
    if ((error.nativeErrorCode().toInt() & 0xFF) == 13)
        return { ErrorCode::STORAGE_FULL, QStringLiteral("the disk is full") };
    return { ErrorCode::INTERNAL, QStringLiteral("local cache error: %1").arg(error.text()) };
}

Result<void> LocalCache::exec(QSqlQuery &query)
{
    if (query.exec())
        return {};
    return sqlError(query);
}

Result<void> LocalCache::execOnce(const QString &sql)
{
    QSqlQuery query(m_db);
    if (query.exec(sql))
        return {};
    return sqlError(query);
}

Result<void> LocalCache::begin()
{
    return exec(query("BEGIN IMMEDIATE"));
}

Result<void> LocalCache::commit()
{
    return exec(query("COMMIT"));
}

void LocalCache::rollback()
{
    QSqlQuery rollback(m_db);
    rollback.exec(QStringLiteral("ROLLBACK"));
}

Result<void> LocalCache::migrate()
{
    auto reached = Sql::migrate(m_db, kSchemaVersion, [this](int next) { return migrateTo(next); });
    if (!reached)
        return reached.error();
    return {};
}

Result<void> LocalCache::migrateTo(int version)
{
    static_assert(kSchemaVersion == 5, "add the new step here");
    if (version == 5) {
        // Retention (protocol 1.6): the chat's own limit, and where its history now starts.
        const char *const statements[] = {
            "ALTER TABLE conversations ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE conversations ADD COLUMN purged_seq BIGINT NOT NULL DEFAULT 0",
        };
        for (const char *sql : statements)
            if (auto done = execOnce(QString::fromLatin1(sql)); !done)
                return done;
        return {};
    }
    if (version == 4) {
        // Files sent with messages: ours until uploaded (read from local_path), others' as the
        // server described them (local_path: the downloaded copy).
        const char *const statements[] = {
            "ALTER TABLE messages ADD COLUMN has_attachments INTEGER NOT NULL DEFAULT 0",
            R"(CREATE TABLE attachments (
                local_id INTEGER NOT NULL REFERENCES messages (local_id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                attachment_id INTEGER,
                name TEXT NOT NULL,
                mime_type TEXT NOT NULL,
                size BIGINT NOT NULL,
                sha256 BLOB NOT NULL,
                thumbnail BLOB,
                width INTEGER NOT NULL DEFAULT 0,
                height INTEGER NOT NULL DEFAULT 0,
                local_path TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (local_id, position)))",
            "CREATE INDEX attachments_by_id ON attachments (attachment_id)",
        };
        for (const char *sql : statements)
            if (auto done = execOnce(QString::fromLatin1(sql)); !done)
                return done;
        return {};
    }
    if (version == 3) {
        // Rich messages: change entries and the state they leave on their targets; replies,
        // mentions, reactions.
        const char *const statements[] = {
            "ALTER TABLE messages ADD COLUMN change BLOB",
            "ALTER TABLE messages ADD COLUMN target_id INTEGER",
            "ALTER TABLE messages ADD COLUMN reply_to INTEGER",
            "ALTER TABLE messages ADD COLUMN reply_seq BIGINT",
            "ALTER TABLE messages ADD COLUMN mentions TEXT",
            "ALTER TABLE messages ADD COLUMN edited_ms BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE messages ADD COLUMN changed_seq BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE messages ADD COLUMN edit_seq BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE messages ADD COLUMN applied_seq BIGINT NOT NULL DEFAULT 0",
            "CREATE INDEX messages_by_target ON messages (target_id) WHERE target_id IS NOT NULL",
            "CREATE TABLE reactions (message_id INTEGER NOT NULL, user_id INTEGER NOT NULL, "
            "emoji TEXT NOT NULL, PRIMARY KEY (message_id, user_id, emoji))",
        };
        for (const char *sql : statements)
            if (auto done = execOnce(QString::fromLatin1(sql)); !done)
                return done;
        return {};
    }
    if (version == 2) {
        // Groups and receipts: group changes are stream entries; roles; the others' cursors.
        const char *const statements[] = {
            "ALTER TABLE messages ADD COLUMN event BLOB",
            "ALTER TABLE conversations ADD COLUMN joined_seq BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE conversations ADD COLUMN left_group INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE members ADD COLUMN role INTEGER NOT NULL DEFAULT 0",
            "CREATE TABLE receipts (conversation_id INTEGER NOT NULL, user_id INTEGER NOT NULL, "
            "delivered_seq BIGINT NOT NULL DEFAULT 0, read_seq BIGINT NOT NULL DEFAULT 0, "
            "PRIMARY KEY (conversation_id, user_id))",
        };
        for (const char *sql : statements)
            if (auto done = execOnce(QString::fromLatin1(sql)); !done)
                return done;
        return {};
    }
    if (version != 1)
        return Error { ErrorCode::INTERNAL, QStringLiteral("no migration to %1").arg(version) };
    const char *const statements[] = {
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value BLOB)",
        "CREATE TABLE users (user_id INTEGER PRIMARY KEY, username TEXT NOT NULL, "
        "display_name TEXT NOT NULL)",
        R"(CREATE TABLE conversations (
            conversation_id INTEGER PRIMARY KEY,
            kind INTEGER NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            last_seq BIGINT NOT NULL DEFAULT 0,
            read_seq BIGINT NOT NULL DEFAULT 0,
            unread_count BIGINT NOT NULL DEFAULT 0,
            last_activity_ms BIGINT NOT NULL DEFAULT 0))",
        "CREATE TABLE members (conversation_id INTEGER NOT NULL, user_id INTEGER NOT NULL, "
        "PRIMARY KEY (conversation_id, user_id))",
        R"(CREATE TABLE messages (
            local_id INTEGER PRIMARY KEY AUTOINCREMENT,
            client_id BLOB NOT NULL,
            message_id INTEGER UNIQUE,
            conversation_id INTEGER NOT NULL DEFAULT 0,
            peer_username TEXT NOT NULL DEFAULT '',
            seq BIGINT,
            sender_id INTEGER NOT NULL,
            text TEXT NOT NULL,
            time_ms BIGINT NOT NULL,
            state INTEGER NOT NULL,
            error TEXT NOT NULL DEFAULT ''))",
        "CREATE UNIQUE INDEX messages_by_seq ON messages (conversation_id, seq)",
        "CREATE INDEX messages_by_client ON messages (client_id)",
        "CREATE TABLE outbox (local_id INTEGER PRIMARY KEY REFERENCES messages (local_id) "
        "ON DELETE CASCADE, attempts INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE sync_cursors (conversation_id INTEGER PRIMARY KEY, seq BIGINT NOT NULL)",
        "CREATE VIRTUAL TABLE messages_fts USING fts5(body, tokenize = 'unicode61 "
        "remove_diacritics 2')",
    };
    for (const char *sql : statements)
        if (auto done = execOnce(QString::fromLatin1(sql)); !done)
            return done;
    return {};
}

// ----- settings

QVariant LocalCache::setting(const QString &key, const QVariant &fallback)
{
    auto &select = query("SELECT value FROM settings WHERE key = ?");
    select.bindValue(0, key);
    if (!exec(select))
        return fallback;
    const Finished finished(select);
    return select.next() ? select.value(0) : fallback;
}

Result<void> LocalCache::setSetting(const QString &key, const QVariant &value)
{
    auto &upsert = query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO "
                         "UPDATE SET value = excluded.value");
    upsert.bindValue(0, key);
    upsert.bindValue(1, value);
    return exec(upsert);
}

// ----- messages

ChatMessage LocalCache::readMessage(const QSqlQuery &query)
{
    ChatMessage m;
    m.localId = query.value(0).toLongLong();
    m.clientId = QUuid::fromRfc4122(query.value(1).toByteArray());
    m.messageId = query.value(2).toULongLong();
    m.conversationId = query.value(3).toULongLong();
    m.peerUsername = query.value(4).toString();
    m.seq = query.value(5).toULongLong();
    m.senderId = query.value(6).toULongLong();
    m.text = query.value(7).toString();
    m.timeMs = query.value(8).toLongLong();
    m.state = MessageState(query.value(9).toInt());
    m.error = query.value(10).toString();
    m.event = eventFromBytes(query.value(11).toByteArray());
    changeFromBytes(query.value(12).toByteArray(), &m);
    m.replyToId = query.value(13).toULongLong();
    m.replyToSeq = query.value(14).toULongLong();
    const QString mentions = query.value(15).toString();
    for (const QStringView part : QStringView(mentions).split(QLatin1Char(','), Qt::SkipEmptyParts))
        m.mentions.append(part.toULongLong());
    m.editedMs = query.value(16).toLongLong();
    m.deleted = query.value(17).toBool();
    m.changedSeq = query.value(18).toULongLong();
    if (query.value(19).toBool())
        m.attachments.append(AttachmentInfo {}); // a placeholder: readAttachments() fills them
    return m;
}

Result<void> LocalCache::readAttachments(ChatMessage *message)
{
    if (message->attachments.isEmpty())
        return {};
    message->attachments.clear();
    auto &select =
        query("SELECT attachment_id, name, mime_type, size, sha256, thumbnail, width, "
              "height, local_path FROM attachments WHERE local_id = ? ORDER BY position");
    select.bindValue(0, message->localId);
    if (auto done = exec(select); !done)
        return done;
    const Finished finished(select);
    while (select.next())
        message->attachments.append({ select.value(0).toULongLong(), select.value(1).toString(),
                                      select.value(2).toString(), select.value(3).toULongLong(),
                                      select.value(4).toByteArray(), select.value(5).toByteArray(),
                                      select.value(6).toInt(), select.value(7).toInt(),
                                      select.value(8).toString() });
    return {};
}

Result<void> LocalCache::insertAttachments(qint64 localId, const QList<AttachmentInfo> &attachments)
{
    if (attachments.isEmpty())
        return {};
    auto &insert = query("INSERT OR REPLACE INTO attachments (local_id, position, attachment_id, "
                         "name, mime_type, size, sha256, thumbnail, width, height, local_path) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (int i = 0; i < attachments.size(); ++i) {
        const AttachmentInfo &a = attachments.at(i);
        insert.bindValue(0, localId);
        insert.bindValue(1, i);
        insert.bindValue(2, nullableId(a.attachmentId));
        insert.bindValue(3, nonNull(a.name));
        insert.bindValue(4, nonNull(a.mimeType));
        insert.bindValue(5, id(a.size));
        // Empty, not NULL, while ours is still being hashed.
        insert.bindValue(6, a.sha256.isNull() ? QByteArray("") : a.sha256);
        insert.bindValue(7,
                         a.thumbnail.isEmpty() ? QVariant(QMetaType(QMetaType::QByteArray))
                                               : QVariant(a.thumbnail));
        insert.bindValue(8, a.width);
        insert.bindValue(9, a.height);
        insert.bindValue(10, nonNull(a.localPath));
        if (auto done = exec(insert); !done)
            return done;
    }
    auto &flag = query("UPDATE messages SET has_attachments = 1 WHERE local_id = ?");
    flag.bindValue(0, localId);
    return exec(flag);
}

Result<void> LocalCache::setAttachmentUploaded(qint64 localId, int position, quint64 attachmentId)
{
    auto &update =
        query("UPDATE attachments SET attachment_id = ? WHERE local_id = ? AND position = ?");
    update.bindValue(0, id(attachmentId));
    update.bindValue(1, localId);
    update.bindValue(2, position);
    return exec(update);
}

Result<void> LocalCache::setAttachmentHash(qint64 localId, int position, const QByteArray &sha256)
{
    auto &update = query("UPDATE attachments SET sha256 = ? WHERE local_id = ? AND position = ?");
    update.bindValue(0, sha256.isNull() ? QByteArray("") : sha256);
    update.bindValue(1, localId);
    update.bindValue(2, position);
    return exec(update);
}

Result<void> LocalCache::setAttachmentPath(quint64 attachmentId, const QString &path)
{
    auto &update = query("UPDATE attachments SET local_path = ? WHERE attachment_id = ?");
    update.bindValue(0, nonNull(path));
    update.bindValue(1, id(attachmentId));
    return exec(update);
}

QByteArray LocalCache::changeToBytes(const ChatMessage &entry)
{
    if (!entry.isChange())
        return {};
    pb::MessageChange wire;
    wire.set_kind(pb::MessageChange::Kind(entry.change));
    wire.set_target_message_id(entry.targetId);
    wire.set_target_seq(entry.targetSeq);
    wire.set_emoji(entry.emoji.toStdString());
    return QByteArray::fromStdString(wire.SerializeAsString());
}

void LocalCache::changeFromBytes(const QByteArray &bytes, ChatMessage *entry)
{
    pb::MessageChange wire;
    if (bytes.isEmpty() || !wire.ParseFromArray(bytes.constData(), int(bytes.size())))
        return;
    entry->change = ChangeKind(wire.kind());
    entry->targetId = wire.target_message_id();
    entry->targetSeq = wire.target_seq();
    entry->emoji = QString::fromStdString(wire.emoji());
}

Result<void> LocalCache::readReactions(ChatMessage *message)
{
    message->reactions.clear();
    if (message->messageId == 0 || message->deleted || message->isChange())
        return {};
    auto &select =
        query("SELECT emoji, user_id FROM reactions WHERE message_id = ? ORDER BY rowid");
    select.bindValue(0, id(message->messageId));
    if (auto done = exec(select); !done)
        return done;
    const Finished finished(select);
    while (select.next()) {
        const QString emoji = select.value(0).toString();
        auto found = std::find_if(message->reactions.begin(), message->reactions.end(),
                                  [&emoji](const Reaction &r) { return r.emoji == emoji; });
        if (found == message->reactions.end())
            found = message->reactions.insert(message->reactions.end(), Reaction { emoji, {} });
        found->userIds.append(select.value(1).toULongLong());
    }
    return {};
}

Result<void> LocalCache::replaceReactions(quint64 messageId, const QList<Reaction> &reactions)
{
    auto &clear = query("DELETE FROM reactions WHERE message_id = ?");
    clear.bindValue(0, id(messageId));
    if (auto done = exec(clear); !done)
        return done;
    auto &insert = query("INSERT OR IGNORE INTO reactions (message_id, user_id, emoji) "
                         "VALUES (?, ?, ?)");
    for (const Reaction &reaction : reactions) {
        for (quint64 userId : reaction.userIds) {
            insert.bindValue(0, id(messageId));
            insert.bindValue(1, id(userId));
            insert.bindValue(2, reaction.emoji);
            if (auto done = exec(insert); !done)
                return done;
        }
    }
    return {};
}

QByteArray LocalCache::eventToBytes(const GroupEvent &event)
{
    if (!event.isValid())
        return {};
    pb::GroupEvent wire;
    wire.set_kind(pb::GroupEvent::Kind(event.kind));
    for (quint64 userId : event.userIds)
        wire.add_user_ids(userId);
    wire.set_title(event.title.toStdString());
    wire.set_role(pb::Role(event.role));
    wire.set_retention_days(quint32(std::max(event.retentionDays, 0)));
    return QByteArray::fromStdString(wire.SerializeAsString());
}

GroupEvent LocalCache::eventFromBytes(const QByteArray &bytes)
{
    GroupEvent event;
    pb::GroupEvent wire;
    if (bytes.isEmpty() || !wire.ParseFromArray(bytes.constData(), int(bytes.size())))
        return event;
    event.kind = GroupEvent::Kind(wire.kind());
    for (quint64 userId : wire.user_ids())
        event.userIds.append(userId);
    event.title = QString::fromStdString(wire.title());
    event.role = Role(wire.role());
    event.retentionDays = int(std::min<quint32>(wire.retention_days(), 1u << 30));
    return event;
}

Result<ChatMessage> LocalCache::messageWhere(const char *sql, const QVariant &value)
{
    auto &select = query(sql);
    select.bindValue(0, value);
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    if (!select.next())
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such message") };
    ChatMessage message = readMessage(select);
    select.finish();
    if (auto done = readReactions(&message); !done)
        return done.error();
    if (auto done = readAttachments(&message); !done)
        return done.error();
    return message;
}

Result<ChatMessage> LocalCache::message(const QUuid &clientId)
{
    return messageWhere("SELECT " CONFAB_CACHE_MESSAGE_COLUMNS " FROM messages WHERE client_id = ?",
                        clientId.toRfc4122());
}

Result<ChatMessage> LocalCache::messageById(quint64 messageId)
{
    // Not one retention deleted, though its row may wait for deletePurged() a moment longer.
    return messageWhere("SELECT " CONFAB_CACHE_MESSAGE_COLUMNS
                        " FROM messages WHERE message_id = ? AND (seq IS NULL OR seq > "
                        "COALESCE((SELECT c.purged_seq FROM conversations c WHERE "
                        "c.conversation_id = messages.conversation_id), 0))",
                        id(messageId));
}

Result<QList<ChatMessage>> LocalCache::messagesByLocalId(const QList<qint64> &localIds)
{
    QList<ChatMessage> result;
    for (qint64 localId : localIds) {
        auto found = messageWhere(
            "SELECT " CONFAB_CACHE_MESSAGE_COLUMNS " FROM messages WHERE local_id = ?", localId);
        if (!found)
            return found.error();
        result.append(found.value());
    }
    return result;
}

Result<void> LocalCache::index(qint64 localId, const QString &text)
{
    // Local ids are never reused, but a stale index row must not stop a message being stored.
    auto &insert = query("INSERT OR REPLACE INTO messages_fts (rowid, body) VALUES (?, ?)");
    insert.bindValue(0, localId);
    insert.bindValue(1, searchableText(text));
    return exec(insert);
}

Result<ChatMessage> LocalCache::addPending(quint64 conversationId, const QString &peerUsername,
                                           const QString &text, quint64 senderId, qint64 nowMs,
                                           const QUuid &clientId, quint64 replyTo, quint64 replySeq,
                                           const QList<quint64> &mentions,
                                           const QList<AttachmentInfo> &attachments)
{
    ChatMessage m;
    m.clientId = clientId.isNull() ? createTimeOrderedUuid() : clientId;
    m.conversationId = conversationId;
    m.peerUsername = conversationId ? QString() : peerUsername.toLower();
    m.senderId = senderId;
    m.text = text;
    m.timeMs = nowMs;
    m.state = MessageState::Sending;
    m.replyToId = replyTo;
    m.replyToSeq = replyTo ? replySeq : 0;
    m.mentions = mentions;
    m.attachments = attachments;
    if (auto begun = begin(); !begun)
        return begun.error();
    auto &insert =
        query("INSERT INTO messages (client_id, conversation_id, peer_username, sender_id, "
              "text, time_ms, state, reply_to, reply_seq, mentions) VALUES (?, ?, ?, ?, ?, ?, ?, "
              "?, ?, ?)");
    insert.bindValue(0, m.clientId.toRfc4122());
    insert.bindValue(1, id(m.conversationId));
    insert.bindValue(2, nonNull(m.peerUsername));
    insert.bindValue(3, id(senderId));
    insert.bindValue(4, nonNull(text));
    insert.bindValue(5, nowMs);
    insert.bindValue(6, int(m.state));
    insert.bindValue(7, nullableId(m.replyToId));
    insert.bindValue(8, nullableId(m.replyToSeq));
    insert.bindValue(9,
                     mentions.isEmpty() ? QVariant(QMetaType(QMetaType::QString))
                                        : QVariant(joinIds(mentions)));
    auto done = exec(insert);
    if (done) {
        m.localId = insert.lastInsertId().toLongLong();
        auto &outbox = query("INSERT INTO outbox (local_id) VALUES (?)");
        outbox.bindValue(0, m.localId);
        done = exec(outbox);
    }
    if (done)
        done = index(m.localId, text);
    if (done)
        done = insertAttachments(m.localId, attachments);
    if (done && conversationId) {
        auto &touch =
            query("UPDATE conversations SET last_activity_ms = ? WHERE conversation_id = ?");
        touch.bindValue(0, nowMs);
        touch.bindValue(1, id(conversationId));
        done = exec(touch);
    }
    if (done)
        done = commit();
    if (!done) {
        rollback();
        return done.error();
    }
    return m;
}

Result<ChatMessage> LocalCache::addPendingChange(const ChatMessage &target, ChangeKind kind,
                                                 const QString &value, quint64 senderId,
                                                 qint64 nowMs)
{
    if (target.messageId == 0 || target.isChange() || target.event.isValid())
        return Error { ErrorCode::INVALID_ARGUMENT,
                       QStringLiteral("only a sent message can be changed") };
    ChatMessage entry;
    entry.clientId = createTimeOrderedUuid();
    entry.conversationId = target.conversationId;
    entry.senderId = senderId;
    entry.timeMs = nowMs;
    entry.state = MessageState::Sending;
    entry.change = kind;
    entry.targetId = target.messageId;
    entry.targetSeq = target.seq;
    if (kind == ChangeKind::Edited)
        entry.text = value;
    else if (kind != ChangeKind::Deleted)
        entry.emoji = value;
    if (auto begun = begin(); !begun)
        return begun.error();
    auto &insert =
        query("INSERT INTO messages (client_id, conversation_id, sender_id, text, time_ms, state, "
              "change, target_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bindValue(0, entry.clientId.toRfc4122());
    insert.bindValue(1, id(entry.conversationId));
    insert.bindValue(2, id(senderId));
    insert.bindValue(3, nonNull(entry.text));
    insert.bindValue(4, nowMs);
    insert.bindValue(5, int(entry.state));
    insert.bindValue(6, changeToBytes(entry));
    insert.bindValue(7, id(entry.targetId));
    auto done = exec(insert);
    if (done) {
        entry.localId = insert.lastInsertId().toLongLong();
        auto &outbox = query("INSERT INTO outbox (local_id) VALUES (?)");
        outbox.bindValue(0, entry.localId);
        done = exec(outbox);
    }
    QList<qint64> changedIds;
    if (done)
        done = applyChange(entry, &changedIds);
    if (done)
        done = commit();
    if (!done) {
        rollback();
        return done.error();
    }
    return messageById(target.messageId);
}

Result<void> LocalCache::applyChange(const ChatMessage &entry, QList<qint64> *changedIds)
{
    // Entries may come out of order (a live one before a gap is filled, an ack among events):
    // the target's changed_seq is the server's snapshot it was stored with (what it already
    // reflects), edit_seq the edit it shows (a later one wins whatever comes first), and
    // applied_seq the newest entry applied here.
    qint64 localId = 0;
    {
        auto &target = query("SELECT local_id, changed_seq, deleted, edit_seq FROM messages "
                             "WHERE message_id = ?");
        target.bindValue(0, id(entry.targetId));
        if (auto done = exec(target); !done)
            return done;
        const Finished finished(target);
        if (!target.next())
            return {}; // not held: history brings its current state when it is fetched
        if (entry.seq != 0 && entry.seq <= target.value(1).toULongLong())
            return {}; // the snapshot held already reflects it
        if (target.value(2).toBool())
            return {}; // deleted: nothing more changes it
        if (entry.change == ChangeKind::Edited && entry.seq != 0
            && entry.seq < target.value(3).toULongLong())
            return {}; // a later edit is shown
        localId = target.value(0).toLongLong();
    }
    auto step = [this](const char *sql, const QVariantList &values) {
        auto &run = query(sql);
        for (int i = 0; i < values.size(); ++i)
            run.bindValue(i, values.at(i));
        return exec(run);
    };
    // A pending change of ours has seq 0: it moves nothing, the server's answer does.
    const QVariant seq = qint64(entry.seq);
    Result<void> done = step("UPDATE messages SET applied_seq = MAX(applied_seq, ?) "
                             "WHERE local_id = ?",
                             { seq, localId });
    switch (entry.change) {
    case ChangeKind::Edited:
        if (done)
            done = step("UPDATE messages SET text = ?, edited_ms = ?, edit_seq = MAX(edit_seq, ?) "
                        "WHERE local_id = ?",
                        { nonNull(entry.text), entry.timeMs, seq, localId });
        if (done)
            done = index(localId, entry.text);
        break;
    case ChangeKind::Deleted:
        if (done)
            done = step("UPDATE messages SET text = '', mentions = NULL, edited_ms = 0, "
                        "deleted = 1 WHERE local_id = ?",
                        { localId });
        if (done) // its edits' texts, too
            done = step("UPDATE messages SET text = '' WHERE target_id = ?",
                        { qint64(entry.targetId) });
        if (done)
            done = step("DELETE FROM reactions WHERE message_id = ?", { qint64(entry.targetId) });
        if (done) // its files: nobody can fetch them any more
            done = step("DELETE FROM attachments WHERE local_id = ?", { localId });
        if (done)
            done = step("DELETE FROM messages_fts WHERE rowid = ?", { localId });
        if (done) // a deleted message is no longer unread
            done = step(
                "UPDATE conversations SET unread_count = (SELECT COUNT(*) FROM messages "
                "WHERE conversation_id = conversations.conversation_id AND seq > "
                "conversations.read_seq AND sender_id <> ? AND event IS NULL AND "
                "change IS NULL AND deleted = 0) WHERE conversation_id = ?",
                { setting(QStringLiteral("user_id")).toLongLong(), qint64(entry.conversationId) });
        break;
    case ChangeKind::ReactionAdded:
    case ChangeKind::ReactionRemoved:
        if (done)
            done = entry.change == ChangeKind::ReactionAdded
                ? step("INSERT OR IGNORE INTO reactions (message_id, user_id, emoji) VALUES (?, "
                       "?, ?)",
                       { qint64(entry.targetId), qint64(entry.senderId), entry.emoji })
                : step("DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?",
                       { qint64(entry.targetId), qint64(entry.senderId), entry.emoji });
        break;
    case ChangeKind::None:
        break;
    }
    if (done && changedIds && !changedIds->contains(localId))
        changedIds->append(localId);
    return done;
}

Result<bool> LocalCache::refreshState(qint64 localId, const ChatMessage &incoming)
{
    auto held = messageWhere(
        "SELECT " CONFAB_CACHE_MESSAGE_COLUMNS " FROM messages WHERE local_id = ?", localId);
    if (!held)
        return held.error();
    const ChatMessage &h = held.value();
    const auto sameReactions = [&h, &incoming] {
        if (h.reactions.size() != incoming.reactions.size())
            return false;
        for (qsizetype i = 0; i < h.reactions.size(); ++i)
            if (h.reactions[i].emoji != incoming.reactions[i].emoji
                || QSet<quint64>(h.reactions[i].userIds.cbegin(), h.reactions[i].userIds.cend())
                    != QSet<quint64>(incoming.reactions[i].userIds.cbegin(),
                                     incoming.reactions[i].userIds.cend()))
                return false;
        return true;
    };
    if (h.text == incoming.text && h.editedMs == incoming.editedMs && h.deleted == incoming.deleted
        && h.changedSeq == incoming.changedSeq && sameReactions())
        return false;
    auto &update = query("UPDATE messages SET text = ?, edited_ms = ?, deleted = ?, "
                         "changed_seq = ?, mentions = ?, edit_seq = 0 WHERE local_id = ?");
    update.bindValue(0, nonNull(incoming.text));
    update.bindValue(1, incoming.editedMs);
    update.bindValue(2, incoming.deleted ? 1 : 0);
    update.bindValue(3, id(incoming.changedSeq));
    update.bindValue(4,
                     incoming.mentions.isEmpty() ? QVariant(QMetaType(QMetaType::QString))
                                                 : QVariant(joinIds(incoming.mentions)));
    update.bindValue(5, localId);
    if (auto done = exec(update); !done)
        return done.error();
    if (auto done = replaceReactions(incoming.messageId, incoming.reactions); !done)
        return done.error();
    if (incoming.deleted) {
        auto &files = query("DELETE FROM attachments WHERE local_id = ?");
        files.bindValue(0, localId);
        if (auto done = exec(files); !done)
            return done.error();
        auto &unindex = query("DELETE FROM messages_fts WHERE rowid = ?");
        unindex.bindValue(0, localId);
        if (auto done = exec(unindex); !done)
            return done.error();
    } else if (auto done = index(localId, incoming.text); !done) {
        return done.error();
    }
    return true;
}

Result<void> LocalCache::claimUnsentMessages(quint64 userId)
{
    auto &update = query("UPDATE messages SET sender_id = ? WHERE sender_id = 0 AND seq IS NULL");
    update.bindValue(0, id(userId));
    return exec(update);
}

Result<QList<ChatMessage>> LocalCache::outbox()
{
    auto &select = query("SELECT " CONFAB_CACHE_MESSAGE_COLUMNS " FROM messages WHERE local_id IN "
                         "(SELECT local_id FROM outbox) ORDER BY local_id");
    if (auto done = exec(select); !done)
        return done.error();
    QList<ChatMessage> messages;
    while (select.next())
        messages.append(readMessage(select));
    select.finish();
    for (ChatMessage &message : messages)
        if (auto done = readAttachments(&message); !done)
            return done.error();
    return messages;
}

Result<ChatMessage> LocalCache::markSent(const QUuid &clientId, quint64 messageId,
                                         quint64 conversationId, quint64 seq, qint64 timeMs,
                                         QList<ChatMessage> *changed)
{
    auto current = message(clientId);
    if (!current)
        return current.error();
    if (auto begun = begin(); !begun)
        return begun.error();
    // The same message may already be here from a sync or an event (it reached us before the
    // ack): then that row stays and the pending one goes.
    auto &duplicate = query("DELETE FROM messages WHERE message_id = ? AND local_id <> ?");
    duplicate.bindValue(0, id(messageId));
    duplicate.bindValue(1, current.value().localId);
    auto done = exec(duplicate);
    if (done)
        done = promote(current.value().localId, messageId, conversationId, seq, timeMs);
    QList<qint64> changedIds;
    if (done && current.value().isChange()) {
        ChatMessage entry = current.value();
        entry.messageId = messageId;
        entry.seq = seq;
        entry.timeMs = timeMs;
        done = applyChange(entry, &changedIds);
    }
    if (done)
        done = touchConversation(conversationId, seq, current.value().isChange() ? 0 : timeMs, 0);
    if (done)
        done = advanceCursor(conversationId);
    if (done)
        done = commit();
    if (!done) {
        rollback();
        return done.error();
    }
    if (changed) {
        if (auto targets = messagesByLocalId(changedIds); targets)
            changed->append(targets.value());
    }
    return message(clientId);
}

Result<ChatMessage> LocalCache::markFailed(const QUuid &clientId, const QString &reason)
{
    auto current = message(clientId);
    if (!current)
        return current.error();
    if (current.value().isChange()) {
        ChatMessage dropped = current.value();
        if (auto done = discard(clientId); !done)
            return done.error();
        dropped.state = MessageState::Failed;
        dropped.error = reason;
        return dropped;
    }
    if (auto begun = begin(); !begun)
        return begun.error();
    auto &update =
        query("UPDATE messages SET state = ?, error = ? WHERE local_id = ? AND state <> ?");
    update.bindValue(0, int(MessageState::Failed));
    update.bindValue(1, nonNull(reason));
    update.bindValue(2, current.value().localId);
    update.bindValue(3, int(MessageState::Sent));
    auto done = exec(update);
    if (done) {
        auto &remove = query("DELETE FROM outbox WHERE local_id = ?");
        remove.bindValue(0, current.value().localId);
        done = exec(remove);
    }
    if (done)
        done = commit();
    if (!done) {
        rollback();
        return done.error();
    }
    return message(clientId);
}

Result<ChatMessage> LocalCache::retry(const QUuid &clientId)
{
    auto current = message(clientId);
    if (!current)
        return current.error();
    if (current.value().state != MessageState::Failed)
        return current;
    if (auto begun = begin(); !begun)
        return begun.error();
    auto &update = query("UPDATE messages SET state = ?, error = '' WHERE local_id = ?");
    update.bindValue(0, int(MessageState::Sending));
    update.bindValue(1, current.value().localId);
    auto done = exec(update);
    if (done) {
        // Its files go up again from the start, hashed again: an upload kept unsent expires on
        // the server, and a file that failed its check may have changed since.
        auto &files = query("UPDATE attachments SET attachment_id = NULL, sha256 = '' "
                            "WHERE local_id = ?");
        files.bindValue(0, current.value().localId);
        done = exec(files);
    }
    if (done) {
        auto &outbox = query("INSERT OR IGNORE INTO outbox (local_id) VALUES (?)");
        outbox.bindValue(0, current.value().localId);
        done = exec(outbox);
    }
    if (done)
        done = commit();
    if (!done) {
        rollback();
        return done.error();
    }
    return message(clientId);
}

Result<void> LocalCache::discard(const QUuid &clientId)
{
    auto current = message(clientId);
    if (!current)
        return current.error();
    if (current.value().state == MessageState::Sent)
        return Error { ErrorCode::INVALID_ARGUMENT,
                       QStringLiteral("a sent message cannot be discarded") };
    if (auto begun = begin(); !begun)
        return begun;
    auto &remove = query("DELETE FROM messages WHERE local_id = ?");
    remove.bindValue(0, current.value().localId);
    auto done = exec(remove);
    if (done) {
        auto &unindex = query("DELETE FROM messages_fts WHERE rowid = ?");
        unindex.bindValue(0, current.value().localId);
        done = exec(unindex);
    }
    if (done)
        done = commit();
    if (!done)
        rollback();
    return done;
}

Result<void> LocalCache::promote(qint64 localId, quint64 messageId, quint64 conversationId,
                                 quint64 seq, qint64 timeMs)
{
    auto &update =
        query("UPDATE messages SET message_id = ?, conversation_id = ?, seq = ?, time_ms = ?, "
              "state = ?, error = '', peer_username = '' WHERE local_id = ?");
    update.bindValue(0, id(messageId));
    update.bindValue(1, id(conversationId));
    update.bindValue(2, id(seq));
    update.bindValue(3, timeMs);
    update.bindValue(4, int(MessageState::Sent));
    update.bindValue(5, localId);
    if (auto done = exec(update); !done)
        return done;
    auto &remove = query("DELETE FROM outbox WHERE local_id = ?");
    remove.bindValue(0, localId);
    return exec(remove);
}

Result<void> LocalCache::touchConversation(quint64 conversationId, quint64 seq, qint64 timeMs,
                                           int unread)
{
    // Unread is kept as a counter, so that the conversation list never counts on start-up.
    auto &upsert =
        query("INSERT INTO conversations (conversation_id, kind, last_seq, last_activity_ms, "
              "unread_count) VALUES (?, 1, ?, ?, ?) ON CONFLICT (conversation_id) DO UPDATE SET "
              "last_seq = MAX(last_seq, excluded.last_seq), last_activity_ms = "
              "MAX(last_activity_ms, excluded.last_activity_ms), unread_count = unread_count + "
              "CASE WHEN ? > read_seq THEN excluded.unread_count ELSE 0 END");
    upsert.bindValue(0, id(conversationId));
    upsert.bindValue(1, id(seq));
    upsert.bindValue(2, timeMs);
    upsert.bindValue(3, unread);
    upsert.bindValue(4, id(seq));
    return exec(upsert);
}

Result<void> LocalCache::advanceCursor(quint64 conversationId)
{
    auto &get = query("SELECT seq FROM sync_cursors WHERE conversation_id = ?");
    get.bindValue(0, id(conversationId));
    if (auto done = exec(get); !done)
        return done;
    quint64 cursor = get.next() ? get.value(0).toULongLong() : 0;
    get.finish();
    const quint64 start = cursor;
    auto &next =
        query("SELECT seq FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq "
              "LIMIT 1000");
    for (;;) {
        next.bindValue(0, id(conversationId));
        next.bindValue(1, id(cursor));
        if (auto done = exec(next); !done)
            return done;
        int consecutive = 0;
        while (next.next() && next.value(0).toULongLong() == cursor + 1) {
            ++cursor;
            ++consecutive;
        }
        next.finish();
        if (consecutive < 1000)
            break;
    }
    if (cursor == start && start != 0)
        return {};
    auto &set = query("INSERT INTO sync_cursors (conversation_id, seq) VALUES (?, ?) ON CONFLICT "
                      "(conversation_id) DO UPDATE SET seq = excluded.seq");
    set.bindValue(0, id(conversationId));
    set.bindValue(1, id(cursor));
    return exec(set);
}

Result<QList<ChatMessage>> LocalCache::storeMessages(const QList<ChatMessage> &messages,
                                                     QList<ChatMessage> *changed)
{
    QList<ChatMessage> stored;
    if (messages.isEmpty())
        return stored;
    if (auto begun = begin(); !begun)
        return begun.error();
    QSet<quint64> touched;
    QList<qint64> changedIds;
    Result<void> done;
    const quint64 me = setting(QStringLiteral("user_id")).toULongLong();
    QHash<quint64, quint64> purged; // by conversation
    for (const ChatMessage &incoming : messages) {
        bool inserted = false;
        // Deleted by retention (a history page or gap fill that was on its way): not again.
        if (incoming.seq != 0) {
            auto known = purged.find(incoming.conversationId);
            if (known == purged.end())
                known = purged.insert(incoming.conversationId, purgedSeq(incoming.conversationId));
            if (incoming.seq <= *known)
                continue;
        }
        auto &known = query("SELECT local_id, state, MAX(changed_seq, applied_seq) FROM messages "
                            "WHERE message_id = ? OR (client_id = ? AND sender_id = ?)");
        known.bindValue(0, id(incoming.messageId));
        known.bindValue(1, incoming.clientId.toRfc4122());
        known.bindValue(2, id(incoming.senderId));
        if (done = exec(known); !done)
            break;
        qint64 localId = 0;
        bool alreadySent = false;
        quint64 heldChangedSeq = 0;
        if (known.next()) {
            localId = known.value(0).toLongLong();
            alreadySent = MessageState(known.value(1).toInt()) == MessageState::Sent;
            heldChangedSeq = known.value(2).toULongLong();
        }
        known.finish();
        if (alreadySent) {
            // Held already. The server's state wins when it is as new as ours or newer (it
            // undoes a refused change of ours); change entries change nothing by coming again.
            if (!incoming.isChange() && !incoming.event.isValid()
                && incoming.changedSeq >= heldChangedSeq) {
                auto refreshed = refreshState(localId, incoming);
                if (!refreshed) {
                    done = refreshed.error();
                    break;
                }
                if (refreshed.value() && !changedIds.contains(localId))
                    changedIds.append(localId);
            }
            continue;
        }
        if (localId) {
            // Our own pending message, seen (from another route) before its ack.
            if (done = promote(localId, incoming.messageId, incoming.conversationId, incoming.seq,
                               incoming.timeMs);
                !done)
                break;
        } else {
            auto &insert =
                query("INSERT OR IGNORE INTO messages (client_id, message_id, conversation_id, "
                      "seq, sender_id, text, time_ms, state, event, change, target_id, reply_to, "
                      "reply_seq, mentions, edited_ms, deleted, changed_seq) VALUES (?, ?, ?, ?, "
                      "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            insert.bindValue(0, incoming.clientId.toRfc4122());
            insert.bindValue(1, id(incoming.messageId));
            insert.bindValue(2, id(incoming.conversationId));
            insert.bindValue(3, id(incoming.seq));
            insert.bindValue(4, id(incoming.senderId));
            insert.bindValue(5, nonNull(incoming.text));
            insert.bindValue(6, incoming.timeMs);
            insert.bindValue(7, int(MessageState::Sent));
            insert.bindValue(8,
                             incoming.event.isValid() ? QVariant(eventToBytes(incoming.event))
                                                      : QVariant(QMetaType(QMetaType::QByteArray)));
            insert.bindValue(9,
                             incoming.isChange() ? QVariant(changeToBytes(incoming))
                                                 : QVariant(QMetaType(QMetaType::QByteArray)));
            insert.bindValue(10, nullableId(incoming.isChange() ? incoming.targetId : 0));
            insert.bindValue(11, nullableId(incoming.replyToId));
            insert.bindValue(12, nullableId(incoming.replyToSeq));
            insert.bindValue(13,
                             incoming.mentions.isEmpty() ? QVariant(QMetaType(QMetaType::QString))
                                                         : QVariant(joinIds(incoming.mentions)));
            insert.bindValue(14, incoming.editedMs);
            insert.bindValue(15, incoming.deleted ? 1 : 0);
            insert.bindValue(16, id(incoming.changedSeq));
            if (done = exec(insert); !done)
                break;
            if (insert.numRowsAffected() != 1)
                continue; // the same seq under another id: the server's word stands as first stored
            localId = insert.lastInsertId().toLongLong();
            inserted = true;
            // Change entries are not searched (their target's text is); nor are tombstones.
            if (!incoming.isChange() && !incoming.deleted)
                if (done = index(localId, incoming.text); !done)
                    break;
            if (!incoming.reactions.isEmpty())
                if (done = replaceReactions(incoming.messageId, incoming.reactions); !done)
                    break;
            if (!incoming.deleted)
                if (done = insertAttachments(localId, incoming.attachments); !done)
                    break;
        }
        if (incoming.isChange())
            if (done = applyChange(incoming, &changedIds); !done)
                break;
        // Group changes, changes and tombstones are not unread messages; a change is not
        // activity either (the conversation keeps its place in the list).
        const int unread = inserted && incoming.senderId != me && !incoming.event.isValid()
                && !incoming.isChange() && !incoming.deleted
            ? 1
            : 0;
        if (done = touchConversation(incoming.conversationId, incoming.seq,
                                     incoming.isChange() ? 0 : incoming.timeMs, unread);
            !done)
            break;
        ChatMessage result = incoming;
        result.localId = localId;
        result.state = MessageState::Sent;
        stored.append(result);
        touched.insert(incoming.conversationId);
    }
    for (auto it = touched.cbegin(); done && it != touched.cend(); ++it)
        done = advanceCursor(*it);
    if (done)
        done = commit();
    if (!done) {
        rollback();
        return done.error();
    }
    if (changed) {
        auto targets = messagesByLocalId(changedIds);
        if (!targets)
            return targets.error();
        changed->append(targets.value());
    }
    return stored;
}

Result<void> LocalCache::storeConversation(const ConversationSummary &c, bool *purgeMoved)
{
    if (purgeMoved)
        *purgeMoved = false;
    if (auto begun = begin(); !begun)
        return begun;
    // purged_seq is not set here: raisePurgedSeq() moves it, and the cursor with it.
    auto &upsert =
        query("INSERT INTO conversations (conversation_id, kind, title, last_seq, read_seq, "
              "last_activity_ms, joined_seq, left_group, retention_days) VALUES (?, ?, ?, ?, ?, "
              "?, ?, ?, ?) ON CONFLICT (conversation_id) DO "
              "UPDATE SET kind = excluded.kind, title = excluded.title, last_seq = "
              "MAX(last_seq, excluded.last_seq), read_seq = MAX(read_seq, excluded.read_seq), "
              "last_activity_ms = MAX(last_activity_ms, excluded.last_activity_ms), "
              "joined_seq = MAX(joined_seq, excluded.joined_seq), left_group = "
              "excluded.left_group, retention_days = excluded.retention_days");
    upsert.bindValue(0, id(c.conversationId));
    upsert.bindValue(1, c.isGroup ? 2 : 1);
    upsert.bindValue(2, nonNull(c.title));
    upsert.bindValue(3, id(c.lastSeq));
    upsert.bindValue(4, id(c.readSeq));
    upsert.bindValue(5, c.lastActivityMs);
    upsert.bindValue(6, id(c.joinedSeq));
    upsert.bindValue(7, c.left ? 1 : 0);
    upsert.bindValue(8, std::max(c.retentionDays, 0));
    auto done = exec(upsert);
    if (done && c.purgedSeq > 0) {
        auto moved = raisePurgedSeq(c.conversationId, c.purgedSeq);
        if (!moved)
            done = moved.error();
        else if (purgeMoved)
            *purgeMoved = moved.value();
    }
    if (done && c.joinedSeq > 0) {
        // Nothing before the join is ours to see: the cursor starts there (no gap to fill).
        auto &start = query("INSERT INTO sync_cursors (conversation_id, seq) VALUES (?, ?) ON "
                            "CONFLICT (conversation_id) DO UPDATE SET seq = MAX(seq, "
                            "excluded.seq)");
        start.bindValue(0, id(c.conversationId));
        start.bindValue(1, id(c.joinedSeq));
        done = exec(start);
        if (done)
            done = advanceCursor(c.conversationId);
    }
    for (const Receipt &receipt : c.receipts) {
        if (!done)
            break;
        done = upsertReceipt(c.conversationId, receipt);
    }
    if (done) {
        // The read cursor may have moved: count again what is unread (only what is after it).
        auto &recount =
            query("UPDATE conversations SET unread_count = (SELECT COUNT(*) FROM messages "
                  "WHERE conversation_id = ? AND seq > conversations.read_seq AND "
                  "sender_id <> ? AND event IS NULL AND change IS NULL AND deleted = 0) "
                  "WHERE conversation_id = ? AND read_seq = ?");
        recount.bindValue(0, id(c.conversationId));
        recount.bindValue(1, id(setting(QStringLiteral("user_id")).toULongLong()));
        recount.bindValue(2, id(c.conversationId));
        recount.bindValue(3, id(c.readSeq));
        done = exec(recount);
    }
    if (done && !c.members.isEmpty()) {
        auto &clear = query("DELETE FROM members WHERE conversation_id = ?");
        clear.bindValue(0, id(c.conversationId));
        done = exec(clear);
        auto &member =
            query("INSERT INTO members (conversation_id, user_id, role) VALUES (?, ?, ?)");
        auto &user =
            query("INSERT INTO users (user_id, username, display_name) VALUES (?, ?, ?) ON "
                  "CONFLICT (user_id) DO UPDATE SET username = excluded.username, "
                  "display_name = excluded.display_name");
        for (const UserInfo &info : c.members) {
            if (!done)
                break;
            member.bindValue(0, id(c.conversationId));
            member.bindValue(1, id(info.userId));
            member.bindValue(2, int(info.role));
            done = exec(member);
            if (!done)
                break;
            user.bindValue(0, id(info.userId));
            user.bindValue(1, nonNull(info.username));
            user.bindValue(2, nonNull(info.displayName));
            done = exec(user);
        }
    }
    if (done)
        done = commit();
    if (!done)
        rollback();
    return done;
}

// ----- retention

quint64 LocalCache::purgedSeq(quint64 conversationId)
{
    auto &select = query("SELECT purged_seq FROM conversations WHERE conversation_id = ?");
    select.bindValue(0, id(conversationId));
    if (!exec(select))
        return 0;
    const Finished finished(select);
    return select.next() ? select.value(0).toULongLong() : 0;
}

Result<bool> LocalCache::raisePurgedSeq(quint64 conversationId, quint64 seq)
{
    auto &raise = query("UPDATE conversations SET purged_seq = ? WHERE conversation_id = ? AND "
                        "purged_seq < ?");
    raise.bindValue(0, id(seq));
    raise.bindValue(1, id(conversationId));
    raise.bindValue(2, id(seq));
    if (auto done = exec(raise); !done)
        return done.error();
    if (raise.numRowsAffected() < 1)
        return false;
    // The deleted start is no gap: the cursor moves up to it, and on over what is held after.
    auto &start = query("INSERT INTO sync_cursors (conversation_id, seq) VALUES (?, ?) ON "
                        "CONFLICT (conversation_id) DO UPDATE SET seq = MAX(seq, excluded.seq)");
    start.bindValue(0, id(conversationId));
    start.bindValue(1, id(seq));
    if (auto done = exec(start); !done)
        return done.error();
    if (auto done = advanceCursor(conversationId); !done)
        return done.error();
    return true;
}

Result<QList<quint64>> LocalCache::expire(qint64 nowMs, int serverRetentionDays)
{
    struct Limit
    {
        quint64 conversationId;
        quint64 purgedSeq;
        qint64 cutoffMs;
    };
    QList<Limit> limits;
    {
        auto &select = query("SELECT conversation_id, retention_days, purged_seq FROM "
                             "conversations WHERE ? > 0 OR retention_days > 0");
        select.bindValue(0, serverRetentionDays);
        if (auto done = exec(select); !done)
            return done.error();
        const Finished finished(select);
        while (select.next()) {
            const int days = retentionLimitDays(serverRetentionDays, select.value(1).toInt());
            if (days > 0)
                limits.append({ select.value(0).toULongLong(), select.value(2).toULongLong(),
                                nowMs - qint64(days) * 24 * 3600 * 1000 });
        }
    }
    QList<quint64> moved;
    if (limits.isEmpty())
        return moved;
    if (auto begun = begin(); !begun)
        return begun.error();
    Result<void> done;
    for (const Limit &limit : std::as_const(limits)) {
        // The first held entry that is young enough ends the prefix. Walked in seq order from
        // the last purge, so this reads about as many rows as it finds expired.
        auto &young = query("SELECT seq FROM messages WHERE conversation_id = ? AND seq > ? AND "
                            "time_ms >= ? ORDER BY seq LIMIT 1");
        young.bindValue(0, id(limit.conversationId));
        young.bindValue(1, id(limit.purgedSeq));
        young.bindValue(2, limit.cutoffMs);
        if (done = exec(young); !done)
            break;
        const quint64 firstYoung = young.next() ? young.value(0).toULongLong() : 0;
        young.finish();
        // Up to the last held entry before it: one not held in between may be young (its seq
        // is only known to be below a young one), and is fetched to find out.
        auto &last = query("SELECT MAX(seq) FROM messages WHERE conversation_id = ? AND seq > ? "
                           "AND seq < ?");
        last.bindValue(0, id(limit.conversationId));
        last.bindValue(1, id(limit.purgedSeq));
        last.bindValue(2, firstYoung ? qint64(firstYoung) : std::numeric_limits<qint64>::max());
        if (done = exec(last); !done)
            break;
        const quint64 through = last.next() ? last.value(0).toULongLong() : 0;
        last.finish();
        if (through <= limit.purgedSeq)
            continue;
        auto raised = raisePurgedSeq(limit.conversationId, through);
        if (!raised) {
            done = raised.error();
            break;
        }
        if (raised.value()) {
            qCDebug(lcClientSync) << "conversation" << limit.conversationId << "expired through seq"
                                  << through;
            moved.append(limit.conversationId);
        }
    }
    if (done)
        done = commit();
    if (!done) {
        rollback();
        return done.error();
    }
    return moved;
}

Result<int> LocalCache::deletePurged(int maxRows)
{
    struct Row
    {
        qint64 localId;
        quint64 messageId;
        quint64 conversationId;
    };
    QList<Row> rows;
    {
        // Conversations first (few), then each one's range on the (conversation_id, seq) index.
        auto &select = query("SELECT m.local_id, m.message_id, m.conversation_id FROM "
                             "conversations c CROSS JOIN messages m ON m.conversation_id = "
                             "c.conversation_id AND m.seq <= c.purged_seq WHERE c.purged_seq > 0 "
                             "LIMIT ?");
        select.bindValue(0, std::max(1, maxRows));
        if (auto done = exec(select); !done)
            return done.error();
        const Finished finished(select);
        while (select.next())
            rows.append({ select.value(0).toLongLong(), select.value(1).toULongLong(),
                          select.value(2).toULongLong() });
    }
    if (rows.isEmpty())
        return 0;
    if (auto begun = begin(); !begun)
        return begun.error();
    Result<void> done;
    QSet<quint64> touched;
    for (const Row &row : std::as_const(rows)) {
        auto &reactions = query("DELETE FROM reactions WHERE message_id = ?");
        reactions.bindValue(0, id(row.messageId));
        if (done = exec(reactions); !done)
            break;
        auto &unindex = query("DELETE FROM messages_fts WHERE rowid = ?");
        unindex.bindValue(0, row.localId);
        if (done = exec(unindex); !done)
            break;
        auto &files = query("DELETE FROM attachments WHERE local_id = ?");
        files.bindValue(0, row.localId);
        if (done = exec(files); !done)
            break;
        auto &remove = query("DELETE FROM messages WHERE local_id = ?");
        remove.bindValue(0, row.localId);
        if (done = exec(remove); !done)
            break;
        touched.insert(row.conversationId);
    }
    const quint64 me = setting(QStringLiteral("user_id")).toULongLong();
    for (auto it = touched.cbegin(); done && it != touched.cend(); ++it) {
        auto &recount =
            query("UPDATE conversations SET unread_count = (SELECT COUNT(*) FROM messages "
                  "WHERE conversation_id = conversations.conversation_id AND seq > "
                  "conversations.read_seq AND sender_id <> ? AND event IS NULL AND "
                  "change IS NULL AND deleted = 0) WHERE conversation_id = ?");
        recount.bindValue(0, id(me));
        recount.bindValue(1, id(*it));
        done = exec(recount);
    }
    if (done)
        done = commit();
    if (!done) {
        rollback();
        return done.error();
    }
    qCDebug(lcClientSync) << "deleted" << rows.size() << "entries by retention";
    return int(rows.size());
}

Result<void> LocalCache::upsertReceipt(quint64 conversationId, const Receipt &receipt)
{
    auto &upsert = query("INSERT INTO receipts (conversation_id, user_id, delivered_seq, read_seq) "
                         "VALUES (?, ?, ?, ?) ON CONFLICT (conversation_id, user_id) DO UPDATE SET "
                         "delivered_seq = MAX(delivered_seq, excluded.delivered_seq), "
                         "read_seq = MAX(read_seq, excluded.read_seq)");
    upsert.bindValue(0, id(conversationId));
    upsert.bindValue(1, id(receipt.userId));
    upsert.bindValue(2, id(receipt.deliveredSeq));
    upsert.bindValue(3, id(receipt.readSeq));
    return exec(upsert);
}

Result<void> LocalCache::storeReceipt(quint64 conversationId, const Receipt &receipt)
{
    return upsertReceipt(conversationId, receipt);
}

Result<QList<Receipt>> LocalCache::receipts(quint64 conversationId)
{
    auto &select = query("SELECT user_id, delivered_seq, read_seq FROM receipts WHERE "
                         "conversation_id = ? ORDER BY user_id");
    select.bindValue(0, id(conversationId));
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QList<Receipt> result;
    while (select.next())
        result.append({ select.value(0).toULongLong(), select.value(1).toULongLong(),
                        select.value(2).toULongLong() });
    return result;
}

Result<bool> LocalCache::markRead(quint64 conversationId, quint64 seq)
{
    auto &update = query("UPDATE conversations SET read_seq = ?, unread_count = (SELECT COUNT(*) "
                         "FROM messages WHERE conversation_id = ? AND seq > ? AND sender_id <> ? "
                         "AND event IS NULL AND change IS NULL AND deleted = 0) "
                         "WHERE conversation_id = ? AND read_seq < ?");
    update.bindValue(0, id(seq));
    update.bindValue(1, id(conversationId));
    update.bindValue(2, id(seq));
    update.bindValue(3, id(setting(QStringLiteral("user_id")).toULongLong()));
    update.bindValue(4, id(conversationId));
    update.bindValue(5, id(seq));
    if (auto done = exec(update); !done)
        return done.error();
    return update.numRowsAffected() > 0;
}

QHash<quint64, quint64> LocalCache::cursors()
{
    QHash<quint64, quint64> result;
    // Never below what retention deleted: sync starts after it.
    auto &select = query("SELECT c.conversation_id, MAX(COALESCE(s.seq, 0), c.purged_seq) FROM "
                         "conversations c LEFT JOIN sync_cursors s ON s.conversation_id = "
                         "c.conversation_id");
    if (!exec(select))
        return result;
    const Finished finished(select);
    while (select.next())
        result.insert(select.value(0).toULongLong(), select.value(1).toULongLong());
    return result;
}

quint64 LocalCache::gapEnd(quint64 conversationId)
{
    // What retention deleted is no gap: it is gone on the server too.
    auto &select =
        query("SELECT MIN(m.seq) FROM messages m WHERE m.conversation_id = ? AND m.seq > "
              "MAX(COALESCE((SELECT seq FROM sync_cursors WHERE conversation_id = ?), 0), "
              "COALESCE((SELECT purged_seq FROM conversations WHERE conversation_id = ?), 0))");
    select.bindValue(0, id(conversationId));
    select.bindValue(1, id(conversationId));
    select.bindValue(2, id(conversationId));
    if (!exec(select))
        return 0;
    const Finished finished(select);
    return select.next() ? select.value(0).toULongLong() : 0;
}

bool LocalCache::holdsAllBetween(quint64 conversationId, quint64 afterSeq, quint64 beforeSeq)
{
    if (beforeSeq <= afterSeq + 1)
        return true;
    auto &select = query("SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND seq > ? "
                         "AND seq < ?");
    select.bindValue(0, id(conversationId));
    select.bindValue(1, id(afterSeq));
    select.bindValue(2, id(beforeSeq));
    if (!exec(select))
        return false;
    const Finished finished(select);
    return select.next() && select.value(0).toULongLong() == beforeSeq - afterSeq - 1;
}

quint64 LocalCache::oldestSeq(quint64 conversationId)
{
    auto &select =
        query("SELECT MIN(seq) FROM messages WHERE conversation_id = ? AND seq > "
              "COALESCE((SELECT purged_seq FROM conversations WHERE conversation_id = ?), 0)");
    select.bindValue(0, id(conversationId));
    select.bindValue(1, id(conversationId));
    if (!exec(select))
        return 0;
    const Finished finished(select);
    return select.next() ? select.value(0).toULongLong() : 0;
}

// ----- reads for the views

Result<QList<UserInfo>> LocalCache::knownUsers()
{
    auto &select = query("SELECT user_id, username, display_name FROM users "
                         "ORDER BY display_name COLLATE NOCASE, username");
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QList<UserInfo> users;
    while (select.next())
        users.append({ select.value(0).toULongLong(), select.value(1).toString(),
                       select.value(2).toString() });
    return users;
}

QString LocalCache::displayName(quint64 userId)
{
    auto &select = query("SELECT display_name, username FROM users WHERE user_id = ?");
    select.bindValue(0, id(userId));
    if (!exec(select))
        return {};
    const Finished finished(select);
    if (!select.next())
        return {};
    const QString name = select.value(0).toString();
    return name.isEmpty() ? select.value(1).toString() : name;
}

Result<QList<ConversationSummary>> LocalCache::conversations()
{
    return readConversations(0);
}

Result<ConversationSummary> LocalCache::conversation(quint64 conversationId)
{
    // One row, not the whole list: the views ask for it on every change.
    auto one = readConversations(conversationId);
    if (!one)
        return one.error();
    if (one.value().isEmpty())
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such conversation") };
    return one.value().first();
}

Result<QList<ConversationSummary>> LocalCache::readConversations(quint64 only)
{
    QHash<quint64, QList<UserInfo>> members;
    {
        auto &select = query("SELECT m.conversation_id, u.user_id, u.username, u.display_name, "
                             "m.role FROM members m JOIN users u ON u.user_id = m.user_id "
                             "WHERE ? = 0 OR m.conversation_id = ? ORDER BY u.user_id");
        select.bindValue(0, id(only));
        select.bindValue(1, id(only));
        if (auto done = exec(select); !done)
            return done.error();
        const Finished finished(select);
        while (select.next())
            members[select.value(0).toULongLong()].append(
                { select.value(1).toULongLong(), select.value(2).toString(),
                  select.value(3).toString(), Role(select.value(4).toInt()) });
    }
    QHash<quint64, QList<Receipt>> receipts;
    {
        auto &select = query("SELECT conversation_id, user_id, delivered_seq, read_seq FROM "
                             "receipts WHERE ? = 0 OR conversation_id = ? ORDER BY user_id");
        select.bindValue(0, id(only));
        select.bindValue(1, id(only));
        if (auto done = exec(select); !done)
            return done.error();
        const Finished finished(select);
        while (select.next())
            receipts[select.value(0).toULongLong()].append({ select.value(1).toULongLong(),
                                                             select.value(2).toULongLong(),
                                                             select.value(3).toULongLong() });
    }
    auto &select = query(
        "SELECT c.conversation_id, c.kind, c.title, c.last_seq, c.read_seq, c.last_activity_ms, "
        "(SELECT CASE WHEN deleted THEN char(1) WHEN text = '' AND has_attachments THEN char(2) "
        " || (SELECT name FROM attachments a WHERE a.local_id = messages.local_id ORDER BY "
        " position LIMIT 1) ELSE text END FROM messages WHERE "
        " conversation_id = c.conversation_id AND seq IS NOT NULL AND event IS NULL AND change IS "
        " NULL ORDER BY seq DESC LIMIT 1), "
        "(SELECT sender_id FROM messages WHERE conversation_id = c.conversation_id AND seq IS NOT "
        " NULL AND event IS NULL AND change IS NULL ORDER BY seq DESC LIMIT 1), "
        "c.unread_count, c.joined_seq, c.left_group, c.retention_days, c.purged_seq "
        "FROM conversations c "
        "WHERE ? = 0 OR c.conversation_id = ? "
        "ORDER BY c.last_activity_ms DESC, c.conversation_id DESC");
    select.bindValue(0, id(only));
    select.bindValue(1, id(only));
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QList<ConversationSummary> result;
    while (select.next()) {
        ConversationSummary c;
        c.conversationId = select.value(0).toULongLong();
        c.isGroup = select.value(1).toInt() == 2;
        c.title = select.value(2).toString();
        c.lastSeq = select.value(3).toULongLong();
        c.readSeq = select.value(4).toULongLong();
        c.lastActivityMs = select.value(5).toLongLong();
        c.lastText = select.value(6).toString();
        c.lastDeleted = c.lastText == QLatin1String("\x01");
        if (c.lastDeleted)
            c.lastText.clear();
        if (c.lastText.startsWith(u'\x02')) { // only files, no text: the first one's name
            c.lastFileName = c.lastText.mid(1);
            c.lastText.clear();
        }
        c.lastSenderId = select.value(7).toULongLong();
        c.unreadCount = select.value(8).toULongLong();
        c.joinedSeq = select.value(9).toULongLong();
        c.left = select.value(10).toBool();
        c.retentionDays = select.value(11).toInt();
        c.purgedSeq = select.value(12).toULongLong();
        c.members = members.value(c.conversationId);
        c.receipts = receipts.value(c.conversationId);
        result.append(c);
    }
    return result;
}

Result<QList<ChatMessage>> LocalCache::messages(quint64 conversationId, quint64 beforeSeq,
                                                int limit)
{
    QList<ChatMessage> result;
    {
        // Change entries are applied to their targets, never shown.
        // Not what retention deleted, even while deletePurged() is still at it.
        auto &select = query("SELECT " CONFAB_CACHE_MESSAGE_COLUMNS
                             " FROM messages WHERE conversation_id = ? AND seq < ? AND seq > "
                             "COALESCE((SELECT purged_seq FROM conversations WHERE "
                             "conversation_id = ?), 0) AND change IS NULL ORDER BY seq DESC "
                             "LIMIT ?");
        select.bindValue(0, id(conversationId));
        select.bindValue(1, beforeSeq ? qint64(beforeSeq) : std::numeric_limits<qint64>::max());
        select.bindValue(2, id(conversationId));
        select.bindValue(3, std::max(1, limit));
        if (auto done = exec(select); !done)
            return done.error();
        const Finished finished(select);
        while (select.next())
            result.append(readMessage(select));
        std::reverse(result.begin(), result.end());
    }
    if (beforeSeq == 0) {
        auto &pending = query("SELECT " CONFAB_CACHE_MESSAGE_COLUMNS
                              " FROM messages WHERE conversation_id = ? AND seq IS NULL AND "
                              "change IS NULL ORDER BY local_id");
        pending.bindValue(0, id(conversationId));
        if (auto done = exec(pending); !done)
            return done.error();
        const Finished finished(pending);
        while (pending.next())
            result.append(readMessage(pending));
    }
    for (ChatMessage &message : result) {
        if (auto done = readReactions(&message); !done)
            return done.error();
        if (auto done = readAttachments(&message); !done)
            return done.error();
    }
    return result;
}

qint64 LocalCache::messageCount()
{
    auto &select = query("SELECT COUNT(*) FROM messages");
    if (!exec(select))
        return -1;
    const Finished finished(select);
    return select.next() ? select.value(0).toLongLong() : -1;
}

QString LocalCache::searchableText(const QString &text)
{
    QString out;
    out.reserve(text.size() * 2);
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        const bool pair =
            c.isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate();
        const char32_t codePoint = pair ? QChar::surrogateToUcs4(c, text.at(i + 1)) : c.unicode();
        const QStringView character(text.constData() + i, pair ? 2 : 1);
        if (pair)
            ++i;
        if (isCjk(codePoint)) {
            out += u' ';
            out += character;
            out += u' ';
        } else {
            out += character;
        }
    }
    return out;
}

QString LocalCache::ftsQuery(const QString &text)
{
    QStringList terms;
    const QStringList words =
        text.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
    for (QString word : words) {
        word.remove(u'"');
        if (word.isEmpty())
            continue;
        const QString segmented = searchableText(word).simplified();
        if (segmented != word) // has CJK characters: match them as a phrase, in order
            terms << QStringLiteral("\"%1\"").arg(segmented);
        else
            terms << QStringLiteral("\"%1\"*").arg(word);
    }
    return terms.join(u' ');
}

Result<QList<SearchHit>> LocalCache::search(const QString &text, int limit, quint64 conversationId)
{
    QList<SearchHit> hits;
    const QString match = ftsQuery(text);
    if (match.isEmpty())
        return hits;
    auto &select = query("SELECT m.local_id, m.conversation_id, m.seq, m.time_ms, "
                         "snippet(messages_fts, 0, char(2), char(3), '…', 12) FROM messages_fts "
                         "JOIN messages m ON m.local_id = messages_fts.rowid WHERE messages_fts "
                         "MATCH ? AND (? = 0 OR m.conversation_id = ?) AND (m.seq IS NULL OR "
                         "m.seq > COALESCE((SELECT purged_seq FROM conversations c WHERE "
                         "c.conversation_id = m.conversation_id), 0)) "
                         "ORDER BY messages_fts.rowid DESC LIMIT ?");
    select.bindValue(0, match);
    select.bindValue(1, id(conversationId));
    select.bindValue(2, id(conversationId));
    select.bindValue(3, std::max(1, limit));
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    static const QRegularExpression cjkSpace(
        QStringLiteral("(?<=[\\p{Han}\\p{Hiragana}\\p{Katakana}\\p{Hangul}\\x{3}\\x{2}]) +"
                       "(?=[\\p{Han}\\p{Hiragana}\\p{Katakana}\\p{Hangul}\\x{2}\\x{3}])"));
    while (select.next()) {
        SearchHit hit;
        hit.localId = select.value(0).toLongLong();
        hit.conversationId = select.value(1).toULongLong();
        hit.seq = select.value(2).toULongLong();
        hit.timeMs = select.value(3).toLongLong();
        hit.snippet = select.value(4).toString().remove(cjkSpace).trimmed(); // undo the segmenting
        hits.append(hit);
    }
    return hits;
}

} // namespace Confab::Client
