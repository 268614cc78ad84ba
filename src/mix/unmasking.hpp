// Cross-adaptive unmasking: how much each part masks the focus (and the bass the kick), band by
// band over the frames where they play together; the maskers are cut there — a static bell
// when they always play with the focus, the dynamic band keyed by the focus when they do not
// (so they give way only while it plays) — and the bass ducks under the kick where they
// collide. Cut rather than boost.
//
// Sources: Hafezi & Reiss, "Autonomous multitrack equalization based on masking reduction",
// JAES 63(5), 2015 (masking per band from the other tracks, cuts on the maskers); Ma, De Man,
// Reiss, "Implementation of an intelligent equalization tool using Yule-Walker for music mixing
// and mastering" (AES 134, 2013) on limiting corrective EQ depth; the kick/bass sidechain is
// standard practice (Izhaki, "Mixing Audio", ch. 19 "Sidechain").
//
// Rule: in each ERB band between 150 Hz and 8 kHz where the focus has its body (within 12 dB
// of its strongest band), the focus should lead the sum of the others by 3 dB while it plays
// (a signal-to-masker ratio near 0 dB is where partial masking starts to take a third of a
// part's loudness, Moore et al. 1997). The main masker of a band takes the whole shortfall, the
// others (each at least a fifth of the masking) in proportion to their power relative to it; at
// most 4.5 dB, at the band where the part's cut is deepest, with a Q spanning the bands it masks.
#pragma once

#include <vector>

#include "mix/console.hpp"
#include "mix/decide.hpp"

namespace mixdown::mix {

struct MaskingReport {
  // Signal-to-masker ratio (dB) of the focus per band, before and after the cuts (over the
  // frames where it plays; +inf-like 60 where nothing masks it).
  std::vector<double> focus_smr_before, focus_smr_after;
  std::vector<std::size_t> core_bands;  // the focus's bands the rule looked at
  int cuts = 0;          // masker cuts placed
  bool kick_bass_duck = false;
};

MaskingReport unmask(Console& console, const std::vector<StemInput>& stems, int focus,
                     int sample_rate);

}  // namespace mixdown::mix
