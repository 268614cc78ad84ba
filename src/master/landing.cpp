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

double next_landing_gain(const std::vector<LandingTry>& tries, const std::vector<LandingTry>& probes, double target) {
  if (tries.size() != 1 || probes.size() < 2) return next_landing_gain(tries, target);
  const LandingTry& last = tries.back();
  std::vector<LandingTry> near = probes;
  std::sort(near.begin(), near.end(), [&](const LandingTry& a, const LandingTry& b) {
    return std::abs(a.gain_db - last.gain_db) < std::abs(b.gain_db - last.gain_db);
  });
  double slope = 1.0;
  const double dg = near[0].gain_db - near[1].gain_db;
  if (std::abs(dg) > 1e-6) slope = std::clamp((near[0].lufs - near[1].lufs) / dg, kMinSlope, 1.0);
  return last.gain_db + (target - last.lufs) / slope;
}

}  // namespace mixdown::master
