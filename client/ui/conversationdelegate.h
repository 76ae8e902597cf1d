#pragma once

#include <QStyledItemDelegate>

namespace Confab::Ui {

//! Paints one row of the conversation list: avatar, name, time, last message and unread badge.
class ConversationDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    [[nodiscard]] QSize sizeHint(const QStyleOptionViewItem &option,
                                 const QModelIndex &index) const override;

    //! "14:05" today, "Mon" this week, "2026-11-02" before.
    [[nodiscard]] static QString shortTime(qint64 msSinceEpoch);
};

} // namespace Confab::Ui
