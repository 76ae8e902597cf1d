#pragma once

#include "store.h"

#include <confab/histogram.h>
#include <confab/ids.h>

#include <QObject>
#include <QPointer>
#include <QThread>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>

namespace Confab::Store {

//! Runs a Store on a thread of its own, so that no disk wait ever blocks the network thread.
//! Jobs run in the order they were queued. Whatever is queued together (appends and every
//! other job, up to kMaxBatch or kBatchBudgetUs of work) runs in one transaction (group commit: one
//! fsync for the batch), and results are reported only after that commit. Lives on the network
//! thread; callbacks run there.
class StoreService final : public QObject
{
    Q_OBJECT
public:
    using Factory = std::function<std::unique_ptr<Store>()>;
    using AppendDone = std::function<void(const Result<Appended> &)>;

    //! The factory runs on the store thread (a database connection belongs to its thread).
    StoreService(Factory factory, SnowflakeGenerator &ids, QObject *parent = nullptr);
    ~StoreService() override; //!< stops, after finishing what is queued

    //! Opens the store (migrations included) and starts serving. Waits for the store thread:
    //! call it at start-up only.
    [[nodiscard]] Result<void> start();
    //! Finishes every queued job, closes the store and joins its thread. Results of the last
    //! jobs are still delivered when the event loop next runs.
    void stop();

    //! Appends a message; `done` runs on this object's thread after the batch committed.
    void append(NewMessage message, AppendDone done);

    //! Applies a group change (Store::changeGroup) with a fresh message id; `done` runs on this
    //! object's thread whether or not the requester is still connected.
    void changeGroup(GroupChange change, std::function<void(const Result<GroupChanged> &)> done);

    //! Edits, deletes or reacts to a message (Store::changeMessage) with a fresh message id for
    //! its entry; `done` runs on this object's thread after the commit.
    void changeMessage(MessageChangeRequest change,
                       std::function<void(const Result<Appended> &)> done);

    //! Makes a complete upload an attachment (Store::completeUpload) with a fresh id.
    void completeUpload(QObject *context, quint64 userId, const QByteArray &uploadId,
                        std::function<void(const Result<AttachmentRecord> &)> done);

    //! Runs `job(Store &)` on the store thread and `done(result)` on this thread, unless
    //! `context` was destroyed meanwhile. Every job, read or write, runs inside the current
    //! batch's transaction (group commit: one fsync for the lot; a job may nest begin() and
    //! commit(), which become savepoints), in queue order, so it sees what was queued before
    //! it. Its result is handed back only once that transaction committed, so nobody hears of
    //! anything a crash could still undo; if the commit fails, `done` gets its error instead.
    template<typename Job, typename Done>
    void run(QObject *context, Job job, Done done)
    {
        using R = std::invoke_result_t<Job &, Store &>; // a Result<T>
        QPointer<QObject> guard(context);
        auto deliver = [this, guard, done = std::move(done)](R result) {
            handBack([guard, done, result = std::move(result)]() {
                if (guard)
                    done(result);
            });
        };
        Item item;
        item.batched = [deliver, job = std::move(job)](Store &store) mutable -> Batched {
            R result = job(store);
            std::optional<Error> fatal;
            if (!result.isOk() && isFatal(result.error().code))
                fatal = result.error();
            return { [deliver, result = std::move(result)]() mutable {
                        deliver(std::move(result));
                    },
                     std::move(fatal) };
        };
        item.refuse = [deliver](const Error &error) { deliver(R(error)); };
        enqueue(std::move(item));
    }

    //! Jobs waiting for the store thread; past maxQueueDepth new work is refused (UNAVAILABLE).
    [[nodiscard]] int queueDepth() const;
    void setMaxQueueDepth(int depth) { m_maxQueueDepth = depth; }
    //! Most appends committed in one transaction.
    static constexpr int kMaxBatch = 1000;
    //! Most work (microseconds) put into one transaction before it commits: a bound for a
    //! backlog of heavy jobs. Not tighter: each commit costs an fsync and the log pages it
    //! writes, so 2 ms slices caught up with a backlog more slowly than they saved (at 10,000
    //! msgs/s, p99 61-120 ms against 17-22 ms unbounded; tests/bench/quick.sh, rate step).
    static constexpr qint64 kBatchBudgetUs = 10'000;
    //! How often a second connection checkpoints while there are commits (off the commit path).
    static constexpr int kCheckpointIntervalMs = 250;
    [[nodiscard]] int checkpoints() const { return m_checkpoints.load(); }

    //! Where an append's time goes, in microseconds: waiting in the queue, the batch's commit
    //! (fsync included), and the wait for this thread to take the result; batch sizes too.
    //! Logged when the service stops (confab.store, info); read them after stop().
    struct Timings
    {
        Histogram queueUs; //!< enqueue -> the store thread takes it
        Histogram commitUs; //!< one batch's COMMIT
        Histogram batchSize;
        Histogram handBackUs; //!< committed -> the result runs on this thread
        Histogram appendUs; //!< enqueue -> the result runs on this thread
    };
    [[nodiscard]] const Timings &timings() const { return m_timings; }
    //! For the metrics endpoint, readable from any thread: commit latencies, and messages stored
    //! (appended and committed, resends not counted).
    [[nodiscard]] const LatencyBuckets &commitLatency() const { return m_commitLatency; }
    [[nodiscard]] quint64 storedMessages() const { return m_storedMessages.load(); }
    [[nodiscard]] static qint64 steadyUs();

protected:
    void customEvent(QEvent *event) override;

private:
    //! Runs `work` on this object's thread, soon (HandBack: visible to ThreadSanitizer). Any
    //! thread.
    void handBack(std::function<void()> work);
    //! What a batched job left: its result to hand back after the commit, and an error that
    //! dooms the whole batch (the disk, not the request).
    struct Batched
    {
        std::function<void()> deliver;
        std::optional<Error> fatal;
    };
    [[nodiscard]] static bool isFatal(ErrorCode code)
    {
        return code == ErrorCode::STORAGE_FULL || code == ErrorCode::INTERNAL
            || code == ErrorCode::UNAVAILABLE;
    }
    struct Item
    {
        std::function<void(const Error &)> refuse; //!< reports a task that could not be queued
        NewMessage message;
        AppendDone done;
        qint64 queuedUs = 0; //!< steady clock, when enqueued
        std::function<Batched(Store &)> batched; //!< a job (empty for an append)
    };

    void enqueue(Item item);
    void serve(); //!< the store thread's loop
    void checkpointLoop(); //!< the checkpoint thread's loop
    //! Runs jobs from the front of `pending` in one transaction, up to kMaxBatch of them or
    //! kBatchBudgetUs of work, commits, and hands their results back.
    void commitBatch(Store &store, std::deque<Item> &pending);

    const Factory m_factory;
    SnowflakeGenerator &m_ids;
    std::unique_ptr<QThread> m_thread;
    LatencyBuckets m_commitLatency;
    std::atomic<quint64> m_storedMessages { 0 };
    std::unique_ptr<QThread> m_checkpointer;
    std::atomic<quint64> m_commits { 0 };
    std::atomic<int> m_checkpoints { 0 };
    //! A commit deleted text: the checkpoint thread empties the log (Store::scrubLog()) soon.
    std::atomic<bool> m_scrubPending { false };
    int m_maxQueueDepth = 100'000;
    //! queueUs, commitUs and batchSize: the store thread's; the others: this thread's.
    Timings m_timings;
    qint64 m_failedBatchLoggedUs = std::numeric_limits<qint64>::min() / 2; //!< store thread
    quint64 m_failedBatches = 0; //!< store thread: since the last report

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_checkpointWake; //!< its own: a notify_one must reach the store thread
    std::deque<Item> m_queue; // guarded by m_mutex
    bool m_stopping = false; // guarded by m_mutex
    Result<void> m_openResult; // written by the store thread before m_opened is set
    bool m_opened = false; // guarded by m_mutex
};

} // namespace Confab::Store
