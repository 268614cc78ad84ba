// `mixdown revise OUT --note TEXT [--note TEXT]... [--json PATH|-] [--list] [--back N]`:
// notes → rev-N (io::run_revise), then the delivery sheet; replies on the terminal or the
// changes.json list as JSON.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "core/error.hpp"
#include "io/audio_file.hpp"
#include "io/revise_io.hpp"
#include "io/session.hpp"
#include "report/html.hpp"
#include "report/revise_json.hpp"

namespace mixdown::cli {

namespace {

namespace fs = std::filesystem;

// --json PATH must not land on what the revisions read or deliver: a stem of the session, or a
// file of the mix folder other than a JSON file of the user's own (the folder's report.json,
// translation.json and each rev-N/changes.json are the run's; rev-N/changes.json already holds
// the same list).
void refuse_json_over_the_mix(const fs::path& json, const fs::path& out) {
  std::error_code ec;
  if (!fs::exists(json, ec)) return;
  std::vector<fs::path> inputs{out / "session.toml"};
  if (fs::is_regular_file(out / "session.toml", ec)) {
    try {
      for (const auto& st : io::load_session(out / "session.toml").strips) inputs.push_back(st.file);
    } catch (const std::exception&) {
      // An unreadable session is reported by the revision itself.
    }
  }
  io::refuse_overwriting_input(json, inputs);
  const fs::path dir = fs::weakly_canonical(out, ec), file = fs::weakly_canonical(json, ec);
  const auto rel = file.lexically_relative(dir);
  const bool inside = !dir.empty() && !rel.empty() && *rel.begin() != "..";
  const std::string name = json.filename().string();
  const bool owned = name == "report.json" || name == "changes.json" || name == "translation.json";
  if (inside && (json.extension() != ".json" || owned))
    throw usage_error(json.string(), "is a file of the mix folder " + out.string() +
                                         ": writing the revision's JSON there would overwrite it; choose another path");
}

// A note as words: terminal escape sequences (ESC [ ... final byte) dropped and any other
// control character a space, so none reaches the terminal, the delivery sheet or the parser
// ("\x1b[31m" once read as a time, 31:00).
std::string plain_note(const std::string& note) {
  std::string out;
  for (std::size_t i = 0; i < note.size(); ++i) {
    const auto c = static_cast<unsigned char>(note[i]);
    if (c == 0x1b && i + 1 < note.size() && note[i + 1] == '[') {
      i += 2;
      while (i < note.size() && !(static_cast<unsigned char>(note[i]) >= 0x40 && static_cast<unsigned char>(note[i]) <= 0x7e)) ++i;
      continue;
    }
    out += (c < 0x20 || c == 0x7f) ? ' ' : note[i];
  }
  return out;
}

}  // namespace

int run_revise(const ReviseArgs& a, const GlobalOptions& g) {
  if (a.list) {
    if (!a.notes.empty() || a.back_given) throw usage_error("--list", "--list shows the revisions; it takes no --note or --back");
    const auto revs = io::list_revisions(a.out);
    std::fputs(report::revisions_text(revs).c_str(), stdout);
    return 0;
  }
  if (a.notes.empty() && !a.back_given)
    throw usage_error("--note", "give at least one --note TEXT (or --back N, or --list)");
  const bool json_stdout = a.json == "-";
  if (!a.json.empty() && !json_stdout) refuse_json_over_the_mix(a.json, a.out);
  Progress progress("revise", g.quiet || json_stdout);
  io::ReviseRequest req;
  req.out = a.out;
  for (const auto& n : a.notes) req.notes.push_back(plain_note(n));
  if (a.back_given) req.back = a.back;
  req.threads = g.threads;
  req.progress = [&](double f, const std::string& stage) { progress.update(0.9 * f, stage); };
  const auto outcome = io::run_revise(req);
  progress.update(0.92, "delivery sheet");
  const auto sheet = io::write_delivery_sheet(a.out, g.threads);
  // The sheet is also a section of the mix's report.html (replaced on each revision).
  if (const auto page_path = std::filesystem::path(a.out) / "report.html"; std::filesystem::is_regular_file(page_path)) {
    std::ifstream in(page_path, std::ios::binary);
    const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    io::write_text_atomic(page_path, report::with_delivery_sheet(page, report::delivery_sheet_html(sheet)));
  }
  progress.done();
  if (!outcome.revision.warning.empty()) std::fprintf(stderr, "warning: %s\n", outcome.revision.warning.c_str());
  if (!a.json.empty()) {
    const std::string text = report::revise_json(outcome).dump(2) + "\n";
    if (json_stdout) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      return 0;
    }
    io::write_text_atomic(a.json, text);
  }
  if (!g.quiet) std::fputs(report::revise_text(outcome, &sheet).c_str(), stdout);
  return 0;
}

}  // namespace mixdown::cli
