// From notes to console edits. A mix note moves the console by the steps an engineer would
// take for it (level 1.5 dB, 3 dB when the note says the part is lost; tone as a shelf or a
// bell at the range the complaint names; dynamics by the compressor's ratio/threshold/attack;
// space by sends and pre-delay; width by the pan/width stage); a note confined to sections
// becomes fader automation inside those sections with short ramps, leaving the rest of the
// song bit-for-bit as it was. Vague notes change nothing and come back with questions and
// measured suggestions; production notes change nothing and say why; contradicting notes are
// reported and neither is applied (never averaged).
// Tone ranges: Izhaki, "Mixing Audio" (2nd ed.), ch. 6 "Frequency domain" and ch. 13
// "Equalizers" (muddy 200–400 Hz, boomy 80–150, boxy 400–800, nasal 800–1.5k, harsh 2.5–5k,
// air above 8k); level steps: the just-noticeable level difference in a mix is ~1 dB, so a
// noticeable but not disruptive move is 1.5 dB, a "can't hear it" fix 3 dB.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/analyzer.hpp"
#include "mix/console.hpp"
#include "revise/note.hpp"

namespace mixdown::revise {

struct Change {
  std::string stem;       // a strip name, "return:NAME", "bus:NAME" or "mix_bus"
  std::string parameter;  // fader_db, gain_db (automation), eq.bell@300Hz.gain_db, send.plate.level_db, ...
  double from = 0, to = 0;
  std::string section;    // "" throughout; else the section ("chorus 2") or range ("0:45-1:10")
  bool operator==(const Change&) const = default;
};

struct NoteResult {
  std::string note;
  NoteKind kind = NoteKind::mix;     // mix when any request of the note is; else production, else vague
  ParsedNote parsed;                 // the first request acted on (the note's only one, mostly)
  std::vector<ParsedNote> requests;  // every request of the note (parse_requests), in order
  std::vector<Change> changes;
  std::string reply;
  bool conflict = false;
};

// A time window of the song a note applies to, labelled for replies and changes.json.
struct Window {
  std::string label;  // "chorus 2", "0:45-1:10"
  double start_s = 0, end_s = 0;
};

// How loud a stem's own file is inside a window a note would ride it in: a ride where the part
// does not play changes nothing anyone hears, so it is said instead of done.
struct WindowPeak {
  std::string stem;
  double start_s = 0, end_s = 0;
  double peak_dbfs = 0;
};

// A stereo stem whose side signal sits this far (or further) under its mid has no width for a
// width stage to widen: it is treated as the mono source it is (its pan spreads instead).
inline constexpr double kNearMonoSideDb = -30.0;

// A stem whose file peaks below this inside a window is not playing there.
inline constexpr double kNotPlayingDbfs = -60.0;

struct PlanContext {
  std::optional<analysis::AnalysisReport> mix_analysis;       // of the current mix, for vague notes
  std::optional<analysis::ReferenceComparison> reference;     // when the project has a reference
  std::map<std::string, int> stem_channels;                   // strip name → channels (width needs stereo)
  // Strip name → its file's side energy against its mid, dB (stereo stems measured for a width
  // note). A stem whose side sits more than kNearMonoSideDb under its mid is mono in effect.
  std::map<std::string, double> stem_side_db;
  std::vector<WindowPeak> window_peaks;                       // of the rides planned_rides() lists
  // The levels planned_levels() lists, dB: the median of a file's active 50 ms mean squares
  // over its channels, as a compressor's RMS detector hears it (io::detector_level_db): a
  // strip's own file, "bus:NAME" its versions/NAME.wav, "mix_bus" the mix. For the threshold
  // of a duck keyed by a strip and of a glue compressor added where there was none.
  std::map<std::string, double> level_db;
};

// Narrows a group's strips to the one a word of the note names alone ("the open hat" among an
// open and a closed hi-hat); unchanged when no word, or several strips, match.
void narrow_by_name(std::vector<mix::Strip*>& strips, std::string_view note, const std::string& element);

// Parses and plans every note against the console and applies the mix changes to it, in order.
// A note with several requests (parse_requests) gets each acted on; its reply says each.
std::vector<NoteResult> plan_revision(mix::Console& console, const std::vector<std::string>& notes,
                                      const PlanContext& context = {});

// The (stem, window) rides the level requests of these notes would make: the caller measures
// each stem there (WindowPeak) before planning.
std::vector<std::pair<std::string, Window>> planned_rides(const mix::Console& console,
                                                          const std::vector<std::string>& notes);

// The levels (PlanContext::level_db) these notes' ducks and glue need measured: the strips a
// duck is keyed by, and "bus:NAME" / "mix_bus" where glue adds a compressor.
std::vector<std::string> planned_levels(const mix::Console& console, const std::vector<std::string>& notes);

// The windows of a scope in this console's sections; `missing` lists section references the
// song does not have, `past_end` the time ranges that start after the song has ended (both are
// left out).
std::vector<Window> resolve_scope(const TimeScope& scope, const mix::Console& console,
                                  std::vector<std::string>* missing = nullptr,
                                  std::vector<TimeRange>* past_end = nullptr);

// Adds `delta_db` to a strip's fader inside [start, end] only, with linear ramps of `ramp_s`
// outside the window's edges, keeping every existing breakpoint's effect (the result is the old
// automation plus a trapezoid).
void add_automation_window(mix::Strip& strip, double start_s, double end_s, double delta_db, double ramp_s);

// Fades a strip out (in) across [start, end], linear in amplitude, on top of its automation: at
// the console's floor after a fade out's end (before a fade in's start).
void add_fade(mix::Strip& strip, double start_s, double end_s, bool out);

}  // namespace mixdown::revise
