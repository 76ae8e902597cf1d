#include <QFile>
#include <QImage>
#include <QTest>
#include <QXmlStreamReader>

class TestResources : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pngIconsHaveTheirSize_data();
    void pngIconsHaveTheirSize();
    void svgIconIsSquareSvg();
};

void TestResources::pngIconsHaveTheirSize_data()
{
    QTest::addColumn<int>("size");
    for (int size : { 16, 24, 32, 48, 64, 128, 256 })
        QTest::addRow("%d", size) << size;
}

void TestResources::pngIconsHaveTheirSize()
{
    QFETCH(int, size);
    const QImage image(QStringLiteral(":/icons/confab-%1.png").arg(size));
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), QSize(size, size));
    QVERIFY(image.hasAlphaChannel());
    // The tile fills the middle; the rounded corners are transparent.
    QVERIFY(qAlpha(image.pixel(size / 2, size / 2)) == 255);
    QVERIFY(qAlpha(image.pixel(0, 0)) == 0);
}

void TestResources::svgIconIsSquareSvg()
{
    QFile file(QStringLiteral(":/icons/confab.svg"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&file);
    QVERIFY(xml.readNextStartElement());
    QCOMPARE(xml.name(), QStringLiteral("svg"));
    QCOMPARE(xml.attributes().value(QStringLiteral("viewBox")), QStringLiteral("0 0 256 256"));
}

QTEST_GUILESS_MAIN(TestResources)
#include "tst_resources.moc"
