#pragma once

// Small helpers shared by the benchmark programs.
#include <QByteArray>
#include <QFile>
#include <QString>

namespace Confab::Bench {

//! Resident memory of a process in KB (VmRSS), 0 when unknown; pid 0 is this process.
inline qint64 rssKb(qint64 pid = 0)
{
    QFile status(pid > 0 ? QStringLiteral("/proc/%1/status").arg(pid)
                         : QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    return 0;
}

} // namespace Confab::Bench
