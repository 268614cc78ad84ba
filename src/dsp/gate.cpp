#include "dsp/gate.hpp"

#include <algorithm>
#include <cmath>

#include "core/simd.hpp"
#include "core/units.hpp"
#include "dsp/fast_math.hpp"

namespace mixdown::dsp {

static_assert(Processor<Gate>);

namespace {
double pole(double time_ms, double fs) noexcept {
  return time_ms > 0.0 ? std::exp(-1000.0 / (time_ms * fs)) : 0.0;
}
}  // namespace

void Gate::set_settings(const GateSettings& s) {
  settings_ = s;
  update();
}

void Gate::update() noexcept {
  threshold_lin_ = db_to_gain(settings_.threshold_db);
  attack_coef_ = pole(settings_.attack_ms, sample_rate_);
  release_coef_ = pole(settings_.release_ms, sample_rate_);
  det_release_ = pole(settings_.release_ms, sample_rate_);
  hold_frames_ = static_cast<std::size_t>(std::max(0.0, settings_.hold_ms) * sample_rate_ / 1000.0);
}

double Gate::static_gain_db(double x) const noexcept {
  if (x >= settings_.threshold_db) return 0.0;
  const double range = std::min(0.0, settings_.range_db);
  const double g = (x - settings_.threshold_db) * (std::max(1.0, settings_.ratio) - 1.0);
  return std::max(range, g);
}

void Gate::prepare(const ProcessSpec& spec) {
  sample_rate_ = spec.sample_rate;
  max_block_ = std::max<std::size_t>(spec.max_block_frames, 1);
  gain_.assign(max_block_, 1.0f);
  update();
  reset();
}

void Gate::reset() noexcept {
  envelope_ = 0.0;
  // Start open: a gate that starts closed would mute the first attack of every render.
  gain_db_ = 0.0;
  hold_left_ = hold_frames_;
  last_reduction_db_ = 0.0;
}

MIXDOWN_SIMD_CLONES void Gate::process(const AudioView& io) noexcept {
  last_reduction_db_ = 0.0;
  if (!settings_.enabled || gain_.empty()) return;
  const int nc = io.num_channels();
  double env = envelope_, gdb = gain_db_, deepest = 0.0;
  std::size_t hold = hold_left_;
  const double dr = det_release_, ac = attack_coef_, rc = release_coef_;
  for (std::size_t start = 0; start < io.num_frames(); start += max_block_) {
    const std::size_t n = std::min(max_block_, io.num_frames() - start);
    float* g = gain_.data();
    bool all_unity = true;
    for (std::size_t i = 0; i < n; ++i) {
      double peak = 0.0;
      for (int c = 0; c < nc; ++c) peak = std::max(peak, double{std::abs(io.channel(c)[start + i])});
      env = std::max(peak, env * dr);  // instant attack, exponential release
      double target = 0.0;
      if (env >= threshold_lin_) {
        hold = hold_frames_;
      } else if (hold > 0) {
        --hold;
      } else {
        target = static_gain_db(fast_gain_to_db(env));
      }
      if (target == 0.0 && gdb == 0.0) {
        g[i] = 1.0f;
        continue;
      }
      gdb = target > gdb ? ac * gdb + (1.0 - ac) * target : rc * gdb + (1.0 - rc) * target;
      if (gdb > -1e-6) gdb = 0.0;
      deepest = std::min(deepest, gdb);
      g[i] = static_cast<float>(fast_db_to_gain(gdb));
      all_unity = false;
    }
    if (all_unity) continue;
    for (int c = 0; c < nc; ++c) {
      float* x = io.channel(c) + start;
      for (std::size_t i = 0; i < n; ++i) x[i] *= g[i];
    }
  }
  envelope_ = env < 1e-30 ? 0.0 : env;
  gain_db_ = gdb;
  hold_left_ = hold;
  last_reduction_db_ = deepest;
}

}  // namespace mixdown::dsp
