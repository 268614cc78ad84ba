// Oversampled waveshaper. The input is driven by drive_db, shaped at 4x the sample rate
// (Oversampler) so the harmonics it creates above Nyquist are filtered instead of aliasing
// (Pakarinen & Yeh, "A Review of Digital Techniques for Modeling Vacuum-Tube Guitar
// Amplifiers", CMJ 33(2), 2009, sec. 4), then divided by the drive gain: every curve has unit
// slope at zero, so quiet passages keep their level whatever the drive (level compensation) and
// only peaks are rounded off. mix blends the (latency-aligned) dry signal.
//   soft_clip: the [3/2] Pade approximant of tanh, x (27 + x^2) / (27 + 9 x^2), which reaches 1
//              with zero slope at |x| = 3 and is clamped beyond (a smooth symmetric clip: odd
//              harmonics; cheaper than tanh and exactly bounded);
//   tape:      x / sqrt(1 + x^2), an algebraic sigmoid whose knee is softer and wider than
//              tanh's (more low-order harmonics at moderate drive, a gentler top), symmetric
//              like tape at its operating point (Smith, "Physical Audio Signal Processing",
//              "Soft clipping").
// Disabled, it is the identity with zero latency; enabled, it declares latency_frames().
#pragma once

#include <cstddef>
#include <vector>

#include "dsp/oversampler.hpp"
#include "dsp/processor.hpp"
#include "dsp/settings.hpp"

namespace mixdown::dsp {

class Saturator {
public:
  Saturator() = default;
  explicit Saturator(const SaturatorSettings& s) { set_settings(s); }
  void set_settings(const SaturatorSettings& s);  // never allocates
  const SaturatorSettings& settings() const noexcept { return settings_; }
  void prepare(const ProcessSpec& spec);
  void reset() noexcept;
  void process(const AudioView& io) noexcept;
  // 0 when disabled; the oversampler's delay when enabled.
  std::size_t latency_frames() const noexcept;
  std::size_t tail_frames() const noexcept { return latency_frames(); }
  // The memoryless curve at the current mode and drive (input and output full scale = 1).
  double curve(double x) const noexcept;

private:
  SaturatorSettings settings_{};
  double drive_ = 1.0, inv_drive_ = 1.0;
  std::size_t max_block_ = 1024;
  int channels_ = 2;
  Oversampler oversampler_;
  std::vector<std::vector<float>> dry_delay_;  // per channel ring of latency_frames()
  std::size_t dry_pos_ = 0;
  std::vector<float> wet_;                     // max_block_ frames
};

}  // namespace mixdown::dsp
