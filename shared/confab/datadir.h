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

} // namespace Confab::DataDir
