// Kernels of `mixdown analyze`: K-weighting + gating (BS.1770-4), the Annex 2 true-peak
// interpolator, and the whole per-file Analyzer, on 10 s of stereo noise at 48 kHz.
#include <benchmark/benchmark.h>

#include "analysis/analyzer.hpp"
#include "analysis/features.hpp"
#include "analysis/stem_analysis.hpp"
#include "analysis/loudness.hpp"
#include "analysis/true_peak.hpp"
#include "../tests/support/testing.hpp"

namespace {

using namespace mixdown;

const AudioBuffer& signal() {
  static const AudioBuffer b = testkit::noise(-20.0, 10.0, 48000, 2, 42);
  return b;
}

void feed(auto& meter, const AudioBuffer& b) {
  constexpr std::size_t block = 65536;
  for (std::size_t pos = 0; pos < b.num_frames(); pos += block)
    meter.add(b.view().sub(pos, std::min(block, b.num_frames() - pos)));
}

void BM_KWeightingAndGating(benchmark::State& state) {
  const auto& b = signal();
  for (auto _ : state) {
    analysis::LoudnessMeter m(48000, 2, {.true_peak = false, .threads = static_cast<int>(state.range(0))});
    feed(m, b);
    benchmark::DoNotOptimize(m.integrated_lufs());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(b.num_frames()));
}
BENCHMARK(BM_KWeightingAndGating)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

void BM_TruePeak(benchmark::State& state) {
  const auto& b = signal();
  for (auto _ : state) {
    analysis::TruePeakMeter m(2);
    feed(m, b);
    benchmark::DoNotOptimize(m.max_peak());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(b.num_frames()));
}
BENCHMARK(BM_TruePeak)->Unit(benchmark::kMillisecond);

void BM_Analyzer(benchmark::State& state) {
  const auto& b = signal();
  for (auto _ : state) {
    analysis::Analyzer a(48000, 2, {.threads = static_cast<int>(state.range(0))});
    feed(a, b);
    benchmark::DoNotOptimize(a.finish());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(b.num_frames()));
}
BENCHMARK(BM_Analyzer)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);


// The check's read of a stem for `mixdown mix`: StemFeatureAnalyzer (arg: channels) and the
// mix's StemAnalyzer, in 16384-frame blocks as io::check_stems feeds them. One 0.5 s excerpt
// window in the 10 s: about the share 24 such windows take of a 4-minute song.
const AudioBuffer& signal_of(int channels) {
  static const AudioBuffer mono = testkit::noise(-20.0, 10.0, 48000, 1, 7);
  return channels == 1 ? mono : signal();
}

void feed_blocks(auto& a, const AudioBuffer& b) {
  constexpr std::size_t block = 16384;
  for (std::size_t pos = 0; pos < b.num_frames(); pos += block)
    a.add(b.view().sub(pos, std::min(block, b.num_frames() - pos)));
}

void BM_StemFeatures(benchmark::State& state) {
  const auto& b = signal_of(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    analysis::StemFeatureAnalyzer a(48000, b.num_channels(),
                                    analysis::make_excerpt_plan(static_cast<std::int64_t>(b.num_frames()), 48000, 1));
    feed_blocks(a, b);
    benchmark::DoNotOptimize(a.finish());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(b.num_frames()));
}
BENCHMARK(BM_StemFeatures)->Arg(1)->Arg(2)->ArgName("channels")->Unit(benchmark::kMillisecond);

void BM_StemAnalyzer(benchmark::State& state) {
  const auto& b = signal_of(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    analysis::StemAnalyzer a(48000, b.num_channels());
    feed_blocks(a, b);
    benchmark::DoNotOptimize(a.finish());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(b.num_frames()));
}
BENCHMARK(BM_StemAnalyzer)->Arg(1)->Arg(2)->ArgName("channels")->Unit(benchmark::kMillisecond);

}  // namespace
