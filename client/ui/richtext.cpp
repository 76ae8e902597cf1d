#include "richtext.h"

#include <QFontDatabase>
#include <QRegularExpression>

namespace Confab::Ui {

namespace {

bool isSafeLink(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    return url.isValid() && !url.host().isEmpty()
        ? (scheme == QLatin1String("http") || scheme == QLatin1String("https"))
        : scheme == QLatin1String("mailto") && !url.path().isEmpty();
}

// A delimiter run may open where it is not followed by a space, and close where it is not preceded
// by one; an underscore only at a word's edge (so snake_case_names stay as they are).
bool canOpen(const QString &s, int at, int width, QChar marker)
{
    if (at + width >= s.size() || s.at(at + width).isSpace())
        return false;
    return marker != u'_' || at == 0 || !s.at(at - 1).isLetterOrNumber();
}

bool canClose(const QString &s, int at, int width, QChar marker)
{
    if (at == 0 || s.at(at - 1).isSpace())
        return false;
    return marker != u'_' || at + width >= s.size() || !s.at(at + width).isLetterOrNumber();
}

class Parser
{
public:
    explicit Parser(const QString &source) : m_in(source) { }

    RichText run()
    {
        int at = 0;
        while (at < m_in.size()) {
            if (m_in.mid(at, 3) == QLatin1String("```") && codeBlock(at))
                continue;
            const QChar c = m_in.at(at);
            if (c == u'`' && inlineCode(at))
                continue;
            if ((c == u'*' || c == u'_') && emphasis(at))
                continue;
            if (c == u'[' && labelledLink(at))
                continue;
            if ((c == u'h' || c == u'H') && (at == 0 || !m_in.at(at - 1).isLetterOrNumber())
                && bareLink(at))
                continue;
            m_out.text += c;
            ++at;
        }
        return m_out;
    }

private:
    bool codeBlock(int &at)
    {
        const int end = int(m_in.indexOf(QLatin1String("```"), at + 3));
        if (end < 0)
            return false;
        QString body = m_in.mid(at + 3, end - at - 3);
        // ```lang\n...: a first line without spaces names a language; it is not shown.
        if (const int newline = int(body.indexOf(u'\n'));
            newline >= 0 && !body.left(newline).contains(u' '))
            body = body.mid(newline + 1);
        if (body.endsWith(u'\n'))
            body.chop(1);
        if (body.isEmpty())
            return false;
        m_out.spans.append(
            { int(m_out.text.size()), int(body.size()), RichText::Style::CodeBlock });
        m_out.text += body;
        at = end + 3;
        return true;
    }

    bool inlineCode(int &at)
    {
        const int end = int(m_in.indexOf(u'`', at + 1));
        if (end <= at + 1 || m_in.mid(at + 1, end - at - 1).contains(u'\n'))
            return false;
        const QString body = m_in.mid(at + 1, end - at - 1);
        m_out.spans.append({ int(m_out.text.size()), int(body.size()), RichText::Style::Code });
        m_out.text += body;
        at = end + 1;
        return true;
    }

    bool emphasis(int &at)
    {
        const QChar marker = m_in.at(at);
        const int width = m_in.mid(at, 2) == QString(2, marker) ? 2 : 1;
        if (!canOpen(m_in, at, width, marker))
            return false;
        const QString delimiter(width, marker);
        for (int end = int(m_in.indexOf(delimiter, at + width)); end > at + width;
             end = int(m_in.indexOf(delimiter, end + 1))) {
            const QString inner = m_in.mid(at + width, end - at - width);
            if (inner.contains(u'\n'))
                return false;
            // A single marker must not close on half of a double one (**bold** inside *x*).
            if (width == 1 && end + 1 < m_in.size() && m_in.at(end + 1) == marker)
                continue;
            if (!canClose(m_in, end, width, marker))
                continue;
            // The inside may have links and code of its own.
            const RichText nested = Parser(inner).run();
            const int start = int(m_out.text.size());
            for (const auto &span : nested.spans)
                m_out.spans.append({ start + span.start, span.length, span.style });
            for (const auto &link : nested.links)
                m_out.links.append({ start + link.start, link.length, link.url });
            m_out.spans.append({ start, int(nested.text.size()),
                                 width == 2 ? RichText::Style::Bold : RichText::Style::Italic });
            m_out.text += nested.text;
            at = end + width;
            return true;
        }
        return false;
    }

    bool labelledLink(int &at)
    {
        static const QRegularExpression link(QStringLiteral("\\[([^\\]\\n]+)\\]\\(([^)\\s]+)\\)"));
        const auto match = link.match(m_in, at, QRegularExpression::NormalMatch,
                                      QRegularExpression::AnchorAtOffsetMatchOption);
        if (!match.hasMatch())
            return false;
        const QUrl url(match.captured(2), QUrl::StrictMode);
        if (!isSafeLink(url))
            return false; // shown as typed
        const QString label = match.captured(1);
        m_out.links.append({ int(m_out.text.size()), int(label.size()), url });
        m_out.text += label;
        at = int(match.capturedEnd());
        return true;
    }

    bool bareLink(int &at)
    {
        static const QRegularExpression link(QStringLiteral("https?://[^\\s<>\"]+"),
                                             QRegularExpression::CaseInsensitiveOption);
        const auto match = link.match(m_in, at, QRegularExpression::NormalMatch,
                                      QRegularExpression::AnchorAtOffsetMatchOption);
        if (!match.hasMatch())
            return false;
        QString text = match.captured(0);
        // Punctuation that ends a sentence is not part of the link, nor is a closing bracket
        // that opened before it.
        while (!text.isEmpty()) {
            const QChar last = text.back();
            if (QStringLiteral(".,;:!?'*_`").contains(last)
                || (last == u')' && text.count(u')') > text.count(u'(')))
                text.chop(1);
            else
                break;
        }
        const QUrl url(text, QUrl::StrictMode);
        if (!isSafeLink(url))
            return false;
        m_out.links.append({ int(m_out.text.size()), int(text.size()), url });
        m_out.text += text;
        at += int(text.size());
        return true;
    }

    const QString m_in;
    RichText m_out;
};

} // namespace

RichText RichText::parse(const QString &markdown)
{
    // Fast path: most messages have no marker at all.
    static const QRegularExpression markers(QStringLiteral("[*_`\\[]|https?://"),
                                            QRegularExpression::CaseInsensitiveOption);
    if (!markers.match(markdown).hasMatch())
        return { markdown, {}, {} };
    return Parser(markdown).run();
}

QList<QTextLayout::FormatRange> RichText::formats(const QFont &base, const QColor &linkColor,
                                                  const QColor &codeBackground) const
{
    QList<QTextLayout::FormatRange> result;
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPointSizeF(base.pointSizeF() > 0 ? base.pointSizeF() * 0.95 : mono.pointSizeF());
    for (const Span &span : spans) {
        QTextCharFormat format;
        switch (span.style) {
        case Style::Bold:
            format.setFontWeight(QFont::Bold);
            break;
        case Style::Italic:
            format.setFontItalic(true);
            break;
        case Style::Code:
        case Style::CodeBlock:
            format.setFontFamilies(mono.families());
            format.setFontFixedPitch(true);
            format.setBackground(codeBackground);
            break;
        }
        result.append({ span.start, span.length, format });
    }
    for (const Link &link : links) {
        QTextCharFormat format;
        format.setForeground(linkColor);
        format.setFontUnderline(true);
        result.append({ link.start, link.length, format });
    }
    return result;
}

QUrl RichText::linkAt(int position) const
{
    for (const Link &link : links)
        if (position >= link.start && position < link.start + link.length)
            return link.url;
    return {};
}

} // namespace Confab::Ui
