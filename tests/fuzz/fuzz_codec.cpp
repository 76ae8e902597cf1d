// libFuzzer target: Codec::decode() on any bytes a peer could send as one frame. Beyond not
// crashing (ASan, UBSan), what decodes must survive a round trip: encoded again it decodes, to
// the same envelope. tests/fuzz/run.sh runs it.

#include "fuzzseeds.h"

#include <confab/codec.h>

#include <QCoreApplication>

#include <cstdlib>

using namespace Confab;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    QList<std::pair<QString, QByteArray>> seeds = Fuzz::seedFrames();
    if (Fuzz::writeSeedsIfAsked(seeds))
        std::exit(0);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const Limits limits; // the defaults a server announces
    const auto frame = QByteArrayView(data, qsizetype(size));
    const Result<pb::Envelope> decoded = Codec::decode(frame, limits);
    if (!decoded) {
        if (decoded.error().message.isEmpty())
            std::abort(); // every refusal says why
        return 0;
    }
    const QByteArray again = Codec::encode(decoded.value());
    const Result<pb::Envelope> twice = Codec::decode(again, limits);
    if (!twice || twice.value().SerializeAsString() != decoded.value().SerializeAsString())
        std::abort(); // a valid envelope did not survive its own encoding
    return 0;
}
