#include "richtext.h"

#include <QTest>

using Confab::Ui::RichText;
using Style = RichText::Style;

Q_DECLARE_METATYPE(Style)

//! The safe Markdown subset: what is shown, what is formatted, what is a link, and what is left
//! as typed.
class TestRichText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void formats_data();
    void formats();
    void linksAreOnlyWebAndMail_data();
    void linksAreOnlyWebAndMail();
    void linkAtPosition();
};

void TestRichText::formats_data()
{
    QTest::addColumn<QString>("markdown");
    QTest::addColumn<QString>("shown");
    QTest::addColumn<int>("spanStart"); // -1: no span
    QTest::addColumn<int>("spanLength");
    QTest::addColumn<Style>("style");

    QTest::newRow("plain") << "just text"
                           << "just text" << -1 << 0 << Style::Bold;
    QTest::newRow("bold") << "a **bold** word"
                          << "a bold word" << 2 << 4 << Style::Bold;
    QTest::newRow("bold underscores") << "__b__"
                                      << "b" << 0 << 1 << Style::Bold;
    QTest::newRow("italic") << "an *italic* one"
                            << "an italic one" << 3 << 6 << Style::Italic;
    QTest::newRow("italic underscores") << "_it_ is"
                                        << "it is" << 0 << 2 << Style::Italic;
    QTest::newRow("snake_case stays") << "call snake_case_name now"
                                      << "call snake_case_name now" << -1 << 0 << Style::Bold;
    QTest::newRow("arithmetic stays") << "2 * 3 * 4"
                                      << "2 * 3 * 4" << -1 << 0 << Style::Bold;
    QTest::newRow("unclosed stays") << "**not bold"
                                    << "**not bold" << -1 << 0 << Style::Bold;
    QTest::newRow("code") << "run `make -j2` now"
                          << "run make -j2 now" << 4 << 8 << Style::Code;
    QTest::newRow("markers in code stay") << "`a*b*c`"
                                          << "a*b*c" << 0 << 5 << Style::Code;
    QTest::newRow("code block") << "see:\n```cpp\nint x = 1;\n```"
                                << "see:\nint x = 1;" << 5 << 10 << Style::CodeBlock;
    QTest::newRow("code block without language") << "```\n**x**\n```"
                                                 << "**x**" << 0 << 5 << Style::CodeBlock;
    QTest::newRow("emphasis across lines stays") << "*a\nb*"
                                                 << "*a\nb*" << -1 << 0 << Style::Bold;
    QTest::newRow("html is text") << "<b>hi</b> <img src=x>"
                                  << "<b>hi</b> <img src=x>" << -1 << 0 << Style::Bold;
}

void TestRichText::formats()
{
    QFETCH(QString, markdown);
    QFETCH(QString, shown);
    QFETCH(int, spanStart);
    QFETCH(int, spanLength);
    QFETCH(Style, style);
    const RichText rich = RichText::parse(markdown);
    QCOMPARE(rich.text, shown);
    if (spanStart < 0) {
        QVERIFY(rich.spans.isEmpty());
        return;
    }
    QCOMPARE(rich.spans.size(), 1);
    QCOMPARE(rich.spans.at(0).start, spanStart);
    QCOMPARE(rich.spans.at(0).length, spanLength);
    QCOMPARE(rich.spans.at(0).style, style);
    // Every format range stays inside the text.
    for (const auto &range : rich.formats(QFont(), Qt::blue, Qt::gray))
        QVERIFY(range.start >= 0 && range.start + range.length <= rich.text.size());
}

void TestRichText::linksAreOnlyWebAndMail_data()
{
    QTest::addColumn<QString>("markdown");
    QTest::addColumn<QString>("shown");
    QTest::addColumn<QString>("url"); // empty: no link

    QTest::newRow("bare https") << "see https://example.org/a?b=1."
                                << "see https://example.org/a?b=1."
                                << "https://example.org/a?b=1";
    QTest::newRow("bare in brackets") << "(https://example.org/x)"
                                      << "(https://example.org/x)"
                                      << "https://example.org/x";
    QTest::newRow("wikipedia brackets") << "https://en.wikipedia.org/wiki/Qt_(software)"
                                        << "https://en.wikipedia.org/wiki/Qt_(software)"
                                        << "https://en.wikipedia.org/wiki/Qt_(software)";
    QTest::newRow("labelled") << "[the docs](https://doc.qt.io/)"
                              << "the docs"
                              << "https://doc.qt.io/";
    QTest::newRow("mailto") << "[mail me](mailto:a@example.org)"
                            << "mail me"
                            << "mailto:a@example.org";
    QTest::newRow("javascript is not a link") << "[x](javascript:alert(1))"
                                              << "[x](javascript:alert(1))"
                                              << "";
    QTest::newRow("file is not a link") << "[x](file:///etc/passwd)"
                                        << "[x](file:///etc/passwd)"
                                        << "";
    QTest::newRow("link in bold") << "**https://example.org**"
                                  << "https://example.org"
                                  << "https://example.org";
}

void TestRichText::linksAreOnlyWebAndMail()
{
    QFETCH(QString, markdown);
    QFETCH(QString, shown);
    QFETCH(QString, url);
    const RichText rich = RichText::parse(markdown);
    QCOMPARE(rich.text, shown);
    if (url.isEmpty()) {
        QVERIFY(rich.links.isEmpty());
        return;
    }
    QCOMPARE(rich.links.size(), 1);
    QCOMPARE(rich.links.at(0).url, QUrl(url));
    QCOMPARE(rich.text.mid(rich.links.at(0).start, rich.links.at(0).length),
             markdown.startsWith(u'[') ? shown : url);
}

void TestRichText::linkAtPosition()
{
    const RichText rich = RichText::parse(QStringLiteral("go to [Qt](https://qt.io) now"));
    QCOMPARE(rich.text, QStringLiteral("go to Qt now"));
    QCOMPARE(rich.linkAt(6), QUrl(QStringLiteral("https://qt.io")));
    QCOMPARE(rich.linkAt(7), QUrl(QStringLiteral("https://qt.io")));
    QVERIFY(rich.linkAt(5).isEmpty());
    QVERIFY(rich.linkAt(8).isEmpty());
}

QTEST_MAIN(TestRichText)
#include "tst_richtext.moc"
