// SPDX-License-Identifier: Apache-2.0
// Lookup of the embedded assets and their content types.
#include "assets.h"

#include <array>
#include <utility>

namespace returnscan::ui::detail {

const EmbeddedAsset* findAsset(std::string_view name)
{
    if (name.empty()) {
        return nullptr;
    }
    for (const auto& asset : embeddedAssets()) {
        if (name == asset.name) {
            return &asset;
        }
    }
    return nullptr;
}

std::string_view contentTypeFor(std::string_view name)
{
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 13> kTypes{{
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".wav", "audio/wav"},
        {".ogg", "audio/ogg"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
    }};
    for (const auto& [ext, type] : kTypes) {
        if (name.size() > ext.size() && name.ends_with(ext)) {
            return type;
        }
    }
    return "application/octet-stream";
}

}  // namespace returnscan::ui::detail
