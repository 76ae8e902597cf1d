// Attachment throughput over loopback (issue "Attachments and rich messages"): one user uploads a
// file of --size-mb random bytes in chunks, with --window chunks in flight, sends it to another,
// who downloads it the same way; the download is checked against the upload's SHA-256. Prints
// MB/s each way. Run it with tests/bench/attach.sh, which starts confabd.

#include "wireclient.h"

#include <confab/ids.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QRandomGenerator>

#include <cstdio>
#include <deque>

using namespace Confab;

namespace {

// Waits for an answer without polling (QTest::qWaitFor sleeps between looks, which would be
// what this measures).
pb::Envelope answerTo(WireClient &client, quint64 requestId)
{
    QElapsedTimer waited;
    waited.start();
    while (!client.hasResponse(requestId) && client.isConnected() && waited.elapsed() < 60'000)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    return client.waitForResponse(requestId, 0);
}

int fail(const char *what, const pb::Envelope &answer = {})
{
    std::fprintf(stderr, "attachbench: %s %s\n", what, answer.DebugString().c_str());
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption(
        { QStringLiteral("port"), QStringLiteral("confabd's port"), QStringLiteral("n") });
    parser.addOption({ QStringLiteral("size-mb"), QStringLiteral("file size (default 200)"),
                       QStringLiteral("n"), QStringLiteral("200") });
    parser.addOption({ QStringLiteral("window"), QStringLiteral("chunks in flight (default 8)"),
                       QStringLiteral("n"), QStringLiteral("8") });
    parser.process(app);
    const quint16 port = quint16(parser.value(QStringLiteral("port")).toUInt());
    const qsizetype size = qsizetype(parser.value(QStringLiteral("size-mb")).toLongLong()) << 20;
    const int window = std::clamp(parser.value(QStringLiteral("window")).toInt(), 1, 8);

    QByteArray file(size, Qt::Uninitialized);
    QRandomGenerator(42).fillRange(reinterpret_cast<quint32 *>(file.data()), size / 4);
    const QByteArray hash = QCryptographicHash::hash(file, QCryptographicHash::Sha256);

    const QString suffix = QString::number(QRandomGenerator::global()->generate());
    WireClient sender;
    WireClient receiver;
    if (!sender.connectAs(port, QStringLiteral("up") + suffix)
        || !receiver.connectAs(port, QStringLiteral("down") + suffix))
        return fail("cannot sign in");

    pb::Envelope begin;
    begin.mutable_begin_upload()->set_name("bench.bin");
    begin.mutable_begin_upload()->set_size(quint64(size));
    begin.mutable_begin_upload()->set_sha256(hash.toStdString());
    const pb::Envelope begun = sender.request(begin);
    if (!begun.has_upload_status())
        return fail("BeginUpload", begun);
    const std::string uploadId = begun.upload_status().upload_id();
    // attach.sh configures confabd with chunks of this size.
    const qint64 chunk = 256 * 1024;

    QElapsedTimer timer;
    timer.start();
    std::deque<quint64> inFlight;
    qint64 next = 0;
    quint64 attachmentId = 0;
    while (attachmentId == 0) {
        while (int(inFlight.size()) < window && next < size) {
            pb::Envelope c;
            c.mutable_upload_chunk()->set_upload_id(uploadId);
            c.mutable_upload_chunk()->set_offset(quint64(next));
            const QByteArray piece = file.mid(next, chunk);
            c.mutable_upload_chunk()->set_data(piece.constData(), size_t(piece.size()));
            inFlight.push_back(sender.post(c));
            next += piece.size();
        }
        if (inFlight.empty())
            return fail("upload stalled");
        const pb::Envelope answer = answerTo(sender, inFlight.front());
        inFlight.pop_front();
        if (!answer.has_upload_status())
            return fail("UploadChunk", answer);
        attachmentId = answer.upload_status().attachment_id();
    }
    const double upSeconds = double(timer.nsecsElapsed()) / 1e9;

    pb::Envelope send = WireClient::sendTo(QStringLiteral("down") + suffix, QString());
    send.mutable_send_message()->add_attachment_ids(attachmentId);
    if (!sender.request(send).has_message_ack())
        return fail("SendMessage");

    timer.restart();
    QByteArray got;
    got.reserve(size);
    inFlight.clear();
    qint64 asked = 0;
    while (got.size() < size) {
        while (int(inFlight.size()) < window && asked < size) {
            pb::Envelope d;
            d.mutable_download_request()->set_attachment_id(attachmentId);
            d.mutable_download_request()->set_offset(quint64(asked));
            inFlight.push_back(receiver.post(d));
            asked += chunk;
        }
        const pb::Envelope answer = answerTo(receiver, inFlight.front());
        inFlight.pop_front();
        if (!answer.has_download_chunk())
            return fail("DownloadRequest", answer);
        got += QByteArray::fromStdString(answer.download_chunk().data());
    }
    const double downSeconds = double(timer.nsecsElapsed()) / 1e9;
    const bool identical = QCryptographicHash::hash(got, QCryptographicHash::Sha256) == hash;
    const double mb = double(size) / (1 << 20);
    std::printf("file %.0f MiB, %d chunks of %lld KiB in flight\n", mb, window,
                static_cast<long long>(chunk / 1024));
    std::printf("upload   %.2f s  %.1f MiB/s (SHA-256 checked and filed by the server)\n",
                upSeconds, mb / upSeconds);
    std::printf("download %.2f s  %.1f MiB/s, byte-identical: %s\n", downSeconds, mb / downSeconds,
                identical ? "yes" : "NO");
    return identical ? 0 : 1;
}
