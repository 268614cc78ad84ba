// Small helpers for the hot loops of the analysis and dsp layers (no source beyond the
// compilers' manuals).
//
// MIXDOWN_SIMD_CLONES compiles a function twice, for baseline x86-64 and for AVX2
// (x86-64-v3), and the loader picks one for the CPU at hand; MIXDOWN_SIMD_CLONES_WIDE adds an
// AVX-512 (x86-64-v4) clone, for loops whose wider registers or larger register file pay. We
// build with -ffp-contract=off (CMakeLists.txt; GCC fuses multiply-adds in C++ even with
// -std=c++20 otherwise), so no multiply-adds are fused and both versions round identically:
// the same bits on every CPU.
//
// abs_bits() maps |x| to its IEEE-754 bit pattern: for non-negative floats the unsigned integer
// order is the numeric order, and an integer max vectorizes where a float max may not (the
// compiler must honour NaN and signed-zero rules for floats).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

// GCC only: clang does not clone function templates (the limiter's detector is one), and its
// sanitizer builds (the fuzzers) do not define __SANITIZE_ADDRESS__.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define MIXDOWN_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#define MIXDOWN_SIMD_CLONES_WIDE __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MIXDOWN_SIMD_CLONES
#define MIXDOWN_SIMD_CLONES_WIDE
#endif

namespace mixdown::simd {

// The GCC/Clang vector types the kernels are written in: lane-wise operators, each lane
// rounded as its scalar operation would be.
using f32x4 = float __attribute__((vector_size(16)));
using f64x2 = double __attribute__((vector_size(16)));
using f64x4 = double __attribute__((vector_size(32)));

inline std::uint32_t abs_bits(float x) noexcept { return std::bit_cast<std::uint32_t>(x) & 0x7fffffffu; }
inline float from_bits(std::uint32_t b) noexcept { return std::bit_cast<float>(b); }
inline std::uint32_t umax(std::uint32_t a, std::uint32_t b) noexcept { return a > b ? a : b; }
// |x|'s bits (abs_bits, max_abs_bits) of a NaN or Inf: an all-ones exponent, at or above +Inf's.
inline bool nonfinite_bits(std::uint32_t b) noexcept { return b >= 0x7f800000u; }

// max |x[i]|, i < n, as IEEE bits, eight lanes. A NaN or Inf (whose bits exceed every finite
// value's) makes it a non-finite bound, which never passes a "cannot reach" test: the callers
// (the true-peak meter and the limiter's detector) then measure such a chunk in full.
std::uint32_t max_abs_bits(const float* x, std::size_t n) noexcept;

// Every x[i], i < n, is ±0.0 (max_abs_bits(x, n) == 0), looked at 64 samples at a time and
// stopping at the first run that holds anything else: on sound it costs one run, not a scan.
bool all_zero(const float* x, std::size_t n) noexcept;

// sum of ln(x[i] + add), i < n (the log of a geometric mean: spectral flatness), from running
// products instead of one log per term. Four lanes multiply their terms in double and move
// the product's binary exponent into an integer sum every four terms (so it never leaves
// the normal range: a product of four terms of a float spectrum plus add >= 1e-30 lies within
// 1e-120 .. 1e+154), and only the lanes' final mantissas take a log: the sum comes out within a
// few units in its last place of the log per term's, many times faster. A term of 0 gives
// -inf, Inf or NaN propagate, as the logs would.
double sum_log(const float* x, std::size_t n, double add) noexcept;
double sum_log(const double* x, std::size_t n, double add) noexcept;

// Sums over a stereo block in double: L, R, L², R², L·R, (L − R)² and (L + R)². Each runs in
// four lanes (samples i, i + 1, i + 2, i + 3 of every four) added up in lane order at the end:
// one add per sample on a single chain would wait on the adder's latency. The result depends
// only on the block.
struct StereoSums {
  double l = 0, r = 0, ll = 0, rr = 0, lr = 0, diff = 0, sum = 0;
};
StereoSums stereo_sums(const float* l, const float* r, std::size_t n) noexcept;

}  // namespace mixdown::simd
