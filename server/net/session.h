#pragma once

#include "connection.h"
#include "sessioncontext.h"
#include "store/records.h"

#include <confab/codec.h>
#include <confab/notifyrules.h>

#include <QHash>
#include <QObject>

#include <functional>
#include <memory>

namespace Confab::Net {

//! One client connection: decodes frames, enforces the state machine (Hello, then
//! authentication, then requests; PROTOCOL.md §2) and the per-connection rate limit, and answers
//! every request exactly once. Owned by the Server; network thread.
class Session final : public QObject
{
    Q_OBJECT
public:
    enum class State { AwaitingHello, AwaitingAuth, Authenticating, Live, Closed };

    //! Takes the connection (it becomes a child).
    Session(Connection *connection, SessionContext &context, QObject *parent = nullptr);
    ~Session() override;

    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] quint64 userId() const { return m_userId; }
    //! Auth::Tokens::hash of the token it signed in with: the session's id (empty before).
    [[nodiscard]] const QByteArray &tokenHash() const { return m_tokenHash; }
    [[nodiscard]] qint64 connectedMs() const { return m_connectedMs; }
    [[nodiscard]] qint64 lastActivityMs() const { return m_lastActivityMs; }
    [[nodiscard]] QString peer() const;
    //! The peer's address as it connected (a closed socket forgets its own).
    [[nodiscard]] const QHostAddress &peerAddress() const { return m_peerAddress; }
    //! Milliseconds on a monotonic clock (connectedMs(), lastActivityMs() use it).
    [[nodiscard]] static qint64 monotonicMs();

    void send(const pb::Envelope &envelope);
    //! Sends bytes already encoded (one event serialised once for many sessions).
    void sendFrame(const QByteArray &frame);
    void sendError(const Error &error);
    //! Closes with a WebSocket close code; the session is deleted once the socket is gone.
    void close(QWebSocketProtocol::CloseCode code, const QString &reason);
    //! Its token was revoked (by another of the user's sessions, a password change, or an admin):
    //! closed with 1008 and the reason "session revoked" (PROTOCOL.md §11). Not a 4000-range
    //! code: QWebSocketProtocol::CloseCode cannot hold one without undefined behaviour (UBSan).
    void closeRevoked();
    //! Keep-alive, called by the server's sweep timer.
    void ping();
    //! How a message notifies this session's user (PROTOCOL.md §15): UNSET until the user's
    //! preferences are loaded after sign-in (the client then decides, as with a 1.3 server).
    [[nodiscard]] pb::NotifyPriority notifyPriority(const pb::Message &message, bool direct,
                                                    qint64 nowMs) const;
    //! The user's preferences as stored now (loaded at sign-in, or changed on any device);
    //! an older version than the one held is ignored.
    void takeNotificationPrefs(const pb::NotificationPrefs &prefs);

Q_SIGNALS:
    void closed(Confab::Net::Session *session);

private:
    void onBinaryMessage(const QByteArray &frame);
    void onTextMessage();
    void onDisconnected();

    void dispatch(pb::Envelope &envelope);
    void handleHello(quint64 requestId, const pb::Hello &hello);
    void handleAuth(quint64 requestId, pb::Envelope &envelope);
    void handleSend(quint64 requestId, const pb::SendMessage &send);
    void handleChangeMessage(quint64 requestId, const pb::ChangeMessage &change);
    void handleBeginUpload(quint64 requestId, const pb::BeginUpload &begin);
    void handleUploadChunk(quint64 requestId, const pb::UploadChunk &chunk);
    void handleDownload(quint64 requestId, const pb::DownloadRequest &request);
    //! The upload's bytes are all in: checked, filed, and made an attachment; then answered.
    void finishUpload(quint64 requestId, const Store::UploadRecord &upload);
    void replyUploadStatus(quint64 requestId, const QByteArray &uploadId, qint64 offset,
                           quint64 attachmentId = 0);
    //! Chunk work in flight is bounded per connection (chunks skip the request rate limit).
    [[nodiscard]] bool takeChunkSlot(quint64 requestId);
    //! The MessageAck for a stored entry (a message or a change).
    void sendAck(quint64 requestId, const pb::Message &stored);
    void handleSync(quint64 requestId, const pb::SyncRequest &request);
    //! Adds up what in a sync page would have notified this user (PROTOCOL.md §15).
    void countCatchUp(pb::SyncPage *page) const;
    void handleHistory(quint64 requestId, const pb::HistoryRequest &request);
    void handleListConversations(quint64 requestId);
    void handleLogout(quint64 requestId);
    void handleGroupChange(quint64 requestId, const pb::Envelope &envelope);
    void handleUpdateReceipt(quint64 requestId, const pb::UpdateReceipt &update);
    void handleTyping(quint64 requestId, const pb::Typing &typing);
    void handleSetPresence(quint64 requestId, const pb::SetPresence &presence);
    void typingTo(quint64 requestId, quint64 conversationId, const QList<quint64> &members);
    void handleListSessions(quint64 requestId);
    void handleGetNotificationPrefs(quint64 requestId);
    void handleSetNotificationPrefs(quint64 requestId, const pb::NotificationPrefs &prefs);
    void handleRevokeSession(quint64 requestId, const pb::RevokeSession &revoke);
    void handleRevokeOtherSessions(quint64 requestId);
    void handleChangePassword(quint64 requestId, const pb::ChangePassword &change);
    //! Closes the user's other live sessions that `which` picks (their tokens were revoked).
    void endSessions(const std::function<bool(const Session &)> &which);
    void replyOk(quint64 requestId);

    [[nodiscard]] bool takeRateToken(qint64 nowMs);
    void violation(const Error &error);
    [[nodiscard]] quint32 pageSize(quint32 requested) const;

    Connection *const m_connection; // a child of this session
    SessionContext &m_context;
    State m_state = State::AwaitingHello;
    quint64 m_userId = 0;
    QHostAddress m_peerAddress;
    QByteArray m_deviceId;
    QString m_clientName;
    QString m_clientVersion;
    QString m_deviceName;
    QString m_token;
    QByteArray m_tokenHash; //!< Auth::Tokens::hash(m_token): the session's id
    qint64 m_connectedMs = 0;
    qint64 m_lastActivityMs = 0;
    TokenBucket m_rate; //!< Limits::ratePerSecond, this connection's
    int m_rateStrikes = 0;
    int m_violations = 0;
    QHash<quint64, qint64> m_typingMs; //!< when Typing was last passed on, per conversation
    Notify::Rules m_notifyRules; //!< the user's preferences, for priorities
    bool m_notifyRulesLoaded = false;
    QHash<QByteArray, Store::UploadRecord> m_uploads; //!< begun on this connection, bounded
    int m_chunksInFlight = 0;
};

} // namespace Confab::Net
