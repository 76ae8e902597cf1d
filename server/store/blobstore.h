#pragma once

#include <confab/result.h>

#include <QByteArray>
#include <QDir>
#include <QMetaObject>
#include <QObject>
#include <QPointer>
#include <QThread>

#include <memory>
#include <type_traits>

namespace Confab::Store {

//! Attachment files under the data directory (PROTOCOL.md §14): uploads in progress as
//! uploads/<id>.part, finished files content-addressed as blobs/<2 hex>/<sha-256 hex>, stored
//! once however often they are sent. Its methods are blocking file work; run() them on the
//! blob thread, never on the network thread. What the database says about them is the Store's.
class BlobStore final : public QObject
{
    Q_OBJECT
public:
    explicit BlobStore(const QString &dataDir, QObject *parent = nullptr);
    ~BlobStore() override; //!< stops the blob thread after the queued work

    //! Starts the blob thread.
    [[nodiscard]] Result<void> start();

    //! Runs `job()` on the blob thread (in queue order) and `done(result)` on the caller's
    //! thread, unless `context` is gone by then.
    template<typename Job, typename Done>
    void run(QObject *context, Job job, Done done)
    {
        using R = std::invoke_result_t<Job &>;
        QPointer<QObject> guard(context);
        QMetaObject::invokeMethod(
            m_worker.get(),
            [guard, job = std::move(job), done = std::move(done)]() mutable {
                R result = job();
                if (!guard)
                    return;
                QMetaObject::invokeMethod(
                    guard.data(),
                    [guard, done = std::move(done), result = std::move(result)]() {
                        if (guard)
                            done(result);
                    },
                    Qt::QueuedConnection);
            },
            Qt::QueuedConnection);
    }

    // File work (blob thread, or a thread of its own such as the admin CLI's)
    //! The bytes of an upload held so far.
    [[nodiscard]] qint64 partSize(const QByteArray &uploadId) const;
    //! Appends data at offset, which must be the part's size; returns the size after. A chunk at
    //! another offset changes nothing (the size says where to go on).
    [[nodiscard]] Result<qint64> append(const QByteArray &uploadId, qint64 offset,
                                        const QByteArray &data);
    //! Checks a complete part against its hash and size, flushes it to disk and files it as a
    //! blob (or drops it when that blob is there already). HASH_MISMATCH: the part is removed.
    [[nodiscard]] Result<void> finish(const QByteArray &uploadId, const QByteArray &sha256,
                                      qint64 size);
    [[nodiscard]] Result<QByteArray> read(const QByteArray &sha256, qint64 offset,
                                          qint64 length) const;
    [[nodiscard]] bool hasBlob(const QByteArray &sha256) const;
    void removePart(const QByteArray &uploadId);
    //! Blobs no attachment refers to, last changed before `olderThanMs`, are deleted (fresh ones
    //! may be about to be referred to). Returns how many.
    int collectGarbage(const QSet<QByteArray> &referenced, qint64 olderThanMs);
    //! Every blob's hash and the total size, for `confabd check` and stats.
    [[nodiscard]] QList<QByteArray> blobs(qint64 *totalBytes = nullptr) const;

    [[nodiscard]] QString blobPath(const QByteArray &sha256) const;
    [[nodiscard]] QString partPath(const QByteArray &uploadId) const;

private:
    QDir m_dir;
    std::unique_ptr<QThread> m_thread;
    std::unique_ptr<QObject> m_worker; //!< lives on m_thread: run()'s jobs are queued to it
};

} // namespace Confab::Store
