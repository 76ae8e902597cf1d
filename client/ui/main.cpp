// confab: the desktop client. Opens at once on the local cache of the last account and
// reconnects in the background; asks for a server and an account on the first run.
#include "appicon.h"
#include "chatclient.h"
#include "localserver.h"
#include "logindialog.h"
#include "mainwindow.h"
#include "settings.h"
#include "traycontroller.h"

#include <confab/version.h>
#include <translations.h>

#include <QApplication>
#include <QIcon>
#include <QStandardPaths>

using namespace Confab;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Confab"));
    QApplication::setApplicationName(QStringLiteral("confab"));
    QApplication::setApplicationVersion(QString::fromLatin1(kVersion));
    QApplication::setWindowIcon(Ui::applicationIcon());
    const Ui::AppSettings settings = Ui::AppSettings::load();
    installTranslations(settings.locale());
    Ui::applyTheme(settings.theme);

    const QString dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    Client::ChatClient client(dataDir);
    // A server this app may start for the user (first run); stopped on quit unless kept.
    Client::LocalServer localServer(dataDir + QStringLiteral("/server"));
    if (!client.restoreSession()) {
        Ui::LoginDialog login(&client, &localServer);
        if (login.exec() != QDialog::Accepted)
            return 0;
    }
    Ui::MainWindow window(&client);
    Ui::TrayController tray(&client, &window);
    if (tray.isAvailable()) {
        // Closing the window hides it; the app lives on in the tray until Quit.
        QApplication::setQuitOnLastWindowClosed(false);
        window.setHideOnClose([&tray] { return tray.hideToTray(); });
    }
    if (!(tray.isAvailable() && settings.startMinimized))
        window.show();
    return app.exec();
}
