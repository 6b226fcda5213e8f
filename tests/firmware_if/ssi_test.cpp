// SPDX-License-Identifier: Apache-2.0
// The SSI packet codec: checksums of published packets, scanning for packets in a stream.
#include "returnscan/firmware_if/ssi.h"

#include <gtest/gtest.h>

#include <vector>

namespace returnscan::firmware_if {
namespace {

std::string bytes(std::initializer_list<int> b)
{
    std::string s;
    for (int x : b)
        s += static_cast<char>(x);
    return s;
}

std::span<const std::uint8_t> view(const std::string& s)
{
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(SsiCodecTest, EncodesPublishedPackets)
{
    EXPECT_EQ(ssiPacket(kSsiCmdAck, kSsiSourceHost, 0, {}),
              bytes({0x04, 0xD0, 0x04, 0x00, 0xFF, 0x28}));
    const std::uint8_t green = 0x01;
    EXPECT_EQ(ssiPacket(kSsiLedOn, kSsiSourceHost, 0, std::span(&green, 1)),
              bytes({0x05, 0xE7, 0x04, 0x00, 0x01, 0xFF, 0x0F}));
    EXPECT_EQ(ssiPacket(kSsiScanEnable, kSsiSourceHost, 0, {}),
              bytes({0x04, 0xE9, 0x04, 0x00, 0xFF, 0x0F}));
    EXPECT_EQ(ssiPacket(kSsiStartDecode, kSsiSourceHost, 0, {}),
              bytes({0x04, 0xE4, 0x04, 0x00, 0xFF, 0x14}));
}

TEST(SsiCodecTest, ChecksumIsTwosComplementOfTheByteSum)
{
    const std::string p = bytes({0x04, 0xD0, 0x04, 0x00});
    EXPECT_EQ(ssiChecksum(view(p)), 0xFF28);
    EXPECT_EQ(ssiChecksum({}), 0x0000);  // 0x10000 - 0 truncated
    // A sum past 16 bits wraps: 257 bytes of 0xFF.
    const std::string big(257, '\xFF');
    EXPECT_EQ(ssiChecksum(view(big)), static_cast<std::uint16_t>(0x10000 - ((257 * 255) & 0xFFFF)));
}

TEST(SsiCodecTest, ScansAWholePacketAndItsFields)
{
    const std::uint8_t reason = kSsiNakDenied;
    const std::string p = ssiPacket(kSsiCmdNak, kSsiSourceDecoder, 0, std::span(&reason, 1)) + "x";
    const SsiScan s = scanSsi(view(p));
    ASSERT_EQ(s.kind, SsiScan::Kind::Packet);
    EXPECT_EQ(s.consumed, p.size() - 1);
    EXPECT_EQ(s.packet.opcode, kSsiCmdNak);
    ASSERT_EQ(s.packet.data.size(), 1u);
    EXPECT_EQ(s.packet.data[0], kSsiNakDenied);
}

TEST(SsiCodecTest, AsksForMoreOnATruncatedPacket)
{
    const std::string p = ssiPacket(kSsiCmdAck, kSsiSourceDecoder, 0, {});
    for (std::size_t n = 1; n < p.size(); ++n) {
        const SsiScan s = scanSsi(view(p.substr(0, n)));
        EXPECT_EQ(s.kind, SsiScan::Kind::NeedMore) << n;
        EXPECT_EQ(s.consumed, 0u);
    }
    EXPECT_EQ(scanSsi({}).kind, SsiScan::Kind::NeedMore);
}

TEST(SsiCodecTest, ReportsABadChecksumAndSkipsThePacket)
{
    std::string p = ssiPacket(kSsiCmdAck, kSsiSourceDecoder, 0, {});
    p.back() = static_cast<char>(p.back() ^ 1);
    const SsiScan s = scanSsi(view(p));
    EXPECT_EQ(s.kind, SsiScan::Kind::BadChecksum);
    EXPECT_EQ(s.consumed, p.size());
    EXPECT_EQ(s.packet.opcode, kSsiCmdAck);
    EXPECT_NE(s.checksumGot, s.checksumWant);
}

TEST(SsiCodecTest, SkipsBytesThatCannotStartAPacket)
{
    for (int b : {0x00, 0x01, 0x02, 0x03}) {
        const SsiScan s = scanSsi(view(bytes({b, 0xD0})));
        EXPECT_EQ(s.kind, SsiScan::Kind::Junk);
        EXPECT_EQ(s.consumed, 1u);
    }
}

}  // namespace
}  // namespace returnscan::firmware_if
