#pragma once

// Small helpers shared by the benchmark programs.
#include <QByteArray>
#include <QFile>
#include <QString>

namespace Confab::Bench {

//! A field of /proc/PID/status in KB ("VmRSS", "RssAnon"), 0 when unknown; pid 0: this process.
inline qint64 statusKb(const QByteArray &field, qint64 pid = 0)
{
    QFile status(pid > 0 ? QStringLiteral("/proc/%1/status").arg(pid)
                         : QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray key = field + ':';
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith(key))
            return line.mid(key.size()).trimmed().split(' ').value(0).toLongLong();
    return 0;
}

//! Resident memory of a process in KB (VmRSS), 0 when unknown; pid 0 is this process.
inline qint64 rssKb(qint64 pid = 0)
{
    return statusKb("VmRSS", pid);
}

//! Its anonymous part (heap, stacks): without mapped files such as the database's pages.
inline qint64 anonKb(qint64 pid = 0)
{
    return statusKb("RssAnon", pid);
}

} // namespace Confab::Bench
