#include "connection.h"

#include <QTimer>
#include <QWebSocket>

namespace Confab::Net {

LocalConnection::LocalConnection(QWebSocket *socket, qint64 maxFrameBytes, qint64 maxQueuedBytes,
                                 QObject *parent)
    : Connection(parent), m_socket(socket), m_maxQueuedBytes(maxQueuedBytes)
{
    m_socket->setParent(this);
    // Qt refuses larger frames itself (close code 1009) before buffering them.
    m_socket->setMaxAllowedIncomingFrameSize(quint64(maxFrameBytes));
    m_socket->setMaxAllowedIncomingMessageSize(quint64(maxFrameBytes));
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &Connection::binaryReceived);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &Connection::textReceived);
    connect(m_socket, &QWebSocket::pong, this, &Connection::pongReceived);
    connect(m_socket, &QWebSocket::disconnected, this, &Connection::disconnected);
}

QHostAddress LocalConnection::peerAddress() const
{
    return m_socket->peerAddress();
}

quint16 LocalConnection::peerPort() const
{
    return m_socket->peerPort();
}

void LocalConnection::sendBinary(const QByteArray &frame)
{
    if (m_closing)
        return;
    // A client that does not read must not make the server hold its data without bound.
    if (m_socket->bytesToWrite() > m_maxQueuedBytes) {
        Q_EMIT tooSlow(m_socket->bytesToWrite());
        close(QWebSocketProtocol::CloseCodePolicyViolated,
              QStringLiteral("not reading fast enough"));
        return;
    }
    m_socket->sendBinaryMessage(frame);
}

void LocalConnection::close(QWebSocketProtocol::CloseCode code, const QString &reason)
{
    if (m_closing)
        return;
    m_closing = true;
    m_socket->close(code, reason);
    // A peer that never answers the close handshake is cut off.
    QTimer::singleShot(kCloseTimeoutMs, m_socket, &QWebSocket::abort);
}

void LocalConnection::ping()
{
    if (!m_closing)
        m_socket->ping();
}

void LocalConnection::abort()
{
    m_closing = true;
    m_socket->abort();
}

} // namespace Confab::Net
