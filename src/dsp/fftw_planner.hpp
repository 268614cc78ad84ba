// FFTW's planner (plan creation and destruction) is not thread-safe: every plan in the process
// must be made and destroyed under this one lock. Executing a plan needs no lock.
#pragma once

#include <mutex>

namespace mixdown::dsp {

std::mutex& fftw_planner_mutex() noexcept;

}  // namespace mixdown::dsp
