#include "testcertificate.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QtDebug>

namespace {

bool runOpenssl(const QStringList &arguments, QByteArray *output = nullptr)
{
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"), arguments);
    if (!openssl.waitForFinished(30'000) || openssl.exitStatus() != QProcess::NormalExit
        || openssl.exitCode() != 0) {
        qWarning() << "openssl" << arguments << "failed:" << openssl.errorString()
                   << openssl.readAllStandardError();
        return false;
    }
    if (output)
        *output = openssl.readAllStandardOutput();
    return true;
}

} // namespace

std::optional<TestCertificate> TestCertificate::make(const QString &dir, const QString &name)
{
    TestCertificate made;
    made.certificatePath = QDir(dir).filePath(name + QStringLiteral(".crt"));
    made.keyPath = QDir(dir).filePath(name + QStringLiteral(".key"));
    if (!runOpenssl({ QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                      QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                      QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                      QStringLiteral("-days"), QStringLiteral("30"), QStringLiteral("-subj"),
                      QStringLiteral("/CN=localhost"), QStringLiteral("-addext"),
                      QStringLiteral("subjectAltName=DNS:localhost,IP:127.0.0.1"),
                      QStringLiteral("-keyout"), made.keyPath, QStringLiteral("-out"),
                      made.certificatePath })) {
        return std::nullopt;
    }
    QByteArray printed;
    if (!runOpenssl({ QStringLiteral("x509"), QStringLiteral("-in"), made.certificatePath,
                      QStringLiteral("-noout"), QStringLiteral("-fingerprint"),
                      QStringLiteral("-sha256") },
                    &printed)) {
        return std::nullopt;
    }
    // "sha256 Fingerprint=AB:CD:..." (the label's case differs between OpenSSL versions)
    made.fingerprint = QString::fromLatin1(printed.mid(printed.indexOf('=') + 1).trimmed());
    const QList<QSslCertificate> loaded = QSslCertificate::fromPath(made.certificatePath);
    if (loaded.size() != 1)
        return std::nullopt;
    made.certificate = loaded.first();
    return made;
}
