// 4x oversampling by two cascaded 2x stages of linear-phase halfband FIR filters in polyphase
// form (Bellanger, "Digital Processing of Signals", 1984; Harris, "Multirate Signal Processing
// for Communication Systems", 2004, ch. 8): in a halfband filter every other tap is zero, so the
// 2x interpolator's odd outputs are a pure delay and its even outputs a short symmetric FIR, and
// the decimator likewise. Taps are Kaiser-windowed sincs (Kaiser 1974).
//   stage 1 (fs <-> 2 fs): 63 taps, beta 7.5: flat to 0.40 fs, >= 75 dB rejection above 0.60 fs;
//   stage 2 (2 fs <-> 4 fs): 23 taps, beta 7.5: flat to 0.25 of its input band, for the
//   spectrum already band-limited by stage 1.
// Up then down is a pure delay of latency_frames() base frames (integer by construction: an
// extra one-sample delay at 2 fs makes the odd stage-2 delay whole).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace mixdown::dsp {

class Oversampler {
public:
  static constexpr int kFactor = 4;

  Oversampler();
  void prepare(int channels, std::size_t max_block_frames);  // allocates
  void reset() noexcept;
  // Upsamples n <= max_block_frames base frames of `channel`; returns 4n samples held in an
  // internal buffer for that channel (valid until the next upsample of that channel).
  std::span<float> upsample(int channel, const float* in, std::size_t n) noexcept;
  // Decimates up.size() = 4n samples back to n base frames of `channel` into out.
  void downsample(int channel, std::span<const float> up, float* out) noexcept;
  // Delay of upsample → downsample, in base frames.
  std::size_t latency_frames() const noexcept;

  // The halfband tap sets (full length, zero taps included) for tests.
  const std::vector<double>& stage1_taps() const noexcept { return h1_; }
  const std::vector<double>& stage2_taps() const noexcept { return h2_; }

private:
  struct Channel {
    std::vector<float> up1_hist, up2_hist, dn2_hist, dn1_hist;  // FIR histories
    std::vector<float> mid, up;                                  // 2n and 4n work buffers
    float dn2_delay = 0.0f;                                      // the extra 2x-rate sample
  };
  std::vector<double> h1_, h2_;          // full halfband designs
  std::vector<float> k1_, k2_;           // interpolator taps: the non-zero even taps, times 2
  std::vector<float> d1_, d2_;           // decimator taps: the same, times 1
  std::size_t c1_ = 0, c2_ = 0;          // centre indices (odd)
  std::vector<Channel> ch_;
  std::size_t max_block_ = 0;
};

}  // namespace mixdown::dsp
