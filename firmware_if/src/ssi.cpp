// SPDX-License-Identifier: Apache-2.0
// Zebra SSI packet codec: checksum, framing, scanning a byte buffer for the next packet.
#include "returnscan/firmware_if/ssi.h"

#include <vector>

namespace returnscan::firmware_if {

std::uint16_t ssiChecksum(std::span<const std::uint8_t> bytes)
{
    unsigned sum = 0;
    for (std::uint8_t b : bytes)
        sum += b;
    return static_cast<std::uint16_t>(0x10000u - (sum & 0xFFFFu));
}

std::string ssiPacket(std::uint8_t opcode, std::uint8_t source, std::uint8_t status,
                      std::span<const std::uint8_t> data)
{
    std::vector<std::uint8_t> p;
    p.push_back(static_cast<std::uint8_t>(kSsiHeader + data.size()));
    p.push_back(opcode);
    p.push_back(source);
    p.push_back(status);
    p.insert(p.end(), data.begin(), data.end());
    const std::uint16_t c = ssiChecksum(p);
    p.push_back(static_cast<std::uint8_t>(c >> 8));
    p.push_back(static_cast<std::uint8_t>(c & 0xFF));
    return std::string(p.begin(), p.end());
}

SsiScan scanSsi(std::span<const std::uint8_t> bytes)
{
    SsiScan s;
    if (bytes.empty())
        return s;
    const std::size_t len = bytes[0];
    if (len < kSsiHeader) {
        // Not a packet start (line noise, a WAKEUP byte echoed).
        s.kind = SsiScan::Kind::Junk;
        s.consumed = 1;
        return s;
    }
    if (bytes.size() < len + 2)
        return s;  // at most 257 bytes make a packet
    s.checksumWant = ssiChecksum(bytes.first(len));
    s.checksumGot = static_cast<std::uint16_t>(bytes[len] << 8 | bytes[len + 1]);
    s.consumed = len + 2;
    s.packet.opcode = bytes[1];
    s.packet.source = bytes[2];
    s.packet.status = bytes[3];
    s.packet.data = bytes.subspan(kSsiHeader, len - kSsiHeader);
    s.kind = s.checksumWant == s.checksumGot ? SsiScan::Kind::Packet : SsiScan::Kind::BadChecksum;
    return s;
}

}  // namespace returnscan::firmware_if
