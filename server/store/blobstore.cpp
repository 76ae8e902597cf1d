#include "blobstore.h"

#include <confab/epolldispatcher.h>
#include <confab/logging.h>
#include <confab/tsan.h>

#include <QCryptographicHash>
#include <QDateTime>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QSet>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <unistd.h>
#endif

namespace Confab::Store {

namespace {

// A file's bytes on the disk itself, not only in the page cache.
bool syncToDisk(QFile &file)
{
    if (!file.flush())
        return false;
#ifdef Q_OS_UNIX
    return ::fsync(file.handle()) == 0;
#else
    return true;
#endif
}

void syncDirectory(const QString &path)
{
#ifdef Q_OS_UNIX
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
#else
    Q_UNUSED(path);
#endif
}

Error diskError(const QFile &file)
{
    // A full disk is said as such: the client waits and resumes.
    if (file.error() == QFileDevice::ResourceError || file.error() == QFileDevice::WriteError)
        return { ErrorCode::STORAGE_FULL, QStringLiteral("the server cannot store the file now") };
    return { ErrorCode::INTERNAL, QStringLiteral("file storage error") };
}

} // namespace

BlobStore::BlobStore(const QString &dataDir, QObject *parent) : QObject(parent), m_dir(dataDir) { }

BlobStore::~BlobStore()
{
    if (m_thread) {
        m_thread->quit();
        m_thread->wait();
        CONFAB_TSAN_ACQUIRE(this); // what the thread did is done (QThread::wait() is a futex)
    }
    m_worker.reset();
}

Result<void> BlobStore::start()
{
    for (const char *sub : { "uploads", "blobs" }) {
        if (!m_dir.mkpath(QLatin1String(sub)))
            return Error {
                ErrorCode::INTERNAL,
                QStringLiteral("cannot create %1").arg(m_dir.filePath(QLatin1String(sub)))
            };
    }
    m_thread = std::make_unique<QThread>();
    m_thread->setObjectName(QStringLiteral("confab-blobs"));
#ifdef Q_OS_LINUX
    // As the network threads: not glib's loop, whose wake-ups ThreadSanitizer cannot follow.
    if (EpollEventDispatcher::wanted())
        m_thread->setEventDispatcher(new EpollEventDispatcher);
#endif
    m_worker = std::make_unique<QObject>();
    m_worker->moveToThread(m_thread.get());
    connect(
        m_thread.get(), &QThread::finished, m_worker.get(), [this] { CONFAB_TSAN_RELEASE(this); },
        Qt::DirectConnection); // on the blob thread, as it ends
    m_thread->start();
    return {};
}

QString BlobStore::partPath(const QByteArray &uploadId) const
{
    return m_dir.filePath(
        QStringLiteral("uploads/%1.part").arg(QString::fromLatin1(uploadId.toHex())));
}

QString BlobStore::blobPath(const QByteArray &sha256) const
{
    const QString hex = QString::fromLatin1(sha256.toHex());
    return m_dir.filePath(QStringLiteral("blobs/%1/%2").arg(hex.left(2), hex));
}

qint64 BlobStore::partSize(const QByteArray &uploadId) const
{
    return QFileInfo(partPath(uploadId)).size();
}

Result<qint64> BlobStore::append(const QByteArray &uploadId, qint64 offset, const QByteArray &data)
{
    QFile part(partPath(uploadId));
    // Only the first chunk starts a part: a later one whose part is gone (finished meanwhile on
    // another connection) must not start an orphan one.
    if (offset > 0 && !part.exists())
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such upload in progress") };
    if (!part.open(QIODevice::ReadWrite))
        return diskError(part);
    const qint64 size = part.size();
    if (offset != size)
        return size; // a repeat, or one after a gap: the size tells the client where to go on
    if (!part.seek(size) || part.write(data) != data.size() || !part.flush()) {
        // Whatever half got written goes: the part stays a whole number of good chunks.
        const Error error = diskError(part);
        part.resize(size);
        return error;
    }
    return size + data.size();
}

Result<void> BlobStore::finish(const QByteArray &uploadId, const QByteArray &sha256, qint64 size)
{
    QFile part(partPath(uploadId));
    if (!part.exists())
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such upload in progress") };
    if (!part.open(QIODevice::ReadWrite))
        return diskError(part);
    if (part.size() != size)
        return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("the upload is not complete") };
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&part) || hash.result() != sha256) {
        part.close();
        part.remove();
        return Error { ErrorCode::HASH_MISMATCH,
                       QStringLiteral("the file's SHA-256 is not the one announced") };
    }
    const QString target = blobPath(sha256);
    if (QFile stored(target); stored.exists()) {
        part.close();
        part.remove(); // stored once: the same file was sent before
        // Young again: the collector keeps a blob that just got a new reference for its grace
        // period, even if it listed the references before this one was committed.
        if (stored.open(QIODevice::ReadWrite))
            stored.setFileTime(QDateTime::currentDateTimeUtc(), QFileDevice::FileModificationTime);
        return {};
    }
    if (!syncToDisk(part))
        return diskError(part);
    part.close();
    const QString directory = QFileInfo(target).absolutePath();
    if (!QDir().mkpath(directory) || !QFile::rename(part.fileName(), target))
        return Error { ErrorCode::INTERNAL, QStringLiteral("cannot file the upload") };
    syncDirectory(directory);
    return {};
}

Result<QByteArray> BlobStore::read(const QByteArray &sha256, qint64 offset, qint64 length) const
{
    QFile blob(blobPath(sha256));
    if (!blob.open(QIODevice::ReadOnly)) {
        qCWarning(lcStore) << "attachment file missing:" << blob.fileName();
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no such file") };
    }
    if (offset < 0 || offset > blob.size() || !blob.seek(offset))
        return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("offset past the end") };
    return blob.read(length);
}

bool BlobStore::hasBlob(const QByteArray &sha256) const
{
    return QFileInfo::exists(blobPath(sha256));
}

void BlobStore::removePart(const QByteArray &uploadId)
{
    QFile::remove(partPath(uploadId));
}

int BlobStore::collectGarbage(const QSet<QByteArray> &referenced, qint64 olderThanMs)
{
    int removed = 0;
    QDirIterator it(m_dir.filePath(QStringLiteral("blobs")), QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        const QByteArray sha = QByteArray::fromHex(it.fileName().toLatin1());
        if (sha.size() != 32 || referenced.contains(sha)
            || it.fileInfo().lastModified().toMSecsSinceEpoch() >= olderThanMs)
            continue;
        if (QFile::remove(it.filePath()))
            ++removed;
    }
    return removed;
}

QList<QByteArray> BlobStore::blobs(qint64 *totalBytes) const
{
    QList<QByteArray> found;
    qint64 total = 0;
    QDirIterator it(m_dir.filePath(QStringLiteral("blobs")), QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        found.append(QByteArray::fromHex(it.fileName().toLatin1()));
        total += it.fileInfo().size();
    }
    if (totalBytes)
        *totalBytes = total;
    return found;
}

} // namespace Confab::Store
