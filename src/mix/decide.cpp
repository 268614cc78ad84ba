// The automatic mix's decisions, in the order an engineer works: routing and gain staging,
// clean-up, dynamics, a first balance, panning, unmasking against that balance, the balance
// again on the processed parts (in context), space, automation, and finally the bus glue
// (which needs the final levels). Each step is its own file beside this one.
#include "mix/decide.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "analysis/song_analysis.hpp"
#include "core/error.hpp"
#include "mix/automation.hpp"
#include "mix/balance.hpp"
#include "mix/buses.hpp"
#include "mix/cleanup.hpp"
#include "mix/dynamics.hpp"
#include "mix/gain_staging.hpp"
#include "mix/panning.hpp"
#include "mix/reason.hpp"
#include "mix/role_targets.hpp"
#include "mix/space.hpp"
#include "mix/unmasking.hpp"

namespace mixdown::mix {

Console decide(const std::vector<StemInput>& stems, const analysis::SongAnalysis& song,
               const Brief& brief, int sample_rate, int threads) {
  std::vector<const analysis::StemAnalysis*> an;
  std::vector<Role> roles;
  std::vector<std::string> names;
  for (const auto& s : stems) {
    an.push_back(&s.analysis);
    roles.push_back(s.role);
    names.push_back(s.name);
  }
  const auto fc = analysis::choose_focus(an, roles, names, brief.focus);  // throws Error(usage)
  const int focus = fc.index;

  Console c;
  c.sample_rate = sample_rate;
  c.tempo_bpm = song.tempo_bpm;
  c.duration_s = song.duration_s;
  c.brief = brief;
  if (focus >= 0) c.focus = stems[static_cast<std::size_t>(focus)].name;
  for (const auto& sec : song.sections) c.sections.push_back({sec.name, sec.start_s, sec.end_s});

  for (std::size_t i = 0; i < stems.size(); ++i) {
    const auto& s = stems[i];
    Strip st;
    st.name = s.name;
    st.file = s.file;
    st.role = s.role;
    st.role_source = s.role_source;
    st.role_confidence = s.role_confidence;
    st.printed_fx = s.printed_fx;
    st.bus = s.printed_fx ? "fx" : std::string(bus_of(s.role));
    st.reasons["bus"] = s.printed_fx ? "a printed effect: straight to the fx bus, not re-processed"
                                     : std::string(to_string(s.role)) + " goes to the " + st.bus + " bus";
    st.polarity_invert = s.polarity_flipped;
    if (s.polarity_flipped)
      st.reasons["polarity_invert"] = "opposite in polarity to " + s.pair_with + ": inverted so they add";
    if (s.advance_s > 0.0) {
      st.advance_ms = std::round(s.advance_s * 1e5) / 100.0;
      st.reasons["advance_ms"] = fmt::format("the same source as {}, {:.2f} ms later: moved {:.2f} ms earlier so "
                                             "the two add instead of comb-filtering",
                                             s.aligned_to, st.advance_ms, st.advance_ms);
    }
    if (static_cast<int>(i) == focus) st.reasons["focus"] = fc.reason;
    stage_gain(st, s.analysis);
    if (!s.printed_fx) {
      clean_up(st, s, brief, sample_rate);
      set_dynamics(st, s, song, brief, static_cast<int>(i) == focus);
    }
    c.strips.push_back(std::move(st));
  }

  // A first balance gives the levels unmasking and panning reason about.
  balance_levels(c, stems, focus, brief, sample_rate, threads);
  std::vector<double> levels;
  for (const auto& st : c.strips) levels.push_back(st.fader_db);
  for (std::size_t i = 0; i < stems.size(); ++i)
    levels[i] += stems[i].analysis.active_lufs + c.strips[i].trim_db;
  place_pans(c, stems, focus, levels, brief);
  const auto mask = unmask(c, stems, focus, sample_rate);
  // The cuts took loudness from the maskers: balance again on the processed parts.
  balance_levels(c, stems, focus, brief, sample_rate, threads);
  if (focus >= 0 && !mask.core_bands.empty()) {
    double worst_b = 60, worst_a = 60;
    for (std::size_t b : mask.core_bands) {
      worst_b = std::min(worst_b, mask.focus_smr_before[b]);
      worst_a = std::min(worst_a, mask.focus_smr_after[b]);
    }
    c.strips[static_cast<std::size_t>(focus)].reasons["unmasking"] =
        std::to_string(mask.cuts) + " cuts on the parts that mask it; its weakest band led the rest by " +
        db1(worst_b, true) + " dB before and " + db1(worst_a, true) + " dB after";
  }
  set_space(c, stems, focus, song, brief);
  automate(c, stems, focus, song, brief, sample_rate);
  set_buses(c, stems, song, brief, sample_rate);
  return c;
}

}  // namespace mixdown::mix
