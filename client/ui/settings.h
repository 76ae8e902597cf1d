#pragma once

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

    [[nodiscard]] static AppSettings load();
    void save() const;
    //! The locale the user chose, or the system's.
    [[nodiscard]] QLocale locale() const;
};

//! Applies a theme to the running application (Fusion with a light or dark palette, or the
//! platform's own look).
void applyTheme(AppSettings::Theme theme);

} // namespace Confab::Ui
