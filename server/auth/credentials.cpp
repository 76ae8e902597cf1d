#include "credentials.h"

#include <sodium.h>

#include <QCryptographicHash>

namespace Confab::Auth {

bool initCrypto()
{
    return sodium_init() >= 0;
}

HashCost HashCost::minimum()
{
    return { crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN };
}

Result<QByteArray> PasswordHasher::hash(const QByteArray &password, const HashCost &cost)
{
    QByteArray out(crypto_pwhash_STRBYTES, '\0');
    if (crypto_pwhash_str_alg(out.data(), password.constData(), quint64(password.size()),
                              cost.opsLimit, size_t(cost.memLimitBytes),
                              crypto_pwhash_ALG_ARGON2ID13)
        != 0) {
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("out of memory while hashing a password") };
    }
    out.truncate(qsizetype(qstrnlen(out.constData(), crypto_pwhash_STRBYTES)));
    return out;
}

bool PasswordHasher::verify(const QByteArray &hash, const QByteArray &password)
{
    const QByteArray terminated = hash + '\0';
    return crypto_pwhash_str_verify(terminated.constData(), password.constData(),
                                    quint64(password.size()))
        == 0;
}

QByteArray PasswordHasher::decoy(const HashCost &cost)
{
    QByteArray random(32, '\0');
    randombytes_buf(random.data(), size_t(random.size()));
    auto hashed = hash(random.toBase64(), cost);
    return hashed ? hashed.value() : QByteArray();
}

namespace Tokens {

QString generate()
{
    QByteArray bytes(32, '\0');
    randombytes_buf(bytes.data(), size_t(bytes.size()));
    return QString::fromLatin1(
        bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QByteArray hash(const QString &token)
{
    return QCryptographicHash::hash(token.toUtf8(), QCryptographicHash::Sha256);
}

} // namespace Tokens

namespace AccountRules {

Result<QString> normalizeUsername(const QString &username)
{
    const QString name = username.toLower();
    if (name.size() < kMinUsername || name.size() > kMaxUsername) {
        return Error {
            ErrorCode::INVALID_ARGUMENT,
            QStringLiteral("a username has %1 to %2 characters").arg(kMinUsername).arg(kMaxUsername)
        };
    }
    auto allowed = [](QChar c, bool first) {
        const char16_t u = c.unicode();
        const bool alnum = (u >= u'a' && u <= u'z') || (u >= u'0' && u <= u'9');
        return alnum || (!first && (u == u'.' || u == u'_' || u == u'-'));
    };
    for (qsizetype i = 0; i < name.size(); ++i) {
        if (!allowed(name.at(i), i == 0)) {
            return Error { ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("a username uses a-z, 0-9, '.', '_' and '-', and starts "
                                          "with a letter or digit") };
        }
    }
    return name;
}

Result<void> checkPassword(const QByteArray &password)
{
    if (password.size() < kMinPasswordBytes || password.size() > kMaxPasswordBytes) {
        return Error { ErrorCode::INVALID_ARGUMENT,
                       QStringLiteral("a password has %1 to %2 bytes")
                           .arg(kMinPasswordBytes)
                           .arg(kMaxPasswordBytes) };
    }
    return {};
}

} // namespace AccountRules

} // namespace Confab::Auth
