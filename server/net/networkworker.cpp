#include "networkworker.h"

#include "handshakedeadlines.h"

#include <confab/logging.h>
#ifdef Q_OS_LINUX
#include <confab/epolldispatcher.h>
#endif

#include <QSet>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace Confab::Net {

namespace {
// QWebSocketServer finds the socket behind each handshake event by walking its connections
// (QObject::sender()), so handshakes are spread over several of them (see Server).
constexpr int kHandshakersPerWorker = 16;
constexpr int kMaxPendingHandshakes = 1024;

NetworkWorker::Event makeEvent(NetworkWorker::Event::Kind kind, quint64 id)
{
    NetworkWorker::Event made;
    made.kind = kind;
    made.id = id;
    return made;
}

NetworkWorker::Command makeCommand(NetworkWorker::Command::Kind kind, quint64 id)
{
    NetworkWorker::Command made;
    made.kind = kind;
    made.id = id;
    return made;
}
} // namespace

//! The worker thread's half: owns the sockets and the handshakers. Worker thread only.
class WorkerShard final : public QObject
{
public:
    WorkerShard(NetworkWorker &worker, NetworkWorker::Settings settings)
        : m_worker(worker), m_settings(std::move(settings))
    { }

    ~WorkerShard() override
    {
        // Sockets handed over but never served are closed with the rest.
        for (NetworkWorker::Command &command : takeCommands())
            if (command.kind == NetworkWorker::Command::Adopt)
                QTcpSocket().setSocketDescriptor(command.descriptor);
        const QHash<quint64, QWebSocket *> sockets = std::exchange(m_sockets, {});
        m_worker.m_open.fetch_sub(int(sockets.size()));
        for (QWebSocket *socket : sockets) {
            QObject::disconnect(socket, nullptr, this, nullptr); // no events while going
            delete socket; // before the handshakers that made them
        }
    }

    void init()
    {
        m_deadlines = new HandshakeDeadlines(m_settings.handshakeTimeoutMs, this);
        for (int i = 0; i < kHandshakersPerWorker; ++i) {
            auto handshaker = std::make_unique<QWebSocketServer>(m_settings.serverName,
                                                                 QWebSocketServer::NonSecureMode);
            handshaker->setHandshakeTimeout(m_settings.handshakeTimeoutMs);
            handshaker->setMaxPendingConnections(kMaxPendingHandshakes);
            connect(handshaker.get(), &QWebSocketServer::newConnection, this,
                    [this, from = handshaker.get()] { onHandshaken(from); });
            m_handshakers.push_back(std::move(handshaker));
        }
    }

    std::vector<NetworkWorker::Command> takeCommands()
    {
        std::lock_guard lock(m_worker.m_mutex);
        return std::exchange(m_worker.m_commands, {});
    }

    void drainCommands()
    {
        for (NetworkWorker::Command &command : takeCommands()) {
            if (command.kind == NetworkWorker::Command::Adopt) {
                adopt(command.descriptor);
                continue;
            }
            QWebSocket *const socket = m_sockets.value(command.id);
            if (!socket)
                continue; // closed meanwhile: its Closed event is on its way
            switch (command.kind) {
            case NetworkWorker::Command::Send:
                if (m_closing.contains(command.id))
                    break;
                if (!LocalConnection::mayQueue(socket, m_settings.maxQueuedBytes)) {
                    auto slow = makeEvent(NetworkWorker::Event::TooSlow, command.id);
                    slow.queuedBytes = socket->bytesToWrite();
                    m_worker.postEvent(std::move(slow));
                    close(command.id, socket, QWebSocketProtocol::CloseCodePolicyViolated,
                          QStringLiteral("not reading fast enough"));
                    break;
                }
                socket->sendBinaryMessage(command.frame);
                break;
            case NetworkWorker::Command::Close:
                close(command.id, socket, command.code, command.reason);
                break;
            case NetworkWorker::Command::Ping:
                if (!m_closing.contains(command.id))
                    socket->ping();
                break;
            case NetworkWorker::Command::Drop:
                socket->abort(); // disconnected() follows and tidies up
                break;
            case NetworkWorker::Command::Adopt:
                break;
            }
        }
    }

private:
    void adopt(qintptr descriptor)
    {
        auto *tcp = new QTcpSocket(this); // deleted with the shard should a handshake be pending
        if (!tcp->setSocketDescriptor(descriptor)) {
            qCWarning(lcNet) << "cannot serve an accepted socket:" << tcp->errorString();
            delete tcp;
#ifdef Q_OS_UNIX
            ::close(int(descriptor)); // not adopted, so still ours
#endif
            return;
        }
        m_deadlines->watch(tcp);
        tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        m_nextHandshaker = (m_nextHandshaker + 1) % m_handshakers.size();
        m_handshakers[m_nextHandshaker]->handleConnection(tcp); // it owns the socket now
    }

    void onHandshaken(QWebSocketServer *handshaker)
    {
        while (QWebSocket *socket = handshaker->nextPendingConnection()) {
            const quint64 id = ++m_nextId;
            m_deadlines->done(socket);
            socket->setParent(this);
            LocalConnection::limitFrames(socket, m_settings.maxFrameBytes);
            m_sockets.insert(id, socket);
            m_worker.m_open.fetch_add(1);
            connect(socket, &QWebSocket::binaryMessageReceived, this,
                    [this, id](const QByteArray &frame) {
                        auto received = makeEvent(NetworkWorker::Event::Binary, id);
                        received.frame = frame;
                        m_worker.postEvent(std::move(received));
                    });
            connect(socket, &QWebSocket::textMessageReceived, this,
                    [this, id] { m_worker.postEvent(makeEvent(NetworkWorker::Event::Text, id)); });
            connect(socket, &QWebSocket::pong, this,
                    [this, id] { m_worker.postEvent(makeEvent(NetworkWorker::Event::Pong, id)); });
            connect(socket, &QWebSocket::disconnected, this, [this, id, socket] {
                if (m_sockets.remove(id))
                    m_worker.m_open.fetch_sub(1);
                m_closing.remove(id);
                socket->deleteLater();
                m_worker.postEvent(makeEvent(NetworkWorker::Event::Closed, id));
            });
            auto opened = makeEvent(NetworkWorker::Event::Opened, id);
            opened.address = socket->peerAddress();
            opened.port = socket->peerPort();
            m_worker.postEvent(std::move(opened));
        }
    }

    void close(quint64 id, QWebSocket *socket, QWebSocketProtocol::CloseCode code,
               const QString &reason)
    {
        if (m_closing.contains(id))
            return;
        m_closing.insert(id);
        socket->close(code, reason);
        // A peer that never answers the close handshake is cut off.
        QTimer::singleShot(Connection::kCloseTimeoutMs, socket, &QWebSocket::abort);
    }

    NetworkWorker &m_worker;
    const NetworkWorker::Settings m_settings;
    std::vector<std::unique_ptr<QWebSocketServer>> m_handshakers;
    HandshakeDeadlines *m_deadlines = nullptr; //!< a child
    size_t m_nextHandshaker = 0;
    quint64 m_nextId = 0;
    QHash<quint64, QWebSocket *> m_sockets;
    QSet<quint64> m_closing;
};

NetworkWorker::NetworkWorker(int index, Settings settings, QObject *parent)
    : QObject(parent), m_thread(std::make_unique<QThread>())
{
    m_thread->setObjectName(QStringLiteral("confab-net%1").arg(index));
#ifdef Q_OS_LINUX
    if (EpollEventDispatcher::wanted())
        m_thread->setEventDispatcher(new EpollEventDispatcher);
#endif
    auto *shard = new WorkerShard(*this, std::move(settings));
    m_shard = shard;
    shard->moveToThread(m_thread.get());
    connect(m_thread.get(), &QThread::finished, shard, &QObject::deleteLater);
    m_thread->start();
    QMetaObject::invokeMethod(
        shard, [shard] { shard->init(); }, Qt::QueuedConnection);
}

NetworkWorker::~NetworkWorker()
{
    for (RemoteConnection *connection : std::as_const(m_connections))
        connection->m_gone = true; // no worker to tell any more
    m_connections.clear();
    m_thread->quit();
    m_thread->wait(); // the shard is deleted as the thread finishes
}

void NetworkWorker::adopt(qintptr socketDescriptor)
{
    auto adopt = makeCommand(Command::Adopt, 0);
    adopt.descriptor = socketDescriptor;
    post(std::move(adopt));
}

void NetworkWorker::post(Command command)
{
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        m_commands.push_back(std::move(command));
        wake = m_commands.size() == 1; // otherwise a wake-up is already on its way
    }
    if (wake) {
        QMetaObject::invokeMethod(
            m_shard, [shard = m_shard] { shard->drainCommands(); }, Qt::QueuedConnection);
    }
}

void NetworkWorker::postEvent(Event event)
{
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        m_events.push_back(std::move(event));
        wake = m_events.size() == 1;
    }
    if (wake)
        QMetaObject::invokeMethod(this, &NetworkWorker::drainEvents, Qt::QueuedConnection);
}

void NetworkWorker::drainEvents()
{
    std::vector<Event> events;
    {
        std::lock_guard lock(m_mutex);
        events.swap(m_events);
    }
    for (Event &event : events) {
        if (event.kind == Event::Opened) {
            auto *connection = new RemoteConnection(this, event.id, event.address, event.port);
            m_connections.insert(event.id, connection);
            Q_EMIT newConnection(connection);
            continue;
        }
        RemoteConnection *const connection = m_connections.value(event.id);
        if (!connection)
            continue; // its session is gone already
        switch (event.kind) {
        case Event::Binary:
            Q_EMIT connection->binaryReceived(event.frame);
            break;
        case Event::Text:
            Q_EMIT connection->textReceived();
            break;
        case Event::Pong:
            Q_EMIT connection->pongReceived();
            break;
        case Event::TooSlow:
            connection->m_closing = true; // the worker closes it
            Q_EMIT connection->tooSlow(event.queuedBytes);
            break;
        case Event::Closed:
            m_connections.remove(event.id);
            connection->m_gone = true;
            Q_EMIT connection->disconnected();
            break;
        case Event::Opened:
            break;
        }
    }
}

void NetworkWorker::forget(quint64 id, bool drop)
{
    m_connections.remove(id);
    if (drop)
        post(makeCommand(Command::Drop, id));
}

RemoteConnection::RemoteConnection(NetworkWorker *worker, quint64 id, QHostAddress address,
                                   quint16 port)
    : m_worker(worker), m_id(id), m_address(std::move(address)), m_port(port)
{ }

RemoteConnection::~RemoteConnection()
{
    // Closing already: the worker lets the close handshake finish (or times it out) itself.
    if (m_worker && !m_gone)
        m_worker->forget(m_id, !m_closing);
}

void RemoteConnection::sendBinary(const QByteArray &frame)
{
    if (!m_closing && !m_gone && m_worker) {
        auto send = makeCommand(NetworkWorker::Command::Send, m_id);
        send.frame = frame;
        m_worker->post(std::move(send));
    }
}

void RemoteConnection::close(QWebSocketProtocol::CloseCode code, const QString &reason)
{
    if (m_closing || m_gone || !m_worker)
        return;
    m_closing = true;
    auto close = makeCommand(NetworkWorker::Command::Close, m_id);
    close.code = code;
    close.reason = reason;
    m_worker->post(std::move(close));
}

void RemoteConnection::ping()
{
    if (!m_closing && !m_gone && m_worker)
        m_worker->post(makeCommand(NetworkWorker::Command::Ping, m_id));
}

} // namespace Confab::Net
