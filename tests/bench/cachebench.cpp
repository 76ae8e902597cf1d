// confab-cachebench: the client cache at scale (issue "Client core" report).
//   confab-cachebench generate FILE [messages] [conversations]   builds a cache (default 100,000 /
//   200) confab-cachebench open FILE                                  in a fresh process: cold open
//       (open + conversation list + the newest page of the top conversation), RSS after it, and
//       search times; prints figures and one JSON line.
#include "benchsupport.h"
#include "localcache.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>

#include <algorithm>
#include <cstdio>

using namespace Confab::Client;

namespace {

const char *const kWords[] = { "meeting", "lunch",  "tomorrow", "release", "build",
                               "server",  "coffee", "deadline", "review",  "weekend",
                               "明天",    "开会",   "北京",     "周末",    "发布",
                               "服务器",  "咖啡",   "项目",     "检查",    "晚饭" };

int generate(const QString &path, int messages, int conversations)
{
    QFile::remove(path);
    LocalCache cache(path);
    if (!cache.open()) {
        std::fprintf(stderr, "cannot create %s\n", qPrintable(path));
        return 1;
    }
    static_cast<void>(cache.setSetting(QStringLiteral("user_id"), 1));
    QRandomGenerator random(42);
    for (int c = 1; c <= conversations; ++c) {
        ConversationSummary summary;
        summary.conversationId = quint64(c);
        summary.members = { { 1, QStringLiteral("me"), QStringLiteral("Me") },
                            { quint64(c + 1), QStringLiteral("user%1").arg(c),
                              QStringLiteral("User %1").arg(c) } };
        static_cast<void>(cache.storeConversation(summary));
    }
    QList<quint64> seqs(conversations + 1, 0);
    QList<ChatMessage> batch;
    for (int i = 0; i < messages; ++i) {
        // A few busy conversations, a long tail of quiet ones.
        const int c = 1
            + int(std::min<quint32>(random.bounded(conversations), random.bounded(conversations)));
        ChatMessage m;
        m.clientId = QUuid::createUuid();
        m.messageId = quint64(i) + 1;
        m.conversationId = quint64(c);
        m.seq = ++seqs[c];
        m.senderId = random.bounded(2) ? 1 : quint64(c + 1);
        m.timeMs = 1'790'000'000'000 + qint64(i) * 1000;
        QStringList words;
        for (int w = 0, n = 4 + int(random.bounded(12)); w < n; ++w)
            words << QString::fromUtf8(kWords[random.bounded(int(std::size(kWords)))]);
        m.text = words.join(u' ');
        batch.append(m);
        if (batch.size() == 1000 || i + 1 == messages) {
            if (!cache.storeMessages(batch)) {
                std::fprintf(stderr, "store failed\n");
                return 1;
            }
            batch.clear();
        }
    }
    std::printf("generated %s: %lld messages in %d conversations\n", qPrintable(path),
                static_cast<long long>(cache.messageCount()), conversations);
    return 0;
}

int open(const QString &path)
{
    const qint64 rssBefore = Confab::Bench::rssKb();
    QElapsedTimer timer;
    timer.start();
    LocalCache cache(path);
    if (!cache.open())
        return 1;
    const auto conversations = cache.conversations();
    if (!conversations || conversations.value().isEmpty())
        return 1;
    const auto page = cache.messages(conversations.value().first().conversationId, 0, 50);
    const double openMs = double(timer.nsecsElapsed()) / 1e6;
    const qint64 rssAfter = Confab::Bench::rssKb();

    QJsonObject searches;
    double worstMs = 0;
    for (const QString &query :
         { QStringLiteral("meeting"), QStringLiteral("rev"), QStringLiteral("明天"),
           QStringLiteral("服务器 咖啡"), QStringLiteral("release build") }) {
        std::vector<double> times;
        int hits = 0;
        for (int run = 0; run < 7; ++run) {
            timer.restart();
            hits = int(cache.search(query, 50).value().size());
            times.push_back(double(timer.nsecsElapsed()) / 1e6);
        }
        std::sort(times.begin(), times.end());
        searches.insert(query, times[times.size() / 2]);
        worstMs = std::max(worstMs, times[times.size() / 2]);
        std::printf("  search \"%s\": %d hits, median %.2f ms\n", qPrintable(query), hits,
                    times[times.size() / 2]);
    }
    std::printf(
        "cold open of %lld messages, %lld conversations: %.1f ms (list + newest page of %lld)\n",
        static_cast<long long>(cache.messageCount()),
        static_cast<long long>(conversations.value().size()), openMs,
        static_cast<long long>(page.value().size()));
    std::printf("RSS %lld KB before, %lld KB after opening\n", static_cast<long long>(rssBefore),
                static_cast<long long>(rssAfter));
    const QJsonObject json { { QStringLiteral("messages"), cache.messageCount() },
                             { QStringLiteral("conversations"), conversations.value().size() },
                             { QStringLiteral("cold_open_ms"), openMs },
                             { QStringLiteral("rss_kb_after_open"), rssAfter },
                             { QStringLiteral("search_median_ms"), searches },
                             { QStringLiteral("search_worst_median_ms"), worstMs } };
    std::printf("%s\n", QJsonDocument(json).toJson(QJsonDocument::Compact).constData());
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() >= 3 && args.at(1) == QLatin1String("generate"))
        return generate(args.at(2), args.value(3, QStringLiteral("100000")).toInt(),
                        std::max(1, args.value(4, QStringLiteral("200")).toInt()));
    if (args.size() == 3 && args.at(1) == QLatin1String("open"))
        return open(args.at(2));
    std::fprintf(stderr,
                 "usage: confab-cachebench generate FILE [messages] [conversations] | open FILE\n");
    return 2;
}
