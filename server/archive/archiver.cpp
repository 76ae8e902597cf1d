#include "archiver.h"

#include <confab/logging.h>
#include <confab/sqlsupport.h>

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace Confab::Archive {

Archiver::Archiver(Store::Store &store, QString archiveDir)
    : m_store(store), m_dir(std::move(archiveDir))
{ }

Result<bool> Archiver::step(quint64 conversationId, qint64 cutoffMs, RunReport *report)
{
    auto batch = m_store.archiveBatch(conversationId, cutoffMs, maxMessages);
    if (!batch)
        return batch.error();
    const Store::ArchiveBatch &found = batch.value();
    if (found.messages.isEmpty())
        return false;
    // A name no other run picks: the conversation, the month, where it starts, and a nonce.
    const QString file =
        QStringLiteral("%1/%2-%3-%4.cfa")
            .arg(conversationId)
            .arg(found.month)
            .arg(found.messages.first().seq())
            .arg(QRandomGenerator::system()->generate64(), 16, 16, QLatin1Char('0'));
    const QString path = QDir(m_dir).filePath(file);
    auto written = writeSegment(path, conversationId, found.messages);
    if (!written) {
        QFile::remove(path);
        return written.error();
    }
    if (hook)
        hook("written");
    Store::SegmentRecord segment;
    segment.info = written.value();
    segment.file = file;
    segment.month = found.month;
    segment.createdMs = QDateTime::currentMSecsSinceEpoch();
    if (auto committed = m_store.commitArchive(found, segment); !committed) {
        // Any other failure may have reached the disk (a COMMIT whose fsync failed can still
        // count after a restart): the file stays until no segment names it (removeOrphans).
        if (committed.error().code != ErrorCode::UNAVAILABLE)
            return committed.error();
        // A message of the batch changed meanwhile: nothing was moved; read it again.
        QFile::remove(path);
        ++report->conflicts;
        qCInfo(lcStore) << "archive:" << committed.error().message;
        return true;
    }
    if (hook)
        hook("committed");
    ++report->segments;
    report->messages += segment.info.messages;
    report->bytes += segment.info.bytes;
    report->rawBytes += segment.info.rawBytes;
    return true;
}

Result<RunReport> Archiver::run(qint64 cutoffMs, const std::atomic<bool> *stop)
{
    RunReport report;
    auto removed = removeOrphans(qint64(3600) * 1000);
    if (!removed)
        return removed.error();
    report.orphansRemoved = removed.value();
    constexpr int kPage = 100;
    constexpr int kMaxConflicts = 3; //!< per conversation and run: a busy one waits for the next
    quint64 after = 0;
    for (;;) {
        auto page = m_store.archivableConversations(after, cutoffMs, kPage);
        if (!page)
            return page.error();
        for (quint64 conversationId : page.value()) {
            after = conversationId;
            ++report.conversations;
            const int conflictsBefore = report.conflicts;
            for (;;) {
                if (stop && stop->load())
                    return report;
                auto moved = step(conversationId, cutoffMs, &report);
                if (!moved && moved.error().code == ErrorCode::STORAGE_FULL)
                    return moved.error(); // the others would fail the same way
                if (!moved) {
                    // This one waits for the next run; the others go ahead.
                    qCWarning(lcStore)
                        << "archive: conversation" << conversationId << moved.error().message;
                    ++report.failures;
                    break;
                }
                if (!moved.value() || report.conflicts - conflictsBefore >= kMaxConflicts)
                    break;
            }
        }
        if (page.value().size() < kPage)
            break;
    }
    return report;
}

QStringList Archiver::files() const
{
    QStringList found;
    const QDir root(m_dir);
    QDirIterator it(m_dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext())
        found.append(root.relativeFilePath(it.next()));
    return found;
}

Result<int> Archiver::removeOrphans(qint64 minAgeMs)
{
    auto segments = m_store.archiveSegments(0);
    if (!segments)
        return segments.error();
    QSet<QString> named;
    for (const Store::SegmentRecord &segment : segments.value())
        named.insert(segment.file);
    const QDateTime before = QDateTime::currentDateTimeUtc().addMSecs(-minAgeMs);
    int removed = 0;
    for (const QString &file : files()) {
        const QString path = QDir(m_dir).filePath(file);
        if (named.contains(file) || QFileInfo(path).lastModified() > before)
            continue;
        if (QFile::remove(path)) {
            qCInfo(lcStore) << "archive: removed" << path << "(left by an interrupted run)";
            ++removed;
        }
    }
    return removed;
}

Result<VerifyReport> Archiver::verify()
{
    auto segments = m_store.archiveSegments(0);
    if (!segments)
        return segments.error();
    VerifyReport report;
    QSet<QString> named;
    for (const Store::SegmentRecord &segment : segments.value()) {
        named.insert(segment.file);
        ++report.segments;
        const QString path = QDir(m_dir).filePath(segment.file);
        auto reader = SegmentReader::open(path, segment.info.conversationId);
        Result<void> checked = reader.isOk()
            ? reader.value()->verify(segment.info.sha256, segment.info.messages)
            : Result<void>(reader.error());
        if (!checked) {
            report.problems << checked.error().message;
            continue;
        }
        const QList<BlockInfo> &blocks = reader.value()->blocks();
        if (blocks.isEmpty() || blocks.first().firstSeq != segment.info.firstSeq
            || blocks.last().lastSeq != segment.info.lastSeq) {
            report.problems << QStringLiteral("archive file %1 does not hold seqs %2..%3")
                                   .arg(path)
                                   .arg(segment.info.firstSeq)
                                   .arg(segment.info.lastSeq);
            continue;
        }
        report.messages += segment.info.messages;
    }
    for (const QString &file : files())
        if (!named.contains(file))
            report.orphans << file;
    return report;
}

Result<int> copyArchive(const QString &databasePath, const QString &archiveDir,
                        const QString &targetDir)
{
    QList<QPair<QString, QByteArray>> files; // name, SHA-256
    const QString connection = Sql::uniqueConnectionName("confab-archive-copy");
    QString failure;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(databasePath);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        QSqlQuery select(db);
        if (!db.open() || !select.exec(QStringLiteral("SELECT file, sha256 FROM archive_segments")))
            failure =
                QStringLiteral("cannot read %1: %2").arg(databasePath, select.lastError().text());
        while (failure.isEmpty() && select.next())
            files.append({ select.value(0).toString(), select.value(1).toByteArray() });
    }
    QSqlDatabase::removeDatabase(connection);
    if (!failure.isEmpty())
        return Error { ErrorCode::INTERNAL, failure };
    for (const auto &[file, sha256] : files) {
        const QString from = QDir(archiveDir).filePath(file);
        const QString to = QDir(targetDir).filePath(file);
        if (!QDir().mkpath(QFileInfo(to).absolutePath()))
            return Error { ErrorCode::STORAGE_FULL, QStringLiteral("cannot create %1").arg(to) };
        QFile::remove(to);
        if (!QFile::copy(from, to))
            return Error { ErrorCode::STORAGE_FULL,
                           QStringLiteral("cannot copy %1 to %2").arg(from, to) };
        if (fileSha256(to) != sha256)
            return Error { ErrorCode::ARCHIVE_UNAVAILABLE,
                           QStringLiteral("%1 is not as recorded (damaged?): run confabd archive "
                                          "verify")
                               .arg(from) };
    }
    return int(files.size());
}

} // namespace Confab::Archive
