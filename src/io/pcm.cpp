#include "io/pcm.hpp"

#include <bit>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace mixdown::io {
namespace {

#if defined(__x86_64__) && defined(__GNUC__)
// With SSSE3 four samples a step: one shuffle dropping (or restoring) each word's top byte and
// 16-byte stores at 12-byte steps (4 bytes of slack).
__attribute__((target("ssse3"))) std::size_t pack24_ssse3(const float* x, std::size_t n, std::uint8_t* d) noexcept {
  const __m128i drop_top = _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
  const __m128 scale = _mm_set1_ps(k2to23);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m128i v = _mm_cvttps_epi32(_mm_mul_ps(_mm_loadu_ps(x + i), scale));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d + 3 * i), _mm_shuffle_epi8(v, drop_top));
  }
  return i;
}
__attribute__((target("ssse3"))) std::size_t unpack24_ssse3(const std::uint8_t* s, std::size_t n, float* x) noexcept {
  // Each sample's 3 bytes to the top of its word, then an arithmetic shift brings the sign down.
  const __m128i to_top = _mm_setr_epi8(-1, 0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11);
  const __m128 scale = _mm_set1_ps(1.0f / k2to23);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m128i w = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 3 * i)), to_top);
    _mm_storeu_ps(x + i, _mm_mul_ps(_mm_cvtepi32_ps(_mm_srai_epi32(w, 8)), scale));
  }
  return i;
}
bool has_ssse3() noexcept {
  static const bool yes = __builtin_cpu_supports("ssse3");
  return yes;
}
#endif

// Assembled byte by byte (one load on a little-endian CPU).
template <class T>
T load_le(const std::uint8_t* s) noexcept {
  T v = 0;
  for (std::size_t k = 0; k < sizeof(T); ++k) v = static_cast<T>(v | static_cast<T>(T{s[k]} << (8 * k)));
  return v;
}

}  // namespace

void pack24(const float* x, std::size_t n, std::uint8_t* d) noexcept {
  std::size_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
  if (has_ssse3()) i = pack24_ssse3(x, n, d);
#endif
  for (; i < n; ++i) {
    const auto v = static_cast<std::uint32_t>(static_cast<std::int32_t>(x[i] * k2to23));
    std::memcpy(d + 3 * i, &v, 4);
  }
}

void unpack24(const std::uint8_t* s, std::size_t n, float* x) noexcept {
  std::size_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
  if (has_ssse3()) i = unpack24_ssse3(s, n, x);
#endif
  for (; i < n; ++i) {
    std::uint32_t u;
    std::memcpy(&u, s + 3 * i, 4);
    x[i] = static_cast<float>(static_cast<std::int32_t>(u << 8) >> 8) * (1.0f / k2to23);
  }
}

void pcm_to_float(const std::uint8_t* s, std::size_t n, int bytes, bool is_float, float* x) noexcept {
  if (is_float) {
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(x, s, n * sizeof(float));
      return;
    }
    for (std::size_t i = 0; i < n; ++i) x[i] = std::bit_cast<float>(load_le<std::uint32_t>(s + 4 * i));
  } else if (bytes == 3) {
    unpack24(s, n, x);
  } else if (bytes == 2) {
    for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(static_cast<std::int16_t>(load_le<std::uint16_t>(s + 2 * i))) * (1.0f / k2to15);
  } else {
    for (std::size_t i = 0; i < n; ++i)
      x[i] = static_cast<float>(static_cast<std::int32_t>(load_le<std::uint32_t>(s + 4 * i))) * (1.0f / 2147483648.0f);
  }
}

}  // namespace mixdown::io
