// Every processor setting as a plain, named, serializable value. The mixing console
// (mix/console.hpp) is made of these; session.toml stores them field by field, so a field
// renamed here is a field renamed in every saved session. Units are in the names.
#pragma once

#include <string>
#include <vector>

namespace mixdown::dsp {

// High-/low-pass: Butterworth of `order` (1..8; 12 dB/oct per 2 orders), RBJ/bilinear.
struct PassFilterSettings {
  bool enabled = false;
  double freq_hz = 20.0;
  int order = 2;
  bool operator==(const PassFilterSettings&) const = default;
};

enum class EqType { bell, low_shelf, high_shelf, notch, high_pass, low_pass };

// The name session.toml and the reports use for a band type.
inline const char* to_string(EqType t) noexcept {
  switch (t) {
    case EqType::bell: return "bell";
    case EqType::low_shelf: return "low_shelf";
    case EqType::high_shelf: return "high_shelf";
    case EqType::notch: return "notch";
    case EqType::high_pass: return "high_pass";
    case EqType::low_pass: return "low_pass";
  }
  return "bell";
}

// One parametric band (RBJ Audio EQ Cookbook). For shelves, q is the shelf slope S-equivalent Q.
struct EqBand {
  bool enabled = true;
  EqType type = EqType::bell;
  double freq_hz = 1000.0;
  double gain_db = 0.0;
  double q = 0.707;
  bool operator==(const EqBand&) const = default;
};

struct EqSettings {
  std::vector<EqBand> bands;  // any number; the console offers at least 6 per strip
  bool operator==(const EqSettings&) const = default;
};

enum class Detector { peak, rms };

// Feed-forward compressor with a soft knee (Giannoulis, Massberg & Reiss, "Digital Dynamic
// Range Compressor Design", JAES 2012). `mix` < 1 blends the dry signal (parallel compression).
// With an external key the gain is computed from the key signal instead of the input.
struct CompressorSettings {
  bool enabled = false;
  double threshold_db = -18.0;
  double ratio = 2.0;          // 1..inf (>= 100 treated as a limiter slope)
  double knee_db = 6.0;
  double attack_ms = 10.0;
  double release_ms = 120.0;
  double makeup_db = 0.0;
  Detector detector = Detector::rms;
  double mix = 1.0;            // 0..1 wet share (parallel compression)
  std::string key;             // stem name whose signal drives the gain; empty: self
  bool operator==(const CompressorSettings&) const = default;
};

// Downward expander / gate: below threshold the gain falls with `ratio` down to `range_db`.
struct GateSettings {
  bool enabled = false;
  double threshold_db = -50.0;
  double ratio = 4.0;          // expansion ratio; large = gate
  double range_db = -40.0;     // maximum attenuation (negative)
  double attack_ms = 1.0;
  double hold_ms = 30.0;
  double release_ms = 120.0;
  bool operator==(const GateSettings&) const = default;
};

// Split-band de-esser: the band above `freq_hz` is compressed when it exceeds the threshold,
// the rest passes untouched (complementary split, sums flat at rest).
struct DeEsserSettings {
  bool enabled = false;
  double freq_hz = 6000.0;
  double threshold_db = -30.0;
  double max_reduction_db = 8.0;
  bool operator==(const DeEsserSettings&) const = default;
};

// A dynamic EQ band: a bell cut at freq_hz that deepens (down to max_cut_db) as the key
// signal's level in the same band rises above threshold_db. Keyed by the focus for unmasking.
struct DynamicEqSettings {
  bool enabled = false;
  double freq_hz = 2500.0;
  double q = 1.0;
  double max_cut_db = -4.0;    // <= 0
  double threshold_db = -30.0;
  double attack_ms = 5.0;
  double release_ms = 80.0;
  std::string key;             // stem name of the key (e.g. the lead vocal)
  bool operator==(const DynamicEqSettings&) const = default;
};

enum class SaturationMode { soft_clip, tape };

// Oversampled waveshaper (4x) with drive and dry/wet mix; output level compensated for drive.
struct SaturatorSettings {
  bool enabled = false;
  SaturationMode mode = SaturationMode::tape;
  double drive_db = 0.0;
  double mix = 1.0;
  bool operator==(const SaturatorSettings&) const = default;
};

// Pan (constant-power sine law, -3 dB at centre) and width (mid/side: 0 mono, 1 as is, 2 wide)
// for a strip; the output is always stereo.
struct PanSettings {
  double pan = 0.0;    // -1 left .. +1 right
  double width = 1.0;  // 0..2, stereo sources only
  bool operator==(const PanSettings&) const = default;
};

// Algorithmic reverb: an 8-line feedback delay network (Jot & Chaigne 1991; Hadamard mixing)
// with per-line absorption set for RT60 = decay_s and a high-frequency damping shelf.
struct ReverbSettings {
  double size = 0.6;           // 0..1 scales the delay-line lengths (room size)
  double decay_s = 1.8;        // RT60 at mid frequencies
  double predelay_ms = 20.0;
  double damping_hz = 6000.0;  // above this, decay is faster
  double low_cut_hz = 200.0;   // on the input
  double width = 1.0;          // 0..1
  bool operator==(const ReverbSettings&) const = default;
};

// Delay with filtered feedback; ping-pong alternates left and right.
struct DelaySettings {
  double time_ms = 375.0;
  double feedback = 0.35;      // 0..0.95
  double low_cut_hz = 200.0;   // in the feedback path
  double high_cut_hz = 5000.0; // in the feedback path
  bool ping_pong = true;
  bool operator==(const DelaySettings&) const = default;
};

// True-peak look-ahead limiter (mastering only; the mix bus never has one).
struct LimiterSettings {
  double ceiling_dbtp = -1.0;
  double lookahead_ms = 5.0;
  double release_ms = 60.0;    // base release; program-dependent release lengthens it
  bool operator==(const LimiterSettings&) const = default;
};

}  // namespace mixdown::dsp
