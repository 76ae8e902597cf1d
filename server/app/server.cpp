#include "server.h"

#include "archive/archiveservice.h"
#include "auth/authservice.h"
#include "cluster/clusterlink.h"
#include "net/connection.h"
#include "net/handshakes.h"
#include "net/networkworker.h"
#include "net/session.h"
#include "net/tls.h"
#include "notify/digestservice.h"
#include "presence/presencetracker.h"
#include "routing/router.h"
#include "store/blobstore.h"
#include "store/recentcache.h"
#include "store/sqlitestore.h"
#include "store/storeservice.h"

#include <confab/codec.h>
#include <confab/datadir.h>
#include <confab/fingerprint.h>
#include <confab/logging.h>
#include <confab/version.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QLockFile>
#include <QPointer>
#include <QSaveFile>
#include <QSslCertificate>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUuid>
#include <QWebSocket>

#include <algorithm>
#include <functional>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace Confab {

namespace {
constexpr int kMaxSweepIntervalMs = 1000;
constexpr int kShutdownGraceMs = 3000;
constexpr int kListenBacklog = 4096;
constexpr int kHandshakers = 64;
constexpr qint64 kTrimIntervalMs = 5000;
constexpr qint64 kQuietTrimIntervalMs = 60'000;

//! Accepts TCP connections and hands each descriptor on: to the handshakes here, or to a network
//! worker, before any QTcpSocket wraps it (with TLS, a QSslSocket must).
class Acceptor final : public QTcpServer
{
public:
    std::function<void(qintptr)> handOver;

protected:
    void incomingConnection(qintptr socketDescriptor) override { handOver(socketDescriptor); }
};
} // namespace

Server::Server(ServerConfig config, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_ids(m_config.nodeId)
{
    m_recentStats = std::make_shared<Store::RecentCacheStats>();
    m_store = std::make_unique<Store::StoreService>(
        [config = m_config, recent = m_config.recentMessages,
         recentBytes = qint64(m_config.recentCacheMb) << 20, stats = m_recentStats] {
            auto store = config.makeStore();
            // (Ignored on PostgreSQL: other nodes write too.)
            store->setRecentCache(recent, recentBytes, stats);
            return store;
        },
        m_ids);
    m_store->setMaxQueueDepth(m_config.maxStoreQueue);
    m_router = std::make_unique<Routing::Router>();
}

Server::~Server()
{
    // The link to the other nodes first: it refers to the router and the presence tracker, and
    // the others hear this node is gone (a shutdown() that finished did that already).
    m_cluster.reset();
    // Then the sessions, while the router and services they use still exist (as QObject
    // children they would only go after these members).
    const QSet<Net::Session *> sessions = std::exchange(m_sessions, {});
    for (Net::Session *session : sessions)
        disconnect(session, nullptr, this, nullptr);
    qDeleteAll(sessions);
    m_http.reset();
    m_tcp.reset();
    m_workers.clear(); // after the sessions: their connections tell the workers they are gone
    m_digests.reset(); // before the store: it waits for a mail being sent
    m_archive.reset(); // after the step under way
    m_presence.reset();
    m_auth.reset();
    m_store.reset();
    removeAddressFile();
}

Result<void> Server::start()
{
    if (!m_config.tlsCertificate.isEmpty()) {
        auto tls = Net::Tls::serverConfiguration(m_config.tlsCertificate, m_config.tlsKey);
        if (!tls)
            return tls.error();
        if (auto works = Net::Tls::selfTest(tls.value()); !works)
            return works;
        const QSslCertificate certificate = tls.value().localCertificate();
        m_tlsFingerprint = certificateFingerprint(certificate.toDer());
        m_tls = tls.value();
        const QDateTime now = QDateTime::currentDateTimeUtc();
        qCInfo(lcNet).noquote() << "TLS certificate" << certificate.subjectDisplayName()
                                << "SHA-256" << m_tlsFingerprint << "valid until"
                                << certificate.expiryDate().toString(Qt::ISODate);
        if (certificate.expiryDate() < now)
            qCWarning(lcNet) << "the TLS certificate has expired: clients will refuse it";
        else if (certificate.expiryDate() < now.addDays(14))
            qCWarning(lcNet) << "the TLS certificate expires within 14 days";
    }
    // One confabd per data directory: a second one would share the database behind the first
    // one's caches (sequence numbers, members, sessions).
    if (!QDir().mkpath(m_config.dataDir)) {
        return Error {
            ErrorCode::INTERNAL,
            QStringLiteral("cannot create the data directory %1").arg(m_config.dataDir)
        };
    }
    // The nodes of a cluster share the data directory (attachments, archive): one lock each.
    m_dataLock = std::make_unique<QLockFile>(DataDir::lockFile(m_config.dataDir) + nodeSuffix());
    m_dataLock->setStaleLockTime(0); // a lock whose process is gone is taken over
    if (!m_dataLock->tryLock(0)) {
        qint64 pid = 0;
        QString host, app;
        m_dataLock->getLockInfo(&pid, &host, &app);
        m_dataLock.reset();
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("another confabd (pid %1) is already using %2")
                           .arg(pid)
                           .arg(m_config.dataDir) };
    }
    if (auto opened = m_store->start(); !opened)
        return opened;
    m_blobs = std::make_unique<Store::BlobStore>(m_config.dataDir);
    if (auto opened = m_blobs->start(); !opened)
        return opened;
    m_auth = std::make_unique<Auth::AuthService>(m_config, *m_store);
    m_presence =
        std::make_unique<Presence::PresenceTracker>(*m_router, *m_store, m_config.presenceGraceMs);
    if (!m_config.redis.isEmpty()) {
        auto address = Cluster::RedisAddress::parse(m_config.redis);
        if (!address)
            return address.error();
        if (m_config.clusterInstance.isEmpty())
            return Error { ErrorCode::INTERNAL,
                           QStringLiteral("the node has no id of its own yet (joinCluster)") };
        m_cluster = std::make_unique<Cluster::ClusterLink>(
            address.value(), m_config.nodeId, m_config.clusterInstance, *m_router, *m_presence);
        connect(m_cluster.get(), &Cluster::ClusterLink::nodeIdLost, this, &Server::shutdown);
        // One node runs the jobs: whichever holds the lease (another takes over within
        // seconds when it stops).
        connect(m_cluster.get(), &Cluster::ClusterLink::jobsLeaseChanged, this,
                [this](bool held) { held ? startJobs() : stopJobs(); });
        m_cluster->start();
    } else {
        startJobs();
    }
    m_context.reset(new Net::SessionContext {
        m_config,
        *m_store,
        *m_blobs,
        *m_auth,
        *m_router,
        *m_presence,
        {},
        false,
        Net::UserRateLimiter(m_config.userRatePerSecond, m_config.userRateBurst) });

    // TCP is accepted here; the WebSocket handshake follows on this thread (Handshakes), or,
    // with network workers, each takes its share of the sockets (round robin) and does their
    // handshakes and frames on its own thread.
    for (int i = 0; i < m_config.networkThreads; ++i) {
        auto worker = std::make_unique<Net::NetworkWorker>(
            i,
            Net::NetworkWorker::Settings { m_config.serverName, m_config.handshakeTimeoutMs,
                                           qint64(m_config.limits.maxIncomingFrameBytes()),
                                           qint64(m_config.maxSendQueueBytes), m_tls });
        connect(worker.get(), &Net::NetworkWorker::newConnection, this, &Server::addSession);
        m_workers.push_back(std::move(worker));
    }
    if (m_workers.empty()) {
        m_handshakes = new Net::Handshakes(m_config.serverName, m_config.handshakeTimeoutMs,
                                           kHandshakers, m_tls, this);
        connect(m_handshakes, &Net::Handshakes::upgraded, this, [this](QWebSocket *socket) {
            addSession(new Net::LocalConnection(socket,
                                                qint64(m_config.limits.maxIncomingFrameBytes()),
                                                qint64(m_config.maxSendQueueBytes)));
        });
    }
    auto acceptor = std::make_unique<Acceptor>();
    acceptor->handOver = [this](qintptr socketDescriptor) {
        if (m_workers.empty()) {
            m_handshakes->adopt(socketDescriptor);
        } else {
            m_nextWorker = (m_nextWorker + 1) % m_workers.size();
            m_workers[m_nextWorker]->adopt(socketDescriptor);
        }
    };
    m_tcp = std::move(acceptor);
    m_tcp->setMaxPendingConnections(1024);
    // Qt's default backlog is 50: in a reconnect storm the kernel would drop the rest of the
    // SYNs, and each of those clients would wait a second to retry. (The kernel caps it at
    // net.core.somaxconn.)
    m_tcp->setListenBacklogSize(kListenBacklog);
    connect(m_tcp.get(), &QTcpServer::acceptError, this, [](QAbstractSocket::SocketError error) {
        qCWarning(lcNet) << "accept failed:" << error; // e.g. out of file descriptors
    });
    if (!m_tcp->listen(m_config.listenAddress, m_config.port)) {
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("cannot listen on %1:%2: %3")
                           .arg(m_config.listenAddress.toString())
                           .arg(m_config.port)
                           .arg(m_tcp->errorString()) };
    }
    // Often enough to ping on time and close idle peers promptly; one timer for all sessions.
    m_sweep.setInterval(
        std::clamp(int(m_config.limits.pingIntervalMs / 2), 50, kMaxSweepIntervalMs));
    connect(&m_sweep, &QTimer::timeout, this, &Server::sweep);
    m_sweep.start();
    m_sessionCheck.setInterval(m_config.sessionCheckIntervalMs);
    connect(&m_sessionCheck, &QTimer::timeout, this, &Server::checkSessions);
    m_sessionCheck.start();
    m_attachmentGc.setInterval(m_config.attachmentGcIntervalMs);
    connect(&m_attachmentGc, &QTimer::timeout, this, [this] { collectAttachmentGarbage(); });
    m_attachmentGc.start();
    m_runtimeStats.setInterval(5000);
    connect(&m_runtimeStats, &QTimer::timeout, this, &Server::writeRuntimeStats);
    m_runtimeStats.start();
    if (m_config.metricsPort >= 0) {
        m_http = std::make_unique<QHttpServer>();
        m_http->route(QStringLiteral("/healthz"), [this] {
            using Status = QHttpServerResponse::StatusCode;
            if (m_stopping)
                return QHttpServerResponse("text/plain", "stopping\n", Status::ServiceUnavailable);
            if (m_cluster && !m_cluster->isReady())
                return QHttpServerResponse("text/plain", "joining the cluster\n",
                                           Status::ServiceUnavailable);
            if (m_store->queueDepth() >= m_config.maxStoreQueue)
                return QHttpServerResponse("text/plain", "store saturated\n",
                                           Status::ServiceUnavailable);
            return QHttpServerResponse("text/plain", "ok\n");
        });
        m_http->route(QStringLiteral("/metrics"), [this] {
            return QHttpServerResponse("text/plain; version=0.0.4; charset=utf-8",
                                       prometheusMetrics());
        });
        m_metricsPort = m_http->listen(m_config.metricsListen, quint16(m_config.metricsPort));
        if (m_metricsPort == 0) {
            return Error { ErrorCode::INTERNAL,
                           QStringLiteral("cannot serve metrics on %1:%2")
                               .arg(m_config.metricsListen.toString())
                               .arg(m_config.metricsPort) };
        }
        qCInfo(lcNet) << "metrics on http://" << m_config.metricsListen.toString() << ":"
                      << m_metricsPort << "/metrics";
    }
    writeAddressFile();
    return {};
}

void Server::writeRuntimeStats() const
{
    QSaveFile file(DataDir::runtimeStatsFile(m_config.dataDir) + nodeSuffix());
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return;
    const Store::RecentCacheStats &recent = *m_recentStats;
    file.write(QStringLiteral("[recent_cache]\nwritten_ms=%1\npid=%2\nhits=%3\nmisses=%4\n"
                              "bytes=%5\nconversations=%6\nbudget_bytes=%7\n")
                   .arg(QDateTime::currentMSecsSinceEpoch())
                   .arg(QCoreApplication::applicationPid())
                   .arg(recent.hits.load())
                   .arg(recent.misses.load())
                   .arg(recent.bytes.load())
                   .arg(recent.conversations.load())
                   .arg(qint64(m_config.recentCacheMb) << 20)
                   .toUtf8());
    static_cast<void>(file.commit());
}

void Server::writeAddressFile() const
{
    // Tells local tools (the desktop app's "server on this computer") where this one listens.
    QSaveFile file(DataDir::addressFile(m_config.dataDir) + nodeSuffix());
    if (file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        QHostAddress address = m_config.listenAddress;
        if (address == QHostAddress::AnyIPv6)
            address = QHostAddress::LocalHostIPv6;
        else if (address == QHostAddress::Any || address == QHostAddress::AnyIPv4)
            address = QHostAddress::LocalHost;
        const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
            ? QStringLiteral("[%1]").arg(address.toString())
            : address.toString();
        file.write(QStringLiteral("%1://%2:%3\n")
                       .arg(QLatin1String(m_tls ? "wss" : "ws"), host)
                       .arg(port())
                       .toUtf8());
        if (file.commit())
            return;
    }
    qCWarning(lcNet) << "cannot write" << file.fileName() << file.errorString();
}

void Server::removeAddressFile() const
{
    if (m_dataLock && m_dataLock->isLocked()) {
        QFile::remove(DataDir::addressFile(m_config.dataDir) + nodeSuffix());
        QFile::remove(DataDir::runtimeStatsFile(m_config.dataDir) + nodeSuffix());
    }
}

quint16 Server::port() const
{
    return m_tcp ? m_tcp->serverPort() : 0;
}

void Server::tellPurged(const QList<quint64> &conversationIds)
{
    if (!m_store || m_stopping)
        return;
    // The store thread's connection forgets what it kept of them (the recent cache); the
    // members' online devices hear where their history now starts, and delete what they hold
    // before it (PROTOCOL.md §17).
    Routing::Router *router = m_router.get();
    for (quint64 conversationId : conversationIds) {
        m_store->run(
            this,
            [conversationId](
                Store::Store &store) -> Result<std::pair<pb::Conversation, QList<quint64>>> {
                store.forgetConversation(conversationId);
                auto snapshot = store.conversationSnapshot(conversationId);
                if (!snapshot)
                    return snapshot.error();
                auto members = store.activeMembers(conversationId);
                if (!members)
                    return members.error();
                return std::pair { snapshot.value(), members.value() };
            },
            [router](const Result<std::pair<pb::Conversation, QList<quint64>>> &found) {
                if (!found) {
                    qCWarning(lcStore) << "retention:" << found.error().message;
                    return;
                }
                pb::Envelope event;
                *event.mutable_conversation_event()->mutable_conversation() = found.value().first;
                router->broadcast(found.value().second, Codec::encode(event), nullptr);
            });
    }
    collectAttachmentGarbage(); // the files only deleted entries had
}

void Server::collectAttachmentGarbage(std::function<void(int removed)> done)
{
    if (!m_store || !m_blobs || m_stopping)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    Store::BlobStore *blobs = m_blobs.get();
    m_store->run(
        this,
        [expiry = now - m_config.uploadExpiryMs](
            Store::Store &store) -> Result<std::pair<QList<QByteArray>, QSet<QByteArray>>> {
            auto expired = store.expireUploads(expiry);
            if (!expired)
                return expired.error();
            auto referenced = store.referencedBlobs();
            if (!referenced)
                return referenced.error();
            return std::pair { expired.value(), referenced.value() };
        },
        [this, blobs, grace = now - m_config.blobGraceMs,
         done](const Result<std::pair<QList<QByteArray>, QSet<QByteArray>>> &found) {
            if (!found) {
                qCWarning(lcStore) << "attachment housekeeping:" << found.error().message;
                return;
            }
            blobs->run(
                this,
                [blobs, found = found.value(), grace] {
                    for (const QByteArray &uploadId : found.first)
                        blobs->removePart(uploadId);
                    return blobs->collectGarbage(found.second, grace);
                },
                [done](int removed) {
                    if (removed > 0)
                        qCInfo(lcStore) << "deleted" << removed
                                        << "attachment files no message "
                                           "refers to";
                    if (done)
                        done(removed);
                });
        });
}

int Server::checkpoints() const
{
    return m_store ? m_store->checkpoints() : 0;
}

QByteArray Server::prometheusMetrics() const
{
    QByteArray out;
    out.reserve(4096);
    auto metric = [&out](const char *name, const char *type, const char *help) {
        out += "# HELP ";
        out += name;
        out += ' ';
        out += help;
        out += "\n# TYPE ";
        out += name;
        out += ' ';
        out += type;
        out += '\n';
    };
    auto value = [&out](const QByteArray &series, double number) {
        out += series + ' ' + QByteArray::number(number, 'g', 15) + '\n';
    };
    metric("confab_connections", "gauge", "Open client connections, signed in or not.");
    value("confab_connections", double(m_sessions.size()));
    metric("confab_online_users", "gauge", "Users with at least one signed-in connection.");
    value("confab_online_users", double(m_router->onlineUsers()));
    metric("confab_messages_stored_total", "counter",
           "Messages committed to the database (resends not counted); rate() gives messages/s.");
    value("confab_messages_stored_total", double(m_store->storedMessages()));
    metric("confab_recent_cache_hits_total", "counter",
           "History and sync reads served from the recent-message cache.");
    value("confab_recent_cache_hits_total", double(m_recentStats->hits.load()));
    metric("confab_recent_cache_misses_total", "counter",
           "History and sync reads the recent-message cache could not serve (the database did).");
    value("confab_recent_cache_misses_total", double(m_recentStats->misses.load()));
    metric("confab_recent_cache_bytes", "gauge", "Memory held by the recent-message cache.");
    value("confab_recent_cache_bytes", double(m_recentStats->bytes.load()));
    metric("confab_recent_cache_conversations", "gauge",
           "Conversations whose newest messages the recent-message cache holds.");
    value("confab_recent_cache_conversations", double(m_recentStats->conversations.load()));
    metric("confab_commit_duration_seconds", "histogram",
           "Time to commit one batch of writes, fsync included.");
    const LatencyBuckets &commits = m_store->commitLatency();
    for (size_t i = 0; i < LatencyBuckets::kBoundsUs.size(); ++i) {
        value("confab_commit_duration_seconds_bucket{le=\""
                  + QByteArray::number(double(LatencyBuckets::kBoundsUs[i]) / 1e6, 'g', 6) + "\"}",
              double(commits.cumulative(i)));
    }
    value("confab_commit_duration_seconds_bucket{le=\"+Inf\"}", double(commits.count()));
    value("confab_commit_duration_seconds_sum", double(commits.sumUs()) / 1e6);
    value("confab_commit_duration_seconds_count", double(commits.count()));
    if (m_cluster) {
        metric("confab_cluster_nodes", "gauge", "Live nodes of the cluster, this one included.");
        value("confab_cluster_nodes", double(m_cluster->liveNodes().size() + 1));
        metric("confab_cluster_redis_up", "gauge", "Whether this node is connected to Redis.");
        value("confab_cluster_redis_up", m_cluster->isConnected() ? 1.0 : 0.0);
        metric("confab_cluster_events_total", "counter",
               "Events to and from other nodes through Redis; lost: not sent, Redis was down.");
        value("confab_cluster_events_total{direction=\"sent\"}", double(m_cluster->published()));
        value("confab_cluster_events_total{direction=\"received\"}", double(m_cluster->received()));
        value("confab_cluster_events_total{direction=\"lost\"}",
              double(m_cluster->lostPublishes()));
    }
    metric("confab_store_queue_depth", "gauge", "Storage jobs waiting for the writer.");
    value("confab_store_queue_depth", double(m_store->queueDepth()));
    metric("confab_checkpoints_total", "counter", "Write-ahead log checkpoints done.");
    value("confab_checkpoints_total", double(m_store->checkpoints()));
    metric("confab_sign_ins_total", "counter", "Sign-ins by method (password, token) and result.");
    const Net::SignInCounters &signIns = m_context->signIns;
    value("confab_sign_ins_total{method=\"password\",result=\"ok\"}", double(signIns.passwordOk));
    value("confab_sign_ins_total{method=\"password\",result=\"failed\"}",
          double(signIns.passwordFailed));
    value("confab_sign_ins_total{method=\"token\",result=\"ok\"}", double(signIns.tokenOk));
    value("confab_sign_ins_total{method=\"token\",result=\"failed\"}", double(signIns.tokenFailed));
    metric("confab_connections_refused_total", "counter",
           "Connections closed at once for the per-address cap.");
    value("confab_connections_refused_total{reason=\"per_address\"}", double(m_refusedPerAddress));
    metric("confab_presence_broadcasts_total", "counter",
           "Presence changes sent to a user's contacts.");
    value("confab_presence_broadcasts_total", m_presence ? double(m_presence->broadcasts()) : 0);
    metric("confab_presence_contact_lookups_total", "counter",
           "Store queries for a user's contacts (sign-ins, membership changes).");
    value("confab_presence_contact_lookups_total",
          m_presence ? double(m_presence->contactLookups()) : 0);
    return out;
}

QList<int> Server::networkThreadConnections() const
{
    QList<int> counts;
    for (const auto &worker : m_workers)
        counts.append(worker->connectionCount());
    return counts;
}

int Server::onlineUsers() const
{
    return m_router->onlineUsers();
}

void Server::addSession(Net::Connection *connection)
{
    if (m_stopping) {
        connection->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("shutting down"));
        connection->deleteLater();
        return;
    }
    if (m_config.maxConnectionsPerAddress > 0) {
        int &open =
            m_sessionsPerAddress[Auth::LoginThrottle::addressKey(connection->peerAddress())];
        if (open >= m_config.maxConnectionsPerAddress) {
            // Before any work for it; the others from that address go on as they were.
            if (m_refusedPerAddress++ % 1000 == 0) // a flood must not flood the log too
                qCWarning(lcNet) << "too many connections from" << connection->peerAddress() << "("
                                 << open << "open); refused so far:" << m_refusedPerAddress;
            connection->close(QWebSocketProtocol::CloseCodePolicyViolated,
                              QStringLiteral("too many connections from your address"));
            connection->deleteLater();
            return;
        }
        ++open;
    }
    auto *session = new Net::Session(connection, *m_context, this);
    connect(session, &Net::Session::closed, this, &Server::onSessionClosed);
    m_sessions.insert(session);
}

void Server::onSessionClosed(Net::Session *session)
{
    if (m_config.maxConnectionsPerAddress > 0 && m_sessions.contains(session)) {
        const auto it =
            m_sessionsPerAddress.find(Auth::LoginThrottle::addressKey(session->peerAddress()));
        if (it != m_sessionsPerAddress.end() && --it.value() <= 0)
            m_sessionsPerAddress.erase(it);
    }
    if (m_sessions.remove(session))
        session->deleteLater();
    if (m_stopping && m_sessions.isEmpty())
        finishShutdown();
}

void Server::checkSessions()
{
    QHash<QByteArray, QList<QPointer<Net::Session>>> byToken;
    for (Net::Session *session : std::as_const(m_sessions)) {
        if (session->state() == Net::Session::State::Live)
            byToken[session->tokenHash()].append(session);
    }
    if (byToken.isEmpty() || m_checkingSessions)
        return;
    m_checkingSessions = true;
    m_store->run(
        this,
        [hashes = byToken.keys()](Store::Store &store) {
            return store.validTokens(hashes, QDateTime::currentMSecsSinceEpoch());
        },
        [this, byToken](const Result<QSet<QByteArray>> &valid) {
            m_checkingSessions = false;
            if (!valid)
                return; // e.g. the store is saturated: next time
            int ended = 0;
            for (auto it = byToken.cbegin(); it != byToken.cend(); ++it) {
                if (valid.value().contains(it.key()))
                    continue;
                for (const QPointer<Net::Session> &session : it.value()) {
                    if (session && session->state() == Net::Session::State::Live) {
                        session->closeRevoked();
                        ++ended;
                    }
                }
            }
            if (ended > 0)
                qCInfo(lcAuth) << "closed" << ended
                               << "connections whose session was revoked, expired or disabled";
        });
}

void Server::sweep()
{
    const qint64 now = Net::Session::monotonicMs();
#ifdef __GLIBC__
    // After a burst (a sign-in storm, a flood), glibc keeps the freed heap: give it back, so
    // resident memory follows what is in use. Trimming walks the whole heap (10 ms with 15,000
    // connections, with every session waiting), so it is done soon after the number of sessions
    // moved, and otherwise rarely.
    const qsizetype sessions = m_sessions.size();
    const bool moved =
        std::abs(sessions - m_sessionsAtTrim) > std::max<qsizetype>(100, sessions / 20);
    if ((moved && now - m_lastTrimMs >= kTrimIntervalMs)
        || now - m_lastTrimMs >= kQuietTrimIntervalMs) {
        m_lastTrimMs = now;
        m_sessionsAtTrim = sessions;
        malloc_trim(0);
    }
#endif
    const Limits &limits = m_config.limits;
    // Closing (or a ping that finds the peer gone) may change the set, so the walk only takes
    // note; the set is not copied either (with 15,000 sessions that took milliseconds).
    std::vector<std::pair<Net::Session *, bool>> toClose; // the session, whether it never signed in
    std::vector<Net::Session *> toPing;
    for (Net::Session *session : std::as_const(m_sessions)) {
        const auto state = session->state();
        if (state == Net::Session::State::Closed)
            continue;
        if (state != Net::Session::State::Live && state != Net::Session::State::Authenticating
            && now - session->connectedMs() > m_config.handshakeTimeoutMs) {
            toClose.emplace_back(session, true);
        } else if (now - session->lastActivityMs() > qint64(limits.idleTimeoutMs)) {
            toClose.emplace_back(session, false);
        } else if (now - session->lastActivityMs() >= qint64(limits.pingIntervalMs)) {
            toPing.push_back(session);
        }
    }
    for (Net::Session *session : toPing)
        session->ping();
    m_context->userRates.prune(now);
    for (const auto &[session, neverSignedIn] : toClose) {
        if (neverSignedIn)
            session->close(QWebSocketProtocol::CloseCodePolicyViolated,
                           QStringLiteral("no authentication in time"));
        else
            session->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("idle timeout"));
    }
}

Result<void> Server::joinCluster(ServerConfig &config)
{
    if (config.redis.isEmpty())
        return {};
    auto address = Cluster::RedisAddress::parse(config.redis);
    if (!address)
        return address.error();
    const QByteArray instance = QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
    auto claimed = Cluster::ClusterLink::claimNodeId(address.value(), config.nodeId, instance);
    if (!claimed)
        return claimed.error();
    config.nodeId = claimed.value();
    config.clusterInstance = instance;
    qCInfo(lcCluster) << "node id" << config.nodeId << "claimed in Redis at"
                      << address.value().toString();
    return {};
}

void Server::startJobs()
{
    if (m_stopping || m_archive)
        return;
    if (!m_config.smtpUrl.isEmpty()) {
        m_digests = std::make_unique<Notify::DigestService>(m_config, *m_store, *m_router);
        m_digests->start();
    }
    {
        // The history jobs: the archive (when on) and retention (the server's, or a
        // conversation's own, which any conversation may set).
        const QString dataDir = m_config.dataDir;
        m_archive = std::make_unique<Archive::ArchiveService>(
            [config = m_config] { return config.makeStore(); },
            Store::SqliteStore::archivePath(dataDir), m_config.archiveAfterMs,
            m_config.archiveIntervalMs, m_config.retentionMs, m_config.retentionIntervalMs,
            [this](const QList<quint64> &conversationIds) {
                QMetaObject::invokeMethod(
                    this, [this, conversationIds] { tellPurged(conversationIds); },
                    Qt::QueuedConnection);
            });
        m_archive->start();
        m_archive->runNow(); // what waited while confabd was down
    }
}

void Server::stopJobs()
{
    m_digests.reset();
    m_archive.reset();
}

void Server::shutdown()
{
    if (m_stopping)
        return;
    m_stopping = true;
    qCInfo(lcNet) << "shutting down:" << m_sessions.size() << "sessions";
    if (m_context)
        m_context->stopping = true;
    if (m_tcp)
        m_tcp->close();
    m_sweep.stop();
    // Digests first: a mail being sent is given up (or finished), and what the SMTP server took
    // leaves the queue in the store's last commits.
    stopJobs();
    // Commit everything queued; the acks it produces are posted to this thread's event queue,
    // ahead of the close step below, so they are sent before the sessions close.
    m_store->stop();
    QMetaObject::invokeMethod(
        this,
        [this] {
            const QSet<Net::Session *> sessions = m_sessions;
            for (Net::Session *session : sessions)
                session->close(QWebSocketProtocol::CloseCodeGoingAway,
                               QStringLiteral("server shutting down"));
            if (m_sessions.isEmpty())
                finishShutdown();
            else
                QTimer::singleShot(kShutdownGraceMs, this, &Server::finishShutdown);
        },
        Qt::QueuedConnection);
}

void Server::finishShutdown()
{
    if (!m_stopping || m_stopped)
        return;
    m_stopped = true;
    if (m_cluster)
        m_cluster->stop(); // the others see this node gone now, not when its heartbeat expires
    removeAddressFile();
    qCInfo(lcNet) << "stopped";
    Q_EMIT stopped();
}

} // namespace Confab
