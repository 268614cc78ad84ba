#include "dsp/fir_convolver.hpp"

#include <fftw3.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "core/simd.hpp"
#include "dsp/fftw_planner.hpp"

namespace mixdown::dsp {
namespace {

// Spectra are stored interleaved (FFTW's r2c layout: re, im per bin) at a stride of whole
// 64-byte lines, so the multiply-add below is plain vector arithmetic at any partition's offset.
// FFTW_ESTIMATE plans the interleaved transforms with its vector codelets; the split (guru)
// layout ran scalar codelets and cost about twice as much per frame (BM_FirConvolver).
std::size_t stride_for(std::size_t bins) { return (bins + 7) / 8 * 16; }  // floats

// Bins of the older partitions' sum computed together (4 KB of it).
constexpr std::size_t kAccRun = 512;

float* alloc_zeroed(std::size_t n) {
  float* p = fftwf_alloc_real(n);
  if (!p) throw std::bad_alloc();
  std::fill_n(p, n, 0.0f);
  return p;
}

fftwf_plan plan_forward(std::size_t n, float* in, float* spectrum) {
  return fftwf_plan_dft_r2c_1d(static_cast<int>(n), in, reinterpret_cast<fftwf_complex*>(spectrum), FFTW_ESTIMATE);
}

fftwf_plan plan_inverse(std::size_t n, float* spectrum, float* out) {
  return fftwf_plan_dft_c2r_1d(static_cast<int>(n), reinterpret_cast<fftwf_complex*>(spectrum), out, FFTW_ESTIMATE);
}

void forward(void* plan, float* in, float* spectrum) noexcept {
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(plan), in, reinterpret_cast<fftwf_complex*>(spectrum));
}

// y = a + x * h over n interleaved bins (y may be a). No fused multiply-add (the build contracts
// none), so every clone rounds alike.
MIXDOWN_SIMD_CLONES_WIDE
void multiply_add(float* y, const float* a, const float* __restrict x, const float* __restrict h, std::size_t n) noexcept {
  for (std::size_t i = 0; i < 2 * n; i += 2) {
    const float xr = x[i], xi = x[i + 1], hr = h[i], hi = h[i + 1];
    const float re = a[i] + (xr * hr - xi * hi), im = a[i + 1] + (xr * hi + xi * hr);
    y[i] = re;
    y[i + 1] = im;
  }
}

}  // namespace

FirKernel::FirKernel(const std::vector<float>& h, std::size_t partition) : p_(partition) {
  if (p_ == 0 || (p_ & (p_ - 1)) != 0) throw std::invalid_argument("FirKernel: the partition must be a power of two");
  k_ = std::max<std::size_t>(1, (h.size() + p_ - 1) / p_);
  bins_ = p_ + 1;
  stride_ = stride_for(bins_);
  const std::size_t stride = stride_, n = 2 * p_;
  spectra_ = alloc_zeroed(k_ * stride);
  float* in = alloc_zeroed(n);
  float* t = alloc_zeroed(stride);
  {
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    forward_ = plan_forward(n, in, t);
    inverse_ = plan_inverse(n, t, in);
  }
  // H[m]: the m-th partition, zero-padded to 2P, scaled by 1 / 2P (FFTW's inverse is unscaled).
  const float scale = 1.0f / static_cast<float>(n);
  for (std::size_t m = 0; m < k_; ++m) {
    std::fill_n(in, n, 0.0f);
    const std::size_t from = m * p_, count = std::min(p_, h.size() - std::min(h.size(), from));
    std::copy_n(h.data() + from, count, in);
    forward(forward_, in, t);
    for (std::size_t b = 0; b < 2 * bins_; ++b) spectra_[m * stride + b] = t[b] * scale;
  }
  fftwf_free(in);
  fftwf_free(t);
}

FirKernel::~FirKernel() {
  {
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    if (forward_) fftwf_destroy_plan(static_cast<fftwf_plan>(forward_));
    if (inverse_) fftwf_destroy_plan(static_cast<fftwf_plan>(inverse_));
  }
  fftwf_free(spectra_);
}

FirChannel::FirChannel(std::shared_ptr<const FirKernel> kernel) : kernel_(std::move(kernel)) {
  const std::size_t p = kernel_->p_, stride = kernel_->stride_;
  const std::size_t ring = std::max<std::size_t>(1, kernel_->k_ - 1);
  window_ = alloc_zeroed(2 * p);
  out_ = alloc_zeroed(2 * p);
  x_ = alloc_zeroed(stride);
  acc_ = alloc_zeroed(stride);
  y_ = alloc_zeroed(stride);
  hist_ = alloc_zeroed(ring * stride);
}

void FirChannel::free() noexcept {
  for (float** p : {&window_, &out_, &x_, &acc_, &y_, &hist_}) {
    fftwf_free(*p);
    *p = nullptr;
  }
}

FirChannel::~FirChannel() { free(); }

FirChannel::FirChannel(FirChannel&& o) noexcept { *this = std::move(o); }

FirChannel& FirChannel::operator=(FirChannel&& o) noexcept {
  if (this != &o) {
    free();
    kernel_ = std::move(o.kernel_);
    for (auto [a, b] : {std::pair{&window_, &o.window_}, {&out_, &o.out_}, {&x_, &o.x_}, {&acc_, &o.acc_},
                        {&y_, &o.y_}, {&hist_, &o.hist_}})
      *a = std::exchange(*b, nullptr);
    head_ = o.head_;
    fill_ = o.fill_;
    acc_ready_ = o.acc_ready_;
  }
  return *this;
}

void FirChannel::reset() noexcept {
  if (!kernel_) return;  // moved from
  const std::size_t p = kernel_->p_, stride = kernel_->stride_;
  const std::size_t ring = std::max<std::size_t>(1, kernel_->k_ - 1);
  std::fill_n(window_, 2 * p, 0.0f);
  std::fill_n(hist_, ring * stride, 0.0f);
  head_ = 0;
  fill_ = 0;
  acc_ready_ = false;
}

void FirChannel::process(float* x, std::size_t n) noexcept {
  const FirKernel& k = *kernel_;
  const std::size_t p = k.p_, bins = k.bins_, stride = k.stride_;
  const std::size_t ring = std::max<std::size_t>(1, k.k_ - 1);
  const auto inverse = static_cast<fftwf_plan>(k.inverse_);
  while (n > 0) {
    if (!acc_ready_) {
      // The older windows' part of this partition's output, fixed once it starts: window
      // j - m (ring slot head_ - (m - 1)) through partition m of the filter.
      // In runs of kAccRun bins, so each run of acc_ stays in L1 over all the partitions.
      std::fill_n(acc_, stride, 0.0f);
      for (std::size_t b = 0; b < bins; b += kAccRun) {
        const std::size_t n_b = std::min(kAccRun, bins - b);
        for (std::size_t m = 1; m < k.k_; ++m) {
          const std::size_t at = ((head_ + ring - (m - 1)) % ring) * stride + 2 * b;
          multiply_add(acc_ + 2 * b, acc_ + 2 * b, hist_ + at, k.spectra_ + m * stride + 2 * b, n_b);
        }
      }
      acc_ready_ = true;
    }
    const std::size_t take = std::min(n, p - fill_);
    std::copy_n(x, take, window_ + p + fill_);
    fill_ += take;
    // A complete window's spectrum goes straight to its slot in the history.
    const bool complete = fill_ == p && k.k_ > 1;
    float* const spectrum = complete ? hist_ + ((head_ + 1) % ring) * stride : x_;
    forward(k.forward_, window_, spectrum);
    multiply_add(y_, acc_, spectrum, k.spectra_, bins);
    fftwf_execute_dft_c2r(inverse, reinterpret_cast<fftwf_complex*>(y_), out_);
    // Overlap-save: the window's second half is this partition's output; its frames up to
    // fill_ are exact (the zeros after them reach only later frames).
    std::copy_n(out_ + p + fill_ - take, take, x);
    if (fill_ == p) {
      if (complete) head_ = (head_ + 1) % ring;
      std::copy_n(window_ + p, p, window_);
      std::fill_n(window_ + p, p, 0.0f);
      fill_ = 0;
      acc_ready_ = false;
    }
    x += take;
    n -= take;
  }
}

}  // namespace mixdown::dsp
