#include "archiveservice.h"

#include <confab/logging.h>

#include <QDateTime>

namespace Confab::Archive {

ArchiveService::ArchiveService(StoreFactory factory, QString archiveDir, qint64 archiveAfterMs,
                               qint64 intervalMs)
    : m_factory(std::move(factory)), m_dir(std::move(archiveDir)), m_archiveAfterMs(archiveAfterMs),
      m_intervalMs(intervalMs > 0 ? intervalMs : 3'600'000)
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

void ArchiveService::loop()
{
    // The connection belongs to this thread: made, used and closed here; opened again at the
    // next interval if it could not be.
    std::unique_ptr<Store::Store> store;
    std::unique_ptr<Archiver> archiver;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait_for(lock, std::chrono::milliseconds(m_intervalMs),
                            [this] { return m_stopping.load() || m_runNow; });
            if (m_stopping)
                return;
            m_runNow = false;
        }
        if (!archiver) {
            store = m_factory();
            if (auto opened = store->open(); !opened) {
                qCWarning(lcStore)
                    << "archive: cannot open the database:" << opened.error().message;
                store.reset();
                std::lock_guard lock(m_mutex);
                ++m_passes;
                m_last = {};
                continue;
            }
            archiver = std::make_unique<Archiver>(*store, m_dir);
        }
        const qint64 cutoffMs = QDateTime::currentMSecsSinceEpoch() - m_archiveAfterMs;
        auto report = archiver->run(cutoffMs, &m_stopping);
        std::lock_guard lock(m_mutex);
        ++m_passes;
        if (!report) {
            qCWarning(lcStore) << "archive:" << report.error().message;
            m_last = {};
            continue;
        }
        m_last = report.value();
        if (m_last.segments > 0)
            qCInfo(lcStore).nospace()
                << "archive: moved " << m_last.messages << " messages of " << m_last.conversations
                << " conversations into " << m_last.segments << " files (" << m_last.bytes
                << " bytes, " << m_last.rawBytes << " uncompressed)";
    }
}

} // namespace Confab::Archive
