#pragma once

#include <confab/result.h>

#include <QSslConfiguration>

namespace Confab::Net::Tls {

//! The server's side of TLS: the certificate chain (leaf first, then any intermediates) and the
//! unencrypted private key, both PEM files as certbot or `openssl req` write them. TLS 1.2 or
//! later; clients are not asked for certificates.
[[nodiscard]] Result<QSslConfiguration> serverConfiguration(const QString &certificatePath,
                                                            const QString &keyPath);

//! One TLS handshake over loopback with itself, before anyone connects: a key that does not fit
//! the certificate, or one OpenSSL refuses, is reported at start and not at every client's
//! handshake. Runs a local event loop for at most a few seconds.
[[nodiscard]] Result<void> selfTest(const QSslConfiguration &configuration);

} // namespace Confab::Net::Tls
