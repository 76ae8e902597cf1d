#include "composer.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QFileInfo>
#include <QImage>
#include <QKeyEvent>
#include <QMimeData>
#include <QScrollBar>
#include <QStringListModel>
#include <QTextBlock>

namespace Confab::Ui {

Composer::Composer(QWidget *parent) : QPlainTextEdit(parent)
{
    setPlaceholderText(tr("Write a message…"));
    setAccessibleName(tr("Message"));
    setTabChangesFocus(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed); // as tall as its text, up to 6 lines
    connect(this, &QPlainTextEdit::textChanged, this, &QWidget::updateGeometry);

    m_candidates = new QStringListModel(this);
    m_completer = new QCompleter(m_candidates, this);
    m_completer->setWidget(this);
    m_completer->setCompletionMode(QCompleter::PopupCompletion);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setFilterMode(Qt::MatchStartsWith);
    connect(m_completer, qOverload<const QString &>(&QCompleter::activated), this,
            &Composer::insertMention);
    connect(this, &QPlainTextEdit::textChanged, this, &Composer::updateCompleter);
    connect(this, &QPlainTextEdit::cursorPositionChanged, this, [this] {
        if (m_completer->popup()->isVisible() && mentionPrefix().isNull())
            m_completer->popup()->hide();
    });
}

void Composer::setMentionCandidates(const QList<QPair<QString, QString>> &usernamesAndNames)
{
    // "username — Display Name": the username is what goes into the text.
    QStringList entries;
    for (const auto &[username, name] : usernamesAndNames)
        entries.append(name.isEmpty() || name == username
                           ? username
                           : QStringLiteral("%1 — %2").arg(username, name));
    m_candidates->setStringList(entries);
}

QSize Composer::sizeHint() const
{
    const int lines = std::clamp(int(document()->blockCount()), 1, 6);
    const int height = fontMetrics().lineSpacing() * lines + 2 * int(document()->documentMargin())
        + 2 * frameWidth() + 4;
    return { QPlainTextEdit::sizeHint().width(), height };
}

QString Composer::mentionPrefix() const
{
    const QTextCursor cursor = textCursor();
    const QString block = cursor.block().text();
    const int at = cursor.positionInBlock();
    int start = at;
    while (start > 0
           && (block.at(start - 1).isLetterOrNumber() || block.at(start - 1) == u'_'
               || block.at(start - 1) == u'.' || block.at(start - 1) == u'-'))
        --start;
    if (start == 0 || block.at(start - 1) != u'@')
        return {};
    if (start >= 2 && (block.at(start - 2).isLetterOrNumber() || block.at(start - 2) == u'@'))
        return {}; // an e-mail address, not a mention
    return block.mid(start, at - start);
}

void Composer::updateCompleter()
{
    const QString prefix = mentionPrefix();
    if (prefix.isNull() || m_candidates->rowCount() == 0 || isReadOnly()) {
        m_completer->popup()->hide();
        return;
    }
    m_completer->setCompletionPrefix(prefix);
    if (m_completer->completionCount() == 0) {
        m_completer->popup()->hide();
        return;
    }
    QRect rect = cursorRect();
    rect.setWidth(m_completer->popup()->sizeHintForColumn(0)
                  + m_completer->popup()->verticalScrollBar()->sizeHint().width());
    m_completer->complete(rect);
    // The first match is chosen: Tab or Enter takes it.
    m_completer->popup()->setCurrentIndex(m_completer->completionModel()->index(0, 0));
}

void Composer::insertMention(const QString &completion)
{
    const QString username = completion.section(QStringLiteral(" — "), 0, 0);
    QTextCursor cursor = textCursor();
    const QString prefix = mentionPrefix();
    if (prefix.isNull())
        return;
    cursor.movePosition(QTextCursor::Left, QTextCursor::KeepAnchor, int(prefix.size()));
    cursor.insertText(username + u' ');
    setTextCursor(cursor);
    m_completer->popup()->hide();
}

bool Composer::event(QEvent *event)
{
    // Tab would move the focus on (QWidget::event handles it before keyPressEvent); while
    // mentions are offered it takes one.
    if (event->type() == QEvent::KeyPress && m_completer->popup()->isVisible()
        && static_cast<QKeyEvent *>(event)->key() == Qt::Key_Tab) {
        keyPressEvent(static_cast<QKeyEvent *>(event));
        return true;
    }
    return QPlainTextEdit::event(event);
}

void Composer::keyPressEvent(QKeyEvent *event)
{
    if (m_completer->popup()->isVisible()) {
        switch (event->key()) {
        case Qt::Key_Return:
        case Qt::Key_Enter:
        case Qt::Key_Tab: {
            const QModelIndex current = m_completer->popup()->currentIndex();
            insertMention(
                (current.isValid() ? current : m_completer->completionModel()->index(0, 0))
                    .data()
                    .toString());
            event->accept();
            return;
        }
        case Qt::Key_Escape:
            m_completer->popup()->hide();
            event->accept();
            return;
        default:
            break; // the popup passes the others on (typing goes on narrowing it)
        }
    }
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    if (enter && !(event->modifiers() & Qt::ShiftModifier)) {
        const QString text = isReadOnly() ? QString() : toPlainText().trimmed();
        if (!isReadOnly() && (!text.isEmpty() || m_hasAttachments)) {
            Q_EMIT sendRequested(text);
            clear();
        }
        event->accept();
        return;
    }
    if (event->key() == Qt::Key_Escape) {
        Q_EMIT cancelRequested();
        event->accept();
        return;
    }
    if (event->key() == Qt::Key_Up && event->modifiers() == Qt::NoModifier
        && document()->isEmpty()) {
        Q_EMIT editLastRequested();
        event->accept();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

namespace {
QStringList localFiles(const QMimeData *source)
{
    QStringList paths;
    if (source->hasUrls())
        for (const QUrl &url : source->urls())
            if (url.isLocalFile() && QFileInfo(url.toLocalFile()).isFile())
                paths.append(url.toLocalFile());
    return paths;
}
} // namespace

bool Composer::canInsertFromMimeData(const QMimeData *source) const
{
    return source->hasImage() || !localFiles(source).isEmpty()
        || QPlainTextEdit::canInsertFromMimeData(source);
}

void Composer::insertFromMimeData(const QMimeData *source)
{
    // Files go with the message, not into its text; so does a pasted screenshot.
    if (const QStringList paths = localFiles(source); !paths.isEmpty()) {
        Q_EMIT filesOffered(paths);
        return;
    }
    if (source->hasImage()) {
        const QImage image = qvariant_cast<QImage>(source->imageData());
        if (!image.isNull()) {
            Q_EMIT imagePasted(image);
            return;
        }
    }
    QPlainTextEdit::insertFromMimeData(source);
}

} // namespace Confab::Ui
