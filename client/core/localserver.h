#pragma once

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

    //! Starts it; started() or failed() follows. port 0 picks a free port.
    void start(bool allowOtherComputers, quint16 port = 7700);
    void stop();
    void setKeepRunning(bool keep) { m_keepRunning = keep; }

    [[nodiscard]] bool isRunning() const
    {
        return m_process && m_process->state() == QProcess::Running;
    }
    [[nodiscard]] quint16 port() const { return m_port; }
    //! Addresses others can use to join (this computer's LAN addresses), when allowed.
    [[nodiscard]] QStringList shareableAddresses() const;

Q_SIGNALS:
    void started(quint16 port);
    void failed(const QString &reason);

private:
    void onOutput();

    const QString m_dataDir;
    std::unique_ptr<QProcess> m_process;
    QByteArray m_output;
    quint16 m_port = 0;
    bool m_allowOthers = false;
    bool m_keepRunning = false;
};

} // namespace Confab::Client
