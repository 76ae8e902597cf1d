#include "sqlitestore.h"

#include <confab/ids.h>
#include <confab/limits.h>
#include <confab/logging.h>
#include <confab/sqlsupport.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlRecord>
#include <QUuid>
#include <QVariant>

#include <algorithm>
#include <atomic>
#include <limits>
#include <string>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace Confab::Store {

namespace {

using Sql::Finished;
using Sql::id;
using Sql::nonNull;

// The columns readMessage() reads, in its order.
#define CONFAB_MESSAGE_COLUMNS                                                                     \
    "message_id, conversation_id, seq, sender_id, client_id, server_time_ms, text, event, "        \
    "change, reply_to, reply_seq, mentions, edited_ms, deleted, changed_seq, has_attachments, "    \
    "reply_sender"

QString joinIds(const QList<quint64> &ids)
{
    QStringList parts;
    parts.reserve(ids.size());
    for (quint64 value : ids)
        parts.append(QString::number(value));
    return parts.join(QLatin1Char(','));
}

// One reaction is one emoji: short, printable, no spaces (ZWJ sequences and skin tones pass).
bool isReactionEmoji(const std::string &emoji)
{
    if (emoji.empty() || emoji.size() > size_t(kMaxEmojiBytes))
        return false;
    const QString text = QString::fromStdString(emoji);
    if (text.toStdString() != emoji)
        return false;
    for (const char32_t c : text.toUcs4()) {
        if (c < 0x80 && c != '#' && c != '*' && !(c >= '0' && c <= '9'))
            return false; // letters, spaces and controls are text, not a reaction
        const auto category = QChar::category(c);
        if (category == QChar::Separator_Space || category == QChar::Separator_Line
            || category == QChar::Separator_Paragraph || category == QChar::Other_Control)
            return false;
    }
    return true;
}

} // namespace

SqlStore::SqlStore(const QString &dataDir, Engine engine)
    : m_engine(engine), m_dataDir(dataDir),
      m_connectionName(Sql::uniqueConnectionName("confab-store"))
{ }

SqlStore::~SqlStore()
{
    m_queries.clear();
    if (m_db.isValid()) {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

QSqlQuery &SqlStore::query(const char *sql)
{
    if (m_connectionLost && m_depth == 0)
        reconnect();
    auto it = m_queries.find(sql);
    if (it == m_queries.end()) {
        it = m_queries.emplace(sql, QSqlQuery(m_db)).first;
        // Rows are read once, in order: no copy of each row into a cache for seeking back.
        it->second.setForwardOnly(true);
        if (!it->second.prepare(QString::fromLatin1(sql)))
            qCCritical(lcStore) << "cannot prepare" << sql << it->second.lastError().text();
    }
    return it->second;
}

void SqlStore::reconnect()
{
    qCWarning(lcStore) << "the connection to the database was lost: connecting again";
    m_db.close();
    if (!m_db.open()) {
        qCWarning(lcStore) << "cannot connect to the database:" << m_db.lastError().text();
        return; // the next statement fails and tells, and the one after tries again
    }
    m_connectionLost = false;
    forgetCached();
    if (auto prepared = afterConnect(); !prepared)
        qCWarning(lcStore) << "after connecting again:" << prepared.error().message;
    // In place: the statements callers hold on to stay theirs.
    for (auto &[sql, statement] : m_queries) {
        statement = QSqlQuery(m_db);
        statement.setForwardOnly(true);
        if (!statement.prepare(QString::fromLatin1(sql)))
            qCCritical(lcStore) << "cannot prepare" << sql << statement.lastError().text();
    }
}

Result<void> SqlStore::exec(QSqlQuery &query)
{
    if (query.exec())
        return {};
    return sqlError(query);
}

Result<void> SqlStore::execOnce(const QString &sql)
{
    QSqlQuery query(m_db);
    if (query.exec(sql))
        return {};
    return sqlError(query);
}

// ----- migrations
// ---------------------------------------------------------------------------------

// ----- accounts
// -----------------------------------------------------------------------------------

Result<UserRecord> SqlStore::createUser(const QString &username, const QString &displayName,
                                        const QByteArray &passwordHash, qint64 nowMs)
{
    // One statement: two nodes signing up the same name at once cannot both get it.
    auto &insert = query("INSERT INTO users (username, display_name, password_hash, created_ms) "
                         "VALUES (?, ?, ?, ?) ON CONFLICT (username) DO NOTHING");
    insert.bindValue(0, username);
    insert.bindValue(1, displayName);
    insert.bindValue(2, QString::fromLatin1(passwordHash));
    insert.bindValue(3, nowMs);
    if (auto done = exec(insert); !done)
        return done.error();
    if (insert.numRowsAffected() != 1)
        return Error { ErrorCode::USERNAME_TAKEN, QStringLiteral("the username is taken") };
    return userByName(username);
}

Result<UserRecord> SqlStore::userWhere(const char *sql, const QVariant &value)
{
    auto &select = query(sql);
    select.bindValue(0, value);
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    if (!select.next())
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such user") };
    return UserRecord { select.value(0).toULongLong(), select.value(1).toString(),
                        select.value(2).toString(),    select.value(3).toString().toLatin1(),
                        select.value(4).toBool(),      select.value(5).toLongLong() };
}

Result<UserRecord> SqlStore::userByName(const QString &username)
{
    return userWhere("SELECT user_id, username, display_name, password_hash, disabled, created_ms "
                     "FROM users WHERE username = ?",
                     username);
}

Result<quint64> SqlStore::userIdByName(const QString &username)
{
    if (const auto cached = m_userIdByName.constFind(username); cached != m_userIdByName.cend())
        return *cached;
    auto &select = query("SELECT user_id FROM users WHERE username = ?");
    select.bindValue(0, username);
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    if (!select.next())
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such user") };
    const quint64 userId = select.value(0).toULongLong();
    remember(m_userIdByName, username, userId);
    return userId;
}

Result<UserRecord> SqlStore::userById(quint64 userId)
{
    return userWhere("SELECT user_id, username, display_name, password_hash, disabled, created_ms "
                     "FROM users WHERE user_id = ?",
                     id(userId));
}

Result<QList<UserRecord>> SqlStore::users()
{
    auto &select = query("SELECT user_id, username, display_name, password_hash, disabled, "
                         "created_ms FROM users ORDER BY username");
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QList<UserRecord> result;
    while (select.next()) {
        result.append({ select.value(0).toULongLong(), select.value(1).toString(),
                        select.value(2).toString(), select.value(3).toString().toLatin1(),
                        select.value(4).toBool(), select.value(5).toLongLong() });
    }
    return result;
}

Result<void> SqlStore::setUserDisabled(quint64 userId, bool disabled)
{
    auto &update = query("UPDATE users SET disabled = ? WHERE user_id = ?");
    update.bindValue(0, disabled ? 1 : 0);
    update.bindValue(1, id(userId));
    if (auto done = exec(update); !done)
        return done;
    if (update.numRowsAffected() != 1)
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such user") };
    return {};
}

Result<void> SqlStore::setPasswordHash(quint64 userId, const QByteArray &hash,
                                       const QByteArray &keepToken)
{
    if (auto begun = begin(); !begun)
        return begun;
    auto &update = query("UPDATE users SET password_hash = ? WHERE user_id = ?");
    update.bindValue(0, QString::fromLatin1(hash));
    update.bindValue(1, id(userId));
    auto done = exec(update);
    if (done && update.numRowsAffected() != 1)
        done = Error { ErrorCode::NOT_FOUND, QStringLiteral("no such user") };
    if (done) {
        if (auto revoked = removeUserTokens(userId, keepToken); !revoked)
            done = revoked.error();
    }
    if (done)
        done = commit();
    if (!done)
        rollback();
    return done;
}

// ----- sessions and devices
// -----------------------------------------------------------------------

Result<void> SqlStore::addToken(const TokenRecord &token)
{
    if (!token.deviceId.isEmpty()) { // the device signed in again: its older session ends
        auto &replace = query("DELETE FROM tokens WHERE user_id = ? AND device_id = ?");
        replace.bindValue(0, id(token.userId));
        replace.bindValue(1, token.deviceId);
        if (auto done = exec(replace); !done)
            return done;
    }
    auto &insert = query("INSERT INTO tokens (token_hash, user_id, device_id, created_ms, "
                         "expires_ms) VALUES (?, ?, ?, ?, ?)");
    insert.bindValue(0, token.tokenHash);
    insert.bindValue(1, id(token.userId));
    insert.bindValue(2, token.deviceId);
    insert.bindValue(3, token.createdMs);
    insert.bindValue(4, token.expiresMs);
    return exec(insert);
}

Result<TokenRecord> SqlStore::token(const QByteArray &tokenHash)
{
    auto &select = query("SELECT token_hash, user_id, device_id, created_ms, expires_ms "
                         "FROM tokens WHERE token_hash = ?");
    select.bindValue(0, tokenHash);
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    if (!select.next())
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such token") };
    return TokenRecord { select.value(0).toByteArray(), select.value(1).toULongLong(),
                         select.value(2).toByteArray(), select.value(3).toLongLong(),
                         select.value(4).toLongLong() };
}

Result<void> SqlStore::removeToken(const QByteArray &tokenHash)
{
    auto &remove = query("DELETE FROM tokens WHERE token_hash = ?");
    remove.bindValue(0, tokenHash);
    return exec(remove);
}

Result<void> SqlStore::removeUserToken(quint64 userId, const QByteArray &tokenHash)
{
    auto &remove = query("DELETE FROM tokens WHERE user_id = ? AND token_hash = ?");
    remove.bindValue(0, id(userId));
    remove.bindValue(1, tokenHash);
    if (auto done = exec(remove); !done)
        return done;
    if (remove.numRowsAffected() != 1)
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such session") };
    return {};
}

Result<int> SqlStore::removeUserTokens(quint64 userId, const QByteArray &keepToken)
{
    // Two statements, not "token_hash <> ?": an empty blob may bind as NULL, and nothing is
    // unequal to NULL.
    QSqlQuery &remove = keepToken.isEmpty()
        ? query("DELETE FROM tokens WHERE user_id = ?")
        : query("DELETE FROM tokens WHERE user_id = ? AND token_hash <> ?");
    remove.bindValue(0, id(userId));
    if (!keepToken.isEmpty())
        remove.bindValue(1, keepToken);
    if (auto done = exec(remove); !done)
        return done.error();
    return remove.numRowsAffected();
}

Result<QSet<QByteArray>> SqlStore::validTokens(const QList<QByteArray> &tokenHashes, qint64 nowMs)
{
    // In chunks of a fixed size (the last one padded with a repeat), so that one statement,
    // prepared once, serves any number of sessions.
    constexpr int kChunk = 256;
    static const QByteArray sql = [] {
        QByteArray text = "SELECT t.token_hash FROM tokens t JOIN users u ON u.user_id = t.user_id "
                          "WHERE u.disabled = 0 AND t.expires_ms > ? AND t.token_hash IN (?";
        for (int i = 1; i < kChunk; ++i)
            text += ",?";
        return text + ')';
    }();
    QSet<QByteArray> valid;
    auto &select = query(sql.constData());
    for (qsizetype at = 0; at < tokenHashes.size(); at += kChunk) {
        select.bindValue(0, nowMs);
        for (int i = 0; i < kChunk; ++i)
            select.bindValue(1 + i, tokenHashes[std::min(at + i, tokenHashes.size() - 1)]);
        if (auto done = exec(select); !done)
            return done.error();
        const Finished finished(select);
        while (select.next())
            valid.insert(select.value(0).toByteArray());
    }
    return valid;
}

Result<QList<SessionRecord>> SqlStore::sessions(quint64 userId, qint64 nowMs)
{
    auto &select =
        query("SELECT t.token_hash, t.device_id, d.client_name, d.client_version, t.created_ms, "
              "d.last_seen_ms, t.expires_ms, d.device_name FROM tokens t LEFT JOIN devices d "
              "ON d.user_id = t.user_id AND d.device_id = t.device_id "
              "WHERE t.user_id = ? AND t.expires_ms > ? "
              "ORDER BY COALESCE(d.last_seen_ms, t.created_ms) DESC, t.token_hash");
    select.bindValue(0, id(userId));
    select.bindValue(1, nowMs);
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QList<SessionRecord> found;
    while (select.next()) {
        SessionRecord session;
        session.tokenHash = select.value(0).toByteArray();
        session.deviceId = select.value(1).toByteArray();
        session.clientName = select.value(2).toString();
        session.clientVersion = select.value(3).toString();
        session.createdMs = select.value(4).toLongLong();
        session.lastSeenMs = select.isNull(5) ? session.createdMs : select.value(5).toLongLong();
        session.expiresMs = select.value(6).toLongLong();
        session.deviceName = select.value(7).toString();
        found.append(session);
    }
    return found;
}

Result<void> SqlStore::removeExpiredTokens(qint64 nowMs)
{
    auto &remove = query("DELETE FROM tokens WHERE expires_ms <= ?");
    remove.bindValue(0, nowMs);
    return exec(remove);
}

Result<void> SqlStore::touchDevice(quint64 userId, const QByteArray &deviceId,
                                   const QString &clientName, const QString &clientVersion,
                                   const QString &deviceName, qint64 nowMs)
{
    auto &upsert =
        query("INSERT INTO devices (user_id, device_id, client_name, client_version, "
              "device_name, last_seen_ms) VALUES (?, ?, ?, ?, ?, ?) "
              "ON CONFLICT (user_id, device_id) DO UPDATE SET "
              "client_name = excluded.client_name, "
              "client_version = excluded.client_version, "
              "device_name = excluded.device_name, last_seen_ms = excluded.last_seen_ms");
    upsert.bindValue(0, id(userId));
    upsert.bindValue(1, deviceId);
    // A null QString binds as SQL NULL: these columns are NOT NULL, so bind "" for "not said".
    upsert.bindValue(2, clientName.isNull() ? QStringLiteral("") : clientName);
    upsert.bindValue(3, clientVersion.isNull() ? QStringLiteral("") : clientVersion);
    upsert.bindValue(4, deviceName.isNull() ? QStringLiteral("") : deviceName);
    upsert.bindValue(5, nowMs);
    return exec(upsert);
}

// ----- messages
// -----------------------------------------------------------------------------------

Result<void> SqlStore::begin()
{
    // Nested (a job inside a batch's transaction): a savepoint, so that its rollback undoes
    // just its own work.
    if (m_depth > 0) {
        if (auto saved = execOnce(QStringLiteral("SAVEPOINT nested%1").arg(m_depth)); !saved)
            return saved;
        ++m_depth;
        m_recentMarks.push_back(m_recent->pendingMark());
        return {};
    }
    if (auto begun = execOnce(QStringLiteral("BEGIN")); !begun)
        return begun;
    m_depth = 1;
    return {};
}

Result<void> SqlStore::commit()
{
    if (m_depth > 1) {
        --m_depth;
        auto released = execOnce(QStringLiteral("RELEASE nested%1").arg(m_depth));
        if (released && !m_recentMarks.empty())
            m_recentMarks.pop_back(); // what it recorded now belongs to the enclosing one
        return released;
    }
    // PostgreSQL prepares only data statements.
    auto committed =
        m_engine == Engine::Sqlite ? exec(query("COMMIT")) : execOnce(QStringLiteral("COMMIT"));
    if (committed) {
        m_depth = 0;
        m_locked.clear();
        m_recent->apply(); // committed: now it may be served
    }
    return committed; // on failure the caller rolls back
}

void SqlStore::forgetCached()
{
    m_userIdByName.clear();
    m_directByKey.clear();
    m_membersById.clear();
    m_directById.clear();
    m_joins.clear();
}

Result<bool> SqlStore::isDirect(quint64 conversationId)
{
    if (const auto cached = m_directById.constFind(conversationId); cached != m_directById.cend())
        return *cached;
    auto &select = query("SELECT kind FROM conversations WHERE conversation_id = ?");
    select.bindValue(0, id(conversationId));
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    if (!select.next())
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such conversation") };
    const bool direct = select.value(0).toInt() == pb::CONVERSATION_KIND_DIRECT;
    remember(m_directById, conversationId, direct);
    return direct;
}

void SqlStore::rollback()
{
    forgetCached(); // what the transaction created may be gone
    if (m_depth > 1) {
        --m_depth;
        if (!m_recentMarks.empty()) {
            m_recent->dropFrom(m_recentMarks.back());
            m_recentMarks.pop_back();
        }
        static_cast<void>(execOnce(QStringLiteral("ROLLBACK TO nested%1").arg(m_depth)));
        static_cast<void>(execOnce(QStringLiteral("RELEASE nested%1").arg(m_depth)));
        return;
    }
    m_depth = 0;
    m_locked.clear();
    m_recent->clearPending();
    m_recentMarks.clear();
    QSqlQuery rollback(m_db);
    if (!rollback.exec(QStringLiteral("ROLLBACK")))
        qCDebug(lcStore) << "rollback:" << rollback.lastError().text(); // none was open
}

void SqlStore::readMessage(const QSqlQuery &query, pb::Message *out)
{
    out->set_message_id(query.value(0).toULongLong());
    out->set_conversation_id(query.value(1).toULongLong());
    out->set_seq(query.value(2).toULongLong());
    out->set_sender_id(query.value(3).toULongLong());
    const QByteArray clientId = query.value(4).toByteArray();
    out->set_client_id(clientId.constData(), size_t(clientId.size()));
    out->set_server_time_ms(query.value(5).toLongLong());
    out->set_text(query.value(6).toString().toStdString());
    if (const QByteArray event = query.value(7).toByteArray(); !event.isEmpty())
        out->mutable_group_event()->ParseFromArray(event.constData(), int(event.size()));
    if (const QByteArray change = query.value(8).toByteArray(); !change.isEmpty())
        out->mutable_change()->ParseFromArray(change.constData(), int(change.size()));
    out->set_reply_to_message_id(query.value(9).toULongLong());
    out->set_reply_to_seq(query.value(10).toULongLong());
    const QString mentions = query.value(11).toString();
    for (const QStringView part : QStringView(mentions).split(QLatin1Char(','), Qt::SkipEmptyParts))
        out->add_mention_user_ids(part.toULongLong());
    out->set_edited_ms(query.value(12).toLongLong());
    out->set_deleted(query.value(13).toBool());
    out->set_changed_seq(query.value(14).toULongLong());
    // Column 15, has_attachments: fillAttachments() reads them for the messages that have any.
    if (query.value(15).toBool())
        out->add_attachments(); // a placeholder, replaced by fillAttachments()
    out->set_reply_to_sender_id(query.value(16).toULongLong());
}

Result<void> SqlStore::fillAttachments(pb::Message *message)
{
    if (message->attachments_size() == 0)
        return {};
    message->clear_attachments();
    auto &select = query("SELECT attachment_id, name, mime_type, size, sha256, thumbnail, width, "
                         "height FROM attachments WHERE message_id = ? ORDER BY attachment_id");
    select.bindValue(0, id(message->message_id()));
    if (auto done = exec(select); !done)
        return done;
    const Finished finished(select);
    while (select.next()) {
        pb::Attachment *a = message->add_attachments();
        a->set_attachment_id(select.value(0).toULongLong());
        a->set_name(select.value(1).toString().toStdString());
        a->set_mime_type(select.value(2).toString().toStdString());
        a->set_size(select.value(3).toULongLong());
        a->set_sha256(select.value(4).toByteArray().toStdString());
        a->set_thumbnail(select.value(5).toByteArray().toStdString());
        a->set_width(select.value(6).toUInt());
        a->set_height(select.value(7).toUInt());
    }
    return {};
}

Result<void> SqlStore::fillReactions(pb::Message *message)
{
    if (auto done = fillAttachments(message); !done)
        return done;
    // Only messages that were ever changed can have reactions: most pages cost nothing here.
    if (message->changed_seq() == 0 || message->deleted())
        return {};
    auto &select = query("SELECT emoji, user_id FROM reactions WHERE message_id = ? "
                         "ORDER BY seq, user_id, emoji");
    select.bindValue(0, id(message->message_id()));
    if (auto done = exec(select); !done)
        return done;
    const Finished finished(select);
    QHash<QString, pb::Reaction *> byEmoji;
    while (select.next()) {
        const QString emoji = select.value(0).toString();
        pb::Reaction *&reaction = byEmoji[emoji];
        if (!reaction) {
            reaction = message->add_reactions();
            reaction->set_emoji(emoji.toStdString());
        }
        reaction->add_user_ids(select.value(1).toULongLong());
    }
    return {};
}

Result<void> SqlStore::fillReactions(google::protobuf::RepeatedPtrField<pb::Message> *messages)
{
    for (pb::Message &message : *messages)
        if (auto done = fillReactions(&message); !done)
            return done;
    return {};
}

Result<QList<quint64>> SqlStore::memberIds(quint64 conversationId)
{
    if (const auto cached = m_membersById.constFind(conversationId); cached != m_membersById.cend())
        return *cached;
    auto &select =
        query("SELECT user_id FROM members WHERE conversation_id = ? AND left_seq IS NULL "
              "ORDER BY user_id");
    select.bindValue(0, id(conversationId));
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QList<quint64> members;
    while (select.next())
        members.append(select.value(0).toULongLong());
    if (soleWriter())
        remember(m_membersById, conversationId, members);
    return members;
}

Result<void> SqlStore::lockConversation(quint64 conversationId)
{
    if (m_engine == Engine::Sqlite || m_depth == 0 || m_locked.contains(conversationId))
        return {};
    // An advisory lock on the conversation's id, held to the end of the transaction. A batch
    // that holds some already never waits for another: two nodes' batches that took the same
    // conversations in the opposite order would wait for each other (a deadlock PostgreSQL
    // breaks after a second by failing one). It stops there instead (takeWouldWait()), commits
    // what it has, and starts the next transaction with this, waiting then with nothing held.
    const bool wait = m_locked.isEmpty();
    auto &lock = wait ? query("SELECT pg_advisory_xact_lock(?), true")
                      : query("SELECT pg_try_advisory_xact_lock(?)");
    lock.bindValue(0, id(conversationId));
    if (auto done = exec(lock); !done)
        return done;
    const Finished finished(lock);
    if (!lock.next())
        return sqlError(lock);
    if (!lock.value(wait ? 1 : 0).toBool()) {
        m_wouldWait = true;
        return Error {
            ErrorCode::UNAVAILABLE,
            QStringLiteral("conversation %1 is being written elsewhere").arg(conversationId)
        };
    }
    m_locked.insert(conversationId);
    return {};
}

Result<SqlStore::Membership> SqlStore::membership(quint64 userId, quint64 conversationId)
{
    auto &select =
        query("SELECT m.role, m.joined_seq, COALESCE(m.left_seq, 0), c.kind, c.last_seq, "
              "c.archived_seq, c.purged_seq FROM members m JOIN conversations c ON "
              "c.conversation_id = m.conversation_id WHERE m.conversation_id = ? AND "
              "m.user_id = ?");
    select.bindValue(0, id(conversationId));
    select.bindValue(1, id(userId));
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    if (!select.next())
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such conversation") };
    return Membership { select.value(0).toInt(),       select.value(1).toULongLong(),
                        select.value(2).toULongLong(), select.value(3).toInt(),
                        select.value(4).toULongLong(), select.value(5).toULongLong(),
                        select.value(6).toULongLong() };
}

Result<quint64> SqlStore::resolveConversation(const NewMessage &message, qint64 nowMs)
{
    if (message.conversationId) {
        // Held to the end: no other node removes the sender between this check and the insert.
        if (auto locked = lockConversation(message.conversationId); !locked)
            return locked.error();
        auto member = membership(message.senderId, message.conversationId);
        if (!member && member.error().code != ErrorCode::NOT_FOUND)
            return member.error();
        if (!member || member.value().leftSeq != 0) {
            return Error {
                ErrorCode::FORBIDDEN,
                QStringLiteral("not a member of conversation %1").arg(message.conversationId)
            };
        }
        return message.conversationId;
    }

    quint64 peerId = message.peerUserId;
    if (peerId != 0) {
        if (auto peer = userById(peerId); !peer)
            return peer.error();
    } else {
        auto peer = userIdByName(message.peerUsername);
        if (!peer)
            return peer.error();
        peerId = peer.value();
    }
    if (peerId == message.senderId)
        return Error { ErrorCode::INVALID_ARGUMENT,
                       QStringLiteral("a direct message needs another user") };

    const QString directKey = QStringLiteral("%1:%2")
                                  .arg(std::min(peerId, message.senderId))
                                  .arg(std::max(peerId, message.senderId));
    if (const auto cached = m_directByKey.constFind(directKey); cached != m_directByKey.cend())
        return *cached;
    auto &find = query("SELECT conversation_id FROM conversations WHERE direct_key = ?");
    find.bindValue(0, directKey);
    if (auto done = exec(find); !done)
        return done.error();
    if (find.next()) {
        const quint64 existing = find.value(0).toULongLong();
        find.finish();
        remember(m_directByKey, directKey, existing);
        return existing;
    }
    find.finish();

    auto created = createConversation(pb::CONVERSATION_KIND_DIRECT, {}, directKey,
                                      { message.senderId, peerId }, 0, nowMs);
    if (created) {
        qCDebug(lcStore) << "created direct conversation" << created.value() << "for"
                         << message.senderId << peerId;
        remember(m_directByKey, directKey, created.value());
    }
    return created;
}

Result<quint64> SqlStore::createConversation(int kind, const QString &title,
                                             const QString &directKey,
                                             const QList<quint64> &members, quint64 ownerId,
                                             qint64 nowMs)
{
    // Two nodes may start the same direct conversation at once: the second uses the first's.
    auto &create = query("INSERT INTO conversations (kind, title, direct_key, last_activity_ms, "
                         "created_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (direct_key) DO NOTHING "
                         "RETURNING conversation_id");
    create.bindValue(0, kind);
    create.bindValue(1, nonNull(title));
    create.bindValue(
        2, directKey.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(directKey));
    create.bindValue(3, nowMs);
    create.bindValue(4, nowMs);
    if (auto done = exec(create); !done)
        return done.error();
    if (!create.next()) {
        create.finish();
        auto &find = query("SELECT conversation_id FROM conversations WHERE direct_key = ?");
        find.bindValue(0, directKey);
        if (auto done = exec(find); !done)
            return done.error();
        const Finished finished(find);
        if (directKey.isEmpty() || !find.next())
            return Error { ErrorCode::INTERNAL, QStringLiteral("the conversation was not made") };
        return find.value(0).toULongLong();
    }
    const quint64 conversationId = create.value(0).toULongLong();
    create.finish();
    m_membersById.remove(conversationId);
    auto &member = query("INSERT INTO members (conversation_id, user_id, role) VALUES (?, ?, ?)");
    for (quint64 userId : members) {
        member.bindValue(0, id(conversationId));
        member.bindValue(1, id(userId));
        member.bindValue(2, userId == ownerId ? int(pb::ROLE_OWNER) : int(pb::ROLE_MEMBER));
        if (auto done = exec(member); !done)
            return done.error();
    }
    return conversationId;
}

Result<Appended> SqlStore::append(const NewMessage &message, quint64 messageId, qint64 nowMs)
{
    // The seq and the row go together or not at all, also for a caller without a transaction
    // of its own (the server's writer always has one: its batch).
    if (m_depth == 0) {
        if (auto begun = begin(); !begun)
            return begun.error();
        auto appended = append(message, messageId, nowMs);
        if (appended) {
            if (auto committed = commit(); !committed) {
                rollback();
                return committed.error();
            }
        } else {
            rollback();
        }
        return appended;
    }
    Appended result;
    // Idempotency first: a resend returns the original wherever it was sent and whatever changed.
    auto original = findOriginal(message.senderId, message.clientId, &result);
    if (!original)
        return original.error();
    if (original.value())
        return result;

    auto conversation = resolveConversation(message, nowMs);
    if (!conversation)
        return conversation.error();
    const quint64 conversationId = conversation.value();
    if (!soleWriter()) {
        // Another node may have stored the same resend meanwhile: it held the conversation
        // until it committed, so with the conversation held now, it shows.
        if (auto locked = lockConversation(conversationId); !locked)
            return locked.error();
        auto again = findOriginal(message.senderId, message.clientId, &result);
        if (!again)
            return again.error();
        if (again.value())
            return result;
    }

    EntryExtras extras;
    if (message.replyTo) {
        // A reply names a message of the same conversation that its sender can see.
        auto member = membership(message.senderId, conversationId);
        if (!member)
            return member.error();
        auto &target =
            query("SELECT seq, sender_id FROM messages WHERE message_id = ? AND "
                  "conversation_id = ? AND seq > ? AND event IS NULL AND change IS NULL");
        target.bindValue(0, id(message.replyTo));
        target.bindValue(1, id(conversationId));
        target.bindValue(2, id(member.value().floor()));
        if (auto done = exec(target); !done)
            return done.error();
        const Finished finished(target);
        const Error notHere { ErrorCode::NOT_FOUND,
                              QStringLiteral(
                                  "the message replied to is not in this conversation") };
        if (target.next()) {
            extras.replySeq = target.value(0).toULongLong();
            extras.replySender = target.value(1).toULongLong();
        } else if (member.value().archivedSeq > 0) {
            // An old message may be answered too: the archive has it.
            auto old = archivedMessage(conversationId, message.replyTo);
            if (!old)
                return old.error().code == ErrorCode::NOT_FOUND ? notHere : old.error();
            if (old.value().seq() <= member.value().floor() || old.value().has_group_event()
                || old.value().has_change())
                return notHere;
            extras.replySeq = old.value().seq();
            extras.replySender = old.value().sender_id();
        } else {
            return notHere;
        }
        extras.replyTo = message.replyTo;
    }
    if (!message.attachmentIds.isEmpty()) {
        // Each one the sender's own, complete, and not sent with another message.
        auto &check = query("SELECT 1 FROM attachments WHERE attachment_id = ? AND uploader_id = ? "
                            "AND message_id IS NULL");
        for (quint64 attachmentId : message.attachmentIds) {
            check.bindValue(0, id(attachmentId));
            check.bindValue(1, id(message.senderId));
            if (auto done = exec(check); !done)
                return done.error();
            const bool usable = check.next();
            check.finish();
            if (!usable || extras.attachmentIds.contains(attachmentId))
                return Error { ErrorCode::INVALID_ARGUMENT,
                               QStringLiteral("attachment %1 is not an upload of yours that can "
                                              "be sent")
                                   .arg(attachmentId) };
            extras.attachmentIds.append(attachmentId);
        }
    } else if (message.text.empty()) {
        return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("empty text") };
    }
    if (!message.mentions.isEmpty()) {
        auto members = memberIds(conversationId);
        if (!members)
            return members.error();
        for (quint64 userId : message.mentions)
            if (members.value().contains(userId) && !extras.mentions.contains(userId))
                extras.mentions.append(userId);
    }

    auto entry = appendEntry(conversationId, message.senderId, message.clientId, message.text,
                             nullptr, messageId, nowMs, extras);
    if (!entry)
        return entry.error();
    if (!extras.attachmentIds.isEmpty()) {
        auto &bind = query("UPDATE attachments SET message_id = ?, conversation_id = ?, seq = ? "
                           "WHERE attachment_id = ?");
        for (quint64 attachmentId : extras.attachmentIds) {
            bind.bindValue(0, id(messageId));
            bind.bindValue(1, id(conversationId));
            bind.bindValue(2, id(entry.value().seq()));
            bind.bindValue(3, id(attachmentId));
            if (auto done = exec(bind); !done)
                return done.error();
        }
        auto &flag = query("UPDATE messages SET has_attachments = 1 WHERE message_id = ?");
        flag.bindValue(0, id(messageId));
        if (auto done = exec(flag); !done)
            return done.error();
        // The stored message carries them, as every reader will see it.
        pb::Message withFiles = entry.value();
        for (int i = 0; i < extras.attachmentIds.size(); ++i)
            withFiles.add_attachments();
        if (auto done = fillAttachments(&withFiles); !done)
            return done.error();
        entry = std::move(withFiles);
    }
    result.message = std::move(entry).value();
    m_recent->appended(result.message);
    auto members = memberIds(conversationId);
    if (!members)
        return members.error();
    result.memberIds = std::move(members).value();
    auto direct = isDirect(conversationId);
    if (!direct)
        return direct.error();
    result.direct = direct.value();
    return result;
}

Result<bool> SqlStore::findOriginal(quint64 senderId, const QByteArray &clientId, Appended *out)
{
    // Idempotency first: a resend returns the original wherever it was sent and whatever changed.
    auto &original = query("SELECT " CONFAB_MESSAGE_COLUMNS
                           " FROM messages WHERE sender_id = ? AND client_id = ?");
    original.bindValue(0, id(senderId));
    original.bindValue(1, clientId);
    if (auto done = exec(original); !done)
        return done.error();
    if (!original.next()) {
        original.finish();
        return false;
    }
    readMessage(original, &out->message);
    original.finish();
    out->duplicate = true;
    auto members = memberIds(out->message.conversation_id());
    if (!members)
        return members.error();
    out->memberIds = std::move(members).value();
    auto direct = isDirect(out->message.conversation_id());
    if (!direct)
        return direct.error();
    out->direct = direct.value();
    return true;
}

Result<pb::Message> SqlStore::appendEntry(quint64 conversationId, quint64 senderId,
                                          const QByteArray &clientId, const std::string &text,
                                          const pb::GroupEvent *event, quint64 messageId,
                                          qint64 nowMs, const EntryExtras &extras)
{
    // The seq comes from the conversation row, updated in the same transaction as the insert:
    // gapless and strictly increasing even with several writers (PostgreSQL: a row lock).
    // A change (an edit, a reaction) does not count as activity: the conversation keeps its
    // place in the list.
    auto &next = extras.change
        ? query("UPDATE conversations SET last_seq = last_seq + 1 WHERE conversation_id = ? "
                "RETURNING last_seq")
        : query("UPDATE conversations SET last_seq = last_seq + 1, last_activity_ms = ? "
                "WHERE conversation_id = ? RETURNING last_seq");
    int at = 0;
    if (!extras.change)
        next.bindValue(at++, nowMs);
    next.bindValue(at, id(conversationId));
    if (auto done = exec(next); !done)
        return done.error();
    if (!next.next())
        return sqlError(next);
    const quint64 seq = next.value(0).toULongLong();
    next.finish();

    QByteArray eventBytes;
    if (event) {
        eventBytes.resize(qsizetype(event->ByteSizeLong()));
        event->SerializeToArray(eventBytes.data(), int(eventBytes.size()));
    }
    QByteArray changeBytes;
    if (extras.change) {
        changeBytes.resize(qsizetype(extras.change->ByteSizeLong()));
        extras.change->SerializeToArray(changeBytes.data(), int(changeBytes.size()));
    }
    const QVariant nullBlob { QMetaType(QMetaType::QByteArray) };
    const QVariant nullId { QMetaType(QMetaType::LongLong) };
    auto &insert = query(
        "INSERT INTO messages (message_id, conversation_id, seq, sender_id, "
        "client_id, server_time_ms, text, event, change, target_id, reply_to, "
        "reply_seq, mentions, reply_sender) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bindValue(0, id(messageId));
    insert.bindValue(1, id(conversationId));
    insert.bindValue(2, id(seq));
    insert.bindValue(3, id(senderId));
    insert.bindValue(4, clientId);
    insert.bindValue(5, nowMs);
    insert.bindValue(6, QString::fromStdString(text));
    insert.bindValue(7, event ? QVariant(eventBytes) : nullBlob);
    insert.bindValue(8, extras.change ? QVariant(changeBytes) : nullBlob);
    insert.bindValue(9, extras.change ? id(extras.change->target_message_id()) : nullId);
    insert.bindValue(10, extras.replyTo ? id(extras.replyTo) : nullId);
    insert.bindValue(11, extras.replyTo ? id(extras.replySeq) : nullId);
    insert.bindValue(12,
                     extras.mentions.isEmpty() ? QVariant(QMetaType(QMetaType::QString))
                                               : QVariant(joinIds(extras.mentions)));
    insert.bindValue(13, extras.replyTo ? id(extras.replySender) : nullId);
    if (auto done = exec(insert); !done)
        return done.error();

    pb::Message message;
    message.set_message_id(messageId);
    message.set_conversation_id(conversationId);
    message.set_seq(seq);
    message.set_sender_id(senderId);
    message.set_client_id(clientId.constData(), size_t(clientId.size()));
    message.set_server_time_ms(nowMs);
    message.set_text(text);
    if (event)
        *message.mutable_group_event() = *event;
    if (extras.change)
        *message.mutable_change() = *extras.change;
    message.set_reply_to_message_id(extras.replyTo);
    message.set_reply_to_seq(extras.replySeq);
    message.set_reply_to_sender_id(extras.replySender);
    for (quint64 userId : extras.mentions)
        message.add_mention_user_ids(userId);
    return message;
}

Result<Appended> SqlStore::changeMessage(const MessageChangeRequest &change, quint64 messageId,
                                         qint64 nowMs)
{
    // Its own transaction, or a savepoint inside the batch's: a refused change leaves nothing.
    if (auto begun = begin(); !begun)
        return begun.error();
    auto changed = applyMessageChange(change, messageId, nowMs);
    if (changed)
        m_recent->invalidate(change.conversationId); // the target's state changed too
    if (changed) {
        if (auto committed = commit(); !committed) {
            rollback();
            return committed.error();
        }
    } else {
        rollback();
    }
    return changed;
}

Result<Appended> SqlStore::applyMessageChange(const MessageChangeRequest &change, quint64 messageId,
                                              qint64 nowMs)
{
    // Held first: the target, the actor's membership and a resend elsewhere stay as read.
    if (auto locked = lockConversation(change.conversationId); !locked)
        return locked.error();
    Appended result;
    auto original = findOriginal(change.actorId, change.clientId, &result);
    if (!original)
        return original.error();
    if (original.value())
        return result;

    const Error notFound { ErrorCode::NOT_FOUND, QStringLiteral("no such message") };
    auto member = membership(change.actorId, change.conversationId);
    if (!member)
        return member.error().code == ErrorCode::NOT_FOUND ? notFound : member.error();
    if (member.value().leftSeq != 0)
        return Error {
            ErrorCode::FORBIDDEN,
            QStringLiteral("not a member of conversation %1").arg(change.conversationId)
        };

    pb::Message target;
    {
        auto &select = query("SELECT " CONFAB_MESSAGE_COLUMNS
                             " FROM messages WHERE message_id = ? AND conversation_id = ?");
        select.bindValue(0, id(change.targetId));
        select.bindValue(1, id(change.conversationId));
        if (auto done = exec(select); !done)
            return done.error();
        const Finished finished(select);
        if (select.next()) {
            readMessage(select, &target);
        } else {
            // An archived message is history: it stays as it was (PROTOCOL.md §16).
            auto old = member.value().archivedSeq
                ? archivedMessage(change.conversationId, change.targetId)
                : Result<pb::Message>(notFound);
            if (!old)
                return old.error().code == ErrorCode::NOT_FOUND ? notFound : old.error();
            if (old.value().seq() <= member.value().floor())
                return notFound;
            return Error { ErrorCode::MESSAGE_ARCHIVED,
                           QStringLiteral("message %1 is archived").arg(change.targetId) };
        }
    }
    // What was before the actor joined is not theirs to see, let alone change.
    if (target.seq() <= member.value().floor())
        return notFound;
    if (target.has_group_event() || target.has_change())
        return Error { ErrorCode::INVALID_ARGUMENT,
                       QStringLiteral("only a message can be edited, deleted or reacted to") };
    if (target.deleted())
        return Error { ErrorCode::MESSAGE_DELETED, QStringLiteral("the message was deleted") };

    const bool isSender = target.sender_id() == change.actorId;
    pb::MessageChange entry;
    entry.set_kind(change.kind);
    entry.set_target_message_id(target.message_id());
    entry.set_target_seq(target.seq());
    EntryExtras extras;
    extras.change = &entry;
    std::string entryText;

    switch (change.kind) {
    case pb::MessageChange::EDITED: {
        if (!isSender)
            return Error { ErrorCode::FORBIDDEN,
                           QStringLiteral("only its sender can edit a message") };
        if (change.text.empty())
            return Error { ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("an edit needs text; delete the message instead") };
        // The version being replaced is kept (the history of edits), until a delete.
        auto &keep = query(
            "INSERT INTO message_edits (message_id, edited_ms, previous_text) VALUES (?, ?, ?)");
        keep.bindValue(0, id(target.message_id()));
        keep.bindValue(1, nowMs);
        keep.bindValue(2, QString::fromStdString(target.text()));
        if (auto done = exec(keep); !done)
            return done.error();
        entryText = change.text;
        break;
    }
    case pb::MessageChange::DELETED:
        // The sender, or in a group its admins and owner (moderation).
        if (!isSender
            && !(member.value().kind == pb::CONVERSATION_KIND_GROUP
                 && member.value().role >= pb::ROLE_ADMIN))
            return Error { ErrorCode::FORBIDDEN,
                           QStringLiteral("only its sender or a group admin can delete a "
                                          "message") };
        break;
    case pb::MessageChange::REACTION_ADDED:
    case pb::MessageChange::REACTION_REMOVED: {
        if (!isReactionEmoji(change.emoji))
            return Error {
                ErrorCode::INVALID_ARGUMENT,
                QStringLiteral("a reaction is one emoji of at most %1 bytes").arg(kMaxEmojiBytes)
            };
        entry.set_emoji(change.emoji);
        const QString emoji = QString::fromStdString(change.emoji);
        if (change.kind == pb::MessageChange::REACTION_ADDED) {
            auto &kinds = query("SELECT COUNT(DISTINCT emoji), "
                                "SUM(CASE WHEN emoji = ? THEN 1 ELSE 0 END) FROM reactions "
                                "WHERE message_id = ?");
            kinds.bindValue(0, emoji);
            kinds.bindValue(1, id(target.message_id()));
            if (auto done = exec(kinds); !done)
                return done.error();
            const Finished finished(kinds);
            if (kinds.next() && kinds.value(0).toInt() >= kMaxReactionKinds
                && kinds.value(1).toInt() == 0)
                return Error { ErrorCode::INVALID_ARGUMENT,
                               QStringLiteral("a message has at most %1 different reactions")
                                   .arg(kMaxReactionKinds) };
        }
        break;
    }
    default:
        return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("unknown kind of change") };
    }

    auto appended = appendEntry(change.conversationId, change.actorId, change.clientId, entryText,
                                nullptr, messageId, nowMs, extras);
    if (!appended)
        return appended.error();
    const quint64 seq = appended.value().seq();

    switch (change.kind) {
    case pb::MessageChange::EDITED: {
        auto &update = query("UPDATE messages SET text = ?, edited_ms = ?, changed_seq = ? "
                             "WHERE message_id = ?");
        update.bindValue(0, QString::fromStdString(change.text));
        update.bindValue(1, nowMs);
        update.bindValue(2, id(seq));
        update.bindValue(3, id(target.message_id()));
        if (auto done = exec(update); !done)
            return done.error();
        break;
    }
    case pb::MessageChange::DELETED: {
        // Gone from every row that held it: the message, its edits (entries and kept versions),
        // its reactions and mentions. secure_delete zeroes what the rows leave behind; the log
        // is emptied once this commits (takeScrubRequest()).
        auto &tombstone = query("UPDATE messages SET text = '', mentions = NULL, edited_ms = 0, "
                                "deleted = 1, changed_seq = ? WHERE message_id = ?");
        tombstone.bindValue(0, id(seq));
        tombstone.bindValue(1, id(target.message_id()));
        if (auto done = exec(tombstone); !done)
            return done.error();
        // Its files go too: the blobs no attachment refers to any more are collected later.
        for (const char *sql : { "UPDATE messages SET text = '' WHERE target_id = ?",
                                 "DELETE FROM message_edits WHERE message_id = ?",
                                 "DELETE FROM reactions WHERE message_id = ?",
                                 "DELETE FROM attachments WHERE message_id = ?",
                                 "UPDATE messages SET has_attachments = 0 WHERE message_id = ?" }) {
            auto &scrub = query(sql);
            scrub.bindValue(0, id(target.message_id()));
            if (auto done = exec(scrub); !done)
                return done.error();
        }
        m_scrubRequested = true;
        break;
    }
    default: {
        auto &react = change.kind == pb::MessageChange::REACTION_ADDED
            ? query("INSERT INTO reactions (message_id, user_id, emoji, seq) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (message_id, user_id, emoji) DO NOTHING")
            : query("DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?");
        react.bindValue(0, id(target.message_id()));
        react.bindValue(1, id(change.actorId));
        react.bindValue(2, QString::fromStdString(change.emoji));
        if (change.kind == pb::MessageChange::REACTION_ADDED)
            react.bindValue(3, id(seq));
        if (auto done = exec(react); !done)
            return done.error();
        auto &touch = query("UPDATE messages SET changed_seq = ? WHERE message_id = ?");
        touch.bindValue(0, id(seq));
        touch.bindValue(1, id(target.message_id()));
        if (auto done = exec(touch); !done)
            return done.error();
        break;
    }
    }

    result.message = std::move(appended).value();
    auto members = memberIds(change.conversationId);
    if (!members)
        return members.error();
    result.memberIds = std::move(members).value();
    return result;
}

// ----- attachments
// ---------------------------------------------------------------------------------

namespace {

UploadRecord readUpload(const QSqlQuery &q)
{
    UploadRecord u;
    u.uploadId = q.value(0).toByteArray();
    u.userId = q.value(1).toULongLong();
    u.name = q.value(2).toString();
    u.mimeType = q.value(3).toString();
    u.size = q.value(4).toULongLong();
    u.sha256 = q.value(5).toByteArray();
    u.thumbnail = q.value(6).toByteArray();
    u.width = q.value(7).toUInt();
    u.height = q.value(8).toUInt();
    u.createdMs = q.value(9).toLongLong();
    return u;
}

} // namespace

Result<UploadRecord> SqlStore::beginUpload(const UploadRecord &wanted)
{
    auto &existing = query("SELECT upload_id, user_id, name, mime_type, size, sha256, thumbnail, "
                           "width, height, created_ms FROM uploads WHERE user_id = ? AND "
                           "sha256 = ? AND size = ? ORDER BY created_ms LIMIT 1");
    existing.bindValue(0, id(wanted.userId));
    existing.bindValue(1, wanted.sha256);
    existing.bindValue(2, id(wanted.size));
    if (auto done = exec(existing); !done)
        return done.error();
    if (existing.next()) {
        UploadRecord found = readUpload(existing);
        existing.finish();
        return found; // resumed where it stopped
    }
    existing.finish();
    auto &insert = query("INSERT INTO uploads (upload_id, user_id, name, mime_type, size, sha256, "
                         "thumbnail, width, height, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                         "?, ?)");
    insert.bindValue(0, wanted.uploadId);
    insert.bindValue(1, id(wanted.userId));
    insert.bindValue(2, nonNull(wanted.name));
    insert.bindValue(3, nonNull(wanted.mimeType));
    insert.bindValue(4, id(wanted.size));
    insert.bindValue(5, wanted.sha256);
    insert.bindValue(6,
                     wanted.thumbnail.isEmpty() ? QVariant(QMetaType(QMetaType::QByteArray))
                                                : QVariant(wanted.thumbnail));
    insert.bindValue(7, wanted.width);
    insert.bindValue(8, wanted.height);
    insert.bindValue(9, wanted.createdMs);
    if (auto done = exec(insert); !done)
        return done.error();
    return wanted;
}

Result<UploadRecord> SqlStore::upload(quint64 userId, const QByteArray &uploadId)
{
    auto &select = query("SELECT upload_id, user_id, name, mime_type, size, sha256, thumbnail, "
                         "width, height, created_ms FROM uploads WHERE upload_id = ? AND "
                         "user_id = ?");
    select.bindValue(0, uploadId);
    select.bindValue(1, id(userId));
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    if (!select.next())
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such upload") };
    return readUpload(select);
}

Result<AttachmentRecord> SqlStore::completeUpload(quint64 userId, const QByteArray &uploadId,
                                                  quint64 attachmentId, qint64 nowMs)
{
    auto found = upload(userId, uploadId);
    if (!found)
        return found.error();
    const UploadRecord &u = found.value();
    if (auto begun = begin(); !begun)
        return begun.error();
    auto &insert = query("INSERT INTO attachments (attachment_id, uploader_id, name, mime_type, "
                         "size, sha256, thumbnail, width, height, created_ms) VALUES (?, ?, ?, ?, "
                         "?, ?, ?, ?, ?, ?)");
    insert.bindValue(0, id(attachmentId));
    insert.bindValue(1, id(userId));
    insert.bindValue(2, nonNull(u.name));
    insert.bindValue(3, nonNull(u.mimeType));
    insert.bindValue(4, id(u.size));
    insert.bindValue(5, u.sha256);
    insert.bindValue(6,
                     u.thumbnail.isEmpty() ? QVariant(QMetaType(QMetaType::QByteArray))
                                           : QVariant(u.thumbnail));
    insert.bindValue(7, u.width);
    insert.bindValue(8, u.height);
    insert.bindValue(9, nowMs);
    auto done = exec(insert);
    if (done)
        done = discardUpload(userId, uploadId);
    if (done)
        done = commit();
    if (!done) {
        rollback();
        return done.error();
    }
    return AttachmentRecord { attachmentId, userId,   0,           u.name,  u.mimeType,
                              u.size,       u.sha256, u.thumbnail, u.width, u.height };
}

Result<void> SqlStore::discardUpload(quint64 userId, const QByteArray &uploadId)
{
    auto &remove = query("DELETE FROM uploads WHERE upload_id = ? AND user_id = ?");
    remove.bindValue(0, uploadId);
    remove.bindValue(1, id(userId));
    return exec(remove);
}

Result<AttachmentRecord> SqlStore::attachmentFor(quint64 userId, quint64 attachmentId)
{
    AttachmentRecord a;
    quint64 conversationId = 0;
    quint64 seq = 0;
    {
        auto &select =
            query("SELECT a.attachment_id, a.uploader_id, COALESCE(a.message_id, 0), a.name, "
                  "a.mime_type, a.size, a.sha256, a.thumbnail, a.width, a.height, "
                  "COALESCE(a.conversation_id, 0), COALESCE(a.seq, 0) FROM attachments a "
                  "WHERE a.attachment_id = ?");
        select.bindValue(0, id(attachmentId));
        if (auto done = exec(select); !done)
            return done.error();
        const Finished finished(select);
        if (!select.next())
            return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such attachment") };
        a = { select.value(0).toULongLong(), select.value(1).toULongLong(),
              select.value(2).toULongLong(), select.value(3).toString(),
              select.value(4).toString(),    select.value(5).toULongLong(),
              select.value(6).toByteArray(), select.value(7).toByteArray(),
              select.value(8).toUInt(),      select.value(9).toUInt() };
        conversationId = select.value(10).toULongLong();
        seq = select.value(11).toULongLong();
    }
    const Error notFound { ErrorCode::NOT_FOUND, QStringLiteral("no such attachment") };
    if (a.messageId == 0)
        return a.uploaderId == userId ? Result<AttachmentRecord>(a) : notFound;
    // Sent: to whoever may see that message (a member since before it; one who left, if it
    // came before they left).
    auto member = membership(userId, conversationId);
    if (!member)
        return member.error().code == ErrorCode::NOT_FOUND ? notFound : member.error();
    if (seq <= member.value().floor() || (member.value().leftSeq && seq > member.value().leftSeq))
        return notFound;
    return a;
}

Result<QList<QByteArray>> SqlStore::expireUploads(qint64 olderThanMs)
{
    QList<QByteArray> expired;
    {
        auto &select = query("SELECT upload_id FROM uploads WHERE created_ms < ?");
        select.bindValue(0, olderThanMs);
        if (auto done = exec(select); !done)
            return done.error();
        const Finished finished(select);
        while (select.next())
            expired.append(select.value(0).toByteArray());
    }
    for (const char *sql : { "DELETE FROM uploads WHERE created_ms < ?",
                             "DELETE FROM attachments WHERE message_id IS NULL AND "
                             "created_ms < ?" }) {
        auto &remove = query(sql);
        remove.bindValue(0, olderThanMs);
        if (auto done = exec(remove); !done)
            return done.error();
    }
    return expired;
}

Result<QSet<QByteArray>> SqlStore::referencedBlobs()
{
    auto &select = query("SELECT DISTINCT sha256 FROM attachments");
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QSet<QByteArray> referenced;
    while (select.next())
        referenced.insert(select.value(0).toByteArray());
    return referenced;
}

Result<quint64> SqlStore::maxMessageId()
{
    auto &select = query("SELECT COALESCE(MAX(top), 0) FROM (SELECT MAX(message_id) AS top "
                         "FROM messages UNION ALL SELECT MAX(max_message_id) FROM "
                         "archive_segments) AS tops");
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    if (!select.next())
        return sqlError(select);
    return select.value(0).toULongLong();
}

Result<void> SqlStore::saveSyncCursors(quint64 userId, const QByteArray &deviceId,
                                       const QHash<quint64, quint64> &cursors)
{
    if (cursors.isEmpty())
        return {};
    if (auto begun = begin(); !begun)
        return begun;
    auto &upsert = query("INSERT INTO sync_cursors (user_id, device_id, conversation_id, seq) "
                         "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM members "
                         "WHERE conversation_id = ? AND user_id = ?) "
                         "ON CONFLICT (user_id, device_id, conversation_id) DO UPDATE "
                         "SET seq = excluded.seq WHERE excluded.seq > sync_cursors.seq");
    Result<void> done;
    for (auto it = cursors.cbegin(); done && it != cursors.cend(); ++it) {
        upsert.bindValue(0, id(userId));
        upsert.bindValue(1, deviceId);
        upsert.bindValue(2, id(it.key()));
        upsert.bindValue(3, id(it.value()));
        upsert.bindValue(4, id(it.key()));
        upsert.bindValue(5, id(userId));
        done = exec(upsert);
    }
    if (done)
        done = commit();
    if (!done)
        rollback();
    return done;
}

Result<QHash<quint64, quint64>> SqlStore::syncCursors(quint64 userId, const QByteArray &deviceId)
{
    auto &select = query("SELECT conversation_id, seq FROM sync_cursors WHERE user_id = ? AND "
                         "device_id = ?");
    select.bindValue(0, id(userId));
    select.bindValue(1, deviceId);
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QHash<quint64, quint64> cursors;
    while (select.next())
        cursors.insert(select.value(0).toULongLong(), select.value(1).toULongLong());
    return cursors;
}

// ----- reads
// --------------------------------------------------------------------------------------

Result<void> SqlStore::fillConversation(pb::Conversation *out, quint64 conversationId,
                                        quint64 userId)
{
    quint64 readSeq = 0;
    quint64 upTo = 0; // what the user may see: everything, or up to where they left
    if (userId) {
        auto member = membership(userId, conversationId);
        if (!member)
            return member.error();
        const Membership &m = member.value();
        out->set_kind(pb::ConversationKind(m.kind));
        upTo = m.leftSeq ? m.leftSeq : m.lastSeq;
        out->set_joined_seq(m.joinedSeq);
        out->set_left(m.leftSeq != 0);
    }
    auto &conversation = query("SELECT kind, title, last_seq, archived_seq, purged_seq, "
                               "retention_days FROM conversations WHERE conversation_id = ?");
    conversation.bindValue(0, id(conversationId));
    if (auto done = exec(conversation); !done)
        return done;
    if (!conversation.next()) {
        conversation.finish();
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such conversation") };
    }
    out->set_conversation_id(conversationId);
    out->set_kind(pb::ConversationKind(conversation.value(0).toInt()));
    out->set_title(conversation.value(1).toString().toStdString());
    if (!userId)
        upTo = conversation.value(2).toULongLong();
    const quint64 archived = conversation.value(3).toULongLong();
    const quint64 purged = conversation.value(4).toULongLong();
    out->set_purged_seq(purged);
    out->set_retention_days(conversation.value(5).toUInt());
    out->set_last_seq(upTo);
    conversation.finish();

    if (out->left()) {
        // Someone who left learns nothing that happened after: the name as it was then (the
        // newest CREATED or RENAMED entry up to their leaving), and no member list or cursors.
        auto &named = query("SELECT event FROM messages WHERE conversation_id = ? AND seq <= ? "
                            "AND event IS NOT NULL ORDER BY seq DESC");
        named.bindValue(0, id(conversationId));
        named.bindValue(1, id(upTo));
        if (auto done = exec(named); !done)
            return done;
        while (named.next()) {
            pb::GroupEvent event;
            const QByteArray bytes = named.value(0).toByteArray();
            if (event.ParseFromArray(bytes.constData(), int(bytes.size()))
                && (event.kind() == pb::GroupEvent::CREATED
                    || event.kind() == pb::GroupEvent::RENAMED)) {
                out->set_title(event.title());
                break;
            }
        }
        named.finish();
    }

    // Members with their roles; the cursors of the others (for ticks and "read by").
    auto &members = query("SELECT u.user_id, u.username, u.display_name, m.role, "
                          "m.delivered_seq, m.read_seq FROM members m "
                          "JOIN users u ON u.user_id = m.user_id WHERE m.conversation_id = ? "
                          "AND m.left_seq IS NULL ORDER BY u.user_id");
    members.bindValue(0, id(conversationId));
    if (auto done = exec(members); !done)
        return done;
    while (!out->left() && members.next()) {
        const quint64 memberId = members.value(0).toULongLong();
        auto *member = out->add_members();
        member->set_user_id(memberId);
        member->set_username(members.value(1).toString().toStdString());
        member->set_display_name(members.value(2).toString().toStdString());
        member->set_role(pb::Role(members.value(3).toInt()));
        const quint64 delivered = members.value(4).toULongLong();
        const quint64 read = members.value(5).toULongLong();
        if (userId && memberId != userId && (delivered > 0 || read > 0)) {
            auto *receipt = out->add_receipts();
            receipt->set_conversation_id(conversationId);
            receipt->set_user_id(memberId);
            receipt->set_delivered_seq(std::min(delivered, upTo));
            receipt->set_read_seq(std::min(read, upTo));
        }
    }
    members.finish();
    if (!userId)
        return {};

    {
        auto &own = query("SELECT read_seq FROM members WHERE conversation_id = ? AND user_id = ?");
        own.bindValue(0, id(conversationId));
        own.bindValue(1, id(userId));
        if (auto done = exec(own); !done)
            return done;
        if (own.next())
            readSeq = own.value(0).toULongLong();
        own.finish();
    }
    out->set_read_seq(readSeq);

    if (upTo > 0) {
        // The newest message or group event: a change (an edit, a reaction) is not one.
        auto &last = query("SELECT " CONFAB_MESSAGE_COLUMNS
                           " FROM messages WHERE conversation_id = ? AND seq <= ? "
                           "AND change IS NULL ORDER BY seq DESC LIMIT 1");
        last.bindValue(0, id(conversationId));
        last.bindValue(1, id(upTo));
        if (auto done = exec(last); !done)
            return done;
        if (last.next())
            readMessage(last, out->mutable_last_message());
        last.finish();
        // Quiet since the archive took it all: the newest archived message or group event.
        // An archive file that cannot be read leaves it out (and is logged), rather than fail
        // the whole list: the chat is still there.
        if (!out->has_last_message() && std::min(upTo, archived) > purged) {
            auto found = forEachArchived(conversationId, purged, std::min(upTo, archived), true,
                                         [out](pb::Message &message) {
                                             if (message.has_change())
                                                 return true;
                                             *out->mutable_last_message() = std::move(message);
                                             return false;
                                         });
            if (!found && found.error().code != ErrorCode::ARCHIVE_UNAVAILABLE)
                return found.error();
            if (!found)
                qCWarning(lcStore) << "conversation" << conversationId << found.error().message;
        }

        // Group events and changes are not unread messages.
        auto &unread = query("SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND seq > ? "
                             "AND seq <= ? AND sender_id <> ? AND event IS NULL AND change IS NULL "
                             "AND deleted = 0");
        unread.bindValue(0, id(conversationId));
        const quint64 unreadFrom = std::max<quint64>({ readSeq, out->joined_seq(), purged });
        unread.bindValue(1, id(unreadFrom));
        unread.bindValue(2, id(upTo));
        unread.bindValue(3, id(userId));
        if (auto done = exec(unread); !done)
            return done;
        if (unread.next())
            out->set_unread_count(unread.value(0).toULongLong());
        unread.finish();
        // Unread since before the archive's end: those in the archive count too.
        if (unreadFrom < std::min(archived, upTo)) {
            // Counted a block at a time, newest first, up to kMaxArchivedUnread: an old unread
            // group costs a bounded read, and shows as "at least" that many.
            quint64 count = 0;
            auto counted = forEachArchived(conversationId, unreadFrom, std::min(archived, upTo),
                                           true, [&count, userId](const pb::Message &message) {
                                               count += message.sender_id() != userId
                                                   && !message.has_group_event()
                                                   && !message.has_change() && !message.deleted();
                                               return count < kMaxArchivedUnread;
                                           });
            if (!counted && counted.error().code != ErrorCode::ARCHIVE_UNAVAILABLE)
                return counted.error();
            if (!counted)
                qCWarning(lcStore) << "conversation" << conversationId << counted.error().message;
            out->set_unread_count(out->unread_count() + count);
        }
    }
    return {};
}

Result<pb::SyncPage> SqlStore::sync(quint64 userId, const QHash<quint64, quint64> &cursors,
                                    int pageSize)
{
    struct Membership
    {
        quint64 conversationId;
        quint64 lastSeq; // or, for a member who left, the entry that recorded it
        quint64 joinedSeq; // or where retention stopped, if later
        quint64 archivedSeq;
        quint64 purgedSeq;
    };
    QList<Membership> memberships;
    {
        auto &select =
            query("SELECT c.conversation_id, COALESCE(m.left_seq, c.last_seq), "
                  "CASE WHEN c.purged_seq > m.joined_seq THEN c.purged_seq ELSE m.joined_seq END, "
                  "c.archived_seq, c.purged_seq FROM members m "
                  "JOIN conversations c ON c.conversation_id = m.conversation_id "
                  "WHERE m.user_id = ? ORDER BY c.conversation_id");
        select.bindValue(0, id(userId));
        if (auto done = exec(select); !done)
            return done.error();
        const Finished finished(select);
        while (select.next()) {
            memberships.append({ select.value(0).toULongLong(), select.value(1).toULongLong(),
                                 select.value(2).toULongLong(), select.value(3).toULongLong(),
                                 select.value(4).toULongLong() });
        }
    }

    pb::SyncPage page;
    int remaining = std::max(1, pageSize);
    auto &messages = query("SELECT " CONFAB_MESSAGE_COLUMNS
                           " FROM messages WHERE conversation_id = ? AND seq > ? "
                           "AND seq <= ? ORDER BY seq LIMIT ?");
    for (const Membership &membership : memberships) {
        const quint64 from =
            std::max(cursors.value(membership.conversationId, 0), membership.joinedSeq);
        const bool behind = membership.lastSeq > from;
        if (behind && remaining == 0) {
            page.set_has_more(true);
            break;
        }
        int fetched = 0;
        if (behind && from < membership.archivedSeq) {
            // What is older than the database holds comes from the archive, in the same order.
            auto archived = archivedMessages(membership.conversationId, from,
                                             std::min(membership.archivedSeq, membership.lastSeq),
                                             remaining, false);
            if (!archived && archived.error().code == ErrorCode::ARCHIVE_UNAVAILABLE) {
                // Not this conversation now (its cursor stays where it is, so nothing is
                // skipped for good); the others sync as usual. History says why.
                qCWarning(lcStore)
                    << "sync of conversation" << membership.conversationId << "for user" << userId
                    << "held back:" << archived.error().message;
                continue;
            }
            if (!archived)
                return archived.error();
            for (pb::Message &message : archived.value())
                *page.add_messages() = std::move(message);
            fetched += int(archived.value().size());
            remaining -= int(archived.value().size());
        }
        // Newer than the archive: from memory when the recent cache holds all of it.
        const quint64 after = std::max(from, membership.archivedSeq);
        QList<pb::Message> cached;
        if (!behind || remaining == 0 || membership.lastSeq <= after) {
            // nothing more here
        } else if (m_recent->read(membership.conversationId, after, membership.lastSeq, remaining,
                                  false, &cached)) {
            for (pb::Message &message : cached)
                *page.add_messages() = std::move(message);
            fetched += int(cached.size());
            remaining -= int(cached.size());
        } else {
            messages.bindValue(0, id(membership.conversationId));
            messages.bindValue(1, id(after));
            messages.bindValue(2, id(membership.lastSeq));
            messages.bindValue(3, remaining);
            if (auto done = exec(messages); !done)
                return done.error();
            const int first = page.messages_size();
            while (messages.next())
                readMessage(messages, page.add_messages());
            messages.finish();
            // Archived messages come whole; these have their reactions and files read now.
            for (int i = first; i < page.messages_size(); ++i)
                if (auto done = fillReactions(page.mutable_messages(i)); !done)
                    return done.error();
            const int fromDatabase = page.messages_size() - first;
            fetched += fromDatabase;
            remaining -= fromDatabase;
        }
        if (behind) {
            if (from + quint64(fetched) < membership.lastSeq)
                page.set_has_more(true);
        }
        // A device that holds what retention deleted learns where it stopped (purged_seq).
        if (fetched > 0 || !cursors.contains(membership.conversationId)
            || cursors.value(membership.conversationId) < membership.purgedSeq) {
            if (auto done =
                    fillConversation(page.add_conversations(), membership.conversationId, userId);
                !done)
                return done.error();
        }
        if (page.has_more())
            break;
    }
    return page;
}

Result<pb::HistoryPage> SqlStore::history(quint64 userId, quint64 conversationId, quint64 beforeSeq,
                                          int limit)
{
    limit = std::max(1, limit);
    noticeOtherWriters();
    // The newest pages of a busy conversation come from memory (committed messages only),
    // when it knows the member too: no database at all.
    if (const auto joins = m_joins.constFind(conversationId);
        m_recent->enabled() && joins != m_joins.cend() && joins->contains(userId)) {
        const auto [joined, left] = joins->value(userId);
        quint64 upTo = beforeSeq ? beforeSeq - 1 : m_recent->lastSeq(conversationId);
        if (left)
            upTo = std::min(upTo, left);
        QList<pb::Message> cached;
        if (upTo > joined && m_recent->read(conversationId, joined, upTo, limit, true, &cached)) {
            pb::HistoryPage page;
            page.set_conversation_id(conversationId);
            for (auto it = cached.rbegin(); it != cached.rend(); ++it)
                *page.add_messages() = std::move(*it);
            page.set_has_more(page.messages(0).seq() > joined + 1);
            return page;
        }
    }
    auto member = membership(userId, conversationId);
    if (!member)
        return member.error();
    const quint64 joined = member.value().floor(); // older is not shown, or gone
    if (m_joins.size() >= kMaxCached)
        m_joins.clear();
    m_joins[conversationId].insert(userId, { joined, member.value().leftSeq });
    // The newest page of one who has not left: what the recent cache keeps once committed.
    const bool newest = !beforeSeq && !member.value().leftSeq;
    // A member who left sees what was there until then, and nothing newer.
    const quint64 below = member.value().leftSeq ? member.value().leftSeq + 1 : 0;
    if (!beforeSeq || (below && beforeSeq > below))
        beforeSeq = below;
    const quint64 archived = member.value().archivedSeq;
    pb::HistoryPage page;
    page.set_conversation_id(conversationId);
    auto &select = query("SELECT " CONFAB_MESSAGE_COLUMNS
                         " FROM messages WHERE conversation_id = ? AND seq < ? "
                         "AND seq > ? ORDER BY seq DESC LIMIT ?");
    select.bindValue(0, id(conversationId));
    select.bindValue(1, beforeSeq ? qint64(beforeSeq) : std::numeric_limits<qint64>::max());
    select.bindValue(2, id(std::max(joined, archived)));
    // The newest page fills the recent cache: as much as it keeps, read at once.
    const bool load = newest && m_recent->enabled();
    select.bindValue(3, load ? std::max(limit, m_recent->loadSize()) : limit);
    if (auto done = exec(select); !done)
        return done.error();
    while (select.next())
        readMessage(select, page.add_messages());
    select.finish();
    if (auto done = fillReactions(page.mutable_messages()); !done)
        return done.error();
    // Older than the database holds: the archive goes on where it stops, newest first.
    const quint64 archiveTop = beforeSeq ? std::min(archived, beforeSeq - 1) : archived;
    if (page.messages_size() < limit && archiveTop > joined) {
        auto older = archivedMessages(conversationId, joined, archiveTop,
                                      limit - page.messages_size(), true);
        if (!older)
            return older.error();
        for (pb::Message &message : older.value())
            *page.add_messages() = std::move(message);
    }
    std::reverse(page.mutable_messages()->begin(), page.mutable_messages()->end());
    if (load) {
        m_recent->loaded(conversationId, { page.messages().begin(), page.messages().end() });
        if (m_depth == 0)
            m_recent->apply(); // read outside a transaction: committed already
        if (const int extra = page.messages_size() - limit; extra > 0)
            page.mutable_messages()->DeleteSubrange(0, extra);
    }
    page.set_has_more(page.messages_size() > 0 && page.messages(0).seq() > joined + 1);
    return page;
}

Result<pb::ConversationList> SqlStore::conversations(quint64 userId)
{
    QList<quint64> ids;
    {
        auto &select = query("SELECT c.conversation_id FROM members m JOIN conversations c "
                             "ON c.conversation_id = m.conversation_id WHERE m.user_id = ? "
                             "ORDER BY c.last_activity_ms DESC, c.conversation_id DESC");
        select.bindValue(0, id(userId));
        if (auto done = exec(select); !done)
            return done.error();
        const Finished finished(select);
        while (select.next())
            ids.append(select.value(0).toULongLong());
    }
    pb::ConversationList list;
    for (quint64 conversationId : ids)
        if (auto done = fillConversation(list.add_conversations(), conversationId, userId); !done)
            return done.error();
    return list;
}

Result<pb::Conversation> SqlStore::conversationSnapshot(quint64 conversationId)
{
    pb::Conversation snapshot;
    if (auto done = fillConversation(&snapshot, conversationId, 0); !done)
        return done.error();
    return snapshot;
}

// ----- groups
// -------------------------------------------------------------------------------------

Result<QList<quint64>> SqlStore::activeMembers(quint64 conversationId)
{
    auto members = memberIds(conversationId);
    if (members && members.value().isEmpty())
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such conversation") };
    return members;
}

Result<QList<quint64>> SqlStore::resolveUsers(const QList<quint64> &ids, const QStringList &names)
{
    QList<quint64> result;
    for (quint64 userId : ids) {
        auto user = userById(userId);
        if (!user)
            return user.error();
        if (!result.contains(userId))
            result.append(userId);
    }
    for (const QString &name : names) {
        auto user = userByName(name.toLower());
        if (!user)
            return Error { user.error().code, QStringLiteral("no user named %1").arg(name) };
        if (!result.contains(user.value().userId))
            result.append(user.value().userId);
    }
    return result;
}

Result<GroupChanged> SqlStore::changeGroup(const GroupChange &change, quint64 messageId,
                                           qint64 nowMs)
{
    if (auto begun = begin(); !begun)
        return begun.error();
    auto changed = applyGroupChange(change, messageId, nowMs);
    m_membersById.remove(change.conversationId); // as it was read while changing it
    m_joins.remove(change.conversationId);
    if (changed) {
        const quint64 id = changed.value().conversation.conversation_id(); // maybe a new group
        m_membersById.remove(id);
        m_joins.remove(id);
        m_recent->invalidate(id);
    }
    if (changed) {
        if (auto committed = commit(); !committed)
            changed = committed.error();
    }
    if (!changed)
        rollback();
    return changed;
}

Result<GroupChanged> SqlStore::applyGroupChange(const GroupChange &change, quint64 messageId,
                                                qint64 nowMs)
{
    using Kind = GroupChange::Kind;
    GroupChanged result;
    const QString title = change.title.trimmed();
    if ((change.kind == Kind::Create || change.kind == Kind::Rename) && title.isEmpty())
        return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("a group needs a name") };

    pb::GroupEvent event;
    QByteArray clientId = QUuid::createUuid().toRfc4122();
    quint64 conversationId = change.conversationId;
    if (change.kind != Kind::Create) {
        // Held first: roles and members stay as read while this changes them.
        if (auto locked = lockConversation(conversationId); !locked)
            return locked.error();
    }
    QList<quint64> alsoTold; // removed or leaving: they get the entry that records it
    auto setRole = [this, &conversationId](quint64 userId, int role) {
        auto &update =
            query("UPDATE members SET role = ? WHERE conversation_id = ? AND user_id = ?");
        update.bindValue(0, role);
        update.bindValue(1, id(conversationId));
        update.bindValue(2, id(userId));
        return exec(update);
    };
    auto markLeft = [this, &conversationId](quint64 userId, quint64 atSeq) {
        m_membersById.remove(conversationId);
        auto &update = query("UPDATE members SET left_seq = ?, role = 0 WHERE conversation_id = ? "
                             "AND user_id = ?");
        update.bindValue(0, id(atSeq));
        update.bindValue(1, id(conversationId));
        update.bindValue(2, id(userId));
        return exec(update);
    };

    if (change.kind == Kind::Create) {
        clientId = change.clientId;
        // Idempotency: the CREATED entry carries the request's client id.
        auto &original =
            query("SELECT conversation_id, event IS NOT NULL AND seq = 1 FROM messages "
                  "WHERE sender_id = ? AND client_id = ?");
        original.bindValue(0, id(change.actorId));
        original.bindValue(1, clientId);
        if (auto done = exec(original); !done)
            return done.error();
        if (original.next()) {
            conversationId = original.value(0).toULongLong();
            const bool created = original.value(1).toBool();
            original.finish();
            if (!created) // client ids are one space: this one named a message
                return Error { ErrorCode::INVALID_ARGUMENT,
                               QStringLiteral("the client id was used for something else") };
            result.appended.duplicate = true;
            if (auto done = fillConversation(&result.conversation, conversationId, change.actorId);
                !done)
                return done.error();
            return result;
        }
        original.finish();
        auto invited = resolveUsers(change.userIds, change.usernames);
        if (!invited)
            return invited.error();
        QList<quint64> members { change.actorId };
        for (quint64 userId : invited.value())
            if (userId != change.actorId)
                members.append(userId);
        if (members.size() > change.maxMembers)
            return Error {
                ErrorCode::GROUP_FULL,
                QStringLiteral("a group has at most %1 members").arg(change.maxMembers)
            };
        auto created = createConversation(pb::CONVERSATION_KIND_GROUP, title, {}, members,
                                          change.actorId, nowMs);
        if (!created)
            return created.error();
        conversationId = created.value();
        event.set_kind(pb::GroupEvent::CREATED);
        event.set_title(title.toStdString());
        for (quint64 userId : members)
            event.add_user_ids(userId);
    } else {
        auto actor = membership(change.actorId, conversationId);
        if (!actor)
            return actor.error();
        const Membership &a = actor.value();
        // Retention is the one setting a direct chat has too (either member sets it).
        if (a.kind != pb::CONVERSATION_KIND_GROUP && change.kind != Kind::SetRetention)
            return Error { ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("conversation %1 is not a group").arg(conversationId) };
        if (a.leftSeq)
            return Error { ErrorCode::FORBIDDEN, QStringLiteral("you are no longer a member") };
        const bool canManage = a.role >= pb::ROLE_ADMIN;
        const quint64 nextSeq = a.lastSeq + 1; // the seq the entry recording this change gets
        auto target = [&]() -> Result<Membership> {
            if (change.userIds.size() != 1)
                return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("name one member") };
            if (change.userIds.first() == change.actorId)
                return Error { ErrorCode::INVALID_ARGUMENT,
                               QStringLiteral("use LeaveGroup to leave a group") };
            auto member = membership(change.userIds.first(), conversationId);
            if (!member || member.value().leftSeq)
                return Error { ErrorCode::NOT_FOUND, QStringLiteral("not a member of the group") };
            return member;
        };

        switch (change.kind) {
        case Kind::Create:
            break;
        case Kind::Rename: {
            if (!canManage)
                return Error { ErrorCode::FORBIDDEN,
                               QStringLiteral("only the owner and admins can rename the group") };
            pb::Conversation current;
            if (auto done = fillConversation(&current, conversationId, 0); !done)
                return done.error();
            if (QString::fromStdString(current.title()) == title)
                break; // nothing changes: no entry
            auto &rename = query("UPDATE conversations SET title = ? WHERE conversation_id = ?");
            rename.bindValue(0, title);
            rename.bindValue(1, id(conversationId));
            if (auto done = exec(rename); !done)
                return done.error();
            event.set_kind(pb::GroupEvent::RENAMED);
            event.set_title(title.toStdString());
            break;
        }
        case Kind::AddMembers: {
            if (!canManage)
                return Error { ErrorCode::FORBIDDEN,
                               QStringLiteral("only the owner and admins can add members") };
            auto invited = resolveUsers(change.userIds, change.usernames);
            if (!invited)
                return invited.error();
            auto current = memberIds(conversationId);
            if (!current)
                return current.error();
            QList<quint64> joining;
            for (quint64 userId : invited.value())
                if (!current.value().contains(userId))
                    joining.append(userId);
            if (joining.isEmpty())
                break;
            if (current.value().size() + joining.size() > change.maxMembers)
                return Error {
                    ErrorCode::GROUP_FULL,
                    QStringLiteral("a group has at most %1 members").arg(change.maxMembers)
                };
            // Joiners see the conversation from the entry that adds them (DESIGN.md §5).
            auto &join =
                query("INSERT INTO members (conversation_id, user_id, role, joined_seq, "
                      "read_seq, delivered_seq) VALUES (?, ?, 0, ?, ?, ?) "
                      "ON CONFLICT (conversation_id, user_id) DO UPDATE SET role = 0, "
                      "left_seq = NULL, joined_seq = excluded.joined_seq, "
                      "read_seq = excluded.read_seq, delivered_seq = excluded.delivered_seq");
            m_membersById.remove(conversationId);
            for (quint64 userId : joining) {
                join.bindValue(0, id(conversationId));
                join.bindValue(1, id(userId));
                join.bindValue(2, id(a.lastSeq));
                join.bindValue(3, id(a.lastSeq));
                join.bindValue(4, id(a.lastSeq));
                if (auto done = exec(join); !done)
                    return done.error();
                event.add_user_ids(userId);
            }
            event.set_kind(pb::GroupEvent::MEMBERS_ADDED);
            break;
        }
        case Kind::RemoveMember: {
            auto removed = target();
            if (!removed)
                return removed.error();
            const bool allowed = a.role == pb::ROLE_OWNER
                || (a.role == pb::ROLE_ADMIN && removed.value().role == pb::ROLE_MEMBER);
            if (!allowed)
                return Error { ErrorCode::FORBIDDEN,
                               QStringLiteral("your role does not allow removing this member") };
            const quint64 userId = change.userIds.first();
            if (auto done = markLeft(userId, nextSeq); !done)
                return done.error();
            alsoTold.append(userId);
            event.set_kind(pb::GroupEvent::MEMBER_REMOVED);
            event.add_user_ids(userId);
            break;
        }
        case Kind::Leave: {
            if (auto done = markLeft(change.actorId, nextSeq); !done)
                return done.error();
            alsoTold.append(change.actorId);
            event.set_kind(pb::GroupEvent::MEMBER_LEFT);
            if (a.role == pb::ROLE_OWNER) {
                // A group always has an owner: the senior admin, else the senior member.
                auto &heir = query("SELECT user_id FROM members WHERE conversation_id = ? AND "
                                   "left_seq IS NULL ORDER BY role DESC, joined_seq, user_id "
                                   "LIMIT 1");
                heir.bindValue(0, id(conversationId));
                if (auto done = exec(heir); !done)
                    return done.error();
                const quint64 heirId = heir.next() ? heir.value(0).toULongLong() : 0;
                heir.finish();
                if (heirId) {
                    if (auto done = setRole(heirId, pb::ROLE_OWNER); !done)
                        return done.error();
                    event.add_user_ids(heirId);
                }
            }
            break;
        }
        case Kind::SetRole: {
            if (a.role != pb::ROLE_OWNER)
                return Error { ErrorCode::FORBIDDEN,
                               QStringLiteral("only the owner can change roles") };
            auto member = target();
            if (!member)
                return member.error();
            if (change.role < pb::ROLE_MEMBER || change.role > pb::ROLE_OWNER)
                return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("unknown role") };
            if (member.value().role == change.role)
                break;
            const quint64 userId = change.userIds.first();
            if (auto done = setRole(userId, change.role); !done)
                return done.error();
            if (change.role == pb::ROLE_OWNER) // handing over: the old owner stays an admin
                if (auto done = setRole(change.actorId, pb::ROLE_ADMIN); !done)
                    return done.error();
            event.set_kind(pb::GroupEvent::ROLE_CHANGED);
            event.add_user_ids(userId);
            event.set_role(change.role);
            break;
        }
        case Kind::SetRetention: {
            if (a.kind == pb::CONVERSATION_KIND_GROUP && !canManage)
                return Error { ErrorCode::FORBIDDEN,
                               QStringLiteral("only the owner and admins can change how long "
                                              "the group's messages are kept") };
            const quint32 days = change.retentionDays;
            const quint32 longest = change.maxRetentionDays ? change.maxRetentionDays : 36'500;
            if (days != 0 && (days < change.minRetentionDays || days > longest))
                return Error { ErrorCode::INVALID_ARGUMENT,
                               QStringLiteral("retention is 0 (off) or %1 to %2 days")
                                   .arg(change.minRetentionDays)
                                   .arg(longest) };
            pb::Conversation current;
            if (auto done = fillConversation(&current, conversationId, 0); !done)
                return done.error();
            if (current.retention_days() == days)
                break; // nothing changes: no entry
            auto &update =
                query("UPDATE conversations SET retention_days = ? WHERE conversation_id = ?");
            update.bindValue(0, days);
            update.bindValue(1, id(conversationId));
            if (auto done = exec(update); !done)
                return done.error();
            event.set_kind(pb::GroupEvent::RETENTION_SET);
            event.set_retention_days(days);
            break;
        }
        }
    }

    if (event.kind() != pb::GroupEvent::KIND_UNSPECIFIED) {
        auto entry = appendEntry(conversationId, change.actorId, clientId, {}, &event, messageId,
                                 nowMs, EntryExtras {});
        if (!entry)
            return entry.error();
        result.appended.message = std::move(entry).value();
        auto members = memberIds(conversationId);
        if (!members)
            return members.error();
        result.appended.memberIds = std::move(members).value();
        for (quint64 userId : alsoTold)
            if (!result.appended.memberIds.contains(userId))
                result.appended.memberIds.append(userId);
    }
    if (auto done = fillConversation(&result.conversation, conversationId, change.actorId); !done)
        return done.error();
    if (auto done = fillConversation(&result.snapshot, conversationId, 0); !done)
        return done.error();
    return result;
}

// ----- receipts and presence
// ----------------------------------------------------------------------

Result<ReceiptChange> SqlStore::updateReceipt(quint64 userId, quint64 conversationId,
                                              quint64 deliveredSeq, quint64 readSeq)
{
    auto member = membership(userId, conversationId);
    if (!member)
        return member.error();
    const Membership &m = member.value();
    const quint64 upTo = m.leftSeq ? m.leftSeq : m.lastSeq;
    readSeq = std::min(readSeq, upTo);
    deliveredSeq = std::min(std::max(deliveredSeq, readSeq), upTo);

    ReceiptChange change;
    auto &update = query("UPDATE members SET delivered_seq = CASE WHEN delivered_seq > ? THEN "
                         "delivered_seq ELSE ? END, read_seq = CASE WHEN read_seq > ? THEN "
                         "read_seq ELSE ? END WHERE conversation_id = ? AND user_id = ? "
                         "AND (delivered_seq < ? OR read_seq < ?) "
                         "RETURNING delivered_seq, read_seq");
    update.bindValue(0, id(deliveredSeq));
    update.bindValue(1, id(deliveredSeq));
    update.bindValue(2, id(readSeq));
    update.bindValue(3, id(readSeq));
    update.bindValue(4, id(conversationId));
    update.bindValue(5, id(userId));
    update.bindValue(6, id(deliveredSeq));
    update.bindValue(7, id(readSeq));
    if (auto done = exec(update); !done)
        return done.error();
    change.receipt.set_conversation_id(conversationId);
    change.receipt.set_user_id(userId);
    if (update.next()) {
        change.moved = true;
        change.receipt.set_delivered_seq(update.value(0).toULongLong());
        change.receipt.set_read_seq(update.value(1).toULongLong());
    }
    update.finish();
    if (!change.moved)
        return change;
    auto members = memberIds(conversationId);
    if (!members)
        return members.error();
    change.memberIds = std::move(members).value();
    if (!change.memberIds.contains(userId))
        change.memberIds.append(userId); // the user's other devices
    return change;
}

Result<QList<quint64>> SqlStore::contactsOf(quint64 userId)
{
    auto &select = query("SELECT DISTINCT other.user_id FROM members mine JOIN members other "
                         "ON other.conversation_id = mine.conversation_id WHERE mine.user_id = ? "
                         "AND mine.left_seq IS NULL AND other.left_seq IS NULL "
                         "AND other.user_id <> mine.user_id");
    select.bindValue(0, id(userId));
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QList<quint64> contacts;
    while (select.next())
        contacts.append(select.value(0).toULongLong());
    return contacts;
}

Result<QHash<quint64, qint64>> SqlStore::lastSeen(const QList<quint64> &userIds)
{
    // One statement for any number of ids: they travel as one JSON array.
    QHash<quint64, qint64> result;
    if (userIds.isEmpty())
        return result;
    QByteArray ids = "[";
    for (quint64 userId : userIds)
        ids += QByteArray::number(userId) + ',';
    ids.back() = ']';
    auto &select = m_engine == Engine::Sqlite
        ? query("SELECT user_id, last_seen_ms FROM users "
                "WHERE user_id IN (SELECT value FROM json_each(?))")
        : query("SELECT user_id, last_seen_ms FROM users WHERE user_id IN "
                "(SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST(? AS json)))");
    select.bindValue(0, QString::fromLatin1(ids));
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    while (select.next())
        result.insert(select.value(0).toULongLong(), select.value(1).toLongLong());
    return result;
}

Result<void> SqlStore::setLastSeen(quint64 userId, qint64 nowMs)
{
    auto &update = query("UPDATE users SET last_seen_ms = ? WHERE user_id = ?");
    update.bindValue(0, nowMs);
    update.bindValue(1, id(userId));
    return exec(update);
}

Result<pb::NotificationPrefs> SqlStore::notificationPrefs(quint64 userId)
{
    auto &select = query("SELECT prefs, version FROM notification_prefs WHERE user_id = ?");
    select.bindValue(0, id(userId));
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    pb::NotificationPrefs prefs;
    if (!select.next())
        return prefs; // never set: the defaults, version 0
    const QByteArray bytes = select.value(0).toByteArray();
    if (!prefs.ParseFromArray(bytes.constData(), int(bytes.size())))
        prefs.Clear(); // unreadable: the defaults rather than nothing
    prefs.set_version(select.value(1).toULongLong());
    return prefs;
}

Result<pb::NotificationPrefs> SqlStore::setNotificationPrefs(quint64 userId,
                                                             const pb::NotificationPrefs &prefs)
{
    auto current = notificationPrefs(userId);
    if (!current)
        return current.error();
    pb::NotificationPrefs stored = prefs;
    stored.set_version(current.value().version() + 1);
    const std::string bytes = stored.SerializeAsString();
    auto &upsert = query(
        "INSERT INTO notification_prefs (user_id, prefs, version, digest_to) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET prefs = excluded.prefs, "
        "version = excluded.version, digest_to = excluded.digest_to");
    upsert.bindValue(0, id(userId));
    upsert.bindValue(1, QByteArray::fromStdString(bytes));
    upsert.bindValue(2, id(stored.version()));
    const bool digests = !stored.no_email_digest() && !stored.digest_email().empty();
    upsert.bindValue(3,
                     digests ? QVariant(QString::fromStdString(stored.digest_email()))
                             : QVariant(QMetaType(QMetaType::QString)));
    if (auto done = exec(upsert); !done)
        return done.error();
    return stored;
}

// ----- email digests
// ------------------------------------------------------------------------------

Result<QList<DigestCandidate>> SqlStore::digestCandidates(quint64 afterUserId, qint64 seenBeforeMs,
                                                          qint64 sentBeforeMs, int limit)
{
    auto &select = query(
        "SELECT p.user_id, u.username, p.prefs, COALESCE(d.covered_ms, 0) "
        "FROM notification_prefs p JOIN users u ON u.user_id = p.user_id "
        "LEFT JOIN digest_state d ON d.user_id = p.user_id "
        "WHERE p.digest_to IS NOT NULL AND u.disabled = 0 AND u.last_seen_ms <= ? "
        "AND COALESCE(d.last_queued_ms, 0) <= ? AND p.user_id > ? ORDER BY p.user_id LIMIT ?");
    select.bindValue(0, seenBeforeMs);
    select.bindValue(1, sentBeforeMs);
    select.bindValue(2, id(afterUserId));
    select.bindValue(3, limit);
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QList<DigestCandidate> candidates;
    while (select.next()) {
        DigestCandidate candidate;
        candidate.userId = select.value(0).toULongLong();
        candidate.username = select.value(1).toString();
        const QByteArray prefs = select.value(2).toByteArray();
        if (!candidate.prefs.ParseFromArray(prefs.constData(), int(prefs.size())))
            continue; // cannot be: the server wrote it
        candidate.coveredMs = select.value(3).toLongLong();
        candidates.append(std::move(candidate));
    }
    return candidates;
}

Result<QList<DigestItem>> SqlStore::unreadForDigest(quint64 userId, qint64 afterMs, int limit)
{
    // The user's conversations, each from past the read cursor (and the join).
    auto &select = query(
        "WITH mine AS (SELECT conversation_id AS cid, CASE WHEN read_seq > joined_seq THEN "
        "read_seq ELSE joined_seq END AS past "
        "FROM members WHERE user_id = ? AND left_seq IS NULL) "
        "SELECT " CONFAB_MESSAGE_COLUMNS ", "
        "(SELECT c.kind FROM conversations c WHERE c.conversation_id = messages.conversation_id), "
        "(SELECT c.title FROM conversations c WHERE c.conversation_id = messages.conversation_id), "
        "(SELECT COALESCE(NULLIF(s.display_name, ''), s.username) FROM users s "
        "WHERE s.user_id = messages.sender_id) "
        "FROM messages JOIN mine ON messages.conversation_id = mine.cid AND seq > mine.past "
        "WHERE sender_id <> ? AND event IS NULL AND change IS NULL AND deleted = 0 "
        "AND server_time_ms > ? ORDER BY server_time_ms, message_id LIMIT ?");
    select.bindValue(0, id(userId));
    select.bindValue(1, id(userId));
    select.bindValue(2, afterMs);
    select.bindValue(3, limit);
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QList<DigestItem> items;
    while (select.next()) {
        DigestItem item;
        readMessage(select, &item.message);
        item.message.clear_attachments(); // the digest names no files
        item.direct = select.value(17).toInt() == pb::CONVERSATION_KIND_DIRECT;
        item.conversationTitle = select.value(18).toString();
        item.senderName = select.value(19).toString();
        items.append(std::move(item));
    }
    return items;
}

Result<quint64> SqlStore::queueDigest(const OutgoingEmail &email, qint64 coveredMs, qint64 nowMs)
{
    if (auto begun = begin(); !begun)
        return begun.error();
    auto queued = [&]() -> Result<quint64> {
        auto &insert = query("INSERT INTO email_outbox (user_id, to_addr, subject, body, "
                             "created_ms, next_attempt_ms) VALUES (?, ?, ?, ?, ?, ?) "
                             "RETURNING email_id");
        insert.bindValue(0, id(email.userId));
        insert.bindValue(1, email.to);
        insert.bindValue(2, email.subject);
        insert.bindValue(3, email.body);
        insert.bindValue(4, nowMs);
        insert.bindValue(5, nowMs);
        if (auto done = exec(insert); !done)
            return done.error();
        quint64 emailId = 0;
        {
            const Finished finished(insert);
            if (!insert.next())
                return sqlError(insert);
            emailId = insert.value(0).toULongLong();
        }
        auto &state =
            query("INSERT INTO digest_state (user_id, last_queued_ms, covered_ms) "
                  "VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                  "last_queued_ms = excluded.last_queued_ms, "
                  "covered_ms = CASE WHEN digest_state.covered_ms > excluded.covered_ms THEN "
                  "digest_state.covered_ms ELSE excluded.covered_ms END");
        state.bindValue(0, id(email.userId));
        state.bindValue(1, nowMs);
        state.bindValue(2, coveredMs);
        if (auto done = exec(state); !done)
            return done.error();
        return emailId;
    }();
    if (!queued) {
        rollback();
        return queued;
    }
    if (auto committed = commit(); !committed) {
        rollback();
        return committed.error();
    }
    return queued;
}

Result<QList<OutgoingEmail>> SqlStore::dueEmails(qint64 nowMs, int limit)
{
    auto &select = query("SELECT email_id, user_id, to_addr, subject, body, created_ms, attempts "
                         "FROM email_outbox WHERE next_attempt_ms <= ? "
                         "ORDER BY next_attempt_ms, email_id LIMIT ?");
    select.bindValue(0, nowMs);
    select.bindValue(1, limit);
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QList<OutgoingEmail> emails;
    while (select.next()) {
        OutgoingEmail email;
        email.emailId = select.value(0).toULongLong();
        email.userId = select.value(1).toULongLong();
        email.to = select.value(2).toString();
        email.subject = select.value(3).toString();
        email.body = select.value(4).toString();
        email.createdMs = select.value(5).toLongLong();
        email.attempts = select.value(6).toInt();
        emails.append(std::move(email));
    }
    return emails;
}

Result<void> SqlStore::emailSent(quint64 emailId)
{
    auto &remove = query("DELETE FROM email_outbox WHERE email_id = ?");
    remove.bindValue(0, id(emailId));
    return exec(remove);
}

Result<void> SqlStore::emailFailed(quint64 emailId, qint64 nextAttemptMs, const QString &error)
{
    auto &update = query("UPDATE email_outbox SET attempts = attempts + 1, next_attempt_ms = ?, "
                         "last_error = ? WHERE email_id = ?");
    update.bindValue(0, nextAttemptMs);
    update.bindValue(1, error.left(1000));
    update.bindValue(2, id(emailId));
    return exec(update);
}

Result<int> SqlStore::pendingEmails()
{
    auto &select = query("SELECT COUNT(*) FROM email_outbox");
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    if (!select.next())
        return sqlError(select);
    return select.value(0).toInt();
}

Result<Stats> SqlStore::stats()
{
    Stats stats;
    stats.schemaVersion = m_schemaVersion;
    auto &select = query(
        "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM users WHERE disabled <> 0), "
        "(SELECT COUNT(*) FROM conversations), (SELECT COUNT(*) FROM messages), "
        "(SELECT COUNT(*) FROM tokens WHERE expires_ms > ?), COUNT(*), "
        "COALESCE(SUM(messages), 0), COALESCE(SUM(bytes), 0), COALESCE(SUM(raw_bytes), 0) "
        "FROM archive_segments");
    select.bindValue(0, QDateTime::currentMSecsSinceEpoch());
    if (auto done = exec(select); !done)
        return done.error();
    {
        const Finished finished(select);
        if (!select.next())
            return sqlError(select);
        stats.users = select.value(0).toLongLong();
        stats.disabledUsers = select.value(1).toLongLong();
        stats.conversations = select.value(2).toLongLong();
        stats.messages = select.value(3).toLongLong();
        stats.activeTokens = select.value(4).toLongLong();
        stats.archiveSegments = select.value(5).toLongLong();
        stats.archivedMessages = select.value(6).toLongLong();
        stats.archiveBytes = select.value(7).toLongLong();
        stats.archiveRawBytes = select.value(8).toLongLong();
    }
    if (const qint64 bytes = databaseBytes(); bytes >= 0)
        stats.databaseBytes = bytes;
    return stats;
}

Result<SqlStore::CheckReport> SqlStore::check()
{
    CheckReport report;
    if (auto checked = checkEngine(&report); !checked)
        return checked.error();
    QSqlQuery run(m_db);
    run.setForwardOnly(true);
    // With (conversation_id, seq) unique, count = max - archived = last_seq - archived and
    // min = archived + 1 mean archived+1..last_seq; the archive's segments hold 1..archived.
    if (!run.exec(QStringLiteral(
            "SELECT c.conversation_id, c.last_seq, COUNT(m.seq), COALESCE(MIN(m.seq), 0), "
            "COALESCE(MAX(m.seq), 0), c.archived_seq, c.purged_seq FROM conversations c "
            "LEFT JOIN messages m ON m.conversation_id = c.conversation_id "
            "GROUP BY c.conversation_id")))
        return sqlError(run);
    while (run.next()) {
        ++report.conversations;
        const qint64 lastSeq = run.value(1).toLongLong();
        const qint64 count = run.value(2).toLongLong();
        const qint64 archived = run.value(5).toLongLong();
        const qint64 purged = run.value(6).toLongLong();
        report.messages += count;
        if (purged > archived || archived > lastSeq)
            report.problems << QStringLiteral("conversation %1: deleted up to %2, archived up to "
                                              "%3, last %4: not in that order")
                                   .arg(run.value(0).toString())
                                   .arg(purged)
                                   .arg(archived)
                                   .arg(lastSeq);
        if (count != lastSeq - archived
            || (count > 0
                && (run.value(4).toLongLong() != lastSeq
                    || run.value(3).toLongLong() != archived + 1))) {
            report.problems << QStringLiteral("conversation %1: seqs are not 1..%2 without gaps "
                                              "(%3 entries, from %4 to %5)")
                                   .arg(run.value(0).toString())
                                   .arg(lastSeq)
                                   .arg(count)
                                   .arg(run.value(3).toLongLong())
                                   .arg(run.value(4).toLongLong());
        }
    }
    // The archive's segments of each conversation run from where retention stopped (1 when it
    // never did) to archived_seq without a gap or overlap.
    {
        QHash<quint64, quint64> purged;
        if (!run.exec(QStringLiteral("SELECT conversation_id, purged_seq FROM conversations "
                                     "WHERE purged_seq > 0")))
            return sqlError(run);
        while (run.next())
            purged.insert(run.value(0).toULongLong(), run.value(1).toULongLong());
        auto segments = archiveSegments(0);
        if (!segments)
            return segments.error();
        QHash<quint64, quint64> reached;
        for (const SegmentRecord &segment : segments.value()) {
            const Archive::SegmentInfo &info = segment.info;
            const quint64 expected =
                reached.value(info.conversationId, purged.value(info.conversationId)) + 1;
            if (info.firstSeq != expected || info.lastSeq < info.firstSeq
                || info.lastSeq - info.firstSeq + 1 != quint64(info.messages))
                report.problems << QStringLiteral("conversation %1: archive segment %2 holds "
                                                  "seqs %3..%4 (%5 messages); expected from %6")
                                       .arg(info.conversationId)
                                       .arg(segment.file)
                                       .arg(info.firstSeq)
                                       .arg(info.lastSeq)
                                       .arg(info.messages)
                                       .arg(expected);
            reached[info.conversationId] = info.lastSeq;
        }
        if (!run.exec(QStringLiteral("SELECT conversation_id, archived_seq FROM conversations "
                                     "WHERE archived_seq > 0")))
            return sqlError(run);
        while (run.next()) {
            const quint64 conversationId = run.value(0).toULongLong();
            if (reached.value(conversationId, purged.value(conversationId))
                != run.value(1).toULongLong())
                report.problems << QStringLiteral("conversation %1: archived up to %2, but its "
                                                  "segments reach %3")
                                       .arg(conversationId)
                                       .arg(run.value(1).toULongLong())
                                       .arg(reached.value(conversationId));
            reached.remove(conversationId);
        }
        for (auto it = reached.cbegin(); it != reached.cend(); ++it)
            report.problems << QStringLiteral("conversation %1: segments up to %2, but nothing "
                                              "is archived")
                                   .arg(it.key())
                                   .arg(it.value());
    }
    // Nothing of what retention deleted is left: files of its messages neither.
    if (!run.exec(QStringLiteral("SELECT a.conversation_id, COUNT(*) FROM attachments a JOIN "
                                 "conversations c ON c.conversation_id = a.conversation_id "
                                 "WHERE a.seq <= c.purged_seq GROUP BY a.conversation_id")))
        return sqlError(run);
    while (run.next())
        report.problems << QStringLiteral("conversation %1: %2 files of deleted messages are left")
                               .arg(run.value(0).toString(), run.value(1).toString());
    if (!run.exec(
            QStringLiteral("SELECT m.conversation_id, m.user_id FROM members m "
                           "JOIN conversations c ON c.conversation_id = m.conversation_id "
                           "WHERE m.read_seq > c.last_seq OR m.delivered_seq > c.last_seq "
                           "OR m.joined_seq > c.last_seq OR COALESCE(m.left_seq, 0) > c.last_seq")))
        return sqlError(run);
    while (run.next()) {
        report.problems << QStringLiteral("conversation %1: member %2 has a cursor past its end")
                               .arg(run.value(0).toString(), run.value(1).toString());
    }
    if (!run.exec(QStringLiteral("SELECT c.conversation_id, COUNT(m.user_id) FROM conversations c "
                                 "LEFT JOIN members m ON m.conversation_id = c.conversation_id "
                                 "WHERE c.kind = %1 GROUP BY c.conversation_id "
                                 "HAVING COUNT(m.user_id) <> 2")
                      .arg(int(pb::CONVERSATION_KIND_DIRECT))))
        return sqlError(run);
    while (run.next()) {
        report.problems << QStringLiteral("direct conversation %1 has %2 members, not 2")
                               .arg(run.value(0).toString(), run.value(1).toString());
    }
    return report;
}

Result<QList<SqlStore::GroupSummary>> SqlStore::groups(quint64 conversationId)
{
    QSqlQuery select(m_db);
    select.setForwardOnly(true);
    if (!select.prepare(QStringLiteral(
            "SELECT c.conversation_id, c.title, c.last_seq, u.username, m.role "
            "FROM conversations c "
            "LEFT JOIN members m ON m.conversation_id = c.conversation_id AND m.left_seq IS NULL "
            "LEFT JOIN users u ON u.user_id = m.user_id "
            "WHERE c.kind = ? AND (? = 0 OR c.conversation_id = ?) "
            "ORDER BY c.conversation_id, m.role DESC, u.username")))
        return sqlError(select);
    select.bindValue(0, int(pb::CONVERSATION_KIND_GROUP));
    select.bindValue(1, id(conversationId));
    select.bindValue(2, id(conversationId));
    if (!select.exec())
        return sqlError(select);
    QList<GroupSummary> found;
    while (select.next()) {
        const quint64 groupId = select.value(0).toULongLong();
        if (found.isEmpty() || found.last().conversationId != groupId) {
            GroupSummary group;
            group.conversationId = groupId;
            group.title = select.value(1).toString();
            group.lastSeq = select.value(2).toULongLong();
            found.append(group);
        }
        if (!select.value(3).isNull())
            found.last().members.append({ select.value(3).toString(), select.value(4).toInt() });
    }
    if (conversationId != 0 && found.isEmpty())
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no group %1").arg(conversationId) };
    return found;
}

// ----- the cold archive (PROTOCOL.md §16)
// ----------------------------------------------------------------------------------------

QString SqlStore::archivePath(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("archive"));
}

namespace {

QString monthOf(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(QStringLiteral("yyyy-MM"));
}

} // namespace

Result<QList<quint64>> SqlStore::archivableConversations(quint64 afterConversationId,
                                                         qint64 cutoffMs, int limit)
{
    // The oldest message left in the database, by the (conversation_id, seq) index.
    auto &select = query("SELECT conversation_id FROM conversations c WHERE conversation_id > ? "
                         "AND (SELECT m.server_time_ms FROM messages m WHERE m.conversation_id = "
                         "c.conversation_id AND m.seq > c.archived_seq ORDER BY m.seq LIMIT 1) < ? "
                         "ORDER BY conversation_id LIMIT ?");
    select.bindValue(0, id(afterConversationId));
    select.bindValue(1, cutoffMs);
    select.bindValue(2, std::max(1, limit));
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QList<quint64> ids;
    while (select.next())
        ids.append(select.value(0).toULongLong());
    return ids;
}

Result<ArchiveBatch> SqlStore::archiveBatch(quint64 conversationId, qint64 cutoffMs,
                                            int maxMessages)
{
    // One read transaction: the rows and the last seq they were read at agree.
    const bool own = m_depth == 0;
    if (own) {
        if (auto begun = execOnce(QStringLiteral("BEGIN")); !begun)
            return begun.error();
    }
    auto read = [&]() -> Result<ArchiveBatch> {
        ArchiveBatch batch;
        batch.conversationId = conversationId;
        {
            auto &conversation =
                query("SELECT archived_seq, last_seq FROM conversations WHERE conversation_id = ?");
            conversation.bindValue(0, id(conversationId));
            if (auto done = exec(conversation); !done)
                return done.error();
            const Finished finished(conversation);
            if (!conversation.next())
                return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such conversation") };
            batch.archivedSeq = conversation.value(0).toULongLong();
            batch.lastSeq = conversation.value(1).toULongLong();
        }
        auto &select = query("SELECT " CONFAB_MESSAGE_COLUMNS " FROM messages WHERE "
                             "conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?");
        select.bindValue(0, id(conversationId));
        select.bindValue(1, id(batch.archivedSeq));
        select.bindValue(2, std::max(1, maxMessages));
        if (auto done = exec(select); !done)
            return done.error();
        {
            const Finished finished(select);
            quint64 expected = batch.archivedSeq + 1;
            while (select.next()) {
                pb::Message message;
                readMessage(select, &message);
                // A prefix, stored before the cutoff, of one month, without a gap.
                if (message.server_time_ms() >= cutoffMs || message.seq() != expected)
                    break;
                const QString month = monthOf(message.server_time_ms());
                if (batch.month.isEmpty())
                    batch.month = month;
                else if (month != batch.month)
                    break;
                batch.messages.append(std::move(message));
                ++expected;
            }
        }
        for (pb::Message &message : batch.messages)
            if (auto done = fillReactions(&message); !done)
                return done.error();
        return batch;
    };
    auto batch = read();
    if (own) {
        // A read transaction left open would hold every later checkpoint back.
        QSqlQuery end(m_db);
        if (!end.exec(QStringLiteral("COMMIT"))) {
            const Error failed = sqlError(end);
            QSqlQuery undo(m_db);
            static_cast<void>(undo.exec(QStringLiteral("ROLLBACK")));
            return failed;
        }
    }
    return batch;
}

Result<void> SqlStore::insertSegment(const SegmentRecord &segment)
{
    const Archive::SegmentInfo &info = segment.info;
    auto &insert = query("INSERT INTO archive_segments (conversation_id, first_seq, last_seq, "
                         "month, file, messages, bytes, raw_bytes, sha256, first_ms, last_ms, "
                         "min_message_id, max_message_id, created_ms) VALUES (?, ?, ?, ?, ?, ?, "
                         "?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bindValue(0, id(info.conversationId));
    insert.bindValue(1, id(info.firstSeq));
    insert.bindValue(2, id(info.lastSeq));
    insert.bindValue(3, segment.month);
    insert.bindValue(4, segment.file);
    insert.bindValue(5, info.messages);
    insert.bindValue(6, info.bytes);
    insert.bindValue(7, info.rawBytes);
    insert.bindValue(8, info.sha256);
    insert.bindValue(9, info.firstMs);
    insert.bindValue(10, info.lastMs);
    insert.bindValue(11, id(info.minMessageId));
    insert.bindValue(12, id(info.maxMessageId));
    insert.bindValue(13, segment.createdMs);
    return exec(insert);
}

Result<void> SqlStore::commitArchive(const ArchiveBatch &batch, const SegmentRecord &segment)
{
    if (batch.messages.isEmpty())
        return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("nothing to archive") };
    const quint64 conversationId = batch.conversationId;
    const quint64 first = batch.messages.first().seq();
    const quint64 last = batch.messages.last().seq();
    if (segment.info.conversationId != conversationId || segment.info.firstSeq != first
        || segment.info.lastSeq != last)
        return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("not the batch's segment") };
    if (auto begun = begin(); !begun)
        return begun;
    auto apply = [&]() -> Result<void> {
        if (auto locked = lockConversation(conversationId); !locked)
            return locked;
        const Error changed {
            ErrorCode::UNAVAILABLE,
            QStringLiteral("conversation %1 changed while it was archived").arg(conversationId)
        };
        {
            auto &state = query("SELECT archived_seq FROM conversations WHERE conversation_id = ?");
            state.bindValue(0, id(conversationId));
            if (auto done = exec(state); !done)
                return done;
            const Finished finished(state);
            if (!state.next() || state.value(0).toULongLong() != batch.archivedSeq)
                return changed;
        }
        {
            // Every row still there, and none changed (edited, deleted, reacted to) since.
            auto &rows = query("SELECT COUNT(*), COALESCE(MAX(changed_seq), 0) FROM messages "
                               "WHERE conversation_id = ? AND seq >= ? AND seq <= ?");
            rows.bindValue(0, id(conversationId));
            rows.bindValue(1, id(first));
            rows.bindValue(2, id(last));
            if (auto done = exec(rows); !done)
                return done;
            const Finished finished(rows);
            if (!rows.next() || rows.value(0).toLongLong() != batch.messages.size()
                || rows.value(1).toULongLong() > batch.lastSeq)
                return changed;
        }
        for (const char *sql :
             { "DELETE FROM reactions WHERE message_id IN (SELECT message_id FROM messages "
               "WHERE conversation_id = ? AND seq >= ? AND seq <= ?)",
               "DELETE FROM messages WHERE conversation_id = ? AND seq >= ? AND seq <= ?" }) {
            auto &remove = query(sql);
            remove.bindValue(0, id(conversationId));
            remove.bindValue(1, id(first));
            remove.bindValue(2, id(last));
            if (auto done = exec(remove); !done)
                return done;
        }
        if (auto done = insertSegment(segment); !done)
            return done;
        auto &advance =
            query("UPDATE conversations SET archived_seq = ? WHERE conversation_id = ?");
        advance.bindValue(0, id(last));
        advance.bindValue(1, id(conversationId));
        return exec(advance);
    };
    if (auto applied = apply(); !applied) {
        rollback();
        return applied;
    }
    if (auto committed = commit(); !committed) {
        rollback();
        return committed;
    }
    return {};
}

Result<QList<SegmentRecord>> SqlStore::archiveSegments(quint64 conversationId)
{
    auto &select = query("SELECT conversation_id, first_seq, last_seq, month, file, messages, "
                         "bytes, raw_bytes, sha256, first_ms, last_ms, min_message_id, "
                         "max_message_id, created_ms FROM archive_segments WHERE "
                         "conversation_id = ? OR ? = 0 ORDER BY conversation_id, first_seq");
    select.bindValue(0, id(conversationId));
    select.bindValue(1, id(conversationId));
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QList<SegmentRecord> segments;
    while (select.next()) {
        SegmentRecord segment;
        Archive::SegmentInfo &info = segment.info;
        info.conversationId = select.value(0).toULongLong();
        info.firstSeq = select.value(1).toULongLong();
        info.lastSeq = select.value(2).toULongLong();
        segment.month = select.value(3).toString();
        segment.file = select.value(4).toString();
        info.messages = select.value(5).toInt();
        info.bytes = select.value(6).toLongLong();
        info.rawBytes = select.value(7).toLongLong();
        info.sha256 = select.value(8).toByteArray();
        info.firstMs = select.value(9).toLongLong();
        info.lastMs = select.value(10).toLongLong();
        info.minMessageId = select.value(11).toULongLong();
        info.maxMessageId = select.value(12).toULongLong();
        segment.createdMs = select.value(13).toLongLong();
        segments.append(std::move(segment));
    }
    return segments;
}

Result<std::shared_ptr<Archive::SegmentReader>>
SqlStore::segmentReader(const SegmentRecord &segment)
{
    const QString path = QDir(archivePath(m_dataDir)).filePath(segment.file);
    if (const auto found = m_readers.constFind(path); found != m_readers.cend())
        return *found;
    auto reader = Archive::SegmentReader::open(path, segment.info.conversationId);
    if (!reader) {
        // A file the database names is missing: the archive is damaged, not the request.
        if (reader.error().code == ErrorCode::NOT_FOUND)
            return Error { ErrorCode::ARCHIVE_UNAVAILABLE, reader.error().message };
        return reader.error();
    }
    // Sound, and the one the database means (not another range of the same conversation).
    const QList<Archive::BlockInfo> &blocks = reader.value()->blocks();
    int messages = 0;
    for (const Archive::BlockInfo &block : blocks)
        messages += int(block.count);
    if (blocks.isEmpty() || blocks.first().firstSeq != segment.info.firstSeq
        || blocks.last().lastSeq != segment.info.lastSeq || messages != segment.info.messages)
        return Error { ErrorCode::ARCHIVE_UNAVAILABLE,
                       QStringLiteral("archive file %1 does not hold seqs %2..%3 as recorded")
                           .arg(path)
                           .arg(segment.info.firstSeq)
                           .arg(segment.info.lastSeq) };
    if (m_readers.size() >= 256)
        m_readers.clear();
    m_readers.insert(path, reader.value());
    return reader;
}

Result<QList<SegmentRecord>> SqlStore::segmentsWhere(const char *sql, quint64 conversationId,
                                                     quint64 a, quint64 b)
{
    auto &select = query(sql);
    select.bindValue(0, id(conversationId));
    select.bindValue(1, id(a));
    select.bindValue(2, id(b));
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QList<SegmentRecord> segments;
    while (select.next()) {
        SegmentRecord segment;
        segment.file = select.value(0).toString();
        segment.info.conversationId = conversationId;
        segment.info.firstSeq = select.value(1).toULongLong();
        segment.info.lastSeq = select.value(2).toULongLong();
        segment.info.messages = select.value(3).toInt();
        segments.append(std::move(segment));
    }
    return segments;
}

Result<void> SqlStore::forEachArchived(quint64 conversationId, quint64 afterSeq, quint64 upToSeq,
                                       bool newestFirst,
                                       const std::function<bool(pb::Message &)> &visit)
{
    if (upToSeq <= afterSeq)
        return {};
    auto segments = segmentsWhere("SELECT file, first_seq, last_seq, messages FROM "
                                  "archive_segments WHERE conversation_id = ? AND last_seq > ? "
                                  "AND first_seq <= ? ORDER BY first_seq",
                                  conversationId, afterSeq, upToSeq);
    if (!segments)
        return segments.error();
    if (newestFirst)
        std::reverse(segments.value().begin(), segments.value().end());
    for (const SegmentRecord &segment : segments.value()) {
        auto reader = segmentReader(segment);
        if (!reader)
            return reader.error();
        const QList<Archive::BlockInfo> &blocks = reader.value()->blocks();
        for (int n = 0; n < blocks.size(); ++n) {
            const int i = newestFirst ? int(blocks.size()) - 1 - n : n;
            if (blocks.at(i).lastSeq <= afterSeq || blocks.at(i).firstSeq > upToSeq)
                continue;
            auto block = reader.value()->block(i);
            if (!block)
                return block.error();
            QList<pb::Message> &messages = block.value();
            if (newestFirst)
                std::reverse(messages.begin(), messages.end());
            for (pb::Message &message : messages)
                if (message.seq() > afterSeq && message.seq() <= upToSeq && !visit(message))
                    return {};
        }
    }
    return {};
}

Result<QList<pb::Message>> SqlStore::archivedMessages(quint64 conversationId, quint64 afterSeq,
                                                      quint64 upToSeq, int limit, bool newestFirst)
{
    QList<pb::Message> found;
    if (limit <= 0)
        return found;
    auto done =
        forEachArchived(conversationId, afterSeq, upToSeq, newestFirst, [&](pb::Message &message) {
            found.append(std::move(message));
            return found.size() < limit;
        });
    if (!done)
        return done.error();
    return found;
}

Result<pb::Message> SqlStore::archivedMessage(quint64 conversationId, quint64 messageId)
{
    // By the ids each segment and block holds: one block is read, whatever id is asked for.
    auto segments = segmentsWhere("SELECT file, first_seq, last_seq, messages FROM "
                                  "archive_segments WHERE conversation_id = ? AND "
                                  "min_message_id <= ? AND max_message_id >= ? ORDER BY first_seq",
                                  conversationId, messageId, messageId);
    if (!segments)
        return segments.error();
    for (const SegmentRecord &segment : segments.value()) {
        auto reader = segmentReader(segment);
        if (!reader)
            return reader.error();
        for (int i = 0; i < reader.value()->blocks().size(); ++i) {
            const Archive::BlockInfo &info = reader.value()->blocks().at(i);
            if (messageId < info.minMessageId || messageId > info.maxMessageId)
                continue;
            auto block = reader.value()->block(i);
            if (!block)
                return block.error();
            for (pb::Message &message : block.value())
                if (message.message_id() == messageId)
                    return std::move(message);
        }
    }
    return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such message") };
}

// ----- retention
// ----------------------------------------------------------------------------------

Result<QList<ExpiringConversation>> SqlStore::expiringConversations(quint64 afterConversationId,
                                                                    qint64 nowMs,
                                                                    qint64 serverRetentionMs,
                                                                    int limit)
{
    // A conversation's limit: its own or the server's, whichever is shorter (0: none). Its
    // oldest entry left: the first archive segment's first, or else the database's first.
    auto &select = query(
        "SELECT conversation_id, cutoff FROM (SELECT c.conversation_id, ? - CASE WHEN "
        "c.retention_days > 0 AND (? = 0 OR CAST(c.retention_days AS BIGINT) * 86400000 < ?) THEN "
        "CAST(c.retention_days AS BIGINT) * 86400000 ELSE ? END AS cutoff, CASE WHEN "
        "c.archived_seq > "
        "c.purged_seq THEN (SELECT s.first_ms FROM archive_segments s WHERE s.conversation_id = "
        "c.conversation_id AND s.first_seq = c.purged_seq + 1) ELSE (SELECT m.server_time_ms FROM "
        "messages m WHERE m.conversation_id = c.conversation_id AND m.seq > c.purged_seq ORDER BY "
        "m.seq LIMIT 1) END AS oldest FROM conversations c WHERE c.conversation_id > ? AND "
        "(c.retention_days > 0 OR ? > 0)) AS due WHERE oldest < cutoff ORDER BY conversation_id "
        "LIMIT ?");
    select.bindValue(0, nowMs);
    select.bindValue(1, serverRetentionMs);
    select.bindValue(2, serverRetentionMs);
    select.bindValue(3, serverRetentionMs);
    select.bindValue(4, id(afterConversationId));
    select.bindValue(5, serverRetentionMs);
    select.bindValue(6, std::max(1, limit));
    if (auto done = exec(select); !done)
        return done.error();
    const Finished finished(select);
    QList<ExpiringConversation> found;
    while (select.next())
        found.append({ select.value(0).toULongLong(), select.value(1).toLongLong() });
    return found;
}

Result<PurgeState> SqlStore::purgeState(quint64 conversationId)
{
    PurgeState state;
    {
        auto &conversation =
            query("SELECT purged_seq, archived_seq FROM conversations WHERE conversation_id = ?");
        conversation.bindValue(0, id(conversationId));
        if (auto done = exec(conversation); !done)
            return done.error();
        const Finished finished(conversation);
        if (!conversation.next())
            return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such conversation") };
        state.purgedSeq = conversation.value(0).toULongLong();
        state.archivedSeq = conversation.value(1).toULongLong();
    }
    if (state.archivedSeq <= state.purgedSeq)
        return state;
    auto segments = archiveSegments(conversationId);
    if (!segments)
        return segments.error();
    for (const SegmentRecord &segment : segments.value())
        if (segment.info.firstSeq == state.purgedSeq + 1)
            state.firstSegment = segment;
    if (!state.firstSegment)
        return Error { ErrorCode::ARCHIVE_UNAVAILABLE,
                       QStringLiteral("conversation %1: no archive segment starts at seq %2")
                           .arg(conversationId)
                           .arg(state.purgedSeq + 1) };
    return state;
}

Result<void> SqlStore::deletePurged(quint64 conversationId, quint64 fromSeq, quint64 toSeq,
                                    const QList<quint64> &messageIds)
{
    // The entries' own rows are gone (or in a segment file that goes); what refers to them
    // by id or seq goes with them: kept versions of edits, reactions, files.
    // An edit entry kept after them carries its target's text: it goes too (as for a delete).
    for (const char *sql : { "DELETE FROM message_edits WHERE message_id = ?",
                             "DELETE FROM reactions WHERE message_id = ?",
                             "UPDATE messages SET text = '' WHERE target_id = ?" }) {
        auto &remove = query(sql);
        for (quint64 messageId : messageIds) {
            remove.bindValue(0, id(messageId));
            if (auto done = exec(remove); !done)
                return done;
        }
    }
    auto &files = query("DELETE FROM attachments WHERE conversation_id = ? AND seq >= ? AND "
                        "seq <= ? AND message_id IS NOT NULL");
    files.bindValue(0, id(conversationId));
    files.bindValue(1, id(fromSeq));
    files.bindValue(2, id(toSeq));
    if (auto done = exec(files); !done)
        return done;
    auto &advance = query("UPDATE conversations SET purged_seq = ?, archived_seq = CASE WHEN "
                          "archived_seq < ? THEN ? ELSE archived_seq END WHERE "
                          "conversation_id = ?");
    advance.bindValue(0, id(toSeq));
    advance.bindValue(1, id(toSeq));
    advance.bindValue(2, id(toSeq));
    advance.bindValue(3, id(conversationId));
    if (auto done = exec(advance); !done)
        return done;
    m_recent->invalidate(conversationId);
    m_joins.remove(conversationId);
    m_scrubRequested = true;
    return {};
}

Result<quint64> SqlStore::purgeDatabase(quint64 conversationId, qint64 cutoffMs, int maxEntries)
{
    if (auto begun = begin(); !begun)
        return begun.error();
    auto apply = [&]() -> Result<quint64> {
        if (auto locked = lockConversation(conversationId); !locked)
            return locked.error();
        auto state = purgeState(conversationId);
        if (!state)
            return state.error();
        const quint64 purged = state.value().purgedSeq;
        if (state.value().archivedSeq > purged)
            return purged; // archived meanwhile (archive run): the next run starts there
        // The prefix stored before the cutoff: it stops at the first newer entry.
        QList<quint64> ids;
        {
            auto &select = query("SELECT seq, server_time_ms, message_id FROM messages WHERE "
                                 "conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?");
            select.bindValue(0, id(conversationId));
            select.bindValue(1, id(purged));
            select.bindValue(2, std::max(1, maxEntries));
            if (auto done = exec(select); !done)
                return done.error();
            const Finished finished(select);
            while (select.next()
                   && select.value(0).toULongLong() == purged + quint64(ids.size()) + 1
                   && select.value(1).toLongLong() < cutoffMs)
                ids.append(select.value(2).toULongLong());
        }
        if (ids.isEmpty())
            return purged;
        const quint64 upTo = purged + quint64(ids.size());
        if (auto done = deletePurged(conversationId, purged + 1, upTo, ids); !done)
            return done.error();
        auto &remove =
            query("DELETE FROM messages WHERE conversation_id = ? AND seq > ? AND seq <= ?");
        remove.bindValue(0, id(conversationId));
        remove.bindValue(1, id(purged));
        remove.bindValue(2, id(upTo));
        if (auto done = exec(remove); !done)
            return done.error();
        return upTo;
    };
    auto purged = apply();
    if (purged) {
        if (auto committed = commit(); !committed)
            purged = committed.error();
    }
    if (!purged)
        rollback();
    return purged;
}

Result<void> SqlStore::commitArchivePurge(const ArchivePurge &purge)
{
    const SegmentRecord &old = purge.old;
    const quint64 conversationId = purge.conversationId;
    if (purge.purgedSeq < old.info.firstSeq || purge.purgedSeq > old.info.lastSeq
        || (purge.rest && purge.rest->info.firstSeq != purge.purgedSeq + 1)
        || (!purge.rest && purge.purgedSeq != old.info.lastSeq))
        return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("not a purge of a segment") };
    if (auto begun = begin(); !begun)
        return begun;
    auto apply = [&]() -> Result<void> {
        if (auto locked = lockConversation(conversationId); !locked)
            return locked;
        auto state = purgeState(conversationId);
        if (!state)
            return state.error();
        if (state.value().purgedSeq + 1 != old.info.firstSeq || !state.value().firstSegment
            || state.value().firstSegment->file != old.file)
            return Error {
                ErrorCode::UNAVAILABLE,
                QStringLiteral("conversation %1 changed while it was purged").arg(conversationId)
            };
        auto &remove =
            query("DELETE FROM archive_segments WHERE conversation_id = ? AND first_seq = ?");
        remove.bindValue(0, id(conversationId));
        remove.bindValue(1, id(old.info.firstSeq));
        if (auto done = exec(remove); !done)
            return done;
        if (purge.rest)
            if (auto done = insertSegment(*purge.rest); !done)
                return done;
        return deletePurged(conversationId, old.info.firstSeq, purge.purgedSeq, purge.messageIds);
    };
    if (auto applied = apply(); !applied) {
        rollback();
        return applied;
    }
    if (auto committed = commit(); !committed) {
        rollback();
        return committed;
    }
    m_readers.remove(QDir(archivePath(m_dataDir)).filePath(old.file));
    return {};
}

void SqlStore::forgetConversation(quint64 conversationId)
{
    m_recent->invalidate(conversationId);
    if (m_depth == 0)
        m_recent->apply();
    m_joins.remove(conversationId);
    m_membersById.remove(conversationId);
    // Another connection deleted text: this one empties the log too, as for a delete.
    m_scrubRequested = true;
}

} // namespace Confab::Store
