#pragma once

#include "connection.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

class QThread;

namespace Confab::Net {

class WorkerShard;

//! A network worker: a thread of its own that does the WebSocket work for its share of the
//! connections (handshakes, frame parsing, masking, writing, pings), while their sessions stay
//! on the server's thread. Frames cross between the two in batches through two mailboxes, one
//! wake-up per batch, never a lock held while working. This object lives on the server's
//! thread; its shard lives on the worker's.
class NetworkWorker final : public QObject
{
    Q_OBJECT
public:
    struct Settings
    {
        QString serverName;
        int handshakeTimeoutMs = 10'000;
        qint64 maxFrameBytes = 64 * 1024; //!< Limits::maxFrameBytes
        qint64 maxQueuedBytes = 4 * 1024 * 1024; //!< a slower reader is cut off
        std::optional<QSslConfiguration> tls; //!< Net::Tls; none: plain WebSocket
    };

    NetworkWorker(int index, Settings settings, QObject *parent = nullptr);
    //! Stops the thread; its sockets are dropped. Delete the sessions on it first.
    ~NetworkWorker() override;

    //! Any thread: serve this accepted TCP socket on the worker's thread. newConnection() follows
    //! once its WebSocket handshake is done.
    void adopt(qintptr socketDescriptor);
    //! Connections open on the worker (handshakes done, not yet closed). Any thread.
    [[nodiscard]] int connectionCount() const { return m_open.load(); }

    // What crosses from the server's thread to the worker's, and back.
    struct Command
    {
        enum Kind { Adopt, Send, Close, Ping, Drop } kind = Send;
        quint64 id = 0;
        QByteArray frame;
        qintptr descriptor = -1;
        QWebSocketProtocol::CloseCode code = QWebSocketProtocol::CloseCodeNormal;
        QString reason;
    };
    struct Event
    {
        enum Kind { Opened, Binary, Text, Pong, TooSlow, Closed } kind = Binary;
        quint64 id = 0;
        QByteArray frame;
        QHostAddress address;
        quint16 port = 0;
        qint64 queuedBytes = 0;
    };

Q_SIGNALS:
    //! A new connection, for a session to take (it becomes its parent).
    void newConnection(Confab::Net::Connection *connection);

protected:
    bool event(QEvent *event) override;

private:
    friend class RemoteConnection;
    friend class WorkerShard;

    void post(Command command); //!< to the worker
    void postEvent(Event event); //!< from the worker (its thread)
    void drainEvents(); //!< on this thread
    void forget(quint64 id, bool drop); //!< a RemoteConnection is going

    std::unique_ptr<QThread> m_thread;
    QPointer<WorkerShard> m_shard;
    std::mutex m_mutex; //!< guards the two mailboxes only
    std::vector<Command> m_commands;
    std::vector<Event> m_events;
    std::atomic<int> m_open { 0 };
    QHash<quint64, class RemoteConnection *> m_connections;
};

//! A session's connection whose socket lives on a network worker.
class RemoteConnection final : public Connection
{
    Q_OBJECT
public:
    RemoteConnection(NetworkWorker *worker, quint64 id, QHostAddress address, quint16 port);
    ~RemoteConnection() override;

    [[nodiscard]] QHostAddress peerAddress() const override { return m_address; }
    [[nodiscard]] quint16 peerPort() const override { return m_port; }
    void sendBinary(const QByteArray &frame) override;
    void close(QWebSocketProtocol::CloseCode code, const QString &reason) override;
    void ping() override;

private:
    friend class NetworkWorker;

    QPointer<NetworkWorker> m_worker;
    const quint64 m_id;
    const QHostAddress m_address;
    const quint16 m_port;
    bool m_closing = false;
    bool m_gone = false; //!< the worker reported it closed
};

} // namespace Confab::Net
