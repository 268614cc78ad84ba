#include "revise/plan.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>
#include <tuple>

#include <fmt/format.h>

#include "analysis/spectrum.hpp"
#include "master/target.hpp"
#include "mix/automation.hpp"

namespace mixdown::revise {
namespace {

// A reply that starts with a part's name starts a sentence.
// Where "on the left" puts a part that sits nearer the centre: clearly to that side, as a
// double or a second guitar is panned, not hard.
constexpr double kPlacedPan = 0.6;

std::string capitalised(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

using mix::Console;
using mix::Strip;

std::string lower_words(std::string_view text);  // below
std::set<std::string> letter_words(std::string_view text);  // below

std::string fmt_db(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", std::fabs(v));
  std::string s = b;
  if (s.size() > 2 && s.substr(s.size() - 2) == ".0") s.resize(s.size() - 2);
  return s;
}

std::string fmt_hz(double hz) {
  char b[32];
  if (hz >= 1000) {
    std::snprintf(b, sizeof b, "%.1f kHz", hz / 1000);
    std::string s = b;
    const auto p = s.find(".0 ");
    if (p != std::string::npos) s.erase(p, 2);
    return s;
  }
  std::snprintf(b, sizeof b, "%.0f Hz", hz);
  return b;
}

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

std::string range_label(double a, double b) { return format_time(a) + "-" + format_time(b); }

// A note's words quoted in a reply: cut after about 200 characters (at a space when there is
// one near, never inside a UTF-8 character) and marked "…", so a pasted page is not said back
// whole.
std::string quote_note(std::string_view text) {
  constexpr std::size_t kMax = 200;
  if (text.size() <= kMax) return "\"" + std::string(text) + "\"";
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  if (const std::size_t space = text.rfind(' ', cut); space != std::string_view::npos && space + 40 > kMax) cut = space;
  return "\"" + std::string(text.substr(0, cut)) + "…\"";
}

// The console holds no time signature: a bar is four beats (4/4), the metre mixdown reads a
// song's tempo in.
constexpr double kBeatsPerBar = 4.0;

// The tempo bars and beats are counted at: the console's (a session holds 20–400 BPM), 120
// when it has none.
double tempo_of(const Console& c) {
  return std::isfinite(c.tempo_bpm) && c.tempo_bpm > 0.0 ? std::clamp(c.tempo_bpm, 20.0, 400.0) : 120.0;
}

// Seconds in one `unit` at the console's tempo.
double seconds_per(TimeUnit unit, const Console& c) {
  const double beat_s = 60.0 / tempo_of(c);
  return unit == TimeUnit::beats ? beat_s : unit == TimeUnit::bars ? beat_s * kBeatsPerBar : 1.0;
}

// "8 bars", "1 beat", "2.5 bars".
std::string count_words(double n, TimeUnit unit) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", n);
  const std::string u = unit == TimeUnit::bars ? "bar" : unit == TimeUnit::beats ? "beat" : "second";
  return std::string(b) + " " + u + (n == 1.0 ? "" : "s");
}

// What the bars and beats a note counts come to at the song's tempo, said before the move
// itself: "Counted at the song's tempo, 4 beats to the bar: the last 8 bars (21.7 s at 88
// BPM). "; "" when it counts none.
std::string musical_time_words(const ParsedNote& n, const Console& c) {
  char tempo[32];
  std::snprintf(tempo, sizeof tempo, "%.0f BPM", tempo_of(c));
  const auto in_seconds = [&](double count, TimeUnit unit) {
    char b[64];
    std::snprintf(b, sizeof b, " (%.1f s at %s)", count * seconds_per(unit, c), tempo);
    return std::string(b);
  };
  std::vector<std::string> said;
  for (const auto& r : n.scope.ranges) {
    if (r.unit == TimeUnit::seconds) continue;
    using C = TimeRange::Count;
    if (r.count == C::seconds && r.start_s == 0.0)
      said.push_back("the first " + count_words(r.end_s, r.unit) + in_seconds(r.end_s, r.unit));
    else if (r.count == C::seconds && !std::isfinite(r.end_s))
      said.push_back("after the first " + count_words(r.start_s, r.unit) + in_seconds(r.start_s, r.unit));
    else if (r.count == C::seconds_before_end && r.end_s == 0.0)
      said.push_back("the last " + count_words(r.start_s, r.unit) + in_seconds(r.start_s, r.unit));
    else if (r.count == C::seconds_before_end)
      said.push_back("before the last " + count_words(r.end_s, r.unit) + in_seconds(r.end_s, r.unit));
    else if (r.count == C::after_moment)
      said.push_back(count_words(r.end_s, r.unit) + " from " + format_time(r.at_s) + in_seconds(r.end_s, r.unit));
  }
  if (said.empty() && n.span > 0.0 && n.span_unit != TimeUnit::seconds)
    said.push_back(count_words(n.span, n.span_unit) + in_seconds(n.span, n.span_unit));
  if (said.empty()) return "";
  const bool bars = std::any_of(n.scope.ranges.begin(), n.scope.ranges.end(),
                                [](const TimeRange& r) { return r.unit == TimeUnit::bars; }) ||
                    n.span_unit == TimeUnit::bars;
  std::string out = "Counted at the song's tempo" + (bars ? ", " + count_words(kBeatsPerBar, TimeUnit::beats) + " to the bar" : "") + ": ";
  for (std::size_t i = 0; i < said.size(); ++i) out += (i ? "; " : "") + said[i];
  return out + ". ";
}

// Normalised section names: "Chorus 2" → "chorus", "pre-chorus" → "prechorus".
std::string base_name(const std::string& name) {
  std::string s;
  for (char c : name)
    if (std::isalpha(static_cast<unsigned char>(c))) s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (s == "hook" || s == "refrain") return "chorus";
  if (s == "middleeight") return "bridge";
  return s;
}

// Strips an element stands for.
std::vector<Strip*> strips_for(Console& c, const std::string& element) {
  std::vector<Strip*> out;
  if (element.rfind("stem:", 0) == 0) {
    if (auto* s = c.find_strip(element.substr(5))) out.push_back(s);
    return out;
  }
  auto with = [&](std::initializer_list<Role> roles) {
    std::vector<Strip*> v;
    for (auto& s : c.strips)
      if (!s.printed_fx && std::find(roles.begin(), roles.end(), s.role) != roles.end()) v.push_back(&s);
    return v;
  };
  using R = Role;
  // The part the mix is built around (session.toml's focus), when it is a stem of the session.
  const auto focus = [&]() -> Strip* {
    Strip* s = c.focus.empty() ? nullptr : c.find_strip(c.focus);
    return s && !s->printed_fx ? s : nullptr;
  };
  if (element == "lead_vocal") {
    out = with({R::lead_vocal});
    if (out.empty()) out = with({R::vocal});
    // No voice: "the lead" is the part the mix leads with, its focus (a lead synth, a lead line).
    if (out.empty())
      if (auto* s = focus()) out.push_back(s);
  } else if (element == "vocal") {
    out = with({R::lead_vocal, R::backing_vocal, R::vocal});
  } else if (element == "backing_vocal") {
    out = with({R::backing_vocal});
  } else if (element == "kick") {
    out = with({R::kick});
  } else if (element == "snare") {
    out = with({R::snare});
  } else if (element == "hihat") {
    out = with({R::hihat});
  } else if (element == "cymbal") {
    out = with({R::cymbal, R::overhead});
  } else if (element == "tom") {
    out = with({R::tom});
  } else if (element == "drums") {
    out = with({R::kick, R::snare, R::hihat, R::tom, R::cymbal, R::overhead, R::room, R::percussion, R::drums});
  } else if (element == "percussion") {
    out = with({R::percussion});
  } else if (element == "bass") {
    out = with({R::bass});
  } else if (element == "guitar") {
    out = with({R::guitar});
  } else if (element == "keys") {
    out = with({R::keys, R::piano});
  } else if (element == "piano") {
    out = with({R::piano});
    if (out.empty()) out = with({R::keys});
  } else if (element == "lead_synth") {
    // The lead synth: the focus when it is a tonal part that is no voice, else the synths.
    if (auto* s = focus(); s && !is_vocal(s->role) && !is_drum(s->role) && s->role != R::bass) out.push_back(s);
    if (out.empty()) out = with({R::synth});  // a lead is no pad
    if (out.empty()) out = strips_for(c, "synth");
  } else if (element == "synth") {
    out = with({R::synth, R::pad});
    // Tonal parts the sound alone could not name (role other) are most often synths.
    if (out.empty()) out = with({R::other});
  } else if (element == "fx") {
    out = with({R::fx});
  } else if (element == "pad") {
    out = with({R::pad});
    if (out.empty()) out = with({R::synth});
  } else if (element == "strings") {
    out = with({R::strings});
  } else if (element == "brass") {
    out = with({R::brass});
  }
  return out;
}

std::string element_words(const std::string& e) {
  if (e.rfind("stem:", 0) == 0) return e.substr(5);
  if (e.rfind("part:", 0) == 0) return "the " + e.substr(5);
  if (e == "lead_vocal") return "the lead vocal";
  if (e == "backing_vocal") return "the backing vocals";
  if (e == "vocal") return "the vocals";
  if (e == "hihat") return "the hi-hats";
  if (e == "cymbal") return "the cymbals";
  if (e == "tom") return "the toms";
  if (e == "guitar") return "the guitars";
  if (e == "synth") return "the synths";
  if (e == "lead_synth") return "the lead synth";
  if (e == "pad") return "the pads";
  if (e == "fx") return "the sound effects";
  if (e == "reverb") return "the reverb";
  if (e == "delay") return "the delay";
  if (e == "mix") return "the mix";
  return "the " + e;
}

// "the strings (Strings_high, Strings_low)"
std::string who(const std::string& element, const std::vector<Strip*>& strips) {
  std::string w = element_words(element);
  // "The lead" of a session without a voice is its focus (strips_for): named as the lead.
  if ((element == "lead_vocal" || element == "lead_synth") && strips.size() == 1 && !is_vocal(strips[0]->role))
    w = "the lead";
  if (element.rfind("stem:", 0) == 0 || strips.empty() || strips.size() > 4) return w;
  w += " (";
  for (std::size_t i = 0; i < strips.size(); ++i) w += (i ? ", " : "") + strips[i]->name;
  return w + ")";
}

std::string where_places(const std::vector<Window>& windows, const TimeScope& scope);

// A section as a reply names it: "the chorus", "the last chorus", "chorus 2", "chorus 2 from the
// end"; every one of a name the song has several of is plural ("the choruses") when the console
// is given.
std::string section_words(const SectionRef& ref, const Console* c = nullptr) {
  if (ref.ordinal == -1) return "the last " + ref.name;
  if (ref.ordinal > 0) return ref.name + " " + std::to_string(ref.ordinal);
  if (ref.ordinal < 0) return ref.name + " " + std::to_string(-ref.ordinal) + " from the end";
  const bool several = c && std::count_if(c->sections.begin(), c->sections.end(), [&](const mix::Section& s) {
                              return base_name(s.name) == ref.name;
                            }) > 1;
  return "the " + ref.name + (several ? (ref.name.back() == 's' ? "es" : "s") : "");
}

// Where a change acts, as the reply says it; with what the note left out ("in 0:00–0:42,
// 1:10–2:30 (not in the chorus)").
std::string where(const std::vector<Window>& windows, const TimeScope& scope) {
  std::string w = where_places(windows, scope);
  if (windows.empty() || (scope.except_sections.empty() && scope.except_ranges.empty())) return w;
  std::string out;
  for (const auto& ref : scope.except_sections) out += (out.empty() ? "" : ", ") + section_words(ref);
  if (!scope.except_ranges.empty()) out += std::string(out.empty() ? "" : ", ") + "the time named";
  return w + " (not in " + out + ")";
}

std::string where_places(const std::vector<Window>& windows, const TimeScope& scope) {
  if (windows.empty()) return "throughout the song";
  std::string names;
  std::set<std::string> bases;
  for (const auto& w : windows) bases.insert(base_name(w.label));
  std::string times;
  for (std::size_t i = 0; i < windows.size(); ++i)
    times += (i ? ", " : "") + format_time(windows[i].start_s) + "–" + format_time(windows[i].end_s);
  if (windows.size() == 1 && (windows[0].label.starts_with("before ") || windows[0].label.starts_with("after ")))
    return windows[0].label + " (" + times + ")";
  if (!scope.sections.empty()) {
    if (windows.size() == 1)
      return std::string("in ") + (windows[0].label == base_name(windows[0].label) ? "the " : "") + windows[0].label +
             " (" + times + ")";
    if (bases.size() == 1) return "in the " + *bases.begin() + (bases.begin()->back() == 's' ? "es" : "s") + " (" + times + ")";
    std::string labels;
    for (std::size_t i = 0; i < windows.size(); ++i) labels += (i ? ", " : "") + windows[i].label;
    return "in " + labels + " (" + times + ")";
  }
  if (windows.size() == 1 && scope.ranges.size() == 1 && scope.ranges[0].at_s >= 0 &&
      scope.ranges[0].count != TimeRange::Count::after_moment)
    return "around " + format_time(scope.ranges[0].at_s) + " (" + times + ")";
  if (windows.size() == 1) return "from " + format_time(windows[0].start_s) + " to " + format_time(windows[0].end_s);
  return "in " + times;
}

// What a comparison of sections moves and what it holds as the reference, said before the
// move itself: "The chorus is the reference, left as it is: only the verses move. " ("" for a
// note that compares none.)
std::string comparison_words(const ParsedNote& n, const Console& c) {
  if (n.reference.empty()) return "";
  // The sections' words, and whether they are more than one.
  const auto list = [&](const std::vector<SectionRef>& refs) {
    std::string out;
    bool plural = refs.size() > 1;
    for (std::size_t i = 0; i < refs.size(); ++i) {
      const std::string w = section_words(refs[i], &c);
      plural = plural || w != section_words(refs[i]);
      out += (i == 0 ? "" : i + 1 == refs.size() ? " and " : ", ") + w;
    }
    return std::pair{out, plural};
  };
  const auto [moved, moved_plural] = list(n.scope.sections);
  const std::string move = "only " + moved + (moved_plural ? " move" : " moves");
  std::vector<SectionRef> absent;
  for (const auto& r : n.reference)
    if (std::none_of(c.sections.begin(), c.sections.end(), [&](const mix::Section& s) { return base_name(s.name) == r.name; }))
      absent.push_back(r);
  if (!absent.empty()) return "This song has no " + list(absent).first.substr(4) + " to compare with: " + move + ". ";
  const auto [ref, ref_plural] = list(n.reference);
  return capitalised(ref) + (ref_plural ? " are the reference, left as they are: " : " is the reference, left as it is: ") +
         move + ". ";
}

// Strong complaints get the bigger step.
double level_step(const ParsedNote& n) {
  // An amount the note states is taken as it is, within ±12 dB.
  if (n.amount_db != 0.0) return std::clamp(std::fabs(n.amount_db), 0.5, 12.0);
  static const std::vector<std::string> strong = {"buried", "burried", "disappears", "disappear", "disappearing",
                                                  "vanishes", "cant hear", "can not hear", "cannot hear",
                                                  "inaudible", "drowned", "drowned out", "barely audible",
                                                  "barely hear", "gets lost", "lost", "overpowers", "overpowering",
                                                  "drowns", "drowns out", "dominates", "buries", "swallowed"};
  const bool is_strong = std::find(strong.begin(), strong.end(), n.problem) != strong.end();
  // Whole words only: "a lot" is not "a lottery", "tad" not "tadpole".
  const std::string t = " " + lower_words(n.text) + " ";
  const auto said = [&](std::initializer_list<std::string_view> phrases) {
    return std::any_of(phrases.begin(), phrases.end(),
                       [&](std::string_view p) { return t.find(" " + std::string(p) + " ") != std::string::npos; });
  };
  // A small move asked for is smaller than the default step (about the just-noticeable 1 dB);
  // a big one is the "can't hear it" step.
  const bool mild = said({"a bit", "a touch", "slightly", "a little", "a hair", "tad", "a smidge", "a notch"});
  const bool big = said({"way too", "much too", "completely", "totally", "a lot", "lots", "loads", "a ton",
                         "much louder", "much quieter", "much softer", "way louder", "way quieter", "way down",
                         "way up", "a good deal", "a great deal", "significantly", "a bunch"});
  if (mild && !big) return 1.0;
  return (is_strong || big) ? 3.0 : 1.5;
}

struct Applied {
  std::vector<Change> changes;
  std::string reply;
};

// ---- EQ ----------------------------------------------------------------------------------

struct ToneMove {
  dsp::EqType type = dsp::EqType::bell;
  double hz = 1000, gain_db = 0, q = 1.0;
  std::string words;  // "cut 2.5 dB at 300 Hz (mud)"
};

std::string eq_type_name(dsp::EqType t) {
  switch (t) {
    case dsp::EqType::low_shelf: return "low_shelf";
    case dsp::EqType::high_shelf: return "high_shelf";
    default: return "bell";
  }
}

// Adds gain to a band of the same type within half an octave, or a new band.
Change apply_eq(dsp::EqSettings& eq, const std::string& stem, ToneMove& m) {
  for (auto& b : eq.bands) {
    if (!b.enabled || b.type != m.type) continue;
    if (std::fabs(std::log2(b.freq_hz / m.hz)) > 0.5) continue;
    // Only a band of similar shape: deepening a narrow resonance notch is not a broad tone move.
    if (std::fabs(std::log2(b.q / m.q)) > 1.0) continue;
    m.hz = b.freq_hz;  // the band already there moves (the reply names its frequency)
    const double from = b.gain_db;
    b.gain_db = round3(std::clamp(b.gain_db + m.gain_db, -15.0, 15.0));
    char p[64];
    std::snprintf(p, sizeof p, "eq.%s@%.0fHz.gain_db", eq_type_name(b.type).c_str(), b.freq_hz);
    return {stem, p, from, b.gain_db, ""};
  }
  dsp::EqBand b;
  b.type = m.type;
  b.freq_hz = m.hz;
  b.gain_db = round3(m.gain_db);
  b.q = m.q;
  eq.bands.push_back(b);
  char p[64];
  std::snprintf(p, sizeof p, "eq.%s@%.0fHz.gain_db", eq_type_name(b.type).c_str(), b.freq_hz);
  return {stem, p, 0.0, b.gain_db, ""};
}

bool low_role(Role r) { return r == Role::kick || r == Role::bass || r == Role::tom; }
bool cymbal_role(Role r) { return r == Role::hihat || r == Role::cymbal || r == Role::overhead; }

ToneMove tone_move(Fix fix, Role role, bool mix_bus) {
  const double scale = mix_bus ? 0.6 : 1.0;  // the whole mix moves by smaller steps
  ToneMove m;
  switch (fix) {
    case Fix::less_mud:
      m = {dsp::EqType::bell, low_role(role) ? 250.0 : 300.0, -2.5 * scale, 1.0, "cut mud around"};
      break;
    case Fix::less_boom:
      m = {dsp::EqType::bell, role == Role::kick ? 90.0 : 120.0, -3.0 * scale, 1.2, "cut boom around"};
      break;
    case Fix::less_boxy: m = {dsp::EqType::bell, 600.0, -2.5 * scale, 1.4, "cut boxiness around"}; break;
    case Fix::less_nasal: m = {dsp::EqType::bell, 1100.0, -2.5 * scale, 1.6, "cut nasal tone around"}; break;
    case Fix::less_harsh:
      m = {dsp::EqType::bell, cymbal_role(role) ? 5000.0 : 3500.0, -2.5 * scale, 1.2, "cut harshness around"};
      break;
    case Fix::brighter: m = {dsp::EqType::high_shelf, 8000.0, 2.0 * scale, 0.707, "lifted the top with a shelf at"}; break;
    case Fix::darker: m = {dsp::EqType::high_shelf, 8000.0, -2.0 * scale, 0.707, "softened the top with a shelf at"}; break;
    case Fix::fuller: {
      double hz = 220;
      if (role == Role::kick) hz = 70;
      else if (role == Role::bass) hz = 100;
      else if (role == Role::keys || role == Role::piano || role == Role::strings || role == Role::pad) hz = 250;
      m = {dsp::EqType::bell, hz, 2.0 * scale, 0.8, "added body around"};
      break;
    }
    default: break;
  }
  return m;
}

// ---- the note kinds ----------------------------------------------------------------------

std::string stem_list(const Console& c) {
  std::string s;
  for (std::size_t i = 0; i < c.strips.size() && i < 12; ++i) s += (i ? ", " : "") + c.strips[i].name;
  if (c.strips.size() > 12) s += " and " + std::to_string(c.strips.size() - 12) + " more";
  return s;
}

Applied apply_level(Console& c, const ParsedNote& n, std::vector<Strip*> strips, const std::vector<Window>& windows,
                    const PlanContext& ctx) {
  Applied a;
  const double step = level_step(n) * (n.fix == Fix::up ? 1.0 : -1.0);
  const bool up = step > 0;
  const std::string scope_words = where(windows, n.scope);
  // Returns: the reverb/delay element is its return's fader (returns carry no automation).
  if (n.element == "reverb" || n.element == "delay") {
    const auto kind = n.element == "reverb" ? mix::ReturnKind::reverb : mix::ReturnKind::delay;
    std::string names;
    for (auto& r : c.returns) {
      if (r.kind != kind) continue;
      const double from = r.fader_db;
      r.fader_db = round3(r.fader_db + step);
      a.changes.push_back({"return:" + r.name, "fader_db", from, r.fader_db, ""});
      names += (names.empty() ? "" : ", ") + r.name;
    }
    if (a.changes.empty()) {
      a.reply = "There is no " + n.element + " return in this session, so nothing was changed.";
      return a;
    }
    a.reply = std::string(up ? "Raised" : "Lowered") + " the " + n.element + " return" +
              (a.changes.size() > 1 ? "s (" : " (") + names + ") " + fmt_db(step) + " dB throughout the song" +
              (windows.empty() ? "" : " (returns are not automated per section)") + ".";
    return a;
  }
  // A strip ridden by `step` inside a window, with ramps of half a beat.
  const double ramp = std::clamp(60.0 / std::max(40.0, c.tempo_bpm) * 0.5, 0.1, 0.5);
  const auto ride = [&](Strip& s, const Window& w) {
    const double from = s.fader_db + mix::automation_gain_at(s, 0.5 * (w.start_s + w.end_s));
    add_automation_window(s, w.start_s, w.end_s, step, ramp);
    a.changes.push_back({s.name, "gain_db", round3(from), round3(from + step), w.label});
  };
  if (n.element == "mix" && !windows.empty()) {
    // "the chorus should be louder": the section against the rest of the song, as the hook
    // lift does it: every stem ridden together there (their returns follow their sends). The
    // masters still land on the target loudness, so what changes is the contrast.
    for (auto& s : c.strips) {
      if (s.mute) continue;
      for (const auto& w : windows) ride(s, w);
    }
    a.reply = std::string(up ? "Lifted" : "Lowered") + " the whole mix " + fmt_db(step) + " dB " + scope_words +
              " against the rest of the song (every stem ridden together there; the masters still land on their "
              "loudness target, so the " + (up ? "lift" : "dip") + " shows as contrast).";
    return a;
  }
  if (n.element == "mix") {
    // The masters' loudness is their target's: said with the target's figure and the targets
    // that deliver louder or quieter ("make the master louder" had only been told to name a part).
    const std::string name = c.targets.empty() ? std::string("streaming") : c.targets.front();
    const auto t = master::find_target(name);
    const double lufs = t ? t->integrated_lufs : -14.0;
    const auto lufs_words = [](double v) { return (v < 0 ? "-" : "") + fmt_db(v) + " LUFS"; };
    std::string other;
    for (const char* k : {"cd", "streaming", "apple", "broadcast"}) {
      const auto o = master::find_target(k);
      if (!o || o->name == name || (up ? o->integrated_lufs <= lufs : o->integrated_lufs >= lufs)) continue;
      other = "the " + o->name + " target lands at " + lufs_words(o->integrated_lufs) + " (`mixdown master OUT/mix.wav -o OUT/" + o->name + " --target " + o->name + "`)";
      break;
    }
    a.reply = "The masters' loudness is set by their delivery targets: " + name + " lands at " + lufs_words(lufs) +
              (name == "streaming" ? ", where streaming services play every song alike" : "") + ". " +
              (other.empty() ? std::string("No target here is ") + (up ? "louder" : "quieter") + "."
                             : std::string("For a ") + (up ? "louder" : "quieter") + " master, " + other + ".") +
              " Nothing was changed; if one part should be " + (up ? "louder" : "quieter") + " against the rest, name it.";
    return a;
  }
  // Low parts on small speakers: the fader is not the fix, their harmonics are.
  const bool small = n.context == "small_speakers" || n.context == "phone" || n.context == "laptop";
  if (up && small && !strips.empty() &&
      std::all_of(strips.begin(), strips.end(), [](const Strip* s) { return low_role(s->role); })) {
    for (auto* s : strips) {
      const double hz = s->role == Role::kick ? 3000.0 : 900.0;
      ToneMove mv{dsp::EqType::bell, hz, 2.5, 1.0, ""};
      a.changes.push_back(apply_eq(s->eq, s->name, mv));
    }
    a.reply = "Boosted the upper harmonics of " + who(n.element, strips) + " by 2.5 dB (" +
              fmt_hz(strips.front()->role == Role::kick ? 3000.0 : 900.0) +
              "), which small speakers reproduce, instead of the fader, throughout the song" +
              (windows.empty() ? "" : " (an EQ is not automated per section)") + ".";
    return a;
  }
  // A ride where the part does not play changes nothing anyone hears.
  auto not_playing = [&](const Strip& s, const Window& w) {
    return std::any_of(ctx.window_peaks.begin(), ctx.window_peaks.end(), [&](const WindowPeak& p) {
      return p.stem == s.name && std::fabs(p.start_s - w.start_s) < 1e-6 && std::fabs(p.end_s - w.end_s) < 1e-6 &&
             !(p.peak_dbfs >= kNotPlayingDbfs);
    });
  };
  std::vector<std::string> silent;  // "Vox.wav (0:39-0:43)"
  std::vector<Strip*> ridden;
  // A fader pushed past the console's top: it stops there and every other part comes down by
  // the rest, as an engineer pulls the others down when a fader runs out (the masters land on
  // their loudness target either way, so only the balance moves). One past the bottom stops
  // there (the part is inaudible long before).
  double others_down = 0.0;
  if (windows.empty())
    for (auto* s : strips) others_down = std::max(others_down, s->fader_db + step - mix::kFaderMaxDb);
  for (auto* s : strips) {
    if (windows.empty()) {
      const double from = s->fader_db;
      s->fader_db = round3(std::clamp(s->fader_db + step - others_down, mix::kFaderMinDb, mix::kFaderMaxDb));
      a.changes.push_back({s->name, "fader_db", from, s->fader_db, ""});
      ridden.push_back(s);
    } else {
      bool any = false;
      for (const auto& w : windows) {
        if (not_playing(*s, w)) {
          silent.push_back(s->name + " (" + w.label + ")");
          continue;
        }
        ride(*s, w);
        any = true;
      }
      if (any) ridden.push_back(s);
    }
  }
  if (a.changes.empty() && !silent.empty()) {
    const std::string w = element_words(n.element);
    const bool plural = strips.size() > 1 || (n.element.rfind("stem:", 0) != 0 && w.back() == 's' &&
                                              n.element != "bass" && n.element != "brass");
    a.reply = who(n.element, strips) + (plural ? " are" : " is") + " not playing " + scope_words + " (" +
              (strips.size() > 1 ? "their stems are" : "its stem is") + " silent there), so there is nothing to " +
              (up ? "raise" : "lower") + "; nothing was changed — which part did you hear there?";
    a.reply = capitalised(std::move(a.reply));
    return a;
  }
  if (others_down > 0.0) {
    for (auto& s : c.strips) {
      if (std::find(strips.begin(), strips.end(), &s) != strips.end() || s.mute) continue;
      const double from = s.fader_db;
      s.fader_db = round3(std::max(mix::kFaderMinDb, s.fader_db - others_down));
      a.changes.push_back({s.name, "fader_db", from, s.fader_db, ""});
    }
  }
  a.reply = std::string(up ? "Raised " : "Lowered ") + who(n.element, ridden) + " " + fmt_db(step) + " dB " +
            scope_words + ".";
  if (others_down > 0.0)
    a.reply += step - others_down < 0.05
                   ? " Its fader was already at the console's +" + fmt_db(mix::kFaderMaxDb) +
                         " dB, so every other part came down " + fmt_db(others_down) + " dB instead: the same balance."
                   : " Its fader reached the console's +" + fmt_db(mix::kFaderMaxDb) + " dB, so it went up " +
                         fmt_db(step - others_down) + " dB and every other part came down " + fmt_db(others_down) +
                         " dB: the same balance.";
  if (std::fabs(n.amount_db) > 12.0)
    a.reply += " You asked for " + fmt_db(std::fabs(n.amount_db)) + " dB; a revision moves a part at most 12 dB at a time, "
               "so listen and ask again if it needs more.";
  else if (n.amount_db != 0.0 && std::fabs(n.amount_db) < 0.5)
    a.reply += " You asked for " + fmt_db(std::fabs(n.amount_db)) + " dB; a move under half a dB is not heard, so it "
               "moved 0.5 dB.";
  if (!silent.empty()) {
    std::string list;
    for (const auto& x : silent) list += (list.empty() ? "" : ", ") + x;
    a.reply += " Not ridden where the part is silent: " + list + ".";
  }
  return a;
}

// "Mute the BGV" (session.toml's mute), "drop the hats in the intro" (a ride down to the
// console's floor there), "unmute the BGV" (both undone).
Applied apply_mute(const ParsedNote& n, const std::vector<Strip*>& strips, const std::vector<Window>& windows) {
  Applied a;
  const std::string names = who(n.element, strips);
  if (n.element == "mix") {
    a.reply = "Muting the whole mix leaves nothing to deliver; name the part to mute. Nothing was changed.";
    return a;
  }
  if (n.fix == Fix::unmute) {
    for (auto* s : strips) {
      if (s->mute) {
        s->mute = false;
        a.changes.push_back({s->name, "mute", 1.0, 0.0, ""});
      }
      // A span muted by a ride (at the floor): back to unity there.
      const auto in_scope = [&](double t) {
        return windows.empty() || std::any_of(windows.begin(), windows.end(), [&](const Window& w) {
                 return t >= w.start_s - 0.5 && t <= w.end_s + 0.5;
               });
      };
      bool raised = false;
      for (auto& p : s->automation)
        if (p.gain_db <= mix::kAutomationMinDb + 0.5 && in_scope(p.time_s)) {
          a.changes.push_back({s->name, "gain_db", p.gain_db, 0.0, range_label(p.time_s, p.time_s)});
          p.gain_db = 0.0;
          raised = true;
        }
      if (raised) s->reasons["automation"] = "revision: unmuted";
    }
    a.reply = a.changes.empty() ? capitalised(names + " is not muted; nothing was changed.")
                                : "Unmuted " + names + " " + where(windows, n.scope) + ".";
    return a;
  }
  if (windows.empty()) {
    for (auto* s : strips)
      if (!s->mute) {
        s->mute = true;
        a.changes.push_back({s->name, "mute", 0.0, 1.0, ""});
      }
    a.reply = a.changes.empty() ? capitalised(names + " is already muted; nothing was changed.")
                                : "Muted " + names + " throughout the song (\"unmute\" brings " +
                                      (strips.size() > 1 ? "them" : "it") + " back).";
    return a;
  }
  constexpr double kMuteRampS = 0.05;  // short enough to be a cut, long enough not to click
  for (auto* s : strips)
    for (const auto& w : windows) {
      const double from = s->fader_db + mix::automation_gain_at(*s, 0.5 * (w.start_s + w.end_s));
      add_automation_window(*s, w.start_s, w.end_s, mix::kAutomationMinDb, kMuteRampS);
      s->reasons["automation"] = "revision: muted " + w.label;
      a.changes.push_back({s->name, "gain_db", round3(from), mix::kAutomationMinDb, w.label});
    }
  a.reply = "Muted " + names + " " + where(windows, n.scope) + " (ridden down to the console's floor, -" +
            fmt_db(std::fabs(mix::kAutomationMinDb)) + " dB, there).";
  return a;
}

// "Fade out the last 10 seconds", "fade in the intro": every stem (or the parts named) faded
// across the span, linear in amplitude.
Applied apply_fade(Console& c, const ParsedNote& n, std::vector<Strip*> strips, const std::vector<Window>& windows) {
  Applied a;
  const bool out = n.fix == Fix::fade_out;
  if (windows.empty()) {
    a.reply = "Nothing was changed: which span should the fade cover?";
    return a;
  }
  // Several places: a fade out is the last one's, a fade in the first one's; a length the note
  // states is that place's end (start).
  Window w = out ? windows.back() : windows.front();
  double span_s = n.span * seconds_per(n.span_unit, c);
  // "Fade out the ending" of a song with no outro: the end of the song, as "fade it out" (the
  // last section stands in for the missing outro elsewhere, but a fade over all of it was 17 s
  // of a 40 s song); its default length unless the note gives one.
  const std::string edge = out ? "outro" : "intro";
  const bool stand_in = std::none_of(c.sections.begin(), c.sections.end(), [&](const mix::Section& s) { return base_name(s.name) == edge; }) &&
                        std::any_of(n.scope.sections.begin(), n.scope.sections.end(), [&](const SectionRef& r) { return r.name == edge; });
  if (stand_in && span_s <= 0.0) span_s = out ? kDefaultFadeOutS : kDefaultFadeInS;
  if (span_s > 0.0 && span_s < w.end_s - w.start_s) {
    if (out) w.start_s = w.end_s - span_s;
    else w.end_s = w.start_s + span_s;
    w.label = range_label(w.start_s, w.end_s);
  }
  if (n.element == "mix") {
    strips.clear();
    for (auto& s : c.strips)
      if (!s.mute) strips.push_back(&s);
  }
  for (auto* s : strips) {
    const double from = s->fader_db + mix::automation_gain_at(*s, out ? w.start_s : w.end_s);
    add_fade(*s, w.start_s, w.end_s, out);
    a.changes.push_back({s->name, "gain_db", round3(from), mix::kAutomationMinDb, w.label});
  }
  const std::string what = n.element == "mix" ? "the mix (every stem; the returns follow their sends)" : who(n.element, strips);
  const bool to_end = c.duration_s > 0 && w.end_s >= c.duration_s - 0.05;
  a.reply = "Faded " + what + (out ? " out" : " in") + " from " + format_time(w.start_s) + " to " + format_time(w.end_s) +
            ", linear in amplitude" +
            (out && !to_end ? ", silent after " + format_time(w.end_s) : "") +
            (!out && w.start_s > 0.05 ? ", silent before " + format_time(w.start_s) : "") +
            (w.start_s < 0.05 && to_end ? " (all of the song, which is only " + format_time(c.duration_s) + " long)" : "") +
            ".";
  return a;
}

Applied apply_tone(Console& c, const ParsedNote& n, std::vector<Strip*> strips, const std::vector<Window>& windows) {
  Applied a;
  const std::string after = windows.empty() ? "" : " (EQ is static, so it applies throughout, not only " +
                                                       where(windows, n.scope) + ")";
  if (n.fix == Fix::less_sibilance) {
    if (n.element == "mix") strips.clear();
    for (auto* s : strips) {
      auto& d = s->deesser;
      if (d.enabled) {
        const double from = d.threshold_db;
        d.threshold_db = round3(d.threshold_db - 4.0);
        a.changes.push_back({s->name, "deesser.threshold_db", from, d.threshold_db, ""});
      } else {
        d.enabled = true;
        d.freq_hz = is_vocal(s->role) ? 6000.0 : 7000.0;
        d.threshold_db = -34.0;
        d.max_reduction_db = 6.0;
        a.changes.push_back({s->name, "deesser.enabled", 0.0, 1.0, ""});
        a.changes.push_back({s->name, "deesser.threshold_db", 0.0, d.threshold_db, ""});
      }
      s->reasons["deesser"] = "revision: \"" + n.text + "\"";
    }
    if (a.changes.empty()) {
      a.reply = "Sibilance comes from a voice; name the vocal stem it is on (stems: " + stem_list(c) +
                "), nothing was changed.";
      return a;
    }
    a.reply = "De-essed " + who(n.element, strips) + " harder (threshold 4 dB lower, or a de-esser at 6 kHz where "
              "there was none) throughout the song" + after + ".";
    return a;
  }
  if (n.fix == Fix::high_pass || n.fix == Fix::low_pass) {
    // A strip's own pass filter, at the corner the note names; without one, a third of an
    // octave past where it is (or, where there is none, at a corner that keeps the part's body:
    // a high-pass at 80 Hz, a low-pass at 12 kHz).
    const bool hp = n.fix == Fix::high_pass;
    if (n.element == "mix" || n.element == "reverb" || n.element == "delay") strips.clear();
    const std::string name = hp ? "high_pass" : "low_pass";
    double corner = 0.0;
    for (auto* s : strips) {
      auto& f = hp ? s->high_pass : s->low_pass;
      const double from = f.enabled ? f.freq_hz : 0.0;
      const double to = n.freq_hz > 0.0 ? n.freq_hz
                        : f.enabled     ? std::clamp(hp ? f.freq_hz * 1.26 : f.freq_hz / 1.26, 20.0, 20000.0)
                                        : (hp ? 80.0 : 12000.0);
      if (!f.enabled) {
        f.enabled = true;
        a.changes.push_back({s->name, name + ".enabled", 0.0, 1.0, ""});
      }
      f.freq_hz = round3(to);
      if (f.freq_hz != from) a.changes.push_back({s->name, name + ".freq_hz", from, f.freq_hz, ""});
      s->reasons[name] = "revision: \"" + n.text + "\"";
      corner = f.freq_hz;
    }
    if (a.changes.empty()) {
      a.reply = strips.empty() ? "A " + std::string(hp ? "high-pass" : "low-pass") +
                                     " filter sits on a part; name the stem it is for (stems: " + stem_list(c) +
                                     "), nothing was changed."
                               : capitalised(who(n.element, strips)) + " is already " + (hp ? "high" : "low") +
                                     "-passed there; nothing was changed.";
      return a;
    }
    a.reply = std::string(hp ? "High-passed " : "Low-passed ") + who(n.element, strips) +
              (strips.size() == 1 || n.freq_hz > 0.0 ? " at " + fmt_hz(corner) : "") + " throughout the song" + after + ".";
    return a;
  }
  ToneMove m;
  if (n.element == "mix" || n.element == "reverb" || n.element == "delay") {
    m = tone_move(n.fix, Role::other, n.element == "mix");
    // "More low end", "more bottom", "needs more bass" on the whole mix: the lows under 100 Hz
    // with a shelf, not the body around 220 Hz ("fuller" on the mix says body).
    const std::string said = " " + lower_words(n.text) + " ";
    if (n.element == "mix" && n.fix == Fix::fuller && n.freq_hz == 0.0 &&
        (said.find(" low end ") != std::string::npos || said.find(" bottom ") != std::string::npos ||
         said.find(" bass ") != std::string::npos || said.find(" sub ") != std::string::npos ||
         said.find(" lows ") != std::string::npos || said.find(" weight ") != std::string::npos))
      m = {dsp::EqType::low_shelf, 100.0, 1.5, 0.707, "lifted the low end with a shelf at"};
    if (n.element == "mix") {
      a.changes.push_back(apply_eq(c.mix_bus.eq, "mix_bus", m));
      c.mix_bus.reasons["eq"] = "revision: \"" + n.text + "\"";
    } else {
      for (auto& r : c.returns)
        if ((r.kind == mix::ReturnKind::reverb) == (n.element == "reverb")) {
          a.changes.push_back(apply_eq(r.eq, "return:" + r.name, m));
        }
    }
  } else {
    for (auto* s : strips) {
      m = tone_move(n.fix, s->role, false);
      if (n.freq_hz > 0.0) {
        // The frequency the note names: a bell there, by the amount it states (else 2.5 dB).
        const double amount = n.amount_db != 0.0 ? std::min(std::fabs(n.amount_db), 12.0) : 2.5;
        m = {dsp::EqType::bell, n.freq_hz, m.gain_db < 0 ? -amount : amount, 1.4, ""};
      }
      a.changes.push_back(apply_eq(s->eq, s->name, m));
      // Thin: a high-pass set high is often the cause; open it by a third of an octave.
      if (n.fix == Fix::fuller && n.freq_hz == 0.0 && s->high_pass.enabled && s->high_pass.freq_hz > 40.0) {
        const double from = s->high_pass.freq_hz;
        s->high_pass.freq_hz = round3(std::max(20.0, from * 0.79));
        a.changes.push_back({s->name, "high_pass.freq_hz", from, s->high_pass.freq_hz, ""});
      }
      s->reasons["eq"] = "revision: \"" + n.text + "\"";
    }
  }
  if (a.changes.empty()) {
    a.reply = "Nothing to change for " + element_words(n.element) + ".";
    return a;
  }
  const std::string verb = m.gain_db > 0 ? "Boosted " : "Cut ";
  std::string what = m.type == dsp::EqType::high_shelf  ? " with a high shelf at "
                     : m.type == dsp::EqType::low_shelf ? " with a low shelf at "
                                                        : " at ";
  a.reply = verb + who(n.element, strips) + " " + fmt_db(m.gain_db) + " dB" + what + fmt_hz(m.hz) +
            (n.fix == Fix::fuller && std::any_of(a.changes.begin(), a.changes.end(), [](const Change& ch) {
               return ch.parameter == "high_pass.freq_hz";
             }) ? " and lowered its high-pass" : "") +
            (n.freq_hz > 0.0 ? std::string() : " (" + n.problem + ")") + " throughout the song" + after + ".";
  return a;
}

// The buses these strips sum on, each once, in the strips' order.
std::vector<mix::Bus*> buses_of(Console& c, const std::vector<Strip*>& strips) {
  std::vector<mix::Bus*> out;
  for (const auto* s : strips)
    if (auto* b = c.find_bus(s->bus); b && std::find(out.begin(), out.end(), b) == out.end()) out.push_back(b);
  return out;
}

// Each number of a compressor that a move changed, as a change of `owner`'s.
void compressor_changes(Applied& a, const std::string& owner, const dsp::CompressorSettings& old,
                        const dsp::CompressorSettings& k) {
  for (const auto& [name, from, to] : {std::tuple{"ratio", old.ratio, k.ratio},
                                       std::tuple{"threshold_db", old.threshold_db, k.threshold_db},
                                       std::tuple{"attack_ms", old.attack_ms, k.attack_ms},
                                       std::tuple{"release_ms", old.release_ms, k.release_ms},
                                       std::tuple{"knee_db", old.knee_db, k.knee_db},
                                       std::tuple{"makeup_db", old.makeup_db, k.makeup_db}})
    if (from != to) a.changes.push_back({owner, std::string("compressor.") + name, from, to, ""});
}

Applied apply_dynamics(Console& c, const ParsedNote& n, std::vector<Strip*> strips, const std::vector<Window>& windows) {
  Applied a;
  const std::string after = windows.empty() ? "" : " (compression is static, so it applies throughout)";
  // The compressors that shape this element: its own, else its bus's, else the mix bus.
  struct Comp {
    dsp::CompressorSettings* comp;
    std::string owner;
  };
  std::vector<Comp> comps;
  if (n.element == "mix") {
    comps.push_back({&c.mix_bus.compressor, "mix_bus"});
    for (auto& b : c.buses) comps.push_back({&b.compressor, "bus:" + b.name});
  } else if (const auto w = letter_words(n.text);
             w.count("bus") || w.count("buss") || w.count("group") || w.count("submix") ||
             (n.element == "drums" && strips.size() > 1 && n.fix == Fix::more_controlled)) {
    // "Compress the drum bus harder", "the drums need more compression": the bus the parts sum
    // on (its glue), not each part's own compressor.
    for (auto* b : buses_of(c, strips)) comps.push_back({&b->compressor, "bus:" + b->name});
  } else {
    for (auto* s : strips) {
      if (s->compressor.enabled || n.fix == Fix::more_controlled) {
        comps.push_back({&s->compressor, s->name});
      } else if (auto* b = c.find_bus(s->bus); b && b->compressor.enabled) {
        if (std::none_of(comps.begin(), comps.end(), [&](const Comp& x) { return x.comp == &b->compressor; }))
          comps.push_back({&b->compressor, "bus:" + b->name});
      }
    }
  }
  std::vector<std::string> hows;  // each kind of move once, in the order made
  const auto said = [&](std::string h) {
    if (std::find(hows.begin(), hows.end(), h) == hows.end()) hows.push_back(std::move(h));
  };
  for (auto& [comp, owner] : comps) {
    auto& k = *comp;
    if (n.fix == Fix::less_compressed) {
      if (!k.enabled) continue;
      const double r0 = k.ratio, t0 = k.threshold_db;
      k.ratio = round3(std::max(1.2, 1.0 + (k.ratio - 1.0) * 0.6));
      k.threshold_db = round3(k.threshold_db + 3.0);
      a.changes.push_back({owner, "compressor.ratio", r0, k.ratio, ""});
      a.changes.push_back({owner, "compressor.threshold_db", t0, k.threshold_db, ""});
      said("eased the compression (ratio down, threshold 3 dB higher)");
    } else if (n.fix == Fix::punchier) {
      if (!k.enabled) continue;
      const double a0 = k.attack_ms;
      k.attack_ms = round3(std::min(60.0, std::max(a0 * 2.0, 20.0)));
      if (k.attack_ms == a0) continue;
      a.changes.push_back({owner, "compressor.attack_ms", a0, k.attack_ms, ""});
      said("slowed the compressor attack so the transients pass");
    } else if (n.fix == Fix::more_controlled) {
      if (!k.enabled) {
        // Every setting the new compressor has, each from what the (switched-off) one held.
        const dsp::CompressorSettings old = k;
        k.enabled = true;
        k.ratio = 3.0;
        k.threshold_db = -24.0;
        k.attack_ms = 10.0;
        k.release_ms = 120.0;
        k.knee_db = 6.0;
        a.changes.push_back({owner, "compressor.enabled", 0.0, 1.0, ""});
        compressor_changes(a, owner, old, k);
        said("added a 3:1 compressor where there was none");
      } else {
        const double r0 = k.ratio, t0 = k.threshold_db;
        k.ratio = round3(std::min(8.0, k.ratio + 1.0));
        k.threshold_db = round3(k.threshold_db - 3.0);
        a.changes.push_back({owner, "compressor.ratio", r0, k.ratio, ""});
        a.changes.push_back({owner, "compressor.threshold_db", t0, k.threshold_db, ""});
        said("compressed harder (ratio +1, threshold 3 dB lower)");
      }
    }
  }
  // Punch with no compressor to open up: bring the attack forward with a presence bell.
  if (a.changes.empty() && n.fix == Fix::punchier && !strips.empty()) {
    for (auto* s : strips) {
      const double hz = s->role == Role::kick ? 3000.0 : s->role == Role::bass ? 1000.0 : 4000.0;
      ToneMove mv{dsp::EqType::bell, hz, 2.0, 1.2, ""};
      a.changes.push_back(apply_eq(s->eq, s->name, mv));
    }
    said("it is not compressed, so boosted its attack range 2 dB (" +
         fmt_hz(strips.front()->role == Role::kick ? 3000.0 : strips.front()->role == Role::bass ? 1000.0 : 4000.0) + ")");
  }
  // The masters' limiting is their loudness target's: said, with the way to less of it.
  const std::string master_words =
      n.element == "mix" && n.fix == Fix::less_compressed
          ? " The masters' limiter does what their loudness target needs (" +
                (c.targets.empty() ? std::string("streaming") : c.targets.front()) +
                "); for more dynamics there, deliver to a quieter target (apple is -16 LUFS, streaming -14): "
                "each LU quieter is up to a dB less limiting."
          : "";
  if (a.changes.empty()) {
    // Compressors there, at the limit of the move already (a second "more punch" finds every
    // attack at its slowest): said as such, with the move that is left.
    std::string open;
    for (const auto& [comp, owner] : comps)
      if (comp->enabled) open += (open.empty() ? "" : ", ") + owner;
    if (n.fix == Fix::punchier && !open.empty()) {
      a.reply = "The compressors on " + element_words(n.element) + " (" + open +
                ") already let the transients through (their attacks are as slow as they go here, 60 ms), so nothing "
                "was changed; more punch from here is less compression (\"less compression on " +
                element_words(n.element) + "\").";
      return a;
    }
    a.reply = "Nothing compresses " + element_words(n.element) + " (stems: " + stem_list(c) +
              "), so nothing was changed; is it the recording's own dynamics?" + master_words;
    return a;
  }
  std::string targets;
  std::set<std::string> owners;
  for (const auto& ch : a.changes) owners.insert(ch.stem);
  for (const auto& o : owners) targets += (targets.empty() ? "" : ", ") + o;
  std::string how;
  for (std::size_t i = 0; i < hows.size(); ++i)
    how += (i == 0 ? "" : i + 1 == hows.size() ? " and " : ", ") + hows[i];
  // What was changed, in brackets, when it is not the parts named (a bus's compressor): "on
  // the kick (BD_03.flac) [BD_03.flac]" had said the one stem twice.
  std::set<std::string> named;
  for (const auto* st : strips) named.insert(st->name);
  const bool same = owners == named && n.element.rfind("stem:", 0) != 0 && !strips.empty() && strips.size() <= 4;
  a.reply = capitalised(how) + " on " + who(n.element, strips) + (same ? "" : " [" + targets + "]") + " throughout the song" +
            after + "." + master_words;
  return a;
}

// ---- sidechain, glue, saturation ----------------------------------------------------------

// The level a compressor's RMS detector hears from a file the caller measured (PlanContext::
// level_db, dB: the median of its active 50 ms mean squares), moved by the gains between that
// file and the detector; nullopt when it was not measured.
std::optional<double> heard_level(const PlanContext& ctx, const std::string& name, double offset_db) {
  const auto it = ctx.level_db.find(name);
  if (it == ctx.level_db.end() || !std::isfinite(it->second)) return std::nullopt;
  return it->second + offset_db;
}

// The element a duck note keys by: the part it names, else the kick.
std::string key_element(const ParsedNote& n) { return n.key.empty() ? "kick" : n.key; }

// The part a duck note keys by (key_element), the loudest of its strips as heard.
Strip* duck_key(Console& c, const ParsedNote& n, const PlanContext& ctx) {
  auto keys = strips_for(c, key_element(n));
  narrow_by_name(keys, n.text, key_element(n));
  Strip* best = nullptr;
  double loudest = -1e300;
  for (auto* k : keys) {
    const double l = heard_level(ctx, k->name, k->trim_db).value_or(-1e299);
    if (!best || l > loudest) best = k, loudest = l;
  }
  return best;
}

// "Sidechain the bass to the kick", "duck the pad under the vocal": the part's compressor keyed
// by the other part's signal (after its trim), as the mix's own kick/bass duck is made (mix/
// unmasking.cpp): 4:1 from 6 dB under the key's usual level, 1 ms attack, the release recovering
// within about 0.4 of a beat at the song's tempo (60-250 ms), so the part comes back before the
// next hit. A part already ducked by that key is ducked deeper (threshold 3 dB lower, ratio x1.5,
// up to 10:1). A part's one compressor is its levelling one too: keyed, it listens to the key
// instead, and the reply says so.
Applied apply_duck(Console& c, const ParsedNote& n, std::vector<Strip*> strips, const std::vector<Window>& windows,
                   const PlanContext& ctx) {
  Applied a;
  Strip* key = duck_key(c, n, ctx);
  if (!key) {
    a.reply = "This session has no " + element_words(key_element(n)).substr(4) + " to duck " + element_words(n.element) +
              " under (stems: " + stem_list(c) + "); which part should it duck under? Nothing was changed.";
    return a;
  }
  std::erase(strips, key);
  if (strips.empty() || n.element == "mix" || n.element == "reverb" || n.element == "delay") {
    a.reply = "Which part should duck under " + key->name + " (stems: " + stem_list(c) + ")? Nothing was changed.";
    return a;
  }
  const auto level = heard_level(ctx, key->name, key->trim_db);
  if (!level) {
    a.reply = key->name + " could not be measured to set a duck's threshold (is its file there?); nothing was changed.";
    return a;
  }
  const double beat_ms = 1000.0 * seconds_per(TimeUnit::beats, c);
  const double release = std::round(std::clamp(0.4 * beat_ms, 60.0, 250.0));
  std::vector<std::string> rekeyed, deeper;
  for (auto* s : strips) {
    auto& k = s->compressor;
    const dsp::CompressorSettings old = k;
    if (k.enabled && k.key == key->name) {
      k.threshold_db = round3(k.threshold_db - 3.0);
      k.ratio = round3(std::min(10.0, k.ratio * 1.5));
      deeper.push_back(s->name);
    } else {
      if (k.enabled) rekeyed.push_back(s->name);
      k.enabled = true;
      k.key = key->name;
      k.threshold_db = round3(*level - 6.0);
      k.ratio = 4.0;
      k.knee_db = 3.0;
      k.attack_ms = 1.0;
      k.release_ms = release;
      k.makeup_db = 0.0;
      k.detector = dsp::Detector::rms;
      k.mix = 1.0;
      if (!old.enabled) a.changes.push_back({s->name, "compressor.enabled", 0.0, 1.0, ""});
      a.changes.push_back({s->name, "compressor.keyed_by." + key->name, 0.0, 1.0, ""});
    }
    compressor_changes(a, s->name, old, k);
    s->reasons["compressor"] = fmt::format("revision: \"{}\": ducks under {} (keyed, {:g}:1, {:g} ms attack, {:g} ms release)",
                                           n.text, key->name, k.ratio, k.attack_ms, k.release_ms);
  }
  const std::string after = windows.empty() ? "" : " (the duck follows " + key->name + " wherever it plays, not only " +
                                                       where(windows, n.scope) + ")";
  a.reply = "Ducked " + who(n.element, strips) + " under " + key->name + ": its compressor keyed by it" +
            (deeper.size() == strips.size()
                 ? " ducks deeper now (threshold 3 dB lower, ratio up by half)"
                 : fmt::format(" (4:1 from 6 dB under {}'s usual level, 1 ms attack, {:g} ms release: about {:.1f} of a "
                               "beat at {:.0f} BPM, back before the next hit)",
                               key->name, release, release / beat_ms, tempo_of(c))) +
            after + ".";
  if (!rekeyed.empty()) {
    std::string names;
    for (const auto& r : rekeyed) names += (names.empty() ? "" : ", ") + r;
    a.reply += " " + names + (rekeyed.size() == 1 ? " had its" : " had their") +
               " own levelling compressor; it listens to " + key->name + " now (one compressor per part).";
  }
  return a;
}

// "The mix needs more glue", "the drums don't gel": gentle compression of the parts together, on
// the mix bus or on the bus the parts sum on: 2:1, soft 6 dB knee, 30 ms attack (transients
// pass), a release of about a beat (100-400 ms) so it moves with the groove, from 2 dB over the
// bus's usual level (about a dB of gain reduction where the song is loud). A glue compressor
// already there is pushed a step (ratio +0.5 up to 4:1, threshold 2 dB lower).
Applied apply_glue(Console& c, const ParsedNote& n, std::vector<Strip*> strips, const std::vector<Window>& windows,
                   const PlanContext& ctx) {
  Applied a;
  struct Target {
    dsp::CompressorSettings* comp;
    std::string owner;
    mix::Reasons* reasons;
    double offset_db;  // from its measured file (mix.wav, versions/BUS.wav) to the compressor's input
  };
  const double out_gain = c.mix_bus.output_gain_db.value_or(0.0);
  std::vector<Target> targets;
  if (n.element == "mix" || n.element == "reverb" || n.element == "delay") {
    targets.push_back({&c.mix_bus.compressor, "mix_bus", &c.mix_bus.reasons, -out_gain});
  } else {
    for (auto* b : buses_of(c, strips)) targets.push_back({&b->compressor, "bus:" + b->name, &b->reasons, -out_gain - b->fader_db});
  }
  const double beat_ms = 1000.0 * seconds_per(TimeUnit::beats, c);
  const double release = std::round(std::clamp(beat_ms, 100.0, 400.0));
  std::vector<std::string> added, pushed, unmeasured;
  for (auto& t : targets) {
    auto& k = *t.comp;
    const dsp::CompressorSettings old = k;
    if (k.enabled) {
      k.ratio = round3(std::min(4.0, k.ratio + 0.5));
      k.threshold_db = round3(k.threshold_db - 2.0);
      pushed.push_back(t.owner);
    } else {
      const auto level = heard_level(ctx, t.owner, t.offset_db);
      if (!level) {
        unmeasured.push_back(t.owner);
        continue;
      }
      k.enabled = true;
      k.key.clear();
      k.ratio = 2.0;
      k.knee_db = 6.0;
      k.attack_ms = 30.0;
      k.release_ms = release;
      k.threshold_db = round3(*level + 2.0);
      k.makeup_db = 0.0;
      k.detector = dsp::Detector::rms;
      k.mix = 1.0;
      a.changes.push_back({t.owner, "compressor.enabled", 0.0, 1.0, ""});
      added.push_back(t.owner);
    }
    compressor_changes(a, t.owner, old, k);
    (*t.reasons)["compressor"] = fmt::format("revision: \"{}\": glue, {:g}:1 from {:.1f} dB, {:g} ms attack, {:g} ms release",
                                             n.text, k.ratio, k.threshold_db, k.attack_ms, k.release_ms);
  }
  if (a.changes.empty()) {
    a.reply = "Nothing was changed: " + (unmeasured.empty() ? std::string("there is no bus to glue ") + element_words(n.element) + " on"
                                                            : "the level of " + unmeasured.front() +
                                                                  " could not be measured to set a glue compressor") + ".";
    return a;
  }
  const auto list = [](const std::vector<std::string>& v) {  // "the mix bus", "the drums bus and the music bus"
    std::string o;
    for (std::size_t i = 0; i < v.size(); ++i)
      o += (i == 0 ? "" : i + 1 == v.size() ? " and " : ", ") +
           (v[i] == "mix_bus" ? std::string("the mix bus") : "the " + v[i].substr(4) + " bus");
    return o;
  };
  std::string how;
  if (!added.empty())
    how = fmt::format("Glued {} with a gentle compressor on {} (2:1, soft knee, 30 ms attack so the transients pass, "
                      "{:g} ms release: about a beat at {:.0f} BPM; about a dB of gain reduction where the song is loud)",
                      n.element == "mix" ? std::string("the mix") : element_words(n.element), list(added), release, tempo_of(c));
  if (!pushed.empty())
    how += (how.empty() ? "Glued harder on " : "; glued harder on ") + list(pushed) +
           ", whose compressor was already there (ratio +0.5, threshold 2 dB lower)";
  a.reply = how + " throughout the song" + (windows.empty() ? "" : " (compression is static, so it applies throughout)") + ".";
  return a;
}

// "Add some distortion to the bass", "the guitar is too clean" / "the vocal is distorted": the
// part's saturator (4x oversampled, level-compensated). Added at 8 dB of drive (4 dB for "a
// bit"), tape for warmth and saturation, soft clipping for distortion, grit, crunch, fuzz and
// dirt; one already there gets 4 dB more (up to 24). Cleaner takes 4 dB of drive off, and
// switches a saturator left at 2 dB or less off; a part with no saturation in the mix carries its
// distortion in its recording, which the mix cannot take out (said).
Applied apply_saturation(Console& c, const ParsedNote& n, std::vector<Strip*> strips, const std::vector<Window>& windows) {
  Applied a;
  const bool more = n.fix == Fix::saturate;
  if (n.element == "mix" || n.element == "reverb" || n.element == "delay" || strips.empty()) {
    a.reply = std::string(more ? "Saturation goes on a part" : "Distortion in the mix comes from a part") +
              "; name the stem (stems: " + stem_list(c) + "). Nothing was changed.";
    return a;
  }
  const std::string t = " " + lower_words(n.text) + " ";
  const auto said = [&](std::initializer_list<std::string_view> words) {
    return std::any_of(words.begin(), words.end(), [&](std::string_view w) { return t.find(std::string(w)) != std::string::npos; });
  };
  const bool mild = said({" a bit ", " a touch ", " slightly ", " a little ", " subtle ", " tad "});
  const bool clip = said({"distort", "grit", "crunch", "fuzz", "dirt"});
  std::vector<std::string> clean;  // parts with no saturator to ease
  for (auto* s : strips) {
    auto& sat = s->saturator;
    const dsp::SaturatorSettings old = sat;
    if (more) {
      if (!sat.enabled) {
        sat.enabled = true;
        sat.mode = clip ? dsp::SaturationMode::soft_clip : dsp::SaturationMode::tape;
        sat.drive_db = mild ? 4.0 : 8.0;
        sat.mix = 1.0;
        a.changes.push_back({s->name, "saturator.enabled", 0.0, 1.0, ""});
      } else {
        sat.drive_db = round3(std::min(24.0, sat.drive_db + 4.0));
      }
    } else {
      if (!sat.enabled) {
        clean.push_back(s->name);
        continue;
      }
      sat.drive_db = round3(std::max(0.0, sat.drive_db - 4.0));
      if (sat.drive_db <= 2.0) {
        sat.enabled = false;
        a.changes.push_back({s->name, "saturator.enabled", 1.0, 0.0, ""});
      }
    }
    if (sat.drive_db != old.drive_db) a.changes.push_back({s->name, "saturator.drive_db", old.drive_db, sat.drive_db, ""});
    s->reasons["saturator"] = "revision: \"" + n.text + "\"";
  }
  const std::string after = windows.empty() ? "" : " (the saturator is static, so it applies throughout, not only " +
                                                       where(windows, n.scope) + ")";
  if (a.changes.empty()) {
    a.reply = capitalised(who(n.element, strips)) + " " + (strips.size() == 1 ? "has" : "have") +
              " no saturation in the mix, so the distortion is in " + (strips.size() == 1 ? "its" : "their") +
              " recording (the stem itself), which the mix cannot take out; nothing was changed. A cleaner take, or a "
              "declipper before the mix, is the fix.";
    return a;
  }
  const auto& first = strips.front()->saturator;
  if (more)
    a.reply = fmt::format("Saturated {} ({}, {:g} dB of drive, level-compensated so it is the harmonics that change, not the "
                          "loudness) throughout the song{}.",
                          who(n.element, strips), first.mode == dsp::SaturationMode::tape ? "tape" : "soft clipping",
                          first.drive_db, after);
  else
    a.reply = fmt::format("Eased the saturation on {} ({}) throughout the song{}.", who(n.element, strips),
                          first.enabled ? fmt::format("4 dB less drive, {:g} dB left", first.drive_db) : "switched off", after);
  if (!clean.empty()) a.reply += " (" + clean.front() + " has no saturation in the mix: its distortion is its recording's.)";
  return a;
}

// "The reverb is too long": its decay (RT60), not its level; a delay's length is its repeats
// (feedback). A part's reverb is the return it feeds, shared with whatever else feeds it.
Applied apply_length(Console& c, const ParsedNote& n, const std::vector<Strip*>& strips,
                     const std::vector<Window>& windows) {
  Applied a;
  const bool shorter = n.fix == Fix::shorter;
  const std::string t = lower_case(n.text);
  const bool delay = n.element == "delay" ||
                     (n.element != "reverb" && (t.find("delay") != std::string::npos || t.find("echo") != std::string::npos));
  const auto kind = delay ? mix::ReturnKind::delay : mix::ReturnKind::reverb;
  const bool part = n.element != "reverb" && n.element != "delay" && n.element != "mix";
  std::set<std::string> fed;
  for (const auto* s : strips)
    for (const auto& snd : s->sends) fed.insert(snd.to);
  std::string what;
  std::set<std::string> touched;
  for (auto& r : c.returns) {
    if (r.kind != kind || (part && !fed.count(r.name))) continue;
    char b[96];
    if (delay) {
      const double from = r.delay.feedback;
      r.delay.feedback = round3(std::clamp(shorter ? from * 0.6 : std::max(0.15, from * 1.4), 0.0, 0.8));
      if (r.delay.feedback == from) continue;
      a.changes.push_back({"return:" + r.name, "delay.feedback", from, r.delay.feedback, ""});
      std::snprintf(b, sizeof b, "%s's feedback %.2f → %.2f", r.name.c_str(), from, r.delay.feedback);
    } else {
      const double from = r.reverb.decay_s;
      r.reverb.decay_s = round3(std::clamp(shorter ? from * 0.7 : from * 1.4, 0.3, 8.0));
      if (r.reverb.decay_s == from) continue;
      a.changes.push_back({"return:" + r.name, "reverb.decay_s", from, r.reverb.decay_s, ""});
      std::snprintf(b, sizeof b, "%s from %.1f s to %.1f s", r.name.c_str(), from, r.reverb.decay_s);
    }
    r.reasons[delay ? "delay" : "reverb"] = "revision: \"" + n.text + "\"";
    what += (what.empty() ? "" : ", ") + std::string(b);
    touched.insert(r.name);
  }
  const std::string thing = delay ? "delay" : "reverb";
  if (a.changes.empty()) {
    a.reply = part ? who(n.element, strips) + " feeds no " + thing + " return, so there is no " + thing +
                         " tail of its own to make " + (shorter ? "shorter" : "longer") + "; nothing was changed."
                   : "There is no " + thing + " return in this session that can be made " +
                         (shorter ? "shorter" : "longer") + "; nothing was changed.";
    a.reply = capitalised(std::move(a.reply));
    return a;
  }
  a.reply = std::string(shorter ? "Shortened " : "Lengthened ") +
            (delay ? "the delay's repeats (" : "the reverb's decay, RT60 (") + what + ")" +
            (part ? " that " + who(n.element, strips) + " feeds" : "") + "; the return levels are unchanged";
  if (part) {
    std::vector<std::string> others;
    for (const auto& s : c.strips)
      if (std::find(strips.begin(), strips.end(), &s) == strips.end())
        for (const auto& snd : s.sends)
          if (touched.count(snd.to)) {
            others.push_back(s.name);
            break;
          }
    if (!others.empty()) {
      std::string list;
      for (std::size_t i = 0; i < others.size() && i < 6; ++i) list += (i ? ", " : "") + others[i];
      a.reply += " (the return is shared: " + list + (others.size() > 6 ? ", ..." : "") + " change with it)";
    }
  }
  a.reply += std::string(windows.empty() ? "" : " — a return's decay is static, so it applies throughout") + ".";
  return a;
}

Applied apply_space(Console& c, const ParsedNote& n, std::vector<Strip*> strips, const std::vector<Window>& windows,
                    const PlanContext& ctx) {
  if (n.fix == Fix::shorter || n.fix == Fix::longer) return apply_length(c, n, strips, windows);
  Applied a;
  const std::string after = windows.empty() ? "" : " (sends and widths are static, so it applies throughout)";
  if (n.element == "mix") {
    strips.clear();
    for (auto& s : c.strips)
      if (!s.printed_fx) strips.push_back(&s);
  }
  if (strips.empty()) {
    a.reply = "No stem of this session is " + element_words(n.element) + " (stems: " + stem_list(c) +
              "); which one did you mean? Nothing was changed.";
    return a;
  }
  const Fix f = n.fix;
  if ((f == Fix::pan_left || f == Fix::pan_right) && n.element == "mix") {
    // Every part to one side is the whole song on one speaker: a note that pans without naming
    // a part this session has meant one (a part named some way the note reader did not know).
    a.reply = "Which part should move " + std::string(f == Fix::pan_right ? "right" : "left") +
              "? Panning the whole mix would put the song on one speaker (stems: " + stem_list(c) +
              "). Nothing was changed.";
    return a;
  }
  if (f == Fix::pan_left || f == Fix::pan_right || f == Fix::centre) {
    // A quarter of the way to the side asked (pan -1 .. 1), or to the centre; all the way for
    // "hard left", "fully right", "all the way to the left"; a share the note gives ("pan it
    // 30% left").
    const std::string said = " " + lower_words(n.text) + " ";
    const bool hard = said.find(" hard ") != std::string::npos || said.find(" fully ") != std::string::npos ||
                      said.find(" all the way ") != std::string::npos || said.find(" extreme ") != std::string::npos;
    const double side = f == Fix::pan_right ? 1.0 : -1.0;
    std::optional<double> share;
    if (const auto pc = percent_in(n.text); pc && *pc > 0) share = std::min(*pc, 100.0) / 100.0;
    // "Put the BGV on the left", "to the right side": a place on that side, not a nudge.
    const bool placed = said.find(" on the left ") != std::string::npos || said.find(" on the right ") != std::string::npos ||
                        said.find(" side ") != std::string::npos;
    if (!share && placed) share = kPlacedPan;
    for (auto* s : strips) {
      const double from = s->pan.pan;
      s->pan.pan = round3(f == Fix::centre ? 0.0
                          : hard         ? side
                          : share && placed && side * from > *share ? from  // already further out on that side
                          : share        ? side * *share
                                         : std::clamp(from + 0.25 * side, -1.0, 1.0));
      if (s->pan.pan != from) {
        a.changes.push_back({s->name, "pan.pan", from, s->pan.pan, ""});
        s->reasons["pan"] = "revision: \"" + n.text + "\"";
      }
    }
    const auto place = [](double p) {
      if (std::fabs(p) < 0.005) return std::string("centre");
      return std::to_string(static_cast<int>(std::lround(std::fabs(p) * 100))) + "% " + (p < 0 ? "left" : "right");
    };
    if (a.changes.empty()) {
      a.reply = capitalised(who(n.element, strips) + " is already " +
                            (f == Fix::centre ? "in the centre" : "as far to that side as it goes") + "; nothing was changed.");
      return a;
    }
    std::string moves;
    for (const auto& ch : a.changes) moves += (moves.empty() ? "" : ", ") + ch.stem + " " + place(ch.from) + " → " + place(ch.to);
    const std::string further = hard || share ? "" : "further ";
    a.reply = std::string(f == Fix::centre ? "Centred " : "Panned " + further + (f == Fix::pan_right ? "right: " : "left: ")) +
              (f == Fix::centre ? who(n.element, strips) + " (" + moves + ")" : moves) + after + ".";
    return a;
  }
  if (f == Fix::drier || f == Fix::wetter || f == Fix::closer || f == Fix::further) {
    const bool more = f == Fix::wetter || f == Fix::further;
    const double step = more ? 3.0 : -3.0;
    std::set<std::string> fed;
    // The returns the note is about: one it names by its name ("more plate on the vocal"), else
    // the kind it names ("more delay": the delay returns only), else every one.
    const std::string said = " " + lower_words(n.text) + " ";
    std::string named;
    for (const auto& r : c.returns)
      if (named.empty() && said.find(" " + lower_words(r.name) + " ") != std::string::npos) named = r.name;
    const auto wanted = [&](const std::string& to) {
      const auto r = std::find_if(c.returns.begin(), c.returns.end(), [&](const mix::Return& x) { return x.name == to; });
      if (r == c.returns.end()) return n.space.empty() && named.empty();
      if (!named.empty()) return r->name == named;
      if (n.space == "delay") return r->kind == mix::ReturnKind::delay;
      if (n.space == "reverb") return r->kind == mix::ReturnKind::reverb;
      return true;
    };
    const bool one_kind = !named.empty() || !n.space.empty();
    std::vector<std::string> opened;  // stems given a send they did not have
    for (auto* s : strips) {
      const bool feeds = std::any_of(s->sends.begin(), s->sends.end(), [&](const mix::Send& x) { return wanted(x.to); });
      // "More reverb on everything": the parts that have none on purpose (kick, bass, hats: the
      // low end and the fastest transients stay dry) keep none.
      if (!feeds && more && n.element == "mix" && (low_role(s->role) || s->role == Role::hihat)) continue;
      if (!feeds && more) {
        // A send to the first return asked for (a reverb when the note names none).
        const auto r = std::find_if(c.returns.begin(), c.returns.end(), [&](const mix::Return& x) {
          return one_kind ? wanted(x.name) : x.kind == mix::ReturnKind::reverb;
        });
        if (r == c.returns.end()) continue;
        s->sends.push_back({r->name, -20.0, false});
        a.changes.push_back({s->name, "send." + r->name + ".level_db", -120.0, -20.0, ""});
        opened.push_back(s->name + " (to the " + r->name + ")");
        fed.insert(r->name);
        continue;
      }
      for (auto& snd : s->sends) {
        if (!wanted(snd.to)) continue;
        const double from = snd.level_db;
        snd.level_db = round3(std::clamp(snd.level_db + step, -60.0, 0.0));
        a.changes.push_back({s->name, "send." + snd.to + ".level_db", from, snd.level_db, ""});
        fed.insert(snd.to);
      }
      s->reasons["send.reverb"] = "revision: \"" + n.text + "\"";
    }
    // Closer: more pre-delay separates the dry sound from its tail (the source reads as near);
    // further: less. Pre-delay is the return's, shared by everything that feeds it.
    if (f == Fix::closer || f == Fix::further) {
      for (auto& r : c.returns) {
        if (r.kind != mix::ReturnKind::reverb || !fed.count(r.name)) continue;
        const double from = r.reverb.predelay_ms;
        r.reverb.predelay_ms = round3(std::clamp(from + (f == Fix::closer ? 15.0 : -10.0), 0.0, 120.0));
        if (r.reverb.predelay_ms != from)
          a.changes.push_back({"return:" + r.name, "reverb.predelay_ms", from, r.reverb.predelay_ms, ""});
      }
    }
    if (a.changes.empty()) {
      a.reply = who(n.element, strips) + " sends nothing to " +
                (!named.empty() ? "the " + named : n.space.empty() ? std::string("a reverb or delay") : "a " + n.space) +
                (more ? "" : ", so it cannot get drier") + "; nothing was changed.";
      a.reply = capitalised(std::move(a.reply));
      return a;
    }
    const std::string kind = !named.empty() ? named : n.space.empty() ? "reverb/delay" : n.space;
    std::string what = (more ? "Raised the " : "Lowered the ") + kind + " sends of ";
    const bool raised = opened.size() < strips.size() &&
                        std::any_of(a.changes.begin(), a.changes.end(), [](const Change& ch) { return ch.from > -120.0; });
    std::string opened_words;
    for (const auto& o : opened) opened_words += (opened_words.empty() ? "" : ", ") + o;
    a.reply = (raised ? what + who(n.element, strips) + " 3 dB" : "Sent " + opened_words + " at -20 dB") +
              (f == Fix::closer ? " and lengthened the reverb pre-delay 15 ms" :
               f == Fix::further ? " and shortened the reverb pre-delay 10 ms" : "") +
              " throughout the song" + after + (raised && !opened.empty() ? "; sent " + opened_words + " at -20 dB" : "") +
              (opened.empty() ? "" : opened.size() == 1 ? " (a send it did not have)" : " (sends they did not have)") + ".";
    return a;
  }
  // Width: a stereo strip's width stage; mono strips of a group spread (or gather) their pans.
  const bool wider = f == Fix::wider;
  for (auto* s : strips) {
    if (n.element == "mix" && (low_role(s->role) || s->role == Role::snare || s->role == Role::lead_vocal)) continue;
    const auto ch = ctx.stem_channels.find(s->name);
    // Stereo by what the file holds, not its channel count: a side 30 dB or more under the mid
    // (hats printed as two equal channels) gives a width stage nothing to widen.
    const auto side = ctx.stem_side_db.find(s->name);
    const bool near_mono = side != ctx.stem_side_db.end() && side->second <= kNearMonoSideDb;
    const bool stereo = !near_mono &&
                        (ch != ctx.stem_channels.end() ? ch->second >= 2 && !s->fold_to_mono : !s->fold_to_mono);
    if (stereo) {
      const double from = s->pan.width;
      s->pan.width = round3(std::clamp(from + (wider ? 0.3 : -0.3), 0.0, 2.0));
      if (s->pan.width != from) a.changes.push_back({s->name, "pan.width", from, s->pan.width, ""});
    } else if (std::fabs(s->pan.pan) > 0.05 || !wider) {
      const double from = s->pan.pan;
      s->pan.pan = round3(std::clamp(from * (wider ? 1.4 : 0.6), -1.0, 1.0));
      if (s->pan.pan != from) a.changes.push_back({s->name, "pan.pan", from, s->pan.pan, ""});
    }
    s->reasons["pan"] = "revision: \"" + n.text + "\"";
  }
  if (a.changes.empty()) {
    a.reply = who(n.element, strips) + (wider ? " is a centred mono source: width cannot come from the mix without "
                                                "a second part or a double (a production question); nothing was changed."
                                              : " is already as narrow as it goes; nothing was changed.");
    a.reply = capitalised(std::move(a.reply));
    return a;
  }
  const bool any_width = std::any_of(a.changes.begin(), a.changes.end(), [](const Change& c) { return c.parameter == "pan.width"; });
  const bool any_pan = std::any_of(a.changes.begin(), a.changes.end(), [](const Change& c) { return c.parameter == "pan.pan"; });
  std::string how = any_width ? std::string("stereo width ") + (wider ? "+0.3" : "-0.3") : "";
  if (any_pan) how += std::string(any_width ? ", " : "") + "mono parts panned " + (wider ? "further out" : "closer in");
  a.reply = std::string(wider ? "Widened " : "Narrowed ") + who(n.element, strips) + " (" + how +
            ") throughout the song" + after + ".";
  return a;
}

// ---- vague notes -------------------------------------------------------------------------

std::string questions_for(const ParsedNote& n) {
  const std::string el = n.element.empty() || n.element == "mix" ? "" : element_words(n.element);
  const std::string part = el.empty() ? "Which part should change — the vocal, the drums, the bass, or the whole mix" :
                                        "What about " + el + " should change — its level, its tone, its punch or its space";
  const std::string t = n.vague_topic;
  if (t == "pop")
    return part + "? Should it stand out by level (louder against the band), by tone (more presence around 3 kHz, "
                  "more air above 10 kHz), or by contrast (a bigger lift into the chorus)? Where in the song?";
  if (t == "bigger")
    return part + "? Bigger as in wider stereo, more low end, more reverb and depth, or a chorus that lifts more over "
                  "the verse? Where in the song?";
  if (t == "professional")
    return "What sounds unfinished to you: one part's balance, harshness, muddiness, the low end, or the loudness "
           "against a released track? Can you name a reference track and a moment (e.g. 1:23)?";
  if (t == "energy")
    return "Where does the energy drop (a section or a time)? Should it come from louder drums, a brighter top, "
           "more compression, or a bigger chorus lift?";
  if (t == "clash")
    return "Which of the two should lead where they overlap (e.g. the kick on the beat, the bass in between), "
           "and is it the low end, the level, or a section where they fight?";
  if (t == "reference")
    return "Which reference track, and what about it: its low end, its brightness, its width, its vocal level?";
  return part + "? What is wrong with it — too loud or buried, too bright or dull, muddy, harsh, too wet or dry, "
                "too narrow or wide — and where (a section like \"the second chorus\" or a time like 1:23)?";
}

std::vector<std::string> suggestions(const PlanContext& ctx, const Console& c) {
  std::vector<std::string> out;
  static const std::array<const char*, 6> band_words = {"sub (20–60 Hz)", "low end (60–250 Hz)",
                                                        "low mids (250–500 Hz)", "mids (500 Hz–2 kHz)",
                                                        "presence (2–6 kHz)", "air (6–20 kHz)"};
  static const std::array<const char*, 6> more_means = {"more sub", "more weight", "more warmth/body",
                                                        "more midrange", "more presence", "more air"};
  static const std::array<const char*, 6> less_means = {"less rumble", "less boom", "less mud",
                                                        "less honk", "less harshness", "less sizzle"};
  if (ctx.reference) {
    const auto& r = *ctx.reference;
    for (std::size_t b = 0; b < 6; ++b) {
      const double d = r.bands_db[b];
      if (!std::isfinite(d) || std::fabs(d) < 1.5) continue;
      out.push_back("your mix has " + fmt_db(d) + " dB " + (d < 0 ? "less " : "more ") + band_words[b] +
                    " than the reference — did you mean " + (d < 0 ? more_means[b] : less_means[b]) + "?");
    }
    if (std::fabs(r.width) > 0.1)
      out.push_back(std::string("it is ") + (r.width < 0 ? "narrower" : "wider") +
                    " than the reference — did you mean " + (r.width < 0 ? "wider?" : "narrower?"));
    if (out.empty()) out.push_back("its tonal balance and width are within 1.5 dB of the reference");
    return out;
  }
  if (!ctx.mix_analysis) return out;
  const auto& m = *ctx.mix_analysis;
  // Against a smooth balance: a straight line through the third-octave levels (dB against
  // log-frequency, 40 Hz–16 kHz) stands for a balanced mix of this tilt; a band well above or
  // below it is what a vague note most often means.
  std::vector<std::pair<double, double>> pts;
  for (const auto& b : m.spectrum.third_octave)
    if (b.hz >= 40 && b.hz <= 16000 && std::isfinite(b.db)) pts.emplace_back(std::log2(b.hz), b.db);
  if (pts.size() >= 8) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (auto [x, y] : pts) sx += x, sy += y, sxx += x * x, sxy += x * y;
    const double nn = static_cast<double>(pts.size());
    const double slope = (nn * sxy - sx * sy) / (nn * sxx - sx * sx);
    const double icept = (sy - slope * sx) / nn;
    std::array<double, 6> dev{};
    std::array<int, 6> cnt{};
    for (const auto& b : m.spectrum.third_octave) {
      if (b.hz < 40 || b.hz > 16000 || !std::isfinite(b.db)) continue;
      std::size_t k = 0;
      while (k + 1 < 6 && b.hz >= analysis::kBandEdgesHz[k + 1]) ++k;
      dev[k] += b.db - (icept + slope * std::log2(b.hz));
      ++cnt[k];
    }
    std::vector<std::pair<double, std::size_t>> order;
    for (std::size_t k = 0; k < 6; ++k)
      if (cnt[k] > 0) order.emplace_back(dev[k] / cnt[k], k);
    std::sort(order.begin(), order.end(), [](auto& x, auto& y) { return std::fabs(x.first) > std::fabs(y.first); });
    for (const auto& [d, k] : order) {
      if (std::fabs(d) < 2.0 || out.size() >= 2) break;
      out.push_back(std::string("the ") + band_words[k] + " sits " + fmt_db(d) + " dB " + (d > 0 ? "above" : "below") +
                    " a smooth balance of this mix — did you mean " + (d > 0 ? less_means[k] : more_means[k]) + "?");
    }
  }
  if (m.stereo.stereo && m.stereo.width < 0.08)
  {
    char w[32];
    std::snprintf(w, sizeof w, "%.2f", m.stereo.width);
    out.push_back(std::string("the mix is narrow (side/mid energy ") + w + ") — did you mean wider?");
  }
  if (m.dynamics.crest_db > 0 && m.dynamics.crest_db < 9)
    out.push_back("it is already dense (crest factor " + fmt_db(m.dynamics.crest_db) +
                  " dB): more compression will not make it bigger");
  // Chorus lift: loudness of the choruses against the verses from the short-term series.
  const auto& st = m.dynamics.short_term;
  auto mean_lufs = [&](const std::string& base) {
    double e = 0;
    int k = 0;
    for (const auto& s : c.sections) {
      if (base_name(s.name) != base) continue;
      for (std::size_t i = 0; i < st.lufs.size(); ++i) {
        const double t = st.first_s + st.step_s * static_cast<double>(i);
        if (t < s.start_s + 1.5 || t > s.end_s + 1.5 || !std::isfinite(st.lufs[i])) continue;
        e += std::pow(10.0, st.lufs[i] / 10.0);
        ++k;
      }
    }
    return k > 0 ? 10.0 * std::log10(e / k) : std::numeric_limits<double>::quiet_NaN();
  };
  const double ch = mean_lufs("chorus"), vs = mean_lufs("verse");
  if (std::isfinite(ch) && std::isfinite(vs))
    out.push_back("the choruses sit " + fmt_db(ch - vs) + " LU " + (ch >= vs ? "above" : "below") +
                  " the verses — should the chorus lift more?");
  if (out.empty()) out.push_back("its tonal balance is within 2 dB of a smooth balance in every band");
  return out;
}

// Contradictions: same target, same aspect, opposite directions, overlapping time. Brighter
// and less harsh are not opposite: air above 8 kHz with the 2-5 kHz bite taken down is the
// usual way to brighten a harsh part.
bool opposite(Fix a, Fix b) {
  static const std::vector<std::pair<Fix, Fix>> pairs = {
      {Fix::up, Fix::down},         {Fix::brighter, Fix::darker},
      {Fix::wetter, Fix::drier},    {Fix::closer, Fix::further},   {Fix::wider, Fix::narrower},
      {Fix::less_compressed, Fix::more_controlled}, {Fix::fuller, Fix::less_mud}, {Fix::fuller, Fix::less_boom},
      {Fix::closer, Fix::wetter},   {Fix::further, Fix::drier},    {Fix::shorter, Fix::longer}};
  for (auto [x, y] : pairs)
    if ((a == x && b == y) || (a == y && b == x)) return true;
  return false;
}

bool windows_overlap(const std::vector<Window>& a, const std::vector<Window>& b) {
  if (a.empty() || b.empty()) return true;
  for (const auto& x : a)
    for (const auto& y : b)
      if (x.start_s < y.end_s && y.start_s < x.end_s) return true;
  return false;
}

}  // namespace

namespace {

// Windows closer than this are ridden as one (a ride's ramps are at most 0.5 s).
constexpr double kSeamS = 1.0;

// The windows of a scope's places (its sections and ranges; not what it leaves out).
std::vector<Window> resolve_places(const TimeScope& scope, const Console& c, std::vector<std::string>* missing,
                                   std::vector<TimeRange>* past_end, bool edges_stand_in = true) {
  std::vector<Window> out;
  const double end = c.duration_s > 0 ? c.duration_s : std::numeric_limits<double>::infinity();
  // Sections named by what is before or after them ("before the verse"): the relation and the
  // windows of the sections it is measured from.
  std::vector<std::pair<std::string, std::vector<Window>>> anchors;
  for (const auto& ref : scope.sections) {
    std::vector<const mix::Section*> named;
    for (const auto& s : c.sections)
      if (base_name(s.name) == ref.name) named.push_back(&s);
    // "the end" / "the beginning" when the song has no outro / intro: its last / first section.
    // (Not for a place left out: "louder, but not during the intro" of a song with no intro
    // leaves nothing out, and says so.)
    if (edges_stand_in && named.empty() && !c.sections.empty() && ref.name == "outro") named.push_back(&c.sections.back());
    if (edges_stand_in && named.empty() && !c.sections.empty() && ref.name == "intro") named.push_back(&c.sections.front());
    std::vector<const mix::Section*> pick;
    const auto count = static_cast<int>(named.size());
    if (ref.ordinal == 0) pick = named;
    else if (ref.ordinal < 0 && -ref.ordinal <= count) pick.push_back(named[static_cast<std::size_t>(count + ref.ordinal)]);
    else if (ref.ordinal > 0 && ref.ordinal <= count) pick.push_back(named[static_cast<std::size_t>(ref.ordinal - 1)]);
    if (pick.empty()) {
      if (missing)
        missing->push_back(ref.ordinal == 0    ? ref.name
                           : ref.ordinal == -1 ? "the last " + ref.name
                           : ref.ordinal < 0   ? ref.name + " " + std::to_string(-ref.ordinal) + " from the end"
                                               : ref.name + " " + std::to_string(ref.ordinal));
      continue;
    }
    std::vector<Window> windows;
    for (const auto* s : pick) {
      std::string label = s->name;
      // Several sections of the same name: number them so changes.json says which.
      if (named.size() > 1 && base_name(s->name) == s->name) {
        const auto idx = std::find(named.begin(), named.end(), s) - named.begin();
        label = s->name + " " + std::to_string(idx + 1);
      }
      windows.push_back({label, s->start_s, s->end_s});
    }
    if (!ref.relation.empty()) {
      anchors.emplace_back(ref.relation, std::move(windows));
      continue;
    }
    for (auto& w : windows)
      if (std::none_of(out.begin(), out.end(), [&](const Window& x) { return x.start_s == w.start_s; })) out.push_back(w);
  }
  if (!anchors.empty()) {
    if (!out.empty()) {
      // "The bridge after the chorus": of the sections named, those right after (before) one of
      // the anchor's; else the nearest one on that side of it.
      std::vector<Window> kept;
      const auto keep = [&](const Window& w) {
        if (std::none_of(kept.begin(), kept.end(), [&](const Window& x) { return x.start_s == w.start_s; })) kept.push_back(w);
      };
      for (const auto& [relation, at] : anchors)
        for (const auto& a : at)
          for (const auto& w : out)
            if (relation == "after" ? std::fabs(w.start_s - a.end_s) < 1.0 : std::fabs(w.end_s - a.start_s) < 1.0) keep(w);
      if (kept.empty())
        for (const auto& [relation, at] : anchors) {
          const Window& a = relation == "after" ? at.front() : at.back();
          const Window* best = nullptr;
          for (const auto& w : out) {
            if (relation == "after" && w.start_s >= a.end_s - 1e-6 && (!best || w.start_s < best->start_s)) best = &w;
            if (relation == "before" && w.end_s <= a.start_s + 1e-6 && (!best || w.end_s > best->end_s)) best = &w;
          }
          if (best) keep(*best);
        }
      out = std::move(kept);
      if (out.empty() && missing) missing->push_back("section on that side of the " + anchors.front().second.front().label);
    } else {
      // "Before the verse": from the start of the song to where the (first) verse begins;
      // "after the chorus": from where it ends to the end of the song.
      for (const auto& [relation, at] : anchors) {
        const Window& a = at.front();
        const double from = relation == "before" ? 0.0 : a.end_s, to = relation == "before" ? a.start_s : end;
        if (to > from) out.push_back({relation + (a.label == base_name(a.label) ? " the " : " ") + a.label, from, to});
      }
    }
  }
  for (TimeRange r : scope.ranges) {
    // Shares of the song, times before its end and lengths from a moment, in seconds from its
    // start; bars and beats at the song's tempo.
    using C = TimeRange::Count;
    if ((r.count == C::share_of_song || r.count == C::seconds_before_end) && !std::isfinite(end)) continue;  // a song of unknown length
    const double k = seconds_per(r.unit, c);
    if (r.count == C::share_of_song) {
      r = {r.start_s * end, r.end_s * end};
    } else if (r.count == C::seconds_before_end) {
      r = {std::max(0.0, end - r.start_s * k), end - r.end_s * k};
    } else if (r.count == C::after_moment) {
      r = {r.at_s, r.at_s + r.end_s * k, r.at_s};
    } else {
      r = {r.start_s * k, r.end_s * k, r.at_s};
    }
    // A time past the song's end is not in the song (and not a reason to change all of it).
    if (c.duration_s > 0 && r.start_s >= c.duration_s) {
      if (past_end) past_end->push_back(r);
      continue;
    }
    const double a = std::clamp(r.start_s, 0.0, end), b = std::min(r.end_s, end);
    if (b > a) out.push_back({range_label(a, b), a, b});
  }
  std::sort(out.begin(), out.end(), [](const Window& x, const Window& y) { return x.start_s < y.start_s; });
  // Windows that overlap are one: a part ridden in both would move twice there ("from 1:00 till
  // the end" and the last section). So are windows that meet or nearly meet ("the verses" where
  // verse 2 follows verse 1): their ramps would overlap and the ride double at the seam.
  std::vector<Window> merged;
  for (auto& w : out) {
    if (!merged.empty() && w.start_s < merged.back().end_s - 1e-6) {
      auto& m = merged.back();
      if (w.end_s > m.end_s) {
        m.end_s = w.end_s;
        m.label = range_label(m.start_s, m.end_s);
      }
      continue;
    }
    if (!merged.empty() && w.start_s < merged.back().end_s + kSeamS) {
      auto& m = merged.back();
      m.end_s = std::max(m.end_s, w.end_s);
      m.label += ", " + w.label;
      continue;
    }
    merged.push_back(std::move(w));
  }
  return merged;
}

}  // namespace

std::vector<Window> resolve_scope(const TimeScope& scope, const Console& c, std::vector<std::string>* missing,
                                  std::vector<TimeRange>* past_end) {
  std::vector<Window> windows = resolve_places(scope, c, missing, past_end);
  if (scope.except_sections.empty() && scope.except_ranges.empty()) return windows;
  // What the note leaves out ("except in the chorus"): cut from the places it named, or from the
  // whole song when it named none. A place the song does not have leaves nothing out.
  TimeScope cut;
  cut.sections = scope.except_sections;
  cut.ranges = scope.except_ranges;
  std::vector<std::string> cut_missing;
  const std::vector<Window> left_out = resolve_places(cut, c, &cut_missing, nullptr, false);
  if (missing)
    for (const auto& m : cut_missing) missing->push_back(m);
  if (left_out.empty()) return windows;
  if (windows.empty()) {
    if (!scope.sections.empty() || !scope.ranges.empty()) return windows;  // its places are missing
    const double end = c.duration_s > 0 ? c.duration_s : 1e9;
    windows.push_back({range_label(0.0, end), 0.0, end});
  }
  std::vector<Window> kept;
  for (const auto& w : windows) {
    std::vector<std::pair<double, double>> pieces{{w.start_s, w.end_s}};
    for (const auto& x : left_out) {
      std::vector<std::pair<double, double>> next;
      for (const auto& [a, b] : pieces) {
        if (x.end_s <= a || x.start_s >= b) {
          next.emplace_back(a, b);
          continue;
        }
        if (x.start_s > a) next.emplace_back(a, x.start_s);
        if (x.end_s < b) next.emplace_back(x.end_s, b);
      }
      pieces = std::move(next);
    }
    for (const auto& [a, b] : pieces) {
      if (b - a < 0.5) continue;  // a sliver between two left-out places
      kept.push_back({a == w.start_s && b == w.end_s ? w.label : range_label(a, b), a, b});
    }
  }
  if (kept.empty() && missing) {
    std::string names;
    for (const auto& x : left_out) names += (names.empty() ? "" : ", ") + x.label;
    missing->push_back("part of the song outside " + names);
  }
  return kept;
}

namespace {

// The strip's automation plus `offset(t)`, a curve that is linear between `breaks` (and
// constant beyond them): both piecewise linear, so the union of their breakpoints carries the
// sum exactly (clamped to the console's range).
template <class Offset>
void add_automation_offset(Strip& strip, const std::vector<double>& breaks, Offset offset) {
  std::vector<double> times;
  for (const auto& p : strip.automation) times.push_back(p.time_s);
  for (double t : breaks) times.push_back(t);
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end(), [](double a, double b) { return std::fabs(a - b) < 1e-4; }),
              times.end());
  std::vector<mix::AutomationPoint> pts;
  for (double t : times) {
    const double g = std::clamp(mix::automation_gain_at(strip, t) + offset(t), mix::kAutomationMinDb,
                                mix::kAutomationMaxDb);
    pts.push_back({round3(t), round3(g)});
  }
  // Breakpoints that change nothing (collinear with their neighbours) are dropped so repeated
  // revisions do not pile points up.
  std::vector<mix::AutomationPoint> kept;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    if (i > 0 && i + 1 < pts.size()) {
      const auto& a = kept.back();
      const auto& b = pts[i + 1];
      const double w = (pts[i].time_s - a.time_s) / std::max(1e-9, b.time_s - a.time_s);
      if (std::fabs(a.gain_db + w * (b.gain_db - a.gain_db) - pts[i].gain_db) < 1e-4) continue;
    }
    kept.push_back(pts[i]);
  }
  strip.automation = std::move(kept);
}

}  // namespace

void add_automation_window(Strip& strip, double start_s, double end_s, double delta_db, double ramp_s) {
  const double t0 = std::max(0.0, start_s - ramp_s), t3 = end_s + ramp_s;
  // A window from the song's start has no ramp in: the move holds from 0:00 (it had faded in
  // across the whole window, landing half the move).
  add_automation_offset(strip, {t0, start_s, end_s, t3}, [&](double t) {
    if (t < t0 || t >= t3) return 0.0;
    if (t < start_s) return delta_db * (t - t0) / (start_s - t0);
    if (t > end_s) return delta_db * (t3 - t) / (t3 - end_s);
    return delta_db;
  });
  strip.reasons["automation"] = "revision ride";
}

void add_fade(Strip& strip, double start_s, double end_s, bool out) {
  // A fade linear in amplitude (as a DAW's default fade): the gain 1 - x across the span, in dB
  // at these shares of it, down to the console's floor; silent after a fade out, before a fade in.
  static const std::array<double, 6> at = {0.0, 0.25, 0.5, 0.75, 0.9, 1.0};
  const double len = std::max(1e-3, end_s - start_s);
  std::vector<double> breaks;
  for (double x : at) breaks.push_back(start_s + x * len);
  add_automation_offset(strip, breaks, [&](double t) {
    double x = std::clamp((t - start_s) / len, 0.0, 1.0);
    if (!out) x = 1.0 - x;
    return x >= 1.0 ? mix::kAutomationMinDb : std::max(mix::kAutomationMinDb, 20.0 * std::log10(1.0 - x));
  });
  strip.reasons["automation"] = out ? "revision fade out" : "revision fade in";
}

namespace {

// One request of a note, planned on its own; the note's result folds its requests together.
struct Request {
  std::size_t note = 0;
  NoteResult r;
  std::vector<Window> windows;
  std::vector<std::string> missing;
  std::vector<TimeRange> past_end;
  std::set<std::string> targets;
  std::set<std::string> except;  // parts a more specific request of the same note set acts on
  std::string except_words;      // which, for the reply
  bool repeat = false;           // its note repeats an earlier note of the revision word for word
};

std::vector<Request> requests_of(Console& console, const std::vector<std::string>& notes) {
  std::vector<std::string> stem_names;
  for (const auto& s : console.strips) stem_names.push_back(s.name);
  std::vector<Request> out;
  for (std::size_t i = 0; i < notes.size(); ++i) {
    for (auto& p : parse_requests(notes[i], stem_names)) {
      Request q;
      q.note = i;
      q.r.note = p.text;
      q.r.kind = p.kind;
      q.r.parsed = std::move(p);
      q.windows = resolve_scope(q.r.parsed.scope, console, &q.missing, &q.past_end);
      for (auto* s : strips_for(console, q.r.parsed.element)) q.targets.insert(s->name);
      if (q.targets.empty()) q.targets.insert(q.r.parsed.element);
      // Parts the note protects inside the group it names ("the drums except the kick").
      for (const auto& e : q.r.parsed.except) {
        bool inside = false;
        for (auto* s : strips_for(console, e))
          if (q.targets.count(s->name)) {
            q.except.insert(s->name);
            inside = true;
          }
        if (inside) q.except_words += (q.except_words.empty() ? "" : ", ") + element_words(e);
      }
      out.push_back(std::move(q));
    }
  }
  return out;
}

// A scope the note gave that names no part of this song: nothing to act on.
bool scope_missed(const Request& q) {
  return q.windows.empty() && (!q.missing.empty() || !q.past_end.empty());
}

std::string past_end_words(const std::vector<TimeRange>& ranges) {
  std::string s;
  for (const auto& r : ranges) {
    std::string one = r.at_s >= 0                 ? "at " + format_time(r.at_s)
                      : !std::isfinite(r.end_s) ? "after " + format_time(r.start_s)
                                                : "from " + format_time(r.start_s) + " to " + format_time(r.end_s);
    s += (s.empty() ? "" : " or ") + one;
  }
  return s;
}

}  // namespace

namespace {

// Lower case, every run of non-letters one space; words stretched for emphasis as the words
// they stretch ("wayyy too loud" says "way too loud").
std::string lower_words(std::string_view text) {
  std::string out, word;
  const auto end_word = [&] {
    out += unstretched(word);
    word.clear();
  };
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalpha(c)) {
      word.push_back(static_cast<char>(std::tolower(c)));
      continue;
    }
    end_word();
    if (out.empty() || out.back() != ' ') out.push_back(' ');
  }
  end_word();
  return out;
}

// The distinct words of lower_words(text).
std::set<std::string> letter_words(std::string_view text) {
  std::set<std::string> out;
  std::istringstream in(lower_words(text));
  for (std::string w; in >> w;) out.insert(w);
  return out;
}

// "Undo that", "go back to the previous version": a revision to return to, not a mix note.
constexpr std::array<std::string_view, 8> kGoBack = {" undo ", " go back ", " revert ", " previous version ",
                                                     " previous mix ", " last version ", " roll back ", " put it back "};

}  // namespace

void narrow_by_name(std::vector<Strip*>& strips, std::string_view note, const std::string& element) {
  // "The open hat" among Open_HiHat_02 and Closed_HihHat_03: a word of the note that names one
  // strip of the group, and no other, is that strip.
  if (strips.size() < 2 || element.rfind("stem:", 0) == 0) return;
  const auto said = letter_words(note);
  std::map<std::string, int> count;
  std::vector<std::set<std::string>> names;
  for (const auto* st : strips) {
    names.push_back(letter_words(std::filesystem::path(st->name).stem().string()));  // not the extension
    for (const auto& w : names.back()) ++count[w];
  }
  std::vector<Strip*> picked;
  for (std::size_t i = 0; i < strips.size(); ++i)
    for (const auto& w : names[i])
      if (w.size() >= 3 && count[w] == 1 && said.count(w)) {
        picked.push_back(strips[i]);
        break;
      }
  if (picked.size() == 1) {
    strips = picked;
    return;
  }
  // "The second snare", "the last synth": an ordinal before a word of the part (not a place:
  // "the second chorus") picks that one of the group in session order (it lowered both snares).
  static const std::set<std::string, std::less<>> places = {
      "intro", "verse", "verses", "chorus", "choruses", "hook", "hooks", "bridge", "outro", "prechorus", "pre",
      "breakdown", "drop", "solo", "half", "time", "bar", "bars", "beat", "beats", "minute", "minutes", "second",
      "seconds", "section", "sections", "part", "parts", "one", "ones", "hit", "hits", "note", "notes", "take", "line",
      // "first, the snare ...", "first of all": no part after the ordinal
      "the", "a", "an", "of", "and", "off", "up", "down", "i", "we", "lets", "let", "just", "please", "make", "can",
      "could", "thing", "things", "is", "it", "its", "times", "round", "pass", "listen", "go"};
  const std::vector<std::string> w = note_words(note);
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    const auto o = ordinal_of(w[i]);
    // ("the first 4 bars", "the last two choruses": a count, then a place.)
    const bool count = std::all_of(w[i + 1].begin(), w[i + 1].end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }) ||
                       w[i + 1] == "two" || w[i + 1] == "three" || w[i + 1] == "four" || w[i + 1] == "few" || w[i + 1] == "couple";
    if (!o || count || places.count(w[i + 1])) continue;
    const int n = static_cast<int>(strips.size());
    const int k = *o > 0 ? *o - 1 : n + *o;
    if (k >= 0 && k < n) strips = {strips[static_cast<std::size_t>(k)]};
    return;
  }
}

std::vector<std::pair<std::string, Window>> planned_rides(const Console& console, const std::vector<std::string>& notes) {
  std::vector<std::pair<std::string, Window>> out;
  Console c = console;  // strips_for hands out strips to change; nothing is changed here
  for (const auto& q : requests_of(c, notes)) {
    const auto& n = q.r.parsed;
    if (q.r.kind != NoteKind::mix || aspect_of(n.fix) != Aspect::level || q.windows.empty()) continue;
    if (n.element == "mix" || n.element == "reverb" || n.element == "delay") continue;
    for (auto* s : strips_for(c, n.element))
      for (const auto& w : q.windows) out.emplace_back(s->name, w);
  }
  return out;
}

std::vector<std::string> planned_levels(const Console& console, const std::vector<std::string>& notes) {
  std::vector<std::string> out;
  const auto add = [&](std::string name) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  };
  Console c = console;  // strips_for hands out strips to change; nothing is changed here
  for (const auto& q : requests_of(c, notes)) {
    const auto& n = q.r.parsed;
    if (q.r.kind != NoteKind::mix) continue;
    if (n.fix == Fix::duck) {
      for (auto* k : strips_for(c, key_element(n))) add(k->name);
    } else if (n.fix == Fix::glue) {
      if (n.element == "mix" || n.element == "reverb" || n.element == "delay") {
        if (!c.mix_bus.compressor.enabled) add("mix_bus");
      } else {
        for (const auto* b : buses_of(c, strips_for(c, n.element)))
          if (!b->compressor.enabled) add("bus:" + b->name);
      }
    }
  }
  return out;
}

std::vector<NoteResult> plan_revision(Console& console, const std::vector<std::string>& notes, const PlanContext& ctx) {
  auto reqs = requests_of(console, notes);
  // A note given twice (the same words, as a repeated --note) is acted on once: twice would
  // double its move.
  const auto same_words = [](std::string_view a, std::string_view b) {
    const auto key = [](std::string_view t) {  // lower case letters and digits, single-spaced, trimmed
      std::string k;
      for (char ch : t) {
        const auto c = static_cast<unsigned char>(ch);
        // "2dB" and "2 dB" are the same words.
        if (!k.empty() && k.back() != ' ' && std::isalpha(c) != 0 && std::isdigit(static_cast<unsigned char>(k.back())) != 0)
          k.push_back(' ');
        // Signs, shares and decimal points are the note's meaning ("+3" is not "-3").
        if (std::isalnum(c) || c == '+' || c == '-' || c == '%' || (c == '.' && !k.empty() && std::isdigit(static_cast<unsigned char>(k.back()))))
          k.push_back(static_cast<char>(std::tolower(c)));
        else if (!k.empty() && k.back() != ' ') k.push_back(' ');
      }
      while (!k.empty() && k.back() == ' ') k.pop_back();
      return k;
    };
    return key(a) == key(b);
  };
  for (auto& q : reqs)
    for (std::size_t k = 0; k < q.note; ++k)
      if (same_words(notes[k], notes[q.note])) {
        q.repeat = true;
        q.r.reply = "The same as note " + std::to_string(k + 1) + ": acted on once.";
        break;
      }
  // Conflicts first: neither side of a contradiction is applied.
  for (std::size_t i = 0; i < reqs.size(); ++i)
    for (std::size_t j = i + 1; j < reqs.size(); ++j) {
      auto& a = reqs[i];
      auto& b = reqs[j];
      if (a.r.kind != NoteKind::mix || b.r.kind != NoteKind::mix || a.repeat || b.repeat) continue;
      if (!opposite(a.r.parsed.fix, b.r.parsed.fix)) continue;
      if (scope_missed(a) || scope_missed(b)) continue;  // not acted on anyway
      std::vector<std::string> common;
      std::set_intersection(a.targets.begin(), a.targets.end(), b.targets.begin(), b.targets.end(),
                            std::back_inserter(common));
      // A note on the whole mix and one on a part do not contradict: the part's note refines
      // the mix's ("brighter overall, but the hi-hat is harsh"; "louder, but the vocal too loud").
      if (common.empty()) continue;
      if (!windows_overlap(a.windows, b.windows)) continue;
      // A part against its group ("the kick is too loud and the drums are too quiet"): the part
      // goes its own way and the group's request acts on the rest of the group, as an engineer
      // reads it.
      if (a.targets.size() != b.targets.size() && common.size() == std::min(a.targets.size(), b.targets.size())) {
        auto& broad = a.targets.size() > b.targets.size() ? a : b;
        const auto& part = a.targets.size() > b.targets.size() ? b : a;
        broad.except.insert(common.begin(), common.end());
        broad.except_words += (broad.except_words.empty() ? "" : ", ") + element_words(part.r.parsed.element);
        continue;
      }
      auto say = [&](Request& x, const Request& y) {
        x.r.conflict = true;
        const std::string other = x.note == y.note ? quote_note(y.r.note) + " in the same note"
                                                   : "note " + std::to_string(y.note + 1) + " (" + quote_note(notes[y.note]) + ")";
        auto words = [](Fix f) {  // "more_controlled" -> "more controlled"
          std::string w(to_string(f));
          std::replace(w.begin(), w.end(), '_', ' ');
          return w;
        };
        x.r.reply = "Not applied: this contradicts " + other + " — " + element_words(x.r.parsed.element) +
                    " cannot be both " + words(x.r.parsed.fix) + " and " + words(y.r.parsed.fix) +
                    " in the same place; which one do you want?";
      };
      say(a, b);
      say(b, a);
    }
  for (auto& q : reqs) {
    auto& r = q.r;
    const auto& n = r.parsed;
    const auto& windows = q.windows;
    if (r.conflict || q.repeat) continue;
    if (r.kind == NoteKind::production) {
      r.reply = "That belongs to production, not the mix: " + n.production_reason +
                ". Nothing was changed; please pass it to the producer or artist" +
                (windows.empty() ? "" : " with the place (" + where(windows, n.scope) + ")") + ".";
      continue;
    }
    if (r.kind == NoteKind::vague && n.vague_topic == "approval") {
      r.reply = "Taken as approval: nothing was changed. The delivery sheet (delivery-sheet.md) lists every master "
                "with its loudness, true peak and checksum.";
      continue;
    }
    if (r.kind == NoteKind::vague && n.vague_topic == "denied") {
      r.reply = "Nothing was changed: the note says what should stay as it is" +
                (n.element.empty() || n.element == "mix" ? std::string() : " (" + element_words(n.element) + ")") +
                ". If something should change, say what and which way, e.g. \"the bass is too quiet in the chorus\".";
      continue;
    }
    if (r.kind == NoteKind::vague && n.vague_topic == "taken_back") {
      r.reply = "Nothing was changed: the note takes back what it asked of " + element_words(n.element) + ".";
      continue;
    }
    if (r.kind == NoteKind::vague) {
      const std::string low = " " + lower_words(n.text) + " ";
      if (std::any_of(kGoBack.begin(), kGoBack.end(), [&](std::string_view w) { return low.find(w) != std::string::npos; })) {
        r.reply = "Nothing was changed: to go back, run `mixdown revise OUT --back N` with the revision to return to "
                  "(`mixdown revise OUT --list` lists them); it makes a new revision equal to that one.";
        continue;
      }
      std::string reply = "Nothing was changed yet: " + quote_note(n.text) + " can mean several things. " + questions_for(n);
      const auto sug = suggestions(ctx, console);
      if (!sug.empty()) {
        reply += " From the measurements: ";
        for (std::size_t k = 0; k < sug.size(); ++k) reply += (k ? "; " : "") + sug[k];
        if (reply.back() != '?') reply += ".";
      }
      r.reply = reply;
      continue;
    }
    if (windows.empty() && !q.past_end.empty() && q.missing.empty()) {
      r.reply = "The song is only " + format_time(console.duration_s) + " long, so there is nothing " +
                past_end_words(q.past_end) + "; nothing was changed — which time did you mean?";
      r.kind = r.parsed.kind = NoteKind::vague;  // a question back: the note cannot be acted on as it stands
      continue;
    }
    if (!q.missing.empty() && windows.empty()) {
      std::string secs;
      for (const auto& s : console.sections)
        secs += (secs.empty() ? "" : ", ") + s.name + " " + format_time(s.start_s) + "–" + format_time(s.end_s);
      r.reply = "This song has no " + q.missing.front() + " (its sections: " + (secs.empty() ? "none found" : secs) +
                "); nothing was changed — which part of the song did you mean?";
      r.kind = r.parsed.kind = NoteKind::vague;
      continue;
    }
    // A time no song has ("99:99", "-0:05") as the only place the note gives: asked, not
    // taken as the whole song (nor as another time, as 99:99 had been 100:39).
    if (!n.bad_time.empty() && n.scope.whole_song()) {
      r.reply = quote_note(n.bad_time) + " is not a time in the song (minutes:seconds, from 0:00, the seconds under 60); "
                "nothing was changed — which time did you mean?";
      r.kind = r.parsed.kind = NoteKind::vague;
      continue;
    }
    auto strips = strips_for(console, n.element);
    const std::size_t before_except = strips.size();
    std::erase_if(strips, [&](const auto* st) { return q.except.count(st->name) > 0; });
    narrow_by_name(strips, n.text, n.element);
    if (before_except > 0 && strips.empty()) {
      r.reply = "Nothing else to change: the note leaves " + q.except_words + " out of it.";
      continue;
    }
    const bool needs_strips = n.element != "mix" && n.element != "reverb" && n.element != "delay";
    if (n.element.rfind("part:", 0) == 0) {
      r.reply = "No stem matches " + quote_note(n.element.substr(5)) + " (stems: " + stem_list(console) +
                "); which one did you mean? Nothing was changed.";
      r.kind = r.parsed.kind = NoteKind::vague;
      continue;
    }
    if (needs_strips && strips.empty()) {
      r.reply = "This session has no " + element_words(n.element).substr(4) + " (stems: " + stem_list(console) +
                "); which stem did you mean? Nothing was changed.";
      if (r.reply.find("no  ") != std::string::npos || n.element.rfind("stem:", 0) == 0)
        r.reply = "No stem matches that note (stems: " + stem_list(console) + "); nothing was changed.";
      r.kind = r.parsed.kind = NoteKind::vague;
      continue;
    }
    Applied a;
    switch (aspect_of(n.fix)) {
      case Aspect::level:
        if (n.fix == Fix::mute || n.fix == Fix::unmute) {
          a = apply_mute(n, strips, windows);
        } else if (n.fix == Fix::fade_out || n.fix == Fix::fade_in) {
          a = apply_fade(console, n, strips, windows);
        } else {
          // Raising a muted part asks to hear it: it is unmuted first, and the reply says so
          // (it had said "Raised ... 1 dB" of a part that stayed silent).
          std::vector<Change> unmuted;
          std::vector<Strip*> was_muted;
          if (n.fix == Fix::up)
            for (auto* s : strips)
              if (s->mute) {
                s->mute = false;
                s->reasons["mute"] = "revision: unmuted to be raised";
                unmuted.push_back({s->name, "mute", 1.0, 0.0, ""});
                was_muted.push_back(s);
              }
          a = apply_level(console, n, strips, windows, ctx);
          if (!unmuted.empty()) {
            a.changes.insert(a.changes.begin(), unmuted.begin(), unmuted.end());
            a.reply = "Unmuted " + who(n.element, was_muted) + " (it was muted). " + a.reply;
          }
        }
        break;
      case Aspect::tone:
        a = n.fix == Fix::saturate || n.fix == Fix::cleaner ? apply_saturation(console, n, strips, windows)
                                                             : apply_tone(console, n, strips, windows);
        break;
      case Aspect::dynamics:
        a = n.fix == Fix::duck   ? apply_duck(console, n, strips, windows, ctx)
            : n.fix == Fix::glue ? apply_glue(console, n, strips, windows, ctx)
                                 : apply_dynamics(console, n, strips, windows);
        break;
      case Aspect::space: a = apply_space(console, n, strips, windows, ctx); break;
      case Aspect::none: a.reply = "Nothing to change."; break;
    }
    r.changes = std::move(a.changes);
    r.reply = std::move(a.reply);
    if (!q.except.empty() && !r.reply.empty() && r.reply.back() == '.')
      r.reply.insert(r.reply.size() - 1, " (but not " + q.except_words + ")");
    // What the note's own words came to (its bars in seconds, the sections it set against each
    // other) goes first: the move's sentence ends the reply, where its measurement is added.
    // (A comparison is said only of rides in its sections: a move made throughout, as an EQ on
    // small speakers, moved no section apart.)
    const bool rides_only = !r.changes.empty() && std::all_of(r.changes.begin(), r.changes.end(), [](const Change& ch) {
      return ch.parameter == "gain_db" && !ch.section.empty();
    });
    r.reply = musical_time_words(n, console) + (rides_only ? comparison_words(n, console) : "") + r.reply;
    if (!q.missing.empty())
      r.reply += " (There is no " + q.missing.front() + " in this song; that part of the note was left out.)";
    if (!n.bad_time.empty())
      r.reply += " (" + quote_note(n.bad_time) + " is not a time in the song; that part of the note was left out.)";
    if (!q.past_end.empty())
      r.reply += " (The song is only " + format_time(console.duration_s) + " long; " + past_end_words(q.past_end) +
                 " was left out.)";
    if (!n.context.empty() && r.changes.size() > 0 && r.reply.find("small speakers") == std::string::npos) {
      static const std::map<std::string, std::string> where_heard = {
          {"small_speakers", "on small speakers"}, {"phone", "on a phone"}, {"laptop", "on a laptop"},
          {"car", "in the car"}, {"headphones", "on headphones"}, {"club", "on a big system"},
          {"mono", "in mono"}, {"studio", "on the monitors"}};
      const auto w = where_heard.find(n.context);
      r.reply.pop_back();
      r.reply += " — check it again " + (w != where_heard.end() ? w->second : n.context) + ".";
    }
    const std::string why = "revision: \"" + notes[q.note] + "\"";
    for (const auto& ch : r.changes) {
      if (auto* s = console.find_strip(ch.stem); s && ch.parameter == "fader_db") s->reasons["fader"] = why;
      // The mix bus's, a bus's and a return's reasons say the revision too (they kept the
      // decision's "1.5:1, 30 ms attack" beside the values a note had changed).
      const std::string key = ch.parameter == "fader_db" ? "fader" : ch.parameter.substr(0, ch.parameter.find('.'));
      if (ch.stem == "mix_bus") console.mix_bus.reasons[key] = why;
      else if (ch.stem.rfind("bus:", 0) == 0) {
        if (auto* b = console.find_bus(ch.stem.substr(4))) b->reasons[key] = why;
      } else if (ch.stem.rfind("return:", 0) == 0) {
        for (auto& rt : console.returns)
          if (rt.name == ch.stem.substr(7)) rt.reasons[key] = why;
      }
    }
  }
  // A vague wish beside a request of the same note that acted ("make the chorus hit harder,
  // drums up 2 dB in the chorus"): the request says how the wish is meant. Its questions (and
  // "Nothing was changed yet") would contradict the change made.
  for (auto& q : reqs) {
    if (q.r.kind != NoteKind::vague || q.r.conflict || q.repeat || q.r.parsed.vague_topic == "taken_back") continue;
    const bool acted = std::any_of(reqs.begin(), reqs.end(), [&](const Request& o) {
      return &o != &q && o.note == q.note && o.r.kind == NoteKind::mix && !o.r.changes.empty();
    });
    if (acted) q.r.reply = quote_note(q.r.parsed.text) + ": taken as the rest of the note asks.";
  }
  // Each note's requests folded back into the note: every change, every reply in order.
  std::vector<NoteResult> results(notes.size());
  for (std::size_t i = 0; i < notes.size(); ++i) {
    results[i].note = notes[i];
    results[i].kind = NoteKind::vague;
  }
  for (auto& q : reqs) {
    auto& out = results[q.note];
    out.requests.push_back(q.r.parsed);
    for (auto& c : q.r.changes) out.changes.push_back(std::move(c));
    out.reply += (out.reply.empty() ? "" : " ") + q.r.reply;
    out.conflict = out.conflict || q.r.conflict;
  }
  for (auto& out : results) {
    auto any = [&](NoteKind k) {
      return std::any_of(out.requests.begin(), out.requests.end(), [&](const ParsedNote& p) { return p.kind == k; });
    };
    out.kind = any(NoteKind::mix) ? NoteKind::mix : any(NoteKind::production) ? NoteKind::production : NoteKind::vague;
    for (const auto& p : out.requests)
      if (p.kind == out.kind) {
        out.parsed = p;
        break;
      }
  }
  return results;
}

}  // namespace mixdown::revise
