#include "avatar.h"

#include <QCryptographicHash>
#include <QPainter>

namespace Confab::Ui::Avatar {

QString initials(const QString &name)
{
    const QStringList words = name.split(u' ', Qt::SkipEmptyParts);
    QString result;
    for (const QString &word : words) {
        result += word.at(0).toUpper();
        if (result.size() == 2)
            break;
    }
    return result.isEmpty() ? QStringLiteral("?") : result;
}

QColor colour(const QString &key)
{
    static const QColor palette[] = { QColor(0xe5, 0x73, 0x73), QColor(0xf0, 0x93, 0x3d),
                                      QColor(0x9c, 0x7b, 0xdb), QColor(0x4c, 0xaf, 0x7d),
                                      QColor(0x3d, 0x9b, 0xd6), QColor(0xd6, 0x6b, 0xa8),
                                      QColor(0x2f, 0xa8, 0xa8), QColor(0x7a, 0x8b, 0x9c) };
    // A hash that is the same in every run (qHash is seeded per process).
    const QByteArray digest = QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Md5);
    return palette[quint8(digest.at(0)) % std::size(palette)];
}

void paint(QPainter *painter, const QRect &rect, const QString &name, const QString &key)
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(colour(key));
    painter->drawEllipse(rect);
    QFont font = painter->font();
    font.setPixelSize(std::max(8, rect.height() * 2 / 5));
    font.setBold(true);
    painter->setFont(font);
    painter->setPen(Qt::white);
    painter->drawText(rect, Qt::AlignCenter, initials(name));
    painter->restore();
}

} // namespace Confab::Ui::Avatar
