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

// Spectra are stored split (real and imaginary parts apart) at a stride of whole 64-byte
// lines, so the multiply-add below is plain vector arithmetic at any partition's offset.
std::size_t stride_for(std::size_t bins) { return (bins + 15) / 16 * 16; }

float* alloc_zeroed(std::size_t n) {
  float* p = fftwf_alloc_real(n);
  if (!p) throw std::bad_alloc();
  std::fill_n(p, n, 0.0f);
  return p;
}

fftwf_plan plan_forward(std::size_t n, float* in, float* re, float* im) {
  fftwf_iodim dim{static_cast<int>(n), 1, 1};
  return fftwf_plan_guru_split_dft_r2c(1, &dim, 0, nullptr, in, re, im, FFTW_ESTIMATE);
}

fftwf_plan plan_inverse(std::size_t n, float* re, float* im, float* out) {
  fftwf_iodim dim{static_cast<int>(n), 1, 1};
  return fftwf_plan_guru_split_dft_c2r(1, &dim, 0, nullptr, re, im, out, FFTW_ESTIMATE);
}

// a += x * h over n bins. No fused multiply-add (the build contracts none), so every clone
// rounds alike.
MIXDOWN_SIMD_CLONES_WIDE
void multiply_add(float* __restrict ar, float* __restrict ai, const float* __restrict xr, const float* __restrict xi,
                  const float* __restrict hr, const float* __restrict hi, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const float a = xr[i], b = xi[i], c = hr[i], d = hi[i];
    ar[i] += a * c - b * d;
    ai[i] += a * d + b * c;
  }
}

}  // namespace

FirKernel::FirKernel(const std::vector<float>& h, std::size_t partition) : p_(partition) {
  if (p_ == 0 || (p_ & (p_ - 1)) != 0) throw std::invalid_argument("FirKernel: the partition must be a power of two");
  k_ = std::max<std::size_t>(1, (h.size() + p_ - 1) / p_);
  bins_ = p_ + 1;
  stride_ = stride_for(bins_);
  const std::size_t stride = stride_, n = 2 * p_;
  re_ = alloc_zeroed(k_ * stride);
  im_ = alloc_zeroed(k_ * stride);
  float* in = alloc_zeroed(n);
  float* tr = alloc_zeroed(stride);
  float* ti = alloc_zeroed(stride);
  {
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    forward_ = plan_forward(n, in, tr, ti);
    inverse_ = plan_inverse(n, tr, ti, in);
  }
  // H[m]: the m-th partition, zero-padded to 2P, scaled by 1 / 2P (FFTW's inverse is unscaled).
  const float scale = 1.0f / static_cast<float>(n);
  for (std::size_t m = 0; m < k_; ++m) {
    std::fill_n(in, n, 0.0f);
    const std::size_t from = m * p_, count = std::min(p_, h.size() - std::min(h.size(), from));
    std::copy_n(h.data() + from, count, in);
    fftwf_execute_split_dft_r2c(static_cast<fftwf_plan>(forward_), in, tr, ti);
    for (std::size_t b = 0; b < bins_; ++b) {
      re_[m * stride + b] = tr[b] * scale;
      im_[m * stride + b] = ti[b] * scale;
    }
  }
  fftwf_free(in);
  fftwf_free(tr);
  fftwf_free(ti);
}

FirKernel::~FirKernel() {
  {
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    if (forward_) fftwf_destroy_plan(static_cast<fftwf_plan>(forward_));
    if (inverse_) fftwf_destroy_plan(static_cast<fftwf_plan>(inverse_));
  }
  fftwf_free(re_);
  fftwf_free(im_);
}

FirChannel::FirChannel(std::shared_ptr<const FirKernel> kernel) : kernel_(std::move(kernel)) {
  const std::size_t p = kernel_->p_, stride = kernel_->stride_;
  const std::size_t ring = std::max<std::size_t>(1, kernel_->k_ - 1);
  window_ = alloc_zeroed(2 * p);
  out_ = alloc_zeroed(2 * p);
  xr_ = alloc_zeroed(stride);
  xi_ = alloc_zeroed(stride);
  accr_ = alloc_zeroed(stride);
  acci_ = alloc_zeroed(stride);
  yr_ = alloc_zeroed(stride);
  yi_ = alloc_zeroed(stride);
  histr_ = alloc_zeroed(ring * stride);
  histi_ = alloc_zeroed(ring * stride);
}

void FirChannel::free() noexcept {
  for (float** p : {&window_, &out_, &xr_, &xi_, &accr_, &acci_, &yr_, &yi_, &histr_, &histi_}) {
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
    for (auto [a, b] : {std::pair{&window_, &o.window_}, {&out_, &o.out_}, {&xr_, &o.xr_}, {&xi_, &o.xi_},
                        {&accr_, &o.accr_}, {&acci_, &o.acci_}, {&yr_, &o.yr_}, {&yi_, &o.yi_},
                        {&histr_, &o.histr_}, {&histi_, &o.histi_}})
      *a = std::exchange(*b, nullptr);
    head_ = o.head_;
    fill_ = o.fill_;
    acc_ready_ = o.acc_ready_;
  }
  return *this;
}

void FirChannel::reset() noexcept {
  if (!kernel_) return;
  const std::size_t p = kernel_->p_, stride = kernel_->stride_;
  const std::size_t ring = std::max<std::size_t>(1, kernel_->k_ - 1);
  std::fill_n(window_, 2 * p, 0.0f);
  std::fill_n(histr_, ring * stride, 0.0f);
  std::fill_n(histi_, ring * stride, 0.0f);
  head_ = 0;
  fill_ = 0;
  acc_ready_ = false;
}

void FirChannel::process(float* x, std::size_t n) noexcept {
  const FirKernel& k = *kernel_;
  const std::size_t p = k.p_, bins = k.bins_, stride = k.stride_;
  const std::size_t ring = std::max<std::size_t>(1, k.k_ - 1);
  const auto forward = static_cast<fftwf_plan>(k.forward_);
  const auto inverse = static_cast<fftwf_plan>(k.inverse_);
  while (n > 0) {
    if (!acc_ready_) {
      // The older windows' part of this partition's output, fixed once it starts: window
      // j - m (ring slot head_ - (m - 1)) through partition m of the filter.
      std::fill_n(accr_, stride, 0.0f);
      std::fill_n(acci_, stride, 0.0f);
      for (std::size_t m = 1; m < k.k_; ++m) {
        const std::size_t slot = (head_ + ring - (m - 1)) % ring;
        multiply_add(accr_, acci_, histr_ + slot * stride, histi_ + slot * stride, k.re_ + m * stride,
                     k.im_ + m * stride, bins);
      }
      acc_ready_ = true;
    }
    const std::size_t take = std::min(n, p - fill_);
    std::copy_n(x, take, window_ + p + fill_);
    fill_ += take;
    fftwf_execute_split_dft_r2c(forward, window_, xr_, xi_);
    std::copy_n(accr_, bins, yr_);
    std::copy_n(acci_, bins, yi_);
    multiply_add(yr_, yi_, xr_, xi_, k.re_, k.im_, bins);
    fftwf_execute_split_dft_c2r(inverse, yr_, yi_, out_);
    // Overlap-save: the window's second half is this partition's output; its frames up to
    // fill_ are exact (the zeros after them reach only later frames).
    std::copy_n(out_ + p + fill_ - take, take, x);
    if (fill_ == p) {
      if (k.k_ > 1) {
        head_ = (head_ + 1) % ring;
        std::copy_n(xr_, bins, histr_ + head_ * stride);
        std::copy_n(xi_, bins, histi_ + head_ * stride);
      }
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
