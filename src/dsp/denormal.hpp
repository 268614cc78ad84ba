// Denormal protection for recursive processors. A reverb or delay line that keeps recirculating
// after the input stops decays into subnormal floats, which the FPU handles ~100x slower
// (Intel Optimization Manual, "Floating-point exceptions"/"DAZ and FTZ"). The guard sets
// flush-to-zero and denormals-are-zero for the duration of one process() call and restores the
// caller's mode afterwards: the thread's state is unchanged outside the block, and the result
// is the same on every run (determinism is kept).
#pragma once

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define MIXDOWN_HAS_MXCSR 1
#endif

namespace mixdown::dsp {

class ScopedFlushDenormals {
public:
#ifdef MIXDOWN_HAS_MXCSR
  ScopedFlushDenormals() noexcept : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040u); }
  ~ScopedFlushDenormals() { _mm_setcsr(saved_); }

private:
  unsigned saved_;
#else
  ScopedFlushDenormals() noexcept = default;
#endif
public:
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;
};

}  // namespace mixdown::dsp
