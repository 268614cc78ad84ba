#include "analysis/fftw_planner.hpp"

#include <new>

namespace mixdown::analysis {

std::mutex& fftw_planner_mutex() noexcept {
  static std::mutex m;
  return m;
}

RealPairFft::RealPairFft(std::size_t n) : n_(n) {
  std::lock_guard lock(fftw_planner_mutex());
  in_ = fftwf_alloc_complex(n);
  out_ = fftwf_alloc_complex(n);
  if (in_ && out_) plan_ = fftwf_plan_dft_1d(static_cast<int>(n), in_, out_, FFTW_FORWARD, FFTW_ESTIMATE);
  if (!plan_) {
    fftwf_free(in_);
    fftwf_free(out_);
    throw std::bad_alloc();
  }
}

RealPairFft::~RealPairFft() {
  std::lock_guard lock(fftw_planner_mutex());
  fftwf_destroy_plan(plan_);
  fftwf_free(in_);
  fftwf_free(out_);
}

void RealPairFft::load(const float* a, const float* b, const float* window) noexcept {
  if (b) {
    for (std::size_t i = 0; i < n_; ++i) {
      in_[i][0] = a[i] * window[i];
      in_[i][1] = b[i] * window[i];
    }
  } else {
    for (std::size_t i = 0; i < n_; ++i) {
      in_[i][0] = a[i] * window[i];
      in_[i][1] = 0.0f;
    }
  }
}

void RealPairFft::execute() noexcept { fftwf_execute(plan_); }

void RealPairFft::split(fftwf_complex* a, fftwf_complex* b) const noexcept {
  for (std::size_t k = 0; k <= n_ / 2; ++k) {
    const Bin x = bin(k);
    a[k][0] = x.ar;
    a[k][1] = x.ai;
    b[k][0] = x.br;
    b[k][1] = x.bi;
  }
}

}  // namespace mixdown::analysis
