// The one smoother for every parameter that moves during a render (STYLE.md point 7): fader
// automation, riding, any gain that changes between blocks.
//   linear:   reaches a new target in exactly time_ms, at constant speed (no overshoot; what a
//             DAW's automation does between breakpoints);
//   one_pole: exponential approach with time constant time_ms (tau), for jittery controls.
// Values are whatever the caller smooths; GainSmoother smooths in dB and emits linear gains,
// because loudness is perceived in dB (a linear-gain ramp sounds like a late fade).
#pragma once

#include <cstddef>

#include "dsp/processor.hpp"

namespace mixdown::dsp {

class Smoother {
public:
  enum class Mode { linear, one_pole };

  Smoother() = default;
  Smoother(Mode mode, double time_ms) noexcept : mode_(mode), time_ms_(time_ms) {}
  void prepare(double sample_rate) noexcept;
  void set_time_ms(double time_ms) noexcept;
  void set_target(double target) noexcept;
  // Linear ramp to `target` reached after exactly `frames` frames, whatever the mode and
  // time_ms (automation: ramp to the value at the end of each block, piecewise linear).
  void ramp_to(double target, std::size_t frames) noexcept;
  void snap(double value) noexcept;  // jump to value, no ramp
  double target() const noexcept { return target_; }
  double current() const noexcept { return current_; }
  bool settled() const noexcept { return current_ == target_; }
  double next() noexcept;  // advances one frame, returns the new value
  void skip(std::size_t frames) noexcept;
  void fill(float* out, std::size_t frames) noexcept;  // the next `frames` values

private:
  Mode mode_ = Mode::linear;
  double time_ms_ = 20.0;
  double sample_rate_ = 48000.0;
  double current_ = 0.0, target_ = 0.0;
  double step_ = 0.0;            // linear: per-frame increment
  std::size_t steps_left_ = 0;   // linear: frames until target
  double coef_ = 0.0;            // one-pole
  bool forced_linear_ = false;   // a ramp_to() in progress
};

// A gain in dB, smoothed in dB (Smoother), applied to every channel: faders and automation.
// A Processor: set_gain_db() between blocks, process() applies the ramp.
class GainSmoother {
public:
  explicit GainSmoother(double time_ms = 20.0, Smoother::Mode mode = Smoother::Mode::linear) noexcept
      : smoother_(mode, time_ms) {}
  void prepare(const ProcessSpec& spec);
  void reset() noexcept { smoother_.snap(smoother_.target()); }
  void set_gain_db(double db) noexcept { smoother_.set_target(db); }
  // Automation: be at `db` after exactly `frames` frames, linearly in dB.
  void ramp_to_db(double db, std::size_t frames) noexcept { smoother_.ramp_to(db, frames); }
  void snap_gain_db(double db) noexcept { smoother_.snap(db); }
  double gain_db() const noexcept { return smoother_.current(); }
  void process(const AudioView& io) noexcept;
  std::size_t latency_frames() const noexcept { return 0; }
  std::size_t tail_frames() const noexcept { return 0; }

private:
  Smoother smoother_;
  std::size_t max_block_ = 1024;
  float gains_[256] = {};  // processed in chunks of 256 frames: no allocation
};

}  // namespace mixdown::dsp
