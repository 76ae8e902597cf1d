#pragma once

#include "hashpool.h"
#include "loginthrottle.h"
#include "store/records.h"

#include <confab/result.h>

#include <QObject>

#include <functional>

namespace Confab {
struct ServerConfig;
namespace Store {
class StoreService;
}
} // namespace Confab

namespace Confab::Auth {

//! A successful authentication: who, and the session token the client keeps.
struct Grant
{
    Store::UserRecord user;
    QString token;
    qint64 expiresMs = 0;
    bool resumed = false;
};

//! Register, login, resume and logout. Password hashing runs on a small thread pool so that a
//! login never stalls other sessions; the database work runs on the store thread. Lives on the
//! network thread; every callback runs there, and only while its context object lives.
class AuthService final : public QObject
{
    Q_OBJECT
public:
    using Done = std::function<void(const Result<Grant> &)>;

    AuthService(const ServerConfig &config, Store::StoreService &store, QObject *parent = nullptr);
    ~AuthService() override;

    //! address: LoginThrottle::addressKey of the peer; its registrations per hour are capped.
    void registerAccount(QObject *context, const QString &username, const QByteArray &password,
                         const QString &displayName, const QString &address,
                         const QByteArray &deviceId, Done done);
    void login(QObject *context, const QString &username, const QByteArray &password,
               const QString &address, const QByteArray &deviceId, Done done);
    void resume(QObject *context, const QString &token, Done done);
    void logout(QObject *context, const QString &token,
                std::function<void(const Result<void> &)> done);

    // The account's own sessions (PROTOCOL.md "Account and sessions"); tokens by their hash.
    using Finished = std::function<void(const Result<void> &)>;
    void sessions(QObject *context, quint64 userId,
                  std::function<void(const Result<QList<Store::SessionRecord>> &)> done);
    void revokeSession(QObject *context, quint64 userId, const QByteArray &tokenHash,
                       Finished done);
    void revokeOtherSessions(QObject *context, quint64 userId, const QByteArray &keepToken,
                             Finished done);
    //! Checks the current password as a login does (same throttle, by username and address),
    //! then stores the new one and ends every other session.
    void changePassword(QObject *context, quint64 userId, const QString &address,
                        const QByteArray &currentPassword, const QByteArray &newPassword,
                        const QByteArray &keepToken, Finished done);

    //! Hashes waiting for or running on the pool.
    [[nodiscard]] int pendingHashes() const { return m_pendingHashes; }

private:
    //! Runs `work` on the pool and `then(result)` here afterwards.
    template<typename Work, typename Then>
    void offload(Work work, Then then);
    //! Stores a new token for the user and reports the grant.
    void issueToken(QObject *context, const Store::UserRecord &user, const QByteArray &deviceId,
                    Done done);
    [[nodiscard]] bool overloaded(const Done &done);

    const ServerConfig &m_config;
    Store::StoreService &m_store;
    LoginThrottle m_throttle;
    //! Registrations count as attempts against the address (a limit per username is moot).
    LoginThrottle m_registrations;
    QByteArray m_decoyHash;
    int m_pendingHashes = 0;
    HashPool m_pool; //!< last: its threads finish their jobs before the rest goes
};

} // namespace Confab::Auth
