#include "admin/admincommands.h"
#include "app/server.h"
#include "app/serverconfig.h"
#include "archive/archiver.h"
#include "archive/archiveservice.h"
#include "archive/retention.h"
#include "auth/credentials.h"
#include "store/sqlitestore.h"
#include "wireclient.h"

#include <confab/ids.h>
#include <confab/sqlsupport.h>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Confab;
using Store::SqliteStore;

namespace {

constexpr qint64 kDayMs = 86'400'000;

//! A result's error message, for QVERIFY2 (which reads it whether or not the result is ok).
template<typename T>
QByteArray why(const Result<T> &result)
{
    return result.isOk() ? QByteArray() : result.error().message.toUtf8();
}

QByteArray newClientId()
{
    return QUuid::createUuid().toRfc4122();
}

//! Every message of a conversation a member sees, by history (newest page first, 50 at a
//! time), serialized, ascending; and whether the pages ended cleanly.
QList<QByteArray> historyOf(SqliteStore &store, quint64 userId, quint64 conversationId)
{
    QList<QByteArray> all;
    quint64 before = 0;
    for (int guard = 0; guard < 10'000; ++guard) {
        auto page = store.history(userId, conversationId, before, 50);
        if (!page)
            return { "error " + page.error().message.toUtf8() };
        for (int i = page.value().messages_size() - 1; i >= 0; --i)
            all.prepend(QByteArray::fromStdString(page.value().messages(i).SerializeAsString()));
        if (!page.value().has_more() || page.value().messages_size() == 0)
            break;
        before = page.value().messages(0).seq();
    }
    return all;
}

quint64 seqOf(const QByteArray &bytes)
{
    pb::Message message;
    message.ParseFromArray(bytes.constData(), int(bytes.size()));
    return message.seq();
}

//! Direct chats among `users` accounts: `messages` over `days` days, ending `endDaysAgo` ago,
//! in one transaction. Returns the users' ids (empty on a failure).
QList<quint64> directChats(SqliteStore &store, int users, int messages, int days, int endDaysAgo)
{
    QList<quint64> ids;
    qint64 now = QDateTime::currentMSecsSinceEpoch() - qint64(days + endDaysAgo) * kDayMs;
    SnowflakeGenerator messageIds(1, [&now] { return now; });
    for (int i = 0; i < users; ++i) {
        auto user =
            store.createUser(QStringLiteral("user%1").arg(i), QStringLiteral("u"), "hash", now);
        if (!user)
            return {};
        ids.append(user.value().userId);
    }
    if (!store.begin())
        return {};
    for (int n = 0; n < messages; ++n) {
        now += qint64(days) * kDayMs / messages;
        const int a = n % users, b = (n / users + a + 1) % users;
        if (a == b)
            continue;
        Store::NewMessage message;
        message.senderId = ids.at(a);
        message.peerUserId = ids.at(b);
        message.clientId = newClientId();
        message.text = QStringLiteral("message %1").arg(n).toStdString();
        if (!store.append(message, messageIds.next(), now))
            return {};
    }
    return store.commit() ? ids : QList<quint64> {};
}

//! Every conversation of these users, as history shows it, by id.
QHash<quint64, QList<QByteArray>> everyChat(SqliteStore &store, const QList<quint64> &users)
{
    QHash<quint64, QList<QByteArray>> seen;
    for (quint64 user : users) {
        auto list = store.conversations(user);
        if (!list)
            return seen;
        for (const pb::Conversation &c : list.value().conversations())
            seen.insert(c.conversation_id(), historyOf(store, user, c.conversation_id()));
    }
    return seen;
}

//! What should be left of a conversation's original history once retention reached `purged`.
QList<QByteArray> after(const QList<QByteArray> &original, quint64 purged)
{
    QList<QByteArray> left;
    for (const QByteArray &m : original)
        if (seqOf(m) > purged)
            left.append(m);
    return left;
}

//! Rows of a table that refer to these message ids, read straight from the database file.
int rowsReferring(const QString &dataDir, const char *table, const QList<quint64> &ids)
{
    int found = 0;
    const QString connection = Sql::uniqueConnectionName("tst-retention");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(SqliteStore::databasePath(dataDir));
        if (!db.open())
            return -1;
        QSqlQuery select(db);
        select.prepare(QStringLiteral("SELECT COUNT(*) FROM %1 WHERE message_id = ?")
                           .arg(QLatin1String(table)));
        for (quint64 id : ids) {
            select.bindValue(0, qint64(id));
            if (!select.exec() || !select.next())
                return -1;
            found += select.value(0).toInt();
        }
    }
    QSqlDatabase::removeDatabase(connection);
    return found;
}

//! Copies a data directory (the database and the archive's files) over another.
bool copyDir(const QString &from, const QString &to)
{
    QDir(to).removeRecursively();
    QDirIterator it(from, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString file = it.next();
        const QString target = QDir(to).filePath(QDir(from).relativeFilePath(file));
        QDir().mkpath(QFileInfo(target).absolutePath());
        if (!QFile::copy(file, target))
            return false;
    }
    return true;
}

//! History of 75 days up to now: alice and bob chat directly with edits, reactions, replies and
//! files; a group of three talks beside them.
struct History
{
    qint64 now = 0;
    SnowflakeGenerator ids { 1, [this] { return now; } };
    quint64 alice = 0, bob = 0, carol = 0;
    quint64 direct = 0, group = 0;
    quint64 oldFile = 0, newFile = 0; //!< attachments sent in the direct chat, 70 and 5 days ago
    QList<pb::Message> directMessages; //!< as appended (entries too)
};

} // namespace

//! Retention (PROTOCOL.md §17): a conversation's oldest entries are deleted once older than its
//! limit, from the database, the archive and the files, exactly those and nothing else.
class TestRetention : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void removesWhatItShouldAndNothingElse();
    void whoMaySetIt();
    void sigkillWhileDeletingLosesNothingElse();
    void archiveAndRetentionRunsRace();
    void theServerDeletesOnItsOwnAndTellsDevices();
    void config();

private:
    void fill(SqliteStore &store, History &h);
    quint64 upload(SqliteStore &store, History &h, quint64 userId, char fill);

    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestRetention::initTestCase()
{
    QVERIFY(Auth::initCrypto());
}

void TestRetention::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestRetention::cleanup()
{
    m_dir.reset();
}

quint64 TestRetention::upload(SqliteStore &store, History &h, quint64 userId, char fill)
{
    Store::UploadRecord upload;
    upload.uploadId = newClientId();
    upload.userId = userId;
    upload.name = QStringLiteral("photo.jpg");
    upload.mimeType = QStringLiteral("image/jpeg");
    upload.size = 1000;
    upload.sha256 = QByteArray(32, fill);
    upload.createdMs = h.now;
    if (!store.beginUpload(upload).isOk())
        return 0;
    auto attachment = store.completeUpload(userId, upload.uploadId, h.ids.next(), h.now);
    return attachment ? attachment.value().attachmentId : 0;
}

void TestRetention::fill(SqliteStore &store, History &h)
{
    const qint64 end = QDateTime::currentMSecsSinceEpoch();
    h.now = end - 75 * kDayMs;
    for (auto [name, id] : { std::pair { "alice", &h.alice }, std::pair { "bob", &h.bob },
                             std::pair { "carol", &h.carol } }) {
        auto user =
            store.createUser(QString::fromLatin1(name), QString::fromLatin1(name), "hash", h.now);
        QVERIFY(user.isOk());
        *id = user.value().userId;
    }
    Store::GroupChange create;
    create.kind = Store::GroupChange::Kind::Create;
    create.actorId = h.alice;
    create.clientId = newClientId();
    create.title = QStringLiteral("Trip");
    create.userIds = { h.bob, h.carol };
    auto group = store.changeGroup(create, h.ids.next(), h.now);
    QVERIFY(group.isOk());
    h.group = group.value().conversation.conversation_id();

    const int total = 900;
    const qint64 step = (end - 60'000 - h.now) / total;
    QList<quint64> replyable; // messages of the direct chat (not entries)
    for (int i = 0; i < total; ++i) {
        h.now += step;
        Store::NewMessage message;
        message.clientId = newClientId();
        if (i % 3 == 2) {
            message.senderId = i % 2 ? h.carol : h.bob;
            message.conversationId = h.group;
            message.text = QStringLiteral("group %1").arg(i).toStdString();
        } else {
            message.senderId = i % 2 ? h.alice : h.bob;
            message.peerUserId = i % 2 ? h.bob : h.alice;
            message.text = QStringLiteral("direct %1").arg(i).toStdString();
            if (i % 40 == 4 && !replyable.isEmpty())
                message.replyTo = replyable.at(replyable.size() / 2);
            if (i == 60 || i == 840) { // about 70 and 5 days ago
                const quint64 file = upload(store, h, message.senderId, i == 60 ? 'o' : 'n');
                QVERIFY(file);
                message.attachmentIds = { file };
                (i == 60 ? h.oldFile : h.newFile) = file;
            }
        }
        auto appended = store.append(message, h.ids.next(), h.now);
        QVERIFY2(appended.isOk(), why(appended).constData());
        if (!message.conversationId) {
            h.direct = appended.value().message.conversation_id();
            h.directMessages.append(appended.value().message);
            replyable.append(appended.value().message.message_id());
        }
        if (i % 37 == 10) { // now and then an edit or a reaction of an earlier one
            Store::MessageChangeRequest change;
            change.actorId = appended.value().message.sender_id();
            change.clientId = newClientId();
            change.conversationId = appended.value().message.conversation_id();
            change.targetId = appended.value().message.message_id();
            change.kind = i % 2 ? pb::MessageChange::EDITED : pb::MessageChange::REACTION_ADDED;
            change.text = "edited";
            change.emoji = "👍";
            auto changed = store.changeMessage(change, h.ids.next(), h.now);
            QVERIFY2(changed.isOk(), why(changed).constData());
            if (!message.conversationId)
                h.directMessages.append(changed.value().message);
        }
    }
    QVERIFY(store.updateReceipt(h.bob, h.direct, 40, 40).isOk());
}

void TestRetention::removesWhatItShouldAndNothingElse()
{
    const QString data = m_dir->filePath(QStringLiteral("data"));
    SqliteStore store(data, 1000);
    QVERIFY(store.open().isOk());
    History h;
    fill(store, h);
    // The part older than 40 days goes to the archive (a segment per month), so that the
    // deletion crosses from archive files into the database.
    Archive::Archiver archiver(store, SqliteStore::archivePath(data));
    auto archived = archiver.run(QDateTime::currentMSecsSinceEpoch() - 40 * kDayMs);
    QVERIFY2(archived.isOk(), why(archived).constData());
    QVERIFY(archived.value().segments >= 3);

    const QList<QByteArray> directBefore = historyOf(store, h.alice, h.direct);
    const QList<QByteArray> groupBefore = historyOf(store, h.bob, h.group);
    QVERIFY(directBefore.size() > 500);

    // Alice sets the direct chat to 50 days: a stream entry everyone sees.
    Store::GroupChange set;
    set.kind = Store::GroupChange::Kind::SetRetention;
    set.actorId = h.alice;
    set.conversationId = h.direct;
    set.retentionDays = 50;
    const qint64 setAt = QDateTime::currentMSecsSinceEpoch();
    auto changed = store.changeGroup(set, h.ids.next(), setAt);
    QVERIFY2(changed.isOk(), why(changed).constData());
    QCOMPARE(changed.value().appended.message.group_event().kind(), pb::GroupEvent::RETENTION_SET);
    QCOMPARE(changed.value().appended.message.group_event().retention_days(), 50u);
    QCOMPARE(changed.value().snapshot.retention_days(), 50u);
    QCOMPARE(changed.value().appended.memberIds.size(), 2);

    // What is due: the prefix stored more than 50 days ago.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 cutoff = now - 50 * kDayMs;
    quint64 expectedPurged = 0;
    QList<quint64> purgedIds;
    for (const pb::Message &m : h.directMessages) {
        if (m.server_time_ms() >= cutoff)
            break;
        expectedPurged = m.seq();
        purgedIds.append(m.message_id());
    }
    QVERIFY(expectedPurged > 100);
    QVERIFY(rowsReferring(data, "message_edits", purgedIds) > 0); // kept versions of edits

    Archive::Retention retention(store, SqliteStore::archivePath(data));
    retention.maxEntries = 60; // several database steps
    auto report = retention.run(now, 0);
    QVERIFY2(report.isOk(), why(report).constData());
    QCOMPARE(report.value().purged, QList<quint64> { h.direct });
    QCOMPARE(report.value().entries, qint64(expectedPurged));
    QVERIFY(report.value().segmentsRemoved + report.value().segmentsRewritten >= 2);
    QCOMPARE(report.value().failures, 0);

    // The direct chat: exactly the entries after the purged seq, each as it was, then the
    // RETENTION_SET entry.
    const QList<QByteArray> directAfter = historyOf(store, h.alice, h.direct);
    QList<QByteArray> expected;
    for (const QByteArray &bytes : directBefore) {
        pb::Message m;
        m.ParseFromArray(bytes.constData(), int(bytes.size()));
        if (m.seq() <= expectedPurged)
            continue;
        // An edit entry of a deleted message loses the text it carried.
        if (m.has_change() && m.change().target_seq() <= expectedPurged)
            m.clear_text();
        expected.append(QByteArray::fromStdString(m.SerializeAsString()));
    }
    QCOMPARE(directAfter.size(), expected.size() + 1);
    QCOMPARE(directAfter.mid(0, expected.size()), expected);
    QCOMPARE(seqOf(directAfter.last()), changed.value().appended.message.seq());
    QCOMPARE(historyOf(store, h.bob, h.direct), directAfter);
    // The group, which has no limit, is untouched.
    QCOMPARE(historyOf(store, h.bob, h.group), groupBefore);

    // The conversation says where it starts; a device that holds older entries moves on.
    auto list = store.conversations(h.bob);
    QVERIFY(list.isOk());
    for (const pb::Conversation &c : list.value().conversations()) {
        if (c.conversation_id() == h.direct) {
            QCOMPARE(c.purged_seq(), expectedPurged);
            QCOMPARE(c.retention_days(), 50u);
            // Bob read up to 40, long purged: only what is left counts as unread.
            quint64 unread = 0;
            for (const QByteArray &bytes : directAfter) {
                pb::Message m;
                m.ParseFromArray(bytes.constData(), int(bytes.size()));
                unread += m.sender_id() != h.bob && !m.has_group_event() && !m.has_change()
                    && !m.deleted();
            }
            QCOMPARE(c.unread_count(), unread);
        } else {
            QCOMPARE(c.purged_seq(), 0u);
        }
    }
    const quint64 groupLast = seqOf(groupBefore.last());
    auto synced = store.sync(h.bob, { { h.direct, 10 }, { h.group, groupLast } }, 100);
    QVERIFY(synced.isOk());
    QCOMPARE(synced.value().messages(0).conversation_id(), h.direct);
    QCOMPARE(synced.value().messages(0).seq(), expectedPurged + 1);
    bool told = false;
    for (const pb::Conversation &c : synced.value().conversations())
        told = told || (c.conversation_id() == h.direct && c.purged_seq() == expectedPurged);
    QVERIFY(told);

    // What referred to the deleted entries went with them: kept edit versions, reactions,
    // the old file (its blob is no longer referenced); the newer file stays.
    QCOMPARE(rowsReferring(data, "message_edits", purgedIds), 0);
    QCOMPARE(rowsReferring(data, "reactions", purgedIds), 0);
    QCOMPARE(store.attachmentFor(h.bob, h.oldFile).error().code, ErrorCode::NOT_FOUND);
    QVERIFY(store.attachmentFor(h.bob, h.newFile).isOk());
    auto blobs = store.referencedBlobs();
    QVERIFY(blobs.isOk());
    QVERIFY(!blobs.value().contains(QByteArray(32, 'o')));
    QVERIFY(blobs.value().contains(QByteArray(32, 'n')));
    // A deleted entry cannot be changed or replied to.
    Store::MessageChangeRequest edit;
    edit.actorId = h.alice;
    edit.clientId = newClientId();
    edit.conversationId = h.direct;
    edit.targetId = purgedIds.last();
    edit.kind = pb::MessageChange::EDITED;
    edit.text = "too late";
    QCOMPARE(store.changeMessage(edit, h.ids.next(), now).error().code, ErrorCode::NOT_FOUND);
    Store::NewMessage reply;
    reply.senderId = h.bob;
    reply.conversationId = h.direct;
    reply.clientId = newClientId();
    reply.text = "re";
    reply.replyTo = purgedIds.first();
    QCOMPARE(store.append(reply, h.ids.next(), now).error().code, ErrorCode::NOT_FOUND);

    // The archive and the database agree; no file is left over.
    auto checked = store.check();
    QVERIFY(checked.isOk());
    QVERIFY2(checked.value().problems.isEmpty(), qPrintable(checked.value().problems.join('\n')));
    auto verified = archiver.verify();
    QVERIFY(verified.isOk());
    QVERIFY2(verified.value().problems.isEmpty(), qPrintable(verified.value().problems.join('\n')));
    QVERIFY2(verified.value().orphans.isEmpty(), qPrintable(verified.value().orphans.join('\n')));

    // Nothing more is due now; the same run again deletes nothing.
    auto again = retention.run(now, 0);
    QVERIFY(again.isOk());
    QCOMPARE(again.value().entries, 0);
    QCOMPARE(historyOf(store, h.alice, h.direct), directAfter);

    // The server's limit of 20 days: the group goes too, and the direct chat (its own 50 is
    // the longer) down to 20.
    auto server = retention.run(now, 20 * kDayMs);
    QVERIFY(server.isOk());
    QCOMPARE(server.value().purged.size(), 2);
    for (quint64 conversation : { h.direct, h.group }) {
        const QList<QByteArray> left = historyOf(store, h.bob, conversation);
        QVERIFY(!left.isEmpty());
        pb::Message first;
        first.ParseFromArray(left.first().constData(), int(left.first().size()));
        QVERIFY(first.server_time_ms() >= now - 20 * kDayMs);
        QVERIFY(first.server_time_ms() < now - 19 * kDayMs); // nothing newer went
    }
    QVERIFY(store.check().value().problems.isEmpty());
    QVERIFY(archiver.verify().value().problems.isEmpty());
    QVERIFY(archiver.verify().value().orphans.isEmpty());
    // What is left still archives and reads the same.
    const QList<QByteArray> groupLeft = historyOf(store, h.bob, h.group);
    QVERIFY(archiver.run(now - 10 * kDayMs).isOk());
    QCOMPARE(historyOf(store, h.bob, h.group), groupLeft);
    QVERIFY(store.check().value().problems.isEmpty());
}

void TestRetention::whoMaySetIt()
{
    SqliteStore store(m_dir->filePath(QStringLiteral("data")), 1000);
    QVERIFY(store.open().isOk());
    qint64 now = QDateTime::currentMSecsSinceEpoch();
    SnowflakeGenerator ids(1, [&now] { return now; });
    QList<quint64> users;
    for (const char *name : { "owner", "admin", "member", "outsider" }) {
        auto user =
            store.createUser(QString::fromLatin1(name), QString::fromLatin1(name), "hash", now);
        QVERIFY(user.isOk());
        users.append(user.value().userId);
    }
    const quint64 owner = users[0], admin = users[1], member = users[2], outsider = users[3];
    Store::GroupChange create;
    create.kind = Store::GroupChange::Kind::Create;
    create.actorId = owner;
    create.clientId = newClientId();
    create.title = QStringLiteral("G");
    create.userIds = { admin, member };
    const quint64 group =
        store.changeGroup(create, ids.next(), now).value().conversation.conversation_id();
    Store::GroupChange promote;
    promote.kind = Store::GroupChange::Kind::SetRole;
    promote.actorId = owner;
    promote.conversationId = group;
    promote.userIds = { admin };
    promote.role = pb::ROLE_ADMIN;
    QVERIFY(store.changeGroup(promote, ids.next(), now).isOk());
    Store::NewMessage hello;
    hello.senderId = member;
    hello.peerUserId = outsider;
    hello.clientId = newClientId();
    hello.text = "hi";
    const quint64 direct = store.append(hello, ids.next(), now).value().message.conversation_id();

    auto set = [&](quint64 actor, quint64 conversation, quint32 days) {
        Store::GroupChange change;
        change.kind = Store::GroupChange::Kind::SetRetention;
        change.actorId = actor;
        change.conversationId = conversation;
        change.retentionDays = days;
        change.minRetentionDays = 1;
        change.maxRetentionDays = 365;
        return store.changeGroup(change, ids.next(), now);
    };
    QCOMPARE(set(member, group, 7).error().code, ErrorCode::FORBIDDEN);
    QCOMPARE(set(outsider, group, 7).error().code, ErrorCode::NOT_FOUND);
    QVERIFY(set(admin, group, 7).isOk());
    QVERIFY(set(owner, group, 30).isOk());
    QCOMPARE(set(owner, group, 0).value().conversation.retention_days(), 0u); // off again
    QCOMPARE(set(owner, group, 366).error().code, ErrorCode::INVALID_ARGUMENT); // over the server's
    // The same value again changes nothing and says nothing.
    auto same = set(owner, group, 0);
    QVERIFY(same.isOk());
    QVERIFY(!same.value().changed());
    // In a direct chat, either member; never under the minimum.
    QVERIFY(set(outsider, direct, 1).isOk());
    QCOMPARE(set(member, direct, 1).value().changed(), false);
    QCOMPARE(set(member, direct, 3).value().conversation.retention_days(), 3u);
    Store::GroupChange tooShort;
    tooShort.kind = Store::GroupChange::Kind::SetRetention;
    tooShort.actorId = member;
    tooShort.conversationId = direct;
    tooShort.retentionDays = 2;
    tooShort.minRetentionDays = 3;
    QCOMPARE(store.changeGroup(tooShort, ids.next(), now).error().code,
             ErrorCode::INVALID_ARGUMENT);
    QCOMPARE(set(owner, direct, 7).error().code, ErrorCode::NOT_FOUND); // not a member
    // One who left may not.
    Store::GroupChange leave;
    leave.kind = Store::GroupChange::Kind::Leave;
    leave.actorId = admin;
    leave.conversationId = group;
    QVERIFY(store.changeGroup(leave, ids.next(), now).isOk());
    QCOMPARE(set(admin, group, 7).error().code, ErrorCode::FORBIDDEN);
}

void TestRetention::sigkillWhileDeletingLosesNothingElse()
{
    // Many conversations of history 60 days old, the part older than 45 days archived; the
    // server's retention of 30 days deletes all of the archive and some of the database.
    const QString data = m_dir->filePath(QStringLiteral("data"));
    QList<quint64> users;
    QHash<quint64, QList<QByteArray>> original;
    {
        SqliteStore store(data, 1000);
        QVERIFY(store.open().isOk());
        users = directChats(store, 12, 8000, 59, 1);
        QVERIFY(!users.isEmpty());
        Archive::Archiver archiver(store, SqliteStore::archivePath(data));
        QVERIFY(archiver.run(QDateTime::currentMSecsSinceEpoch() - 45 * kDayMs).isOk());
        QVERIFY(store.stats().value().archivedMessages > 1000);
        original = everyChat(store, users);
    }
    QVERIFY(original.size() >= 30);

    QFile config(m_dir->filePath(QStringLiteral("confabd.conf")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write("[history]\nretention = 30d\n");
    config.close();
    auto startRun = [&](QProcess &process) {
        process.setProgram(QStringLiteral(CONFABD_PATH));
        process.setArguments({ QStringLiteral("--config"), config.fileName(),
                               QStringLiteral("--data-dir"), data, QStringLiteral("retention"),
                               QStringLiteral("run") });
        process.start();
        return process.waitForStarted(10'000);
    };
    QTemporaryDir pristine;
    QVERIFY(pristine.isValid());
    QVERIFY(copyDir(data, pristine.path()));
    qint64 runMs = 0;
    QHash<quint64, quint64> finalPurged; // where a whole run stops
    {
        QProcess process;
        QElapsedTimer timer;
        timer.start();
        QVERIFY(startRun(process));
        QVERIFY(process.waitForFinished(120'000));
        runMs = timer.elapsed();
        QCOMPARE(process.exitCode(), 0);
        SqliteStore store(data, 1000);
        QVERIFY(store.open().isOk());
        for (quint64 user : users) {
            const auto list = store.conversations(user);
            QVERIFY(list.isOk());
            for (const pb::Conversation &c : list.value().conversations())
                finalPurged.insert(c.conversation_id(), c.purged_seq());
        }
    }
    qInfo() << "a whole run takes" << runMs << "ms";

    // After any kill: what is left of each conversation is exactly the original from its
    // purged seq on (nothing else lost or changed), never past where a whole run stops.
    int killedMidway = 0;
    for (int round = 0; round < 8; ++round) {
        QVERIFY(copyDir(pristine.path(), data));
        for (int attempt = 0; attempt < 2; ++attempt) {
            QProcess process;
            QVERIFY(startRun(process));
            const int delay = int(QRandomGenerator::global()->bounded(qint64(runMs + 1)));
            const bool finished = process.waitForFinished(delay);
            if (!finished) {
                process.kill(); // SIGKILL
                QVERIFY(process.waitForFinished(10'000));
            }
            SqliteStore store(data, 1000);
            QVERIFY(store.open().isOk());
            auto report = store.check();
            QVERIFY(report.isOk());
            QVERIFY2(report.value().problems.isEmpty(),
                     qPrintable(report.value().problems.join(u'\n')));
            const auto seen = everyChat(store, users);
            QCOMPARE(seen.size(), original.size());
            int partly = 0, done = 0;
            for (auto it = original.cbegin(); it != original.cend(); ++it) {
                const QList<QByteArray> &now = seen.value(it.key());
                const quint64 purged = now.isEmpty() ? 0 : seqOf(now.first()) - 1;
                QVERIFY(purged <= finalPurged.value(it.key()));
                QVERIFY2(now == after(it.value(), purged),
                         qPrintable(QStringLiteral("round %1.%2 (killed after %3 ms): "
                                                   "conversation %4")
                                        .arg(round)
                                        .arg(attempt)
                                        .arg(delay)
                                        .arg(it.key())));
                done += purged == finalPurged.value(it.key());
                partly += purged > 0;
            }
            killedMidway += !finished && partly > 0 && done < original.size();
        }
    }
    qInfo() << killedMidway << "runs were killed with part of the history deleted";
    QVERIFY(killedMidway >= 3);

    QProcess last;
    QVERIFY(startRun(last));
    QVERIFY(last.waitForFinished(120'000));
    QCOMPARE(last.exitCode(), 0);
    SqliteStore store(data, 1000);
    QVERIFY(store.open().isOk());
    for (quint64 user : users) {
        const auto list = store.conversations(user);
        QVERIFY(list.isOk());
        for (const pb::Conversation &c : list.value().conversations())
            QCOMPARE(c.purged_seq(), finalPurged.value(c.conversation_id()));
    }
    Archive::Archiver archiver(store, SqliteStore::archivePath(data));
    QVERIFY(archiver.removeOrphans(0).isOk()); // what killed runs left: files no segment names
    auto verified = archiver.verify();
    QVERIFY(verified.isOk());
    QVERIFY(verified.value().problems.isEmpty());
    QVERIFY(verified.value().orphans.isEmpty());
    QCOMPARE(store.stats().value().archivedMessages, 0); // all of it was older than 30 days
}

void TestRetention::archiveAndRetentionRunsRace()
{
    // `confabd archive run` and `confabd retention run`, two processes at once, again and
    // again while new history arrives: whatever order their transactions take, the store stays
    // whole and each chat is the original from its purged seq on.
    const QString data = m_dir->filePath(QStringLiteral("data"));
    QList<quint64> users;
    QHash<quint64, QList<QByteArray>> original;
    {
        SqliteStore store(data, 1000);
        QVERIFY(store.open().isOk());
        users = directChats(store, 6, 6000, 48, 2);
        QVERIFY(!users.isEmpty());
        original = everyChat(store, users);
    }
    QFile config(m_dir->filePath(QStringLiteral("confabd.conf")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write("[history]\nretention = 30d\n");
    config.close();
    auto start = [&](QProcess &process, const QStringList &command) {
        process.setProgram(QStringLiteral(CONFABD_PATH));
        process.setArguments(QStringList { QStringLiteral("--config"), config.fileName(),
                                           QStringLiteral("--data-dir"), data }
                             + command);
        process.start();
        return process.waitForStarted(10'000);
    };
    QTemporaryDir pristine;
    QVERIFY(pristine.isValid());
    QVERIFY(copyDir(data, pristine.path()));
    // Each round from the start: the archive takes what is older than 20 to 45 days while
    // retention deletes what is older than 30, the second process a random moment later.
    for (int round = 0; round < 8; ++round) {
        QVERIFY(copyDir(pristine.path(), data));
        QProcess archive, retention;
        const QStringList archiveRun { QStringLiteral("archive"), QStringLiteral("run"),
                                       QStringLiteral("%1d").arg(20 + round * 3) };
        const QStringList retentionRun { QStringLiteral("retention"), QStringLiteral("run") };
        const bool archiveFirst = round % 2 == 0;
        QVERIFY(
            start(archiveFirst ? archive : retention, archiveFirst ? archiveRun : retentionRun));
        QTest::qWait(int(QRandomGenerator::global()->bounded(60)));
        QVERIFY(
            start(archiveFirst ? retention : archive, archiveFirst ? retentionRun : archiveRun));
        // Either may have ended while the test waited for the other (or for the head start).
        for (QProcess *process : { &archive, &retention })
            QVERIFY(process->state() == QProcess::NotRunning || process->waitForFinished(120'000));
        QCOMPARE(archive.exitStatus(), QProcess::NormalExit);
        QCOMPARE(retention.exitStatus(), QProcess::NormalExit);
        QCOMPARE(archive.exitCode(), 0);
        QCOMPARE(retention.exitCode(), 0);
        SqliteStore store(data, 1000);
        QVERIFY(store.open().isOk());
        auto report = store.check();
        QVERIFY(report.isOk());
        QVERIFY2(report.value().problems.isEmpty(),
                 qPrintable(report.value().problems.join(u'\n')));
        for (quint64 user : users) {
            const auto list = store.conversations(user);
            QVERIFY(list.isOk());
            for (const pb::Conversation &c : list.value().conversations()) {
                const QList<QByteArray> left = historyOf(store, user, c.conversation_id());
                QVERIFY2(left == after(original.value(c.conversation_id()), c.purged_seq()),
                         qPrintable(QStringLiteral("round %1: conversation %2")
                                        .arg(round)
                                        .arg(c.conversation_id())));
            }
        }
        // What a conflict left for later, the next run deletes: nothing older than 30 days.
        Archive::Retention next(store, SqliteStore::archivePath(data));
        QVERIFY(next.run(QDateTime::currentMSecsSinceEpoch(), 30 * kDayMs).isOk());
        for (quint64 user : users) {
            const auto list = store.conversations(user);
            QVERIFY(list.isOk());
            for (const pb::Conversation &c : list.value().conversations()) {
                const QList<QByteArray> left = historyOf(store, user, c.conversation_id());
                QVERIFY(!left.isEmpty());
                pb::Message first;
                first.ParseFromArray(left.first().constData(), int(left.first().size()));
                QVERIFY(first.server_time_ms()
                        >= QDateTime::currentMSecsSinceEpoch() - 30 * kDayMs);
                QVERIFY(c.purged_seq() > 0);
            }
        }
        QVERIFY(store.check().value().problems.isEmpty());
    }
    SqliteStore store(data, 1000);
    QVERIFY(store.open().isOk());
    Archive::Archiver archiver(store, SqliteStore::archivePath(data));
    auto verified = archiver.verify();
    QVERIFY(verified.isOk());
    QVERIFY(verified.value().problems.isEmpty());
}

void TestRetention::theServerDeletesOnItsOwnAndTellsDevices()
{
    ServerConfig config;
    config.port = 0;
    config.dataDir = m_dir->path();
    config.hashCost = Auth::HashCost::minimum();
    config.limits.ratePerSecond = 100'000;
    config.limits.rateBurst = 100'000;
    config.userRatePerSecond = 0;
    config.registrationsPerAddressPerHour = 0;
    config.retentionMs = 1500; // a test's day
    config.retentionIntervalMs = 3'600'000; // only when asked, below
    config.networkThreads = qEnvironmentVariableIntValue("CONFAB_TEST_NETWORK_THREADS");
    auto server = std::make_unique<Server>(config);
    QVERIFY(server->start().isOk());
    QTRY_COMPARE(server->archive()->passes(), 1); // the pass at start: nothing yet

    WireClient alice, bob;
    QVERIFY(alice.connectAs(server->port(), QStringLiteral("alice")));
    QVERIFY(bob.connectAs(server->port(), QStringLiteral("bob")));
    QList<pb::MessageAck> acks;
    for (int i = 0; i < 30; ++i) {
        const auto answer = alice.request(
            WireClient::sendTo(QStringLiteral("bob"), QStringLiteral("old %1").arg(i)));
        QVERIFY(answer.has_message_ack());
        acks.append(answer.message_ack());
    }
    const quint64 conversation = acks.first().conversation_id();
    auto history = [&](WireClient &who) {
        pb::Envelope request;
        request.mutable_history_request()->set_conversation_id(conversation);
        request.mutable_history_request()->set_limit(100);
        return who.request(request);
    };
    QCOMPARE(history(bob).history_page().messages_size(), 30); // and in the recent cache now

    QTest::qWait(1600); // older than the server's retention
    const auto fresh =
        alice.request(WireClient::sendTo(QStringLiteral("bob"), QStringLiteral("new")));
    QCOMPARE(fresh.message_ack().seq(), 31u);
    bob.clearEvents();
    server->archive()->runNow();
    QTRY_COMPARE(server->archive()->passes(), 2);
    QCOMPARE(server->archive()->lastRetentionReport().entries, 30);

    // Bob's device is told where the chat starts now.
    QVERIFY(bob.waitForEvents(1));
    QTRY_VERIFY([&] {
        for (const pb::Envelope &e : bob.events())
            if (e.has_conversation_event()
                && e.conversation_event().conversation().purged_seq() == 30)
                return true;
        return false;
    }());
    // History (not the stale cache) has only the new one, and ends there.
    const auto page = history(bob);
    QCOMPARE(page.history_page().messages_size(), 1);
    QCOMPARE(page.history_page().messages(0).seq(), 31u);
    QVERIFY(!page.history_page().has_more());
    // A device behind the purge syncs from after it, and hears where it starts.
    pb::Envelope sync;
    auto *cursor = sync.mutable_sync_request()->add_cursors();
    cursor->set_conversation_id(conversation);
    cursor->set_seq(5);
    const auto synced = bob.request(sync);
    QCOMPARE(synced.sync_page().messages_size(), 1);
    QCOMPARE(synced.sync_page().messages(0).seq(), 31u);
    QCOMPARE(synced.sync_page().conversations(0).purged_seq(), 30u);
    // A deleted message cannot be edited.
    pb::Envelope edit;
    auto *change = edit.mutable_change_message();
    change->set_client_id(QUuid::createUuid().toRfc4122().toStdString());
    change->set_conversation_id(conversation);
    change->set_message_id(acks.first().message_id());
    change->set_kind(pb::MessageChange::EDITED);
    change->set_text("edited");
    QCOMPARE(alice.request(edit).error().code(), pb::NOT_FOUND);

    // Deleted by another connection (`confabd retention run` beside the server), which cannot
    // tell the server: its history still never serves them, once it notices (half a second).
    for (int i = 0; i < 5; ++i)
        QVERIFY(alice.request(WireClient::sendTo(QStringLiteral("bob"), QStringLiteral("more")))
                    .has_message_ack());
    QCOMPARE(history(bob).history_page().messages_size(), 6); // in the recent cache again
    QTest::qWait(1600);
    {
        SqliteStore other(m_dir->path(), 1000);
        QVERIFY(other.open().isOk());
        Archive::Retention retention(other, SqliteStore::archivePath(m_dir->path()));
        auto elsewhere = retention.run(QDateTime::currentMSecsSinceEpoch(), config.retentionMs);
        QVERIFY2(elsewhere.isOk(), why(elsewhere).constData());
        QCOMPARE(elsewhere.value().entries, 6);
    }
    QTest::qWait(600);
    QCOMPARE(history(bob).history_page().messages_size(), 0);

    // The limits are announced; a chat may set its own within them.
    WireClient phone;
    QVERIFY(phone.open(server->port()));
    const auto welcome = phone.hello();
    QCOMPARE(welcome.welcome().protocol_minor(), 6u);
    QCOMPARE(welcome.welcome().limits().retention_days(), 1u);
    QCOMPARE(welcome.welcome().limits().min_retention_days(), 1u);
    pb::Envelope setRetention;
    setRetention.mutable_set_retention()->set_conversation_id(conversation);
    setRetention.mutable_set_retention()->set_retention_days(7);
    QCOMPARE(bob.request(setRetention).error().code(), pb::INVALID_ARGUMENT); // over the server's
    setRetention.mutable_set_retention()->set_retention_days(1);
    bob.clearEvents();
    alice.clearEvents();
    const auto set = bob.request(setRetention);
    QVERIFY(set.has_group_result());
    QCOMPARE(set.group_result().conversation().retention_days(), 1u);
    QCOMPARE(set.group_result().event().group_event().kind(), pb::GroupEvent::RETENTION_SET);
    QVERIFY(alice.waitForEvents(2)); // the entry, then the new state
    QCOMPARE(alice.events().at(0).message_event().message().group_event().retention_days(), 1u);
    QCOMPARE(alice.events().at(1).conversation_event().conversation().retention_days(), 1u);
}

void TestRetention::config()
{
    auto load = [](const QByteArray &text) {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.conf"));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return Result<ServerConfig>(Error { ErrorCode::INTERNAL, QStringLiteral("io") });
        file.write(text);
        file.close();
        QSettings settings(path, QSettings::IniFormat);
        QStringList warnings;
        auto config = ServerConfig::fromSettings(settings, &warnings);
        if (config)
            config.value().dataDir = dir.path();
        if (config)
            if (auto valid = config.value().validate(); !valid)
                return Result<ServerConfig>(valid.error());
        return config;
    };
    auto plain = load("");
    QVERIFY(plain.isOk());
    QCOMPARE(plain.value().retentionMs, 0);
    QCOMPARE(plain.value().limits.minRetentionDays, 1u);
    auto set = load("[history]\nretention = 365d\nmin_retention = 7d\nretention_interval = 10m\n");
    QVERIFY2(set.isOk(), why(set).constData());
    QCOMPARE(set.value().retentionMs, 365 * kDayMs);
    QCOMPARE(set.value().retentionDays(), 365u);
    QCOMPARE(set.value().limits.minRetentionDays, 7u);
    QCOMPARE(set.value().retentionIntervalMs, 600'000);
    for (const QByteArray &bad : { QByteArray("[history]\nretention = 2h\n"),
                                   QByteArray("[history]\nmin_retention = 36h\n"),
                                   QByteArray("[history]\nretention = 3d\nmin_retention = 7d\n"),
                                   QByteArray("[history]\nretention = soon\n") }) {
        auto refused = load(bad);
        QVERIFY2(!refused.isOk(), bad.constData());
        QVERIFY2(refused.error().message.contains(QStringLiteral("retention")),
                 qPrintable(refused.error().message));
    }
}

QTEST_GUILESS_MAIN(TestRetention)
#include "tst_retention.moc"
