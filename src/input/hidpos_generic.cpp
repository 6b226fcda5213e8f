// SPDX-License-Identifier: Apache-2.0
// HID POS profile from the report descriptor: finds the Bar Code Scanner page's scanned-data
// fields (byte count, symbology identifier, decoded data, continuation flag) wherever the
// vendor put them. Unitech's MS842N, for one, has no AIM bytes and its flags at byte 63.
#include <map>
#include <string>
#include <vector>

#include "hidpos_drivers.h"

namespace returnscan::input {
namespace {

constexpr std::uint32_t kPageGenericDesktop = 0x01;
constexpr std::uint32_t kPageBarcode = 0x8C;
constexpr std::uint32_t usage(std::uint32_t page, std::uint32_t id)
{
    return page << 16 | id;
}
constexpr std::uint32_t kByteCount = usage(kPageGenericDesktop, 0x3B);
constexpr std::uint32_t kSymbologyId1 = usage(kPageBarcode, 0xFB);
constexpr std::uint32_t kDecodedData = usage(kPageBarcode, 0xFE);
constexpr std::uint32_t kDataContinued = usage(kPageBarcode, 0xFF);

struct Field {
    std::size_t bit = 0;    ///< offset in the report, after the report ID byte
    std::size_t size = 0;   ///< bits per element
    std::size_t count = 0;  ///< elements
};

struct Globals {
    std::uint32_t page = 0;
    std::uint32_t reportSize = 0;
    std::uint32_t reportCount = 0;
    std::uint32_t reportId = 0;
};

}  // namespace

Result<HidPosLayout> layoutFromDescriptor(std::span<const std::uint8_t> d)
{
    Globals g;
    std::vector<Globals> stack;
    std::vector<std::uint32_t> usages;
    std::uint32_t usageMin = 0;
    bool haveUsageMin = false;
    std::map<std::uint32_t, std::size_t> bitsPerReport;  // input bits so far, per report ID
    std::map<std::uint32_t, std::map<std::uint32_t, Field>> fields;  // report ID -> usage
    bool anyReportId = false;

    std::size_t i = 0;
    while (i < d.size()) {
        const std::uint8_t prefix = d[i];
        if (prefix == 0xFE) {  // long item: skip it
            if (i + 2 >= d.size())
                return makeError(ErrorCode::Parse, "report descriptor: truncated long item");
            i += 3 + d[i + 1];
            continue;
        }
        const std::size_t size = (prefix & 3) == 3 ? 4 : (prefix & 3);
        if (i + 1 + size > d.size()) {
            return makeError(ErrorCode::Parse, "report descriptor: item at byte " +
                                                   std::to_string(i) + " runs past the end");
        }
        std::uint32_t value = 0;
        for (std::size_t k = 0; k < size; ++k)
            value |= static_cast<std::uint32_t>(d[i + 1 + k]) << (8 * k);
        const int type = (prefix >> 2) & 3;
        const int tag = prefix >> 4;
        i += 1 + size;
        auto fullUsage = [&](std::uint32_t v) { return size == 4 ? v : usage(g.page, v); };
        if (type == 1) {  // global
            switch (tag) {
                case 0:
                    g.page = value;
                    break;
                case 7:
                    g.reportSize = value;
                    break;
                case 8:
                    g.reportId = value;
                    anyReportId = true;
                    break;
                case 9:
                    g.reportCount = value;
                    break;
                case 10:
                    stack.push_back(g);
                    break;
                case 11:
                    if (stack.empty())
                        return makeError(ErrorCode::Parse, "report descriptor: Pop without Push");
                    g = stack.back();
                    stack.pop_back();
                    break;
                default:
                    break;
            }
        } else if (type == 2) {  // local
            if (tag == 0) {
                usages.push_back(fullUsage(value));
            } else if (tag == 1) {
                usageMin = fullUsage(value);
                haveUsageMin = true;
            } else if (tag == 2 && haveUsageMin) {
                // Cap the range: a descriptor could claim 65535 usages.
                for (std::uint32_t u = usageMin; u <= fullUsage(value) && usages.size() < 512; ++u)
                    usages.push_back(u);
                haveUsageMin = false;
            }
        } else if (type == 0) {  // main
            if (tag == 8) {      // Input
                std::size_t& bit = bitsPerReport[g.reportId];
                const bool constant = (value & 1) != 0;
                for (std::size_t e = 0; e < g.reportCount && !constant && !usages.empty(); ++e) {
                    // The last usage repeats for the remaining elements (HID 1.11, 6.2.2.8).
                    const std::uint32_t u = usages[std::min(e, usages.size() - 1)];
                    auto [it, fresh] = fields[g.reportId].try_emplace(u);
                    if (fresh)
                        it->second = Field{bit + e * g.reportSize, g.reportSize, 0};
                    if (it->second.bit + it->second.count * g.reportSize == bit + e * g.reportSize)
                        ++it->second.count;
                }
                bit += static_cast<std::size_t>(g.reportSize) * g.reportCount;
            }
            usages.clear();
            haveUsageMin = false;
        }
    }

    for (const auto& [id, f] : fields) {
        auto data = f.find(kDecodedData);
        auto count = f.find(kByteCount);
        if (data == f.end() || count == f.end())
            continue;
        if (data->second.size != 8 || count->second.size != 8 || data->second.bit % 8 != 0 ||
            count->second.bit % 8 != 0) {
            return makeError(ErrorCode::Unsupported,
                             "report descriptor: decoded data or byte count is not byte-aligned "
                             "8-bit fields");
        }
        const std::size_t base = anyReportId ? 1 : 0;
        HidPosLayout l;
        l.reportId = static_cast<std::uint8_t>(id);
        l.reportSize = base + (bitsPerReport[id] + 7) / 8;
        l.lengthOffset = base + count->second.bit / 8;
        l.dataOffset = base + data->second.bit / 8;
        l.dataCapacity = data->second.count;
        l.aimOffset.reset();
        if (auto sym = f.find(kSymbologyId1); sym != f.end() && sym->second.size == 8) {
            // Either one usage with count 3, or the three usages FB FC FD side by side.
            l.aimOffset = base + sym->second.bit / 8;
        }
        l.continuedMask = 0;
        if (auto more = f.find(kDataContinued); more != f.end()) {
            const std::size_t bit = more->second.bit;
            l.continuedByte = base + bit / 8;
            l.continuedMask = static_cast<std::uint8_t>(1u << (bit % 8));
        }
        return l;
    }
    return makeError(ErrorCode::NotFound,
                     "report descriptor has no Bar Code Scanner (page 0x8C) input report with "
                     "Decoded Data and Byte Count");
}

Result<HidPosLayout> genericHidPosLayout(std::span<const std::uint8_t> descriptor)
{
    if (descriptor.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "the generic HID POS profile needs the report descriptor, and none "
                         "could be read (a FIFO or file has none): use --profile honeywell");
    }
    return layoutFromDescriptor(descriptor);
}

}  // namespace returnscan::input
