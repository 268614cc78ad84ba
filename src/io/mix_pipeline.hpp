// One `mixdown mix`: the passes of DESIGN.md, from stems on disk to the output folder.
//   check + stem analysis (stream 1: one read per stem; a stem at another rate than the
//   session's, or dual mono, is read once more for its analysis) → song analysis → decide → session.toml
//   → render (streams 3 and 4: true-peak measurement, then the writes) → masters → report
// A session.toml that `mix` wrote ([session] decided = true) skips the analysis and the
// decisions: it is rendered as it stands, so a hand edit is applied and an unedited session
// re-renders bit-identically.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/analyzer.hpp"
#include "analysis/song_analysis.hpp"
#include "analysis/stem_analysis.hpp"
#include "io/master_io.hpp"
#include "io/render_mix.hpp"
#include "io/stem_set.hpp"
#include "mix/console.hpp"

namespace mixdown::io {

struct MixRequest {
  std::filesystem::path stems;           // a folder or a session.toml
  std::filesystem::path out;
  std::vector<std::string> brief_pairs;  // --brief KEY=VALUE
  std::vector<std::string> targets;      // --target; empty: the session's, else streaming
  bool master = true;                    // false with --no-master
  int threads = 0;
  std::function<void(double, const std::string&)> progress;
};

struct MixOutcome {
  mix::Console console;
  bool re_rendered = false;              // a decided session rendered as it stands
  std::optional<StemCheckResult> check;  // when the stems were checked
  std::vector<analysis::StemAnalysis> stem_analyses;  // in console strip order
  analysis::SongAnalysis song;
  RenderMixResult render;
  analysis::AnalysisReport mix_analysis;
  std::optional<MasterResult> master;
  std::vector<Problem> problems;         // intake problems and render guards
};

MixOutcome run_mix(const MixRequest& request);

// A mix written into a folder that holds an earlier run's outputs replaces them, so OUT never
// mixes two songs' deliverables. Removed: the WAVs in masters/, previews/, versions/ and
// versions/stems/ that this run did not write (`o`'s files: a target, a preview or a stem the
// new run has not), and the revisions (rev-N folders) with the delivery sheet unless one of them
// descends from this same mix (a revision's session equals the new one but for its targets), or
// the run's stems or session lie inside OUT. In masters/ and previews/ only the names mixdown
// gives are removed, and nothing at all unless `earlier_run` (OUT held a session.toml or a
// report.json before this run: a folder mixdown never wrote into is the user's). Nothing else in
// OUT is touched, nor any of the run's inputs. Returns what was removed, relative to OUT.
std::vector<std::string> remove_earlier_outputs(const std::filesystem::path& out, const MixOutcome& o,
                                                const std::filesystem::path& stems, bool earlier_run);

}  // namespace mixdown::io
