#include "composer.h"

#include <QKeyEvent>

namespace Confab::Ui {

Composer::Composer(QWidget *parent) : QPlainTextEdit(parent)
{
    setPlaceholderText(tr("Write a message…"));
    setAccessibleName(tr("Message"));
    setTabChangesFocus(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed); // as tall as its text, up to 6 lines
    connect(this, &QPlainTextEdit::textChanged, this, &QWidget::updateGeometry);
}

QSize Composer::sizeHint() const
{
    const int lines = std::clamp(int(document()->blockCount()), 1, 6);
    const int height = fontMetrics().lineSpacing() * lines + 2 * int(document()->documentMargin())
        + 2 * frameWidth() + 4;
    return { QPlainTextEdit::sizeHint().width(), height };
}

void Composer::keyPressEvent(QKeyEvent *event)
{
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    if (enter && !(event->modifiers() & Qt::ShiftModifier)) {
        const QString text = isReadOnly() ? QString() : toPlainText().trimmed();
        if (!text.isEmpty()) {
            Q_EMIT sendRequested(text);
            clear();
        }
        event->accept();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

} // namespace Confab::Ui
