// Test helper for tst_chatclient: restores the session in <data-dir> (its server is down), writes
// <count> messages to <peer> into the outbox, says "queued <count>" and waits to be killed.
#include "chatclient.h"

#include <QCoreApplication>
#include <QTimer>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 4) {
        std::fprintf(stderr, "usage: outbox_helper <data-dir> <peer> <count>\n");
        return 2;
    }
    Confab::Client::ChatClient client(args.at(1));
    if (!client.restoreSession()) {
        std::fprintf(stderr, "no session in %s\n", qPrintable(args.at(1)));
        return 1;
    }
    const int count = args.at(3).toInt();
    for (int i = 0; i < count; ++i) {
        if (!client.sendMessageTo(args.at(2), QStringLiteral("queued %1").arg(i)).isOk())
            return 1;
    }
    std::printf("queued %d\n", count);
    std::fflush(stdout);
    return app.exec(); // until SIGKILL
}
