#include "dsp/pan_width.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dsp/dsp_test_util.hpp"

namespace mixdown::dsp {
namespace {

// Pans a mono sine and returns the left and right levels relative to the input, in dB.
std::pair<double, double> mono_levels(double pan) {
  PanWidth p(PanSettings{pan, 1.0});
  p.prepare(ProcessSpec{48000, 2, 1024});
  AudioBuffer in = test::sine(1000, 0.5, 4800, 48000, 1);
  AudioBuffer out(2, 4800);
  p.process(in.view(), out.view());
  const double ref = test::rms_db(in.channel(0), 4800);
  return {test::rms_db(out.channel(0), 4800) - ref, test::rms_db(out.channel(1), 4800) - ref};
}

TEST(PanWidth, MonoCentreIsMinus3dBEachSide) {
  const auto [l, r] = mono_levels(0.0);
  EXPECT_NEAR(l, -3.0103, 0.01);
  EXPECT_NEAR(r, -3.0103, 0.01);
}

TEST(PanWidth, MonoHardLeftAndRight) {
  const auto [l, r] = mono_levels(-1.0);
  EXPECT_NEAR(l, 0.0, 0.01);
  EXPECT_LT(r, -120.0);
  const auto [l2, r2] = mono_levels(1.0);
  EXPECT_LT(l2, -120.0);
  EXPECT_NEAR(r2, 0.0, 0.01);
}

TEST(PanWidth, MonoPowerIsConstantAcrossTheArc) {
  for (double pan = -1.0; pan <= 1.0; pan += 0.125) {
    const auto [l, r] = mono_levels(pan);
    EXPECT_NEAR(10 * std::log10(std::pow(10.0, l / 10) + std::pow(10.0, r / 10)), 0.0, 0.01) << pan;
  }
}

TEST(PanWidth, StereoNeutralIsBitExactIdentity) {
  PanWidth p(PanSettings{0.0, 1.0});
  p.prepare(ProcessSpec{48000, 2, 1024});
  AudioBuffer x = test::noise(2000, 2, 6), y = x;
  p.process(y.view());
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < 2000; ++i) ASSERT_EQ(x.channel(c)[i], y.channel(c)[i]);
}

TEST(PanWidth, WidthZeroFoldsToMidAndHardPanKeepsOneSide) {
  PanWidth p(PanSettings{0.0, 0.0});
  p.prepare(ProcessSpec{48000, 2, 1024});
  AudioBuffer x = test::noise(1000, 2, 7), y = x;
  p.process(y.view());
  for (std::size_t i = 0; i < 1000; ++i) {
    const float mid = 0.5f * (x.channel(0)[i] + x.channel(1)[i]);
    ASSERT_NEAR(y.channel(0)[i], mid, 1e-6f);
    ASSERT_NEAR(y.channel(1)[i], mid, 1e-6f);
  }
  PanWidth right(PanSettings{1.0, 1.0});
  right.prepare(ProcessSpec{48000, 2, 1024});
  AudioBuffer z = x;
  right.process(z.view());
  for (std::size_t i = 0; i < 1000; ++i) {
    ASSERT_NEAR(z.channel(0)[i], 0.0f, 1e-7f);
    ASSERT_NEAR(z.channel(1)[i], x.channel(1)[i], 1e-6f);
  }
}

TEST(PanWidth, ChangesRampOverTheNextBlock) {
  PanWidth p(PanSettings{-1.0, 1.0});
  p.prepare(ProcessSpec{48000, 2, 1000});
  p.set_settings(PanSettings{1.0, 1.0});
  AudioBuffer in(1, 1000), out(2, 1000);
  std::fill_n(in.channel(0), 1000, 1.0f);
  p.process(in.view(), out.view());
  // Monotonic move from left to right, no jump larger than a small step.
  for (std::size_t i = 1; i < 1000; ++i) {
    ASSERT_LE(out.channel(0)[i], out.channel(0)[i - 1] + 1e-6f);
    ASSERT_LT(std::abs(out.channel(1)[i] - out.channel(1)[i - 1]), 0.01f);
  }
  EXPECT_NEAR(out.channel(1)[999], 1.0f, 1e-6f);
}

}  // namespace
}  // namespace mixdown::dsp
