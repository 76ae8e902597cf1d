#include "attachments.h"

#include <confab/limits.h>

#include <QBuffer>
#include <QImageReader>
#include <QPainter>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

using namespace Confab;

//! What the client sends with a file (Ui::prepareFile): thumbnails of real images, made here.
class TestAttachmentFiles : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void photosTakenSidewaysAreShownUpright();
    void aLargePhotoGetsASmallThumbnail();
    void transparencyGoesOnWhite();
    void otherFilesHaveNoThumbnail();
    void sizesAreForPeople();

private:
    QTemporaryDir m_dir;
};

namespace {
//! A JPEG with an EXIF APP1 segment whose Orientation tag says how to turn it (6: a quarter turn
//! clockwise, as a phone held upright writes it).
QByteArray jpegWithOrientation(const QImage &image, quint16 orientation)
{
    QByteArray jpeg;
    QBuffer buffer(&jpeg);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "JPEG", 90);
    // TIFF header (little endian), IFD0 with one entry: Orientation (0x0112), SHORT, 1 value.
    QByteArray tiff;
    auto put16 = [&](quint16 v) { tiff.append(char(v & 0xff)).append(char(v >> 8)); };
    auto put32 = [&](quint32 v) {
        for (int i = 0; i < 4; ++i)
            tiff.append(char((v >> (8 * i)) & 0xff));
    };
    tiff.append("II", 2);
    put16(42);
    put32(8); // IFD0 right after the header
    put16(1); // one entry
    put16(0x0112);
    put16(3); // SHORT
    put32(1);
    put16(orientation);
    put16(0);
    put32(0); // no next IFD
    QByteArray app1 = QByteArray("Exif\0\0", 6) + tiff;
    QByteArray segment;
    segment.append(char(0xff)).append(char(0xe1));
    const quint16 length = quint16(app1.size() + 2);
    segment.append(char(length >> 8)).append(char(length & 0xff));
    segment.append(app1);
    return jpeg.left(2) + segment + jpeg.mid(2); // right after SOI
}

QImage decoded(const QByteArray &jpeg)
{
    QImage image;
    image.loadFromData(jpeg, "JPEG");
    return image;
}

QString write(const QTemporaryDir &dir, const QString &name, const QByteArray &bytes)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        return {};
    return path;
}
} // namespace

void TestAttachmentFiles::photosTakenSidewaysAreShownUpright()
{
    // Stored 400x200 with its top on the left: red on the left half, blue on the right.
    QImage stored(400, 200, QImage::Format_RGB32);
    stored.fill(Qt::blue);
    QPainter(&stored).fillRect(0, 0, 200, 200, Qt::red);
    const QString path =
        write(m_dir, QStringLiteral("IMG_0001.JPG"), jpegWithOrientation(stored, 6));
    QVERIFY(!path.isEmpty());

    const Client::OutgoingFile file = Ui::prepareFile(path);
    QCOMPARE(file.mimeType, QStringLiteral("image/jpeg"));
    // Shown upright: a portrait 200x400, the red half at the top after a clockwise turn.
    QCOMPARE(file.width, 200);
    QCOMPARE(file.height, 400);
    const QImage thumbnail = decoded(file.thumbnail);
    QVERIFY(!thumbnail.isNull());
    QVERIFY(thumbnail.height() > thumbnail.width());
    QVERIFY(thumbnail.height() <= Ui::kThumbnailEdge);
    const QColor top = thumbnail.pixelColor(thumbnail.width() / 2, thumbnail.height() / 8);
    const QColor bottom = thumbnail.pixelColor(thumbnail.width() / 2, thumbnail.height() * 7 / 8);
    QVERIFY2(top.red() > 180 && top.blue() < 80, qPrintable(top.name()));
    QVERIFY2(bottom.blue() > 180 && bottom.red() < 80, qPrintable(bottom.name()));

    // readImage() turns it too, and scales it while reading.
    const QImage small = Ui::readImage(path, QSize(50, 50));
    QCOMPARE(small.size(), QSize(25, 50));
}

void TestAttachmentFiles::aLargePhotoGetsASmallThumbnail()
{
    // Noise is the worst case for JPEG: the thumbnail must still fit.
    QImage noise(3000, 2000, QImage::Format_RGB32);
    auto *random = QRandomGenerator::global();
    for (int y = 0; y < noise.height(); ++y) {
        auto *line = reinterpret_cast<quint32 *>(noise.scanLine(y));
        for (int x = 0; x < noise.width(); ++x)
            line[x] = 0xff000000u | (random->generate() & 0xffffffu);
    }
    const QString path = m_dir.filePath(QStringLiteral("noise.png"));
    QVERIFY(noise.save(path, "PNG"));
    const Client::OutgoingFile file = Ui::prepareFile(path);
    QCOMPARE(file.mimeType, QStringLiteral("image/png"));
    QCOMPARE(file.width, 3000);
    QCOMPARE(file.height, 2000);
    QVERIFY(!file.thumbnail.isEmpty());
    QVERIFY2(file.thumbnail.size() <= kMaxThumbnailBytes,
             qPrintable(QString::number(file.thumbnail.size())));
    const QImage thumbnail = decoded(file.thumbnail);
    QVERIFY(thumbnail.width() <= Ui::kThumbnailEdge);
    QVERIFY(thumbnail.width() >= 24);
    // The proportions hold (3:2, within a pixel of rounding).
    QVERIFY(qAbs(thumbnail.width() * 2 - thumbnail.height() * 3) <= 3);
}

void TestAttachmentFiles::transparencyGoesOnWhite()
{
    QImage clear(100, 100, QImage::Format_ARGB32);
    clear.fill(Qt::transparent);
    const QImage thumbnail = decoded(Ui::makeThumbnail(clear));
    QVERIFY(!thumbnail.isNull());
    QVERIFY(thumbnail.pixelColor(50, 50).lightness() > 240);
    QVERIFY(Ui::makeThumbnail(QImage()).isEmpty());
}

void TestAttachmentFiles::otherFilesHaveNoThumbnail()
{
    const QString text = write(m_dir, QStringLiteral("notes.txt"), "just some words\n");
    const Client::OutgoingFile notes = Ui::prepareFile(text);
    QCOMPARE(notes.mimeType, QStringLiteral("text/plain"));
    QVERIFY(notes.thumbnail.isEmpty());
    QCOMPARE(notes.width, 0);
    // A file named like an image that is not one is not shown as one.
    const QString fake = write(m_dir, QStringLiteral("fake.jpg"), QByteArray(2000, 'x'));
    const Client::OutgoingFile faked = Ui::prepareFile(fake);
    QVERIFY(faked.thumbnail.isEmpty());
    QCOMPARE(faked.width, 0);
    QVERIFY(Ui::readImage(fake).isNull());
}

void TestAttachmentFiles::sizesAreForPeople()
{
    QLocale::setDefault(QLocale::c());
    QCOMPARE(Ui::formatSize(512), QStringLiteral("512 bytes"));
    QCOMPARE(Ui::formatSize(1'500'000), QStringLiteral("1.5 MB"));
}

QTEST_MAIN(TestAttachmentFiles)
#include "tst_attachmentfiles.moc"
