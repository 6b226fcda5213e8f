// SPDX-License-Identifier: Apache-2.0
// Fixture: a header of the checked folder itself.
#pragma once
#include <cstdint>
