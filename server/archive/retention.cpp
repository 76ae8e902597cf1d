#include "retention.h"

#include "archiver.h"

#include <confab/logging.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QRandomGenerator>

namespace Confab::Archive {

Retention::Retention(Store::Store &store, QString archiveDir)
    : m_store(store), m_dir(std::move(archiveDir))
{ }

Result<bool> Retention::stepArchive(quint64 conversationId, const Store::SegmentRecord &segment,
                                    qint64 cutoffMs, RetentionReport *report)
{
    const QString oldPath = QDir(m_dir).filePath(segment.file);
    auto reader = SegmentReader::open(oldPath, conversationId);
    if (!reader)
        return Error { ErrorCode::ARCHIVE_UNAVAILABLE, reader.error().message };
    // The due prefix, and the rest, which a new file keeps.
    Store::ArchivePurge purge;
    purge.conversationId = conversationId;
    purge.old = segment;
    QList<pb::Message> rest;
    bool due = true;
    for (int i = 0; i < reader.value()->blocks().size(); ++i) {
        auto block = reader.value()->block(i);
        if (!block)
            return block.error();
        for (pb::Message &message : block.value()) {
            due = due && message.server_time_ms() < cutoffMs;
            if (due) {
                purge.messageIds.append(message.message_id());
                purge.purgedSeq = message.seq();
            } else {
                rest.append(std::move(message));
            }
        }
    }
    if (purge.messageIds.isEmpty())
        return false;
    if (purge.purgedSeq + 1 != (rest.isEmpty() ? segment.info.lastSeq + 1 : rest.first().seq()))
        return Error { ErrorCode::ARCHIVE_UNAVAILABLE,
                       QStringLiteral("archive file %1 does not hold seqs %2..%3 as recorded")
                           .arg(oldPath)
                           .arg(segment.info.firstSeq)
                           .arg(segment.info.lastSeq) };
    QString restPath;
    if (!rest.isEmpty()) {
        Store::SegmentRecord kept;
        kept.file = QStringLiteral("%1/%2-%3-%4.cfa")
                        .arg(conversationId)
                        .arg(segment.month)
                        .arg(rest.first().seq())
                        .arg(QRandomGenerator::system()->generate64(), 16, 16, QLatin1Char('0'));
        restPath = QDir(m_dir).filePath(kept.file);
        auto written = writeSegment(restPath, conversationId, rest);
        if (!written) {
            QFile::remove(restPath);
            return written.error();
        }
        kept.info = written.value();
        kept.month = segment.month;
        kept.createdMs = QDateTime::currentMSecsSinceEpoch();
        purge.rest = std::move(kept);
    }
    if (hook)
        hook("written");
    if (auto committed = m_store.commitArchivePurge(purge); !committed) {
        // As in Archiver::step: only a detected conflict is sure to have written nothing.
        if (committed.error().code != ErrorCode::UNAVAILABLE)
            return committed.error();
        if (!restPath.isEmpty())
            QFile::remove(restPath);
        ++report->conflicts;
        qCInfo(lcStore) << "retention:" << committed.error().message;
        return true;
    }
    if (hook)
        hook("committed");
    // No segment names it any more: a crash before this leaves it to removeOrphans.
    if (!QFile::remove(oldPath))
        qCWarning(lcStore) << "retention: cannot delete" << oldPath;
    report->entries += purge.messageIds.size();
    ++(purge.rest ? report->segmentsRewritten : report->segmentsRemoved);
    return true;
}

Result<bool> Retention::step(quint64 conversationId, qint64 cutoffMs, RetentionReport *report)
{
    auto state = m_store.purgeState(conversationId);
    if (!state)
        return state.error();
    const quint64 before = state.value().purgedSeq;
    Result<bool> moved = false;
    if (state.value().firstSegment) {
        moved = stepArchive(conversationId, *state.value().firstSegment, cutoffMs, report);
    } else {
        auto purged = m_store.purgeDatabase(conversationId, cutoffMs, maxEntries);
        if (!purged)
            return purged.error();
        report->entries += qint64(purged.value() - before);
        moved = purged.value() > before;
        if (!moved.value()) {
            // Nothing due, or an archive run moved the start meanwhile: then look again there.
            auto again = m_store.purgeState(conversationId);
            if (again && again.value().firstSegment) {
                ++report->conflicts;
                moved = true;
            }
        }
    }
    if (moved && moved.value() && !report->purged.contains(conversationId))
        report->purged.append(conversationId);
    return moved;
}

Result<RetentionReport> Retention::run(qint64 nowMs, qint64 serverRetentionMs,
                                       const std::atomic<bool> *stop)
{
    RetentionReport report;
    // What an interrupted run left: a segment cut but its old file not yet deleted (it holds
    // deleted entries), or a new one never recorded. Young ones may be another run's.
    Archiver archiver(m_store, m_dir);
    if (auto removed = archiver.removeOrphans(qint64(3600) * 1000); !removed)
        return removed.error();
    constexpr int kPage = 100;
    constexpr int kMaxConflicts = 3; //!< per conversation and run
    quint64 after = 0;
    for (;;) {
        auto page = m_store.expiringConversations(after, nowMs, serverRetentionMs, kPage);
        if (!page)
            return page.error();
        for (const Store::ExpiringConversation &due : page.value()) {
            after = due.conversationId;
            ++report.conversations;
            const int conflictsBefore = report.conflicts;
            const auto told = [this, &report, &due] {
                if (purged && report.purged.contains(due.conversationId))
                    purged(due.conversationId);
            };
            for (;;) {
                if (stop && stop->load()) {
                    told();
                    return report;
                }
                auto moved = step(due.conversationId, due.cutoffMs, &report);
                if (!moved && moved.error().code == ErrorCode::STORAGE_FULL) {
                    told();
                    return moved.error();
                }
                if (!moved) {
                    qCWarning(lcStore)
                        << "retention: conversation" << due.conversationId << moved.error().message;
                    ++report.failures;
                    break;
                }
                if (!moved.value() || report.conflicts - conflictsBefore >= kMaxConflicts)
                    break;
            }
            told();
        }
        if (page.value().size() < kPage)
            break;
    }
    // Deleted text must not linger in the write-ahead log either.
    if (m_store.takeScrubRequest())
        if (auto scrubbed = m_store.scrubLog(); !scrubbed)
            qCInfo(lcStore) << "retention: the log is emptied later:" << scrubbed.error().message;
    return report;
}

} // namespace Confab::Archive
