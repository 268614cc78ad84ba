// The automatic mix: pure functions from analyses to console settings, each with a reason.
// No audio here: everything arrives as measurements (analysis::StemAnalysis per stem and one
// analysis::SongAnalysis), so the decisions are deterministic and unit-tested on tables.
#pragma once

#include <string>
#include <vector>

#include "analysis/stem_analysis.hpp"
#include "core/role.hpp"
#include "mix/brief.hpp"
#include "mix/console.hpp"

namespace mixdown::mix {

// One stem as the decision layer sees it.
struct StemInput {
  std::string name;            // file name, unique
  std::string file;            // path (carried into the console)
  Role role = Role::other;
  std::string role_source = "name";
  double role_confidence = 1.0;
  bool printed_fx = false;     // an effect print / aux return: balance only
  std::string pair_kind;       // "stereo" | "double" | "multi_mic" | ""
  std::string pair_with;       // the other stem of the pair
  bool polarity_flipped = false;  // check found it opposite to its pair: invert it
  double advance_s = 0.0;         // check found it later than another mic on its source: move it
  std::string aligned_to;         // that mic's stem
  analysis::StemAnalysis analysis;  // measured at the session rate, unity gain
};

// Decides the whole console. Throws Error(usage) when brief.focus names no stem and no role
// present in the session.
// `threads` (0: all cores) spreads the heaviest steps; the console does not depend on it.
Console decide(const std::vector<StemInput>& stems, const analysis::SongAnalysis& song,
               const Brief& brief, int sample_rate, int threads = 1);

}  // namespace mixdown::mix
