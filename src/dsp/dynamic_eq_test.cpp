#include "dsp/dynamic_eq.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dsp/dsp_test_util.hpp"

namespace mixdown::dsp {
namespace {

constexpr double kFs = 48000.0;

DynamicEqSettings deq() {
  DynamicEqSettings s;
  s.enabled = true;
  s.freq_hz = 2500;
  s.q = 1.0;
  s.max_cut_db = -4;
  s.threshold_db = -30;
  return s;
}

TEST(DynamicEq, StaticCut) {
  DynamicEq d(deq());
  EXPECT_EQ(d.static_cut_db(-40), 0.0);
  EXPECT_NEAR(d.static_cut_db(-26), -2.0, 1e-12);  // 2:1 slope
  EXPECT_NEAR(d.static_cut_db(0), -4.0, 1e-12);    // capped
}

TEST(DynamicEq, SilentKeyIsIdentity) {
  DynamicEq d(deq());
  d.prepare(ProcessSpec{kFs, 2, 1024});
  AudioBuffer x = test::noise(20000, 2, 8), y = x;
  AudioBuffer key(2, 20000);
  for (std::size_t s = 0; s < 20000; s += 1024) {
    const std::size_t n = std::min<std::size_t>(1024, 20000 - s);
    d.process(y.view().sub(s, n), key.view().sub(s, n));
  }
  for (std::size_t i = 0; i < 20000; ++i) ASSERT_EQ(x.channel(0)[i], y.channel(0)[i]);
}

TEST(DynamicEq, CutFollowsTheKeyLevelInTheBand) {
  for (double key_db : {-28.0, -26.0, -20.0}) {
    DynamicEq d(deq());
    d.prepare(ProcessSpec{kFs, 2, 1024});
    const double key_amp = std::sqrt(2.0) * std::pow(10.0, key_db / 20.0);  // band RMS = key_db
    AudioBuffer key = test::sine(2500, key_amp, 48000, kFs, 1);
    AudioBuffer x = test::sine(2500, 0.1, 48000, kFs), y = x;
    for (std::size_t s = 0; s < 48000; s += 1000) d.process(y.view().sub(s, 1000), key.view().sub(s, 1000));
    const double g = test::rms_db(y.channel(1) + 24000, 24000) - test::rms_db(x.channel(1) + 24000, 24000);
    EXPECT_NEAR(g, d.static_cut_db(key_db), 0.15) << key_db;
  }
}

TEST(DynamicEq, KeyOutsideTheBandDoesNotCut) {
  DynamicEq d(deq());
  d.prepare(ProcessSpec{kFs, 2, 1024});
  AudioBuffer key = test::sine(100, 0.5, 48000, kFs, 1);  // loud, but two decades away
  AudioBuffer x = test::sine(2500, 0.1, 48000, kFs), y = x;
  for (std::size_t s = 0; s < 48000; s += 1000) d.process(y.view().sub(s, 1000), key.view().sub(s, 1000));
  EXPECT_GT(d.cut_db(), -0.5);
}

}  // namespace
}  // namespace mixdown::dsp
