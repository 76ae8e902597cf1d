#include "store/recentcache.h"
#include "store/sqlitestore.h"

#include <confab/ids.h>

#include <QTemporaryDir>
#include <QTest>

using namespace Confab;
using Store::SqliteStore;

namespace {

QByteArray newClientId()
{
    return QUuid::createUuid().toRfc4122();
}

QByteArray bytes(const google::protobuf::Message &message)
{
    return QByteArray::fromStdString(message.SerializeAsString());
}

} // namespace

//! The recent-message cache (DESIGN.md §4): the newest messages of busy conversations served
//! from memory, exactly as the database would serve them, and never anything uncommitted.
class TestRecentCache : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void servesWhatTheDatabaseWould();
    void neverServesWhatIsNotCommitted();
    void changesAreNotServedStale();
    void staysWithinItsBudget();

private:
    //! alice and bob, a direct chat of `count` messages; returns its id.
    quint64 chat(SqliteStore &store, int count);

    std::unique_ptr<QTemporaryDir> m_dir;
    qint64 m_now = 1'800'000'000'000;
    SnowflakeGenerator m_ids { 1, [this] { return m_now; } };
    quint64 m_alice = 0, m_bob = 0;
};

void TestRecentCache::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_alice = m_bob = 0;
}

void TestRecentCache::cleanup()
{
    m_dir.reset();
}

quint64 TestRecentCache::chat(SqliteStore &store, int count)
{
    if (!m_alice) {
        m_alice = store.createUser(QStringLiteral("alice"), QStringLiteral("A"), "h", m_now)
                      .value()
                      .userId;
        m_bob =
            store.createUser(QStringLiteral("bob"), QStringLiteral("B"), "h", m_now).value().userId;
    }
    quint64 conversation = 0;
    for (int i = 0; i < count; ++i) {
        ++m_now;
        Store::NewMessage message;
        message.senderId = i % 2 ? m_alice : m_bob;
        message.peerUserId = i % 2 ? m_bob : m_alice;
        message.clientId = newClientId();
        message.text = QStringLiteral("message %1").arg(i).toStdString();
        auto appended = store.append(message, m_ids.next(), m_now);
        if (!appended)
            return 0;
        conversation = appended.value().message.conversation_id();
    }
    return conversation;
}

void TestRecentCache::servesWhatTheDatabaseWould()
{
    SqliteStore store(m_dir->path(), 1000);
    store.setRecentCache(120, 16 << 20);
    QVERIFY(store.open().isOk());
    const quint64 conversation = chat(store, 300);
    QVERIFY(conversation);
    SqliteStore plain(m_dir->path(), 1000); // no cache: the database's answers
    QVERIFY(plain.open().isOk());
    const auto &stats = store.recentCache().stats();

    // The first newest page comes from the database and fills the cache with 120.
    auto first = store.history(m_bob, conversation, 0, 50);
    QVERIFY(first.isOk());
    QCOMPARE(stats.hits.load(), 0u);
    QCOMPARE(store.recentCache().lastSeq(conversation), 300u);
    // Then pages inside those 120 come from memory, byte for byte the database's.
    for (quint64 before : { quint64(0), quint64(281), quint64(251), quint64(231) }) {
        const quint64 hitsBefore = stats.hits.load();
        auto cached = store.history(m_bob, conversation, before, 50);
        auto database = plain.history(m_bob, conversation, before, 50);
        QVERIFY(cached.isOk() && database.isOk());
        QCOMPARE(bytes(cached.value()), bytes(database.value()));
        QCOMPARE(stats.hits.load(), hitsBefore + 1);
    }
    // Below them (181..300 are kept): the database again, the same answer.
    const quint64 misses = stats.misses.load();
    QCOMPARE(bytes(store.history(m_bob, conversation, 150, 50).value()),
             bytes(plain.history(m_bob, conversation, 150, 50).value()));
    QCOMPARE(stats.misses.load(), misses + 1);

    // New messages are written through: still served from memory, with them.
    QVERIFY(chat(store, 5));
    QCOMPARE(store.recentCache().lastSeq(conversation), 305u);
    const quint64 hits = stats.hits.load();
    QCOMPARE(bytes(store.history(m_bob, conversation, 0, 50).value()),
             bytes(plain.history(m_bob, conversation, 0, 50).value()));
    QCOMPARE(stats.hits.load(), hits + 1);

    // A device a little behind syncs from memory too.
    QHash<quint64, quint64> cursors { { conversation, 290 } };
    auto synced = store.sync(m_alice, cursors, 100);
    QVERIFY(synced.isOk());
    QCOMPARE(bytes(synced.value()), bytes(plain.sync(m_alice, cursors, 100).value()));
    QCOMPARE(synced.value().messages_size(), 15);
    QCOMPARE(stats.hits.load(), hits + 2);
}

void TestRecentCache::neverServesWhatIsNotCommitted()
{
    SqliteStore store(m_dir->path(), 1000);
    store.setRecentCache(200, 16 << 20);
    QVERIFY(store.open().isOk());
    const quint64 conversation = chat(store, 100);
    QVERIFY(store.history(m_bob, conversation, 0, 50).isOk()); // cached now
    const auto &stats = store.recentCache().stats();

    // Inside a transaction (the server's batch): the new message is not served before commit.
    QVERIFY(store.begin().isOk());
    QVERIFY(chat(store, 1));
    const quint64 hits = stats.hits.load();
    auto during = store.history(m_bob, conversation, 0, 10);
    QVERIFY(during.isOk());
    QCOMPARE(stats.hits.load(), hits + 1);
    QCOMPARE(during.value().messages(9).seq(), 100u); // not 101
    QCOMPARE(store.recentCache().lastSeq(conversation), 100u);
    // Undone: never seen.
    store.rollback();
    QCOMPARE(store.recentCache().lastSeq(conversation), 100u);
    auto after = store.history(m_bob, conversation, 0, 10);
    QCOMPARE(after.value().messages(9).seq(), 100u);

    // A savepoint's rollback inside a committed batch drops only its own messages.
    QVERIFY(store.begin().isOk());
    QVERIFY(chat(store, 1)); // seq 101: kept
    QVERIFY(store.begin().isOk());
    Store::NewMessage refused; // refused half-way: its savepoint is rolled back
    refused.senderId = m_alice;
    refused.peerUserId = m_bob;
    refused.clientId = newClientId();
    refused.text = "undone";
    QVERIFY(store.append(refused, m_ids.next(), ++m_now).isOk()); // seq 102
    store.rollback();
    QVERIFY(store.commit().isOk());
    QCOMPARE(store.recentCache().lastSeq(conversation), 101u);
    SqliteStore plain(m_dir->path(), 1000);
    QVERIFY(plain.open().isOk());
    QCOMPARE(bytes(store.history(m_bob, conversation, 0, 20).value()),
             bytes(plain.history(m_bob, conversation, 0, 20).value()));
    QCOMPARE(plain.history(m_bob, conversation, 0, 1).value().messages(0).seq(), 101u);
}

void TestRecentCache::changesAreNotServedStale()
{
    SqliteStore store(m_dir->path(), 1000);
    store.setRecentCache(200, 16 << 20);
    QVERIFY(store.open().isOk());
    const quint64 conversation = chat(store, 60);
    auto page = store.history(m_bob, conversation, 0, 50);
    QVERIFY(page.isOk());
    const pb::Message target = page.value().messages(40);
    for (auto kind : { pb::MessageChange::EDITED, pb::MessageChange::REACTION_ADDED,
                       pb::MessageChange::DELETED }) {
        Store::MessageChangeRequest change;
        change.actorId = target.sender_id();
        change.clientId = newClientId();
        change.conversationId = conversation;
        change.targetId = target.message_id();
        change.kind = kind;
        change.text = "edited";
        change.emoji = "👍";
        QVERIFY(store.changeMessage(change, m_ids.next(), ++m_now).isOk());
        SqliteStore plain(m_dir->path(), 1000);
        QVERIFY(plain.open().isOk());
        QCOMPARE(bytes(store.history(m_bob, conversation, 0, 50).value()),
                 bytes(plain.history(m_bob, conversation, 0, 50).value()));
        QCOMPARE(bytes(store.history(m_bob, conversation, 0, 50).value()),
                 bytes(plain.history(m_bob, conversation, 0, 50).value())); // and from memory
    }
    QVERIFY(store.history(m_bob, conversation, 0, 50).value().messages(40 - 3).deleted());

    // Inside one batch, as the server runs them: a delete, then a read of the same page. The
    // read must not bring the deleted text back from memory.
    const pb::Message second = store.history(m_bob, conversation, 0, 50).value().messages(45);
    QVERIFY(!second.deleted());
    QVERIFY(store.begin().isOk());
    Store::MessageChangeRequest remove;
    remove.actorId = second.sender_id();
    remove.clientId = newClientId();
    remove.conversationId = conversation;
    remove.targetId = second.message_id();
    remove.kind = pb::MessageChange::DELETED;
    QVERIFY(store.changeMessage(remove, m_ids.next(), ++m_now).isOk());
    auto during = store.history(m_bob, conversation, second.seq() + 1, 1);
    QVERIFY(during.isOk());
    QCOMPARE(during.value().messages(0).message_id(), second.message_id());
    QVERIFY(during.value().messages(0).deleted());
    QVERIFY(during.value().messages(0).text().empty());
    QVERIFY(store.commit().isOk());
    QVERIFY(store.history(m_bob, conversation, second.seq() + 1, 1).value().messages(0).deleted());
}

void TestRecentCache::staysWithinItsBudget()
{
    // The cache alone: 50 conversations of 100 messages through a 64 KiB budget, 30 each.
    auto stats = std::make_shared<Store::RecentCacheStats>();
    Store::RecentCache cache(30, 64 * 1024, stats);
    for (quint64 c = 1; c <= 50; ++c) {
        QList<pb::Message> newest;
        for (quint64 seq = 1; seq <= 100; ++seq) {
            pb::Message m;
            m.set_conversation_id(c);
            m.set_seq(seq);
            m.set_text(std::string(100, 'x'));
            newest.append(m);
        }
        cache.loaded(c, newest);
        cache.apply();
        QVERIFY(stats->bytes.load() <= 64 * 1024);
    }
    QVERIFY(stats->conversations.load() > 1);
    QVERIFY(stats->conversations.load() < 50);
    // The most recent kept, 30 of each; the oldest gone.
    QCOMPARE(cache.lastSeq(50), 100u);
    QCOMPARE(cache.lastSeq(1), 0u);
    QList<pb::Message> out;
    QVERIFY(cache.read(50, 70, 100, 30, false, &out));
    QCOMPARE(out.size(), 30);
    QCOMPARE(out.first().seq(), 71u);
    out.clear();
    QVERIFY(!cache.read(50, 60, 100, 40, false, &out)); // seq 61-70 were trimmed
    QVERIFY(out.isEmpty());
    // A gap (a missed append) drops the conversation rather than serve a hole.
    pb::Message skipped;
    skipped.set_conversation_id(50);
    skipped.set_seq(102);
    cache.appended(skipped);
    cache.apply();
    QCOMPARE(cache.lastSeq(50), 0u);
}

QTEST_GUILESS_MAIN(TestRecentCache)
#include "tst_recentcache.moc"
