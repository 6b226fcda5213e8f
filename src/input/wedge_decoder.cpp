// SPDX-License-Identifier: Apache-2.0
// Keyboard-wedge decoding: evdev key events to text with libxkbcommon, in the scanner's layout.
#include <linux/input.h>
#include <xkbcommon/xkbcommon.h>

#include <cstring>
#include <string>

#include "returnscan/core/gs1.h"
#include "returnscan/input/decoders.h"

namespace returnscan::input {
namespace {

// xkb keycodes are evdev codes + 8 (the X11 offset kept by xkbcommon's evdev rules).
constexpr std::uint32_t kXkbOffset = 8;

struct XkbDeleter {
    void operator()(xkb_context* c) const { xkb_context_unref(c); }
    void operator()(xkb_keymap* k) const { xkb_keymap_unref(k); }
    void operator()(xkb_state* s) const { xkb_state_unref(s); }
};

class WedgeDecoder final : public FrameDecoder {
public:
    WedgeDecoder(std::unique_ptr<xkb_context, XkbDeleter> ctx,
                 std::unique_ptr<xkb_keymap, XkbDeleter> keymap, const WedgeOptions& opts)
        : ctx_(std::move(ctx)),
          keymap_(std::move(keymap)),
          state_(xkb_state_new(keymap_.get())),
          opts_(opts)
    {
    }

    void feed(std::span<const std::uint8_t> bytes, SteadyTime now, DecodeOutput& out) override
    {
        // A FIFO may split a struct across reads; keep the remainder for the next chunk.
        std::size_t i = 0;
        while (i < bytes.size()) {
            std::size_t take = std::min(sizeof(input_event) - partial_.size(), bytes.size() - i);
            partial_.append(reinterpret_cast<const char*>(bytes.data() + i), take);
            i += take;
            if (partial_.size() == sizeof(input_event)) {
                input_event ev{};
                std::memcpy(&ev, partial_.data(), sizeof ev);
                partial_.clear();
                handle(KeyEvent{ev.type, ev.code, ev.value}, now, out);
            }
        }
    }

    void tick(SteadyTime now, DecodeOutput& out) override
    {
        if (auto d = deadline(); d && now >= *d)
            finish(out);
    }

    [[nodiscard]] std::optional<SteadyTime> deadline() const override
    {
        if (text_.empty() && discarded_ == 0)
            return std::nullopt;
        return lastKey_ + opts_.interCharTimeout;
    }

    void reset(DecodeOutput& out) override
    {
        if (!text_.empty() || discarded_ > 0) {
            out.errors.push_back("device went away in the middle of a read: " +
                                 std::to_string(text_.size() + discarded_) +
                                 " characters discarded");
        }
        text_.clear();
        discarded_ = 0;
        partial_.clear();
        // Keys held at unplug must not stay pressed for the next device.
        state_.reset(xkb_state_new(keymap_.get()));
    }

    [[nodiscard]] std::size_t pendingBytes() const override { return text_.size(); }

    void handle(const KeyEvent& ev, SteadyTime now, DecodeOutput& out)
    {
        if (ev.type == EV_SYN) {
            if (ev.code == SYN_DROPPED) {
                // The kernel's buffer overflowed: characters are missing, so the read cannot
                // be trusted. Drop it and ignore events until the next SYN_REPORT.
                dropping_ = true;
                if (!text_.empty() || discarded_ > 0) {
                    out.errors.push_back(
                        "events dropped by the kernel (SYN_DROPPED): partial "
                        "read of " +
                        std::to_string(text_.size() + discarded_) + " characters discarded");
                }
                text_.clear();
                discarded_ = 0;
            } else if (ev.code == SYN_REPORT) {
                dropping_ = false;
            }
            return;
        }
        if (ev.type != EV_KEY || dropping_)
            return;
        const xkb_keycode_t kc = ev.code + kXkbOffset;
        if (ev.value == 0) {
            xkb_state_update_key(state_.get(), kc, XKB_KEY_UP);
            return;
        }
        if (ev.value == 1)
            xkb_state_update_key(state_.get(), kc, XKB_KEY_DOWN);
        // value 1 (press) and 2 (autorepeat) produce the character.
        lastKey_ = now;
        if (ev.code == KEY_ENTER || ev.code == KEY_KPENTER || ev.code == KEY_TAB) {
            finish(out);
            return;
        }
        char utf8[16] = {};
        // xkb applies the Ctrl transformation: Ctrl+] gives GS (0x1D), Ctrl+J gives LF.
        const int n = xkb_state_key_get_utf8(state_.get(), kc, utf8, sizeof utf8);
        if (n <= 0)
            return;  // a modifier, or a key without a character
        std::string s(utf8, static_cast<std::size_t>(n));
        if (s == "\r" || s == "\n" || s == "\t") {
            finish(out);
            return;
        }
        if (opts_.gsSubstitute != 0 && s.size() == 1 && s[0] == opts_.gsSubstitute)
            s = std::string(1, core::kGs);
        if (text_.size() + s.size() > kMaxFrameBytes) {
            discarded_ += s.size();
            return;
        }
        text_ += s;
    }

private:
    void finish(DecodeOutput& out)
    {
        if (discarded_ > 0) {
            out.errors.push_back("read longer than " + std::to_string(kMaxFrameBytes) +
                                 " bytes without a terminator: " +
                                 std::to_string(text_.size() + discarded_) + " bytes discarded");
        } else if (!text_.empty()) {
            RawRead r;
            std::string_view rest;
            r.aim = core::splitAimPrefix(text_, rest);
            r.data = std::string(rest);
            out.reads.push_back(std::move(r));
        }
        text_.clear();
        discarded_ = 0;
    }

    std::unique_ptr<xkb_context, XkbDeleter> ctx_;
    std::unique_ptr<xkb_keymap, XkbDeleter> keymap_;
    std::unique_ptr<xkb_state, XkbDeleter> state_;
    WedgeOptions opts_;
    std::string partial_;
    std::string text_;
    std::size_t discarded_ = 0;
    bool dropping_ = false;
    SteadyTime lastKey_{};
};

}  // namespace

Result<std::unique_ptr<FrameDecoder>> makeWedgeDecoder(const WedgeOptions& opts)
{
    std::unique_ptr<xkb_context, XkbDeleter> ctx(xkb_context_new(XKB_CONTEXT_NO_FLAGS));
    if (!ctx)
        return makeError(ErrorCode::Internal, "xkb_context_new failed");
    // xkbcommon logs to stderr by default; a missing layout is reported through our error.
    xkb_context_set_log_level(ctx.get(), XKB_LOG_LEVEL_CRITICAL);
    xkb_rule_names names{};
    names.rules = "evdev";
    names.model = "pc105";
    names.layout = opts.layout.c_str();
    names.variant = opts.variant.empty() ? nullptr : opts.variant.c_str();
    std::unique_ptr<xkb_keymap, XkbDeleter> keymap(
        xkb_keymap_new_from_names(ctx.get(), &names, XKB_KEYMAP_COMPILE_NO_FLAGS));
    if (!keymap) {
        return makeError(ErrorCode::InvalidArgument,
                         "no keyboard layout '" + opts.layout + "' in xkb-data (" +
                             "/usr/share/X11/xkb): set the layout the scanner types in");
    }
    return std::unique_ptr<FrameDecoder>(
        std::make_unique<WedgeDecoder>(std::move(ctx), std::move(keymap), opts));
}

}  // namespace returnscan::input
