// Renders a console to the `mix` output folder of INTERFACE.md: mix.wav (24-bit, true peak
// landed between -6 and -3 dBTP with no limiter), versions/ (instrumental, a cappella, TV and
// the bus stems that sum to the mix) and versions/stems/ (each stem as it sits in the mix).
// Two passes over the stems: the first renders only the mix to measure its true peak (on a
// song longer than about a minute only evenly spread excerpts, a quarter of it), the second
// writes everything with the gain that lands it, measuring the mix's true peak, where its
// tails die away (frames after the longest stem are held in memory until then) and every
// version's sample peak. If the mix landed more than 1 dB under its target or too far over it
// (excerpts see part of the song, so the gain from them aims 0.5 dB under the target and a
// landing up to -3.2 dBTP is kept), or a version would pass -0.5 dBFS, the gain is corrected
// and a third pass writes again.
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include "io/audio_file.hpp"
#include "mix/console.hpp"

namespace mixdown::io {

class MixTap;
class StemCache;

struct RenderMixOptions {
  int threads = 0;
  bool versions = true;   // versions/ and versions/stems/
  std::function<void(double)> progress;  // 0..1 over both passes
  const StemCache* cache = nullptr;       // stems already decoded (mix), else read from files
  // Leave the outputs nothing reads next (the versions and printed stems other than the
  // instrumental and the a cappella) in RenderMixResult::pending, written but not yet on the
  // device or in place: the caller commits them later, so the device takes their queued
  // chunks while the caller computes (the mix's master). mix.wav, the instrumental and the a
  // cappella are committed either way.
  bool defer_commit = false;
  // Given mix.wav's samples as the file holds them, pass by pass as they are written (started
  // again if a pass is written again): the mix analysed during the render (see mix_tap.hpp).
  MixTap* tap = nullptr;
};

struct RenderedFile {
  std::filesystem::path path;
  std::string kind;       // mix | version | bus_stem | stem
  std::string name;
  bool left_out = false;  // a stem the check set aside: printed as silence
};

struct RenderMixResult {
  double true_peak_before_dbtp = 0;  // the mix bus output before the landing gain
  double output_gain_db = 0;
  double mix_true_peak_dbtp = 0;     // as written
  double mix_integrated_lufs = 0;
  std::int64_t frames = 0;
  std::int64_t nonfinite_fixed = 0;
  std::int64_t clipped_samples = 0;  // should be 0; counted by the writers
  int passes = 0;                    // over the stems: 2, or 3 when the landing was corrected
  int stems_from_memory = 0;         // strips read from options.cache instead of their files
  std::vector<RenderedFile> files;
  // With RenderMixOptions::defer_commit: outputs still to commit (each removes its temporary
  // if destroyed uncommitted). In place once commit_pending() returns.
  std::vector<AudioWriter> pending;
};

// Commits RenderMixResult::pending, in order; throws naming the first file that fails.
void commit_pending(RenderMixResult& r);

RenderMixResult render_mix(const mix::Console& console, const std::filesystem::path& out_dir,
                           const RenderMixOptions& options);

// The file name a stem is printed under: the stem's name with .wav.
std::string printed_stem_name(const std::string& stem_name);
// The file names in versions/stems/ of the console's strips, then of the stems it sets aside
// (Console::left_out), in that order: each stem's name with .wav, told apart without regard to
// case (Kick.wav and kick.WAV), a stem already named NAME.wav keeping its name.
std::vector<std::string> printed_stem_files(const mix::Console& console);

}  // namespace mixdown::io
