// SPDX-License-Identifier: Apache-2.0
// Fixture: every include below is one the core must not have (never compiled).
#include "returnscan/core/result.h"

#include <sqlite3.h>
#include <nlohmann/json.hpp>
#include "returnscan/store/store.h"
#include <unistd.h>
#include <stdio.h>
#include "../good/own.h"
#define RETURNSCAN_FIXTURE_HEADER <vector>
#include RETURNSCAN_FIXTURE_HEADER
