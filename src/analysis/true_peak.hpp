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
  explicit TruePeakMeter(int channels);

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
  };
  std::vector<Channel> state_;
  std::vector<double> peak_;  // interpolated and sample peak, linear
};

// The Annex 2 coefficients, phase by phase.
const std::array<std::array<float, TruePeakMeter::kTaps>, TruePeakMeter::kPhases>&
true_peak_coefficients() noexcept;

}  // namespace mixdown::analysis
