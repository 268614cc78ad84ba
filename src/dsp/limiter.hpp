// True-peak look-ahead limiter for mastering, after Signalsmith Audio's limiter
// (signalsmith-basics/limiter.h): the required gain of every sample is taken through a
// minimum-hold as long as the look-ahead, then a box average of the same length, so the smoothed
// gain has already reached its target when the peak leaves the delay line; release is a
// one-pole rise that never goes above the held gain. Peaks are detected on a 4x oversampled
// signal (windowed-sinc polyphase interpolation, as ITU-R BS.1770-4 Annex 2 does for true
// peak), so inter-sample peaks are caught too. Release is program-dependent: it lengthens up to
// 4x while the limiter has been working continuously (dense material), and stays short for
// isolated transients, which keeps sustained limiting from pumping.
#pragma once

#include <cstddef>
#include <array>
#include <cstdint>
#include <vector>

#include "dsp/processor.hpp"
#include "dsp/settings.hpp"

namespace mixdown::dsp {

class TruePeakLimiter {
public:
  static constexpr int kOversampling = 4;
  static constexpr int kTapsPerPhase = 16;

  TruePeakLimiter() = default;
  explicit TruePeakLimiter(const LimiterSettings& s) : settings_(s) {}

  void set_settings(const LimiterSettings& s);  // call prepare() again if lookahead changed
  const LimiterSettings& settings() const noexcept { return settings_; }

  void prepare(const ProcessSpec& spec);
  void reset() noexcept;
  void process(const AudioView& block) noexcept;
  // process() as two stages, which may run on different threads at the same time on different
  // blocks (their states are apart): analyse() detects a block's peaks and gives the gains its
  // hold asks of each frame (`held`, one per frame); apply() then smooths those gains and
  // applies them to the delayed signal, in place. Each stage takes the blocks in order, at most
  // max_block_frames each, and a block's apply() comes after its analyse(): the output is
  // process()'s to the bit.
  void analyse(const AudioView& block, float* held) noexcept;
  void apply(const AudioView& block, const float* held) noexcept;

  // Audio comes out this many frames late (look-ahead plus the interpolator's delay).
  std::size_t latency_frames() const noexcept { return latency_; }
  std::size_t tail_frames() const noexcept { return latency_; }

  // Statistics since the last reset(): the deepest gain reduction, the frames limited by more
  // than 0.1 dB, and the frames seen.
  double max_gain_reduction_db() const noexcept;
  std::int64_t frames_limited() const noexcept { return frames_limited_; }
  std::int64_t frames_processed() const noexcept { return frames_processed_; }

private:
  // Fills peak_ past its window_ for the block; false if no chunk had a peak to measure (the
  // block's peaks are all 0).
  bool detect(const AudioView& block) noexcept;
  void hold(std::size_t n, bool peaks, float* held) noexcept;  // held from peak_
  void smooth(const AudioView& block, const float* held) noexcept;  // release, average, delay, stats
  void pass_delay(const AudioView& block, const float* gains) noexcept;

  LimiterSettings settings_{};
  double sample_rate_ = 48000.0;
  int channels_ = 0;
  std::size_t max_block_ = 0;
  std::size_t window_ = 1;   // look-ahead in frames (hold and average length)
  std::size_t latency_ = 0;
  float ceiling_ = 1.0f;
  double base_release_frames_ = 1.0;

  // Interpolator: taps for the three fractional phases 1/4, 2/4, 3/4 (phase 0 is the sample).
  std::vector<float> taps_;                 // (kOversampling - 1) * kTapsPerPhase
  float taps_l1_ = 1.0f;                    // largest sum of |taps| over the phases
  std::vector<std::vector<float>> history_; // per channel: kTapsPerPhase - 1 + max_block
  // The largest |sample or interpolated value| of each frame over the channels: the window_
  // frames before the block, then the block's.
  std::vector<float> peak_;                 // window_ + max_block
  std::array<std::vector<float>, 2> scratch_;  // window_ + max_block each: the hold's steps
  std::vector<float> held_;                 // max_block: the gain the hold asks of each frame (process)
  static constexpr std::size_t kGainChunk = 64;  // the idle test's span
  std::vector<float> gain_;                 // max_block: the gains of the block
  std::int64_t index_ = 0;                  // frames since reset

  // Box average of the released gain over window_ values.
  std::vector<float> box_;
  std::size_t box_pos_ = 0;
  double box_sum_ = 0.0;
  std::size_t box_below_ = 0;  // entries under unity: 0 means the average is exactly 1

  float released_ = 1.0f;
  float sustained_ = 0.0f;  // slow average of (1 - gain): how hard the limiter has been working
  float release_coef_ = 1.0f;  // the release step, stretched by sustained_ (kept across blocks)

  std::vector<std::vector<float>> delay_;  // per channel, latency_ frames
  std::size_t delay_pos_ = 0;

  float min_gain_ = 1.0f;
  std::int64_t frames_limited_ = 0;
  std::int64_t frames_processed_ = 0;
};

static_assert(Processor<TruePeakLimiter>);

}  // namespace mixdown::dsp
