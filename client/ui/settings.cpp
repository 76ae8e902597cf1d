#include "settings.h"

#include "localserver.h"

#include <QApplication>
#include <QPalette>
#include <QSettings>
#include <QStandardPaths>
#include <QStyle>
#include <QStyleFactory>

namespace Confab::Ui {

AppSettings AppSettings::load()
{
    QSettings s;
    AppSettings a;
    a.notifications = s.value(QStringLiteral("notifications/enabled"), true).toBool();
    a.showPreview = s.value(QStringLiteral("notifications/preview"), true).toBool();
    a.doNotDisturb = s.value(QStringLiteral("notifications/dnd"), false).toBool();
    a.theme = Theme(std::clamp(s.value(QStringLiteral("appearance/theme"), 0).toInt(), 0, 2));
    a.language = s.value(QStringLiteral("appearance/language")).toString();
    a.startMinimized = s.value(QStringLiteral("startup/minimized"), false).toBool();
    a.awayAfterMinutes =
        std::clamp(s.value(QStringLiteral("presence/away_after_minutes"), 5).toInt(), 0, 240);
    a.sound = s.value(QStringLiteral("notifications/sound"), true).toBool();
    a.localServer = s.value(QStringLiteral("local_server/enabled"), false).toBool();
    a.localServerAllowOthers = s.value(QStringLiteral("local_server/allow_others"), false).toBool();
    a.localServerPort =
        quint16(std::clamp(s.value(QStringLiteral("local_server/port"), 7700).toInt(), 1, 65535));
    a.localServerKeepRunning = s.value(QStringLiteral("local_server/keep_running"), false).toBool();
    a.openAtLogin = appLoginItem().isEnabled();
    a.localServerAtLogin = Client::LocalServer::loginItem().isEnabled();
    return a;
}

Client::Autostart AppSettings::appLoginItem()
{
    return Client::Autostart(QStringLiteral("confab"), QObject::tr("Confab"));
}

QString AppSettings::localServerDataDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
        + QStringLiteral("/server");
}

Result<void> AppSettings::save() const
{
    QSettings s;
    s.setValue(QStringLiteral("notifications/enabled"), notifications);
    s.setValue(QStringLiteral("notifications/preview"), showPreview);
    s.setValue(QStringLiteral("notifications/dnd"), doNotDisturb);
    s.setValue(QStringLiteral("appearance/theme"), int(theme));
    s.setValue(QStringLiteral("appearance/language"), language);
    s.setValue(QStringLiteral("startup/minimized"), startMinimized);
    s.setValue(QStringLiteral("presence/away_after_minutes"), awayAfterMinutes);
    s.setValue(QStringLiteral("notifications/sound"), sound);
    s.setValue(QStringLiteral("local_server/enabled"), localServer);
    s.setValue(QStringLiteral("local_server/allow_others"), localServerAllowOthers);
    s.setValue(QStringLiteral("local_server/port"), localServerPort);
    s.setValue(QStringLiteral("local_server/keep_running"), localServerKeepRunning);

    const Client::Autostart app = appLoginItem();
    if (openAtLogin != app.isEnabled()) {
        auto changed =
            openAtLogin ? app.enable(QCoreApplication::applicationFilePath(), {}) : app.disable();
        if (!changed)
            return changed;
    }
    const bool serverAtLogin = localServer && localServerAtLogin;
    if (serverAtLogin != Client::LocalServer::loginItem().isEnabled()) {
        Client::LocalServer server(localServerDataDir());
        if (auto changed =
                server.setStartAtLogin(serverAtLogin, localServerAllowOthers, localServerPort);
            !changed)
            return changed;
    }
    return {};
}

QLocale AppSettings::locale() const
{
    return language.isEmpty() ? QLocale::system() : QLocale(language);
}

void applyTheme(AppSettings::Theme theme)
{
    static const QString platformStyle = QApplication::style()->name();
    if (theme == AppSettings::Theme::System) {
        QApplication::setStyle(QStyleFactory::create(platformStyle));
        QApplication::setPalette(QApplication::style()->standardPalette());
        return;
    }
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette palette = QApplication::style()->standardPalette();
    if (theme == AppSettings::Theme::Dark) {
        const QColor window(0x1f, 0x21, 0x24), base(0x18, 0x1a, 0x1b), text(0xe8, 0xea, 0xed);
        palette.setColor(QPalette::Window, window);
        palette.setColor(QPalette::WindowText, text);
        palette.setColor(QPalette::Base, base);
        palette.setColor(QPalette::AlternateBase, window.lighter(115));
        palette.setColor(QPalette::Text, text);
        palette.setColor(QPalette::Button, window.lighter(120));
        palette.setColor(QPalette::ButtonText, text);
        palette.setColor(QPalette::ToolTipBase, base);
        palette.setColor(QPalette::ToolTipText, text);
        palette.setColor(QPalette::PlaceholderText, QColor(0x9a, 0xa0, 0xa6));
        palette.setColor(QPalette::Highlight, QColor(0x2b, 0x6c, 0xd4));
        palette.setColor(QPalette::HighlightedText, Qt::white);
        palette.setColor(QPalette::Disabled, QPalette::Text, QColor(0x80, 0x86, 0x8b));
        palette.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x80, 0x86, 0x8b));
    }
    QApplication::setPalette(palette);
}

} // namespace Confab::Ui
