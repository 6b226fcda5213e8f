// SPDX-License-Identifier: Apache-2.0
// libjpeg-turbo's compressor with an error manager that returns instead of exiting, and a
// destination that writes into a std::vector.
#include "jpeg_encoder.h"

// jpeglib.h needs FILE and size_t declared first.
#include <cstddef>
#include <cstdio>
// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include <algorithm>
#include <array>
#include <csetjmp>
#include <cstring>
#include <new>
#include <string>

namespace returnscan::vision::detail {
namespace {

// JPEG's own limit on either dimension (JPEG_MAX_DIMENSION in libjpeg's jmorecfg.h).
constexpr int kMaxDimension = 65500;
// Rows handed to libjpeg per call: its compressor works on 16-row groups at 4:2:0.
constexpr int kRowsPerCall = 16;
// First size of an empty output buffer; a 1080p photo is about 0.5 MB and grows it twice once.
constexpr std::size_t kInitialBuffer = 64 * 1024;

/// libjpeg's error manager, extended with where to jump back to. Its error_exit would call
/// exit(): the kiosk must get an error, not lose its process.
struct ErrorManager {
    jpeg_error_mgr pub{};
    std::jmp_buf jump{};
    std::array<char, JMSG_LENGTH_MAX> message{};
};

[[noreturn]] void onError(j_common_ptr cinfo)
{
    auto* e = reinterpret_cast<ErrorManager*>(cinfo->err);  // NOLINT: libjpeg's C layout
    (*cinfo->err->format_message)(cinfo, e->message.data());
    std::longjmp(e->jump, 1);  // NOLINT: libjpeg is C; its frames hold no destructors
}

void ignoreMessage(j_common_ptr /*cinfo*/, int /*level*/)
{
}

/// A destination that grows `out` (doubling) as libjpeg fills it.
struct VectorDestination {
    jpeg_destination_mgr pub{};
    std::vector<std::uint8_t>* out = nullptr;
};

VectorDestination* destinationOf(j_compress_ptr cinfo)
{
    return reinterpret_cast<VectorDestination*>(cinfo->dest);  // NOLINT: libjpeg's C layout
}

/// Resizes the buffer to `size` bytes; a failed allocation becomes libjpeg's out-of-memory
/// error (no C++ exception may cross libjpeg's C frames).
void resizeOrFail(j_compress_ptr cinfo, std::size_t size)
{
    bool ok = true;
    try {
        destinationOf(cinfo)->out->resize(size);
    } catch (const std::bad_alloc&) {
        ok = false;
    } catch (const std::length_error&) {
        ok = false;
    }
    if (!ok) {
        ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
    }
}

void initDestination(j_compress_ptr cinfo)
{
    auto* d = destinationOf(cinfo);
    resizeOrFail(cinfo, std::max(kInitialBuffer, d->out->capacity()));
    d->pub.next_output_byte = d->out->data();
    d->pub.free_in_buffer = d->out->size();
}

boolean emptyOutputBuffer(j_compress_ptr cinfo)
{
    auto* d = destinationOf(cinfo);
    const std::size_t used = d->out->size();  // libjpeg fills the whole buffer before calling
    resizeOrFail(cinfo, used * 2);
    d->pub.next_output_byte = d->out->data() + used;
    d->pub.free_in_buffer = d->out->size() - used;
    return TRUE;
}

void termDestination(j_compress_ptr cinfo)
{
    auto* d = destinationOf(cinfo);
    d->out->resize(d->out->size() - d->pub.free_in_buffer);
}

/// What the encoder needs from one part of the image.
struct PartRows {
    std::size_t index;  ///< in the caller's span
    const std::uint8_t* data;
    std::size_t step;
    int rows;
    bool grey;
};

/// Runs libjpeg over the parts. Kept free of objects with destructors: a libjpeg error
/// longjmps back to the setjmp here. `greyRows` is the caller's buffer for grey rows turned to
/// BGR (kRowsPerCall rows of `width` pixels), `message` receives libjpeg's error text.
/// Calls `beforePart` (if any) for part `p`; false when it refuses or throws.
bool partReady(const std::function<bool(std::size_t)>& beforePart, std::size_t p) noexcept
{
    if (!beforePart) {
        return true;
    }
    try {
        return beforePart(p);
    } catch (...) {
        return false;
    }
}

bool compress(const PartRows* parts, std::size_t partCount, int width, int height, bool greyOnly,
              int quality, std::vector<std::uint8_t>& out, std::uint8_t* greyRows,
              const std::function<bool(std::size_t)>& beforePart,
              std::array<char, JMSG_LENGTH_MAX>& message)
{
    jpeg_compress_struct cinfo{};
    ErrorManager err;
    VectorDestination dest;
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = onError;
    err.pub.emit_message = ignoreMessage;
    dest.pub.init_destination = initDestination;
    dest.pub.empty_output_buffer = emptyOutputBuffer;
    dest.pub.term_destination = termDestination;
    dest.out = &out;
    // NOLINTNEXTLINE(cert-err52-cpp): libjpeg's documented way to return from an error
    if (setjmp(err.jump) != 0) {
        message = err.message;
        jpeg_destroy_compress(&cinfo);
        return false;
    }
    jpeg_create_compress(&cinfo);
    cinfo.dest = &dest.pub;
    cinfo.image_width = static_cast<JDIMENSION>(width);
    cinfo.image_height = static_cast<JDIMENSION>(height);
    cinfo.input_components = greyOnly ? 1 : 3;
    cinfo.in_color_space = greyOnly ? JCS_GRAYSCALE : JCS_EXT_BGR;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    std::array<JSAMPROW, kRowsPerCall> rows{};
    for (std::size_t p = 0; p < partCount; ++p) {
        const PartRows& part = parts[p];
        if (!partReady(beforePart, part.index)) {
            const char refused[] = "the image part was not drawn";
            std::memcpy(message.data(), refused, sizeof refused);
            jpeg_destroy_compress(&cinfo);
            return false;
        }
        for (int y = 0; y < part.rows;) {
            const int n = std::min(kRowsPerCall, part.rows - y);
            for (int i = 0; i < n; ++i) {
                const std::uint8_t* src = part.data + static_cast<std::size_t>(y + i) * part.step;
                if (part.grey && !greyOnly) {
                    std::uint8_t* bgr = greyRows + static_cast<std::size_t>(i) * width * 3;
                    for (int x = 0; x < width; ++x) {
                        bgr[3 * x] = bgr[3 * x + 1] = bgr[3 * x + 2] = src[x];
                    }
                    rows[i] = bgr;
                } else {
                    rows[i] = const_cast<JSAMPROW>(src);  // NOLINT: libjpeg only reads it
                }
            }
            y += static_cast<int>(
                jpeg_write_scanlines(&cinfo, rows.data(), static_cast<JDIMENSION>(n)));
        }
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return true;
}

}  // namespace

Status encodeJpegRows(std::span<const cv::Mat> parts, int quality, std::vector<std::uint8_t>& out,
                      const std::function<bool(std::size_t)>& beforePart)
{
    out.clear();
    if (quality < 1 || quality > 100) {
        return makeError(ErrorCode::InvalidArgument,
                         "JPEG quality must be 1..100, got " + std::to_string(quality));
    }
    std::vector<PartRows> rows;
    int width = 0;
    long long height = 0;
    bool greyOnly = true;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const cv::Mat& m = parts[i];
        if (m.empty()) {
            continue;
        }
        if (m.type() != CV_8UC3 && m.type() != CV_8UC1) {
            return makeError(ErrorCode::InvalidArgument,
                             "JPEG rows must be 8-bit BGR or grey pixels");
        }
        if (width != 0 && m.cols != width) {
            return makeError(ErrorCode::InvalidArgument,
                             "JPEG parts differ in width: " + std::to_string(width) + " and " +
                                 std::to_string(m.cols));
        }
        width = m.cols;
        height += m.rows;
        greyOnly = greyOnly && m.type() == CV_8UC1;
        rows.push_back({i, m.data, m.step[0], m.rows, m.type() == CV_8UC1});
    }
    if (rows.empty()) {
        return makeError(ErrorCode::InvalidArgument, "no rows to encode");
    }
    if (width > kMaxDimension || height > kMaxDimension) {
        return makeError(ErrorCode::InvalidArgument,
                         "image too large for JPEG: " + std::to_string(width) + "x" +
                             std::to_string(height) + " (at most 65500 either way)");
    }
    std::vector<std::uint8_t> greyRows;
    try {
        if (!greyOnly) {
            greyRows.resize(static_cast<std::size_t>(kRowsPerCall) * width * 3);
        }
    } catch (const std::exception&) {
        return makeError(ErrorCode::Internal, "JPEG encoding: out of memory");
    }
    std::array<char, JMSG_LENGTH_MAX> message{};
    if (!compress(rows.data(), rows.size(), width, static_cast<int>(height), greyOnly, quality, out,
                  greyRows.data(), beforePart, message)) {
        out.clear();
        return makeError(ErrorCode::Internal,
                         std::string("JPEG encoding failed: ") + message.data());
    }
    return {};
}

}  // namespace returnscan::vision::detail
