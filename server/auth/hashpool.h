#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace Confab::Auth {

//! The threads that hash passwords: Argon2 takes tens of milliseconds and megabytes on purpose,
//! so never on the network thread. Jobs run in the order they came. Plain std::thread rather
//! than QThreadPool: every hand-over is then one ThreadSanitizer can see. Thread-safe.
class HashPool
{
public:
    HashPool(int threads, const char *name);
    //! Runs what is queued, then joins the threads.
    ~HashPool();
    HashPool(const HashPool &) = delete;
    HashPool &operator=(const HashPool &) = delete;

    void post(std::function<void()> job);

private:
    void serve();

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::function<void()>> m_jobs;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

} // namespace Confab::Auth
