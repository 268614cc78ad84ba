// Section-aware automation on the faders (Strip.automation breakpoints, linear in dB):
// - Ride the focus: phrase by phrase (two-bar windows) its in-context level against the
//   accompaniment is compared with its song-long median; 70 % of the difference is corrected,
//   bounded to +-3 dB, so the lead stays at its target without flattening its phrasing. This is
//   what an engineer's fader rides do (Izhaki, "Mixing Audio", ch. 24, "Automation": riding the
//   vocal against the track), computed as in the "vocal rider" plug-ins (level relative to the
//   backing, slow and bounded).
// - Lift the hook: in chorus sections every part rises so the chorus sits up to 2 LU over the
//   verse (less when the arrangement already builds that much), the focus by half a dB more.
//   Transitions ramp over one beat around the boundary, never jump.
#pragma once

#include <vector>

#include "analysis/stem_analysis.hpp"
#include "mix/console.hpp"
#include "mix/decide.hpp"

namespace mixdown::mix {

void automate(Console& console, const std::vector<StemInput>& stems, int focus,
              const analysis::SongAnalysis& song, const Brief& brief, int sample_rate);

// The automation gain (dB) of a strip at time t (linear between breakpoints, held at the ends).
double automation_gain_at(const Strip& strip, double t);

}  // namespace mixdown::mix
