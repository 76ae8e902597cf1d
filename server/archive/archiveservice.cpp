#include "archiveservice.h"

#include <confab/logging.h>

#include <QDateTime>

namespace Confab::Archive {

ArchiveService::ArchiveService(StoreFactory factory, QString archiveDir, qint64 archiveAfterMs,
                               qint64 intervalMs, qint64 retentionMs, qint64 retentionIntervalMs,
                               PurgedCallback purged)
    : m_factory(std::move(factory)), m_dir(std::move(archiveDir)), m_archiveAfterMs(archiveAfterMs),
      m_intervalMs(intervalMs > 0 ? intervalMs : 3'600'000), m_retentionMs(retentionMs),
      m_retentionIntervalMs(retentionIntervalMs > 0 ? retentionIntervalMs : 3'600'000),
      m_purged(std::move(purged))
{ }

ArchiveService::~ArchiveService()
{
    stop();
}

void ArchiveService::start()
{
    if (!m_thread.joinable())
        m_thread = std::thread([this] { loop(); });
}

void ArchiveService::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void ArchiveService::runNow()
{
    {
        std::lock_guard lock(m_mutex);
        m_runNow = true;
    }
    m_wake.notify_all();
}

int ArchiveService::passes() const
{
    std::lock_guard lock(m_mutex);
    return m_passes;
}

RunReport ArchiveService::lastReport() const
{
    std::lock_guard lock(m_mutex);
    return m_last;
}

RetentionReport ArchiveService::lastRetentionReport() const
{
    std::lock_guard lock(m_mutex);
    return m_lastRetention;
}

void ArchiveService::loop()
{
    // The connection belongs to this thread: made, used and closed here; opened again at the
    // next interval if it could not be. Each job keeps its own schedule.
    using Clock = std::chrono::steady_clock;
    std::unique_ptr<Store::Store> store;
    std::unique_ptr<Archiver> archiver;
    std::unique_ptr<Retention> retention;
    Clock::time_point nextArchive = Clock::now() + std::chrono::milliseconds(m_intervalMs);
    Clock::time_point nextRetention =
        Clock::now() + std::chrono::milliseconds(m_retentionIntervalMs);
    for (;;) {
        bool archiveDue = false;
        bool retentionDue = false;
        {
            std::unique_lock lock(m_mutex);
            const auto wake =
                m_archiveAfterMs > 0 ? std::min(nextArchive, nextRetention) : nextRetention;
            m_wake.wait_until(lock, wake, [this] { return m_stopping.load() || m_runNow; });
            if (m_stopping)
                return;
            const auto now = Clock::now();
            archiveDue = m_archiveAfterMs > 0 && (m_runNow || now >= nextArchive);
            retentionDue = m_runNow || now >= nextRetention;
            m_runNow = false;
            if (archiveDue)
                nextArchive = now + std::chrono::milliseconds(m_intervalMs);
            if (retentionDue)
                nextRetention = now + std::chrono::milliseconds(m_retentionIntervalMs);
        }
        if (!store) {
            store = m_factory();
            if (auto opened = store->open(); !opened) {
                qCWarning(lcStore)
                    << "history jobs: cannot open the database:" << opened.error().message;
                store.reset();
                std::lock_guard lock(m_mutex);
                ++m_passes;
                m_last = {};
                m_lastRetention = {};
                continue;
            }
            archiver = std::make_unique<Archiver>(*store, m_dir);
            retention = std::make_unique<Retention>(*store, m_dir);
            retention->purged = [this](quint64 conversationId) {
                if (m_purged)
                    m_purged({ conversationId });
            };
        }
        // Retention first: what is due to go is not worth archiving.
        if (retentionDue) {
            auto report =
                retention->run(QDateTime::currentMSecsSinceEpoch(), m_retentionMs, &m_stopping);
            if (!report) {
                qCWarning(lcStore) << "retention:" << report.error().message;
            } else {
                if (report.value().entries > 0)
                    qCInfo(lcStore).nospace()
                        << "retention: deleted " << report.value().entries << " entries of "
                        << report.value().purged.size() << " conversations ("
                        << report.value().segmentsRemoved << " archive files deleted, "
                        << report.value().segmentsRewritten << " cut)";
            }
            std::lock_guard lock(m_mutex);
            m_lastRetention = report ? report.value() : RetentionReport {};
        }
        if (archiveDue) {
            const qint64 cutoffMs = QDateTime::currentMSecsSinceEpoch() - m_archiveAfterMs;
            auto report = archiver->run(cutoffMs, &m_stopping);
            if (!report)
                qCWarning(lcStore) << "archive:" << report.error().message;
            else if (report.value().segments > 0)
                qCInfo(lcStore).nospace()
                    << "archive: moved " << report.value().messages << " messages of "
                    << report.value().conversations << " conversations into "
                    << report.value().segments << " files (" << report.value().bytes << " bytes, "
                    << report.value().rawBytes << " uncompressed)";
            std::lock_guard lock(m_mutex);
            m_last = report ? report.value() : RunReport {};
        }
        std::lock_guard lock(m_mutex);
        ++m_passes;
    }
}

} // namespace Confab::Archive
