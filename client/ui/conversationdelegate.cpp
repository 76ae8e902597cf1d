#include "conversationdelegate.h"

#include "avatar.h"
#include "conversationlistmodel.h"
#include "richtext.h"

#include <QApplication>
#include <QDateTime>
#include <QLocale>
#include <QPainter>

namespace Confab::Ui {

using Client::ConversationListModel;

namespace {
constexpr int kPadding = 10;
constexpr int kAvatar = 44;
} // namespace

QString ConversationDelegate::shortTime(qint64 msSinceEpoch)
{
    if (msSinceEpoch <= 0)
        return {};
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(msSinceEpoch);
    const QDate today = QDate::currentDate();
    const QLocale locale;
    if (when.date() == today)
        return locale.toString(when.time(), QLocale::ShortFormat);
    if (when.date().daysTo(today) < 7)
        return locale.dayName(when.date().dayOfWeek(), QLocale::ShortFormat);
    return locale.toString(when.date(), QLocale::ShortFormat);
}

QSize ConversationDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const
{
    return { option.rect.width(), kAvatar + 2 * kPadding };
}

void ConversationDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                 const QModelIndex &index) const
{
    painter->save();
    const QPalette &palette = option.palette;
    const bool selected = option.state & QStyle::State_Selected;
    if (selected)
        painter->fillRect(option.rect, palette.highlight());
    else if (option.state & QStyle::State_MouseOver)
        painter->fillRect(option.rect, palette.alternateBase());

    const QString title = index.data(ConversationListModel::TitleRole).toString();
    const QString key = index.data(ConversationListModel::PeerUsernameRole).toString();
    const QRect avatar(option.rect.left() + kPadding, option.rect.top() + kPadding, kAvatar,
                       kAvatar);
    Avatar::paint(painter, avatar, title, key.isEmpty() ? title : key);
    // Direct chats: a dot for the other person being online (green) or away (amber).
    const auto presence =
        Client::PresenceState(index.data(ConversationListModel::PresenceRole).toInt());
    if (presence != Client::PresenceState::Offline) {
        const QRect dot(avatar.right() - 11, avatar.bottom() - 11, 12, 12);
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(QPen(selected ? palette.highlight().color() : palette.base().color(), 2));
        painter->setBrush(presence == Client::PresenceState::Online ? QColor(0x22, 0xc5, 0x5e)
                                                                    : QColor(0xf5, 0x9e, 0x0b));
        painter->drawEllipse(dot);
    }

    const QColor text = selected ? palette.highlightedText().color() : palette.text().color();
    QColor dim = text;
    dim.setAlphaF(selected ? 0.8 : 0.6);
    const int left = avatar.right() + kPadding;
    const int right = option.rect.right() - kPadding;

    QFont bold = option.font;
    bold.setBold(true);
    const QString time =
        shortTime(index.data(ConversationListModel::LastActivityRole).toLongLong());
    const QFontMetrics small(option.font);
    const int timeWidth = small.horizontalAdvance(time);
    painter->setFont(option.font);
    painter->setPen(dim);
    painter->drawText(QRect(right - timeWidth, avatar.top(), timeWidth, kAvatar / 2),
                      Qt::AlignRight | Qt::AlignVCenter, time);

    painter->setFont(bold);
    painter->setPen(text);
    const QFontMetrics boldMetrics(bold);
    const quint64 id = index.data(ConversationListModel::ConversationIdRole).toULongLong();
    const bool quiet = m_modes && m_modes->value(id, 0) != 0;
    const int titleWidth = right - timeWidth - kPadding - left - (quiet ? 18 : 0);
    const QString shown = boldMetrics.elidedText(title, Qt::ElideRight, titleWidth);
    painter->drawText(QRect(left, avatar.top(), titleWidth, kAvatar / 2),
                      Qt::AlignLeft | Qt::AlignVCenter, shown);
    if (quiet) {
        // A small bell with a slash: notifications are muted or limited to mentions.
        const int x = left + boldMetrics.horizontalAdvance(shown) + 6;
        const QRect bell(x, avatar.top() + kAvatar / 4 - 6, 12, 12);
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(QPen(dim, 1.4));
        painter->setBrush(Qt::NoBrush);
        painter->drawArc(bell.adjusted(2, 0, -2, 4), 0, 180 * 16);
        painter->drawLine(bell.left() + 2, bell.center().y() + 2, bell.left() + 2,
                          bell.bottom() - 2);
        painter->drawLine(bell.right() - 2, bell.center().y() + 2, bell.right() - 2,
                          bell.bottom() - 2);
        painter->drawLine(bell.left(), bell.bottom() - 2, bell.right(), bell.bottom() - 2);
        painter->drawLine(bell.topLeft(), bell.bottomRight());
    }

    const quint64 unread = index.data(ConversationListModel::UnreadCountRole).toULongLong();
    int previewRight = right;
    if (unread > 0) {
        const QString badge = unread > 999 ? QStringLiteral("999+") : QString::number(unread);
        const int height = small.height() + 4;
        const int width = std::max(height, small.horizontalAdvance(badge) + 12);
        const QRect pill(right - width, avatar.top() + kAvatar / 2 + (kAvatar / 2 - height) / 2,
                         width, height);
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(Qt::NoPen);
        painter->setBrush(selected ? palette.highlightedText() : QBrush(QColor(0x3b, 0x82, 0xf6)));
        painter->drawRoundedRect(pill, height / 2.0, height / 2.0);
        painter->setPen(selected ? palette.highlight().color() : QColor(Qt::white));
        painter->setFont(option.font);
        painter->drawText(pill, Qt::AlignCenter, badge);
        previewRight = pill.left() - kPadding;
    }
    painter->setFont(option.font);
    painter->setPen(dim);
    const QString preview =
        RichText::parse(index.data(ConversationListModel::LastTextRole).toString())
            .text.simplified();
    painter->drawText(QRect(left, avatar.top() + kAvatar / 2, previewRight - left, kAvatar / 2),
                      Qt::AlignLeft | Qt::AlignVCenter,
                      small.elidedText(preview, Qt::ElideRight, previewRight - left));
    painter->restore();
}

} // namespace Confab::Ui
