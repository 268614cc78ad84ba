#include "dsp/deesser.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dsp/dsp_test_util.hpp"

namespace mixdown::dsp {
namespace {

constexpr double kFs = 48000.0;

DeEsserSettings ds() {
  DeEsserSettings s;
  s.enabled = true;
  s.freq_hz = 6000;
  s.threshold_db = -30;
  s.max_reduction_db = 8;
  return s;
}

double steady_gain_db(DeEsser& d, double hz, double amp) {
  d.prepare(ProcessSpec{kFs, 2, 1024});
  AudioBuffer x = test::sine(hz, amp, 48000, kFs), y = x;
  test::run_blocks(d, y.view());
  return test::rms_db(y.channel(0) + 24000, 24000) - test::rms_db(x.channel(0) + 24000, 24000);
}

TEST(DeEsser, TransparentAtRestBitForBit) {
  DeEsser d(ds());
  d.prepare(ProcessSpec{kFs, 2, 1024});
  AudioBuffer x = test::noise(48000, 2, 3, 0.005), y = x;  // high band far below -30 dB
  test::run_blocks(d, y.view());
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < 48000; ++i) ASSERT_EQ(x.channel(c)[i], y.channel(c)[i]);
  EXPECT_EQ(d.gain_reduction_db(), 0.0);
}

TEST(DeEsser, LoudSibilanceIsReducedLowsAreNot) {
  DeEsser d(ds());
  const double hi = steady_gain_db(d, 10000, 0.5);
  // The high band is turned down by 8 dB; the split is complementary rather than phase-matched,
  // so just above the split frequency the dip is up to ~2.5 dB deeper (see deesser.hpp).
  EXPECT_LT(hi, -6.0);
  EXPECT_GT(hi, -10.5);
  EXPECT_NEAR(d.gain_reduction_db(), -8.0, 0.2);  // 4:1 of ~21 dB over, capped at 8
  DeEsser low(ds());
  EXPECT_NEAR(steady_gain_db(low, 200, 0.5), 0.0, 0.01);
}

}  // namespace
}  // namespace mixdown::dsp
