#include "serverconfig.h"

#include "cluster/redisclient.h"
#include "store/postgresstore.h"
#include "store/sqlitestore.h"

#include <confab/notifyrules.h>

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QUrl>

#include <limits>

namespace Confab {

namespace {

const QStringList kKnownKeys = {
    QStringLiteral("server/listen"),
    QStringLiteral("server/port"),
    QStringLiteral("server/data_dir"),
    QStringLiteral("server/node_id"),
    QStringLiteral("server/name"),
    QStringLiteral("server/network_threads"),
    QStringLiteral("server/max_database_mb"),
    QStringLiteral("store/postgres"),
    QStringLiteral("cluster/redis"),
    QStringLiteral("metrics/listen"),
    QStringLiteral("metrics/port"),
    QStringLiteral("limits/max_frame_bytes"),
    QStringLiteral("limits/max_text_bytes"),
    QStringLiteral("limits/max_page_size"),
    QStringLiteral("limits/max_group_members"),
    QStringLiteral("limits/rate_per_second"),
    QStringLiteral("limits/rate_burst"),
    QStringLiteral("limits/user_rate_per_second"),
    QStringLiteral("limits/user_rate_burst"),
    QStringLiteral("limits/max_connections_per_address"),
    QStringLiteral("limits/ping_interval_ms"),
    QStringLiteral("limits/idle_timeout_ms"),
    QStringLiteral("limits/handshake_timeout_ms"),
    QStringLiteral("limits/max_store_queue"),
    QStringLiteral("limits/max_send_queue_bytes"),
    QStringLiteral("limits/max_attachment_mb"),
    QStringLiteral("limits/attachment_chunk_kb"),
    QStringLiteral("presence/grace_ms"),
    QStringLiteral("email/smtp_url"),
    QStringLiteral("email/from"),
    QStringLiteral("email/username"),
    QStringLiteral("email/password"),
    QStringLiteral("email/require_tls"),
    QStringLiteral("email/digest_after_minutes"),
    QStringLiteral("email/digest_interval_minutes"),
    QStringLiteral("email/previews"),
    QStringLiteral("email/retry_seconds"),
    QStringLiteral("history/archive_after"),
    QStringLiteral("history/archive_interval"),
    QStringLiteral("history/retention"),
    QStringLiteral("history/retention_interval"),
    QStringLiteral("history/min_retention"),
    QStringLiteral("history/recent_messages"),
    QStringLiteral("history/recent_cache_mb"),
    QStringLiteral("auth/token_ttl_days"),
    QStringLiteral("auth/argon2_ops_limit"),
    QStringLiteral("auth/argon2_mem_limit_kib"),
    QStringLiteral("auth/threads"),
    QStringLiteral("auth/max_pending"),
    QStringLiteral("auth/login_failures_per_user"),
    QStringLiteral("auth/login_failures_per_address"),
    QStringLiteral("auth/login_window_seconds"),
    QStringLiteral("auth/registration"),
    QStringLiteral("auth/registrations_per_address_per_hour"),
    QStringLiteral("tls/certificate"),
    QStringLiteral("tls/key"),
};

// Reads an unsigned key into `out`; false (with a message) when present but not a number in range.
bool readNumber(QSettings &settings, const QString &key, quint64 min, quint64 max, quint64 &out,
                QString *error)
{
    if (!settings.contains(key))
        return true;
    bool ok = false;
    const quint64 value = settings.value(key).toString().trimmed().toULongLong(&ok);
    if (!ok || value < min || value > max) {
        *error = QStringLiteral("%1 must be a number from %2 to %3, not \"%4\"")
                     .arg(key)
                     .arg(min)
                     .arg(max)
                     .arg(settings.value(key).toString());
        return false;
    }
    out = value;
    return true;
}

// Reads a duration key (parseDuration) into `outMs`; false (with a message) when present but not
// one, or outside [minMs, maxMs] (0, none, is always allowed).
bool readDuration(QSettings &settings, const QString &key, qint64 minMs, qint64 maxMs,
                  qint64 &outMs, QString *error)
{
    if (!settings.contains(key))
        return true;
    const QString text = settings.value(key).toString();
    const qint64 ms = parseDuration(text);
    if (ms < 0 || (ms > 0 && (ms < minMs || ms > maxMs))) {
        *error = QStringLiteral("%1 must be a duration like 30d, 12h, 15m or 90s (from %2 s to %3 "
                                "days), or off; not \"%4\"")
                     .arg(key)
                     .arg(minMs / 1000)
                     .arg(maxMs / 86'400'000)
                     .arg(text);
        return false;
    }
    outMs = ms;
    return true;
}

template<typename T>
bool readInto(QSettings &settings, const char *key, quint64 min, quint64 max, T &field,
              QString *error)
{
    quint64 value = quint64(field);
    if (!readNumber(settings, QString::fromLatin1(key), min, max, value, error))
        return false;
    field = T(value);
    return true;
}

} // namespace

qint64 parseDuration(const QString &text)
{
    const QString trimmed = text.trimmed().toLower();
    if (trimmed.isEmpty() || trimmed == QLatin1String("off") || trimmed == QLatin1String("0"))
        return 0;
    qint64 unit = 0;
    switch (trimmed.back().unicode()) {
    case 's':
        unit = 1000;
        break;
    case 'm':
        unit = 60'000;
        break;
    case 'h':
        unit = 3'600'000;
        break;
    case 'd':
        unit = 86'400'000;
        break;
    default:
        return -1;
    }
    bool ok = false;
    const qint64 count = trimmed.chopped(1).toLongLong(&ok);
    if (!ok || count <= 0 || count > std::numeric_limits<qint64>::max() / unit)
        return -1;
    return count * unit;
}

QString ServerConfig::defaultConfigPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
        + QStringLiteral("/confabd/confabd.conf");
}

QString ServerConfig::defaultDataDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
        + QStringLiteral("/confabd");
}

Result<ServerConfig> ServerConfig::fromSettings(QSettings &settings, QStringList *warnings)
{
    ServerConfig config;
    config.dataDir = defaultDataDir();
    if (warnings) {
        for (const QString &key : settings.allKeys())
            if (!kKnownKeys.contains(key))
                warnings->append(QStringLiteral("unknown setting %1 in %2 (ignored)")
                                     .arg(key, settings.fileName()));
    }
    if (settings.contains(QStringLiteral("server/listen"))) {
        const QString text = settings.value(QStringLiteral("server/listen")).toString().trimmed();
        if (!config.listenAddress.setAddress(text))
            return Error { ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("server/listen is not an IP address: \"%1\"").arg(text) };
    }
    if (settings.contains(QStringLiteral("metrics/listen"))) {
        const QString text = settings.value(QStringLiteral("metrics/listen")).toString().trimmed();
        if (!config.metricsListen.setAddress(text))
            return Error {
                ErrorCode::INVALID_ARGUMENT,
                QStringLiteral("metrics/listen is not an IP address: \"%1\"").arg(text)
            };
    }
    if (settings.contains(QStringLiteral("server/data_dir")))
        config.dataDir = settings.value(QStringLiteral("server/data_dir")).toString();
    // Relative paths are taken from the config file's directory, so a config and its
    // certificate can move together.
    auto path = [&settings](const char *key) {
        const QString value = settings.value(QLatin1String(key)).toString().trimmed();
        if (value.isEmpty() || QFileInfo(value).isAbsolute())
            return value;
        return QFileInfo(settings.fileName()).dir().filePath(value);
    };
    config.tlsCertificate = path("tls/certificate");
    config.tlsKey = path("tls/key");
    if (settings.contains(QStringLiteral("cluster/redis")))
        config.redis = settings.value(QStringLiteral("cluster/redis")).toString().trimmed();
    if (settings.contains(QStringLiteral("store/postgres")))
        config.postgres = settings.value(QStringLiteral("store/postgres")).toString().trimmed();
    if (settings.contains(QStringLiteral("server/name")))
        config.serverName = settings.value(QStringLiteral("server/name")).toString();

    QString error;
    quint64 ttlDays = quint64(config.tokenTtlMs / (24 * 3600 * 1000));
    quint64 memKib = config.hashCost.memLimitBytes / 1024;
    quint64 windowSeconds = quint64(config.loginWindowMs / 1000);
    Limits &l = config.limits;
    quint64 digestAfterMinutes = quint64(config.digestAfterMs / 60'000);
    quint64 digestIntervalMinutes = quint64(config.digestIntervalMs / 60'000);
    quint64 mailRetrySeconds = quint64(config.mailRetryMs / 1000);
    quint64 attachmentMb = l.maxAttachmentBytes >> 20;
    quint64 chunkKb = l.attachmentChunkBytes / 1024;
    qint64 minRetentionMs = qint64(l.minRetentionDays) * 86'400'000;
    const bool ok = readInto(settings, "server/port", 0, 65535, config.port, &error)
        && readInto(settings, "server/node_id", 0, SnowflakeGenerator::kMaxNodeId, config.nodeId,
                    &error)
        && readInto(settings, "server/network_threads", 0, 64, config.networkThreads, &error)
        && readInto(settings, "server/max_database_mb", 0, quint64(1) << 30, config.maxDatabaseMb,
                    &error)
        && readInto(settings, "metrics/port", 0, 65535, config.metricsPort, &error)
        && readInto(settings, "limits/max_frame_bytes", 1024, 64 << 20, l.maxFrameBytes, &error)
        && readInto(settings, "limits/max_text_bytes", 1, 16 << 20, l.maxTextBytes, &error)
        && readInto(settings, "limits/max_page_size", 1, 10000, l.maxPageSize, &error)
        && readInto(settings, "limits/max_group_members", 2, 1'000'000, l.maxGroupMembers, &error)
        && readInto(settings, "limits/rate_per_second", 1, 1'000'000, l.ratePerSecond, &error)
        && readInto(settings, "limits/rate_burst", 1, 1'000'000, l.rateBurst, &error)
        && readInto(settings, "limits/user_rate_per_second", 0, 1'000'000, config.userRatePerSecond,
                    &error)
        && readInto(settings, "limits/user_rate_burst", 1, 1'000'000, config.userRateBurst, &error)
        && readInto(settings, "limits/max_connections_per_address", 0, 1'000'000,
                    config.maxConnectionsPerAddress, &error)
        && readInto(settings, "limits/ping_interval_ms", 100, 3'600'000, l.pingIntervalMs, &error)
        && readInto(settings, "limits/idle_timeout_ms", 200, 86'400'000, l.idleTimeoutMs, &error)
        && readInto(settings, "limits/handshake_timeout_ms", 100, 600'000,
                    config.handshakeTimeoutMs, &error)
        && readInto(settings, "limits/max_store_queue", 1, 10'000'000, config.maxStoreQueue, &error)
        && readInto(settings, "limits/max_send_queue_bytes", 65536, 1 << 30,
                    config.maxSendQueueBytes, &error)
        && readNumber(settings, QStringLiteral("limits/max_attachment_mb"), 0, 1 << 20,
                      attachmentMb, &error)
        && readNumber(settings, QStringLiteral("limits/attachment_chunk_kb"), 1, 16 << 10, chunkKb,
                      &error)
        && readInto(settings, "presence/grace_ms", 0, 600'000, config.presenceGraceMs, &error)
        && readNumber(settings, QStringLiteral("auth/token_ttl_days"), 1, 3650, ttlDays, &error)
        && readInto(settings, "auth/argon2_ops_limit", 1, 100, config.hashCost.opsLimit, &error)
        && readNumber(settings, QStringLiteral("auth/argon2_mem_limit_kib"), 8, 4 << 20, memKib,
                      &error)
        && readInto(settings, "auth/threads", 1, 64, config.authThreads, &error)
        && readInto(settings, "auth/max_pending", 1, 100'000, config.maxPendingAuth, &error)
        && readInto(settings, "auth/login_failures_per_user", 1, 1'000'000,
                    config.loginFailuresPerUser, &error)
        && readInto(settings, "auth/login_failures_per_address", 1, 1'000'000,
                    config.loginFailuresPerAddress, &error)
        && readInto(settings, "auth/registrations_per_address_per_hour", 0, 1'000'000,
                    config.registrationsPerAddressPerHour, &error)
        && readNumber(settings, QStringLiteral("auth/login_window_seconds"), 1, 86400,
                      windowSeconds, &error)
        && readNumber(settings, QStringLiteral("email/digest_after_minutes"), 1, 10080,
                      digestAfterMinutes, &error)
        && readNumber(settings, QStringLiteral("email/digest_interval_minutes"), 1, 10080,
                      digestIntervalMinutes, &error)
        && readNumber(settings, QStringLiteral("email/retry_seconds"), 1, 3600, mailRetrySeconds,
                      &error)
        && readDuration(settings, QStringLiteral("history/archive_after"), kMinArchiveAfterMs,
                        qint64(36'500) * 86'400'000, config.archiveAfterMs, &error)
        && readDuration(settings, QStringLiteral("history/archive_interval"), 1000,
                        qint64(30) * 86'400'000, config.archiveIntervalMs, &error)
        && readDuration(settings, QStringLiteral("history/retention"), kMinArchiveAfterMs,
                        qint64(36'500) * 86'400'000, config.retentionMs, &error)
        && readDuration(settings, QStringLiteral("history/retention_interval"), 1000,
                        qint64(30) * 86'400'000, config.retentionIntervalMs, &error)
        && readDuration(settings, QStringLiteral("history/min_retention"), kMinArchiveAfterMs,
                        qint64(36'500) * 86'400'000, minRetentionMs, &error)
        && readInto(settings, "history/recent_messages", 0, 10'000, config.recentMessages, &error)
        && readInto(settings, "history/recent_cache_mb", 0, 65'536, config.recentCacheMb, &error);
    if (!ok)
        return Error { ErrorCode::INVALID_ARGUMENT, error };
    config.tokenTtlMs = qint64(ttlDays) * 24 * 3600 * 1000;
    if (minRetentionMs % 86'400'000 != 0)
        return Error { ErrorCode::INVALID_ARGUMENT,
                       QStringLiteral("history/min_retention is a number of days, e.g. 1d") };
    l.minRetentionDays = quint32(minRetentionMs / 86'400'000);
    l.maxAttachmentBytes = attachmentMb << 20;
    l.attachmentChunkBytes = quint32(chunkKb * 1024);
    config.hashCost.memLimitBytes = memKib * 1024;
    config.loginWindowMs = int(windowSeconds * 1000);
    config.digestAfterMs = qint64(digestAfterMinutes) * 60'000;
    config.digestIntervalMs = qint64(digestIntervalMinutes) * 60'000;
    config.mailRetryMs = qint64(mailRetrySeconds) * 1000;
    config.digestSweepMs = int(std::min<qint64>(60'000, config.digestAfterMs / 2));
    config.smtpUrl = settings.value(QStringLiteral("email/smtp_url")).toString().trimmed();
    config.mailFrom = settings.value(QStringLiteral("email/from")).toString().trimmed();
    config.smtpUsername = settings.value(QStringLiteral("email/username")).toString();
    config.smtpPassword = settings.value(QStringLiteral("email/password")).toString();
    for (auto [key, field] : { std::pair { "email/require_tls", &config.smtpRequireTls },
                               std::pair { "email/previews", &config.digestPreviews } }) {
        const QString text = settings.value(QLatin1String(key)).toString().trimmed().toLower();
        if (!text.isEmpty() && text != QLatin1String("true") && text != QLatin1String("false"))
            return Error {
                ErrorCode::INVALID_ARGUMENT,
                QStringLiteral("%1 is true or false, not \"%2\"").arg(QLatin1String(key), text)
            };
        *field = text == QLatin1String("true");
    }
    if (settings.contains(QStringLiteral("auth/registration"))) {
        const QString text =
            settings.value(QStringLiteral("auth/registration")).toString().trimmed();
        if (text == QLatin1String("open"))
            config.openRegistration = true;
        else if (text == QLatin1String("closed"))
            config.openRegistration = false;
        else
            return Error {
                ErrorCode::INVALID_ARGUMENT,
                QStringLiteral("auth/registration is \"open\" or \"closed\", not \"%1\"").arg(text)
            };
    }
    if (auto valid = config.validate(); !valid)
        return valid.error();
    return config;
}

std::unique_ptr<Store::SqlStore> ServerConfig::makeStore() const
{
    if (!postgres.isEmpty())
        return std::make_unique<Store::PostgresStore>(dataDir, postgres);
    auto store = std::make_unique<Store::SqliteStore>(dataDir);
    store->setMaxDatabaseBytes(qint64(maxDatabaseMb) * 1024 * 1024);
    return store;
}

Result<void> ServerConfig::validate() const
{
    QString reason;
    if (!limits.isValid(&reason))
        return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("limits: %1").arg(reason) };
    if (nodeId > SnowflakeGenerator::kMaxNodeId)
        return Error {
            ErrorCode::INVALID_ARGUMENT,
            QStringLiteral("node id must be at most %1").arg(SnowflakeGenerator::kMaxNodeId)
        };
    if (dataDir.isEmpty())
        return Error { ErrorCode::INVALID_ARGUMENT, QStringLiteral("no data directory") };
    if (!redis.isEmpty()) {
        if (auto valid = Cluster::RedisAddress::parse(redis); !valid)
            return Error { ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("cluster/redis: %1").arg(valid.error().message) };
        if (postgres.isEmpty())
            return Error { ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("cluster/redis: the nodes of a cluster share one "
                                          "database: set store/postgres too") };
    }
    if (!postgres.isEmpty()) {
        if (auto valid = Store::PostgresStore::validateConnection(postgres); !valid)
            return Error { ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("store/postgres: %1").arg(valid.error().message) };
    }
    if (limits.minRetentionDays < 1
        || (retentionMs > 0 && limits.minRetentionDays > retentionDays()))
        return Error { ErrorCode::INVALID_ARGUMENT,
                       QStringLiteral("history/min_retention must be at least 1d, and no longer "
                                      "than history/retention") };
    if (tlsCertificate.isEmpty() != tlsKey.isEmpty())
        return Error { ErrorCode::INVALID_ARGUMENT,
                       QStringLiteral("tls: name both the certificate and the key, or neither") };
    if (!smtpUrl.isEmpty()) {
        const QUrl url(smtpUrl);
        if (!url.isValid() || url.host().isEmpty()
            || (url.scheme() != QLatin1String("smtp") && url.scheme() != QLatin1String("smtps")))
            return Error { ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("email/smtp_url must be smtp://host:port or "
                                          "smtps://host:port, not \"%1\"")
                               .arg(smtpUrl) };
        if (!Notify::isPlainEmailAddress(mailFrom))
            return Error { ErrorCode::INVALID_ARGUMENT,
                           QStringLiteral("email/from must be an address like "
                                          "confab@example.org, not \"%1\"")
                               .arg(mailFrom) };
    }
    return {};
}

void addServerOptions(QCommandLineParser &parser)
{
    parser.addOptions({
        { QStringLiteral("config"),
          QStringLiteral("Read settings from <file> (INI). Default: %1 if it exists.")
              .arg(ServerConfig::defaultConfigPath()),
          QStringLiteral("file") },
        { QStringLiteral("listen"),
          QStringLiteral("Listen on <address> (default 127.0.0.1; 0.0.0.0 or :: for every "
                         "interface)."),
          QStringLiteral("address") },
        { QStringLiteral("port"),
          QStringLiteral("Listen on <port> (default 7700; 0 picks a "
                         "free one)."),
          QStringLiteral("port") },
        { QStringLiteral("data-dir"),
          QStringLiteral("Keep the database in <dir> (default %1).")
              .arg(ServerConfig::defaultDataDir()),
          QStringLiteral("dir") },
        { QStringLiteral("node-id"),
          QStringLiteral("This node's id in message ids, 0-%1 (default 1); unique per "
                         "cluster node.")
              .arg(SnowflakeGenerator::kMaxNodeId),
          QStringLiteral("id") },
    });
}

Result<ServerConfig> loadServerConfig(const QCommandLineParser &parser, QStringList *warnings)
{
    QString path = parser.value(QStringLiteral("config"));
    if (path.isEmpty() && QFileInfo::exists(ServerConfig::defaultConfigPath()))
        path = ServerConfig::defaultConfigPath();
    if (!path.isEmpty() && !QFileInfo(path).isReadable())
        return Error { ErrorCode::INVALID_ARGUMENT,
                       QStringLiteral("cannot read the config file %1").arg(path) };
    QSettings settings(path.isEmpty() ? QStringLiteral("/dev/null") : path, QSettings::IniFormat);
    if (settings.status() != QSettings::NoError)
        return Error { ErrorCode::INVALID_ARGUMENT,
                       QStringLiteral("the config file %1 is not valid INI").arg(path) };
    auto loaded = ServerConfig::fromSettings(settings, warnings);
    if (!loaded)
        return loaded;
    ServerConfig config = loaded.value();

    if (parser.isSet(QStringLiteral("listen"))
        && !config.listenAddress.setAddress(parser.value(QStringLiteral("listen")))) {
        return Error { ErrorCode::INVALID_ARGUMENT,
                       QStringLiteral("--listen is not an IP address: \"%1\"")
                           .arg(parser.value(QStringLiteral("listen"))) };
    }
    auto number = [&parser](const char *name, quint64 max, auto &field) -> Result<void> {
        const QString option = QString::fromLatin1(name);
        if (!parser.isSet(option))
            return {};
        bool ok = false;
        const quint64 value = parser.value(option).toULongLong(&ok);
        if (!ok || value > max)
            return Error {
                ErrorCode::INVALID_ARGUMENT,
                QStringLiteral("--%1 must be a number from 0 to %2").arg(option).arg(max)
            };
        field = std::remove_reference_t<decltype(field)>(value);
        return {};
    };
    if (auto done = number("port", 65535, config.port); !done)
        return done.error();
    if (auto done = number("node-id", SnowflakeGenerator::kMaxNodeId, config.nodeId); !done)
        return done.error();
    if (parser.isSet(QStringLiteral("data-dir")))
        config.dataDir = parser.value(QStringLiteral("data-dir"));
    if (auto valid = config.validate(); !valid)
        return valid.error();
    return config;
}

} // namespace Confab
