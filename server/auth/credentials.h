#pragma once

#include <confab/result.h>

#include <QByteArray>
#include <QString>

namespace Confab::Auth {

//! Argon2id cost. The defaults are libsodium's "interactive" limits (about 64 MiB and a few
//! tens of milliseconds per hash); tests lower them.
struct HashCost
{
    quint64 opsLimit = 2; // crypto_pwhash_OPSLIMIT_INTERACTIVE
    quint64 memLimitBytes = 64ull * 1024 * 1024; // crypto_pwhash_MEMLIMIT_INTERACTIVE
    [[nodiscard]] static HashCost minimum(); //!< the cheapest libsodium allows: for tests only
};

//! Password hashing with libsodium's Argon2id (salted, slow by design). Thread-safe; call it off
//! the event loop (AuthService uses a thread pool).
class PasswordHasher final
{
public:
    //! The self-describing hash string (algorithm, cost, salt, hash), or an error when memory is
    //! short.
    [[nodiscard]] static Result<QByteArray> hash(const QByteArray &password, const HashCost &cost);
    [[nodiscard]] static bool verify(const QByteArray &hash, const QByteArray &password);
    //! A valid hash of a random password: verify against it when the user does not exist, so that
    //! a failed login takes as long whether or not the username exists.
    [[nodiscard]] static QByteArray decoy(const HashCost &cost);
};

//! Session tokens: 256 random bits, given to the client as base64url text; stored only as their
//! SHA-256 hash.
namespace Tokens {
[[nodiscard]] QString generate();
[[nodiscard]] QByteArray hash(const QString &token);
} // namespace Tokens

//! Account rules (PROTOCOL.md §2): usernames are 3-32 characters of a-z 0-9 . _ -, starting with
//! a letter or digit, compared case-insensitively; passwords are 8-1024 bytes.
namespace AccountRules {
inline constexpr int kMinUsername = 3;
inline constexpr int kMaxUsername = 32;
inline constexpr int kMinPasswordBytes = 8;
inline constexpr int kMaxPasswordBytes = 1024;
//! The canonical (lower-case) username, or INVALID_ARGUMENT naming the rule broken.
[[nodiscard]] Result<QString> normalizeUsername(const QString &username);
[[nodiscard]] Result<void> checkPassword(const QByteArray &password);
} // namespace AccountRules

//! Initialises libsodium once; false when it cannot be used (the server must not start).
[[nodiscard]] bool initCrypto();

} // namespace Confab::Auth
