// SPDX-License-Identifier: Apache-2.0
// Byte-level decoders of the scanner transports: evdev key events, HID POS reports, serial
// framing (plain suffix and Zebra SSI). Pure: no descriptors, no threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "returnscan/core/aim.h"
#include "returnscan/core/result.h"
#include "returnscan/firmware_if/scanner_models.h"
#include "returnscan/firmware_if/ssi.h"

namespace returnscan::input {

using SteadyTime = std::chrono::steady_clock::time_point;

/// One completed read as a decoder saw it, before sanitising and de-duplication.
struct RawRead {
    std::string data;                ///< the bytes, AIM prefix and terminator removed
    std::optional<core::AimId> aim;  ///< reported by the transport or found as a prefix
};

/// What a decoder produced from one chunk of input. Errors are bad frames: the decoder has
/// resynchronised and goes on.
struct DecodeOutput {
    std::vector<RawRead> reads;
    std::vector<std::string> errors;
    std::string reply;  ///< bytes to send back to the device (SSI ACK/NAK), possibly empty
    /// What the device sent in answer to host commands (SSI packets other than DECODE_DATA
    /// and EVENT; Honeywell menu replies), one whole reply per entry, bytes as received: for
    /// a command channel, never reads.
    std::vector<std::string> replies;

    void clear()
    {
        reads.clear();
        errors.clear();
        reply.clear();
        replies.clear();
    }
};

/// Common interface of the transport decoders. Not thread-safe: one per device.
class FrameDecoder {
public:
    virtual ~FrameDecoder() = default;
    /// Feeds bytes as read from the descriptor. Stream decoders accept any chunking; the HID
    /// decoder takes one report per call when `reportPerCall` was set at construction.
    virtual void feed(std::span<const std::uint8_t> bytes, SteadyTime now, DecodeOutput& out) = 0;
    /// Lets time pass: completes a read on the inter-character timeout.
    virtual void tick(SteadyTime /*now*/, DecodeOutput& /*out*/) {}
    /// When tick() must be called next (nullopt: no timer pending).
    [[nodiscard]] virtual std::optional<SteadyTime> deadline() const { return std::nullopt; }
    /// The device went away: a partial read is discarded and reported in `out.errors`.
    virtual void reset(DecodeOutput& out) = 0;
    /// Bytes buffered for a partial read; bounded by the decoder's limit.
    [[nodiscard]] virtual std::size_t pendingBytes() const = 0;
};

/// Longest read a decoder buffers before it gives up on the frame (bytes). Larger than
/// core::kMaxReadBytes so that an over-long read is reported as such (readProblem), yet
/// small enough that 1 MiB without a terminator costs nothing.
inline constexpr std::size_t kMaxFrameBytes = 4096;

// ---- evdev keyboard wedge ------------------------------------------------------------------

/// The fields of `struct input_event` that matter (the kernel's struct stays in the reader).
struct KeyEvent {
    std::uint16_t type = 0;
    std::uint16_t code = 0;
    std::int32_t value = 0;
};

struct WedgeOptions {
    std::string layout = "us";  ///< xkb layout the scanner types in ("us", "de", ...)
    std::string variant;        ///< xkb variant, usually empty
    /// A read ends after this pause without a key (scanners type a code in one burst).
    std::chrono::milliseconds interCharTimeout{100};
    /// A printable character the scanner substitutes for GS (FNC1), when configured so
    /// (0: none). Ctrl+] always yields GS, as the "control + ASCII" scanner setting sends it.
    char gsSubstitute = 0;
};

/// Key events to text with libxkbcommon. Terminators: Enter, keypad Enter, Tab, and LF typed
/// as Ctrl+J; plus the inter-character timeout. SYN_DROPPED discards the partial read.
/// Errors: InvalidArgument when xkb has no such layout.
[[nodiscard]] Result<std::unique_ptr<FrameDecoder>> makeWedgeDecoder(const WedgeOptions& opts);

// ---- HID POS -------------------------------------------------------------------------------

/// Where the fields of a HID POS scanned-data input report sit, in bytes from the report ID.
struct HidPosLayout {
    std::uint8_t reportId = 0x02;
    std::size_t reportSize = 64;               ///< bytes including the report ID
    std::size_t lengthOffset = 1;              ///< byte count of the data in this report
    std::optional<std::size_t> aimOffset = 2;  ///< 3 bytes of AIM identifier, when present
    std::size_t dataOffset = 5;
    std::size_t dataCapacity = 56;
    std::size_t continuedByte = 63;  ///< byte holding the Decode Data Continued flag
    std::uint8_t continuedMask = 0x01;
};

/// A HID POS read profile's implementation: a fixed layout, or one derived from the report
/// descriptor. Which scanner model uses which profile is firmware_if's model table
/// (scanner_models.h); `name` is toString(profile).
struct HidPosDriver {
    firmware_if::ReadProfile profile;
    const char* name;  ///< "honeywell", "generic"
    /// Builds the layout; `descriptor` may be empty (no descriptor readable).
    Result<HidPosLayout> (*layout)(std::span<const std::uint8_t> descriptor);
};

/// The driver table (one entry per vendor file); nullptr when unknown.
[[nodiscard]] const HidPosDriver* findHidPosDriver(std::string_view name);
[[nodiscard]] std::span<const HidPosDriver> hidPosDrivers();

/// Parses a HID report descriptor for the Bar Code Scanner page (0x8C) scanned-data report.
/// Errors: Parse (malformed items), NotFound (no decoded-data field).
[[nodiscard]] Result<HidPosLayout> layoutFromDescriptor(std::span<const std::uint8_t> descriptor);

/// Reports to reads, reassembling on the continuation flag. `reportPerCall`: each feed() is
/// one report (hidraw char device, libusb); otherwise the stream is cut into reportSize chunks
/// (a FIFO carrying reports).
[[nodiscard]] std::unique_ptr<FrameDecoder> makeHidPosDecoder(const HidPosLayout& layout,
                                                              bool reportPerCall);

// ---- serial --------------------------------------------------------------------------------

enum class Suffix { Cr, Lf, CrLf };
[[nodiscard]] std::string_view toString(Suffix s);
[[nodiscard]] std::optional<Suffix> parseSuffix(std::string_view s);

/// Plain framing: a read ends with the configured suffix; a leading AIM identifier is split
/// off. A lone CR or LF where CRLF is configured is tolerated as the end of a read.
[[nodiscard]] std::unique_ptr<FrameDecoder> makePlainFramer(Suffix suffix);

/// A partial frame of a Honeywell serial scanner idle this long is discarded (with an error):
/// a scanner sends a read in one burst, so such bytes are a truncated menu reply or noise, and
/// must not be glued onto the next read.
inline constexpr std::chrono::milliseconds kHoneywellFrameIdle{500};

/// Plain framing for a Honeywell scanner that also takes serial menu commands (SYN M CR ...).
/// A menu reply has no suffix: it is the echoed command, then ACK, ENQ or NAK, then the
/// storage character ('!' or '.'). A frame is such a reply once a status byte and the byte
/// after it have arrived; it goes to DecodeOutput::replies, never to the reads (a read
/// cannot hold these control bytes anyway). Partial frames idle for kHoneywellFrameIdle are
/// dropped.
[[nodiscard]] std::unique_ptr<FrameDecoder> makeHoneywellSerialFramer(Suffix suffix);

/// Zebra SSI packet mode (DECODE_DATA with its barcode type, multi-packet continuation,
/// checksum, ACK/NAK in DecodeOutput::reply). Other packets with a good checksum (CMD_ACK,
/// CMD_NAK, REPLY_REVISION...: answers to host commands) go to DecodeOutput::replies.
[[nodiscard]] std::unique_ptr<FrameDecoder> makeSsiDecoder();

// The SSI packet codec lives in firmware_if (one codec for reads and host commands).
using firmware_if::kSsiCmdAck;
using firmware_if::kSsiCmdNak;
using firmware_if::kSsiDecodeData;
using firmware_if::ssiChecksum;
using firmware_if::ssiPacket;

/// The AIM identifier for an SSI barcode type byte (nullopt: unknown type).
[[nodiscard]] std::optional<core::AimId> aimForSsiType(std::uint8_t type);

}  // namespace returnscan::input
