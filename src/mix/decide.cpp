// The automatic mix's decisions (first cut: routing and unity settings; the full decisions
// follow in the helpers beside this file).
#include "mix/decide.hpp"

#include "analysis/song_analysis.hpp"
#include "core/error.hpp"

namespace mixdown::mix {

Console decide(const std::vector<StemInput>& stems, const analysis::SongAnalysis& song,
               const Brief& brief, int sample_rate) {
  std::vector<const analysis::StemAnalysis*> an;
  std::vector<Role> roles;
  std::vector<std::string> names;
  for (const auto& s : stems) {
    an.push_back(&s.analysis);
    roles.push_back(s.role);
    names.push_back(s.name);
  }
  const auto focus = analysis::choose_focus(an, roles, names, brief.focus);
  Console c;
  c.sample_rate = sample_rate;
  c.tempo_bpm = song.tempo_bpm;
  c.duration_s = song.duration_s;
  c.brief = brief;
  if (focus.index >= 0) c.focus = stems[static_cast<std::size_t>(focus.index)].name;
  for (const auto& sec : song.sections) c.sections.push_back({sec.name, sec.start_s, sec.end_s});
  for (const auto& s : stems) {
    Strip st;
    st.name = s.name;
    st.file = s.file;
    st.role = s.role;
    st.role_source = s.role_source;
    st.role_confidence = s.role_confidence;
    st.printed_fx = s.printed_fx;
    st.bus = std::string(bus_of(s.role));
    st.polarity_invert = s.polarity_flipped;
    st.reasons["fader"] = "unity (first cut)";
    c.strips.push_back(std::move(st));
  }
  for (const char* b : {"drums", "bass", "music", "vocals"}) c.buses.push_back(Bus{b, {}, {}, 0.0, {}});
  return c;
}

}  // namespace mixdown::mix
