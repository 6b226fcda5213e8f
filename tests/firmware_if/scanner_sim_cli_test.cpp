// SPDX-License-Identifier: Apache-2.0
// `returnscan scanner-sim` end to end: scanner-cmd against it (exit status and transcript),
// and `returnscan listen` reading the simulator's decode data through the real serial code.
#include <gtest/gtest.h>

#include "firmware_if/firmware_test_support.h"
#include "support/process.h"

namespace returnscan::tests {
namespace {

const std::string kBin = RETURNSCAN_BINARY;

ProcessResult scannerCmd(const std::string& device, const std::string& command,
                         const std::vector<std::string>& extra = {})
{
    std::vector<std::string> argv{kBin,           "scanner-cmd", "--transport", "serial",
                                  "--protocol",   "ssi",         "--device",    device,
                                  "--timeout-ms", "300",         command};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return runProcess(argv);
}

TEST(ScannerSimCliTest, ScannerCmdPrintsTheExchangeAndExitsZeroOnAck)
{
    Child sim({kBin, "scanner-sim", "--protocol", "ssi"});
    const std::string path = sim.readLine();
    ASSERT_EQ(path.rfind("/dev/pts/", 0), 0u) << path;
    const ProcessResult r = scannerCmd(path, "beep-good");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("sent: 05 E6 04 00 00 FF 11"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("received: 04 D0 00 00 FF 2C"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("result: ack"), std::string::npos) << r.out;
    EXPECT_EQ(sim.waitFor("command "), "command beep-good");
}

TEST(ScannerSimCliTest, ScannerCmdExitsOneOnNak)
{
    Child sim({kBin, "scanner-sim", "--protocol", "ssi", "--deny"});
    const std::string path = sim.readLine();
    const ProcessResult r = scannerCmd(path, "led-red");
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("result: nak (NAK denied)"), std::string::npos) << r.out;
}

TEST(ScannerSimCliTest, ScannerCmdExitsOneWithNoAnswerAfterTheRetries)
{
    Child sim({kBin, "scanner-sim", "--protocol", "ssi", "--silent", "9"});
    const std::string path = sim.readLine();
    const ProcessResult r = scannerCmd(path, "identify", {"--retries", "1"});
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("result: no-answer"), std::string::npos) << r.out;
    EXPECT_EQ(sim.waitFor("command silent"), "command silent");
}

TEST(ScannerSimCliTest, ScannerCmdRecoversFromATruncatedReply)
{
    Child sim({kBin, "scanner-sim", "--protocol", "ssi", "--truncate", "1"});
    const std::string path = sim.readLine();
    const ProcessResult r = scannerCmd(path, "scan-enable");
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("note: truncated reply dropped"), std::string::npos) << r.out;
}

TEST(ScannerSimCliTest, ScannerCmdUsageErrorsExitTwo)
{
    EXPECT_EQ(scannerCmd("/dev/null", "beep-loud").status, 2);
    const ProcessResult ssiOverHid =
        runProcess({kBin, "scanner-cmd", "--transport", "hidraw", "--protocol", "ssi", "--device",
                    "/dev/null", "beep-good"});
    EXPECT_EQ(ssiOverHid.status, 2);
    EXPECT_NE(ssiOverHid.err.find("no scanner speaks"), std::string::npos);
    EXPECT_EQ(runProcess({kBin, "scanner-cmd", "beep-good"}).status, 2);
}

TEST(ScannerSimCliTest, ScannerCmdReportsAMissingDevice)
{
    const ProcessResult r = scannerCmd("/nonexistent/ttyACM7", "beep-good");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("/nonexistent/ttyACM7"), std::string::npos);
}

TEST(ScannerSimCliTest, ListenReadsSsiDecodeDataFromTheSimulator)
{
    Child sim({kBin, "scanner-sim", "--protocol", "ssi", "--linger-ms", "300"});
    const std::string path = sim.readLine();
    ASSERT_FALSE(path.empty());
    Child listen({kBin, "listen", "--transport", "serial", "--protocol", "ssi", "--device", path});
    sim.write(
        "# two reads\nRMA-100042\n]C1"
        "00123456789012345675\n");
    sim.closeStdin();
    const std::string first = listen.readLine();
    EXPECT_NE(first.find("RMA-100042"), std::string::npos) << first;
    const std::string second = listen.readLine();
    EXPECT_EQ(second.rfind("]C1", 0), 0u) << second;
    EXPECT_NE(second.find("00123456789012345675"), std::string::npos) << second;
    EXPECT_EQ(sim.waitFor("command host-ack"), "command host-ack");  // listen ACKed the read
    EXPECT_EQ(sim.wait(), 0);
    EXPECT_EQ(listen.wait(), 0);  // the simulator hung up: end of input
}

TEST(ScannerSimCliTest, ListenReadsAHoneywellSimulatorAsPlainSerial)
{
    Child sim({kBin, "scanner-sim", "--protocol", "honeywell", "--linger-ms", "300"});
    const std::string path = sim.readLine();
    Child listen(
        {kBin, "listen", "--transport", "serial", "--protocol", "plain", "--device", path});
    sim.write("RMA-200001\n");
    sim.closeStdin();
    EXPECT_NE(listen.readLine().find("RMA-200001"), std::string::npos);
    EXPECT_EQ(listen.wait(), 0);
}

TEST(ScannerSimCliTest, SimulatorExitsOnSigterm)
{
    Child sim({kBin, "scanner-sim", "--protocol", "plain"});
    ASSERT_FALSE(sim.readLine().empty());
    sim.signal(SIGTERM);
    EXPECT_EQ(sim.wait(), 0);
}

TEST(DevicesCliTest, ListsWhatUdevKnowsAsJson)
{
    const ProcessResult r = runProcess({kBin, "devices", "--json"});
    if (r.status == 1)
        GTEST_SKIP() << "udev cannot be asked here: " << r.out;
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.rfind("{\"devices\":[", 0), 0u) << r.out;
    // Every listed node that this user cannot open comes with a fix (null when it can).
    EXPECT_EQ(r.out.find("\"fix\":\"\""), std::string::npos) << r.out;
}

}  // namespace
}  // namespace returnscan::tests
