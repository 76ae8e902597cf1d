#pragma once

#include "autostart.h"

#include <confab/result.h>

#include <QLocale>
#include <QString>

namespace Confab::Ui {

//! The desktop client's preferences, kept with QSettings. One place reads and writes them.
struct AppSettings
{
    enum class Theme { System = 0, Light = 1, Dark = 2 };

    bool notifications = true;
    bool showPreview = true;
    bool doNotDisturb = false;
    Theme theme = Theme::System;
    QString language; //!< empty: the system's; else "en" or "zh_CN"
    bool startMinimized = false;
    int awayAfterMinutes = 5; //!< shown as away after this long without input; 0: never
    bool sound = true; //!< a short sound with a notification

    //! The account lives on a server this app started on this computer ("start a server").
    bool localServer = false;
    bool localServerAllowOthers = false;
    quint16 localServerPort = 7700;
    bool localServerKeepRunning = false;

    //! Login items: these live in the system (Client::Autostart), not in QSettings.
    bool openAtLogin = false;
    bool localServerAtLogin = false;

    [[nodiscard]] static AppSettings load();
    //! Saves the preferences, and adds or removes the login items that changed. Says what
    //! could not be changed.
    Result<void> save() const;
    //! The login item that opens this app when the user logs in.
    [[nodiscard]] static Client::Autostart appLoginItem();
    //! Where the local server keeps its data.
    [[nodiscard]] static QString localServerDataDir();
    //! The locale the user chose, or the system's.
    [[nodiscard]] QLocale locale() const;
};

//! Applies a theme to the running application (Fusion with a light or dark palette, or the
//! platform's own look).
void applyTheme(AppSettings::Theme theme);

} // namespace Confab::Ui
