// Butterworth high- or low-pass of order 1..8 (Butterworth 1930; section Q values from the
// pole angles, Q_k = 1 / (2 sin((2k-1) pi / 2N))), realised as RBJ cookbook biquads plus one
// bilinear first-order section for odd orders. All sections are prewarped at the same corner,
// so the whole cascade is the bilinear transform of the analog prototype: exactly -3.01 dB at
// freq_hz, 6 dB/octave per order.
#pragma once

#include <array>
#include <cstddef>

#include "dsp/biquad.hpp"
#include "dsp/processor.hpp"
#include "dsp/settings.hpp"

namespace mixdown::dsp {

enum class PassKind { high_pass, low_pass };

class PassFilter {
public:
  explicit PassFilter(PassKind kind) noexcept : kind_(kind) {}
  PassFilter(PassKind kind, const PassFilterSettings& s) : kind_(kind) { set_settings(s); }
  PassFilter(bool) = delete;  // say which kind: PassKind::high_pass

  void set_settings(const PassFilterSettings& s);  // order clamped to 1..8
  const PassFilterSettings& settings() const noexcept { return settings_; }
  PassKind kind() const noexcept { return kind_; }
  void prepare(const ProcessSpec& spec);
  void reset() noexcept { cascade_.reset(); }
  void process(const AudioView& io) noexcept;  // identity when !enabled
  std::size_t latency_frames() const noexcept { return 0; }
  std::size_t tail_frames() const noexcept;
  double magnitude_db(double freq_hz) const noexcept;  // 0 when disabled

  // The section designs for a given setting (exposed for tests and other processors):
  // order 1..8 needs at most four sections.
  struct Design {
    std::array<BiquadCoeffs, 4> sections{};
    std::size_t count = 0;
  };
  static Design design(PassKind kind, double freq_hz, int order, double sample_rate) noexcept;

private:
  void update();
  PassKind kind_;
  PassFilterSettings settings_{};
  double sample_rate_ = 48000.0;
  bool prepared_ = false;
  BiquadCascade cascade_;
};

}  // namespace mixdown::dsp
