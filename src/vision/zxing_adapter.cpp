// SPDX-License-Identifier: Apache-2.0
// ZXing-cpp 1.4 adapter: our Symbols and passes to DecodeHints, Results to DecodedCode.
#include "zxing_adapter.h"

#include <ZXing/BarcodeFormat.h>
#include <ZXing/DecodeHints.h>
#include <ZXing/ReadBarcode.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>

namespace returnscan::vision::detail {
namespace {

struct Mapping {
    Symbol ours;
    ZXing::BarcodeFormat theirs;
};

constexpr std::array<Mapping, 17> kMap = {{
    {Symbol::Aztec, ZXing::BarcodeFormat::Aztec},
    {Symbol::Codabar, ZXing::BarcodeFormat::Codabar},
    {Symbol::Code39, ZXing::BarcodeFormat::Code39},
    {Symbol::Code93, ZXing::BarcodeFormat::Code93},
    {Symbol::Code128, ZXing::BarcodeFormat::Code128},
    {Symbol::DataBar, ZXing::BarcodeFormat::DataBar},
    {Symbol::DataBarExpanded, ZXing::BarcodeFormat::DataBarExpanded},
    {Symbol::DataMatrix, ZXing::BarcodeFormat::DataMatrix},
    {Symbol::Ean8, ZXing::BarcodeFormat::EAN8},
    {Symbol::Ean13, ZXing::BarcodeFormat::EAN13},
    {Symbol::Itf, ZXing::BarcodeFormat::ITF},
    {Symbol::MaxiCode, ZXing::BarcodeFormat::MaxiCode},
    {Symbol::Pdf417, ZXing::BarcodeFormat::PDF417},
    {Symbol::QrCode, ZXing::BarcodeFormat::QRCode},
    {Symbol::UpcA, ZXing::BarcodeFormat::UPCA},
    {Symbol::UpcE, ZXing::BarcodeFormat::UPCE},
    {Symbol::MicroQrCode, ZXing::BarcodeFormat::MicroQRCode},
}};

ZXing::BarcodeFormats toZx(Symbols s)
{
    ZXing::BarcodeFormats out;
    for (const auto& m : kMap) {
        if (s.has(m.ours)) {
            out |= m.theirs;
        }
    }
    return out;
}

bool fromZx(ZXing::BarcodeFormat f, Symbol& out)
{
    for (const auto& m : kMap) {
        if (m.theirs == f) {
            out = m.ours;
            return true;
        }
    }
    return false;
}

}  // namespace

std::string_view zxName(Symbol s)
{
    for (const auto& m : kMap) {
        if (m.ours == s) {
            // ToString returns a pointer to a static string in 1.4.
            return ZXing::ToString(m.theirs);
        }
    }
    return "None";
}

Result<std::vector<DecodedCode>> zxRead(const FrameView& luma, const ZxPass& pass)
{
    if (luma.empty() || luma.format != PixelFormat::Gray8 || luma.stride < luma.width) {
        return makeError(ErrorCode::InvalidArgument, "zxRead needs a non-empty 8-bit luma view");
    }
    try {
        ZXing::DecodeHints hints;
        hints.setFormats(toZx(pass.symbols))
            .setTryHarder(pass.tryHarder)
            .setTryRotate(pass.tryRotate)
            .setTryDownscale(false)
            .setIsPure(false)
            .setReturnErrors(false)
            .setBinarizer(pass.binarized ? ZXing::Binarizer::BoolCast
                                         : ZXing::Binarizer::LocalAverage)
            .setMinLineCount(static_cast<std::uint8_t>(std::clamp(pass.minLineCount, 1, 255)))
            .setMaxNumberOfSymbols(static_cast<std::uint8_t>(
                pass.maxSymbols < 1 ? 1 : std::min(pass.maxSymbols, 255)));
        const ZXing::ImageView image(luma.data, luma.width, luma.height, ZXing::ImageFormat::Lum,
                                     luma.stride);
        const ZXing::Results results = ZXing::ReadBarcodes(image, hints);
        std::vector<DecodedCode> out;
        out.reserve(results.size());
        for (const auto& r : results) {
            DecodedCode c;
            if (!r.isValid() || !fromZx(r.format(), c.symbol)) {
                continue;
            }
            c.text = r.text();
            c.bytes.assign(r.bytes().begin(), r.bytes().end());
            c.aim = r.symbologyIdentifier();
            const auto& p = r.position();
            c.centreX = (p.topLeft().x + p.topRight().x + p.bottomRight().x + p.bottomLeft().x) / 4;
            c.centreY = (p.topLeft().y + p.topRight().y + p.bottomRight().y + p.bottomLeft().y) / 4;
            out.push_back(std::move(c));
        }
        return out;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("ZXing threw: ") + e.what());
    } catch (...) {
        return makeError(ErrorCode::Internal, "ZXing threw an unknown exception");
    }
}

}  // namespace returnscan::vision::detail
