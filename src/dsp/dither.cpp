#include "dsp/dither.hpp"

#include <cmath>

namespace mixdown::dsp {

TpdfDither::TpdfDither(int bits, std::uint64_t seed, bool noise_shaping) noexcept
    : bits_(bits),
      scale_(std::ldexp(1.0, bits - 1)),
      max_(static_cast<std::int32_t>(std::ldexp(1.0, bits - 1) - 1)),
      min_(static_cast<std::int32_t>(-std::ldexp(1.0, bits - 1))),
      state_(seed ? seed : 0x9E3779B97F4A7C15ull),
      shaping_(noise_shaping) {}

double TpdfDither::uniform() noexcept {
  // xorshift64*: fast, deterministic, good enough for dither noise.
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  const std::uint64_t r = state_ * 0x2545F4914F6CDD1Dull;
  return static_cast<double>(r >> 11) * 0x1.0p-53 - 0.5;
}

std::int32_t TpdfDither::quantize(float x) noexcept {
  double v = static_cast<double>(std::isfinite(x) ? x : 0.0f) * scale_;
  if (shaping_) v -= error_;
  const double d = v + uniform() + uniform();
  double q = std::floor(d + 0.5);
  if (q > max_) q = max_;
  if (q < min_) q = min_;
  if (shaping_) error_ = q - v;
  return static_cast<std::int32_t>(q);
}

}  // namespace mixdown::dsp
