// The epoll event dispatcher against Qt's own semantics: this whole test runs on it (main()
// installs it before the application exists), and so does a second thread.
#include <confab/epolldispatcher.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QPointer>
#include <QSignalSpy>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <sys/eventfd.h>

using Confab::EpollEventDispatcher;

namespace {

//! Counts its own timer events, and can kill its timer from the handler.
class Ticker : public QObject
{
public:
    int fired = 0;
    int killAfter = -1;
    int id = 0;
    QList<int> seen;

protected:
    void timerEvent(QTimerEvent *event) override
    {
        ++fired;
        seen.append(event->timerId());
        if (fired == killAfter)
            killTimer(event->timerId());
    }
};

} // namespace

class TestEpollDispatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void timersFireInDeadlineOrder();
    void repeatingTimerRepeatsUntilKilledFromItsHandler();
    void registeredTimersAndRemainingTime();
    void zeroTimerDoesNotStarveSocketsOrPostedEvents();
    void timerRestartedInItsHandlerWaitsForTheNextPass();
    void postFromAnotherThreadWakesTheLoop();
    void socketNotifierFollowsEnableAndDelete();
    void notifierDeletedByAnotherNotifiersHandler();
    void tcpEchoOfAMegabyte();
    void webSocketRoundTrip();
    void nestedLoopAndDeleteLater();
    void timersFollowAnObjectToAnotherThread();
    void exitFromAnotherThreadStopsTheLoop();
};

void TestEpollDispatcher::initTestCase()
{
    QVERIFY(qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()));
}

void TestEpollDispatcher::timersFireInDeadlineOrder()
{
    QList<int> order;
    QTimer::singleShot(30, this, [&] { order << 30; });
    QTimer::singleShot(10, this, [&] { order << 10; });
    QTimer::singleShot(20, this, [&] { order << 20; });
    QTimer::singleShot(0, this, [&] { order << 0; });
    QTRY_COMPARE(order.size(), 4);
    QCOMPARE(order, (QList<int> { 0, 10, 20, 30 }));
}

void TestEpollDispatcher::repeatingTimerRepeatsUntilKilledFromItsHandler()
{
    Ticker ticker;
    ticker.killAfter = 5;
    QElapsedTimer clock;
    clock.start();
    ticker.id = ticker.startTimer(10);
    QTRY_COMPARE(ticker.fired, 5);
    QVERIFY(clock.elapsed() >= 40); // 5 ticks 10 ms apart: never early
    QTest::qWait(60);
    QCOMPARE(ticker.fired, 5); // killed from its own handler: no more
    QVERIFY(QAbstractEventDispatcher::instance()->registeredTimers(&ticker).isEmpty());
}

void TestEpollDispatcher::registeredTimersAndRemainingTime()
{
    Ticker ticker;
    const int slow = ticker.startTimer(5000, Qt::PreciseTimer);
    const int coarse = ticker.startTimer(1400, Qt::VeryCoarseTimer);
    auto *dispatcher = QAbstractEventDispatcher::instance();
    const auto timers = dispatcher->registeredTimers(&ticker);
    QCOMPARE(timers.size(), 2);
    for (const auto &timer : timers) {
        if (timer.timerId == slow) {
            QCOMPARE(timer.interval, 5000);
        } else {
            QCOMPARE(timer.timerId, coarse);
            QCOMPARE(timer.interval, 1000); // very coarse: whole seconds
        }
    }
    const int left = dispatcher->remainingTime(slow);
    QVERIFY2(left > 4800 && left <= 5000, qPrintable(QString::number(left)));
    QCOMPARE(dispatcher->remainingTime(987654), -1);
    ticker.killTimer(slow);
    QCOMPARE(dispatcher->remainingTime(slow), -1);
    QVERIFY(dispatcher->unregisterTimers(&ticker));
    QVERIFY(dispatcher->registeredTimers(&ticker).isEmpty());
}

void TestEpollDispatcher::zeroTimerDoesNotStarveSocketsOrPostedEvents()
{
    QTimer busy;
    int spins = 0;
    connect(&busy, &QTimer::timeout, this, [&] { ++spins; });
    busy.start(0);
    // Posted work and a short timer still get their turn between spins.
    bool posted = false, shortTimer = false;
    QMetaObject::invokeMethod(
        this, [&] { posted = true; }, Qt::QueuedConnection);
    QTimer::singleShot(15, this, [&] { shortTimer = true; });
    QTRY_VERIFY(posted && shortTimer);
    busy.stop();
    QVERIFY(spins > 1);
}

void TestEpollDispatcher::timerRestartedInItsHandlerWaitsForTheNextPass()
{
    // A zero timer restarted from its own handler fires once per pass, not in a loop.
    QTimer timer;
    timer.setSingleShot(true);
    int fired = 0;
    connect(&timer, &QTimer::timeout, this, [&] {
        ++fired;
        if (fired < 1000)
            timer.start(0);
    });
    timer.start(0);
    QCoreApplication::processEvents();
    QVERIFY2(fired <= 2, qPrintable(QString::number(fired)));
    QTRY_COMPARE(fired, 1000);
}

void TestEpollDispatcher::postFromAnotherThreadWakesTheLoop()
{
    // Nothing else to do: the loop sleeps in epoll until the other thread posts.
    QEventLoop loop;
    QElapsedTimer clock;
    clock.start();
    std::unique_ptr<QThread> poster(QThread::create([&loop] {
        QThread::msleep(50);
        QMetaObject::invokeMethod(&loop, "quit", Qt::QueuedConnection);
    }));
    poster->start();
    QTimer::singleShot(5000, &loop, [&loop] { loop.exit(1); }); // a bound, not the expectation
    QCOMPARE(loop.exec(), 0);
    QVERIFY(clock.elapsed() < 4000);
    poster->wait();
}

void TestEpollDispatcher::socketNotifierFollowsEnableAndDelete()
{
    const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    QVERIFY(fd >= 0);
    auto notifier = std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Read);
    int activations = 0;
    connect(notifier.get(), &QSocketNotifier::activated, this, [&] {
        ++activations;
        eventfd_t value;
        eventfd_read(fd, &value); // drained: level-triggered, so it would fire again otherwise
    });
    eventfd_write(fd, 1);
    QTRY_COMPARE(activations, 1);
    QTest::qWait(30);
    QCOMPARE(activations, 1); // drained: quiet

    notifier->setEnabled(false);
    eventfd_write(fd, 1);
    QTest::qWait(30);
    QCOMPARE(activations, 0 + 1); // disabled: not told
    notifier->setEnabled(true);
    QTRY_COMPARE(activations, 2); // enabled again: told of what is waiting

    // Write readiness: an eventfd is writable at once.
    QSocketNotifier writable(fd, QSocketNotifier::Write);
    QSignalSpy canWrite(&writable, &QSocketNotifier::activated);
    QVERIFY(canWrite.wait(1000));
    writable.setEnabled(false);

    notifier.reset(); // deleted: unregistered, and nothing fires into freed memory
    eventfd_write(fd, 1);
    QTest::qWait(30);
    QCOMPARE(activations, 2);
    ::close(fd);
}

void TestEpollDispatcher::notifierDeletedByAnotherNotifiersHandler()
{
    const int a = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    const int b = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    auto first = std::make_unique<QSocketNotifier>(a, QSocketNotifier::Read);
    auto second = std::make_unique<QSocketNotifier>(b, QSocketNotifier::Read);
    int fired = 0;
    // Whichever fires first deletes the other; both are ready in the same wake-up.
    connect(first.get(), &QSocketNotifier::activated, this, [&] {
        ++fired;
        second.reset();
        first->setEnabled(false);
    });
    connect(second.get(), &QSocketNotifier::activated, this, [&] {
        ++fired;
        first.reset();
        second->setEnabled(false);
    });
    eventfd_write(a, 1);
    eventfd_write(b, 1);
    QTRY_COMPARE(fired, 1);
    QTest::qWait(30);
    QCOMPARE(fired, 1);
    first.reset();
    second.reset();
    ::close(a);
    ::close(b);
}

void TestEpollDispatcher::tcpEchoOfAMegabyte()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    connect(&server, &QTcpServer::newConnection, this, [&server] {
        QTcpSocket *peer = server.nextPendingConnection();
        connect(peer, &QTcpSocket::readyRead, peer, [peer] { peer->write(peer->readAll()); });
    });
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY(client.waitForConnected(5000) || client.state() == QAbstractSocket::ConnectedState);
    QByteArray payload(1 << 20, '\0');
    for (int i = 0; i < payload.size(); ++i)
        payload[i] = char(i * 7);
    QByteArray echoed;
    connect(&client, &QTcpSocket::readyRead, this, [&] { echoed += client.readAll(); });
    client.write(payload); // more than the socket buffers: write notifiers on and off
    QTRY_COMPARE_WITH_TIMEOUT(echoed.size(), payload.size(), 10'000);
    QCOMPARE(echoed, payload);
}

void TestEpollDispatcher::webSocketRoundTrip()
{
    QWebSocketServer server(QStringLiteral("test"), QWebSocketServer::NonSecureMode);
    QVERIFY(server.listen(QHostAddress::LocalHost));
    connect(&server, &QWebSocketServer::newConnection, this, [&server] {
        QWebSocket *peer = server.nextPendingConnection();
        peer->setParent(&server); // ours to delete: it goes with the server
        connect(peer, &QWebSocket::binaryMessageReceived, peer,
                [peer](const QByteArray &m) { peer->sendBinaryMessage(m + "!"); });
    });
    QWebSocket client;
    QSignalSpy received(&client, &QWebSocket::binaryMessageReceived);
    connect(&client, &QWebSocket::connected, this,
            [&client] { client.sendBinaryMessage(QByteArrayLiteral("hello")); });
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(server.serverPort())));
    QVERIFY(received.wait(5000));
    QCOMPARE(received.first().first().toByteArray(), QByteArrayLiteral("hello!"));
}

void TestEpollDispatcher::nestedLoopAndDeleteLater()
{
    QPointer<QObject> doomed = new QObject;
    bool innerDone = false;
    QTimer::singleShot(0, this, [&] {
        QEventLoop inner;
        QTimer::singleShot(20, &inner, &QEventLoop::quit);
        inner.exec(); // timers keep firing inside a nested loop
        innerDone = true;
    });
    doomed->deleteLater();
    QTRY_VERIFY(innerDone);
    QTRY_VERIFY(doomed.isNull());
}

void TestEpollDispatcher::timersFollowAnObjectToAnotherThread()
{
    QThread worker;
    worker.setEventDispatcher(new EpollEventDispatcher);
    worker.start();
    auto *timer = new QTimer; // a repeating timer, started here, then moved while running
    std::atomic<int> ticks { 0 };
    std::atomic<bool> wrongThread { false };
    connect(timer, &QTimer::timeout, timer, [&] {
        ++ticks;
        wrongThread = wrongThread || QThread::currentThread() != timer->thread();
    });
    timer->start(5);
    QTRY_VERIFY(ticks >= 2);
    timer->moveToThread(&worker);
    const int before = ticks;
    QTRY_VERIFY(ticks >= before + 5); // it kept ticking, over there
    QVERIFY(!wrongThread);
    QVERIFY(qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance(&worker)));
    std::atomic<bool> gone { false };
    connect(
        timer, &QObject::destroyed, timer, [&gone] { gone = true; }, Qt::DirectConnection);
    QMetaObject::invokeMethod(timer, &QObject::deleteLater);
    QTRY_VERIFY(gone); // deleted over there, by that thread's loop
    worker.quit();
    QVERIFY(worker.wait(5000));
}

void TestEpollDispatcher::exitFromAnotherThreadStopsTheLoop()
{
    QThread worker;
    worker.setEventDispatcher(new EpollEventDispatcher);
    worker.start();
    QTest::qWait(20); // asleep in epoll_wait with nothing to do
    QElapsedTimer clock;
    clock.start();
    worker.quit();
    QVERIFY(worker.wait(5000));
    QVERIFY(clock.elapsed() < 4000);
}

int main(int argc, char *argv[])
{
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    TestEpollDispatcher test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_epolldispatcher.moc"
