// `mixdown mix STEMS -o OUT [--brief KEY=VALUE]... [--target NAME]... [--no-master]`
#include <cmath>
#include <cstdio>
#include <optional>
#include <memory>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "io/audio_file.hpp"
#include "io/mix_pipeline.hpp"
#include "io/translate_file.hpp"
#include "report/html.hpp"
#include "report/mix_json.hpp"
#include "report/translate_json.hpp"

namespace mixdown::cli {

int run_mix(const MixArgs& a, const GlobalOptions& g) {
  Progress progress("mix", g.quiet);
  io::MixRequest req;
  req.stems = a.stems;
  req.out = a.out;
  req.brief_pairs = a.brief;
  req.targets = a.targets;
  req.master = !a.no_master;
  req.threads = g.threads;
  req.progress = [&](double f, const std::string& stage) { progress.update(f, stage); };
  // Whether OUT holds an earlier run (see io::remove_earlier_outputs), before this one writes.
  std::error_code ec;  // a path that cannot be looked into holds no earlier run
  const bool earlier_run = std::filesystem::exists(std::filesystem::path(a.out) / "session.toml", ec) ||
                           std::filesystem::exists(std::filesystem::path(a.out) / "report.json", ec);
  const auto outcome = io::run_mix(req);
  // Translation of what gets delivered: the first master, played on every system in the pass
  // that wrote it (io::TranslationFeed); with --no-master the mix, read back. Measured only, as
  // `master` does (INTERFACE.md's mix folder lists no simulations; `mixdown translate` renders
  // them). The codec reads the loudest passage, the device lanes excerpts of a long song.
  namespace fs = std::filesystem;
  const fs::path out(a.out);
  const bool mastered = outcome.master && !outcome.master->masters.empty();
  const fs::path delivered = mastered ? outcome.master->masters.front().file : out / "mix.wav";
  // A mix too short for a loudness measurement (under 400 ms) has no translation to measure.
  std::optional<analysis::TranslationReport> translation;
  if (mastered && outcome.master->masters.front().translation)
    translation = *outcome.master->masters.front().translation;
  else if (std::isfinite(outcome.mix_analysis.loudness.integrated_lufs))
    translation = io::translate_output(out, delivered,
                                       mastered ? outcome.master->masters.front().after.integrated_lufs
                                                : outcome.mix_analysis.loudness.integrated_lufs,
                                       g.threads,
                                       [&](double f, const std::string& stage) { progress.update(f, "translation: " + stage); },
                                       io::TranslateScope{false, false, true});
  auto json = report::mix_json(outcome, a.out);
  if (translation) json["translation"] = report::translation_json(*translation, delivered.lexically_relative(out).generic_string());
  io::write_text_atomic(out / "report.json", json.dump(2) + "\n");
  io::write_text_atomic(out / "report.html", report::mix_html(outcome, out, translation ? &*translation : nullptr));
  // The deliverables of an earlier run into this folder that this one did not replace.
  const auto removed = io::remove_earlier_outputs(out, outcome, req.stems, earlier_run);
  progress.done();
  if (!g.quiet) std::fputs(report::mix_text(outcome, a.out).c_str(), stdout);
  // Said even when quiet: files the user may have wanted are gone.
  if (!removed.empty()) {
    std::string list;
    for (const auto& r : removed) list += (list.empty() ? "" : ", ") + r;
    std::fprintf(stderr, "mixdown: %s: removed %zu output%s of an earlier run: %s\n", out.string().c_str(), removed.size(),
                 removed.size() == 1 ? "" : "s", list.c_str());
  }
  // The mix is delivered; a master that could not be, a stem left out of the mix (or mixed only
  // as far as it could be read) and one with samples that are not numbers (read as silence)
  // are said in one line each even when quiet.
  for (const auto& p : outcome.problems) {
    if (p.code == "not_mastered") std::fprintf(stderr, "mixdown: %s: %s\n", (out / "mix.wav").c_str(), p.message.c_str());
    if (p.code == "nonfinite_samples") std::fprintf(stderr, "mixdown: %s\n", p.message.c_str());
    if (p.code == "stem_changed") std::fprintf(stderr, "mixdown: warning: %s\n", p.message.c_str());
    if (p.code == "unreadable")
      std::fprintf(stderr, "mixdown: %s; %s\n", p.message.c_str(),
                   p.severity == Severity::error ? "left out of the mix" : "the part that could be read is mixed");
  }
  return 0;
}

}  // namespace mixdown::cli
