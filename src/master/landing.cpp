#include "master/landing.hpp"

#include <algorithm>
#include <cmath>

namespace mixdown::master {

double next_landing_gain(const std::vector<LandingTry>& tries, double target) {
  const LandingTry& last = tries.back();
  double slope = 1.0;
  if (tries.size() >= 2) {
    // The two tries closest to the target bracket the answer best.
    std::vector<LandingTry> sorted = tries;
    std::sort(sorted.begin(), sorted.end(), [&](const LandingTry& a, const LandingTry& b) {
      return std::abs(a.lufs - target) < std::abs(b.lufs - target);
    });
    const double dg = sorted[0].gain_db - sorted[1].gain_db;
    if (std::abs(dg) > 1e-6) slope = std::clamp((sorted[0].lufs - sorted[1].lufs) / dg, kMinSlope, 1.0);
    return sorted[0].gain_db + (target - sorted[0].lufs) / slope;
  }
  return last.gain_db + (target - last.lufs) / slope;
}

}  // namespace mixdown::master
