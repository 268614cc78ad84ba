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

// --json PATH must not land on what the revisions read or write: a stem of the session, the
// session, or anything of the mix folder (its rev-N folders, report.*, delivery-sheet.md, ...).
// Inside the folder, a JSON file of the user's own directly in it is allowed (OUT/notes.json),
// under no name the runs use (report.json, changes.json, revision.json, translation.json).
void refuse_json_over_the_mix(const fs::path& json, const fs::path& out) {
  std::error_code ec;
  if (fs::exists(json, ec)) {
    std::vector<fs::path> inputs{out / "session.toml"};
    if (fs::is_regular_file(out / "session.toml", ec)) {
      try {
        for (const auto& st : io::load_session(out / "session.toml").strips) inputs.push_back(st.file);
      } catch (const std::exception&) {
        // An unreadable session is reported by the revision itself.
      }
    }
    io::refuse_overwriting_input(json, inputs);
  }
  const fs::path dir = fs::weakly_canonical(fs::absolute(out, ec), ec);
  const fs::path file = fs::weakly_canonical(fs::absolute(json, ec), ec);
  const fs::path rel = file.lexically_relative(dir);
  const bool inside = !dir.empty() && !rel.empty() && *rel.begin() != "..";
  if (!inside) return;
  const std::string name = json.filename().string();
  const bool own = rel != "." && file.parent_path() == dir && json.extension() == ".json" && name != "report.json" &&
                   name != "changes.json" && name != "revision.json" && name != "translation.json";
  if (!own)
    throw usage_error(json.string(), "lies in the mix folder " + out.string() +
                                         ", whose files the revisions read and write: choose a path outside it (or a "
                                         "name of your own ending in .json directly in it)");
}

// A note as words: terminal escape sequences dropped (CSI "ESC [ params final", OSC "ESC ] ...
// BEL or ESC \\", and any other ESC plus one byte), and every other control character, C1 ones
// (U+0080..U+009F) included, read as a space (a line break as the end of a request), so none reaches the terminal, the delivery sheet
// or the parser ("\x1b[31m" once read as a time, 31:00). Other UTF-8 passes as it is.
std::string plain_note(const std::string& note) {
  std::string out;
  const std::size_t n = note.size();
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(note[i]); };
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char c = byte(i);
    if (c == 0x1b) {
      if (i + 1 >= n) break;
      const unsigned char kind = byte(++i);
      if (kind == '[') {  // parameters 0x30-0x3F, intermediates 0x20-0x2F, then a final 0x40-0x7E
        std::size_t k = i + 1;
        while (k < n && byte(k) >= 0x20 && byte(k) <= 0x3f) ++k;
        if (k < n && byte(k) >= 0x40 && byte(k) <= 0x7e) ++k;  // the final byte
        i = k - 1;
      } else if (kind == ']') {  // up to BEL or ESC backslash
        std::size_t k = i + 1;
        while (k < n && byte(k) != 0x07 && !(byte(k) == 0x1b && k + 1 < n && note[k + 1] == '\\')) ++k;
        i = k < n && byte(k) == 0x1b ? k + 1 : k;
      }
      continue;
    }
    if (c == 0xc2 && i + 1 < n && byte(i + 1) >= 0x80 && byte(i + 1) <= 0x9f) {  // a C1 control
      out += ' ';
      ++i;
      continue;
    }
    if (c == '\n') {
      // A line break ends a request, as a comma does: a note sent as a list of lines ("kick up
      // 2 dB", "snare down 1 dB", or "- " bullets) once read as one request, its first line's.
      while (!out.empty() && out.back() == ' ') out.pop_back();
      if (!out.empty() && std::string_view(",;.!?").find(out.back()) == std::string_view::npos) out += ';';
      out += ' ';
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
