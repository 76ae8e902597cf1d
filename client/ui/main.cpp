// confab: the desktop client. Opens at once on the local cache of the last account and
// reconnects in the background; asks for a server and an account on the first run.
#include "appicon.h"
#include "chatclient.h"
#include "localserver.h"
#include "logindialog.h"
#include "mainwindow.h"
#include "settings.h"
#include "singleinstance.h"
#include "traycontroller.h"

#include <confab/logging.h>
#include <confab/version.h>
#include <translations.h>

#include <QApplication>
#include <QIcon>
#include <QProcess>
#include <QStandardPaths>

using namespace Confab;

namespace {

enum class Exit { Quit, Restart };

//! The app, from the sign-in to Quit. Everything it builds is gone when it returns.
Exit run(int &code)
{
    const Ui::AppSettings settings = Ui::AppSettings::load();
    installTranslations(settings.locale());
    Ui::applyTheme(settings.theme);

    const QString dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    Client::SingleInstance instance(dataDir);
    if (!instance.acquire()) {
        // Confab is open already: bring that one forward rather than open the cache twice.
        if (!instance.activateFirst())
            qCWarning(lcClientSync) << "Confab is already running, and does not answer";
        return Exit::Quit;
    }
    Client::ChatClient client(dataDir);
    // A server this app runs for the user ("start a server on this computer"); stopped on quit
    // unless kept running. An account on it starts it again with the app.
    Client::LocalServer localServer(Ui::AppSettings::localServerDataDir());
    QObject::connect(&localServer, &Client::LocalServer::failed, [](const QString &reason) {
        qCWarning(lcClientSync) << "the server on this computer:" << reason;
    });
    if (client.restoreSession()) {
        if (settings.localServer) {
            localServer.setKeepRunning(settings.localServerKeepRunning);
            localServer.start(settings.localServerAllowOthers, settings.localServerPort);
        }
    } else {
        Ui::LoginDialog login(&client, &localServer);
        if (login.exec() != QDialog::Accepted)
            return Exit::Quit;
    }
    Ui::MainWindow window(&client);
    QObject::connect(&window, &Ui::MainWindow::settingsApplied, &localServer,
                     [&localServer](const Ui::AppSettings &applied) {
                         localServer.setKeepRunning(applied.localServerKeepRunning);
                     });
    Ui::TrayController tray(&client, &window);
    if (tray.isAvailable()) {
        // Closing the window hides it; the app lives on in the tray until Quit.
        QApplication::setQuitOnLastWindowClosed(false);
        window.setHideOnClose([&tray] { return tray.hideToTray(); });
    }
    if (!(tray.isAvailable() && settings.startMinimized))
        window.show();
    QObject::connect(&instance, &Client::SingleInstance::activationRequested, &window, [&window] {
        window.showNormal();
        window.raise();
        window.activateWindow();
    });
    Exit exit = Exit::Quit;
    QObject::connect(&window, &Ui::MainWindow::restartRequested, [&exit] {
        exit = Exit::Restart;
        QApplication::quit();
    });
    code = QApplication::exec();
    return exit;
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Confab"));
    QApplication::setApplicationName(QStringLiteral("confab"));
    // Ties the windows to the installed menu entry (Wayland app id, taskbar grouping).
    QGuiApplication::setDesktopFileName(QStringLiteral("org.confab.Confab"));
    QApplication::setApplicationVersion(QString::fromLatin1(kVersion));
    QApplication::setWindowIcon(Ui::applicationIcon());
    int code = 0;
    if (run(code) == Exit::Restart) {
        // The cache and the local server are closed by now: the new process can take them.
        QProcess::startDetached(QCoreApplication::applicationFilePath(),
                                QCoreApplication::arguments().mid(1));
    }
    return code;
}
