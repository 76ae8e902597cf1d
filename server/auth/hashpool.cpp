#include "hashpool.h"

#include <algorithm>

#ifdef Q_OS_LINUX
#include <pthread.h>
#endif
#include <QtGlobal>

namespace Confab::Auth {

HashPool::HashPool(int threads, const char *name)
{
    for (int i = 0; i < std::max(1, threads); ++i) {
        m_threads.emplace_back([this] { serve(); });
#ifdef Q_OS_LINUX
        pthread_setname_np(m_threads.back().native_handle(), name); // shown by top -H, gdb
#else
        Q_UNUSED(name);
#endif
    }
}

HashPool::~HashPool()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    for (std::thread &thread : m_threads)
        thread.join();
}

void HashPool::post(std::function<void()> job)
{
    {
        std::lock_guard lock(m_mutex);
        m_jobs.push_back(std::move(job));
    }
    m_wake.notify_one();
}

void HashPool::serve()
{
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
            if (m_jobs.empty())
                return; // stopping, and nothing left
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
        }
        job();
    }
}

} // namespace Confab::Auth
