#include "analysis/fftw_planner.hpp"

namespace mixdown::analysis {

std::mutex& fftw_planner_mutex() noexcept {
  static std::mutex m;
  return m;
}

}  // namespace mixdown::analysis
