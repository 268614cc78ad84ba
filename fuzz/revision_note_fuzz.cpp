// Revision notes (revise::parse_note, parse_requests, parse_time). Neither reader throws by
// contract; every request of a note has a text inside the note's own length;
// times that parse must be finite and non-negative; a range starts at a finite time and ends at
// or after it (+inf: to the end of the song).
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common.hpp"
#include "revise/note.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const std::vector<std::string> stems = {"Lead Vox.wav", "E-Piano", "BD_03", "Bass \"Slap\"", "é"};
  try {
    const auto note = mixdown::revise::parse_note(text, stems);
    if (note.text.size() > size + 1 && note.text != std::string(text)) {
      // text is informative only; no constraint beyond not growing without bound
      if (note.text.size() > 4 * size + 64) mixdown::fuzz::finding("note text grew");
    }
    for (const auto& r : note.scope.ranges)
      // "from 1:23" / "after 2:00" run to the end of the song: end_s = +inf by design.
      if (!std::isfinite(r.start_s) || r.start_s < 0 || std::isnan(r.end_s) || r.end_s < r.start_s) {
        std::fprintf(stderr, "range %g..%g\n", r.start_s, r.end_s);
        mixdown::fuzz::finding("non-finite time range");
      }
    const auto requests = mixdown::revise::parse_requests(text, stems);
    if (requests.empty()) mixdown::fuzz::finding("a note read as no request at all");
    for (const auto& r : requests) {
      if (r.text.size() > size + 1 && r.text != std::string(text)) mixdown::fuzz::finding("a request's text outgrew its note");
      if ((r.kind == mixdown::revise::NoteKind::mix) == (r.fix == mixdown::revise::Fix::none))
        mixdown::fuzz::finding("a mix request without a fix, or another kind with one");
    }
    (void)mixdown::revise::to_string(note.kind);
    (void)mixdown::revise::to_string(note.fix);
    const auto t = mixdown::revise::parse_time(text);
    if (t && (!std::isfinite(*t) || *t < 0)) mixdown::fuzz::finding("parse_time returned a bad time");
    if (t) (void)mixdown::revise::format_time(*t);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    mixdown::fuzz::finding("parse_note threw (its contract says never)");
  }
  return 0;
}
