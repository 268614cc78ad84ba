// The stems of a session: listing a folder (or a session.toml) and checking every stem in one
// streaming pass (stems in parallel, results in input order, so the outcome is the same for
// any thread count). `mixdown check` prints this; `mixdown mix` runs it first.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/features.hpp"
#include "analysis/roles.hpp"
#include "analysis/stem_analysis.hpp"
#include "analysis/stem_check.hpp"
#include "core/problem.hpp"
#include "core/role.hpp"

namespace mixdown::io {

class StemCache;

struct ListedStem {
  std::filesystem::path path;
  std::string name;                   // file name as shown to the user
  std::optional<Role> session_role;   // given by a session.toml
  double session_confidence = 1.0;
  bool operator==(const ListedStem&) const = default;
};

struct StemListing {
  std::filesystem::path source;       // the folder or the session file
  bool from_session = false;
  std::vector<ListedStem> stems;      // audio files, sorted by name (byte order) for folders
  std::vector<std::string> ignored;   // other files in the folder (not audio), by name
  std::vector<std::string> hidden;    // dot files of the folder, skipped ("._Kick.wav", ".DS_Store")
  // Sub-folders holding audio files, with how many (stems are read from the folder itself, so
  // these are not read, but said); a mixdown output folder inside is not one of them.
  std::vector<std::pair<std::string, int>> subfolders;
};

// A folder: its audio files by extension (not recursive), sorted by file name, hidden files
// skipped and listed in `hidden` (so the skip can be said), other files listed in `ignored`. A .toml file: the strips of the session (paths
// relative to it), in session order. Throws Error(rejected) when STEMS does not exist or is a
// file of another kind.
StemListing list_stems(const std::filesystem::path& stems);

struct StemResult {
  std::string name;
  std::filesystem::path path;
  bool readable = false;
  std::string error;                       // why it is unreadable
  std::int64_t nonfinite_samples = 0;      // NaN or infinite samples, read as silence
  // Isolated absurd samples of a float stem (analysis::spike_ceiling): the level above which
  // they read as silence (0: none), how many did and the highest.
  float spike_ceiling = 0.0f;
  std::int64_t spike_samples = 0;
  float spike_peak = 0.0f;
  analysis::StemFormat format;
  analysis::StemFeatures features;
  analysis::NameInfo name_info;
  std::optional<analysis::ContentRole> content;  // what the sound says (readable, not silent)
  Role role = Role::other;
  std::string role_source = "name";        // name | content | session
  double role_confidence = 0.0;
  bool excluded = false;                   // not mixed: unreadable, silent, only clicks, or not a stem
  std::string excluded_reason;
  bool printed_return = false;             // an effect print: keep it unprocessed
  std::string pair_kind;                   // "stereo" | "double" | "multi_mic" | ""
  std::string pair_with;                   // the other stem's name
  // With CheckOptions::analyse_for_mix: the stem measured for the mix in the same read, at
  // `mix_analysis_rate` and with the channels the renderer reads (1 or 2; more are folded to
  // stereo). Absent where the mix must read it again: another rate, or cut short.
  std::optional<analysis::StemAnalysis> mix_analysis;
  int mix_analysis_rate = 0;
  // A stereo stem whose two channels stayed (nearly) the same through the read is also
  // measured folded to mono, as the mix reads a dual-mono stem (same rate and length as
  // mix_analysis); absent once the channels differ, and then read again if found dual mono.
  std::optional<analysis::StemAnalysis> mix_analysis_folded;
};

struct StemCheckResult {
  std::vector<StemResult> stems;
  std::vector<Problem> problems;           // in stem order
  std::vector<analysis::StemPair> pairs;   // by name
  std::vector<analysis::Relation> relations;  // by sound (duplicate, polarity, correlated)
  std::vector<std::string> ignored;        // non-audio files of the folder
  std::vector<std::string> hidden;         // dot files of the folder, skipped
  int session_rate = 0;
  std::size_t usable() const;              // stems the mix can use
};

// Why an excluded stem is left out of the mix, to follow "is": "unreadable", "silent", "only a
// DC offset, no sound", "a copy of another stem", "a rough mix, not a stem".
std::string excluded_words(const StemResult& s);

using ProgressFn = std::function<void(double fraction)>;

struct CheckOptions {
  // `mix` reads every stem twice otherwise (check, then analysis): measure each stem for the
  // mix in the check's read too, at the rate the probes say the session will be mixed at (the
  // rate most stems share). A stem at another rate is not measured here.
  bool analyse_for_mix = false;
  // With analyse_for_mix: the stems measured for the mix are also kept here, decoded, as far as
  // the cache's budget allows (the render reads them from memory instead of decoding again).
  StemCache* cache = nullptr;
};

StemCheckResult check_stems(const std::vector<std::filesystem::path>& files, int threads);
StemCheckResult check_stems(const StemListing& listing, int threads, const ProgressFn& progress = {},
                            const CheckOptions& options = {});

// The order check_stems starts its reads in: indices by descending cost, equal costs in index
// order (a longest-processing-time-first schedule). read_cost: the relative cost of reading
// and measuring a stem of `frames` frames and `channels` channels.
std::int64_t read_cost(std::int64_t frames, int channels);
std::vector<std::size_t> longest_first(const std::vector<std::int64_t>& cost);

// list_stems + check_stems; throws Error(rejected) with one line when the folder holds no audio
// or when no stem is usable.
StemCheckResult check_stem_source(const std::filesystem::path& stems, int threads,
                                  const ProgressFn& progress = {}, const CheckOptions& options = {});

}  // namespace mixdown::io
