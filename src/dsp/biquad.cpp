#include "dsp/biquad.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <type_traits>
#include <numbers>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(MIXDOWN_NO_SIMD_CLONES)
#include <immintrin.h>
#endif

#include "core/simd.hpp"

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

using V2 = simd::f64x2;

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

namespace {

// One section, one frame, scalar: the same operations in the same order as the vector kernels,
// so every path gives the same bits.
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

using V4 = simd::f64x4;
using I2 = long long __attribute__((vector_size(16)));
using I4 = long long __attribute__((vector_size(32)));

// Four lanes as two SSE2 registers, for CPUs without AVX: GCC's generic lowering of a 32-byte
// vector there is slow, and with the halves explicit the carry below is a register choice.
struct P2 {
  V2 lo, hi;
};
[[gnu::always_inline]] inline P2 operator+(const P2& a, const P2& b) noexcept { return {a.lo + b.lo, a.hi + b.hi}; }
[[gnu::always_inline]] inline P2 operator-(const P2& a, const P2& b) noexcept { return {a.lo - b.lo, a.hi - b.hi}; }
[[gnu::always_inline]] inline P2 operator*(const P2& a, const P2& b) noexcept { return {a.lo * b.lo, a.hi * b.hi}; }

// Lane access by reference (no 32-byte vector passes by value: that would change the ABI
// between the AVX and the baseline builds).
template <class V>
[[gnu::always_inline]] inline double get(const V& v, int k) noexcept {
  if constexpr (std::is_same_v<V, P2>) {
    return k < 2 ? v.lo[k] : v.hi[k - 2];
  } else {
    return v[k];
  }
}
template <class V>
[[gnu::always_inline]] inline void set(V& v, int k, double x) noexcept {
  if constexpr (std::is_same_v<V, P2>) {
    if (k < 2) {
      v.lo[k] = x;
    } else {
      v.hi[k - 2] = x;
    }
  } else {
    v[k] = x;
  }
}

// A cascade of up to 2M sections on L channels (1 or 2), skewed: in iteration i, section j
// works on frame i - j, so within an iteration no section waits for another and two sections
// share each vector (lanes [section 2m: L channels][section 2m+1: L channels]). An iteration
// then costs one section's latency however many sections it holds, and the vector units stay
// busy: two sections per 2-lane vector for one channel, two sections x two channels per
// 4-lane vector (one AVX register, or two SSE2 registers) for a pair. The first and last 2M-1
// iterations, where some sections have no frame to work on, run section by section in scalar
// code. Missing sections are the identity (b0 = 1), which passes its input through exactly.
// V is V2 (L = 1), V4 or P2 (L = 2).
template <class V, int L, int M>
[[gnu::always_inline]] inline void run_skewed(const BiquadCoeffs* c, int count, double (*hist)[4],
                                              float* const* data, std::size_t n) noexcept {
  constexpr int S = 2 * M;
  BiquadCoeffs cs[S];
  for (int j = 0; j < S; ++j) cs[j] = j < count ? c[j] : BiquadCoeffs{};
  // Lanes are gathered in plain arrays and loaded whole (element-wise insertion into a vector
  // reads it first, which GCC flags as possibly uninitialised).
  constexpr int W = 2 * L;
  double lanes[9][M][W];
  for (int j = 0; j < S; ++j)
    for (int ch = 0; ch < L; ++ch) {
      const int m = j / 2, lane = (j % 2) * L + ch;
      const double* h = hist[j * L + ch];
      lanes[0][m][lane] = cs[j].b0;
      lanes[1][m][lane] = cs[j].b1;
      lanes[2][m][lane] = cs[j].b2;
      lanes[3][m][lane] = cs[j].a1;
      lanes[4][m][lane] = cs[j].a2;
      // hist[j * L + ch] = {x1, x2, y1, y2} of section j, channel ch.
      for (int k = 0; k < 4; ++k) lanes[5 + k][m][lane] = j < count ? h[k] : 0.0;
    }
  V B0[M], B1[M], B2[M], A1[M], A2[M], X1[M], X2[M], Y1[M], Y2[M];
  V* const all[9] = {B0, B1, B2, A1, A2, X1, X2, Y1, Y2};
  for (int k = 0; k < 9; ++k)
    for (int m = 0; m < M; ++m) __builtin_memcpy(&all[k][m], lanes[k][m], sizeof(V));
  // Scalar iteration i: every section whose frame i - j lies in [0, n), last section first so
  // each reads its predecessor's output of the previous iteration.
  auto masked = [&](std::size_t i) {
    for (int j = S - 1; j >= 0; --j) {
      const std::ptrdiff_t f = static_cast<std::ptrdiff_t>(i) - j;
      if (f < 0 || f >= static_cast<std::ptrdiff_t>(n)) continue;
      const int m = j / 2;
      for (int ch = 0; ch < L; ++ch) {
        const int lane = (j % 2) * L + ch;
        const double x = j == 0 ? double{data[ch][i]} : get(Y1[(j - 1) / 2], ((j - 1) % 2) * L + ch);
        double a = get(X1[m], lane), b = get(X2[m], lane), y1 = get(Y1[m], lane), y2 = get(Y2[m], lane);
        const double y = step(cs[j], x, a, b, y1, y2);
        set(X1[m], lane, a);
        set(X2[m], lane, b);
        set(Y1[m], lane, y1);
        set(Y2[m], lane, y2);
        if (j == S - 1) data[ch][f] = static_cast<float>(y);
      }
    }
  };
  const std::size_t lead = S - 1, total = n + lead;
  std::size_t i = 0;
  for (; i < std::min(lead, total); ++i) masked(i);
  for (; i < n; ++i) {
    // Last vector first, so each reads its predecessor's outputs of the previous iteration.
    // Section 2m's input is section 2m-1's last output (upper lanes of vector m-1), section
    // 2m+1's is section 2m's (lower lanes of vector m).
    for (int m = M - 1; m >= 0; --m) {
      V in;
      if constexpr (std::is_same_v<V, P2>) {
        in = m > 0 ? P2{Y1[m - 1].hi, Y1[m].lo} : P2{V2{data[0][i], data[1][i]}, Y1[0].lo};
      } else if constexpr (L == 1) {
        constexpr I2 kCarry = {1, 2};
        in = m > 0 ? __builtin_shuffle(Y1[m - 1], Y1[m], kCarry) : V{double{data[0][i]}, Y1[0][0]};
      } else {
        constexpr I4 kCarry = {2, 3, 4, 5};
        if (m > 0) {
          in = __builtin_shuffle(Y1[m - 1], Y1[m], kCarry);
        } else {
          in = V{double{data[0][i]}, double{data[1][i]}, Y1[0][0], Y1[0][1]};
        }
      }
      const V u = B1[m] * X1[m] + B2[m] * X2[m] - A2[m] * Y2[m];
      const V y = (u + B0[m] * in) - A1[m] * Y1[m];
      X2[m] = X1[m];
      X1[m] = in;
      Y2[m] = Y1[m];
      Y1[m] = y;
    }
    for (int ch = 0; ch < L; ++ch) data[ch][i - lead] = static_cast<float>(get(Y1[M - 1], L + ch));
  }
  for (; i < total; ++i) masked(i);
  for (int j = 0; j < count; ++j)
    for (int ch = 0; ch < L; ++ch) {
      const int m = j / 2, lane = (j % 2) * L + ch;
      double* h = hist[j * L + ch];
      h[0] = get(X1[m], lane);
      h[1] = get(X2[m], lane);
      h[2] = get(Y1[m], lane);
      h[3] = get(Y2[m], lane);
    }
}

// A state that has decayed far below audibility is set to zero so the recursion never runs on
// subnormal numbers during long silences; a non-finite state (a NaN or Inf got in) is cleared
// so one bad input sample cannot silence the rest of the render.
inline double flush(double s) noexcept { return std::abs(s) < 1e-30 || !std::isfinite(s) ? 0.0 : s; }

constexpr int kGroup = 8;  // sections per skewed pass

// A lone section: nothing to overlap it with, so the plain recursion (one multiply and one
// subtraction on the loop-carried path) beats the skewed form, whose iteration also waits on
// the input shuffle. Same operations, same bits.
template <int L>
[[gnu::always_inline]] inline void run_single(const BiquadCoeffs& c, BiquadCascadeState* const* st,
                                              float* const* data, std::size_t n) noexcept {
  using V = std::conditional_t<L == 1, double, V2>;
  auto lanes = [&](double BiquadCascadeState::*field) {
    if constexpr (L == 1) {
      return (*st[0]).*field;
    } else {
      return V2{(*st[0]).*field, (*st[1]).*field};
    }
  };
  V x1 = lanes(&BiquadCascadeState::x1), x2 = lanes(&BiquadCascadeState::x2);
  V y1 = lanes(&BiquadCascadeState::y1), y2 = lanes(&BiquadCascadeState::y2);
  const V b0 = V{} + c.b0, b1 = V{} + c.b1, b2 = V{} + c.b2, a1 = V{} + c.a1, a2 = V{} + c.a2;
  for (std::size_t i = 0; i < n; ++i) {
    V x;
    if constexpr (L == 1) {
      x = data[0][i];
    } else {
      x = V2{data[0][i], data[1][i]};
    }
    const V u = b1 * x1 + b2 * x2 - a2 * y2;
    const V y = (u + b0 * x) - a1 * y1;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    if constexpr (L == 1) {
      data[0][i] = static_cast<float>(y);
    } else {
      data[0][i] = static_cast<float>(y[0]);
      data[1][i] = static_cast<float>(y[1]);
    }
  }
  for (int ch = 0; ch < L; ++ch) {
    auto lane = [&](V v) {
      if constexpr (L == 1) {
        return v;
      } else {
        return v[ch];
      }
    };
    *st[ch] = {flush(lane(x1)), flush(lane(x2)), flush(lane(y1)), flush(lane(y2))};
  }
}

// Skewed passes over groups of up to kGroup sections for L channels. Dispatched once per block.
template <int L, class V>
[[gnu::always_inline]] inline void run_cascade(const BiquadCoeffs* coeffs, std::size_t count, BiquadCascadeState* const* st,
                        float* const* data, std::size_t frames) noexcept {
  if (count == 1) {
    run_single<L>(coeffs[0], st, data, frames);
    return;
  }
  for (std::size_t k0 = 0; k0 < count; k0 += kGroup) {
    const int n = static_cast<int>(std::min<std::size_t>(kGroup, count - k0));
    double hist[kGroup * L][4];
    for (int k = 0; k < n; ++k)
      for (int ch = 0; ch < L; ++ch) {
        const BiquadCascadeState& s = st[ch][k0 + static_cast<std::size_t>(k)];
        hist[k * L + ch][0] = s.x1;
        hist[k * L + ch][1] = s.x2;
        hist[k * L + ch][2] = s.y1;
        hist[k * L + ch][3] = s.y2;
      }
    const BiquadCoeffs* cs = coeffs + k0;
    switch ((n + 1) / 2) {
      case 1: run_skewed<V, L, 1>(cs, n, hist, data, frames); break;
      case 2: run_skewed<V, L, 2>(cs, n, hist, data, frames); break;
      case 3: run_skewed<V, L, 3>(cs, n, hist, data, frames); break;
      default: run_skewed<V, L, 4>(cs, n, hist, data, frames); break;
    }
    for (int k = 0; k < n; ++k)
      for (int ch = 0; ch < L; ++ch) {
        const double* h = hist[k * L + ch];
        st[ch][k0 + static_cast<std::size_t>(k)] = {flush(h[0]), flush(h[1]), flush(h[2]), flush(h[3])};
      }
  }
}

// The channel-pair kernel is compiled twice: with AVX2 (one 4-lane register per two sections of
// the pair) and for baseline x86-64 (the same lanes as two SSE2 registers); the CPU picks. AVX2
// without FMA fuses no multiply-add, so both round identically: the same bits on every CPU.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(MIXDOWN_NO_SIMD_CLONES)
#define MIXDOWN_HAVE_AVX2_PAIR 1
__attribute__((target("avx2"))) void run_pair_avx2(const BiquadCoeffs* coeffs, std::size_t count,
                                                   BiquadCascadeState* const* st, float* const* data,
                                                   std::size_t frames) noexcept {
  run_cascade<2, V4>(coeffs, count, st, data, frames);
}
#endif

#ifdef MIXDOWN_HAVE_AVX2_PAIR
// With AVX-512 the pair runs four sections x two channels per 8-lane register, and up to
// kWideGroups groups of kGroup skewed in one pass: four to six registers per iteration are
// enough independent work to keep the multipliers busy where the 4-lane kernel waits on its
// carries (and spills: 36 live vectors in 16 registers). Where a group of kGroup
// ends, the carry into the next one is rounded to float, as run_cascade stores each group's
// output as float; groups are padded to an even count with an identity as run_skewed pads
// them, and the first and last iterations, where some sections have no frame, do the same
// operations with the idle lanes' state kept (a masked blend) instead of scalar code. Every
// section thus sees the same inputs and does the same operations in the same order: the same
// bits as the other kernels.
constexpr std::size_t kWideGroups = 3;  // up to 24 sections (six registers) per pass

// The registers of run_wide: coefficients and states, 8 / L sections x L channels each.
template <int M>
struct WideLanes {
  __m512d B0[M], B1[M], B2[M], A1[M], A2[M], X1[M], X2[M], Y1[M], Y2[M];
};

// The inputs of register m's sections from the outputs Y of the sections before them (P = 8 / L
// sections per register): section Pm's is section Pm-1's (the top L lanes of register m-1), the
// others take those of the sections below them in register m; section 0 takes frame i.
template <int L>
__attribute__((target("avx512f"), always_inline)) inline __m512d wide_carry(const __m512d* Y, int m, float* const* data,
                                                                          std::size_t i, std::size_t n) noexcept {
  if (m > 0) {
    using F8 = float __attribute__((vector_size(32)));
    __m512d prev = Y[m - 1];
    // A group's output is float: where one ends (every kGroup sections).
    if ((m * (8 / L)) % kGroup == 0) prev = __builtin_convertvector(__builtin_convertvector(prev, F8), __m512d);
    if constexpr (L == 2) {
      return _mm512_permutex2var_pd(prev, _mm512_setr_epi64(6, 7, 8, 9, 10, 11, 12, 13), Y[m]);
    } else {
      return _mm512_permutex2var_pd(prev, _mm512_setr_epi64(7, 8, 9, 10, 11, 12, 13, 14), Y[m]);
    }
  }
  if constexpr (L == 2) {
    const __m128d x = i < n ? _mm_setr_pd(double{data[0][i]}, double{data[1][i]}) : _mm_setzero_pd();
    return _mm512_permutex2var_pd(_mm512_castpd128_pd512(x), _mm512_setr_epi64(0, 1, 8, 9, 10, 11, 12, 13), Y[0]);
  } else {
    const __m128d x = _mm_set_sd(i < n ? double{data[0][i]} : 0.0);
    return _mm512_permutex2var_pd(_mm512_castpd128_pd512(x), _mm512_setr_epi64(0, 8, 9, 10, 11, 12, 13, 14), Y[0]);
  }
}

// Section j runs kLag frames behind section j - 1: in iteration i it works on frame
// i - kLag * j, and its input, frame i - kLag * j of section j - 1's output, is that section's
// y2 (y1 at its last frame, when it has stopped moving). A register then never waits on its own
// carry of the iteration before, only on the a1 * y1 term: short cascades, which are bound by
// that wait, run about twice as fast (a lag of one: permute, multiply, add and subtract per
// iteration; of two: half that per iteration).
constexpr int kLag = 2;

// One iteration of run_wide (masked: only the sections whose frame lies in [0, n) change
// state). out_lane: the first lane of the last section in register M - 1. With C = 2 chains
// the M = 2 registers are two cascades of their own (no carry from one to the other): register
// m's first section reads chain m's data and its last section writes it back.
template <int L, int M, bool masked, int C = 1>
__attribute__((target("avx512f"), always_inline)) inline void wide_iteration(WideLanes<M>& w, float* const* const* data, std::size_t i,
                                                                          std::size_t n, std::size_t lead, int out_lane) noexcept {
  static_assert(C == 1 || M == C, "one register per chain");
  constexpr int P = 8 / L;
  constexpr unsigned kSection = (1u << L) - 1;  // the lane bits of one section
  auto& [B0, B1, B2, A1, A2, X1, X2, Y1, Y2] = w;
  for (int m = M - 1; m >= 0; --m) {
    // A chain's register m' = 0 of its own: its sections are numbered from 0.
    const int mc = C == 1 ? m : 0;
    float* const* chain = data[C == 1 ? 0 : m];
    __m512d* Y2c = C == 1 ? Y2 : Y2 + m;
    __m512d in = wide_carry<L>(Y2c, mc, chain, i, n);
    __mmask8 k = 0;  // masked: the lanes of sections whose frame lies in [0, n)
    if (masked) {
      __mmask8 last = 0;  // the lanes of sections at their last frame: their input is in y1
      for (int p = 0; p < P; ++p) {
        const std::ptrdiff_t f = static_cast<std::ptrdiff_t>(i) - kLag * (P * mc + p);
        if (f >= 0 && f < static_cast<std::ptrdiff_t>(n)) k = static_cast<__mmask8>(k | (kSection << (L * p)));
        if (f == static_cast<std::ptrdiff_t>(n) - 1) last = static_cast<__mmask8>(last | (kSection << (L * p)));
      }
      if (last) in = _mm512_mask_blend_pd(last, in, wide_carry<L>(C == 1 ? Y1 : Y1 + m, mc, chain, i, n));
    }
    const __m512d u = _mm512_sub_pd(_mm512_add_pd(_mm512_mul_pd(B1[m], X1[m]), _mm512_mul_pd(B2[m], X2[m])),
                                    _mm512_mul_pd(A2[m], Y2[m]));
    const __m512d y = _mm512_sub_pd(_mm512_add_pd(u, _mm512_mul_pd(B0[m], in)), _mm512_mul_pd(A1[m], Y1[m]));
    if (masked) {
      X2[m] = _mm512_mask_blend_pd(k, X2[m], X1[m]);
      X1[m] = _mm512_mask_blend_pd(k, X1[m], in);
      Y2[m] = _mm512_mask_blend_pd(k, Y2[m], Y1[m]);
      Y1[m] = _mm512_mask_blend_pd(k, Y1[m], y);
    } else {
      X2[m] = X1[m];
      X1[m] = in;
      Y2[m] = Y1[m];
      Y1[m] = y;
    }
  }
  if (i >= lead)
    for (int c = 0; c < C; ++c)
      for (int ch = 0; ch < L; ++ch) data[c][ch][i - lead] = static_cast<float>(Y1[C == 1 ? M - 1 : c][out_lane + ch]);
}

// C = 1: one cascade of `count[0]` sections over M registers. C = 2: two cascades (M = 2), of
// up to 8 / L sections each, one register each, padded with identities to the same even
// length so both run with the same lead.
template <int L, int M, int C = 1>
__attribute__((target("avx512f"))) inline void run_wide(const BiquadCoeffs* const* c, const int* count, BiquadCascadeState* const* const* st,
                                                      float* const* const* data, std::size_t n) noexcept {
  constexpr int P = 8 / L;
  int S = 0;
  for (int k = 0; k < C; ++k) S = std::max(S, count[k] + (count[k] & 1));  // padded to even with an identity, as run_skewed does
  alignas(64) double lanes[9][M][8];
  for (int m = 0; m < M; ++m)
    for (int l = 0; l < 8; ++l) {
      const int chain = C == 1 ? 0 : m;
      const int j = (C == 1 ? P * m : 0) + l / L, ch = l % L;
      const BiquadCoeffs cj = j < count[chain] ? c[chain][j] : BiquadCoeffs{};
      const BiquadCascadeState s = j < count[chain] ? st[chain][ch][j] : BiquadCascadeState{};
      lanes[0][m][l] = cj.b0;
      lanes[1][m][l] = cj.b1;
      lanes[2][m][l] = cj.b2;
      lanes[3][m][l] = cj.a1;
      lanes[4][m][l] = cj.a2;
      lanes[5][m][l] = s.x1;
      lanes[6][m][l] = s.x2;
      lanes[7][m][l] = s.y1;
      lanes[8][m][l] = s.y2;
    }
  WideLanes<M> w;
  auto& [B0, B1, B2, A1, A2, X1, X2, Y1, Y2] = w;
  for (int m = 0; m < M; ++m) {
    B0[m] = _mm512_load_pd(lanes[0][m]);
    B1[m] = _mm512_load_pd(lanes[1][m]);
    B2[m] = _mm512_load_pd(lanes[2][m]);
    A1[m] = _mm512_load_pd(lanes[3][m]);
    A2[m] = _mm512_load_pd(lanes[4][m]);
    X1[m] = _mm512_load_pd(lanes[5][m]);
    X2[m] = _mm512_load_pd(lanes[6][m]);
    Y1[m] = _mm512_load_pd(lanes[7][m]);
    Y2[m] = _mm512_load_pd(lanes[8][m]);
  }
  const std::size_t lead = static_cast<std::size_t>(kLag * (S - 1)), total = n + lead;
  const int out_lane = (S - 1 - (C == 1 ? P * (M - 1) : 0)) * L;
  std::size_t i = 0;
  for (; i < std::min(lead, total); ++i) wide_iteration<L, M, true, C>(w, data, i, n, lead, out_lane);
  for (; i < n; ++i) wide_iteration<L, M, false, C>(w, data, i, n, lead, out_lane);
  for (; i < total; ++i) wide_iteration<L, M, true, C>(w, data, i, n, lead, out_lane);
  for (int m = 0; m < M; ++m) {
    _mm512_store_pd(lanes[5][m], X1[m]);
    _mm512_store_pd(lanes[6][m], X2[m]);
    _mm512_store_pd(lanes[7][m], Y1[m]);
    _mm512_store_pd(lanes[8][m], Y2[m]);
  }
  for (int chain = 0; chain < C; ++chain)
    for (int j = 0; j < count[chain]; ++j)
      for (int ch = 0; ch < L; ++ch) {
        const int m = C == 1 ? j / P : chain, l = (j % P) * L + ch;
        st[chain][ch][j] = {flush(lanes[5][m][l]), flush(lanes[6][m][l]), flush(lanes[7][m][l]), flush(lanes[8][m][l])};
      }
}

// The AVX-512 cascade of L channels (1 or 2).
template <int L>
__attribute__((target("avx512f"))) inline void run_cascade_avx512(const BiquadCoeffs* coeffs, std::size_t count,
                                                                BiquadCascadeState* const* st, float* const* data,
                                                                std::size_t frames) noexcept {
  if (count == 1) {
    run_single<L>(coeffs[0], st, data, frames);
    return;
  }
  // Whole groups per pass, at most kWideGroups, spread evenly: a pass of one or two registers
  // waits on its carries (23 sections as 16 + 7 cost half as much again as one pass of 24).
  constexpr std::size_t P = 8 / L;
  const std::size_t groups = (count + kGroup - 1) / kGroup;
  const std::size_t passes = (groups + kWideGroups - 1) / kWideGroups;
  std::size_t k0 = 0;
  for (std::size_t p = 0; p < passes; ++p) {
    const std::size_t g = groups / passes + (p < groups % passes ? 1 : 0);
    const int n = static_cast<int>(std::min<std::size_t>(g * kGroup, count - k0));
    BiquadCascadeState* s[2] = {st[0] + k0, L == 2 ? st[1] + k0 : nullptr};
    BiquadCascadeState* const* sp = s;
    const BiquadCoeffs* cp = coeffs + k0;
    switch ((static_cast<std::size_t>(n) + P - 1) / P) {
      case 1: run_wide<L, 1>(&cp, &n, &sp, &data, frames); break;
      case 2: run_wide<L, 2>(&cp, &n, &sp, &data, frames); break;
      case 3: run_wide<L, 3>(&cp, &n, &sp, &data, frames); break;
      case 4: run_wide<L, 4>(&cp, &n, &sp, &data, frames); break;
      case 5: run_wide<L, 5>(&cp, &n, &sp, &data, frames); break;
      default: run_wide<L, 6>(&cp, &n, &sp, &data, frames); break;
    }
    k0 += static_cast<std::size_t>(n);
  }
}

__attribute__((target("avx512f"))) void run_pair_avx512(const BiquadCoeffs* coeffs, std::size_t count,
                                                       BiquadCascadeState* const* st, float* const* data,
                                                       std::size_t frames) noexcept {
  run_cascade_avx512<2>(coeffs, count, st, data, frames);
}

// Two stereo cascades of 2 to 8 / 2 sections each, one register each: their recursions
// interleave, so the pair takes about the time of one (each alone waits on its own carries).
__attribute__((target("avx512f"))) void run_two_pairs_avx512(const BiquadCoeffs* const* coeffs, const int* count,
                                                            BiquadCascadeState* const* const* st, float* const* const* data,
                                                            std::size_t frames) noexcept {
  run_wide<2, 2, 2>(coeffs, count, st, data, frames);
}

__attribute__((target("avx512f"))) void run_mono_avx512(const BiquadCoeffs* coeffs, std::size_t count,
                                                       BiquadCascadeState* const* st, float* const* data,
                                                       std::size_t frames) noexcept {
  run_cascade_avx512<1>(coeffs, count, st, data, frames);
}
#endif

void run_pair(const BiquadCoeffs* coeffs, std::size_t count, BiquadCascadeState* const* st,
              float* const* data, std::size_t frames) noexcept {
#ifdef MIXDOWN_HAVE_AVX2_PAIR
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (avx512) {
    run_pair_avx512(coeffs, count, st, data, frames);
    return;
  }
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) {
    run_pair_avx2(coeffs, count, st, data, frames);
    return;
  }
#endif
  run_cascade<2, P2>(coeffs, count, st, data, frames);
}

}  // namespace

void BiquadCascade::process_pair(int c, float* left, float* right, std::size_t frames) noexcept {
  State* st[2] = {&state_[static_cast<std::size_t>(c) * capacity_],
                  &state_[static_cast<std::size_t>(c + 1) * capacity_]};
  float* data[2] = {left, right};
  run_pair(coeffs_.data(), count_, st, data, frames);
}

void BiquadCascade::process_two(BiquadCascade& a, const AudioView& va, BiquadCascade& b, const AudioView& vb) noexcept {
#ifdef MIXDOWN_HAVE_AVX2_PAIR
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  // The fused kernel where each cascade is one stereo pair of 2 to 4 sections and neither is
  // left alone as idle (process()'s shortcut); otherwise one after the other. A lone section
  // keeps run_single's recursion (process()).
  const auto fits = [](const BiquadCascade& c, const AudioView& v) {
    return c.channels_ == 2 && v.num_channels() == 2 && c.count_ >= 2 && c.count_ <= 4 &&
           !(c.idle(0, v.channel(0), v.num_frames()) && c.idle(1, v.channel(1), v.num_frames()));
  };
  if (avx512 && va.num_frames() == vb.num_frames() && fits(a, va) && fits(b, vb)) {
    const BiquadCoeffs* coeffs[2] = {a.coeffs_.data(), b.coeffs_.data()};
    const int count[2] = {static_cast<int>(a.count_), static_cast<int>(b.count_)};
    State* sa[2] = {&a.state_[0], &a.state_[a.capacity_]};
    State* sb[2] = {&b.state_[0], &b.state_[b.capacity_]};
    State* const* st[2] = {sa, sb};
    float* da[2] = {va.channel(0), va.channel(1)};
    float* db[2] = {vb.channel(0), vb.channel(1)};
    float* const* data[2] = {da, db};
    run_two_pairs_avx512(coeffs, count, st, data, va.num_frames());
    return;
  }
#endif
  a.process(va);
  b.process(vb);
}

void BiquadCascade::process_channel(int c, float* data, std::size_t frames) noexcept {
  if (c < 0 || c >= channels_) return;
  State* st[1] = {&state_[static_cast<std::size_t>(c) * capacity_]};
  float* d[1] = {data};
#ifdef MIXDOWN_HAVE_AVX2_PAIR
  // A lone section keeps the plain recursion of the baseline build (faster there than as an
  // AVX-512 function).
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (avx512 && count_ > 1) {
    run_mono_avx512(coeffs_.data(), count_, st, d, frames);
    return;
  }
#endif
  run_cascade<1, V2>(coeffs_.data(), count_, st, d, frames);
}

// Sections at rest fed ±0.0 give ±0.0 and stay at rest: such a channel is left as it is (the
// usual case in a stem's silences).
bool BiquadCascade::idle(int c, const float* data, std::size_t frames) const noexcept {
  return at_rest(c) && simd::all_zero(data, frames);
}

// Channel c's sections all at rest (a state that decays is flushed to exactly zero).
bool BiquadCascade::at_rest(int c) const noexcept {
  const State* st = &state_[static_cast<std::size_t>(c) * capacity_];
  for (std::size_t k = 0; k < count_; ++k)
    if (st[k].x1 != 0.0 || st[k].x2 != 0.0 || st[k].y1 != 0.0 || st[k].y2 != 0.0) return false;
  return true;
}

void BiquadCascade::process(const AudioView& io) noexcept {
  if (count_ == 0) return;
  const int nc = std::min(io.num_channels(), channels_);
  const std::size_t frames = io.num_frames();
  const auto silent = [&](int ch) { return idle(ch, io.channel(ch), frames); };
  int c = 0;
  for (; c + 1 < nc; c += 2)
    if (!silent(c) || !silent(c + 1)) process_pair(c, io.channel(c), io.channel(c + 1), frames);
  if (c < nc && !silent(c)) process_channel(c, io.channel(c), frames);
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
