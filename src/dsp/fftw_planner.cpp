#include "dsp/fftw_planner.hpp"

namespace mixdown::dsp {

std::mutex& fftw_planner_mutex() noexcept {
  static std::mutex m;
  return m;
}

}  // namespace mixdown::dsp
