// Renderer speed (issue 4): a 16-stem session with a full console — each strip HPF + 6-band EQ
// + compressor, two reverbs and a delay, four buses and the mix bus — rendered from the stem
// files on disk (decode included) to the mix and the five bus stems, without writing files.
// Reports the realtime factor (audio seconds per wall second) at 1 and 2 threads.
// The session folder comes from $MIXDOWN_BENCH_SESSION (bench/run.sh builds it); without it
// the benchmark is skipped.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "graph/renderer.hpp"
#include "io/audio_file.hpp"
#include "io/file_source.hpp"

using namespace mixdown;
namespace fs = std::filesystem;

namespace {

struct NullSink final : graph::Sink {
  double sum = 0;
  void write(const ConstAudioView& v) override { sum += v.channel(0)[0]; }
};

mix::Console full_console(const std::vector<fs::path>& files) {
  mix::Console c;
  c.sample_rate = 48000;
  const char* buses[] = {"drums", "bass", "music", "vocals"};
  int i = 0;
  for (const auto& f : files) {
    mix::Strip s;
    s.name = f.filename().string();
    s.file = f.string();
    s.bus = buses[i++ % 4];
    s.high_pass = {true, 60.0, 2};
    for (double hz : {80.0, 250.0, 800.0, 2500.0, 6000.0, 12000.0})
      s.eq.bands.push_back({true, hz < 100 ? dsp::EqType::low_shelf : hz > 10000 ? dsp::EqType::high_shelf : dsp::EqType::bell, hz, -1.5, 1.0});
    s.compressor = {true, -24.0, 3.0, 6.0, 10.0, 120.0, 3.0, dsp::Detector::rms, 1.0, ""};
    s.sends = {{"plate", -18.0, false}, {"hall", -20.0, false}, {"delay", -24.0, false}};
    s.pan.pan = (i % 3 - 1) * 0.4;
    c.strips.push_back(s);
  }
  for (const char* b : buses) {
    mix::Bus bus;
    bus.name = b;
    bus.eq.bands = {{true, dsp::EqType::bell, 400.0, -1.0, 1.0}};
    bus.compressor = {true, -18.0, 2.0, 6.0, 20.0, 150.0, 1.0, dsp::Detector::rms, 1.0, ""};
    c.buses.push_back(bus);
  }
  mix::Return plate, hall, delay;
  plate.name = "plate";
  plate.reverb.decay_s = 1.4;
  hall.name = "hall";
  hall.reverb.decay_s = 2.4;
  hall.reverb.size = 0.9;
  delay.name = "delay";
  delay.kind = mix::ReturnKind::delay;
  c.returns = {plate, hall, delay};
  c.mix_bus.compressor = {true, -16.0, 1.5, 6.0, 30.0, 200.0, 0.0, dsp::Detector::rms, 1.0, ""};
  return c;
}

void BM_RenderSession(benchmark::State& state) {
  const char* dir = std::getenv("MIXDOWN_BENCH_SESSION");
  if (!dir) {
    state.SkipWithError("set MIXDOWN_BENCH_SESSION to a folder of stems (bench/run.sh does)");
    return;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (io::has_audio_extension(e.path())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const auto console = full_console(files);
  double audio_s = 0;
  for (auto _ : state) {
    std::vector<std::unique_ptr<graph::StemSource>> src;
    for (const auto& s : console.strips) src.push_back(std::make_unique<io::FileStemSource>(s.file, 48000));
    graph::RenderOptions opt;
    opt.threads = static_cast<int>(state.range(0));
    graph::Renderer r(console, std::move(src), opt);
    NullSink sinks[6];
    std::vector<std::pair<graph::OutputId, graph::Sink*>> out = {{{graph::OutputKind::mix, ""}, &sinks[0]}};
    const char* names[] = {"drums", "bass", "music", "vocals", "fx"};
    for (int b = 0; b < 5; ++b) out.push_back({{graph::OutputKind::bus_stem, names[b]}, &sinks[b + 1]});
    const auto stats = r.render(out);
    audio_s = static_cast<double>(stats.frames) / 48000.0;
    benchmark::DoNotOptimize(sinks[0].sum);
  }
  state.counters["stems"] = static_cast<double>(files.size());
  state.counters["audio_s"] = audio_s;
  state.counters["realtime_x"] = benchmark::Counter(audio_s * static_cast<double>(state.iterations()),
                                                    benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_RenderSession)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1)->Repetitions(3)->ReportAggregatesOnly(true);
