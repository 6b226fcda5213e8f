// SPDX-License-Identifier: Apache-2.0
// Test certificates made at run time with the openssl CLI (no private key is ever committed):
// a CA, a server certificate it signed for 127.0.0.1, and a self-signed "rogue" one.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace returnscan::sync::testing {

/// Writes ca.pem/ca.key, server.pem/server.key (signed by the CA, SAN 127.0.0.1 and
/// localhost) and rogue.pem/rogue.key (self-signed, same names) into `dir`. Returns the
/// command that failed, or an empty string on success.
inline std::string makeTestCertificates(const std::string& dir)
{
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    std::FILE* ext = std::fopen((dir + "/server.ext").c_str(), "w");
    if (ext == nullptr) {
        return "writing " + dir + "/server.ext";
    }
    std::fputs(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
        ext);
    std::fclose(ext);
    const std::vector<std::string> cmds = {
        "openssl req -x509" + ec + " -keyout " + dir + "/ca.key -out " + dir +
            "/ca.pem -days 2 -subj '/CN=returnscan test CA'",
        "openssl req" + ec + " -keyout " + dir + "/server.key -out " + dir +
            "/server.csr -subj '/CN=127.0.0.1'",
        "openssl x509 -req -in " + dir + "/server.csr -CA " + dir + "/ca.pem -CAkey " + dir +
            "/ca.key -CAcreateserial -out " + dir + "/server.pem -days 2 -extfile " + dir +
            "/server.ext",
        "openssl req -x509" + ec + " -keyout " + dir + "/rogue.key -out " + dir +
            "/rogue.pem -days 2 -subj '/CN=127.0.0.1' -addext "
            "'subjectAltName=IP:127.0.0.1,DNS:localhost'",
    };
    for (const auto& c : cmds) {
        if (std::system((c + " >/dev/null 2>&1").c_str()) != 0) {
            return c;
        }
    }
    return {};
}

}  // namespace returnscan::sync::testing
