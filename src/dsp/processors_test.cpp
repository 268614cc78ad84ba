// Properties every processor must have: reset() equivalence (process, reset, process again →
// identical output), block-size independence where it is promised, and the test-only
// allocation hook: process() must never allocate. The hook replaces the global operator
// new/delete for this test binary (this is the ONE file that does) and counts allocations on
// the current thread while switched on around process() calls.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>
#include <vector>

#include "dsp/compressor.hpp"
#include "dsp/deesser.hpp"
#include "dsp/delay.hpp"
#include "dsp/dsp_test_util.hpp"
#include "dsp/dynamic_eq.hpp"
#include "dsp/gate.hpp"
#include "dsp/pan_width.hpp"
#include "dsp/parametric_eq.hpp"
#include "dsp/pass_filter.hpp"
#include "dsp/reverb.hpp"
#include "dsp/saturator.hpp"
#include "dsp/smoother.hpp"

namespace {
thread_local bool g_counting = false;
thread_local long g_allocations = 0;
}  // namespace

// GCC 12 inlines these replacements into std::allocator code and then flags free() on a pointer
// from "operator new" (-Wmismatched-new-delete); they are a matched malloc/free pair.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace mixdown::dsp {
namespace {

class CountAllocations {
public:
  CountAllocations() {
    g_allocations = 0;
    g_counting = true;
  }
  ~CountAllocations() { g_counting = false; }
  long count() const { return g_allocations; }
};

constexpr double kFs = 48000.0;

EqSettings eq6() {
  EqSettings s;
  s.bands = {{true, EqType::high_pass, 40, 0, 0.707},   {true, EqType::low_shelf, 120, 2, 0.707},
             {true, EqType::bell, 350, -3, 1.2},        {true, EqType::bell, 1800, 1.5, 1.0},
             {true, EqType::bell, 4500, -2, 2.0},       {true, EqType::high_shelf, 10000, 1.5, 0.707}};
  return s;
}
CompressorSettings comp() {
  CompressorSettings s;
  s.enabled = true;
  s.threshold_db = -24;
  s.ratio = 3;
  s.makeup_db = 2;
  s.mix = 0.8;
  s.key = "kick";
  return s;
}
GateSettings gate() {
  GateSettings s;
  s.enabled = true;
  s.threshold_db = -1;  // above the test noise's envelope: the gate works on it
  return s;
}
DeEsserSettings deess() {
  DeEsserSettings s;
  s.enabled = true;
  s.threshold_db = -40;
  return s;
}
DynamicEqSettings dyneq() {
  DynamicEqSettings s;
  s.enabled = true;
  s.threshold_db = -40;
  s.key = "lead vocal";
  return s;
}
SaturatorSettings sat() {
  SaturatorSettings s;
  s.enabled = true;
  s.drive_db = 9;
  s.mix = 0.7;
  return s;
}

// Runs p over `x` in blocks of 480 with the allocation counter on; returns the count.
template <class P>
long process_counting(P& p, AudioBuffer& x, const AudioBuffer* key = nullptr) {
  CountAllocations counter;
  for (std::size_t s = 0; s < x.num_frames(); s += 480) {
    const std::size_t n = std::min<std::size_t>(480, x.num_frames() - s);
    if constexpr (KeyedProcessor<P>) {
      if (key != nullptr) {
        p.process(x.view().sub(s, n), key->view().sub(s, n));
        continue;
      }
    }
    p.process(x.view().sub(s, n));
  }
  return counter.count();
}

// process → reset → process gives the same output; process never allocates.
template <class P>
void check(P& p, const char* name, const AudioBuffer* key = nullptr) {
  p.prepare(ProcessSpec{kFs, 2, 1024});
  const AudioBuffer input = test::noise(9600, 2, 1234, 0.7);
  AudioBuffer first = input;
  EXPECT_EQ(process_counting(p, first, key), 0) << name << ": process() allocated";
  p.reset();
  AudioBuffer second = input;
  EXPECT_EQ(process_counting(p, second, key), 0) << name << ": process() allocated after reset";
  bool differs_from_input = false;
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < input.num_frames(); ++i) {
      ASSERT_EQ(first.channel(c)[i], second.channel(c)[i]) << name << ": reset() not equivalent at " << i;
      differs_from_input |= first.channel(c)[i] != input.channel(c)[i];
    }
  EXPECT_TRUE(differs_from_input) << name << ": the check needs a processor that does something";
}

TEST(Processors, TheAllocationHookCounts) {
  CountAllocations counter;
  {
    std::vector<float> v(100);
    v.resize(1000);
  }
  EXPECT_GE(counter.count(), 2);
}

TEST(Processors, ResetIsEquivalentAndProcessNeverAllocates) {
  { Biquad p(EqBand{true, EqType::bell, 1000, 6, 1}); check(p, "Biquad"); }
  { PassFilter p(PassKind::high_pass, PassFilterSettings{true, 120, 4}); check(p, "PassFilter HP"); }
  { PassFilter p(PassKind::low_pass, PassFilterSettings{true, 8000, 3}); check(p, "PassFilter LP"); }
  { ParametricEq p(eq6()); check(p, "ParametricEq"); }
  { Compressor p(comp()); check(p, "Compressor"); }
  {
    Compressor p(comp());
    const AudioBuffer key = test::sine(60, 0.9, 9600, kFs, 1);
    check(p, "Compressor keyed", &key);
  }
  { Gate p(gate()); check(p, "Gate"); }
  { DeEsser p(deess()); check(p, "DeEsser"); }
  { DynamicEq p(dyneq()); check(p, "DynamicEq self"); }
  {
    DynamicEq p(dyneq());
    const AudioBuffer key = test::noise(9600, 1, 77, 0.5);
    check(p, "DynamicEq keyed", &key);
  }
  { Saturator p(sat()); check(p, "Saturator"); }
  { PanWidth p(PanSettings{0.4, 1.5}); check(p, "PanWidth"); }
  { Reverb p(ReverbSettings{}); check(p, "Reverb"); }
  { Delay p(DelaySettings{}); check(p, "Delay"); }
  {
    GainSmoother p(50.0);
    p.set_gain_db(-6.0);
    check(p, "GainSmoother");
  }
}

TEST(Processors, SetSettingsWithAnUnchangedShapeDoesNotAllocate) {
  ParametricEq eq(eq6());
  Compressor c(comp());
  Reverb r(ReverbSettings{});
  Delay d(DelaySettings{});
  PassFilter hp(PassKind::high_pass, PassFilterSettings{true, 80, 2});
  eq.prepare(ProcessSpec{kFs, 2, 1024});
  c.prepare(ProcessSpec{kFs, 2, 1024});
  r.prepare(ProcessSpec{kFs, 2, 1024});
  d.prepare(ProcessSpec{kFs, 2, 1024});
  hp.prepare(ProcessSpec{kFs, 2, 1024});
  EqSettings e = eq6();
  e.bands[2].gain_db = -5;
  CompressorSettings cs = comp();
  cs.threshold_db = -30;
  ReverbSettings rs;
  rs.size = 0.9;
  rs.decay_s = 3.0;
  DelaySettings ds;
  ds.time_ms = 500;
  CountAllocations counter;
  eq.set_settings(e);
  c.set_settings(cs);
  r.set_settings(rs);
  d.set_settings(ds);
  hp.set_settings(PassFilterSettings{true, 100, 8});
  EXPECT_EQ(counter.count(), 0);
}

TEST(Processors, NeutralSettingsAreIdentity) {
  const AudioBuffer input = test::noise(4096, 2, 99, 0.7);
  auto unchanged = [&](auto& p, const char* name) {
    p.prepare(ProcessSpec{kFs, 2, 1024});
    AudioBuffer y = input;
    test::run_blocks(p, y.view(), 1024);
    for (int c = 0; c < 2; ++c)
      for (std::size_t i = 0; i < input.num_frames(); ++i)
        ASSERT_EQ(y.channel(c)[i], input.channel(c)[i]) << name << " at " << i;
  };
  { PassFilter p(PassKind::high_pass, PassFilterSettings{}); unchanged(p, "PassFilter off"); }
  { ParametricEq p(EqSettings{}); unchanged(p, "ParametricEq empty"); }
  { Compressor p(CompressorSettings{}); unchanged(p, "Compressor off"); }
  { Gate p(GateSettings{}); unchanged(p, "Gate off"); }
  { DeEsser p(DeEsserSettings{}); unchanged(p, "DeEsser off"); }
  { DynamicEq p(DynamicEqSettings{}); unchanged(p, "DynamicEq off"); }
  { Saturator p(SaturatorSettings{}); unchanged(p, "Saturator off"); }
  { PanWidth p(PanSettings{}); unchanged(p, "PanWidth centre"); }
  { GainSmoother p; unchanged(p, "GainSmoother 0 dB"); }
  {
    CompressorSettings s = comp();
    s.threshold_db = 0.0;
    s.knee_db = 0.0;
    s.makeup_db = 0.0;
    s.mix = 1.0;
    Compressor p(s);
    unchanged(p, "Compressor above every peak");
  }
}

}  // namespace
}  // namespace mixdown::dsp

namespace mixdown::dsp {
namespace {

TEST(Processors, NonFiniteKeySamplesDoNotMuteTheCompressor) {
  // Same program with and without a NaN and an Inf: from 0.1 s on the outputs agree closely
  // (the detector read the bad samples as silence instead of as infinitely loud).
  Compressor a(comp()), b(comp());
  a.prepare(ProcessSpec{kFs, 2, 1024});
  b.prepare(ProcessSpec{kFs, 2, 1024});
  AudioBuffer x = test::noise(48000, 2, 3, 0.5), y = x;
  y.channel(0)[100] = std::numeric_limits<float>::quiet_NaN();
  y.channel(1)[300] = std::numeric_limits<float>::infinity();
  test::run_blocks(a, x.view());
  test::run_blocks(b, y.view());
  for (std::size_t i = 4800; i < 48000; ++i) ASSERT_NEAR(x.channel(0)[i], y.channel(0)[i], 1e-3f) << i;
}

TEST(Processors, RecoverAfterANonFiniteInput) {
  // A NaN and an Inf in the first block; then ordinary signal. The bad samples may come out
  // (the renderer's guard handles them), but the state must heal: the tail is finite again.
  auto heals = [](auto& p, const char* name, std::size_t frames = 96000) {
    p.prepare(ProcessSpec{kFs, 2, 1024});
    AudioBuffer x = test::noise(frames, 2, 5, 0.5);
    x.channel(0)[100] = std::numeric_limits<float>::quiet_NaN();
    x.channel(1)[200] = std::numeric_limits<float>::infinity();
    test::run_blocks(p, x.view(), 1024);
    for (int c = 0; c < 2; ++c)
      for (std::size_t i = frames - 24000; i < frames; ++i)
        ASSERT_TRUE(std::isfinite(x.channel(c)[i])) << name << " channel " << c << " frame " << i;
  };
  { ParametricEq p(eq6()); heals(p, "ParametricEq"); }
  { PassFilter p(PassKind::high_pass, PassFilterSettings{true, 80, 4}); heals(p, "PassFilter"); }
  { Compressor p(comp()); heals(p, "Compressor"); }
  {
    CompressorSettings s = comp();
    s.detector = Detector::peak;
    Compressor p(s);
    heals(p, "Compressor peak");
  }
  { Gate p(gate()); heals(p, "Gate"); }
  { DeEsser p(deess()); heals(p, "DeEsser"); }
  { DynamicEq p(dyneq()); heals(p, "DynamicEq"); }
  { Saturator p(sat()); heals(p, "Saturator"); }
  { PanWidth p(PanSettings{0.3, 1.2}); heals(p, "PanWidth"); }
  { Reverb p(ReverbSettings{}); heals(p, "Reverb"); }
  { Delay p(DelaySettings{}); heals(p, "Delay", 200000); }
}

}  // namespace
}  // namespace mixdown::dsp

namespace mixdown::dsp {
namespace {

// tail_frames() is what the renderer flushes after the last input frame: past it, an impulse's
// response must have died away (below -60 dB of its peak).
template <class P>
void check_tail(P& p, const char* name) {
  p.prepare(ProcessSpec{kFs, 2, 1024});
  const std::size_t tail = p.tail_frames();
  ASSERT_GT(tail, 0u) << name;
  const std::size_t n = tail + 48000;
  AudioBuffer x = test::impulse(2, n, 0);
  test::run_blocks(p, x.view());
  float peak = 0.0f, after = 0.0f;
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < n; ++i) {
      const float v = std::abs(x.channel(c)[i]);
      if (i <= tail) peak = std::max(peak, v);
      else after = std::max(after, v);
    }
  EXPECT_LT(after, peak * 1e-3f) << name << ": still ringing after tail_frames() = " << tail;
}

TEST(Processors, TailFramesCoverTheRinging) {
  { ParametricEq p(eq6()); check_tail(p, "ParametricEq"); }
  { PassFilter p(PassKind::high_pass, PassFilterSettings{true, 30, 8}); check_tail(p, "PassFilter HP 8th order"); }
  {
    ReverbSettings s;
    s.decay_s = 1.2;
    Reverb p(s);
    check_tail(p, "Reverb");
  }
  {
    DelaySettings s;
    s.time_ms = 200;
    s.feedback = 0.6;
    Delay p(s);
    check_tail(p, "Delay");
  }
}

TEST(Processors, CompressorReleaseTimeConstant) {
  // After a loud DC step settles, drop to a level below the knee: the reduction returns toward
  // 0 dB with the release time constant (1/e of the way left after release_ms).
  CompressorSettings s = comp();
  s.key.clear();
  s.detector = Detector::peak;
  s.knee_db = 0.0;
  s.mix = 1.0;
  s.makeup_db = 0.0;
  s.attack_ms = 1.0;
  s.release_ms = 50.0;
  Compressor c(s);
  c.prepare(ProcessSpec{kFs, 1, 1024});
  AudioBuffer x(1, 24000 + 2400);
  std::fill_n(x.channel(0), 24000, 0.5f);
  std::fill_n(x.channel(0) + 24000, 2400, 0.01f);  // -40 dBFS: far below the -24 dB threshold
  test::run_blocks(c, x.view());
  const double start = c.static_gain_db(20 * std::log10(0.5));
  const double at_tau = 20 * std::log10(x.channel(0)[24000 + 2399] / 0.01);  // 50 ms later
  EXPECT_NEAR(at_tau / start, std::exp(-1.0), 0.01);
}

}  // namespace
}  // namespace mixdown::dsp
