#pragma once

#include <confab/pb.h>

#include <QByteArray>
#include <QList>
#include <QString>

namespace Confab::Store {

struct UserRecord
{
    quint64 userId = 0;
    QString username;
    QString displayName;
    QByteArray passwordHash; //!< libsodium's Argon2id string (crypto_pwhash_str)
    bool disabled = false;
    qint64 createdMs = 0;
};

//! A session token as stored: only its SHA-256 hash, never the token.
struct TokenRecord
{
    QByteArray tokenHash;
    quint64 userId = 0;
    QByteArray deviceId;
    qint64 createdMs = 0;
    qint64 expiresMs = 0;
};

//! A message to append. Exactly one target is set: conversationId, peerUserId or peerUsername.
struct NewMessage
{
    quint64 senderId = 0;
    QByteArray clientId; //!< 16 bytes
    quint64 conversationId = 0;
    quint64 peerUserId = 0;
    QString peerUsername;
    std::string text;
};

//! The outcome of appending one message.
struct Appended
{
    pb::Message message;
    QList<quint64> memberIds; //!< every member of the conversation, the sender included
    bool duplicate = false; //!< an earlier message with the same (sender, client id) was returned
};

struct Stats
{
    qint64 users = 0;
    qint64 disabledUsers = 0;
    qint64 conversations = 0;
    qint64 messages = 0;
    qint64 activeTokens = 0;
    qint64 databaseBytes = 0;
    int schemaVersion = 0;
};

} // namespace Confab::Store
