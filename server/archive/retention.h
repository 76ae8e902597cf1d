#pragma once

#include "store/store.h"

#include <confab/result.h>

#include <QList>
#include <QString>

#include <atomic>
#include <functional>

namespace Confab::Archive {

//! What one retention run did.
struct RetentionReport
{
    int conversations = 0; //!< that had something to delete
    qint64 entries = 0; //!< deleted
    int segmentsRemoved = 0; //!< archive files deleted whole
    int segmentsRewritten = 0; //!< archive files whose older part was cut off (a new file)
    int conflicts = 0; //!< steps undone because the conversation changed meanwhile
    int failures = 0; //!< conversations left for the next run after an error (logged)
    QList<quint64> purged; //!< the conversations whose purged seq moved
};

//! Deletes what is older than each conversation's retention (PROTOCOL.md §17): from the
//! database, and from the archive a segment at a time. Always a prefix of the stream, so that
//! a conversation's history is whole from its purged seq on.
//!
//! Crash-safe like the Archiver: a segment that keeps some of its entries is first written anew
//! (flushed, read back); one transaction then swaps the segments and moves the purged seq; the
//! old file is deleted after. A crash leaves at most a file no segment names, which a later
//! archive run removes. Database entries go in transactions of at most maxEntries.
class Retention
{
public:
    Retention(Store::Store &store, QString archiveDir);

    //! Deletes everything due at `nowMs`, conversation by conversation; returns early once
    //! `stop` is set.
    [[nodiscard]] Result<RetentionReport> run(qint64 nowMs, qint64 serverRetentionMs,
                                              const std::atomic<bool> *stop = nullptr);
    //! One step: the due part of the conversation's first segment, or of its database entries
    //! (at most maxEntries); false when nothing (more) is due.
    [[nodiscard]] Result<bool> step(quint64 conversationId, qint64 cutoffMs,
                                    RetentionReport *report);

    int maxEntries = 10'000; //!< per database step
    //! Called once a conversation's turn in run() ends with something deleted (also when the
    //! run then stops or fails), so that its readers forget it at once.
    std::function<void(quint64 conversationId)> purged;
    //! For crash tests: called at "written" (a segment's rest is on disk, not recorded) and
    //! "committed" (the purge is recorded; the old file not yet deleted).
    std::function<void(const char *point)> hook;

private:
    Result<bool> stepArchive(quint64 conversationId, const Store::SegmentRecord &segment,
                             qint64 cutoffMs, RetentionReport *report);

    Store::Store &m_store;
    const QString m_dir;
};

} // namespace Confab::Archive
