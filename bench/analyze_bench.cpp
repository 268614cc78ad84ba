// Kernels of `mixdown analyze`: K-weighting + gating (BS.1770-4), the Annex 2 true-peak
// interpolator, and the whole per-file Analyzer, on 10 s of stereo noise at 48 kHz.
#include <benchmark/benchmark.h>

#include "analysis/analyzer.hpp"
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

}  // namespace
