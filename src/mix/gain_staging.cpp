#include "mix/gain_staging.hpp"

#include <algorithm>

#include "mix/reason.hpp"

namespace mixdown::mix {

void stage_gain(Strip& strip, const analysis::StemAnalysis& a) {
  if (a.silent() || a.active_lufs <= -199.0) {
    strip.trim_db = 0.0;
    strip.reasons["trim"] = "silent stem: left at unity";
    return;
  }
  strip.trim_db = std::clamp(kWorkingLevelLufs - a.active_lufs, -40.0, 40.0);
  strip.reasons["trim"] = "brings the stem's playing level (" + db1(a.active_lufs) +
                          " LUFS) to the -20 LUFS working level: " + db1(strip.trim_db, true) + " dB";
}

}  // namespace mixdown::mix
