// confab-loadgen: drives a running confabd over loopback with N authenticated users and prints
// figures and one JSON line. Modes:
//   throughput  each user keeps `window` messages in flight to random peers: acked msgs/s
//   rate        open loop at `rate` msgs/s in total: ack and send->receive latency percentiles
//               With --idle N, N more users stay signed in and silent meanwhile.
//   idle        holds N authenticated connections: server RSS per connection
//   group       the users form one group (the first creates it with the rest); `senders` of them
//               send `messages` in all into it, each keeping `window` in flight until every other
//               member has it: fan-out deliveries/s and send->last-member latency. Fails (exit 1)
//               if not every delivery arrived within --seconds. With --rate, open loop instead:
//               the senders take turns at `rate` msgs/s in all (the peers' MUC scenario).
//   resume-storm    every user drops its connection and resumes its session with its token, all
//                   at once: resumes/s and time to the last one.
//   reconnect-storm each user sends a message, then all drop at once, resume and sync from
//                   scratch: time until every user has its whole history again. Both fail (exit
//                   1) if not every user made it within --seconds.
// Every run is bounded by --seconds and stops by itself; only 127.0.0.1 is ever contacted.
#include "benchsupport.h"

#include <confab/codec.h>
#ifdef Q_OS_LINUX
#include <confab/epolldispatcher.h>
#endif
#include <confab/ids.h>
#include <unistd.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

using namespace Confab;

namespace {

struct ProcessSample
{
    qint64 rssKb = 0;
    qint64 anonKb = 0;
    qint64 cpuTicks = 0;
    qint64 diskWriteBytes = 0; //!< what the process sent to the block layer (/proc/PID/io)
};

ProcessSample sample(qint64 pid)
{
    ProcessSample s;
    if (pid <= 0)
        return s;
    s.rssKb = Bench::rssKb(pid);
    s.anonKb = Bench::anonKb(pid);
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (stat.open(QIODevice::ReadOnly)) {
        const QByteArray text = stat.readAll();
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        s.cpuTicks = fields.value(11).toLongLong() + fields.value(12).toLongLong(); // utime + stime
    }
    QFile io(QStringLiteral("/proc/%1/io").arg(pid));
    if (io.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : io.readAll().split('\n'))
            if (line.startsWith("write_bytes:"))
                s.diskWriteBytes = line.mid(12).trimmed().toLongLong();
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
    qint64 sentMeasured = 0; //!< rate, throughput: messages sent while measuring
    double sendSecs = 0; //!< rate: how long it sent (then it waits for what is in flight)
    int idle = 0; //!< rate: more users, signed in and silent (what the server holds meanwhile)
    bool randomClientIds = false; //!< version 4 UUIDs as message client ids (ours: version 7)
    //! wss://, trusting whatever certificate the server shows (a loopback benchmark only)
    bool tls = false;
    [[nodiscard]] QUrl url() const
    {
        return QUrl(
            QStringLiteral("%1://127.0.0.1:%2/").arg(QLatin1String(tls ? "wss" : "ws")).arg(port));
    }
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

    // group mode: the group, and per message (by its number) when, by whom, and how many got it.
    int messages = 2000;
    int senders = 4;
    int groupRate = 0; //!< open loop at this many msgs/s in all; 0: closed loop (window)
    quint64 groupId = 0;
    int joined = 0; //!< members told of the group (its CREATED entry)
    qint64 sent = 0;
    qint64 fannedOut = 0; //!< messages every other member has
    qint64 startNs = 0;
    qint64 doneNs = 0; //!< when the last delivery and the last ack had arrived
    std::vector<qint64> groupSentAt;
    std::vector<int> groupSender;
    std::vector<int> groupReceived;
    std::vector<double> fanoutMs; //!< send -> the last member received it
    std::function<void()> onDone;

    [[nodiscard]] bool isGroup() const { return mode == QLatin1String("group"); }
    [[nodiscard]] bool isStorm() const
    {
        return mode == QLatin1String("resume-storm") || mode == QLatin1String("reconnect-storm");
    }

    // storms: messages acked before the storm, users back (resumed; synced), and how long each
    // took.
    int prepared = 0;
    int resumed = 0;
    int synced = 0;
    qint64 syncedMessages = 0;
    std::vector<double> resumeMs; //!< drop -> AuthOk(resumed)
    std::vector<double> syncMs; //!< drop -> the last sync page
    void checkStormDone()
    {
        const int target = mode == QLatin1String("reconnect-storm") ? synced : resumed;
        if (isStorm() && measuring && doneNs == 0 && target == users) {
            doneNs = clock.nsecsElapsed();
            if (onDone)
                onDone();
        }
    }
    [[nodiscard]] qint64 expectedDeliveries() const { return qint64(messages) * (users - 1); }
    void checkDone()
    {
        if (isGroup() && measuring && doneNs == 0 && fannedOut == messages && acked == messages) {
            doneNs = clock.nsecsElapsed();
            if (onDone)
                onDone();
        }
    }
};

//! One simulated user: a WebSocket, Hello, register-or-login, then sending.
class User final : public QObject
{
public:
    User(Run &run, int index) : m_run(run), m_index(index)
    {
        m_socket.setParent(this);
        connect(&m_socket, &QWebSocket::connected, this, [this] {
            // Small frames go out at once (as confabd's and the app's do): no Nagle delay.
            if (auto *tcp = m_socket.findChild<QTcpSocket *>())
                tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            else
                std::fprintf(stderr, "loadgen: no TCP socket under the WebSocket\n");
            pb::Envelope e;
            e.set_request_id(1);
            e.mutable_hello()->set_protocol_major(1);
            e.mutable_hello()->set_client_name("loadgen");
            e.mutable_hello()->set_device_id(m_deviceId); // the same device when it comes back
            m_socket.sendBinaryMessage(Codec::encode(e));
        });
        connect(&m_socket, &QWebSocket::binaryMessageReceived, this, &User::onFrame);
        connect(&m_socket, &QWebSocket::sslErrors, this, [this] { m_socket.ignoreSslErrors(); });
        connect(&m_socket, &QWebSocket::disconnected, this, [this] {
            if (m_run.measuring && !m_dropping)
                ++m_run.errors;
        });
        m_socket.open(m_run.url());
    }

    QString name() const { return QStringLiteral("load%1").arg(m_index); }

    void sendOne()
    {
        pb::Envelope e;
        e.set_request_id(m_nextRequest++);
        auto *send = e.mutable_send_message();
        send->set_client_id(
            uuidToWire(m_run.randomClientIds ? QUuid::createUuid() : createTimeOrderedUuid()));
        const qint64 now = m_run.clock.nsecsElapsed();
        if (m_run.isGroup()) {
            // Into the group; the message's number follows the send time, to count its deliveries.
            const qint64 number = m_run.sent++;
            m_run.groupSentAt.push_back(now);
            m_run.groupSender.push_back(m_index);
            m_run.groupReceived.push_back(0);
            send->set_conversation_id(m_run.groupId);
            send->set_text(QStringLiteral("%1 %2 lorem ipsum dolor sit amet, consectetur elit")
                               .arg(now)
                               .arg(number)
                               .toStdString());
        } else {
            const int peer =
                (m_index + 1 + int(QRandomGenerator::global()->bounded(m_run.users - 1)))
                % m_run.users;
            send->set_peer_username(QStringLiteral("load%1").arg(peer).toStdString());
            // The send time travels in the text, so the receiver can measure send->receive.
            send->set_text(
                QStringLiteral("%1 lorem ipsum dolor sit amet, consectetur adipiscing elit")
                    .arg(now)
                    .toStdString());
        }
        m_sentAt.insert(e.request_id(), now);
        if (m_run.measuring && !m_run.isGroup())
            ++m_run.sentMeasured;
        m_socket.sendBinaryMessage(Codec::encode(e));
    }

    //! group mode: the first user creates the group with every other user.
    void createGroup()
    {
        pb::Envelope e;
        e.set_request_id(kCreateGroupRequest);
        auto *create = e.mutable_create_group();
        create->set_client_id(uuidToWire(QUuid::createUuid()));
        create->set_title("fanout");
        for (int i = 0; i < m_run.users; ++i)
            if (i != m_index)
                create->add_member_usernames(QStringLiteral("load%1").arg(i).toStdString());
        m_socket.sendBinaryMessage(Codec::encode(e));
    }

    int inFlight() const { return int(m_sentAt.size()); }

    //! storms: drop the connection at once (no close handshake, like a lost network), connect
    //! again and resume with the token; then sync from scratch if asked.
    void dropAndResume(bool sync)
    {
        m_dropping = true;
        m_socket.abort();
        m_dropping = false;
        m_resuming = true;
        m_syncAfter = sync;
        m_droppedNs = m_run.clock.nsecsElapsed();
        m_socket.open(m_run.url());
    }

private:
    static constexpr quint64 kCreateGroupRequest = 5;

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
        if (e.has_welcome() && m_resuming) {
            pb::Envelope resume;
            resume.set_request_id(4);
            resume.mutable_resume()->set_token(m_token);
            m_socket.sendBinaryMessage(Codec::encode(resume));
        } else if (e.has_welcome()) {
            signUp();
        } else if (e.has_auth_ok() && e.auth_ok().resumed()) {
            m_resuming = false;
            ++m_run.resumed;
            m_run.resumeMs.push_back(double(m_run.clock.nsecsElapsed() - m_droppedNs) / 1e6);
            if (m_syncAfter)
                requestSync();
            m_run.checkStormDone();
        } else if (e.has_sync_page()) {
            const pb::SyncPage &page = e.sync_page();
            m_run.syncedMessages += page.messages_size();
            for (const pb::Message &message : page.messages())
                m_cursors[message.conversation_id()] = message.seq();
            if (page.has_more()) {
                requestSync();
            } else {
                ++m_run.synced;
                m_run.syncMs.push_back(double(m_run.clock.nsecsElapsed() - m_droppedNs) / 1e6);
                m_run.checkStormDone();
            }
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
            m_token = e.auth_ok().token();
            ++m_run.ready;
        } else if (e.has_message_ack() && m_run.isStorm()) {
            m_sentAt.remove(e.request_id());
            ++m_run.prepared;
        } else if (e.has_message_ack()) {
            const qint64 sentAt = m_sentAt.take(e.request_id());
            if (m_run.measuring) {
                ++m_run.acked;
                m_run.ackMs.push_back(double(m_run.clock.nsecsElapsed() - sentAt) / 1e6);
            }
            if (m_run.mode == QLatin1String("throughput") && m_run.measuring)
                sendOne();
            m_run.checkDone();
        } else if (e.has_message_event()) {
            const pb::Message &message = e.message_event().message();
            if (message.has_group_event()) {
                if (message.group_event().kind() == pb::GroupEvent::CREATED)
                    ++m_run.joined;
            } else if (m_run.measuring) {
                ++m_run.delivered;
                const qint64 now = m_run.clock.nsecsElapsed();
                const QList<QByteArray> words =
                    QByteArray::fromStdString(message.text()).split(' ');
                m_run.deliveryMs.push_back(double(now - words.value(0).toLongLong()) / 1e6);
                if (m_run.isGroup())
                    countGroupDelivery(words.value(1).toLongLong(), now);
            }
        } else if (e.has_group_result() && e.request_id() == kCreateGroupRequest) {
            m_run.groupId = e.group_result().conversation().conversation_id();
        } else if (e.has_error()) {
            m_sentAt.remove(e.request_id());
            ++m_run.errors;
            if (m_run.errors < 5)
                std::fprintf(stderr, "loadgen: server error: %s\n", e.error().message().c_str());
        }
    }

    //! group mode: one member has message `number`; when the last has it, its sender sends on.
    void countGroupDelivery(qint64 number, qint64 now)
    {
        const auto i = size_t(number);
        if (number < 0 || i >= m_run.groupReceived.size() || m_run.groupSender[i] == m_index
            || m_run.groupReceived[i] >= m_run.users - 1) {
            // An unknown number, an echo to the sending session, or a duplicate.
            ++m_run.errors;
            return;
        }
        if (++m_run.groupReceived[i] < m_run.users - 1)
            return;
        m_run.fanoutMs.push_back(double(now - m_run.groupSentAt[i]) / 1e6);
        ++m_run.fannedOut;
        if (m_run.groupRate == 0 && m_run.sent < m_run.messages)
            m_run.all[size_t(m_run.groupSender[i])]->sendOne();
        m_run.checkDone();
    }

    void requestSync()
    {
        pb::Envelope e;
        e.set_request_id(m_nextRequest++);
        auto *sync = e.mutable_sync_request();
        for (auto it = m_cursors.cbegin(); it != m_cursors.cend(); ++it) {
            auto *cursor = sync->add_cursors();
            cursor->set_conversation_id(it.key());
            cursor->set_seq(it.value());
        }
        m_socket.sendBinaryMessage(Codec::encode(e));
    }

    Run &m_run;
    const int m_index;
    const std::string m_deviceId = uuidToWire(QUuid::createUuid());
    std::string m_token;
    bool m_dropping = false;
    bool m_resuming = false;
    bool m_syncAfter = false;
    qint64 m_droppedNs = 0;
    QHash<quint64, quint64> m_cursors; //!< conversation -> the highest seq synced
    QWebSocket m_socket;
    quint64 m_nextRequest = 10;
    QHash<quint64, qint64> m_sentAt;
};

} // namespace

int main(int argc, char *argv[])
{
#ifdef Q_OS_LINUX
    // Many connections on one thread: the loader must not be what saturates first.
    if (Confab::EpollEventDispatcher::wanted())
        QCoreApplication::setEventDispatcher(new Confab::EpollEventDispatcher);
#endif
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Confab load generator (loopback only)."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("mode"),
                                 QStringLiteral("throughput, rate, idle, group, resume-storm or "
                                                "reconnect-storm"));
    parser.addOptions(
        { { QStringLiteral("port"), QStringLiteral("confabd's port on 127.0.0.1"),
            QStringLiteral("port"), QStringLiteral("7700") },
          { QStringLiteral("users"), QStringLiteral("connections/users (group: its members)"),
            QStringLiteral("n"), QStringLiteral("100") },
          { QStringLiteral("window"),
            QStringLiteral("throughput: messages in flight per user; group: per sender, until "
                           "every member has it"),
            QStringLiteral("n"), QStringLiteral("8") },
          { QStringLiteral("messages"), QStringLiteral("group: messages to send in all"),
            QStringLiteral("n"), QStringLiteral("2000") },
          { QStringLiteral("senders"), QStringLiteral("group: members that send"),
            QStringLiteral("n"), QStringLiteral("4") },
          { QStringLiteral("rate"),
            QStringLiteral("rate: total messages per second; group: the same, open loop"),
            QStringLiteral("n"), QStringLiteral("1000") },
          { QStringLiteral("idle"),
            QStringLiteral("rate: this many more users stay signed in and silent"),
            QStringLiteral("n"), QStringLiteral("0") },
          { QStringLiteral("random-client-ids"),
            QStringLiteral("random (version 4) message client ids, as some clients send, instead "
                           "of time-ordered ones (version 7), as the Confab app sends") },
          { QStringLiteral("seconds"),
            QStringLiteral("how long to measure (at most 300); group: the time limit"),
            QStringLiteral("s"), QStringLiteral("10") },
          { QStringLiteral("tls"),
            QStringLiteral("connect with wss:// (confabd with [tls]); any certificate is "
                           "accepted: loopback only") },
          { QStringLiteral("server-pid"), QStringLiteral("confabd's pid, for its CPU and memory"),
            QStringLiteral("pid"), QStringLiteral("0") } });
    parser.process(app);

    Run run;
    run.mode = parser.positionalArguments().value(0, QStringLiteral("throughput"));
    run.port = quint16(parser.value(QStringLiteral("port")).toUInt());
    run.users = std::max(2, parser.value(QStringLiteral("users")).toInt());
    run.window = std::max(1, parser.value(QStringLiteral("window")).toInt());
    run.rate = std::max(1, parser.value(QStringLiteral("rate")).toInt());
    if (run.mode == QLatin1String("rate"))
        run.idle = std::clamp(parser.value(QStringLiteral("idle")).toInt(), 0, 20'000);
    run.seconds = std::clamp(parser.value(QStringLiteral("seconds")).toInt(), 1, 300);
    run.messages = std::clamp(parser.value(QStringLiteral("messages")).toInt(), 1, 1'000'000);
    run.senders = std::clamp(parser.value(QStringLiteral("senders")).toInt(), 1, run.users);
    run.serverPid = parser.value(QStringLiteral("server-pid")).toLongLong();
    run.randomClientIds = parser.isSet(QStringLiteral("random-client-ids"));
    run.tls = parser.isSet(QStringLiteral("tls"));
    if (run.isGroup() && parser.isSet(QStringLiteral("rate")))
        run.groupRate = run.rate;
    run.clock.start();

    const ProcessSample before = sample(run.serverPid);
    for (int i = 0; i < run.users + run.idle; ++i)
        run.all.push_back(std::make_unique<User>(run, i));

    QElapsedTimer connectTimer;
    connectTimer.start();
    QTimer deadline;
    deadline.setSingleShot(true);
    ProcessSample start;
    ProcessSample selfStart;
    QElapsedTimer measured;
    qint64 connectMs = 0;
    qint64 groupMs = 0;
    bool finished = false;
    bool preparing = false;
    QTimer pacer;
    ProcessSample sentEnd; //!< rate: when it stopped sending
    ProcessSample selfSentEnd;

    auto finish = [&] {
        if (finished)
            return;
        finished = true;
        deadline.stop();
        run.measuring = false;
        const bool complete = run.doneNs > 0;
        // group: until the last delivery (or ack), to the nanosecond; otherwise the fixed period.
        const double secs = (run.isGroup() || run.isStorm()) && complete
            ? double(run.doneNs - run.startNs) / 1e9
            : run.sendSecs > 0 ? run.sendSecs
                               : double(measured.elapsed()) / 1000.0;
        // rate: CPU while sending (the samples taken when it stopped), memory at the end.
        const ProcessSample end = sample(run.serverPid);
        const ProcessSample selfEnd = sample(QCoreApplication::applicationPid());
        const ProcessSample cpuEnd = run.sendSecs > 0 ? sentEnd : end;
        const ProcessSample selfCpuEnd = run.sendSecs > 0 ? selfSentEnd : selfEnd;
        const auto cpuPercent = [secs](const ProcessSample &from, const ProcessSample &to) {
            return secs > 0
                ? 100.0 * double(to.cpuTicks - from.cpuTicks) / double(sysconf(_SC_CLK_TCK)) / secs
                : 0;
        };
        const double cpuPct = cpuPercent(start, cpuEnd);
        QJsonObject json { { QStringLiteral("mode"), run.mode },
                           { QStringLiteral("users"), run.users },
                           { QStringLiteral("seconds"), secs },
                           { QStringLiteral("acked_per_s"), double(run.acked) / secs },
                           { QStringLiteral("delivered_per_s"), double(run.delivered) / secs },
                           { QStringLiteral("errors"), run.errors },
                           { QStringLiteral("ack_p50_ms"), percentile(run.ackMs, 0.50) },
                           { QStringLiteral("ack_p90_ms"), percentile(run.ackMs, 0.90) },
                           { QStringLiteral("ack_p99_ms"), percentile(run.ackMs, 0.99) },
                           { QStringLiteral("ack_max_ms"), percentile(run.ackMs, 1.0) },
                           { QStringLiteral("e2e_p50_ms"), percentile(run.deliveryMs, 0.50) },
                           { QStringLiteral("e2e_p90_ms"), percentile(run.deliveryMs, 0.90) },
                           { QStringLiteral("e2e_p99_ms"), percentile(run.deliveryMs, 0.99) },
                           { QStringLiteral("e2e_max_ms"), percentile(run.deliveryMs, 1.0) },
                           { QStringLiteral("server_cpu_pct"), cpuPct },
                           { QStringLiteral("loader_cpu_pct"), cpuPercent(selfStart, selfCpuEnd) },
                           { QStringLiteral("server_rss_before_kb"), before.rssKb },
                           { QStringLiteral("server_rss_kb"), end.rssKb },
                           { QStringLiteral("server_disk_write_kb_per_s"),
                             double(cpuEnd.diskWriteBytes - start.diskWriteBytes) / 1024 / secs },
                           { QStringLiteral("connect_ms"), double(connectMs) } };
        if (run.mode == QLatin1String("idle") && run.users > 0) {
            json.insert(QStringLiteral("server_kb_per_connection"),
                        double(end.rssKb - before.rssKb) / run.users);
            json.insert(QStringLiteral("server_anon_kb_per_connection"),
                        double(end.anonKb - before.anonKb) / run.users);
        }
        if (run.mode == QLatin1String("rate")) {
            json.insert(QStringLiteral("offered_per_s"), run.rate);
            json.insert(QStringLiteral("sent"), run.sentMeasured);
            json.insert(QStringLiteral("lost"), run.sentMeasured - run.delivered);
            json.insert(QStringLiteral("idle_users"), run.idle);
        }
        if (run.isGroup()) {
            json.insert(QStringLiteral("senders"), run.senders);
            json.insert(QStringLiteral("window"), run.window);
            json.insert(QStringLiteral("offered_per_s"), run.groupRate);
            json.insert(QStringLiteral("messages"), run.messages);
            json.insert(QStringLiteral("deliveries"), run.delivered);
            json.insert(QStringLiteral("expected_deliveries"), run.expectedDeliveries());
            json.insert(QStringLiteral("complete"), complete);
            json.insert(QStringLiteral("messages_per_s"), double(run.fannedOut) / secs);
            json.insert(QStringLiteral("fanout_p50_ms"), percentile(run.fanoutMs, 0.50));
            json.insert(QStringLiteral("fanout_p99_ms"), percentile(run.fanoutMs, 0.99));
            json.insert(QStringLiteral("group_ms"), double(groupMs));
            std::printf("group: %d members signed in in %lld ms, group created in %lld ms; %d "
                        "senders, %s\n",
                        run.users, static_cast<long long>(connectMs),
                        static_cast<long long>(groupMs), run.senders,
                        run.groupRate > 0
                            ? qPrintable(QStringLiteral("%1 msgs/s in all").arg(run.groupRate))
                            : qPrintable(QStringLiteral("%1 in flight each").arg(run.window)));
            std::printf(
                "  %lld of %d messages to all %d others: %lld of %lld deliveries in %.2f s: "
                "%.0f deliveries/s, %.0f messages/s, errors %lld\n",
                static_cast<long long>(run.fannedOut), run.messages, run.users - 1,
                static_cast<long long>(run.delivered),
                static_cast<long long>(run.expectedDeliveries()), secs,
                double(run.delivered) / secs, double(run.fannedOut) / secs,
                static_cast<long long>(run.errors));
            std::printf("  send->last member p50 %.2f ms p99 %.2f ms; send->each member p50 %.2f "
                        "ms p99 %.2f ms; ack p50 %.2f ms p99 %.2f ms\n",
                        percentile(run.fanoutMs, 0.5), percentile(run.fanoutMs, 0.99),
                        percentile(run.deliveryMs, 0.5), percentile(run.deliveryMs, 0.99),
                        percentile(run.ackMs, 0.5), percentile(run.ackMs, 0.99));
        } else if (run.isStorm()) {
            const bool sync = run.mode == QLatin1String("reconnect-storm");
            json.insert(QStringLiteral("complete"), complete);
            json.insert(QStringLiteral("resumed"), run.resumed);
            json.insert(QStringLiteral("resumes_per_s"), double(run.resumed) / secs);
            json.insert(QStringLiteral("resume_p50_ms"), percentile(run.resumeMs, 0.50));
            json.insert(QStringLiteral("resume_p99_ms"), percentile(run.resumeMs, 0.99));
            json.insert(QStringLiteral("resume_max_ms"), percentile(run.resumeMs, 1.0));
            json.insert(QStringLiteral("all_back_ms"), secs * 1000);
            if (sync) {
                json.insert(QStringLiteral("synced"), run.synced);
                json.insert(QStringLiteral("synced_messages"), run.syncedMessages);
                json.insert(QStringLiteral("sync_p50_ms"), percentile(run.syncMs, 0.50));
                json.insert(QStringLiteral("sync_p99_ms"), percentile(run.syncMs, 0.99));
            }
            std::printf(
                "%s: %d users signed in in %lld ms; all dropped at once: %d resumed%s in "
                "%.0f ms: %.0f resumes/s, errors %lld\n",
                qPrintable(run.mode), run.users, static_cast<long long>(connectMs), run.resumed,
                sync ? qPrintable(QStringLiteral(", %1 synced (%2 messages)")
                                      .arg(run.synced)
                                      .arg(run.syncedMessages))
                     : "",
                secs * 1000, double(run.resumed) / secs, static_cast<long long>(run.errors));
            std::printf("  drop->resumed p50 %.1f p99 %.1f max %.1f ms",
                        percentile(run.resumeMs, 0.5), percentile(run.resumeMs, 0.99),
                        percentile(run.resumeMs, 1.0));
            if (sync)
                std::printf("; drop->synced p50 %.1f p99 %.1f max %.1f ms",
                            percentile(run.syncMs, 0.5), percentile(run.syncMs, 0.99),
                            percentile(run.syncMs, 1.0));
            std::printf("\n");
        } else {
            std::printf("%s: %d users (and %d idle) signed in in %lld ms; measured %.1f s: "
                        "acked %.0f/s, delivered %.0f/s, errors %lld\n",
                        qPrintable(run.mode), run.users, run.idle,
                        static_cast<long long>(connectMs), secs, double(run.acked) / secs,
                        double(run.delivered) / secs, static_cast<long long>(run.errors));
            if (run.mode == QLatin1String("rate"))
                std::printf("  sent %lld at %d/s; not delivered within 3 s after: %lld\n",
                            static_cast<long long>(run.sentMeasured), run.rate,
                            static_cast<long long>(run.sentMeasured - run.delivered));
            std::printf("  ack latency p50 %.2f p90 %.2f p99 %.2f max %.2f ms; send->receive p50 "
                        "%.2f p90 %.2f p99 %.2f max %.2f ms\n",
                        percentile(run.ackMs, 0.5), percentile(run.ackMs, 0.9),
                        percentile(run.ackMs, 0.99), percentile(run.ackMs, 1.0),
                        percentile(run.deliveryMs, 0.5), percentile(run.deliveryMs, 0.9),
                        percentile(run.deliveryMs, 0.99), percentile(run.deliveryMs, 1.0));
        }
        std::printf("  loadgen: CPU %.0f %%\n", cpuPercent(selfStart, selfCpuEnd));
        if (run.acked > 0)
            std::printf("  server disk writes: %.0f KB/s, %.2f KB per acked message\n",
                        double(cpuEnd.diskWriteBytes - start.diskWriteBytes) / 1024 / secs,
                        double(cpuEnd.diskWriteBytes - start.diskWriteBytes) / 1024
                            / double(run.acked));
        std::printf("  server: CPU %.0f %%, RSS %lld -> %lld KB (anonymous %lld -> %lld KB)\n",
                    cpuPct, static_cast<long long>(before.rssKb), static_cast<long long>(end.rssKb),
                    static_cast<long long>(before.anonKb), static_cast<long long>(end.anonKb));
        if (run.mode == QLatin1String("idle") && run.users > 0)
            std::printf("  per connection: %.1f KB resident, %.1f KB anonymous\n",
                        double(end.rssKb - before.rssKb) / run.users,
                        double(end.anonKb - before.anonKb) / run.users);
        std::printf("%s\n", QJsonDocument(json).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        if (run.isGroup() && !complete)
            std::fprintf(
                stderr, "loadgen: timed out after %d s: %lld of %lld deliveries, %lld of %d acks\n",
                run.seconds, static_cast<long long>(run.delivered),
                static_cast<long long>(run.expectedDeliveries()), static_cast<long long>(run.acked),
                run.messages);
        if (run.isStorm() && !complete)
            std::fprintf(stderr, "loadgen: timed out after %d s: %d of %d resumed, %d synced\n",
                         run.seconds, run.resumed, run.users, run.synced);
        const bool failed = run.isGroup() || run.isStorm()
            ? !complete || run.errors > 0
            : run.errors > 0 && run.mode != QLatin1String("throughput");
        app.exit(failed ? 1 : 0);
    };
    run.onDone = finish;

    constexpr qint64 kSettleMs = 3000;
    QTimer waitReady;
    waitReady.setInterval(20);
    QObject::connect(&waitReady, &QTimer::timeout, &app, [&] {
        if (run.ready < run.users + run.idle) {
            if (connectTimer.elapsed() > 120'000) {
                std::fprintf(stderr, "loadgen: only %d of %d users signed in\n", run.ready,
                             run.users + run.idle);
                app.exit(1);
            }
            return;
        }
        if (connectMs == 0) {
            connectMs = std::max<qint64>(1, connectTimer.elapsed());
            if (run.isGroup())
                run.all.front()->createGroup();
        }
        // rate --idle: the server finishes the sign-in storm's own work (it is the steady state
        // beside many connections that is measured, not the storm).
        if (run.idle > 0 && connectTimer.elapsed() - connectMs < kSettleMs)
            return;
        // group: every other member has heard of the group before anything is measured.
        if (run.isGroup() && (run.groupId == 0 || run.joined < run.users - 1)) {
            if (run.errors > 0 || connectTimer.elapsed() - connectMs > 60'000) {
                std::fprintf(stderr, "loadgen: no group (%d of %d members told of it)\n",
                             run.joined, run.users - 1);
                app.exit(1);
            }
            return;
        }
        // reconnect-storm: each user has sent a message (so there is history to sync) first.
        if (run.mode == QLatin1String("reconnect-storm")) {
            if (!preparing) {
                preparing = true;
                for (auto &user : run.all)
                    user->sendOne();
            }
            if (run.prepared < run.users) {
                if (run.errors > 0 || connectTimer.elapsed() - connectMs > 60'000) {
                    std::fprintf(stderr, "loadgen: only %d of %d messages acked before the storm\n",
                                 run.prepared, run.users);
                    app.exit(1);
                }
                return;
            }
        }
        waitReady.stop();
        if (run.isGroup())
            groupMs = connectTimer.elapsed() - connectMs;
        start = sample(run.serverPid);
        selfStart = sample(QCoreApplication::applicationPid());
        measured.start();
        run.startNs = run.clock.nsecsElapsed();
        run.measuring = run.mode != QLatin1String("idle");
        if (run.isStorm()) {
            const bool sync = run.mode == QLatin1String("reconnect-storm");
            for (auto &user : run.all) // all at once: every socket dropped and reopened
                user->dropAndResume(sync);
        }
        if (run.mode == QLatin1String("throughput")) {
            for (auto &user : run.all)
                for (int i = 0; i < run.window; ++i)
                    user->sendOne();
        } else if (run.isGroup() && run.groupRate > 0) {
            pacer.setInterval(5);
            QObject::connect(&pacer, &QTimer::timeout, &app, [&] {
                const qint64 due =
                    std::min<qint64>(run.messages, measured.elapsed() * run.groupRate / 1000);
                while (run.sent < due)
                    run.all[size_t(run.sent % run.senders)]->sendOne(); // counts run.sent
                if (run.sent == run.messages)
                    pacer.stop();
            });
            pacer.start();
        } else if (run.isGroup()) {
            for (int i = 0; i < run.window; ++i)
                for (int sender = 0; sender < run.senders && run.sent < run.messages; ++sender)
                    run.all[size_t(sender)]->sendOne();
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
    QTimer drain;
    QObject::connect(&deadline, &QTimer::timeout, &app, [&] {
        if (run.mode != QLatin1String("rate"))
            return finish();
        // Stop sending, then give what is in flight up to 3 s to arrive: what does not is lost.
        pacer.stop();
        run.sendSecs = double(measured.elapsed()) / 1000.0;
        sentEnd = sample(run.serverPid);
        selfSentEnd = sample(QCoreApplication::applicationPid());
        drain.setInterval(10);
        QObject::connect(&drain, &QTimer::timeout, &app, [&] {
            if (run.delivered >= run.sentMeasured
                || double(measured.elapsed()) / 1000.0 > run.sendSecs + 3)
                finish();
        });
        drain.start();
    });
    waitReady.start();
    return app.exec();
}
