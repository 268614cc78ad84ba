// `mixdown analyze FILE [--reference REF] [--json PATH|-]`: parse, analyse the file (and the
// reference) through io::analyze_file, print the table or the JSON of INTERFACE.md.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "core/error.hpp"
#include "io/analyze_file.hpp"
#include "io/audio_file.hpp"
#include "report/analysis_json.hpp"

namespace mixdown::cli {

int run_analyze(const AnalyzeArgs& a, const GlobalOptions& g) {
  io::AnalyzeFileOptions opt;
  opt.analyzer.threads = g.threads;  // 0 = all cores
  const bool json_stdout = a.json == "-";
  io::refuse_overwriting_input(a.json, {a.input, a.reference});
  io::check_json_path(a.json, {});
  Progress progress("analyze", g.quiet || json_stdout);
  const double share = a.reference.empty() ? 1.0 : 0.5;
  auto report = io::analyze_file(a.input, opt, [&](double f) { progress.update(f * share); });
  if (!a.reference.empty()) {
    auto ref = io::analyze_file(a.reference, opt, [&](double f) { progress.update(0.5 + 0.5 * f); });
    // A silent reference (or one shorter than a 400 ms loudness block) has nothing to compare
    // with: refused, as `master --reference` refuses it.
    if (!std::isfinite(ref.loudness.integrated_lufs))
      throw rejected(a.reference, "the reference has no measurable loudness (silent, or shorter than one 400 ms block): nothing to compare with");
    report.reference = analysis::compare(report, ref);
  }
  progress.done();
  if (!a.json.empty()) {
    const std::string text = report::analysis_to_json(report).dump(2) + "\n";
    if (json_stdout) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      return 0;
    }
    io::write_text_atomic(a.json, text);
  }
  if (!g.quiet) std::fputs(report::analysis_to_text(report).c_str(), stdout);
  return 0;
}

}  // namespace mixdown::cli
