// The mastering QC gate: what in the mix a master cannot fix, or should not hide, in plain
// words. Thresholds follow common mastering practice: PLR (peak-to-loudness ratio, EBU R128
// s1 / AES TD1004 usage) under 8 dB means the mix is already heavily limited; a mono fold-down
// more than 3 LU quieter than the stereo means cancellation on mono playback; DC above -60 dBFS
// wastes headroom and thumps at edits; runs of full-scale samples are clipping.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/problem.hpp"
#include "master/input_analysis.hpp"
#include "master/target.hpp"

namespace mixdown::master {

inline constexpr double kOverCompressedPlrDb = 8.0;
inline constexpr double kSquashedPlrDb = 5.0;
// Mono fold-down: a loss over kMonoLossWarnLu + kUncorrelatedSlackLu, or a correlation under
// -kUncorrelatedSlack, is cancellation. Two unrelated channels (independent noise, a wide
// room) read a 3.0 LU loss at a correlation of 0 +- a few thousandths, which is no
// cancellation: summed, unrelated signals add in power (-3 dB against a mono source).
inline constexpr double kMonoLossWarnLu = 3.0;
inline constexpr double kUncorrelatedSlackLu = 0.3;
inline constexpr double kUncorrelatedSlack = 0.05;
// A stereo mix whose one channel is this far under the other (dB) plays on one side only.
inline constexpr double kOneSidedDb = 30.0;
inline constexpr double kMonoLossErrorLu = 6.0;
inline constexpr double kDcOffset = 0.001;        // -60 dBFS
inline constexpr double kTooQuietLufs = -35.0;
inline constexpr double kTooLoudLufs = -9.0;      // louder than any delivery target

// Problems in the input. `targets` are the masters asked for (too-hot is judged against the
// loudest of them).
std::vector<Problem> qc_input(const InputAnalysis& in, const std::vector<Target>& targets);

bool has_errors(const std::vector<Problem>& problems);

// The limiter's measured work on a landed master (its deepest gain reduction and the share of
// the time it acted), in words for its decision: the chain's sentences are decided from the
// input before any EQ or compression, this is what the landing found.
std::string limiter_outcome(double max_reduction_db, double active_share);

// Heavy limiting: at least kHeavyLimitingDb off the peaks at its deepest and acting for more than
// kHeavyLimitingShare of the time (a limiter that catches drum hits acts for moments; one riding
// the whole song flattens every transient and pumps). A warning naming the loudness it was
// pushed to; nothing otherwise.
inline constexpr double kHeavyLimitingDb = 8.0;
inline constexpr double kHeavyLimitingShare = 0.5;
std::optional<Problem> heavy_limiting(const Target& target, double target_lufs, double max_reduction_db,
                                      double active_share);

}  // namespace mixdown::master
