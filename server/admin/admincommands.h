#pragma once

#include <QStringList>
#include <QTextStream>

#include <functional>
#include <memory>

namespace Confab {
struct ServerConfig;
namespace Store {
class SqlStore;
}

//! The admin commands of `confabd` (`confabd user add alice`, `confabd stats`, ...). They open
//! the data directory directly, and work beside a running server (SQLite WAL). Main thread.
class AdminCommands final
{
public:
    //! Reads a password: from the terminal without echo, or a line of stdin when not a terminal.
    using PasswordReader = std::function<QByteArray(const QString &prompt)>;

    AdminCommands(const ServerConfig &config, QTextStream &out, QTextStream &err,
                  PasswordReader readPassword);

    //! Runs `arguments` (e.g. {"user", "add", "alice"}); returns the process exit code.
    int run(const QStringList &arguments);

    [[nodiscard]] static QString usage();
    [[nodiscard]] static QByteArray readPasswordFromConsole(const QString &prompt);

private:
    int userAdd(const QStringList &arguments);
    int userList();
    int userSetDisabled(const QString &username, bool disabled);
    int userResetPassword(const QString &username);
    int stats();
    int backup(const QString &path);
    int check();
    int archiveRun(const QString &age);
    int archiveStatus();
    int archiveVerify();
    int retentionRun();
    int groupList();
    int groupShow(const QString &id);
    QByteArray newPassword();
    int fail(const QString &message, int code = 1);
    //! The data directory's store, opened (and migrated); null after reporting why not.
    std::unique_ptr<Store::SqlStore> openStore();

    const ServerConfig &m_config;
    QTextStream &m_out;
    QTextStream &m_err;
    PasswordReader m_readPassword;
};

} // namespace Confab
