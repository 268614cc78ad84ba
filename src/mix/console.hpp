// The mixing console as values: what `mix` decides, what session.toml stores, what `revise`
// edits and what the renderer (graph/) carries out. Every decision carries a reason, keyed by
// the setting it explains ("fader", "eq", "compressor", "pan", "send.reverb", ...).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dsp/settings.hpp"
#include "mix/brief.hpp"
#include "core/role.hpp"

namespace mixdown::mix {

using Reasons = std::map<std::string, std::string>;

// The console's ranges (session.toml refuses values outside them): faders, and automation
// breakpoints relative to their fader.
inline constexpr double kFaderMinDb = -120.0, kFaderMaxDb = 12.0;
inline constexpr double kAutomationMinDb = -60.0, kAutomationMaxDb = 24.0;

// A fader breakpoint; between points the gain moves linearly in dB and is then smoothed.
struct AutomationPoint {
  double time_s = 0.0;
  double gain_db = 0.0;  // added to the fader
  bool operator==(const AutomationPoint&) const = default;
};

struct Send {
  std::string to;           // a Return's name ("plate", "hall", "delay")
  double level_db = -20.0;
  bool pre_fader = false;
  bool operator==(const Send&) const = default;
};

struct Strip {
  std::string name;         // the stem's file name (unique in a session)
  std::string file;         // path to the stem, relative to the session file or absolute
  // The file's content when the session was decided (io::file_fingerprint); empty: not known
  // (a hand-written session). A decided session rendered again says when the file has changed.
  std::string fingerprint;
  Role role = Role::other;
  std::string role_source = "name";  // name | content | session
  double role_confidence = 1.0;
  bool printed_fx = false;  // a printed effect/return: balanced, not re-processed
  bool fold_to_mono = false;  // a dual-mono stereo file is mixed as the mono source it is
  // A stereo file whose channels are opposite in polarity (one inverted): its right channel is
  // inverted back as it is read (before any fold to mono), so the part survives in mono.
  bool invert_right = false;
  // A float stem's isolated absurd samples (analysis::spike_ceiling): above this level they
  // read as silence. Unset: every sample is read as it is.
  std::optional<double> spike_ceiling_dbfs;
  std::string bus = "music";

  double trim_db = 0.0;
  bool polarity_invert = false;
  // Moved this much earlier in time (ms; the stem's first moments dropped), lining it up with
  // another mic on the same source (analysis::alignments).
  double advance_ms = 0.0;
  dsp::PassFilterSettings high_pass;
  dsp::PassFilterSettings low_pass;
  dsp::GateSettings gate;
  dsp::EqSettings eq;
  dsp::DynamicEqSettings dynamic_eq;
  dsp::CompressorSettings compressor;
  dsp::DeEsserSettings deesser;
  dsp::SaturatorSettings saturator;
  dsp::PanSettings pan;
  double fader_db = 0.0;
  bool mute = false;
  std::vector<AutomationPoint> automation;
  std::vector<Send> sends;
  Reasons reasons;
  bool operator==(const Strip&) const = default;
};

struct Bus {
  std::string name;         // drums | bass | music | vocals
  dsp::EqSettings eq;
  dsp::CompressorSettings compressor;  // glue; mix < 1 for parallel compression
  double fader_db = 0.0;
  Reasons reasons;
  bool operator==(const Bus&) const = default;
};

enum class ReturnKind { reverb, delay };

struct Return {
  std::string name;         // plate | hall | delay ...
  ReturnKind kind = ReturnKind::reverb;
  dsp::ReverbSettings reverb;
  dsp::DelaySettings delay;
  dsp::EqSettings eq;
  double fader_db = 0.0;
  Reasons reasons;
  bool operator==(const Return&) const = default;
};

struct MixBus {
  dsp::EqSettings eq;
  dsp::CompressorSettings compressor;  // glue; never a limiter
  double target_true_peak_dbtp = -4.5; // the rendered mix is set between -6 and -3 dBTP
  // The gain the render that wrote this session's mix landed it with (its true peak at the
  // target). Re-renders and revisions keep it while the mix's true peak stays between -6 and
  // -3 dBTP (else it moves just inside), so a revision's untouched parts stay where they were
  // instead of following the new mix's peak. Unset: landed at the target.
  std::optional<double> output_gain_db;
  Reasons reasons;
  bool operator==(const MixBus&) const = default;
};

struct Section {
  std::string name;         // intro | verse | chorus | bridge | outro | ...
  double start_s = 0.0;
  double end_s = 0.0;
  bool operator==(const Section&) const = default;
};

struct Console {
  int sample_rate = 48000;
  double tempo_bpm = 120.0;
  double duration_s = 0.0;
  // Set when the stems' files run on in silence after the music (an export's end marker left
  // far out): the stems are read up to here and the mix ends after it with the effect tails.
  // Unset: every file is read to its end.
  std::optional<double> stems_end_s;
  std::string focus;          // the stem the mix is built around
  Brief brief;
  std::vector<std::string> targets{"streaming"};
  bool decided = false;       // true once `mix` decided every setting: re-render as is
  // Stems of the folder that the check set aside (a copy, silent, only clicks, unreadable, a
  // bounce of the others): not mixed, but printed in versions/stems/ as silence, so that
  // folder holds one file per input stem (INTERFACE.md) and each says how it sits in the mix.
  std::vector<std::string> left_out;
  std::vector<Section> sections;
  std::vector<Strip> strips;
  std::vector<Bus> buses;
  std::vector<Return> returns;
  MixBus mix_bus;
  bool operator==(const Console&) const = default;

  Strip* find_strip(const std::string& name);
  const Strip* find_strip(const std::string& name) const;
  Bus* find_bus(const std::string& name);
};

}  // namespace mixdown::mix
