// FFTW's planner (plan creation and destruction) is not thread-safe: every plan in the process
// must be made and destroyed under this one lock. Executing a plan needs no lock.
#pragma once

#include <fftw3.h>

#include <cstddef>
#include <mutex>

namespace mixdown::analysis {

std::mutex& fftw_planner_mutex() noexcept;

// Two real frames of one length through one complex transform: FFTW's forward transform of
// z = a + i·b, its spectrum split by the conjugate symmetry of a real signal's transform,
//   A[k] = (Z[k] + conj Z[n-k]) / 2,   B[k] = (Z[k] - conj Z[n-k]) / 2i,   k = 0 .. n/2.
// At the sizes the analyses use, one complex transform of n points (planned FFTW_ESTIMATE, as
// every plan here is) takes about 0.7 of the time of two real ones at 8192 points and under
// half at 2048 (bench: BM_RealPairFft). Each spectrum equals its own real transform's to
// float rounding (about 1e-7 of the larger frame's level).
class RealPairFft {
public:
  explicit RealPairFft(std::size_t n);  // n even
  ~RealPairFft();
  RealPairFft(const RealPairFft&) = delete;
  RealPairFft& operator=(const RealPairFft&) = delete;

  std::size_t size() const noexcept { return n_; }
  std::size_t bins() const noexcept { return n_ / 2 + 1; }
  // The frames, each times `window` (n values); b == nullptr transforms a alone (b = 0).
  void load(const float* a, const float* b, const float* window) noexcept;
  void execute() noexcept;

  // Bin k (0 .. n/2) of both spectra after execute().
  struct Bin {
    float ar, ai, br, bi;
  };
  Bin bin(std::size_t k) const noexcept {
    const fftwf_complex& p = out_[k];
    const fftwf_complex& w = out_[k == 0 ? 0 : n_ - k];
    return {0.5f * (p[0] + w[0]), 0.5f * (p[1] - w[1]), 0.5f * (p[1] + w[1]), 0.5f * (w[0] - p[0])};
  }
  // Both one-sided spectra (bins() values each).
  void split(fftwf_complex* a, fftwf_complex* b) const noexcept;

private:
  std::size_t n_;
  fftwf_complex* in_ = nullptr;
  fftwf_complex* out_ = nullptr;
  fftwf_plan plan_ = nullptr;
};

}  // namespace mixdown::analysis
