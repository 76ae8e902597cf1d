// confab-loadgen: drives a running confabd over loopback with N authenticated users and prints
// figures and one JSON line. Modes:
//   throughput  each user keeps `window` messages in flight to random peers: acked msgs/s
//   rate        open loop at `rate` msgs/s in total: ack and send->receive latency percentiles
//   idle        holds N authenticated connections: server RSS per connection
// Every run is bounded by --seconds and stops by itself; only 127.0.0.1 is ever contacted.
#include "benchsupport.h"

#include <confab/codec.h>
#include <confab/ids.h>
#include <unistd.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTimer>
#include <QWebSocket>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

using namespace Confab;

namespace {

struct ProcessSample
{
    qint64 rssKb = 0;
    qint64 cpuTicks = 0;
};

ProcessSample sample(qint64 pid)
{
    ProcessSample s;
    if (pid <= 0)
        return s;
    s.rssKb = Bench::rssKb(pid);
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (stat.open(QIODevice::ReadOnly)) {
        const QByteArray text = stat.readAll();
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        s.cpuTicks = fields.value(11).toLongLong() + fields.value(12).toLongLong(); // utime + stime
    }
    return s;
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, size_t(p * double(values.size())))];
}

class User;

struct Run
{
    QString mode;
    quint16 port = 7700;
    int users = 100;
    int window = 8;
    int rate = 1000;
    int seconds = 10;
    qint64 serverPid = 0;
    QElapsedTimer clock;
    bool measuring = false;
    qint64 acked = 0;
    qint64 delivered = 0;
    qint64 errors = 0;
    std::vector<double> ackMs;
    std::vector<double> deliveryMs;
    std::vector<std::unique_ptr<User>> all;
    int ready = 0;
};

//! One simulated user: a WebSocket, Hello, register-or-login, then sending.
class User final : public QObject
{
public:
    User(Run &run, int index) : m_run(run), m_index(index)
    {
        m_socket.setParent(this);
        connect(&m_socket, &QWebSocket::connected, this, [this] {
            pb::Envelope e;
            e.set_request_id(1);
            e.mutable_hello()->set_protocol_major(1);
            e.mutable_hello()->set_client_name("loadgen");
            e.mutable_hello()->set_device_id(uuidToWire(QUuid::createUuid()));
            m_socket.sendBinaryMessage(Codec::encode(e));
        });
        connect(&m_socket, &QWebSocket::binaryMessageReceived, this, &User::onFrame);
        connect(&m_socket, &QWebSocket::disconnected, this, [this] {
            if (m_run.measuring)
                ++m_run.errors;
        });
        m_socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_run.port)));
    }

    QString name() const { return QStringLiteral("load%1").arg(m_index); }

    void sendOne()
    {
        const int peer =
            (m_index + 1 + int(QRandomGenerator::global()->bounded(m_run.users - 1))) % m_run.users;
        pb::Envelope e;
        e.set_request_id(m_nextRequest++);
        auto *send = e.mutable_send_message();
        send->set_client_id(uuidToWire(QUuid::createUuid()));
        send->set_peer_username(QStringLiteral("load%1").arg(peer).toStdString());
        // The send time travels in the text, so the receiver can measure send->receive.
        send->set_text(QStringLiteral("%1 lorem ipsum dolor sit amet, consectetur adipiscing elit")
                           .arg(m_run.clock.nsecsElapsed())
                           .toStdString());
        m_sentAt.insert(e.request_id(), m_run.clock.nsecsElapsed());
        m_socket.sendBinaryMessage(Codec::encode(e));
    }

    int inFlight() const { return int(m_sentAt.size()); }

private:
    void signUp()
    {
        pb::Envelope auth;
        auth.set_request_id(2);
        auth.mutable_register_account()->set_username(name().toStdString());
        auth.mutable_register_account()->set_password("loadgen-password");
        m_socket.sendBinaryMessage(Codec::encode(auth));
    }

    void onFrame(const QByteArray &frame)
    {
        Limits roomy;
        roomy.maxFrameBytes = 64 << 20;
        auto decoded = Codec::decode(frame, roomy);
        if (!decoded) {
            ++m_run.errors;
            return;
        }
        const pb::Envelope &e = decoded.value();
        if (e.has_welcome()) {
            signUp();
        } else if (e.has_error() && e.request_id() <= 3 && e.error().code() == pb::UNAVAILABLE) {
            // The server bounds concurrent sign-ins; retry after its hint, as a real client does.
            QTimer::singleShot(int(e.error().retry_after_ms())
                                   + QRandomGenerator::global()->bounded(500),
                               this, [this] { signUp(); });
        } else if (e.has_error() && e.request_id() == 2 && e.error().code() == pb::USERNAME_TAKEN) {
            pb::Envelope auth;
            auth.set_request_id(3);
            auth.mutable_login()->set_username(name().toStdString());
            auth.mutable_login()->set_password("loadgen-password");
            m_socket.sendBinaryMessage(Codec::encode(auth));
        } else if (e.has_auth_ok()) {
            ++m_run.ready;
        } else if (e.has_message_ack()) {
            const qint64 sentAt = m_sentAt.take(e.request_id());
            if (m_run.measuring) {
                ++m_run.acked;
                m_run.ackMs.push_back(double(m_run.clock.nsecsElapsed() - sentAt) / 1e6);
            }
            if (m_run.mode == QLatin1String("throughput") && m_run.measuring)
                sendOne();
        } else if (e.has_message_event()) {
            if (m_run.measuring) {
                ++m_run.delivered;
                const qint64 sentAt = QByteArray::fromStdString(e.message_event().message().text())
                                          .split(' ')
                                          .value(0)
                                          .toLongLong();
                m_run.deliveryMs.push_back(double(m_run.clock.nsecsElapsed() - sentAt) / 1e6);
            }
        } else if (e.has_error()) {
            m_sentAt.remove(e.request_id());
            ++m_run.errors;
            if (m_run.errors < 5)
                std::fprintf(stderr, "loadgen: server error: %s\n", e.error().message().c_str());
        }
    }

    Run &m_run;
    const int m_index;
    QWebSocket m_socket;
    quint64 m_nextRequest = 10;
    QHash<quint64, qint64> m_sentAt;
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Confab load generator (loopback only)."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("mode"),
                                 QStringLiteral("throughput, rate or idle"));
    parser.addOptions(
        { { QStringLiteral("port"), QStringLiteral("confabd's port on 127.0.0.1"),
            QStringLiteral("port"), QStringLiteral("7700") },
          { QStringLiteral("users"), QStringLiteral("connections/users"), QStringLiteral("n"),
            QStringLiteral("100") },
          { QStringLiteral("window"), QStringLiteral("throughput: messages in flight per user"),
            QStringLiteral("n"), QStringLiteral("8") },
          { QStringLiteral("rate"), QStringLiteral("rate: total messages per second"),
            QStringLiteral("n"), QStringLiteral("1000") },
          { QStringLiteral("seconds"), QStringLiteral("how long to measure (at most 300)"),
            QStringLiteral("s"), QStringLiteral("10") },
          { QStringLiteral("server-pid"), QStringLiteral("confabd's pid, for its CPU and memory"),
            QStringLiteral("pid"), QStringLiteral("0") } });
    parser.process(app);

    Run run;
    run.mode = parser.positionalArguments().value(0, QStringLiteral("throughput"));
    run.port = quint16(parser.value(QStringLiteral("port")).toUInt());
    run.users = std::max(2, parser.value(QStringLiteral("users")).toInt());
    run.window = std::max(1, parser.value(QStringLiteral("window")).toInt());
    run.rate = std::max(1, parser.value(QStringLiteral("rate")).toInt());
    run.seconds = std::clamp(parser.value(QStringLiteral("seconds")).toInt(), 1, 300);
    run.serverPid = parser.value(QStringLiteral("server-pid")).toLongLong();
    run.clock.start();

    const ProcessSample before = sample(run.serverPid);
    for (int i = 0; i < run.users; ++i)
        run.all.push_back(std::make_unique<User>(run, i));

    QElapsedTimer connectTimer;
    connectTimer.start();
    QTimer deadline;
    deadline.setSingleShot(true);
    ProcessSample start;
    QElapsedTimer measured;
    qint64 connectMs = 0;
    QTimer pacer;

    auto finish = [&] {
        run.measuring = false;
        const double secs = double(measured.elapsed()) / 1000.0;
        const ProcessSample end = sample(run.serverPid);
        const double cpuPct = secs > 0
            ? 100.0 * double(end.cpuTicks - start.cpuTicks) / double(sysconf(_SC_CLK_TCK)) / secs
            : 0;
        QJsonObject json { { QStringLiteral("mode"), run.mode },
                           { QStringLiteral("users"), run.users },
                           { QStringLiteral("seconds"), secs },
                           { QStringLiteral("acked_per_s"), double(run.acked) / secs },
                           { QStringLiteral("delivered_per_s"), double(run.delivered) / secs },
                           { QStringLiteral("errors"), run.errors },
                           { QStringLiteral("ack_p50_ms"), percentile(run.ackMs, 0.50) },
                           { QStringLiteral("ack_p99_ms"), percentile(run.ackMs, 0.99) },
                           { QStringLiteral("e2e_p50_ms"), percentile(run.deliveryMs, 0.50) },
                           { QStringLiteral("e2e_p99_ms"), percentile(run.deliveryMs, 0.99) },
                           { QStringLiteral("server_cpu_pct"), cpuPct },
                           { QStringLiteral("server_rss_before_kb"), before.rssKb },
                           { QStringLiteral("server_rss_kb"), end.rssKb },
                           { QStringLiteral("connect_ms"), double(connectMs) } };
        if (run.mode == QLatin1String("idle") && run.users > 0)
            json.insert(QStringLiteral("server_kb_per_connection"),
                        double(end.rssKb - before.rssKb) / run.users);
        if (run.mode == QLatin1String("rate"))
            json.insert(QStringLiteral("offered_per_s"), run.rate);
        std::printf("%s: %d users signed in in %lld ms; measured %.1f s: acked %.0f/s, delivered "
                    "%.0f/s, errors %lld\n",
                    qPrintable(run.mode), run.users, static_cast<long long>(connectMs), secs,
                    double(run.acked) / secs, double(run.delivered) / secs,
                    static_cast<long long>(run.errors));
        std::printf(
            "  ack latency p50 %.2f ms p99 %.2f ms; send->receive p50 %.2f ms p99 %.2f ms\n",
            percentile(run.ackMs, 0.5), percentile(run.ackMs, 0.99),
            percentile(run.deliveryMs, 0.5), percentile(run.deliveryMs, 0.99));
        std::printf("  server: CPU %.0f %%, RSS %lld -> %lld KB\n", cpuPct,
                    static_cast<long long>(before.rssKb), static_cast<long long>(end.rssKb));
        std::printf("%s\n", QJsonDocument(json).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        app.exit(run.errors > 0 && run.mode != QLatin1String("throughput") ? 1 : 0);
    };

    QTimer waitReady;
    waitReady.setInterval(20);
    QObject::connect(&waitReady, &QTimer::timeout, &app, [&] {
        if (run.ready < run.users) {
            if (connectTimer.elapsed() > 120'000) {
                std::fprintf(stderr, "loadgen: only %d of %d users signed in\n", run.ready,
                             run.users);
                app.exit(1);
            }
            return;
        }
        waitReady.stop();
        connectMs = connectTimer.elapsed();
        start = sample(run.serverPid);
        measured.start();
        run.measuring = run.mode != QLatin1String("idle");
        if (run.mode == QLatin1String("throughput")) {
            for (auto &user : run.all)
                for (int i = 0; i < run.window; ++i)
                    user->sendOne();
        } else if (run.mode == QLatin1String("rate")) {
            pacer.setInterval(5);
            QObject::connect(&pacer, &QTimer::timeout, &app, [&] {
                // Catch up to where the schedule says we should be.
                const qint64 due = measured.elapsed() * run.rate / 1000;
                static qint64 sent = 0;
                while (sent < due) {
                    run.all[size_t(sent % run.users)]->sendOne();
                    ++sent;
                }
            });
            pacer.start();
        }
        deadline.start(run.seconds * 1000);
    });
    QObject::connect(&deadline, &QTimer::timeout, &app, finish);
    waitReady.start();
    return app.exec();
}
