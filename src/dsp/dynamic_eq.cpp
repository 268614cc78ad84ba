#include "dsp/dynamic_eq.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "dsp/fast_math.hpp"
#include "dsp/finite.hpp"

namespace mixdown::dsp {

static_assert(Processor<DynamicEq>);
static_assert(KeyedProcessor<DynamicEq>);

namespace {
double pole(double time_ms, double fs) noexcept {
  return time_ms > 0.0 ? std::exp(-1000.0 / (time_ms * fs)) : 0.0;
}
constexpr double kSlope = 0.5;    // dB of cut per dB over the threshold
constexpr double kRmsWindowMs = 10.0;
constexpr int kMaxKeyChannels = 8;
}  // namespace

void DynamicEq::set_settings(const DynamicEqSettings& s) {
  settings_ = s;
  update();
}

void DynamicEq::update() {
  const double f = std::clamp(settings_.freq_hz, 1.0, 0.49 * sample_rate_);
  const double q = settings_.q > 0.0 ? settings_.q : 1.0;
  const double w0 = 2.0 * std::numbers::pi * f / sample_rate_;
  cos_w0_ = std::cos(w0);
  alpha_ = std::sin(w0) / (2.0 * q);
  // The cut is smoothed once per kUpdateFrames, so the per-frame poles are raised to that power.
  attack_coef_ = std::pow(pole(settings_.attack_ms, sample_rate_), static_cast<double>(kUpdateFrames));
  release_coef_ = std::pow(pole(settings_.release_ms, sample_rate_), static_cast<double>(kUpdateFrames));
  rms_coef_ = pole(kRmsWindowMs, sample_rate_);
  const BiquadCoeffs bp = BiquadCoeffs::band_pass(f, q, sample_rate_);
  detector_.set_coeffs(&bp, 1);
}

BiquadCoeffs DynamicEq::bell_for(double cut_db) const noexcept {
  // The cookbook bell with only A varying (the other terms are cached in update()).
  const double A = fast_db_to_gain(cut_db * 0.5);  // 10^(g/40)
  const double inv = 1.0 / (1.0 + alpha_ / A);
  return {(1.0 + alpha_ * A) * inv, -2.0 * cos_w0_ * inv, (1.0 - alpha_ * A) * inv,
          -2.0 * cos_w0_ * inv, (1.0 - alpha_ / A) * inv};
}

double DynamicEq::static_cut_db(double key_band_db) const noexcept {
  const double over = key_band_db - settings_.threshold_db;
  if (over <= 0.0) return 0.0;
  return std::max(std::min(0.0, settings_.max_cut_db), -kSlope * over);
}

void DynamicEq::prepare(const ProcessSpec& spec) {
  sample_rate_ = spec.sample_rate;
  channels_ = std::max(1, spec.channels);
  max_block_ = std::max<std::size_t>(spec.max_block_frames, kUpdateFrames);
  detector_.prepare(kMaxKeyChannels, 1);
  bell_.prepare(channels_, 1);
  band_.assign(2 * max_block_, 0.0f);  // [band of one key channel | summed power]
  update();
  reset();
}

void DynamicEq::reset() noexcept {
  detector_.reset();
  bell_.reset();
  const BiquadCoeffs flat = bell_for(0.0);
  bell_.set_coeffs(&flat, 1);
  mean_square_ = 0.0;
  cut_smoothed_db_ = 0.0;
  last_cut_db_ = 0.0;
}

void DynamicEq::process(const AudioView& io) noexcept { process(io, io); }

void DynamicEq::process(const AudioView& io, const ConstAudioView& key) noexcept {
  last_cut_db_ = 0.0;
  if (!settings_.enabled || band_.empty()) return;
  const bool key_ok = key.num_channels() > 0 && key.num_frames() >= io.num_frames();
  const ConstAudioView k = key_ok ? key : ConstAudioView(io);
  const int kc = std::min(k.num_channels(), kMaxKeyChannels);
  const double inv_kc = 1.0 / std::max(1, kc);
  float* band = band_.data();
  float* power = band_.data() + max_block_;
  double ms = mean_square_, cut = cut_smoothed_db_, deepest = 0.0;
  for (std::size_t start = 0; start < io.num_frames(); start += max_block_) {
    const std::size_t n = std::min(max_block_, io.num_frames() - start);
    std::fill_n(power, n, 0.0f);
    for (int c = 0; c < kc; ++c) {
      std::copy_n(k.channel(c) + start, n, band);
      detector_.process_channel(c, band, n);
      for (std::size_t i = 0; i < n; ++i) power[i] += band[i] * band[i];
    }
    zero_non_finite(power, n);  // a NaN/Inf in the key reads as silence
    for (std::size_t s = 0; s < n; s += kUpdateFrames) {
      const std::size_t m = std::min(kUpdateFrames, n - s);
      // Symmetric RMS window first (an asymmetric follower on a squared sine would read high),
      // then attack/release on the cut itself, as the compressor does on its gain.
      for (std::size_t i = s; i < s + m; ++i) ms = rms_coef_ * ms + (1.0 - rms_coef_) * (power[i] * inv_kc);
      const double target = static_cut_db(fast_power_to_db(ms));
      double next = target < cut ? attack_coef_ * cut + (1.0 - attack_coef_) * target
                                 : release_coef_ * cut + (1.0 - release_coef_) * target;
      if (next > -1e-6) next = 0.0;
      if (next != cut) {
        cut = next;
        const BiquadCoeffs c = bell_for(cut);
        bell_.set_coeffs(&c, 1);
      }
      deepest = std::min(deepest, cut);
      bell_.process(io.sub(start + s, m));
    }
  }
  // Self-healing: a non-finite key must not poison the detector for the rest of the render.
  mean_square_ = ms < 1e-30 || !std::isfinite(ms) ? 0.0 : ms;
  cut_smoothed_db_ = std::isfinite(cut) ? cut : 0.0;
  last_cut_db_ = deepest;
}

}  // namespace mixdown::dsp
