// Second-order IIR sections after R. Bristow-Johnson, "Cookbook formulae for audio EQ biquad
// filter coefficients" (the Audio EQ Cookbook, W3C Audio WG note, 2005/2021), plus bilinear
// first-order sections for odd-order Butterworth filters. Direct Form I with double-precision
// state per channel: float state would add audible noise to low shelves and high-passes far
// below fs.
//
// BiquadCascade runs up to eight sections in one skewed pass per block (section j works on
// frame i - j in iteration i, so the sections of an iteration are independent and share vector
// registers; see biquad.cpp), one channel or a channel pair at a time; the pair kernel has an
// AVX2 clone, and both have an AVX-512 one (up to 24 sections per pass, each two frames behind
// the one before), that give the same bits.
#pragma once

#include <cstddef>
#include <vector>

#include "dsp/processor.hpp"
#include "dsp/settings.hpp"

namespace mixdown::dsp {

// Normalised coefficients (a0 = 1): y = b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2.
struct BiquadCoeffs {
  double b0 = 1.0, b1 = 0.0, b2 = 0.0, a1 = 0.0, a2 = 0.0;
  bool operator==(const BiquadCoeffs&) const = default;

  static BiquadCoeffs identity() noexcept { return {}; }
  // RBJ cookbook designs. freq_hz is clamped to (0, 0.49 fs); q > 0.
  static BiquadCoeffs low_pass(double freq_hz, double q, double sample_rate) noexcept;
  static BiquadCoeffs high_pass(double freq_hz, double q, double sample_rate) noexcept;
  static BiquadCoeffs band_pass(double freq_hz, double q, double sample_rate) noexcept;  // 0 dB peak
  static BiquadCoeffs notch(double freq_hz, double q, double sample_rate) noexcept;
  static BiquadCoeffs all_pass(double freq_hz, double q, double sample_rate) noexcept;
  static BiquadCoeffs bell(double freq_hz, double gain_db, double q, double sample_rate) noexcept;
  // Shelves use the cookbook's Q form; the gain at freq_hz is half the shelf gain (in dB).
  static BiquadCoeffs low_shelf(double freq_hz, double gain_db, double q, double sample_rate) noexcept;
  static BiquadCoeffs high_shelf(double freq_hz, double gain_db, double q, double sample_rate) noexcept;
  // First-order bilinear sections (b2 = a2 = 0), -3 dB at freq_hz (prewarped).
  static BiquadCoeffs first_order_low_pass(double freq_hz, double sample_rate) noexcept;
  static BiquadCoeffs first_order_high_pass(double freq_hz, double sample_rate) noexcept;
  // One parametric band (EqType) as coefficients.
  static BiquadCoeffs from_band(const EqBand& band, double sample_rate) noexcept;

  // |H(e^{j 2 pi f / fs})| in dB, evaluated from the coefficients (for tests and plots).
  double magnitude_db(double freq_hz, double sample_rate) const noexcept;
  bool is_identity() const noexcept { return *this == BiquadCoeffs{}; }
};

// Direct Form I histories of one section on one channel: input x[n-1], x[n-2]; output y[n-1],
// y[n-2].
struct BiquadCascadeState {
  double x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0;
};

// Several sections in series, any channel count. prepare() sizes the per-channel state for
// `max_sections`; set_coeffs() with up to that many sections never allocates.
class BiquadCascade {
public:
  BiquadCascade() = default;
  void prepare(int channels, std::size_t max_sections);
  void reset() noexcept;
  // Replaces the sections (identity sections are dropped); the state of sections that keep
  // their index is kept so a parameter move between blocks does not click. Allocates only
  // when coeffs.size() exceeds the prepared capacity.
  void set_coeffs(const std::vector<BiquadCoeffs>& coeffs);
  void set_coeffs(const BiquadCoeffs* coeffs, std::size_t count);
  void process(const AudioView& io) noexcept;
  // a.process(va) and b.process(vb) in one pass where the CPU allows (AVX-512, two stereo
  // cascades of 2 to 4 sections): two short cascades each wait on their own recursion, and side
  // by side they take about the time of one. The same values; the shorter cascade is padded
  // with identity sections, which may give an exact zero the other sign.
  static void process_two(BiquadCascade& a, const AudioView& va, BiquadCascade& b, const AudioView& vb) noexcept;
  // One channel's data with that channel's state (channel < prepared channels).
  void process_channel(int channel, float* data, std::size_t frames) noexcept;
  std::size_t num_sections() const noexcept { return count_; }
  int num_channels() const noexcept { return channels_; }
  // Product of the sections' magnitudes, in dB.
  double magnitude_db(double freq_hz, double sample_rate) const noexcept;

private:
  using State = BiquadCascadeState;
  void process_pair(int c, float* left, float* right, std::size_t frames) noexcept;
  bool at_rest(int c) const noexcept;
  bool idle(int c, const float* data, std::size_t frames) const noexcept;  // at rest, fed silence
  std::vector<BiquadCoeffs> coeffs_;  // capacity fixed by prepare()
  std::size_t count_ = 0;
  int channels_ = 0;
  std::vector<State> state_;  // [channel * capacity + section]
  std::size_t capacity_ = 0;
};

// A single section as a Processor (satisfies the concept): settings are one EqBand.
class Biquad {
public:
  Biquad() = default;
  explicit Biquad(const EqBand& band) { set_settings(band); }
  void set_settings(const EqBand& band);
  void set_coeffs(const BiquadCoeffs& c);  // bypasses settings (designs of your own)
  const BiquadCoeffs& coeffs() const noexcept { return coeffs_; }
  void prepare(const ProcessSpec& spec);
  void reset() noexcept { cascade_.reset(); }
  void process(const AudioView& io) noexcept { cascade_.process(io); }
  std::size_t latency_frames() const noexcept { return 0; }
  std::size_t tail_frames() const noexcept;
  double magnitude_db(double freq_hz) const noexcept {
    return coeffs_.magnitude_db(freq_hz, sample_rate_);
  }

private:
  void update();
  EqBand band_{};
  bool from_band_ = false;
  BiquadCoeffs coeffs_{};
  double sample_rate_ = 48000.0;
  BiquadCascade cascade_;
};

// How long an IIR section rings: frames for its impulse response to fall 120 dB, from the pole
// radius (used by tail_frames()).
std::size_t biquad_tail_frames(const BiquadCoeffs& c) noexcept;

}  // namespace mixdown::dsp
