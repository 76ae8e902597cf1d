#pragma once

#include <confab/result.h>

#include <QCoreApplication>
#include <QString>
#include <QStringList>

namespace Confab::Client {

//! A program the user's desktop session starts at login: an XDG autostart entry on Linux and
//! other freedesktop systems, a LaunchAgent on macOS, a value under the Run key on Windows. The
//! entry itself is the state (no setting mirrors it), so what the user changes in the system's
//! own tools shows here too.
class Autostart final
{
    Q_DECLARE_TR_FUNCTIONS(Autostart)
public:
    //! id names the entry ("confab", "confabd-local"); displayName is what session managers show.
    Autostart(QString id, QString displayName);

    [[nodiscard]] bool isEnabled() const;
    //! Writes the entry that runs program with arguments, replacing any earlier one.
    Result<void> enable(const QString &program, const QStringList &arguments) const;
    Result<void> disable() const;

    //! Where the entry lives (a file, or a registry path on Windows).
    [[nodiscard]] QString location() const;

    //! One argument quoted for a desktop entry's Exec key (the freedesktop rules, before the
    //! key's own escaping of backslashes).
    [[nodiscard]] static QString quoteExecArgument(const QString &argument);

private:
    [[nodiscard]] QString entryText(const QString &program, const QStringList &arguments) const;

    QString m_id;
    QString m_displayName;
};

} // namespace Confab::Client
