#include "dsp/oversampler.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/simd.hpp"

namespace mixdown::dsp {

namespace {

constexpr std::size_t kK1 = 16;  // stage 1: 4K-1 = 63 taps
constexpr std::size_t kK2 = 6;   // stage 2: 23 taps
constexpr double kBeta = 7.5;

// Modified Bessel function of the first kind, order 0 (power series; converges fast for the
// arguments a Kaiser window uses).
double bessel_i0(double x) noexcept {
  double sum = 1.0, term = 1.0;
  const double q = x * x / 4.0;
  for (int k = 1; k < 64; ++k) {
    term *= q / (static_cast<double>(k) * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

// Halfband lowpass (cutoff fs/4) of 4K-1 taps: Kaiser-windowed sinc, zeros at even offsets
// from the centre, centre tap 0.5, DC gain exactly 1.
std::vector<double> halfband(std::size_t k, double beta) {
  const std::size_t n = 4 * k - 1, c = 2 * k - 1;
  std::vector<double> h(n, 0.0);
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) - static_cast<double>(c);
    if (i == c || (i % 2) == (c % 2)) continue;  // centre, and the structural zeros
    const double r = t / static_cast<double>(c + 1);  // window position in (-1, 1)
    const double w = bessel_i0(beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / bessel_i0(beta);
    h[i] = std::sin(std::numbers::pi * t / 2.0) / (std::numbers::pi * t) * w;
    sum += h[i];
  }
  for (auto& v : h) v *= 0.5 / sum;
  h[c] = 0.5;
  return h;
}

// The 2K non-zero taps at even indices, scaled by `scale`.
std::vector<float> even_taps(const std::vector<double>& h, double scale) {
  std::vector<float> k;
  for (std::size_t i = 0; i < h.size(); i += 2) k.push_back(static_cast<float>(h[i] * scale));
  return k;
}

using V4 = simd::f32x4;

inline V4 load4(const float* p) noexcept {
  V4 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

// out[m] = sum_q taps[q] * src[m - q] for m in [0, n): src points at the first new sample,
// with taps.size()-1 history samples before it. Taps are symmetric (linear phase): pairs share
// one multiply. Sixteen outputs per step in four 4-lane accumulators, so the additions of
// neighbouring outputs overlap instead of waiting on each other; each output still sums its
// taps in the same order as the scalar tail.
void fir_symmetric(const std::vector<float>& taps, const float* src, std::size_t n,
                   float* out) noexcept {
  const std::size_t t = taps.size();  // even
  const std::size_t half = t / 2;
  std::size_t m = 0;
  for (; m + 16 <= n; m += 16) {
    V4 a0 = {}, a1 = {}, a2 = {}, a3 = {};
    for (std::size_t q = 0; q < half; ++q) {
      const float k = taps[q];
      const float* x = src + m - q;
      const float* y = src + m - (t - 1 - q);
      a0 += k * (load4(x) + load4(y));
      a1 += k * (load4(x + 4) + load4(y + 4));
      a2 += k * (load4(x + 8) + load4(y + 8));
      a3 += k * (load4(x + 12) + load4(y + 12));
    }
    __builtin_memcpy(out + m, &a0, sizeof a0);
    __builtin_memcpy(out + m + 4, &a1, sizeof a1);
    __builtin_memcpy(out + m + 8, &a2, sizeof a2);
    __builtin_memcpy(out + m + 12, &a3, sizeof a3);
  }
  for (; m < n; ++m) {
    float acc = 0.0f;
    for (std::size_t q = 0; q < half; ++q) acc += taps[q] * (src[m - q] + src[m - (t - 1 - q)]);
    out[m] = acc;
  }
}

// Upsample by 2: n inputs in hist (after `h` history samples) → 2n outputs.
// Even outputs: the 2K-tap polyphase branch; odd outputs: the input delayed by K-1.
void up2(const std::vector<float>& taps, std::size_t k, float* hist, std::size_t n, float* out,
         float* scratch) noexcept {
  const std::size_t h = taps.size() - 1;
  fir_symmetric(taps, hist + h, n, scratch);
  const float* delayed = hist + h - (k - 1);
  for (std::size_t m = 0; m < n; ++m) {
    out[2 * m] = scratch[m];
    out[2 * m + 1] = delayed[m];
  }
  std::copy(hist + n, hist + n + h, hist);  // keep the last h inputs
}

// Downsample by 2: 2n inputs → n outputs. even/odd hold the de-interleaved phases after
// their histories (taps.size()-1 and K samples).
void down2(const std::vector<float>& taps, std::size_t k, const float* in, std::size_t n,
           float* even, float* odd, float* out) noexcept {
  const std::size_t he = taps.size() - 1, ho = k;
  for (std::size_t m = 0; m < n; ++m) {
    even[he + m] = in[2 * m];
    odd[ho + m] = in[2 * m + 1];
  }
  fir_symmetric(taps, even + he, n, out);
  const float* delayed = odd + ho - k;
  for (std::size_t m = 0; m < n; ++m) out[m] += 0.5f * delayed[m];
  std::copy(even + n, even + n + he, even);
  std::copy(odd + n, odd + n + ho, odd);
}

}  // namespace

Oversampler::Oversampler() : h1_(halfband(kK1, kBeta)), h2_(halfband(kK2, kBeta)) {
  c1_ = 2 * kK1 - 1;
  c2_ = 2 * kK2 - 1;
  k1_ = even_taps(h1_, 2.0);  // interpolation gain 2 (zero stuffing halves the level)
  k2_ = even_taps(h2_, 2.0);
  d1_ = even_taps(h1_, 1.0);
  d2_ = even_taps(h2_, 1.0);
}

// Channel buffers (per channel, sizes for n = max_block):
//   up1_hist: stage-1 input history (2K1-1) + n;   mid: 2n (+ scratch n)
//   up2_hist: stage-2 input history (2K2-1) + 2n;  up: 4n (+ scratch 2n)
//   dn2_hist: stage-2 even (2K2-1 + 2n) then odd (K2 + 2n)
//   dn1_hist: stage-1 even (2K1-1 + n) then odd (K1 + n)
void Oversampler::prepare(int channels, std::size_t max_block_frames) {
  max_block_ = std::max<std::size_t>(max_block_frames, 1);
  const std::size_t n = max_block_;
  ch_.assign(static_cast<std::size_t>(std::max(0, channels)), Channel{});
  for (auto& c : ch_) {
    c.up1_hist.assign(k1_.size() - 1 + n, 0.0f);
    c.up2_hist.assign(k2_.size() - 1 + 2 * n, 0.0f);
    c.dn2_hist.assign(k2_.size() - 1 + 2 * n + kK2 + 2 * n, 0.0f);
    c.dn1_hist.assign(k1_.size() - 1 + n + kK1 + n, 0.0f);
    c.mid.assign(2 * n + 2 * n, 0.0f);
    c.up.assign(4 * n, 0.0f);
  }
}

void Oversampler::reset() noexcept {
  for (auto& c : ch_) {
    std::fill(c.up1_hist.begin(), c.up1_hist.end(), 0.0f);
    std::fill(c.up2_hist.begin(), c.up2_hist.end(), 0.0f);
    std::fill(c.dn2_hist.begin(), c.dn2_hist.end(), 0.0f);
    std::fill(c.dn1_hist.begin(), c.dn1_hist.end(), 0.0f);
    c.dn2_delay = 0.0f;
  }
}

std::size_t Oversampler::latency_frames() const noexcept {
  // Stage 1 up + down: 2 c1 at 2 fs; stage 2 up + down: 2 c2 at 4 fs = c2 at 2 fs; plus the
  // one-sample alignment delay at 2 fs.
  return (2 * c1_ + c2_ + 1) / 2;
}

std::span<float> Oversampler::upsample(int channel, const float* in, std::size_t n) noexcept {
  Channel& c = ch_[static_cast<std::size_t>(channel)];
  n = std::min(n, max_block_);
  const std::size_t h1 = k1_.size() - 1, h2 = k2_.size() - 1;
  std::copy_n(in, n, c.up1_hist.data() + h1);
  float* scratch = c.mid.data() + 2 * max_block_;
  up2(k1_, kK1, c.up1_hist.data(), n, c.up2_hist.data() + h2, scratch);
  up2(k2_, kK2, c.up2_hist.data(), 2 * n, c.up.data(), scratch);
  return {c.up.data(), 4 * n};
}

void Oversampler::downsample(int channel, std::span<const float> up, float* out) noexcept {
  Channel& c = ch_[static_cast<std::size_t>(channel)];
  const std::size_t n = std::min(up.size() / 4, max_block_);
  const std::size_t he2 = k2_.size() - 1 + 2 * max_block_;
  float* mid = c.mid.data();
  down2(d2_, kK2, up.data(), 2 * n, c.dn2_hist.data(), c.dn2_hist.data() + he2, mid);
  // One sample of delay at 2 fs makes the total latency a whole number of base frames.
  const float last = mid[2 * n - 1];
  std::copy_backward(mid, mid + 2 * n - 1, mid + 2 * n);
  mid[0] = c.dn2_delay;
  c.dn2_delay = last;
  const std::size_t he1 = k1_.size() - 1 + max_block_;
  down2(d1_, kK1, mid, n, c.dn1_hist.data(), c.dn1_hist.data() + he1, out);
}

}  // namespace mixdown::dsp
