#include "dsp/limiter.hpp"

#include <algorithm>
#include <bit>
#include <array>
#include <cstdint>
#include <cmath>
#include <cstring>

#include "core/simd.hpp"
#include "core/units.hpp"

namespace mixdown::dsp {

namespace {

// Zeroth-order modified Bessel function (series), for the Kaiser window.
double bessel_i0(double x) {
  double sum = 1.0, term = 1.0;
  for (int k = 1; k < 40; ++k) {
    term *= (x / (2.0 * k)) * (x / (2.0 * k));
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

constexpr double kPi = 3.14159265358979323846;
// How long the "working hard" average looks back, and how much it can stretch the release.
constexpr double kSustainSeconds = 0.5;
constexpr float kSustainFull = 0.25f;   // (1 - gain) at which the release is fully stretched (~2.5 dB)
constexpr float kReleaseStretch = 3.0f; // release up to 1 + 3 = 4x the base when sustained
constexpr float kLimitedBelow = 0.98855309f;  // -0.1 dB
// The release stretch follows the 0.5 s "working hard" average every this many frames (counted
// from reset, so the output does not depend on the block size) rather than every frame: a
// division per frame on the gain loop's dependency chain was a fifth of the limiter's time,
// and the average hardly moves in 1.3 ms.
constexpr std::int64_t kStretchEvery = 64;
// 4x interpolators of different designs disagree by a few hundredths of a dB on the same
// signal (the true continuous peak lies between the oversampled points); aim this far under
// the ceiling so a BS.1770 meter of another make agrees that it holds.
constexpr double kDetectorMarginDb = 0.03;

// The detector's arithmetic, cloned for AVX-512, AVX2 and baseline x86-64 (core/simd.hpp:
// the same bits on every CPU). peak[i] = max(peak[i], |hist[i + T/2]|, |phase p interpolation
// at i| for the three phases), i < m: `hist` holds the T - 1 samples before the chunk, then the
// chunk. Sixteen outputs at a time in one register each, their three phase sums kept in
// registers over the taps (each input vector loaded once for the three phases); every sum
// adds its terms in tap order from 0, as the scalar tail does, so the lanes and the tail round
// alike.
constexpr int kT = TruePeakLimiter::kTapsPerPhase;
constexpr int kPhases = TruePeakLimiter::kOversampling - 1;
using v16f = float __attribute__((vector_size(64)));
using v16i = std::int32_t __attribute__((vector_size(64)));

MIXDOWN_SIMD_CLONES_WIDE void detect_chunk(const float* hist, const float* taps, float* peak, std::size_t m) noexcept {
  std::size_t i = 0;
  for (; i + 16 <= m; i += 16) {
    // (Vector code written out here, not in helpers: a function passing these vectors by
    // value would change the ABI between the clones.)
    v16f acc[kPhases] = {};
#pragma GCC unroll 16
    for (int k = 0; k < kT; ++k) {
      v16f x;
      std::memcpy(&x, hist + i + k, sizeof x);
#pragma GCC unroll 3
      for (int p = 0; p < kPhases; ++p) acc[p] += taps[p * kT + k] * x;
    }
    v16f pk, centre;
    std::memcpy(&pk, peak + i, sizeof pk);
    std::memcpy(&centre, hist + i + kT / 2, sizeof centre);
    // |v| clears the sign bit; std::max(a, b) is b where a < b, else a (a NaN b leaves a).
    centre = reinterpret_cast<v16f>(reinterpret_cast<v16i>(centre) & 0x7fffffff);
    pk = pk < centre ? centre : pk;
#pragma GCC unroll 3
    for (int p = 0; p < kPhases; ++p) {
      const v16f a = reinterpret_cast<v16f>(reinterpret_cast<v16i>(acc[p]) & 0x7fffffff);
      pk = pk < a ? a : pk;
    }
    std::memcpy(peak + i, &pk, sizeof pk);
  }
  for (; i < m; ++i) {
    float acc[kPhases] = {};
    for (int k = 0; k < kT; ++k)
      for (int p = 0; p < kPhases; ++p) acc[p] += taps[p * kT + k] * hist[i + k];
    float pk = std::max(peak[i], std::abs(hist[i + kT / 2]));
    for (int p = 0; p < kPhases; ++p) pk = std::max(pk, std::abs(acc[p]));
    peak[i] = pk;
  }
}

// dst[i] = max(src[i], src[i + s]) (ways 2) or max(src[i], src[i + s], src[i + 2s],
// src[i + 3s]) (ways 4), i < n: one step of a sliding maximum.
MIXDOWN_SIMD_CLONES void max_shifted(const float* __restrict src, float* __restrict dst, std::size_t s,
                                     std::size_t n, int ways) noexcept {
  if (ways == 4) {
    for (std::size_t i = 0; i < n; ++i)
      dst[i] = std::max(std::max(src[i], src[i + s]), std::max(src[i + 2 * s], src[i + 3 * s]));
  } else {
    for (std::size_t i = 0; i < n; ++i) dst[i] = std::max(src[i], src[i + s]);
  }
}

// The release step (1 / release frames) stretched by how hard the limiter has been working.
inline float stretched_release(float inv_release, float sustained) noexcept {
  return inv_release / (1.0f + kReleaseStretch * std::min(1.0f, sustained / kSustainFull));
}

// held[j] = ceiling / max(a[j], b[j], ceiling), j < n: 1 exactly where no peak passes the
// ceiling (x / x is exactly 1), without a branch.
MIXDOWN_SIMD_CLONES void required_gain(const float* a, const float* b, float ceiling, float* held, std::size_t n) noexcept {
  for (std::size_t j = 0; j < n; ++j) held[j] = ceiling / std::max(std::max(a[j], b[j]), ceiling);
}

}  // namespace

void TruePeakLimiter::set_settings(const LimiterSettings& s) {
  settings_ = s;
  ceiling_ = static_cast<float>(db_to_gain(s.ceiling_dbtp - kDetectorMarginDb));
  base_release_frames_ = std::max(1.0, s.release_ms * 1e-3 * sample_rate_);
  release_coef_ = stretched_release(static_cast<float>(1.0 / base_release_frames_), sustained_);
}

void TruePeakLimiter::prepare(const ProcessSpec& spec) {
  sample_rate_ = spec.sample_rate;
  channels_ = spec.channels;
  max_block_ = std::max<std::size_t>(1, spec.max_block_frames);
  set_settings(settings_);
  window_ = std::max<std::size_t>(
      1, static_cast<std::size_t>(std::llround(settings_.lookahead_ms * 1e-3 * sample_rate_)));
  latency_ = window_ + static_cast<std::size_t>(kTapsPerPhase / 2 - 1);

  // Polyphase taps: value at x[j] + f uses x[j - T/2 + 1 .. j + T/2].
  constexpr int T = kTapsPerPhase;
  taps_.assign(static_cast<std::size_t>((kOversampling - 1) * T), 0.0f);
  const double beta = 7.0;
  const double half = T / 2.0;
  for (int p = 1; p < kOversampling; ++p) {
    const double f = double(p) / kOversampling;
    double sum = 0.0;
    std::vector<double> h(T);
    for (int i = 0; i < T; ++i) {
      const double t = double(i - (T / 2 - 1)) - f;  // distance from the interpolated point
      const double sinc = std::abs(t) < 1e-12 ? 1.0 : std::sin(kPi * t) / (kPi * t);
      const double r = t / half;
      const double w = std::abs(r) >= 1.0 ? 0.0 : bessel_i0(beta * std::sqrt(1.0 - r * r)) / bessel_i0(beta);
      h[static_cast<std::size_t>(i)] = sinc * w;
      sum += h[static_cast<std::size_t>(i)];
    }
    for (int i = 0; i < T; ++i)
      taps_[static_cast<std::size_t>((p - 1) * T + i)] = static_cast<float>(h[static_cast<std::size_t>(i)] / sum);
  }

  taps_l1_ = 1.0f;
  for (int p = 0; p < kOversampling - 1; ++p) {
    float l1 = 0.0f;
    for (int i = 0; i < T; ++i) l1 += std::abs(taps_[static_cast<std::size_t>(p * T + i)]);
    taps_l1_ = std::max(taps_l1_, l1 * 1.0001f);  // a hair over, for float rounding
  }
  history_.assign(static_cast<std::size_t>(channels_), std::vector<float>(T - 1 + max_block_, 0.0f));
  peak_.assign(window_ + max_block_, 0.0f);
  for (auto& b : scratch_) b.assign(window_ + max_block_, 0.0f);
  held_.assign(max_block_, 1.0f);
  gain_.assign(max_block_, 1.0f);
  box_.assign(window_, 1.0f);
  delay_.assign(static_cast<std::size_t>(channels_), std::vector<float>(latency_, 0.0f));
  reset();
}

void TruePeakLimiter::reset() noexcept {
  for (auto& h : history_) std::fill(h.begin(), h.end(), 0.0f);
  for (auto& d : delay_) std::fill(d.begin(), d.end(), 0.0f);
  std::fill(peak_.begin(), peak_.end(), 0.0f);
  index_ = 0;
  std::fill(box_.begin(), box_.end(), 1.0f);
  box_pos_ = 0;
  box_sum_ = static_cast<double>(window_);
  box_below_ = 0;
  released_ = 1.0f;
  sustained_ = 0.0f;
  release_coef_ = static_cast<float>(1.0 / base_release_frames_);
  delay_pos_ = 0;
  min_gain_ = 1.0f;
  frames_limited_ = 0;
  frames_processed_ = 0;
}

double TruePeakLimiter::max_gain_reduction_db() const noexcept {
  return -gain_to_db(static_cast<double>(min_gain_));
}

bool TruePeakLimiter::detect(const AudioView& block) noexcept {
  constexpr int T = kTapsPerPhase;
  constexpr std::size_t kChunk = 64;
  const std::size_t n = block.num_frames();
  float* peak = peak_.data() + window_;
  std::fill(peak, peak + n, 0.0f);
  bool any = false;
  for (int c = 0; c < channels_; ++c) {
    float* hist = history_[static_cast<std::size_t>(c)].data();
    const float* in = block.channel(c);
    std::copy(in, in + n, hist + (T - 1));
    for (std::size_t start = 0; start < n; start += kChunk) {
      const std::size_t m = std::min(kChunk, n - start);
      // An interpolated value is at most (sum of |taps|) x the largest input it sees: when
      // that stays under the ceiling nothing in this chunk can ask for gain reduction, and
      // the required gain there is 1 whatever the exact peak (the peak stays 0).
      const float span_max = simd::from_bits(simd::max_abs_bits(hist + start, m + (T - 1)));
      if (span_max * taps_l1_ <= ceiling_) continue;
      // The newest sample of the interval (x[j + 1]) sits at hist[i + T/2].
      detect_chunk(hist + start, taps_.data(), peak + start, m);
      any = true;
    }
    std::copy(hist + n, hist + n + (T - 1), hist);
  }
  return any;
}

// held[j], j < n: the gain the hold asks of frame j, the least required gain (ceiling / peak,
// 1 under the ceiling) over the frame and the window_ before it. That is ceiling / (the
// largest peak there), as a correctly rounded division falls as its divisor grows: the same
// bits as the minimum of the quotients. The largest peak over window_ + 1 frames is taken in
// steps that each widen the run an entry covers four times (twice at the last; two
// overlapping runs then cover the window): a few vector passes over the block instead of a
// queue with a data-dependent branch per frame. A block whose window holds no peak at all (no
// chunk of it or of the window_ frames before it passed the detector's bound) holds 1
// throughout.
void TruePeakLimiter::hold(std::size_t n, bool peaks, float* held) noexcept {
  const std::size_t len = window_ + n, span = window_ + 1;
  if (!peaks && simd::max_abs_bits(peak_.data(), window_) == 0) {
    std::fill(held, held + n, 1.0f);
  } else {
    const float* cur = peak_.data();
    std::array<float*, 2> buf{scratch_[0].data(), scratch_[1].data()};
    std::size_t run = 1, valid = len, w = 0;
    for (; 2 * run <= span; w ^= 1) {
      const int ways = 4 * run <= span ? 4 : 2;
      const std::size_t reach = run * static_cast<std::size_t>(ways - 1);
      max_shifted(cur, buf[w], run, valid - reach, ways);
      cur = buf[w];
      valid -= reach;
      run *= static_cast<std::size_t>(ways);
    }
    required_gain(cur, cur + (span - run), ceiling_, held, n);
  }
  // The window_ peaks before the next block.
  std::copy(peak_.begin() + static_cast<std::ptrdiff_t>(n), peak_.begin() + static_cast<std::ptrdiff_t>(len), peak_.begin());
}

// The block through the look-ahead delay line in contiguous runs: each output is the delayed
// sample times its gain.
void TruePeakLimiter::pass_delay(const AudioView& block, const float* gains) noexcept {
  const std::size_t m = block.num_frames();
  for (int c = 0; c < channels_; ++c) {
    float* d = delay_[static_cast<std::size_t>(c)].data();
    float* x = block.channel(c);
    for (std::size_t done = 0, pos = delay_pos_; done < m;) {
      const std::size_t run = std::min(m - done, latency_ - pos);
      float* dp = d + pos;
      float* xp = x + done;
      const float* gp = gains + done;
      for (std::size_t i = 0; i < run; ++i) {
        const float out = dp[i] * gp[i];
        dp[i] = xp[i];
        xp[i] = out;
      }
      done += run;
      pos = pos + run == latency_ ? 0 : pos + run;
    }
  }
  delay_pos_ = (delay_pos_ + m) % latency_;
}

void TruePeakLimiter::process(const AudioView& block) noexcept {
  const std::size_t total = block.num_frames();
  if (channels_ == 0 || block.num_channels() != channels_) return;
  for (std::size_t start = 0; start < total; start += max_block_) {
    const AudioView sub = block.sub(start, std::min(max_block_, total - start));
    hold(sub.num_frames(), detect(sub), held_.data());
    smooth(sub, held_.data());
  }
}

void TruePeakLimiter::analyse(const AudioView& block, float* held) noexcept {
  if (channels_ == 0 || block.num_channels() != channels_ || block.num_frames() > max_block_) return;
  hold(block.num_frames(), detect(block), held);
}

void TruePeakLimiter::apply(const AudioView& block, const float* held) noexcept {
  if (channels_ == 0 || block.num_channels() != channels_ || block.num_frames() > max_block_) return;
  smooth(block, held);
}

void TruePeakLimiter::smooth(const AudioView& sub, const float* held_gains) noexcept {
  const std::size_t n = sub.num_frames();
  const double inv_window = 1.0 / static_cast<double>(window_);
  const float sustain_coef = static_cast<float>(1.0 / std::max(1.0, kSustainSeconds * sample_rate_));
  const float sustain_keep = 1.0f - sustain_coef;
  const float inv_release = static_cast<float>(1.0 / base_release_frames_);
  float* gains = gain_.data();
  for (std::size_t c0 = 0; c0 < n; c0 += kGainChunk) {
    const std::size_t c1 = std::min(n, c0 + kGainChunk);
    const std::size_t m = c1 - c0;
    // Idle fast path: nothing released or averaged below unity and a hold of 1 over the
    // chunk. The gain stays exactly 1; the state is advanced exactly as the per-frame path
    // would leave it.
    const bool idle = box_below_ == 0 && released_ == 1.0f &&
                      std::all_of(held_gains + c0, held_gains + c1, [](float h) { return h == 1.0f; });
    if (idle) {
      std::fill(gains + c0, gains + c1, 1.0f);
      // released_ is exactly 1 here, so the update's (1 - released_) * c is 0 and
      // s * keep + 0 is s * keep to the bit: one multiply on the chain through every idle frame.
      float sustained = sustained_, release_coef = release_coef_;
      for (std::size_t i = 0; i < m; ++i) {
        if ((index_ + static_cast<std::int64_t>(i)) % kStretchEvery == 0)
          release_coef = stretched_release(inv_release, sustained);
        sustained *= sustain_keep;
      }
      sustained_ = sustained;
      release_coef_ = release_coef;
      index_ += static_cast<std::int64_t>(m);
      box_pos_ = (box_pos_ + m) % window_;
      continue;
    }
    // The serial part, frame by frame: release, the working-hard average and the box average.
    // The state lives in locals for the loop (the compiler cannot keep members in registers
    // across the stores to the arrays).
    float* box = box_.data();
    std::size_t box_pos = box_pos_, box_below = box_below_;
    std::int64_t index = index_;
    float released = released_, sustained = sustained_;
    double box_sum = box_sum_;
    const std::size_t window = window_;
    float release_coef = release_coef_, release_keep = 1.0f - release_coef;
    for (std::size_t i = c0; i < c1; ++i) {
      const float held = held_gains[i];
      if (index % kStretchEvery == 0) {
        release_coef = stretched_release(inv_release, sustained);
        release_keep = 1.0f - release_coef;
      }
      ++index;

      // Instant fall, program-dependent rise toward the held gain. Both one-pole updates are
      // written as r * keep + target * coef: a multiply and an add on the chain from one frame
      // to the next (r + (target - r) * coef waited on a subtraction as well). The rise can
      // round an ulp past the held gain; the next frame falls back to it, and the gain used
      // is never above it (the min below).
      if (held <= released) {
        released = held;
      } else {
        released = released * release_keep + held * release_coef;
      }
      const float used = std::min(released, held);
      sustained = sustained * sustain_keep + (1.0f - used) * sustain_coef;

      const float leaving = box[box_pos];
      if (used < 1.0f) ++box_below;
      if (leaving < 1.0f) --box_below;
      box[box_pos] = used;
      box_pos = box_pos + 1 == window ? 0 : box_pos + 1;
      // All unity: exactly 1 (and the running sum re-synchronised, so rounding never drifts).
      float g = 1.0f;
      if (box_below == 0) {
        box_sum = static_cast<double>(window);
      } else {
        box_sum += static_cast<double>(used) - static_cast<double>(leaving);
        // The average of values that are all <= the held minimum; clamp rounding above it.
        g = std::min(1.0f, static_cast<float>(box_sum * inv_window));
      }
      gains[i] = g;
    }
    release_coef_ = release_coef;
    box_pos_ = box_pos;
    box_below_ = box_below;
    index_ = index;
    released_ = released;
    sustained_ = sustained;
    box_sum_ = box_sum;
  }
  pass_delay(sub, gains);
  // Gains are > 0, so their bit patterns order like the values: an integer min vectorises
  // where a float min (NaN rules: one dependent minss per frame) does not.
  std::int32_t lowest = std::bit_cast<std::int32_t>(min_gain_);
  std::int64_t limited = 0;
  for (std::size_t i = 0; i < n; ++i) {
    lowest = std::min(lowest, std::bit_cast<std::int32_t>(gains[i]));
    limited += gains[i] < kLimitedBelow ? 1 : 0;
  }
  min_gain_ = std::bit_cast<float>(lowest);
  frames_limited_ += limited;
  frames_processed_ += static_cast<std::int64_t>(n);
}

}  // namespace mixdown::dsp
