#include "app/server.h"
#include "chatclient.h"
#include "localcache.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace Confab;
using namespace Confab::Client;

namespace {
OutgoingFile outgoing(const QString &path, const QString &mimeType = {})
{
    OutgoingFile file;
    file.path = path;
    file.mimeType = mimeType;
    return file;
}
} // namespace

//! Files through the client core (PROTOCOL.md §14): the real server core on 127.0.0.1, real
//! sockets, real SQLite caches, and client and server restarted in the middle of a transfer.
class TestAttachClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void filesGoUpWithTheMessageAndComeDownByteIdentical();
    void anUploadCutAtARandomChunkResumesAfterRestarts();
    void aDownloadCutAtARandomChunkResumesAfterRestarts();
    void tooLargeUnreadableAndTooManyFilesAreRefusedAtOnce();
    void aCancelledUploadStopsAndTheNextMessageGoes();
    void aFileThatChangedBeforeItsUploadFailsTheMessage();
    void aFileChangedDuringItsUploadIsHashedAndSentAgain();
    void downloadsSideBySideWithAnUploadShareTheWindow();
    void downloadPathsAreSafe();

private:
    void startServer();
    [[nodiscard]] std::unique_ptr<ChatClient> signedIn(const QString &name);
    [[nodiscard]] std::unique_ptr<ChatClient> restarted(const QString &name);
    //! A file of random bytes under the clients' directory.
    [[nodiscard]] QString randomFile(const QString &name, qsizetype size);
    //! The 1:1 conversation alice opened with bob ("hi" acked).
    [[nodiscard]] quint64 conversationOf(ChatClient &alice);
    //! The message with files as `client` holds it once it is sent and acked (or failed).
    [[nodiscard]] static ChatMessage settled(ChatClient &client, const QUuid &clientId,
                                             int timeoutMs = 30'000);
    //! Waits until bob holds the message with this server id.
    [[nodiscard]] static ChatMessage received(ChatClient &bob, quint64 messageId);
    static QByteArray contentsOf(const QString &path);

    std::unique_ptr<QTemporaryDir> m_serverDir;
    std::unique_ptr<QTemporaryDir> m_clients;
    std::unique_ptr<Server> m_server;
    quint16 m_port = 0;
    quint32 m_chunkBytes = 16 * 1024;
    quint64 m_maxBytes = 4 << 20;
};

void TestAttachClient::initTestCase()
{
    QVERIFY(Auth::initCrypto());
}

void TestAttachClient::init()
{
    m_serverDir = std::make_unique<QTemporaryDir>();
    m_clients = std::make_unique<QTemporaryDir>();
    QTcpServer probe; // a free port, kept across server restarts
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    m_port = probe.serverPort();
    probe.close();
    startServer();
}

void TestAttachClient::cleanup()
{
    m_server.reset();
    m_clients.reset();
    m_serverDir.reset();
}

void TestAttachClient::startServer()
{
    ServerConfig config;
    config.port = m_port;
    config.dataDir = m_serverDir->path();
    config.hashCost = Auth::HashCost::minimum();
    config.limits.rateBurst = 1000;
    config.limits.ratePerSecond = 1000;
    config.userRatePerSecond = 0;
    config.limits.attachmentChunkBytes = m_chunkBytes; // many chunks for a small file
    config.limits.maxAttachmentBytes = m_maxBytes;
    m_server = std::make_unique<Server>(config);
    auto started = m_server->start();
    QVERIFY2(started.isOk(), started.isOk() ? "" : qPrintable(started.error().message));
}

std::unique_ptr<ChatClient> TestAttachClient::signedIn(const QString &name)
{
    auto client = std::make_unique<ChatClient>(m_clients->filePath(name));
    client->setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_port)));
    client->setBackoff(20, 200);
    client->registerAccount(name, QStringLiteral("password123"), name.toUpper());
    if (!QTest::qWaitFor([&] { return client->state() == ChatClient::State::Online; }, 10'000))
        return nullptr;
    return client;
}

std::unique_ptr<ChatClient> TestAttachClient::restarted(const QString &name)
{
    auto client = std::make_unique<ChatClient>(m_clients->filePath(name));
    client->setBackoff(20, 200);
    if (!client->restoreSession())
        return nullptr;
    return client;
}

QString TestAttachClient::randomFile(const QString &name, qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(bytes.data()),
                                          size / qsizetype(sizeof(quint32)));
    const QString path = m_clients->filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != size)
        return {};
    return path;
}

quint64 TestAttachClient::conversationOf(ChatClient &alice)
{
    auto first = alice.sendMessageTo(QStringLiteral("bob"), QStringLiteral("hi"));
    if (!first)
        return 0;
    return settled(alice, first.value().clientId).conversationId;
}

ChatMessage TestAttachClient::settled(ChatClient &client, const QUuid &clientId, int timeoutMs)
{
    ChatMessage now;
    static_cast<void>(QTest::qWaitFor(
        [&] {
            auto m = client.cache()->message(clientId);
            now = m ? m.value() : ChatMessage {};
            return now.messageId != 0 || now.state == MessageState::Failed;
        },
        timeoutMs));
    return now;
}

ChatMessage TestAttachClient::received(ChatClient &bob, quint64 messageId)
{
    ChatMessage now;
    static_cast<void>(QTest::qWaitFor(
        [&] {
            auto m = bob.cache()->messageById(messageId);
            now = m ? m.value() : ChatMessage {};
            return now.messageId != 0;
        },
        10'000));
    return now;
}

QByteArray TestAttachClient::contentsOf(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void TestAttachClient::filesGoUpWithTheMessageAndComeDownByteIdentical()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const quint64 conversation = conversationOf(*alice);
    QVERIFY(conversation);

    const QString report = randomFile(QStringLiteral("report.pdf"), 300 * 1024 + 17);
    const QString photo = randomFile(QStringLiteral("photo.jpg"), 40 * 1024);
    QVERIFY(!report.isEmpty() && !photo.isEmpty());
    const QByteArray thumbnail(600, 't');
    QSignalSpy progress(alice.get(), &ChatClient::uploadProgress);
    auto pending =
        alice->sendFiles(conversation, QStringLiteral("two files"),
                         { { report, QStringLiteral("application/pdf"), {}, 0, 0 },
                           { photo, QStringLiteral("image/jpeg"), thumbnail, 640, 480 } });
    QVERIFY2(pending, pending ? "" : qPrintable(pending.error().message));
    // Shown at once, waiting in the outbox until its files are up.
    QCOMPARE(pending.value().state, MessageState::Sending);
    QCOMPARE(pending.value().attachments.size(), 2);

    const ChatMessage sent = settled(*alice, pending.value().clientId);
    QVERIFY2(sent.messageId, qPrintable(sent.error));
    QCOMPARE(sent.attachments.size(), 2);
    QVERIFY(sent.attachments.at(0).attachmentId && sent.attachments.at(1).attachmentId);
    QCOMPARE(sent.attachments.at(0).localPath, report); // the sender has them already
    QVERIFY(!progress.isEmpty());
    QCOMPARE(progress.last().at(1).toLongLong(), progress.last().at(2).toLongLong());

    const ChatMessage got = received(*bob, sent.messageId);
    QCOMPARE(got.text, QStringLiteral("two files"));
    QCOMPARE(got.attachments.size(), 2);
    const AttachmentInfo pdf = got.attachments.at(0);
    const AttachmentInfo image = got.attachments.at(1);
    QCOMPARE(pdf.name, QStringLiteral("report.pdf"));
    QCOMPARE(pdf.mimeType, QStringLiteral("application/pdf"));
    QCOMPARE(pdf.size, quint64(300 * 1024 + 17));
    QVERIFY(pdf.localPath.isEmpty()); // not downloaded yet
    QCOMPARE(image.thumbnail, thumbnail); // shown before anything is downloaded
    QCOMPARE(image.width, 640);
    QCOMPARE(image.height, 480);
    QVERIFY(image.isImage() && !pdf.isImage());

    QSignalSpy finished(bob.get(), &ChatClient::downloadFinished);
    QSignalSpy downloading(bob.get(), &ChatClient::downloadProgress);
    const QString target = m_clients->filePath(QStringLiteral("downloads/report.pdf"));
    bob->download(pdf, target);
    QVERIFY(bob->isDownloading(pdf.attachmentId));
    QVERIFY(finished.wait(20'000));
    QCOMPARE(finished.first().at(0).toULongLong(), pdf.attachmentId);
    QCOMPARE(finished.first().at(1).toString(), target);
    QCOMPARE(contentsOf(target), contentsOf(report));
    QVERIFY(!QFile::exists(target + QStringLiteral(".part")));
    QVERIFY(downloading.size() >= int((300 * 1024 + 17) / m_chunkBytes));
    // The cache remembers where it is, across a restart.
    bob.reset();
    auto again = restarted(QStringLiteral("bob"));
    QVERIFY(again);
    QCOMPARE(again->cache()->messageById(sent.messageId).value().attachments.at(0).localPath,
             target);
}

void TestAttachClient::anUploadCutAtARandomChunkResumesAfterRestarts()
{
    const qsizetype size = 2 * 1024 * 1024 + 123;
    QString path;
    QUuid clientId;
    quint64 conversation = 0;
    const qint64 cutAfter = qint64(QRandomGenerator::global()->bounded(
        quint32(m_chunkBytes), quint32(size - 4 * m_chunkBytes)));
    qInfo() << "cutting the upload once" << cutAfter << "bytes are committed";
    {
        auto alice = signedIn(QStringLiteral("alice"));
        QVERIFY(alice && signedIn(QStringLiteral("bob")));
        conversation = conversationOf(*alice);
        QVERIFY(conversation);
        path = randomFile(QStringLiteral("big.bin"), size);
        QVERIFY(!path.isEmpty());
        qint64 committed = 0;
        connect(alice.get(), &ChatClient::uploadProgress, this,
                [&](const QUuid &, qint64 done, qint64) { committed = done; });
        auto pending =
            alice->sendFiles(conversation, QStringLiteral("big"),
                             { outgoing(path, QStringLiteral("application/octet-stream")) });
        QVERIFY(pending);
        clientId = pending.value().clientId;
        QVERIFY(QTest::qWaitFor([&] { return committed >= cutAfter; }, 30'000));
        QVERIFY(committed < size);
    } // the app quits in the middle of the upload...
    m_server.reset(); // ...and the server goes down too
    startServer();

    auto alice = restarted(QStringLiteral("alice"));
    QVERIFY(alice);
    QList<qint64> resumedAt;
    connect(alice.get(), &ChatClient::uploadProgress, this,
            [&](const QUuid &, qint64 done, qint64) { resumedAt.append(done); });
    QCOMPARE(alice->cache()->outbox().value().size(), 1); // still waiting for its file
    const ChatMessage sent = settled(*alice, clientId);
    QVERIFY2(sent.messageId, qPrintable(sent.error));
    // It went on from what the server held, not from the start.
    QVERIFY(!resumedAt.isEmpty());
    QVERIFY2(resumedAt.first() >= cutAfter - qint64(4 * m_chunkBytes),
             qPrintable(QString::number(resumedAt.first())));

    auto bob = restarted(QStringLiteral("bob"));
    QVERIFY(bob);
    const ChatMessage got = received(*bob, sent.messageId);
    QCOMPARE(got.attachments.size(), 1);
    QSignalSpy finished(bob.get(), &ChatClient::downloadFinished);
    const QString target = m_clients->filePath(QStringLiteral("got.bin"));
    bob->download(got.attachments.first(), target);
    QVERIFY(finished.wait(30'000));
    QCOMPARE(contentsOf(target), contentsOf(path)); // byte-identical
}

void TestAttachClient::aDownloadCutAtARandomChunkResumesAfterRestarts()
{
    const qsizetype size = 2 * 1024 * 1024 + 5;
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice && signedIn(QStringLiteral("bob")));
    const quint64 conversation = conversationOf(*alice);
    const QString path = randomFile(QStringLiteral("video.bin"), size);
    auto pending =
        alice->sendFiles(conversation, {}, { outgoing(path, QStringLiteral("video/mp4")) });
    QVERIFY(pending);
    const ChatMessage sent = settled(*alice, pending.value().clientId);
    QVERIFY(sent.messageId);
    // Files without text: the chat list names the file.
    const auto summary = alice->cache()->conversation(conversation).value();
    QCOMPARE(summary.lastFileName, QStringLiteral("video.bin"));
    QVERIFY(summary.lastText.isEmpty());

    const QString target = m_clients->filePath(QStringLiteral("bob-video.mp4"));
    const qint64 cutAfter = qint64(QRandomGenerator::global()->bounded(
        quint32(m_chunkBytes), quint32(size - 4 * m_chunkBytes)));
    qInfo() << "cutting the download once" << cutAfter << "bytes are written";
    AttachmentInfo file;
    {
        auto bob = restarted(QStringLiteral("bob"));
        QVERIFY(bob);
        file = received(*bob, sent.messageId).attachments.value(0);
        QVERIFY(file.attachmentId);
        qint64 written = 0;
        connect(bob.get(), &ChatClient::downloadProgress, this,
                [&](quint64, qint64 done, qint64) { written = done; });
        bob->download(file, target);
        QVERIFY(QTest::qWaitFor([&] { return written >= cutAfter; }, 30'000));
        QVERIFY(written < size);
    }
    m_server.reset();
    startServer();
    const qint64 kept = QFileInfo(target + QStringLiteral(".part")).size();
    QVERIFY(kept >= cutAfter);
    QVERIFY(!QFile::exists(target));

    auto bob = restarted(QStringLiteral("bob"));
    QVERIFY(bob);
    QTRY_COMPARE(bob->state(), ChatClient::State::Online);
    QList<qint64> progress;
    connect(bob.get(), &ChatClient::downloadProgress, this,
            [&](quint64, qint64 done, qint64) { progress.append(done); });
    QSignalSpy finished(bob.get(), &ChatClient::downloadFinished);
    bob->download(file, target);
    QVERIFY(finished.wait(30'000));
    QVERIFY(!progress.isEmpty());
    QVERIFY(progress.first() > kept); // went on from the part, not from zero
    QCOMPARE(contentsOf(target), contentsOf(path));

    // A part that is not the file (bytes changed on disk) is caught by the hash, never shown.
    const QString second = m_clients->filePath(QStringLiteral("again.mp4"));
    {
        QFile part(second + QStringLiteral(".part"));
        QVERIFY(part.open(QIODevice::WriteOnly));
        part.write(QByteArray(int(m_chunkBytes) * 3, 'z'));
    }
    QSignalSpy failed(bob.get(), &ChatClient::downloadFailed);
    bob->download(file, second);
    QVERIFY(failed.wait(30'000));
    QCOMPARE(failed.first().at(1).value<Error>().code, ErrorCode::HASH_MISMATCH);
    QVERIFY(!QFile::exists(second));
    QVERIFY(!QFile::exists(second + QStringLiteral(".part")));
    // Asked again, it starts clean and succeeds.
    bob->download(file, second);
    QVERIFY(finished.wait(30'000));
    QCOMPARE(contentsOf(second), contentsOf(path));
}

void TestAttachClient::tooLargeUnreadableAndTooManyFilesAreRefusedAtOnce()
{
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice && signedIn(QStringLiteral("bob")));
    const quint64 conversation = conversationOf(*alice);
    const QString big = randomFile(QStringLiteral("huge.bin"), qsizetype(m_maxBytes) + 4);
    auto tooLarge = alice->sendFiles(conversation, {}, { outgoing(big) });
    QVERIFY(!tooLarge);
    QCOMPARE(tooLarge.error().code, ErrorCode::FILE_TOO_LARGE);
    auto missing = alice->sendFiles(conversation, {},
                                    { outgoing(m_clients->filePath(QStringLiteral("nope"))) });
    QVERIFY(!missing);
    QCOMPARE(missing.error().code, ErrorCode::INVALID_ARGUMENT);
    const QString small = randomFile(QStringLiteral("small.bin"), 100);
    auto tooMany = alice->sendFiles(conversation, {}, QList<OutgoingFile>(5, outgoing(small)));
    QVERIFY(!tooMany);
    QCOMPARE(tooMany.error().code, ErrorCode::INVALID_ARGUMENT);
    // None of them left anything in the outbox.
    QVERIFY(alice->cache()->outbox().value().isEmpty());
}

void TestAttachClient::aCancelledUploadStopsAndTheNextMessageGoes()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const quint64 conversation = conversationOf(*alice);
    const QString path = randomFile(QStringLiteral("cancel.bin"), 3 * 1024 * 1024);
    qint64 committed = 0;
    connect(alice.get(), &ChatClient::uploadProgress, this,
            [&](const QUuid &, qint64 done, qint64) { committed = done; });
    auto pending = alice->sendFiles(conversation, QStringLiteral("never mind"), { outgoing(path) });
    QVERIFY(pending);
    auto after = alice->sendMessage(conversation, QStringLiteral("after the file"));
    QVERIFY(after);
    QVERIFY(QTest::qWaitFor([&] { return committed > 0; }, 10'000));
    QVERIFY(alice->discard(pending.value().clientId));
    // The text message behind it goes; the cancelled one never reaches bob.
    const ChatMessage next = settled(*alice, after.value().clientId);
    QVERIFY(next.messageId);
    QCOMPARE(received(*bob, next.messageId).text, QStringLiteral("after the file"));
    const qint64 stoppedAt = committed;
    QTest::qWait(300);
    QCOMPARE(committed, stoppedAt); // no more chunks
    QVERIFY(alice->cache()->outbox().value().isEmpty());
    const auto held = bob->cache()->messages(next.conversationId, 0, 10).value();
    for (const ChatMessage &m : held)
        QVERIFY(m.text != QStringLiteral("never mind"));
}

void TestAttachClient::aFileThatChangedBeforeItsUploadFailsTheMessage()
{
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice && signedIn(QStringLiteral("bob")));
    const quint64 conversation = conversationOf(*alice);
    alice->disconnectFromServer();
    const QString path = randomFile(QStringLiteral("moving.bin"), 200 * 1024);
    auto pending =
        alice->sendFiles(conversation, QStringLiteral("soon changed"), { outgoing(path) });
    QVERIFY(pending);
    QVERIFY(!randomFile(QStringLiteral("moving.bin"), 100 * 1024).isEmpty()); // edited meanwhile
    alice.reset(); // and the app starts again
    alice = restarted(QStringLiteral("alice"));
    QVERIFY(alice);
    const ChatMessage failed = settled(*alice, pending.value().clientId);
    QCOMPARE(failed.state, MessageState::Failed);
    QVERIFY(!failed.error.isEmpty());
    // The outbox goes on with what follows.
    auto next = alice->sendMessage(conversation, QStringLiteral("next"));
    QVERIFY(next);
    QVERIFY(settled(*alice, next.value().clientId).messageId);
}

void TestAttachClient::aFileChangedDuringItsUploadIsHashedAndSentAgain()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const quint64 conversation = conversationOf(*alice);
    const qsizetype size = 1024 * 1024;
    const QString path = randomFile(QStringLiteral("draft.bin"), size);
    bool rewritten = false;
    bool begunAgain = false;
    qint64 highest = 0;
    QByteArray now;
    connect(alice.get(), &ChatClient::uploadProgress, this,
            [&](const QUuid &, qint64 done, qint64) {
                begunAgain = begunAgain || done < highest;
                highest = std::max(highest, done);
                if (rewritten || done == 0)
                    return;
                // Saved again by its editor while it goes up: same size, other bytes.
                rewritten = true;
                QVERIFY(!randomFile(QStringLiteral("draft.bin"), size).isEmpty());
                now = contentsOf(path);
            });
    auto pending = alice->sendFiles(conversation, QStringLiteral("latest"), { outgoing(path) });
    QVERIFY(pending);
    const ChatMessage sent = settled(*alice, pending.value().clientId);
    QVERIFY(rewritten);
    QVERIFY2(sent.messageId, qPrintable(sent.error));
    QVERIFY(begunAgain); // from the start, after the server's HASH_MISMATCH
    // The server refused the mixed bytes; the client hashed the file again and sent what it
    // holds now.
    const ChatMessage got = received(*bob, sent.messageId);
    QSignalSpy finished(bob.get(), &ChatClient::downloadFinished);
    const QString target = m_clients->filePath(QStringLiteral("latest.bin"));
    bob->download(got.attachments.value(0), target);
    QVERIFY(finished.wait(20'000));
    QCOMPARE(contentsOf(target), now);
}

void TestAttachClient::downloadsSideBySideWithAnUploadShareTheWindow()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const quint64 conversation = conversationOf(*alice);
    QList<QString> paths;
    QList<ChatMessage> sent;
    for (int i = 0; i < 3; ++i) {
        paths.append(randomFile(QStringLiteral("part%1.bin").arg(i), 700 * 1024 + i));
        auto pending = alice->sendFiles(conversation, {}, { outgoing(paths.last()) });
        QVERIFY(pending);
        sent.append(settled(*alice, pending.value().clientId));
        QVERIFY(sent.last().messageId);
    }
    // Bob downloads all three at once while he uploads a file of his own: more chunks than
    // the server takes at once if each went its own way; all arrive whole.
    const QString his = randomFile(QStringLiteral("bobs.bin"), 1024 * 1024);
    auto upload = bob->sendFiles(sent.first().conversationId, {}, { outgoing(his) });
    QVERIFY(upload);
    QSignalSpy finished(bob.get(), &ChatClient::downloadFinished);
    QSignalSpy failed(bob.get(), &ChatClient::downloadFailed);
    for (int i = 0; i < 3; ++i)
        bob->download(received(*bob, sent.at(i).messageId).attachments.value(0),
                      m_clients->filePath(QStringLiteral("got%1.bin").arg(i)));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 3, 30'000);
    QCOMPARE(failed.size(), 0);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(contentsOf(m_clients->filePath(QStringLiteral("got%1.bin").arg(i))),
                 contentsOf(paths.at(i)));
    QVERIFY(settled(*bob, upload.value().clientId).messageId);
}

void TestAttachClient::downloadPathsAreSafe()
{
    auto alice = signedIn(QStringLiteral("alice"));
    QVERIFY(alice);
    const QString folder = alice->filesDirectory();
    QVERIFY(!folder.isEmpty());
    auto pathFor = [&](const QString &name) {
        AttachmentInfo file;
        file.attachmentId = 42;
        file.name = name;
        return alice->downloadPath(file);
    };
    const QString inside = QDir(folder).filePath(QStringLiteral("42")) + u'/';
    for (const QString &name :
         { QStringLiteral("../../.bashrc"), QStringLiteral("a/b\\c:d"), QStringLiteral(".."),
           QStringLiteral(""), QStringLiteral("CON.txt"), QStringLiteral("nul"),
           QStringLiteral("report. "), QString(300, QChar(0x6587)) + QStringLiteral(".pdf") }) {
        const QString path = pathFor(name);
        QVERIFY2(path.startsWith(inside), qPrintable(path));
        const QString leaf = path.mid(inside.size());
        QVERIFY2(!leaf.isEmpty() && !leaf.contains(u'/') && !leaf.contains(u'\\')
                     && !leaf.startsWith(u'.') && !leaf.endsWith(u'.') && !leaf.endsWith(u' '),
                 qPrintable(leaf));
        QVERIFY2(leaf.toUtf8().size() <= 200, qPrintable(leaf));
    }
    QCOMPARE(pathFor(QStringLiteral("CON.txt")), inside + QStringLiteral("_CON.txt"));
    QVERIFY(pathFor(QString(300, QChar(0x6587)) + QStringLiteral(".pdf")).endsWith(".pdf"));
    QCOMPARE(pathFor(QStringLiteral("photo 1.jpg")), inside + QStringLiteral("photo 1.jpg"));
}

QTEST_GUILESS_MAIN(TestAttachClient)
#include "tst_attachclient.moc"
