#pragma once

#include "auth/credentials.h"

#include <confab/ids.h>
#include <confab/limits.h>
#include <confab/result.h>

#include <QCommandLineParser>
#include <QHostAddress>
#include <QSettings>
#include <QStringList>

#include <memory>

namespace Confab {

namespace Store {
class SqlStore;
}

//! Everything an admin can configure, from the INI file (`--config`, default
//! $XDG_CONFIG_HOME/confabd/confabd.conf) with command-line overrides. README "Configuration"
//! lists every key.
struct ServerConfig
{
    QHostAddress listenAddress { QHostAddress::LocalHost };
    quint16 port = 7700;
    QString dataDir;
    //! [store] postgres: libpq's key=value connection string of a PostgreSQL database that
    //! several nodes share (DESIGN.md §6); empty (the default): SQLite in dataDir. Attachments
    //! and the archive stay under dataDir, which the nodes then share too.
    QString postgres;
    //! [cluster] redis: "host:port" or "unix:/path" of the Redis that the nodes of a cluster
    //! share (routing, presence, node ids; DESIGN.md §6); empty (the default): one node. With
    //! it, node_id is only the id tried first: each node claims a free one at start.
    QString redis;
    //! This process's token in Redis (Server::joinCluster), holding its node id.
    QByteArray clusterInstance;
    quint16 nodeId = 1;
    QString serverName = QStringLiteral("confabd");
    //! Threads that do the WebSocket work of the connections (handshakes, frames, writes) while
    //! sessions, routing and presence stay on the main thread. 0: the main thread does it too.
    int networkThreads = 0;
    //! [tls] certificate and key: PEM files; with both, clients connect with wss:// only.
    QString tlsCertificate;
    QString tlsKey;
    //! /healthz and /metrics (Prometheus) over HTTP on their own port; -1: not served.
    QHostAddress metricsListen { QHostAddress::LocalHost };
    int metricsPort = -1;
    Limits limits;

    qint64 tokenTtlMs = qint64(30) * 24 * 3600 * 1000;
    Auth::HashCost hashCost;
    int authThreads = 2;
    //! [auth] registration = open | closed: whether anyone who reaches the server may create an
    //! account. Closed: only `confabd user add` does; existing accounts sign in as before.
    bool openRegistration = true;
    int maxPendingAuth = 64;
    int loginFailuresPerUser = 5;
    int loginFailuresPerAddress = 20;
    int loginWindowMs = 60'000;
    //! [auth] registrations_per_address_per_hour: accounts one IP address (IPv6: /64) may
    //! create per hour; 0: no limit. Behind a proxy every client shares its address.
    int registrationsPerAddressPerHour = 20;

    int handshakeTimeoutMs = 10'000;
    int maxStoreQueue = 100'000;
    //! [limits] user_rate_per_second / user_rate_burst: one bucket for all of a user's
    //! connections together (each connection also has Limits::ratePerSecond); 0: none.
    quint32 userRatePerSecond = 100;
    quint32 userRateBurst = 200;
    //! [limits] max_connections_per_address: open connections from one IP address; past it a new
    //! one is closed at once (policy violation). 0: no cap. Behind a proxy every client shares
    //! the proxy's address: raise or lift it there.
    int maxConnectionsPerAddress = 256;
    //! [server] max_database_mb: the database stops growing here (0: no cap but the disk's).
    //! Past it, as on a full disk, writes are refused with STORAGE_FULL and nothing is acked.
    quint64 maxDatabaseMb = 0;
    int maxSendQueueBytes = 4 * 1024 * 1024; //!< a slower reader is disconnected
    //! A user whose last connection closed is announced offline only after this long: a quick
    //! reconnect (a flapping network, a restart) is not broadcast.
    int presenceGraceMs = 10'000;
    //! How often live sessions are checked against the store: a token revoked or an account
    //! disabled by an admin command (another process) ends its connections within this.
    int sessionCheckIntervalMs = 30'000;
    //! Attachment housekeeping (PROTOCOL.md §14): this often, uploads begun and attachments
    //! never sent longer than uploadExpiryMs ago are dropped, and files no attachment refers to
    //! (deleted messages') are deleted once older than blobGraceMs.
    int attachmentGcIntervalMs = 3'600'000;
    qint64 uploadExpiryMs = 24 * 3'600'000;
    qint64 blobGraceMs = 3'600'000;

    //! [email]: digest emails to users away with unread high-priority messages (PROTOCOL.md
    //! §15.3); off while smtp_url is empty. Through libcurl: smtp:// (STARTTLS when offered, or
    //! required with require_tls) or smtps://.
    QString smtpUrl;
    QString mailFrom; //!< [email] from: required with smtp_url
    QString smtpUsername;
    QString smtpPassword;
    bool smtpRequireTls = false;
    qint64 digestAfterMs = 3'600'000; //!< [email] digest_after_minutes: away this long first
    qint64 digestIntervalMs = 12 * 3'600'000; //!< [email] digest_interval_minutes: at most one
    bool digestPreviews = false; //!< [email] previews: quote messages (off: counts and senders)
    qint64 mailRetryMs = 60'000; //!< [email] retry_seconds: the first retry; doubling to 1 h
    int digestSweepMs = 60'000; //!< how often the digest service looks (at most digestAfter/2)

    //! [history] archive_after: messages stored longer ago than this move from the database to
    //! compressed archive files under the data directory (PROTOCOL.md §16); 0: never (default).
    //! At least kMinArchiveAfterMs: a resend is recognised only while its original is in the
    //! database, so an outbox held back that long could store its message twice.
    qint64 archiveAfterMs = 0;
    static constexpr qint64 kMinArchiveAfterMs = 86'400'000;
    //! [history] archive_interval: how often the archive job looks for messages to move.
    qint64 archiveIntervalMs = 3'600'000;
    //! [history] retention: entries stored longer ago than this are deleted, for everyone, from
    //! the database, the archive and the files they refer to (PROTOCOL.md §17); 0: never
    //! (default). At least a day, for the same reason as archive_after. A conversation may set
    //! a shorter one, of at least limits.minRetentionDays ([history] min_retention).
    qint64 retentionMs = 0;
    //! [history] retention_interval: how often the retention job looks for entries to delete.
    qint64 retentionIntervalMs = 3'600'000;
    //! The server's retention as announced (Limits.retention_days): whole days, rounded up.
    [[nodiscard]] quint32 retentionDays() const
    {
        return quint32((retentionMs + 86'400'000 - 1) / 86'400'000);
    }
    //! [history] recent_messages: the newest this many messages of each recently used
    //! conversation stay in memory for history and sync (0: no cache) ...
    int recentMessages = 200;
    //! ... [history] recent_cache_mb: at most this much in all, least recently used first out.
    int recentCacheMb = 64;

    //! A store on the configured database (not yet opened): PostgreSQL when [store] postgres
    //! is set, else SQLite in dataDir (capped at max_database_mb).
    [[nodiscard]] std::unique_ptr<Store::SqlStore> makeStore() const;
    [[nodiscard]] static QString defaultConfigPath();
    [[nodiscard]] static QString defaultDataDir();

    //! Reads the settings; unknown keys are reported in `warnings` (they are usually typos).
    [[nodiscard]] static Result<ServerConfig> fromSettings(QSettings &settings,
                                                           QStringList *warnings);
    //! Checks ranges and consistency.
    [[nodiscard]] Result<void> validate() const;
};

//! A duration as the config writes it, in milliseconds: "30d", "12h", "15m", "90s"; 0 for "off",
//! "0" or nothing; -1 when it is not one.
[[nodiscard]] qint64 parseDuration(const QString &text);

//! The options confabd and its admin commands share (`confabd --help` lists them).
void addServerOptions(QCommandLineParser &parser);
//! The config file named by --config (or the default one, if it exists), then the overrides.
[[nodiscard]] Result<ServerConfig> loadServerConfig(const QCommandLineParser &parser,
                                                    QStringList *warnings);

} // namespace Confab
