// Feed-forward compressor after D. Giannoulis, M. Massberg & J. D. Reiss, "Digital Dynamic Range
// Compressor Design — A Tutorial and Analysis", JAES 60(6), 2012: their quadratic soft-knee
// gain computer, and their recommended detector: smooth branching attack/release in the log
// domain, placed after the gain computer (on the gain reduction), for an artefact-free release.
//
// Level detection (stereo-linked, one gain for every channel):
//   peak: the largest |x| over the channels, in dBFS;
//   rms:  mean square over the channels through a 10 ms one-pole, in dB (a full-scale sine
//         reads -3.01 dB), so the static curve applies to the RMS level.
// `mix` blends the dry input (parallel compression); makeup applies to the compressed share.
// With process(io, key) the level comes from the key (an external sidechain, e.g. kick → bass).
#pragma once

#include <cstddef>
#include <vector>

#include "dsp/processor.hpp"
#include "dsp/settings.hpp"

namespace mixdown::dsp {

class Compressor {
public:
  Compressor() = default;
  explicit Compressor(const CompressorSettings& s) { set_settings(s); }
  void set_settings(const CompressorSettings& s);  // never allocates
  const CompressorSettings& settings() const noexcept { return settings_; }
  void prepare(const ProcessSpec& spec);
  void reset() noexcept;
  void process(const AudioView& io) noexcept;                           // self-keyed
  // External key (any channel count; at least io's frames, else the input keys itself).
  void process(const AudioView& io, const ConstAudioView& key) noexcept;
  std::size_t latency_frames() const noexcept { return 0; }
  std::size_t tail_frames() const noexcept { return 0; }

  // The static curve: gain in dB (<= 0, before makeup) for a detector level in dB.
  double static_gain_db(double input_db) const noexcept;
  // The deepest gain reduction during the last block, in dB (<= 0; 0 when nothing happened).
  double gain_reduction_db() const noexcept { return last_reduction_db_; }

private:
  void update() noexcept;
  void run(const AudioView& io, const ConstAudioView& key) noexcept;
  CompressorSettings settings_{};
  double sample_rate_ = 48000.0;
  std::size_t max_block_ = 1024;
  // Derived.
  double threshold_db_ = 0.0, slope_ = 0.0, half_knee_ = 0.0, knee_quad_ = 0.0;
  double attack_coef_ = 0.0, release_coef_ = 0.0, rms_coef_ = 0.0;
  double makeup_ = 1.0, wet_ = 1.0, dry_ = 0.0;
  // State.
  double mean_square_ = 0.0;
  double reduction_db_ = 0.0;  // smoothed gain reduction (<= 0)
  double last_reduction_db_ = 0.0;
  std::vector<float> gain_;   // per-frame gain for the current chunk (max_block_ frames)
  std::vector<float> level_;  // per-frame detector level, then dB, then reduction (max_block_)
};

}  // namespace mixdown::dsp
