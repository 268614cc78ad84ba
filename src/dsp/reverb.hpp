// Algorithmic reverb: an 8-line feedback delay network (Jot & Chaigne, "Digital delay networks
// for designing artificial reverberators", AES 90th Conv., 1991) with an orthonormal 8x8
// Hadamard feedback matrix (lossless, maximally diffusing; computed as a fast Walsh-Hadamard
// transform), mutually prime line lengths scaled by `size`, and per-line absorption
// g_i = 10^(-3 m_i / (fs RT60)) so every line loses 60 dB in decay_s (Jot's condition for a
// frequency-independent RT60). Each line also passes a first-order high-shelf cut (bilinear,
// pole at damping_hz, unity at DC, at Nyquist the extra loss that makes the RT60 there
// kHighDecayRatio times decay_s; Jot's absorption filters in shelf form): the mids and lows
// ring for decay_s, the highs die faster. damping_hz <= 0 or >= 0.49 fs switches damping off.
// In front: pre-delay, a 2nd-order Butterworth low cut, and per input channel three Schroeder
// all-pass diffusers (Schroeder 1962) for early
// density. The output is 100 % wet (a return); width blends the two decorrelated outputs from
// mono (0) to fully decorrelated (1).
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include "dsp/biquad.hpp"
#include "dsp/processor.hpp"
#include "dsp/settings.hpp"

namespace mixdown::dsp {

class Reverb {
public:
  static constexpr int kLines = 8;
  static constexpr double kMaxPredelayMs = 500.0;
  static constexpr double kHighDecayRatio = 0.3;  // RT60 at Nyquist / RT60 at mid frequencies

  Reverb() = default;
  explicit Reverb(const ReverbSettings& s) { set_settings(s); }
  // Never allocates: lines are sized at prepare() for size = 1 and the longest pre-delay.
  void set_settings(const ReverbSettings& s);
  const ReverbSettings& settings() const noexcept { return settings_; }
  void prepare(const ProcessSpec& spec);  // output is stereo; input mono or stereo
  void reset() noexcept;
  // In place: reads the input channels (1 or 2; more are ignored), writes the stereo return
  // into channels 0 and 1 (a mono view gets the mid of the two outputs).
  void process(const AudioView& io) noexcept;
  std::size_t latency_frames() const noexcept { return 0; }
  // Pre-delay + the longest line + the time to decay 60 dB.
  std::size_t tail_frames() const noexcept;
  // The delay-line lengths in frames (for tests).
  const std::array<std::size_t, kLines>& line_lengths() const noexcept { return lengths_; }

private:
  struct Line {
    std::vector<float> buf;  // power-of-two size
    std::size_t mask = 0;
    double lp_state = 0.0;  // the damping shelf's state (TDF-II, first order)
  };
  struct AllPass {
    std::vector<float> buf;  // power-of-two size
    std::size_t len = 1, mask = 0;
  };
  void update();
  ReverbSettings settings_{};
  double sample_rate_ = 48000.0;
  std::array<Line, kLines> lines_{};
  std::array<std::size_t, kLines> lengths_{};
  std::array<double, kLines> gain_{};
  // Per-line damping shelf y = b0 x + b1 x1 - a1 y1, with the line's gain folded into b.
  std::array<double, kLines> shelf_b0_{}, shelf_b1_{}, shelf_a1_{};
  std::array<std::array<AllPass, 3>, 2> diffusers_{};
  std::size_t diffuser_pos_ = 0;
  std::vector<float> predelay_[2];
  std::size_t predelay_mask_ = 0, predelay_frames_ = 0, predelay_pos_ = 0;
  BiquadCascade low_cut_;
  std::size_t pos_ = 0;
  double out_mid_ = 1.0, out_side_ = 1.0;
  // Frames processed as one chunk: at most kChunk and at most the shortest line and diffuser,
  // so every read of a delay inside a chunk finds a value written before the chunk.
  static constexpr std::size_t kChunk = 256;
  std::size_t chunk_ = 1;
  // (2 + kLines) * kChunk: the conditioned input (L, R), then each line's output.
  std::vector<float> scratch_;
};

}  // namespace mixdown::dsp
