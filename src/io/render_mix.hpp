// Renders a console to the `mix` output folder of INTERFACE.md: mix.wav (24-bit, true peak
// landed between -6 and -3 dBTP with no limiter), versions/ (instrumental, a cappella, TV and
// the bus stems that sum to the mix) and versions/stems/ (each stem as it sits in the mix).
// Two passes over the stems: the first renders only the mix to measure its true peak (on a
// song longer than about a minute only excerpts: those the console names, chosen where the
// stems' analyses predict the mix is hottest and a few evenly spread, else a quarter of the
// song evenly spread), the second
// writes everything with the gain that lands it, measuring the mix's true peak, where its
// tails die away (frames after the longest stem are held in memory until then) and every
// version's sample peak. If the mix landed more than 1 dB from its target (the excerpts
// missed its loudest moment) or a version would pass -0.5 dBFS, the gain is corrected and a
// third pass writes again.
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include "analysis/stem_analysis.hpp"
#include "mix/console.hpp"

namespace mixdown::io {

struct RenderMixOptions {
  int threads = 0;
  bool versions = true;   // versions/ and versions/stems/
  std::function<void(double)> progress;  // 0..1 over both passes
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

// A per-100 ms prediction of where the mix peaks, from the stems' analyses (in strip order)
// and the console's gains: each stem's loudest 10 ms in the frame (its band powers times its
// punch), as an amplitude through trim, fader, automation and bus fader, summed over the
// stems (a coherent sum: transients that land together add). Processing is left out: it is a
// ranking of passages, not a level. Empty when the analyses do not match the strips.
std::vector<float> mix_peak_hint(const mix::Console& console, const std::vector<analysis::StemAnalysis>& stems);

// Where render_mix first measures the mix's true peak (console.mix_bus.landing_excerpts): on
// a song long enough for excerpts, a few evenly spread and a few around the frames where
// mix_peak_hint is highest; empty for a short song or analyses that do not match the strips.
std::vector<mix::LandingExcerpt> landing_excerpts(const mix::Console& console, const std::vector<analysis::StemAnalysis>& stems);

// The file name a stem is printed under: the stem's name with .wav.
std::string printed_stem_name(const std::string& stem_name);

}  // namespace mixdown::io
