#include "attachments.h"

#include <confab/limits.h>

#include <QBuffer>
#include <QFileInfo>
#include <QImageReader>
#include <QLocale>
#include <QMimeDatabase>
#include <QPainter>
#include <QSet>

namespace Confab::Ui {

QImage readImage(const QString &path, const QSize &bound)
{
    QImageReader reader(path);
    reader.setAutoTransform(true);
    if (!reader.canRead())
        return {};
    QSize size = reader.size();
    // A quarter turn (EXIF orientations 5 to 8) swaps width and height.
    const bool turned = reader.transformation().testFlag(QImageIOHandler::TransformationRotate90);
    if (turned)
        size.transpose();
    if (bound.isValid() && size.isValid()
        && (size.width() > bound.width() || size.height() > bound.height())) {
        QSize scaled = size.scaled(bound, Qt::KeepAspectRatio);
        scaled = scaled.expandedTo(QSize(1, 1));
        if (turned)
            scaled.transpose(); // the reader scales before it turns
        reader.setScaledSize(scaled);
    }
    QImage image = reader.read();
    return image;
}

QByteArray makeThumbnail(const QImage &source)
{
    if (source.isNull())
        return {};
    // Transparent parts go on white: JPEG has no alpha.
    QImage image(source.size(), QImage::Format_RGB32);
    image.fill(Qt::white);
    {
        QPainter painter(&image);
        painter.drawImage(0, 0, source);
    }
    for (int edge = kThumbnailEdge; edge >= 24; edge = edge * 3 / 4) {
        const QImage scaled = image.width() > edge || image.height() > edge
            ? image.scaled(edge, edge, Qt::KeepAspectRatio, Qt::SmoothTransformation)
            : image;
        for (int quality : { 70, 50, 30 }) {
            QByteArray bytes;
            QBuffer buffer(&bytes);
            buffer.open(QIODevice::WriteOnly);
            if (!scaled.save(&buffer, "JPEG", quality))
                return {};
            if (bytes.size() <= kMaxThumbnailBytes)
                return bytes;
        }
    }
    return {};
}

Client::OutgoingFile prepareFile(const QString &path)
{
    Client::OutgoingFile file;
    file.path = path;
    file.mimeType = QMimeDatabase().mimeTypeForFile(path).name();
    QImageReader probe(path);
    probe.setAutoTransform(true);
    if (probe.canRead()) {
        const QImage image = readImage(path, QSize(kThumbnailEdge, kThumbnailEdge));
        if (!image.isNull()) {
            QSize size = probe.size();
            if (probe.transformation().testFlag(QImageIOHandler::TransformationRotate90))
                size.transpose();
            file.width = size.width();
            file.height = size.height();
            file.thumbnail = makeThumbnail(image);
            if (!file.mimeType.startsWith(QLatin1String("image/")))
                file.mimeType = QStringLiteral("image/") + QString::fromLatin1(probe.format());
        }
    }
    return file;
}

bool isSafeToOpen(const QString &fileName)
{
    static const QSet<QString> kSafe = {
        // documents (not the macro-enabled kinds: docm, xlsm, pptm)
        QStringLiteral("pdf"),
        QStringLiteral("txt"),
        QStringLiteral("md"),
        QStringLiteral("csv"),
        QStringLiteral("rtf"),
        QStringLiteral("odt"),
        QStringLiteral("ods"),
        QStringLiteral("odp"),
        QStringLiteral("doc"),
        QStringLiteral("docx"),
        QStringLiteral("xls"),
        QStringLiteral("xlsx"),
        QStringLiteral("ppt"),
        QStringLiteral("pptx"),
        QStringLiteral("epub"),
        // pictures
        QStringLiteral("png"),
        QStringLiteral("jpg"),
        QStringLiteral("jpeg"),
        QStringLiteral("gif"),
        QStringLiteral("webp"),
        QStringLiteral("bmp"),
        QStringLiteral("tif"),
        QStringLiteral("tiff"),
        QStringLiteral("heic"),
        // sound and video
        QStringLiteral("mp3"),
        QStringLiteral("m4a"),
        QStringLiteral("ogg"),
        QStringLiteral("opus"),
        QStringLiteral("wav"),
        QStringLiteral("flac"),
        QStringLiteral("mp4"),
        QStringLiteral("m4v"),
        QStringLiteral("mov"),
        QStringLiteral("webm"),
        QStringLiteral("mkv"),
        QStringLiteral("avi"),
        // archives (opened by an archive manager, not run)
        QStringLiteral("zip"),
        QStringLiteral("7z"),
        QStringLiteral("tar"),
        QStringLiteral("gz"),
        QStringLiteral("xz"),
        QStringLiteral("bz2"),
        QStringLiteral("zst"),
    };
    const QString suffix = QFileInfo(fileName).suffix().toLower();
    return !suffix.isEmpty() && kSafe.contains(suffix);
}

QString formatSize(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeSIFormat);
}

} // namespace Confab::Ui
