#include "dsp/limiter.hpp"

#include <algorithm>
#include <cstdint>
#include <cmath>

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

// The detector's arithmetic compiled for baseline x86-64 and for AVX2, the loader picking
// one (core/simd.hpp: the same bits on every CPU).
// peak[i] = max(peak[i], |hist[i + T/2]|, |phase p interpolation at i| for the three phases),
// i < m: `hist` holds the T - 1 samples before the chunk, then the chunk; `acc` is scratch.
template <int T, int P>
MIXDOWN_SIMD_CLONES void detect_chunk(const float* hist, const float* taps, float* peak, float* acc,
                                         std::size_t m) noexcept {
  for (std::size_t i = 0; i < m; ++i) peak[i] = std::max(peak[i], std::abs(hist[i + T / 2]));
  for (int p = 0; p < P - 1; ++p) {
    const float* h = taps + p * T;
    std::fill(acc, acc + m, 0.0f);
    // Tap-outer loop so the inner loop is element-wise and vectorizes.
    for (int k = 0; k < T; ++k) {
      const float hk = h[k];
      const float* src = hist + k;
      for (std::size_t i = 0; i < m; ++i) acc[i] += hk * src[i];
    }
    for (std::size_t i = 0; i < m; ++i) peak[i] = std::max(peak[i], std::abs(acc[i]));
  }
}

}  // namespace

void TruePeakLimiter::set_settings(const LimiterSettings& s) {
  settings_ = s;
  ceiling_ = static_cast<float>(db_to_gain(s.ceiling_dbtp - kDetectorMarginDb));
  base_release_frames_ = std::max(1.0, s.release_ms * 1e-3 * sample_rate_);
  release_coef_ = static_cast<float>(1.0 / base_release_frames_) /
                  (1.0f + kReleaseStretch * std::min(1.0f, sustained_ / kSustainFull));
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
  acc_.assign(max_block_, 0.0f);
  peak_.assign(max_block_, 0.0f);
  gain_.assign(kGainChunk, 1.0f);
  std::size_t cap = 1;
  while (cap < window_ + 2) cap <<= 1;
  hold_value_.assign(cap, 1.0f);
  hold_index_.assign(cap, 0);
  box_.assign(window_, 1.0f);
  delay_.assign(static_cast<std::size_t>(channels_), std::vector<float>(latency_, 0.0f));
  reset();
}

void TruePeakLimiter::reset() noexcept {
  for (auto& h : history_) std::fill(h.begin(), h.end(), 0.0f);
  for (auto& d : delay_) std::fill(d.begin(), d.end(), 0.0f);
  hold_head_ = 0;
  hold_size_ = 0;
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

void TruePeakLimiter::detect(const AudioView& block) noexcept {
  constexpr int T = kTapsPerPhase;
  constexpr std::size_t kChunk = 64;
  const std::size_t n = block.num_frames();
  std::fill(peak_.begin(), peak_.begin() + static_cast<std::ptrdiff_t>(n), 0.0f);
  for (int c = 0; c < channels_; ++c) {
    float* hist = history_[static_cast<std::size_t>(c)].data();
    const float* in = block.channel(c);
    std::copy(in, in + n, hist + (T - 1));
    for (std::size_t start = 0; start < n; start += kChunk) {
      const std::size_t m = std::min(kChunk, n - start);
      // An interpolated value is at most (sum of |taps|) x the largest input it sees: when
      // that stays under the ceiling nothing in this chunk can ask for gain reduction, and
      // the required gain there is 1 whatever the exact peak (peak_ stays 0).
      const float span_max = simd::from_bits(simd::max_abs_bits(hist + start, m + (T - 1)));
      if (span_max * taps_l1_ <= ceiling_) continue;
      // The newest sample of the interval (x[j + 1]) sits at hist[i + T/2].
      detect_chunk<T, kOversampling>(hist + start, taps_.data(), peak_.data() + start, acc_.data(), m);
    }
    std::copy(hist + n, hist + n + (T - 1), hist);
  }
}

// Frames [c0, c0 + m) of `block` through the look-ahead delay line, in contiguous runs: each
// output is the delayed sample times its gain (gains == nullptr: unity, a plain exchange).
void TruePeakLimiter::pass_delay(const AudioView& block, std::size_t c0, std::size_t m,
                                 const float* gains) noexcept {
  for (int c = 0; c < channels_; ++c) {
    float* d = delay_[static_cast<std::size_t>(c)].data();
    float* x = block.channel(c) + c0;
    for (std::size_t done = 0, pos = delay_pos_; done < m;) {
      const std::size_t run = std::min(m - done, latency_ - pos);
      float* dp = d + pos;
      float* xp = x + done;
      if (gains) {
        const float* gp = gains + done;
        for (std::size_t i = 0; i < run; ++i) {
          const float out = dp[i] * gp[i];
          dp[i] = xp[i];
          xp[i] = out;
        }
      } else {
        std::swap_ranges(dp, dp + run, xp);
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
  const double inv_window = 1.0 / static_cast<double>(window_);
  const float sustain_coef = static_cast<float>(1.0 / std::max(1.0, kSustainSeconds * sample_rate_));
  const std::size_t hold_mask = hold_value_.size() - 1;  // a power of two
  const auto hold_len = static_cast<std::int64_t>(window_ + 1);
  const float inv_release = static_cast<float>(1.0 / base_release_frames_);
  for (std::size_t start = 0; start < total; start += max_block_) {
    const std::size_t n = std::min(max_block_, total - start);
    const AudioView sub = block.sub(start, n);
    detect(sub);
    constexpr std::size_t kChunk = kGainChunk;
    for (std::size_t c0 = 0; c0 < n; c0 += kChunk) {
      const std::size_t c1 = std::min(n, c0 + kChunk);
      // Idle fast path: nothing held, released or averaged below unity, and no peak in this
      // chunk over the ceiling. The gain stays exactly 1, so the chunk only passes the delay
      // line; the state is advanced exactly as the per-sample path would leave it.
      const bool idle = box_below_ == 0 && released_ == 1.0f && hold_size_ > 0 && hold_value_[hold_head_] >= 1.0f &&
                        *std::max_element(peak_.begin() + static_cast<std::ptrdiff_t>(c0),
                                          peak_.begin() + static_cast<std::ptrdiff_t>(c1)) <= ceiling_;
      if (idle) {
        const std::size_t m = c1 - c0;
        pass_delay(sub, c0, m, nullptr);
        // released_ is exactly 1 here, so the update's ((1 - released_) - s) * c is -(s * c) to
        // the bit (0 - s is exact and rounding is symmetric): s -= s * c is the same sum with
        // one subtraction fewer on the chain that runs through every idle frame.
        float sustained = sustained_, release_coef = release_coef_;
        for (std::size_t i = 0; i < m; ++i) {
          if ((index_ + static_cast<std::int64_t>(i)) % kStretchEvery == 0)
            release_coef = inv_release / (1.0f + kReleaseStretch * std::min(1.0f, sustained / kSustainFull));
          sustained -= sustained * sustain_coef;
        }
        sustained_ = sustained;
        release_coef_ = release_coef;
        index_ += static_cast<std::int64_t>(m);
        hold_size_ = 1;  // a run of unity gains leaves one entry: the newest
        hold_value_[hold_head_] = 1.0f;
        hold_index_[hold_head_] = index_ - 1;
        box_pos_ = (box_pos_ + m) % window_;
        continue;
      }
      // The gain of every frame first (the serial part: hold, release, average), then the
      // delay line times the gain per channel in contiguous runs, which vectorizes.
      // The state lives in locals for the loop (the compiler cannot keep members in
      // registers across the stores to the arrays).
      float* gains = gain_.data();
      float* hold_value = hold_value_.data();
      std::int64_t* hold_index = hold_index_.data();
      float* box = box_.data();
      std::size_t hold_head = hold_head_, hold_size = hold_size_, box_pos = box_pos_, box_below = box_below_;
      std::int64_t index = index_;
      float released = released_, sustained = sustained_;
      double box_sum = box_sum_;
      const float ceiling = ceiling_;
      const std::size_t window = window_;
      auto release_coef_now = [&] {
        return inv_release / (1.0f + kReleaseStretch * std::min(1.0f, sustained / kSustainFull));
      };
      float release_coef = release_coef_;
      for (std::size_t i = c0; i < c1; ++i) {
        const float pk = peak_[i];
        const float r = pk > ceiling ? ceiling / pk : 1.0f;
        // Minimum over the last window_ + 1 required gains (monotonic queue).
        while (hold_size > 0) {
          const std::size_t back = (hold_head + hold_size - 1) & hold_mask;
          if (hold_value[back] >= r) --hold_size;
          else break;
        }
        const std::size_t slot = (hold_head + hold_size) & hold_mask;
        hold_value[slot] = r;
        hold_index[slot] = index;
        ++hold_size;
        while (hold_index[hold_head] <= index - hold_len) {
          hold_head = (hold_head + 1) & hold_mask;
          --hold_size;
        }
        const float held = hold_value[hold_head];
        if (index % kStretchEvery == 0) release_coef = release_coef_now();
        ++index;

        // Instant fall, program-dependent rise; never above the held gain.
        if (held <= released) {
          released = held;
        } else {
          released += (held - released) * release_coef;
        }
        sustained += ((1.0f - released) - sustained) * sustain_coef;

        const float leaving = box[box_pos];
        if (released < 1.0f) ++box_below;
        if (leaving < 1.0f) --box_below;
        box[box_pos] = released;
        box_pos = box_pos + 1 == window ? 0 : box_pos + 1;
        // All unity: exactly 1 (and the running sum re-synchronised, so rounding never drifts).
        float g = 1.0f;
        if (box_below == 0) {
          box_sum = static_cast<double>(window);
        } else {
          box_sum += static_cast<double>(released) - static_cast<double>(leaving);
          // The average of values that are all <= the held minimum; clamp rounding above it.
          g = std::min(1.0f, static_cast<float>(box_sum * inv_window));
        }
        gains[i - c0] = g;
      }
      release_coef_ = release_coef;
      hold_head_ = hold_head;
      hold_size_ = hold_size;
      box_pos_ = box_pos;
      box_below_ = box_below;
      index_ = index;
      released_ = released;
      sustained_ = sustained;
      box_sum_ = box_sum;
      const std::size_t m = c1 - c0;
      pass_delay(sub, c0, m, gains);
      float lowest = min_gain_;
      std::int64_t limited = 0;
      for (std::size_t i = 0; i < m; ++i) {
        lowest = std::min(lowest, gains[i]);
        limited += gains[i] < kLimitedBelow ? 1 : 0;
      }
      min_gain_ = lowest;
      frames_limited_ += limited;
    }
    frames_processed_ += static_cast<std::int64_t>(n);
  }
}

}  // namespace mixdown::dsp
