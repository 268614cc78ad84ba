// A long FIR filter by uniformly partitioned overlap-save convolution (FFTW, real transforms):
// the impulse response in partitions of P frames, each transformed once (2P points), and
// every P input frames one forward and one inverse transform plus a multiply-add per
// partition. Its cost per frame hardly depends on the filter's length, where a cascade of
// biquad sections costs in proportion to the sections: the master's 1/6-octave matching EQ
// (up to 55 bells plus the subsonic high-pass) runs about twice as fast this way, and the
// channels, independent, can run on different cores.
//
// No latency, for any block size: the current partition, partly filled, is transformed with
// zeros after its last frame, which reach the output only after that frame (the filter is
// causal), and the older partitions' contribution is summed once when the partition starts.
// Outputs depend on how the input was split into blocks only in their rounding (a block
// boundary inside a partition adds a transform), so the same blocks give the same bits.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace mixdown::dsp {

// The filter: its partitions' spectra (scaled by 1 / 2P for the inverse transform) and the
// transforms' plans, shared read-only by every channel that runs it.
class FirKernel {
public:
  // `partition` a power of two; the response is zero-padded to whole partitions.
  FirKernel(const std::vector<float>& impulse_response, std::size_t partition);
  ~FirKernel();
  FirKernel(const FirKernel&) = delete;
  FirKernel& operator=(const FirKernel&) = delete;

  std::size_t partition() const noexcept { return p_; }
  std::size_t partitions() const noexcept { return k_; }
  std::size_t length() const noexcept { return p_ * k_; }

private:
  friend class FirChannel;
  std::size_t p_, k_, bins_;
  std::size_t stride_;         // a spectrum's storage in floats: 2 bins_ rounded up to whole 64-byte lines
  float* spectra_ = nullptr;  // k_ spectra at stride_, interleaved complex
  void* forward_ = nullptr;   // fftwf_plan (r2c, 2P points)
  void* inverse_ = nullptr;   // fftwf_plan (c2r)
};

// One channel's state: the last 2P input frames, the older partitions' spectra and their sum.
class FirChannel {
public:
  explicit FirChannel(std::shared_ptr<const FirKernel> kernel);
  ~FirChannel();
  FirChannel(FirChannel&&) noexcept;
  FirChannel& operator=(FirChannel&&) noexcept;
  FirChannel(const FirChannel&) = delete;
  FirChannel& operator=(const FirChannel&) = delete;

  void reset() noexcept;
  // Filters x[0, n) in place. Never allocates.
  void process(float* x, std::size_t n) noexcept;

private:
  void free() noexcept;
  std::shared_ptr<const FirKernel> kernel_;
  float* window_ = nullptr;     // 2P: the previous partition, then the current one (zeros past fill_)
  float* out_ = nullptr;        // 2P: the inverse transform
  float* x_ = nullptr;          // the current window's spectrum (spectra are interleaved complex)
  float* acc_ = nullptr;        // sum over k >= 1 of X[j - k] H[k]
  float* y_ = nullptr;          // acc + X[j] H[0]
  float* hist_ = nullptr;       // k - 1 spectra at the kernel's stride: the last complete windows, a ring
  std::size_t head_ = 0;        // ring slot of the newest complete window
  std::size_t fill_ = 0;        // frames of the current partition received
  bool acc_ready_ = false;
};

}  // namespace mixdown::dsp
