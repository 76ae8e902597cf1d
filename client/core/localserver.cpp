#include "localserver.h"

#include <confab/logging.h>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QNetworkInterface>
#include <QRegularExpression>
#include <QStandardPaths>

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
    m_process->start(
        program,
        { QStringLiteral("--data-dir"), m_dataDir, QStringLiteral("--listen"),
          allowOtherComputers ? QStringLiteral("0.0.0.0") : QStringLiteral("127.0.0.1"),
          QStringLiteral("--port"), QString::number(port) });
}

void LocalServer::onOutput()
{
    m_output += m_process->readAllStandardOutput();
    static const QRegularExpression listening(QStringLiteral("listening on ws://[^:]+:(\\d+)"));
    const auto match = listening.match(QString::fromUtf8(m_output));
    if (match.hasMatch() && m_port == 0) {
        m_port = quint16(match.captured(1).toUInt());
        qCInfo(lcClientSync) << "local server listening on port" << m_port;
        Q_EMIT started(m_port);
    }
}

void LocalServer::stop()
{
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
