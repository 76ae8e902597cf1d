// The cold archive at scale (PROTOCOL.md §16): stores N messages (default 1,000,000) in 1:1
// and group conversations over 90 days, measures history pages read from the database, archives
// everything older than 30 days, and measures the sizes and the history pages read from the
// archive. Prints figures and a JSON line.
//   confab-archivebench DIR [MESSAGES]      (DIR must be empty or absent)
#include "archive/archiver.h"
#include "archive/retention.h"
#include "store/sqlitestore.h"

#include <confab/ids.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QUuid>

#include <algorithm>
#include <cstdio>
#include <optional>

using namespace Confab;

namespace {

constexpr qint64 kDayMs = 86'400'000;

qint64 directorySize(const QString &path)
{
    qint64 bytes = 0;
    QDirIterator it(path, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        bytes += QFileInfo(it.next()).size();
    return bytes;
}

//! Microseconds per history page: p50 and p99 over `pages` requests at random places below
//! `topSeq` (and above `bottomSeq`) of random conversations.
struct Latency
{
    double p50 = 0, p99 = 0;
};

Latency pageLatency(Store::SqliteStore &store, const QList<QPair<quint64, quint64>> &readers,
                    const QHash<quint64, QPair<quint64, quint64>> &range, int pages)
{
    QList<double> us;
    QElapsedTimer timer;
    auto *random = QRandomGenerator::global();
    for (int i = 0; i < pages; ++i) {
        const auto [user, conversation] =
            readers.at(int(random->bounded(qsizetype(readers.size()))));
        const auto [bottom, top] = range.value(conversation);
        if (top <= bottom + 50)
            continue;
        const quint64 before = bottom + 51 + random->bounded(top - bottom - 50);
        timer.start();
        auto page = store.history(user, conversation, before, 50);
        us.append(double(timer.nsecsElapsed()) / 1000.0);
        if (!page || page.value().messages_size() != 50) {
            std::fprintf(stderr, "history failed: %s\n",
                         page ? "short page" : qPrintable(page.error().message));
            std::exit(1);
        }
    }
    std::sort(us.begin(), us.end());
    return { us.at(us.size() / 2),
             us.at(std::min<qsizetype>(us.size() - 1, us.size() * 99 / 100)) };
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: confab-archivebench DIR [MESSAGES]\n");
        return 2;
    }
    const QString dir = args.at(1);
    const int total = args.size() > 2 ? args.at(2).toInt() : 1'000'000;
    if (QDir(dir).exists() && !QDir(dir).isEmpty()) {
        std::fprintf(stderr, "%s is not empty\n", qPrintable(dir));
        return 2;
    }
    Store::SqliteStore store(dir, 5000);
    if (auto opened = store.open(); !opened) {
        std::fprintf(stderr, "%s\n", qPrintable(opened.error().message));
        return 1;
    }

    // 200 users; 400 direct chats and 20 groups of 20; sentences from a small vocabulary.
    const qint64 end = QDateTime::currentMSecsSinceEpoch();
    qint64 now = end - 90 * kDayMs;
    SnowflakeGenerator ids(1, [&now] { return now; });
    QList<quint64> users;
    for (int i = 0; i < 200; ++i)
        users.append(store
                         .createUser(QStringLiteral("user%1").arg(i),
                                     QStringLiteral("User %1").arg(i), "hash", now)
                         .value()
                         .userId);
    QList<quint64> groups;
    for (int g = 0; g < 20; ++g) {
        Store::GroupChange create;
        create.kind = Store::GroupChange::Kind::Create;
        create.actorId = users.at(g);
        create.clientId = QUuid::createUuid().toRfc4122();
        create.title = QStringLiteral("Group %1").arg(g);
        for (int m = 1; m < 20; ++m)
            create.userIds.append(users.at((g * 7 + m) % users.size()));
        groups.append(
            store.changeGroup(create, ids.next(), now).value().conversation.conversation_id());
    }
    static const char *const words[] = { "the",   "meeting", "is",     "moved", "to",     "Friday",
                                         "lunch", "at",      "noon",   "I",     "will",   "send",
                                         "notes", "after",   "the",    "call",  "thanks", "see",
                                         "you",   "soon",    "report", "draft", "looks",  "good",
                                         "can",   "we",      "ship",   "it",    "today",  "?" };
    auto *random = QRandomGenerator::global();
    QElapsedTimer timer;
    timer.start();
    QList<QPair<quint64, quint64>> readers; // (user, conversation)
    QSet<quint64> seen;
    const qint64 step = (end - now) / total;
    if (!store.begin())
        return 1;
    for (int n = 0; n < total; ++n) {
        now += step;
        Store::NewMessage message;
        message.clientId = QUuid::createUuid().toRfc4122();
        if (n % 4 == 0) {
            const quint64 group = groups.at(n / 4 % groups.size());
            message.conversationId = group;
            message.senderId = users.at((n / 4 % groups.size()) % users.size());
        } else {
            const int pair = n % 400;
            message.senderId = users.at(pair % 200);
            message.peerUserId = users.at((pair * 13 + 1 + pair / 200) % 200);
            if (message.peerUserId == message.senderId)
                message.peerUserId = users.at((pair + 1) % 200);
        }
        std::string text;
        const int length = 4 + int(random->bounded(20));
        for (int w = 0; w < length; ++w) {
            if (w)
                text += ' ';
            text += words[random->bounded(int(std::size(words)))];
        }
        message.text = text;
        auto appended = store.append(message, ids.next(), now);
        if (!appended) {
            std::fprintf(stderr, "append: %s\n", qPrintable(appended.error().message));
            return 1;
        }
        const quint64 conversation = appended.value().message.conversation_id();
        if (!seen.contains(conversation)) {
            seen.insert(conversation);
            readers.append({ message.senderId, conversation });
        }
        if (n % 10'000 == 9'999) {
            if (!store.commit() || !store.begin())
                return 1;
        }
    }
    if (!store.commit())
        return 1;
    const double fillS = double(timer.elapsed()) / 1000.0;
    std::printf("stored %d messages in %lld conversations in %.1f s\n", total,
                qint64(readers.size()), fillS);
    // The database as it would be on disk at rest: its log copied in.
    if (!store.checkpoint())
        return 1;
    const qint64 databaseBefore = QFileInfo(Store::SqliteStore::databasePath(dir)).size();

    QHash<quint64, QPair<quint64, quint64>> all;
    for (const auto &[user, conversation] : readers) {
        auto page = store.history(user, conversation, 0, 1);
        all.insert(conversation, { 0, page.value().messages(0).seq() + 1 });
    }
    const Latency fromDatabase = pageLatency(store, readers, all, 2000);
    // The newest pages from the recent-message cache (as confabd has it: 200 per conversation).
    Latency fromCache;
    {
        Store::SqliteStore cached(dir, 5000);
        cached.setRecentCache(200, qint64(256) << 20);
        if (!cached.open())
            return 1;
        QHash<quint64, QPair<quint64, quint64>> newest;
        for (const auto &[user, conversation] : readers) {
            static_cast<void>(cached.history(user, conversation, 0, 50)); // fills it
            const quint64 top = all.value(conversation).second;
            newest.insert(conversation, { top > 151 ? top - 151 : 0, top });
        }
        fromCache = pageLatency(cached, readers, newest, 2000);
        const auto &stats = cached.recentCache().stats();
        std::printf("recent cache: %lld conversations, %.1f MiB; %llu hits, %llu misses\n",
                    qint64(stats.conversations.load()), double(stats.bytes.load()) / 1048576.0,
                    quint64(stats.hits.load()), quint64(stats.misses.load()));
    }

    Archive::Archiver archiver(store, Store::SqliteStore::archivePath(dir));
    timer.start();
    auto run = archiver.run(end - 30 * kDayMs);
    if (!run) {
        std::fprintf(stderr, "archive: %s\n", qPrintable(run.error().message));
        return 1;
    }
    const double archiveS = double(timer.elapsed()) / 1000.0;
    const Archive::RunReport &r = run.value();
    std::printf("archived %lld messages into %d files in %.1f s (%.0f messages/s)\n", r.messages,
                r.segments, archiveS, double(r.messages) / archiveS);

    // Pages wholly in the archive: below each conversation's archived seq.
    QHash<quint64, QPair<quint64, quint64>> archived;
    for (const Store::SegmentRecord &segment : store.archiveSegments(0).value()) {
        auto &range = archived[segment.info.conversationId];
        range.second = std::max(range.second, segment.info.lastSeq + 1);
    }
    QList<QPair<quint64, quint64>> archivedReaders;
    for (const auto &reader : readers)
        if (archived.value(reader.second).second > 60)
            archivedReaders.append(reader);
    const Latency fromArchive = pageLatency(store, archivedReaders, archived, 2000);
    // And the first page after a start: every segment file opened anew.
    Store::SqliteStore fresh(dir, 5000);
    if (!fresh.open())
        return 1;
    const Latency fromArchiveCold = pageLatency(fresh, archivedReaders, archived, 200);

    if (!store.checkpoint())
        return 1;
    const qint64 databaseAfter = QFileInfo(Store::SqliteStore::databasePath(dir)).size();
    const auto stats = store.stats().value();
    const qint64 archiveBytes = directorySize(Store::SqliteStore::archivePath(dir));
    // What the archived messages took in the database: its size in proportion.
    const double databaseShare = double(databaseBefore) * double(r.messages) / double(total);

    std::printf("database before: %.1f MiB for %d messages (%.0f bytes per message)\n",
                double(databaseBefore) / 1048576.0, total, double(databaseBefore) / total);
    std::printf("archive: %.1f MiB for %lld messages (%.0f bytes per message; %.1f MiB raw; "
                "%.1fx smaller than their share of the database)\n",
                double(archiveBytes) / 1048576.0, r.messages,
                double(archiveBytes) / double(r.messages), double(r.rawBytes) / 1048576.0,
                databaseShare / double(archiveBytes));
    std::printf("database after: %.1f MiB file (free pages are reused; %lld messages left)\n",
                double(databaseAfter) / 1048576.0, stats.messages);
    std::printf("history page of 50 from the recent cache: p50 %.0f us p99 %.0f us\n",
                fromCache.p50, fromCache.p99);
    std::printf("history page of 50: database p50 %.0f us p99 %.0f us; archive p50 %.0f us "
                "p99 %.0f us; archive, files not yet open, p50 %.0f us p99 %.0f us\n",
                fromDatabase.p50, fromDatabase.p99, fromArchive.p50, fromArchive.p99,
                fromArchiveCold.p50, fromArchiveCold.p99);
    // Retention (PROTOCOL.md §17): first what is older than 60 days (in the archive: whole
    // files, and month-straddling ones cut), then older than 20 days (the rest of the archive
    // and some of the database).
    struct Deleted
    {
        qint64 entries = 0;
        double seconds = 0;
    };
    auto deleteOlderThan = [&](int days) -> std::optional<Deleted> {
        Archive::Retention retention(store, Store::SqliteStore::archivePath(dir));
        QElapsedTimer timer;
        timer.start();
        auto run = retention.run(QDateTime::currentMSecsSinceEpoch(), qint64(days) * 86'400'000);
        if (!run) {
            std::fprintf(stderr, "retention: %s\n", qPrintable(run.error().message));
            return std::nullopt;
        }
        const Deleted deleted { run.value().entries, double(timer.elapsed()) / 1000.0 };
        std::printf("retention %dd: deleted %lld entries of %lld conversations in %.1f s (%.0f "
                    "entries/s; %d archive files deleted, %d cut)\n",
                    days, deleted.entries, qint64(run.value().purged.size()), deleted.seconds,
                    double(deleted.entries) / std::max(0.001, deleted.seconds),
                    run.value().segmentsRemoved, run.value().segmentsRewritten);
        return deleted;
    };
    const auto from60 = deleteOlderThan(60);
    const auto from20 = deleteOlderThan(20);
    if (!from60 || !from20)
        return 1;

    QJsonObject json { { "bench", "archive" },
                       { "retention_60d_entries", from60->entries },
                       { "retention_60d_seconds", from60->seconds },
                       { "retention_20d_entries", from20->entries },
                       { "retention_20d_seconds", from20->seconds },
                       { "messages", total },
                       { "archived", r.messages },
                       { "segments", r.segments },
                       { "archive_seconds", archiveS },
                       { "database_bytes_before", databaseBefore },
                       { "archive_bytes", archiveBytes },
                       { "archive_raw_bytes", r.rawBytes },
                       { "page_cache_p50_us", fromCache.p50 },
                       { "page_cache_p99_us", fromCache.p99 },
                       { "page_db_p50_us", fromDatabase.p50 },
                       { "page_db_p99_us", fromDatabase.p99 },
                       { "page_archive_p50_us", fromArchive.p50 },
                       { "page_archive_p99_us", fromArchive.p99 },
                       { "page_archive_cold_p50_us", fromArchiveCold.p50 },
                       { "page_archive_cold_p99_us", fromArchiveCold.p99 } };
    std::printf("%s\n", QJsonDocument(json).toJson(QJsonDocument::Compact).constData());
    return 0;
}
