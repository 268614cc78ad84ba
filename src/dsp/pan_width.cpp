#include "dsp/pan_width.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace mixdown::dsp {

static_assert(Processor<PanWidth>);

PanWidth::Gains PanWidth::gains_for(const PanSettings& s) noexcept {
  const double pan = std::clamp(s.pan, -1.0, 1.0);
  const double width = std::clamp(s.width, 0.0, 2.0);
  const double theta = (pan + 1.0) * std::numbers::pi / 4.0;
  Gains g;
  g.mono_l = std::cos(theta);
  g.mono_r = std::sin(theta);
  // Width on mid/side: L' = M + wS, R' = M - wS with M = (L+R)/2, S = (L-R)/2.
  const double a = (1.0 + width) / 2.0, b = (1.0 - width) / 2.0;
  // Balance: sqrt2 cos/sin, unity at the centre, capped at unity.
  const double bl = std::min(1.0, std::numbers::sqrt2 * g.mono_l);
  const double br = std::min(1.0, std::numbers::sqrt2 * g.mono_r);
  g.ll = bl * a;  // L' = bl (a L + b R)
  g.rl = bl * b;
  g.lr = br * b;  // R' = br (b L + a R)
  g.rr = br * a;
  return g;
}

void PanWidth::set_settings(const PanSettings& s) noexcept {
  settings_ = s;
  target_ = gains_for(s);
  ramp_ = true;
}

void PanWidth::prepare(const ProcessSpec&) { reset(); }

void PanWidth::reset() noexcept {
  target_ = gains_for(settings_);
  current_ = target_;
  ramp_ = false;
}

void PanWidth::process(const ConstAudioView& in, const AudioView& out) noexcept {
  const std::size_t n = std::min(in.num_frames(), out.num_frames());
  if (out.num_channels() < 2 || in.num_channels() < 1 || n == 0) return;
  float* ol = out.channel(0);
  float* orr = out.channel(1);
  const Gains a = current_, b = target_;
  const bool ramp = ramp_;
  const double step = 1.0 / static_cast<double>(n);
  if (in.num_channels() == 1) {
    const float* x = in.channel(0);
    for (std::size_t i = 0; i < n; ++i) {
      const double t = ramp ? static_cast<double>(i + 1) * step : 1.0;
      const auto gl = static_cast<float>(a.mono_l + (b.mono_l - a.mono_l) * t);
      const auto gr = static_cast<float>(a.mono_r + (b.mono_r - a.mono_r) * t);
      const float v = x[i];
      ol[i] = gl * v;
      orr[i] = gr * v;
    }
  } else {
    const float* xl = in.channel(0);
    const float* xr = in.channel(1);
    if (!ramp && b.ll == 1.0 && b.rr == 1.0 && b.lr == 0.0 && b.rl == 0.0) {
      if (xl != ol) std::copy_n(xl, n, ol);  // neutral: exact identity
      if (xr != orr) std::copy_n(xr, n, orr);
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        const double t = ramp ? static_cast<double>(i + 1) * step : 1.0;
        const auto ll = static_cast<float>(a.ll + (b.ll - a.ll) * t);
        const auto rl = static_cast<float>(a.rl + (b.rl - a.rl) * t);
        const auto lr = static_cast<float>(a.lr + (b.lr - a.lr) * t);
        const auto rr = static_cast<float>(a.rr + (b.rr - a.rr) * t);
        const float l = xl[i], r = xr[i];
        ol[i] = ll * l + rl * r;
        orr[i] = lr * l + rr * r;
      }
    }
  }
  current_ = target_;
  ramp_ = false;
}

void PanWidth::process(const AudioView& io) noexcept {
  if (io.num_channels() < 2) return;
  process(ConstAudioView(io), io);
}

}  // namespace mixdown::dsp
