#pragma once

#include "serverconfig.h"

#include <confab/ids.h>
#include <confab/result.h>

#include <QObject>
#include <QSet>
#include <QSslConfiguration>
#include <QTimer>

#include <memory>
#include <optional>
#include <vector>

class QHttpServer;
class QLockFile;
class QTcpServer;

namespace Confab {
namespace Store {
struct RecentCacheStats;
class StoreService;
class BlobStore;
} // namespace Store
namespace Auth {
class AuthService;
}
namespace Routing {
class Router;
}
namespace Presence {
class PresenceTracker;
}
namespace Notify {
class DigestService;
}
namespace Cluster {
class ClusterLink;
}
namespace Archive {
class ArchiveService;
}
namespace Net {
class Connection;
class Handshakes;
class NetworkWorker;
class Session;
struct SessionContext;
} // namespace Net

//! confabd in one object: the listener, the sessions, routing, auth and storage. Start it, and
//! shut it down gracefully (stop accepting, commit what is in flight, close every session with
//! 1001). Network thread.
class Server final : public QObject
{
    Q_OBJECT
public:
    explicit Server(ServerConfig config, QObject *parent = nullptr);
    ~Server() override;

    //! With [cluster] redis: claims a node id for this process in Redis (config.nodeId, the
    //! one tried first) and sets config.clusterInstance. Before the Server is made.
    [[nodiscard]] static Result<void> joinCluster(ServerConfig &config);
    //! Opens the database (migrating it) and listens. On failure, says why.
    [[nodiscard]] Result<void> start();
    //! Graceful stop; stopped() follows once every session is closed (or after a timeout).
    void shutdown();

    [[nodiscard]] const ServerConfig &config() const { return m_config; }
    [[nodiscard]] quint16 port() const;
    //! wss://: the connections are TLS; fingerprint of the certificate (empty without TLS).
    [[nodiscard]] bool isSecure() const { return m_tls.has_value(); }
    [[nodiscard]] QString tlsFingerprint() const { return m_tlsFingerprint; }
    [[nodiscard]] int sessionCount() const { return int(m_sessions.size()); }
    [[nodiscard]] int onlineUsers() const;
    //! Open connections on each network thread (empty: the sockets are on this thread).
    [[nodiscard]] QList<int> networkThreadConnections() const;
    //! Where /healthz and /metrics are served (0: not served).
    [[nodiscard]] quint16 metricsPort() const { return m_metricsPort; }
    //! The /metrics page: Prometheus's text format.
    [[nodiscard]] QByteArray prometheusMetrics() const;
    //! Checkpoints of the write-ahead log done off the commit path so far.
    [[nodiscard]] int checkpoints() const;
    //! Attachment housekeeping now (the timer does it every attachmentGcIntervalMs); `done` gets
    //! how many files were deleted.
    void collectAttachmentGarbage(std::function<void(int removed)> done = {});
    //! Retention deleted the start of these conversations (on another thread's connection).
    void tellPurged(const QList<quint64> &conversationIds);
    //! Email digests (PROTOCOL.md §15.3); null unless [email] smtp_url is set.
    [[nodiscard]] Notify::DigestService *digests() const { return m_digests.get(); }
    //! This node's link to the others of its cluster; null without [cluster] redis.
    [[nodiscard]] Cluster::ClusterLink *cluster() const { return m_cluster.get(); }
    //! The history jobs (PROTOCOL.md §16, §17); null in a cluster node without the jobs lease.
    [[nodiscard]] Archive::ArchiveService *archive() const { return m_archive.get(); }
    //! How the store's recent-message cache does (hits, misses, size); any thread.
    [[nodiscard]] const Store::RecentCacheStats &recentCache() const { return *m_recentStats; }
    //! Serves a connection made elsewhere as if it had been accepted (the fuzzer's, in
    //! tests/fuzz); the server takes it over. After start().
    void adoptConnection(Net::Connection *connection) { addSession(connection); }

Q_SIGNALS:
    void stopped();

private:
    void addSession(Net::Connection *connection);
    void onSessionClosed(Net::Session *session);
    void sweep(); //!< keep-alive pings, idle and handshake timeouts
    //! Closes live sessions whose token no longer signs anyone in (revoked or expired, or the
    //! account disabled), whoever changed the store: admin commands run in another process.
    void checkSessions();
    void finishShutdown();
    //! The jobs one node of a cluster runs (the one holding the lease), or the only node: email
    //! digests and the history jobs (archive, retention).
    void startJobs();
    void stopJobs();
    //! What tells this node's own files in a shared data directory apart: ".node<id>" in a
    //! cluster, else nothing.
    [[nodiscard]] QString nodeSuffix() const
    {
        return m_config.redis.isEmpty() ? QString()
                                        : QStringLiteral(".node%1").arg(m_config.nodeId);
    }
    void writeAddressFile() const;
    //! DataDir::runtimeStatsFile: the recent cache's figures, for `confabd stats`.
    void writeRuntimeStats() const;
    void removeAddressFile() const;

    ServerConfig m_config;
    std::optional<QSslConfiguration> m_tls; //!< Net::Tls; none: plain ws://
    QString m_tlsFingerprint;
    std::unique_ptr<QLockFile> m_dataLock;
    SnowflakeGenerator m_ids;
    std::unique_ptr<Store::StoreService> m_store;
    std::unique_ptr<Store::BlobStore> m_blobs;
    std::unique_ptr<Routing::Router> m_router;
    std::unique_ptr<Presence::PresenceTracker> m_presence;
    std::unique_ptr<Notify::DigestService> m_digests;
    std::unique_ptr<Archive::ArchiveService> m_archive;
    std::unique_ptr<Cluster::ClusterLink> m_cluster; //!< with [cluster] redis
    std::shared_ptr<Store::RecentCacheStats> m_recentStats; //!< the store thread's cache
    std::unique_ptr<Auth::AuthService> m_auth;
    std::unique_ptr<Net::SessionContext> m_context;
    std::unique_ptr<QTcpServer> m_tcp; //!< accepts; the handshakes follow here or on workers
    Net::Handshakes *m_handshakes = nullptr; //!< a child; without network workers
    std::vector<std::unique_ptr<Net::NetworkWorker>> m_workers; //!< none: sockets stay here
    size_t m_nextWorker = 0;
    QSet<Net::Session *> m_sessions;
    QHash<QString, int> m_sessionsPerAddress; //!< LoginThrottle::addressKey: IPv6 by /64
    quint64 m_refusedPerAddress = 0; //!< connections closed for the per-address cap
    std::unique_ptr<QHttpServer> m_http; //!< /healthz, /metrics
    quint16 m_metricsPort = 0;
    QTimer m_sweep;
    QTimer m_sessionCheck;
    QTimer m_attachmentGc;
    QTimer m_runtimeStats;
    bool m_checkingSessions = false;
    qint64 m_lastTrimMs = 0; //!< monotonic: when the heap was last trimmed
    qsizetype m_sessionsAtTrim = 0;
    bool m_stopping = false;
    bool m_stopped = false;
};

} // namespace Confab
