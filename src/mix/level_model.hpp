// A model of what a strip's processing does to a stem's measured levels, so decisions can be
// solved on numbers instead of renders: the static filters' magnitude at each ERB band (from
// the same RBJ/Butterworth designs the renderer uses), the compressor's gain reduction per
// 100 ms frame from its static curve (Giannoulis, Massberg & Reiss, JAES 2012, eq. 4; attack
// and release ignored, which at 100 ms resolution errs by well under a dB for musical
// settings), and the faders. Energies of different stems add (stems are treated as
// uncorrelated, as BS.1770 sums do for independent sources).
#pragma once

#include <vector>

#include "analysis/stem_analysis.hpp"
#include "mix/console.hpp"

namespace mixdown::mix {

// Magnitude (dB) of a strip's static filters (high pass, low pass, EQ bands) at a frequency.
double static_filter_db(const Strip& strip, double hz, int sample_rate);

// The compressor's static gain change (dB, <= 0 before makeup) for an input RMS level (dBFS).
double compressor_gain_db(const dsp::CompressorSettings& c, double level_db);

// RMS level (dBFS, mean over channels, as the compressor's detector reads it) of a frame,
// from the stem's frame loudness (K-weighted, channel-summed) and the strip's trim.
double frame_rms_db(const analysis::StemAnalysis& a, std::size_t frame, double trim_db);

// The change (dB) of a stem's total power through the strip's pan and width (dsp::PanWidth):
// 0 for mono sources (constant-power law) and for stereo at the centre with width 1.
double pan_power_db(const Strip& strip, const analysis::StemAnalysis& a);

// Per-frame, per-band power of the strip's output before its fader (linear, band-major
// within a frame: [frame * bands + band]); silent frames are 0.
std::vector<float> processed_band_power(const Strip& strip, const analysis::StemAnalysis& a,
                                        int sample_rate);

// K-weighted energy per frame of a band-power table (BS.1770 pre-filter at the band centres).
std::vector<double> k_energy(const std::vector<float>& band_power, const analysis::StemAnalysis& a);

// Gated loudness of per-frame K-weighted energies as BS.1770-4 measures it: 400 ms blocks
// (four 100 ms frames) stepped by 100 ms (75 % overlap), -70 LUFS absolute and -10 LU relative
// gates. -200 when nothing passes.
double gated_lufs(const std::vector<double>& frame_energy);

}  // namespace mixdown::mix
