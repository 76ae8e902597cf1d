#pragma once

#include <confab/codec.h>
#include <confab/ids.h>

#include <QHash>
#include <QObject>
#include <QSslCertificate>
#include <QWebSocket>

//! A test client that speaks the raw protocol over a real WebSocket: one Envelope per frame.
//! Responses are matched by request id; events (request id 0) are collected in events(),
//! presence events in presence().
//! Waits are condition waits (QTest::qWaitFor), never sleeps. Test thread only.
class WireClient final : public QObject
{
    Q_OBJECT
public:
    explicit WireClient(QObject *parent = nullptr);

    //! Connects with wss:// from now on, trusting only this certificate (the test's own CA).
    void useTls(const QSslCertificate &trusted);
    [[nodiscard]] bool open(quint16 port, int timeoutMs = 5000);
    void close() { m_socket.close(); }
    [[nodiscard]] bool isConnected() const
    {
        return m_socket.state() == QAbstractSocket::ConnectedState;
    }
    [[nodiscard]] bool waitForDisconnected(int timeoutMs = 10'000);
    [[nodiscard]] QWebSocketProtocol::CloseCode closeCode() const { return m_socket.closeCode(); }
    QWebSocket &socket() { return m_socket; }

    //! Sends with a fresh request id (returned); does not wait.
    quint64 post(Confab::pb::Envelope envelope);
    //! Sends and waits for the answer with the same request id (an empty Envelope on timeout).
    Confab::pb::Envelope request(Confab::pb::Envelope envelope, int timeoutMs = 10'000);
    //! Waits for the answer to a request sent with post().
    Confab::pb::Envelope waitForResponse(quint64 requestId, int timeoutMs = 10'000);
    [[nodiscard]] bool hasResponse(quint64 requestId) const
    {
        return m_responses.contains(requestId);
    }

    // Handshake helpers; each returns the server's answer.
    Confab::pb::Envelope hello(unsigned major = 1);
    Confab::pb::Envelope registerAccount(const QString &username,
                                         const QString &password = QStringLiteral("password123"));
    Confab::pb::Envelope login(const QString &username,
                               const QString &password = QStringLiteral("password123"));
    Confab::pb::Envelope resume(const QString &token);
    //! Connects, says Hello and registers (or logs in when `registerFirst` is false).
    [[nodiscard]] bool connectAs(quint16 port, const QString &username, bool registerFirst = true);

    static Confab::pb::Envelope sendTo(const QString &peer, const QString &text,
                                       const QUuid &clientId = QUuid::createUuid());
    static Confab::pb::Envelope sendIn(quint64 conversationId, const QString &text,
                                       const QUuid &clientId = QUuid::createUuid());

    [[nodiscard]] quint64 userId() const { return m_userId; }
    [[nodiscard]] QString token() const { return m_token; }
    [[nodiscard]] const QList<Confab::pb::Envelope> &events() const { return m_events; }
    void clearEvents() { m_events.clear(); }
    //! Presence events, kept apart: they come whenever contacts connect, so events() holds the
    //! rest (messages, receipts, typing, group changes).
    [[nodiscard]] const QList<Confab::pb::PresenceEvent> &presence() const { return m_presence; }
    void clearPresence() { m_presence.clear(); }
    [[nodiscard]] bool waitForEvents(int count, int timeoutMs = 10'000);
    [[nodiscard]] int framesReceived() const { return m_framesReceived; }
    QByteArray deviceId;

private:
    QWebSocket m_socket;
    bool m_tls = false;
    QHash<quint64, Confab::pb::Envelope> m_responses;
    QList<Confab::pb::Envelope> m_events;
    QList<Confab::pb::PresenceEvent> m_presence;
    quint64 m_nextRequestId = 1;
    quint64 m_userId = 0;
    QString m_token;
    int m_framesReceived = 0;
};
