// SPDX-License-Identifier: Apache-2.0
// JPEG previews and thumbnails. Thumbnails decode bytes of unknown origin, so the JPEG's marker
// structure is walked with bounds checks first: only a complete JPEG within the pixel cap ever
// reaches cv::imdecode (which has no per-call size limit, and which would also decode PNG, TIFF
// and the rest of OpenCV's formats if handed them).
#include "returnscan/vision/preview.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <exception>
#include <vector>

#include "cv_util.h"
#include "jpeg_encoder.h"

namespace returnscan::vision {
namespace {

/// More scans than this in one file is a decoding-time attack, not a photo (libjpeg-turbo's own
/// TJFLAG_LIMITSCANS stops at 500 too; an ordinary progressive JPEG has about 10).
constexpr int kMaxScans = 500;

Error parseError(const std::string& what)
{
    return makeError(ErrorCode::Parse, "not a usable JPEG: " + what);
}

bool isFrameHeader(std::uint8_t m)
{
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

unsigned be16(const std::uint8_t* p)
{
    return (static_cast<unsigned>(p[0]) << 8U) | p[1];
}

/// Scaled down to at most `maxWidth` wide (area averaging, aspect kept); `m` itself otherwise.
cv::Mat limitWidth(const cv::Mat& m, int maxWidth)
{
    if (maxWidth <= 0 || m.cols <= maxWidth) {
        return m;
    }
    const double scale = static_cast<double>(maxWidth) / m.cols;
    const int h = std::max(1, static_cast<int>(std::lround(m.rows * scale)));
    cv::Mat out;
    cv::resize(m, out, cv::Size(maxWidth, h), 0, 0, cv::INTER_AREA);
    return out;
}

Result<std::string> encodeMat(const cv::Mat& m, int quality)
{
    std::vector<std::uint8_t> buf;
    if (auto st = detail::encodeJpegRows({&m, 1}, quality, buf); !st) {
        return std::move(st).takeError();
    }
    return std::string(reinterpret_cast<const char*>(buf.data()), buf.size());
}

}  // namespace

Result<std::string> encodeJpeg(const FrameView& frame, int quality, int maxWidth)
{
    if (frame.empty()) {
        return makeError(ErrorCode::InvalidArgument, "no frame to encode");
    }
    if (frame.stride < frame.width * bytesPerPixel(frame.format)) {
        return makeError(ErrorCode::InvalidArgument, "frame stride shorter than a row");
    }
    if (quality < 1 || quality > 100) {
        return makeError(ErrorCode::InvalidArgument,
                         "JPEG quality must be 1..100, got " + std::to_string(quality));
    }
    if (maxWidth < 0) {
        return makeError(ErrorCode::InvalidArgument, "maxWidth must be 0 (no limit) or more");
    }
    return detail::guarded("encoding a preview", [&]() -> Result<std::string> {
        return encodeMat(limitWidth(detail::wrap(frame), maxWidth), quality);
    });
}

Result<JpegHeader> readJpegHeader(std::string_view jpeg)
{
    const auto* b = reinterpret_cast<const std::uint8_t*>(jpeg.data());
    const std::size_t n = jpeg.size();
    if (n < 4 || b[0] != 0xFF || b[1] != 0xD8 || b[2] != 0xFF) {
        return parseError(n == 0 ? "no bytes" : "no JPEG start-of-image marker");
    }
    JpegHeader h;
    bool haveFrame = false;
    int scans = 0;
    std::size_t pos = 2;
    while (true) {
        if (pos >= n) {
            return parseError("truncated (no end-of-image marker)");
        }
        if (b[pos] != 0xFF) {
            return parseError("garbage between segments at byte " + std::to_string(pos));
        }
        while (pos < n && b[pos] == 0xFF) {
            ++pos;  // fill bytes
        }
        if (pos >= n) {
            return parseError("truncated (no end-of-image marker)");
        }
        const std::uint8_t marker = b[pos++];
        if (marker == 0xD9) {  // EOI
            if (scans == 0) {
                return parseError("no image data");
            }
            return h;
        }
        if (marker == 0xD8 || marker == 0x00) {
            return parseError("unexpected marker at byte " + std::to_string(pos - 1));
        }
        if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
            continue;  // RSTn, TEM: no length
        }
        if (n - pos < 2) {
            return parseError("truncated segment header");
        }
        const std::size_t len = be16(b + pos);
        if (len < 2 || len > n - pos) {
            return parseError("segment length runs past the end");
        }
        const std::uint8_t* seg = b + pos + 2;
        const std::size_t segLen = len - 2;
        pos += len;
        if (isFrameHeader(marker)) {
            if (haveFrame) {
                return parseError("two frame headers");
            }
            if (segLen < 6) {
                return parseError("short frame header");
            }
            const int precision = seg[0];
            h.height = static_cast<int>(be16(seg + 1));
            h.width = static_cast<int>(be16(seg + 3));
            h.components = seg[5];
            if (segLen != 6 + 3 * static_cast<std::size_t>(h.components)) {
                return parseError("frame header length does not match its components");
            }
            if (precision != 8) {
                return parseError(std::to_string(precision) + "-bit samples are not supported");
            }
            if (h.width == 0 || h.height == 0) {
                return parseError("zero width or height (DNL-defined height is not supported)");
            }
            if (h.components != 1 && h.components != 3 && h.components != 4) {
                return parseError(std::to_string(h.components) + " components");
            }
            if (static_cast<std::int64_t>(h.width) * h.height > kMaxThumbnailSourcePixels) {
                return parseError("image too large (" + std::to_string(h.width) + "x" +
                                  std::to_string(h.height) + ", limit " +
                                  std::to_string(kMaxThumbnailSourcePixels) + " pixels)");
            }
            h.progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE;
            haveFrame = true;
        } else if (marker == 0xE1 && segLen >= 6 && std::memcmp(seg, "Exif\0\0", 6) == 0) {
            h.exif = true;
        } else if (marker == 0xDA) {  // SOS, then entropy-coded data up to the next marker
            if (!haveFrame) {
                return parseError("scan before the frame header");
            }
            if (segLen < 1 || segLen != 4 + 2 * static_cast<std::size_t>(seg[0])) {
                return parseError("malformed scan header");
            }
            if (++scans > kMaxScans) {
                return parseError("more than " + std::to_string(kMaxScans) + " scans");
            }
            // Inside entropy-coded data an 0xFF is followed by 0x00 (stuffing), RSTn or fill;
            // anything else is the next marker. FF D9 cannot occur in the data, so this finds the
            // real end of image, not one inside an embedded EXIF thumbnail.
            while (true) {
                const void* ff = std::memchr(b + pos, 0xFF, n - pos);
                if (ff == nullptr) {
                    return parseError("truncated (no end-of-image marker)");
                }
                pos = static_cast<std::size_t>(static_cast<const std::uint8_t*>(ff) - b);
                if (pos + 1 >= n) {
                    return parseError("truncated (no end-of-image marker)");
                }
                const std::uint8_t next = b[pos + 1];
                if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
                    pos += 2;
                } else if (next == 0xFF) {
                    pos += 1;
                } else {
                    break;  // a marker: back to the segment loop, pos on its 0xFF
                }
            }
        }
    }
}

Result<std::string> thumbnailJpeg(std::string_view jpeg, int maxWidth)
{
    if (maxWidth < 0) {
        return makeError(ErrorCode::InvalidArgument, "maxWidth must be 0 (no limit) or more");
    }
    if (jpeg.size() > static_cast<std::size_t>(INT_MAX)) {
        return parseError("more than 2 GiB of bytes");
    }
    auto header = readJpegHeader(jpeg);
    if (!header) {
        return std::move(header).takeError();
    }
    // Let libjpeg scale by 1/2, 1/4 or 1/8 while decoding (DCT scaling: much less work) when the
    // result is still at least maxWidth wide. An EXIF orientation may turn the image on
    // decoding, so then the shorter side must stay wide enough.
    const int reference = header->exif ? std::min(header->width, header->height) : header->width;
    int denom = 1;
    if (maxWidth > 0) {
        for (const int d : {8, 4, 2}) {
            if ((reference + d - 1) / d >= maxWidth) {
                denom = d;
                break;
            }
        }
    }
    const bool gray = header->components == 1;
    int flags = gray ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR;
    switch (denom) {
        case 8:
            flags = gray ? cv::IMREAD_REDUCED_GRAYSCALE_8 : cv::IMREAD_REDUCED_COLOR_8;
            break;
        case 4:
            flags = gray ? cv::IMREAD_REDUCED_GRAYSCALE_4 : cv::IMREAD_REDUCED_COLOR_4;
            break;
        case 2:
            flags = gray ? cv::IMREAD_REDUCED_GRAYSCALE_2 : cv::IMREAD_REDUCED_COLOR_2;
            break;
        default:
            break;
    }
    cv::Mat decoded;
    try {
        const cv::Mat bytes(1, static_cast<int>(jpeg.size()), CV_8UC1,
                            const_cast<char*>(jpeg.data()));  // NOLINT: imdecode only reads
        decoded = cv::imdecode(bytes, flags);
    } catch (const std::exception& e) {
        return parseError(std::string("the decoder failed: ") + e.what());
    }
    if (decoded.empty()) {
        return parseError("the decoder could not read the image");
    }
    return detail::guarded("encoding a thumbnail", [&]() -> Result<std::string> {
        return encodeMat(limitWidth(decoded, maxWidth), kThumbnailQuality);
    });
}

}  // namespace returnscan::vision
