// `mixdown master FILE -o OUT [--target NAME]... [--reference REF] [--amount 0..1] [--strict] [--noise-shaping]`
// Parse, call io::master_file, write OUT/report.json, print a short summary.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "core/error.hpp"
#include "io/audio_file.hpp"
#include "io/master_io.hpp"
#include "master/qc.hpp"
#include "io/translate_file.hpp"
#include "report/html.hpp"
#include "report/master_json.hpp"
#include "report/translate_json.hpp"

namespace mixdown::cli {

namespace {

std::vector<master::Target> resolve_targets(const std::vector<std::string>& names) {
  std::vector<master::Target> out;
  for (const auto& n : names) {
    auto t = master::find_target(n);
    if (!t) throw usage_error("--target", fmt::format("unknown target \"{}\" (choose from {})", n, master::target_names()));
    if (std::none_of(out.begin(), out.end(), [&](const master::Target& x) { return x.name == t->name; })) out.push_back(*t);
  }
  if (out.empty()) out.push_back(*master::find_target("streaming"));
  return out;
}

}  // namespace

int run_master(const MasterArgs& a, const GlobalOptions& g) {
  namespace fs = std::filesystem;
  if (!(a.amount >= 0.0 && a.amount <= 1.0))
    throw usage_error("--amount", fmt::format("{} is outside 0..1", a.amount));
  const auto targets = resolve_targets(a.targets);
  io::require_input(a.input);
  if (!a.reference.empty()) io::require_input(a.reference);
  {
    const fs::path out(a.out);
    const std::vector<fs::path> inputs{a.input, a.reference};
    for (const char* f : {"report.json", "report.html", "previews/input.wav"}) io::refuse_overwriting_input(out / f, inputs);
    for (const auto& t : targets) {
      io::refuse_overwriting_input(out / "masters" / (t.name + ".wav"), inputs);
      io::refuse_overwriting_input(out / "previews" / (t.name + ".wav"), inputs);
    }
  }
  io::MasterRequest req;
  req.targets = targets;
  if (!a.reference.empty()) req.reference = fs::path(a.reference);
  req.amount = a.amount;
  Progress progress("master", g.quiet);
  req.progress = [&](double f, const std::string& s) { progress.update(f, s); };

  req.strict = a.strict;
  req.noise_shaping = a.noise_shaping;
  req.threads = g.threads;
  req.translation = true;
  auto result = io::master_file(a.input, a.out, req);
  const fs::path out(a.out);
  // A master that missed its loudness or ceiling is not delivered (a master lands within
  // ±0.5 LU of its target and never above its ceiling: INTERFACE.md). When every target missed,
  // nothing of the run is left (its masters and previews are removed, no report) and the one
  // line says why; when some landed, they are delivered with their report and the run still
  // ends with that line (exit 3): a requested master is missing.
  std::optional<std::string> missed_line;
  if (const auto missed = io::missed_target(result); missed.master) {
    missed_line = missed.master->target.name + " master: " + missed.problem->message;
    if (std::all_of(result.masters.begin(), result.masters.end(), [](const io::MasterOutcome& m) { return io::first_error(m); })) {
      io::remove_master_outputs(result, out);
      throw rejected(a.input, *missed_line);
    }
    const auto said = io::leave_out_missed(result);
    result.problems.insert(result.problems.end(), said.begin(), said.end());
  }
  // Translation checks on the first master, and report.html beside report.json.
  const auto& first = result.masters.front();
  // Measured only (no listenable simulations; `mixdown translate` renders them), the codec on
  // the loudest passage (the master itself was already checked through a codec), the device
  // lanes on excerpts of a long song.
  // The first master's delivering pass played it on every system (io::TranslationFeed).
  const auto translation = first.translation ? *first.translation
                                             : io::translate_output(out, first.file, first.after.integrated_lufs, g.threads,
                                                [&](double f, const std::string& s) { progress.update(f, "translation: " + s); },
                                                io::TranslateScope{false, false, true});
  progress.done();
  auto json = report::master_json(result, out);
  json["translation"] = report::translation_json(translation, first.file.lexically_relative(out).generic_string());
  io::write_text_atomic(out / "report.json", json.dump(2) + "\n");
  io::write_text_atomic(out / "report.html", report::master_html(result, out, &translation));
  // The folder holds this run: an earlier run's masters for other targets would sit beside a
  // report that does not list them.
  for (const auto& f : io::remove_other_targets_outputs(result, out, {fs::path(a.input), fs::path(a.reference)}))
    std::fprintf(stderr, "mixdown: removed %s, an earlier run's output for a target this run did not make\n",
                 f.lexically_relative(out).c_str());
  if (!g.quiet) {
    std::printf("%s: %.1f LUFS, %.1f dBTP, PLR %.1f dB\n", a.input.c_str(), result.analysis.integrated_lufs,
                result.analysis.true_peak_dbtp, result.analysis.plr_db);
    for (const auto& m : result.masters) {
      // A file too short for the loudness range (under 3 s of short-term readings) has none.
      const std::string lra = std::isfinite(m.after.range_lu) ? fmt::format("{:.1f} LU", m.after.range_lu) : "n/a (too short)";
      std::printf("  %-9s %s  %.2f LUFS (target %.1f)  %.2f dBTP (ceiling %.1f)  LRA %s\n", m.target.name.c_str(),
                  m.file.lexically_relative(out).c_str(), m.after.integrated_lufs, m.target_lufs,
                  m.after.true_peak_dbtp, m.target.ceiling_dbtp, lra.c_str());
      for (const auto& d : m.chain.decisions)
        if (d.what == "match_eased") std::printf("  note: %s\n", d.reason.c_str());
      for (const auto& p : m.problems)
        std::printf("  %s %s: %s\n", to_string(p.severity), p.code.c_str(), p.message.c_str());
    }
    for (const auto& p : result.problems)
      std::printf("  %s %s: %s\n", to_string(p.severity), p.code.c_str(), p.message.c_str());
  }
  if (missed_line) throw rejected(a.input, *missed_line);
  return 0;
}

}  // namespace mixdown::cli
