// Split-band de-esser. The band split is complementary by construction: low = LP(x) (2nd-order
// Butterworth, RBJ cookbook) and high = x - low, so low + high == x exactly and the de-esser is
// transparent (bit-for-bit up to float rounding) whenever it is not reducing. When the high
// band's level exceeds threshold_db, only the high band is turned down, at a fixed 4:1 ratio,
// never by more than max_reduction_db; 1 ms attack, 60 ms release (typical de-esser timings;
// Zölzer (ed.), "DAFX", 2nd ed., 2011, ch. 4). Stereo-linked.
// While reducing by g the response is g + (1 - g) LP(f): a dynamic high shelf. Because LP's phase
// passes -90 degrees above freq_hz, the dip there is up to ~2.5 dB deeper than max_reduction_db
// (at 8 dB); that is the price of bit-exact transparency at rest, which phase-matched
// (Linkwitz-Riley) splits cannot give.
#pragma once

#include <cstddef>
#include <vector>

#include "dsp/biquad.hpp"
#include "dsp/processor.hpp"
#include "dsp/settings.hpp"

namespace mixdown::dsp {

class DeEsser {
public:
  static constexpr int kMaxChannels = 8;  // channels beyond pass through untouched

  DeEsser() = default;
  explicit DeEsser(const DeEsserSettings& s) { set_settings(s); }
  void set_settings(const DeEsserSettings& s);  // never allocates
  const DeEsserSettings& settings() const noexcept { return settings_; }
  void prepare(const ProcessSpec& spec);
  void reset() noexcept;
  void process(const AudioView& io) noexcept;
  std::size_t latency_frames() const noexcept { return 0; }
  std::size_t tail_frames() const noexcept { return 0; }
  double gain_reduction_db() const noexcept { return last_reduction_db_; }

private:
  void update();
  DeEsserSettings settings_{};
  double sample_rate_ = 48000.0;
  std::size_t max_block_ = 1024;
  int channels_ = 2;
  BiquadCascade split_;  // the low band's filter, per channel
  double attack_coef_ = 0.0, release_coef_ = 0.0, det_coef_ = 0.0;
  double mean_square_ = 0.0, reduction_db_ = 0.0, last_reduction_db_ = 0.0;
  std::vector<float> low_;   // channels * max_block_
  std::vector<float> gain_;   // max_block_
  std::vector<float> level_;  // max_block_: detector power, then dB, then reduction
};

}  // namespace mixdown::dsp
