#include <confab/utf8.h>

#include <QStringDecoder>
#include <QTest>

using namespace Confab;

class TestUtf8 : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validity_data();
    void validity();
};

void TestUtf8::validity_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("valid");

    QTest::newRow("empty") << QByteArray() << true;
    QTest::newRow("ascii") << QByteArray("hello, world") << true;
    QTest::newRow("nul-is-valid") << QByteArray("a\0b", 3) << true;
    QTest::newRow("latin") << QByteArray("café") << true;
    QTest::newRow("chinese") << QByteArray("你好，世界") << true;
    QTest::newRow("emoji") << QByteArray("👋🏽") << true;
    QTest::newRow("max-code-point") << QByteArray("\xf4\x8f\xbf\xbf") << true;
    QTest::newRow("lone-continuation") << QByteArray("\x80") << false;
    QTest::newRow("truncated-2") << QByteArray("caf\xc3") << false;
    QTest::newRow("truncated-3") << QByteArray("\xe4\xbd") << false;
    QTest::newRow("bad-continuation") << QByteArray("\xe4\x41\xa0") << false;
    QTest::newRow("overlong-slash") << QByteArray("\xc0\xaf") << false;
    QTest::newRow("overlong-3") << QByteArray("\xe0\x80\xaf") << false;
    QTest::newRow("overlong-4") << QByteArray("\xf0\x80\x80\xaf") << false;
    QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << false;
    QTest::newRow("above-max") << QByteArray("\xf4\x90\x80\x80") << false;
    QTest::newRow("five-byte-lead") << QByteArray("\xf8\x88\x80\x80\x80") << false;
    QTest::newRow("ff") << QByteArray("\xff") << false;
}

void TestUtf8::validity()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, valid);
    QCOMPARE(isValidUtf8(std::string_view(bytes.constData(), size_t(bytes.size()))), valid);
    // Agrees with Qt's own decoder on what is valid.
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString decoded = decoder.decode(bytes);
    QCOMPARE(!decoder.hasError(), valid);
    Q_UNUSED(decoded);
}

QTEST_GUILESS_MAIN(TestUtf8)
#include "tst_utf8.moc"
