// confabd: the Confab server, and its admin commands. Everything but option parsing lives in
// confabd_core.
#include "admin/admincommands.h"
#include "app/server.h"
#include "app/serverconfig.h"
#include "app/unixsignals.h"
#include "auth/credentials.h"

#include <confab/version.h>
#ifdef Q_OS_LINUX
#include <confab/epolldispatcher.h>
#endif

#include <QCoreApplication>

#include <cstdio>

using namespace Confab;

int main(int argc, char *argv[])
{
#ifdef Q_OS_LINUX
    // Thousands of sockets on one thread: epoll, not Qt's poll() over all of them per wake-up.
    if (EpollEventDispatcher::wanted())
        QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
#endif
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("confabd"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(kVersion));
    // One line per event, stable for grep: time, level, category, message. Under systemd
    // (stderr is a journal stream) the journal keeps the time; the level goes in front as a
    // syslog priority (<6> info, <4> warning, ...), so that `journalctl -p warning` works.
    if (qEnvironmentVariableIsSet("JOURNAL_STREAM")) {
        qSetMessagePattern(QStringLiteral(
            "%{if-debug}<7>%{endif}%{if-info}<6>%{endif}%{if-warning}<4>%{endif}"
            "%{if-critical}<3>%{endif}%{if-fatal}<2>%{endif}%{category}: %{message}"));
    } else {
        qSetMessagePattern(QStringLiteral(
            "%{time yyyy-MM-ddThh:mm:ss.zzz} %{if-debug}debug%{endif}%{if-info}info%{endif}"
            "%{if-warning}warning%{endif}%{if-critical}critical%{endif}%{if-fatal}fatal%{endif} "
            "%{category}: %{message}"));
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("The Confab chat server. Without a command it serves clients; with one "
                       "it runs an admin command on the same data directory.\n\n")
        + AdminCommands::usage());
    parser.addHelpOption();
    parser.addVersionOption();
    addServerOptions(parser);
    parser.addPositionalArgument(QStringLiteral("command"),
                                 QStringLiteral("An admin command (see above); none to serve."),
                                 QStringLiteral("[command...]"));
    parser.process(app);

    QTextStream out(stdout);
    QTextStream err(stderr);
    QStringList warnings;
    auto config = loadServerConfig(parser, &warnings);
    for (const QString &warning : std::as_const(warnings))
        err << "confabd: warning: " << warning << Qt::endl;
    if (!config) {
        err << "confabd: " << config.error().message << Qt::endl;
        return 2;
    }
    if (!Auth::initCrypto()) {
        err << "confabd: libsodium cannot be initialised" << Qt::endl;
        return 1;
    }
    if (!parser.positionalArguments().isEmpty()) {
        AdminCommands commands(config.value(), out, err, &AdminCommands::readPasswordFromConsole);
        return commands.run(parser.positionalArguments());
    }

    ServerConfig serverConfig = config.value();
    if (auto joined = Server::joinCluster(serverConfig); !joined) {
        err << "confabd: " << joined.error().message << Qt::endl;
        return 1;
    }
    Server server(serverConfig);
    // Before anything is announced: a SIGTERM right after "listening" must still stop the
    // server cleanly (commit, close sessions, remove confabd.address), not kill it.
    UnixSignals unixSignals;
    QObject::connect(&unixSignals, &UnixSignals::terminationRequested, &server, &Server::shutdown);
    QObject::connect(&server, &Server::stopped, &app, &QCoreApplication::quit);
    if (auto started = server.start(); !started) {
        err << "confabd: " << started.error().message << Qt::endl;
        return 1;
    }
    out << "confabd " << kVersion << " listening on " << (server.isSecure() ? "wss" : "ws") << "://"
        << server.config().listenAddress.toString() << ":" << server.port() << ", data in "
        << server.config().dataDir << ", node " << server.config().nodeId << Qt::endl;
    if (server.isSecure()) // what users compare before they trust a self-signed certificate
        out << "TLS certificate SHA-256 fingerprint " << server.tlsFingerprint() << Qt::endl;

    return app.exec();
}
