#pragma once

#include <QHash>
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
    //! Conversations that are muted or mentions-only get a mark (owned by the window).
    void setNotifyModes(const QHash<quint64, int> *modes) { m_modes = modes; }

private:
    const QHash<quint64, int> *m_modes = nullptr;
};

} // namespace Confab::Ui
