// Dynamics by role and brief: vocals levelled, bass steady, drums punchy, the rest only when
// it moves a lot; character colours it (saturation). Thresholds come from the stem's own level
// distribution after the trim (percentiles of its active 100 ms frames), so "compress the top
// half" means the same on a whisper and on a shout.
//
// Sources and reasoning:
// - Ratios, attack and release per role: Izhaki, "Mixing Audio" (2nd ed., ch. 17-18,
//   "Compressors": slow attack lets the transient through, so a drum gets punchier; release
//   matched to the beat so the compressor recovers before the next hit), and Giannoulis,
//   Massberg & Reiss (JAES 2012) on attack/release/knee behaviour.
// - Release from the tempo: a quarter of a beat for drums (recovers before the next 8th/16th).
// - Makeup gain equals the loudness the compression took (predicted from the static curve on
//   the stem's frames), so the compressor changes the shape, not the balance.
#pragma once

#include "analysis/stem_analysis.hpp"
#include "mix/console.hpp"
#include "mix/decide.hpp"

namespace mixdown::mix {

void set_dynamics(Strip& strip, const StemInput& stem, const analysis::SongAnalysis& song,
                  const Brief& brief, bool focus);

// Percentile (0..1) of the strip's active-frame RMS levels after the trim (dBFS).
double level_percentile(const analysis::StemAnalysis& a, double trim_db, double q);

// Loudness change (LU) the compressor causes on this stem (negative), before makeup.
double compression_loss_lu(const dsp::CompressorSettings& c, const analysis::StemAnalysis& a,
                           double trim_db);

}  // namespace mixdown::mix
