#pragma once

#include <QDir>
#include <QString>

namespace Confab::DataDir {

// Files confabd keeps in its data directory that other programs read: the desktop app's
// "server on this computer" uses them to find a confabd already serving that directory.

//! Held (QLockFile) while a confabd uses the directory.
inline QString lockFile(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("confabd.lock"));
}

//! While confabd listens: "ws://host:port", one line.
inline QString addressFile(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("confabd.address"));
}

//! While confabd runs, rewritten every few seconds: what only the server's memory knows (its
//! recent-message cache), for `confabd stats` in another process. INI.
inline QString runtimeStatsFile(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("confabd.runtime"));
}

} // namespace Confab::DataDir
