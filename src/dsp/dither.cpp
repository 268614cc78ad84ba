#include "dsp/dither.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "core/simd.hpp"

namespace mixdown::dsp {
namespace {

// Chris Wellons' lowbias32 (hash-prospector): a bijective 32-bit mix with low bias, two
// multiplies, which vectorise (one lane per sample).
constexpr std::uint32_t lowbias32(std::uint32_t x) noexcept {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

constexpr double k2pow16inv = 0x1.0p-16;
// Added before truncating toward zero so that truncation is floor(d + 0.5): every clamped
// value stays positive and well inside int32 after the offset.
constexpr double kRoundOffset = 0x1.0p25;

// Every clone gives the same integers: the only roundings are the two additions (float * 2^k
// and the noise sum * 2^-16 are exact in double), so neither the lane width nor FMA
// contraction can change a result. The AVX-512 clone halves the cost of a block on this
// machine's Zen 4 (bench BM_Dither24).

struct Params {
  double scale, lo, hi;  // hi/lo: the range held before adding noise (one LSB past the ends)
  std::int32_t min, max;
  std::uint32_t key_lo, key_hi;
};

// Sample k's noise: one hash of k (mod 2^32) keyed by the seed and by k / 2^31, so no two
// samples of a file share their noise.
inline std::uint32_t segment_key(const Params& p, std::uint64_t index) noexcept {
  return lowbias32(static_cast<std::uint32_t>(index >> 31) ^ p.key_hi) ^ p.key_lo;
}
// The sum of two uniforms of one LSB each, in [-1, 1), from one hash of the sample's index: its
// high and its low 16 bits as signed integers, each times 2^-16 uniform on [-0.5, 0.5) (in
// steps of 2^-16 LSB). The halves of a uniform 32-bit word are independent; a second hash per
// sample (two 32-bit uniforms, before session 17) cost a third of a block's time.
inline double tpdf(std::uint32_t key, std::uint32_t index) noexcept {
  const std::uint32_t h = lowbias32(index ^ key);
  const std::int32_t sum = (static_cast<std::int32_t>(h) >> 16) + static_cast<std::int16_t>(h & 0xffffu);
  return static_cast<double>(sum) * k2pow16inv;
}
inline double tpdf(const Params& p, std::uint64_t index) noexcept {
  return tpdf(segment_key(p, index), static_cast<std::uint32_t>(index));
}

inline std::int32_t round_clamp(const Params& p, double d) noexcept {
  std::int32_t q = static_cast<std::int32_t>(d + (0.5 + kRoundOffset)) - static_cast<std::int32_t>(kRoundOffset);
  q = q > p.max ? p.max : q;
  return q < p.min ? p.min : q;
}

// One input's bookkeeping on its magnitude's bits: not finite, finite beyond full scale, and
// the finite magnitude (0 for a non-finite one) that the peak keeps the largest of.
struct Tally {
  std::uint32_t bad = 0, over = 0, peak = 0;
};
inline std::uint32_t tally(std::uint32_t bits, std::uint32_t& bad, std::uint32_t& over, std::uint32_t& peak) noexcept {
  const std::uint32_t mag = bits & 0x7fffffffu;
  const std::uint32_t nonfinite = mag >= 0x7f800000u;
  bad += nonfinite;
  over += (mag > 0x3f800000u) & (nonfinite ^ 1u);
  // std::max (not a comparison chain) so the lanes need no branch.
  peak = std::max(peak, mag & (nonfinite - 1u));
  return nonfinite;
}

inline double scaled(const Params& p, float x, Tally& t) noexcept {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
  const std::uint32_t nonfinite = tally(bits, t.bad, t.over, t.peak);
  double v = static_cast<double>(nonfinite ? 0.0f : x) * p.scale;
  v = v > p.hi ? p.hi : v;
  return v < p.lo ? p.lo : v;
}

// One run over which k / 2^31 is constant: only 32-bit integer lanes beside the doubles, the
// parameters and the tallies in locals (nothing aliases the output), so it vectorises. The
// input's tallies ride along in integer lanes: the writer needs no second pass over the block.
MIXDOWN_SIMD_CLONES_WIDE
void quantize_run(const Params& p, const float* __restrict x, std::int32_t* __restrict out, std::size_t n,
                  std::uint32_t key, std::uint32_t index0, std::uint32_t step, Tally& tallies) noexcept {
  const double scale = p.scale, lo = p.lo, hi = p.hi;
  const std::int32_t qmin = p.min, qmax = p.max;
  std::uint32_t bad = 0, over = 0, peak = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(x[i]);
    const std::uint32_t nonfinite = tally(bits, bad, over, peak);
    // std::min/max (not a comparison chain) so the compiler needs no NaN branch: v is finite.
    double v = static_cast<double>(std::bit_cast<float>(bits & (nonfinite - 1u))) * scale;
    v = std::max(std::min(v, hi), lo);
    const std::uint32_t t = index0 + static_cast<std::uint32_t>(i) * step;
    const double d = v + tpdf(key, t);
    const std::int32_t q = static_cast<std::int32_t>(d + (0.5 + kRoundOffset)) - static_cast<std::int32_t>(kRoundOffset);
    // Digital silence (±0.0) stays digital silence: no dither is added to it.
    const std::int32_t keep = -static_cast<std::int32_t>((bits & 0x7fffffffu) != 0);
    out[i] = std::max(std::min(q, qmax), qmin) & keep;
  }
  tallies.bad += bad;
  tallies.over += over;
  tallies.peak = std::max(tallies.peak, peak);
}

void quantize_plain(const Params& p, const float* x, std::int32_t* out, std::size_t n, std::uint64_t index0,
                    std::uint64_t step, QuantizeStats& stats) noexcept {
  if (simd::all_zero(x, n)) {  // all digital silence: zeros, nothing to tally
    std::fill_n(out, n, 0);
    return;
  }
  step = std::max<std::uint64_t>(step, 1);
  while (n > 0) {
    // Samples left before k / 2^31 changes (at least one); at most 2^30 at a time, so the
    // 32-bit tallies cannot wrap.
    const std::uint64_t segment_end = ((index0 >> 31) + 1) << 31;
    const std::uint64_t left = (segment_end - index0 + step - 1) / step;
    const std::size_t m = static_cast<std::size_t>(std::min<std::uint64_t>({n, left, std::uint64_t{1} << 30}));
    Tally t;
    quantize_run(p, x, out, m, segment_key(p, index0), static_cast<std::uint32_t>(index0),
                 static_cast<std::uint32_t>(step), t);
    stats.nonfinite += t.bad;
    stats.over += t.over;
    stats.peak_bits = std::max(stats.peak_bits, t.peak);
    x += m;
    out += m;
    n -= m;
    index0 += m * step;
  }
}

}  // namespace

TpdfDither::TpdfDither(int bits, std::uint64_t seed, bool noise_shaping) noexcept
    : bits_(bits),
      scale_(std::ldexp(1.0, bits - 1)),
      max_(static_cast<std::int32_t>(std::ldexp(1.0, bits - 1) - 1)),
      min_(static_cast<std::int32_t>(-std::ldexp(1.0, bits - 1))),
      key_lo_(lowbias32(static_cast<std::uint32_t>(seed) ^ 0x9E3779B9u)),
      key_hi_(lowbias32(static_cast<std::uint32_t>(seed >> 32) ^ 0x7F4A7C15u)),
      shaping_(noise_shaping) {}

std::int32_t TpdfDither::quantize(float x) noexcept {
  std::int32_t q = 0;
  quantize(&x, &q, 1, index_++, 1);
  return q;
}

std::size_t TpdfDither::quantize(const float* x, std::int32_t* out, std::size_t n, std::uint64_t index0,
                                 std::uint64_t step) noexcept {
  QuantizeStats stats;
  quantize(x, out, n, index0, step, stats);
  return static_cast<std::size_t>(stats.nonfinite);
}

void TpdfDither::quantize(const float* x, std::int32_t* out, std::size_t n, std::uint64_t index0, std::uint64_t step,
                          QuantizeStats& stats) noexcept {
  // The value is held two LSB beyond the range before the noise is added (the result clamps
  // anyway), so any finite input, however large, stays inside the integer conversion.
  const Params p{scale_, static_cast<double>(min_) - 2.0, static_cast<double>(max_) + 2.0, min_, max_, key_lo_, key_hi_};
  if (!shaping_) return quantize_plain(p, x, out, n, index0, step, stats);
  for (std::size_t i = 0; i < n; ++i) {
    // The error fed back is held too: a signal clipped for long would otherwise grow it
    // without bound (the clamp keeps adding the same excess).
    Tally t;
    if (simd::abs_bits(x[i]) == 0) {
      // Digital silence stays digital silence, with no error carried into what follows.
      out[i] = 0;
      error_ = 0.0;
      continue;
    }
    double v = scaled(p, x[i], t) - error_;
    v = v > p.hi ? p.hi : v < p.lo ? p.lo : v;
    const std::int32_t q = round_clamp(p, v + tpdf(p, index0 + i * step));
    error_ = static_cast<double>(q) - v;
    out[i] = q;
    stats.nonfinite += t.bad;
    stats.over += t.over;
    stats.peak_bits = std::max(stats.peak_bits, t.peak);
  }
}

}  // namespace mixdown::dsp
