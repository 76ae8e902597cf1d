#include "translations.h"

#include <QCoreApplication>
#include <QDir>
#include <QLibraryInfo>
#include <QTranslator>

#include <memory>

namespace Confab {

QStringList installTranslations(const QLocale &locale)
{
    QStringList installed;
    auto *app = QCoreApplication::instance();
    if (!app)
        return installed;
    // Each translator is parented to the application once it loaded; one that did not is dropped.
    auto confab = std::make_unique<QTranslator>();
    if (confab->load(locale, QStringLiteral("confab"), QStringLiteral("_"),
                     QStringLiteral(":/i18n"))) {
        installed << confab->language();
        confab->setParent(app);
        QCoreApplication::installTranslator(confab.release());
    }
    auto qt = std::make_unique<QTranslator>();
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        qt->setParent(app);
        QCoreApplication::installTranslator(qt.release());
    }
    return installed;
}

QStringList availableTranslations()
{
    QStringList languages;
    const QStringList files =
        QDir(QStringLiteral(":/i18n")).entryList({ QStringLiteral("confab_*.qm") });
    for (const QString &file : files)
        languages << file.mid(7, file.size() - 7 - 3);
    return languages;
}

} // namespace Confab
