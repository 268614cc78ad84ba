// Guards for detector signals. A NaN or Inf in a stem (a corrupt file, a broken plug-in print)
// must not drive a compressor's level to "infinitely loud" and mute the strip, or poison a
// recursive detector for the rest of the render: detector inputs are checked per block and
// non-finite values read as silence. The check is one vectorisable pass (integer max over the
// magnitude bits), the repair runs only when something is wrong.
#pragma once

#include <cmath>
#include <cstddef>

#include "core/simd.hpp"

namespace mixdown::dsp {

// Replaces NaN and +-Inf in x[0..n) by 0; returns whether it found any.
inline bool zero_non_finite(float* x, std::size_t n) noexcept {
  if (!simd::nonfinite_bits(simd::max_abs_bits(x, n))) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) x[i] = 0.0f;
  return true;
}

}  // namespace mixdown::dsp
