#include "epolldispatcher.h"

#include "logging.h"
#include "tsan.h"

#include <poll.h>
#include <unistd.h>

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QThread>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <sys/epoll.h>
#include <sys/eventfd.h>

namespace Confab {

namespace {

constexpr int kMaxEventsPerWait = 256;
constexpr qint64 kNsPerMs = 1'000'000;

//! What poll() reports for each kind of notifier (Qt's Unix dispatcher does the same):
//! errors and hang-ups wake readers and writers both.
constexpr quint32 kReadEvents = EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP;
constexpr quint32 kWriteEvents = EPOLLOUT | EPOLLERR;

} // namespace

EpollEventDispatcher::EpollEventDispatcher(QObject *parent) : QAbstractEventDispatcher(parent)
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    m_wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_epoll < 0 || m_wakeFd < 0)
        qFatal("epoll/eventfd: %s", std::strerror(errno)); // out of descriptors at start-up
    epoll_event event {};
    event.events = EPOLLIN;
    event.data.fd = m_wakeFd;
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeFd, &event) != 0)
        qFatal("epoll_ctl: %s", std::strerror(errno));
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    CONFAB_TSAN_ACQUIRE(this); // after the last wakeUp() or interrupt() from another thread
    ::close(m_wakeFd);
    ::close(m_epoll);
}

bool EpollEventDispatcher::wanted()
{
    return qEnvironmentVariable("CONFAB_EVENT_DISPATCHER") != QLatin1String("qt");
}

EpollEventDispatcher::Deadline EpollEventDispatcher::now()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// ----- the loop

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    m_interrupted.storeRelaxed(0);
    // A post from here on writes the eventfd again, so the wait below cannot sleep through it.
    m_wakeUpPending.storeRelease(0);
    Q_EMIT awake();
    CONFAB_TSAN_ACQUIRE(this); // what was posted before a wakeUp() is seen (tsan.h)
    QCoreApplication::sendPostedEvents();
    if (m_interrupted.loadRelaxed())
        return false;

    ++m_pass;
    const bool wait = (flags & QEventLoop::WaitForMoreEvents) != 0;
    const int timeoutMs = wait ? waitTimeoutMs() : 0;
    if (timeoutMs != 0)
        Q_EMIT aboutToBlock();

    int activated = 0;
    if (flags & QEventLoop::ExcludeSocketNotifiers) {
        // Sockets stay registered but are not asked about: wait on the wake-up alone.
        pollfd wake { m_wakeFd, POLLIN, 0 };
        int ready;
        do {
            ready = ::poll(&wake, 1, timeoutMs);
        } while (ready < 0 && errno == EINTR);
        if (ready > 0)
            drainWakeUps();
    } else {
        epoll_event events[kMaxEventsPerWait];
        int ready;
        do {
            ready = epoll_wait(m_epoll, events, kMaxEventsPerWait, timeoutMs);
        } while (ready < 0 && errno == EINTR);
        if (ready < 0)
            qCWarning(lcNet) << "epoll_wait:" << std::strerror(errno);
        else
            activated += activateSockets(events, ready);
    }
    if (!m_interrupted.loadRelaxed())
        activated += activateTimers();
    return activated > 0;
}

int EpollEventDispatcher::waitTimeoutMs() const
{
    if (m_interrupted.loadRelaxed())
        return 0;
    if (m_queue.empty())
        return -1;
    const Deadline next = m_queue.begin()->first;
    const Deadline left = next - now();
    if (left <= 0)
        return 0;
    // Round up: waking a little late is right, waking early only spins.
    return int(std::min<qint64>((left + kNsPerMs - 1) / kNsPerMs, INT_MAX));
}

void EpollEventDispatcher::drainWakeUps()
{
    eventfd_t value;
    static_cast<void>(eventfd_read(m_wakeFd, &value));
}

int EpollEventDispatcher::activateSockets(const void *data, int count)
{
    const auto *events = static_cast<const epoll_event *>(data);
    int activated = 0;
    for (int i = 0; i < count && !m_interrupted.loadRelaxed(); ++i) {
        const int fd = events[i].data.fd;
        const quint32 ready = events[i].events;
        if (fd == m_wakeFd) {
            drainWakeUps();
            continue;
        }
        // Each kind looked up afresh: a handler may have disabled or deleted any notifier.
        for (QSocketNotifier::Type type :
             { QSocketNotifier::Read, QSocketNotifier::Write, QSocketNotifier::Exception }) {
            const quint32 mask = type == QSocketNotifier::Read ? kReadEvents
                : type == QSocketNotifier::Write               ? kWriteEvents
                                                               : quint32(EPOLLPRI);
            if (!(ready & mask))
                continue;
            const auto it = m_sockets.constFind(fd);
            if (it == m_sockets.cend())
                break;
            QSocketNotifier *notifier = type == QSocketNotifier::Read ? it->read
                : type == QSocketNotifier::Write                      ? it->write
                                                                      : it->exception;
            if (!notifier)
                continue;
            QEvent event(QEvent::SockAct);
            QCoreApplication::sendEvent(notifier, &event);
            ++activated;
        }
    }
    return activated;
}

int EpollEventDispatcher::activateTimers()
{
    if (m_queue.empty())
        return 0;
    const Deadline start = now();
    // The timers due now, soonest first. Each fires at most once a pass, and one added (or
    // killed and added again) by a handler in this pass waits for the next, so handlers that
    // restart timers cannot starve the loop.
    m_due.clear();
    for (const auto &[deadline, id] : m_queue) {
        if (deadline > start)
            break;
        m_due.push_back(id);
    }
    int activated = 0;
    for (const int id : m_due) {
        if (m_interrupted.loadRelaxed())
            break;
        const auto it = m_timers.find(id);
        if (it == m_timers.end() || it->pass == m_pass)
            continue; // killed by an earlier handler, or new in this pass
        it->pass = m_pass;
        // Repeat from the deadline (a steady rhythm); if far behind, from now (no burst).
        m_queue.erase({ it->deadline, id });
        it->deadline += it->intervalMs * kNsPerMs;
        if (it->deadline < start)
            it->deadline = start + it->intervalMs * kNsPerMs;
        m_queue.emplace(it->deadline, id);
        QTimerEvent event(id);
        QCoreApplication::sendEvent(it->object, &event);
        ++activated;
    }
    return activated;
}

void EpollEventDispatcher::wakeUp()
{
    if (m_wakeUpPending.testAndSetAcquire(0, 1))
        static_cast<void>(eventfd_write(m_wakeFd, 1));
    CONFAB_TSAN_RELEASE(this); // QCoreApplication::postEvent() calls this after posting
}

void EpollEventDispatcher::interrupt()
{
    m_interrupted.storeRelaxed(1);
    // Unconditionally: the loop may be waiting with a wake-up already marked as pending.
    static_cast<void>(eventfd_write(m_wakeFd, 1));
    CONFAB_TSAN_RELEASE(this);
}

// ----- sockets

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    const int fd = int(notifier->socket());
    if (fd < 0) {
        qCWarning(lcNet) << "a socket notifier without a socket";
        return;
    }
    Watched &watched = m_sockets[fd];
    switch (notifier->type()) {
    case QSocketNotifier::Read:
        watched.read = notifier;
        break;
    case QSocketNotifier::Write:
        watched.write = notifier;
        break;
    case QSocketNotifier::Exception:
        watched.exception = notifier;
        break;
    }
    updateEpoll(fd, watched);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    const int fd = int(notifier->socket());
    const auto it = m_sockets.find(fd);
    if (it == m_sockets.end())
        return;
    if (it->read == notifier)
        it->read = nullptr;
    if (it->write == notifier)
        it->write = nullptr;
    if (it->exception == notifier)
        it->exception = nullptr;
    updateEpoll(fd, *it);
    if (!it->read && !it->write && !it->exception)
        m_sockets.erase(it);
}

void EpollEventDispatcher::updateEpoll(int fd, Watched &watched)
{
    quint32 wanted = 0;
    if (watched.read)
        wanted |= EPOLLIN | EPOLLRDHUP;
    if (watched.write)
        wanted |= EPOLLOUT;
    if (watched.exception)
        wanted |= EPOLLPRI;
    if (wanted == watched.events)
        return;
    epoll_event event {};
    event.events = wanted;
    event.data.fd = fd;
    int result;
    if (wanted == 0) {
        result = epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, &event);
        if (result != 0 && (errno == ENOENT || errno == EBADF))
            result = 0; // closed already: the kernel forgot it by itself
    } else if (watched.events == 0) {
        result = epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event);
        if (result != 0 && errno == EEXIST) // a descriptor reused before we heard of the close
            result = epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &event);
    } else {
        result = epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &event);
        if (result != 0 && errno == ENOENT) // closed and reused behind our back
            result = epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event);
    }
    if (result != 0) {
        qCWarning(lcNet) << "epoll_ctl on socket" << fd << ":" << std::strerror(errno);
        return;
    }
    watched.events = wanted;
}

// ----- timers

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    Q_ASSERT(timerId > 0 && interval >= 0 && object);
    if (timerType == Qt::VeryCoarseTimer) // whole seconds, as Qt does
        interval = interval >= 500 ? (interval + 500) / 1000 * 1000 : 1000;
    Timer timer { object, interval, timerType, now() + interval * kNsPerMs };
    // Fires first in the next pass at the earliest, even with interval 0.
    timer.pass = m_pass;
    unregisterTimer(timerId);
    m_queue.emplace(timer.deadline, timerId);
    m_timers.insert(timerId, timer);
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return false;
    m_queue.erase({ it->deadline, timerId });
    m_timers.erase(it);
    return true;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    bool any = false;
    for (auto it = m_timers.begin(); it != m_timers.end();) {
        if (it->object == object) {
            m_queue.erase({ it->deadline, it.key() });
            it = m_timers.erase(it);
            any = true;
        } else {
            ++it;
        }
    }
    return any;
}

QList<QAbstractEventDispatcher::TimerInfo>
EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> timers;
    for (auto it = m_timers.cbegin(); it != m_timers.cend(); ++it) {
        if (it->object == object)
            timers.append(TimerInfo(it.key(), int(it->intervalMs), it->type));
    }
    return timers;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const auto it = m_timers.constFind(timerId);
    if (it == m_timers.cend())
        return -1;
    const qint64 left = it->deadline - now();
    return left <= 0 ? 0 : int((left + kNsPerMs - 1) / kNsPerMs);
}

} // namespace Confab
