#pragma once

#include "types.h"

#include <QImage>
#include <QString>

namespace Confab::Ui {

//! A file as it is about to be sent (ChatClient::sendFiles): its MIME type from its name and
//! contents and, for an image Qt can read, a thumbnail and the size it is shown at.
[[nodiscard]] Client::OutgoingFile prepareFile(const QString &path);

//! A JPEG of at most kMaxThumbnailBytes showing the image at up to kThumbnailEdge pixels on its
//! longer side (smaller and coarser when it would not fit); empty for a null image.
[[nodiscard]] QByteArray makeThumbnail(const QImage &image);
inline constexpr int kThumbnailEdge = 240;

//! The image in the file, upright (EXIF orientation applied) and scaled down to fit `bound`
//! while it is read (a photo is not decoded at full size to be shown small). Null when the file
//! is not an image Qt can read.
[[nodiscard]] QImage readImage(const QString &path, const QSize &bound = {});

//! Whether a received file of this name can be opened with the system's application without
//! asking first: documents, pictures, sound, video and archives, nothing that runs code
//! (programs, scripts, shortcuts, installers, or documents with macros).
[[nodiscard]] bool isSafeToOpen(const QString &fileName);

//! "512 bytes", "1.4 MB": a size for people, in the UI's language.
[[nodiscard]] QString formatSize(qint64 bytes);

} // namespace Confab::Ui
