#include "tls.h"

#include <QEventLoop>
#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>
#include <QTimer>

namespace Confab::Net::Tls {

namespace {

constexpr int kSelfTestTimeoutMs = 5000;

Result<QByteArray> readFile(const QString &path, const char *what)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return Error { ErrorCode::INVALID_ARGUMENT,
                       QStringLiteral("cannot read the TLS %1 %2: %3")
                           .arg(QLatin1String(what), path, file.errorString()) };
    }
    return file.readAll();
}

//! Keeps the descriptor of the one connection it accepts, for a QSslSocket to take.
class OneAcceptor final : public QTcpServer
{
public:
    qintptr descriptor = -1;

protected:
    void incomingConnection(qintptr socketDescriptor) override
    {
        if (descriptor == -1)
            descriptor = socketDescriptor;
        else
            QTcpSocket().setSocketDescriptor(socketDescriptor); // closes it
    }
};

} // namespace

Result<QSslConfiguration> serverConfiguration(const QString &certificatePath,
                                              const QString &keyPath)
{
    if (!QSslSocket::supportsSsl()) {
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("TLS is configured but Qt has no TLS backend here (%1)")
                           .arg(QSslSocket::activeBackend()) };
    }
    const auto certificateBytes = readFile(certificatePath, "certificate");
    if (!certificateBytes)
        return certificateBytes.error();
    const QList<QSslCertificate> chain =
        QSslCertificate::fromData(certificateBytes.value(), QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull()) {
        return Error { ErrorCode::INVALID_ARGUMENT,
                       QStringLiteral("%1 holds no PEM certificate").arg(certificatePath) };
    }
    const auto keyBytes = readFile(keyPath, "key");
    if (!keyBytes)
        return keyBytes.error();
    QSslKey key;
    for (QSsl::KeyAlgorithm algorithm : { QSsl::Rsa, QSsl::Ec, QSsl::Dsa }) {
        key = QSslKey(keyBytes.value(), algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            break;
    }
    if (key.isNull()) {
        return Error {
            ErrorCode::INVALID_ARGUMENT,
            QStringLiteral("%1 holds no unencrypted PEM private key (RSA, EC or DSA)").arg(keyPath)
        };
    }
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    return configuration;
}

Result<void> selfTest(const QSslConfiguration &configuration)
{
    OneAcceptor listener;
    if (!listener.listen(QHostAddress::LocalHost, 0)) {
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("TLS self-test: cannot listen on loopback: %1")
                           .arg(listener.errorString()) };
    }
    QSslSocket client;
    QSslConfiguration trusting = QSslConfiguration::defaultConfiguration();
    trusting.setPeerVerifyMode(QSslSocket::VerifyNone); // only the server's half is tested
    client.setSslConfiguration(trusting);
    QSslSocket server;
    QEventLoop loop;
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
    auto settle = [&] {
        if ((client.isEncrypted() && server.isEncrypted())
            || client.state() == QAbstractSocket::UnconnectedState
            || server.error() != QAbstractSocket::UnknownSocketError)
            loop.quit();
    };
    for (QSslSocket *socket : { &client, &server }) {
        QObject::connect(socket, &QSslSocket::encrypted, &loop, settle);
        QObject::connect(socket, &QAbstractSocket::errorOccurred, &loop, settle);
    }
    client.connectToHostEncrypted(QStringLiteral("127.0.0.1"), listener.serverPort());
    deadline.start(kSelfTestTimeoutMs);
    while (listener.descriptor == -1 && deadline.isActive())
        listener.waitForNewConnection(50);
    if (listener.descriptor == -1)
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("TLS self-test: no loopback connection") };
    server.setSslConfiguration(configuration);
    if (!server.setSocketDescriptor(listener.descriptor))
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("TLS self-test: %1").arg(server.errorString()) };
    server.startServerEncryption();
    if (server.error() == QAbstractSocket::UnknownSocketError && deadline.isActive())
        loop.exec();
    if (client.isEncrypted() && server.isEncrypted())
        return {};
    const QString reason = server.error() != QAbstractSocket::UnknownSocketError
        ? server.errorString()
        : client.error() != QAbstractSocket::UnknownSocketError ? client.errorString()
                                                                : QStringLiteral("timed out");
    return Error {
        ErrorCode::INVALID_ARGUMENT,
        QStringLiteral("the TLS certificate and key do not work together: %1").arg(reason)
    };
}

} // namespace Confab::Net::Tls
