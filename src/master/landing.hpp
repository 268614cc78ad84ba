// The loudness landing loop's arithmetic: the gain into the limiter is corrected from
// measurements of what came out (measure, correct, re-limit), by the secant through the last
// two tries. Loudness rises at most 1:1 with gain and less while the limiter works, so the
// slope is kept within [kMinSlope, 1] (a flat limiter curve would otherwise ask for huge gains).
#pragma once

#include <vector>

namespace mixdown::master {

inline constexpr double kLandingAimLu = 0.05;       // stop when this close
inline constexpr double kLandingAcceptLu = 0.1;     // a written pass this close is kept
inline constexpr double kLandingToleranceLu = 0.2;  // the last pass may keep this
inline constexpr double kLandingLimitLu = 0.5;      // never worse
inline constexpr double kMinSlope = 0.2;
inline constexpr int kMaxLandingPasses = 8;

struct LandingTry {
  double gain_db = 0.0;
  double lufs = 0.0;  // measured on the limited output
};

// The next gain to try for `target_lufs` after `tries` (at least one).
double next_landing_gain(const std::vector<LandingTry>& tries, double target_lufs);

// The same after measured passes `tries` (at least one) when `probes` estimated the landing
// on part of the file: their estimates steer the first pass but never stand in for a
// measurement (an estimate a little off but near the target would otherwise hold every later
// pass at its gain). With one measured pass, the step from it takes the slope of the two probes
// nearest its gain (the limiter's cost curve there) instead of 1:1.
double next_landing_gain(const std::vector<LandingTry>& tries, const std::vector<LandingTry>& probes, double target_lufs);

}  // namespace mixdown::master
