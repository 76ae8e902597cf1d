#include "authservice.h"

#include "app/serverconfig.h"
#include "credentials.h"
#include "store/storeservice.h"

#include <confab/logging.h>

#include <QDateTime>
#include <QPointer>

#include <algorithm>
#include <limits>

namespace Confab::Auth {

namespace {
qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

AuthService::AuthService(const ServerConfig &config, Store::StoreService &store, QObject *parent)
    : QObject(parent), m_config(config), m_store(store),
      m_throttle(config.loginFailuresPerUser, config.loginFailuresPerAddress, config.loginWindowMs),
      m_registrations(std::numeric_limits<int>::max(),
                      config.registrationsPerAddressPerHour > 0
                          ? config.registrationsPerAddressPerHour
                          : std::numeric_limits<int>::max(),
                      3600 * 1000),
      // Made once, at the configured cost, so that logins of unknown users cost the same.
      m_decoyHash(PasswordHasher::decoy(config.hashCost)), m_pool(config.authThreads, "confab-auth")
{ }

AuthService::~AuthService() = default;

template<typename Work, typename Then>
void AuthService::offload(Work work, Then then)
{
    ++m_pendingHashes;
    m_pool.post([this, work = std::move(work), then = std::move(then)]() mutable {
        auto result = work();
        QMetaObject::invokeMethod(
            this,
            [this, then = std::move(then), result = std::move(result)]() mutable {
                --m_pendingHashes;
                then(std::move(result));
            },
            Qt::QueuedConnection);
    });
}

bool AuthService::overloaded(const Done &done)
{
    if (m_pendingHashes < m_config.maxPendingAuth)
        return false;
    Error busy { ErrorCode::UNAVAILABLE, QStringLiteral("too many sign-ins at once; try again") };
    busy.retryAfterMs = 1000;
    done(busy);
    return true;
}

void AuthService::issueToken(QObject *context, const Store::UserRecord &user,
                             const QByteArray &deviceId, Done done)
{
    // One clock reading: with a second one a millisecond later, a token with a short life could
    // be swept as expired by the very job that stores it.
    const qint64 now = nowMs();
    Grant grant { user, Tokens::generate(), now + m_config.tokenTtlMs, false };
    const Store::TokenRecord record { Tokens::hash(grant.token), user.userId, deviceId, now,
                                      grant.expiresMs };
    m_store.run(
        context,
        [record](Store::Store &store) -> Result<void> {
            if (auto added = store.addToken(record); !added)
                return added;
            return store.removeExpiredTokens(record.createdMs);
        },
        [grant, done](const Result<void> &stored) {
            if (!stored)
                return done(stored.error());
            qCInfo(lcAuth) << "user" << grant.user.userId << "signed in";
            done(grant);
        });
}

void AuthService::registerAccount(QObject *context, const QString &username,
                                  const QByteArray &password, const QString &displayName,
                                  const QString &address, const QByteArray &deviceId, Done done)
{
    if (!m_config.openRegistration)
        return done(Error { ErrorCode::FORBIDDEN,
                            QStringLiteral("this server does not take new accounts; ask its "
                                           "administrator for one") });
    auto name = AccountRules::normalizeUsername(username);
    if (!name)
        return done(name.error());
    if (auto valid = AccountRules::checkPassword(password); !valid)
        return done(valid.error());
    const QString shown = displayName.trimmed().isEmpty() ? name.value() : displayName.trimmed();
    // One address making accounts by the hundred (spam, or squatting names) waits; the check
    // and the count are per address, the username only keys the attempt.
    if (const qint64 waitMs = m_registrations.retryAfterMs(name.value(), address, nowMs())) {
        Error throttled { ErrorCode::LOGIN_THROTTLED,
                          QStringLiteral("too many new accounts from this address; try later") };
        throttled.retryAfterMs = quint32(std::min<qint64>(waitMs, UINT32_MAX));
        return done(throttled);
    }
    m_registrations.begin(name.value(), address);
    done = [this, name = name.value(), address, done](const Result<Grant> &result) {
        if (result)
            m_registrations.recordFailure(name, address, nowMs()); // counts, as a success
        else
            m_registrations.abandon(name, address);
        done(result);
    };
    QPointer<QObject> guard(context);
    auto hashAndCreate = [this, guard, name = name.value(), shown, password, deviceId, done] {
        if (!guard || overloaded(done))
            return;
        offload(
            [password, cost = m_config.hashCost] { return PasswordHasher::hash(password, cost); },
            [this, guard, name, shown, deviceId, done](Result<QByteArray> hashed) {
                if (!guard)
                    return;
                if (!hashed)
                    return done(hashed.error());
                m_store.run(
                    guard,
                    [name, shown, hash = hashed.value()](Store::Store &store) {
                        return store.createUser(name, shown, hash, nowMs());
                    },
                    [this, guard, deviceId, done](const Result<Store::UserRecord> &created) {
                        if (!created) // USERNAME_TAKEN by a registration at the same time
                            return done(created.error());
                        qCInfo(lcAuth) << "registered user" << created.value().userId;
                        issueToken(guard, created.value(), deviceId, done);
                    });
            });
    };
    // A taken name is refused before any hashing: registering it over and over must not keep
    // the hashing threads (and so everyone's sign-ins) busy.
    m_store.run(
        guard, [name = name.value()](Store::Store &store) { return store.userByName(name); },
        [done, hashAndCreate](const Result<Store::UserRecord> &found) {
            if (found)
                return done(
                    Error { ErrorCode::USERNAME_TAKEN, QStringLiteral("the username is taken") });
            if (found.error().code != ErrorCode::NOT_FOUND)
                return done(found.error());
            hashAndCreate();
        });
}

void AuthService::login(QObject *context, const QString &username, const QByteArray &password,
                        const QString &address, const QByteArray &deviceId, Done done)
{
    const QString name = username.toLower();
    if (const qint64 waitMs = m_throttle.retryAfterMs(name, address, nowMs())) {
        Error throttled { ErrorCode::LOGIN_THROTTLED, QStringLiteral("too many failed logins") };
        throttled.retryAfterMs = quint32(waitMs);
        return done(throttled);
    }
    if (overloaded(done))
        return;
    // From here the attempt counts against the throttle until it ends, whatever happens to the
    // session meanwhile: the callbacks run on this service, and answer only a live session.
    m_throttle.begin(name, address);
    QPointer<QObject> guard(context);
    m_store.run(
        this, [name](Store::Store &store) { return store.userByName(name); },
        [this, guard, name, password, address, deviceId,
         done](const Result<Store::UserRecord> &found) {
            if (!found && found.error().code != ErrorCode::NOT_FOUND) {
                m_throttle.abandon(name, address);
                if (guard)
                    done(found.error());
                return;
            }
            // Unknown users are checked against a decoy hash: same time, same answer.
            const QByteArray hash = found ? found.value().passwordHash : m_decoyHash;
            offload([hash, password] { return PasswordHasher::verify(hash, password); },
                    [this, guard, found, name, address, deviceId, done](bool verified) {
                        if (!verified || !found) {
                            m_throttle.recordFailure(name, address, nowMs());
                            qCInfo(lcAuth) << "failed login from" << address;
                            if (guard)
                                done(Error { ErrorCode::BAD_CREDENTIALS,
                                             QStringLiteral("wrong username or password") });
                            return;
                        }
                        m_throttle.recordSuccess(name, address);
                        if (!guard)
                            return;
                        if (found.value().disabled)
                            return done(Error { ErrorCode::ACCOUNT_DISABLED,
                                                QStringLiteral("the account is disabled") });
                        issueToken(guard, found.value(), deviceId, done);
                    });
        });
}

void AuthService::resume(QObject *context, const QString &token, Done done)
{
    struct Found
    {
        Store::TokenRecord token;
        Store::UserRecord user;
    };
    const QByteArray tokenHash = Tokens::hash(token);
    m_store.run(
        context,
        [tokenHash](Store::Store &store) -> Result<Found> {
            auto record = store.token(tokenHash);
            if (!record)
                return record.error();
            auto user = store.userById(record.value().userId);
            if (!user)
                return user.error();
            return Found { record.value(), user.value() };
        },
        [token, done](const Result<Found> &found) {
            if (!found) {
                if (found.error().code == ErrorCode::NOT_FOUND)
                    return done(Error { ErrorCode::TOKEN_INVALID,
                                        QStringLiteral("unknown or revoked token") });
                return done(found.error());
            }
            if (found.value().token.expiresMs <= nowMs())
                return done(
                    Error { ErrorCode::TOKEN_EXPIRED, QStringLiteral("the token expired") });
            if (found.value().user.disabled)
                return done(Error { ErrorCode::ACCOUNT_DISABLED,
                                    QStringLiteral("the account is disabled") });
            done(Grant { found.value().user, token, found.value().token.expiresMs, true });
        });
}

void AuthService::logout(QObject *context, const QString &token,
                         std::function<void(const Result<void> &)> done)
{
    const QByteArray tokenHash = Tokens::hash(token);
    m_store.run(
        context, [tokenHash](Store::Store &store) { return store.removeToken(tokenHash); },
        std::move(done));
}

void AuthService::sessions(QObject *context, quint64 userId,
                           std::function<void(const Result<QList<Store::SessionRecord>> &)> done)
{
    m_store.run(
        context, [userId](Store::Store &store) { return store.sessions(userId, nowMs()); },
        std::move(done));
}

void AuthService::revokeSession(QObject *context, quint64 userId, const QByteArray &tokenHash,
                                Finished done)
{
    m_store.run(
        context,
        [userId, tokenHash](Store::Store &store) {
            return store.removeUserToken(userId, tokenHash);
        },
        [userId, done](const Result<void> &removed) {
            if (removed)
                qCInfo(lcAuth) << "user" << userId << "ended one of their sessions";
            done(removed);
        });
}

void AuthService::revokeOtherSessions(QObject *context, quint64 userId, const QByteArray &keepToken,
                                      Finished done)
{
    m_store.run(
        context,
        [userId, keepToken](Store::Store &store) {
            return store.removeUserTokens(userId, keepToken);
        },
        [userId, done](const Result<int> &removed) {
            if (!removed)
                return done(removed.error());
            qCInfo(lcAuth) << "user" << userId << "ended" << removed.value() << "other sessions";
            done({});
        });
}

void AuthService::changePassword(QObject *context, quint64 userId, const QString &address,
                                 const QByteArray &currentPassword, const QByteArray &newPassword,
                                 const QByteArray &keepToken, Finished done)
{
    if (auto valid = AccountRules::checkPassword(newPassword); !valid)
        return done(valid.error());
    QPointer<QObject> guard(context);
    m_store.run(
        guard, [userId](Store::Store &store) { return store.userById(userId); },
        [=, this](const Result<Store::UserRecord> &found) {
            if (!found)
                return done(found.error());
            const QString name = found.value().username;
            // A stolen session must not become a way to guess the password faster than logins.
            if (const qint64 waitMs = m_throttle.retryAfterMs(name, address, nowMs())) {
                Error throttled { ErrorCode::LOGIN_THROTTLED,
                                  QStringLiteral("too many wrong passwords") };
                throttled.retryAfterMs = quint32(waitMs);
                return done(throttled);
            }
            const Done failed = [done](const Result<Grant> &result) { done(result.error()); };
            if (overloaded(failed))
                return;
            m_throttle.begin(name, address);
            offload(
                [hash = found.value().passwordHash, currentPassword, newPassword,
                 cost = m_config.hashCost]() -> Result<QByteArray> {
                    if (!PasswordHasher::verify(hash, currentPassword))
                        return Error { ErrorCode::BAD_CREDENTIALS,
                                       QStringLiteral("the current password is wrong") };
                    return PasswordHasher::hash(newPassword, cost);
                },
                [=, this](Result<QByteArray> hashed) {
                    if (!hashed && hashed.error().code == ErrorCode::BAD_CREDENTIALS) {
                        m_throttle.recordFailure(name, address, nowMs());
                        qCInfo(lcAuth)
                            << "wrong current password for user" << userId << "from" << address;
                    } else if (hashed) {
                        m_throttle.recordSuccess(name, address);
                    } else {
                        m_throttle.abandon(name, address);
                    }
                    if (!guard)
                        return;
                    if (!hashed)
                        return done(hashed.error());
                    m_store.run(
                        guard,
                        [userId, hash = hashed.value(), keepToken](Store::Store &store) {
                            return store.setPasswordHash(userId, hash, keepToken);
                        },
                        [userId, done](const Result<void> &stored) {
                            if (stored)
                                qCInfo(lcAuth) << "user" << userId << "changed their password";
                            done(stored);
                        });
                });
        });
}

} // namespace Confab::Auth
