// One dynamic EQ band: an RBJ cookbook bell cut at freq_hz / q whose depth follows the key's
// level in the same band (a constant-0-dB-peak RBJ band-pass on the key, then its mean square
// over a 10 ms window); the cut itself moves with attack_ms / release_ms. For every dB the band
// level exceeds threshold_db the cut deepens by half a dB (a 2:1 downward slope), down to
// max_cut_db. Used for unmasking: the bass or the guitars dip
// around 2-4 kHz only while the lead vocal sings there (cf. Hafezi & Reiss, "Autonomous
// multitrack equalization based on masking reduction", JAES 63(5), 2015).
// The bell is recomputed every 16 frames from the smoothed cut (only A = 10^(g/40) changes, the
// rest of the cookbook terms are precomputed), so the moving filter stays cheap and click-free.
#pragma once

#include <cstddef>
#include <vector>

#include "dsp/biquad.hpp"
#include "dsp/processor.hpp"
#include "dsp/settings.hpp"

namespace mixdown::dsp {

class DynamicEq {
public:
  static constexpr std::size_t kUpdateFrames = 16;

  DynamicEq() = default;
  explicit DynamicEq(const DynamicEqSettings& s) { set_settings(s); }
  void set_settings(const DynamicEqSettings& s);  // never allocates
  const DynamicEqSettings& settings() const noexcept { return settings_; }
  void prepare(const ProcessSpec& spec);
  void reset() noexcept;
  void process(const AudioView& io) noexcept;                            // keyed by itself
  // Keyed by `key` (up to 8 channels; at least io's frames, else the input keys itself).
  void process(const AudioView& io, const ConstAudioView& key) noexcept;
  std::size_t latency_frames() const noexcept { return 0; }
  std::size_t tail_frames() const noexcept { return 0; }
  // Static curve: cut in dB (max_cut_db..0) for a key band level in dB.
  double static_cut_db(double key_band_db) const noexcept;
  // The deepest cut during the last block (<= 0 dB).
  double cut_db() const noexcept { return last_cut_db_; }

private:
  void update();
  BiquadCoeffs bell_for(double cut_db) const noexcept;
  DynamicEqSettings settings_{};
  double sample_rate_ = 48000.0;
  std::size_t max_block_ = 1024;
  int channels_ = 2;
  BiquadCascade detector_;  // band-pass on the key (one state per key channel)
  BiquadCascade bell_;      // the cut on the signal
  double cos_w0_ = 1.0, alpha_ = 0.0;
  double attack_coef_ = 0.0, release_coef_ = 0.0, rms_coef_ = 0.0;
  double mean_square_ = 0.0, cut_smoothed_db_ = 0.0, last_cut_db_ = 0.0;
  std::vector<float> band_;  // max_block_ frames of key band (per key channel, reused)
};

}  // namespace mixdown::dsp
