#include "settingsdialog.h"

#include <confab/notifyrules.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSpinBox>
#include <QTimeEdit>
#include <QTimeZone>
#include <QVBoxLayout>

namespace Confab::Ui {

SettingsDialog::SettingsDialog(QWidget *parent, const QString &accountText,
                               const Client::NotificationPrefs &prefs, bool serverSendsEmail)
    : QDialog(parent), m_prefs(prefs)
{
    setWindowTitle(tr("Settings"));
    const AppSettings current = AppSettings::load();

    auto *account = new QGroupBox(tr("Account"), this);
    auto *accountLabel = new QLabel(accountText, account);
    accountLabel->setWordWrap(true);
    m_account = new QPushButton(tr("Account and Devices…"), account);
    m_account->setToolTip(tr("See the devices signed in, sign them out, change the password"));
    connect(m_account, &QPushButton::clicked, this, &SettingsDialog::accountRequested);
    auto *accountLayout = new QHBoxLayout(account);
    accountLayout->addWidget(accountLabel, 1);
    accountLayout->addWidget(m_account);
    account->setVisible(!accountText.isEmpty());

    auto *notifications = new QGroupBox(tr("Notifications"), this);
    m_notifications = new QCheckBox(tr("Show notifications for new messages"), notifications);
    m_preview = new QCheckBox(tr("Show message text in notifications"), notifications);
    m_sound = new QCheckBox(tr("Play a sound"), notifications);
    m_dnd = new QCheckBox(tr("Do not disturb"), notifications);
    // Quiet hours: every day, in this computer's time zone; on every device of the account.
    m_quiet = new QCheckBox(tr("Quiet hours every day, from"), notifications);
    m_quietFrom = new QTimeEdit(notifications);
    m_quietTo = new QTimeEdit(notifications);
    for (QTimeEdit *edit : { m_quietFrom, m_quietTo }) {
        edit->setDisplayFormat(QLocale().timeFormat(QLocale::ShortFormat));
        edit->setEnabled(false);
        connect(m_quiet, &QCheckBox::toggled, edit, &QWidget::setEnabled);
    }
    m_quietFrom->setAccessibleName(tr("Quiet hours start"));
    m_quietTo->setAccessibleName(tr("Quiet hours end"));
    auto *quietRow = new QHBoxLayout;
    quietRow->addWidget(m_quiet);
    quietRow->addWidget(m_quietFrom);
    quietRow->addWidget(new QLabel(tr("to"), notifications));
    quietRow->addWidget(m_quietTo);
    quietRow->addStretch(1);
    // Digest emails, when the server sends them: for messages that wait while no device is on.
    m_emailDigest =
        new QCheckBox(tr("Email me about unread messages while I am away:"), notifications);
    m_email = new QLineEdit(notifications);
    m_email->setPlaceholderText(tr("you@example.org"));
    m_email->setAccessibleName(tr("Email address for digests"));
    m_email->setEnabled(false);
    connect(m_emailDigest, &QCheckBox::toggled, m_email, &QWidget::setEnabled);
    auto *emailRow = new QHBoxLayout;
    emailRow->addWidget(m_emailDigest);
    emailRow->addWidget(m_email, 1);
    m_emailDigest->setVisible(serverSendsEmail);
    m_email->setVisible(serverSendsEmail);
    auto *synced = new QLabel(serverSendsEmail
                                  ? tr("Message text, do not disturb, quiet hours and email are "
                                       "the same on all your devices.")
                                  : tr("Message text, do not disturb and quiet hours are the same "
                                       "on all your devices."),
                              notifications);
    synced->setWordWrap(true);
    synced->setMinimumHeight(2 * synced->fontMetrics().lineSpacing() + 2); // two lines fit
    synced->setEnabled(false); // a note, in the dimmer colour
    auto *notificationLayout = new QVBoxLayout(notifications);
    notificationLayout->addWidget(m_notifications);
    notificationLayout->addWidget(m_preview);
    notificationLayout->addWidget(m_sound);
    notificationLayout->addWidget(m_dnd);
    notificationLayout->addLayout(quietRow);
    notificationLayout->addLayout(emailRow);
    notificationLayout->addWidget(synced);
    connect(m_notifications, &QCheckBox::toggled, m_preview, &QWidget::setEnabled);
    connect(m_notifications, &QCheckBox::toggled, m_sound, &QWidget::setEnabled);

    auto *appearance = new QGroupBox(tr("Appearance"), this);
    m_theme = new QComboBox(appearance);
    m_theme->addItem(tr("Follow the system"), int(AppSettings::Theme::System));
    m_theme->addItem(tr("Light"), int(AppSettings::Theme::Light));
    m_theme->addItem(tr("Dark"), int(AppSettings::Theme::Dark));
    m_language = new QComboBox(appearance);
    m_language->addItem(tr("System language"), QString());
    m_language->addItem(QStringLiteral("English"), QStringLiteral("en"));
    m_language->addItem(QStringLiteral("简体中文"), QStringLiteral("zh_CN"));
    auto *appearanceLayout = new QFormLayout(appearance);
    appearanceLayout->addRow(tr("&Theme:"), m_theme);
    appearanceLayout->addRow(tr("&Language:"), m_language);

    auto *presence = new QGroupBox(tr("Presence"), this);
    m_away = new QSpinBox(presence);
    m_away->setRange(0, 240);
    m_away->setSuffix(tr(" min"));
    m_away->setSpecialValueText(tr("Never"));
    auto *presenceLayout = new QFormLayout(presence);
    presenceLayout->addRow(tr("Show me as &away after:"), m_away);

    auto *startup = new QGroupBox(tr("Start-up"), this);
    m_openAtLogin = new QCheckBox(tr("Open Confab when I log in to this computer"), startup);
    m_minimized = new QCheckBox(tr("Start minimised to the tray"), startup);
    auto *startupLayout = new QVBoxLayout(startup);
    startupLayout->addWidget(m_openAtLogin);
    startupLayout->addWidget(m_minimized);

    // Only for an account on a server this app started here.
    m_server = new QGroupBox(tr("Server on this computer"), this);
    m_keepServer = new QCheckBox(tr("Keep it running after Confab quits"), m_server);
    m_serverAtLogin = new QCheckBox(tr("Start it when I log in to this computer"), m_server);
    auto *serverNote =
        new QLabel(current.localServerAllowOthers
                       ? tr("Port %1; other computers can join.").arg(current.localServerPort)
                       : tr("Port %1; only this computer can join.").arg(current.localServerPort),
                   m_server);
    serverNote->setEnabled(false);
    auto *serverLayout = new QVBoxLayout(m_server);
    serverLayout->addWidget(m_keepServer);
    serverLayout->addWidget(m_serverAtLogin);
    serverLayout->addWidget(serverNote);
    m_server->setVisible(current.localServer);

    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c62828;"));
    m_error->hide();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (!m_emailDigest->isHidden() && m_emailDigest->isChecked()
            && !Notify::isPlainEmailAddress(m_email->text().trimmed())) {
            m_error->setText(tr("Enter an email address like you@example.org, or turn the email "
                                "off."));
            m_error->show();
            m_email->setFocus();
            return;
        }
        const AppSettings chosen = settings();
        const auto saved = chosen.save();
        applyTheme(chosen.theme);
        Q_EMIT applied(chosen);
        Q_EMIT notificationPrefsChosen(notificationPrefs());
        if (!saved) { // the rest is saved; say what the system refused, and stay open
            m_error->setText(saved.error().message);
            m_error->show();
            const AppSettings actual = AppSettings::load();
            m_openAtLogin->setChecked(actual.openAtLogin);
            m_serverAtLogin->setChecked(actual.localServerAtLogin);
            return;
        }
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(account);
    layout->addWidget(notifications);
    layout->addWidget(appearance);
    layout->addWidget(presence);
    layout->addWidget(startup);
    layout->addWidget(m_server);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    m_notifications->setChecked(current.notifications);
    m_preview->setChecked(prefs.showPreview);
    m_preview->setEnabled(current.notifications);
    m_sound->setChecked(current.sound);
    m_sound->setEnabled(current.notifications);
    m_openAtLogin->setChecked(current.openAtLogin);
    m_keepServer->setChecked(current.localServerKeepRunning);
    m_serverAtLogin->setChecked(current.localServerAtLogin);
    m_base = current;
    m_dnd->setChecked(prefs.doNotDisturb);
    m_quiet->setChecked(prefs.quietHours);
    const bool neverSet = !prefs.quietHours && prefs.quietStartMinute == prefs.quietEndMinute;
    const int from = neverSet ? 22 * 60 : prefs.quietStartMinute; // a night, to start with
    const int to = neverSet ? 7 * 60 : prefs.quietEndMinute;
    m_quietFrom->setTime(QTime(from / 60, from % 60));
    m_quietTo->setTime(QTime(to / 60, to % 60));
    m_email->setText(prefs.digestEmail);
    m_emailDigest->setChecked(prefs.emailDigest && !prefs.digestEmail.isEmpty());
    m_theme->setCurrentIndex(m_theme->findData(int(current.theme)));
    m_language->setCurrentIndex(std::max(0, m_language->findData(current.language)));
    m_minimized->setChecked(current.startMinimized);
    m_away->setValue(current.awayAfterMinutes);
}

AppSettings SettingsDialog::settings() const
{
    AppSettings chosen = m_base; // keeps what this dialog does not show
    chosen.notifications = m_notifications->isChecked();
    chosen.theme = AppSettings::Theme(m_theme->currentData().toInt());
    chosen.language = m_language->currentData().toString();
    chosen.startMinimized = m_minimized->isChecked();
    chosen.awayAfterMinutes = m_away->value();
    chosen.sound = m_sound->isChecked();
    chosen.openAtLogin = m_openAtLogin->isChecked();
    chosen.localServerKeepRunning = m_keepServer->isChecked();
    chosen.localServerAtLogin = m_serverAtLogin->isChecked();
    return chosen;
}

Client::NotificationPrefs SettingsDialog::notificationPrefs() const
{
    Client::NotificationPrefs prefs = m_prefs; // keeps the per-chat modes
    prefs.doNotDisturb = m_dnd->isChecked();
    prefs.showPreview = m_preview->isChecked();
    prefs.quietHours = m_quiet->isChecked();
    prefs.quietStartMinute = m_quietFrom->time().hour() * 60 + m_quietFrom->time().minute();
    prefs.quietEndMinute = m_quietTo->time().hour() * 60 + m_quietTo->time().minute();
    if (prefs.quietHours || prefs.timeZone.isEmpty())
        prefs.timeZone = QString::fromUtf8(QTimeZone::systemTimeZoneId());
    if (!m_emailDigest->isHidden()) {
        // The address stays when the email is turned off, for turning it on again.
        prefs.emailDigest = m_emailDigest->isChecked();
        const QString address = m_email->text().trimmed();
        if (address.isEmpty() || Notify::isPlainEmailAddress(address))
            prefs.digestEmail = address;
    }
    return prefs;
}

} // namespace Confab::Ui

namespace Confab::Ui {

QString SettingsDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

} // namespace Confab::Ui
