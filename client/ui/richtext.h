#pragma once

#include <QList>
#include <QString>
#include <QTextLayout>
#include <QUrl>

namespace Confab::Ui {

//! Message text with its safe Markdown subset applied: **bold** (or __bold__), *italic* (or
//! _italic_), `code`, ```code blocks```, [labels](https://links) and bare http(s) links. The
//! markers are taken out of the text and become formats for QTextLayout, so messages are laid out
//! as fast as plain text. Nothing is ever loaded: there are no images, and only http, https and
//! mailto links are links. Anything else is shown as typed.
struct RichText
{
    struct Link
    {
        int start = 0;
        int length = 0;
        QUrl url;
    };
    enum class Style { Bold, Italic, Code, CodeBlock };
    struct Span
    {
        int start = 0;
        int length = 0;
        Style style = Style::Bold;
    };

    QString text; //!< what is shown: the markers taken out
    QList<Span> spans;
    QList<Link> links;

    [[nodiscard]] static RichText parse(const QString &markdown);
    //! The formats to lay the text out with, on top of `base` (monospace for code, a tint behind
    //! code blocks, the link colour).
    [[nodiscard]] QList<QTextLayout::FormatRange>
    formats(const QFont &base, const QColor &linkColor, const QColor &codeBackground) const;
    //! The link at a character position of `text`, or an empty URL.
    [[nodiscard]] QUrl linkAt(int position) const;
};

} // namespace Confab::Ui
