// Level balance: faders solved so each part meets its loudness target (role_targets.hpp)
// relative to the mix, on its loudness IN CONTEXT — what is left of it once the other parts
// mask it — not on its solo loudness.
//
// In-context loudness: per 100 ms frame and ERB band, the partial specific loudness of the part
// against the sum of all others, N' = (E_s + E_m + E_q)^a - (E_m + E_q)^a, against its solo
// N' = (E_s + E_q)^a - E_q^a (the high-level form of Moore, Glasberg & Baer, "A model for the
// prediction of thresholds, loudness, and partial loudness", JAES 45(4), 1997; a = 0.2, E_q the
// threshold in quiet after Terhardt, "Calculating virtual pitch", Hearing Research 1, 1979,
// with the mix playing at 80 dB SPL). Summed over bands and the frames where the part plays,
// the ratio gives the masking loss in LU (loudness halves per 10 phon: loss = 10 log2 ratio).
// Every part of a full mix is masked, and this high-level form overstates deep masking (no
// glimpsing inside a 100 ms frame, no binaural unmasking), so only the differences count, and
// only a quarter of them: a part masked more than the median part gets a quarter of the
// difference back on its fader (at most 1 LU: less than the gaps between roles, which it must
// not invert), one masked less gives a quarter up. A bed is
// still meant to sit partly behind the parts that carry the song; making up all of it would
// flatten the hierarchy into the equal-loudness mix.
//
// Parts that share a role and play together sit a little under a lone part of that role:
// -5 log10(n) LU for n such parts (by their time overlap), halfway between keeping each at the
// role's level (the role would then grow 10 log10 n louder) and splitting it (each -10 log10 n):
// layers are separate parts, yet together they are one element of the arrangement.
#pragma once

#include <vector>

#include "mix/console.hpp"
#include "mix/decide.hpp"

namespace mixdown::mix {

struct BalanceReport {
  std::vector<double> target_lu;      // per stem, relative target after role sharing
  std::vector<double> solo_lufs;      // predicted solo loudness in the mix (post fader)
  std::vector<double> masking_loss;   // LU lost to masking in context
  double mix_lufs = -200.0;           // predicted mix loudness (no returns)
};

// Sets every strip's fader_db (and reason). `focus` is an index or -1. The predicted mix is
// placed at -18 LUFS before the renderer's output gain (headroom for glue and returns).
// `threads` (0: all cores) measures the parts' masking losses side by side; the result does
// not depend on it.
BalanceReport balance_levels(Console& console, const std::vector<StemInput>& stems, int focus,
                             const Brief& brief, int sample_rate, int threads = 1);

// With no focus, a song whose beat (kick, snare or a drum stem) plays at least a quarter of it
// is carried by its groove: the tonal parts that would accompany a lead (piano, keys, guitar,
// synth, strings, brass, a tonal `other`) sit back as they would under a lead. Not with
// genre=acoustic or orchestral, where the instruments carry the piece.
bool groove_leads(const std::vector<StemInput>& stems, int focus, const Brief& brief);
bool accompanies(const StemInput& stem);

// The share of the song each stem plays: its active frames over the longest stem's frames (a
// one-shot file of 0.25 s is active for all of its own length, and for a moment of the song).
std::vector<double> song_shares(const std::vector<StemInput>& stems);

// Post-fader band power per stem (frames × bands, linear), for masking and glue decisions.
std::vector<std::vector<float>> mix_band_powers(const Console& console,
                                                const std::vector<StemInput>& stems,
                                                int sample_rate, bool with_faders = true);

// Masking loss (LU, >= 0) of stem i in the mix of `powers` (post-fader band powers).
double masking_loss_lu(const std::vector<std::vector<float>>& powers,
                       const std::vector<StemInput>& stems, std::size_t i);

}  // namespace mixdown::mix
