#pragma once

#include <QPlainTextEdit>

namespace Confab::Ui {

//! The message editor: multi-line, Enter sends, Shift+Enter starts a new line; grows with its
//! text up to a few lines.
class Composer final : public QPlainTextEdit
{
    Q_OBJECT
public:
    explicit Composer(QWidget *parent = nullptr);
    [[nodiscard]] QSize sizeHint() const override;
    [[nodiscard]] QSize minimumSizeHint() const override { return sizeHint(); }

Q_SIGNALS:
    void sendRequested(const QString &text);

protected:
    void keyPressEvent(QKeyEvent *event) override;
};

} // namespace Confab::Ui
