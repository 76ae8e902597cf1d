#pragma once

#include <QIcon>

namespace Confab::Ui {

//! The application icon at every size we ship: the PNGs always work; the SVG adds sharp
//! scaling where Qt's SVG plugin is installed.
[[nodiscard]] QIcon applicationIcon();

} // namespace Confab::Ui
