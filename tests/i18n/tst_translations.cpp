#include <confab/error.h>
#include <translations.h>

#include <QCoreApplication>
#include <QSet>
#include <QTest>
#include <QTranslator>

#include <google/protobuf/descriptor.h>

using namespace Confab;

namespace {

QList<ErrorCode> allErrorCodes()
{
    QList<ErrorCode> codes;
    const auto *descriptor = pb::ErrorCode_descriptor();
    for (int i = 0; i < descriptor->value_count(); ++i)
        codes << ErrorCode(descriptor->value(i)->number());
    return codes;
}

bool containsHan(const QString &text)
{
    for (QChar c : text)
        if (c.script() == QChar::Script_Han)
            return true;
    return false;
}

} // namespace

class TestTranslations : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shipsEnglishAndChinese();
    void everyErrorCodeHasItsOwnText();
    void chineseTranslatesEveryErrorCode();
};

void TestTranslations::shipsEnglishAndChinese()
{
    const QStringList languages = availableTranslations();
    QVERIFY2(languages.contains(QStringLiteral("en")), qPrintable(languages.join(u',')));
    QVERIFY2(languages.contains(QStringLiteral("zh_CN")), qPrintable(languages.join(u',')));
}

void TestTranslations::everyErrorCodeHasItsOwnText()
{
    QSet<QString> seen;
    for (ErrorCode code : allErrorCodes()) {
        const QString text = userMessage(code);
        QVERIFY2(!text.isEmpty(), qPrintable(errorCodeName(code)));
        QVERIFY2(!text.contains(QStringLiteral("Unknown error")), qPrintable(errorCodeName(code)));
        if (code == ErrorCode::ERROR_CODE_UNSPECIFIED) // shares INTERNAL's text on purpose
            continue;
        QVERIFY2(!seen.contains(text), qPrintable(errorCodeName(code)));
        seen.insert(text);
    }
}

void TestTranslations::chineseTranslatesEveryErrorCode()
{
    QHash<ErrorCode, QString> english;
    for (ErrorCode code : allErrorCodes())
        english.insert(code, userMessage(code));

    const QStringList installed = installTranslations(QLocale(QLocale::Chinese, QLocale::China));
    QVERIFY2(installed.contains(QStringLiteral("zh_CN")), qPrintable(installed.join(u',')));
    for (ErrorCode code : allErrorCodes()) {
        const QString chinese = userMessage(code);
        QVERIFY2(chinese != english.value(code), qPrintable(errorCodeName(code)));
        QVERIFY2(containsHan(chinese),
                 qPrintable(errorCodeName(code) + QStringLiteral(": ") + chinese));
    }
    // The placeholder survives translation.
    QVERIFY(userMessage(ErrorCode(4242)).contains(QStringLiteral("4242")));
}

QTEST_GUILESS_MAIN(TestTranslations)
#include "tst_translations.moc"
