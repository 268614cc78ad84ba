// Renders a console to the `mix` output folder of INTERFACE.md: mix.wav (24-bit, true peak
// landed between -6 and -3 dBTP with no limiter), versions/ (instrumental, a cappella, TV and
// the bus stems that sum to the mix) and versions/stems/ (each stem as it sits in the mix).
// Two passes over the stems: the first renders only the mix to measure its true peak (on a
// song longer than about a minute only excerpts: its loudest stretches as the decisions predict
// them, a tenth of it, or without a prediction evenly spread ones, a quarter), the second
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

#include "graph/renderer.hpp"
#include "mix/console.hpp"

namespace mixdown::io {

struct RenderMixOptions {
  int threads = 0;
  bool versions = true;   // versions/ and versions/stems/
  std::function<void(double)> progress;  // 0..1 over both passes
  // How loud the mix's peaks are per frame as the decisions predict them (linear energy, one
  // value per `predicted_frame_s`; see predicted_mix_peaks in mix_pipeline.cpp). When given,
  // the first pass renders the stretches around the loudest, where the true peak is most
  // likely, instead of evenly spread ones, and fewer of them (a re-render of a session.toml has
  // no analyses and spreads them).
  std::vector<float> predicted_energy;
  double predicted_frame_s = 0.1;
};

struct RenderedFile {
  std::filesystem::path path;
  std::string kind;       // mix | version | bus_stem | stem
  std::string name;
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
  std::vector<RenderedFile> files;
};

RenderMixResult render_mix(const mix::Console& console, const std::filesystem::path& out_dir,
                           const RenderMixOptions& options);

// `count` excerpts of `excerpt_frames` output frames around the loudest frames of `energy`
// (one value per `frame_s` seconds; `rate` output frames per second) within the first
// `longest` frames, none overlapping another or its `run_in`, in time order: the frames are
// taken loudest first, each the centre of an excerpt unless a chosen one is in the way. Fewer
// when the song has no room or no loud frame left.
std::vector<graph::Excerpt> hottest_excerpts(const std::vector<float>& energy, double frame_s, double rate,
                                             std::int64_t longest, std::int64_t excerpt_frames,
                                             std::int64_t run_in, std::int64_t count);

// The file name a stem is printed under: the stem's name with .wav.
std::string printed_stem_name(const std::string& stem_name);

}  // namespace mixdown::io
