// SPDX-License-Identifier: Apache-2.0
// Test support: a fresh temporary directory per test, removed with its contents.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace returnscan::tests {

/// A directory made with mkdtemp under the system temp dir, removed with its contents.
class TempDir {
public:
    TempDir()
    {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "returnscan-test-XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) {
            ADD_FAILURE() << "mkdtemp failed for " << tmpl;
        }
        path_ = tmpl;
    }
    ~TempDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] std::string file(const std::string& name) const
    {
        return (path_ / name).string();
    }
    /// Writes `content` to `name` in the directory and returns its path.
    std::string write(const std::string& name, const std::string& content) const
    {
        std::ofstream f(file(name), std::ios::binary);
        f << content;
        return file(name);
    }

private:
    std::filesystem::path path_;
};

}  // namespace returnscan::tests
