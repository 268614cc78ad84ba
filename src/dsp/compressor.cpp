#include "dsp/compressor.hpp"

#include <algorithm>
#include <cmath>

#include "core/units.hpp"
#include "dsp/fast_math.hpp"

namespace mixdown::dsp {

static_assert(Processor<Compressor>);
static_assert(KeyedProcessor<Compressor>);

namespace {
// One-pole coefficient for a time constant (Giannoulis et al. eq. 7: alpha = e^(-1/(tau fs))).
double pole(double time_ms, double fs) noexcept {
  return time_ms > 0.0 ? std::exp(-1000.0 / (time_ms * fs)) : 0.0;
}
constexpr double kRmsWindowMs = 10.0;
// Below this much smoothed reduction the gain is exactly unity (saves the exp per frame).
constexpr double kSnapDb = -1e-6;
}  // namespace

void Compressor::set_settings(const CompressorSettings& s) {
  // Copy-assignment reuses the key string's buffer, so this does not allocate for the short
  // stem names it holds once it has held one.
  settings_ = s;
  update();
}

void Compressor::update() noexcept {
  const auto& s = settings_;
  threshold_db_ = s.threshold_db;
  const double ratio = std::max(1.0, s.ratio);
  slope_ = ratio >= 100.0 ? 1.0 : 1.0 - 1.0 / ratio;
  half_knee_ = std::max(0.0, s.knee_db) / 2.0;
  knee_quad_ = half_knee_ > 0.0 ? slope_ / (4.0 * half_knee_) : 0.0;  // slope / (2 W)
  attack_coef_ = pole(s.attack_ms, sample_rate_);
  release_coef_ = pole(s.release_ms, sample_rate_);
  rms_coef_ = pole(kRmsWindowMs, sample_rate_);
  makeup_ = db_to_gain(s.makeup_db);
  wet_ = std::clamp(s.mix, 0.0, 1.0);
  dry_ = 1.0 - wet_;
}

double Compressor::static_gain_db(double x) const noexcept {
  const double over = x - threshold_db_;
  if (over <= -half_knee_) return 0.0;
  if (over >= half_knee_) return -slope_ * over;
  const double d = over + half_knee_;  // Giannoulis eq. 4, the quadratic knee
  return -knee_quad_ * d * d;
}

void Compressor::prepare(const ProcessSpec& spec) {
  sample_rate_ = spec.sample_rate;
  max_block_ = std::max<std::size_t>(spec.max_block_frames, 1);
  gain_.assign(max_block_, 1.0f);
  update();
  reset();
}

void Compressor::reset() noexcept {
  mean_square_ = 0.0;
  reduction_db_ = 0.0;
  last_reduction_db_ = 0.0;
}

void Compressor::process(const AudioView& io) noexcept { run(io, io); }

void Compressor::process(const AudioView& io, const ConstAudioView& key) noexcept {
  if (key.num_channels() == 0 || key.num_frames() < io.num_frames()) {
    run(io, io);  // no usable key: fall back to self-keying rather than reading past its end
    return;
  }
  run(io, key);
}

void Compressor::run(const AudioView& io, const ConstAudioView& key) noexcept {
  last_reduction_db_ = 0.0;
  if (!settings_.enabled || gain_.empty()) return;
  const int nc = io.num_channels();
  const int kc = key.num_channels();
  const bool rms = settings_.detector == Detector::rms;
  // Where the knee begins, in the detector's own linear domain: below it and with no
  // reduction pending, the gain is exactly the makeup/mix constant and no log/exp is needed.
  const double knee_start_db = threshold_db_ - half_knee_;
  const double knee_start = rms ? std::pow(10.0, knee_start_db / 10.0)
                                : std::pow(10.0, knee_start_db / 20.0);
  const double inv_kc = 1.0 / std::max(1, kc);
  const float unity = static_cast<float>(dry_ + wet_ * makeup_);
  double ms = mean_square_, red = reduction_db_, deepest = 0.0;
  const double ac = attack_coef_, rc = release_coef_, rmc = rms_coef_;

  for (std::size_t start = 0; start < io.num_frames(); start += max_block_) {
    const std::size_t n = std::min(max_block_, io.num_frames() - start);
    float* g = gain_.data();
    bool all_unity = true;
    for (std::size_t i = 0; i < n; ++i) {
      double level;  // linear amplitude (peak) or power (rms)
      if (rms) {
        double sum = 0.0;
        for (int c = 0; c < kc; ++c) {
          const double v = key.channel(c)[start + i];
          sum += v * v;
        }
        ms = rmc * ms + (1.0 - rmc) * sum * inv_kc;
        level = ms;
      } else {
        double peak = 0.0;
        for (int c = 0; c < kc; ++c) peak = std::max(peak, double{std::abs(key.channel(c)[start + i])});
        level = peak;
      }
      double target = 0.0;
      if (level > knee_start) {
        const double level_db = rms ? fast_power_to_db(level) : fast_gain_to_db(level);
        target = static_gain_db(level_db);
      } else if (red == 0.0) {
        g[i] = unity;
        continue;
      }
      // Smooth branching on the gain reduction (Giannoulis eq. 17): attack while it deepens.
      red = target < red ? ac * red + (1.0 - ac) * target : rc * red + (1.0 - rc) * target;
      if (red > kSnapDb) red = 0.0;
      deepest = std::min(deepest, red);
      g[i] = static_cast<float>(dry_ + wet_ * makeup_ * fast_db_to_gain(red));
      all_unity = false;
    }
    if (all_unity && unity == 1.0f) continue;
    for (int c = 0; c < nc; ++c) {
      float* x = io.channel(c) + start;
      for (std::size_t i = 0; i < n; ++i) x[i] *= g[i];
    }
  }
  mean_square_ = ms < 1e-30 ? 0.0 : ms;
  reduction_db_ = red;
  last_reduction_db_ = deepest;
}

}  // namespace mixdown::dsp
