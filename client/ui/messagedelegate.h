#pragma once

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QSize>
#include <QStyledItemDelegate>

class QAbstractItemView;

namespace Confab::Ui {

//! Paints one message of the chat view: a bubble (own messages on the right), a day separator
//! above the first message of a day, the time and, for own messages, the delivery state (clock
//! while sending, tick when sent, a red mark when it failed). Consecutive messages of one sender
//! are grouped closer together. The text has its Markdown subset applied (RichText); a reply
//! quotes its original above the text (a click jumps to it); reactions sit under the bubble as
//! chips (a click adds or takes back one's own); "edited" goes before the time; a deleted
//! message says so. No widget per message: 100k rows stay fast.
class MessageDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit MessageDelegate(QAbstractItemView *view);
    //! The message found by "find in chat" (0: none) gets a frame.
    void setHighlightedSeq(quint64 seq) { m_highlightedSeq = seq; }

Q_SIGNALS:
    //! The quote above a reply was clicked: show the message it answers.
    void quoteClicked(quint64 messageId);
    //! A reaction chip was clicked: add or take back one's own reaction with that emoji.
    void reactionClicked(const QModelIndex &index, const QString &emoji);
    //! A link in a message was clicked (only http, https and mailto are links).
    void linkClicked(const QUrl &url);
    //! One of a message's files was clicked (its position among them).
    void attachmentClicked(const QModelIndex &index, int position);

public:
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
        QRect quote; //!< the message a reply answers; empty when not a reply
        QList<QRect> files; //!< the message's files (images inline), above its text
        QList<QRect> chips; //!< reactions, under the bubble
        QStringList chipEmoji; //!< the emoji of each chip
        int bottom = 0; //!< the lowest pixel the row uses
    };
    bool editorEvent(QEvent *event, QAbstractItemModel *model, const QStyleOptionViewItem &option,
                     const QModelIndex &index) override;
    //! Own messages in groups: who has read them, on hover.
    bool helpEvent(QHelpEvent *event, QAbstractItemView *view, const QStyleOptionViewItem &option,
                   const QModelIndex &index) override;
    [[nodiscard]] Layout layout(const QStyleOptionViewItem &option, const QModelIndex &index) const;
    [[nodiscard]] bool startsDay(const QModelIndex &index) const;
    [[nodiscard]] bool startsGroup(const QModelIndex &index) const;
    [[nodiscard]] int viewWidth() const;
    [[nodiscard]] QSize cachedTextSize(const QString &text, const QFont &font, int maxWidth) const;
    void paintFile(QPainter *painter, const QRect &rect, const QVariantMap &file, bool own,
                   const QPalette &palette, const QFont &font) const;
    //! What the text shows: the Markdown applied, or the tombstone of a deleted message.
    [[nodiscard]] static QString shownText(const QModelIndex &index);

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
    mutable QSet<QString> m_undecodable; //!< files said to be images that are not, bounded
};

} // namespace Confab::Ui
