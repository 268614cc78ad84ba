// The cue-sheet writer's inputs (master/cue.hpp): titles, performers and ISRCs come from
// album.toml, so they are hostile text. A sheet must keep its structure whatever they hold:
// one TRACK line per track, every line one of the CUE commands, INDEX times increasing.
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "common.hpp"
#include "master/cue.hpp"

namespace {

struct Bytes {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t byte() { return n ? (--n, *p++) : 0; }
  std::int64_t frames(int bits) {
    std::int64_t v = 0;
    for (int i = 0; i < bits; i += 8) v = (v << 8) | byte();
    return v;
  }
  std::string text() {
    std::size_t len = byte() % 40;
    std::string s;
    while (len-- && n) s.push_back(static_cast<char>(byte()));
    return s;
  }
};

bool starts(const std::string& line, const char* prefix) { return line.rfind(prefix, 0) == 0; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace m = mixdown::master;
  Bytes in{data, size};
  std::vector<m::CueTrack> tracks(in.byte() % 120);
  for (auto& t : tracks) {
    t.title = in.text();
    t.performer = in.text();
    t.isrc = in.text();
    t.gap_frames = in.frames(16) % (10 * 75);
    t.length_frames = in.frames(24) % (100 * 60 * 75);
  }
  const auto title = in.text(), performer = in.text(), file = in.text();
  const auto sheet = m::layout_cue(tracks, file.empty() ? "album.wav" : file, title, performer);
  if (sheet.tracks.size() != tracks.size()) mixdown::fuzz::finding("layout_cue changed the track count");
  (void)m::red_book_violations(sheet);
  (void)m::disc_frames(sheet);
  const auto text = m::write_cue(sheet);
  std::istringstream lines(text);
  std::string line;
  std::size_t track_lines = 0;
  while (std::getline(lines, line)) {
    std::string t = line.substr(line.find_first_not_of(' ') == std::string::npos ? line.size() : line.find_first_not_of(' '));
    if (starts(t, "TRACK ")) ++track_lines;
    else if (!(starts(t, "TITLE \"") || starts(t, "PERFORMER \"") || starts(t, "FILE \"") ||
               starts(t, "ISRC ") || starts(t, "INDEX 0") || starts(t, "PREGAP ")))
      mixdown::fuzz::finding("cue sheet has a line that is no CUE command (injected text?)");
  }
  if (track_lines != tracks.size()) mixdown::fuzz::finding("cue sheet TRACK count differs");
  for (std::size_t i = 1; i < sheet.tracks.size(); ++i)
    if (sheet.tracks[i].start_frame < sheet.tracks[i - 1].start_frame) mixdown::fuzz::finding("INDEX 01 went backwards");
  for (std::int64_t f : {std::int64_t{0}, in.frames(32)}) {
    const auto s = m::format_msf(f);
    if (s.size() < 8) mixdown::fuzz::finding("format_msf too short");
  }
  return 0;
}
