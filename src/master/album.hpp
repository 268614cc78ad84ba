// An album as one record: the running order with titles, ISRCs and the space between tracks
// (album.toml, read by io/master_io), and the level plan. Album mastering keeps the tracks'
// musical relation: the loudest track goes to the target and every other track keeps its
// distance below it (the ballad stays quieter than the single), as an engineer rides one
// fader for the whole record instead of normalising each song (cf. ReplayGain's "album gain",
// Robinson 2001, and EBU R128 s1's album-level recommendation).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mixdown::master {

inline constexpr double kDefaultAlbumGapS = 2.0;

struct AlbumTrack {
  std::filesystem::path file;
  std::string title;       // default: the file's stem
  std::string performer;
  std::string isrc;        // 12 characters or empty
  std::optional<double> gap_s;        // silence before this track (not before the first)
  std::optional<double> crossfade_s;  // overlap with the previous track instead of a gap
  bool operator==(const AlbumTrack&) const = default;
};

struct AlbumSpec {
  std::string title;
  std::string performer;
  double gap_s = kDefaultAlbumGapS;  // between tracks, unless a track says otherwise
  std::vector<AlbumTrack> tracks;
  std::filesystem::path source;  // the album.toml it was read from (empty: files on the command line)
  bool operator==(const AlbumSpec&) const = default;
};

// Seconds of silence before track i (0 for the first and for crossfaded tracks).
double gap_before(const AlbumSpec& album, std::size_t i);
// Seconds of overlap with the previous track (0 unless crossfaded).
double crossfade_before(const AlbumSpec& album, std::size_t i);

// The loudness that sets the album's level: the loudest of its songs, the tracks at least
// kAnchorShareOfMedian of the median track's length. A 10-second hot intro or skit among
// 4-minute songs does not set the record's level (it pulled every song 3-4 LU under the
// target); an album of short tracks is anchored on its loudest. Nor does a track the QC calls
// too loud to master (louder than kTooLoudLufs: limited past every target by its export, not
// the music; a brickwalled loop had pulled a rocker 9 LU under), while any track is not. -inf
// when no track has a loudness.
inline constexpr double kAnchorShareOfMedian = 0.5;
double album_anchor_lufs(const std::vector<double>& track_lufs, const std::vector<double>& durations_s);

// Per-track loudness targets: the anchor (album_anchor_lufs) at `target_lufs`, the others at the
// same distance below it as in the input, up to kMaxAlbumSpreadLu: a track further under is held
// there (unmastered mixes from different sessions differ by their export levels, not by a
// musical relation; a ballad or an interlude on a record sits a few LU, at most about ten,
// under the loud songs, not 40). A short track louder than the anchor is held at the target:
// nothing on the record is louder than its songs' target.
// Tracks without a defined loudness (silence) get the target itself (the caller refuses
// silence before this matters).
inline constexpr double kMaxAlbumSpreadLu = 12.0;
std::vector<double> album_track_targets(const std::vector<double>& track_lufs, double anchor_lufs, double target_lufs);

}  // namespace mixdown::master
