#include "core/simd.hpp"

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

}  // namespace mixdown::simd
