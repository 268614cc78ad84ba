#include "dsp/deesser.hpp"

#include <algorithm>
#include <cmath>

#include "core/simd.hpp"
#include "dsp/fast_math.hpp"
#include "dsp/finite.hpp"

namespace mixdown::dsp {

static_assert(Processor<DeEsser>);

namespace {
double pole(double time_ms, double fs) noexcept {
  return time_ms > 0.0 ? std::exp(-1000.0 / (time_ms * fs)) : 0.0;
}
constexpr double kAttackMs = 1.0, kReleaseMs = 60.0, kDetectorMs = 5.0;
constexpr double kSlope = 0.75;  // 4:1 above the threshold
}  // namespace

void DeEsser::set_settings(const DeEsserSettings& s) {
  settings_ = s;
  update();
}

void DeEsser::update() {
  attack_coef_ = pole(kAttackMs, sample_rate_);
  release_coef_ = pole(kReleaseMs, sample_rate_);
  det_coef_ = pole(kDetectorMs, sample_rate_);
  const BiquadCoeffs lp = BiquadCoeffs::low_pass(settings_.freq_hz, 0.7071067811865476, sample_rate_);
  split_.set_coeffs(&lp, 1);
}

void DeEsser::prepare(const ProcessSpec& spec) {
  sample_rate_ = spec.sample_rate;
  channels_ = std::max(1, spec.channels);
  max_block_ = std::max<std::size_t>(spec.max_block_frames, 1);
  split_.prepare(channels_, 1);
  low_.assign(static_cast<std::size_t>(channels_) * max_block_, 0.0f);
  gain_.assign(max_block_, 1.0f);
  level_.assign(max_block_, 0.0f);
  update();
  reset();
}

void DeEsser::reset() noexcept {
  split_.reset();
  mean_square_ = 0.0;
  reduction_db_ = 0.0;
  last_reduction_db_ = 0.0;
}

MIXDOWN_SIMD_CLONES void DeEsser::process(const AudioView& io) noexcept {
  last_reduction_db_ = 0.0;
  if (!settings_.enabled || gain_.empty()) return;
  const int nc = std::min({io.num_channels(), channels_, kMaxChannels});
  if (nc == 0) return;
  const double inv_nc = 1.0 / nc;
  const double thr_power = std::pow(10.0, settings_.threshold_db / 10.0);
  const double max_red = std::max(0.0, settings_.max_reduction_db);
  const double thr_db = settings_.threshold_db;
  double ms = mean_square_, red = reduction_db_, deepest = 0.0;
  float* g = gain_.data();
  float* lv = level_.data();
  for (std::size_t start = 0; start < io.num_frames(); start += max_block_) {
    const std::size_t n = std::min(max_block_, io.num_frames() - start);
    // 1. The low band of every channel (channel pairs share the vector kernel).
    float* lows[kMaxChannels];
    for (int c = 0; c < nc; ++c) {
      lows[c] = &low_[static_cast<std::size_t>(c) * max_block_];
      std::copy_n(io.channel(c) + start, n, lows[c]);
    }
    split_.process(AudioView(lows, nc, n));
    // 2. High-band power, linked over the channels, through the detector window.
    std::fill_n(lv, n, 0.0f);
    for (int c = 0; c < nc; ++c) {
      const float* x = io.channel(c) + start;
      const float* lo = lows[c];
      for (std::size_t i = 0; i < n; ++i) {
        const float hi = x[i] - lo[i];
        lv[i] += hi * hi;
      }
    }
    zero_non_finite(lv, n);  // a NaN/Inf reads as silence, not as infinitely loud
    bool over = false;
    for (std::size_t i = 0; i < n; ++i) {
      ms = det_coef_ * ms + (1.0 - det_coef_) * (lv[i] * inv_nc);
      lv[i] = static_cast<float>(ms);
      over |= ms > thr_power;
    }
    if (!over && red == 0.0) continue;  // low + high == x: leave the input untouched, bit for bit
    // 3. Reduction: 4:1 above the threshold, capped, with attack/release (branch-free).
    for (std::size_t i = 0; i < n; ++i) lv[i] = 3.01029996f * fast_log2f(lv[i]);
    for (std::size_t i = 0; i < n; ++i) {
      const double target = -std::min(max_red, std::max(0.0, kSlope * (lv[i] - thr_db)));
      const double att = attack_coef_ * red + (1.0 - attack_coef_) * target;
      const double rel = release_coef_ * red + (1.0 - release_coef_) * target;
      red = target < red ? att : rel;
      if (red > -1e-6) red = 0.0;
      deepest = std::min(deepest, red);
      lv[i] = static_cast<float>(red);
    }
    for (std::size_t i = 0; i < n; ++i) g[i] = fast_exp2f(lv[i] * 0.166096405f);
    // 4. Turn the high band down: x' = low + g (x - low).
    for (int c = 0; c < nc; ++c) {
      float* x = io.channel(c) + start;
      const float* lo = lows[c];
      for (std::size_t i = 0; i < n; ++i) x[i] = lo[i] + g[i] * (x[i] - lo[i]);
    }
  }
  // Self-healing: a non-finite input must not poison the detector for the rest of the render.
  mean_square_ = ms < 1e-30 || !std::isfinite(ms) ? 0.0 : ms;
  reduction_db_ = std::isfinite(red) ? red : 0.0;
  last_reduction_db_ = deepest;
}

}  // namespace mixdown::dsp
