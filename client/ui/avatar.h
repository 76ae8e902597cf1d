#pragma once

#include <QColor>
#include <QPixmap>
#include <QString>

namespace Confab::Ui {

//! Generated avatars: the initials of a name on a colour picked from a fixed palette by a stable
//! hash of the username, so a person keeps their colour everywhere and across runs.
namespace Avatar {
[[nodiscard]] QString initials(const QString &name);
[[nodiscard]] QColor colour(const QString &key);
void paint(class QPainter *painter, const QRect &rect, const QString &name, const QString &key);
} // namespace Avatar

} // namespace Confab::Ui
