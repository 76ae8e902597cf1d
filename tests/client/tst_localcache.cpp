#include "localcache.h"

#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Confab;
using namespace Confab::Client;

namespace {

ChatMessage received(quint64 conversation, quint64 seq, const QString &text, quint64 sender = 2)
{
    ChatMessage m;
    m.clientId = QUuid::createUuid();
    m.messageId = 1000 + conversation * 100'000 + seq;
    m.conversationId = conversation;
    m.seq = seq;
    m.senderId = sender;
    m.text = text;
    m.timeMs = 1'790'000'000'000 + qint64(seq);
    return m;
}

} // namespace

class TestLocalCache : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void pendingMessageIsInTheOutboxUntilAcked();
    void outboxKeepsItsOrderAcrossReopen();
    void failedMessageLeavesTheOutboxAndCanBeRetried();
    void receivedMessagesAreStoredOnceAndAdvanceTheCursor();
    void cursorStopsAtAGapAndMovesWhenItIsFilled();
    void ownMessageSeenBeforeItsAckIsNotDuplicated();
    void conversationListHasLastMessageAndUnread();
    void messagesPageBackwards();
    void searchFindsEnglishByPrefix();
    void searchFindsChinese();
    void searchSnippetHasNoSegmentingSpaces();
    void corruptFileIsMovedAsideAndReplaced();
    void foreignDatabaseIsMovedAside();
    void purgeDeletesExactlyWhatRetentionDeleted();
    void purgeMovesTheCursorSoTheDeletedStartIsNoGap();
    void purgeGoesInBoundedBatches();
    void expireDeletesThePrefixOlderThanTheLimit_data();
    void expireDeletesThePrefixOlderThanTheLimit();
    void retentionEventRoundTrips();
    void migrationFromSchema4KeepsTheData();

private:
    //! Rows of a table, read on a connection of its own (as another process would see them).
    int countRows(const QString &sql);
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LocalCache> m_cache;
    QString path() const { return m_dir->filePath(QStringLiteral("alice.db")); }
};

void TestLocalCache::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_cache = std::make_unique<LocalCache>(path());
    QVERIFY(m_cache->open());
    QVERIFY(m_cache->setSetting(QStringLiteral("user_id"), 1));
}

void TestLocalCache::cleanup()
{
    m_cache.reset();
    m_dir.reset();
}

void TestLocalCache::pendingMessageIsInTheOutboxUntilAcked()
{
    auto pending = m_cache->addPending(0, QStringLiteral("Bob"), QStringLiteral("hi bob"), 1, 5000);
    QVERIFY(pending.isOk());
    QCOMPARE(pending.value().state, MessageState::Sending);
    QCOMPARE(pending.value().peerUsername, QStringLiteral("bob"));
    QVERIFY(!pending.value().clientId.isNull());
    QCOMPARE(m_cache->outbox().value().size(), 1);

    auto sent = m_cache->markSent(pending.value().clientId, 777, 42, 1, 6000);
    QVERIFY(sent.isOk());
    QCOMPARE(sent.value().state, MessageState::Sent);
    QCOMPARE(sent.value().messageId, quint64(777));
    QCOMPARE(sent.value().conversationId, quint64(42));
    QCOMPARE(sent.value().seq, quint64(1));
    QCOMPARE(sent.value().localId, pending.value().localId);
    QVERIFY(m_cache->outbox().value().isEmpty());
    QCOMPARE(m_cache->cursors().value(42), quint64(1));
}

void TestLocalCache::outboxKeepsItsOrderAcrossReopen()
{
    QList<QUuid> ids;
    for (int i = 0; i < 5; ++i)
        ids << m_cache->addPending(7, {}, QStringLiteral("m%1").arg(i), 1, 5000 + i)
                   .value()
                   .clientId;
    m_cache = std::make_unique<LocalCache>(path()); // the app was killed and started again
    QVERIFY(m_cache->open());
    const auto outbox = m_cache->outbox().value();
    QCOMPARE(outbox.size(), 5);
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(outbox.at(i).clientId, ids.at(i));
        QCOMPARE(outbox.at(i).text, QStringLiteral("m%1").arg(i));
    }
}

void TestLocalCache::failedMessageLeavesTheOutboxAndCanBeRetried()
{
    const QUuid id =
        m_cache->addPending(7, {}, QStringLiteral("too long"), 1, 5000).value().clientId;
    auto failed = m_cache->markFailed(id, QStringLiteral("The message is too long."));
    QCOMPARE(failed.value().state, MessageState::Failed);
    QCOMPARE(failed.value().error, QStringLiteral("The message is too long."));
    QVERIFY(m_cache->outbox().value().isEmpty());
    QCOMPARE(m_cache->retry(id).value().state, MessageState::Sending);
    QCOMPARE(m_cache->outbox().value().size(), 1);
    QVERIFY(m_cache->markFailed(id, QStringLiteral("again")));
    QVERIFY(m_cache->discard(id));
    QCOMPARE(m_cache->message(id).error().code, ErrorCode::NOT_FOUND);
    QVERIFY(m_cache->search(QStringLiteral("long"), 10).value().isEmpty());
}

void TestLocalCache::receivedMessagesAreStoredOnceAndAdvanceTheCursor()
{
    const QList<ChatMessage> batch { received(5, 1, QStringLiteral("a")),
                                     received(5, 2, QStringLiteral("b")),
                                     received(5, 3, QStringLiteral("c")) };
    QCOMPARE(m_cache->storeMessages(batch).value().size(), 3);
    QCOMPARE(m_cache->storeMessages(batch).value().size(), 0); // again: nothing new
    QCOMPARE(m_cache->messageCount(), qint64(3));
    QCOMPARE(m_cache->cursors().value(5), quint64(3));
}

void TestLocalCache::cursorStopsAtAGapAndMovesWhenItIsFilled()
{
    QVERIFY(m_cache->storeMessages({ received(5, 1, QStringLiteral("a")),
                                     received(5, 2, QStringLiteral("b")),
                                     received(5, 5, QStringLiteral("e")) }));
    QCOMPARE(m_cache->cursors().value(5), quint64(2));
    QCOMPARE(m_cache->gapEnd(5), quint64(5));
    QVERIFY(m_cache->storeMessages(
        { received(5, 3, QStringLiteral("c")), received(5, 4, QStringLiteral("d")) }));
    QCOMPARE(m_cache->cursors().value(5), quint64(5));
    QCOMPARE(m_cache->gapEnd(5), quint64(0));
}

void TestLocalCache::ownMessageSeenBeforeItsAckIsNotDuplicated()
{
    const auto pending = m_cache->addPending(9, {}, QStringLiteral("mine"), 1, 5000).value();
    ChatMessage echo = received(9, 1, QStringLiteral("mine"), 1);
    echo.clientId = pending.clientId; // the same message, synced before the ack arrived
    QCOMPARE(m_cache->storeMessages({ echo }).value().size(), 1);
    QVERIFY(m_cache->outbox().value().isEmpty());
    auto acked = m_cache->markSent(pending.clientId, echo.messageId, 9, 1, echo.timeMs);
    QVERIFY(acked.isOk());
    QCOMPARE(m_cache->messageCount(), qint64(1));
    QCOMPARE(m_cache->messages(9, 0, 10).value().size(), 1);
}

void TestLocalCache::conversationListHasLastMessageAndUnread()
{
    ConversationSummary c;
    c.conversationId = 5;
    c.members = { { 1, QStringLiteral("alice"), QStringLiteral("Alice") },
                  { 2, QStringLiteral("bob"), QStringLiteral("Bob") } };
    c.readSeq = 1;
    QVERIFY(m_cache->storeConversation(c));
    QVERIFY(m_cache->storeMessages(
        { received(5, 1, QStringLiteral("one")), received(5, 2, QStringLiteral("two")),
          received(5, 3, QStringLiteral("mine"), 1), received(6, 1, QStringLiteral("other")) }));
    const auto list = m_cache->conversations().value();
    QCOMPARE(list.size(), 2);
    const auto five = m_cache->conversation(5).value();
    QCOMPARE(five.lastText, QStringLiteral("mine"));
    QCOMPARE(five.unreadCount, quint64(1)); // "two": after read_seq 1, not mine
    QCOMPARE(five.members.size(), 2);
    QCOMPARE(five.members.at(1).displayName, QStringLiteral("Bob"));
}

void TestLocalCache::messagesPageBackwards()
{
    QList<ChatMessage> batch;
    for (quint64 seq = 1; seq <= 30; ++seq)
        batch << received(5, seq, QString::number(seq));
    QVERIFY(m_cache->storeMessages(batch));
    QVERIFY(m_cache->addPending(5, {}, QStringLiteral("unsent"), 1, 9999));
    auto newest = m_cache->messages(5, 0, 10).value();
    QCOMPARE(newest.size(), 11);
    QCOMPARE(newest.first().seq, quint64(21));
    QCOMPARE(newest.last().text, QStringLiteral("unsent"));
    auto older = m_cache->messages(5, 21, 10).value();
    QCOMPARE(older.first().seq, quint64(11));
    QCOMPARE(older.last().seq, quint64(20));
    QCOMPARE(m_cache->oldestSeq(5), quint64(1));
}

void TestLocalCache::searchFindsEnglishByPrefix()
{
    QVERIFY(
        m_cache->storeMessages({ received(5, 1, QStringLiteral("The meeting moved to Thursday")),
                                 received(5, 2, QStringLiteral("lunch?")),
                                 received(6, 1, QStringLiteral("Meetings are boring")) }));
    auto hits = m_cache->search(QStringLiteral("meet"), 10).value();
    QCOMPARE(hits.size(), 2);
    QCOMPARE(hits.first().conversationId, quint64(6)); // newest first
    QVERIFY(hits.first().snippet.contains(QStringLiteral("\x02Meetings\x03")));
    QCOMPARE(m_cache->search(QStringLiteral("meeting thursday"), 10).value().size(), 1);
    QCOMPARE(m_cache->search(QStringLiteral("\"unbalanced"), 10).value().size(),
             0); // no syntax error
    QVERIFY(m_cache->search(QStringLiteral("   "), 10).value().isEmpty());
}

void TestLocalCache::searchFindsChinese()
{
    QVERIFY(m_cache->storeMessages({ received(5, 1, QStringLiteral("我们明天在北京见面")),
                                     received(5, 2, QStringLiteral("北方的天气很冷")),
                                     received(5, 3, QStringLiteral("東京で会いましょう")) }));
    QCOMPARE(m_cache->search(QStringLiteral("北京"), 10).value().size(), 1);
    QCOMPARE(m_cache->search(QStringLiteral("北"), 10).value().size(), 2);
    QCOMPARE(m_cache->search(QStringLiteral("明天 见面"), 10).value().size(), 1);
    QCOMPARE(m_cache->search(QStringLiteral("京北"), 10).value().size(), 0); // order matters
    QCOMPARE(m_cache->search(QStringLiteral("東京"), 10).value().size(), 1);
}

void TestLocalCache::searchSnippetHasNoSegmentingSpaces()
{
    QVERIFY(m_cache->storeMessages({ received(5, 1, QStringLiteral("我们明天在北京见面")) }));
    const auto hits = m_cache->search(QStringLiteral("北京"), 10).value();
    QCOMPARE(hits.size(), 1);
    QString plain = hits.first().snippet;
    plain.remove(QChar(2)).remove(QChar(3));
    QCOMPARE(plain, QStringLiteral("我们明天在北京见面"));
    QVERIFY2(hits.first().snippet.contains(QStringLiteral("\x02北京\x03")),
             qPrintable(hits.first().snippet));
}

void TestLocalCache::corruptFileIsMovedAsideAndReplaced()
{
    QVERIFY(m_cache->storeMessages({ received(5, 1, QStringLiteral("a")) }));
    m_cache.reset();
    {
        QFile file(path());
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.seek(0));
        file.write(QByteArray(4096, '\x5a')); // the header and first page are garbage now
    }
    QFile::remove(path() + QStringLiteral("-wal"));
    m_cache = std::make_unique<LocalCache>(path());
    QVERIFY(m_cache->open());
    QVERIFY(!m_cache->movedAsidePath().isEmpty());
    QVERIFY(QFile::exists(m_cache->movedAsidePath()));
    QCOMPARE(m_cache->messageCount(), qint64(0)); // a fresh cache, to be synced again
    QVERIFY(m_cache->addPending(5, {}, QStringLiteral("usable"), 1, 1));
}

void TestLocalCache::foreignDatabaseIsMovedAside()
{
    m_cache.reset();
    QFile::remove(path());
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("foreign"));
        db.setDatabaseName(path());
        QVERIFY(db.open());
        QSqlQuery(db).exec(
            QStringLiteral("CREATE TABLE photos (id INTEGER PRIMARY KEY, blob BLOB)"));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("foreign"));
    m_cache = std::make_unique<LocalCache>(path());
    QVERIFY(m_cache->open());
    QVERIFY(!m_cache->movedAsidePath().isEmpty());
    QCOMPARE(m_cache->messageCount(), qint64(0));
}

int TestLocalCache::countRows(const QString &sql)
{
    int count = -1;
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("count"));
        db.setDatabaseName(path());
        if (db.open()) {
            QSqlQuery query(db);
            if (query.exec(sql) && query.next())
                count = query.value(0).toInt();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("count"));
    return count;
}

void TestLocalCache::purgeDeletesExactlyWhatRetentionDeleted()
{
    ConversationSummary c;
    c.conversationId = 5;
    c.members = { { 1, QStringLiteral("alice"), QStringLiteral("Alice") },
                  { 2, QStringLiteral("bob"), QStringLiteral("Bob") } };
    QVERIFY(m_cache->storeConversation(c));
    QList<ChatMessage> batch;
    for (quint64 seq = 1; seq <= 10; ++seq) {
        ChatMessage m = received(5, seq, QStringLiteral("zebra %1").arg(seq));
        m.reactions = { { QStringLiteral("👍"), { 1, 2 } } };
        m.attachments = { { 9000 + seq,
                            QStringLiteral("photo.jpg"),
                            QStringLiteral("image/jpeg"),
                            100,
                            QByteArray(32, 'h'),
                            {},
                            10,
                            10,
                            {} } };
        batch << m;
    }
    QVERIFY(m_cache->storeMessages(batch));
    QVERIFY(m_cache->storeMessages({ received(6, 1, QStringLiteral("zebra elsewhere")) }));
    // Unsent ones are the user's, whatever their age: kept.
    const auto pending = m_cache->addPending(5, {}, QStringLiteral("zebra unsent"), 1, 1).value();
    const auto failed = m_cache->addPending(5, {}, QStringLiteral("zebra failed"), 1, 2).value();
    QVERIFY(m_cache->markFailed(failed.clientId, QStringLiteral("no")));
    QCOMPARE(m_cache->search(QStringLiteral("zebra"), 100).value().size(), 13);
    QCOMPARE(m_cache->conversation(5).value().unreadCount, quint64(10));

    c.purgedSeq = 6;
    bool moved = false;
    QVERIFY(m_cache->storeConversation(c, &moved));
    QVERIFY(moved);
    QCOMPARE(m_cache->conversation(5).value().purgedSeq, quint64(6));
    // Hidden at once, before a row is deleted: the views and search never show them again.
    const auto shown = m_cache->messages(5, 0, 100).value();
    QCOMPARE(shown.size(), 6); // 7..10 and the two unsent
    QCOMPARE(shown.first().seq, quint64(7));
    QCOMPARE(m_cache->search(QStringLiteral("zebra"), 100).value().size(), 7);
    QCOMPARE(m_cache->oldestSeq(5), quint64(7));
    // Nor by id (a reply's quote of one): only the newer ones.
    QCOMPARE(m_cache->messageById(batch.at(2).messageId).error().code, ErrorCode::NOT_FOUND);
    QCOMPARE(m_cache->messageById(batch.at(7).messageId).value().seq, quint64(8));

    QCOMPARE(m_cache->deletePurged(100).value(), 6);
    QCOMPARE(m_cache->deletePurged(100).value(), 0);
    QCOMPARE(m_cache->messageCount(), qint64(4 + 1 + 2));
    for (quint64 seq = 1; seq <= 10; ++seq) {
        const quint64 messageId = received(5, seq, {}).messageId;
        QCOMPARE(m_cache->messageById(messageId).isOk(), seq > 6);
        QCOMPARE(countRows(QStringLiteral("SELECT COUNT(*) FROM reactions WHERE message_id = %1")
                               .arg(messageId)),
                 seq > 6 ? 2 : 0);
        QCOMPARE(countRows(QStringLiteral("SELECT COUNT(*) FROM attachments WHERE "
                                          "attachment_id = %1")
                               .arg(9000 + seq)),
                 seq > 6 ? 1 : 0);
    }
    QCOMPARE(countRows(QStringLiteral("SELECT COUNT(*) FROM messages_fts")), 7);
    QCOMPARE(m_cache->search(QStringLiteral("zebra"), 100).value().size(), 7);
    QCOMPARE(m_cache->outbox().value().size(), 1);
    QCOMPARE(m_cache->message(pending.clientId).value().state, MessageState::Sending);
    QCOMPARE(m_cache->message(failed.clientId).value().state, MessageState::Failed);
    QCOMPARE(m_cache->conversation(5).value().unreadCount, quint64(4));
    QCOMPARE(m_cache->messages(6, 0, 10).value().size(), 1); // another chat: untouched

    // What was deleted is not taken again (a history page that was on its way).
    QCOMPARE(m_cache->storeMessages({ received(5, 3, QStringLiteral("late")) }).value().size(), 0);
    QVERIFY(!m_cache->messageById(received(5, 3, {}).messageId).isOk());
    // The same or a lower purged_seq changes nothing.
    c.purgedSeq = 4;
    QVERIFY(m_cache->storeConversation(c, &moved));
    QVERIFY(!moved);
    QCOMPARE(m_cache->conversation(5).value().purgedSeq, quint64(6));
}

void TestLocalCache::purgeMovesTheCursorSoTheDeletedStartIsNoGap()
{
    ConversationSummary c;
    c.conversationId = 5;
    QVERIFY(m_cache->storeConversation(c));
    QVERIFY(m_cache->storeMessages(
        { received(5, 1, QStringLiteral("a")), received(5, 2, QStringLiteral("b")),
          received(5, 8, QStringLiteral("h")), received(5, 9, QStringLiteral("i")) }));
    QCOMPARE(m_cache->cursors().value(5), quint64(2));
    QCOMPARE(m_cache->gapEnd(5), quint64(8));
    // Deleted up to 5: 6 and 7 are still a gap to fill.
    c.purgedSeq = 5;
    QVERIFY(m_cache->storeConversation(c));
    QCOMPARE(m_cache->cursors().value(5), quint64(5));
    QCOMPARE(m_cache->gapEnd(5), quint64(8));
    // Deleted up to 7: no gap, the cursor goes on over what is held.
    c.purgedSeq = 7;
    QVERIFY(m_cache->storeConversation(c));
    QCOMPARE(m_cache->cursors().value(5), quint64(9));
    QCOMPARE(m_cache->gapEnd(5), quint64(0));

    // A chat first seen after a purge (a new device): its first live message is no gap.
    ConversationSummary fresh;
    fresh.conversationId = 7;
    fresh.purgedSeq = 40;
    QVERIFY(m_cache->storeConversation(fresh));
    QCOMPARE(m_cache->cursors().value(7), quint64(40));
    QVERIFY(m_cache->storeMessages({ received(7, 41, QStringLiteral("live")) }));
    QCOMPARE(m_cache->cursors().value(7), quint64(41));
    QCOMPARE(m_cache->gapEnd(7), quint64(0));
    QCOMPARE(m_cache->oldestSeq(7), quint64(41));
}

void TestLocalCache::purgeGoesInBoundedBatches()
{
    ConversationSummary c;
    c.conversationId = 5;
    QList<ChatMessage> batch;
    for (quint64 seq = 1; seq <= 25; ++seq)
        batch << received(5, seq, QString::number(seq));
    QVERIFY(m_cache->storeMessages(batch));
    c.purgedSeq = 20;
    QVERIFY(m_cache->storeConversation(c));
    QCOMPARE(m_cache->deletePurged(8).value(), 8);
    QCOMPARE(m_cache->deletePurged(8).value(), 8);
    QCOMPARE(m_cache->deletePurged(8).value(), 4);
    QCOMPARE(m_cache->deletePurged(8).value(), 0);
    QCOMPARE(m_cache->messageCount(), qint64(5));
}

void TestLocalCache::expireDeletesThePrefixOlderThanTheLimit_data()
{
    QTest::addColumn<int>("serverDays");
    QTest::addColumn<int>("chatDays");
    QTest::addColumn<QList<int>>("ageDays"); // seq 1, 2, ...; -1: not held
    QTest::addColumn<quint64>("purgedSeq");
    QTest::addColumn<quint64>("gapEnd"); // afterwards

    const QList<int> ages { 40, 35, 20, 10, 3, 0 };
    QTest::newRow("no limit") << 0 << 0 << ages << quint64(0) << quint64(0);
    QTest::newRow("the chat's") << 0 << 7 << ages << quint64(4) << quint64(0);
    QTest::newRow("the server's") << 30 << 0 << ages << quint64(2) << quint64(0);
    QTest::newRow("the smaller of both") << 30 << 7 << ages << quint64(4) << quint64(0);
    QTest::newRow("the server's is smaller") << 1 << 30 << ages << quint64(5) << quint64(0);
    QTest::newRow("everything") << 0 << 1 << QList<int> { 9, 8, 7 } << quint64(3) << quint64(0);
    // A prefix, as the server deletes: a young entry ends it, even with older ones after it.
    QTest::newRow("a young one stops it")
        << 0 << 7 << QList<int> { 30, 2, 30 } << quint64(1) << quint64(0);
    // What is not held between an old and a young entry may be young: fetched, not assumed.
    QTest::newRow("not past a gap before a young one")
        << 0 << 7 << QList<int> { 30, 30, -1, -1, 2 } << quint64(2) << quint64(5);
    QTest::newRow("past a gap before an old one")
        << 0 << 7 << QList<int> { 30, -1, 30, 1 } << quint64(3) << quint64(0);
}

void TestLocalCache::expireDeletesThePrefixOlderThanTheLimit()
{
    QFETCH(int, serverDays);
    QFETCH(int, chatDays);
    QFETCH(QList<int>, ageDays);
    QFETCH(quint64, purgedSeq);
    QFETCH(quint64, gapEnd);
    const qint64 now = 1'790'000'000'000;
    const qint64 day = 24 * 3600 * 1000;
    ConversationSummary c;
    c.conversationId = 5;
    c.retentionDays = chatDays;
    QVERIFY(m_cache->storeConversation(c));
    QList<ChatMessage> batch;
    for (int i = 0; i < ageDays.size(); ++i) {
        if (ageDays.at(i) < 0)
            continue;
        ChatMessage m = received(5, quint64(i + 1), QStringLiteral("m%1").arg(i + 1));
        m.timeMs = now - ageDays.at(i) * day - 1000;
        batch << m;
    }
    QVERIFY(m_cache->storeMessages(batch));
    // An unsent message keeps its local time: never expired.
    QVERIFY(m_cache->addPending(5, {}, QStringLiteral("unsent"), 1, now - 100 * day));

    const auto moved = m_cache->expire(now, serverDays).value();
    QCOMPARE(moved, purgedSeq ? QList<quint64> { 5 } : QList<quint64> {});
    QCOMPARE(m_cache->conversation(5).value().purgedSeq, purgedSeq);
    QCOMPARE(m_cache->expire(now, serverDays).value(), QList<quint64> {}); // nothing more
    while (m_cache->deletePurged(2).value() > 0) { }
    for (const ChatMessage &m : std::as_const(batch))
        QCOMPARE(m_cache->messageById(m.messageId).isOk(), m.seq > purgedSeq);
    QCOMPARE(m_cache->outbox().value().size(), 1);
    QCOMPARE(m_cache->gapEnd(5), gapEnd);
}

void TestLocalCache::retentionEventRoundTrips()
{
    ChatMessage set = received(5, 1, {});
    set.event.kind = GroupEvent::Kind::RetentionSet;
    set.event.retentionDays = 7;
    ChatMessage off = received(5, 2, {});
    off.event.kind = GroupEvent::Kind::RetentionSet;
    QVERIFY(m_cache->storeMessages({ set, off }));
    const auto page = m_cache->messages(5, 0, 10).value();
    QCOMPARE(page.size(), 2);
    QCOMPARE(page.at(0).event.kind, GroupEvent::Kind::RetentionSet);
    QCOMPARE(page.at(0).event.retentionDays, 7);
    QCOMPARE(page.at(1).event.kind, GroupEvent::Kind::RetentionSet);
    QCOMPARE(page.at(1).event.retentionDays, 0);
    QCOMPARE(m_cache->conversation(5).value().unreadCount, quint64(0)); // a notice, not unread

    ConversationSummary c;
    c.conversationId = 5;
    c.retentionDays = 7;
    QVERIFY(m_cache->storeConversation(c));
    QCOMPARE(m_cache->conversation(5).value().retentionDays, 7);
    c.retentionDays = 0; // turned off
    QVERIFY(m_cache->storeConversation(c));
    QCOMPARE(m_cache->conversation(5).value().retentionDays, 0);
}

void TestLocalCache::migrationFromSchema4KeepsTheData()
{
    ConversationSummary c;
    c.conversationId = 5;
    c.members = { { 1, QStringLiteral("alice"), QStringLiteral("Alice") },
                  { 2, QStringLiteral("bob"), QStringLiteral("Bob") } };
    QVERIFY(m_cache->storeConversation(c));
    QVERIFY(m_cache->storeMessages(
        { received(5, 1, QStringLiteral("kept")), received(5, 2, QStringLiteral("also kept")) }));
    const QUuid unsent =
        m_cache->addPending(5, {}, QStringLiteral("unsent"), 1, 1).value().clientId;
    m_cache.reset();
    // The file as version 4 left it: the same tables without the retention columns.
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("downgrade"));
        db.setDatabaseName(path());
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("ALTER TABLE conversations DROP COLUMN purged_seq")));
        QVERIFY(query.exec(QStringLiteral("ALTER TABLE conversations DROP COLUMN retention_days")));
        QVERIFY(query.exec(QStringLiteral("PRAGMA user_version = 4")));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("downgrade"));

    m_cache = std::make_unique<LocalCache>(path());
    QVERIFY(m_cache->open());
    QVERIFY(m_cache->movedAsidePath().isEmpty()); // migrated, not replaced
    QCOMPARE(countRows(QStringLiteral("PRAGMA user_version")), LocalCache::kSchemaVersion);
    const auto conversation = m_cache->conversation(5).value();
    QCOMPARE(conversation.members.size(), 2);
    QCOMPARE(conversation.retentionDays, 0);
    QCOMPARE(conversation.purgedSeq, quint64(0));
    const auto page = m_cache->messages(5, 0, 10).value();
    QCOMPARE(page.size(), 3);
    QCOMPARE(page.at(0).text, QStringLiteral("kept"));
    QCOMPARE(m_cache->outbox().value().first().clientId, unsent);
    QCOMPARE(m_cache->search(QStringLiteral("kept"), 10).value().size(), 2);
    QCOMPARE(m_cache->cursors().value(5), quint64(2));
    // And the new columns work.
    c.retentionDays = 30;
    c.purgedSeq = 1;
    QVERIFY(m_cache->storeConversation(c));
    QCOMPARE(m_cache->conversation(5).value().retentionDays, 30);
    QCOMPARE(m_cache->deletePurged(10).value(), 1);
    QCOMPARE(m_cache->messages(5, 0, 10).value().size(), 2);
}

QTEST_GUILESS_MAIN(TestLocalCache)
#include "tst_localcache.moc"
