#include "core/simd.hpp"

#include <cmath>
#include <cstdint>

namespace mixdown::simd {

MIXDOWN_SIMD_CLONES std::uint32_t max_abs_bits(const float* x, std::size_t n) noexcept {
  std::uint32_t lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (std::size_t j = 0; j < 8; ++j) lanes[j] = umax(lanes[j], abs_bits(x[i + j]));
  std::uint32_t m = 0;
  for (; i < n; ++i) m = umax(m, abs_bits(x[i]));
  for (std::uint32_t l : lanes) m = umax(m, l);
  return m;
}

MIXDOWN_SIMD_CLONES bool all_zero(const float* x, std::size_t n) noexcept {
  constexpr std::size_t kRun = 64;
  std::size_t i = 0;
  for (; i + kRun <= n; i += kRun) {
    std::uint32_t any = 0;
    for (std::size_t j = 0; j < kRun; ++j) any |= abs_bits(x[i + j]);
    if (any != 0) return false;
  }
  std::uint32_t any = 0;
  for (; i < n; ++i) any |= abs_bits(x[i]);
  return any == 0;
}

namespace {

// m's binary exponent moved into e: m becomes its mantissa in [1, 2) (zero, subnormals, Inf and
// NaN are left as they are: a product here is normal unless a term was 0, Inf or NaN).
[[gnu::always_inline]] inline void take_exponent(double& m, std::int64_t& e) noexcept {
  const auto b = std::bit_cast<std::uint64_t>(m);
  const auto field = static_cast<std::int64_t>((b >> 52) & 0x7ff);
  const bool normal = field != 0 && field != 0x7ff;
  e += normal ? field - 1023 : 0;
  m = normal ? std::bit_cast<double>((b & ~(std::uint64_t{0x7ff} << 52)) | (std::uint64_t{1023} << 52)) : m;
}

template <class T>
[[gnu::always_inline]] inline double sum_log_impl(const T* x, std::size_t n, double add) noexcept {
  double m[4] = {1.0, 1.0, 1.0, 1.0};
  std::int64_t e[4] = {0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (std::size_t l = 0; l < 4; ++l) {
      const double p = ((static_cast<double>(x[i + l]) + add) * (static_cast<double>(x[i + 4 + l]) + add)) *
                       ((static_cast<double>(x[i + 8 + l]) + add) * (static_cast<double>(x[i + 12 + l]) + add));
      m[l] *= p;
      take_exponent(m[l], e[l]);
    }
  double tail = 0.0;
  for (; i < n; ++i) tail += std::log(static_cast<double>(x[i]) + add);
  const double ln2 = 0.693147180559945309417232121458176568;
  double s = tail;
  for (std::size_t l = 0; l < 4; ++l) s += std::log(m[l]) + static_cast<double>(e[l]) * ln2;
  return s;
}

}  // namespace

MIXDOWN_SIMD_CLONES double sum_log(const float* x, std::size_t n, double add) noexcept { return sum_log_impl(x, n, add); }
MIXDOWN_SIMD_CLONES double sum_log(const double* x, std::size_t n, double add) noexcept { return sum_log_impl(x, n, add); }

MIXDOWN_SIMD_CLONES StereoSums stereo_sums(const float* l, const float* r, std::size_t n) noexcept {
  constexpr std::size_t L = 4;
  double sl[L] = {}, sr[L] = {}, sll[L] = {}, srr[L] = {}, slr[L] = {}, sd[L] = {}, ss[L] = {};
  const auto take = [&](std::size_t j, double a, double b) {
    sl[j] += a;
    sr[j] += b;
    sll[j] += a * a;
    srr[j] += b * b;
    slr[j] += a * b;
    sd[j] += (a - b) * (a - b);
    ss[j] += (a + b) * (a + b);
  };
  std::size_t i = 0;
  for (; i + L <= n; i += L)
    for (std::size_t j = 0; j < L; ++j) take(j, l[i + j], r[i + j]);
  for (std::size_t j = 0; i < n; ++i, ++j) take(j, l[i], r[i]);
  StereoSums out;
  for (std::size_t j = 0; j < L; ++j) {
    out.l += sl[j];
    out.r += sr[j];
    out.ll += sll[j];
    out.rr += srr[j];
    out.lr += slr[j];
    out.diff += sd[j];
    out.sum += ss[j];
  }
  return out;
}

}  // namespace mixdown::simd
