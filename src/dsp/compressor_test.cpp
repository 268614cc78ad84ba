#include "dsp/compressor.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dsp/dsp_test_util.hpp"

namespace mixdown::dsp {
namespace {

constexpr double kFs = 48000.0;

// Output/input RMS gain of a steady sine, measured over whole cycles after settling.
double steady_gain_db(Compressor& c, double amplitude, double hz = 1000.0) {
  c.prepare(ProcessSpec{kFs, 2, 1024});
  AudioBuffer x = test::sine(hz, amplitude, 48000, kFs);
  AudioBuffer y = x;
  test::run_blocks(c, y.view());
  const std::size_t from = 24000, n = 24000;  // the last 0.5 s: 500 whole cycles at 1 kHz
  return test::rms_db(y.channel(0) + from, n) - test::rms_db(x.channel(0) + from, n);
}

CompressorSettings settings(double thr, double ratio, double knee, Detector d = Detector::rms) {
  CompressorSettings s;
  s.enabled = true;
  s.threshold_db = thr;
  s.ratio = ratio;
  s.knee_db = knee;
  s.attack_ms = 2.0;
  s.release_ms = 50.0;
  s.detector = d;
  return s;
}

TEST(Compressor, StaticCurveFollowsGiannoulisSoftKnee) {
  Compressor c(settings(-20, 4, 6));
  EXPECT_DOUBLE_EQ(c.static_gain_db(-30), 0.0);            // below the knee
  EXPECT_NEAR(c.static_gain_db(-20), -0.75 * 6 / 8, 1e-12);  // at threshold: -(1-1/R) W / 8
  EXPECT_NEAR(c.static_gain_db(-10), -7.5, 1e-12);          // above: 10 dB over at 4:1
  EXPECT_NEAR(c.static_gain_db(-17), -0.75 * 3, 1e-12);     // knee edge meets the line
  Compressor hard(settings(-20, 2, 0));
  EXPECT_DOUBLE_EQ(hard.static_gain_db(-20.0001), 0.0);
  EXPECT_NEAR(hard.static_gain_db(-14), -3.0, 1e-12);
}

TEST(Compressor, MeasuredSteadySineGainMatchesTheStaticCurveRms) {
  for (double level_db : {-40.0, -24.0, -21.0, -20.0, -18.0, -12.0, -6.0}) {
    Compressor c(settings(-20, 4, 6));
    const double amplitude = std::sqrt(2.0) * std::pow(10.0, level_db / 20.0);  // RMS = level
    EXPECT_NEAR(steady_gain_db(c, amplitude), c.static_gain_db(level_db), 0.1) << level_db;
  }
}

TEST(Compressor, PeakDetectorUsesThePeakLevel) {
  CompressorSettings s = settings(-20, 3, 0, Detector::peak);
  s.attack_ms = 0.1;
  s.release_ms = 2000.0;  // holds the peak's reduction through each cycle
  Compressor c(s);
  const double peak_db = -8.0;
  EXPECT_NEAR(steady_gain_db(c, std::pow(10.0, peak_db / 20.0)), c.static_gain_db(peak_db), 0.3);
  EXPECT_NEAR(c.static_gain_db(peak_db), -8.0, 1e-12);
}

TEST(Compressor, MakeupAndParallelMix) {
  CompressorSettings s = settings(-20, 4, 0);
  s.makeup_db = 3.0;
  Compressor c(s);
  const double amp = std::sqrt(2.0) * std::pow(10.0, -8.0 / 20.0);  // 12 dB over: -9 dB
  EXPECT_NEAR(steady_gain_db(c, amp), -9.0 + 3.0, 0.1);
  s.mix = 0.5;
  s.makeup_db = 0.0;
  Compressor p(s);
  EXPECT_NEAR(steady_gain_db(p, amp), 20 * std::log10(0.5 + 0.5 * std::pow(10.0, -9.0 / 20.0)), 0.1);
}

TEST(Compressor, FramesGroupedOrOneByOneFollowTheSameGainCurve) {
  // The gain smoothing takes four frames at a time where all four pick one coefficient, and
  // goes frame by frame where they mix (as the RMS window takes four at a time): fed one frame
  // per call every frame goes one by one. Bursts of noise with swells and drops make both
  // coefficients and the changes between them frequent; the two runs must give the same
  // output to float precision, and both detectors must actually reduce.
  for (const Detector d : {Detector::rms, Detector::peak}) {
    SCOPED_TRACE(d == Detector::rms ? "rms" : "peak");
    CompressorSettings s = settings(-30, 4, 6, d);
    s.attack_ms = 1.0;
    s.release_ms = 40.0;
    s.makeup_db = 3.0;
    const std::size_t n = 24000;
    AudioBuffer x(2, n);
    std::uint32_t seed = 12345;
    for (std::size_t i = 0; i < n; ++i) {
      const double env = 0.02 + 0.6 * std::pow(0.5 + 0.5 * std::sin(double(i) * 2.0 * 3.14159265 / 3000.0), 3.0);
      for (int c = 0; c < 2; ++c) {
        seed = seed * 1664525u + 1013904223u;
        x.channel(c)[i] = static_cast<float>(env * (double(seed >> 8) / double(1u << 24) - 0.5) * 2.0);
      }
    }
    AudioBuffer grouped = x, single = x;
    Compressor a(s), b(s);
    a.prepare(ProcessSpec{kFs, 2, 1024});
    b.prepare(ProcessSpec{kFs, 2, 1024});
    test::run_blocks(a, grouped.view());
    double deepest = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      b.process(single.view().sub(i, 1));
      deepest = std::min(deepest, b.gain_reduction_db());
    }
    EXPECT_LT(deepest, -6.0);
    double worst = 0.0;
    for (int c = 0; c < 2; ++c)
      for (std::size_t i = 0; i < n; ++i)
        worst = std::max(worst, std::abs(double(grouped.channel(c)[i]) - double(single.channel(c)[i])));
    EXPECT_LT(worst, 1e-6);
  }
}

TEST(Compressor, AttackTimeConstantOnAStep) {
  // A DC step makes the peak detector's level constant, so the reduction follows the
  // one-pole exactly: 1 - 1/e of the target after attack_ms.
  CompressorSettings s = settings(-20, 4, 0, Detector::peak);
  s.attack_ms = 10.0;
  Compressor c(s);
  c.prepare(ProcessSpec{kFs, 1, 1024});
  AudioBuffer x(1, 4800);
  std::fill_n(x.channel(0), 4800, 0.5f);  // -6.02 dBFS: target -10.5 dB
  test::run_blocks(c, x.view());
  const double target = c.static_gain_db(20 * std::log10(0.5));
  const double at_tau = 20 * std::log10(x.channel(0)[479] / 0.5);
  EXPECT_NEAR(at_tau / target, 1.0 - std::exp(-1.0), 0.01);
  EXPECT_NEAR(c.gain_reduction_db(), target, 0.01);  // settled by the end (0.1 s = 10 tau)
}

TEST(Compressor, ExternalKeyDrivesTheGain) {
  Compressor c(settings(-20, 4, 0));
  c.prepare(ProcessSpec{kFs, 2, 1024});
  AudioBuffer io = test::sine(200, 0.01, 48000, kFs);   // far below threshold by itself
  AudioBuffer key = test::sine(1000, std::sqrt(2.0) * std::pow(10.0, -8.0 / 20.0), 48000, kFs);
  const AudioBuffer dry = io;
  for (std::size_t s = 0; s < 48000; s += 1000)
    c.process(io.view().sub(s, 1000), key.view().sub(s, 1000));
  const double g = test::rms_db(io.channel(0) + 24000, 24000) - test::rms_db(dry.channel(0) + 24000, 24000);
  EXPECT_NEAR(g, -9.0, 0.15);
  // Self-keyed, the same quiet signal is untouched.
  Compressor self(settings(-20, 4, 0));
  AudioBuffer quiet = dry;
  self.prepare(ProcessSpec{kFs, 2, 1024});
  test::run_blocks(self, quiet.view());
  EXPECT_EQ(self.gain_reduction_db(), 0.0);
  for (std::size_t i = 0; i < 48000; ++i) ASSERT_EQ(quiet.channel(0)[i], dry.channel(0)[i]);
}

TEST(Compressor, DisabledIsIdentity) {
  CompressorSettings s = settings(-40, 10, 0);
  s.enabled = false;
  Compressor c(s);
  c.prepare(ProcessSpec{kFs, 2, 512});
  AudioBuffer x = test::noise(3000, 2, 2), y = x;
  test::run_blocks(c, y.view(), 512);
  for (std::size_t i = 0; i < 3000; ++i) ASSERT_EQ(x.channel(1)[i], y.channel(1)[i]);
}

TEST(Compressor, LimiterRatioHoldsTheThreshold) {
  Compressor c(settings(-12, 1000, 0));
  const double amp = std::sqrt(2.0) * std::pow(10.0, -2.0 / 20.0);  // RMS -2 dB: 10 dB over
  EXPECT_NEAR(steady_gain_db(c, amp), -10.0, 0.1);
}

}  // namespace
}  // namespace mixdown::dsp
