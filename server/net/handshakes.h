#pragma once

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QTimer>

#include <memory>
#include <optional>
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
//! - With TLS, the TLS handshake comes first, under the same deadline.
class Handshakes final : public QObject
{
    Q_OBJECT
public:
    //! tls: the server's certificate and key (Net::Tls); none: plain WebSocket.
    Handshakes(const QString &serverName, int timeoutMs, int handshakers,
               std::optional<QSslConfiguration> tls, QObject *parent = nullptr);
    ~Handshakes() override;

    //! Serves an accepted socket: wraps it (in a QSslSocket with TLS), sets its options (no
    //! Nagle delay: with the peer's delayed ack, a reply could wait 40 ms behind the one before
    //! it) and starts its handshake. The descriptor is closed if it cannot be served.
    void adopt(qintptr socketDescriptor);

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
    void upgrade(QTcpSocket *socket); //!< a handshaker owns it now
    void onNewConnection(QWebSocketServer *handshaker);
    void sweep();

    const int m_timeoutMs;
    const std::optional<QSslConfiguration> m_tls;
    std::vector<std::unique_ptr<QWebSocketServer>> m_handshakers;
    size_t m_next = 0;
    QTimer m_timer;
    //! By the peer's address and port (the WebSocket does not say which QTcpSocket it wraps).
    QHash<QPair<QHostAddress, quint16>, Pending> m_pending;
};

} // namespace Confab::Net
