#include "master/album.hpp"

#include "master/qc.hpp"

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

double album_anchor_lufs(const std::vector<double>& track_lufs, const std::vector<double>& durations_s) {
  const std::size_t n = std::min(track_lufs.size(), durations_s.size());
  // Tracks too loud to master stand aside while any other track has a loudness.
  const bool any_masterable = std::any_of(track_lufs.begin(), track_lufs.begin() + static_cast<std::ptrdiff_t>(n),
                                          [](double l) { return std::isfinite(l) && l <= kTooLoudLufs; });
  const auto candidate = [&](std::size_t i) {
    return std::isfinite(track_lufs[i]) && (!any_masterable || track_lufs[i] <= kTooLoudLufs);
  };
  std::vector<double> d;
  for (std::size_t i = 0; i < n; ++i)
    if (candidate(i)) d.push_back(durations_s[i]);
  if (d.empty()) return -INFINITY;
  std::sort(d.begin(), d.end());
  const double median = d.size() % 2 ? d[d.size() / 2] : 0.5 * (d[d.size() / 2 - 1] + d[d.size() / 2]);
  double anchor = -INFINITY;
  for (std::size_t i = 0; i < n; ++i)
    if (candidate(i) && durations_s[i] >= kAnchorShareOfMedian * median) anchor = std::max(anchor, track_lufs[i]);
  return anchor;
}

std::vector<double> album_track_targets(const std::vector<double>& track_lufs, double anchor_lufs, double target_lufs) {
  std::vector<double> out;
  out.reserve(track_lufs.size());
  for (double l : track_lufs)
    out.push_back(std::isfinite(l) && std::isfinite(anchor_lufs)
                      ? target_lufs + std::clamp(l - anchor_lufs, -kMaxAlbumSpreadLu, 0.0)
                      : target_lufs);
  return out;
}

}  // namespace mixdown::master
