// Mastering decisions: pure functions from the input's analysis (and a reference's) to the
// chain's settings, each with its reason. No audio here.
//
// Tonal balance: long-term 1/6-octave spectra smoothed to 1/3 octave; with a reference the
// correction is the difference of the channels' power (mid plus side, ours after the width
// move; level-independent: the median over 50 Hz-12 kHz is removed), limited to ±6 dB and
// scaled by `amount`; without one the target is the mix's own
// spectrum smoothed to one octave with its tilt and low-end weight pulled into the range of
// its character (after the long-term spectra of commercial releases in Pestana, Ma, Reiss,
// Barbosa & Black, "Spectral characteristics of popular commercial recordings 1950-2010",
// AES 135th Convention, 2013), limited to ±3 dB. The correction is realised as RBJ shelves
// and octave-wide bells (1/3-octave bells when matching a reference) fitted by iterated least
// squares on the dB response.
#pragma once

#include <string>
#include <vector>

#include "analysis/features.hpp"
#include "dsp/settings.hpp"
#include "master/input_analysis.hpp"
#include "master/target.hpp"

namespace mixdown::master {

struct Decision {
  std::string what;    // "polarity", "eq", "width", "mono_bass", "subsonic", "compressor", "limiter", "tonal_target";
                       // "match_eased" (io::master_file, when a reference match had to be eased to land)
  std::string reason;  // plain words
  bool operator==(const Decision&) const = default;
};

struct MasterChain {
  bool flip_right = false;            // stereo: the right channel's polarity inverted first
  std::vector<double> dc_offset;      // subtracted from each channel first (empty: none)
  dsp::PassFilterSettings subsonic;   // high-pass on every channel
  dsp::EqSettings eq;                 // tonal balance
  double side_gain_db = 0.0;          // stereo width: gain on the side signal
  double mono_below_hz = 0.0;         // > 0: the side signal is high-passed here (4th order)
  dsp::CompressorSettings compressor; // gentle, only when the limiter alone would work too hard
  dsp::LimiterSettings limiter;
  double gain_db = 0.0;               // first guess of the gain into the limiter
  std::string character;              // the mix's character that chose the tonal target
  std::vector<double> curve_hz;       // the tonal correction asked for (before the band fit)
  std::vector<double> curve_db;
  std::vector<double> eq_response_db; // what the fitted EQ does at curve_hz
  std::vector<Decision> decisions;
  bool operator==(const MasterChain&) const = default;
};

// How far under the target's ceiling the limiter aims, so that the delivered file (after
// dither, measured by any BS.1770 meter) still holds. The limiter sees peaks at 4x
// oversampling; the delivered master is read finer (16x where it comes near the peak, as a DAC
// plays it), and that reading lies above the limiter's by up to 0.105 dB at 48 kHz and 0.21 dB
// at 44.1 kHz (the top ones of 27 masters: nine mixes, the three corpus mixes, mixdown's mixes of
// them, its 16-stem bench mix and the master bench's two files, each to streaming, apple and
// cd). With a 0.1 dB margin 4 of the 27 passed their ceiling and were landed a second time, a
// whole pass more; at 0.25 dB none do. The wider margin costs loudness only where the limiter
// already holds it under the ceiling (a solo piano to a CD's -12 LUFS lands 0.3 LU further
// short): a master that lands short of its aim with it is landed again at
// kCeilingMarginTightDb, the margin the dither alone needs plus the finer reading's usual gap.
inline constexpr double kCeilingMarginDb = 0.25;
inline constexpr double kCeilingMarginTightDb = 0.1;
inline constexpr double kMaxMatchDb = 6.0;
inline constexpr double kMaxAutoEqDb = 3.0;
inline constexpr double kMaxSideGainDb = 3.0;

// A stereo file whose whole left/right correlation is under this has one channel
// polarity-inverted: no mix is that on purpose (a wide mix reads about 0.2-0.7, a very wide
// one near 0), and its mono fold-down and its bass for a groove cancel. It is flipped back.
// The same line as for a stem (analysis::kOutOfPhaseCorrelation, where the check flips one).
inline constexpr double kInvertedChannelCorrelation = analysis::kOutOfPhaseCorrelation;
// Bass this far out of phase (correlation below 150 Hz, after any flip) cancels when made
// mono: vinyl refuses it, other targets leave it as it is rather than remove it.
inline constexpr double kOutOfPhaseBassCorrelation = -0.5;
bool channel_inverted(const InputAnalysis& in);
// The analysis as the chain sees it: with the inverted channel flipped back (correlations
// negated, mid and side exchanged), else `in`.
InputAnalysis as_flipped(const InputAnalysis& in);

// `reference` may be null. `amount` in 0..1 scales tonal and width moves.
MasterChain decide(const InputAnalysis& in, const Target& target, const InputAnalysis* reference,
                   double amount);

// The EQ fit on its own (exposed for tests): bands whose summed dB response approximates
// `desired_db` at `hz` (30 Hz..16 kHz), the total within ±max_db. bands_per_octave 1: shelves
// and octave-wide bells (broad tonal moves); 3: 1/3-octave bells (reference matching).
dsp::EqSettings fit_eq(const std::vector<double>& hz, const std::vector<double>& desired_db,
                       double max_db, double sample_rate, int bands_per_octave = 1);
// Summed dB response of an EQ at the given frequencies.
std::vector<double> eq_response(const dsp::EqSettings& eq, const std::vector<double>& hz,
                                double sample_rate);

}  // namespace mixdown::master
