#pragma once

#include <QPlainTextEdit>

class QCompleter;
class QStringListModel;

namespace Confab::Ui {

//! The message editor: multi-line, Enter sends, Shift+Enter starts a new line; grows with its
//! text up to a few lines. Typing @ offers the conversation's members by username (Tab or Enter
//! takes one); Escape cancels a reply or an edit; Up in an empty editor edits one's last message.
class Composer final : public QPlainTextEdit
{
    Q_OBJECT
public:
    explicit Composer(QWidget *parent = nullptr);
    [[nodiscard]] QSize sizeHint() const override;
    [[nodiscard]] QSize minimumSizeHint() const override { return sizeHint(); }
    //! Who can be mentioned here: usernames, with display names shown beside them.
    void setMentionCandidates(const QList<QPair<QString, QString>> &usernamesAndNames);
    [[nodiscard]] QCompleter *mentionCompleter() const { return m_completer; }
    //! Files wait to go with the next message: Enter sends even without text.
    void setHasAttachments(bool has) { m_hasAttachments = has; }

Q_SIGNALS:
    void sendRequested(const QString &text);
    //! Escape: leave reply or edit mode.
    void cancelRequested();
    //! Up in an empty editor.
    void editLastRequested();
    //! Files were dropped or pasted here (local paths).
    void filesOffered(const QStringList &paths);
    //! An image was pasted (a screenshot: no file behind it).
    void imagePasted(const QImage &image);

protected:
    bool event(QEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    [[nodiscard]] bool canInsertFromMimeData(const QMimeData *source) const override;
    void insertFromMimeData(const QMimeData *source) override;

private:
    //! The "@word" the cursor is in (without the @), or a null string.
    [[nodiscard]] QString mentionPrefix() const;
    void insertMention(const QString &completion);
    void updateCompleter();

    QCompleter *m_completer = nullptr;
    QStringListModel *m_candidates = nullptr;
    bool m_hasAttachments = false;
};

} // namespace Confab::Ui
