#pragma once

#include <QHash>
#include <QPointer>
#include <QSize>
#include <QStyledItemDelegate>

class QAbstractItemView;

namespace Confab::Ui {

//! Paints one message of the chat view: a bubble (own messages on the right), a day separator
//! above the first message of a day, the time and, for own messages, the delivery state (clock
//! while sending, tick when sent, a red mark when it failed). Consecutive messages of one sender
//! are grouped closer together. No widget per message: 100k rows stay fast.
class MessageDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit MessageDelegate(QAbstractItemView *view);
    //! The message found by "find in chat" (0: none) gets a frame.
    void setHighlightedSeq(quint64 seq) { m_highlightedSeq = seq; }

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    [[nodiscard]] QSize sizeHint(const QStyleOptionViewItem &option,
                                 const QModelIndex &index) const override;

private:
    struct Layout
    {
        QRect separator; //!< empty when no day separator
        QRect bubble;
        QRect text;
        QRect meta; //!< time and state mark
        QRect sender; //!< the sender's name, in groups; empty otherwise
        QRect event; //!< a group change's line; empty for a message
    };
    //! Own messages in groups: who has read them, on hover.
    bool helpEvent(QHelpEvent *event, QAbstractItemView *view, const QStyleOptionViewItem &option,
                   const QModelIndex &index) override;
    [[nodiscard]] Layout layout(const QStyleOptionViewItem &option, const QModelIndex &index) const;
    [[nodiscard]] bool startsDay(const QModelIndex &index) const;
    [[nodiscard]] bool startsGroup(const QModelIndex &index) const;
    [[nodiscard]] int viewWidth() const;
    [[nodiscard]] QSize cachedTextSize(const QString &text, const QFont &font, int maxWidth) const;

    struct TextKey
    {
        QString text;
        int maxWidth;
        size_t font;
        friend bool operator==(const TextKey &a, const TextKey &b)
        {
            return a.maxWidth == b.maxWidth && a.font == b.font && a.text == b.text;
        }
        friend size_t qHash(const TextKey &key, size_t seed = 0)
        {
            return qHashMulti(seed, key.text, key.maxWidth, key.font);
        }
    };
    static constexpr int kMaxCachedSizes = 20'000;

    QPointer<QAbstractItemView> m_view;
    quint64 m_highlightedSeq = 0;
    mutable QHash<TextKey, QSize> m_textSizes; //!< wrapped text sizes, bounded
};

} // namespace Confab::Ui
