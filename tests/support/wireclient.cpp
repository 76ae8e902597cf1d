#include "wireclient.h"

#include <QSslConfiguration>
#include <QTest>
#include <QUrl>

using namespace Confab;

WireClient::WireClient(QObject *parent) : QObject(parent)
{
    deviceId = QUuid::createUuid().toRfc4122();
    m_socket.setMaxAllowedIncomingMessageSize(64 << 20);
    connect(&m_socket, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &frame) {
        ++m_framesReceived;
        Limits roomy;
        roomy.maxFrameBytes = 64 << 20;
        roomy.maxPageSize = 100'000;
        auto decoded = Codec::decode(frame, roomy);
        if (!decoded) {
            qWarning() << "undecodable frame from the server:" << decoded.error().message;
            return;
        }
        if (decoded.value().has_presence_event())
            m_presence.append(decoded.value().presence_event());
        else if (decoded.value().request_id() == 0)
            m_events.append(decoded.value());
        else
            m_responses.insert(decoded.value().request_id(), decoded.value());
    });
}

void WireClient::useTls(const QSslCertificate &trusted)
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setCaCertificates({ trusted });
    m_socket.setSslConfiguration(configuration);
    m_tls = true;
}

bool WireClient::open(quint16 port, int timeoutMs)
{
    m_socket.open(QUrl(
        QStringLiteral("%1://127.0.0.1:%2/").arg(QLatin1String(m_tls ? "wss" : "ws")).arg(port)));
    return QTest::qWaitFor([this] { return isConnected(); }, timeoutMs);
}

bool WireClient::waitForDisconnected(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::UnconnectedState; },
                           timeoutMs);
}

quint64 WireClient::post(pb::Envelope envelope)
{
    const quint64 id = m_nextRequestId++;
    envelope.set_request_id(id);
    m_socket.sendBinaryMessage(Codec::encode(envelope));
    return id;
}

pb::Envelope WireClient::waitForResponse(quint64 requestId, int timeoutMs)
{
    static_cast<void>(QTest::qWaitFor(
        [&] { return m_responses.contains(requestId) || !isConnected(); }, timeoutMs));
    return m_responses.take(requestId);
}

pb::Envelope WireClient::request(pb::Envelope envelope, int timeoutMs)
{
    return waitForResponse(post(std::move(envelope)), timeoutMs);
}

pb::Envelope WireClient::hello(unsigned major)
{
    pb::Envelope e;
    auto *hello = e.mutable_hello();
    hello->set_protocol_major(major);
    hello->set_client_name("wireclient");
    hello->set_client_version("test");
    hello->set_device_id(deviceId.toStdString());
    return request(e);
}

static void remember(const pb::Envelope &reply, quint64 *userId, QString *token)
{
    if (reply.has_auth_ok()) {
        *userId = reply.auth_ok().user().user_id();
        *token = QString::fromStdString(reply.auth_ok().token());
    }
}

pb::Envelope WireClient::registerAccount(const QString &username, const QString &password)
{
    pb::Envelope e;
    e.mutable_register_account()->set_username(username.toStdString());
    e.mutable_register_account()->set_password(password.toStdString());
    const pb::Envelope reply = request(e);
    remember(reply, &m_userId, &m_token);
    return reply;
}

pb::Envelope WireClient::login(const QString &username, const QString &password)
{
    pb::Envelope e;
    e.mutable_login()->set_username(username.toStdString());
    e.mutable_login()->set_password(password.toStdString());
    const pb::Envelope reply = request(e);
    remember(reply, &m_userId, &m_token);
    return reply;
}

pb::Envelope WireClient::resume(const QString &token)
{
    pb::Envelope e;
    e.mutable_resume()->set_token(token.toStdString());
    const pb::Envelope reply = request(e);
    remember(reply, &m_userId, &m_token);
    return reply;
}

bool WireClient::connectAs(quint16 port, const QString &username, bool registerFirst)
{
    if (!open(port) || !hello().has_welcome())
        return false;
    const pb::Envelope reply = registerFirst ? registerAccount(username) : login(username);
    if (!reply.has_auth_ok())
        qWarning() << "cannot sign in as" << username << reply.error().message().c_str();
    return reply.has_auth_ok();
}

pb::Envelope WireClient::sendTo(const QString &peer, const QString &text, const QUuid &clientId)
{
    pb::Envelope e;
    auto *send = e.mutable_send_message();
    send->set_client_id(uuidToWire(clientId));
    send->set_peer_username(peer.toStdString());
    send->set_text(text.toStdString());
    return e;
}

pb::Envelope WireClient::sendIn(quint64 conversationId, const QString &text, const QUuid &clientId)
{
    pb::Envelope e;
    auto *send = e.mutable_send_message();
    send->set_client_id(uuidToWire(clientId));
    send->set_conversation_id(conversationId);
    send->set_text(text.toStdString());
    return e;
}

bool WireClient::waitForEvents(int count, int timeoutMs)
{
    return QTest::qWaitFor([&] { return m_events.size() >= count; }, timeoutMs);
}
