#pragma once

#include <QObject>
#include <QPointer>
#include <QProcess>

namespace Confab::Ui {

//! The short sound of a new message. Qt Multimedia is not one of our modules, so it is played by
//! the system's own player: PipeWire's pw-play, PulseAudio's paplay or ALSA's aplay on Linux,
//! afplay on macOS, PlaySound on Windows; where there is none, the desktop's bell.
//! $CONFAB_SOUND_PLAYER names another player (the sound file is its last argument). A sound
//! still playing is not started again on top of itself.
class NotificationSound final : public QObject
{
    Q_OBJECT
public:
    explicit NotificationSound(QObject *parent = nullptr);
    ~NotificationSound() override;

    void play();

    //! The player found on this system, as a program and its arguments; empty: none.
    [[nodiscard]] static QStringList player();
    //! The sound as a file the player can open (copied out of the resources once).
    [[nodiscard]] static QString soundFile();

private:
    QPointer<QProcess> m_playing;
};

} // namespace Confab::Ui
