#include "app/server.h"
#include "epolltestmain.h"
#include "store/blobstore.h"
#include "wireclient.h"

#include <confab/codec.h>
#include <confab/ids.h>

#include <QCryptographicHash>
#include <QDir>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace Confab;

namespace {

QByteArray randomBytes(qsizetype size, quint32 seed)
{
    QByteArray data(size, Qt::Uninitialized);
    QRandomGenerator generator(seed);
    generator.fillRange(reinterpret_cast<quint32 *>(data.data()), size / 4);
    return data;
}

QByteArray sha256(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256);
}

pb::Envelope beginUpload(const QByteArray &data, const QString &name, const QByteArray &hash = {})
{
    pb::Envelope e;
    auto *b = e.mutable_begin_upload();
    b->set_name(name.toStdString());
    b->set_mime_type("application/octet-stream");
    b->set_size(quint64(data.size()));
    b->set_sha256((hash.isEmpty() ? sha256(data) : hash).toStdString());
    return e;
}

pb::Envelope chunk(const std::string &uploadId, quint64 offset, const QByteArray &data)
{
    pb::Envelope e;
    e.mutable_upload_chunk()->set_upload_id(uploadId);
    e.mutable_upload_chunk()->set_offset(offset);
    e.mutable_upload_chunk()->set_data(data.constData(), size_t(data.size()));
    return e;
}

pb::Envelope download(quint64 attachmentId, quint64 offset)
{
    pb::Envelope e;
    e.mutable_download_request()->set_attachment_id(attachmentId);
    e.mutable_download_request()->set_offset(offset);
    return e;
}

pb::Envelope deleteMessage(quint64 conversationId, quint64 messageId)
{
    pb::Envelope e;
    auto *c = e.mutable_change_message();
    c->set_client_id(uuidToWire(QUuid::createUuid()));
    c->set_conversation_id(conversationId);
    c->set_message_id(messageId);
    c->set_kind(pb::MessageChange::DELETED);
    return e;
}

} // namespace

//! Attachments (PROTOCOL.md §14) against a real server core on 127.0.0.1 over real WebSockets:
//! chunked, resumable uploads and downloads, access per conversation, limits, dedup and
//! collection of files no message refers to.
class TestAttachments : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void uploadAndDownloadResumeAcrossCutsAndRestarts();
    void onlyThoseWhoSeeTheMessageMayDownload();
    void oversizeWrongChunksAndHashMismatchAreRefused();
    void aFileIsStoredOnceAndCollectedWhenNoMessageRefersToIt();
    void attachmentsTravelWithTheirMessageOnce();

private:
    void startServer();
    std::unique_ptr<WireClient> client(const QString &name, bool registerFirst = true);
    //! Uploads all of data (from wherever the server says); the attachment id, 0 on failure.
    quint64 upload(WireClient &c, const QByteArray &data,
                   const QString &name = QStringLiteral("f"));
    //! Downloads the whole attachment from `from` on; empty on failure.
    QByteArray fetch(WireClient &c, quint64 attachmentId, QByteArray from = {});
    quint32 chunkBytes() const { return m_config.limits.attachmentChunkBytes; }

    std::unique_ptr<QTemporaryDir> m_dir;
    ServerConfig m_config;
    std::unique_ptr<Server> m_server;
};

void TestAttachments::initTestCase()
{
    QVERIFY(Auth::initCrypto());
}

void TestAttachments::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_config = ServerConfig();
    m_config.port = 0;
    m_config.dataDir = m_dir->path();
    m_config.hashCost = Auth::HashCost::minimum();
    m_config.limits.rateBurst = 1000;
    m_config.limits.ratePerSecond = 1000;
    m_config.userRatePerSecond = 0;
    m_config.registrationsPerAddressPerHour = 0;
    m_config.limits.attachmentChunkBytes = 64 * 1024;
    m_config.limits.maxAttachmentBytes = 8 << 20;
    m_config.networkThreads = qEnvironmentVariableIntValue("CONFAB_TEST_NETWORK_THREADS");
    startServer();
}

void TestAttachments::startServer()
{
    m_server.reset();
    m_server = std::make_unique<Server>(m_config);
    auto started = m_server->start();
    QVERIFY2(started.isOk(), started.isOk() ? "" : qPrintable(started.error().message));
}

void TestAttachments::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

std::unique_ptr<WireClient> TestAttachments::client(const QString &name, bool registerFirst)
{
    auto c = std::make_unique<WireClient>();
    if (!c->connectAs(m_server->port(), name, registerFirst))
        return nullptr;
    return c;
}

quint64 TestAttachments::upload(WireClient &c, const QByteArray &data, const QString &name)
{
    const auto begun = c.request(beginUpload(data, name));
    if (!begun.has_upload_status())
        return 0;
    pb::UploadStatus status = begun.upload_status();
    // Bounded: every answer must move on, or the upload failed.
    for (int rounds = 0; status.attachment_id() == 0; ++rounds) {
        if (rounds > data.size() / qsizetype(chunkBytes()) + 2)
            return 0;
        const quint64 at = status.committed_offset();
        const auto answer =
            c.request(chunk(status.upload_id(), at, data.mid(qsizetype(at), chunkBytes())));
        if (!answer.has_upload_status())
            return 0;
        status = answer.upload_status();
    }
    return status.attachment_id();
}

QByteArray TestAttachments::fetch(WireClient &c, quint64 attachmentId, QByteArray from)
{
    for (int rounds = 0; rounds < 10'000; ++rounds) {
        const auto answer = c.request(download(attachmentId, quint64(from.size())));
        if (!answer.has_download_chunk())
            return {};
        from += QByteArray::fromStdString(answer.download_chunk().data());
        if (quint64(from.size()) >= answer.download_chunk().size())
            return from;
    }
    return {};
}

void TestAttachments::uploadAndDownloadResumeAcrossCutsAndRestarts()
{
    const quint32 seed = QRandomGenerator::global()->generate();
    qInfo() << "seed" << seed;
    QRandomGenerator random(seed);
    const QByteArray file = randomBytes(3 * 1024 * 1024 + 12345, seed);
    const int chunks = int((file.size() + chunkBytes() - 1) / chunkBytes());
    const int cutAt = 1 + int(random.bounded(chunks - 2)); // chunks sent before the cut

    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const auto begun = alice->request(beginUpload(file, QStringLiteral("video.mp4")));
    QVERIFY2(begun.has_upload_status(), begun.DebugString().c_str());
    const std::string uploadId = begun.upload_status().upload_id();
    QCOMPARE(begun.upload_status().committed_offset(), 0u);
    for (int i = 0; i < cutAt; ++i)
        QCOMPARE(alice
                     ->request(chunk(uploadId, quint64(i) * chunkBytes(),
                                     file.mid(i * chunkBytes(), chunkBytes())))
                     .upload_status()
                     .committed_offset(),
                 quint64(i + 1) * chunkBytes());
    // The client goes away mid-upload, and the server restarts.
    alice.reset();
    startServer();
    alice = client(QStringLiteral("alice"), false);
    bob = client(QStringLiteral("bob"), false);
    QVERIFY(alice && bob);
    const auto resumed = alice->request(beginUpload(file, QStringLiteral("video.mp4")));
    QCOMPARE(resumed.upload_status().upload_id(), uploadId); // the same upload
    QCOMPARE(resumed.upload_status().committed_offset(), quint64(cutAt) * chunkBytes());
    // A chunk sent twice changes nothing; the status says where to go on.
    QCOMPARE(alice->request(chunk(uploadId, 0, file.left(chunkBytes())))
                 .upload_status()
                 .committed_offset(),
             quint64(cutAt) * chunkBytes());
    const quint64 attachmentId = upload(*alice, file, QStringLiteral("video.mp4"));
    QVERIFY(attachmentId != 0);

    pb::Envelope send = WireClient::sendTo(QStringLiteral("bob"), QString());
    send.mutable_send_message()->add_attachment_ids(attachmentId);
    const auto sent = alice->request(send);
    QVERIFY2(sent.has_message_ack(), sent.DebugString().c_str());

    // bob downloads half, is cut off, the server restarts, and he resumes from what he has.
    QByteArray got;
    for (int rounds = 0; got.size() < file.size() / 2 && rounds < 1000; ++rounds)
        got += QByteArray::fromStdString(
            bob->request(download(attachmentId, quint64(got.size()))).download_chunk().data());
    QVERIFY(got.size() >= file.size() / 2);
    bob.reset();
    startServer();
    bob = client(QStringLiteral("bob"), false);
    QVERIFY(bob);
    got = fetch(*bob, attachmentId, got);
    QCOMPARE(got.size(), file.size());
    QVERIFY(got == file); // byte-identical
    // Stored as one file named by its hash, no part left over.
    QVERIFY(QFileInfo::exists(Store::BlobStore(m_dir->path()).blobPath(sha256(file))));
    QVERIFY(QDir(m_dir->filePath(QStringLiteral("uploads"))).isEmpty());
}

void TestAttachments::onlyThoseWhoSeeTheMessageMayDownload()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    auto carol = client(QStringLiteral("carol"));
    QVERIFY(alice && bob && carol);
    const QByteArray file = randomBytes(100'000, 7);
    const quint64 attachmentId = upload(*alice, file);
    QVERIFY(attachmentId);
    // Before it is sent, only its uploader may fetch it.
    QCOMPARE(fetch(*alice, attachmentId), file);
    QCOMPARE(bob->request(download(attachmentId, 0)).error().code(), pb::NOT_FOUND);
    pb::Envelope send = WireClient::sendTo(QStringLiteral("bob"), QStringLiteral("the plan"));
    send.mutable_send_message()->add_attachment_ids(attachmentId);
    QVERIFY(alice->request(send).has_message_ack());
    QCOMPARE(fetch(*bob, attachmentId), file);
    // Carol is in no conversation with it; an unknown id looks the same.
    const auto refused = carol->request(download(attachmentId, 0));
    QCOMPARE(refused.error().code(), pb::NOT_FOUND);
    QCOMPARE(carol->request(download(attachmentId + 1, 0)).error().code(), pb::NOT_FOUND);
    // Nor may she send it as hers.
    pb::Envelope steal = WireClient::sendTo(QStringLiteral("alice"), QStringLiteral("mine"));
    steal.mutable_send_message()->add_attachment_ids(attachmentId);
    QCOMPARE(carol->request(steal).error().code(), pb::INVALID_ARGUMENT);
}

void TestAttachments::oversizeWrongChunksAndHashMismatchAreRefused()
{
    auto alice = client(QStringLiteral("alice"));
    QVERIFY(alice);
    const QByteArray big(qsizetype(m_config.limits.maxAttachmentBytes) + 1, 'x');
    QCOMPARE(alice->request(beginUpload(big, QStringLiteral("big"))).error().code(),
             pb::FILE_TOO_LARGE);
    QCOMPARE(alice->request(beginUpload(QByteArray(), QStringLiteral("empty"))).error().code(),
             pb::INVALID_ARGUMENT);

    const QByteArray file = randomBytes(200'000, 11);
    QByteArray wrongHash = sha256(file);
    wrongHash[0] = char(wrongHash[0] ^ 1);
    const auto begun = alice->request(beginUpload(file, QStringLiteral("f"), wrongHash));
    const std::string uploadId = begun.upload_status().upload_id();
    // A short chunk that is not the last, and one past the end, are refused.
    QCOMPARE(alice->request(chunk(uploadId, 0, file.left(1000))).error().code(),
             pb::INVALID_ARGUMENT);
    QCOMPARE(alice->request(chunk(uploadId, quint64(file.size()) - 10, file.left(chunkBytes())))
                 .error()
                 .code(),
             pb::INVALID_ARGUMENT);
    quint64 at = 0;
    pb::Envelope answer;
    while (at < quint64(file.size())) {
        answer = alice->request(chunk(uploadId, at, file.mid(qsizetype(at), chunkBytes())));
        if (!answer.has_upload_status())
            break;
        at = answer.upload_status().committed_offset();
    }
    QCOMPARE(answer.error().code(), pb::HASH_MISMATCH);
    // Nothing of it is kept: the same file with its real hash starts from zero.
    const auto again = alice->request(beginUpload(file, QStringLiteral("f")));
    QCOMPARE(again.upload_status().committed_offset(), 0u);
    QVERIFY(again.upload_status().upload_id() != uploadId);
    QVERIFY(upload(*alice, file) != 0);
    // A frame over the chunk size is refused before it is read.
    QByteArray huge(qsizetype(chunkBytes()) + 4096, 'h');
    alice->clearEvents();
    const auto tooBig = alice->request(chunk(again.upload_status().upload_id(), 0, huge), 3000);
    QVERIFY(tooBig.error().code() == pb::FRAME_TOO_LARGE || !alice->isConnected());
}

void TestAttachments::aFileIsStoredOnceAndCollectedWhenNoMessageRefersToIt()
{
    m_config.blobGraceMs = 0; // in a test, no file is too fresh to collect
    startServer();
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const QByteArray file = randomBytes(150'000, 3);
    const quint64 first = upload(*alice, file, QStringLiteral("a.bin"));
    const quint64 second = upload(*alice, file, QStringLiteral("b.bin"));
    QVERIFY(first && second && first != second);
    Store::BlobStore blobs(m_dir->path());
    QCOMPARE(blobs.blobs().size(), 1); // stored once
    pb::MessageAck sent[2];
    for (int i = 0; i < 2; ++i) {
        pb::Envelope send = WireClient::sendTo(QStringLiteral("bob"), QStringLiteral("copy"));
        send.mutable_send_message()->add_attachment_ids(i == 0 ? first : second);
        sent[i] = alice->request(send).message_ack();
        QVERIFY(sent[i].message_id());
    }
    auto collect = [this] {
        int removed = -1;
        m_server->collectAttachmentGarbage([&removed](int n) { removed = n; });
        return QTest::qWaitFor([&removed] { return removed >= 0; }, 10'000) ? removed : -1;
    };
    QCOMPARE(collect(), 0);
    QVERIFY(alice->request(deleteMessage(sent[0].conversation_id(), sent[0].message_id()))
                .has_message_ack());
    QCOMPARE(collect(), 0); // the second message still has it
    QCOMPARE(bob->request(download(first, 0)).error().code(), pb::NOT_FOUND);
    QCOMPARE(fetch(*bob, second), file);
    QVERIFY(alice->request(deleteMessage(sent[1].conversation_id(), sent[1].message_id()))
                .has_message_ack());
    QCOMPARE(collect(), 1);
    QCOMPARE(blobs.blobs().size(), 0);
    QCOMPARE(bob->request(download(second, 0)).error().code(), pb::NOT_FOUND);
}

void TestAttachments::attachmentsTravelWithTheirMessageOnce()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const QByteArray photo = randomBytes(90'000, 5);
    pb::Envelope begin = beginUpload(photo, QStringLiteral("../../etc/holiday.jpg"));
    begin.mutable_begin_upload()->set_mime_type("image/jpeg");
    begin.mutable_begin_upload()->set_thumbnail(std::string(3000, '\x11'));
    begin.mutable_begin_upload()->set_width(4032);
    begin.mutable_begin_upload()->set_height(3024);
    const auto begun = alice->request(begin);
    pb::UploadStatus status = begun.upload_status();
    while (status.attachment_id() == 0)
        status = alice
                     ->request(chunk(status.upload_id(), status.committed_offset(),
                                     photo.mid(qsizetype(status.committed_offset()), chunkBytes())))
                     .upload_status();
    pb::Envelope send = WireClient::sendTo(QStringLiteral("bob"), QStringLiteral("look"));
    send.mutable_send_message()->add_attachment_ids(status.attachment_id());
    const auto sent = alice->request(send);
    QVERIFY(sent.has_message_ack());
    QVERIFY(bob->waitForEvents(1));
    const pb::Message got = bob->events().at(0).message_event().message();
    QCOMPARE(got.attachments_size(), 1);
    const pb::Attachment &a = got.attachments(0);
    QCOMPARE(a.attachment_id(), status.attachment_id());
    QCOMPARE(a.name(), std::string("holiday.jpg")); // a name, never a path
    QCOMPARE(a.mime_type(), std::string("image/jpeg"));
    QCOMPARE(a.size(), quint64(photo.size()));
    QCOMPARE(QByteArray::fromStdString(a.sha256()), sha256(photo));
    QCOMPARE(a.thumbnail().size(), size_t(3000));
    QCOMPARE(a.width(), 4032u);
    QCOMPARE(a.height(), 3024u);
    pb::Envelope history;
    history.mutable_history_request()->set_conversation_id(sent.message_ack().conversation_id());
    const auto page = bob->request(history).history_page();
    QCOMPARE(page.messages(0).attachments_size(), 1);
    QCOMPARE(page.messages(0).attachments(0).name(), std::string("holiday.jpg"));
    // Sent once: not with a second message.
    pb::Envelope again = WireClient::sendTo(QStringLiteral("bob"), QStringLiteral("again"));
    again.mutable_send_message()->add_attachment_ids(status.attachment_id());
    QCOMPARE(alice->request(again).error().code(), pb::INVALID_ARGUMENT);
    // A message may be only files.
    const quint64 other = upload(*alice, randomBytes(5000, 9));
    pb::Envelope filesOnly = WireClient::sendTo(QStringLiteral("bob"), QString());
    filesOnly.mutable_send_message()->add_attachment_ids(other);
    QVERIFY(alice->request(filesOnly).has_message_ack());
}

CONFAB_EPOLL_TEST_MAIN(TestAttachments)
#include "tst_attachments.moc"
