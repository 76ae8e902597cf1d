#pragma once

#include <QLocale>
#include <QStringList>

namespace Confab {

//! Installs Confab's translation for the locale (from :/i18n) and Qt's own (qtbase), on the
//! running QCoreApplication. Returns the languages that were installed; English needs none.
QStringList installTranslations(const QLocale &locale = QLocale());

//! The languages Confab ships a translation for, e.g. {"en", "zh_CN"}.
[[nodiscard]] QStringList availableTranslations();

} // namespace Confab
