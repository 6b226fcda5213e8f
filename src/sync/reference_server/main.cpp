// SPDX-License-Identifier: Apache-2.0
// returnscan-central: the reference central server for development and demos (not production).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "central_server.h"

int main(int argc, char** argv)
{
    using namespace returnscan::central;
    CLI::App app(
        "returnscan-central: a reference implementation of the central after-sales API "
        "(central-api.md) for development, demos and tests. Loopback by default.");
    ServerOptions o;
    std::string tokenFile;
    std::string seedFile;
    std::vector<std::string> faults;
    bool insecure = false;
    app.add_option("--data", o.dataDir, "Directory for central.db and photos/")->required();
    app.add_option("--host", o.host, "Address to bind")->default_val("127.0.0.1");
    app.add_option("--port", o.port, "Port (0: any free port, printed)")->default_val(0);
    app.add_option("--cert", o.certFile, "TLS certificate (PEM)");
    app.add_option("--key", o.keyFile, "TLS private key (PEM)");
    app.add_flag("--insecure-http", insecure, "Serve plain HTTP (development only)");
    app.add_option("--token-file", tokenFile, "File holding the bearer token stations must send")
        ->required();
    app.add_option("--seed", seedFile, "JSON Lines file of authorizations to serve");
    app.add_option("--fault", faults,
                   "Inject a fault: KIND[:ENDPOINT[:COUNT]]; KIND 500|429|reset|drop|slow|"
                   "malformed|redirect, ENDPOINT any|time|authorizations|receipts|head|put");
    CLI11_PARSE(app, argc, argv);
    if (o.certFile.empty() != o.keyFile.empty() || (o.certFile.empty() && !insecure)) {
        std::cerr << "returnscan-central: give --cert and --key, or --insecure-http\n";
        return 2;
    }
    {
        std::ifstream f(tokenFile);
        std::getline(f, o.token);
        if (o.token.empty()) {
            std::cerr << "returnscan-central: empty token file\n";
            return 2;
        }
    }
    // Block the stop signals before the server's threads exist, so they all inherit the mask
    // and sigwait below is the one place that sees the signal.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    auto server = CentralServer::start(o);
    if (!server) {
        std::cerr << "returnscan-central: " << server.error().message << '\n';
        return 1;
    }
    if (!seedFile.empty()) {
        std::ifstream f(seedFile);
        std::string line;
        int n = 0;
        while (std::getline(f, line)) {
            if (line.empty()) {
                continue;
            }
            if (auto st = (*server)->putAuthorization(line); !st) {
                std::cerr << "returnscan-central: seed line " << n + 1 << ": " << st.error().message
                          << '\n';
                return 2;
            }
            ++n;
        }
        std::cout << "seeded " << n << " authorizations\n";
    }
    for (const auto& text : faults) {
        auto f = parseFault(text);
        if (!f) {
            std::cerr << "returnscan-central: " << f.error().message << '\n';
            return 2;
        }
        (*server)->addFault(*f);
    }
    std::cout << "listening on " << (*server)->url() << std::endl;
    int sig = 0;
    sigwait(&set, &sig);
    std::cout << "stopping\n";
    return 0;
}
