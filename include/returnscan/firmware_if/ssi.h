// SPDX-License-Identifier: Apache-2.0
// Zebra (Symbol) SSI, Simple Serial Interface: the packet codec shared by the input module
// (decode data) and the command drivers (host commands, ACK/NAK). Pure: no descriptors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace returnscan::firmware_if {

// Packet: [0] length (bytes without the 2 checksum bytes) [1] opcode [2] source (0 decoder,
// 4 host) [3] status [4..length-1] data, then the checksum MSB, LSB.
inline constexpr std::size_t kSsiHeader = 4;
inline constexpr std::uint8_t kSsiSourceDecoder = 0x00;
inline constexpr std::uint8_t kSsiSourceHost = 0x04;
inline constexpr std::uint8_t kSsiStatusRetransmit = 0x01;
inline constexpr std::uint8_t kSsiStatusContinuation = 0x02;

// Opcodes (H: the host sends, D: the decoder sends).
inline constexpr std::uint8_t kSsiRequestRevision = 0xA3;  // H
inline constexpr std::uint8_t kSsiReplyRevision = 0xA4;    // D
inline constexpr std::uint8_t kSsiParamSend = 0xC6;        // H
inline constexpr std::uint8_t kSsiCmdAck = 0xD0;           // H, D
inline constexpr std::uint8_t kSsiCmdNak = 0xD1;           // H, D
inline constexpr std::uint8_t kSsiStartDecode = 0xE4;      // H
inline constexpr std::uint8_t kSsiStopDecode = 0xE5;       // H
inline constexpr std::uint8_t kSsiBeep = 0xE6;             // H, 1 data byte: beep code
inline constexpr std::uint8_t kSsiLedOn = 0xE7;            // H, 1 data byte: LED mask
inline constexpr std::uint8_t kSsiLedOff = 0xE8;           // H, 1 data byte: LED mask
inline constexpr std::uint8_t kSsiScanEnable = 0xE9;       // H
inline constexpr std::uint8_t kSsiScanDisable = 0xEA;      // H
inline constexpr std::uint8_t kSsiDecodeData = 0xF3;       // D
inline constexpr std::uint8_t kSsiEvent = 0xF6;            // D

// CMD_NAK reasons.
inline constexpr std::uint8_t kSsiNakResend = 0x01;  ///< checksum/transfer error: send again
inline constexpr std::uint8_t kSsiNakBadContext = 0x02;
inline constexpr std::uint8_t kSsiNakDenied = 0x06;
inline constexpr std::uint8_t kSsiNakCancel = 0x0A;

/// The 16-bit two's complement of the byte sum of `bytes`.
[[nodiscard]] std::uint16_t ssiChecksum(std::span<const std::uint8_t> bytes);

/// A complete SSI packet, checksum appended.
[[nodiscard]] std::string ssiPacket(std::uint8_t opcode, std::uint8_t source, std::uint8_t status,
                                    std::span<const std::uint8_t> data);

/// One packet split into its fields (the view points into the scanned buffer).
struct SsiPacketView {
    std::uint8_t opcode = 0;
    std::uint8_t source = 0;
    std::uint8_t status = 0;
    std::span<const std::uint8_t> data;
};

/// What scanSsi() found at the start of a buffer.
struct SsiScan {
    enum class Kind {
        Packet,       ///< a whole packet with a good checksum in `packet`
        NeedMore,     ///< a packet has started; more bytes are needed (`consumed` is 0)
        BadChecksum,  ///< a whole packet whose checksum does not match (`consumed` skips it;
                      ///< `packet` holds its unchecked fields)
        Junk,         ///< the first byte cannot start a packet (`consumed` is 1)
    };
    Kind kind = Kind::NeedMore;
    std::size_t consumed = 0;
    SsiPacketView packet;
    std::uint16_t checksumGot = 0;
    std::uint16_t checksumWant = 0;
};

/// Looks at the first packet of `bytes`. Never reads past the span.
[[nodiscard]] SsiScan scanSsi(std::span<const std::uint8_t> bytes);

}  // namespace returnscan::firmware_if
