// Kernels of the render: each benchmark processes one 1024-frame stereo block at 48 kHz.
// items/s is frames per second; divide by 48000 for the realtime factor of one instance.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "core/audio_buffer.hpp"
#include "dsp/compressor.hpp"
#include "dsp/deesser.hpp"
#include "dsp/delay.hpp"
#include "dsp/dither.hpp"
#include "dsp/dynamic_eq.hpp"
#include "dsp/fir_convolver.hpp"
#include "dsp/gate.hpp"
#include "dsp/limiter.hpp"
#include "dsp/parametric_eq.hpp"
#include "dsp/pass_filter.hpp"
#include "dsp/reverb.hpp"
#include "dsp/saturator.hpp"

namespace {

using namespace mixdown;
using namespace mixdown::dsp;

constexpr std::size_t kBlock = 1024;
const ProcessSpec kSpec{48000.0, 2, kBlock};  // a mono variant says so in its name

AudioBuffer program(std::size_t frames) {
  // Noise with a slow level swing, so dynamics processors actually move.
  AudioBuffer b(2, frames);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (std::size_t i = 0; i < frames; ++i) {
    const float env = 0.05f + 0.45f * (0.5f + 0.5f * std::sin(static_cast<float>(i) * 2e-4f));
    b.channel(0)[i] = env * u(rng);
    b.channel(1)[i] = env * u(rng);
  }
  return b;
}

// Runs p over consecutive blocks of a 1 s program, refilling from the source each time so the
// signal stays realistic (processed output is not fed back in).
template <class P>
void run(benchmark::State& state, P& p, int channels = 2) {
  p.prepare(ProcessSpec{kSpec.sample_rate, channels, kBlock});
  const AudioBuffer src = program(48 * kBlock);
  AudioBuffer work(channels, kBlock);
  std::size_t at = 0;
  for (auto _ : state) {
    work.view().copy_from(src.view().sub(at, kBlock));
    p.process(work.view());
    benchmark::DoNotOptimize(work.channel(0)[0]);
    at = (at + kBlock) % src.num_frames();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBlock));
}

EqSettings six_band_eq() {
  EqSettings s;
  s.bands = {{true, EqType::low_shelf, 100, 2, 0.707}, {true, EqType::bell, 250, -3, 1.2},
             {true, EqType::bell, 800, 1.5, 1.0},      {true, EqType::bell, 2500, -2, 1.5},
             {true, EqType::bell, 5000, 2, 1.0},       {true, EqType::high_shelf, 10000, 1.5, 0.707}};
  return s;
}

void BM_BiquadCascade_HpfPlus6BandEq(benchmark::State& state) {
  // A strip's filters: 2nd-order HPF + 6 bands = 7 sections in one fused cascade pass each.
  struct Strip {
    PassFilter hpf{PassKind::high_pass, PassFilterSettings{true, 80.0, 2}};
    ParametricEq eq{six_band_eq()};
    void prepare(const ProcessSpec& s) { hpf.prepare(s); eq.prepare(s); }
    void process(const AudioView& v) noexcept { hpf.process(v); eq.process(v); }
  } strip;
  run(state, strip);
}
BENCHMARK(BM_BiquadCascade_HpfPlus6BandEq);

void BM_ParametricEq_FusedHpfPlus6Band(benchmark::State& state) {
  // The same filters in one cascade (ParametricEq::set_settings(eq, high_pass, low_pass)).
  ParametricEq eq;
  eq.set_settings(six_band_eq(), PassFilterSettings{true, 80.0, 2}, PassFilterSettings{});
  run(state, eq);
}
BENCHMARK(BM_ParametricEq_FusedHpfPlus6Band);

void BM_ParametricEq_FusedHpfPlus6Band_Mono(benchmark::State& state) {
  ParametricEq eq;
  eq.set_settings(six_band_eq(), PassFilterSettings{true, 80.0, 2}, PassFilterSettings{});
  run(state, eq, 1);
}
BENCHMARK(BM_ParametricEq_FusedHpfPlus6Band_Mono);

// One console strip of the speed goal (HPF + 6-band EQ + compressor), stereo and mono: the unit
// the 16-stem render multiplies.
void BM_Strip_HpfEqCompressor(benchmark::State& state) {
  struct Strip {
    ParametricEq eq;
    Compressor comp;
    void prepare(const ProcessSpec& s) { eq.prepare(s); comp.prepare(s); }
    void process(const AudioView& v) noexcept { eq.process(v); comp.process(v); }
  } strip;
  strip.eq.set_settings(six_band_eq(), PassFilterSettings{true, 80.0, 2}, PassFilterSettings{});
  CompressorSettings c;
  c.enabled = true;
  c.threshold_db = -24;
  c.ratio = 3;
  strip.comp.set_settings(c);
  run(state, strip, static_cast<int>(state.range(0)));
}
BENCHMARK(BM_Strip_HpfEqCompressor)->Arg(1)->Arg(2)->ArgName("channels");

void BM_ParametricEq_6Band(benchmark::State& state) {
  ParametricEq eq(six_band_eq());
  run(state, eq);
}
BENCHMARK(BM_ParametricEq_6Band);

void BM_Compressor(benchmark::State& state) {
  CompressorSettings s;
  s.enabled = true;
  s.threshold_db = -24;
  s.ratio = 3;
  s.detector = state.range(0) == 0 ? Detector::rms : Detector::peak;
  Compressor c(s);
  run(state, c);
}
BENCHMARK(BM_Compressor)->Arg(0)->Arg(1)->ArgName("peak");

void BM_Gate(benchmark::State& state) {
  GateSettings s;
  s.enabled = true;
  s.threshold_db = -20;  // the program swings across it
  Gate g(s);
  run(state, g);
}
BENCHMARK(BM_Gate);

void BM_DeEsser(benchmark::State& state) {
  DeEsserSettings s;
  s.enabled = true;
  s.threshold_db = -30;
  DeEsser d(s);
  run(state, d);
}
BENCHMARK(BM_DeEsser);

void BM_DynamicEq(benchmark::State& state) {
  DynamicEqSettings s;
  s.enabled = true;
  s.threshold_db = -40;
  DynamicEq d(s);
  run(state, d);
}
BENCHMARK(BM_DynamicEq);

void BM_Reverb(benchmark::State& state) {
  Reverb r(ReverbSettings{});
  run(state, r);
}
BENCHMARK(BM_Reverb);

void BM_Delay(benchmark::State& state) {
  Delay d(DelaySettings{});
  run(state, d);
}
BENCHMARK(BM_Delay);

void BM_Saturator(benchmark::State& state) {
  SaturatorSettings s;
  s.enabled = true;
  s.drive_db = 9;
  Saturator sat(s);
  run(state, sat);
}
BENCHMARK(BM_Saturator);

// The writer's quantiser: one 1024-frame stereo block to dithered 24-bit integers per
// iteration, each channel at its interleaved indices, with the over/peak tallies it keeps.
void BM_Dither24(benchmark::State& state) {
  const AudioBuffer src = program(48000);
  std::vector<TpdfDither> d(2, TpdfDither(24, 0x6D69786Full));
  std::vector<std::int32_t> q(2 * kBlock);
  QuantizeStats stats;
  std::size_t pos = 0;
  std::uint64_t frame = 0;
  for (auto _ : state) {
    if (pos + kBlock > src.num_frames()) pos = 0;
    for (std::size_t c = 0; c < 2; ++c)
      d[c].quantize(src.channel(static_cast<int>(c)) + pos, q.data() + c * kBlock, kBlock, frame * 2 + c, 2, stats);
    benchmark::DoNotOptimize(q.data());
    pos += kBlock;
    frame += kBlock;
  }
  benchmark::DoNotOptimize(stats);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBlock));
}
BENCHMARK(BM_Dither24);

// The mastering limiter as the master's landing pass runs it: 32768-frame stereo blocks of the
// program driven `drive` dB into a -1 dBTP ceiling (0: it hardly acts; 12: it works throughout).
void BM_TruePeakLimiter(benchmark::State& state) {
  constexpr std::size_t kMasterBlock = 32768;
  const AudioBuffer src = program(8 * kMasterBlock);
  const float drive = static_cast<float>(std::pow(10.0, static_cast<double>(state.range(0)) / 20.0));
  TruePeakLimiter lim(LimiterSettings{-1.0, 5.0, 60.0});
  lim.prepare(ProcessSpec{48000.0, 2, kMasterBlock});
  AudioBuffer work(2, kMasterBlock);
  std::size_t at = 0;
  for (auto _ : state) {
    work.view().copy_from(src.view().sub(at, kMasterBlock), drive);
    lim.process(work.view());
    benchmark::DoNotOptimize(work.channel(0)[0]);
    at = (at + kMasterBlock) % src.num_frames();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kMasterBlock));
}
BENCHMARK(BM_TruePeakLimiter)->Arg(0)->Arg(12)->ArgName("drive_db");

// The master's matching EQ as an FIR (dsp/fir_convolver): one channel, 32768-frame blocks as the
// master's passes give it, a decaying-noise response of `taps` frames in partitions of
// `partition` frames.
void BM_FirConvolver(benchmark::State& state) {
  constexpr std::size_t kMasterBlock = 32768;
  const auto partition = static_cast<std::size_t>(state.range(0)), taps = static_cast<std::size_t>(state.range(1));
  std::vector<float> h(taps);
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (std::size_t i = 0; i < taps; ++i) h[i] = u(rng) * std::exp(-8.0f * static_cast<float>(i) / static_cast<float>(taps));
  const auto kernel = std::make_shared<const FirKernel>(h, partition);
  FirChannel fir(kernel);
  const AudioBuffer src = program(8 * kMasterBlock);
  std::vector<float> work(kMasterBlock);
  std::size_t at = 0;
  for (auto _ : state) {
    std::copy_n(src.channel(0) + at, kMasterBlock, work.data());
    fir.process(work.data(), kMasterBlock);
    benchmark::DoNotOptimize(work[0]);
    at = (at + kMasterBlock) % src.num_frames();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kMasterBlock));
}
BENCHMARK(BM_FirConvolver)->ArgsProduct({{4096, 8192, 16384, 32768}, {24576, 65536, 131072}})->ArgNames({"partition", "taps"});

}  // namespace
