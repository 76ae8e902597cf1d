#pragma once

#include <QDialog>
#include <QImage>

class QLabel;
class QScrollArea;

namespace Confab::Ui {

//! A received or sent image at full size, upright, scaled down to fit the screen (a click or
//! "Actual Size" shows it 1:1, scrolling); Esc closes. "Open With…" hands the file to the
//! system's viewer.
class ImageViewer final : public QDialog
{
    Q_OBJECT
public:
    ImageViewer(const QString &path, const QString &title, QWidget *parent = nullptr);
    [[nodiscard]] bool hasImage() const { return !m_image.isNull(); }
    [[nodiscard]] QSize imageSize() const { return m_image.size(); }

Q_SIGNALS:
    void openExternallyRequested(const QString &path);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void showScaled();

    QString m_path;
    QImage m_image;
    QLabel *m_label = nullptr;
    QScrollArea *m_scroll = nullptr;
    bool m_actualSize = false;
};

} // namespace Confab::Ui
