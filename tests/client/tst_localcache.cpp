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

private:
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

QTEST_GUILESS_MAIN(TestLocalCache)
#include "tst_localcache.moc"
