#include "imageviewer.h"

#include "attachments.h"

#include <QDialogButtonBox>
#include <QGuiApplication>
#include <QLabel>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QVBoxLayout>

namespace Confab::Ui {

ImageViewer::ImageViewer(const QString &path, const QString &title, QWidget *parent)
    : QDialog(parent), m_path(path), m_image(readImage(path))
{
    setWindowTitle(title);
    setAttribute(Qt::WA_DeleteOnClose);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 8);
    m_scroll = new QScrollArea(this);
    m_scroll->setAlignment(Qt::AlignCenter);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setBackgroundRole(QPalette::Dark);
    m_label = new QLabel(m_scroll);
    m_label->setAlignment(Qt::AlignCenter);
    m_label->setAccessibleName(title);
    m_scroll->setWidget(m_label);
    m_scroll->setWidgetResizable(true);
    layout->addWidget(m_scroll, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto *actual = buttons->addButton(tr("Actual Size"), QDialogButtonBox::ActionRole);
    actual->setCheckable(true);
    connect(actual, &QPushButton::toggled, this, [this](bool on) {
        m_actualSize = on;
        m_scroll->setWidgetResizable(!on);
        showScaled();
    });
    auto *external =
        buttons->addButton(tr("Open With System Viewer"), QDialogButtonBox::ActionRole);
    connect(external, &QPushButton::clicked, this,
            [this] { Q_EMIT openExternallyRequested(m_path); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    buttons->setContentsMargins(8, 0, 8, 0);
    layout->addWidget(buttons);

    if (m_image.isNull()) {
        m_label->setText(tr("This image cannot be shown."));
        actual->setEnabled(false);
        external->setEnabled(false); // not an image: the system might run it
        resize(420, 200);
        return;
    }
    // As large as the image, within most of the screen.
    const QRect screen =
        (parent ? parent->screen() : QGuiApplication::primaryScreen())->availableGeometry();
    const QSize room = screen.size() * 0.85;
    resize(m_image.size().boundedTo(room).expandedTo(QSize(320, 240)) + QSize(0, 48));
}

void ImageViewer::resizeEvent(QResizeEvent *event)
{
    QDialog::resizeEvent(event);
    showScaled();
}

void ImageViewer::showScaled()
{
    if (m_image.isNull())
        return;
    if (m_actualSize) {
        m_label->setPixmap(QPixmap::fromImage(m_image));
        m_label->adjustSize();
        return;
    }
    const QSize room = m_scroll->viewport()->size();
    const qreal ratio = devicePixelRatioF();
    QImage shown = m_image;
    if (m_image.width() > room.width() * ratio || m_image.height() > room.height() * ratio)
        shown = m_image.scaled(room * ratio, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    QPixmap pixmap = QPixmap::fromImage(shown);
    pixmap.setDevicePixelRatio(ratio);
    m_label->setPixmap(pixmap);
}

} // namespace Confab::Ui
