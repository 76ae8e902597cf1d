// confab-clientbench: the desktop client at start-up with a large cache (issue "Desktop client"
// report). Prepares an account whose cache holds 100,000 messages, then starts itself again as a
// fresh process and measures, from exec to the main window's first paint, the cold start; then
// RSS, and the time to switch between the two largest conversations.
//   confab-clientbench [messages]
// The server is not running while measuring: the client opens on its cache, as at any start.
#include "app/server.h"
#include "benchsupport.h"
#include "chatclient.h"
#include "conversationlistmodel.h"
#include "localcache.h"
#include "mainwindow.h"
#include "messagelistmodel.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QListView>
#include <QProcess>
#include <QRandomGenerator>
#include <QScrollBar>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>

using namespace Confab;

namespace {

//! Signals the first paint of a widget.
class PaintWatcher final : public QObject
{
public:
    bool painted = false;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint)
            painted = true;
        return QObject::eventFilter(watched, event);
    }
};

int prepare(const QString &dataDir, int messages)
{
    if (!Auth::initCrypto())
        return 1;
    ServerConfig config;
    config.port = 0;
    config.dataDir = dataDir + QStringLiteral("/server");
    config.hashCost = Auth::HashCost::minimum();
    Server server(config);
    if (!server.start())
        return 1;
    Client::ChatClient client(dataDir + QStringLiteral("/client"));
    client.setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server.port())));
    client.registerAccount(QStringLiteral("benchuser"), QStringLiteral("password123"),
                           QStringLiteral("Me Myself"));
    if (!QTest::qWaitFor([&] { return client.state() == Client::ChatClient::State::Online; },
                         10'000)) {
        std::fprintf(stderr, "cannot sign up\n");
        return 1;
    }
    Client::LocalCache *cache = client.cache();
    const quint64 me = client.currentUser().userId;
    constexpr int kConversations = 200;
    for (int c = 1; c <= kConversations; ++c) {
        Client::ConversationSummary summary;
        summary.conversationId = quint64(c);
        summary.members = { { me, QStringLiteral("benchuser"), QStringLiteral("Me Myself") },
                            { quint64(1000 + c), QStringLiteral("friend%1").arg(c),
                              QStringLiteral("Friend %1").arg(c) } };
        static_cast<void>(cache->storeConversation(summary));
    }
    QRandomGenerator random(7);
    QList<quint64> seqs(kConversations + 1, 0);
    QList<Client::ChatMessage> batch;
    for (int i = 0; i < messages; ++i) {
        const int c =
            1 + int(std::min(random.bounded(kConversations), random.bounded(kConversations)));
        Client::ChatMessage m;
        m.clientId = QUuid::createUuid();
        m.messageId = quint64(i) + 1;
        m.conversationId = quint64(c);
        m.seq = ++seqs[c];
        m.senderId = random.bounded(2) ? me : quint64(1000 + c);
        m.timeMs = 1'790'000'000'000 + qint64(i) * 60'000;
        m.text = QStringLiteral(
                     "Message %1: the quick brown fox jumps over the lazy dog, 敏捷的棕色狐狸")
                     .arg(i);
        batch.append(m);
        if (batch.size() == 1000 || i + 1 == messages) {
            if (auto stored = cache->storeMessages(batch); !stored) {
                std::fprintf(stderr, "cannot store: %s\n", qPrintable(stored.error().message));
                return 1;
            }
            batch.clear();
        }
    }
    std::printf("prepared %lld messages in %d conversations\n",
                static_cast<long long>(cache->messageCount()), kConversations);
    return 0;
}

int measure(const QString &dataDir)
{
    Client::ChatClient client(dataDir + QStringLiteral("/client"));
    client.setBackoff(60'000, 60'000); // the server is down: stay quiet while measuring
    if (!client.restoreSession())
        return 1;
    Ui::MainWindow window(&client);
    PaintWatcher watcher;
    window.messageView()->viewport()->installEventFilter(&watcher);
    window.conversationView()->viewport()->installEventFilter(&watcher);
    window.show();
    // The first conversation opens like a user's last one would.
    auto *model = window.conversationModel();
    if (model->rowCount() > 0)
        window.openConversation(
            model->index(0).data(Client::ConversationListModel::ConversationIdRole).toULongLong());
    if (!QTest::qWaitFor([&] { return watcher.painted; }, 10'000))
        return 1;
    std::printf("READY %lld\n", static_cast<long long>(Bench::rssKb()));
    std::fflush(stdout);

    // Switching between the two busiest conversations (the list is newest first; find by size).
    quint64 a = 0, b = 0;
    qint64 sizeA = -1, sizeB = -1;
    for (int row = 0; row < model->rowCount(); ++row) {
        const quint64 id =
            model->index(row).data(Client::ConversationListModel::ConversationIdRole).toULongLong();
        const qint64 size = qint64(client.cache()->messages(id, 0, 1).value().value(0).seq);
        if (size > sizeA) {
            b = a, sizeB = sizeA;
            a = id, sizeA = size;
        } else if (size > sizeB) {
            b = id, sizeB = size;
        }
    }
    QList<double> switches;
    QElapsedTimer timer;
    for (int i = 0; i < 20; ++i) {
        timer.restart();
        watcher.painted = false;
        window.openConversation(i % 2 ? a : b);
        window.messageView()->viewport()->repaint(); // paint now: the switch is done when it shows
        switches.append(double(timer.nsecsElapsed()) / 1e6);
    }
    std::sort(switches.begin(), switches.end());
    std::printf("SWITCH %.2f %.2f %lld %lld\n", switches.at(switches.size() / 2), switches.last(),
                static_cast<long long>(sizeA), static_cast<long long>(sizeB));

    // Scrolling up through the largest chat, a third of a page at a time, as a wheel does:
    // each step's layout and paint is a frame; older pages load on the way when the top is near.
    window.openConversation(a);
    window.messageView()->viewport()->repaint();
    QScrollBar *bar = window.messageView()->verticalScrollBar();
    QList<double> frames;
    for (int i = 0; i < 400; ++i) {
        timer.restart();
        bar->setValue(bar->value() - std::max(1, bar->pageStep() / 3));
        QCoreApplication::processEvents(); // what the step set off (an older page, a relayout)
        window.messageView()->viewport()->repaint();
        frames.append(double(timer.nsecsElapsed()) / 1e6);
    }
    std::sort(frames.begin(), frames.end());
    std::printf("SCROLL %.2f %.2f %.2f %lld\n", frames.at(frames.size() / 2),
                frames.at(frames.size() * 99 / 100), frames.last(),
                static_cast<long long>(window.messageModel()->rowCount()));
    std::printf("RSS %lld\n", static_cast<long long>(Bench::rssKb()));
    std::fflush(stdout);
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("ConfabBench"));
    if (argc == 3 && qstrcmp(argv[1], "--measure") == 0)
        return measure(QString::fromLocal8Bit(argv[2]));

    const int messages = argc > 1 ? std::max(1, atoi(argv[1])) : 100'000;
    QTemporaryDir dir;
    if (prepare(dir.path(), messages) != 0) {
        std::fprintf(stderr, "preparing failed\n");
        return 1;
    }
    QList<double> starts;
    qint64 rssAtWindow = 0, rssAfterSwitching = 0;
    double switchMedian = 0, switchWorst = 0;
    double frameMedian = 0, frameP99 = 0, frameWorst = 0;
    qint64 rowsLoaded = 0;
    for (int run = 0; run < 5; ++run) {
        QProcess child;
        child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QElapsedTimer timer;
        timer.start();
        child.start(QCoreApplication::applicationFilePath(),
                    { QStringLiteral("--measure"), dir.path() });
        if (!child.waitForStarted())
            return 1;
        QByteArray output;
        while (!output.contains("READY") && child.waitForReadyRead(20'000))
            output += child.readAllStandardOutput();
        starts.append(double(timer.nsecsElapsed()) / 1e6);
        if (!child.waitForFinished(60'000))
            return 1;
        output += child.readAllStandardOutput();
        for (const QByteArray &line : output.split('\n')) {
            const QList<QByteArray> f = line.split(' ');
            if (f.value(0) == "READY")
                rssAtWindow = f.value(1).toLongLong();
            else if (f.value(0) == "SWITCH")
                switchMedian = f.value(1).toDouble(), switchWorst = f.value(2).toDouble();
            else if (f.value(0) == "SCROLL")
                frameMedian = f.value(1).toDouble(), frameP99 = f.value(2).toDouble(),
                frameWorst = f.value(3).toDouble(), rowsLoaded = f.value(4).toLongLong();
            else if (f.value(0) == "RSS")
                rssAfterSwitching = f.value(1).toLongLong();
        }
    }
    std::sort(starts.begin(), starts.end());
    std::printf("cold start to a painted main window with %d cached messages: median %.0f ms (best "
                "%.0f, worst %.0f)\n",
                messages, starts.at(starts.size() / 2), starts.first(), starts.last());
    std::printf("RSS at the first paint %lld KB, after 20 conversation switches %lld KB\n",
                static_cast<long long>(rssAtWindow), static_cast<long long>(rssAfterSwitching));
    std::printf("switching between the two largest conversations: median %.1f ms, worst %.1f ms\n",
                switchMedian, switchWorst);
    std::printf("scrolling up the largest chat (400 steps, %lld messages loaded by the end): frame "
                "median %.2f ms, p99 %.2f ms, worst %.2f ms\n",
                static_cast<long long>(rowsLoaded), frameMedian, frameP99, frameWorst);
    const QJsonObject json { { QStringLiteral("messages"), messages },
                             { QStringLiteral("start_to_window_ms"), starts.at(starts.size() / 2) },
                             { QStringLiteral("rss_kb_at_window"), rssAtWindow },
                             { QStringLiteral("rss_kb_after_switching"), rssAfterSwitching },
                             { QStringLiteral("scroll_frame_p50_ms"), frameMedian },
                             { QStringLiteral("scroll_frame_p99_ms"), frameP99 },
                             { QStringLiteral("scroll_frame_max_ms"), frameWorst },
                             { QStringLiteral("switch_median_ms"), switchMedian },
                             { QStringLiteral("switch_worst_ms"), switchWorst } };
    std::printf("%s\n", QJsonDocument(json).toJson(QJsonDocument::Compact).constData());
    return 0;
}
