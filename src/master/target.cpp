#include "master/target.hpp"

namespace mixdown::master {

const std::vector<Target>& all_targets() {
  static const std::vector<Target> targets = {
      {"streaming", -14.0, -1.0, 24, 0, false, true, "Spotify/YouTube/Tidal normalisation, -1 dBTP for transcoding headroom"},
      {"apple", -16.0, -1.0, 24, 0, false, true, "Apple Music Sound Check / Apple Digital Masters"},
      {"cd", -12.0, -0.3, 16, 44100, false, false, "Red Book CD-DA: 16-bit 44.1 kHz, TPDF dither", true},
      {"vinyl", -14.0, -1.0, 24, 0, true, false, "lacquer cutting: mono below 150 Hz, nothing below 25 Hz"},
      {"broadcast", -23.0, -1.0, 24, 48000, false, false, "EBU R128 (-23 LUFS, -1 dBTP), 48 kHz"},
      {"atsc", -24.0, -2.0, 24, 48000, false, false, "ATSC A/85 (-24 LKFS, -2 dBTP), 48 kHz"},
      {"podcast", -16.0, -1.0, 24, 0, false, true, "AES TD1004 / Apple Podcasts (-16 LUFS, -1 dBTP)"},
  };
  return targets;
}

std::optional<Target> find_target(std::string_view name) {
  for (const auto& t : all_targets())
    if (t.name == name) return t;
  return std::nullopt;
}

std::string target_names() {
  std::string s;
  for (const auto& t : all_targets()) {
    if (!s.empty()) s += ", ";
    s += t.name;
  }
  return s;
}

}  // namespace mixdown::master
