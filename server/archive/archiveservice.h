#pragma once

#include "archiver.h"
#include "retention.h"

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace Confab::Archive {

//! confabd's history jobs: a thread with a database connection of its own that, every
//! `intervalMs`, moves what was stored longer than `archiveAfterMs` ago into the archive
//! (Archiver::run; 0: never), and every `retentionIntervalMs` deletes what is older than each
//! conversation's retention (Retention::run: the server's `retentionMs`, or a conversation's
//! own). Live traffic never waits for a file to be written: only for one step's short
//! transaction. Stops between steps.
class ArchiveService final
{
public:
    using StoreFactory = std::function<std::unique_ptr<Store::Store>()>;

    //! Called on the job's thread with a conversation retention deleted from, as soon as its
    //! turn ends.
    using PurgedCallback = std::function<void(const QList<quint64> &conversationIds)>;

    ArchiveService(StoreFactory factory, QString archiveDir, qint64 archiveAfterMs,
                   qint64 intervalMs, qint64 retentionMs = 0,
                   qint64 retentionIntervalMs = 3'600'000, PurgedCallback purged = {});
    ~ArchiveService(); //!< stops, after the step under way

    void start();
    void stop();
    //! Runs a pass now instead of at the next interval.
    void runNow();
    //! Passes finished, and what the last one moved (any thread).
    [[nodiscard]] int passes() const;
    [[nodiscard]] RunReport lastReport() const;
    [[nodiscard]] RetentionReport lastRetentionReport() const;

private:
    void loop();

    const StoreFactory m_factory;
    const QString m_dir;
    const qint64 m_archiveAfterMs;
    const qint64 m_intervalMs;
    const qint64 m_retentionMs;
    const qint64 m_retentionIntervalMs;
    const PurgedCallback m_purged;
    std::thread m_thread;
    std::atomic<bool> m_stopping { false };
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_runNow = false; // guarded by m_mutex
    int m_passes = 0; // guarded by m_mutex
    RunReport m_last; // guarded by m_mutex
    RetentionReport m_lastRetention; // guarded by m_mutex
};

} // namespace Confab::Archive
