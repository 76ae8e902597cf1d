#pragma once

#include "settings.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QSpinBox;

namespace Confab::Ui {

//! Preferences: notifications, do not disturb, theme, language, start-up. Saved on OK; the
//! theme and notification settings apply at once, the language at the next start.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit SettingsDialog(QWidget *parent = nullptr);

    [[nodiscard]] AppSettings settings() const;
    QCheckBox *notificationsBox() const { return m_notifications; }
    QCheckBox *doNotDisturbBox() const { return m_dnd; }
    QComboBox *themeBox() const { return m_theme; }
    QComboBox *languageBox() const { return m_language; }
    QSpinBox *awayBox() const { return m_away; }

Q_SIGNALS:
    void applied(const Confab::Ui::AppSettings &settings);

private:
    QCheckBox *m_notifications;
    QCheckBox *m_preview;
    QCheckBox *m_dnd;
    QComboBox *m_theme;
    QComboBox *m_language;
    QCheckBox *m_minimized;
    QSpinBox *m_away;
};

} // namespace Confab::Ui
