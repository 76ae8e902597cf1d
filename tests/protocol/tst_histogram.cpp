#include <confab/histogram.h>

#include <QTest>

using Confab::Histogram;

class TestHistogram : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void emptyIsZero();
    void smallValuesAreExact();
    void percentilesAreWithinOneBucket();
    void negativeCountsAsZero();
};

void TestHistogram::emptyIsZero()
{
    const Histogram h;
    QCOMPARE(h.count(), 0u);
    QCOMPARE(h.percentile(0.99), 0u);
}

void TestHistogram::smallValuesAreExact()
{
    Histogram h;
    for (int v : { 3, 1, 2, 7, 5 })
        h.add(v);
    QCOMPARE(h.percentile(0.0), 1u);
    QCOMPARE(h.percentile(0.5), 3u);
    QCOMPARE(h.percentile(1.0), 7u);
    QCOMPARE(h.max(), 7u);
}

void TestHistogram::percentilesAreWithinOneBucket()
{
    Histogram h;
    for (int v = 1; v <= 100'000; ++v)
        h.add(v);
    QCOMPARE(h.count(), 100'000u);
    QCOMPARE(h.max(), 100'000u);
    for (const double q : { 0.5, 0.9, 0.99, 0.999 }) {
        const double exact = q * 100'000;
        const double got = double(h.percentile(q));
        // An upper bound of the bucket: never below, at most an eighth above.
        QVERIFY2(got >= exact - 1 && got <= exact * 1.125 + 1,
                 qPrintable(QStringLiteral("q %1: %2 for %3").arg(q).arg(got).arg(exact)));
    }
    QVERIFY(h.summary(QStringLiteral("us")).startsWith(QStringLiteral("n 100000, p50 ")));
}

void TestHistogram::negativeCountsAsZero()
{
    Histogram h;
    h.add(-5); // a clock that stepped: counted, as nothing
    QCOMPARE(h.count(), 1u);
    QCOMPARE(h.max(), 0u);
}

QTEST_APPLESS_MAIN(TestHistogram)
#include "tst_histogram.moc"
