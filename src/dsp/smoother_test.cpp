#include "dsp/smoother.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dsp/dsp_test_util.hpp"

namespace mixdown::dsp {
namespace {

TEST(Smoother, LinearRampReachesTheTargetExactlyOnTime) {
  Smoother s(Smoother::Mode::linear, 10.0);
  s.prepare(48000);
  s.snap(0.0);
  s.set_target(-12.0);
  double prev = 0.0;
  for (int i = 0; i < 479; ++i) {
    const double v = s.next();
    ASSERT_LT(v, prev);
    ASSERT_GT(v, -12.0);
    prev = v;
  }
  EXPECT_EQ(s.next(), -12.0);  // frame 480 = 10 ms
  EXPECT_TRUE(s.settled());
  EXPECT_EQ(s.next(), -12.0);
}

TEST(Smoother, OnePoleTimeConstant) {
  Smoother s(Smoother::Mode::one_pole, 10.0);
  s.prepare(48000);
  s.snap(0.0);
  s.set_target(1.0);
  s.skip(480);
  EXPECT_NEAR(s.current(), 1.0 - std::exp(-1.0), 1e-6);
}

TEST(Smoother, FillAndSkipAgreeWithNext) {
  Smoother a(Smoother::Mode::linear, 5.0), b(Smoother::Mode::linear, 5.0);
  a.prepare(44100);
  b.prepare(44100);
  a.set_target(3.0);
  b.set_target(3.0);
  float buf[100];
  a.fill(buf, 100);
  for (int i = 0; i < 100; ++i) ASSERT_FLOAT_EQ(buf[i], static_cast<float>(b.next()));
  a.skip(50);
  for (int i = 0; i < 50; ++i) b.next();
  EXPECT_NEAR(a.current(), b.current(), 1e-12);
}

TEST(GainSmoother, RampsInDbAndLandsOnTheGain) {
  GainSmoother g(20.0);
  g.prepare(ProcessSpec{48000, 2, 1024});
  g.snap_gain_db(0.0);
  g.set_gain_db(-6.0);
  AudioBuffer x(2, 2048);
  for (int c = 0; c < 2; ++c) std::fill_n(x.channel(c), 2048, 1.0f);
  test::run_blocks(g, x.view(), 1024);
  // Halfway through the 960-frame ramp: -3 dB (linear in dB, not in gain).
  EXPECT_NEAR(20 * std::log10(x.channel(0)[479]), -3.0, 0.01);
  EXPECT_NEAR(20 * std::log10(x.channel(1)[1500]), -6.0, 1e-4);
}

TEST(GainSmoother, AutomationRampsArePiecewiseLinearInDb) {
  GainSmoother g(20.0, Smoother::Mode::one_pole);
  g.prepare(ProcessSpec{48000, 1, 512});
  g.snap_gain_db(0.0);
  AudioBuffer x(1, 1024);
  std::fill_n(x.channel(0), 1024, 1.0f);
  g.ramp_to_db(-10.0, 512);  // breakpoint values at block ends
  g.process(x.view().sub(0, 512));
  g.ramp_to_db(-4.0, 512);
  g.process(x.view().sub(512, 512));
  auto db = [&](std::size_t i) { return 20 * std::log10(x.channel(0)[i]); };
  EXPECT_NEAR(db(255), -10.0 * 256 / 512, 1e-3);
  EXPECT_NEAR(db(511), -10.0, 1e-4);
  EXPECT_NEAR(db(767), -10.0 + 6.0 * 256 / 512, 1e-3);
  EXPECT_NEAR(db(1023), -4.0, 1e-4);
}

TEST(GainSmoother, VeryLowDbIsSilence) {
  GainSmoother g(0.0);
  g.prepare(ProcessSpec{48000, 1, 64});
  g.snap_gain_db(-200.0);
  AudioBuffer x = test::noise(64, 1, 1);
  g.process(x.view());
  for (std::size_t i = 0; i < 64; ++i) ASSERT_EQ(x.channel(0)[i], 0.0f);
}

}  // namespace
}  // namespace mixdown::dsp
