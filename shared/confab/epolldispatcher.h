#pragma once

#include <QAbstractEventDispatcher>
#include <QAtomicInt>
#include <QHash>

#include <set>
#include <utility>
#include <vector>

class QSocketNotifier;

namespace Confab {

//! An event dispatcher on Linux epoll, for threads that hold thousands of sockets.
//!
//! Qt's own Unix dispatchers hand every socket of the thread to poll() on each wake-up, so a
//! thread with N sockets pays O(N) per event; with 1,000 connections that is most of a core.
//! Here each socket is registered with the kernel once (level-triggered, like poll), and a
//! wake-up costs only what is ready. Timers are kept in deadline order, and fire as
//! QTimerEvent with Qt's semantics: repeating until killed, a timer killed or added from a
//! handler is honoured at once, each due timer fires at most once a pass, zero timers every
//! pass. Posted events go first in every pass; wakeUp() and interrupt() are thread-safe.
//!
//! Install it before the thread's first event loop: QCoreApplication::setEventDispatcher()
//! before the application object exists, or QThread::setEventDispatcher() before start().
class EpollEventDispatcher final : public QAbstractEventDispatcher
{
    Q_OBJECT
public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    [[nodiscard]] QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;

    //! Whether this build has it (Linux), and the environment does not turn it off
    //! (CONFAB_EVENT_DISPATCHER=qt keeps Qt's own, for comparison).
    [[nodiscard]] static bool wanted();

private:
    using Deadline = qint64; //!< steady clock, nanoseconds
    struct Timer
    {
        QObject *object;
        qint64 intervalMs;
        Qt::TimerType type;
        Deadline deadline;
        quint64 pass = 0; //!< the pass that last fired it (at most once a pass)
    };
    struct Watched
    {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
        quint32 events = 0; //!< as registered with epoll
    };

    [[nodiscard]] static Deadline now();
    void schedule(int timerId, Timer &timer);
    void updateEpoll(int fd, Watched &watched);
    [[nodiscard]] int waitTimeoutMs() const;
    int activateSockets(const void *events, int count);
    int activateTimers();
    void drainWakeUps();

    int m_epoll = -1;
    int m_wakeFd = -1; //!< an eventfd: written by wakeUp(), from any thread
    QAtomicInt m_wakeUpPending;
    QAtomicInt m_interrupted;
    quint64 m_pass = 0;

    QHash<int, Watched> m_sockets; //!< by file descriptor
    QHash<int, Timer> m_timers; //!< by timer id
    std::set<std::pair<Deadline, int>> m_queue; //!< (deadline, timer id), soonest first
    std::vector<int> m_due; //!< scratch for activateTimers()
};

} // namespace Confab
