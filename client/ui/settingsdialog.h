#pragma once

#include "settings.h"
#include "types.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QGroupBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QLineEdit;
class QTimeEdit;

namespace Confab::Ui {

//! Preferences: the account (its devices and password, in AccountDialog), notifications, do not
//! disturb, theme, language, start-up and login items, and the server on this computer where there
//! is one. Saved on OK; everything applies at once except the language, which applies at the next
//! start (MainWindow offers to restart).
class SettingsDialog final : public QDialog
{
    Q_OBJECT
public:
    //! With accountText (e.g. "alice on chat.example.org:7700"), an Account section offers
    //! "Account and Devices…" (accountRequested()).
    //! prefs: the user's synced notification preferences (do not disturb, quiet hours, previews),
    //! changed here and given back by notificationPrefs().
    //! serverSendsEmail: the server sends digest emails (else that row is not offered).
    explicit SettingsDialog(QWidget *parent = nullptr, const QString &accountText = {},
                            const Client::NotificationPrefs &prefs = {},
                            bool serverSendsEmail = false);

    [[nodiscard]] AppSettings settings() const;
    //! The preferences as chosen (the user's time zone is this computer's, for quiet hours).
    [[nodiscard]] Client::NotificationPrefs notificationPrefs() const;
    QCheckBox *quietHoursBox() const { return m_quiet; }
    QTimeEdit *quietFromEdit() const { return m_quietFrom; }
    QTimeEdit *quietToEdit() const { return m_quietTo; }
    QCheckBox *notificationsBox() const { return m_notifications; }
    QCheckBox *doNotDisturbBox() const { return m_dnd; }
    QCheckBox *emailDigestBox() const { return m_emailDigest; }
    QLineEdit *emailEdit() const { return m_email; }
    QComboBox *themeBox() const { return m_theme; }
    QComboBox *languageBox() const { return m_language; }
    QSpinBox *awayBox() const { return m_away; }
    QCheckBox *soundBox() const { return m_sound; }
    QCheckBox *openAtLoginBox() const { return m_openAtLogin; }
    QCheckBox *serverAtLoginBox() const { return m_serverAtLogin; }
    QCheckBox *keepServerBox() const { return m_keepServer; }
    QGroupBox *serverGroup() const { return m_server; }
    QPushButton *accountButton() const { return m_account; }
    [[nodiscard]] QString errorText() const;

Q_SIGNALS:
    void applied(const Confab::Ui::AppSettings &settings);
    //! On OK too: the notification preferences, to go to every device of the user.
    void notificationPrefsChosen(const Confab::Client::NotificationPrefs &prefs);
    void accountRequested();

private:
    QCheckBox *m_notifications;
    QCheckBox *m_preview;
    QCheckBox *m_dnd;
    QCheckBox *m_quiet;
    QTimeEdit *m_quietFrom;
    QTimeEdit *m_quietTo;
    QCheckBox *m_emailDigest;
    QLineEdit *m_email;
    Client::NotificationPrefs m_prefs;
    QComboBox *m_theme;
    QComboBox *m_language;
    QCheckBox *m_sound;
    QCheckBox *m_minimized;
    QCheckBox *m_openAtLogin;
    QSpinBox *m_away;
    QGroupBox *m_server;
    QCheckBox *m_keepServer;
    QCheckBox *m_serverAtLogin;
    QLabel *m_error;
    QPushButton *m_account = nullptr;
    AppSettings m_base;
};

} // namespace Confab::Ui
