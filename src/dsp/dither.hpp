// TPDF dither for word-length reduction (Lipshitz, Wannamaker & Vanderkooy, "Quantization and
// Dither: A Theoretical Survey", JAES 1992): the sum of two independent uniform variables of
// one LSB each makes the quantization error independent of the signal. Optional first-order
// error-feedback noise shaping pushes the noise up in frequency. Deterministic: a fixed seed
// gives the same noise on every run, so renders are bit-identical.
#pragma once

#include <cstdint>

namespace mixdown::dsp {

class TpdfDither {
public:
  TpdfDither(int bits, std::uint64_t seed, bool noise_shaping = false) noexcept;
  // Quantizes x (full scale ±1) to a signed integer of `bits` bits, clamped to its range.
  std::int32_t quantize(float x) noexcept;
  int bits() const noexcept { return bits_; }

private:
  double uniform() noexcept;  // [-0.5, 0.5)
  int bits_;
  double scale_;
  std::int32_t max_, min_;
  std::uint64_t state_;
  bool shaping_;
  double error_ = 0.0;
};

}  // namespace mixdown::dsp
