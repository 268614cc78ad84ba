// Writer speed: 60 s of stereo noise written as 24-bit WAV in 2048-frame blocks (the
// renderer's block), dither and packing included, to a temporary file (page cache). Reports
// samples per second; the per-sample cost of the writer is what every render output pays.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "../tests/support/testing.hpp"
#include "io/audio_file.hpp"

using namespace mixdown;

namespace {

void BM_WriteWav(benchmark::State& state) {
  const auto format = state.range(0) == 24 ? io::SampleFormat::wav24 : io::SampleFormat::wav_float;
  testkit::TempDir dir;
  const auto src = testkit::noise(-12.0, 60.0, 48000, 2, 3);
  for (auto _ : state) {
    io::WriteSpec spec;
    spec.format = format;
    io::AudioWriter w(dir / "out.wav", spec);
    for (std::size_t pos = 0; pos < src.num_frames(); pos += 2048)
      w.write(src.view().sub(pos, std::min<std::size_t>(2048, src.num_frames() - pos)));
    w.commit();
  }
  state.counters["samples_per_s"] =
      benchmark::Counter(static_cast<double>(src.num_frames() * 2 * state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_WriteWav)->Arg(24)->Arg(32)->Unit(benchmark::kMillisecond)->Iterations(3);
