#include "messagedelegate.h"

#include "attachments.h"
#include "messagelistmodel.h"
#include "richtext.h"

#include <QAbstractItemView>
#include <QDateTime>
#include <QFileInfo>
#include <QHelpEvent>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QPixmapCache>
#include <QTextLayout>
#include <QToolTip>

#include <cmath>

namespace Confab::Ui {

using Client::MessageListModel;
using Client::MessageState;

namespace {
constexpr int kMargin = 12;
constexpr int kBubblePadding = 9;
constexpr int kGroupGap = 2;
constexpr int kGap = 8;
constexpr int kSeparatorHeight = 30;
constexpr int kMarkWidth = 20; // room for two ticks after the time

QDate dayOf(const QModelIndex &index)
{
    return QDateTime::fromMSecsSinceEpoch(index.data(MessageListModel::TimeRole).toLongLong())
        .date();
}

QString timeLabel(const QModelIndex &index)
{
    const QString time = QLocale().toString(
        QDateTime::fromMSecsSinceEpoch(index.data(MessageListModel::TimeRole).toLongLong()).time(),
        QLocale::ShortFormat);
    if (index.data(MessageListModel::EditedRole).toBool())
        return MessageDelegate::tr("edited %1").arg(time);
    return time;
}

QColor linkColor(const QPalette &palette)
{
    const bool dark = palette.window().color().lightness() < 128;
    return dark ? QColor(0x93, 0xc5, 0xfd) : QColor(0x1d, 0x4e, 0xd8);
}

QColor codeBackground(const QPalette &palette)
{
    const bool dark = palette.window().color().lightness() < 128;
    return dark ? QColor(255, 255, 255, 28) : QColor(0, 0, 0, 18);
}

QFont smallFont(const QFont &font)
{
    QFont small = font;
    small.setPointSizeF(font.pointSizeF() * 0.85);
    return small;
}

// Message text wraps at word boundaries, and inside a word only when one word is wider than the
// bubble (a long link, a string of digits), so nothing ever runs out of its bubble.
void layOut(QTextLayout &layout, int maxWidth)
{
    QTextOption option;
    option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    layout.setTextOption(option);
    layout.beginLayout();
    qreal y = 0;
    for (QTextLine line = layout.createLine(); line.isValid(); line = layout.createLine()) {
        line.setLineWidth(maxWidth);
        line.setPosition(QPointF(0, y));
        y += line.height();
    }
    layout.endLayout();
}

// A laid-out message text: the Markdown subset applied (a deleted message's tombstone is plain).
struct LaidOutText
{
    RichText rich;
    QTextLayout layout;
    LaidOutText(const QString &text, bool plain, const QFont &font, const QPalette &palette,
                int maxWidth)
        : rich(plain ? RichText { text, {}, {} } : RichText::parse(text)), layout(rich.text, font)
    {
        layout.setFormats(rich.formats(font, linkColor(palette), codeBackground(palette)));
        layOut(layout, maxWidth);
    }
};

QSize textSize(const QString &text, const QFont &font, int maxWidth)
{
    // Measured with the formats (bold is wider); colours do not matter here.
    const RichText rich = RichText::parse(text);
    QTextLayout layout(rich.text, font);
    layout.setFormats(rich.formats(font, Qt::blue, Qt::gray));
    layOut(layout, maxWidth);
    qreal width = 0;
    for (int i = 0; i < layout.lineCount(); ++i)
        width = std::max(width, layout.lineAt(i).naturalTextWidth());
    return { int(std::ceil(width)), int(std::ceil(layout.boundingRect().height())) };
}

constexpr int kQuoteBar = 3;
constexpr int kChipGap = 4;
constexpr int kImageEdge = 260; // the largest an inline image is shown
constexpr int kFileRowHeight = 46;
constexpr int kFileGap = 4;

bool showsInline(const QVariantMap &file)
{
    return file.value(QStringLiteral("mimeType")).toString().startsWith(QLatin1String("image/"))
        && (!file.value(QStringLiteral("thumbnail")).toByteArray().isEmpty()
            || !file.value(QStringLiteral("localPath")).toString().isEmpty());
}

// The size an image is shown at: its own proportions within kImageEdge, not too thin to click.
QSize inlineSize(const QVariantMap &file, int maxWidth)
{
    QSize size(file.value(QStringLiteral("width")).toInt(),
               file.value(QStringLiteral("height")).toInt());
    if (size.isEmpty())
        size = QSize(4, 3);
    const int edge = std::min(kImageEdge, maxWidth);
    size = size.width() > edge || size.height() > edge || size.width() < 120
        ? size.scaled(edge, edge, Qt::KeepAspectRatio)
        : size;
    return size.expandedTo(QSize(60, 40));
}

QString dayLabel(const QDate &day)
{
    const QDate today = QDate::currentDate();
    if (day == today)
        return MessageDelegate::tr("Today");
    if (day == today.addDays(-1))
        return MessageDelegate::tr("Yesterday");
    return QLocale().toString(day, QLocale::LongFormat);
}
} // namespace

MessageDelegate::MessageDelegate(QAbstractItemView *view) : QStyledItemDelegate(view), m_view(view)
{ }

QString MessageDelegate::shownText(const QModelIndex &index)
{
    if (index.data(MessageListModel::DeletedRole).toBool())
        return tr("This message was deleted");
    return index.data(MessageListModel::TextRole).toString();
}

QSize MessageDelegate::cachedTextSize(const QString &text, const QFont &font, int maxWidth) const
{
    // Laying out wrapped text is the costly part of a row's size, and the view asks for every
    // row's size again whenever rows arrive (an older page, a new message): remember it.
    TextKey key { text, maxWidth, qHash(font) };
    if (const auto found = m_textSizes.constFind(key); found != m_textSizes.cend())
        return *found;
    if (m_textSizes.size() >= kMaxCachedSizes)
        m_textSizes.clear();
    const QSize size = textSize(text, font, maxWidth);
    m_textSizes.insert(std::move(key), size);
    return size;
}

int MessageDelegate::viewWidth() const
{
    return m_view ? m_view->viewport()->width() : 600;
}

bool MessageDelegate::startsDay(const QModelIndex &index) const
{
    return index.row() == 0 || dayOf(index.siblingAtRow(index.row() - 1)) != dayOf(index);
}

bool MessageDelegate::startsGroup(const QModelIndex &index) const
{
    if (startsDay(index))
        return true;
    const QModelIndex previous = index.siblingAtRow(index.row() - 1);
    if (!previous.data(MessageListModel::EventTextRole).toString().isEmpty())
        return true; // after a group change line, names start again
    return previous.data(MessageListModel::SenderIdRole)
        != index.data(MessageListModel::SenderIdRole)
        || index.data(MessageListModel::TimeRole).toLongLong()
            - previous.data(MessageListModel::TimeRole).toLongLong()
        > 5 * 60 * 1000;
}

MessageDelegate::Layout MessageDelegate::layout(const QStyleOptionViewItem &option,
                                                const QModelIndex &index) const
{
    Layout l;
    const int width = viewWidth();
    const bool own = index.data(MessageListModel::IsOwnRole).toBool();
    const QString eventText = index.data(MessageListModel::EventTextRole).toString();
    if (!eventText.isEmpty()) {
        // A group change: a line of small text in the middle, no bubble.
        const QFontMetrics metrics(smallFont(option.font));
        int top = option.rect.top() + kGap;
        if (startsDay(index)) {
            l.separator = QRect(option.rect.left(), top, width, kSeparatorHeight);
            top += kSeparatorHeight;
        }
        const QRect text =
            metrics.boundingRect(QRect(0, 0, std::max(120, width - 4 * kMargin), 10'000),
                                 Qt::TextWordWrap | Qt::AlignHCenter, eventText);
        l.event = QRect(option.rect.left() + (width - text.width()) / 2 - 10, top,
                        text.width() + 20, text.height() + 8);
        l.bubble = l.event;
        l.bottom = l.bubble.bottom();
        return l;
    }
    const int metaWidth = QFontMetrics(smallFont(option.font)).horizontalAdvance(timeLabel(index))
        + 12 + (own ? kMarkWidth : 0);
    const int maxText =
        std::max(120, std::min(width * 7 / 10, 620) - 2 * kBubblePadding - metaWidth);
    const QFontMetrics metrics(option.font);
    const QFontMetrics smallMetrics(smallFont(option.font));
    const QString text = shownText(index);
    QFont textFont = option.font; // a deleted message's tombstone is in italics
    textFont.setItalic(index.data(MessageListModel::DeletedRole).toBool());
    QRect textRect(QPoint(0, 0), cachedTextSize(text, textFont, maxText));
    textRect.setWidth(std::max(textRect.width(), 1));
    textRect.setHeight(std::max(textRect.height(), metrics.height()));
    int top = option.rect.top() + (startsGroup(index) ? kGap : kGroupGap);
    if (startsDay(index)) {
        l.separator = QRect(option.rect.left(), top, width, kSeparatorHeight);
        top += kSeparatorHeight;
    }
    if (!own && startsGroup(index) && index.data(MessageListModel::IsGroupRole).toBool()) {
        // In a group, who wrote it: above the first bubble of a run.
        const QFontMetrics names(smallFont(option.font));
        l.sender = QRect(option.rect.left() + kMargin + kBubblePadding, top,
                         std::min(width * 7 / 10, 620), names.height() + 2);
        top += l.sender.height();
    }
    // A reply: one line quoting the message it answers, above the text.
    int quoteWidth = 0;
    int quoteHeight = 0;
    if (index.data(MessageListModel::ReplyToIdRole).toULongLong() != 0) {
        const QString preview =
            RichText::parse(index.data(MessageListModel::ReplyPreviewRole).toString()).text;
        quoteWidth = std::min(maxText + metaWidth,
                              smallMetrics.horizontalAdvance(preview) + 2 * kBubblePadding);
        quoteHeight = smallMetrics.height() + 10;
    }
    // Files: images at their proportions, other files as rows, one under another.
    QList<QSize> fileSizes;
    int filesWidth = 0;
    int filesHeight = 0;
    if (!index.data(MessageListModel::DeletedRole).toBool()) {
        const QVariantList files = index.data(MessageListModel::AttachmentsRole).toList();
        for (const QVariant &value : files) {
            const QVariantMap file = value.toMap();
            const QSize size = showsInline(file)
                ? inlineSize(file, maxText + metaWidth)
                : QSize(std::min(maxText + metaWidth, 280), kFileRowHeight);
            fileSizes.append(size);
            filesWidth = std::max(filesWidth, size.width());
            filesHeight += size.height() + kFileGap;
        }
    }
    // Room for the time and state mark at the bubble's bottom right.
    const int contentWidth = std::max({ textRect.width() + metaWidth, quoteWidth, filesWidth });
    const int bubbleWidth = contentWidth + 2 * kBubblePadding;
    const int bubbleHeight = textRect.height() + 2 * kBubblePadding - 2
        + (quoteHeight ? quoteHeight + 6 : 0) + filesHeight;
    const int left =
        own ? option.rect.left() + width - kMargin - bubbleWidth : option.rect.left() + kMargin;
    l.bubble = QRect(left, top, bubbleWidth, bubbleHeight);
    int textTop = top + kBubblePadding - 1;
    if (quoteHeight) {
        l.quote = QRect(left + kBubblePadding - 3, textTop, contentWidth + 6, quoteHeight);
        textTop += quoteHeight + 6;
    }
    for (const QSize &size : std::as_const(fileSizes)) {
        l.files.append(QRect(QPoint(left + kBubblePadding, textTop), size));
        textTop += size.height() + kFileGap;
    }
    l.text = QRect(left + kBubblePadding, textTop, textRect.width(), textRect.height());
    l.meta = QRect(l.bubble.right() - metaWidth - kBubblePadding + 12,
                   l.bubble.bottom() - metrics.height() - 4, metaWidth - 12 + 4, metrics.height());
    l.bottom = l.bubble.bottom();

    // Reactions: chips under the bubble, on its side of the view, wrapping when there are many.
    const QVariantList reactions = index.data(MessageListModel::ReactionsRole).toList();
    if (!reactions.isEmpty()) {
        const int chipHeight = smallMetrics.height() + 6;
        const int maxRow = std::max(120, std::min(width * 7 / 10, 620));
        int x = 0;
        int y = l.bubble.bottom() + 3;
        QList<QRect> row;
        auto place = [&] {
            // Own messages: the row hangs from the bubble's right edge.
            const int shift = own ? l.bubble.right() - (l.bubble.left() + x - kChipGap) : 0;
            for (QRect chip : std::as_const(row))
                l.chips.append(chip.translated(shift, 0));
            row.clear();
        };
        for (const QVariant &value : reactions) {
            const QVariantMap reaction = value.toMap();
            const QString label = QStringLiteral("%1 %2").arg(
                reaction.value(QStringLiteral("emoji")).toString(),
                QLocale().toString(reaction.value(QStringLiteral("count")).toInt()));
            const int chipWidth = smallMetrics.horizontalAdvance(label) + 14;
            if (x > 0 && x + chipWidth > maxRow) {
                place();
                x = 0;
                y += chipHeight + kChipGap;
            }
            row.append(QRect(l.bubble.left() + x, y, chipWidth, chipHeight));
            l.chipEmoji.append(reaction.value(QStringLiteral("emoji")).toString());
            x += chipWidth + kChipGap;
        }
        place();
        l.bottom = y + chipHeight;
    }
    return l;
}

QSize MessageDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    opt.rect = QRect(0, 0, viewWidth(), 0);
    const Layout l = layout(opt, index);
    return { viewWidth(), l.bottom + 1 };
}

void MessageDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const
{
    const Layout l = layout(option, index);
    const QPalette &palette = option.palette;
    const bool dark = palette.window().color().lightness() < 128;
    const bool own = index.data(MessageListModel::IsOwnRole).toBool();
    const auto state = MessageState(index.data(MessageListModel::StateRole).toInt());

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QFont small = smallFont(option.font);

    if (!l.separator.isEmpty()) {
        const QString label = dayLabel(dayOf(index));
        const QFontMetrics metrics(small);
        const int w = metrics.horizontalAdvance(label) + 20;
        const QRect pill(l.separator.center().x() - w / 2, l.separator.top() + 5, w,
                         metrics.height() + 6);
        painter->setPen(Qt::NoPen);
        painter->setBrush(dark ? QColor(255, 255, 255, 30) : QColor(0, 0, 0, 20));
        painter->drawRoundedRect(pill, pill.height() / 2.0, pill.height() / 2.0);
        painter->setFont(small);
        painter->setPen(palette.text().color());
        painter->drawText(pill, Qt::AlignCenter, label);
    }

    const QString eventText = index.data(MessageListModel::EventTextRole).toString();
    if (!l.event.isEmpty()) {
        QColor text = palette.text().color();
        text.setAlphaF(0.65);
        painter->setFont(small);
        painter->setPen(text);
        painter->drawText(l.event.adjusted(10, 4, -10, -4), Qt::TextWordWrap | Qt::AlignHCenter,
                          eventText);
        painter->restore();
        return;
    }
    if (!l.sender.isEmpty()) {
        const quint64 senderId = index.data(MessageListModel::SenderIdRole).toULongLong();
        static const QColor kNameColors[] = { QColor(0xd9, 0x48, 0x1e), QColor(0x05, 0x96, 0x69),
                                              QColor(0x25, 0x63, 0xeb), QColor(0x93, 0x33, 0xea),
                                              QColor(0xc0, 0x26, 0x6d), QColor(0x0e, 0x74, 0x90) };
        QColor name = kNameColors[senderId % std::size(kNameColors)];
        if (dark)
            name = name.lighter(150);
        QFont bold = small;
        bold.setBold(true);
        painter->setFont(bold);
        painter->setPen(name);
        painter->drawText(
            l.sender, Qt::AlignLeft | Qt::AlignVCenter,
            QFontMetrics(bold).elidedText(index.data(MessageListModel::SenderNameRole).toString(),
                                          Qt::ElideRight, l.sender.width()));
    }

    QColor bubble = own ? (dark ? QColor(0x2b, 0x52, 0x78) : QColor(0xdc, 0xea, 0xfd))
                        : (dark ? QColor(0x33, 0x36, 0x3b) : QColor(0xf1, 0xf3, 0xf5));
    if (state == MessageState::Failed)
        bubble = dark ? QColor(0x5c, 0x2b, 0x2b) : QColor(0xfd, 0xe2, 0xe2);
    painter->setPen(Qt::NoPen);
    painter->setBrush(bubble);
    painter->drawRoundedRect(l.bubble, 12, 12);
    if (m_highlightedSeq != 0
        && index.data(MessageListModel::SeqRole).toULongLong() == m_highlightedSeq) {
        painter->setPen(QPen(QColor(0xf5, 0x9e, 0x0b), 2));
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(l.bubble.adjusted(1, 1, -1, -1), 12, 12);
    }

    if (!own && index.data(MessageListModel::MentionsMeRole).toBool()) {
        // It names the user: an accent along the bubble's left edge.
        painter->setPen(Qt::NoPen);
        painter->setBrush(QColor(0xf5, 0x9e, 0x0b));
        painter->drawRoundedRect(
            QRect(l.bubble.left(), l.bubble.top() + 6, 3, l.bubble.height() - 12), 1.5, 1.5);
    }

    if (!l.quote.isEmpty()) {
        painter->setPen(Qt::NoPen);
        painter->setBrush(dark ? QColor(255, 255, 255, 22) : QColor(0, 0, 0, 14));
        painter->drawRoundedRect(l.quote, 6, 6);
        painter->setBrush(linkColor(palette));
        painter->drawRoundedRect(QRect(l.quote.left(), l.quote.top(), kQuoteBar, l.quote.height()),
                                 1.5, 1.5);
        QColor quoted = palette.text().color();
        quoted.setAlphaF(0.75);
        painter->setPen(quoted);
        painter->setFont(small);
        const QRect inner = l.quote.adjusted(kQuoteBar + 6, 0, -6, 0);
        painter->drawText(
            inner, Qt::AlignLeft | Qt::AlignVCenter,
            QFontMetrics(small).elidedText(
                RichText::parse(index.data(MessageListModel::ReplyPreviewRole).toString()).text,
                Qt::ElideRight, inner.width()));
    }

    if (!l.files.isEmpty()) {
        const QVariantList files = index.data(MessageListModel::AttachmentsRole).toList();
        for (int i = 0; i < l.files.size() && i < files.size(); ++i)
            paintFile(painter, l.files.at(i), files.at(i).toMap(), own, palette, option.font);
    }

    const bool deleted = index.data(MessageListModel::DeletedRole).toBool();
    QFont textFont = option.font;
    QColor textColor = palette.text().color();
    if (deleted) {
        textFont.setItalic(true);
        textColor.setAlphaF(0.6);
    }
    painter->setFont(textFont);
    painter->setPen(textColor);
    {
        LaidOutText text(shownText(index), deleted, textFont, palette,
                         l.text.width() + 1); // the width it was measured at fits every line
        text.layout.draw(painter, l.text.topLeft());
    }

    if (!l.chips.isEmpty()) {
        const QVariantList reactions = index.data(MessageListModel::ReactionsRole).toList();
        painter->setFont(small);
        for (int i = 0; i < l.chips.size() && i < reactions.size(); ++i) {
            const QVariantMap reaction = reactions.at(i).toMap();
            const bool mine = reaction.value(QStringLiteral("mine")).toBool();
            const QRect chip = l.chips.at(i);
            painter->setPen(mine ? QPen(linkColor(palette), 1.2) : Qt::NoPen);
            painter->setBrush(mine ? (dark ? QColor(0x1e, 0x3a, 0x5f) : QColor(0xdb, 0xea, 0xfe))
                                   : (dark ? QColor(0x33, 0x36, 0x3b) : QColor(0xf1, 0xf3, 0xf5)));
            painter->drawRoundedRect(chip, chip.height() / 2.0, chip.height() / 2.0);
            painter->setPen(palette.text().color());
            painter->drawText(
                chip, Qt::AlignCenter,
                QStringLiteral("%1 %2").arg(
                    reaction.value(QStringLiteral("emoji")).toString(),
                    QLocale().toString(reaction.value(QStringLiteral("count")).toInt())));
        }
    }

    QColor meta = palette.text().color();
    meta.setAlphaF(0.55);
    painter->setFont(small);
    painter->setPen(meta);
    const QRect timeRect = l.meta.adjusted(0, 0, own ? -kMarkWidth : 0, 0);
    painter->drawText(timeRect, Qt::AlignRight | Qt::AlignVCenter, timeLabel(index));
    if (own) {
        const QRect mark(l.meta.right() - 10, l.meta.center().y() - 5, 10, 10);
        if (state == MessageState::Sending) {
            painter->setBrush(Qt::NoBrush);
            painter->setPen(QPen(meta, 1.2));
            painter->drawEllipse(mark);
            painter->drawLine(mark.center(), mark.center() + QPoint(0, -3));
            painter->drawLine(mark.center(), mark.center() + QPoint(2, 1));
        } else if (state == MessageState::Sent) {
            // One tick: on the server. Two: on every other member's device. Blue: read by all.
            const auto receipt =
                MessageListModel::Receipt(index.data(MessageListModel::ReceiptRole).toInt());
            auto tickAt = [&](int dx) {
                QPainterPath tick;
                tick.moveTo(mark.left() + dx, mark.center().y());
                tick.lineTo(mark.left() + dx + 3.5, mark.bottom() - 1);
                tick.lineTo(mark.right() + dx, mark.top() + 1);
                return tick;
            };
            painter->setBrush(Qt::NoBrush);
            const QColor read = dark ? QColor(0x60, 0xa5, 0xfa) : QColor(0x25, 0x63, 0xeb);
            painter->setPen(QPen(receipt == MessageListModel::Receipt::Read ? read : meta, 1.6));
            if (receipt == MessageListModel::Receipt::None) {
                painter->drawPath(tickAt(0));
            } else {
                painter->drawPath(tickAt(-4));
                painter->drawPath(tickAt(0));
            }
        } else {
            painter->setPen(Qt::NoPen);
            painter->setBrush(QColor(0xdc, 0x26, 0x26));
            painter->drawEllipse(mark);
            painter->setPen(Qt::white);
            QFont bold = small;
            bold.setBold(true);
            bold.setPixelSize(9);
            painter->setFont(bold);
            painter->drawText(mark, Qt::AlignCenter, QStringLiteral("!"));
        }
    }
    painter->restore();
}

void MessageDelegate::paintFile(QPainter *painter, const QRect &rect, const QVariantMap &file,
                                bool own, const QPalette &palette, const QFont &font) const
{
    const bool dark = palette.window().color().lightness() < 128;
    const QString name = file.value(QStringLiteral("name")).toString();
    const qint64 size = file.value(QStringLiteral("size")).toLongLong();
    const qint64 done = file.value(QStringLiteral("done")).toLongLong();
    const quint64 id = file.value(QStringLiteral("id")).toULongLong();
    const QString localPath = file.value(QStringLiteral("localPath")).toString();
    const bool here = !localPath.isEmpty();
    const bool moving = done >= 0;
    const bool goingUp = own && id == 0;
    const QFont small = smallFont(font);
    QPainterPath clip;
    clip.addRoundedRect(rect, 8, 8);

    // The progress of a file on its way: a bar along the bottom, and how far in words.
    auto paintProgress = [&](const QRect &area, bool overImage) {
        if (!moving || size <= 0)
            return;
        const qreal fraction = std::clamp(qreal(done) / qreal(size), 0.0, 1.0);
        const QRect track(area.left() + 8, area.bottom() - 8, area.width() - 16, 4);
        painter->setPen(Qt::NoPen);
        painter->setBrush(overImage ? QColor(0, 0, 0, 120)
                                    : (dark ? QColor(255, 255, 255, 40) : QColor(0, 0, 0, 30)));
        painter->drawRoundedRect(track, 2, 2);
        painter->setBrush(linkColor(palette));
        painter->drawRoundedRect(
            QRectF(track.left(), track.top(), track.width() * fraction, track.height()), 2, 2);
    };

    if (showsInline(file)) {
        // The image itself once it is here (sharper), its thumbnail until then.
        // Decoded once per file (at the largest size it is shown at, for screens up to 2x),
        // then only scaled: resizing the window does not read the file again. A file that
        // does not decode is remembered too, and its thumbnail shown.
        const QSize bound(2 * kImageEdge, 2 * kImageEdge);
        const QString key = here ? QStringLiteral("confab-image:") + localPath
                                 : QStringLiteral("confab-thumb:%1:%2").arg(id).arg(name);
        QPixmap pixmap;
        if (!QPixmapCache::find(key, &pixmap)) {
            QImage image;
            if (here && !m_undecodable.contains(localPath)) {
                image = readImage(localPath, bound);
                if (image.isNull()) {
                    if (m_undecodable.size() > 1000)
                        m_undecodable.clear();
                    m_undecodable.insert(localPath);
                }
            }
            if (image.isNull())
                image.loadFromData(file.value(QStringLiteral("thumbnail")).toByteArray(), "JPEG");
            if (!image.isNull()) {
                pixmap = QPixmap::fromImage(std::move(image));
                QPixmapCache::insert(key, pixmap);
            }
        }
        painter->save();
        painter->setClipPath(clip);
        if (pixmap.isNull()) {
            painter->fillRect(rect, dark ? QColor(255, 255, 255, 25) : QColor(0, 0, 0, 20));
        } else {
            // Fills the rectangle, its middle shown when the proportions differ a little.
            const QSizeF shown =
                QSizeF(pixmap.size()).scaled(rect.size(), Qt::KeepAspectRatioByExpanding);
            painter->setRenderHint(QPainter::SmoothPixmapTransform);
            painter->drawPixmap(QRectF(rect.center().x() - shown.width() / 2.0,
                                       rect.center().y() - shown.height() / 2.0, shown.width(),
                                       shown.height()),
                                pixmap, QRectF(pixmap.rect()));
        }
        if (!here || moving) {
            // Not here yet: how large it is, or how far it got.
            const QString label = moving
                ? (goingUp ? tr("↑ %1%") : tr("↓ %1%")).arg(size > 0 ? done * 100 / size : 0)
                : tr("↓ %1").arg(formatSize(size));
            const QFontMetrics metrics(small);
            const QRect badge(rect.left() + 6, rect.top() + 6,
                              metrics.horizontalAdvance(label) + 12, metrics.height() + 4);
            painter->setPen(Qt::NoPen);
            painter->setBrush(QColor(0, 0, 0, 140));
            painter->drawRoundedRect(badge, badge.height() / 2.0, badge.height() / 2.0);
            painter->setFont(small);
            painter->setPen(Qt::white);
            painter->drawText(badge, Qt::AlignCenter, label);
            paintProgress(rect, true);
        }
        painter->restore();
        return;
    }

    // Any other file: a row with its kind, name, size and what a click does.
    painter->save();
    painter->setPen(Qt::NoPen);
    painter->setBrush(own ? (dark ? QColor(255, 255, 255, 22) : QColor(255, 255, 255, 150))
                          : (dark ? QColor(255, 255, 255, 18) : QColor(0, 0, 0, 12)));
    painter->drawPath(clip);
    const QRect badge(rect.left() + 7, rect.top() + 7, 32, 32);
    painter->setBrush(linkColor(palette));
    painter->drawRoundedRect(badge, 6, 6);
    QString kind = QFileInfo(name).suffix().left(4).toUpper();
    if (kind.isEmpty())
        kind = QStringLiteral("FILE");
    QFont badgeFont = small;
    badgeFont.setBold(true);
    badgeFont.setPixelSize(kind.size() > 3 ? 9 : 10);
    painter->setFont(badgeFont);
    painter->setPen(dark ? QColor(0x11, 0x18, 0x27) : Qt::white);
    painter->drawText(badge, Qt::AlignCenter, kind);

    const QRect textArea(badge.right() + 8, rect.top() + 5, rect.right() - badge.right() - 14,
                         rect.height() - 10);
    QFont nameFont = font;
    nameFont.setBold(true);
    painter->setFont(nameFont);
    painter->setPen(palette.text().color());
    const QFontMetrics nameMetrics(nameFont);
    painter->drawText(
        QRect(textArea.left(), textArea.top(), textArea.width(), nameMetrics.height()),
        Qt::AlignLeft | Qt::AlignVCenter,
        nameMetrics.elidedText(name, Qt::ElideMiddle, textArea.width()));
    QString status;
    if (moving)
        status = (goingUp ? tr("Uploading %1 of %2") : tr("Downloading %1 of %2 · click to cancel"))
                     .arg(formatSize(done), formatSize(size));
    else if (goingUp)
        status = tr("%1 · waiting to upload").arg(formatSize(size));
    else if (here)
        status = tr("%1 · click to open").arg(formatSize(size));
    else
        status = tr("%1 · click to download").arg(formatSize(size));
    QColor statusColor = palette.text().color();
    statusColor.setAlphaF(0.65);
    painter->setFont(small);
    painter->setPen(statusColor);
    const QFontMetrics smallMetrics(small);
    painter->drawText(QRect(textArea.left(), textArea.top() + nameMetrics.height() + 1,
                            textArea.width(), smallMetrics.height()),
                      Qt::AlignLeft | Qt::AlignVCenter,
                      smallMetrics.elidedText(status, Qt::ElideRight, textArea.width()));
    paintProgress(rect, false);
    painter->restore();
}

bool MessageDelegate::editorEvent(QEvent *event, QAbstractItemModel *model,
                                  const QStyleOptionViewItem &option, const QModelIndex &index)
{
    if (event->type() != QEvent::MouseButtonRelease)
        return QStyledItemDelegate::editorEvent(event, model, option, index);
    const auto *mouse = static_cast<QMouseEvent *>(event);
    if (mouse->button() != Qt::LeftButton)
        return false;
    const QPoint at = mouse->position().toPoint();
    const Layout l = layout(option, index);
    if (l.quote.contains(at)) {
        Q_EMIT quoteClicked(index.data(MessageListModel::ReplyToIdRole).toULongLong());
        return true;
    }
    for (int i = 0; i < l.chips.size(); ++i) {
        if (l.chips.at(i).contains(at)) {
            Q_EMIT reactionClicked(index, l.chipEmoji.value(i));
            return true;
        }
    }
    for (int i = 0; i < l.files.size(); ++i) {
        if (l.files.at(i).contains(at)) {
            Q_EMIT attachmentClicked(index, i);
            return true;
        }
    }
    if (l.text.contains(at) && !index.data(MessageListModel::DeletedRole).toBool()) {
        LaidOutText text(shownText(index), false, option.font, option.palette, l.text.width() + 1);
        const QPointF local = at - l.text.topLeft();
        for (int i = 0; i < text.layout.lineCount(); ++i) {
            const QTextLine line = text.layout.lineAt(i);
            if (local.y() < line.y() || local.y() >= line.y() + line.height())
                continue;
            if (local.x() > line.naturalTextWidth())
                break;
            const QUrl url =
                text.rich.linkAt(line.xToCursor(local.x(), QTextLine::CursorOnCharacter));
            if (url.isValid()) {
                Q_EMIT linkClicked(url);
                return true;
            }
            break;
        }
    }
    return false;
}

bool MessageDelegate::helpEvent(QHelpEvent *event, QAbstractItemView *view,
                                const QStyleOptionViewItem &option, const QModelIndex &index)
{
    if (event->type() == QEvent::ToolTip) {
        // Who reacted, on a chip.
        const Layout l = layout(option, index);
        const QVariantList reactions = index.data(MessageListModel::ReactionsRole).toList();
        for (int i = 0; i < l.chips.size() && i < reactions.size(); ++i) {
            if (!l.chips.at(i).contains(event->pos()))
                continue;
            const QVariantMap reaction = reactions.at(i).toMap();
            QToolTip::showText(event->globalPos(),
                               tr("%1 reacted with %2")
                                   .arg(QLocale().createSeparatedList(
                                            reaction.value(QStringLiteral("names")).toStringList()),
                                        reaction.value(QStringLiteral("emoji")).toString()),
                               view);
            return true;
        }
    }
    if (event->type() == QEvent::ToolTip && index.data(MessageListModel::IsOwnRole).toBool()
        && index.data(MessageListModel::IsGroupRole).toBool()) {
        const QStringList readers = index.data(MessageListModel::ReadByNamesRole).toStringList();
        const QString text = readers.isEmpty() ? tr("Not read yet")
                                               : tr("Read by %n: %1", nullptr, int(readers.size()))
                                                     .arg(readers.join(QStringLiteral(", ")));
        QToolTip::showText(event->globalPos(), text, view);
        return true;
    }
    return QStyledItemDelegate::helpEvent(event, view, option, index);
}

} // namespace Confab::Ui
