// Panning: the anchors (kick, snare, bass, lead vocal, the focus) in the centre, low-frequency-
// heavy parts near it (low end kept mono for power and vinyl/club safety), recognized pairs wide
// (stereo L/R pairs hard, double-tracks +-0.7), and the rest spread so each side carries about
// the same spectrum (a greedy balance, band by band, of the parts' expected energy at their
// target levels). Sources: Izhaki, "Mixing Audio" (2nd ed., ch. 13, "Panning": the centre for
// the anchors, the frequency balance between the sides); Owsinski's handbook ("The panoramic
// element"); De Man & Reiss, "A knowledge-engineered autonomous mixing system" (AES 135, 2013)
// for the rules as a system.
#pragma once

#include <vector>

#include "mix/console.hpp"
#include "mix/decide.hpp"

namespace mixdown::mix {

// `levels_db`: each stem's expected level in the mix (relative, LU), used to weigh spectra.
void place_pans(Console& console, const std::vector<StemInput>& stems, int focus,
                const std::vector<double>& levels_db, const Brief& brief);

}  // namespace mixdown::mix
