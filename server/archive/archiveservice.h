#pragma once

#include "archiver.h"

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace Confab::Archive {

//! confabd's archive job: a thread with a database connection of its own that, every
//! `intervalMs`, moves what was stored longer than `archiveAfterMs` ago into the archive
//! (Archiver::run). Live traffic never waits for a file to be written: only for one step's
//! short delete transaction. Stops between steps.
class ArchiveService final
{
public:
    using StoreFactory = std::function<std::unique_ptr<Store::Store>()>;

    ArchiveService(StoreFactory factory, QString archiveDir, qint64 archiveAfterMs,
                   qint64 intervalMs);
    ~ArchiveService(); //!< stops, after the step under way

    void start();
    void stop();
    //! Runs a pass now instead of at the next interval.
    void runNow();
    //! Passes finished, and what the last one moved (any thread).
    [[nodiscard]] int passes() const;
    [[nodiscard]] RunReport lastReport() const;

private:
    void loop();

    const StoreFactory m_factory;
    const QString m_dir;
    const qint64 m_archiveAfterMs;
    const qint64 m_intervalMs;
    std::thread m_thread;
    std::atomic<bool> m_stopping { false };
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_runNow = false; // guarded by m_mutex
    int m_passes = 0; // guarded by m_mutex
    RunReport m_last; // guarded by m_mutex
};

} // namespace Confab::Archive
