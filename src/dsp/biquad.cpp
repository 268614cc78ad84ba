#include "dsp/biquad.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>


namespace mixdown::dsp {

static_assert(Processor<Biquad>);

namespace {

constexpr double kPi = std::numbers::pi;

struct Terms {
  double cos_w0, alpha;
};

double clamp_freq(double f, double fs) noexcept {
  if (!(f > 0.0)) f = 1e-3;
  return std::min(f, 0.49 * fs);
}

Terms terms(double f, double q, double fs) noexcept {
  const double w0 = 2.0 * kPi * clamp_freq(f, fs) / fs;
  if (!(q > 0.0)) q = 1e-3;
  return {std::cos(w0), std::sin(w0) / (2.0 * q)};
}

BiquadCoeffs normalise(double b0, double b1, double b2, double a0, double a1, double a2) noexcept {
  const double inv = 1.0 / a0;
  return {b0 * inv, b1 * inv, b2 * inv, a1 * inv, a2 * inv};
}

}  // namespace

BiquadCoeffs BiquadCoeffs::low_pass(double f, double q, double fs) noexcept {
  const auto [c, a] = terms(f, q, fs);
  return normalise((1 - c) / 2, 1 - c, (1 - c) / 2, 1 + a, -2 * c, 1 - a);
}

BiquadCoeffs BiquadCoeffs::high_pass(double f, double q, double fs) noexcept {
  const auto [c, a] = terms(f, q, fs);
  return normalise((1 + c) / 2, -(1 + c), (1 + c) / 2, 1 + a, -2 * c, 1 - a);
}

BiquadCoeffs BiquadCoeffs::band_pass(double f, double q, double fs) noexcept {
  const auto [c, a] = terms(f, q, fs);
  return normalise(a, 0, -a, 1 + a, -2 * c, 1 - a);
}

BiquadCoeffs BiquadCoeffs::notch(double f, double q, double fs) noexcept {
  const auto [c, a] = terms(f, q, fs);
  return normalise(1, -2 * c, 1, 1 + a, -2 * c, 1 - a);
}

BiquadCoeffs BiquadCoeffs::all_pass(double f, double q, double fs) noexcept {
  const auto [c, a] = terms(f, q, fs);
  return normalise(1 - a, -2 * c, 1 + a, 1 + a, -2 * c, 1 - a);
}

BiquadCoeffs BiquadCoeffs::bell(double f, double g, double q, double fs) noexcept {
  if (g == 0.0) return identity();
  const auto [c, a] = terms(f, q, fs);
  const double A = std::pow(10.0, g / 40.0);
  return normalise(1 + a * A, -2 * c, 1 - a * A, 1 + a / A, -2 * c, 1 - a / A);
}

BiquadCoeffs BiquadCoeffs::low_shelf(double f, double g, double q, double fs) noexcept {
  if (g == 0.0) return identity();
  const auto [c, a] = terms(f, q, fs);
  const double A = std::pow(10.0, g / 40.0);
  const double k = 2 * std::sqrt(A) * a;
  return normalise(A * ((A + 1) - (A - 1) * c + k), 2 * A * ((A - 1) - (A + 1) * c),
                   A * ((A + 1) - (A - 1) * c - k), (A + 1) + (A - 1) * c + k,
                   -2 * ((A - 1) + (A + 1) * c), (A + 1) + (A - 1) * c - k);
}

BiquadCoeffs BiquadCoeffs::high_shelf(double f, double g, double q, double fs) noexcept {
  if (g == 0.0) return identity();
  const auto [c, a] = terms(f, q, fs);
  const double A = std::pow(10.0, g / 40.0);
  const double k = 2 * std::sqrt(A) * a;
  return normalise(A * ((A + 1) + (A - 1) * c + k), -2 * A * ((A - 1) + (A + 1) * c),
                   A * ((A + 1) + (A - 1) * c - k), (A + 1) - (A - 1) * c + k,
                   2 * ((A - 1) - (A + 1) * c), (A + 1) - (A - 1) * c - k);
}

BiquadCoeffs BiquadCoeffs::first_order_low_pass(double f, double fs) noexcept {
  const double k = std::tan(kPi * clamp_freq(f, fs) / fs);
  const double inv = 1.0 / (1.0 + k);
  return {k * inv, k * inv, 0.0, (k - 1.0) * inv, 0.0};
}

BiquadCoeffs BiquadCoeffs::first_order_high_pass(double f, double fs) noexcept {
  const double k = std::tan(kPi * clamp_freq(f, fs) / fs);
  const double inv = 1.0 / (1.0 + k);
  return {inv, -inv, 0.0, (k - 1.0) * inv, 0.0};
}

BiquadCoeffs BiquadCoeffs::from_band(const EqBand& b, double fs) noexcept {
  if (!b.enabled) return identity();
  switch (b.type) {
    case EqType::bell: return bell(b.freq_hz, b.gain_db, b.q, fs);
    case EqType::low_shelf: return low_shelf(b.freq_hz, b.gain_db, b.q, fs);
    case EqType::high_shelf: return high_shelf(b.freq_hz, b.gain_db, b.q, fs);
    case EqType::notch: return notch(b.freq_hz, b.q, fs);
    case EqType::high_pass: return high_pass(b.freq_hz, b.q, fs);
    case EqType::low_pass: return low_pass(b.freq_hz, b.q, fs);
  }
  return identity();
}

double BiquadCoeffs::magnitude_db(double f, double fs) const noexcept {
  const std::complex<double> z1 = std::polar(1.0, -2.0 * kPi * f / fs);
  const std::complex<double> z2 = z1 * z1;
  const auto num = b0 + b1 * z1 + b2 * z2;
  const auto den = 1.0 + a1 * z1 + a2 * z2;
  return 20.0 * std::log10(std::abs(num) / std::abs(den));
}

std::size_t biquad_tail_frames(const BiquadCoeffs& c) noexcept {
  if (c.a1 == 0.0 && c.a2 == 0.0) return 2;
  // Largest pole radius of z^2 + a1 z + a2.
  const double disc = c.a1 * c.a1 - 4.0 * c.a2;
  double r;
  if (disc < 0.0) {
    r = std::sqrt(std::max(0.0, c.a2));
  } else {
    const double s = std::sqrt(disc);
    r = std::max(std::abs((-c.a1 + s) / 2.0), std::abs((-c.a1 - s) / 2.0));
  }
  if (!(r < 1.0)) return 1u << 20;
  if (r <= 0.0) return 2;
  const double n = std::log(1e-6) / std::log(r);  // -120 dB
  return static_cast<std::size_t>(std::min(n, 1048576.0)) + 2;
}

// ---------------------------------------------------------------------------------------------
// BiquadCascade

namespace {

using V2 = double __attribute__((vector_size(16)));

// N sections fused in one sample loop, Direct Form I. V is double (one channel) or V2 (a channel
// pair). DF-I rather than TDF-II: its recursion y(n) = t(n) - a1 y(n-1) puts one multiply and
// one subtraction on the loop-carried path (TDF-II needs three dependent operations), which is
// what limits a lone section; and it copes better with coefficients that change between blocks.
// In the cascade, section k+1's input history is section k's output history.
template <int N, class V, class Load, class Store>
inline void run_fused(const BiquadCoeffs* c, V& xh1, V& xh2, V* y1, V* y2, std::size_t frames,
                      Load load, Store store) noexcept {
  V b0[N], b1[N], b2[N], a1[N], a2[N], h1[N], h2[N];
  for (int k = 0; k < N; ++k) {
    b0[k] = V{} + c[k].b0;
    b1[k] = V{} + c[k].b1;
    b2[k] = V{} + c[k].b2;
    a1[k] = V{} + c[k].a1;
    a2[k] = V{} + c[k].a2;
    h1[k] = y1[k];
    h2[k] = y2[k];
  }
  V in1 = xh1, in2 = xh2;
  for (std::size_t i = 0; i < frames; ++i) {
    const V input = load(i);
    V x = input, p1 = in1, p2 = in2;
    for (int k = 0; k < N; ++k) {
      // The terms that do not depend on this frame's input first, so the chain from one
      // section to the next is one multiply and two adds, and the recursion one multiply and
      // one subtraction.
      const V u = b1[k] * p1 + b2[k] * p2 - a2[k] * h2[k];
      const V y = (u + b0[k] * x) - a1[k] * h1[k];
      p1 = h1[k];
      p2 = h2[k];
      h2[k] = h1[k];
      h1[k] = y;
      x = y;
    }
    in2 = in1;
    in1 = input;
    store(i, x);
  }
  xh1 = in1;
  xh2 = in2;
  for (int k = 0; k < N; ++k) {
    y1[k] = h1[k];
    y2[k] = h2[k];
  }
}

template <class V, class Load, class Store>
inline void run_group(int n, const BiquadCoeffs* c, V& xh1, V& xh2, V* y1, V* y2,
                      std::size_t frames, Load load, Store store) noexcept {
  switch (n) {
    case 1: run_fused<1>(c, xh1, xh2, y1, y2, frames, load, store); break;
    case 2: run_fused<2>(c, xh1, xh2, y1, y2, frames, load, store); break;
    case 3: run_fused<3>(c, xh1, xh2, y1, y2, frames, load, store); break;
    default: run_fused<4>(c, xh1, xh2, y1, y2, frames, load, store); break;
  }
}

// A state that has decayed far below audibility is set to zero so the recursion never runs on
// subnormal numbers during long silences; a non-finite state (a NaN or Inf got in) is cleared
// so one bad input sample cannot silence the rest of the render.
inline double flush(double s) noexcept { return std::abs(s) < 1e-30 || !std::isfinite(s) ? 0.0 : s; }

}  // namespace

void BiquadCascade::prepare(int channels, std::size_t max_sections) {
  channels_ = std::max(0, channels);
  capacity_ = std::max<std::size_t>(max_sections, std::max<std::size_t>(count_, 1));
  coeffs_.resize(capacity_);
  state_.assign(static_cast<std::size_t>(channels_) * capacity_, State{});
}

void BiquadCascade::reset() noexcept {
  for (auto& s : state_) s = State{};
}

void BiquadCascade::set_coeffs(const std::vector<BiquadCoeffs>& coeffs) {
  set_coeffs(coeffs.data(), coeffs.size());
}

void BiquadCascade::set_coeffs(const BiquadCoeffs* coeffs, std::size_t count) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < count; ++i)
    if (!coeffs[i].is_identity()) ++kept;
  if (kept > capacity_) {
    // Grow: re-lay the state at the new stride (allocates; only on a shape change).
    std::vector<State> grown(static_cast<std::size_t>(channels_) * kept);
    for (int ch = 0; ch < channels_; ++ch)
      for (std::size_t k = 0; k < count_; ++k)
        grown[static_cast<std::size_t>(ch) * kept + k] =
            state_[static_cast<std::size_t>(ch) * capacity_ + k];
    state_ = std::move(grown);
    capacity_ = kept;
    coeffs_.resize(capacity_);
  }
  std::size_t n = 0;
  for (std::size_t i = 0; i < count; ++i)
    if (!coeffs[i].is_identity()) coeffs_[n++] = coeffs[i];
  // Sections that disappeared leave their state behind: clear it so a later re-use starts clean.
  for (std::size_t k = n; k < count_; ++k)
    for (int ch = 0; ch < channels_; ++ch) state_[static_cast<std::size_t>(ch) * capacity_ + k] = {};
  count_ = n;
}

double BiquadCascade::magnitude_db(double f, double fs) const noexcept {
  double db = 0.0;
  for (std::size_t k = 0; k < count_; ++k) db += coeffs_[k].magnitude_db(f, fs);
  return db;
}

void BiquadCascade::process_pair(int c, float* left, float* right, std::size_t frames) noexcept {
  State* sl = &state_[static_cast<std::size_t>(c) * capacity_];
  State* sr = &state_[static_cast<std::size_t>(c + 1) * capacity_];
  for (std::size_t k0 = 0; k0 < count_; k0 += 4) {
    const int n = static_cast<int>(std::min<std::size_t>(4, count_ - k0));
    V2 xh1{sl[k0].x1, sr[k0].x1}, xh2{sl[k0].x2, sr[k0].x2};
    V2 y1[4], y2[4];
    for (int k = 0; k < n; ++k) {
      y1[k] = V2{sl[k0 + k].y1, sr[k0 + k].y1};
      y2[k] = V2{sl[k0 + k].y2, sr[k0 + k].y2};
    }
    run_group<V2>(
        n, &coeffs_[k0], xh1, xh2, y1, y2, frames,
        [left, right](std::size_t i) { return V2{left[i], right[i]}; },
        [left, right](std::size_t i, V2 y) {
          left[i] = static_cast<float>(y[0]);
          right[i] = static_cast<float>(y[1]);
        });
    for (int k = 0; k < n; ++k) {
      const V2 in1 = k == 0 ? xh1 : y1[k - 1], in2 = k == 0 ? xh2 : y2[k - 1];
      sl[k0 + k] = {flush(in1[0]), flush(in2[0]), flush(y1[k][0]), flush(y2[k][0])};
      sr[k0 + k] = {flush(in1[1]), flush(in2[1]), flush(y1[k][1]), flush(y2[k][1])};
    }
  }
}

namespace {

// One section, one frame, scalar: the same operations in the same order as run_fused, so every
// path gives the same bits.
inline double step(const BiquadCoeffs& c, double x, double& x1, double& x2, double& y1,
                   double& y2) noexcept {
  const double u = c.b1 * x1 + c.b2 * x2 - c.a2 * y2;
  const double y = (u + c.b0 * x) - c.a1 * y1;
  x2 = x1;
  x1 = x;
  y2 = y1;
  y1 = y;
  return y;
}

// A mono cascade of up to 2M sections, skewed: in iteration i, section j works on frame i - j,
// so no section waits for the one before it within an iteration, and two sections share each
// two-lane vector (lanes 2m, 2m+1). A lone channel thus gets the vector throughput a channel
// pair gets from run_fused. The first and last 2M-1 iterations, where some sections have no
// frame to work on, run section by section in scalar code. Missing sections are the identity
// (b0 = 1), which passes its input through exactly.
template <int M>
void run_skewed_mono(const BiquadCoeffs* c, int count, double* x1s, double* x2s, double* y1s,
                     double* y2s, float* data, std::size_t n) noexcept {
  constexpr int S = 2 * M;
  BiquadCoeffs cs[S];
  for (int j = 0; j < S; ++j) cs[j] = j < count ? c[j] : BiquadCoeffs{};
  V2 B0[M], B1[M], B2[M], A1[M], A2[M], X1[M], X2[M], Y1[M], Y2[M];
  for (int m = 0; m < M; ++m) {
    const int a = 2 * m, b = 2 * m + 1;
    B0[m] = V2{cs[a].b0, cs[b].b0};
    B1[m] = V2{cs[a].b1, cs[b].b1};
    B2[m] = V2{cs[a].b2, cs[b].b2};
    A1[m] = V2{cs[a].a1, cs[b].a1};
    A2[m] = V2{cs[a].a2, cs[b].a2};
    X1[m] = V2{x1s[a], x1s[b]};
    X2[m] = V2{x2s[a], x2s[b]};
    Y1[m] = V2{y1s[a], y1s[b]};
    Y2[m] = V2{y2s[a], y2s[b]};
  }
  // Scalar iteration i: every section whose frame i - j lies in [0, n), last section first so
  // each reads its predecessor's output of the previous iteration.
  auto masked = [&](std::size_t i) {
    for (int j = S - 1; j >= 0; --j) {
      const std::ptrdiff_t f = static_cast<std::ptrdiff_t>(i) - j;
      if (f < 0 || f >= static_cast<std::ptrdiff_t>(n)) continue;
      const int m = j / 2, l = j % 2;
      const double x = j == 0 ? double{data[i]} : Y1[(j - 1) / 2][(j - 1) % 2];
      double a = X1[m][l], b = X2[m][l], y1 = Y1[m][l], y2 = Y2[m][l];
      const double y = step(cs[j], x, a, b, y1, y2);
      X1[m][l] = a;
      X2[m][l] = b;
      Y1[m][l] = y1;
      Y2[m][l] = y2;
      if (j == S - 1) data[f] = static_cast<float>(y);
    }
  };
  const std::size_t lead = S - 1, total = n + lead;
  std::size_t i = 0;
  for (; i < std::min(lead, total); ++i) masked(i);
  for (; i < n; ++i) {
    V2 in[M];
    in[0] = V2{double{data[i]}, Y1[0][0]};
    for (int m = 1; m < M; ++m) in[m] = V2{Y1[m - 1][1], Y1[m][0]};
    for (int m = 0; m < M; ++m) {
      const V2 u = B1[m] * X1[m] + B2[m] * X2[m] - A2[m] * Y2[m];
      const V2 y = (u + B0[m] * in[m]) - A1[m] * Y1[m];
      X2[m] = X1[m];
      X1[m] = in[m];
      Y2[m] = Y1[m];
      Y1[m] = y;
    }
    data[i - lead] = static_cast<float>(Y1[M - 1][1]);
  }
  for (; i < total; ++i) masked(i);
  for (int j = 0; j < count; ++j) {
    x1s[j] = X1[j / 2][j % 2];
    x2s[j] = X2[j / 2][j % 2];
    y1s[j] = Y1[j / 2][j % 2];
    y2s[j] = Y2[j / 2][j % 2];
  }
}

}  // namespace

void BiquadCascade::process_channel(int c, float* data, std::size_t frames) noexcept {
  if (c < 0 || c >= channels_) return;
  State* st = &state_[static_cast<std::size_t>(c) * capacity_];
  if (count_ >= 2) {
    // Skewed groups of up to four sections: the same grouping as the pair kernel (which rounds
    // to float between groups), so a channel gives the same bits whether it runs alone or in
    // a pair. (Groups of eight measured only ~10 % faster on a loaded 2-core machine.)
    for (std::size_t k0 = 0; k0 < count_; k0 += 4) {
      const int n = static_cast<int>(std::min<std::size_t>(4, count_ - k0));
      double x1[4], x2[4], y1[4], y2[4];
      for (int k = 0; k < n; ++k) {
        const State& s = st[k0 + static_cast<std::size_t>(k)];
        x1[k] = s.x1;
        x2[k] = s.x2;
        y1[k] = s.y1;
        y2[k] = s.y2;
      }
      const BiquadCoeffs* cs = &coeffs_[k0];
      if (n <= 2) {
        run_skewed_mono<1>(cs, n, x1, x2, y1, y2, data, frames);
      } else {
        run_skewed_mono<2>(cs, n, x1, x2, y1, y2, data, frames);
      }
      for (int k = 0; k < n; ++k)
        st[k0 + static_cast<std::size_t>(k)] = {flush(x1[k]), flush(x2[k]), flush(y1[k]), flush(y2[k])};
    }
    return;
  }
  for (std::size_t k0 = 0; k0 < count_; k0 += 4) {
    const int n = static_cast<int>(std::min<std::size_t>(4, count_ - k0));
    double xh1 = st[k0].x1, xh2 = st[k0].x2;
    double y1[4], y2[4];
    for (int k = 0; k < n; ++k) {
      y1[k] = st[k0 + k].y1;
      y2[k] = st[k0 + k].y2;
    }
    run_group<double>(
        n, &coeffs_[k0], xh1, xh2, y1, y2, frames, [data](std::size_t i) { return double{data[i]}; },
        [data](std::size_t i, double y) { data[i] = static_cast<float>(y); });
    for (int k = 0; k < n; ++k) {
      const double in1 = k == 0 ? xh1 : y1[k - 1], in2 = k == 0 ? xh2 : y2[k - 1];
      st[k0 + k] = {flush(in1), flush(in2), flush(y1[k]), flush(y2[k])};
    }
  }
}

void BiquadCascade::process(const AudioView& io) noexcept {
  if (count_ == 0) return;
  const int nc = std::min(io.num_channels(), channels_);
  const std::size_t frames = io.num_frames();
  int c = 0;
  for (; c + 1 < nc; c += 2) process_pair(c, io.channel(c), io.channel(c + 1), frames);
  if (c < nc) process_channel(c, io.channel(c), frames);
}

// ---------------------------------------------------------------------------------------------
// Biquad

void Biquad::set_settings(const EqBand& band) {
  band_ = band;
  from_band_ = true;
  update();
}

void Biquad::set_coeffs(const BiquadCoeffs& c) {
  coeffs_ = c;
  from_band_ = false;
  cascade_.set_coeffs(&coeffs_, 1);
}

void Biquad::prepare(const ProcessSpec& spec) {
  sample_rate_ = spec.sample_rate;
  cascade_.prepare(spec.channels, 1);
  update();
  cascade_.reset();
}

void Biquad::update() {
  if (from_band_) coeffs_ = BiquadCoeffs::from_band(band_, sample_rate_);
  cascade_.set_coeffs(&coeffs_, 1);
}

std::size_t Biquad::tail_frames() const noexcept {
  return coeffs_.is_identity() ? 0 : biquad_tail_frames(coeffs_);
}

}  // namespace mixdown::dsp
