#include "master/album.hpp"

#include <algorithm>
#include <cmath>

namespace mixdown::master {

double gap_before(const AlbumSpec& album, std::size_t i) {
  if (i == 0 || i >= album.tracks.size()) return 0.0;
  const auto& t = album.tracks[i];
  if (t.crossfade_s && *t.crossfade_s > 0) return 0.0;
  return std::max(0.0, t.gap_s.value_or(album.gap_s));
}

double crossfade_before(const AlbumSpec& album, std::size_t i) {
  if (i == 0 || i >= album.tracks.size()) return 0.0;
  return std::max(0.0, album.tracks[i].crossfade_s.value_or(0.0));
}

std::vector<double> album_track_targets(const std::vector<double>& track_lufs, double target_lufs) {
  double loudest = -INFINITY;
  for (double l : track_lufs)
    if (std::isfinite(l)) loudest = std::max(loudest, l);
  std::vector<double> out;
  out.reserve(track_lufs.size());
  for (double l : track_lufs)
    out.push_back(std::isfinite(l) && std::isfinite(loudest) ? target_lufs + std::max(l - loudest, -kMaxAlbumSpreadLu)
                                                             : target_lufs);
  return out;
}

}  // namespace mixdown::master
