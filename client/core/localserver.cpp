#include "localserver.h"

#include <confab/datadir.h>
#include <confab/logging.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>
#include <QNetworkInterface>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTimer>
#include <QUrl>

namespace Confab::Client {

LocalServer::LocalServer(const QString &dataDir, QObject *parent)
    : QObject(parent), m_dataDir(dataDir)
{ }

LocalServer::~LocalServer()
{
    if (m_keepRunning && m_process) {
        m_process->setParent(nullptr);
        static_cast<void>(m_process.release()); // keeps serving after the app is gone
        return;
    }
    stop();
}

QString LocalServer::findExecutable()
{
    const QString fromEnvironment = qEnvironmentVariable("CONFAB_CONFABD");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    const QDir here(QCoreApplication::applicationDirPath());
    for (const QString &candidate : { here.filePath(QStringLiteral("confabd")),
                                      here.filePath(QStringLiteral("../../server/confabd")),
                                      here.filePath(QStringLiteral("../server/confabd")) }) {
        if (QFileInfo(candidate).isExecutable())
            return QFileInfo(candidate).canonicalFilePath();
    }
    return QStandardPaths::findExecutable(QStringLiteral("confabd"));
}

void LocalServer::start(bool allowOtherComputers, quint16 port)
{
    const QString program = findExecutable();
    if (program.isEmpty()) {
        Q_EMIT failed(tr("The Confab server (confabd) is not installed next to this app."));
        return;
    }
    m_allowOthers = allowOtherComputers;
    m_output.clear();
    m_external = false;
    if (const quint16 running = runningServerPort(); running != 0) {
        qCInfo(lcClientSync) << "a server already serves" << m_dataDir << "on port" << running;
        m_external = true;
        m_port = running;
        QTimer::singleShot(0, this, [this, running] {
            if (m_external && m_port == running)
                Q_EMIT started(running);
        });
        return;
    }
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    connect(m_process.get(), &QProcess::readyReadStandardOutput, this, &LocalServer::onOutput);
    connect(m_process.get(), &QProcess::errorOccurred, this, [this](QProcess::ProcessError) {
        Q_EMIT failed(tr("The server could not be started: %1").arg(m_process->errorString()));
    });
    connect(m_process.get(), &QProcess::finished, this, [this](int code, QProcess::ExitStatus) {
        if (m_port == 0) {
            const QString why = QString::fromLocal8Bit(m_process->readAllStandardError())
                                    .trimmed()
                                    .section(u'\n', -1);
            Q_EMIT failed(tr("The server stopped at once (exit code %1). %2").arg(code).arg(why));
        }
    });
    m_process->start(program, arguments(allowOtherComputers, port));
}

QStringList LocalServer::arguments(bool allowOtherComputers, quint16 port) const
{
    return { QStringLiteral("--data-dir"),
             m_dataDir,
             QStringLiteral("--listen"),
             allowOtherComputers ? QStringLiteral("0.0.0.0") : QStringLiteral("127.0.0.1"),
             QStringLiteral("--port"),
             QString::number(port) };
}

quint16 LocalServer::runningServerPort() const
{
    // confabd holds this lock while it uses the directory, and says where it listens beside it.
    QLockFile lock(DataDir::lockFile(m_dataDir));
    lock.setStaleLockTime(0);
    if (lock.tryLock(0) || lock.error() != QLockFile::LockFailedError)
        return 0;
    QFile address(DataDir::addressFile(m_dataDir));
    if (!address.open(QIODevice::ReadOnly))
        return 0;
    const QUrl url(QString::fromUtf8(address.readLine().trimmed()));
    return url.isValid() && url.port() > 0 ? quint16(url.port()) : 0;
}

Autostart LocalServer::loginItem()
{
    return Autostart(QStringLiteral("confabd-local"), tr("Confab server on this computer"));
}

Result<void> LocalServer::setStartAtLogin(bool enabled, bool allowOtherComputers,
                                          quint16 port) const
{
    const Autostart item = loginItem();
    if (!enabled)
        return item.disable();
    const QString program = findExecutable();
    if (program.isEmpty())
        return Error { ErrorCode::NOT_FOUND,
                       tr("The Confab server (confabd) is not installed next to this app.") };
    return item.enable(QFileInfo(program).absoluteFilePath(), arguments(allowOtherComputers, port));
}

void LocalServer::onOutput()
{
    m_output += m_process->readAllStandardOutput();
    static const QRegularExpression listening(QStringLiteral("listening on wss?://[^:]+:(\\d+)"));
    const auto match = listening.match(QString::fromUtf8(m_output));
    if (match.hasMatch() && m_port == 0) {
        m_port = quint16(match.captured(1).toUInt());
        qCInfo(lcClientSync) << "local server listening on port" << m_port;
        Q_EMIT started(m_port);
    }
}

void LocalServer::stop()
{
    if (m_external) { // not ours to stop
        m_external = false;
        m_port = 0;
        return;
    }
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate(); // SIGTERM: commit what is in flight, exit 0
        if (!m_process->waitForFinished(5000))
            m_process->kill();
    }
    m_process.reset();
    m_port = 0;
}

QStringList LocalServer::shareableAddresses() const
{
    QStringList addresses;
    if (!m_allowOthers)
        return addresses;
    for (const QHostAddress &address : QNetworkInterface::allAddresses()) {
        if (address.protocol() == QAbstractSocket::IPv4Protocol && !address.isLoopback())
            addresses << QStringLiteral("%1:%2").arg(address.toString()).arg(m_port);
    }
    return addresses;
}

} // namespace Confab::Client
