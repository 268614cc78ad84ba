// Feedback delay (a tape-style echo return). The delay is an integer number of frames,
// round(time_ms * fs / 1000), so the first echo lands exactly there. Feedback passes through a
// 2nd-order Butterworth high-pass at low_cut_hz and low-pass at high_cut_hz (RBJ cookbook), so
// each repeat is darker and thinner, as on analogue units (Zölzer (ed.), "DAFX", 2nd ed., 2011,
// ch. 2, delay-based effects).
// Ping-pong: the input (mid of L and R) enters the left line, each line feeds the other, so
// echoes alternate left, right, left... Otherwise each channel echoes on its own side.
// The output is 100 % wet (a return). Delay times are clamped to 1 frame .. kMaxDelayMs.
#pragma once

#include <cstddef>
#include <vector>

#include "dsp/biquad.hpp"
#include "dsp/processor.hpp"
#include "dsp/settings.hpp"

namespace mixdown::dsp {

class Delay {
public:
  static constexpr double kMaxDelayMs = 4000.0;

  Delay() = default;
  explicit Delay(const DelaySettings& s) { set_settings(s); }
  void set_settings(const DelaySettings& s);  // never allocates after prepare()
  const DelaySettings& settings() const noexcept { return settings_; }
  void prepare(const ProcessSpec& spec);  // output stereo; input mono or stereo
  void reset() noexcept;
  // In place: reads input channels 0 (and 1), writes the wet stereo echo into 0 and 1.
  void process(const AudioView& io) noexcept;
  std::size_t latency_frames() const noexcept { return 0; }
  // Until the echoes fall below -60 dB (feedback^n < 1e-3), capped at 60 s.
  std::size_t tail_frames() const noexcept;
  std::size_t delay_frames() const noexcept { return delay_frames_; }

private:
  void update();
  DelaySettings settings_{};
  double sample_rate_ = 48000.0;
  std::size_t delay_frames_ = 1;
  std::vector<float> line_[2];
  std::size_t mask_ = 0, pos_ = 0;
  BiquadCascade filters_;  // HP + LP per channel, in the feedback path
  double feedback_ = 0.0;
  std::vector<float> fb_[2];  // max block scratch for filtering the feedback
  std::vector<float> in_[2];  // max block scratch: the input, read before the output overwrites it
  std::size_t max_block_ = 1024;
};

}  // namespace mixdown::dsp
