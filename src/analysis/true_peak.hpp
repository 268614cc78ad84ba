// True peak per ITU-R BS.1770-4 Annex 2: the signal is oversampled 4x by the Annex's 48-tap
// polyphase FIR (4 phases of 12 taps) and the largest magnitude of the interpolated samples is
// taken. As in libebur128, the reported true peak is never below the sample peak (the Annex's
// phases all sit between the input samples).
//
// The kernel computes the four phases of a chunk in one pass with the taps unrolled, so the
// compiler vectorizes it across samples; channels are independent (add_channel) and can run in
// parallel.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/audio_buffer.hpp"

namespace mixdown::analysis {

class TruePeakMeter {
public:
  static constexpr int kPhases = 4;
  static constexpr int kTaps = 12;

  TruePeakMeter() = default;
  // refine: where the Annex reading comes within kRefineWindowDb of the peak so far, the signal
  // is also reconstructed 16x by a 64-tap Kaiser-windowed sinc (sinc_peak), and the peak is the
  // larger reading. The Annex's 12-tap phases lose the top of dense content near Nyquist
  // (clipped white noise reads 1.7 dB low) that a DAC plays and finer meters read (ffmpeg's
  // ebur128 read masters of clipped-noise bursts up to 0.45 dB over their ceiling); a
  // delivered master is measured so. Samples within the window are few (0.1-0.3 % of a
  // limited master's), so it costs little. Read the peak at the end of the stream: reading
  // it ends the intervals still waiting for samples after them as if silence followed.
  explicit TruePeakMeter(int channels, bool refine = false);
  static constexpr double kRefineWindowDb = 1.0;

  void add(const ConstAudioView& block);
  // One channel's next n samples; calls for different channels may run concurrently.
  void add_channel(int c, const float* x, std::size_t n) noexcept;

  int channels() const noexcept { return static_cast<int>(peak_.size()); }
  double peak(int c) const noexcept;  // linear, max(interpolated, sample peak)
  double max_peak() const noexcept;   // over channels
  // First frame (over channels) whose interpolated neighbourhood exceeds full scale, or -1.
  std::int64_t first_over_frame() const noexcept;
  // Interpolated (4x) samples above full scale, over all channels.
  std::int64_t over_count() const noexcept;
  // Combines another measurement of other audio (album): peaks by max, overs added.
  void merge(const TruePeakMeter& other);

private:
  struct Channel {
    std::array<float, kTaps - 1> history{};
    std::int64_t frames = 0;
    std::int64_t first_over = -1;
    std::int64_t overs = 0;
    // refine: the stream's last samples (context) from stream index ctx_start, the intervals
    // (j, j + 1) still to reconstruct (waiting for the samples after them) and the reading.
    std::vector<float> ctx;
    std::int64_t ctx_start = 0;
    std::int64_t last_interval = -(std::int64_t(1) << 62);
    std::vector<std::int64_t> pending;
    double refined = 0.0;
  };
  void refine_channel(Channel& st, const float* x, std::size_t n, std::vector<std::int64_t>& intervals) const;
  void finish_refine() const;
  bool refine_ = false;
  mutable std::vector<Channel> state_;
  std::vector<double> peak_;  // interpolated and sample peak, linear
};

// The largest |value| of the signal reconstructed 16x (a 64-tap Kaiser-windowed sinc) over the
// intervals between samples of x (and the samples themselves), zeros outside it: the reference
// the refined meter reads (for tests).
double sinc_peak(const float* x, std::size_t n);

// The Annex 2 coefficients, phase by phase.
const std::array<std::array<float, TruePeakMeter::kTaps>, TruePeakMeter::kPhases>&
true_peak_coefficients() noexcept;

}  // namespace mixdown::analysis
