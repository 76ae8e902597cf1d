#include "handshakes.h"

#include "session.h"

#include <confab/logging.h>

#include <QSslSocket>
#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketServer>

#include <algorithm>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace Confab::Net {

namespace {
constexpr int kMaxPendingHandshakes = 1024;
} // namespace

Handshakes::Handshakes(const QString &serverName, int timeoutMs, int handshakers,
                       std::optional<QSslConfiguration> tls, QObject *parent)
    : QObject(parent), m_timeoutMs(timeoutMs), m_tls(std::move(tls))
{
    for (int i = 0; i < std::max(1, handshakers); ++i) {
        auto handshaker =
            std::make_unique<QWebSocketServer>(serverName, QWebSocketServer::NonSecureMode);
        handshaker->setMaxPendingConnections(kMaxPendingHandshakes);
        connect(handshaker.get(), &QWebSocketServer::newConnection, this,
                [this, from = handshaker.get()] { onNewConnection(from); });
        m_handshakers.push_back(std::move(handshaker));
    }
    m_timer.setInterval(std::clamp(timeoutMs / 4, 25, 1000));
    connect(&m_timer, &QTimer::timeout, this, &Handshakes::sweep);
}

Handshakes::~Handshakes() = default;

void Handshakes::adopt(qintptr socketDescriptor)
{
    QSslSocket *tls = m_tls ? new QSslSocket(this) : nullptr;
    QTcpSocket *socket = tls ? tls : new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        qCWarning(lcNet) << "cannot serve an accepted socket:" << socket->errorString();
        delete socket;
#ifdef Q_OS_UNIX
        ::close(int(socketDescriptor)); // not adopted, so still ours
#endif
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_pending.insert({ socket->peerAddress(), socket->peerPort() },
                     { socket, Session::monotonicMs() + m_timeoutMs });
    if (!m_timer.isActive())
        m_timer.start();
    if (!tls) {
        upgrade(socket);
        return;
    }
    tls->setSslConfiguration(*m_tls);
    connect(tls, &QSslSocket::encrypted, this, [this, tls] {
        QObject::disconnect(tls, nullptr, this, nullptr);
        upgrade(tls);
    });
    // Plain HTTP to a TLS port, a protocol or cipher we refuse, a peer gone: before the
    // WebSocket handshake this socket is still ours to drop.
    connect(tls, &QAbstractSocket::errorOccurred, this, [this, tls] {
        QObject::disconnect(tls, nullptr, this, nullptr);
        qCDebug(lcNet) << "TLS handshake failed with" << tls->peerAddress() << tls->errorString();
        tls->abort();
        tls->deleteLater();
    });
    tls->startServerEncryption();
}

void Handshakes::upgrade(QTcpSocket *socket)
{
    m_next = (m_next + 1) % m_handshakers.size();
    m_handshakers[m_next]->handleConnection(socket);
}

void Handshakes::onNewConnection(QWebSocketServer *handshaker)
{
    while (QWebSocket *socket = handshaker->nextPendingConnection()) {
        m_pending.remove({ socket->peerAddress(), socket->peerPort() });
        Q_EMIT upgraded(socket);
    }
}

void Handshakes::sweep()
{
    const qint64 now = Session::monotonicMs();
    QList<QTcpSocket *> late;
    for (auto it = m_pending.begin(); it != m_pending.end();) {
        if (!it->socket) { // refused by the handshake, and gone
            it = m_pending.erase(it);
        } else if (now >= it->deadlineMs) {
            late.append(it->socket);
            it = m_pending.erase(it);
        } else {
            ++it;
        }
    }
    for (QTcpSocket *socket : std::as_const(late)) {
        qCDebug(lcNet) << "no WebSocket handshake in time from" << socket->peerAddress();
        const QPointer<QTcpSocket> guard(socket);
        socket->abort(); // the handshaker sees it disconnect and lets it go
        if (guard)
            guard->deleteLater();
    }
    if (m_pending.isEmpty())
        m_timer.stop();
}

} // namespace Confab::Net
