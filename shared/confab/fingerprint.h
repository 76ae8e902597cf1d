#pragma once

#include <QByteArray>
#include <QCryptographicHash>
#include <QString>

namespace Confab {

//! A certificate's identity as people compare it: the SHA-256 of its DER encoding, as upper-case
//! hex pairs joined by colons (the form `openssl x509 -fingerprint -sha256` prints). confabd logs
//! its own at start; the desktop app shows the server's before trusting it.
[[nodiscard]] inline QString certificateFingerprint(const QByteArray &der)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(der, QCryptographicHash::Sha256).toHex(':').toUpper());
}

} // namespace Confab
