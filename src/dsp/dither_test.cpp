#include "dsp/dither.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using mixdown::dsp::TpdfDither;

TEST(TpdfDither, ErrorIsUnbiasedAndBoundedByTwoLsb) {
  TpdfDither d(16, 42);
  const double lsb = 1.0 / 32768.0;
  double sum_err = 0.0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const float x = 0.3f * std::sin(0.001f * static_cast<float>(i));
    const double err = d.quantize(x) * lsb - x;
    EXPECT_LE(std::abs(err), 1.5 * lsb + 1e-12);
    sum_err += err;
  }
  EXPECT_NEAR(sum_err / n, 0.0, 0.02 * lsb);
}

TEST(TpdfDither, SilenceStaysWithinOneLsbAndFullScaleClamps) {
  TpdfDither d(16, 7);
  for (int i = 0; i < 1000; ++i) EXPECT_LE(std::abs(d.quantize(0.0f)), 1);
  EXPECT_EQ(d.quantize(2.0f), 32767);
  EXPECT_EQ(d.quantize(-2.0f), -32768);
  EXPECT_LE(std::abs(d.quantize(NAN)), 1);  // non-finite input quantizes as silence
}

TEST(TpdfDither, SameSeedSameNoise) {
  TpdfDither a(24, 99), b(24, 99);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(a.quantize(0.1f), b.quantize(0.1f));
}

TEST(TpdfDither, NoiseShapingKeepsTheSignalMean) {
  TpdfDither d(16, 3, true);
  double sum = 0.0;
  for (int i = 0; i < 100000; ++i) sum += d.quantize(0.25f);
  EXPECT_NEAR(sum / 100000.0 / 32768.0, 0.25, 1e-4);
}
