// Gain staging: every strip's processing sees the stem at a sane working level, whatever level
// it was recorded or exported at, so thresholds chosen in dB relative to the stem mean the same
// thing on every strip.
//
// The working level is -20 LUFS over the stem's active frames: close to the -18 dBFS RMS
// "analog reference" (0 VU) that plug-in dynamics and saturation are modelled around, with
// room above it for the hits (crest factors of drums reach 20 dB below 0 dBFS).
#pragma once

#include "analysis/stem_analysis.hpp"
#include "mix/console.hpp"

namespace mixdown::mix {

inline constexpr double kWorkingLevelLufs = -20.0;

// Sets strip.trim_db (bounded to +-40 dB) and its reason; silent stems keep 0 dB.
void stage_gain(Strip& strip, const analysis::StemAnalysis& a);

}  // namespace mixdown::mix
