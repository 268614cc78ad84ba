// Long-term spectrum and frequency-resolved stereo image of a file, from Welch's averaged
// periodogram (P. D. Welch, IEEE Trans. Audio Electroacoustics 15(2), 1967): Hann frames of
// ~170 ms with 50 % overlap through FFTW3f. Power is normalised so that the bins of one frame sum
// to the frame's mean square (Parseval), hence band levels are in dB of mean square (a full-scale
// sine reads -3.01 dB). Third-octave bands follow IEC 61260 base-10 centres; band edges fall
// between bins, and bins straddling an edge are shared in proportion to their overlap.
//
// From the same frames it keeps the cross spectrum of the first two channels, giving the
// correlation and the side/mid ratio per band.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/audio_buffer.hpp"

namespace mixdown::analysis {

// The six bands of the analyze report and their edges in Hz (sub 20-60, low 60-250, low-mid
// 250-500, mid 500-2k, high-mid 2k-6k, high 6k-20k).
inline constexpr std::array<std::string_view, 6> kBandNames{"sub", "low", "low_mid", "mid",
                                                            "high_mid", "high"};
inline constexpr std::array<double, 7> kBandEdgesHz{20, 60, 250, 500, 2000, 6000, 20000};
using BandArray = std::array<double, 6>;

// Nominal third-octave centres 20 Hz .. 20 kHz (31 bands).
const std::vector<double>& third_octave_nominal_hz();

class SpectrumAccumulator {
public:
  // `included` says which channels enter the (averaged) spectrum, e.g. all but the LFE.
  SpectrumAccumulator(double sample_rate, int channels, std::vector<bool> included = {});
  ~SpectrumAccumulator();
  SpectrumAccumulator(SpectrumAccumulator&&) noexcept;
  SpectrumAccumulator& operator=(SpectrumAccumulator&&) noexcept;

  // Frames every fft_size() (no overlap) instead of every half: half the FFTs, for a long
  // stream whose mean spectrum alone is wanted. Call before the first add().
  void set_no_overlap() noexcept;

  void add(const ConstAudioView& block);  // NaN-free input expected
  // Call once at the end: a file shorter than one FFT frame is analysed zero-padded.
  void finish();

  std::size_t fft_size() const noexcept;
  std::int64_t frames_analysed() const noexcept;  // FFT frames so far
  double bin_hz() const noexcept;

  // Mean power per bin (one-sided, mean over the included channels), N/2+1 values.
  std::vector<double> power() const;
  // Power between lo and hi Hz (fractional bins at the edges); 0 when nothing was analysed.
  double band_power(double lo_hz, double hi_hz) const;
  std::vector<double> third_octave_db() const;  // -inf for empty / above Nyquist
  BandArray bands_db() const;
  double centroid_hz() const;                    // power-weighted mean frequency, 20 Hz-20 kHz
  double tilt_db_per_octave() const;             // regression slope of the third-octave levels

  // Stereo (first two channels), per range of frequencies.
  double correlation(double lo_hz, double hi_hz) const;  // 1 for identical, -1 for inverted
  double side_to_mid(double lo_hz, double hi_hz) const;  // side/mid energy ratio
  // Stereo: the spectrum of the fold-down gain * (L + R) / 2 as a one-channel accumulator,
  // from the channels' powers and cross power (no FFT of its own): its queries read as those
  // of an accumulator fed the fold-down, to float rounding.
  SpectrumAccumulator fold_down(double gain) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mixdown::analysis
