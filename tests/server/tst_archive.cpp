#include "admin/admincommands.h"
#include "app/server.h"
#include "app/serverconfig.h"
#include "archive/archiver.h"
#include "archive/archiveservice.h"
#include "archive/segmentfile.h"
#include "auth/credentials.h"
#include "store/sqlitestore.h"
#include "wireclient.h"

#include <confab/datadir.h>
#include <confab/ids.h>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
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

//! A conversation's whole history as a member sees it: every history page (50 at a time, from
//! the newest), every sync page from nothing (100 at a time), and the conversation list.
struct Seen
{
    QList<QByteArray> history;
    QList<QByteArray> sync;
    QByteArray conversations;
    int messages = 0;
};

Seen seenBy(SqliteStore &store, quint64 userId, quint64 conversationId)
{
    Seen seen;
    quint64 before = 0;
    for (int guard = 0; guard < 10'000; ++guard) {
        auto page = store.history(userId, conversationId, before, 50);
        if (!page) {
            seen.history.append("error " + page.error().message.toUtf8());
            break;
        }
        seen.history.append(QByteArray::fromStdString(page.value().SerializeAsString()));
        seen.messages += page.value().messages_size();
        if (!page.value().has_more() || page.value().messages_size() == 0)
            break;
        before = page.value().messages(0).seq();
    }
    QHash<quint64, quint64> cursors;
    for (int guard = 0; guard < 10'000; ++guard) {
        auto page = store.sync(userId, cursors, 100);
        if (!page) {
            seen.sync.append("error " + page.error().message.toUtf8());
            break;
        }
        seen.sync.append(QByteArray::fromStdString(page.value().SerializeAsString()));
        for (const pb::Message &message : page.value().messages())
            cursors[message.conversation_id()] = message.seq();
        for (const pb::Conversation &conversation : page.value().conversations())
            if (!cursors.contains(conversation.conversation_id()))
                cursors.insert(conversation.conversation_id(), 0);
        if (!page.value().has_more())
            break;
    }
    auto list = store.conversations(userId);
    seen.conversations = list ? QByteArray::fromStdString(list.value().SerializeAsString())
                              : "error " + list.error().message.toUtf8();
    return seen;
}

//! Stored history, months old: a fake clock, ids made from it.
struct History
{
    qint64 now = 0;
    SnowflakeGenerator ids { 1, [this] { return now; } };
    quint64 alice = 0, bob = 0, carol = 0;
    quint64 direct = 0, group = 0;
    quint64 attachmentId = 0;
    QList<pb::Message> directMessages; //!< as appended
};

} // namespace

//! The cold archive (PROTOCOL.md §16): segment files that check themselves, and history that
//! reads the same before and after its oldest part moved out of the database; crash-safe moves.
class TestArchive : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void segmentFilesReadBackAndRefuseDamage();
    void pagingAcrossTheBoundaryIsUnchanged();
    void archivedMessagesAreHistory();
    void aChangeWhileArchivingIsNotLost();
    void aDamagedFileIsReportedNotServed();
    void sigkillWhileArchivingLosesNothing();
    void theServerArchivesOnItsOwn();
    void durations();

private:
    //! Two months and a half of history, ending `endDaysAgo` days ago: a direct chat of
    //! alice's and bob's, and a group of three with edits, reactions, a delete, replies,
    //! mentions and a file.
    void fill(SqliteStore &store, History &h, qint64 endDaysAgo = 0);

    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestArchive::initTestCase()
{
    QVERIFY(Auth::initCrypto());
}

void TestArchive::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestArchive::cleanup()
{
    m_dir.reset();
}

void TestArchive::fill(SqliteStore &store, History &h, qint64 endDaysAgo)
{
    const qint64 end = QDateTime::currentMSecsSinceEpoch() - endDaysAgo * kDayMs;
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

    // A file, sent with a group message.
    Store::UploadRecord upload;
    upload.uploadId = newClientId();
    upload.userId = h.carol;
    upload.name = QStringLiteral("map.png");
    upload.mimeType = QStringLiteral("image/png");
    upload.size = 1234;
    upload.sha256 = QByteArray(32, 'x');
    upload.createdMs = h.now;
    QVERIFY(store.beginUpload(upload).isOk());
    auto attachment = store.completeUpload(h.carol, upload.uploadId, h.ids.next(), h.now);
    QVERIFY(attachment.isOk());
    h.attachmentId = attachment.value().attachmentId;

    const int total = 900;
    const qint64 step = (end - h.now) / total;
    QVERIFY(store.begin().isOk());
    for (int i = 0; i < total; ++i) {
        h.now += step;
        Store::NewMessage message;
        message.clientId = newClientId();
        if (i % 3 == 2) {
            message.senderId = i % 2 ? h.carol : h.bob;
            message.conversationId = h.group;
            message.text = QStringLiteral("group %1 ✈").arg(i).toStdString();
            if (i % 50 == 2)
                message.mentions = { h.alice };
            if (i == 101)
                message.attachmentIds = { h.attachmentId };
        } else {
            message.senderId = i % 2 ? h.alice : h.bob;
            message.peerUserId = i % 2 ? h.bob : h.alice;
            message.text = QStringLiteral("direct %1").arg(i).toStdString();
            if (i % 40 == 4 && !h.directMessages.isEmpty())
                message.replyTo = h.directMessages.at(h.directMessages.size() / 2).message_id();
        }
        auto appended = store.append(message, h.ids.next(), h.now);
        QVERIFY2(appended.isOk(), why(appended).constData());
        if (!message.conversationId) {
            h.direct = appended.value().message.conversation_id();
            h.directMessages.append(appended.value().message);
        }
        if (i % 97 == 10) { // now and then an edit, a reaction or a delete of an earlier one
            Store::MessageChangeRequest change;
            change.actorId = appended.value().message.sender_id();
            change.clientId = newClientId();
            change.conversationId = appended.value().message.conversation_id();
            change.targetId = appended.value().message.message_id();
            change.kind = i % 3 == 0 ? pb::MessageChange::EDITED
                : i % 3 == 1         ? pb::MessageChange::REACTION_ADDED
                                     : pb::MessageChange::DELETED;
            change.text = "edited";
            change.emoji = "👍";
            auto changed = store.changeMessage(change, h.ids.next(), h.now);
            QVERIFY2(changed.isOk(), why(changed).constData());
        }
    }
    QVERIFY(store.commit().isOk());
    // Some read, some not: unread counts reach into the archive.
    QVERIFY(store.updateReceipt(h.bob, h.direct, 40, 40).isOk());
}

void TestArchive::segmentFilesReadBackAndRefuseDamage()
{
    QList<pb::Message> messages;
    for (int i = 1; i <= 300; ++i) {
        pb::Message message;
        message.set_conversation_id(7);
        message.set_seq(quint64(i));
        message.set_message_id(1000 + quint64(i));
        message.set_server_time_ms(i * 1000);
        message.set_text(QStringLiteral("message %1 — ünïcode").arg(i).toStdString());
        messages.append(message);
    }
    const QString path = m_dir->filePath(QStringLiteral("a/7.cfa"));
    auto written = Archive::writeSegment(path, 7, messages);
    QVERIFY2(written.isOk(), why(written).constData());
    QCOMPARE(written.value().messages, 300);
    QCOMPARE(written.value().firstSeq, 1u);
    QCOMPARE(written.value().lastSeq, 300u);
    QCOMPARE(written.value().maxMessageId, 1300u);
    QVERIFY(written.value().bytes < written.value().rawBytes); // compressed
    QCOMPARE(Archive::fileSha256(path), written.value().sha256);

    auto reader = Archive::SegmentReader::open(path, 7);
    QVERIFY(reader.isOk());
    QCOMPARE(reader.value()->blocks().size(), 3); // 128 + 128 + 44
    QList<pb::Message> back;
    for (int i = 0; i < 3; ++i) {
        auto block = reader.value()->block(i);
        QVERIFY(block.isOk());
        back += block.value();
    }
    QCOMPARE(back.size(), 300);
    for (int i = 0; i < 300; ++i)
        QCOMPARE(back.at(i).SerializeAsString(), messages.at(i).SerializeAsString());
    QVERIFY(reader.value()->verify(written.value().sha256, 300).isOk());

    // Another conversation's file is not read as this one's.
    QCOMPARE(Archive::SegmentReader::open(path, 8).error().code, ErrorCode::ARCHIVE_UNAVAILABLE);
    // Out of order is refused when writing.
    messages.swapItemsAt(3, 4);
    QCOMPARE(
        Archive::writeSegment(m_dir->filePath(QStringLiteral("b.cfa")), 7, messages).error().code,
        ErrorCode::INVALID_ARGUMENT);

    // One byte flipped in the middle block: that block is refused, the others still read.
    const quint64 middle = reader.value()->blocks().at(1).offset + 10;
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.seek(qint64(middle)));
        char byte = 0;
        QVERIFY(file.getChar(&byte));
        QVERIFY(file.seek(qint64(middle)));
        QVERIFY(file.putChar(char(byte ^ 0x40)));
    }
    auto damaged = Archive::SegmentReader::open(path, 7);
    QVERIFY(damaged.isOk()); // the index is intact
    QVERIFY(damaged.value()->block(0).isOk());
    QCOMPARE(damaged.value()->block(1).error().code, ErrorCode::ARCHIVE_UNAVAILABLE);
    QVERIFY(damaged.value()->block(2).isOk());
    QCOMPARE(damaged.value()->verify(written.value().sha256, 300).error().code,
             ErrorCode::ARCHIVE_UNAVAILABLE);

    // Cut short: the index cannot be trusted, nothing is read.
    {
        QFile file(path);
        QVERIFY(file.resize(file.size() - 100));
    }
    QCOMPARE(Archive::SegmentReader::open(path, 7).error().code, ErrorCode::ARCHIVE_UNAVAILABLE);
    QCOMPARE(
        Archive::SegmentReader::open(m_dir->filePath(QStringLiteral("none.cfa")), 7).error().code,
        ErrorCode::NOT_FOUND);
}

void TestArchive::pagingAcrossTheBoundaryIsUnchanged()
{
    SqliteStore store(m_dir->path(), 1000);
    QVERIFY(store.open().isOk());
    History h;
    fill(store, h);
    if (QTest::currentTestFailed())
        return;
    const Seen aliceBefore = seenBy(store, h.alice, h.group);
    const Seen bobBefore = seenBy(store, h.bob, h.direct);
    QVERIFY(bobBefore.messages > 500);

    // Everything older than 30 days, in steps of at most 100 messages.
    Archive::Archiver archiver(store, SqliteStore::archivePath(m_dir->path()));
    archiver.maxMessages = 100;
    const qint64 cutoff = QDateTime::currentMSecsSinceEpoch() - 30 * kDayMs;
    auto run = archiver.run(cutoff);
    QVERIFY2(run.isOk(), why(run).constData());
    QCOMPARE(run.value().conversations, 2);
    QVERIFY(run.value().segments >= 6); // two or three months of each, 100 at a time
    QVERIFY(run.value().messages > 500);
    QCOMPARE(run.value().conflicts, 0);

    auto stats = store.stats();
    QVERIFY(stats.isOk());
    QCOMPARE(stats.value().archivedMessages, run.value().messages);
    QVERIFY(stats.value().messages > 0); // the last month stays in the database
    QVERIFY(stats.value().archiveBytes < stats.value().archiveRawBytes);

    // Each segment holds one month of one conversation.
    auto segments = store.archiveSegments(0);
    QVERIFY(segments.isOk());
    for (const Store::SegmentRecord &segment : segments.value()) {
        const QString first = QDateTime::fromMSecsSinceEpoch(segment.info.firstMs, Qt::UTC)
                                  .toString(QStringLiteral("yyyy-MM"));
        const QString last = QDateTime::fromMSecsSinceEpoch(segment.info.lastMs, Qt::UTC)
                                 .toString(QStringLiteral("yyyy-MM"));
        QCOMPARE(first, segment.month);
        QCOMPARE(last, segment.month);
        QVERIFY(segment.info.lastMs < cutoff);
    }

    // The same pages, byte for byte, whoever looks and however.
    const Seen aliceAfter = seenBy(store, h.alice, h.group);
    const Seen bobAfter = seenBy(store, h.bob, h.direct);
    QCOMPARE(aliceAfter.messages, aliceBefore.messages);
    QCOMPARE(aliceAfter.history, aliceBefore.history);
    QCOMPARE(aliceAfter.sync, aliceBefore.sync);
    QCOMPARE(aliceAfter.conversations, aliceBefore.conversations);
    QCOMPARE(bobAfter.history, bobBefore.history);
    QCOMPARE(bobAfter.sync, bobBefore.sync);
    QCOMPARE(bobAfter.conversations, bobBefore.conversations);

    // A second run has nothing more to move; the check and the verification agree.
    auto again = archiver.run(cutoff);
    QVERIFY(again.isOk());
    QCOMPARE(again.value().segments, 0);
    auto report = store.check();
    QVERIFY(report.isOk());
    QVERIFY2(report.value().problems.isEmpty(), qPrintable(report.value().problems.join(u'\n')));
    auto verified = archiver.verify();
    QVERIFY(verified.isOk());
    QCOMPARE(verified.value().segments, run.value().segments);
    QCOMPARE(verified.value().messages, run.value().messages);
    QVERIFY(verified.value().problems.isEmpty());
    QVERIFY(verified.value().orphans.isEmpty());

    // Everything archived: the chat list still shows the last message and the unread count.
    QVERIFY(archiver.run(QDateTime::currentMSecsSinceEpoch() + kDayMs).isOk());
    QCOMPARE(store.stats().value().messages, 0);
    const Seen bobAll = seenBy(store, h.bob, h.direct);
    QCOMPARE(bobAll.conversations, bobBefore.conversations);
    QCOMPARE(bobAll.history, bobBefore.history);
    QCOMPARE(bobAll.sync, bobBefore.sync);

    // Ids go on after the archived ones when the database holds none.
    auto maxId = store.maxMessageId();
    QVERIFY(maxId.isOk());
    QVERIFY(maxId.value() >= h.directMessages.last().message_id());

    // Reopened: the same (nothing was held only in memory).
    SqliteStore reopened(m_dir->path(), 1000);
    QVERIFY(reopened.open().isOk());
    QCOMPARE(seenBy(reopened, h.alice, h.group).history, aliceBefore.history);

    // A backup takes the archive along; restored elsewhere, the history is all there.
    ServerConfig config;
    config.dataDir = m_dir->path();
    QString out, err;
    QTextStream outStream(&out), errStream(&err);
    AdminCommands commands(config, outStream, errStream, {});
    const QString backup = m_dir->filePath(QStringLiteral("backup/confab.db"));
    QVERIFY(QDir().mkpath(QFileInfo(backup).absolutePath()));
    QCOMPARE(commands.run({ QStringLiteral("backup"), backup }), 0);
    outStream.flush();
    const int files = int(store.archiveSegments(0).value().size());
    QVERIFY2(out.contains(QStringLiteral("archive: %1 files copied").arg(files)), qPrintable(out));
    QTemporaryDir restored;
    QVERIFY(QFile::copy(backup, QDir(restored.path()).filePath(QStringLiteral("confab.db"))));
    QVERIFY(QDir().rename(backup + QStringLiteral(".archive"),
                          SqliteStore::archivePath(restored.path())));
    SqliteStore fromBackup(restored.path(), 1000);
    QVERIFY(fromBackup.open().isOk());
    QCOMPARE(seenBy(fromBackup, h.bob, h.direct).history, bobBefore.history);
    QVERIFY(fromBackup.check().value().problems.isEmpty());
}

void TestArchive::archivedMessagesAreHistory()
{
    SqliteStore store(m_dir->path(), 1000);
    QVERIFY(store.open().isOk());
    History h;
    fill(store, h);
    if (QTest::currentTestFailed())
        return;
    Archive::Archiver archiver(store, SqliteStore::archivePath(m_dir->path()));
    QVERIFY(archiver.run(QDateTime::currentMSecsSinceEpoch() - 30 * kDayMs).isOk());
    const pb::Message old = h.directMessages.at(5);
    h.now = QDateTime::currentMSecsSinceEpoch();

    // An archived message stays as it was: no edit, delete or reaction.
    for (auto kind : { pb::MessageChange::EDITED, pb::MessageChange::DELETED,
                       pb::MessageChange::REACTION_ADDED }) {
        Store::MessageChangeRequest change;
        change.actorId = old.sender_id();
        change.clientId = newClientId();
        change.conversationId = h.direct;
        change.targetId = old.message_id();
        change.kind = kind;
        change.text = "too late";
        change.emoji = "😀";
        auto changed = store.changeMessage(change, h.ids.next(), h.now);
        QVERIFY(!changed.isOk());
        QCOMPARE(changed.error().code, ErrorCode::MESSAGE_ARCHIVED);
    }
    // An unknown id is still just unknown; an outsider learns nothing.
    Store::MessageChangeRequest unknown;
    unknown.actorId = h.alice;
    unknown.clientId = newClientId();
    unknown.conversationId = h.direct;
    unknown.targetId = old.message_id() + 1;
    unknown.kind = pb::MessageChange::EDITED;
    unknown.text = "x";
    QCOMPARE(store.changeMessage(unknown, h.ids.next(), h.now).error().code, ErrorCode::NOT_FOUND);
    unknown.actorId = h.carol;
    unknown.targetId = old.message_id();
    QCOMPARE(store.changeMessage(unknown, h.ids.next(), h.now).error().code, ErrorCode::NOT_FOUND);

    // It can still be answered: the reply names it, its seq and its sender.
    Store::NewMessage reply;
    reply.senderId = h.alice;
    reply.clientId = newClientId();
    reply.conversationId = h.direct;
    reply.text = "about that, two months ago";
    reply.replyTo = old.message_id();
    auto answered = store.append(reply, h.ids.next(), h.now);
    QVERIFY2(answered.isOk(), why(answered).constData());
    QCOMPARE(answered.value().message.reply_to_seq(), old.seq());
    QCOMPARE(answered.value().message.reply_to_sender_id(), old.sender_id());

    // Its file can still be downloaded by the members, and only by them.
    QVERIFY(store.attachmentFor(h.alice, h.attachmentId).isOk());
    QCOMPARE(store.attachmentFor(h.alice, h.attachmentId).value().name, QStringLiteral("map.png"));
    Store::NewMessage hello;
    hello.senderId = h.carol;
    hello.clientId = newClientId();
    hello.peerUserId = h.bob;
    hello.text = "hi";
    QVERIFY(store.append(hello, h.ids.next(), h.now).isOk());
    auto dave = store.createUser(QStringLiteral("dave"), QStringLiteral("dave"), "hash", h.now);
    QVERIFY(dave.isOk());
    QCOMPARE(store.attachmentFor(dave.value().userId, h.attachmentId).error().code,
             ErrorCode::NOT_FOUND);

    // Reactions and edits made before it was archived are in the archived copy.
    int reacted = 0, edited = 0, deleted = 0, withFile = 0;
    for (quint64 conversation : { h.direct, h.group }) {
        auto all = store.history(h.alice, conversation, 0, 1000);
        QVERIFY(all.isOk());
        for (const pb::Message &message : all.value().messages()) {
            if (message.seq() > store.archiveSegments(conversation).value().last().info.lastSeq)
                continue; // only archived ones
            reacted += message.reactions_size() > 0;
            edited += message.edited_ms() > 0;
            deleted += message.deleted();
            withFile += message.attachments_size() > 0;
        }
    }
    QVERIFY(reacted > 0);
    QVERIFY(edited > 0);
    QVERIFY(deleted > 0);
    QCOMPARE(withFile, 1);
}

void TestArchive::aChangeWhileArchivingIsNotLost()
{
    SqliteStore store(m_dir->path(), 1000);
    QVERIFY(store.open().isOk());
    History h;
    fill(store, h);
    if (QTest::currentTestFailed())
        return;
    // A second connection (the server's, beside the archive job's) edits a message of the
    // batch after its segment was written and before it is recorded.
    SqliteStore server(m_dir->path(), 1000);
    QVERIFY(server.open().isOk());
    Archive::Archiver archiver(store, SqliteStore::archivePath(m_dir->path()));
    archiver.maxMessages = 50;
    const pb::Message target = h.directMessages.at(3);
    bool edited = false;
    archiver.hook = [&](const char *point) {
        if (edited || qstrcmp(point, "written") != 0)
            return;
        edited = true;
        Store::MessageChangeRequest change;
        change.actorId = target.sender_id();
        change.clientId = newClientId();
        change.conversationId = h.direct;
        change.targetId = target.message_id();
        change.kind = pb::MessageChange::EDITED;
        change.text = "changed at the last moment";
        h.now = QDateTime::currentMSecsSinceEpoch();
        QVERIFY(server.changeMessage(change, h.ids.next(), h.now).isOk());
    };
    Archive::RunReport report;
    auto moved =
        archiver.step(h.direct, QDateTime::currentMSecsSinceEpoch() - 30 * kDayMs, &report);
    QVERIFY(moved.isOk());
    QVERIFY(edited);
    QCOMPARE(report.conflicts, 1);
    QCOMPARE(report.segments, 0);
    QCOMPARE(archiver.verify().value().orphans.size(), 0); // its file was removed again

    // The next step archives the edited text.
    QVERIFY(archiver.step(h.direct, QDateTime::currentMSecsSinceEpoch() - 30 * kDayMs, &report)
                .value());
    QCOMPARE(report.segments, 1);
    auto page = store.history(h.bob, h.direct, target.seq() + 1, 1);
    QVERIFY(page.isOk());
    QCOMPARE(page.value().messages(0).message_id(), target.message_id());
    QCOMPARE(page.value().messages(0).text(), std::string("changed at the last moment"));
    QVERIFY(page.value().messages(0).edited_ms() > 0);
}

void TestArchive::aDamagedFileIsReportedNotServed()
{
    History h;
    {
        SqliteStore store(m_dir->path(), 1000);
        QVERIFY(store.open().isOk());
        fill(store, h);
        if (QTest::currentTestFailed())
            return;
        Archive::Archiver archiver(store, SqliteStore::archivePath(m_dir->path()));
        archiver.maxMessages = 100;
        QVERIFY(archiver.run(QDateTime::currentMSecsSinceEpoch() - 30 * kDayMs).isOk());
    }
    SqliteStore store(m_dir->path(), 1000);
    QVERIFY(store.open().isOk());
    // The direct chat's oldest segment gets a byte flipped in its second block.
    auto segments = store.archiveSegments(h.direct);
    QVERIFY(segments.isOk());
    QVERIFY(segments.value().size() >= 2);
    const Store::SegmentRecord oldest = segments.value().first();
    const QString path = QDir(SqliteStore::archivePath(m_dir->path())).filePath(oldest.file);
    {
        auto reader = Archive::SegmentReader::open(path, h.direct);
        QVERIFY(reader.isOk());
        QVERIFY(reader.value()->blocks().size() >= 1);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        const qint64 at = qint64(reader.value()->blocks().first().offset) + 5;
        QVERIFY(file.seek(at));
        QVERIFY(file.putChar('\xff'));
        QVERIFY(file.seek(at + 1));
        QVERIFY(file.putChar('\x00'));
    }
    // Newer history reads as before; paging into the damaged part is refused, not garbled.
    auto recent = store.history(h.bob, h.direct, 0, 50);
    QVERIFY(recent.isOk());
    QCOMPARE(recent.value().messages_size(), 50);
    auto into = store.history(h.bob, h.direct, oldest.info.lastSeq + 1, 50);
    QVERIFY(!into.isOk());
    QCOMPARE(into.error().code, ErrorCode::ARCHIVE_UNAVAILABLE);
    QVERIFY2(into.error().message.contains(oldest.file), why(into).constData());
    // The group is not affected, nor the chat list, nor a sync of everything: the damaged
    // chat is held back (its cursor stays), the others come.
    QVERIFY(store.history(h.alice, h.group, 0, 1000).isOk());
    auto list = store.conversations(h.bob);
    QVERIFY2(list.isOk(), why(list).constData());
    QCOMPARE(list.value().conversations_size(), 2);
    QHash<quint64, quint64> cursors;
    int groupMessages = 0, directMessages = 0;
    for (int guard = 0; guard < 100; ++guard) {
        auto page = store.sync(h.bob, cursors, 100);
        QVERIFY2(page.isOk(), why(page).constData());
        for (const pb::Message &message : page.value().messages()) {
            cursors[message.conversation_id()] = message.seq();
            groupMessages += message.conversation_id() == h.group;
            directMessages += message.conversation_id() == h.direct;
        }
        if (!page.value().has_more())
            break;
    }
    QVERIFY(groupMessages > 200);
    QCOMPARE(directMessages, 0);

    // verify and check say so, and exit 1.
    ServerConfig config;
    config.dataDir = m_dir->path();
    QString out, err;
    QTextStream outStream(&out), errStream(&err);
    AdminCommands commands(config, outStream, errStream, {});
    QCOMPARE(commands.run({ QStringLiteral("archive"), QStringLiteral("verify") }), 1);
    outStream.flush();
    QVERIFY2(out.contains(QStringLiteral("problem: archive file")) && out.contains(oldest.file),
             qPrintable(out));
    out.clear();
    QCOMPARE(commands.run({ QStringLiteral("check") }), 1);
    outStream.flush();
    QVERIFY2(out.contains(oldest.file), qPrintable(out));

    // A missing file is reported the same way.
    QVERIFY(QFile::remove(path));
    QCOMPARE(store.history(h.bob, h.direct, oldest.info.lastSeq + 1, 50).error().code,
             ErrorCode::ARCHIVE_UNAVAILABLE);
    // So is a sound file of the same chat that holds other seqs (a mixed-up restore): it is
    // not served as if it were the one recorded.
    const QString other =
        QDir(SqliteStore::archivePath(m_dir->path())).filePath(segments.value().at(1).file);
    QVERIFY(QFile::copy(other, path));
    SqliteStore fresh(m_dir->path(), 1000); // no reader open yet
    QVERIFY(fresh.open().isOk());
    auto mixed = fresh.history(h.bob, h.direct, oldest.info.lastSeq + 1, 50);
    QCOMPARE(mixed.error().code, ErrorCode::ARCHIVE_UNAVAILABLE);
    QVERIFY2(mixed.error().message.contains(QStringLiteral("as recorded")), why(mixed).constData());
}

void TestArchive::sigkillWhileArchivingLosesNothing()
{
    // Many conversations of history two months old, so that a run takes many steps.
    const QString data = m_dir->filePath(QStringLiteral("data"));
    QHash<quint64, QList<QByteArray>> original; // conversation -> its messages
    QList<quint64> users;
    qint64 total = 0;
    {
        SqliteStore store(data, 1000);
        QVERIFY(store.open().isOk());
        qint64 now = QDateTime::currentMSecsSinceEpoch() - 70 * kDayMs;
        SnowflakeGenerator ids(1, [&now] { return now; });
        for (int i = 0; i < 12; ++i) {
            auto user =
                store.createUser(QStringLiteral("user%1").arg(i), QStringLiteral("u"), "hash", now);
            QVERIFY(user.isOk());
            users.append(user.value().userId);
        }
        QVERIFY(store.begin().isOk());
        for (int n = 0; n < 8000; ++n) {
            now += 20 * kDayMs / 8000 + 1; // over 20 days (across a month's end, often)
            Store::NewMessage message;
            const int a = n % 12, b = (n / 12 + a + 1) % 12;
            if (a == b)
                continue;
            message.senderId = users.at(a);
            message.peerUserId = users.at(b);
            message.clientId = newClientId();
            message.text = QStringLiteral("message %1").arg(n).toStdString();
            auto appended = store.append(message, ids.next(), now);
            QVERIFY(appended.isOk());
            ++total;
        }
        QVERIFY(store.commit().isOk());
        auto conversations = store.conversations(users.first());
        QVERIFY(conversations.isOk());
    }
    auto snapshot = [&](SqliteStore &store) {
        QHash<quint64, QList<QByteArray>> seen;
        for (quint64 user : users) {
            auto list = store.conversations(user);
            if (!list)
                return seen;
            for (const pb::Conversation &c : list.value().conversations()) {
                auto page = store.history(user, c.conversation_id(), 0, 100'000);
                if (!page)
                    return seen;
                QList<QByteArray> messages;
                for (const pb::Message &m : page.value().messages())
                    messages.append(QByteArray::fromStdString(m.SerializeAsString()));
                seen.insert(c.conversation_id(), messages);
            }
        }
        return seen;
    };
    {
        SqliteStore store(data, 1000);
        QVERIFY(store.open().isOk());
        original = snapshot(store);
    }
    QVERIFY(original.size() >= 30);

    // `confabd archive run` in a child process, killed at a random moment, again and again.
    QFile config(m_dir->filePath(QStringLiteral("confabd.conf")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.close();
    auto startRun = [&](QProcess &process) {
        process.setProgram(QStringLiteral(CONFABD_PATH));
        process.setArguments({ QStringLiteral("--config"), config.fileName(),
                               QStringLiteral("--data-dir"), data, QStringLiteral("archive"),
                               QStringLiteral("run"), QStringLiteral("30d") });
        process.start();
        return process.waitForStarted(10'000);
    };
    // The history as it was before any run, to start each round from.
    QTemporaryDir pristine;
    QVERIFY(pristine.isValid());
    auto copyDir = [](const QString &from, const QString &to) {
        QDir(to).removeRecursively();
        QDir().mkpath(to);
        for (const QString &name : QDir(from).entryList(QDir::Files))
            if (!QFile::copy(QDir(from).filePath(name), QDir(to).filePath(name)))
                return false;
        return true;
    };
    QVERIFY(copyDir(data, pristine.path()));
    // How long a whole run takes here, to kill within it.
    qint64 runMs = 0;
    {
        QProcess process;
        QElapsedTimer timer;
        timer.start();
        QVERIFY(startRun(process));
        QVERIFY(process.waitForFinished(120'000));
        runMs = timer.elapsed();
        QCOMPARE(process.exitCode(), 0);
    }
    qInfo() << "a whole run takes" << runMs << "ms";

    // Each round: from the start, a run killed at a random moment, then the next run killed
    // at another (a restart that is interrupted too). After each kill: nothing lost, nothing
    // twice, the store's check passes.
    int killedMidway = 0; // with part of the history moved, and part not
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
            auto stats = store.stats();
            QVERIFY(stats.isOk());
            QCOMPARE(stats.value().messages + stats.value().archivedMessages, total);
            const qint64 archived = stats.value().archivedMessages;
            killedMidway += !finished && archived > 0 && archived < total;
            QVERIFY2(snapshot(store) == original,
                     qPrintable(QStringLiteral("round %1.%2, killed after %3 ms")
                                    .arg(round)
                                    .arg(attempt)
                                    .arg(delay)));
        }
    }
    qInfo() << killedMidway << "runs were killed with part of the history moved";
    QVERIFY(killedMidway >= 3);

    // The last run finishes the job and removes what the killed ones left behind.
    QProcess last;
    QVERIFY(startRun(last));
    QVERIFY(last.waitForFinished(120'000));
    QCOMPARE(last.exitCode(), 0);
    SqliteStore store(data, 1000);
    QVERIFY(store.open().isOk());
    QCOMPARE(snapshot(store), original);
    Archive::Archiver archiver(store, SqliteStore::archivePath(data));
    QVERIFY(archiver.removeOrphans(0).isOk()); // the run keeps young ones: another run's
    auto verified = archiver.verify();
    QVERIFY(verified.isOk());
    QVERIFY(verified.value().problems.isEmpty());
    QVERIFY(verified.value().orphans.isEmpty());
    QVERIFY(store.stats().value().archivedMessages > total / 2);
}

void TestArchive::theServerArchivesOnItsOwn()
{
    ServerConfig config;
    config.port = 0;
    config.dataDir = m_dir->path();
    config.hashCost = Auth::HashCost::minimum();
    config.limits.ratePerSecond = 100'000;
    config.limits.rateBurst = 100'000;
    config.userRatePerSecond = 0;
    config.registrationsPerAddressPerHour = 0;
    config.archiveAfterMs = 1000;
    config.archiveIntervalMs = 3'600'000; // only when asked, below
    config.networkThreads = qEnvironmentVariableIntValue("CONFAB_TEST_NETWORK_THREADS");
    auto server = std::make_unique<Server>(config);
    QVERIFY(server->start().isOk());
    QVERIFY(server->archive());
    QTRY_COMPARE(server->archive()->passes(), 1); // the pass at start: nothing yet

    WireClient alice, bob;
    QVERIFY(alice.connectAs(server->port(), QStringLiteral("alice")));
    QVERIFY(bob.connectAs(server->port(), QStringLiteral("bob")));
    QList<pb::MessageAck> acks;
    for (int i = 0; i < 300; ++i) {
        const auto answer = alice.request(
            WireClient::sendTo(QStringLiteral("bob"), QStringLiteral("hello %1").arg(i)));
        QVERIFY(answer.has_message_ack());
        acks.append(answer.message_ack());
    }
    const quint64 conversation = acks.first().conversation_id();
    auto historyOf = [&](WireClient &who) {
        QList<QByteArray> pages;
        quint64 before = 0;
        for (int guard = 0; guard < 100; ++guard) {
            pb::Envelope request;
            request.mutable_history_request()->set_conversation_id(conversation);
            request.mutable_history_request()->set_before_seq(before);
            request.mutable_history_request()->set_limit(40);
            const auto answer = who.request(request);
            if (!answer.has_history_page())
                return pages << QByteArray("error");
            pages.append(QByteArray::fromStdString(answer.history_page().SerializeAsString()));
            if (!answer.history_page().has_more())
                break;
            before = answer.history_page().messages(0).seq();
        }
        return pages;
    };
    const QList<QByteArray> before = historyOf(bob);
    QCOMPARE(before.size(), 8);
    // Read again: the newest pages come from the recent-message cache now.
    QCOMPARE(historyOf(bob), before);
    QVERIFY(server->recentCache().hits.load() >= 4);
    QVERIFY(server->recentCache().bytes.load() > 0);
    // ... and `confabd stats`, in another process, hears of it from the running server.
    QFile::remove(DataDir::runtimeStatsFile(m_dir->path())); // the next one has those reads
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(DataDir::runtimeStatsFile(m_dir->path())), 10'000);
    {
        QString out, err;
        QTextStream outStream(&out), errStream(&err);
        AdminCommands commands(config, outStream, errStream, {});
        QCOMPARE(commands.run({ QStringLiteral("stats") }), 0);
        outStream.flush();
        QVERIFY2(out.contains(QStringLiteral("recent cache     1 conversations")), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("% hit rate")), qPrintable(out));
    }

    // A second later they are all older than archive_after.
    QTest::qWait(1100);
    server->archive()->runNow();
    QTRY_COMPARE(server->archive()->passes(), 2);
    QCOMPARE(server->archive()->lastReport().messages, 300);
    QCOMPARE(historyOf(bob), before);

    // A new device of bob's syncs from nothing: all 300, in order, from the archive.
    WireClient phone;
    QVERIFY(phone.open(server->port()));
    QVERIFY(phone.hello().has_welcome());
    QVERIFY(phone.login(QStringLiteral("bob")).has_auth_ok());
    QList<quint64> seqs;
    for (int guard = 0; guard < 100; ++guard) {
        pb::Envelope sync;
        sync.mutable_sync_request();
        for (quint64 seq : { seqs.isEmpty() ? quint64(0) : seqs.last() }) {
            auto *cursor = sync.mutable_sync_request()->add_cursors();
            cursor->set_conversation_id(conversation);
            cursor->set_seq(seq);
        }
        const auto page = phone.request(sync);
        QVERIFY(page.has_sync_page());
        for (const pb::Message &m : page.sync_page().messages()) {
            QCOMPARE(m.message_id(), acks.at(seqs.size()).message_id());
            seqs.append(m.seq());
        }
        if (!page.sync_page().has_more())
            break;
    }
    QCOMPARE(seqs.size(), 300);
    QCOMPARE(seqs.last(), 300u);

    // New messages go on after the archived ones; an edit of an archived one is refused.
    const auto next =
        alice.request(WireClient::sendTo(QStringLiteral("bob"), QStringLiteral("new")));
    QCOMPARE(next.message_ack().seq(), 301u);
    pb::Envelope edit;
    auto *change = edit.mutable_change_message();
    change->set_client_id(QUuid::createUuid().toRfc4122().toStdString());
    change->set_conversation_id(conversation);
    change->set_message_id(acks.first().message_id());
    change->set_kind(pb::MessageChange::EDITED);
    change->set_text("edited");
    const auto refused = alice.request(edit);
    QVERIFY(refused.has_error());
    QCOMPARE(refused.error().code(), pb::MESSAGE_ARCHIVED);
}

void TestArchive::durations()
{
    QCOMPARE(parseDuration(QStringLiteral("30d")), 30 * kDayMs);
    QCOMPARE(parseDuration(QStringLiteral(" 12h ")), qint64(12) * 3'600'000);
    QCOMPARE(parseDuration(QStringLiteral("15m")), qint64(15) * 60'000);
    QCOMPARE(parseDuration(QStringLiteral("90s")), qint64(90'000));
    QCOMPARE(parseDuration(QStringLiteral("off")), 0);
    QCOMPARE(parseDuration(QString()), 0);
    QCOMPARE(parseDuration(QStringLiteral("30")), -1);
    QCOMPARE(parseDuration(QStringLiteral("-3d")), -1);
    QCOMPARE(parseDuration(QStringLiteral("3w")), -1);
    QCOMPARE(parseDuration(QStringLiteral("99999999999999999d")), -1);

    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("c.conf")), QSettings::IniFormat);
    settings.setValue(QStringLiteral("history/archive_after"), QStringLiteral("30d"));
    QStringList warnings;
    auto config = ServerConfig::fromSettings(settings, &warnings);
    QVERIFY(config.isOk());
    QCOMPARE(config.value().archiveAfterMs, 30 * kDayMs);
    QVERIFY(warnings.isEmpty());
    for (const char *bad : { "soon", "12h", "-1d" }) {
        settings.setValue(QStringLiteral("history/archive_after"), QString::fromLatin1(bad));
        config = ServerConfig::fromSettings(settings, &warnings);
        QVERIFY2(!config.isOk(), bad); // under a day is refused: resends must still be known
        QVERIFY(config.error().message.contains(QStringLiteral("history/archive_after")));
    }
    settings.setValue(QStringLiteral("history/archive_after"), QStringLiteral("off"));
    QCOMPARE(ServerConfig::fromSettings(settings, &warnings).value().archiveAfterMs, 0);

    // The command line holds to the same floor.
    ServerConfig plain;
    plain.dataDir = dir.path();
    QString out, err;
    QTextStream outStream(&out), errStream(&err);
    AdminCommands commands(plain, outStream, errStream, {});
    QCOMPARE(
        commands.run({ QStringLiteral("archive"), QStringLiteral("run"), QStringLiteral("1h") }),
        2);
    QCOMPARE(commands.run({ QStringLiteral("archive"), QStringLiteral("run") }), 2); // off
    QCOMPARE(
        commands.run({ QStringLiteral("archive"), QStringLiteral("run"), QStringLiteral("2d") }),
        0);
}

QTEST_GUILESS_MAIN(TestArchive)
#include "tst_archive.moc"
