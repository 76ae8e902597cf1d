// libFuzzer target: a real confabd core (Server: sessions, routing, presence, SQLite store in a
// temporary directory) fed frames from a signed-in session. Each input is a list of frames
// (fuzzseeds.h); the session first says Hello and resumes a real token, so the fuzzer reaches
// every request handler. Ids 1 (conversation) and 2 (user) in decodable frames are replaced by the
// session's real direct conversation and peer. tests/fuzz/run.sh runs it.

#include "app/server.h"
#include "fuzzseeds.h"
#include "net/connection.h"

#include <confab/codec.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QPointer>
#include <QTemporaryDir>

#include <cstdlib>
#include <functional>
#include <memory>

using namespace Confab;
using google::protobuf::FieldDescriptor;

namespace {

//! The session's side of a connection that has no socket: frames out are kept.
class FuzzConnection final : public Net::Connection
{
public:
    using Connection::Connection;
    [[nodiscard]] QHostAddress peerAddress() const override
    {
        return QHostAddress(QHostAddress::LocalHost);
    }
    [[nodiscard]] quint16 peerPort() const override { return 40000; }
    void sendBinary(const QByteArray &frame) override
    {
        if (!m_closed)
            sent.append(frame);
    }
    void close(QWebSocketProtocol::CloseCode, const QString &) override
    {
        if (m_closed)
            return;
        m_closed = true;
        QMetaObject::invokeMethod(
            this, [this] { Q_EMIT disconnected(); }, Qt::QueuedConnection);
    }
    void ping() override { }
    [[nodiscard]] bool isClosed() const { return m_closed; }

    QList<QByteArray> sent;

private:
    bool m_closed = false;
};

struct World
{
    QTemporaryDir dir;
    std::unique_ptr<Server> server;
    QString token; //!< the fuzzing user's
    quint64 peerId = 0;
    quint64 conversationId = 0; //!< the fuzzing user's direct conversation with the peer
};
World *world = nullptr;

bool spin(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }
    return true;
}

pb::Envelope answerTo(const FuzzConnection &connection, quint64 requestId)
{
    Limits roomy;
    roomy.maxFrameBytes = 64 << 20;
    for (const QByteArray &frame : connection.sent) {
        auto decoded = Codec::decode(frame, roomy);
        if (decoded && decoded.value().request_id() == requestId)
            return decoded.value();
    }
    return {};
}

//! Opens a session, says Hello and sends `auth`; returns the answer (empty: none in time).
pb::Envelope signIn(QPointer<FuzzConnection> &connection, const pb::Envelope &auth)
{
    connection = new FuzzConnection;
    world->server->adoptConnection(connection);
    const QList<std::pair<QString, QByteArray>> seeds = Fuzz::seedFrames();
    Q_EMIT connection->binaryReceived(seeds.first().second); // hello, request 1
    Q_EMIT connection->binaryReceived(Codec::encode(auth));
    pb::Envelope answer;
    spin(
        [&] {
            answer = connection ? answerTo(*connection, auth.request_id()) : pb::Envelope();
            return !connection || answer.has_auth_ok() || answer.has_error();
        },
        5000);
    return answer;
}

void patchIds(google::protobuf::Message &message)
{
    const auto *descriptor = message.GetDescriptor();
    const auto *reflection = message.GetReflection();
    for (int i = 0; i < descriptor->field_count(); ++i) {
        const FieldDescriptor *field = descriptor->field(i);
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
            if (field->is_repeated()) {
                for (int k = 0; k < reflection->FieldSize(message, field); ++k)
                    patchIds(*reflection->MutableRepeatedMessage(&message, field, k));
            } else if (reflection->HasField(message, field)) {
                patchIds(*reflection->MutableMessage(&message, field));
            }
            continue;
        }
        if (field->cpp_type() != FieldDescriptor::CPPTYPE_UINT64)
            continue;
        const bool conversation = field->name() == "conversation_id";
        const bool user =
            field->name().find("user") != std::string::npos || field->name() == "member_ids";
        auto swap = [&](quint64 value) {
            if (conversation && value == 1)
                return world->conversationId;
            if (user && value == 2)
                return world->peerId;
            return value;
        };
        if (field->is_repeated()) {
            for (int k = 0; k < reflection->FieldSize(message, field); ++k)
                reflection->SetRepeatedUInt64(
                    &message, field, k, swap(reflection->GetRepeatedUInt64(message, field, k)));
        } else if (reflection->HasField(message, field)) {
            reflection->SetUInt64(&message, field, swap(reflection->GetUInt64(message, field)));
        }
    }
}

QByteArray patched(const QByteArray &frame)
{
    static const Limits limits;
    auto decoded = Codec::decode(frame, limits);
    if (!decoded)
        return frame; // as it came: the server must refuse it on its own
    patchIds(decoded.value());
    // A password change goes through (the code runs) but keeps the password: the next input
    // must be able to sign in again after one that also logged out.
    if (decoded.value().has_change_password())
        decoded.value().mutable_change_password()->set_new_password("password123");
    return Codec::encode(decoded.value());
}

void closeAndSettle(QPointer<FuzzConnection> &connection)
{
    if (connection)
        Q_EMIT connection->disconnected(); // the peer is gone
    // The connection goes with its session, which the server deletes once it closed.
    if (!spin([&connection] { return connection.isNull(); }, 5000))
        qFatal("a session did not close after its peer left");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    QList<std::pair<QString, QByteArray>> seeds;
    for (const auto &[name, frame] : Fuzz::seedFrames()) {
        if (name != QLatin1String("hello") && name != QLatin1String("resume"))
            seeds.append({ name, Fuzz::joinFrames({ frame }) });
    }
    QList<QByteArray> all;
    for (const auto &[name, frame] : Fuzz::seedFrames())
        all.append(frame);
    seeds.append({ QStringLiteral("all-requests"), Fuzz::joinFrames(all) });
    if (Fuzz::writeSeedsIfAsked(seeds))
        std::exit(0);

    QLoggingCategory::setFilterRules(
        QStringLiteral("*.debug=false\n*.info=false\n*.warning=false"));
    new QCoreApplication(*argc, *argv); // for the life of the process
    world = new World;
    // The world lives for the process: at libFuzzer's normal end (exit(0) after its stats; a
    // crash or timeout ends with _Exit and its own code) the process ends here, before static
    // destructors run while the server's threads (store, checkpoints, files) still do.
    std::atexit([] { std::_Exit(0); });
    ServerConfig config;
    config.dataDir = world->dir.path();
    config.port = 0;
    config.hashCost = Auth::HashCost::minimum();
    config.limits.ratePerSecond = 1'000'000;
    config.limits.rateBurst = 1'000'000;
    config.userRatePerSecond = 0;
    config.registrationsPerAddressPerHour = 0;
    config.maxConnectionsPerAddress = 0;
    config.loginFailuresPerUser = 1'000'000;
    config.loginFailuresPerAddress = 1'000'000;
    world->server = std::make_unique<Server>(config);
    if (!world->server->start())
        qFatal("confabd core did not start");

    auto registration = [](const char *name) {
        pb::Envelope e;
        e.set_request_id(100);
        e.mutable_register_account()->set_username(name);
        e.mutable_register_account()->set_password("password123");
        return e;
    };
    QPointer<FuzzConnection> peer;
    const pb::Envelope peerOk = signIn(peer, registration("peer"));
    QPointer<FuzzConnection> fuzzer;
    const pb::Envelope fuzzOk = signIn(fuzzer, registration("fuzz"));
    if (!peerOk.has_auth_ok() || !fuzzOk.has_auth_ok())
        qFatal("cannot register the fuzzing users");
    world->peerId = peerOk.auth_ok().user().user_id();
    world->token = QString::fromStdString(fuzzOk.auth_ok().token());
    pb::Envelope first;
    first.set_request_id(101);
    first.mutable_send_message()->set_client_id(QUuid::createUuid().toRfc4122().toStdString());
    first.mutable_send_message()->set_peer_user_id(world->peerId);
    first.mutable_send_message()->set_text("the conversation the fuzzer writes in");
    Q_EMIT fuzzer->binaryReceived(Codec::encode(first));
    pb::Envelope ack;
    spin(
        [&] {
            ack = answerTo(*fuzzer, 101);
            return ack.has_message_ack() || ack.has_error();
        },
        5000);
    if (!ack.has_message_ack())
        qFatal("cannot open the fuzzer's conversation");
    world->conversationId = ack.message_ack().conversation_id();
    closeAndSettle(peer);
    closeAndSettle(fuzzer);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pb::Envelope resume;
    resume.set_request_id(2);
    resume.mutable_resume()->set_token(world->token.toStdString());
    QPointer<FuzzConnection> connection;
    if (!signIn(connection, resume).has_auth_ok()) {
        // An input that logged out revoked the token: sign in again with the password.
        closeAndSettle(connection);
        pb::Envelope login;
        login.set_request_id(3);
        login.mutable_login()->set_username("fuzz");
        login.mutable_login()->set_password("password123");
        const pb::Envelope ok = signIn(connection, login);
        if (!ok.has_auth_ok())
            qFatal("the fuzzer's session could not sign in again");
        world->token = QString::fromStdString(ok.auth_ok().token());
    }
    for (const QByteArray &frame : Fuzz::splitFrames(data, size)) {
        if (!connection || connection->isClosed())
            break; // the server closed it: a protocol violation, a logout
        Q_EMIT connection->binaryReceived(patched(frame));
        QCoreApplication::processEvents();
    }
    // Let the store answer what it was asked, then the peer leaves.
    int quietPasses = 0;
    qsizetype lastSent = -1;
    spin(
        [&] {
            const qsizetype now = connection ? connection->sent.size() : -1;
            quietPasses = now == lastSent ? quietPasses + 1 : 0;
            lastSent = now;
            return quietPasses >= 3;
        },
        2000);
    closeAndSettle(connection);
    return 0;
}
