#include "appicon.h"

namespace Confab::Ui {

QIcon applicationIcon()
{
    QIcon icon;
    for (int size : { 16, 24, 32, 48, 64, 128, 256 })
        icon.addFile(QStringLiteral(":/icons/confab-%1.png").arg(size), QSize(size, size));
    icon.addFile(QStringLiteral(":/icons/confab.svg"));
    return icon;
}

} // namespace Confab::Ui
