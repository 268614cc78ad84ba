// Mastering and album rendering on files, streaming (after Ardour's two-pass export graph):
//   pass 1  read the mix, analyse it (master::InputAnalyzer)            → decide the chain
//           (skipped when the caller wrote the mix and measured it as it did: AnalysedInput)
//   pass 2  read again (resampled by soxr to the delivery rate), run the chain at unit gain and
//           keep the result as float (in memory up to 256 MB, in a temp file in OUT beyond),
//           measuring its loudness
//   pass 3+ read the temp file: landing gain → true-peak limiter → measure; correct the gain by
//           the secant and repeat until the loudness is on target; the accepted pass writes the
//           delivery file (dithered to 16 bits for cd) and its level-matched preview, and
//           measures what it writes in full (loudness, range, true peak): no read-back pass.
//   lossy   for streaming targets a lossy encode of the hottest passage is decoded and checked
//           for clipping; if it would clip the ceiling is lowered and the landing re-run.
// Memory holds blocks, fixed-size analysis state and at most 256 MB of intermediate, whatever
// the length of the file.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/translation.hpp"
#include "io/translate_file.hpp"
#include "core/problem.hpp"
#include "master/album.hpp"
#include "master/cue.hpp"
#include "master/decide.hpp"
#include "master/input_analysis.hpp"
#include "master/target.hpp"

namespace mixdown::io {

// (Named apart from stem_set.hpp's ProgressFn, which reports a fraction only.)
using StageProgressFn = std::function<void(double fraction, const std::string& stage)>;

// Streams a file through master::InputAnalyzer. Throws Error(rejected) for unreadable files.
master::InputAnalysis analyze_for_master(const std::filesystem::path& file);
// The same, reading and measuring on up to `threads` threads (0 = all cores); the result does
// not depend on the count.
master::InputAnalysis analyze_for_master(const std::filesystem::path& file, int threads);

struct LossyCheck {
  bool done = false;
  std::string codec;              // "mp3"
  double quality = 0.0;           // WriteSpec::lossy_quality used
  double excerpt_start_s = 0.0;   // the hottest passage that was encoded
  double excerpt_s = 0.0;
  double decoded_true_peak_dbtp = 0.0;
  double decoded_sample_peak_dbfs = 0.0;
  double ceiling_lowered_db = 0.0;  // total lowering applied because the decode would clip
  std::string note;
};

struct Measured {
  double integrated_lufs = 0.0, range_lu = 0.0, true_peak_dbtp = 0.0, sample_peak_dbfs = 0.0,
         plr_db = 0.0, short_term_max_lufs = 0.0;
};

struct MasterOutcome {
  master::Target target;
  double target_lufs = 0.0;         // the target's loudness, or the album plan's for this track
  std::filesystem::path file;       // the delivered master
  std::filesystem::path preview;    // empty when no preview was written
  master::MasterChain chain;
  int sample_rate = 0, bit_depth = 0, channels = 0;
  bool noise_shaped = false;       // 16-bit only: the dither's noise was shaped
  double pre_limiter_lufs = 0.0;    // after the chain at unit gain
  double gain_db = 0.0;             // the landing gain into the limiter
  int passes = 0;                   // full limiter passes the landing took
  double limiter_cost_estimate_lu = 0.0;  // the limiter's loudness cost estimated on segments
  double limiter_max_reduction_db = 0.0;
  double limiter_active_share = 0.0;  // share of frames limited by more than 0.1 dB
  double limiter_ceiling_dbtp = 0.0;  // finally used
  // The whole output turned down after the limiter (dB, <= 0): the last resort when the
  // limiter's 4x detector cannot hold a peak under the ceiling (render_master). 0: not used.
  double output_trim_db = 0.0;
  Measured before;                  // the input
  Measured after;                   // the delivered file, read back
  LossyCheck lossy;
  // With MasterRequest::translation, on the first target: the delivered master on every
  // playback system (as io::translate_output measures it, measured only).
  std::optional<analysis::TranslationReport> translation;
  std::vector<Problem> problems;    // e.g. target_not_reached
};

// The blocks master_file reads its input in (its analysis and chain passes).
inline constexpr std::size_t kMasterBlockFrames = 32768;

// The input decoded once, whole, as planar floats: master_file's analysis reads the file into
// it (or a caller that wrote the file gives it, see AnalysedInput), and the master's chain pass
// then runs in place over it, the result becoming that master's float temp. That saves a second
// decode and read of the input and the copy into the temp; the chain sees the same samples in
// the same kMasterBlockFrames blocks as when it reads the file.
struct InputCache {
  std::vector<std::unique_ptr<float[]>> planar;
  std::vector<float*> ptr;
  std::int64_t frames = 0;  // frames held (the whole file once the analysis succeeded)
  AudioView view() { return AudioView(ptr.data(), static_cast<int>(ptr.size()), static_cast<std::size_t>(frames)); }
  // Room for `n` frames of `channels`, left uninitialised: whoever fills it first touches the
  // pages, on its own core.
  void allocate(int channels, std::int64_t n) {
    for (int c = 0; c < channels; ++c) {
      planar.emplace_back(new float[static_cast<std::size_t>(n)]);
      ptr.push_back(planar.back().get());
    }
    frames = n;
  }
};

// A master's input measured by whoever wrote it, as master_file's analysis pass would read it
// (the same samples in the same blocks: bit-identical figures), and its samples when kept
// (cache.frames is then the file's length). The mix measures mix.wav as it renders it (MixTap).
struct AnalysedInput {
  master::InputAnalysis analysis;
  InputCache cache;
};

struct MasterRequest {
  std::vector<master::Target> targets;          // at least one
  std::optional<std::filesystem::path> reference;
  double amount = 1.0;
  bool previews = true;
  bool strict = false;  // refuse (Error(rejected)) when the QC finds an error in the input
  StageProgressFn progress;
  int threads = 0;  // 0 = all cores; passes run as pipelines, outputs identical for any count
  // 16-bit targets (cd): shape the TPDF dither's noise toward high frequencies by error
  // feedback, where the ear is least sensitive (plain TPDF, flat noise, when false).
  bool noise_shaping = false;
  // Measure the first target's master on every playback system (io::TranslationFeed) in the
  // same pass that writes it, into MasterOutcome::translation.
  bool translation = false;
  // With the translation: the lead's reading of the output folder (io::read_lead), when the
  // caller reads it beside the master; called once the master is written, it may block until
  // the reading is done. Empty: read after the master.
  std::function<const LeadReading&()> lead;
  // The input already analysed (no reference only): master_file takes its analysis, and its
  // samples when one target at the input's rate runs over them, instead of reading the file.
  AnalysedInput* analysed = nullptr;
};

struct MasterResult {
  std::filesystem::path input;
  master::InputAnalysis analysis;
  std::optional<std::filesystem::path> reference;
  std::optional<master::InputAnalysis> reference_analysis;
  std::string layout;               // how the channels were treated, in words
  std::vector<Problem> problems;    // QC of the input
  std::vector<MasterOutcome> masters;
  std::filesystem::path input_preview;
  double preview_lufs = 0.0;
};

// Masters `input` to every requested target under out_dir (masters/NAME.wav, previews/).
// Throws Error(rejected) for silence ("nothing to master"), unsupported layouts, vinyl on
// surround and, with `strict`, QC errors (before anything is rendered); Error(usage) for an
// empty target list.
MasterResult master_file(const std::filesystem::path& input, const std::filesystem::path& out_dir,
                         const MasterRequest& request);

// The first master of `result` that missed its target loudness or passed its ceiling (an
// error in its problems), and that problem; {nullptr, nullptr} when every one landed. Such a
// master is not delivered: a master lands within ±0.5 LU and never above its ceiling.
struct MissedTarget {
  const MasterOutcome* master = nullptr;
  const Problem* problem = nullptr;
};
MissedTarget missed_target(const MasterResult& result);
// The first error among a master's problems (it missed its loudness or ceiling), or null.
const Problem* first_error(const MasterOutcome& m);
// Removes every master and preview `result` wrote under out_dir (and masters/, previews/ when
// that leaves them empty).
void remove_master_outputs(const MasterResult& result, const std::filesystem::path& out_dir);
// One master's file and preview (one that missed its target, not delivered).
void remove_master_files(const MasterOutcome& m);
// The masters that missed their target (an error among their problems) taken out of `result`,
// their files removed, each said in the returned problems (not_mastered, "no NAME master: …");
// the masters that landed stay. Call with at least one landed, else nothing is left to deliver.
std::vector<Problem> leave_out_missed(MasterResult& result);
// After a delivered run into out_dir: the masters and previews an earlier run left there for
// targets this run did not make (masters/cd.wav beside a report that lists only apple), never
// one of `inputs`. Returns what was removed.
std::vector<std::filesystem::path> remove_other_targets_outputs(const MasterResult& result, const std::filesystem::path& out_dir,
                                                                const std::vector<std::filesystem::path>& inputs);

// album.toml: title, performer, gap_s and [[track]] tables (file, title, performer, isrc,
// gap_s, crossfade_s). Relative files resolve against the toml's folder. Throws
// Error(rejected) "FILE:LINE: problem" for syntax errors, unknown keys and bad values.
master::AlbumSpec load_album(const std::filesystem::path& toml_file);

struct AlbumTrackOutcome {
  std::string title;
  std::string performer;  // the track's, else the album's
  std::string isrc;
  double input_lufs = 0.0;
  double start_s = 0.0;  // in the album file
  double length_s = 0.0;  // of its file: its slice of the album, to where the next track starts
  std::int64_t start_samples = 0, length_samples = 0;  // the same, exactly, in sample frames
  MasterOutcome master;
};

struct AlbumResult {
  master::Target target;
  std::vector<AlbumTrackOutcome> tracks;
  std::filesystem::path album_file;
  std::filesystem::path cue_file;   // cd only
  std::optional<master::CueSheet> cue;
  Measured album;                   // the continuous file, read back
  std::vector<Problem> problems;
};

// Masters every track (loudest at the target, the rest in their relation), writes
// tracks/NN-name.wav, album.wav (gaps or crossfades) and, for cd, album.cue. Red Book
// violations throw Error(rejected) before anything is rendered.
AlbumResult master_album(const master::AlbumSpec& album, const std::filesystem::path& out_dir,
                         const master::Target& target, const StageProgressFn& progress = {});
// The name of track `index` (0-based) of `count` in tracks/: "01-Title.wav", zero-padded so
// the names sort in running order; the title made safe for a file name.
std::string album_track_file_name(std::size_t index, std::size_t count, const std::string& title);

// After a delivered album into out_dir: what an earlier album left there that this one did not
// write (track files in tracks/, a cue sheet for another disc), as remove_other_targets_outputs
// does for masters. Returns what was removed, in order.
std::vector<std::filesystem::path> remove_other_album_outputs(const AlbumResult& result, const std::filesystem::path& out_dir);

}  // namespace mixdown::io
