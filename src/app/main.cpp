// SPDX-License-Identifier: Apache-2.0
// returnscan: the station's single executable.
#include "cli.h"

int main(int argc, char** argv)
{
    return returnscan::app::runCli(argc, argv);
}
