#include "networkworker.h"

#include "handshakes.h"

#include <confab/logging.h>
#include <confab/tsan.h>
#ifdef Q_OS_LINUX
#include <confab/epolldispatcher.h>
#endif

#include <QCoreApplication>
#include <QTcpSocket>
#include <QThread>
#include <QWebSocket>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace Confab::Net {

namespace {
constexpr int kHandshakersPerWorker = 16; // see Handshakes

//! "Your mailbox has work": posted once per batch, to the shard or to the worker. A plain event
//! rather than a queued call: nothing is allocated behind it, and the receiver's first act is the
//! TSan acquire that matches the poster's release (confab/tsan.h).
const QEvent::Type kMailEvent = QEvent::Type(QEvent::registerEventType());

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

//! The worker thread's half: owns the sockets, each in a LocalConnection, and the handshakes.
//! Worker thread only.
class WorkerShard final : public QObject
{
public:
    WorkerShard(NetworkWorker &worker, NetworkWorker::Settings settings)
        : m_worker(worker), m_settings(std::move(settings))
    { }

    ~WorkerShard() override
    {
        CONFAB_TSAN_ACQUIRE(&m_worker.m_commands); // mail never read is deleted with us
        // Sockets handed over but never served are closed with the rest.
        for (NetworkWorker::Command &command : takeCommands())
            if (command.kind == NetworkWorker::Command::Adopt)
                QTcpSocket().setSocketDescriptor(command.descriptor);
        const auto connections = std::exchange(m_connections, {});
        m_worker.m_open.fetch_sub(int(connections.size()));
        for (LocalConnection *connection : connections) {
            QObject::disconnect(connection, nullptr, this, nullptr); // no events while going
            delete connection;
        }
        CONFAB_TSAN_RELEASE(&m_worker); // ~NetworkWorker() goes on after QThread::wait()
    }

    bool event(QEvent *event) override
    {
        CONFAB_TSAN_ACQUIRE(&m_worker.m_commands); // before even the event is read
        if (event->type() != kMailEvent)
            return QObject::event(event);
        if (!m_handshakes)
            init();
        drainCommands();
        return true;
    }

private:
    void init()
    {
        m_handshakes = new Handshakes(m_settings.serverName, m_settings.handshakeTimeoutMs,
                                      kHandshakersPerWorker, m_settings.tls, this);
        connect(m_handshakes, &Handshakes::upgraded, this, &WorkerShard::serve);
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
                m_handshakes->adopt(command.descriptor);
                continue;
            }
            LocalConnection *const connection = m_connections.value(command.id);
            if (!connection)
                continue; // closed meanwhile: its Closed event is on its way
            switch (command.kind) {
            case NetworkWorker::Command::Send:
                connection->sendBinary(command.frame); // may cut a slow reader off (tooSlow)
                break;
            case NetworkWorker::Command::Close:
                connection->close(command.code, command.reason);
                break;
            case NetworkWorker::Command::Ping:
                connection->ping();
                break;
            case NetworkWorker::Command::Drop:
                connection->abort(); // disconnected() follows and tidies up
                break;
            case NetworkWorker::Command::Adopt:
                break;
            }
        }
    }

    //! The same connection a session on the main thread would have; its signals become events.
    void serve(QWebSocket *socket)
    {
        const quint64 id = ++m_nextId;
        auto *connection =
            new LocalConnection(socket, m_settings.maxFrameBytes, m_settings.maxQueuedBytes, this);
        m_connections.insert(id, connection);
        m_worker.m_open.fetch_add(1);
        connect(connection, &Connection::binaryReceived, this, [this, id](const QByteArray &frame) {
            auto received = makeEvent(NetworkWorker::Event::Binary, id);
            received.frame = frame;
            m_worker.postEvent(std::move(received));
        });
        connect(connection, &Connection::textReceived, this,
                [this, id] { m_worker.postEvent(makeEvent(NetworkWorker::Event::Text, id)); });
        connect(connection, &Connection::pongReceived, this,
                [this, id] { m_worker.postEvent(makeEvent(NetworkWorker::Event::Pong, id)); });
        connect(connection, &Connection::tooSlow, this, [this, id](qint64 queuedBytes) {
            auto slow = makeEvent(NetworkWorker::Event::TooSlow, id);
            slow.queuedBytes = queuedBytes;
            m_worker.postEvent(std::move(slow));
        });
        connect(connection, &Connection::disconnected, this, [this, id, connection] {
            if (m_connections.remove(id))
                m_worker.m_open.fetch_sub(1);
            connection->deleteLater();
            m_worker.postEvent(makeEvent(NetworkWorker::Event::Closed, id));
        });
        auto opened = makeEvent(NetworkWorker::Event::Opened, id);
        opened.address = connection->peerAddress();
        opened.port = connection->peerPort();
        m_worker.postEvent(std::move(opened));
    }

    NetworkWorker &m_worker;
    const NetworkWorker::Settings m_settings;
    Handshakes *m_handshakes = nullptr; //!< a child
    quint64 m_nextId = 0;
    QHash<quint64, LocalConnection *> m_connections;
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
    // The first mail sets the shard up on its thread (WorkerShard::event()).
    auto *mail = new QEvent(kMailEvent);
    CONFAB_TSAN_RELEASE(&m_commands);
    QCoreApplication::postEvent(shard, mail);
}

NetworkWorker::~NetworkWorker()
{
    for (RemoteConnection *connection : std::as_const(m_connections))
        connection->m_gone = true; // no worker to tell any more
    m_connections.clear();
    m_thread->quit();
    m_thread->wait(); // the shard is deleted as the thread finishes
    CONFAB_TSAN_ACQUIRE(this);
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
        auto *mail = new QEvent(kMailEvent);
        CONFAB_TSAN_RELEASE(&m_commands);
        QCoreApplication::postEvent(m_shard, mail);
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
    if (wake) {
        auto *mail = new QEvent(kMailEvent);
        CONFAB_TSAN_RELEASE(&m_events);
        QCoreApplication::postEvent(this, mail);
    }
}

bool NetworkWorker::event(QEvent *event)
{
    CONFAB_TSAN_ACQUIRE(&m_events); // before even the event is read
    if (event->type() != kMailEvent)
        return QObject::event(event);
    drainEvents();
    return true;
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
