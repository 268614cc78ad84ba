#include "dsp/gate.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dsp/dsp_test_util.hpp"

namespace mixdown::dsp {
namespace {

constexpr double kFs = 48000.0;

GateSettings gate(double thr, double ratio, double range) {
  GateSettings s;
  s.enabled = true;
  s.threshold_db = thr;
  s.ratio = ratio;
  s.range_db = range;
  return s;
}

double steady_gain_db(Gate& g, double peak_db) {
  g.prepare(ProcessSpec{kFs, 2, 1024});
  AudioBuffer x = test::sine(1000, std::pow(10.0, peak_db / 20.0), 72000, kFs);
  AudioBuffer y = x;
  test::run_blocks(g, y.view());
  return test::rms_db(y.channel(0) + 48000, 24000) - test::rms_db(x.channel(0) + 48000, 24000);
}

TEST(Gate, StaticCurve) {
  Gate g(gate(-30, 2, -40));
  EXPECT_EQ(g.static_gain_db(-20), 0.0);
  EXPECT_EQ(g.static_gain_db(-30), 0.0);
  EXPECT_NEAR(g.static_gain_db(-36), -6.0, 1e-12);
  EXPECT_NEAR(g.static_gain_db(-100), -40.0, 1e-12);
}

TEST(Gate, AboveThresholdIsUntouched) {
  Gate g(gate(-30, 4, -40));
  g.prepare(ProcessSpec{kFs, 2, 1024});
  AudioBuffer x = test::sine(1000, std::pow(10.0, -20.0 / 20.0), 48000, kFs), y = x;
  test::run_blocks(g, y.view());
  for (std::size_t i = 0; i < 48000; ++i) ASSERT_EQ(x.channel(0)[i], y.channel(0)[i]);
}

TEST(Gate, BelowThresholdExpandsByTheRatioDownToTheRange) {
  Gate g(gate(-30, 2, -40));
  EXPECT_NEAR(steady_gain_db(g, -36), -6.0, 0.1);   // 6 dB under at 1:2
  Gate g4(gate(-30, 4, -40));
  EXPECT_NEAR(steady_gain_db(g4, -33), -9.0, 0.1);  // 3 dB under at 1:4
  Gate deep(gate(-30, 4, -40));
  EXPECT_NEAR(steady_gain_db(deep, -60), -40.0, 0.1);  // the range stops it
}

TEST(Gate, HoldKeepsItOpenThenItCloses) {
  GateSettings s = gate(-30, 10, -60);
  s.release_ms = 5.0;
  s.hold_ms = 50.0;
  Gate g(s);
  g.prepare(ProcessSpec{kFs, 1, 1024});
  // 0.2 s at -10 dBFS, then a -50 dBFS tone: the gate must stay open through the detector's
  // release (20 dB in ~11.5 ms) plus the hold, then close.
  AudioBuffer loud = test::sine(1000, std::pow(10.0, -10.0 / 20.0), 9600, kFs, 1);
  AudioBuffer soft = test::sine(1000, std::pow(10.0, -50.0 / 20.0), 14400, kFs, 1);
  AudioBuffer x(1, 24000);
  std::copy_n(loud.channel(0), 9600, x.channel(0));
  std::copy_n(soft.channel(0), 14400, x.channel(0) + 9600);
  AudioBuffer y = x;
  test::run_blocks(g, y.view());
  auto gain_db = [&](std::size_t from, std::size_t n) {
    return test::rms_db(y.channel(0) + from, n) - test::rms_db(x.channel(0) + from, n);
  };
  EXPECT_NEAR(gain_db(9600 + 960, 960), 0.0, 1e-6);        // 20..40 ms after the drop: open
  EXPECT_LT(gain_db(9600 + 9600, 2400), -30.0);           // 200..250 ms: closed
}

}  // namespace
}  // namespace mixdown::dsp
