#include "master/cue.hpp"

#include <cctype>
#include <cmath>

#include <fmt/format.h>

namespace mixdown::master {

Msf to_msf(std::int64_t f) {
  if (f < 0) f = 0;
  Msf m;
  m.frames = static_cast<int>(f % kCdFramesPerSecond);
  const std::int64_t s = f / kCdFramesPerSecond;
  m.seconds = static_cast<int>(s % 60);
  m.minutes = static_cast<int>(s / 60);
  return m;
}

std::string format_msf(std::int64_t cd_frames) {
  const Msf m = to_msf(cd_frames);
  return fmt::format("{:02d}:{:02d}:{:02d}", m.minutes, m.seconds, m.frames);
}

std::int64_t cd_frames_ceil(std::int64_t samples) {
  if (samples <= 0) return 0;
  return (samples + kSamplesPerCdFrame - 1) / kSamplesPerCdFrame;
}

std::int64_t seconds_to_cd_frames(double seconds) {
  return seconds <= 0 ? 0 : static_cast<std::int64_t>(std::llround(seconds * kCdFramesPerSecond));
}

CueSheet layout_cue(std::vector<CueTrack> tracks, std::string file_name, std::string title,
                    std::string performer) {
  CueSheet s{std::move(file_name), std::move(title), std::move(performer), std::move(tracks)};
  std::int64_t pos = 0;
  for (std::size_t i = 0; i < s.tracks.size(); ++i) {
    auto& t = s.tracks[i];
    if (i == 0) t.gap_frames = 0;  // track 1's pre-gap is not in the file
    pos += t.gap_frames;
    t.start_frame = pos;
    pos += t.length_frames;
  }
  return s;
}

std::int64_t disc_frames(const CueSheet& sheet) {
  if (sheet.tracks.empty()) return 0;
  const auto& last = sheet.tracks.back();
  return kCdPregapFrames + last.start_frame + last.length_frames;
}

std::vector<std::string> red_book_violations(const CueSheet& sheet) {
  std::vector<std::string> v;
  if (sheet.tracks.empty()) v.push_back("a CD needs at least one track");
  if (static_cast<int>(sheet.tracks.size()) > kRedBookMaxTracks)
    v.push_back(fmt::format("{} tracks: a CD holds at most {}", sheet.tracks.size(), kRedBookMaxTracks));
  const std::int64_t total = disc_frames(sheet);
  if (total > kRedBookMaxFrames)
    v.push_back(fmt::format("the album runs {} (minutes:seconds:frames) with its pre-gap and gaps: a CD holds at most {}",
                            format_msf(total), format_msf(kRedBookMaxFrames)));
  for (std::size_t i = 0; i < sheet.tracks.size(); ++i) {
    const auto& t = sheet.tracks[i];
    if (too_short_for_cd(t))
      v.push_back(fmt::format("track {} ({}) lasts {:.2f} s: a CD track must last at least 4 seconds",
                              i + 1, t.title.empty() ? "untitled" : t.title, double(t.length_frames) / 75.0));
    if (!t.isrc.empty() && !valid_isrc(t.isrc))
      v.push_back(fmt::format("track {}: ISRC \"{}\" is not 12 characters CC XXX YY NNNNN", i + 1, t.isrc));
  }
  return v;
}

namespace {
std::string quoted(const std::string& s) {
  std::string out = "\"";
  // CUE has no escape for quotes; a line break (or any control byte) in a title would start a
  // new, bogus command line, so those become spaces.
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out += c == '"' ? '\'' : (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  return out + "\"";
}
}  // namespace

std::string write_cue(const CueSheet& sheet) {
  std::string out;
  if (!sheet.performer.empty()) out += "PERFORMER " + quoted(sheet.performer) + "\n";
  if (!sheet.title.empty()) out += "TITLE " + quoted(sheet.title) + "\n";
  out += "FILE " + quoted(sheet.file_name) + " WAVE\n";
  for (std::size_t i = 0; i < sheet.tracks.size(); ++i) {
    const auto& t = sheet.tracks[i];
    out += fmt::format("  TRACK {:02d} AUDIO\n", i + 1);
    if (!t.title.empty()) out += "    TITLE " + quoted(t.title) + "\n";
    if (!t.performer.empty()) out += "    PERFORMER " + quoted(t.performer) + "\n";
    if (valid_isrc(t.isrc)) out += "    ISRC " + t.isrc + "\n";  // unquoted: only a valid code
    if (i == 0) {
      out += "    PREGAP " + format_msf(kCdPregapFrames) + "\n";
    } else if (t.gap_frames > 0) {
      out += "    INDEX 00 " + format_msf(t.start_frame - t.gap_frames) + "\n";
    }
    out += "    INDEX 01 " + format_msf(t.start_frame) + "\n";
  }
  return out;
}

bool valid_isrc(const std::string& s) {
  if (s.size() != 12) return false;
  for (int i = 0; i < 2; ++i)
    if (!std::isupper(static_cast<unsigned char>(s[static_cast<std::size_t>(i)]))) return false;
  for (int i = 2; i < 5; ++i)
    if (!std::isalnum(static_cast<unsigned char>(s[static_cast<std::size_t>(i)]))) return false;
  for (int i = 5; i < 12; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[static_cast<std::size_t>(i)]))) return false;
  return true;
}

}  // namespace mixdown::master
