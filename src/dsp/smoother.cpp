#include "dsp/smoother.hpp"

#include <algorithm>
#include <cmath>

#include "dsp/fast_math.hpp"

namespace mixdown::dsp {

static_assert(Processor<GainSmoother>);

void Smoother::prepare(double sample_rate) noexcept {
  sample_rate_ = sample_rate > 0.0 ? sample_rate : 48000.0;
  set_time_ms(time_ms_);
  snap(target_);
}

void Smoother::set_time_ms(double time_ms) noexcept {
  time_ms_ = std::max(0.0, time_ms);
  const double frames = time_ms_ * sample_rate_ / 1000.0;
  coef_ = frames > 0.0 ? std::exp(-1.0 / frames) : 0.0;
}

void Smoother::set_target(double target) noexcept {
  if (target == target_) return;
  target_ = target;
  forced_linear_ = false;
  if (mode_ == Mode::linear) {
    steps_left_ = static_cast<std::size_t>(std::lround(time_ms_ * sample_rate_ / 1000.0));
    if (steps_left_ == 0) {
      current_ = target_;
      return;
    }
    step_ = (target_ - current_) / static_cast<double>(steps_left_);
  }
}

void Smoother::ramp_to(double target, std::size_t frames) noexcept {
  target_ = target;
  if (frames == 0 || current_ == target_) {
    current_ = target_;
    steps_left_ = 0;
    forced_linear_ = false;
    return;
  }
  steps_left_ = frames;
  step_ = (target_ - current_) / static_cast<double>(frames);
  forced_linear_ = true;
}

void Smoother::snap(double value) noexcept {
  current_ = target_ = value;
  steps_left_ = 0;
  forced_linear_ = false;
  step_ = 0.0;
}

double Smoother::next() noexcept {
  if (current_ == target_) return current_;
  if (mode_ == Mode::linear || forced_linear_) {
    current_ += step_;
    if (--steps_left_ == 0) {
      current_ = target_;
      forced_linear_ = false;
    }
  } else {
    current_ = target_ + coef_ * (current_ - target_);
    if (std::abs(current_ - target_) < 1e-9 * std::max(1.0, std::abs(target_))) current_ = target_;
  }
  return current_;
}

void Smoother::skip(std::size_t frames) noexcept {
  if (current_ == target_) return;
  if (mode_ == Mode::linear || forced_linear_) {
    if (frames >= steps_left_) {
      current_ = target_;
      steps_left_ = 0;
      forced_linear_ = false;
    } else {
      current_ += step_ * static_cast<double>(frames);
      steps_left_ -= frames;
    }
  } else {
    for (std::size_t i = 0; i < frames && current_ != target_; ++i) next();
  }
}

void Smoother::fill(float* out, std::size_t frames) noexcept {
  if (current_ == target_) {
    std::fill_n(out, frames, static_cast<float>(current_));
    return;
  }
  for (std::size_t i = 0; i < frames; ++i) out[i] = static_cast<float>(next());
}

namespace {
// Gains at or below this many dB are silence (a fader at -inf is stored as a very low dB).
constexpr double kSilenceDb = -144.0;
inline double gain_of(double db) noexcept { return db <= kSilenceDb ? 0.0 : fast_db_to_gain(db); }
}  // namespace

void GainSmoother::prepare(const ProcessSpec& spec) {
  smoother_.prepare(spec.sample_rate);
  max_block_ = spec.max_block_frames;
}

void GainSmoother::process(const AudioView& io) noexcept {
  const int nc = io.num_channels();
  constexpr std::size_t kChunk = sizeof(gains_) / sizeof(gains_[0]);
  for (std::size_t start = 0; start < io.num_frames(); start += kChunk) {
    const std::size_t n = std::min(kChunk, io.num_frames() - start);
    if (smoother_.settled()) {
      const auto g = static_cast<float>(gain_of(smoother_.current()));
      if (g == 1.0f) continue;
      for (int c = 0; c < nc; ++c) {
        float* x = io.channel(c) + start;
        for (std::size_t i = 0; i < n; ++i) x[i] *= g;
      }
      continue;
    }
    for (std::size_t i = 0; i < n; ++i) gains_[i] = static_cast<float>(gain_of(smoother_.next()));
    for (int c = 0; c < nc; ++c) {
      float* x = io.channel(c) + start;
      for (std::size_t i = 0; i < n; ++i) x[i] *= gains_[i];
    }
  }
}

}  // namespace mixdown::dsp
