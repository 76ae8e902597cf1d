#include "loginthrottle.h"

namespace Confab::Auth {

LoginThrottle::LoginThrottle(int perUser, int perAddress, int windowMs)
    : m_perUser(perUser), m_perAddress(perAddress), m_windowMs(windowMs)
{ }

qint64 LoginThrottle::wait(const QHash<QString, Window> &windows, const QString &key, int limit,
                           int windowMs, qint64 nowMs)
{
    const auto it = windows.constFind(key);
    if (it == windows.cend() || it->failures < limit || it->startMs + windowMs <= nowMs)
        return 0;
    return std::max<qint64>(0, it->startMs + windowMs - nowMs);
}

QString LoginThrottle::addressKey(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4)
        return QHostAddress(v4).toString();
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return address.toString();
    Q_IPV6ADDR bytes = address.toIPv6Address();
    std::fill(std::begin(bytes.c) + 8, std::end(bytes.c), quint8(0));
    return QHostAddress(bytes).toString() + QStringLiteral("/64");
}

void LoginThrottle::bump(QHash<QString, Window> &windows, const QString &key, int limit,
                         int windowMs, qint64 nowMs)
{
    if (windows.size() >= kMaxTracked && !windows.contains(key)) {
        // Bounded memory: first the windows that are over, then those holding nobody back.
        windows.removeIf(
            [&](const auto &entry) { return entry.value().startMs + windowMs <= nowMs; });
        if (windows.size() >= kMaxTracked)
            windows.removeIf([&](const auto &entry) { return entry.value().failures < limit; });
        if (windows.size() >= kMaxTracked)
            return; // every one of them is a lock: keep those, do not count this key
    }
    Window &window = windows[key];
    if (window.startMs + windowMs <= nowMs)
        window = { nowMs, 0 };
    ++window.failures;
}

qint64 LoginThrottle::retryAfterMs(const QString &username, const QString &address, qint64 nowMs)
{
    // Attempts still being checked count as failures until they end.
    const qint64 limited = std::max(
        wait(m_users, username, m_perUser - m_pendingUsers.value(username), m_windowMs, nowMs),
        wait(m_addresses, address, m_perAddress - m_pendingAddresses.value(address), m_windowMs,
             nowMs));
    if (limited > 0)
        return limited;
    if (m_pendingUsers.value(username) >= m_perUser
        || m_pendingAddresses.value(address) >= m_perAddress)
        return 1000; // as many guesses in flight as the window allows: wait for their answers
    return 0;
}

void LoginThrottle::begin(const QString &username, const QString &address)
{
    ++m_pendingUsers[username];
    ++m_pendingAddresses[address];
}

void LoginThrottle::end(const QString &username, const QString &address)
{
    if (--m_pendingUsers[username] <= 0)
        m_pendingUsers.remove(username);
    if (--m_pendingAddresses[address] <= 0)
        m_pendingAddresses.remove(address);
}

void LoginThrottle::recordFailure(const QString &username, const QString &address, qint64 nowMs)
{
    end(username, address);
    bump(m_users, username, m_perUser, m_windowMs, nowMs);
    bump(m_addresses, address, m_perAddress, m_windowMs, nowMs);
}

void LoginThrottle::recordSuccess(const QString &username, const QString &address)
{
    end(username, address);
    m_users.remove(username);
}

} // namespace Confab::Auth
