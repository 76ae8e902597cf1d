#include "segmentfile.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QtEndian>

namespace Confab::Archive {

namespace {

constexpr char kMagic[] = "CFARCH01";
constexpr char kEndMagic[] = "CFAEND01";
constexpr int kMagicSize = 8;
constexpr int kIndexEntrySize = 8 + 8 + 4 + 8 + 4 + 8 + 8 + 32;
constexpr int kFooterSize = 8 + 4 + 8 + 32 + kMagicSize;
//! A block decompresses to at most this: kBlockMessages messages of the largest a frame holds.
constexpr qint64 kMaxBlockRawBytes = qint64(64) * 1024 * 1024;

Error damaged(const QString &path, const QString &why)
{
    return Error { ErrorCode::ARCHIVE_UNAVAILABLE,
                   QStringLiteral("archive file %1 is damaged: %2").arg(path, why) };
}

template<typename T>
void put(QByteArray &out, T value)
{
    char bytes[sizeof(T)];
    qToLittleEndian(value, bytes);
    out.append(bytes, sizeof(T));
}

template<typename T>
T get(const char *&at)
{
    const T value = qFromLittleEndian<T>(at);
    at += sizeof(T);
    return value;
}

QByteArray sha256(const QByteArray &bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
}

//! Makes a rename in `dir` durable.
void syncDirectory(const QString &dir)
{
    const int fd = ::open(QFile::encodeName(dir).constData(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace

QByteArray fileSha256(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&file))
        return {};
    return hash.result();
}

Result<SegmentInfo> writeSegment(const QString &path, quint64 conversationId,
                                 const QList<pb::Message> &messages, int compressionLevel)
{
    if (messages.isEmpty())
        return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("an empty segment") };
    SegmentInfo info;
    info.conversationId = conversationId;
    info.firstSeq = messages.first().seq();
    info.lastSeq = messages.last().seq();
    info.messages = int(messages.size());
    info.firstMs = messages.first().server_time_ms();
    info.lastMs = messages.last().server_time_ms();

    QByteArray file(kMagic, kMagicSize);
    QByteArray index;
    int blocks = 0;
    std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> context(ZSTD_createCCtx(), ZSTD_freeCCtx);
    if (!context)
        return Error { ErrorCode::INTERNAL, QStringLiteral("zstd: out of memory") };
    ZSTD_CCtx_setParameter(context.get(), ZSTD_c_compressionLevel, compressionLevel);
    ZSTD_CCtx_setParameter(context.get(), ZSTD_c_checksumFlag, 1);

    QByteArray raw;
    quint64 blockFirst = 0;
    quint64 blockMinId = 0;
    quint64 blockMaxId = 0;
    quint64 previousSeq = 0;
    quint32 count = 0;
    auto closeBlock = [&]() -> Result<void> {
        QByteArray frame(qsizetype(ZSTD_compressBound(size_t(raw.size()))), Qt::Uninitialized);
        const size_t written = ZSTD_compress2(context.get(), frame.data(), size_t(frame.size()),
                                              raw.constData(), size_t(raw.size()));
        if (ZSTD_isError(written))
            return Error {
                ErrorCode::INTERNAL,
                QStringLiteral("zstd: %1").arg(QString::fromLatin1(ZSTD_getErrorName(written)))
            };
        frame.truncate(qsizetype(written));
        put<quint64>(index, blockFirst);
        put<quint64>(index, previousSeq);
        put<quint32>(index, count);
        put<quint64>(index, quint64(file.size()));
        put<quint32>(index, quint32(frame.size()));
        put<quint64>(index, blockMinId);
        put<quint64>(index, blockMaxId);
        index.append(sha256(frame));
        file.append(frame);
        info.rawBytes += raw.size();
        raw.clear();
        count = 0;
        ++blocks;
        return {};
    };
    for (const pb::Message &message : messages) {
        if (message.conversation_id() != conversationId || message.seq() <= previousSeq)
            return Error { ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("a segment holds one conversation, by ascending seq") };
        if (count == 0) {
            blockFirst = message.seq();
            blockMinId = blockMaxId = message.message_id();
        }
        blockMinId = std::min<quint64>(blockMinId, message.message_id());
        blockMaxId = std::max<quint64>(blockMaxId, message.message_id());
        const std::string bytes = message.SerializeAsString();
        put<quint32>(raw, quint32(bytes.size()));
        raw.append(bytes.data(), qsizetype(bytes.size()));
        previousSeq = message.seq();
        info.maxMessageId = std::max<quint64>(info.maxMessageId, message.message_id());
        info.minMessageId = info.minMessageId
            ? std::min<quint64>(info.minMessageId, message.message_id())
            : message.message_id();
        if (++count == kBlockMessages || raw.size() >= kBlockRawBytes)
            if (auto closed = closeBlock(); !closed)
                return closed.error();
    }
    if (count > 0)
        if (auto closed = closeBlock(); !closed)
            return closed.error();
    const quint64 indexOffset = quint64(file.size());
    QByteArray footer;
    put<quint64>(footer, conversationId);
    put<quint32>(footer, quint32(blocks));
    put<quint64>(footer, indexOffset);
    const QByteArray checksum = sha256(index + footer);
    file.append(index);
    file.append(footer);
    file.append(checksum);
    file.append(kEndMagic, kMagicSize);
    info.bytes = file.size();
    info.sha256 = sha256(file);

    // Durable before anyone relies on it: the bytes, then the name.
    const QFileInfo where(path);
    if (!QDir().mkpath(where.absolutePath()))
        return Error { ErrorCode::STORAGE_FULL,
                       QStringLiteral("cannot create %1").arg(where.absolutePath()) };
    {
        QSaveFile out(path);
        out.setDirectWriteFallback(false);
        if (!out.open(QIODevice::WriteOnly) || out.write(file) != file.size())
            return Error { ErrorCode::STORAGE_FULL,
                           QStringLiteral("cannot write %1: %2").arg(path, out.errorString()) };
        if (!out.flush() || ::fsync(out.handle()) != 0)
            return Error { ErrorCode::STORAGE_FULL,
                           QStringLiteral("cannot write %1 to disk").arg(path) };
        if (!out.commit())
            return Error { ErrorCode::STORAGE_FULL,
                           QStringLiteral("cannot write %1: %2").arg(path, out.errorString()) };
    }
    syncDirectory(where.absolutePath());

    // Verified as written: what a reader gets back is what was given.
    auto reader = SegmentReader::open(path, conversationId);
    if (!reader)
        return reader.error();
    if (auto checked = reader.value()->verify(info.sha256, info.messages); !checked)
        return checked.error();
    int at = 0;
    for (int i = 0; i < reader.value()->blocks().size(); ++i) {
        auto block = reader.value()->block(i);
        if (!block)
            return block.error();
        for (const pb::Message &message : block.value())
            if (message.SerializeAsString() != messages.at(at++).SerializeAsString())
                return damaged(path, QStringLiteral("it does not read back as written"));
    }
    return info;
}

Result<std::shared_ptr<SegmentReader>> SegmentReader::open(const QString &path,
                                                           quint64 conversationId)
{
    QFile file(path);
    if (!file.exists())
        return Error { ErrorCode::NOT_FOUND, QStringLiteral("no archive file %1").arg(path) };
    if (!file.open(QIODevice::ReadOnly))
        return Error { ErrorCode::ARCHIVE_UNAVAILABLE,
                       QStringLiteral("cannot read %1: %2").arg(path, file.errorString()) };
    const qint64 size = file.size();
    if (size < kMagicSize + kFooterSize)
        return damaged(path, QStringLiteral("too short"));
    if (file.read(kMagicSize) != QByteArray(kMagic, kMagicSize))
        return damaged(path, QStringLiteral("not an archive file"));
    if (!file.seek(size - kFooterSize))
        return damaged(path, QStringLiteral("cannot seek"));
    const QByteArray footer = file.read(kFooterSize);
    if (footer.size() != kFooterSize || !footer.endsWith(QByteArray(kEndMagic, kMagicSize)))
        return damaged(path, QStringLiteral("no end marker"));
    const char *at = footer.constData();
    const quint64 owner = get<quint64>(at);
    const quint32 blocks = get<quint32>(at);
    const quint64 indexOffset = get<quint64>(at);
    const QByteArray checksum(at, 32);
    const qint64 indexSize = qint64(blocks) * kIndexEntrySize;
    if (indexOffset < quint64(kMagicSize) || qint64(indexOffset) + indexSize != size - kFooterSize)
        return damaged(path, QStringLiteral("a bad index offset"));
    if (!file.seek(qint64(indexOffset)))
        return damaged(path, QStringLiteral("cannot seek"));
    const QByteArray index = file.read(indexSize);
    if (index.size() != indexSize || sha256(index + footer.left(8 + 4 + 8)) != checksum)
        return damaged(path, QStringLiteral("the index does not match its checksum"));
    if (owner != conversationId)
        return damaged(path, QStringLiteral("it belongs to conversation %1").arg(owner));

    std::shared_ptr<SegmentReader> reader(new SegmentReader);
    reader->m_path = path;
    reader->m_conversationId = conversationId;
    at = index.constData();
    quint64 previous = 0;
    for (quint32 i = 0; i < blocks; ++i) {
        BlockInfo block;
        block.firstSeq = get<quint64>(at);
        block.lastSeq = get<quint64>(at);
        block.count = get<quint32>(at);
        block.offset = get<quint64>(at);
        block.length = get<quint32>(at);
        block.minMessageId = get<quint64>(at);
        block.maxMessageId = get<quint64>(at);
        block.sha256 = QByteArray(at, 32);
        at += 32;
        if (block.firstSeq <= previous || block.lastSeq < block.firstSeq || block.count == 0
            || block.count > quint32(kBlockMessages)
            || block.lastSeq - block.firstSeq + 1 < block.count
            || block.offset < quint64(kMagicSize) || block.offset > indexOffset
            || block.length > indexOffset - block.offset || block.minMessageId > block.maxMessageId)
            return damaged(path, QStringLiteral("a bad index entry"));
        previous = block.lastSeq;
        reader->m_blocks.append(block);
    }
    return reader;
}

Result<QList<pb::Message>> SegmentReader::block(int index) const
{
    if (index < 0 || index >= m_blocks.size())
        return Error { ErrorCode::INTERNAL, QStringLiteral("no block %1").arg(index) };
    const BlockInfo &info = m_blocks.at(index);
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly))
        return Error { ErrorCode::ARCHIVE_UNAVAILABLE,
                       QStringLiteral("cannot read %1: %2").arg(m_path, file.errorString()) };
    if (!file.seek(qint64(info.offset)))
        return damaged(m_path, QStringLiteral("cannot seek"));
    const QByteArray frame = file.read(info.length);
    if (frame.size() != qsizetype(info.length) || sha256(frame) != info.sha256)
        return damaged(m_path, QStringLiteral("block %1 does not match its checksum").arg(index));
    const unsigned long long rawSize = ZSTD_getFrameContentSize(frame.constData(), frame.size());
    if (rawSize == ZSTD_CONTENTSIZE_ERROR || rawSize == ZSTD_CONTENTSIZE_UNKNOWN
        || rawSize > quint64(kMaxBlockRawBytes))
        return damaged(m_path, QStringLiteral("block %1 has no valid size").arg(index));
    QByteArray raw(qsizetype(rawSize), Qt::Uninitialized);
    const size_t got =
        ZSTD_decompress(raw.data(), size_t(raw.size()), frame.constData(), size_t(frame.size()));
    if (ZSTD_isError(got) || got != rawSize)
        return damaged(m_path, QStringLiteral("block %1 does not decompress").arg(index));

    QList<pb::Message> messages;
    messages.reserve(info.count);
    const char *at = raw.constData();
    const char *const end = at + raw.size();
    quint64 previous = info.firstSeq - 1;
    while (at < end) {
        if (end - at < 4)
            return damaged(m_path, QStringLiteral("block %1 is cut short").arg(index));
        const quint32 length = get<quint32>(at);
        if (quint64(end - at) < length)
            return damaged(m_path, QStringLiteral("block %1 is cut short").arg(index));
        pb::Message message;
        if (!message.ParseFromArray(at, int(length)) || message.seq() <= previous
            || message.conversation_id() != m_conversationId)
            return damaged(m_path, QStringLiteral("block %1 holds a bad message").arg(index));
        at += length;
        previous = message.seq();
        messages.append(std::move(message));
    }
    if (messages.size() != qsizetype(info.count) || messages.first().seq() != info.firstSeq
        || messages.last().seq() != info.lastSeq)
        return damaged(m_path, QStringLiteral("block %1 does not match the index").arg(index));
    return messages;
}

Result<void> SegmentReader::verify(const QByteArray &expectedSha256, int expectedMessages) const
{
    if (!expectedSha256.isEmpty() && fileSha256(m_path) != expectedSha256)
        return damaged(m_path, QStringLiteral("its SHA-256 is not the one recorded"));
    int messages = 0;
    for (int i = 0; i < m_blocks.size(); ++i) {
        auto block = this->block(i);
        if (!block)
            return block.error();
        messages += int(block.value().size());
    }
    if (expectedMessages >= 0 && messages != expectedMessages)
        return damaged(m_path,
                       QStringLiteral("%1 messages, not %2").arg(messages).arg(expectedMessages));
    return {};
}

} // namespace Confab::Archive
