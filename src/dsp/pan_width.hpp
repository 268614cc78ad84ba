// Pan and width for a channel strip; the output is always stereo.
//   Mono in:   constant-power sine/cosine law (the "-3 dB pan law" of most consoles; power
//              normalisation of amplitude panning as in Pulkki, "Virtual sound source
//              positioning using vector base amplitude panning", JAES 45(6), 1997):
//              theta = (pan + 1) pi / 4, L = cos(theta), R = sin(theta), so L^2 + R^2 = 1 and
//              each side is -3.01 dB at the centre, 0 dB / silent at the extremes.
//   Stereo in: width by mid/side (M = (L+R)/2, S = (L-R)/2 * width; 0 mono, 1 as is, 2 wide),
//              then a constant-power balance normalised to unity at the centre:
//              gL = min(1, sqrt2 cos theta), gR = min(1, sqrt2 sin theta) — a stereo stem at the
//              centre keeps its level, and panned hard one side keeps only that side.
// Gain changes between blocks ramp linearly over the next block (no zipper noise).
#pragma once

#include <cstddef>

#include "dsp/processor.hpp"
#include "dsp/settings.hpp"

namespace mixdown::dsp {

class PanWidth {
public:
  PanWidth() = default;
  explicit PanWidth(const PanSettings& s) { set_settings(s); }
  void set_settings(const PanSettings& s) noexcept;  // pan clamped to -1..1, width to 0..2
  const PanSettings& settings() const noexcept { return settings_; }
  void prepare(const ProcessSpec& spec);
  void reset() noexcept;  // jumps to the current settings' gains (no ramp)
  // in: 1 channel (mono) or 2 (stereo; further channels ignored); out: 2 channels, same frame
  // count. in and out may alias (in-place stereo processing).
  void process(const ConstAudioView& in, const AudioView& out) noexcept;
  // In place on a stereo view (a view with one channel is left untouched: it cannot grow).
  void process(const AudioView& io) noexcept;
  std::size_t latency_frames() const noexcept { return 0; }
  std::size_t tail_frames() const noexcept { return 0; }

  struct Gains {
    double mono_l = 0.0, mono_r = 0.0;      // mono source
    double ll = 1.0, lr = 0.0, rl = 0.0, rr = 1.0;  // stereo: L' = ll L + rl R, R' = lr L + rr R
  };
  static Gains gains_for(const PanSettings& s) noexcept;

private:
  PanSettings settings_{};
  Gains current_{}, target_{};
  bool ramp_ = false;
};

}  // namespace mixdown::dsp
