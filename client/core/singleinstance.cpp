#include "singleinstance.h"

#include <confab/logging.h>

#include <QCryptographicHash>
#include <QDir>
#include <QLocalServer>
#include <QLocalSocket>
#include <QLockFile>

namespace Confab::Client {

namespace {
constexpr QByteArrayView kActivate = "activate\n";
}

SingleInstance::SingleInstance(const QString &dataDir, QObject *parent)
    : QObject(parent), m_dataDir(dataDir)
{ }

SingleInstance::~SingleInstance() = default;

QString SingleInstance::socketName() const
{
    // Short (socket paths are limited) and private to this data directory.
    const QByteArray key = QDir(m_dataDir).absolutePath().toUtf8();
    return QStringLiteral("confab-")
        + QString::fromLatin1(
               QCryptographicHash::hash(key, QCryptographicHash::Sha256).toHex().left(24));
}

bool SingleInstance::acquire()
{
    if (m_lock)
        return true;
    QDir().mkpath(m_dataDir);
    auto lock = std::make_unique<QLockFile>(QDir(m_dataDir).filePath(QStringLiteral("app.lock")));
    lock->setStaleLockTime(0); // a crashed app's lock is taken over
    if (!lock->tryLock(0))
        return false;
    m_lock = std::move(lock);
    m_server = new QLocalServer(this);
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    QLocalServer::removeServer(socketName()); // ours now: any socket left is stale
    if (!m_server->listen(socketName())) {
        // Still the one instance (the lock says so); others just cannot bring it forward.
        qCWarning(lcClientSync) << "cannot listen for other launches:" << m_server->errorString();
        return true;
    }
    connect(m_server, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket *socket = m_server->nextPendingConnection()) {
            connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
            connect(socket, &QLocalSocket::readyRead, this, [this, socket] {
                if (!socket->canReadLine())
                    return;
                if (socket->readLine(64) == kActivate)
                    Q_EMIT activationRequested();
                socket->disconnectFromServer();
            });
        }
    });
    return true;
}

bool SingleInstance::activateFirst(int timeoutMs) const
{
    QLocalSocket socket;
    socket.connectToServer(socketName());
    if (!socket.waitForConnected(timeoutMs))
        return false;
    socket.write(kActivate.data(), kActivate.size());
    return socket.waitForBytesWritten(timeoutMs);
}

} // namespace Confab::Client
