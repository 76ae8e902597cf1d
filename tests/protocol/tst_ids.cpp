#include <confab/ids.h>

#include <QDateTime>
#include <QSet>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

using namespace Confab;

class TestIds : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void uniqueAndOrderedAcrossThreads();
    void monotonicWhenClockStepsBack();
    void sequenceOverflowBorrowsNextMillisecond();
    void fieldsDecompose();
    void advancePastSkipsStoredIds();
    void uuidWireRoundTrip();
    void timeOrderedUuids();
};

void TestIds::uniqueAndOrderedAcrossThreads()
{
    constexpr int kThreads = 4;
    constexpr int kIdsPerThread = 100'000;
    SnowflakeGenerator generator(17);
    std::vector<std::vector<quint64>> perThread(kThreads);
    std::vector<std::unique_ptr<QThread>> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back(QThread::create([&generator, &ids = perThread[t]] {
            ids.reserve(kIdsPerThread);
            for (int i = 0; i < kIdsPerThread; ++i)
                ids.push_back(generator.next());
        }));
        threads.back()->start();
    }
    for (auto &thread : threads)
        QVERIFY(thread->wait(60'000));

    std::vector<quint64> all;
    all.reserve(size_t(kThreads) * kIdsPerThread);
    for (const auto &ids : perThread) {
        QCOMPARE(int(ids.size()), kIdsPerThread);
        // Each thread sees its own ids strictly increase.
        QVERIFY(std::is_sorted(ids.begin(), ids.end(), std::less_equal<quint64>()));
        all.insert(all.end(), ids.begin(), ids.end());
    }
    std::sort(all.begin(), all.end());
    QVERIFY(std::adjacent_find(all.begin(), all.end()) == all.end()); // no duplicates
    for (quint64 id : { all.front(), all.back() })
        QCOMPARE(SnowflakeGenerator::nodeOf(id), quint16(17));
}

void TestIds::monotonicWhenClockStepsBack()
{
    auto nowMs = std::make_shared<std::atomic<qint64>>(SnowflakeGenerator::kEpochMs + 1'000'000);
    SnowflakeGenerator generator(1, [nowMs] { return nowMs->load(); });

    std::vector<quint64> ids;
    for (int i = 0; i < 100; ++i)
        ids.push_back(generator.next());
    const quint64 beforeStep = ids.back();

    nowMs->fetch_sub(5'000); // NTP steps the clock back by five seconds
    for (int i = 0; i < 100; ++i)
        ids.push_back(generator.next());
    QVERIFY(std::is_sorted(ids.begin(), ids.end(), std::less_equal<quint64>()));
    QVERIFY(ids.back() > beforeStep);
    QCOMPARE(SnowflakeGenerator::timestampMs(ids.back()), SnowflakeGenerator::kEpochMs + 1'000'000);

    nowMs->fetch_add(10'000); // the clock passes the old time: ids follow the clock again
    const quint64 later = generator.next();
    QVERIFY(later > ids.back());
    QCOMPARE(SnowflakeGenerator::timestampMs(later), nowMs->load());
    QCOMPARE(SnowflakeGenerator::sequenceOf(later), quint16(0));
}

void TestIds::sequenceOverflowBorrowsNextMillisecond()
{
    const qint64 frozenMs = SnowflakeGenerator::kEpochMs + 42;
    SnowflakeGenerator generator(1023, [frozenMs] { return frozenMs; });
    quint64 previous = 0;
    for (int i = 0; i < 5000; ++i) {
        const quint64 id = generator.next();
        QVERIFY(id > previous);
        QCOMPARE(SnowflakeGenerator::nodeOf(id), quint16(1023));
        previous = id;
    }
    // 4096 ids fit in one millisecond; the rest borrowed the next one.
    QCOMPARE(SnowflakeGenerator::timestampMs(previous), frozenMs + 1);
    QCOMPARE(SnowflakeGenerator::sequenceOf(previous), quint16(5000 - 4096 - 1));
}

void TestIds::fieldsDecompose()
{
    const qint64 nowMs = SnowflakeGenerator::kEpochMs + 123'456'789;
    SnowflakeGenerator generator(513, [nowMs] { return nowMs; });
    const quint64 first = generator.next();
    const quint64 second = generator.next();
    QCOMPARE(SnowflakeGenerator::timestampMs(first), nowMs);
    QCOMPARE(SnowflakeGenerator::nodeOf(first), quint16(513));
    QCOMPARE(SnowflakeGenerator::sequenceOf(first), quint16(0));
    QCOMPARE(SnowflakeGenerator::sequenceOf(second), quint16(1));
    QCOMPARE(generator.nodeId(), quint16(513));
}

void TestIds::advancePastSkipsStoredIds()
{
    const qint64 nowMs = SnowflakeGenerator::kEpochMs + 1'000;
    SnowflakeGenerator stored(2,
                              [nowMs] { return nowMs + 60'000; }); // ids from before a clock step
    const quint64 newestStored = stored.next();

    SnowflakeGenerator restarted(2, [nowMs] { return nowMs; });
    restarted.advancePast(newestStored);
    const quint64 next = restarted.next();
    QVERIFY(next > newestStored);
    restarted.advancePast(1); // never moves backwards
    QVERIFY(restarted.next() > next);
}

void TestIds::uuidWireRoundTrip()
{
    const QUuid uuid = QUuid::createUuid();
    const std::string wire = uuidToWire(uuid);
    QCOMPARE(wire.size(), size_t(16));
    QCOMPARE(uuidFromWire(wire), uuid);
    QVERIFY(uuidFromWire("short").isNull());
    QVERIFY(uuidFromWire(std::string(17, 'x')).isNull());
}

void TestIds::timeOrderedUuids()
{
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    QList<QUuid> made;
    for (int i = 0; i < 50; ++i) {
        made.append(createTimeOrderedUuid());
        if (i % 10 == 9)
            QThread::msleep(2); // across milliseconds too
    }
    const qint64 after = QDateTime::currentMSecsSinceEpoch();
    QSet<QUuid> distinct;
    for (const QUuid &uuid : made) {
        const QByteArray bytes = uuid.toRfc4122();
        QCOMPARE(quint8(bytes[6]) >> 4, 7); // the version (QUuid::version() knows 1-5 only)
        QCOMPARE(uuid.variant(), QUuid::DCE); // the RFC 4122 variant
        qint64 ms = 0;
        for (int i = 0; i < 6; ++i)
            ms = (ms << 8) | quint8(bytes[i]);
        QVERIFY2(ms >= before && ms <= after, qPrintable(QString::number(ms)));
        distinct.insert(uuid);
    }
    QCOMPARE(distinct.size(), made.size());
    // Ids from different milliseconds sort by time, byte-wise (as the server's index compares).
    for (int i = 10; i < made.size(); i += 10)
        QVERIFY(made[i - 1].toRfc4122() < made[i].toRfc4122());
}

QTEST_GUILESS_MAIN(TestIds)
#include "tst_ids.moc"
