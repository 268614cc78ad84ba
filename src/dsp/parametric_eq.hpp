// Parametric equaliser: any number of RBJ cookbook bands (bell, shelves, notch, HP/LP) in
// series, run as one fused BiquadCascade, optionally preceded by a strip's Butterworth high-
// and low-pass. Disabled bands and bands that are the identity (a bell or shelf at 0 dB) cost
// nothing.
#pragma once

#include <cstddef>
#include <vector>

#include "dsp/biquad.hpp"
#include "dsp/pass_filter.hpp"
#include "dsp/processor.hpp"
#include "dsp/settings.hpp"

namespace mixdown::dsp {

class ParametricEq {
public:
  ParametricEq() = default;
  explicit ParametricEq(const EqSettings& s) { set_settings(s); }
  // Recomputes coefficients. Does not allocate while the band count stays within the count
  // at prepare() (or the largest seen since).
  void set_settings(const EqSettings& s);
  // A channel strip's filters in one fused cascade: the Butterworth high- and low-pass
  // (PassFilter's designs) followed by the bands. Cheaper than a PassFilter and a
  // ParametricEq in series, because a lone biquad section is latency-bound while fused sections
  // overlap; the output is the same filter.
  void set_settings(const EqSettings& s, const PassFilterSettings& high_pass,
                    const PassFilterSettings& low_pass);
  const EqSettings& settings() const noexcept { return settings_; }
  void prepare(const ProcessSpec& spec);
  void reset() noexcept { cascade_.reset(); }
  void process(const AudioView& io) noexcept { cascade_.process(io); }
  std::size_t latency_frames() const noexcept { return 0; }
  std::size_t tail_frames() const noexcept;
  double magnitude_db(double freq_hz) const noexcept {
    return cascade_.magnitude_db(freq_hz, sample_rate_);
  }
  std::size_t active_sections() const noexcept { return cascade_.num_sections(); }

private:
  void update();
  EqSettings settings_{};
  PassFilterSettings high_pass_{}, low_pass_{};  // disabled unless given
  double sample_rate_ = 48000.0;
  bool prepared_ = false;
  int channels_ = 2;
  std::vector<BiquadCoeffs> coeffs_;
  BiquadCascade cascade_;
};

}  // namespace mixdown::dsp
