#include "storeservice.h"

#include <confab/handback.h>
#include <confab/logging.h>

#include <QDateTime>

#include <chrono>

namespace Confab::Store {

StoreService::StoreService(Factory factory, SnowflakeGenerator &ids, QObject *parent)
    : QObject(parent), m_factory(std::move(factory)), m_ids(ids)
{ }

StoreService::~StoreService()
{
    stop();
}

Result<void> StoreService::start()
{
    m_thread.reset(QThread::create([this] { serve(); }));
    m_thread->setObjectName(QStringLiteral("confab-store"));
    m_thread->start();
    {
        std::unique_lock lock(m_mutex);
        m_wake.wait(lock, [this] { return m_opened; });
        if (!m_openResult)
            return m_openResult;
    }
    m_checkpointer.reset(QThread::create([this] { checkpointLoop(); }));
    m_checkpointer->setObjectName(QStringLiteral("confab-checkpoint"));
    m_checkpointer->start();
    return {};
}

void StoreService::checkpointLoop()
{
    // Its own connection: while it copies the log into the database and fsyncs that, the
    // writer goes on committing (and acking) into the log.
    std::unique_ptr<Store> store = m_factory();
    if (auto opened = store->open(); !opened) {
        qCWarning(lcStore) << "checkpoints stay with the writer:" << opened.error().message;
        return;
    }
    quint64 done = m_commits.load();
    bool scrub = false; // a scrub that found the log busy, to try again
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_checkpointWake.wait_for(lock, std::chrono::milliseconds(kCheckpointIntervalMs),
                                      [this] { return m_stopping || m_scrubPending.load(); });
            if (m_stopping)
                break;
        }
        scrub = m_scrubPending.exchange(false) || scrub;
        if (scrub) {
            // Deleted text may still sit in older page versions in the log: copy it all into
            // the database (where secure_delete zeroed it) and truncate the log. Busy: at the
            // next interval.
            const quint64 commits = m_commits.load();
            if (auto scrubbed = store->scrubLog(); scrubbed) {
                scrub = false;
                done = commits;
                ++m_checkpoints;
                continue;
            } else {
                qCDebug(lcStore) << "emptying the log after a delete:" << scrubbed.error().message;
            }
        }
        const quint64 commits = m_commits.load();
        if (commits == done)
            continue;
        done = commits;
        if (auto checkpointed = store->checkpoint(); !checkpointed)
            qCWarning(lcStore) << "checkpoint:" << checkpointed.error().message;
        else
            ++m_checkpoints;
    }
    // Leave the log short for the next start, and empty if text was deleted.
    if (scrub || m_scrubPending.exchange(false))
        static_cast<void>(store->scrubLog());
    else
        static_cast<void>(store->checkpoint());
}

void StoreService::stop()
{
    if (!m_thread)
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_checkpointWake.notify_all();
    if (m_checkpointer) {
        m_checkpointer->wait();
        m_checkpointer.reset();
    }
    m_thread->wait();
    m_thread.reset();
    if (m_timings.batchSize.count() > 0) {
        qCInfo(lcStore).noquote() << "store timings: queue" << m_timings.queueUs.summary(u"us"_qs)
                                  << "| commit" << m_timings.commitUs.summary(u"us"_qs) << "| batch"
                                  << m_timings.batchSize.summary(QString()) << "| hand back"
                                  << m_timings.handBackUs.summary(u"us"_qs) << "| in all"
                                  << m_timings.appendUs.summary(u"us"_qs);
    }
}

int StoreService::queueDepth() const
{
    std::lock_guard lock(m_mutex);
    return int(m_queue.size());
}

void StoreService::append(NewMessage message, AppendDone done)
{
    Item item;
    item.message = std::move(message);
    item.done = std::move(done);
    enqueue(std::move(item));
}

qint64 StoreService::steadyUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void StoreService::enqueue(Item item)
{
    item.queuedUs = steadyUs();
    {
        std::lock_guard lock(m_mutex);
        if (!m_stopping && m_opened && int(m_queue.size()) < m_maxQueueDepth) {
            m_queue.push_back(std::move(item));
            if (m_queue.size() == 1)
                m_wake.notify_one();
            return;
        }
    }
    // Refused: report it as the job's own result would be, on this thread, later.
    const Error busy { ErrorCode::UNAVAILABLE, QStringLiteral("the server is busy or stopping") };
    if (item.refuse) {
        item.refuse(busy);
    } else if (item.done) {
        handBack([done = std::move(item.done), busy] { done(busy); });
    }
    qCWarning(lcStore) << "refused a store job: queue full or stopping";
}

void StoreService::handBack(std::function<void()> work)
{
    HandBack::post(this, std::move(work));
}

void StoreService::customEvent(QEvent *event)
{
    HandBack::dispatch(event);
}

void StoreService::serve()
{
    std::unique_ptr<Store> store = m_factory();
    Result<void> opened = store->open();
    if (opened)
        opened = store->setCheckpointsElsewhere(true); // checkpointLoop() does them
    if (opened) {
        if (auto newest = store->maxMessageId())
            m_ids.advancePast(newest.value());
        else
            opened = newest.error();
    }
    {
        std::lock_guard lock(m_mutex);
        m_openResult = opened;
        m_opened = true;
    }
    m_wake.notify_all();
    if (!opened)
        return;

    std::deque<Item> pending; // taken from the queue, not yet in a committed batch
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            if (pending.empty())
                m_wake.wait(lock, [this] { return !m_queue.empty() || m_stopping; });
            if (m_queue.empty() && pending.empty())
                break; // stopping, and everything queued is done
            const qint64 takenUs = steadyUs();
            for (Item &item : m_queue) {
                m_timings.queueUs.add(takenUs - item.queuedUs);
                pending.push_back(std::move(item));
            }
            m_queue.clear();
        }
        commitBatch(*store, pending);
    }
    qCInfo(lcStore) << "store closed";
}

void StoreService::changeGroup(GroupChange change,
                               std::function<void(const Result<GroupChanged> &)> done)
{
    run(
        this,
        [this, change = std::move(change)](Store &store) {
            // The id generator is only used on the store thread (here and in commitBatch).
            return store.changeGroup(change, m_ids.next(), QDateTime::currentMSecsSinceEpoch());
        },
        std::move(done));
}

void StoreService::changeMessage(MessageChangeRequest change,
                                 std::function<void(const Result<Appended> &)> done)
{
    run(
        this,
        [this, change = std::move(change)](Store &store) {
            return store.changeMessage(change, m_ids.next(), QDateTime::currentMSecsSinceEpoch());
        },
        std::move(done));
}

void StoreService::completeUpload(QObject *context, quint64 userId, const QByteArray &uploadId,
                                  std::function<void(const Result<AttachmentRecord> &)> done)
{
    run(
        context,
        [this, userId, uploadId](Store &store) {
            return store.completeUpload(userId, uploadId, m_ids.next(),
                                        QDateTime::currentMSecsSinceEpoch());
        },
        std::move(done));
}

void StoreService::commitBatch(Store &store, std::deque<Item> &pending)
{
    if (pending.empty())
        return;
    std::vector<Item> batch;
    std::vector<Result<Appended>> results; // the appends', in order
    std::vector<std::function<void()>> batchedDone; // the batched jobs', in order
    const qint64 startUs = steadyUs();
    std::optional<Error> doomed;
    if (auto begun = store.begin(); !begun) {
        // Nothing can be stored: the batch is refused as a whole, below.
        doomed = begun.error();
        while (!pending.empty() && batch.size() < size_t(kMaxBatch)) {
            batch.push_back(std::move(pending.front()));
            pending.pop_front();
        }
    }
    // Bounded by count and by time: every ack in the batch waits for the last job's work, so a
    // backlog is committed in slices of a few milliseconds rather than in one long transaction.
    while (!doomed && !pending.empty() && batch.size() < size_t(kMaxBatch)
           && (batch.empty() || steadyUs() - startUs < kBatchBudgetUs)) {
        batch.push_back(std::move(pending.front()));
        pending.pop_front();
        Item &item = batch.back();
        if (item.batched) {
            Batched done = item.batched(store);
            if (store.takeWouldWait() && batch.size() > 1) {
                // Another node holds what this needs: commit the rest, and this goes first in
                // the next transaction, which waits for it holding nothing.
                pending.push_front(std::move(batch.back()));
                batch.pop_back();
                break;
            }
            if (done.fatal)
                doomed = done.fatal;
            batchedDone.push_back(std::move(done.deliver));
            continue;
        }
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        auto appended = store.append(item.message, m_ids.next(), nowMs);
        if (!appended && store.takeWouldWait() && batch.size() > 1) {
            pending.push_front(std::move(batch.back())); // as above
            batch.pop_back();
            break;
        }
        if (!appended && isFatal(appended.error().code))
            doomed = appended.error();
        else
            results.push_back(std::move(appended));
    }
    if (!doomed && store.openTransactions() != 1) // a job that began and never ended
        doomed =
            Error { ErrorCode::INTERNAL, QStringLiteral("a store job left a transaction open") };
    if (!doomed) {
        const qint64 commitStartUs = steadyUs();
        const Result<void> committed = store.commit();
        const qint64 commitUs = steadyUs() - commitStartUs;
        m_timings.commitUs.add(commitUs);
        m_timings.batchSize.add(qint64(batch.size()));
        if (!committed) {
            doomed = committed.error();
        } else {
            ++m_commits;
            m_commitLatency.add(commitUs);
            if (store.takeScrubRequest()) {
                m_scrubPending = true;
                m_checkpointWake.notify_one();
            }
            quint64 stored = 0;
            for (const auto &appended : results)
                stored += appended.isOk() && !appended.value().duplicate ? 1 : 0;
            m_storedMessages.fetch_add(stored);
        }
    }
    size_t appends = 0;
    for (const Item &item : batch)
        appends += item.batched ? 0 : 1;
    if (doomed) {
        // Nothing of this batch is stored: every sender hears the error, none an ack.
        while (store.openTransactions() > 1)
            store.rollback();
        store.rollback();
        results.assign(appends, *doomed);
        // Once every 10 s at most, with the count: a full disk fails every batch alike.
        ++m_failedBatches;
        if (startUs - m_failedBatchLoggedUs >= 10'000'000) {
            qCWarning(lcStore) << "a batch of" << batch.size()
                               << "writes failed:" << doomed->message << "(" << m_failedBatches
                               << "failed batches since the last report)";
            m_failedBatchLoggedUs = startUs;
            m_failedBatches = 0;
        }
    }
    // The results go back in queue order: a run of appends as one hand-back, each job's on its
    // own, posted one after the other (so delivered in that order). A job's effect on a cache
    // (a member removed) must not be undone by the answer to an append queued before it.
    std::vector<AppendDone> dones;
    std::vector<qint64> queued;
    std::vector<Result<Appended>> slice;
    const qint64 committedUs = steadyUs();
    auto handBackAppends = [&] {
        if (dones.empty())
            return;
        handBack([this, committedUs, dones = std::exchange(dones, {}),
                  queued = std::exchange(queued, {}), results = std::exchange(slice, {})]() {
            const qint64 nowUs = steadyUs();
            m_timings.handBackUs.add(nowUs - committedUs);
            for (size_t i = 0; i < dones.size(); ++i) {
                m_timings.appendUs.add(nowUs - queued[i]);
                dones[i](results[i]);
            }
        });
    };
    size_t nextAppend = 0;
    size_t nextJob = 0;
    for (Item &item : batch) {
        if (item.batched) {
            handBackAppends();
            if (doomed) // undone with the rest: its requester hears why
                item.refuse(*doomed);
            else
                batchedDone[nextJob++]();
            continue;
        }
        dones.push_back(std::move(item.done));
        queued.push_back(item.queuedUs);
        slice.push_back(std::move(results[nextAppend++]));
    }
    handBackAppends();
}

} // namespace Confab::Store
