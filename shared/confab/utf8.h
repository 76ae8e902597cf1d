#pragma once

#include <string_view>

namespace Confab {

//! Strict UTF-8 check, as protobuf applies to proto3 strings: no overlong forms, no surrogates,
//! nothing above U+10FFFF, no truncated sequences.
[[nodiscard]] bool isValidUtf8(std::string_view text);

} // namespace Confab
