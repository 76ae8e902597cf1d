#include "auth/loginthrottle.h"

#include <QTest>

using namespace Confab::Auth;

class TestLoginThrottle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void addressKeys_data();
    void addressKeys();
    void anIPv6SubnetSharesOneWindow();
    void aFloodOfNewKeysDoesNotLiftALock();
};

void TestLoginThrottle::addressKeys_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("key");
    QTest::newRow("ipv4") << "192.0.2.7"
                          << "192.0.2.7";
    QTest::newRow("ipv4-mapped") << "::ffff:192.0.2.7"
                                 << "192.0.2.7";
    QTest::newRow("ipv6") << "2001:db8:1:2:aaaa:bbbb:cccc:dddd"
                          << "2001:db8:1:2::/64";
    QTest::newRow("ipv6-same-64") << "2001:db8:1:2::1"
                                  << "2001:db8:1:2::/64";
    QTest::newRow("ipv6-next-64") << "2001:db8:1:3::1"
                                  << "2001:db8:1:3::/64";
}

void TestLoginThrottle::addressKeys()
{
    QFETCH(QString, address);
    QFETCH(QString, key);
    QCOMPARE(LoginThrottle::addressKey(QHostAddress(address)), key);
}

void TestLoginThrottle::anIPv6SubnetSharesOneWindow()
{
    LoginThrottle throttle(1000, 5, 60'000);
    const qint64 now = 1'000'000;
    for (int i = 1; i <= 5; ++i) {
        const QString address = LoginThrottle::addressKey(
            QHostAddress(QStringLiteral("2001:db8:1:2::%1").arg(i, 0, 16)));
        QCOMPARE(throttle.retryAfterMs(QStringLiteral("user%1").arg(i), address, now), 0);
        throttle.begin(QStringLiteral("user%1").arg(i), address);
        throttle.recordFailure(QStringLiteral("user%1").arg(i), address, now);
    }
    // A sixth address of the same /64 waits; one of another /64 does not.
    const QString same =
        LoginThrottle::addressKey(QHostAddress(QStringLiteral("2001:db8:1:2::ff")));
    const QString other = LoginThrottle::addressKey(QHostAddress(QStringLiteral("2001:db8:9::1")));
    QVERIFY(throttle.retryAfterMs(QStringLiteral("someone"), same, now) > 0);
    QCOMPARE(throttle.retryAfterMs(QStringLiteral("someone"), other, now), 0);
}

void TestLoginThrottle::aFloodOfNewKeysDoesNotLiftALock()
{
    LoginThrottle throttle(5, 5, 60'000);
    const qint64 now = 1'000'000;
    for (int i = 0; i < 5; ++i)
        throttle.recordFailure(QStringLiteral("victim"), QStringLiteral("192.0.2.1"), now);
    QVERIFY(throttle.retryAfterMs(QStringLiteral("victim"), QStringLiteral("198.51.100.1"), now)
            > 0);
    // An attacker fails once each with more new names and addresses than are tracked.
    for (qsizetype i = 0; i < LoginThrottle::kMaxTracked + 10; ++i)
        throttle.recordFailure(QStringLiteral("name%1").arg(i), QStringLiteral("addr%1").arg(i),
                               now + 1);
    // The lock holds (the old code forgot every window at this point).
    QVERIFY(throttle.retryAfterMs(QStringLiteral("victim"), QStringLiteral("198.51.100.1"), now + 2)
            > 0);
    // And it still ends with its window.
    QCOMPARE(throttle.retryAfterMs(QStringLiteral("victim"), QStringLiteral("198.51.100.1"),
                                   now + 60'001),
             0);
}

QTEST_GUILESS_MAIN(TestLoginThrottle)
#include "tst_loginthrottle.moc"
