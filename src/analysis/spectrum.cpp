#include "analysis/spectrum.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

#include "dsp/fftw_planner.hpp"
#include <numbers>

namespace mixdown::analysis {
namespace {


struct FftwFree {
  void operator()(void* p) const noexcept { fftwf_free(p); }
};

std::size_t fft_size_for(double rate) {
  std::size_t n = 1024;
  while (static_cast<double>(n) < 0.17 * rate) n *= 2;
  return n;
}

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double to_db(double p) { return p > 0 ? 10.0 * std::log10(p) : kNegInf; }

}  // namespace

const std::vector<double>& third_octave_nominal_hz() {
  static const std::vector<double> v{20,   25,   31.5, 40,   50,   63,    80,    100,
                                     125,  160,  200,  250,  315,  400,   500,   630,
                                     800,  1000, 1250, 1600, 2000, 2500,  3150,  4000,
                                     5000, 6300, 8000, 10000, 12500, 16000, 20000};
  return v;
}

struct SpectrumAccumulator::Impl {
  double rate = 48000;
  int channels = 0;
  std::vector<bool> included;
  int n_included = 0;
  std::size_t n = 0, hop = 0, bins = 0;
  std::vector<float> window;
  double window_power = 0;  // sum of w^2
  std::vector<std::vector<float>> pending;  // per channel, n samples
  std::size_t fill = 0;
  std::unique_ptr<float, FftwFree> in;
  std::vector<std::unique_ptr<fftwf_complex, FftwFree>> out;  // per channel
  fftwf_plan plan = nullptr;
  std::int64_t frames = 0;
  std::vector<double> power_sum, p0, p1, cross;

  ~Impl() {
    if (plan) {
      std::lock_guard lock(dsp::fftw_planner_mutex());
      fftwf_destroy_plan(plan);
    }
  }

  void run_frame() {
    for (int c = 0; c < channels; ++c) {
      const bool need = included[static_cast<std::size_t>(c)] || c < 2;
      if (!need) continue;
      const float* x = pending[static_cast<std::size_t>(c)].data();
      float* dst = in.get();
      for (std::size_t i = 0; i < n; ++i) dst[i] = x[i] * window[i];
      fftwf_execute_dft_r2c(plan, dst, out[static_cast<std::size_t>(c)].get());
    }
    // Stereo with both channels included: the total is p0 + p1, summed at the end.
    const bool pair_only = channels == 2 && n_included == 2;
    for (int c = 0; c < channels && !pair_only; ++c) {
      if (!included[static_cast<std::size_t>(c)]) continue;
      const fftwf_complex* X = out[static_cast<std::size_t>(c)].get();
      for (std::size_t k = 0; k < bins; ++k)
        power_sum[k] += static_cast<double>(X[k][0] * X[k][0] + X[k][1] * X[k][1]);
    }
    if (channels >= 2) {
      const fftwf_complex* L = out[0].get();
      const fftwf_complex* R = out[1].get();
      for (std::size_t k = 0; k < bins; ++k) {
        p0[k] += static_cast<double>(L[k][0] * L[k][0] + L[k][1] * L[k][1]);
        p1[k] += static_cast<double>(R[k][0] * R[k][0] + R[k][1] * R[k][1]);
        cross[k] += static_cast<double>(L[k][0] * R[k][0] + L[k][1] * R[k][1]);
      }
    }
    ++frames;
  }

  double total(std::size_t k) const {
    return (channels == 2 && n_included == 2) ? p0[k] + p1[k] : power_sum[k];
  }

  // One-sided scale of bin k so that the bins of a frame sum to its mean square.
  double scale(std::size_t k) const {
    const double s = 1.0 / (static_cast<double>(n) * window_power);
    return (k == 0 || k == bins - 1) ? s : 2.0 * s;
  }

  // Sum of f(k) * scale(k) over bins, bins straddling [lo, hi] weighted by their overlap.
  template <class F>
  double integrate(double lo, double hi, F&& f) const {
    const double df = rate / static_cast<double>(n);
    hi = std::min(hi, rate / 2.0);
    if (!(hi > lo)) return 0.0;
    const auto k0 = static_cast<std::size_t>(std::max(0.0, std::floor(lo / df - 0.5)));
    const auto k1 = std::min(bins - 1, static_cast<std::size_t>(std::ceil(hi / df + 0.5)));
    double sum = 0.0;
    for (std::size_t k = k0; k <= k1; ++k) {
      const double b_lo = (static_cast<double>(k) - 0.5) * df, b_hi = (static_cast<double>(k) + 0.5) * df;
      const double overlap = std::min(hi, b_hi) - std::max(lo, b_lo);
      if (overlap <= 0) continue;
      sum += overlap / df * scale(k) * f(k);
    }
    return sum;
  }
};

SpectrumAccumulator::SpectrumAccumulator(double sample_rate, int channels, std::vector<bool> included)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.rate = sample_rate;
  s.channels = channels;
  s.included = included.empty() ? std::vector<bool>(static_cast<std::size_t>(channels), true) : included;
  s.included.resize(static_cast<std::size_t>(channels), false);
  s.n_included = static_cast<int>(std::count(s.included.begin(), s.included.end(), true));
  s.n = fft_size_for(sample_rate);
  s.hop = s.n / 2;
  s.bins = s.n / 2 + 1;
  s.window.resize(s.n);
  for (std::size_t i = 0; i < s.n; ++i) {
    const double w = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(s.n));
    s.window[i] = static_cast<float>(w);
    s.window_power += w * w;
  }
  s.pending.assign(static_cast<std::size_t>(channels), std::vector<float>(s.n, 0.0f));
  s.in.reset(fftwf_alloc_real(s.n));
  for (int c = 0; c < channels; ++c) s.out.emplace_back(fftwf_alloc_complex(s.bins));
  {
    std::lock_guard lock(dsp::fftw_planner_mutex());
    s.plan = fftwf_plan_dft_r2c_1d(static_cast<int>(s.n), s.in.get(), s.out.empty() ? nullptr : s.out[0].get(),
                                   FFTW_ESTIMATE);
  }
  s.power_sum.assign(s.bins, 0.0);
  if (channels >= 2) {
    s.p0.assign(s.bins, 0.0);
    s.p1.assign(s.bins, 0.0);
    s.cross.assign(s.bins, 0.0);
  }
}

SpectrumAccumulator::~SpectrumAccumulator() = default;
SpectrumAccumulator::SpectrumAccumulator(SpectrumAccumulator&&) noexcept = default;
SpectrumAccumulator& SpectrumAccumulator::operator=(SpectrumAccumulator&&) noexcept = default;

void SpectrumAccumulator::set_no_overlap() noexcept { impl_->hop = impl_->n; }

void SpectrumAccumulator::add(const ConstAudioView& block) {
  Impl& s = *impl_;
  const std::size_t total = block.num_frames();
  std::size_t pos = 0;
  while (pos < total) {
    const std::size_t take = std::min(s.n - s.fill, total - pos);
    for (int c = 0; c < s.channels; ++c)
      std::copy_n(block.channel(c) + pos, take, s.pending[static_cast<std::size_t>(c)].data() + s.fill);
    s.fill += take;
    pos += take;
    if (s.fill == s.n) {
      s.run_frame();
      for (auto& p : s.pending) std::copy(p.begin() + static_cast<std::ptrdiff_t>(s.hop), p.end(), p.begin());
      s.fill = s.n - s.hop;
    }
  }
}

void SpectrumAccumulator::finish() {
  Impl& s = *impl_;
  // A file shorter than one frame still gets a (zero-padded) spectrum.
  if (s.frames == 0 && s.fill > 0) {
    for (auto& p : s.pending) std::fill(p.begin() + static_cast<std::ptrdiff_t>(s.fill), p.end(), 0.0f);
    s.run_frame();
  }
}

std::size_t SpectrumAccumulator::fft_size() const noexcept { return impl_->n; }
std::int64_t SpectrumAccumulator::frames_analysed() const noexcept { return impl_->frames; }
double SpectrumAccumulator::bin_hz() const noexcept { return impl_->rate / static_cast<double>(impl_->n); }

std::vector<double> SpectrumAccumulator::power() const {
  const Impl& s = *impl_;
  std::vector<double> p(s.bins, 0.0);
  if (s.frames == 0 || s.n_included == 0) return p;
  const double norm = 1.0 / (static_cast<double>(s.frames) * s.n_included);
  for (std::size_t k = 0; k < s.bins; ++k) p[k] = s.total(k) * s.scale(k) * norm;
  return p;
}

double SpectrumAccumulator::band_power(double lo, double hi) const {
  const Impl& s = *impl_;
  if (s.frames == 0 || s.n_included == 0) return 0.0;
  const double norm = 1.0 / (static_cast<double>(s.frames) * s.n_included);
  return s.integrate(lo, hi, [&](std::size_t k) { return s.total(k); }) * norm;
}

std::vector<double> SpectrumAccumulator::third_octave_db() const {
  std::vector<double> out;
  const auto& nominal = third_octave_nominal_hz();
  for (std::size_t i = 0; i < nominal.size(); ++i) {
    const double fc = std::pow(10.0, (13.0 + static_cast<double>(i)) / 10.0);  // base-10 exact
    const double lo = fc * std::pow(10.0, -0.05), hi = fc * std::pow(10.0, 0.05);
    out.push_back(lo >= impl_->rate / 2.0 ? kNegInf : to_db(band_power(lo, hi)));
  }
  return out;
}

BandArray SpectrumAccumulator::bands_db() const {
  BandArray b{};
  for (std::size_t i = 0; i < b.size(); ++i) {
    const double lo = kBandEdgesHz[i], hi = kBandEdgesHz[i + 1];
    b[i] = lo >= impl_->rate / 2.0 ? kNegInf : to_db(band_power(lo, hi));
  }
  return b;
}

double SpectrumAccumulator::centroid_hz() const {
  const Impl& s = *impl_;
  const double df = s.rate / static_cast<double>(s.n);
  double num = 0.0, den = 0.0;
  for (std::size_t k = 1; k < s.bins; ++k) {
    const double f = static_cast<double>(k) * df;
    if (f < 20.0 || f > 20000.0) continue;
    num += f * s.total(k);
    den += s.total(k);
  }
  return den > 0 ? num / den : 0.0;
}

double SpectrumAccumulator::tilt_db_per_octave() const {
  const auto db = third_octave_db();
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int n = 0;
  for (std::size_t i = 0; i < db.size(); ++i) {
    const double fc = std::pow(10.0, (13.0 + static_cast<double>(i)) / 10.0);
    if (!std::isfinite(db[i]) || fc * std::pow(10.0, 0.05) > impl_->rate / 2.0) continue;
    const double x = std::log2(fc);
    sx += x;
    sy += db[i];
    sxx += x * x;
    sxy += x * db[i];
    ++n;
  }
  if (n < 3) return 0.0;
  const double d = n * sxx - sx * sx;
  return d > 0 ? (n * sxy - sx * sy) / d : 0.0;
}

double SpectrumAccumulator::correlation(double lo, double hi) const {
  const Impl& s = *impl_;
  if (s.channels < 2 || s.frames == 0) return 1.0;
  const double a = s.integrate(lo, hi, [&](std::size_t k) { return s.p0[k]; });
  const double b = s.integrate(lo, hi, [&](std::size_t k) { return s.p1[k]; });
  const double c = s.integrate(lo, hi, [&](std::size_t k) { return s.cross[k]; });
  if (a <= 0 || b <= 0) return (a <= 0 && b <= 0) ? 1.0 : 0.0;
  return std::clamp(c / std::sqrt(a * b), -1.0, 1.0);
}

double SpectrumAccumulator::side_to_mid(double lo, double hi) const {
  const Impl& s = *impl_;
  if (s.channels < 2 || s.frames == 0) return 0.0;
  const double a = s.integrate(lo, hi, [&](std::size_t k) { return s.p0[k]; });
  const double b = s.integrate(lo, hi, [&](std::size_t k) { return s.p1[k]; });
  const double c = s.integrate(lo, hi, [&](std::size_t k) { return s.cross[k]; });
  const double mid = std::max(0.0, a + b + 2 * c), side = std::max(0.0, a + b - 2 * c);
  if (mid <= 0) return side > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  return side / mid;
}

SpectrumAccumulator SpectrumAccumulator::fold_down(double gain) const {
  const Impl& s = *impl_;
  SpectrumAccumulator m(s.rate, 1);
  Impl& d = *m.impl_;
  d.frames = s.frames;
  // |G (L + R) / 2|^2 = G^2 / 4 (|L|^2 + |R|^2 + 2 Re(L R*)), summed over the same frames.
  const double q = 0.25 * gain * gain;
  if (s.channels >= 2)
    for (std::size_t k = 0; k < s.bins; ++k) d.power_sum[k] = q * (s.p0[k] + s.p1[k] + 2.0 * s.cross[k]);
  else
    for (std::size_t k = 0; k < s.bins; ++k) d.power_sum[k] = gain * gain * s.power_sum[k];
  return m;
}

}  // namespace mixdown::analysis
