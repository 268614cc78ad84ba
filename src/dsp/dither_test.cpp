#include "dsp/dither.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

using mixdown::dsp::QuantizeStats;
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

TEST(TpdfDither, QuietStaysWithinOneLsbAndFullScaleClamps) {
  TpdfDither d(16, 7);
  int nonzero = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::int32_t q = d.quantize(1e-7f);  // far under one 16-bit LSB, but not silence
    EXPECT_LE(std::abs(q), 1);
    nonzero += q != 0;
  }
  EXPECT_GT(nonzero, 200);  // dithered: about half the samples land on +-1
  EXPECT_EQ(d.quantize(2.0f), 32767);
  EXPECT_EQ(d.quantize(-2.0f), -32768);
  EXPECT_LE(std::abs(d.quantize(NAN)), 1);  // non-finite input quantizes as silence
}

// Digital silence gets no dither, with or without noise shaping, in blocks and one by one;
// the sample after it is dithered as usual.
TEST(TpdfDither, DigitalSilenceStaysSilent) {
  for (const bool shaping : {false, true}) {
    TpdfDither one(16, 7, shaping), block(16, 7, shaping);
    for (int i = 0; i < 1000; ++i) {
      EXPECT_EQ(one.quantize(0.0f), 0);
      EXPECT_EQ(one.quantize(-0.0f), 0);
    }
    std::vector<float> x(4096, 0.0f);
    std::vector<std::int32_t> q(x.size(), 7);
    QuantizeStats stats;
    block.quantize(x.data(), q.data(), q.size(), 0, 1, stats);
    EXPECT_EQ(std::count(q.begin(), q.end(), 0), static_cast<std::ptrdiff_t>(q.size()));
    EXPECT_EQ(stats.peak_bits, 0u);
    // Silence inside a signal: its samples are 0, the others dithered (some land off the
    // rounded value: 1e-7 is far under one LSB).
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = i % 3 == 0 ? 0.0f : 1e-7f;
    block.quantize(x.data(), q.data(), q.size(), 4096, 1, stats);
    int off = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (i % 3 == 0) EXPECT_EQ(q[i], 0) << i;
      else off += q[i] != 0;
    }
    EXPECT_GT(off, 500) << shaping;
  }
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

// The block call gives the scalar call's integers, however the samples are split into blocks
// and whatever the stride: the noise depends on each sample's index only.
TEST(TpdfDither, BlocksAndStridesGiveTheScalarIntegers) {
  const std::size_t n = 10007;
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = 0.7f * std::sin(0.01f * static_cast<float>(i));
  TpdfDither scalar(24, 1234);
  std::vector<std::int32_t> want(n);
  for (std::size_t i = 0; i < n; ++i) want[i] = scalar.quantize(x[i]);
  TpdfDither block(24, 1234);
  std::vector<std::int32_t> got(n, 0);
  for (std::size_t pos = 0, len = 1; pos < n; pos += len, len = len * 3 + 1) {
    const std::size_t m = std::min(len, n - pos);
    block.quantize(x.data() + pos, got.data() + pos, m, pos, 1);
  }
  EXPECT_EQ(got, want);
  // Two interleaved channels: even indices from one call, odd from another.
  std::vector<float> even, odd;
  for (std::size_t i = 0; i < n; ++i) (i % 2 ? odd : even).push_back(x[i]);
  std::vector<std::int32_t> qe(even.size()), qo(odd.size());
  TpdfDither(24, 1234).quantize(even.data(), qe.data(), even.size(), 0, 2);
  TpdfDither(24, 1234).quantize(odd.data(), qo.data(), odd.size(), 1, 2);
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(i % 2 ? qo[i / 2] : qe[i / 2], want[i]) << i;
}

// A different seed gives different noise, and the noise of neighbouring samples is
// uncorrelated (white): silence quantized at 24 bits, lag-1 correlation near 0, variance of
// TPDF of one LSB each plus rounding near 1/4 LSB^2 (two uniforms: 1/6, rounding adds some).
TEST(TpdfDither, NoiseIsWhiteAndSeedDependent) {
  const std::size_t n = 200000;
  std::vector<float> zeros(n, 1e-9f);
  std::vector<std::int32_t> a(n), b(n);
  TpdfDither(24, 1).quantize(zeros.data(), a.data(), n, 0, 1);
  TpdfDither(24, 2).quantize(zeros.data(), b.data(), n, 0, 1);
  EXPECT_NE(a, b);
  double mean = 0, var = 0, lag = 0;
  for (std::size_t i = 0; i < n; ++i) mean += a[i];
  mean /= n;
  for (std::size_t i = 0; i < n; ++i) var += (a[i] - mean) * (a[i] - mean);
  for (std::size_t i = 1; i < n; ++i) lag += (a[i] - mean) * (a[i - 1] - mean);
  var /= n;
  // The mean is the input's own 1e-9 (0.0084 LSB), to within about 4.5 standard errors.
  EXPECT_NEAR(mean, 1e-9 * 8388608.0, 0.005);
  EXPECT_GT(var, 0.1);
  EXPECT_LT(var, 0.6);
  EXPECT_NEAR(lag / n / var, 0.0, 0.01);
}

// The noise is triangular over [-1, 1) LSB: 0.3 LSB quantizes to -1, 0 and 1 with the
// probabilities of that triangle, P(n < -0.8) = 0.02, P(n >= 0.2) = 0.32 (a rectangle of one
// LSB would give 0, 0.7 and 0.3; two dependent halves would not give the triangle's tails).
TEST(TpdfDither, QuantizedLevelsFollowTheTriangle) {
  const std::size_t n = 400000;
  std::vector<float> x(n, 0.3f / 8388608.0f);
  std::vector<std::int32_t> q(n);
  TpdfDither(24, 7).quantize(x.data(), q.data(), n, 0, 1);
  double p[3] = {0, 0, 0};
  for (auto v : q) {
    ASSERT_GE(v, -1);
    ASSERT_LE(v, 1);
    p[v + 1] += 1.0 / n;
  }
  // Standard errors: 0.0002, 0.0007, 0.0007.
  EXPECT_NEAR(p[0], 0.02, 0.001);
  EXPECT_NEAR(p[1], 0.66, 0.003);
  EXPECT_NEAR(p[2], 0.32, 0.003);
}

// Non-finite input is counted and quantized as silence; any finite input, however far beyond
// full scale, clamps to the integer range.
TEST(TpdfDither, BlockCountsNonFiniteAndClampsAnything) {
  const float x[] = {NAN, INFINITY, -INFINITY, 3.0e38f, -3.0e38f, 1.0f, -1.0f, 0.0f};
  std::int32_t q[8] = {};
  TpdfDither d(16, 5);
  EXPECT_EQ(d.quantize(x, q, 8, 0, 1), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_LE(std::abs(q[i]), 1);
  EXPECT_EQ(q[3], 32767);
  EXPECT_EQ(q[4], -32768);
  EXPECT_EQ(q[5], 32767);
  EXPECT_GE(q[6], -32768);
  EXPECT_LE(q[6], -32767);
}

// The tallying call gives the same integers and counts the input as a plain loop would, for
// every block length (vector remainders included), with and without noise shaping.
TEST(TpdfDither, TalliesMatchAPlainCount) {
  std::vector<float> x(1000);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1.3f * std::sin(0.37f * static_cast<float>(i));
  x[3] = NAN;
  x[100] = -INFINITY;
  x[517] = 5.0f;
  for (bool shaping : {false, true}) {
    for (std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{16}, std::size_t{33}, std::size_t{1000}}) {
      std::uint64_t bad = 0, over = 0;
      float peak = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(x[i])) ++bad;
        else {
          over += std::abs(x[i]) > 1.0f;
          peak = std::max(peak, std::abs(x[i]));
        }
      }
      std::vector<std::int32_t> want(n), got(n);
      TpdfDither a(24, 77, shaping), b(24, 77, shaping);
      EXPECT_EQ(a.quantize(x.data(), want.data(), n, 3, 2), bad);
      QuantizeStats stats;
      stats.over = 10;  // a call adds to what the struct holds
      b.quantize(x.data(), got.data(), n, 3, 2, stats);
      EXPECT_EQ(got, want) << n;
      EXPECT_EQ(stats.nonfinite, bad) << n;
      EXPECT_EQ(stats.over, over + 10) << n;
      EXPECT_EQ(std::bit_cast<float>(stats.peak_bits), peak) << n;
    }
  }
}

// Noise shaping on a signal held beyond full scale: the fed-back error stays bounded, so the
// output returns to normal the moment the signal does.
TEST(TpdfDither, NoiseShapingRecoversFromALongClip) {
  TpdfDither d(16, 9, true);
  for (int i = 0; i < 100000; ++i) EXPECT_EQ(d.quantize(1.5f), 32767);
  double sum = 0;
  for (int i = 0; i < 1000; ++i) sum += d.quantize(0.0f);
  EXPECT_LT(std::abs(sum / 1000.0), 1.0);
}
