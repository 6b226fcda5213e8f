// SPDX-License-Identifier: Apache-2.0
// Durable file writes (temporary file, fsync, rename, fsync of the directory) and SHA-256.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "durable_file.h"
#include "returnscan/digest/sha256.h"
#include "returnscan/vision/photo.h"

namespace returnscan::vision {
namespace {

void (*gWriteHook)() = nullptr;

constexpr std::string_view kTmpPrefix = ".tmp-";

/// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
bool writeAll(int fd, std::string_view bytes)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

namespace detail {

Error ioError(const std::string& doing, int err)
{
    return makeError(ErrorCode::Io, doing + ": " + std::strerror(err));
}

Status fsyncPath(const std::string& path, bool directory)
{
    const int fd =
        ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) {
        return ioError("opening " + path + " to fsync it", errno);
    }
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) {
        return ioError("fsync of " + path, err);
    }
    return {};
}

Result<std::pair<std::string, std::uint64_t>> hashFile(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return ioError("opening " + path, errno);
    }
    digest::Sha256 hash;
    if (!hash.ok()) {
        ::close(fd);
        return makeError(ErrorCode::Internal, "SHA-256 unavailable");
    }
    std::vector<char> buf(1 << 16);
    std::uint64_t total = 0;
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            return ioError("reading " + path, err);
        }
        if (n == 0) {
            break;
        }
        total += static_cast<std::uint64_t>(n);
        hash.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    }
    ::close(fd);
    return std::pair{hash.hex(), total};
}

Status publish(const std::string& from, const std::string& dir, const std::string& name)
{
    const std::string to = dir + "/" + name;
    if (::rename(from.c_str(), to.c_str()) != 0) {
        const int err = errno;
        ::unlink(from.c_str());
        return ioError("renaming " + from + " to " + to, err);
    }
    // The rename is only durable once the directory entry is on disk.
    return fsyncPath(dir, true);
}

}  // namespace detail

void setWriteHookForTest(void (*hook)())
{
    gWriteHook = hook;
}

Status writeFileDurably(const std::string& dir, const std::string& name, std::string_view bytes)
{
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
        return makeError(ErrorCode::InvalidArgument, "bad file name '" + name + "'");
    }
    std::string tmpl = dir + "/" + std::string(kTmpPrefix) + name + "-XXXXXX";
    const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) {
        return detail::ioError("creating a temporary file in " + dir, errno);
    }
    auto failWith = [&](const std::string& doing, int err) -> Status {
        ::close(fd);
        ::unlink(tmpl.c_str());
        return detail::ioError(doing, err);
    };
    // Photos are evidence, readable by the station's group only.
    if (::fchmod(fd, 0640) != 0) {
        return failWith("chmod of " + tmpl, errno);
    }
    if (!writeAll(fd, bytes)) {
        return failWith("writing " + tmpl, errno);
    }
    if (gWriteHook != nullptr) {
        gWriteHook();
    }
    if (::fsync(fd) != 0) {
        return failWith("fsync of " + tmpl, errno);
    }
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmpl.c_str());
        return detail::ioError("closing " + tmpl, err);
    }
    return detail::publish(tmpl, dir, name);
}

Result<int> removeStaleTemporaries(const std::string& dir)
{
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
        return detail::ioError("listing " + dir, errno);
    }
    int removed = 0;
    while (const dirent* e = ::readdir(d)) {
        const std::string_view n = e->d_name;
        if (n.substr(0, kTmpPrefix.size()) == kTmpPrefix) {
            if (::unlinkat(::dirfd(d), e->d_name, 0) == 0) {
                ++removed;
            }
        }
    }
    ::closedir(d);
    return removed;
}

}  // namespace returnscan::vision
