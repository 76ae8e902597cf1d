#include "settingsdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

namespace Confab::Ui {

SettingsDialog::SettingsDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Settings"));
    const AppSettings current = AppSettings::load();

    auto *notifications = new QGroupBox(tr("Notifications"), this);
    m_notifications = new QCheckBox(tr("Show notifications for new messages"), notifications);
    m_preview = new QCheckBox(tr("Show message text in notifications"), notifications);
    m_dnd = new QCheckBox(tr("Do not disturb"), notifications);
    auto *notificationLayout = new QVBoxLayout(notifications);
    notificationLayout->addWidget(m_notifications);
    notificationLayout->addWidget(m_preview);
    notificationLayout->addWidget(m_dnd);
    connect(m_notifications, &QCheckBox::toggled, m_preview, &QWidget::setEnabled);

    auto *appearance = new QGroupBox(tr("Appearance"), this);
    m_theme = new QComboBox(appearance);
    m_theme->addItem(tr("Follow the system"), int(AppSettings::Theme::System));
    m_theme->addItem(tr("Light"), int(AppSettings::Theme::Light));
    m_theme->addItem(tr("Dark"), int(AppSettings::Theme::Dark));
    m_language = new QComboBox(appearance);
    m_language->addItem(tr("System language"), QString());
    m_language->addItem(QStringLiteral("English"), QStringLiteral("en"));
    m_language->addItem(QStringLiteral("简体中文"), QStringLiteral("zh_CN"));
    auto *restartNote =
        new QLabel(tr("A new language applies the next time Confab starts."), appearance);
    restartNote->setEnabled(false);
    auto *appearanceLayout = new QFormLayout(appearance);
    appearanceLayout->addRow(tr("&Theme:"), m_theme);
    appearanceLayout->addRow(tr("&Language:"), m_language);
    appearanceLayout->addRow(QString(), restartNote);

    auto *presence = new QGroupBox(tr("Presence"), this);
    m_away = new QSpinBox(presence);
    m_away->setRange(0, 240);
    m_away->setSuffix(tr(" min"));
    m_away->setSpecialValueText(tr("Never"));
    auto *presenceLayout = new QFormLayout(presence);
    presenceLayout->addRow(tr("Show me as &away after:"), m_away);

    m_minimized = new QCheckBox(tr("Start minimised to the tray"), this);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        const AppSettings chosen = settings();
        chosen.save();
        applyTheme(chosen.theme);
        Q_EMIT applied(chosen);
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(notifications);
    layout->addWidget(appearance);
    layout->addWidget(presence);
    layout->addWidget(m_minimized);
    layout->addWidget(buttons);

    m_notifications->setChecked(current.notifications);
    m_preview->setChecked(current.showPreview);
    m_preview->setEnabled(current.notifications);
    m_dnd->setChecked(current.doNotDisturb);
    m_theme->setCurrentIndex(m_theme->findData(int(current.theme)));
    m_language->setCurrentIndex(std::max(0, m_language->findData(current.language)));
    m_minimized->setChecked(current.startMinimized);
    m_away->setValue(current.awayAfterMinutes);
}

AppSettings SettingsDialog::settings() const
{
    AppSettings chosen;
    chosen.notifications = m_notifications->isChecked();
    chosen.showPreview = m_preview->isChecked();
    chosen.doNotDisturb = m_dnd->isChecked();
    chosen.theme = AppSettings::Theme(m_theme->currentData().toInt());
    chosen.language = m_language->currentData().toString();
    chosen.startMinimized = m_minimized->isChecked();
    chosen.awayAfterMinutes = m_away->value();
    return chosen;
}

} // namespace Confab::Ui
