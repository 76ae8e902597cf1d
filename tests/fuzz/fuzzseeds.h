#pragma once

// What the fuzz targets share: the seed corpus (every client request, valid) and the session
// fuzzer's input format (frames, each after a 2-byte little-endian length).

#include <QByteArray>
#include <QList>
#include <QString>

#include <utility>

namespace Confab::Fuzz {

//! One valid, encoded envelope of each request a client sends, with a name. Ids the session
//! fuzzer substitutes: conversation 1 is its direct conversation, user 2 its peer.
QList<std::pair<QString, QByteArray>> seedFrames();

//! Frames as the session fuzzer reads them, and back (frames past the end are cut short).
QByteArray joinFrames(const QList<QByteArray> &frames);
QList<QByteArray> splitFrames(const uint8_t *data, size_t size);

//! CONFAB_FUZZ_WRITE_SEEDS=DIR: writes `seeds` as files into DIR and returns true.
bool writeSeedsIfAsked(const QList<std::pair<QString, QByteArray>> &seeds);

} // namespace Confab::Fuzz
