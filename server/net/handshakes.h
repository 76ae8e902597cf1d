#pragma once

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>
#include <vector>

class QTcpSocket;
class QWebSocket;
class QWebSocketServer;

namespace Confab::Net {

//! Turns accepted TCP sockets into WebSockets: the HTTP upgrade, with a deadline. Used on the
//! main thread and on each network worker alike; lives on the thread of its sockets.
//! - The sockets are spread over several QWebSocketServers in turn: each finds the socket behind
//!   a handshake event with QObject::sender(), which walks every connection to it, so with a
//!   single one a storm of 5,000 reconnects spent 58 % of the CPU there.
//! - Qt 6.4's QWebSocketServer applies its handshake timeout only to sockets it accepted itself,
//!   not to those given to handleConnection(); this does it (one timer for all), so a peer that
//!   connects and says nothing, or stops half-way through its request, is cut off.
class Handshakes final : public QObject
{
    Q_OBJECT
public:
    Handshakes(const QString &serverName, int timeoutMs, int handshakers,
               QObject *parent = nullptr);
    ~Handshakes() override;

    //! Sets the socket's options (no Nagle delay: with the peer's delayed ack, a reply could
    //! wait 40 ms behind the one before it) and starts its handshake. A handshaker owns it now.
    void take(QTcpSocket *socket);

Q_SIGNALS:
    //! A handshake done; the WebSocket is the receiver's to take (it has no parent yet that
    //! matters: a handshaker's).
    void upgraded(QWebSocket *socket);

private:
    struct Pending
    {
        QPointer<QTcpSocket> socket;
        qint64 deadlineMs = 0;
    };
    void onNewConnection(QWebSocketServer *handshaker);
    void sweep();

    const int m_timeoutMs;
    std::vector<std::unique_ptr<QWebSocketServer>> m_handshakers;
    size_t m_next = 0;
    QTimer m_timer;
    //! By the peer's address and port (the WebSocket does not say which QTcpSocket it wraps).
    QHash<QPair<QHostAddress, quint16>, Pending> m_pending;
};

} // namespace Confab::Net
