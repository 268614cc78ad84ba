// Downward expander / gate: the gain-computer structure of Giannoulis, Massberg & Reiss (JAES
// 2012) mirrored below the threshold, with the hold time of a classic noise gate (Zölzer (ed.),
// "DAFX: Digital Audio Effects", 2nd ed., 2011, ch. 4, dynamics processing). Below threshold_db the gain falls by
// (ratio - 1) dB per dB, never below range_db. The detector is a stereo-linked peak follower
// (instant attack, release_ms); the gain opens with attack_ms, stays open for hold_ms after the
// level last exceeded the threshold, then closes with release_ms.
#pragma once

#include <cstddef>
#include <vector>

#include "dsp/processor.hpp"
#include "dsp/settings.hpp"

namespace mixdown::dsp {

class Gate {
public:
  Gate() = default;
  explicit Gate(const GateSettings& s) { set_settings(s); }
  void set_settings(const GateSettings& s);  // never allocates
  const GateSettings& settings() const noexcept { return settings_; }
  void prepare(const ProcessSpec& spec);
  void reset() noexcept;
  void process(const AudioView& io) noexcept;
  std::size_t latency_frames() const noexcept { return 0; }
  std::size_t tail_frames() const noexcept { return 0; }
  // Static curve: gain in dB (range_db..0) for a peak level in dBFS.
  double static_gain_db(double input_db) const noexcept;
  double gain_reduction_db() const noexcept { return last_reduction_db_; }

private:
  void update() noexcept;
  GateSettings settings_{};
  double sample_rate_ = 48000.0;
  std::size_t max_block_ = 1024;
  double threshold_lin_ = 0.0, attack_coef_ = 0.0, release_coef_ = 0.0, det_release_ = 0.0;
  std::size_t hold_frames_ = 0;
  double envelope_ = 0.0, gain_db_ = 0.0;
  std::size_t hold_left_ = 0;
  double last_reduction_db_ = 0.0;
  std::vector<float> gain_;
};

}  // namespace mixdown::dsp
