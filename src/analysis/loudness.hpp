// Loudness per ITU-R BS.1770-4 and EBU R128: K-weighting, gated integrated loudness (EBU Tech
// 3341), loudness range (EBU Tech 3342), momentary and short-term maxima on a 10 ms grid, sample
// peak and, optionally, true peak (BS.1770-4 Annex 2, see true_peak.hpp).
//
// Modelled on libebur128's object (create, feed frames, query at any time, combine states), but
// the K-weighting is derived from the analog prototype for every sample rate (not the 48 kHz
// table), nothing is global, and the per-channel filters run in parallel when asked.
//
// Internally everything is kept on a 10 ms "tick" grid: tick k spans frames
// [floor(k*fs/100), floor((k+1)*fs/100)), so the grid is exact at any rate. A momentary value is
// the mean of the last 40 ticks, a short-term value the last 300, and the 400 ms gating blocks
// (75 % overlap) are the momentary values at every 10th tick.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "analysis/true_peak.hpp"
#include "core/audio_buffer.hpp"

namespace mixdown::analysis {

// BS.1770-4 channel weights for the layouts we know, in file order: mono; stereo L R; 3.0 L R C;
// quad L R Ls Rs; 5.0 L R C Ls Rs; 5.1 L R C LFE Ls Rs (LFE weight 0: excluded).
// More channels than that: throws Error(rejected) saying so (the caller names the file).
std::vector<double> channel_weights(int channels);

// Whether a run of samples holds NaN or Inf (vectorized; used to keep filters clean).
bool has_nonfinite(const float* x, std::size_t n) noexcept;

// Biquad coefficients, a0 normalised to 1.
struct BiquadCoefficients {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
  bool operator==(const BiquadCoefficients&) const = default;
};
// The two K-weighting stages (high shelf, then high pass) at a sample rate, by the bilinear
// transform (prewarped at each stage's corner) of BS.1770's analog prototype.
struct KWeighting {
  BiquadCoefficients shelf, highpass;
};
KWeighting k_weighting(double sample_rate);

inline constexpr double kLoudnessOffset = -0.691;  // BS.1770-4 eq. (2)
inline constexpr double kAbsoluteGateLufs = -70.0;
inline double energy_to_lufs(double energy);       // -inf for 0
inline double lufs_to_energy(double lufs);

// Gated loudness of a set of 400 ms block energies (BS.1770-4 §5: -70 LUFS absolute gate, then
// -10 LU relative gate). -inf when no block passes the absolute gate.
double gated_loudness(std::span<const double> block_energies);
// Loudness range of a set of 3 s short-term energies (EBU Tech 3342: -70 absolute, -20 LU
// relative, 10th to 95th percentile). -inf when no block passes.
double loudness_range(std::span<const double> short_term_energies);

struct LoudnessOptions {
  bool true_peak = true;
  bool range = true;      // keep the short-term energies LRA needs (8 bytes per 100 ms)
  bool mono_sum = false;  // stereo only: also measure the mono fold-down (L+R)/2 on both speakers
  int threads = 1;        // > 1: channels filtered in parallel
  // The 3 s short-term values (their maximum, the LRA's energies, the series). False for a
  // meter read for its integrated loudness only: short_term_max_lufs(), range_lu() and
  // short_term_series() then read -inf / empty, and the 300-tick window is not summed every
  // 10 ms.
  bool short_term = true;
  bool operator==(const LoudnessOptions&) const = default;
};

// A loudness series on a regular grid: value i belongs to the window ending at first_s + i*step_s.
struct LoudnessSeries {
  double first_s = 0;
  double step_s = 0.1;
  std::vector<float> lufs;  // -inf for digital silence
  bool operator==(const LoudnessSeries&) const = default;
};

struct KGroupStep;  // loudness.cpp

class LoudnessMeter {
public:
  // Throws Error(rejected) for channel counts without defined weights, Error(failed) for a
  // non-positive sample rate.
  LoudnessMeter(double sample_rate, int channels, LoudnessOptions options = {});
  LoudnessMeter(LoudnessMeter&&) noexcept = default;
  LoudnessMeter& operator=(LoudnessMeter&&) noexcept = default;
  LoudnessMeter(const LoudnessMeter&) = default;
  LoudnessMeter& operator=(const LoudnessMeter&) = default;

  // Feeds frames (any block size). NaN/Inf samples are read as 0 and counted.
  void add(const ConstAudioView& block);

  // Queries, valid at any time. -inf means "no measurement"; note() says why.
  double integrated_lufs() const;
  double range_lu() const;             // -inf before 3 s or when LRA was not enabled
  double momentary_max_lufs() const;   // max over 400 ms windows, 10 ms grid
  double short_term_max_lufs() const;  // max over 3 s windows, 10 ms grid
  double momentary_lufs() const;       // the latest 400 ms window
  double short_term_lufs() const;      // the latest 3 s window
  double true_peak_dbtp() const;       // max over channels; -inf when not enabled or silent
  double sample_peak_dbfs() const;     // max over channels
  double sample_peak() const;          // max over channels, linear (a sample's magnitude exactly)
  double channel_true_peak(int c) const;   // linear
  double channel_sample_peak(int c) const; // linear
  double mono_integrated_lufs() const;     // with mono_sum; -inf otherwise
  // The fold-down's loudness with every gating block's energy times `energy_gain` (the gates
  // then apply as to a meter fed the scaled fold-down: e.g. (L+R)/2 at gain G on one speaker is
  // energy_gain G^2 / 2); -inf without mono_sum.
  double mono_integrated_lufs(double energy_gain) const;
  std::string note() const;                // "" when integrated loudness is defined

  // Short-term loudness every 100 ms (from 3 s on) and momentary every 100 ms (from 0.4 s on).
  LoudnessSeries short_term_series() const;
  LoudnessSeries momentary_series() const;

  // The raw material for combining measurements: the 400 ms gating-block energies and the 3 s
  // short-term energies (K-weighted, channel-weighted mean squares).
  const std::vector<double>& block_energies() const noexcept { return blocks_; }
  const std::vector<double>& short_term_energies() const noexcept { return short_terms_; }

  // Album / bus loudness: folds another measurement in as if its blocks followed ours (as
  // libebur128's *_multiple functions do). Peaks and maxima combine by max.
  void merge(const LoudnessMeter& other);

  double sample_rate() const noexcept { return rate_; }
  int channels() const noexcept { return channels_; }
  std::int64_t frames() const noexcept { return frames_; }
  std::int64_t nonfinite_samples() const noexcept { return nonfinite_; }
  const LoudnessOptions& options() const noexcept { return options_; }

  // One channel's K-weighting filter (loudness.cpp), run a group of eight frames at a time.
  struct FilterState {
    double x1 = 0, x2 = 0;                  // the last two inputs
    double t1 = 0, t2 = 0, u1 = 0, u2 = 0;  // each stage's last two outputs before the open group
    double open[8] = {};                    // the open group's feed-forward sums so far
    using Lanes = double __attribute__((vector_size(64)));
    alignas(64) Lanes acc = {};             // the open tick's squares, by frame % 8
  };
  static_assert(alignof(FilterState) == 64);

private:
  struct Ring {  // the last 300 ticks' weighted energy sums and lengths
    std::vector<double> sum;
    std::vector<std::int64_t> len;
  };
  void filter_channel(int c, const float* x, std::size_t n);
  void filter_pair(int c, const float* xa, const float* xb, std::size_t n);
  void close_tick(double sum, double mono_sum, std::int64_t len);
  static double window_mean(const Ring& r, std::int64_t ticks_done, int width);
  std::int64_t tick_boundary(std::int64_t k) const noexcept {
    return k * rate_int_ / 100;  // no overflow before ~10^5 years of audio
  }

  double rate_ = 48000;
  std::int64_t rate_int_ = 48000;
  int channels_ = 0;
  LoudnessOptions options_;
  std::vector<double> weights_;
  std::shared_ptr<const KGroupStep> kstep_;  // the filter's group form (loudness.cpp), shared by copies
  std::vector<FilterState> state_;
  TruePeakMeter true_peak_;
  std::vector<double> sample_peak_;

  std::int64_t frames_ = 0;
  std::int64_t ticks_done_ = 0;      // completed ticks
  double open_sum_ = 0, open_mono_ = 0;  // the tick in progress
  Ring ring_, mono_ring_;
  std::vector<double> blocks_, short_terms_, mono_blocks_;
  double momentary_max_ = 0, short_term_max_ = 0;  // energies
  bool have_momentary_ = false, have_short_term_ = false;
  std::int64_t nonfinite_ = 0;

  // scratch (grown in add, reused)
  std::vector<std::vector<double>> seg_sums_;  // [channel][segment]
  std::vector<std::vector<float>> kout_;       // K-weighted L and R (mono_sum only)
  std::vector<std::size_t> seg_ends_;          // segment ends within the block
  std::vector<bool> seg_closes_;               // whether each segment ends a tick
  std::vector<std::vector<float>> clean_;      // NaN-free copy when needed
};

inline double energy_to_lufs(double energy) {
  return energy > 0 ? kLoudnessOffset + 10.0 * std::log10(energy)
                    : -std::numeric_limits<double>::infinity();
}
inline double lufs_to_energy(double lufs) { return std::pow(10.0, (lufs - kLoudnessOffset) / 10.0); }

}  // namespace mixdown::analysis
