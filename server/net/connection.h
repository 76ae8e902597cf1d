#pragma once

#include <QHostAddress>
#include <QObject>
#include <QWebSocketProtocol>

class QWebSocket;

namespace Confab::Net {

//! The WebSocket under a session, as the session sees it: frames in, frames out, close, ping.
//! The socket itself lives either on the session's thread (LocalConnection) or on a network
//! worker thread (NetworkWorker's RemoteConnection); sessions do not know which. Used on the
//! session's thread only.
class Connection : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    [[nodiscard]] virtual QHostAddress peerAddress() const = 0;
    [[nodiscard]] virtual quint16 peerPort() const = 0;

    //! Queues a binary frame. A peer that leaves more than the limit unread is cut off instead:
    //! tooSlow(), then the connection closes (1008).
    virtual void sendBinary(const QByteArray &frame) = 0;
    //! Starts the close handshake; a peer that does not answer it within kCloseTimeoutMs is
    //! dropped. disconnected() follows either way. Closing twice does nothing more.
    virtual void close(QWebSocketProtocol::CloseCode code, const QString &reason) = 0;
    virtual void ping() = 0;

    static constexpr int kCloseTimeoutMs = 5000;

    // A LocalConnection may emit tooSlow() and disconnected() synchronously, from inside
    // sendBinary() or close(); a RemoteConnection emits everything later, from the event loop.
    // Receivers must cope with both (Session does: its state and the Router's copied target
    // lists make either order safe).
Q_SIGNALS:
    void binaryReceived(const QByteArray &frame);
    void textReceived();
    void pongReceived();
    //! Cut off for not reading: `queuedBytes` were waiting for it.
    void tooSlow(qint64 queuedBytes);
    void disconnected();
};

//! A connection whose socket lives on this thread.
class LocalConnection final : public Connection
{
    Q_OBJECT
public:
    //! Takes the socket (it becomes a child). Frames over maxFrameBytes are refused by Qt
    //! before they are buffered (close code 1009).
    LocalConnection(QWebSocket *socket, qint64 maxFrameBytes, qint64 maxQueuedBytes,
                    QObject *parent = nullptr);

    [[nodiscard]] QHostAddress peerAddress() const override;
    [[nodiscard]] quint16 peerPort() const override;
    void sendBinary(const QByteArray &frame) override;
    void close(QWebSocketProtocol::CloseCode code, const QString &reason) override;
    void ping() override;
    //! Drops the connection at once, without a close handshake; disconnected() follows.
    void abort();

private:
    QWebSocket *const m_socket;
    const qint64 m_maxQueuedBytes;
    bool m_closing = false;
};

} // namespace Confab::Net
