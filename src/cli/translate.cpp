// `mixdown translate FILE -o OUT [--json PATH|-]`: play the file on every modelled system
// (io::translate_file), write OUT/<system>.wav and OUT/translation.json, print the table or
// the JSON of INTERFACE.md.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "core/error.hpp"
#include "io/audio_file.hpp"
#include "io/translate_file.hpp"
#include "report/translate_json.hpp"

namespace mixdown::cli {

int run_translate(const TranslateArgs& a, const GlobalOptions& g) {
  namespace fs = std::filesystem;
  io::require_input(a.input);
  const bool json_stdout = a.json == "-";
  // What the run writes: never an input, and never where --json points.
  std::vector<fs::path> outputs{fs::path(a.out) / "translation.json"};
  for (const auto sys : analysis::kPlaybackSystems) outputs.push_back(fs::path(a.out) / (std::string(analysis::to_string(sys)) + ".wav"));
  for (const auto& o : outputs) io::refuse_overwriting_input(o, {a.input});
  io::refuse_overwriting_input(a.json, {a.input});
  io::check_json_path(a.json, outputs);
  Progress progress("translate", g.quiet || json_stdout);
  io::TranslateRequest req;
  req.input = a.input;
  req.out_dir = a.out;
  req.threads = g.threads;
  io::find_lead_beside(req);  // a mix's own file: its acapella and instrumental give the lead's balance
  req.progress = [&](double f, const std::string& s) { progress.update(f, s); };
  const auto rep = io::translate_file(req);
  progress.done();
  const std::string text = report::translation_json(rep, fs::path(a.input).filename().string()).dump(2) + "\n";
  io::write_text_atomic(fs::path(a.out) / "translation.json", text);
  if (json_stdout) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  if (!a.json.empty()) io::write_text_atomic(a.json, text);
  if (!g.quiet) std::fputs(report::translation_text(rep).c_str(), stdout);
  return 0;
}

}  // namespace mixdown::cli
