#pragma once

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QTimer>

class QTcpSocket;
class QWebSocket;

namespace Confab::Net {

//! Cuts off TCP connections that do not finish their WebSocket handshake in time. Qt 6.4's
//! QWebSocketServer applies its handshake timeout only to the sockets it accepts itself, not to
//! those given to handleConnection(), which is how confabd hands them over; without this, a
//! peer that connects and says nothing would hold its socket for ever. One timer for all.
//! Thread of the sockets only.
class HandshakeDeadlines final : public QObject
{
public:
    explicit HandshakeDeadlines(int timeoutMs, QObject *parent = nullptr);

    //! A socket about to be handed to QWebSocketServer::handleConnection().
    void watch(QTcpSocket *socket);
    //! Its handshake is done: the WebSocket QWebSocketServer made of it.
    void done(const QWebSocket *socket);
    [[nodiscard]] int pending() const { return int(m_pending.size()); }

private:
    struct Pending
    {
        QPointer<QTcpSocket> socket;
        qint64 deadlineMs = 0;
    };
    void sweep();

    const int m_timeoutMs;
    QTimer m_timer;
    //! By the peer's address and port (the WebSocket does not say which QTcpSocket it wraps).
    QHash<QPair<QHostAddress, quint16>, Pending> m_pending;
};

} // namespace Confab::Net
