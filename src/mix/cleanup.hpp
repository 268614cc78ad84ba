// Clean-up by role and measurement: high-pass below what a part usefully carries, notches for
// persistent narrow resonances on drums, de-essing on vocals, gating where a drum stem is
// mostly bleed. Everything here removes; nothing boosts.
//
// Sources and reasoning:
// - High-pass corners per role: the lowest fundamentals of the instruments (kick and bass
//   ~30-40 Hz, male voice ~80 Hz, hi-hats and cymbals carry nothing useful under ~300 Hz), the
//   common practice in Owsinski, "The Mixing Engineer's Handbook", and Izhaki, "Mixing Audio"
//   (2nd ed., ch. 15, "Filters"). The measured spectrum moves the corner: down when the stem
//   really has content below it (within 12 dB of its strongest band), up (at most an octave)
//   when the stem has nothing until higher (40 dB under its peak).
// - Resonance notches: a narrow peak of the long-term spectrum standing 9 dB or more above
//   its third-octave neighbourhood (median) is a ringing mode (drum shells, room); cut by the
//   excess less 3 dB (never more than 8 dB), Q 6..10 (narrow: Izhaki ch. 16).
// - De-esser: sibilance is 5-10 kHz (Izhaki ch. 22); threshold set where the band would sit
//   at a normal share (5 %) of the voice's working level, so only excess sibilance is reduced.
// - Gate: a drum stem whose level between hits stays within 10..45 dB of the hits is mostly
//   bleed; gate halfway between floor and hits, with a range (-20 dB) that keeps it natural.
#pragma once

#include "mix/console.hpp"
#include "mix/decide.hpp"

namespace mixdown::mix {

void clean_up(Strip& strip, const StemInput& stem, const Brief& brief, int sample_rate);

// The role's default high-pass corner (Hz) and whether a high pass belongs on the role at all.
double role_high_pass_hz(Role role);

}  // namespace mixdown::mix
