// SPDX-License-Identifier: Apache-2.0
// Tests of the transport decoders: keyboard wedge (us, de), HID POS (Honeywell, descriptor),
// plain serial framing and Zebra SSI.
#include <gtest/gtest.h>
#include <linux/input.h>

#include <set>

#include "input/input_test_support.h"
#include "returnscan/core/classify.h"
#include "returnscan/firmware_if/scanner_models.h"
#include "returnscan/input/decoders.h"

namespace returnscan::input {
namespace {

using tests::honeywellReport;
using tests::keyBytes;
using tests::typeUs;

std::span<const std::uint8_t> bytesOf(const std::string& s)
{
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

const SteadyTime t0{};

std::unique_ptr<FrameDecoder> wedge(const std::string& layout, char gs = 0)
{
    WedgeOptions o;
    o.layout = layout;
    o.gsSubstitute = gs;
    auto d = makeWedgeDecoder(o);
    EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
    return d.ok() ? std::move(*d) : nullptr;
}

// ---- wedge -----------------------------------------------------------------------------------

TEST(WedgeDecoderTest, TypesUsLettersDigitsAndShiftedCapitals)
{
    auto d = wedge("us");
    DecodeOutput out;
    d->feed(bytesOf(typeUs("RC7k3m9Q2xwr")), t0, out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "RC7k3m9Q2xwr");
    EXPECT_TRUE(out.errors.empty());
}

TEST(WedgeDecoderTest, GermanLayoutSwapsZAndYAndPutsSharpSOnMinus)
{
    auto d = wedge("de");
    DecodeOutput out;
    d->feed(bytesOf(keyBytes(KEY_Y) + keyBytes(KEY_Z) + keyBytes(KEY_MINUS) +
                    keyBytes(KEY_Z, KEY_LEFTSHIFT) + keyBytes(KEY_ENTER)),
            t0, out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "zyßY");
    // The same keys under us give the US characters: the layout is what decides.
    auto us = wedge("us");
    DecodeOutput o2;
    us->feed(bytesOf(keyBytes(KEY_Y) + keyBytes(KEY_Z) + keyBytes(KEY_MINUS) + keyBytes(KEY_ENTER)),
             t0, o2);
    ASSERT_EQ(o2.reads.size(), 1u);
    EXPECT_EQ(o2.reads[0].data, "yz-");
}

TEST(WedgeDecoderTest, CapsLockUpperCasesLettersOnly)
{
    auto d = wedge("us");
    DecodeOutput out;
    d->feed(
        bytesOf(keyBytes(KEY_CAPSLOCK) + typeUs("ab1", 0) + keyBytes(KEY_CAPSLOCK) + typeUs("c")),
        t0, out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "AB1c");
}

TEST(WedgeDecoderTest, EnterKeypadEnterAndTabEachEndARead)
{
    auto d = wedge("us");
    DecodeOutput out;
    d->feed(bytesOf(typeUs("a1", KEY_ENTER) + typeUs("b2", KEY_KPENTER) + typeUs("c3", KEY_TAB)),
            t0, out);
    ASSERT_EQ(out.reads.size(), 3u);
    EXPECT_EQ(out.reads[0].data, "a1");
    EXPECT_EQ(out.reads[1].data, "b2");
    EXPECT_EQ(out.reads[2].data, "c3");
}

TEST(WedgeDecoderTest, CtrlJIsALineFeedTerminator)
{
    auto d = wedge("us");
    DecodeOutput out;
    d->feed(bytesOf(typeUs("x9", 0) + keyBytes(KEY_J, KEY_LEFTCTRL)), t0, out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "x9");
}

TEST(WedgeDecoderTest, InterCharacterTimeoutEndsARead)
{
    auto d = wedge("us");
    DecodeOutput out;
    d->feed(bytesOf(typeUs("4006", 0)), t0, out);
    EXPECT_TRUE(out.reads.empty());
    ASSERT_TRUE(d->deadline().has_value());
    d->tick(t0 + std::chrono::milliseconds(50), out);
    EXPECT_TRUE(out.reads.empty());
    d->tick(t0 + std::chrono::milliseconds(100), out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "4006");
    EXPECT_FALSE(d->deadline().has_value());
}

TEST(WedgeDecoderTest, CtrlBracketAndConfiguredSubstituteGiveGroupSeparator)
{
    auto d = wedge("us", '|');
    DecodeOutput out;
    d->feed(bytesOf(typeUs("10abc", 0) + keyBytes(KEY_RIGHTBRACE, KEY_LEFTCTRL) + typeUs("21x", 0) +
                    keyBytes(KEY_BACKSLASH, KEY_LEFTSHIFT) + typeUs("17")),
            t0, out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data,
              "10abc\x1d"
              "21x\x1d"
              "17");
    EXPECT_TRUE(core::readProblem(out.reads[0].data).empty());
}

TEST(WedgeDecoderTest, SynDroppedDiscardsThePartialRead)
{
    auto d = wedge("us");
    DecodeOutput out;
    input_event drop{};
    drop.type = EV_SYN;
    drop.code = SYN_DROPPED;
    std::string dropped(reinterpret_cast<const char*>(&drop), sizeof drop);
    d->feed(bytesOf(typeUs("abc", 0) + dropped + keyBytes(KEY_X) + typeUs("ok")), t0, out);
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_NE(out.errors[0].find("SYN_DROPPED"), std::string::npos);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "ok");  // the x after the drop was ignored until SYN_REPORT
}

TEST(WedgeDecoderTest, StructSplitAcrossReadsIsReassembled)
{
    auto d = wedge("us");
    DecodeOutput out;
    const std::string all = typeUs("split9");
    for (std::size_t i = 0; i < all.size(); i += 7)
        d->feed(bytesOf(all.substr(i, 7)), t0, out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "split9");
}

TEST(WedgeDecoderTest, EscapeKeyYieldsAControlCharacterThatSanitisingRefuses)
{
    auto d = wedge("us");
    DecodeOutput out;
    d->feed(bytesOf(keyBytes(KEY_ESC) + typeUs("abc")), t0, out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_NE(core::readProblem(out.reads[0].data).find("control character 0x1b"),
              std::string::npos)
        << core::readProblem(out.reads[0].data);
}

TEST(WedgeDecoderTest, MegabyteWithoutTerminatorIsBoundedAndTheNextReadWorks)
{
    auto d = wedge("us");
    DecodeOutput out;
    const std::string key = keyBytes(KEY_A);
    std::string chunk;
    for (int i = 0; i < 1000; ++i)
        chunk += key;
    const std::size_t keys = (1u << 20) / 1000;
    for (std::size_t i = 0; i < keys; ++i) {
        d->feed(bytesOf(chunk), t0, out);
        ASSERT_LE(d->pendingBytes(), kMaxFrameBytes);
    }
    d->feed(bytesOf(keyBytes(KEY_ENTER) + typeUs("good1")), t0, out);
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_NE(out.errors[0].find("without a terminator"), std::string::npos);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "good1");
}

TEST(WedgeDecoderTest, UnknownLayoutIsAnError)
{
    WedgeOptions o;
    o.layout = "no-such-layout";
    auto d = makeWedgeDecoder(o);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, ErrorCode::InvalidArgument);
}

// ---- HID POS ---------------------------------------------------------------------------------

HidPosLayout honeywell()
{
    auto l = findHidPosDriver("honeywell")->layout({});
    EXPECT_TRUE(l.ok());
    return *l;
}

TEST(HidPosDecoderTest, HoneywellReportGivesDataAndAim)
{
    auto d = makeHidPosDecoder(honeywell(), true);
    DecodeOutput out;
    d->feed(bytesOf(honeywellReport("]C1", "0012345678901234567")), t0, out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "0012345678901234567");
    ASSERT_TRUE(out.reads[0].aim.has_value());
    EXPECT_EQ(out.reads[0].aim->text(), "]C1");
    EXPECT_TRUE(out.reads[0].aim->gs1);
}

TEST(HidPosDecoderTest, ContinuationFlagReassemblesReports)
{
    auto d = makeHidPosDecoder(honeywell(), true);
    DecodeOutput out;
    const std::string a(56, 'a'), b(56, 'b'), c = "end";
    d->feed(bytesOf(honeywellReport("]Q1", a, true)), t0, out);
    d->feed(bytesOf(honeywellReport("]Q1", b, true)), t0, out);
    EXPECT_TRUE(out.reads.empty());
    d->feed(bytesOf(honeywellReport("]Q1", c)), t0, out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, a + b + c);
    EXPECT_EQ(out.reads[0].aim->text(), "]Q1");
}

TEST(HidPosDecoderTest, StreamOfReportsIsCutAtReportSize)
{
    auto d = makeHidPosDecoder(honeywell(), false);
    DecodeOutput out;
    const std::string two = honeywellReport("]C0", "ONE") + honeywellReport("]E0", "4006381333931");
    d->feed(bytesOf(two.substr(0, 10)), t0, out);
    d->feed(bytesOf(two.substr(10, 100)), t0, out);
    d->feed(bytesOf(two.substr(110)), t0, out);
    ASSERT_EQ(out.reads.size(), 2u);
    EXPECT_EQ(out.reads[0].data, "ONE");
    EXPECT_EQ(out.reads[1].data, "4006381333931");
}

TEST(HidPosDecoderTest, ImpossibleLengthIsAnErrorAndTheNextReportIsRead)
{
    auto d = makeHidPosDecoder(honeywell(), true);
    DecodeOutput out;
    std::string bad = honeywellReport("]C0", "X");
    bad[1] = 60;
    d->feed(bytesOf(bad), t0, out);
    d->feed(bytesOf(honeywellReport("]C0", "NEXT")), t0, out);
    ASSERT_EQ(out.errors.size(), 1u);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "NEXT");
}

TEST(HidPosDecoderTest, OtherReportIdsAreIgnored)
{
    auto d = makeHidPosDecoder(honeywell(), true);
    DecodeOutput out;
    std::string status(64, '\0');
    status[0] = 0x04;
    status[1] = 5;
    d->feed(bytesOf(status), t0, out);
    EXPECT_TRUE(out.reads.empty());
    EXPECT_TRUE(out.errors.empty());
}

TEST(HidPosDecoderTest, EndlessContinuationIsBounded)
{
    auto d = makeHidPosDecoder(honeywell(), true);
    DecodeOutput out;
    for (int i = 0; i < 20000; ++i) {  // 1.1 MB of continued reports
        d->feed(bytesOf(honeywellReport("]C0", std::string(56, 'z'), true)), t0, out);
        ASSERT_LE(d->pendingBytes(), kMaxFrameBytes + 64);
    }
    d->feed(bytesOf(honeywellReport("]C0", "tail")), t0, out);
    d->feed(bytesOf(honeywellReport("]C0", "GOOD")), t0, out);
    ASSERT_EQ(out.errors.size(), 1u);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "GOOD");
}

// A descriptor in Honeywell's shape: report 2 = byte count, 3 symbology id bytes, 56 data
// bytes, 2 vendor bytes, the continuation bit and 7 bits of padding.
const std::vector<std::uint8_t> kHoneywellLikeDescriptor = {
    0x05, 0x8C, 0x09, 0x02, 0xA1, 0x01,  // page 0x8C, Barcode Scanner, Application
    0x85, 0x02, 0x09, 0x12, 0xA1, 0x02,  // report 2, Scanned Data Report, Logical
    0x05, 0x01, 0x09, 0x3B, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x75, 0x08, 0x95,
    0x01, 0x81, 0x02,                                                        // byte count
    0x05, 0x8C, 0x09, 0xFB, 0x09, 0xFC, 0x09, 0xFD, 0x95, 0x03, 0x81, 0x02,  // AIM
    0x09, 0xFE, 0x95, 0x38, 0x82, 0x02, 0x01,  // decoded data, 56 bytes, buffered
    0x06, 0x66, 0xFF, 0x09, 0x01, 0x09, 0x02, 0x95, 0x02, 0x81, 0x02,        // vendor code ids
    0x05, 0x8C, 0x09, 0xFF, 0x25, 0x01, 0x75, 0x01, 0x95, 0x01, 0x81, 0x02,  // continued
    0x75, 0x07, 0x95, 0x01, 0x81, 0x03,                                      // padding
    0xC0, 0xC0};

TEST(HidPosDescriptorTest, HoneywellShapedDescriptorGivesTheHoneywellLayout)
{
    auto l = layoutFromDescriptor(kHoneywellLikeDescriptor);
    ASSERT_TRUE(l.ok()) << l.error().message;
    const HidPosLayout h = honeywell();
    EXPECT_EQ(l->reportId, h.reportId);
    EXPECT_EQ(l->reportSize, h.reportSize);
    EXPECT_EQ(l->lengthOffset, h.lengthOffset);
    EXPECT_EQ(l->aimOffset, h.aimOffset);
    EXPECT_EQ(l->dataOffset, h.dataOffset);
    EXPECT_EQ(l->dataCapacity, h.dataCapacity);
    EXPECT_EQ(l->continuedByte, h.continuedByte);
    EXPECT_EQ(l->continuedMask, h.continuedMask);
}

TEST(HidPosDescriptorTest, UnitechShapedDescriptorHasNoAimAndFlagsAtTheEnd)
{
    // Unitech MS842N: [1] length, [2..57] data, [58..61] reserved, [62] vendor symbology
    // number, [63] bit0 continued; no AIM bytes.
    const std::vector<std::uint8_t> desc = {
        0x05, 0x8C, 0x09, 0x02, 0xA1, 0x01, 0x85, 0x02, 0x05, 0x01,
        0x09, 0x3B, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0x05, 0x8C,
        0x09, 0xFE, 0x95, 0x38, 0x81, 0x02, 0x95, 0x04, 0x81, 0x03,  // reserved
        0x06, 0x00, 0xFF, 0x09, 0x10, 0x95, 0x01, 0x81, 0x02,        // vendor symbology number
        0x05, 0x8C, 0x09, 0xFF, 0x75, 0x01, 0x95, 0x01, 0x81, 0x02,
        0x75, 0x07, 0x81, 0x03, 0xC0};
    auto l = layoutFromDescriptor(desc);
    ASSERT_TRUE(l.ok()) << l.error().message;
    EXPECT_FALSE(l->aimOffset.has_value());
    EXPECT_EQ(l->dataOffset, 2u);
    EXPECT_EQ(l->continuedByte, 63u);
    auto d = makeHidPosDecoder(*l, true);
    std::string r(64, '\0');
    r[0] = 2;
    r[1] = 14;
    std::string text = "]E04006381333931";
    std::copy(text.begin() + 3, text.end(), r.begin() + 2);
    r[1] = 13;
    DecodeOutput out;
    d->feed(bytesOf(r), t0, out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "4006381333931");
    EXPECT_FALSE(out.reads[0].aim.has_value());
}

TEST(HidPosDescriptorTest, TruncatedOrForeignDescriptorsAreErrors)
{
    const std::vector<std::uint8_t> truncated = {0x05, 0x8C, 0x26, 0xFF};
    auto a = layoutFromDescriptor(truncated);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.error().code, ErrorCode::Parse);
    // A boot keyboard descriptor (page 0x07): no scanner report in it.
    const std::vector<std::uint8_t> keyboard = {0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x05, 0x07,
                                                0x19, 0xE0, 0x29, 0xE7, 0x15, 0x00, 0x25, 0x01,
                                                0x75, 0x01, 0x95, 0x08, 0x81, 0x02, 0xC0};
    auto b = layoutFromDescriptor(keyboard);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, ErrorCode::NotFound);
    EXPECT_FALSE(findHidPosDriver("generic")->layout({}).ok());
    EXPECT_EQ(findHidPosDriver("nonesuch"), nullptr);
}

TEST(HidPosProfileTest, ProfilesAreThoseOfTheModelTable)
{
    // Each HID POS profile a model of firmware_if's table reads with has a layout here, under
    // the table's word, and no layout here is no model's.
    std::set<firmware_if::ReadProfile> used;
    for (const auto& m : firmware_if::scannerModels()) {
        if (firmware_if::isHidPos(m.read))
            used.insert(m.read);
    }
    std::set<firmware_if::ReadProfile> implemented;
    for (const HidPosDriver& d : hidPosDrivers()) {
        EXPECT_EQ(firmware_if::toString(d.profile), d.name);
        EXPECT_EQ(firmware_if::parseHidPosProfile(d.name), d.profile);
        EXPECT_EQ(findHidPosDriver(d.name), &d);
        implemented.insert(d.profile);
    }
    EXPECT_EQ(implemented, used);
}

// ---- plain serial ----------------------------------------------------------------------------

TEST(PlainFramerTest, CrSuffixSplitsReadsAndAimPrefix)
{
    auto d = makePlainFramer(Suffix::Cr);
    DecodeOutput out;
    d->feed(bytesOf("]C0RC7K3M9Q2XWR\r]E04006381333931\r"), t0, out);
    ASSERT_EQ(out.reads.size(), 2u);
    EXPECT_EQ(out.reads[0].data, "RC7K3M9Q2XWR");
    EXPECT_EQ(out.reads[0].aim->text(), "]C0");
    EXPECT_EQ(out.reads[1].aim->symbology, core::Symbology::Ean);
}

TEST(PlainFramerTest, CrLfSuffixAcrossChunks)
{
    auto d = makePlainFramer(Suffix::CrLf);
    DecodeOutput out;
    for (std::string part : {"AB", "C\r", "\nDE", "F\r\n"})
        d->feed(bytesOf(part), t0, out);
    ASSERT_EQ(out.reads.size(), 2u);
    EXPECT_EQ(out.reads[0].data, "ABC");
    EXPECT_EQ(out.reads[1].data, "DEF");
}

TEST(PlainFramerTest, LfSuffixToleratesAScannerSendingCrLf)
{
    auto d = makePlainFramer(Suffix::Cr);
    DecodeOutput out;
    d->feed(bytesOf("ONE\r\nTWO\r\n"), t0, out);
    ASSERT_EQ(out.reads.size(), 2u);
    EXPECT_EQ(out.reads[1].data, "TWO");
    auto lf = makePlainFramer(Suffix::Lf);
    DecodeOutput o2;
    lf->feed(bytesOf("X1\nY2\n"), t0, o2);
    ASSERT_EQ(o2.reads.size(), 2u);
    EXPECT_EQ(o2.reads[0].data, "X1");
}

TEST(PlainFramerTest, MegabyteWithoutTerminatorIsBoundedAndTheNextReadWorks)
{
    auto d = makePlainFramer(Suffix::Cr);
    DecodeOutput out;
    const std::string chunk(65536, 'A');
    for (int i = 0; i < 16; ++i) {
        d->feed(bytesOf(chunk), t0, out);
        ASSERT_LE(d->pendingBytes(), kMaxFrameBytes);
    }
    d->feed(bytesOf("\rRC7K3M9Q2XWR\r"), t0, out);
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_NE(out.errors[0].find("1048576 bytes discarded"), std::string::npos) << out.errors[0];
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "RC7K3M9Q2XWR");
}

TEST(PlainFramerTest, HangupReportsThePartialRead)
{
    auto d = makePlainFramer(Suffix::Cr);
    DecodeOutput out;
    d->feed(bytesOf("RC7K"), t0, out);
    d->reset(out);
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_NE(out.errors[0].find("4 bytes"), std::string::npos);
    EXPECT_TRUE(out.reads.empty());
}

TEST(HoneywellSerialFramerTest, MenuRepliesGoToRepliesAndReadsAroundThemStayReads)
{
    auto d = makeHoneywellSerialFramer(Suffix::Cr);
    DecodeOutput out;
    // A read, a menu reply (echo, ACK, storage character), a read: one chunk, no suffix on
    // the reply, as a Xenon 1900 answers "SYN M CR 128ENA1!".
    d->feed(bytesOf("RMA-1\r128ENA1\x06!RMA-2\r"), t0, out);
    ASSERT_EQ(out.reads.size(), 2u);
    EXPECT_EQ(out.reads[0].data, "RMA-1");
    EXPECT_EQ(out.reads[1].data, "RMA-2");
    EXPECT_EQ(out.replies, std::vector<std::string>{"128ENA1\x06!"});
    EXPECT_TRUE(out.errors.empty());
    // ENQ and NAK, the status split from its storage character across chunks.
    out.clear();
    for (std::string part : {"XYZENA1\x05", ".", "C39ENA9\x15", "!"})
        d->feed(bytesOf(part), t0, out);
    EXPECT_EQ(out.replies, (std::vector<std::string>{"XYZENA1\x05.", "C39ENA9\x15!"}));
    EXPECT_TRUE(out.reads.empty());
}

TEST(HoneywellSerialFramerTest, IdlePartialFrameIsDroppedSoItCannotGlueOntoTheNextRead)
{
    auto d = makeHoneywellSerialFramer(Suffix::Cr);
    DecodeOutput out;
    d->feed(bytesOf("128EN"), t0, out);  // half a reply (--truncate in the simulator)
    ASSERT_TRUE(d->deadline().has_value());
    EXPECT_EQ(*d->deadline(), t0 + kHoneywellFrameIdle);
    d->tick(t0 + kHoneywellFrameIdle - std::chrono::milliseconds(1), out);
    EXPECT_TRUE(out.errors.empty());
    d->tick(t0 + kHoneywellFrameIdle, out);
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_NE(out.errors[0].find("5 bytes"), std::string::npos) << out.errors[0];
    EXPECT_FALSE(d->deadline().has_value());
    d->feed(bytesOf("RMA-3\r"), t0 + std::chrono::seconds(1), out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "RMA-3");
}

TEST(PlainFramerTest, KnowsNoMenuRepliesAndNoIdleTimeout)
{
    auto d = makePlainFramer(Suffix::Cr);
    DecodeOutput out;
    d->feed(bytesOf("AB\x06!CD"), t0, out);
    EXPECT_FALSE(d->deadline().has_value());
    d->feed(bytesOf("\r"), t0, out);
    EXPECT_TRUE(out.replies.empty());
    ASSERT_EQ(out.reads.size(), 1u);  // refused later by core::readProblem, as before
    EXPECT_EQ(out.reads[0].data, "AB\x06!CD");
}

// ---- Zebra SSI -------------------------------------------------------------------------------

std::string packet(std::vector<std::uint8_t> b)
{
    return std::string(b.begin(), b.end());
}

TEST(SsiTest, ChecksumMatchesZebraWorkedExamples)
{
    EXPECT_EQ(ssiPacket(kSsiCmdAck, 4, 0, {}), packet({0x04, 0xD0, 0x04, 0x00, 0xFF, 0x28}));
    const std::uint8_t green = 0x01;
    EXPECT_EQ(ssiPacket(0xE7, 4, 0, std::span(&green, 1)),
              packet({0x05, 0xE7, 0x04, 0x00, 0x01, 0xFF, 0x0F}));
    EXPECT_EQ(ssiPacket(0xE9, 4, 0, {}), packet({0x04, 0xE9, 0x04, 0x00, 0xFF, 0x0F}));
    EXPECT_EQ(ssiPacket(0xE4, 4, 0, {}), packet({0x04, 0xE4, 0x04, 0x00, 0xFF, 0x14}));
}

std::string decodeData(std::uint8_t status, std::uint8_t type, const std::string& data)
{
    std::vector<std::uint8_t> d{type};
    d.insert(d.end(), data.begin(), data.end());
    return ssiPacket(kSsiDecodeData, 0, status, d);
}

TEST(SsiTest, DecodeDataIsAckedAndCarriesTheSymbology)
{
    auto d = makeSsiDecoder();
    DecodeOutput out;
    d->feed(bytesOf(decodeData(0, 0x0F,
                               "400PO-77\x1d"
                               "42012345")),
            t0, out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data,
              "400PO-77\x1d"
              "42012345");
    EXPECT_EQ(out.reads[0].aim->text(), "]C1");
    EXPECT_EQ(out.reply, packet({0x04, 0xD0, 0x04, 0x00, 0xFF, 0x28}));
}

TEST(SsiTest, MultiPacketReadIsJoinedAndEachPacketAcked)
{
    auto d = makeSsiDecoder();
    DecodeOutput out;
    const std::string all =
        decodeData(0x02, 0x1C, "https://") + decodeData(0x00, 0x1C, "x.example");
    for (char c : all)  // one byte at a time, as a slow UART delivers it
        d->feed(bytesOf(std::string(1, c)), t0, out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "https://x.example");
    EXPECT_EQ(out.reads[0].aim->symbology, core::Symbology::Qr);
    EXPECT_EQ(out.reply.size(), 12u);
}

TEST(SsiTest, BadChecksumIsNakedCountedAndTheResendIsRead)
{
    auto d = makeSsiDecoder();
    DecodeOutput out;
    std::string bad = decodeData(0, 0x03, "RC7K3M9Q2XWR");
    bad.back() = static_cast<char>(bad.back() ^ 0x55);
    d->feed(bytesOf(bad), t0, out);
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_NE(out.errors[0].find("checksum"), std::string::npos);
    EXPECT_NE(out.errors[0].find("so far: 1"), std::string::npos);
    EXPECT_EQ(static_cast<std::uint8_t>(out.reply[1]), kSsiCmdNak);
    EXPECT_TRUE(out.reads.empty());
    out.clear();
    d->feed(bytesOf(bad), t0, out);
    EXPECT_NE(out.errors[0].find("so far: 2"), std::string::npos);
    out.clear();
    d->feed(bytesOf(decodeData(0, 0x03, "RC7K3M9Q2XWR")), t0, out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].aim->text(), "]C0");
}

TEST(SsiTest, AnswersToHostCommandsGoToRepliesNotReads)
{
    auto d = makeSsiDecoder();
    DecodeOutput out;
    const std::string ack = ssiPacket(kSsiCmdAck, 0, 0, {});
    const std::uint8_t resend = 0x01;
    const std::string nak = ssiPacket(kSsiCmdNak, 0, 0, std::span(&resend, 1));
    // Decode data, the ACK of a host command and a NAK in one chunk, the NAK split.
    const std::string all = decodeData(0, 0x03, "RMA-1") + ack + nak;
    d->feed(bytesOf(all.substr(0, all.size() - 3)), t0, out);
    d->feed(bytesOf(all.substr(all.size() - 3)), t0, out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].data, "RMA-1");
    EXPECT_EQ(out.replies, (std::vector<std::string>{ack, nak}));
    EXPECT_EQ(out.reply, ssiPacket(kSsiCmdAck, 4, 0, {}));  // only the decode data is ACKed
    EXPECT_TRUE(out.errors.empty());
}

TEST(SsiTest, RetransmissionOfAnAckedPacketIsNotASecondRead)
{
    auto d = makeSsiDecoder();
    DecodeOutput out;
    d->feed(bytesOf(decodeData(0, 0x03, "ABC") + decodeData(0x01, 0x03, "ABC")), t0, out);
    EXPECT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reply.size(), 12u);  // both acknowledged
}

TEST(SsiTest, NoiseBeforeAPacketIsSkippedWithAnError)
{
    auto d = makeSsiDecoder();
    DecodeOutput out;
    d->feed(bytesOf(std::string("\x00\x01\x02", 3) + decodeData(0, 0x0B, "4006381333931")), t0,
            out);
    ASSERT_EQ(out.reads.size(), 1u);
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_NE(out.errors[0].find("skipped 3 bytes"), std::string::npos);
}

TEST(SsiTest, AimPrefixInsideTheDataWinsOverTheTypeByte)
{
    auto d = makeSsiDecoder();
    DecodeOutput out;
    d->feed(bytesOf(decodeData(0, 0x03, "]C10012345")), t0, out);
    ASSERT_EQ(out.reads.size(), 1u);
    EXPECT_EQ(out.reads[0].aim->text(), "]C1");
    EXPECT_EQ(out.reads[0].data, "0012345");
    EXPECT_FALSE(aimForSsiType(0x99).has_value());
}

}  // namespace
}  // namespace returnscan::input
