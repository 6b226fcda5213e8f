// SPDX-License-Identifier: Apache-2.0
// The page's files (src/ui/assets/), compiled into the binary by embed_assets.cmake.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace returnscan::ui::detail {

/// One embedded file. All pointers refer to static storage.
struct EmbeddedAsset {
    const char* name;  ///< path relative to src/ui/assets, e.g. "app.js"
    const char* data;
    std::size_t size;
    const char* etag;  ///< strong ETag with its quotes: the first 128 bits of the SHA-256
};

/// Every embedded asset (generated file ui_assets.cpp).
[[nodiscard]] std::span<const EmbeddedAsset> embeddedAssets();

/// The asset named exactly `name` (no decoding, no normalisation: a name is only ever compared
/// with the build-time list, so "../x" cannot reach outside it), or null.
[[nodiscard]] const EmbeddedAsset* findAsset(std::string_view name);

/// The Content-Type for a file name by its extension; application/octet-stream when unknown.
[[nodiscard]] std::string_view contentTypeFor(std::string_view name);

}  // namespace returnscan::ui::detail
