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

}  // namespace mixdown::master
