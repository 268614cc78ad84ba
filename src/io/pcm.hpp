// Little-endian PCM words to and from float samples, for the paths that move raw bytes
// themselves instead of through libsndfile's per-sample conversion: the stem cache's packed
// chunks and AudioReader's reads of uncompressed files (libsndfile still parses the container
// and does the I/O; only the conversion of the sample words happens here).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mixdown::io {

inline constexpr float k2to15 = 32768.0f, k2to23 = 8388608.0f;

// 24-bit little-endian words of x[i] * 2^23 (exact integers in range). Each sample is stored as
// a whole word at its place and the next store overwrites the word's top byte, so `d` needs 4
// bytes of slack past the last word.
void pack24(const float* x, std::size_t n, std::uint8_t* d) noexcept;
// The inverse: n samples from the 24-bit words at s (which may read 4 bytes past the last).
void unpack24(const std::uint8_t* s, std::size_t n, float* x) noexcept;

// n little-endian samples of `bytes` bytes each at s as floats, bit for bit what libsndfile's
// sf_readf_float gives for the same words with its default normalisation: 16-bit n / 2^15,
// 24-bit n / 2^23, 32-bit (float)n / 2^31, and 32-bit IEEE float (is_float) as stored. s may
// be read 4 bytes past the last sample.
void pcm_to_float(const std::uint8_t* s, std::size_t n, int bytes, bool is_float, float* x) noexcept;

}  // namespace mixdown::io
