#include "redisclient.h"

#include <confab/logging.h>

#include <QSocketNotifier>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sys/time.h>
#include <vector>

namespace Confab::Cluster {

namespace {

RedisReply copyReply(const redisReply *reply)
{
    RedisReply out;
    if (!reply)
        return out;
    switch (reply->type) {
    case REDIS_REPLY_STATUS:
        out.type = RedisReply::Type::Status;
        break;
    case REDIS_REPLY_ERROR:
        out.type = RedisReply::Type::Error;
        break;
    case REDIS_REPLY_INTEGER:
        out.type = RedisReply::Type::Integer;
        out.integer = reply->integer;
        return out;
    case REDIS_REPLY_NIL:
        out.type = RedisReply::Type::Nil;
        return out;
    case REDIS_REPLY_ARRAY:
        out.type = RedisReply::Type::Array;
        for (size_t i = 0; i < reply->elements; ++i)
            out.elements.append(copyReply(reply->element[i]));
        return out;
    default:
        out.type = RedisReply::Type::String;
        break;
    }
    out.string = QByteArray(reply->str, qsizetype(reply->len));
    return out;
}

//! A command's callback, owned by hiredis until it calls it once.
struct Pending
{
    RedisConnection *owner;
    RedisConnection::Callback done;
};

//! argv/argvlen for hiredis, pointing into `arguments` (which must outlive them).
struct Argv
{
    std::vector<const char *> pointers;
    std::vector<size_t> lengths;
    explicit Argv(const QList<QByteArray> &arguments)
    {
        for (const QByteArray &argument : arguments) {
            pointers.push_back(argument.constData());
            lengths.push_back(size_t(argument.size()));
        }
    }
};

} // namespace

Result<RedisAddress> RedisAddress::parse(const QString &text)
{
    RedisAddress address;
    const QString trimmed = text.trimmed();
    if (trimmed.startsWith(QLatin1String("unix:"))) {
        address.unixPath = trimmed.mid(5);
        if (address.unixPath.isEmpty())
            return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("unix: names no socket") };
        return address;
    }
    const qsizetype colon = trimmed.lastIndexOf(QLatin1Char(':'));
    address.host = colon < 0 ? trimmed : trimmed.left(colon);
    if (colon >= 0) {
        bool ok = false;
        address.port = trimmed.mid(colon + 1).toInt(&ok);
        if (!ok || address.port <= 0 || address.port > 65535)
            return Error { ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("\"%1\" is not host:port").arg(text) };
    }
    if (address.host.isEmpty())
        return Error { ErrorCode::INVALID_ARGUMENT,
                       QStringLiteral("\"%1\" names no host").arg(text) };
    return address;
}

QString RedisAddress::toString() const
{
    return unixPath.isEmpty() ? QStringLiteral("%1:%2").arg(host).arg(port)
                              : QStringLiteral("unix:%1").arg(unixPath);
}

RedisConnection::RedisConnection(RedisAddress address, QString name, QObject *parent)
    : QObject(parent), m_address(std::move(address)), m_name(std::move(name))
{
    m_retry.setSingleShot(true);
    m_retry.setInterval(kRetryMs);
    connect(&m_retry, &QTimer::timeout, this, &RedisConnection::open);
}

RedisConnection::~RedisConnection()
{
    m_closing = true;
    if (m_context) {
        // Pending callbacks run now with no reply; they see m_closing and call nobody.
        redisAsyncContext *context = std::exchange(m_context, nullptr);
        context->data = nullptr;
        redisAsyncFree(context);
    }
    delete m_read;
    delete m_write;
}

void RedisConnection::open()
{
    if (m_context || m_closing)
        return;
    redisAsyncContext *context = m_address.unixPath.isEmpty()
        ? redisAsyncConnect(m_address.host.toUtf8().constData(), m_address.port)
        : redisAsyncConnectUnix(m_address.unixPath.toUtf8().constData());
    if (!context) {
        retryLater();
        return;
    }
    if (context->err) {
        qCDebug(lcCluster) << m_name << "cannot connect to Redis at" << m_address.toString() << ":"
                           << context->errstr;
        redisAsyncFree(context);
        retryLater();
        return;
    }
    m_context = context;
    context->data = this;
    context->ev.data = this;
    context->ev.addRead = &RedisConnection::addRead;
    context->ev.delRead = &RedisConnection::delRead;
    context->ev.addWrite = &RedisConnection::addWrite;
    context->ev.delWrite = &RedisConnection::delWrite;
    context->ev.cleanup = &RedisConnection::cleanup;
    redisAsyncSetConnectCallback(context, &RedisConnection::onConnect);
    redisAsyncSetDisconnectCallback(context, &RedisConnection::onDisconnect);
    addWrite(this); // the non-blocking connect completes when the socket is writable
}

void RedisConnection::retryLater()
{
    if (!m_closing && !m_retry.isActive())
        m_retry.start();
}

void RedisConnection::onConnect(const redisAsyncContext *context, int status)
{
    auto *self = static_cast<RedisConnection *>(context->data);
    if (!self)
        return;
    if (status != REDIS_OK) {
        // hiredis frees the context after this returns.
        qCDebug(lcCluster) << self->m_name << "cannot connect to Redis at"
                           << self->m_address.toString() << ":" << context->errstr;
        self->m_context = nullptr;
        self->retryLater();
        return;
    }
    self->m_connected = true;
    if (self->m_everConnected)
        qCInfo(lcCluster) << self->m_name << "connected to Redis at" << self->m_address.toString()
                          << "again";
    self->m_everConnected = true;
    for (const QByteArray &channel : std::as_const(self->m_channels))
        self->sendSubscribe(channel);
    Q_EMIT self->connected();
}

void RedisConnection::onDisconnect(const redisAsyncContext *context, int status)
{
    Q_UNUSED(status);
    auto *self = static_cast<RedisConnection *>(context->data);
    if (!self)
        return;
    qCWarning(lcCluster) << self->m_name << "lost Redis at" << self->m_address.toString() << ":"
                         << (context->err ? context->errstr : "closed");
    self->m_context = nullptr; // freed by hiredis after this returns
    self->lost();
}

void RedisConnection::lost()
{
    const bool was = std::exchange(m_connected, false);
    retryLater();
    if (was)
        Q_EMIT disconnected();
}

void RedisConnection::onReply(redisAsyncContext *context, void *reply, void *privdata)
{
    Q_UNUSED(context);
    std::unique_ptr<Pending> pending(static_cast<Pending *>(privdata));
    if (pending->owner->m_closing || !pending->done)
        return;
    pending->done(copyReply(static_cast<const redisReply *>(reply)));
}

void RedisConnection::onMessage(redisAsyncContext *context, void *reply, void *privdata)
{
    Q_UNUSED(context);
    auto *self = static_cast<RedisConnection *>(privdata);
    const auto *r = static_cast<const redisReply *>(reply);
    if (!r || self->m_closing || r->type != REDIS_REPLY_ARRAY || r->elements != 3)
        return;
    const redisReply *kind = r->element[0];
    if (kind->type != REDIS_REPLY_STRING
        || QByteArray(kind->str, qsizetype(kind->len)) != "message")
        return; // the subscription's confirmation
    const redisReply *channel = r->element[1];
    const redisReply *payload = r->element[2];
    Q_EMIT self->message(QByteArray(channel->str, qsizetype(channel->len)),
                         QByteArray(payload->str, qsizetype(payload->len)));
}

bool RedisConnection::command(const QList<QByteArray> &arguments, Callback done)
{
    if (!m_connected || !m_context)
        return false;
    Argv argv(arguments);
    auto *pending = new Pending { this, std::move(done) };
    if (redisAsyncCommandArgv(m_context, &RedisConnection::onReply, pending,
                              int(argv.pointers.size()), argv.pointers.data(), argv.lengths.data())
        != REDIS_OK) {
        delete pending;
        return false;
    }
    return true;
}

void RedisConnection::subscribe(const QByteArray &channel)
{
    m_channels.insert(channel);
    if (m_connected)
        sendSubscribe(channel);
}

bool RedisConnection::sendSubscribe(const QByteArray &channel)
{
    const QList<QByteArray> arguments { QByteArrayLiteral("SUBSCRIBE"), channel };
    Argv argv(arguments);
    return redisAsyncCommandArgv(m_context, &RedisConnection::onMessage, this,
                                 int(argv.pointers.size()), argv.pointers.data(),
                                 argv.lengths.data())
        == REDIS_OK;
}

// ----- the event loop's part (what hiredis's adapters do)

void RedisConnection::addRead(void *data)
{
    auto *self = static_cast<RedisConnection *>(data);
    if (self->m_read || !self->m_context)
        return;
    self->m_read = new QSocketNotifier(self->m_context->c.fd, QSocketNotifier::Read);
    QObject::connect(self->m_read, &QSocketNotifier::activated, self, [self] {
        if (self->m_context)
            redisAsyncHandleRead(self->m_context);
    });
}

void RedisConnection::delRead(void *data)
{
    auto *self = static_cast<RedisConnection *>(data);
    if (QSocketNotifier *notifier = std::exchange(self->m_read, nullptr)) {
        // Maybe from inside its own activation: not deleted under its feet.
        notifier->setEnabled(false);
        notifier->deleteLater();
    }
}

void RedisConnection::addWrite(void *data)
{
    auto *self = static_cast<RedisConnection *>(data);
    if (self->m_write || !self->m_context)
        return;
    self->m_write = new QSocketNotifier(self->m_context->c.fd, QSocketNotifier::Write);
    QObject::connect(self->m_write, &QSocketNotifier::activated, self, [self] {
        if (self->m_context)
            redisAsyncHandleWrite(self->m_context);
    });
}

void RedisConnection::delWrite(void *data)
{
    auto *self = static_cast<RedisConnection *>(data);
    if (QSocketNotifier *notifier = std::exchange(self->m_write, nullptr)) {
        notifier->setEnabled(false);
        notifier->deleteLater();
    }
}

void RedisConnection::cleanup(void *data)
{
    delRead(data);
    delWrite(data);
}

Result<RedisReply> RedisConnection::commandNow(const RedisAddress &address,
                                               const QList<QByteArray> &arguments, int timeoutMs)
{
    const timeval timeout { timeoutMs / 1000, (timeoutMs % 1000) * 1000 };
    redisContext *context = address.unixPath.isEmpty()
        ? redisConnectWithTimeout(address.host.toUtf8().constData(), address.port, timeout)
        : redisConnectUnixWithTimeout(address.unixPath.toUtf8().constData(), timeout);
    if (!context || context->err) {
        const QString reason = context ? QString::fromUtf8(context->errstr) : QString();
        if (context)
            redisFree(context);
        return Error {
            ErrorCode::UNAVAILABLE,
            QStringLiteral("cannot connect to Redis at %1: %2").arg(address.toString(), reason)
        };
    }
    redisSetTimeout(context, timeout);
    Argv argv(arguments);
    auto *reply = static_cast<redisReply *>(redisCommandArgv(
        context, int(argv.pointers.size()), argv.pointers.data(), argv.lengths.data()));
    if (!reply) {
        const QString reason = QString::fromUtf8(context->errstr);
        redisFree(context);
        return Error { ErrorCode::UNAVAILABLE,
                       QStringLiteral("Redis at %1: %2").arg(address.toString(), reason) };
    }
    RedisReply copied = copyReply(reply);
    freeReplyObject(reply);
    redisFree(context);
    return copied;
}

} // namespace Confab::Cluster
