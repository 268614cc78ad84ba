// Depth and space: three shared returns (a plate for vocals and snare, a hall for the beds, a
// tempo-synced delay for the lead) and sends by role and brief.
//
// Sources and reasoning:
// - Pre-delay and delay times from the tempo: pre-delay a 1/64 note (plate) or 1/32 note
//   (hall) so the reverb starts in time with the groove; the delay a dotted eighth (or a
//   quarter in slow songs) — Owsinski's handbook ("Delay and reverb timing" table) and Izhaki
//   ch. 23.
// - Decay from the tempo too: a plate of about a bar's half, a hall about a bar, within the
//   ranges of real plates (1.2-2.5 s) and halls (1.8-3.5 s), so tails clear before the next bar.
// - Distance: a source sounds farther with a lower direct-to-reverberant ratio and a shorter
//   gap before the reflections (Blauert, "Spatial Hearing", 1997, ch. 2.3). So vocal=intimate:
//   less reverb and a longer pre-delay; vocal=distant: more reverb, shorter pre-delay.
// - space=dry|ambient scales every send and the decays; drums=big sends more drums to the
//   plate and the hall (the "room" of a big kit).
#pragma once

#include <vector>

#include "analysis/stem_analysis.hpp"
#include "mix/console.hpp"
#include "mix/decide.hpp"

namespace mixdown::mix {

void set_space(Console& console, const std::vector<StemInput>& stems, int focus,
               const analysis::SongAnalysis& song, const Brief& brief);

}  // namespace mixdown::mix
