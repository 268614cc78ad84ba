// A revision note as musicians write it ("the vox gets buried in the last chorus", "snare is
// too sharp on small speakers", "make it pop"), read into what a mixer acts on: the element,
// what is wrong and which way to fix it, where in time, the listening context and the kind of
// note (mix | vague | production). The vocabulary follows the way mix notes are described in
// Izhaki, "Mixing Audio" (ch. 6–7, the frequency-domain adjectives: muddy 200–400 Hz, boomy
// 80–150, boxy 400–800, nasal 800–1.5k, harsh 2.5–5k) and Owsinski, "The Mixing Engineer's
// Handbook" (the client-notes vocabulary). Pure text processing: no console, no audio.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mixdown::revise {

enum class NoteKind { mix, vague, production };

// The fix a note asks for (the opposite of the complaint: "buried" asks for `up`).
enum class Fix {
  none,
  up, down,                                     // level
  mute, unmute,                                 // a part out of (back into) the mix, or a span of it
  fade_out, fade_in,                            // the mix (or a part) faded over a span
  brighter, darker, less_harsh, less_mud, less_boom, fuller, less_boxy, less_nasal,
  less_sibilance,                               // tone
  high_pass, low_pass,                          // a strip's pass filters (at freq_hz when named)
  less_compressed, punchier, more_controlled,   // dynamics
  duck,                                         // a part ducked under another (sidechain): `key`
  glue,                                         // gentle bus compression (the mix's, or a part's bus)
  saturate, cleaner,                            // a part's saturator: more drive / less
  drier, wetter, closer, further, wider, narrower,  // space
  shorter, longer,                              // a reverb's decay (a delay's repeats)
  pan_left, pan_right, centre                   // a part's place left to right
};

enum class Aspect { none, level, tone, dynamics, space };

// Where in time a note applies: named sections (with an optional ordinal: 1-based, -1 the
// last, 0 every one of that name) and/or explicit time ranges in seconds.
struct SectionRef {
  std::string name;   // intro | verse | prechorus | chorus | bridge | outro | breakdown | solo | drop
  int ordinal = 0;    // 0 every, 1.. the n-th, -1 the last, -n the n-th from the end
  // "" the section itself; "before" / "after" the span of the song before or after it ("before
  // the verse"), or, beside another section named in the same note, the one of those right
  // before or after it ("the bridge after the chorus").
  std::string relation;
  bool operator==(const SectionRef&) const = default;
};

// What a count of time is in: seconds, or the song's beats or bars, which only the planner can
// turn into seconds (from the console's tempo).
enum class TimeUnit { seconds, beats, bars };

struct TimeRange {
  double start_s = 0, end_s = 0;
  double at_s = -1;  // the moment the note named ("at 1:23"), when it named one; else -1
  // How start_s and end_s count, the song's length and tempo being the planner's to know:
  // `unit`s from the start ("the first 4 bars": 0 to 4 bars); shares of the song ("the second
  // half": 0.5 to 1); `unit`s before its end ("the last 10 seconds": 10 to 0); a length from
  // the moment at_s ("for 2 bars at 1:00": 0 to 2 bars after 1:00).
  enum class Count { seconds, share_of_song, seconds_before_end, after_moment };
  Count count = Count::seconds;
  TimeUnit unit = TimeUnit::seconds;  // of start_s and end_s (at_s is always seconds)
  bool operator==(const TimeRange&) const = default;
};

struct TimeScope {
  std::vector<SectionRef> sections;
  std::vector<TimeRange> ranges;
  // Places the note leaves out ("louder except in the chorus", "but not in the first verse"):
  // the scope is `sections` and `ranges` (the whole song when both are empty) without them.
  std::vector<SectionRef> except_sections;
  std::vector<TimeRange> except_ranges;
  bool whole_song() const {
    return sections.empty() && ranges.empty() && except_sections.empty() && except_ranges.empty();
  }
  bool operator==(const TimeScope&) const = default;
};

// A fade whose length and place the note leaves open: this long at the song's end (start).
inline constexpr double kDefaultFadeOutS = 10.0;
inline constexpr double kDefaultFadeInS = 5.0;

struct ParsedNote {
  std::string text;
  NoteKind kind = NoteKind::mix;
  // Canonical element: lead_vocal, backing_vocal, vocal, kick, snare, hihat, cymbal, tom, drums,
  // percussion, bass, guitar, keys, piano, synth, pad, strings, brass, reverb, delay, mix; or
  // "stem:NAME" when the note names a stem of the session; or "part:WORD" when it names a part
  // by a word no vocabulary and no stem knows ("the sfxr is too loud"). Empty when none was
  // recognised.
  std::string element;
  Fix fix = Fix::none;
  std::string problem;      // the word that said what is wrong ("buried", "muddy", ...)
  TimeScope scope;
  std::string context;      // small_speakers | phone | car | headphones | club | mono | laptop | ""
  std::string production_reason;  // why a production note belongs to production
  std::string vague_topic;  // for vague notes: the word that made it vague ("pop", "bigger")
  // A level amount the note states ("+3 dB", "2 dB louder", "-2dB"), in dB, its sign as
  // written (0 when none; a sign only when the note gave one or said up/down).
  double amount_db = 0.0;
  // More parts the request names in a list with `element` ("bring up the bass and the kick"):
  // parse_requests makes each a request of its own.
  std::vector<std::string> also;
  // A frequency the note names ("at 5 kHz", "too much 200Hz"): the tone move is a bell there
  // (for high_pass / low_pass: the filter's corner).
  double freq_hz = 0.0;
  // Parts the note protects ("the drums are too loud except the kick"): left out of `element`'s
  // group when it holds them.
  std::vector<std::string> except;
  // The returns a space note names, when it names one kind: "reverb" (plate, hall, room...) or
  // "delay" (echo, slapback); "" when it names none or both.
  std::string space;
  // A fade's length the note states ("fade it in over 2 seconds", "over 8 beats"), in
  // `span_unit`s; 0 when none.
  double span = 0.0;
  TimeUnit span_unit = TimeUnit::seconds;
  // The sections a comparison holds as the reference ("the verse should be quieter than the
  // chorus": the chorus), left as they are; `scope` holds the ones the note asks to move.
  std::vector<SectionRef> reference;
  // A time the note wrote that no song has ("99:99", "-0:05"): not read as a time; "" when none.
  std::string bad_time;
  // For Fix::duck: the part whose hits duck `element` ("the kick" in "sidechain the bass to the
  // kick"), an element as `element` is; "" when the note names none (the planner keys the kick).
  std::string key;
  bool operator==(const ParsedNote&) const = default;
};

Aspect aspect_of(Fix fix);
std::string_view to_string(NoteKind kind);
std::string_view to_string(Fix fix);
std::string_view to_string(Aspect aspect);

// Reads a note. `stem_names` (optional) are the session's stems, so a note can name one
// ("E-Piano is too loud"). Never throws; an unreadable note comes back vague.
ParsedNote parse_note(std::string_view text, const std::vector<std::string>& stem_names = {});

// The requests in a note, in order: "the pad is too loud, the bass is too quiet" asks for two
// changes. The note is cut at commas, semicolons, sentence ends and the words and/but/also/
// plus/while/however; a part that asks for nothing by itself ("the strings are fine", "in the
// chorus", "don't touch the strings") stays with the request next to it, so protected parts
// and shared places still read as one; a part that names only what to change ("the kick" in
// "the kick and the snare are too loud", "and the guitars") takes the next (or previous)
// request's fix, and one that says only the fix ("and too bright") takes the previous
// request's part (then a place said once serves both). Each request's `text` is its own
// clause. A note with one request comes back as parse_note() reads it whole.
std::vector<ParsedNote> parse_requests(std::string_view text, const std::vector<std::string>& stem_names = {});

// "1:23" / "83" / "1:02:03" → seconds; nullopt when it is not a time (a sign, a field of
// minutes or seconds past 59: "-0:05", "99:99").
std::optional<double> parse_time(std::string_view token);

// A time as people read it in replies: "1:05".
std::string format_time(double seconds);

// A share the note states ("50%", "30 percent"), in percent; nullopt when it states none.
std::optional<double> percent_in(std::string_view text);

// A word stretched for emphasis as the word it stretches ("wayyy", "waaay" → "way", "tooo" →
// "too", "loooud" → "loud"): each run of three or more of one letter is two letters when that
// spells a word a note uses, else one when that does, else two. Other words come back as they are.
std::string unstretched(std::string_view word);

// A note's words as the parser reads them: lower case, split at what is not a letter or a digit
// (a time such as "1:05" kept whole).
std::vector<std::string> note_words(std::string_view text);

// An ordinal word's place: "first"/"1st" 1, "second" 2, ... "last"/"final" -1; nullopt for
// any other word.
std::optional<int> ordinal_of(const std::string& word);

// ASCII lower case, for matching words in a note's text.
std::string lower_case(std::string_view text);

}  // namespace mixdown::revise
