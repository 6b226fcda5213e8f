// SPDX-License-Identifier: Apache-2.0
// The scanner-model table: USB IDs (usb.ids 2025.07.26; FIELD-FACTS 1d), read profile and
// command driver of every model and USB mode the station knows. The one place to add a model.
#include "returnscan/firmware_if/scanner_models.h"

#include <array>
#include <cstdint>
#include <vector>

#include "drivers_internal.h"

namespace returnscan::firmware_if {
namespace {

using detail::kGenericHidPosDriver;
using detail::kHoneywellHidPosDriver;
using detail::kHoneywellSerialDriver;
using detail::kZebraSsiDriver;

// Product IDs that usb.ids (or the source named) gives for one mode of a model.
constexpr std::array<std::uint16_t, 1> kZebraKeyboard{0x1200};
constexpr std::array<std::uint16_t, 1> kDatalogicPscKeyboard{0x2206};
constexpr std::array<std::uint16_t, 1> kOpticonKeyboard{0x0001};
constexpr std::array<std::uint16_t, 1> kIntermecKeyboard{0x0801};
constexpr std::array<std::uint16_t, 1> kVoyager1400gHidPos{0x0b8f};  // Honeywell's WebHID library
// Newland: xx03 HID keyboard, xx06 CDC serial, xx10 HID POS (EM30xx/HR3260, EM3080/FR20, HR100).
constexpr std::array<std::uint16_t, 3> kNewlandKeyboard{0x0c03, 0x1303, 0x8203};
constexpr std::array<std::uint16_t, 3> kNewlandHidPos{0x0c10, 0x1310, 0x8210};

constexpr const char* kHhp = "Honeywell (Hand Held Products)";
constexpr const char* kZebra = "Zebra (Symbol)";
constexpr const char* kDatalogicPsc = "Datalogic (PSC)";
constexpr const char* kOpticon = "Opticon";
constexpr const char* kIntermec = "Honeywell (Intermec)";
constexpr const char* kDatalogic = "Datalogic";
constexpr const char* kMetrologic = "Honeywell (Metrologic)";
constexpr const char* kNewland = "Newland";

// Sorted by vendor ID (the udev rules' order); per vendor serial, HID POS, keyboard. The rows
// are docs/firmware.md's "Supported scanners"; a keyboard row reads any wedge scanner of the
// vendor (a keyboard has no channel back, so no driver).
const ScannerModel kModels[] = {
    {kHhp,
     0x0536,
     {},
     "Xenon 1900/1950g (CDC, TRMUSB130)",
     ReadProfile::SerialPlain,
     &kHoneywellSerialDriver},
    {kHhp,
     0x0536,
     {},
     "Xenon 1950g (HID POS, TRMUSB131)",
     ReadProfile::HidPosHoneywell,
     &kHoneywellHidPosDriver},
    {kHhp, 0x0536, {}, "IT4800, Xenon (keyboard)", ReadProfile::Keyboard, nullptr},
    {kZebra,
     0x05e0,
     {},
     "DS2208 / DS4308 / DS9908 (CDC, SSI)",
     ReadProfile::SerialSsi,
     &kZebraSsiDriver},
    {kZebra,
     0x05e0,
     {},
     "DS2208 / DS4308 / DS9908 (HID POS)",
     ReadProfile::HidPosGeneric,
     &kGenericHidPosDriver},
    {kZebra, 0x05e0, kZebraKeyboard, "DS/LI/LS series (keyboard)", ReadProfile::Keyboard, nullptr},
    {kDatalogicPsc, 0x05f9, kDatalogicPscKeyboard, "Gryphon, Magellan, QuickScan (keyboard)",
     ReadProfile::Keyboard, nullptr},
    {kOpticon, 0x065a, kOpticonKeyboard, "OPN/OPI/M series (keyboard)", ReadProfile::Keyboard,
     nullptr},
    {kIntermec, 0x067e, kIntermecKeyboard, "SG20, SR61 (keyboard)", ReadProfile::Keyboard, nullptr},
    {kDatalogic, 0x080c, {}, "Gryphon D120 / M100 (keyboard)", ReadProfile::Keyboard, nullptr},
    {kMetrologic,
     0x0c2e,
     {},
     "Voyager 1250g/1450g, Granit (CDC, TRMUSB130)",
     ReadProfile::SerialPlain,
     &kHoneywellSerialDriver},
    {kMetrologic, 0x0c2e, kVoyager1400gHidPos, "Voyager 1400g/1450g (HID POS, TRMUSB131)",
     ReadProfile::HidPosHoneywell, &kHoneywellHidPosDriver},
    {kMetrologic, 0x0c2e, {}, "Voyager, Granit, MS7120 (keyboard)", ReadProfile::Keyboard, nullptr},
    {kNewland, 0x1eab, kNewlandHidPos, "EM30xx, HR32xx, FR20, HR100 (HID POS)",
     ReadProfile::HidPosGeneric, &kGenericHidPosDriver},
    {kNewland, 0x1eab, kNewlandKeyboard, "EM30xx, HR32xx, FR20, HR100 (keyboard)",
     ReadProfile::Keyboard, nullptr},
};

}  // namespace

std::string_view toString(ReadProfile profile)
{
    switch (profile) {
        case ReadProfile::Keyboard:
            return "keyboard";
        case ReadProfile::SerialPlain:
            return "plain";
        case ReadProfile::SerialSsi:
            return "ssi";
        case ReadProfile::HidPosHoneywell:
            return "honeywell";
        case ReadProfile::HidPosGeneric:
            return "generic";
    }
    return "keyboard";
}

std::optional<ReadProfile> parseHidPosProfile(std::string_view word)
{
    for (ReadProfile p : {ReadProfile::HidPosHoneywell, ReadProfile::HidPosGeneric}) {
        if (word == toString(p))
            return p;
    }
    return std::nullopt;
}

bool isHidPos(ReadProfile profile)
{
    return profile == ReadProfile::HidPosHoneywell || profile == ReadProfile::HidPosGeneric;
}

std::span<const ScannerModel> scannerModels()
{
    return kModels;
}

std::vector<std::uint16_t> scannerVendorIds()
{
    std::vector<std::uint16_t> ids;
    for (const auto& m : kModels) {
        if (ids.empty() || ids.back() != m.vendorId)
            ids.push_back(m.vendorId);
    }
    return ids;
}

const char* scannerVendorName(std::uint16_t vendorId)
{
    for (const auto& m : kModels) {
        if (m.vendorId == vendorId)
            return m.vendor;
    }
    return nullptr;
}

}  // namespace returnscan::firmware_if
