#include <confab/limits.h>

#include <QTest>

using namespace Confab;

class TestLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultsAreValid();
    void roundTripThroughWelcome();
    void invalid_data();
    void invalid();
};

void TestLimits::defaultsAreValid()
{
    QString reason;
    QVERIFY2(Limits().isValid(&reason), qPrintable(reason));
}

void TestLimits::roundTripThroughWelcome()
{
    Limits limits;
    limits.maxFrameBytes = 300'000;
    limits.maxTextBytes = 4096;
    limits.maxPageSize = 50;
    limits.maxGroupMembers = 10;
    limits.ratePerSecond = 7;
    limits.rateBurst = 9;
    limits.pingIntervalMs = 1000;
    limits.idleTimeoutMs = 3000;
    pb::Welcome welcome;
    limits.toPb(welcome.mutable_limits());
    pb::Welcome parsed;
    QVERIFY(parsed.ParseFromString(welcome.SerializeAsString()));
    QCOMPARE(Limits::fromPb(parsed.limits()), limits);
}

void TestLimits::invalid_data()
{
    QTest::addColumn<int>("field");
    QTest::addColumn<quint32>("value");
    QTest::newRow("tiny-frame") << 0 << 100u;
    QTest::newRow("text-does-not-fit-frame") << 1 << Limits().maxFrameBytes;
    QTest::newRow("zero-page") << 2 << 0u;
    QTest::newRow("group-of-one") << 3 << 1u;
    QTest::newRow("zero-rate") << 4 << 0u;
    QTest::newRow("idle-not-after-ping") << 5 << Limits().pingIntervalMs;
}

void TestLimits::invalid()
{
    QFETCH(int, field);
    QFETCH(quint32, value);
    Limits limits;
    quint32 *fields[] = { &limits.maxFrameBytes,   &limits.maxTextBytes,  &limits.maxPageSize,
                          &limits.maxGroupMembers, &limits.ratePerSecond, &limits.idleTimeoutMs };
    *fields[field] = value;
    QString reason;
    QVERIFY(!limits.isValid(&reason));
    QVERIFY(!reason.isEmpty());
}

QTEST_GUILESS_MAIN(TestLimits)
#include "tst_limits.moc"
