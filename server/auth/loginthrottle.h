#pragma once

#include <QHash>
#include <QHostAddress>
#include <QString>

namespace Confab::Auth {

//! Counts failed logins per username and per address in a fixed window; past the limits further
//! attempts are refused until the window ends. Memory is bounded: old windows are dropped.
//! Network thread only.
class LoginThrottle final
{
public:
    LoginThrottle(int perUser, int perAddress, int windowMs);

    //! The key an address is counted under: an IPv4 address itself (also when IPv4-mapped), an
    //! IPv6 address by its /64, which one subscriber usually holds whole.
    [[nodiscard]] static QString addressKey(const QHostAddress &address);
    //! Windows tracked per kind (usernames, addresses) at most; past it, the ones not holding
    //! anybody back are forgotten first, so a flood of new keys cannot reset a real lock.
    static constexpr qsizetype kMaxTracked = 100'000;

    //! 0 when an attempt may go ahead, else milliseconds until one may.
    [[nodiscard]] qint64 retryAfterMs(const QString &username, const QString &address,
                                      qint64 nowMs);
    //! An attempt starts: it counts against the limits until it ends, so that many parallel
    //! guesses cannot all pass the check before the first failure is recorded.
    void begin(const QString &username, const QString &address);
    void recordFailure(const QString &username, const QString &address, qint64 nowMs);
    void recordSuccess(const QString &username, const QString &address);
    //! An attempt that ended without an answer about the password (a storage error).
    void abandon(const QString &username, const QString &address) { end(username, address); }

private:
    struct Window
    {
        qint64 startMs = 0;
        int failures = 0;
    };
    static qint64 wait(const QHash<QString, Window> &windows, const QString &key, int limit,
                       int windowMs, qint64 nowMs);
    static void bump(QHash<QString, Window> &windows, const QString &key, int limit, int windowMs,
                     qint64 nowMs);

    const int m_perUser;
    const int m_perAddress;
    const int m_windowMs;
    void end(const QString &username, const QString &address);

    QHash<QString, Window> m_users;
    QHash<QString, Window> m_addresses;
    QHash<QString, int> m_pendingUsers;
    QHash<QString, int> m_pendingAddresses;
};

} // namespace Confab::Auth
