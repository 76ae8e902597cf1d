#pragma once

// The generated protocol classes (from proto/confab.proto), reachable as Confab::pb::Envelope etc.
#include "confab.pb.h"

namespace Confab {
namespace pb = ::confab::pb;
} // namespace Confab
