#pragma once

#include <confab/pb.h>
#include <confab/result.h>

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>

namespace Confab::Archive {

//! One archive segment: a conversation's messages of one contiguous seq range, as the
//! database last held them (pb::Message, reactions and attachments filled in), in
//! zstd-compressed blocks. The file (little-endian):
//!
//!     "CFARCH01"
//!     blocks: one zstd frame each, of up to kBlockMessages messages as
//!             (uint32 length, pb::Message bytes)...
//!     index:  per block (uint64 first_seq, uint64 last_seq, uint32 count, uint64 offset,
//!             uint32 length, uint64 min_message_id, uint64 max_message_id, 32 bytes SHA-256
//!             of the compressed frame)
//!     footer: uint64 conversation_id, uint32 blocks, uint64 index_offset,
//!             32 bytes SHA-256 of the index and the footer's first three fields, "CFAEND01"
//!
//! A reader checks the footer's checksum before it trusts the index, and a block's checksum
//! before it decompresses it: a damaged file gives an error, never wrong messages.
struct BlockInfo
{
    quint64 firstSeq = 0;
    quint64 lastSeq = 0;
    quint32 count = 0;
    quint64 offset = 0;
    quint32 length = 0;
    quint64 minMessageId = 0; //!< a message is found by id without reading other blocks
    quint64 maxMessageId = 0;
    QByteArray sha256;
};

//! What a written segment holds; the database's row for it (archive_segments).
struct SegmentInfo
{
    quint64 conversationId = 0;
    quint64 firstSeq = 0;
    quint64 lastSeq = 0;
    int messages = 0;
    qint64 bytes = 0; //!< the file
    qint64 rawBytes = 0; //!< the messages before compression
    QByteArray sha256; //!< of the whole file
    qint64 firstMs = 0;
    qint64 lastMs = 0;
    quint64 minMessageId = 0;
    quint64 maxMessageId = 0;
};

static constexpr int kBlockMessages = 128;
static constexpr int kBlockRawBytes = 256 * 1024; //!< a block closes past this many bytes

//! Writes `messages` (one conversation's, ascending seq) to `path`: a temporary file first,
//! flushed to disk, then renamed, and the directory flushed, so that the path either does not
//! exist or holds the whole segment. Then reads it back and checks it against the messages.
[[nodiscard]] Result<SegmentInfo> writeSegment(const QString &path, quint64 conversationId,
                                               const QList<pb::Message> &messages,
                                               int compressionLevel = 9);

//! Reads a segment's index on open; blocks on demand.
class SegmentReader
{
public:
    //! Errors: NOT_FOUND (no file), ARCHIVE_UNAVAILABLE (damaged, or another conversation's).
    [[nodiscard]] static Result<std::shared_ptr<SegmentReader>> open(const QString &path,
                                                                     quint64 conversationId);

    [[nodiscard]] const QList<BlockInfo> &blocks() const { return m_blocks; }
    [[nodiscard]] const QString &path() const { return m_path; }
    //! One block's messages, ascending seq; ARCHIVE_UNAVAILABLE when it does not check out.
    [[nodiscard]] Result<QList<pb::Message>> block(int index) const;
    //! Reads every block and the whole file's SHA-256 (`confabd archive verify`).
    [[nodiscard]] Result<void> verify(const QByteArray &expectedSha256, int expectedMessages) const;

private:
    SegmentReader() = default;
    QString m_path;
    quint64 m_conversationId = 0;
    QList<BlockInfo> m_blocks;
};

//! SHA-256 of a whole file; empty when it cannot be read.
[[nodiscard]] QByteArray fileSha256(const QString &path);

} // namespace Confab::Archive
