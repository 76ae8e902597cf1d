#pragma once

#include "digest.h"
#include "mailer.h"

#include <QObject>
#include <QTimer>

#include <atomic>
#include <memory>
#include <thread>

namespace Confab {
struct ServerConfig;
namespace Store {
class StoreService;
}
namespace Routing {
class Router;
}
} // namespace Confab

namespace Confab::Notify {

//! Email digests (PROTOCOL.md §15.3). Every sweep it finds users away longer than
//! digest_after with a digest address, none queued within digest_interval, and no session on
//! this server; for each with unread high-priority messages it queues one mail and records what
//! it covered, in one transaction (the durable outbox). Then a mail thread hands due mails to
//! the SMTP server one by one with libcurl; a mail leaves the outbox only once the server took
//! it, and a failure is tried again after a doubling delay. Network thread.
class DigestService final : public QObject
{
    Q_OBJECT
public:
    DigestService(const ServerConfig &config, Store::StoreService &store,
                  const Routing::Router &router, QObject *parent = nullptr);
    ~DigestService() override;

    void start();
    //! One sweep now (tests; the timer does the same).
    void sweep();

    //! Mails the SMTP server took, attempts that failed, and mails given up, since start.
    [[nodiscard]] quint64 sent() const { return m_sent; }
    [[nodiscard]] quint64 failures() const { return m_failures; }
    [[nodiscard]] quint64 dropped() const { return m_dropped; }
    //! Most attempts at one mail before it is dropped (a warning is logged).
    static constexpr int kMaxAttempts = 16;

protected:
    void customEvent(QEvent *event) override;

private:
    struct Outcome
    {
        Store::OutgoingEmail email;
        Result<void> result;
    };
    void collect(const QList<Store::DigestCandidate> &candidates);
    void pump();
    void finishSending(const std::shared_ptr<QList<Outcome>> &outcomes);
    //! Stores each outcome (sent: out of the queue; failed: tried again later). Returns whether
    //! every mail went.
    bool record(const QList<Outcome> &outcomes);
    [[nodiscard]] qint64 retryDelayMs(int attempts) const;

    const ServerConfig &m_config;
    Store::StoreService &m_store;
    const Routing::Router &m_router;
    SmtpSettings m_smtp;
    DigestOptions m_options;
    QTimer m_timer;
    quint64 m_afterUserId = 0; //!< the sweep goes round the candidates in user id order
    bool m_sweeping = false;
    bool m_sending = false;
    std::thread m_mailThread;
    //! The mail thread's outcomes until they are recorded (also on the way out: a mail the SMTP
    //! server took must leave the queue even when confabd stops right after).
    std::shared_ptr<QList<Outcome>> m_round;
    std::atomic<bool> m_abort { false };
    quint64 m_sent = 0;
    quint64 m_failures = 0;
    quint64 m_dropped = 0;
};

} // namespace Confab::Notify
