#pragma once

#include <confab/result.h>

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>

struct redisAsyncContext;
class QSocketNotifier;

namespace Confab::Cluster {

//! Where Redis is: "127.0.0.1:6379" (TCP; the port defaults to 6379) or "unix:/run/redis.sock".
struct RedisAddress
{
    QString host;
    int port = 6379;
    QString unixPath;
    [[nodiscard]] static Result<RedisAddress> parse(const QString &text);
    [[nodiscard]] QString toString() const;
};

//! One reply, as hiredis gives it, copied.
struct RedisReply
{
    enum class Type { None, Status, Error, Integer, String, Nil, Array };
    Type type = Type::None; //!< None: no reply (the connection was lost first)
    qint64 integer = 0;
    QByteArray string; //!< String, Status and Error
    QList<RedisReply> elements;
    [[nodiscard]] bool ok() const { return type != Type::None && type != Type::Error; }
};

//! One connection to Redis through hiredis's asynchronous API, on the Qt event loop of the
//! thread that owns it (QSocketNotifiers: hiredis's own Qt adapter predates Qt 6's signals).
//! It connects again on its own after a loss (every kRetryMs), and subscribes again to what it
//! was subscribed to. A connection that subscribed is for subscriptions only (Redis's rule).
class RedisConnection final : public QObject
{
    Q_OBJECT
public:
    RedisConnection(RedisAddress address, QString name, QObject *parent = nullptr);
    ~RedisConnection() override;
    RedisConnection(const RedisConnection &) = delete;
    RedisConnection &operator=(const RedisConnection &) = delete;

    void open();
    [[nodiscard]] bool isConnected() const { return m_connected; }

    using Callback = std::function<void(const RedisReply &)>;
    //! Sends a command; `done` gets its reply, or a reply of type None if the connection was
    //! lost first. False when not connected: nothing was sent and `done` is not called.
    bool command(const QList<QByteArray> &arguments, Callback done = {});
    //! Subscribes to the channel now (if connected) and after every reconnect.
    void subscribe(const QByteArray &channel);

    static constexpr int kRetryMs = 500;

    //! One command on a connection of its own, waiting for the reply (at most timeoutMs to
    //! connect, and as long again for the reply): for start-up, before the event loop runs.
    [[nodiscard]] static Result<RedisReply> commandNow(const RedisAddress &address,
                                                       const QList<QByteArray> &arguments,
                                                       int timeoutMs = 2000);

Q_SIGNALS:
    void connected();
    void disconnected();
    void message(const QByteArray &channel, const QByteArray &payload);

private:
    static void onConnect(const redisAsyncContext *context, int status);
    static void onDisconnect(const redisAsyncContext *context, int status);
    static void onReply(redisAsyncContext *context, void *reply, void *privdata);
    static void onMessage(redisAsyncContext *context, void *reply, void *privdata);
    static void addRead(void *data);
    static void delRead(void *data);
    static void addWrite(void *data);
    static void delWrite(void *data);
    static void cleanup(void *data);
    void lost();
    void retryLater();
    bool sendSubscribe(const QByteArray &channel);

    const RedisAddress m_address;
    const QString m_name;
    redisAsyncContext *m_context = nullptr;
    QSocketNotifier *m_read = nullptr;
    QSocketNotifier *m_write = nullptr;
    bool m_connected = false;
    bool m_closing = false;
    bool m_everConnected = false;
    QSet<QByteArray> m_channels;
    QTimer m_retry;
};

} // namespace Confab::Cluster
