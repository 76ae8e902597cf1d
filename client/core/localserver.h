#pragma once

#include "autostart.h"

#include <QObject>
#include <QProcess>
#include <QStringList>

#include <memory>

namespace Confab::Client {

//! A confabd started by the desktop app as a child process ("start a server on this computer"):
//! its data under the app's data directory, loopback only unless other computers may join, and
//! stopped (SIGTERM: it commits and exits cleanly) when this object goes, unless kept running.
class LocalServer final : public QObject
{
    Q_OBJECT
public:
    explicit LocalServer(const QString &dataDir, QObject *parent = nullptr);
    ~LocalServer() override;

    //! The confabd to run: $CONFAB_CONFABD, beside this program, in the build tree, or on PATH.
    [[nodiscard]] static QString findExecutable();

    //! Starts it; started() or failed() follows. port 0 picks a free port. When a confabd
    //! already serves this data directory (kept running earlier, or started at login), that one
    //! is used: started() gives its port, and it is left running on stop().
    void start(bool allowOtherComputers, quint16 port = 7700);
    void stop();
    void setKeepRunning(bool keep) { m_keepRunning = keep; }

    [[nodiscard]] bool isRunning() const
    {
        return m_external || (m_process && m_process->state() == QProcess::Running);
    }
    //! Whether the server in use was already running (not this object's child).
    [[nodiscard]] bool isExternal() const { return m_external; }
    [[nodiscard]] quint16 port() const { return m_port; }
    //! Addresses others can use to join (this computer's LAN addresses), when allowed.
    [[nodiscard]] QStringList shareableAddresses() const;

    //! The confabd command line for this data directory.
    [[nodiscard]] QStringList arguments(bool allowOtherComputers, quint16 port) const;
    //! The login item that starts this server when the user logs in to the computer.
    [[nodiscard]] static Autostart loginItem();
    //! Makes the login item start this server (with these options), or removes it.
    Result<void> setStartAtLogin(bool enabled, bool allowOtherComputers, quint16 port) const;

Q_SIGNALS:
    void started(quint16 port);
    void failed(const QString &reason);

private:
    void onOutput();
    //! The port of a confabd already serving m_dataDir, or 0.
    [[nodiscard]] quint16 runningServerPort() const;

    const QString m_dataDir;
    std::unique_ptr<QProcess> m_process;
    QByteArray m_output;
    quint16 m_port = 0;
    bool m_allowOthers = false;
    bool m_keepRunning = false;
    bool m_external = false;
};

} // namespace Confab::Client
