#include "admincommands.h"

#include "app/serverconfig.h"
#include "archive/archiver.h"
#include "archive/retention.h"
#include "auth/credentials.h"
#include "store/sqlitestore.h"

#include <confab/datadir.h>
#include <termios.h>
#include <unistd.h>

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSettings>

#include <cstdio>

namespace Confab {

AdminCommands::AdminCommands(const ServerConfig &config, QTextStream &out, QTextStream &err,
                             PasswordReader readPassword)
    : m_config(config), m_out(out), m_err(err), m_readPassword(std::move(readPassword))
{ }

QString AdminCommands::usage()
{
    return QStringLiteral(
        "Admin commands (they work while the server runs):\n"
        "  user add NAME [DISPLAY NAME]   create an account; asks for the password\n"
        "  user list                      list accounts\n"
        "  user disable NAME              refuse the account's logins and resumes\n"
        "  user enable NAME               allow it again\n"
        "  user reset-password NAME       set a new password; ends its sessions\n"
        "  stats                          counts of users, conversations, messages; the archive\n"
        "                                 and, while serving, the recent-message cache\n"
        "  backup PATH                    a consistent copy of the database, taken while serving\n"
        "  check                          integrity, references, gapless seqs and the archive's\n"
        "                                 files; exit 1 if not\n"
        "  archive run [AGE]              move messages older than AGE (e.g. 30d; default:\n"
        "                                 [history] archive_after) into the archive now\n"
        "  archive status                 what the archive holds\n"
        "  archive verify                 read every archive file; exit 1 if one is damaged\n"
        "  retention run                  delete now what is older than [history] retention\n"
        "                                 or a conversation's own retention\n"
        "  group list                     groups: id, messages, members, title\n"
        "  group show ID                  a group's members and their roles\n");
}

QByteArray AdminCommands::readPasswordFromConsole(const QString &prompt)
{
    QByteArray line(4096, '\0');
    if (!::isatty(STDIN_FILENO)) {
        if (!std::fgets(line.data(), int(line.size()), stdin))
            return {};
        line.truncate(qsizetype(qstrlen(line.constData())));
        while (line.endsWith('\n') || line.endsWith('\r'))
            line.chop(1);
        return line;
    }
    std::fprintf(stderr, "%s", prompt.toLocal8Bit().constData());
    std::fflush(stderr);
    termios saved {};
    tcgetattr(STDIN_FILENO, &saved);
    termios silent = saved;
    silent.c_lflag &= ~tcflag_t(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &silent);
    const bool read = std::fgets(line.data(), int(line.size()), stdin) != nullptr;
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
    if (!read)
        return {};
    line.truncate(qsizetype(qstrlen(line.constData())));
    while (line.endsWith('\n') || line.endsWith('\r'))
        line.chop(1);
    return line;
}

std::unique_ptr<Store::SqlStore> AdminCommands::openStore()
{
    auto store = m_config.makeStore();
    if (auto opened = store->open(); !opened) {
        fail(opened.error().message);
        return nullptr;
    }
    return store;
}

int AdminCommands::fail(const QString &message, int code)
{
    m_err << "confabd: " << message << Qt::endl;
    return code;
}

int AdminCommands::run(const QStringList &arguments)
{
    const QString command = arguments.value(0);
    const QString sub = arguments.value(1);
    if (command == QLatin1String("stats") && arguments.size() == 1)
        return stats();
    if (command == QLatin1String("backup") && arguments.size() == 2)
        return backup(arguments.at(1));
    if (command == QLatin1String("check") && arguments.size() == 1)
        return check();
    if (command == QLatin1String("archive") && sub == QLatin1String("run") && arguments.size() <= 3)
        return archiveRun(arguments.value(2));
    if (command == QLatin1String("archive") && sub == QLatin1String("status")
        && arguments.size() == 2)
        return archiveStatus();
    if (command == QLatin1String("archive") && sub == QLatin1String("verify")
        && arguments.size() == 2)
        return archiveVerify();
    if (command == QLatin1String("retention") && sub == QLatin1String("run")
        && arguments.size() == 2)
        return retentionRun();
    if (command == QLatin1String("group") && sub == QLatin1String("list") && arguments.size() == 2)
        return groupList();
    if (command == QLatin1String("group") && sub == QLatin1String("show") && arguments.size() == 3)
        return groupShow(arguments.at(2));
    if (command == QLatin1String("user")) {
        if (sub == QLatin1String("add") && arguments.size() >= 3)
            return userAdd(arguments.mid(2));
        if (sub == QLatin1String("list") && arguments.size() == 2)
            return userList();
        if (sub == QLatin1String("disable") && arguments.size() == 3)
            return userSetDisabled(arguments.at(2), true);
        if (sub == QLatin1String("enable") && arguments.size() == 3)
            return userSetDisabled(arguments.at(2), false);
        if (sub == QLatin1String("reset-password") && arguments.size() == 3)
            return userResetPassword(arguments.at(2));
    }
    m_err << "confabd: unknown command: " << arguments.join(u' ') << "\n\n" << usage();
    m_err.flush();
    return 2;
}

QByteArray AdminCommands::newPassword()
{
    const QByteArray first = m_readPassword(QStringLiteral("Password: "));
    if (auto valid = Auth::AccountRules::checkPassword(first); !valid) {
        fail(valid.error().message);
        return {};
    }
    if (m_readPassword(QStringLiteral("Again: ")) != first) {
        fail(QStringLiteral("the passwords differ"));
        return {};
    }
    return first;
}

int AdminCommands::userAdd(const QStringList &arguments)
{
    auto name = Auth::AccountRules::normalizeUsername(arguments.at(0));
    if (!name)
        return fail(name.error().message);
    const QString displayName = arguments.size() > 1 ? arguments.mid(1).join(u' ') : name.value();
    const QByteArray password = newPassword();
    if (password.isEmpty())
        return 1;
    auto hash = Auth::PasswordHasher::hash(password, m_config.hashCost);
    if (!hash)
        return fail(hash.error().message);
    auto opened = openStore();
    if (!opened)
        return 1;
    Store::SqlStore &store = *opened;
    auto created = store.createUser(name.value(), displayName, hash.value(),
                                    QDateTime::currentMSecsSinceEpoch());
    if (!created)
        return fail(QStringLiteral("cannot add %1: %2").arg(name.value(), created.error().message));
    m_out << "added user " << created.value().username << " (id " << created.value().userId << ")"
          << Qt::endl;
    return 0;
}

int AdminCommands::userList()
{
    auto opened = openStore();
    if (!opened)
        return 1;
    Store::SqlStore &store = *opened;
    auto users = store.users();
    if (!users)
        return fail(users.error().message);
    m_out << qSetFieldWidth(8) << Qt::left << "id" << qSetFieldWidth(34) << "username"
          << qSetFieldWidth(10) << "state" << qSetFieldWidth(0) << "display name\n";
    for (const auto &user : users.value()) {
        m_out << qSetFieldWidth(8) << user.userId << qSetFieldWidth(34) << user.username
              << qSetFieldWidth(10) << (user.disabled ? "disabled" : "active") << qSetFieldWidth(0)
              << user.displayName << "\n";
    }
    m_out.flush();
    return 0;
}

int AdminCommands::userSetDisabled(const QString &username, bool disabled)
{
    auto opened = openStore();
    if (!opened)
        return 1;
    Store::SqlStore &store = *opened;
    auto user = store.userByName(username.toLower());
    if (!user)
        return fail(QStringLiteral("no user named %1").arg(username));
    if (auto done = store.setUserDisabled(user.value().userId, disabled); !done)
        return fail(done.error().message);
    m_out << (disabled ? "disabled " : "enabled ") << user.value().username << Qt::endl;
    return 0;
}

int AdminCommands::userResetPassword(const QString &username)
{
    auto opened = openStore();
    if (!opened)
        return 1;
    Store::SqlStore &store = *opened;
    auto user = store.userByName(username.toLower());
    if (!user)
        return fail(QStringLiteral("no user named %1").arg(username));
    const QByteArray password = newPassword();
    if (password.isEmpty())
        return 1;
    auto hash = Auth::PasswordHasher::hash(password, m_config.hashCost);
    if (!hash)
        return fail(hash.error().message);
    if (auto done = store.setPasswordHash(user.value().userId, hash.value()); !done)
        return fail(done.error().message);
    m_out << "new password set for " << user.value().username << "; their sessions ended"
          << Qt::endl;
    return 0;
}

int AdminCommands::stats()
{
    auto opened = openStore();
    if (!opened)
        return 1;
    Store::SqlStore &store = *opened;
    auto stats = store.stats();
    if (!stats)
        return fail(stats.error().message);
    const auto &s = stats.value();
    m_out << "data directory   " << m_config.dataDir << "\n"
          << "schema version   " << s.schemaVersion << "\n"
          << "users            " << s.users << " (" << s.disabledUsers << " disabled)\n"
          << "conversations    " << s.conversations << "\n"
          << "messages         " << s.messages << "\n"
          << "active sessions  " << s.activeTokens << "\n"
          << "database bytes   " << s.databaseBytes << "\n"
          << "archived         " << s.archivedMessages << " messages in " << s.archiveSegments
          << " files, " << s.archiveBytes << " bytes (" << s.archiveRawBytes << " uncompressed)"
          << Qt::endl;
    // What only the running server knows: its recent-message cache.
    QSettings runtime(DataDir::runtimeStatsFile(m_config.dataDir), QSettings::IniFormat);
    const qint64 writtenMs = runtime.value(QStringLiteral("recent_cache/written_ms")).toLongLong();
    if (writtenMs > 0) {
        const quint64 hits = runtime.value(QStringLiteral("recent_cache/hits")).toULongLong();
        const quint64 misses = runtime.value(QStringLiteral("recent_cache/misses")).toULongLong();
        m_out << "recent cache     "
              << runtime.value(QStringLiteral("recent_cache/conversations")).toLongLong()
              << " conversations, "
              << runtime.value(QStringLiteral("recent_cache/bytes")).toLongLong() << " of "
              << runtime.value(QStringLiteral("recent_cache/budget_bytes")).toLongLong()
              << " bytes; " << hits << " hits, " << misses << " misses";
        if (hits + misses > 0)
            m_out << " (" << QString::number(100.0 * double(hits) / double(hits + misses), 'f', 1)
                  << "% hit rate)";
        m_out << "; as of "
              << QDateTime::fromMSecsSinceEpoch(writtenMs).toString(QStringLiteral("HH:mm:ss"))
              << ", from the running server (pid "
              << runtime.value(QStringLiteral("recent_cache/pid")).toString() << ")" << Qt::endl;
    }
    return 0;
}

int AdminCommands::archiveRun(const QString &age)
{
    qint64 afterMs = m_config.archiveAfterMs;
    if (!age.isEmpty()) {
        afterMs = parseDuration(age);
        if (afterMs < ServerConfig::kMinArchiveAfterMs)
            return fail(QStringLiteral("archive run takes an age of at least a day, like 30d or "
                                       "36h; not \"%1\"")
                            .arg(age),
                        2);
    }
    if (afterMs <= 0)
        return fail(QStringLiteral("archiving is off: give an age (archive run 30d) or set "
                                   "[history] archive_after"),
                    2);
    auto opened = openStore();
    if (!opened)
        return 1;
    Archive::Archiver archiver(*opened, Store::SqlStore::archivePath(m_config.dataDir));
    const qint64 cutoffMs = QDateTime::currentMSecsSinceEpoch() - afterMs;
    m_out << "archiving messages stored before "
          << QDateTime::fromMSecsSinceEpoch(cutoffMs, Qt::UTC).toString(Qt::ISODate) << Qt::endl;
    auto report = archiver.run(cutoffMs);
    if (!report)
        return fail(report.error().message);
    const Archive::RunReport &r = report.value();
    m_out << "moved " << r.messages << " messages of " << r.conversations << " conversations into "
          << r.segments << " files (" << r.bytes << " bytes; " << r.rawBytes << " uncompressed)";
    if (r.conflicts > 0)
        m_out << "; " << r.conflicts << " steps to retry (messages changed meanwhile)";
    if (r.orphansRemoved > 0)
        m_out << "; removed " << r.orphansRemoved << " files left by an interrupted run";
    m_out << Qt::endl;
    return 0;
}

int AdminCommands::retentionRun()
{
    auto opened = openStore();
    if (!opened)
        return 1;
    Archive::Retention retention(*opened, Store::SqlStore::archivePath(m_config.dataDir));
    auto report = retention.run(QDateTime::currentMSecsSinceEpoch(), m_config.retentionMs);
    if (!report)
        return fail(report.error().message);
    const Archive::RetentionReport &r = report.value();
    m_out << "deleted " << r.entries << " entries of " << r.purged.size() << " conversations ("
          << r.segmentsRemoved << " archive files deleted, " << r.segmentsRewritten << " cut)";
    if (r.conflicts > 0)
        m_out << "; " << r.conflicts << " steps to retry (conversations changed meanwhile)";
    m_out << Qt::endl;
    if (r.failures > 0)
        return fail(
            QStringLiteral("%1 conversations could not be done now (see the log)").arg(r.failures));
    return 0;
}

int AdminCommands::archiveStatus()
{
    auto opened = openStore();
    if (!opened)
        return 1;
    auto stats = opened->stats();
    if (!stats)
        return fail(stats.error().message);
    const auto &s = stats.value();
    m_out << "archive directory  " << Store::SqlStore::archivePath(m_config.dataDir) << "\n"
          << "archive after      "
          << (m_config.archiveAfterMs > 0
                  ? QStringLiteral("%1 s").arg(m_config.archiveAfterMs / 1000)
                  : QStringLiteral("off"))
          << "\n"
          << "archived messages  " << s.archivedMessages << "\n"
          << "files              " << s.archiveSegments << "\n"
          << "bytes              " << s.archiveBytes << " (" << s.archiveRawBytes
          << " uncompressed";
    if (s.archiveBytes > 0)
        m_out << ", " << QString::number(double(s.archiveRawBytes) / double(s.archiveBytes), 'f', 1)
              << "x";
    m_out << ")\n"
          << "in the database    " << s.messages << " messages" << Qt::endl;
    return 0;
}

int AdminCommands::archiveVerify()
{
    auto opened = openStore();
    if (!opened)
        return 1;
    Archive::Archiver archiver(*opened, Store::SqlStore::archivePath(m_config.dataDir));
    auto report = archiver.verify();
    if (!report)
        return fail(report.error().message);
    const Archive::VerifyReport &r = report.value();
    m_out << "verified " << r.segments << " archive files, " << r.messages << " messages"
          << Qt::endl;
    for (const QString &orphan : r.orphans)
        m_out << "note: " << orphan << " is named by no segment (left by an interrupted run; "
              << "the next run removes it)\n";
    for (const QString &problem : r.problems)
        m_out << "problem: " << problem << "\n";
    if (!r.problems.isEmpty()) {
        m_out << r.problems.size() << " damaged" << Qt::endl;
        return 1;
    }
    m_out << "ok: every archive file reads back as recorded" << Qt::endl;
    return 0;
}

int AdminCommands::backup(const QString &path)
{
    if (!m_config.postgres.isEmpty())
        return fail(QStringLiteral("the database is PostgreSQL's: back it up with its own tools "
                                   "(pg_dump, or pg_basebackup with WAL archiving), and the "
                                   "data directory (attachments, archive) with it"));
    auto opened = openStore();
    if (!opened)
        return 1;
    auto written = static_cast<Store::SqliteStore &>(*opened).backupTo(path);
    if (!written)
        return fail(written.error().message);
    m_out << "backup written to " << path << " (" << written.value() << " bytes, checked)"
          << Qt::endl;
    // The archive files the copy names (they never change once written) go beside it.
    const QString archiveCopy = path + QStringLiteral(".archive");
    auto copied =
        Archive::copyArchive(path, Store::SqlStore::archivePath(m_config.dataDir), archiveCopy);
    if (!copied)
        return fail(copied.error().message);
    if (copied.value() > 0)
        m_out << "archive: " << copied.value() << " files copied to " << archiveCopy
              << " (each checked by its SHA-256)" << Qt::endl;
    m_out << "to restore it: stop confabd, then copy it to "
          << QDir(m_config.dataDir).filePath(QStringLiteral("confab.db"))
          << " and remove confab.db-wal and confab.db-shm beside it";
    if (copied.value() > 0)
        m_out << "; and copy " << archiveCopy << " to "
              << Store::SqlStore::archivePath(m_config.dataDir);
    m_out << Qt::endl;
    return 0;
}

int AdminCommands::check()
{
    auto opened = openStore();
    if (!opened)
        return 1;
    auto report = opened->check();
    if (!report)
        return fail(report.error().message);
    auto &found = report.value();
    Archive::Archiver archiver(*opened, Store::SqlStore::archivePath(m_config.dataDir));
    auto archive = archiver.verify();
    if (!archive)
        return fail(archive.error().message);
    found.problems += archive.value().problems;
    m_out << "checked " << found.conversations << " conversations, " << found.messages
          << " messages" << Qt::endl;
    for (const QString &problem : found.problems)
        m_out << "problem: " << problem << "\n";
    if (!found.problems.isEmpty()) {
        m_out << found.problems.size() << " problems" << Qt::endl;
        return 1;
    }
    m_out << "ok: integrity, references, gapless seqs, member cursors, " << archive.value().segments
          << " archive files" << Qt::endl;
    return 0;
}

int AdminCommands::groupList()
{
    auto opened = openStore();
    if (!opened)
        return 1;
    auto groups = opened->groups();
    if (!groups)
        return fail(groups.error().message);
    m_out << qSetFieldWidth(20) << Qt::left << "id" << qSetFieldWidth(10) << "messages"
          << qSetFieldWidth(9) << "members" << qSetFieldWidth(0) << "title\n";
    for (const auto &group : groups.value()) {
        m_out << qSetFieldWidth(20) << group.conversationId << qSetFieldWidth(10) << group.lastSeq
              << qSetFieldWidth(9) << group.members.size() << qSetFieldWidth(0) << group.title
              << "\n";
    }
    m_out.flush();
    return 0;
}

int AdminCommands::groupShow(const QString &id)
{
    bool ok = false;
    const quint64 conversationId = id.toULongLong(&ok);
    if (!ok || conversationId == 0)
        return fail(QStringLiteral("not a group id: %1 (see: group list)").arg(id), 2);
    auto opened = openStore();
    if (!opened)
        return 1;
    auto groups = opened->groups(conversationId);
    if (!groups)
        return fail(groups.error().message);
    const auto &group = groups.value().first();
    m_out << "group " << group.conversationId << " \"" << group.title << "\", " << group.lastSeq
          << " entries, " << group.members.size() << " members\n";
    for (const auto &[username, role] : group.members) {
        const char *roleName = role == pb::ROLE_OWNER ? "owner"
            : role == pb::ROLE_ADMIN                  ? "admin"
                                                      : "member";
        m_out << "  " << qSetFieldWidth(34) << Qt::left << username << qSetFieldWidth(0) << roleName
              << "\n";
    }
    m_out.flush();
    return 0;
}

} // namespace Confab
