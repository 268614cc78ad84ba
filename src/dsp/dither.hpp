// TPDF dither for word-length reduction (Lipshitz, Wannamaker & Vanderkooy, "Quantization and
// Dither: A Theoretical Survey", JAES 1992): the sum of two independent uniform variables of
// one LSB each makes the quantization error independent of the signal. Optional first-order
// error-feedback noise shaping pushes the noise up in frequency.
//
// The noise is counter-based: sample k's two uniforms are hashes of (seed, k) (Wellons'
// "lowbias32" integer hash), not the next draws of a sequential generator. So a file's noise
// depends only on each sample's index, never on how the writing was split into blocks or
// threads, and a block quantizes in vector lanes (no serial dependency between samples unless
// noise shaping feeds the error back). A fixed seed gives the same noise on every run, so
// renders are bit-identical.
//
// Digital silence stays digital silence ("auto-blanking", as mastering dithers offer it): an
// input of exactly ±0.0 quantizes to 0 with no noise added, so a stem's silences, a master's
// leading and trailing silence and a muted channel stay exactly silent (and compress as such),
// while anything else, however quiet, is dithered.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mixdown::dsp {

// What a block call saw of its input besides the integers: inputs that were not finite
// (quantized as silence), finite inputs beyond full scale (clamped), and the largest finite
// magnitude's bit pattern (non-negative floats order like their bits). A call adds to the
// counts and raises the peak, so one struct can gather a whole file.
struct QuantizeStats {
  std::uint64_t nonfinite = 0;
  std::uint64_t over = 0;
  std::uint32_t peak_bits = 0;
};

class TpdfDither {
public:
  TpdfDither(int bits, std::uint64_t seed, bool noise_shaping = false) noexcept;
  // Quantizes x (full scale ±1) to a signed integer of `bits` bits, clamped to its range; the
  // sample index advances by one. Non-finite input quantizes as silence.
  std::int32_t quantize(float x) noexcept;
  // Quantizes n samples; sample i has index index0 + i * step (a channel of an interleaved
  // file: index0 = frame0 * channels + c, step = channels). Returns how many inputs were not
  // finite (quantized as silence). The same indices give the same integers as the scalar call.
  std::size_t quantize(const float* x, std::int32_t* out, std::size_t n, std::uint64_t index0,
                       std::uint64_t step) noexcept;
  // The same integers, and in the same pass the input's non-finite count, over count and peak
  // (added to `stats`), so a writer reads its block once.
  void quantize(const float* x, std::int32_t* out, std::size_t n, std::uint64_t index0, std::uint64_t step,
                QuantizeStats& stats) noexcept;
  int bits() const noexcept { return bits_; }

private:
  int bits_;
  double scale_;
  std::int32_t max_, min_;
  std::uint32_t key_lo_, key_hi_;
  std::uint64_t index_ = 0;  // the scalar call's next index
  bool shaping_;
  double error_ = 0.0;
};

}  // namespace mixdown::dsp
