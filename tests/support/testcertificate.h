#pragma once

#include <QSslCertificate>
#include <QString>

#include <optional>

//! A self-signed certificate and its key, made at test time by the `openssl` command line tool
//! (not by the code under test), valid for "localhost" and 127.0.0.1.
struct TestCertificate
{
    QString certificatePath;
    QString keyPath;
    QSslCertificate certificate;
    //! As `openssl x509 -fingerprint -sha256` prints it: an independent check of ours.
    QString fingerprint;

    //! Writes <name>.crt and <name>.key into dir; nullopt (with a warning) when openssl fails.
    [[nodiscard]] static std::optional<TestCertificate> make(const QString &dir,
                                                             const QString &name);
};
