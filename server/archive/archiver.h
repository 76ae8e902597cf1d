#pragma once

#include "store/store.h"

#include <confab/result.h>

#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>

namespace Confab::Archive {

//! What one archive run did.
struct RunReport
{
    int conversations = 0; //!< that had something to move
    int segments = 0; //!< files written and recorded
    qint64 messages = 0;
    qint64 bytes = 0;
    qint64 rawBytes = 0;
    int conflicts = 0; //!< steps undone because a message changed meanwhile (retried later)
    int orphansRemoved = 0;
    int failures = 0; //!< conversations left for the next run after an error (logged)
};

//! What `confabd archive verify` found; nothing in `problems`: every file reads as recorded.
struct VerifyReport
{
    int segments = 0;
    qint64 messages = 0;
    QStringList problems;
    QStringList orphans; //!< files no segment names (left by an interrupted run)
};

//! Moves a conversation's oldest messages from the database into archive segments
//! (segmentfile.h), a month at a time (DESIGN.md §4, PROTOCOL.md §16). Each step is crash-safe:
//! the segment is written, flushed and read back first; then one transaction records it and
//! deletes the rows, if none changed meanwhile. A crash before that commit leaves an unnamed
//! file (removed by a later run); after it, the rows are gone and the segment is named. Readers
//! never see both or neither.
//!
//! Works on a Store connection of its own, beside the server's (a thread in confabd, or
//! `confabd archive run` in another process): its transactions are short, so live traffic
//! waits at most one step's delete.
class Archiver
{
public:
    Archiver(Store::Store &store, QString archiveDir);

    //! Moves everything stored before `cutoffMs`, conversation by conversation; returns early
    //! once `stop` is set. The first error ends the run.
    [[nodiscard]] Result<RunReport> run(qint64 cutoffMs, const std::atomic<bool> *stop = nullptr);
    //! One step: at most maxMessages of the conversation's oldest (of one month); false when it
    //! had nothing (more) to move.
    [[nodiscard]] Result<bool> step(quint64 conversationId, qint64 cutoffMs, RunReport *report);
    //! Removes files under the archive directory that no segment names and that are older than
    //! `minAgeMs` (younger ones may be another run's, not yet recorded).
    [[nodiscard]] Result<int> removeOrphans(qint64 minAgeMs);
    //! Reads every segment: its file's SHA-256, every block's checksum and messages.
    [[nodiscard]] Result<VerifyReport> verify();

    int maxMessages = 10'000; //!< per step (and file)
    //! For crash tests: called at "written" (the file is on disk, not recorded) and
    //! "committed" (recorded, rows deleted).
    std::function<void(const char *point)> hook;

private:
    //! Files under the archive directory, relative to it.
    [[nodiscard]] QStringList files() const;

    Store::Store &m_store;
    const QString m_dir;
};

//! Copies the archive files a database (a backup's copy, `databasePath`) names from
//! `archiveDir` to `targetDir`, checking each by its recorded SHA-256. Returns how many.
[[nodiscard]] Result<int> copyArchive(const QString &databasePath, const QString &archiveDir,
                                      const QString &targetDir);

} // namespace Confab::Archive
