// Delivery targets of INTERFACE.md: integrated loudness (ITU-R BS.1770-4 / EBU R128, ATSC A/85
// for `atsc`), true-peak ceiling and file format. A master lands within ±0.5 LU of its target
// (aim ±0.2) and never above its ceiling, measured on the delivered file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mixdown::master {

struct Target {
  std::string name;
  double integrated_lufs = -14.0;
  double ceiling_dbtp = -1.0;
  int bit_depth = 24;        // 16: TPDF-dithered
  int sample_rate = 0;       // 0: the source's rate
  bool vinyl = false;        // mono below 150 Hz, nothing below 25 Hz
  bool lossy_check = false;  // streaming services transcode: check a lossy encode for clipping
  std::string standard;      // where the numbers come from, for the report
  bool two_channels = false;  // the medium carries two channels: a mono source goes on both (dual mono)
  bool operator==(const Target&) const = default;
};

const std::vector<Target>& all_targets();
std::optional<Target> find_target(std::string_view name);
// "streaming, apple, cd, vinyl, broadcast, atsc, podcast" (for usage messages).
std::string target_names();

// The delivered sample rate for a source rate.
inline int delivery_rate(const Target& t, int source_rate) {
  return t.sample_rate > 0 ? t.sample_rate : source_rate;
}

// The delivered channel count for a source's: a mono source on a two-channel medium is the dual
// mono it plays as; nothing is ever folded down.
inline int delivery_channels(const Target& t, int source_channels) {
  return t.two_channels && source_channels == 1 ? 2 : source_channels;
}

// Vinyl: the side signal is high-passed here (the cutting lathe's stylus cannot follow
// out-of-phase bass) and everything below kVinylSubsonicHz is removed (rumble, excursion).
inline constexpr double kVinylMonoBelowHz = 150.0;
// The side signal's high-pass that makes the low end mono: 48 dB/octave (8th-order Butterworth),
// 15 dB down a third of an octave under its corner and 28 dB down at two thirds of it. At 24
// dB/octave (until session 42) the side of a vinyl master kept 10-12 dB of its level at 100-120
// Hz: not mono.
inline constexpr int kMonoBelowOrder = 8;
inline constexpr double kVinylSubsonicHz = 25.0;
// A mix whose spectrum under ~20 Hz holds more than this share of its power (dB: a sixth) is
// high-passed at 20 Hz on every target (master::decide_chain): rumble, a subsonic tone (the
// sweep's files: -0.2 to -3.3). Not lower: the corpus mixes hold -10.8 (CapDan, whose level
// drifts slowly), -21.5 and -22.8, and on CapDan the steep filter's phase turn raised the bass
// transients' peaks (the limiter's cost at one gain +0.07 LU) more than the 8 % of the power
// it took away lowered them.
inline constexpr double kInfrasonicShareDb = -8.0;

}  // namespace mixdown::master
