// Fast log2/exp2 for per-sample dynamics (gain computers run in dB on every frame; std::log10 and
// std::pow there would dominate a render). Bit-level decomposition into exponent and mantissa
// with minimax-style polynomials on the mantissa (after Mineiro, "fastapprox", and the classic
// Cody & Waite range reduction). Accuracy: |error| < 2e-6 in log2 (≈ 1e-5 dB) and a relative
// error < 3e-6 in exp2 (≈ 3e-5 dB), far below anything audible or measurable in the tests.
#pragma once

#include <bit>
#include <cstdint>

namespace mixdown::dsp {

// ln(m) for m in [sqrt(0.5), sqrt(2)): ln(m) = 2 atanh(t), t = (m-1)/(m+1), |t| < 0.1716, the
// odd series to t^11 (fast_log2 and fast_pow_pos).
inline double ln_folded(double m) noexcept {
  const double t = (m - 1.0) / (m + 1.0);
  const double t2 = t * t;
  return t * (2.0 + t2 * (2.0 / 3.0 + t2 * (2.0 / 5.0 + t2 * (2.0 / 7.0 + t2 * (2.0 / 9.0 + t2 * (2.0 / 11.0))))));
}

// log2(x) for x > 0 (finite). x <= 0 returns a very large negative number (about -1000).
inline double fast_log2(double x) noexcept {
  if (!(x > 1e-300)) return -1000.0;
  const auto bits = std::bit_cast<std::uint64_t>(x);
  const int exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  // Mantissa m in [1, 2); fold to [sqrt(0.5), sqrt(2)) so the series argument stays small.
  double m = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  double e = exponent;
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1.0;
  }
  return e + ln_folded(m) * 1.4426950408889634;  // 1/ln 2
}

// 2^x; saturates to 0 below -1000 and to 2^1000 above 1000.
inline double fast_exp2(double x) noexcept {
  if (x < -1000.0) return 0.0;
  if (x > 1000.0) x = 1000.0;
  const double fl = static_cast<double>(static_cast<std::int64_t>(x + 1100.0)) - 1100.0;  // floor
  const double f = x - fl;  // [0, 1)
  // 2^f = e^(f ln2), Taylor to degree 9 on [0, ln2): relative error < 3e-9.
  const double y = f * 0.6931471805599453;
  const double p =
      1.0 + y * (1.0 + y * (0.5 + y * (1.0 / 6 + y * (1.0 / 24 + y * (1.0 / 120 + y * (1.0 / 720 + y * (1.0 / 5040 + y * (1.0 / 40320 + y / 362880.0))))))));
  const auto ebits = static_cast<std::uint64_t>(static_cast<std::int64_t>(fl) + 1023) << 52;
  return p * std::bit_cast<double>(ebits);
}

// x^a for x > 0 (positive, normal, finite) and |a log2 x| < 1000, branch-free so a loop over
// bands vectorises (the balance's specific loudness: three per band and frame of every stem in
// each iteration): the same atanh series as fast_log2 (ln_folded), the mantissa folded to
// [sqrt(0.5), sqrt(2)) by an integer offset instead of a branch, and 2^y from the nearest
// integer (|fraction| <= 0.5, Taylor to degree 10), exponents moved through integer lanes only
// (no 64-bit integer to double conversion, which AVX2 lacks). Relative error under 1e-9.
inline double fast_pow_pos(double x, double a) noexcept {
  constexpr std::int64_t kFold = 0x3FE6A09E667F3BCD;  // the bits of sqrt(0.5)
  constexpr double kMagic = 6755399441055744.0;        // 1.5 * 2^52: adds an integer into the low bits
  const std::int64_t bits = std::bit_cast<std::int64_t>(x) - kFold;
  const std::int64_t ebits = bits >> 52;  // the exponent, sqrt(0.5)-relative, -1023..1024
  const double e = std::bit_cast<double>(ebits + std::bit_cast<std::int64_t>(kMagic)) - kMagic;
  const double m = std::bit_cast<double>((bits & 0x000fffffffffffffLL) + kFold);
  const double y = a * (e + ln_folded(m) * 1.4426950408889634);
  const double r = y + kMagic;             // y rounded to the nearest integer, in the low bits
  const double n = r - kMagic;
  const double z = (y - n) * 0.6931471805599453;  // |z| <= ln2 / 2
  const double q =
      1.0 + z * (1.0 + z * (0.5 + z * (1.0 / 6 + z * (1.0 / 24 + z * (1.0 / 120 + z * (1.0 / 720 + z * (1.0 / 5040 + z * (1.0 / 40320 + z * (1.0 / 362880 + z / 3628800.0)))))))));
  const std::int64_t scale = (std::bit_cast<std::int64_t>(r) - std::bit_cast<std::int64_t>(kMagic) + 1023) << 52;
  return q * std::bit_cast<double>(scale);
}

inline double fast_gain_to_db(double gain) noexcept { return 6.020599913279624 * fast_log2(gain); }
inline double fast_power_to_db(double p) noexcept { return 3.010299956639812 * fast_log2(p); }
inline double fast_db_to_gain(double db) noexcept { return fast_exp2(db * 0.16609640474436813); }

// Branch-free float versions for block loops (the compiler vectorises them; a clamp or select
// inside would stop it under the default -ftrapping-math): log2 to ~1e-6 absolute (the same
// atanh series, to t^9), exp2 to ~2e-6 relative.
// fast_log2f: x >= 0 and finite; 0 and subnormals read about -127 (no -inf).
inline float fast_log2f(float x) noexcept {
  // Exponent and mantissa relative to sqrt(0.5), so m lands in [sqrt(0.5), sqrt(2)) without a
  // branch: the loop around this stays vectorisable.
  const std::int32_t bits = std::bit_cast<std::int32_t>(x) - 0x3f3504f3;
  const float e = static_cast<float>(bits >> 23);
  const float m = std::bit_cast<float>((bits & 0x007fffff) + 0x3f3504f3);
  const float t = (m - 1.0f) / (m + 1.0f);
  const float t2 = t * t;
  const float p = t * (2.0f + t2 * (2.0f / 3.0f + t2 * (2.0f / 5.0f + t2 * (2.0f / 7.0f + t2 * (2.0f / 9.0f)))));
  return e + p * 1.44269504f;
}

// fast_exp2f: -126 <= x <= 126 (the caller clamps).
inline float fast_exp2f(float x) noexcept {
  const std::int32_t fl = static_cast<std::int32_t>(x + 127.0f) - 127;  // floor: x + 127 > 0
  const float f = x - static_cast<float>(fl);                            // [0, 1)
  const float y = f * 0.693147181f;
  const float p = 1.0f + y * (1.0f + y * (0.5f + y * (1.0f / 6 + y * (1.0f / 24 + y * (1.0f / 120 + y * (1.0f / 720 + y * (1.0f / 5040)))))));
  return p * std::bit_cast<float>((fl + 127) << 23);
}

}  // namespace mixdown::dsp
