#include "io/mix_pipeline.hpp"
#include "io/budget.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <cmath>
#include <exception>
#include <future>
#include <thread>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parallel.hpp"
#include "io/analyze_file.hpp"
#include "io/file_source.hpp"
#include "io/integrity.hpp"
#include "io/mix_tap.hpp"
#include "io/revise_io.hpp"
#include "io/session.hpp"
#include "io/stem_cache.hpp"
#include "io/translate_file.hpp"
#include "master/target.hpp"
#include "mix/decide.hpp"

namespace fs = std::filesystem;

namespace mixdown::io {
namespace {

bool is_session_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".toml";
}

// The output folder must not be, or hold, any input.
void refuse_overwriting_inputs(const fs::path& stems, const fs::path& out) {
  std::error_code ec;
  const fs::path out_abs = fs::weakly_canonical(out, ec);
  const fs::path in_dir = fs::weakly_canonical(is_session_file(stems) ? stems.parent_path() : stems, ec);
  if (!in_dir.empty() && out_abs == in_dir)
    throw usage_error(out.string(), "-o points at the input folder; choose another folder so no input is overwritten");
}

analysis::StemAnalysis analyze_stem(const std::string& file, int rate, bool fold, const StemCache& cache, float spike_ceiling,
                                    bool invert_right) {
  const auto src = open_stem_source(file, rate, fold, &cache, spike_ceiling, invert_right);
  analysis::StemAnalyzer an(rate, src->channels());
  AudioBuffer block(src->channels(), 1 << 15);
  for (std::int64_t pos = 0; pos < src->frames(); pos += static_cast<std::int64_t>(block.num_frames())) {
    const auto n = static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(block.num_frames()), src->frames() - pos));
    src->read(block.view(n));
    an.add(block.view(n));
  }
  return an.finish();
}

// A stereo file with one channel inverted is mixed with its right channel inverted back.
bool inverts_right(const analysis::StemFeatures& f) { return f.out_of_phase && f.channels == 2; }

// The folders a mix writes into.
std::vector<fs::path> output_folders(const fs::path& out) {
  return {out, out / "versions", out / "versions" / "stems", out / "masters", out / "previews"};
}

// The stems' files may run on in silence after the music; the mix keeps this much after the
// last sound of any stem (a part's own fade below the sound floor, kSoundFloorDbfs), and trims
// only when that saves at least kLeastTrimS (a second of silence at the end is no defect).
constexpr double kKeepAfterSoundS = 3.0;
constexpr double kLeastTrimS = 1.0;

std::vector<master::Target> resolve_targets(const std::vector<std::string>& names) {
  std::vector<master::Target> out;
  for (const auto& n : names) {
    auto t = master::find_target(n);
    if (!t) throw usage_error("--target " + n, "unknown target (allowed: " + master::target_names() + ")");
    out.push_back(*t);
  }
  return out;
}

}  // namespace

MixOutcome run_mix(const MixRequest& req) {
  const auto progress = [&](double f, const std::string& stage) {
    if (req.progress) req.progress(f, stage);
  };
  refuse_overwriting_inputs(req.stems, req.out);
  check_stem_budget(req.stems);  // refused up front (issue 9), before any decoding
  mix::Brief brief;
  {
    // A key given twice with two values is a slip: which one was meant is not for mixdown to guess.
    std::map<std::string, std::string> given;
    for (const auto& p : req.brief_pairs) {
      mix::apply_brief_pair(brief, p);
      const auto eq = p.find('=');
      const std::string key = p.substr(0, eq), value = eq == std::string::npos ? "" : p.substr(eq + 1);
      if (const auto it = given.find(key); it != given.end() && it->second != value)
        throw usage_error("--brief " + p, key + " is already " + it->second + " in this command: give it once");
      given[key] = value;
    }
  }
  // Validate target names before any work (usage errors, exit 2).
  if (!req.targets.empty()) resolve_targets(req.targets);

  // The stems the check decodes, kept for the render (within a memory budget).
  StemCache cache(stem_cache_budget());
  MixOutcome o;
  std::optional<mix::Console> session;
  if (is_session_file(req.stems)) {
    session = load_session(req.stems);
    for (const auto& s : session->strips)
      if (!fs::exists(s.file)) throw rejected(req.stems.string(), "names a stem that does not exist: " + s.file);
    // A session's stems may lie anywhere, a decided one's too (an earlier run's versions/stems):
    // none may lie in a folder this run writes into.
    std::vector<fs::path> files;
    for (const auto& s : session->strips) files.emplace_back(s.file);
    refuse_inputs_in(output_folders(req.out), files);
  }

  if (session && session->decided) {
    o.console = *session;
    o.re_rendered = true;
    if (!req.brief_pairs.empty())
      throw usage_error("--brief", "a decided session.toml is rendered as it stands; edit its values instead of passing --brief");
    // A stem exported again since the session was decided is rendered as it is now, with the
    // settings decided for the earlier file: said, not kept quiet.
    for (const auto& st : o.console.strips)
      if (!st.fingerprint.empty() && file_fingerprint(st.file) != st.fingerprint)
        o.problems.push_back(Problem{"stem_changed", Severity::warning,
                                     st.name + " has changed since this session was decided (" + st.file +
                                         "): it is rendered as it is now, with the settings decided for the earlier file",
                                     "mix the stems folder again to decide for the new file", {}, st.name, {}});
  } else {
    progress(0.0, "checking stems");
    // The check's read also measures the stems for the mix (one decode per stem, not two).
    CheckOptions copt;
    copt.analyse_for_mix = true;
    copt.cache = &cache;
    o.check = check_stem_source(req.stems, req.threads, [&](double f) { progress(0.10 * f, "checking stems"); }, copt);
    auto& check = *o.check;
    {
      // The stems' files, which a run writing versions/stems/NAME.wav (and the rest) must not
      // overwrite: none may lie in a folder the mix writes into.
      std::vector<fs::path> inputs;
      for (const auto& s : check.stems) inputs.push_back(s.path);
      refuse_inputs_in(output_folders(req.out), inputs);
    }
    o.problems = check.problems;
    if (session) {
      // A session naming stems with a brief: its brief applies, --brief overrides.
      mix::Brief merged = session->brief;
      for (const auto& p : req.brief_pairs) mix::apply_brief_pair(merged, p);
      brief = merged;
    }
    const int rate = check.session_rate > 0 ? check.session_rate : 48000;
    std::vector<StemResult*> usable;
    for (auto& s : check.stems)
      if (!s.excluded) usable.push_back(&s);
    if (usable.empty()) throw rejected(req.stems.string(), "no usable stem to mix (all unreadable, silent or not stems)");

    std::vector<mix::StemInput> inputs(usable.size());
    progress(0.10, "analysing stems");
    parallel_for(usable.size(), req.threads, [&](std::size_t i) {
      StemResult& s = *usable[i];
      mix::StemInput& in = inputs[i];
      in.name = s.name;
      in.file = fs::absolute(s.path).lexically_normal().string();
      in.role = s.role;
      in.role_source = s.role_source;
      in.role_confidence = s.role_confidence;
      in.printed_fx = s.printed_return;
      in.pair_kind = s.pair_kind;
      in.pair_with = s.pair_with;
      // Measured in the check's read when it ran at this rate with these channels (a dual-mono
      // stem is mixed folded to mono, which the check could not know until its end: it measured
      // such a stem folded too while its channels stayed alike, and else it is read again).
      // A stem with one channel inverted is measured as it is mixed: inverted back (the check
      // read it as it is in the file).
      const bool mono = analysis::mixed_as_mono(s.features);
      const bool invert_right = inverts_right(s.features);
      if (s.mix_analysis && s.mix_analysis_rate == rate && !mono && !invert_right)
        in.analysis = std::move(*s.mix_analysis);
      else if (s.mix_analysis_folded && s.mix_analysis_rate == rate && s.features.dual_mono)
        in.analysis = std::move(*s.mix_analysis_folded);
      else
        in.analysis = analyze_stem(in.file, rate, mono, cache, s.spike_ceiling, invert_right);
      s.mix_analysis.reset();
      s.mix_analysis_folded.reset();
    });
    // A pair strongly correlated with opposite polarity (snare top/bottom, kick in/out): the
    // second of the pair is inverted so the two reinforce instead of cancelling.
    for (const auto& rel : check.relations)
      if (rel.kind == "polarity" && rel.b < check.stems.size())
        for (auto& in : inputs)
          if (in.name == check.stems[rel.b].name) in.polarity_flipped = true;
    // Two mics on one source a little apart in time: the later one is moved into line.
    for (const auto& al : analysis::alignments(check.relations, rate))
      if (al.stem < check.stems.size() && al.to < check.stems.size())
        for (auto& in : inputs)
          if (in.name == check.stems[al.stem].name) {
            in.advance_s = al.advance_s;
            in.aligned_to = check.stems[al.to].name;
          }

    std::vector<const analysis::StemAnalysis*> ptrs;
    std::vector<Role> roles;
    double duration = 0, sound_end = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      ptrs.push_back(&inputs[i].analysis);
      roles.push_back(inputs[i].role);
      duration = std::max(duration, static_cast<double>(inputs[i].analysis.frames) / rate);
      sound_end = std::max(sound_end, usable[i]->features.sound_end_s);
    }
    // Files that run on in silence after the music (one stem's export end marker left minutes
    // out): the mix ends after the last sound of every stem, plus kKeepAfterSoundS (a stem's
    // own fade under the sound floor; the effect tails follow in the render), instead of
    // delivering the silence. Only the end moves: every stem still starts at time 0.
    std::optional<double> stems_end;
    const double files_end = duration;
    if (sound_end + kKeepAfterSoundS + kLeastTrimS < duration) {
      stems_end = sound_end + kKeepAfterSoundS;
      duration = *stems_end;
    }
    o.song = analysis::analyze_song(ptrs, roles, duration);
    progress(0.20, "deciding the mix");
    try {
      o.console = mix::decide(inputs, o.song, brief, rate, req.threads);
    } catch (const Error& e) {
      // A focus the session.toml's [brief] names (no --brief focus= over it) is the session
      // file's mistake: refused as its other bad values are, naming it.
      const bool cli_focus = std::any_of(req.brief_pairs.begin(), req.brief_pairs.end(),
                                         [](const std::string& p) { return p.rfind("focus=", 0) == 0; });
      // A stem that is there but left out (a copy, silent, unreadable, not a stem) is said so:
      // "names no stem" told the user their spelling was wrong.
      if (e.code() == ExitCode::usage && !brief.focus.empty())
        for (const auto& st : check.stems)
          if (st.excluded && (st.name == brief.focus || fs::path(st.name).stem().string() == brief.focus)) {
            const std::string why =
                "names " + st.name + ", which is left out of the mix (" + excluded_words(st) + "); name a stem that is mixed";
            if (session && !cli_focus) throw rejected(req.stems.string(), "[brief] focus = '" + brief.focus + "' " + why);
            throw usage_error("--brief focus=" + brief.focus, why);
          }
      if (session && !cli_focus && e.code() == ExitCode::usage && !brief.focus.empty())
        throw rejected(req.stems.string(), "[brief] focus = '" + brief.focus + "' names no stem and no role present in the session");
      throw;
    }
    for (std::size_t i = 0; i < usable.size(); ++i)
      if (auto* st = o.console.find_strip(usable[i]->name)) {
        st->fold_to_mono = analysis::mixed_as_mono(usable[i]->features);
        if (inverts_right(usable[i]->features)) {
          st->invert_right = true;
          st->reasons["invert_right"] = fmt::format(
              "its channels are opposite in polarity (correlation {:.2f}): the right one is inverted back so the part "
              "survives in mono{}",
              usable[i]->features.lr_correlation, st->fold_to_mono ? ", and the two, then identical, are mixed as one mono part" : "");
        }
        if (const float c = usable[i]->spike_ceiling; c > 0.0f) {
          st->spike_ceiling_dbfs = 20.0 * std::log10(double(c));
          st->reasons["spike_ceiling_dbfs"] =
              fmt::format("{}: samples above {:+.1f} dBFS read as silence",
                          analysis::spike_words(usable[i]->spike_samples, usable[i]->spike_peak), *st->spike_ceiling_dbfs);
        }
      }
    if (stems_end) {
      o.console.stems_end_s = stems_end;
      o.console.mix_bus.reasons["stems_end_s"] =
          fmt::format("the stems hold only silence after {} (the last sound of any stem): the mix ends {:.0f} s after it, "
                      "with the effect tails, instead of {:.0f} s later where the longest file ends",
                      analysis::format_clock(sound_end), kKeepAfterSoundS, files_end - sound_end);
    }
    if (session && !session->targets.empty()) o.console.targets = session->targets;
    for (const auto& st : check.stems)
      if (st.excluded) o.console.left_out.push_back(st.name);
    o.console.decided = true;
    for (auto& st : o.console.strips) st.fingerprint = file_fingerprint(st.file);
    for (auto& in : inputs) o.stem_analyses.push_back(std::move(in.analysis));
  }
  if (!req.targets.empty()) o.console.targets = req.targets;
  // Targets a session.toml names are checked before anything is rendered, naming the file.
  if (session && req.targets.empty())
    for (const auto& t : o.console.targets)
      if (!master::find_target(t))
        throw rejected(req.stems.string(), "targets: unknown target \"" + t + "\" (allowed: " + master::target_names() + ")");

  create_output_dir(req.out);
  sweep_stale_partials(req.out);  // what a killed earlier run left behind
  retire_reports(req.out);
  // Render the console exactly as session.toml stores it (values rounded for people), so that
  // `mixdown mix OUT/session.toml` re-renders bit-identically.
  const fs::path session_path = req.out / "session.toml";
  o.console = session_from_toml(session_to_toml(o.console, req.out), session_path);

  RenderMixOptions ropt;
  ropt.threads = req.threads;
  ropt.progress = [&](double f) { progress(0.25 + 0.5 * f, "rendering"); };
  ropt.cache = &cache;
  // The versions and printed stems the device has not taken yet are written on while the mix
  // is analysed and mastered, and put in place after.
  ropt.defer_commit = true;
  // mix.wav is analysed, for the report and for the master, as it is written.
  MixTap tap(req.threads);
  ropt.tap = &tap;
  o.render = render_mix(o.console, req.out, ropt);
  // The gain the mix landed with, kept by a re-render or a revision of this session.
  o.console.mix_bus.output_gain_db = o.render.output_gain_db;
  o.console.mix_bus.reasons["output_gain_db"] =
      fmt::format("the gain this mix was landed with (true peak {:.1f} dBTP); a re-render or a revision keeps it while "
                  "the true peak stays between -6 and -3 dBTP, so the parts a revision does not touch keep their level",
                  o.render.mix_true_peak_dbtp);
  // Written once the mix it describes is: a run stopped during the render leaves no session.toml
  // that would pass for a finished mix.
  write_text_atomic(session_path, session_to_toml(o.console, req.out));
  cache.clear();  // the master reads mix.wav
  if (o.render.nonfinite_fixed > 0)
    o.problems.push_back({"nonfinite", Severity::warning,
                          std::to_string(o.render.nonfinite_fixed) + " non-finite samples produced by processing were replaced by silence",
                          "report this session: a processor became unstable", {}, {}, {}});

  progress(0.75, "analysing the mix");
  const fs::path mix_path = req.out / "mix.wav";
  // Measured during the render (nullopt when the mix was too long to keep: read back here).
  std::optional<MixTap::Result> tapped = tap.finish(mix_path);
  // The translation's lead balance reads versions/acapella.wav and instrumental.wav whole (0.4 s
  // on one core for a 4-minute song): with more than one thread it is read on the analysis's
  // thread, after the analysis, while the master runs.
  std::promise<LeadReading> lead_promise;
  std::shared_future<LeadReading> lead_read;
  const auto master = [&] {
    MasterRequest mreq;
    mreq.targets = resolve_targets(o.console.targets);
    mreq.progress = [&](double f, const std::string& stage) { progress(0.80 + 0.2 * f, stage); };
    mreq.threads = req.threads;
    // The first master is played on every system in the pass that writes it, instead of being
    // read back from disk afterwards for the report's translation (about 1 s of CPU on a
    // 16-stem, 4-minute song).
    mreq.translation = true;
    if (lead_read.valid()) mreq.lead = [&]() -> const LeadReading& { return lead_read.get(); };
    if (tapped) mreq.analysed = &tapped->input;
    o.master = master_file(mix_path, req.out, mreq);
  };
  // The mix's analysis (the tap's, else a read of mix.wav) and the master each on its own: with
  // more than one thread side by side (the analysis, then the lead's reading, on a thread of its
  // own). An analysis error still comes first, and with one thread the master does not start
  // after one.
  std::exception_ptr analysis_error, master_error;
  const auto analyse = [&] {
    try {
      o.mix_analysis = tapped ? std::move(tapped->report) : analyze_file(mix_path);
    } catch (...) {
      analysis_error = std::current_exception();
    }
  };
  const bool side_by_side = req.master && req.threads != 1;
  std::thread analysing;
  if (side_by_side) {
    lead_read = lead_promise.get_future().share();
    analysing = std::thread([&] {
      analyse();
      try {
        lead_promise.set_value(read_lead(req.out));
      } catch (...) {
        lead_promise.set_exception(std::current_exception());
      }
    });
  } else {
    analyse();
  }
  // A mix that cannot be mastered (too short to measure, or too sparse to reach a target's
  // loudness under its ceiling: one drum alone) is still a mix: it is delivered without
  // masters, and the report says why. A master that missed its loudness or ceiling is not
  // delivered (a master lands within ±0.5 LU and never above its ceiling).
  std::optional<Problem> no_master;
  if (req.master && (side_by_side || !analysis_error)) {
    try {
      master();
    } catch (const Error& e) {
      if (e.code() != ExitCode::rejected) master_error = std::current_exception();
      else {
        std::string why = e.what();
        if (why.rfind(e.file() + ": ", 0) == 0) why = why.substr(e.file().size() + 2);
        no_master = Problem{"not_mastered", Severity::error, "no master: " + why, "", {}, {}, {}};
      }
    } catch (...) {
      master_error = std::current_exception();
    }
  }
  if (analysing.joinable()) analysing.join();
  if (analysis_error) std::rethrow_exception(analysis_error);
  if (master_error) std::rethrow_exception(master_error);
  commit_pending(o.render);
  // Each master that missed its loudness or ceiling is left out on its own: the targets the mix
  // reaches are delivered (a drum loop misses streaming's -14 LUFS and lands broadcast's -23;
  // both had gone), and each one left out is said.
  if (o.master && !no_master) {
    auto said = leave_out_missed(*o.master);
    if (o.master->masters.empty() && !said.empty()) {
      no_master = std::move(said.back());
      said.pop_back();
    }
    o.problems.insert(o.problems.end(), said.begin(), said.end());
  }
  if (no_master) {
    if (o.master) remove_master_outputs(*o.master, req.out);
    o.master.reset();
    o.problems.push_back(*no_master);
  }
  progress(1.0, "done");
  return o;
}

std::vector<std::string> remove_earlier_outputs(const fs::path& out, const MixOutcome& o, const fs::path& stems,
                                                bool earlier_run) {
  std::vector<std::string> removed;
  // A folder mixdown never wrote into is the user's: their own "masters/Song_FINAL_v7.wav" is
  // not an earlier run's output.
  if (!earlier_run) return removed;
  std::error_code ec;
  auto key = [&](const fs::path& p) { return fs::weakly_canonical(p, ec).string(); };
  // What this run wrote, and what it read: never removed.
  std::set<std::string> keep;
  for (const auto& f : o.render.files) keep.insert(key(f.path));
  if (o.master) {
    keep.insert(key(o.master->input_preview));
    for (const auto& m : o.master->masters) {
      keep.insert(key(m.file));
      if (!m.preview.empty()) keep.insert(key(m.preview));
    }
  }
  for (const auto& s : o.console.strips) keep.insert(key(s.file));
  // In masters/ and previews/ only the names mixdown gives (a target's, the input's); the
  // versions/ folders hold the earlier mix's buses, versions and stems.
  auto ours = [](const std::string& sub, const fs::path& f) {
    if (sub != "masters" && sub != "previews") return true;
    const std::string stem = f.stem().string();
    if (sub == "previews" && (stem == "input" || stem == "mix")) return true;
    return master::find_target(stem).has_value();
  };
  for (const std::string sub : {"masters", "previews", "versions", "versions/stems"}) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(out / sub, ec))
      if (e.is_regular_file() && e.path().extension() == ".wav" && !keep.count(key(e.path())) && ours(sub, e.path()))
        files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      if (fs::remove(f, ec)) removed.push_back(f.lexically_relative(out).generic_string());
  }
  std::vector<fs::path> revisions;
  for (const auto& e : fs::directory_iterator(out, ec))
    if (e.is_directory() && revision_number(e.path()) > 0 && fs::exists(e.path() / "session.toml")) revisions.push_back(e.path());
  if (revisions.empty()) return removed;
  // The revisions stay when the run read its stems or session from inside OUT (a revision's
  // session rendered into the main folder), or when one of them descends from this very mix:
  // its session is the new one but for the delivery targets.
  const std::string out_key = key(out) + "/";
  if (key(stems).rfind(out_key, 0) == 0) return removed;
  mix::Console mine = o.console;
  mine.targets.clear();
  for (const auto& r : revisions) {
    try {
      mix::Console theirs = load_session(r / "session.toml");
      theirs.targets.clear();
      if (theirs == mine) return removed;
    } catch (const std::exception&) {
      // an unreadable revision cannot be this mix
    }
  }
  std::sort(revisions.begin(), revisions.end());
  for (const auto& r : revisions)
    if (fs::remove_all(r, ec) > 0 && !ec) removed.push_back(r.filename().string() + "/");
  if (const fs::path sheet = out / kDeliverySheetFile; fs::exists(sheet, ec) && fs::remove(sheet, ec))
    removed.push_back(kDeliverySheetFile);
  return removed;
}

}  // namespace mixdown::io
