// SPDX-License-Identifier: Apache-2.0
// Fixture: includes only the standard library and core headers (never compiled).
#include "returnscan/core/result.h"

#include <string_view>
#  include <vector>
#include "own.h"
