#include "notificationsound.h"

#include <confab/logging.h>

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTimer>

#if defined(Q_OS_WIN)
#include <mmsystem.h>
#include <qt_windows.h>
#endif

namespace Confab::Ui {

namespace {
constexpr int kPlayerTimeoutMs = 5000; //!< a player that hangs is stopped after this
}

NotificationSound::NotificationSound(QObject *parent) : QObject(parent) { }

NotificationSound::~NotificationSound()
{
    if (m_playing)
        m_playing->kill();
}

QStringList NotificationSound::player()
{
    const QString custom = qEnvironmentVariable("CONFAB_SOUND_PLAYER");
    if (!custom.isEmpty())
        return QProcess::splitCommand(custom);
#if defined(Q_OS_MACOS)
    return { QStringLiteral("/usr/bin/afplay") };
#elif defined(Q_OS_WIN)
    return {};
#else
    for (const QStringList &candidate :
         { QStringList { QStringLiteral("pw-play") }, QStringList { QStringLiteral("paplay") },
           QStringList { QStringLiteral("aplay"), QStringLiteral("-q") } }) {
        const QString program = QStandardPaths::findExecutable(candidate.first());
        if (!program.isEmpty())
            return QStringList { program } + candidate.mid(1);
    }
    return {};
#endif
}

QString NotificationSound::soundFile()
{
    const QString resource = QStringLiteral(":/sounds/message.wav");
    const QString path = QDir(QStandardPaths::writableLocation(QStandardPaths::CacheLocation))
                             .filePath(QStringLiteral("message.wav"));
    if (QFileInfo(path).size() == QFileInfo(resource).size())
        return path;
    QFile source(resource);
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile target(path);
    if (!source.open(QIODevice::ReadOnly) || !target.open(QIODevice::WriteOnly)
        || target.write(source.readAll()) < 0 || !target.commit()) {
        qCWarning(lcClientSync) << "cannot write the notification sound to" << path;
        return {};
    }
    return path;
}

void NotificationSound::play()
{
    if (m_playing)
        return; // still sounding
    const QString file = soundFile();
#if defined(Q_OS_WIN)
    if (!file.isEmpty() && qEnvironmentVariableIsEmpty("CONFAB_SOUND_PLAYER")
        && PlaySoundW(reinterpret_cast<LPCWSTR>(QDir::toNativeSeparators(file).utf16()), nullptr,
                      SND_FILENAME | SND_ASYNC | SND_NODEFAULT))
        return;
#endif
    QStringList command = player();
    if (file.isEmpty() || command.isEmpty()) {
        QApplication::beep();
        return;
    }
    auto *process = new QProcess(this);
    m_playing = process;
    process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process->setStandardOutputFile(QProcess::nullDevice());
    connect(process, &QProcess::finished, process, &QObject::deleteLater);
    connect(process, &QProcess::errorOccurred, process, [process](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) {
            QApplication::beep();
            process->deleteLater();
        }
    });
    QTimer::singleShot(kPlayerTimeoutMs, process, [process] { process->kill(); });
    const QString program = command.takeFirst();
    process->start(program, command << file);
}

} // namespace Confab::Ui
