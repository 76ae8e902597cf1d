#include "autostart.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>

#include <algorithm>

namespace Confab::Client {

namespace {

#if defined(Q_OS_WIN)
const QString kRunKey =
    QStringLiteral("HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run");

QString quoteWindowsArgument(const QString &argument)
{
    if (!argument.isEmpty() && !argument.contains(QRegularExpression(QStringLiteral("[\\s\"]"))))
        return argument;
    QString quoted = QStringLiteral("\"");
    int backslashes = 0;
    for (const QChar c : argument) {
        if (c == u'\\') {
            ++backslashes;
            continue;
        }
        // Backslashes before a quote are doubled, and the quote escaped (CommandLineToArgvW).
        quoted += QString(c == u'"' ? backslashes * 2 + 1 : backslashes, u'\\');
        backslashes = 0;
        quoted += c;
    }
    quoted += QString(backslashes * 2, u'\\');
    quoted += u'"';
    return quoted;
}
#elif !defined(Q_OS_MACOS)
//! A value in a desktop entry: backslashes and control characters escaped.
QString escapeDesktopValue(const QString &value)
{
    QString escaped;
    for (const QChar c : value) {
        if (c == u'\\')
            escaped += QStringLiteral("\\\\");
        else if (c == u'\n')
            escaped += QStringLiteral("\\n");
        else if (c == u'\t')
            escaped += QStringLiteral("\\t");
        else if (c == u'\r')
            escaped += QStringLiteral("\\r");
        else
            escaped += c;
    }
    return escaped;
}
#endif

#if defined(Q_OS_MACOS)
QString xmlEscaped(const QString &text)
{
    return text.toHtmlEscaped();
}
#endif

} // namespace

Autostart::Autostart(QString id, QString displayName)
    : m_id(std::move(id)), m_displayName(std::move(displayName))
{ }

QString Autostart::location() const
{
#if defined(Q_OS_WIN)
    return kRunKey + u'\\' + m_id;
#elif defined(Q_OS_MACOS)
    return QDir::homePath() + QStringLiteral("/Library/LaunchAgents/org.confab.") + m_id
        + QStringLiteral(".plist");
#else
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
        + QStringLiteral("/autostart/") + m_id + QStringLiteral(".desktop");
#endif
}

bool Autostart::isEnabled() const
{
#if defined(Q_OS_WIN)
    return QSettings(kRunKey, QSettings::NativeFormat).contains(m_id);
#else
    return QFileInfo::exists(location());
#endif
}

QString Autostart::quoteExecArgument(const QString &argument)
{
    // Reserved characters force quoting; inside quotes, " ` $ and \ take a backslash. A literal
    // % is written %% (a single one starts a field code).
    static const QString reserved = QStringLiteral(" \t\n\"'\\><~|&;$*?#()`");
    QString quoted = argument;
    const bool needsQuotes = argument.isEmpty()
        || std::any_of(argument.begin(), argument.end(),
                       [](QChar c) { return reserved.contains(c); });
    if (needsQuotes) {
        quoted.clear();
        for (const QChar c : argument) {
            if (c == u'"' || c == u'`' || c == u'$' || c == u'\\')
                quoted += u'\\';
            quoted += c;
        }
        quoted = u'"' + quoted + u'"';
    }
    return quoted.replace(u'%', QStringLiteral("%%"));
}

QString Autostart::entryText(const QString &program, const QStringList &arguments) const
{
#if defined(Q_OS_MACOS)
    QString items = QStringLiteral("    <string>%1</string>\n").arg(xmlEscaped(program));
    for (const QString &argument : arguments)
        items += QStringLiteral("    <string>%1</string>\n").arg(xmlEscaped(argument));
    return QStringLiteral("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                          "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                          "<plist version=\"1.0\">\n<dict>\n"
                          "  <key>Label</key>\n  <string>org.confab.%1</string>\n"
                          "  <key>ProgramArguments</key>\n  <array>\n%2  </array>\n"
                          "  <key>RunAtLoad</key>\n  <true/>\n"
                          "</dict>\n</plist>\n")
        .arg(xmlEscaped(m_id), items);
#elif defined(Q_OS_WIN)
    QStringList parts { quoteWindowsArgument(QDir::toNativeSeparators(program)) };
    for (const QString &argument : arguments)
        parts << quoteWindowsArgument(argument);
    return parts.join(u' ');
#else
    QStringList exec { quoteExecArgument(program) };
    for (const QString &argument : arguments)
        exec << quoteExecArgument(argument);
    return QStringLiteral("[Desktop Entry]\n"
                          "Type=Application\n"
                          "Name=%1\n"
                          "Exec=%2\n"
                          "Icon=confab\n"
                          "Terminal=false\n"
                          "NoDisplay=true\n"
                          "X-GNOME-Autostart-enabled=true\n")
        .arg(escapeDesktopValue(m_displayName), escapeDesktopValue(exec.join(u' ')));
#endif
}

Result<void> Autostart::enable(const QString &program, const QStringList &arguments) const
{
    const auto newline = [](const QString &s) { return s.contains(u'\n') || s.contains(u'\r'); };
    if (program.isEmpty() || newline(program)
        || std::any_of(arguments.begin(), arguments.end(), newline))
        return Error { ErrorCode::INVALID_ARGUMENT,
                       tr("That program cannot be started at login.") };
#if defined(Q_OS_WIN)
    QSettings run(kRunKey, QSettings::NativeFormat);
    run.setValue(m_id, entryText(program, arguments));
    run.sync();
    if (run.status() != QSettings::NoError)
        return Error { ErrorCode::INTERNAL, tr("Windows did not accept the login item.") };
    return {};
#else
    const QString path = location();
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || file.write(entryText(program, arguments).toUtf8()) < 0 || !file.commit()) {
        return Error {
            ErrorCode::INTERNAL,
            tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString())
        };
    }
    return {};
#endif
}

Result<void> Autostart::disable() const
{
#if defined(Q_OS_WIN)
    QSettings run(kRunKey, QSettings::NativeFormat);
    run.remove(m_id);
    run.sync();
    return {};
#else
    QFile file(location());
    if (file.exists() && !file.remove()) {
        return Error { ErrorCode::INTERNAL,
                       tr("Cannot remove %1: %2")
                           .arg(QDir::toNativeSeparators(file.fileName()), file.errorString()) };
    }
    return {};
#endif
}

} // namespace Confab::Client
