// A thread that runs out of work polls briefly before it sleeps on a condition variable: the
// passes hand out tasks a fraction of a millisecond apart, and a futex sleep and wake-up per
// task cost about 6 % of a master's CPU (the kernel's wake-up path). Bounded, so a thread that
// waits a long time still sleeps. Used by WorkerPool and BlockPipeline.
#pragma once

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace mixdown {

inline constexpr auto kPollBeforeSleep = std::chrono::microseconds(50);

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// Polls `done` until it holds or kPollBeforeSleep passes; true when it held.
template <class Pred>
bool spin_until(Pred done) {
  const auto until = std::chrono::steady_clock::now() + kPollBeforeSleep;
  for (;;) {
    for (int k = 0; k < 64; ++k) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= until) return done();
  }
}

}  // namespace mixdown
