// SPDX-License-Identifier: Apache-2.0
// returnscan: the station's single executable.
#include "cli.h"
#include "returnscan/log/sinks.h"

int main(int argc, char** argv)
{
    // The log's sink, once, before anything logs: the journal when systemd connected stderr to
    // it, else stderr. The levels follow from the command line (runCli).
    (void)returnscan::log::installDefaultSink();
    return returnscan::app::runCli(argc, argv);
}
