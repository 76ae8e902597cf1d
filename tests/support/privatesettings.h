#pragma once

#include <QSettings>
#include <QTemporaryDir>

//! Gives this test process user settings of its own, in a temporary folder that goes with it.
//! CTest runs suites in parallel, and the same suite runs twice (offscreen and under Xvfb): with
//! one shared ~/.config file a setting saved by one process would change what another reads.
//! Call before anything reads QSettings. Login items (XDG autostart) and the cache directory
//! move there as well.
class PrivateSettings
{
public:
    PrivateSettings()
    {
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.path());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.path());
        // Login items and cached files too: a test must not add a real login item.
        qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toLocal8Bit());
        qputenv("XDG_CACHE_HOME", m_dir.filePath(QStringLiteral("cache")).toLocal8Bit());
    }
    [[nodiscard]] QString path() const { return m_dir.path(); }
    [[nodiscard]] bool isValid() const { return m_dir.isValid(); }

private:
    QTemporaryDir m_dir;
};
