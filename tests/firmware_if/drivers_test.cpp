// SPDX-License-Identifier: Apache-2.0
// Per-protocol encoders and reply decoders, and the driver table.
#include "returnscan/firmware_if/driver.h"

#include <gtest/gtest.h>

#include "returnscan/firmware_if/scanner_models.h"
#include "returnscan/firmware_if/ssi.h"

namespace returnscan::firmware_if {
namespace {

std::span<const std::uint8_t> view(const std::string& s)
{
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

const Driver& driver(const char* name)
{
    const Driver* d = findDriver(name);
    EXPECT_NE(d, nullptr) << name;
    return *d;
}

std::string encodeOne(const Driver& d, Command c, unsigned attempt = 0)
{
    Request r;
    r.command = c;
    auto frames = d.encode(r, attempt);
    EXPECT_TRUE(frames.ok()) << toString(c);
    if (!frames.ok() || frames->size() != 1)
        return {};
    return frames->front().bytes;
}

TEST(DriverTableTest, ListsEachDriverOnceByName)
{
    EXPECT_EQ(drivers().size(), 4u);
    for (const Driver* d : drivers())
        EXPECT_EQ(findDriver(d->name), d);
    EXPECT_EQ(findDriver("nope"), nullptr);
}

TEST(DriverTableTest, MapsTransportAndProtocolWords)
{
    EXPECT_STREQ((*driverFor("serial", "ssi"))->name, "ssi");
    EXPECT_STREQ((*driverFor("serial", "honeywell"))->name, "honeywell-serial");
    EXPECT_STREQ((*driverFor("hidraw", "honeywell"))->name, "honeywell-hidpos");
    EXPECT_STREQ((*driverFor("hidraw", "generic"))->name, "generic-hidpos");
    auto bad = driverFor("hidraw", "ssi");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::InvalidArgument);
}

TEST(DriverTableTest, RefusesAWordNoModelSpeaksNamingTheWordsThatExist)
{
    auto bad = driverFor("hidraw", "ssi");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message,
              "no scanner speaks protocol 'ssi' over hidraw (serial: ssi or honeywell; hidraw: "
              "honeywell or generic)");
    EXPECT_FALSE(driverFor("usb", "generic").ok());
}

TEST(ScannerModelTableTest, SortedByVendorWithOneNamePerVendor)
{
    const auto models = scannerModels();
    ASSERT_FALSE(models.empty());
    for (std::size_t i = 0; i < models.size(); ++i) {
        const ScannerModel& m = models[i];
        EXPECT_NE(std::string(m.vendor), "");
        EXPECT_NE(std::string(m.model), "");
        EXPECT_STREQ(scannerVendorName(m.vendorId), m.vendor) << m.model;
        if (i > 0) {
            EXPECT_LE(models[i - 1].vendorId, m.vendorId) << m.model;
        }
    }
    EXPECT_EQ(scannerVendorIds(), (std::vector<std::uint16_t>{0x0536, 0x05e0, 0x05f9, 0x065a,
                                                               0x067e, 0x080c, 0x0c2e, 0x1eab}));
    EXPECT_STREQ(scannerVendorName(0x05e0), "Zebra (Symbol)");
    EXPECT_EQ(scannerVendorName(0x046d), nullptr) << "a keyboard vendor is no scanner vendor";
}

TEST(ScannerModelTableTest, EachModelsDriverFitsHowItIsRead)
{
    for (const ScannerModel& m : scannerModels()) {
        switch (m.read) {
            case ReadProfile::Keyboard:
                EXPECT_EQ(m.driver, nullptr) << m.model << ": a keyboard has no channel back";
                break;
            case ReadProfile::SerialPlain:
            case ReadProfile::SerialSsi:
                if (m.driver != nullptr) {
                    EXPECT_FALSE(m.driver->hid) << m.model;
                }
                break;
            case ReadProfile::HidPosHoneywell:
            case ReadProfile::HidPosGeneric:
                if (m.driver != nullptr) {
                    EXPECT_TRUE(m.driver->hid) << m.model;
                }
                break;
        }
        if (m.read == ReadProfile::SerialSsi) {
            ASSERT_NE(m.driver, nullptr);
            EXPECT_STREQ(m.driver->name, "ssi") << "SSI reads and SSI commands share the line";
        }
        if (m.driver != nullptr) {
            EXPECT_EQ(findDriver(m.driver->name), m.driver) << m.model;
            // driverFor() finds a driver of this protocol and transport.
            auto d = driverFor(m.driver->hid ? "hidraw" : "serial", m.driver->protocol);
            ASSERT_TRUE(d.ok()) << m.model;
            EXPECT_EQ(*d, m.driver) << m.model;
        }
    }
}

TEST(ScannerModelTableTest, EveryDriverServesAModel)
{
    for (const Driver* d : drivers()) {
        bool used = false;
        for (const ScannerModel& m : scannerModels())
            used = used || m.driver == d;
        EXPECT_TRUE(used) << d->name << " is no model's driver";
    }
}

TEST(ScannerModelTableTest, ReadProfileWords)
{
    EXPECT_EQ(toString(ReadProfile::HidPosHoneywell), "honeywell");
    EXPECT_EQ(toString(ReadProfile::HidPosGeneric), "generic");
    EXPECT_EQ(toString(ReadProfile::SerialSsi), "ssi");
    EXPECT_EQ(parseHidPosProfile("generic"), ReadProfile::HidPosGeneric);
    EXPECT_EQ(parseHidPosProfile("ssi"), std::nullopt);
    EXPECT_TRUE(isHidPos(ReadProfile::HidPosHoneywell));
    EXPECT_FALSE(isHidPos(ReadProfile::Keyboard));
}

TEST(CommandTest, WordsRoundTrip)
{
    for (Command c : allCommands())
        EXPECT_EQ(parseCommand(toString(c)), c);
    EXPECT_FALSE(parseCommand("beep"));
    EXPECT_EQ(parseSymbology("gs1-128"), Symbology::Gs1_128);
    EXPECT_FALSE(parseSymbology("code49"));
}

TEST(ZebraSsiDriverTest, EncodesEveryCommandAsAHostPacket)
{
    const Driver& d = driver("ssi");
    EXPECT_EQ(hex(encodeOne(d, Command::ScanEnable)), "04 E9 04 00 FF 0F");
    EXPECT_EQ(hex(encodeOne(d, Command::StartDecode)), "04 E4 04 00 FF 14");
    EXPECT_EQ(hex(encodeOne(d, Command::LedGreen)), "05 E7 04 00 01 FF 0F");
    EXPECT_EQ(hex(encodeOne(d, Command::LedRed)), "05 E7 04 00 02 FF 0E");
    EXPECT_EQ(hex(encodeOne(d, Command::BeepGood)), "05 E6 04 00 00 FF 11");
    for (Command c : allCommands()) {
        Request r;
        r.command = c;
        auto f = d.encode(r, 0);
        ASSERT_TRUE(f.ok()) << toString(c);
        const SsiScan s = scanSsi(view(f->front().bytes));
        EXPECT_EQ(s.kind, SsiScan::Kind::Packet) << toString(c);
        EXPECT_EQ(s.packet.source, kSsiSourceHost);
        EXPECT_TRUE(d.expectsReply(c));
    }
}

TEST(ZebraSsiDriverTest, SetsTheRetransmitBitOnResends)
{
    const Driver& d = driver("ssi");
    const std::string first = encodeOne(d, Command::BeepError, 0);
    const std::string again = encodeOne(d, Command::BeepError, 1);
    EXPECT_EQ(static_cast<std::uint8_t>(first[3]), 0);
    EXPECT_EQ(static_cast<std::uint8_t>(again[3]), kSsiStatusRetransmit);
    EXPECT_EQ(scanSsi(view(again)).kind, SsiScan::Kind::Packet);  // checksum follows the bit
}

TEST(ZebraSsiDriverTest, ReportsSymbologiesWithoutAParameterAsUnsupported)
{
    Request r;
    r.command = Command::SymbologyOn;
    r.symbology = Symbology::Aztec;
    auto f = driver("ssi").encode(r, 0);
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.error().code, ErrorCode::Unsupported);
    r.symbology = Symbology::Qr;
    ASSERT_TRUE(driver("ssi").encode(r, 0).ok());
}

TEST(ZebraSsiDriverTest, DecodesAckNakRevisionAndSkipsDecodeData)
{
    const Driver& d = driver("ssi");
    EXPECT_EQ(d.decodeReply(view(ssiPacket(kSsiCmdAck, 0, 0, {}))).kind, Reply::Kind::Ack);
    const std::uint8_t resend = kSsiNakResend, denied = kSsiNakDenied;
    Reply nak = d.decodeReply(view(ssiPacket(kSsiCmdNak, 0, 0, std::span(&resend, 1))));
    EXPECT_EQ(nak.kind, Reply::Kind::Nak);
    EXPECT_TRUE(nak.retry);
    nak = d.decodeReply(view(ssiPacket(kSsiCmdNak, 0, 0, std::span(&denied, 1))));
    EXPECT_EQ(nak.kind, Reply::Kind::Nak);
    EXPECT_FALSE(nak.retry);
    const std::string rev = "\x03NBR";
    const Reply r =
        d.decodeReply(view(ssiPacket(kSsiReplyRevision, 0, 0, view(std::string("NBRPUAAM")))));
    EXPECT_EQ(r.kind, Reply::Kind::Ack);
    EXPECT_EQ(r.detail, "revision NBRPUAAM");
    const Reply dd = d.decodeReply(view(ssiPacket(kSsiDecodeData, 0, 0, view(rev))));
    EXPECT_EQ(dd.kind, Reply::Kind::Unsolicited);
    EXPECT_EQ(dd.answer, ssiPacket(kSsiCmdAck, kSsiSourceHost, 0, {}));
}

TEST(ZebraSsiDriverTest, TreatsBadChecksumAsMalformedAndTruncatedAsIncomplete)
{
    const Driver& d = driver("ssi");
    std::string p = ssiPacket(kSsiCmdAck, 0, 0, {});
    EXPECT_EQ(d.decodeReply(view(p.substr(0, 3))).kind, Reply::Kind::NeedMore);
    p[4] = static_cast<char>(p[4] + 1);
    const Reply r = d.decodeReply(view(p));
    EXPECT_EQ(r.kind, Reply::Kind::Malformed);
    EXPECT_TRUE(r.retry);
    EXPECT_EQ(r.consumed, p.size());
}

TEST(HoneywellSerialDriverTest, EncodesMenuAndTriggerCommands)
{
    const Driver& d = driver("honeywell-serial");
    EXPECT_EQ(encodeOne(d, Command::StartDecode), "\x16T\r");
    EXPECT_EQ(encodeOne(d, Command::StopDecode), "\x16U\r");
    EXPECT_EQ(encodeOne(d, Command::Identify), "\x16M\rREVINF.");
    Request r;
    r.command = Command::SymbologyOff;
    r.symbology = Symbology::Qr;
    EXPECT_EQ(d.encode(r, 0)->front().bytes, "\x16M\rQRCENA0!");
    EXPECT_FALSE(d.expectsReply(Command::StartDecode));
    EXPECT_TRUE(d.expectsReply(Command::Identify));
}

TEST(HoneywellSerialDriverTest, ReportsLedsAndErrorBeepAsUnsupported)
{
    for (Command c : {Command::LedGreen, Command::LedRed, Command::LedOff, Command::BeepError,
                      Command::ScanEnable, Command::ScanDisable}) {
        Request r;
        r.command = c;
        auto f = driver("honeywell-serial").encode(r, 0);
        ASSERT_FALSE(f.ok()) << toString(c);
        EXPECT_EQ(f.error().code, ErrorCode::Unsupported);
    }
}

TEST(HoneywellSerialDriverTest, DecodesAckEnqNakAndMalformedReplies)
{
    const Driver& d = driver("honeywell-serial");
    EXPECT_EQ(d.decodeReply(view("REVINF\x06.")).kind, Reply::Kind::Ack);
    EXPECT_EQ(d.decodeReply(view("REVINF\x06.")).consumed, 8u);
    EXPECT_EQ(d.decodeReply(view("XYZABC\x05!")).kind, Reply::Kind::Nak);
    EXPECT_EQ(d.decodeReply(view("QRCENA9\x15!")).kind, Reply::Kind::Nak);
    EXPECT_EQ(d.decodeReply(view("REVI")).kind, Reply::Kind::NeedMore);
    EXPECT_EQ(d.decodeReply(view("REVINF\x06")).kind, Reply::Kind::NeedMore);
    EXPECT_EQ(d.decodeReply(view("REVINF\x06?")).kind, Reply::Kind::Malformed);
    const Reply line = d.decodeReply(view("RMA-1\rREVINF\x06."));
    EXPECT_EQ(line.kind, Reply::Kind::Unsolicited);
    EXPECT_EQ(line.consumed, 6u);
    EXPECT_EQ(d.decodeReply(view(std::string(600, 'A'))).kind, Reply::Kind::Malformed);
}

TEST(HoneywellHidPosDriverTest, EnablesOutputAndWritesTriggerReports)
{
    const Driver& d = driver("honeywell-hidpos");
    const auto setup = d.setup();
    ASSERT_EQ(setup.size(), 1u);
    EXPECT_EQ(setup[0].kind, Frame::Kind::Feature);
    EXPECT_EQ(hex(setup[0].bytes), "FE 01");
    EXPECT_EQ(hex(encodeOne(d, Command::BeepGood)), "04 40");
    EXPECT_EQ(hex(encodeOne(d, Command::BeepError)), "04 20");
    EXPECT_EQ(hex(encodeOne(d, Command::ScanDisable)), "04 02");
    EXPECT_EQ(hex(encodeOne(d, Command::StartDecode)), "04 04");
    EXPECT_FALSE(d.expectsReply(Command::BeepGood));
    Request led;
    led.command = Command::LedGreen;
    EXPECT_EQ(d.encode(led, 0).error().code, ErrorCode::Unsupported);
}

TEST(HoneywellHidPosDriverTest, SendsMenuCommandsInReportFdAndReadsZ6Replies)
{
    const Driver& d = driver("honeywell-hidpos");
    const std::string f = encodeOne(d, Command::Identify);
    ASSERT_EQ(f.size(), 64u);
    EXPECT_EQ(static_cast<std::uint8_t>(f[0]), 0xFD);
    EXPECT_EQ(f[1], 10);
    EXPECT_EQ(f.substr(2, 10), "\x16M\rREVINF.");
    auto report = [](const std::string& aim, const std::string& data) {
        std::string r(64, '\0');
        r[0] = 0x02;
        r[1] = static_cast<char>(data.size());
        r.replace(2, 3, aim);
        r.replace(5, data.size(), data);
        return r;
    };
    EXPECT_EQ(d.decodeReply(view(report("]X0", "REVINF"))).kind, Reply::Kind::Unsolicited);
    EXPECT_EQ(d.decodeReply(view(report("]Z6", "\x06"))).kind, Reply::Kind::Ack);
    EXPECT_EQ(d.decodeReply(view(report("]Z6", "\x15"))).kind, Reply::Kind::Nak);
    EXPECT_EQ(d.decodeReply(view(report("]Z6", "x"))).kind, Reply::Kind::Malformed);
    EXPECT_EQ(d.decodeReply(view(report("]Z6", "\x06").substr(0, 30))).kind, Reply::Kind::NeedMore);
}

TEST(GenericHidPosDriverTest, OffersTheTriggerReportOnly)
{
    const Driver& d = driver("generic-hidpos");
    EXPECT_TRUE(d.setup().empty());
    EXPECT_EQ(hex(encodeOne(d, Command::BeepError)), "04 20");
    for (Command c : {Command::LedRed, Command::Identify, Command::SymbologyOn}) {
        Request r;
        r.command = c;
        EXPECT_EQ(d.encode(r, 0).error().code, ErrorCode::Unsupported) << toString(c);
    }
}

}  // namespace
}  // namespace returnscan::firmware_if
