#include "analysis/stem_analysis.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "../../tests/support/testing.hpp"

namespace mixdown::analysis {
namespace {

constexpr int kRate = 48000;

// A click train: 5 ms decaying bursts of noise every `period_s`, over a floor `floor_db` under
// the clicks (-200: digital silence between hits).
AudioBuffer clicks(double period_s, double seconds, double floor_db = -200.0) {
  AudioBuffer b(1, static_cast<std::size_t>(seconds * kRate));
  AudioBuffer n = testkit::noise(-3.0, seconds, kRate, 1, 7);
  const auto per = static_cast<std::size_t>(period_s * kRate);
  const double fl = floor_db > -199 ? std::pow(10.0, floor_db / 20.0) : 0.0;
  for (std::size_t i = 0; i < b.num_frames(); ++i) {
    const double t = double(i % per) / kRate;
    b.channel(0)[i] = static_cast<float>(n.channel(0)[i] * (std::exp(-t / 0.01) + fl));
  }
  return b;
}

TEST(StemBands, ErbScaleRoundTripsAndBandsAreMonotonic) {
  EXPECT_NEAR(erb_rate_to_hz(hz_to_erb_rate(1000.0)), 1000.0, 1e-6);
  // Glasberg & Moore: ~15.6 ERB-rate at 1 kHz.
  EXPECT_NEAR(hz_to_erb_rate(1000.0), 15.6, 0.1);
  const auto e = stem_band_edges(kRate);
  ASSERT_EQ(e.size(), std::size_t(kStemBands + 1));
  EXPECT_NEAR(e.front(), kStemBandLowHz, 1e-6);
  EXPECT_NEAR(e.back(), kStemBandHighHz, 1e-3);
  for (std::size_t i = 1; i < e.size(); ++i) EXPECT_GT(e[i], e[i - 1]);
  // At 22.05 kHz the top edge follows the rate.
  EXPECT_NEAR(stem_band_edges(22050).back(), 0.45 * 22050, 1e-3);
}

TEST(StemAnalysis, SineLoudnessBandAndTonality) {
  const auto s = testkit::sine(1000.0, -20.0, 6.0, kRate, 2);
  const auto a = analyze_stem(s.view(), kRate);
  const auto o = testkit::ebur128_measure(s.view(), kRate);
  EXPECT_NEAR(a.integrated_lufs, o.integrated, 0.05);
  EXPECT_NEAR(a.peak_dbfs, -20.0, 0.01);
  EXPECT_EQ(a.num_frames(), std::size_t(60));
  EXPECT_EQ(a.band_db.size(), a.num_frames() * kStemBands);
  EXPECT_NEAR(a.active_fraction, 1.0, 1e-9);
  // The frame loudness from K-weighted band powers agrees with BS.1770 (steady tone).
  EXPECT_NEAR(a.frame_lufs[30], a.integrated_lufs, 0.3);
  // The strongest band contains 1 kHz.
  const auto centres = stem_band_centres(kRate);
  const auto it = std::max_element(a.spectrum_db.begin(), a.spectrum_db.end());
  const auto b = static_cast<std::size_t>(it - a.spectrum_db.begin());
  EXPECT_LE(a.band_edges_hz[b], 1000.0f);
  EXPECT_GE(a.band_edges_hz[b + 1], 1000.0f);
  EXPECT_GT(a.harmonicity, 0.8);
  EXPECT_LT(a.flatness, 0.05);
  EXPECT_NEAR(a.centroid_hz, 1000.0, 50.0);
  EXPECT_NEAR(a.width, 0.0, 1e-6);
  EXPECT_NEAR(a.correlation, 1.0, 1e-6);
}

TEST(StemAnalysis, NoiseIsFlatAndWideWhenDecorrelated) {
  auto l = testkit::noise(-20.0, 4.0, kRate, 1, 1), r = testkit::noise(-20.0, 4.0, kRate, 1, 2);
  AudioBuffer st(2, l.num_frames());
  std::copy(l.channel(0), l.channel(0) + l.num_frames(), st.channel(0));
  std::copy(r.channel(0), r.channel(0) + r.num_frames(), st.channel(1));
  const auto a = analyze_stem(st.view(), kRate);
  EXPECT_GT(a.flatness, 0.4);
  EXPECT_LT(a.harmonicity, 0.2);
  EXPECT_NEAR(a.width, 0.5, 0.05);
  EXPECT_NEAR(a.correlation, 0.0, 0.05);
  // White noise: most energy is high; the centroid sits near fs/4.
  EXPECT_GT(a.centroid_hz, 8000.0);
  // Opposite polarity: all side.
  for (std::size_t i = 0; i < st.num_frames(); ++i) st.channel(1)[i] = -st.channel(0)[i];
  const auto b = analyze_stem(st.view(), kRate);
  EXPECT_NEAR(b.width, 1.0, 1e-6);
  EXPECT_NEAR(b.correlation, -1.0, 1e-6);
}

TEST(StemAnalysis, BlockSizeDoesNotChangeTheResult) {
  const auto s = clicks(0.5, 5.0);
  const auto whole = analyze_stem(s.view(), kRate);
  StemAnalyzer an(kRate, 1);
  std::size_t pos = 0, step = 1;
  while (pos < s.num_frames()) {
    const std::size_t n = std::min(step, s.num_frames() - pos);
    an.add(ConstAudioView(s.view()).sub(pos, n));
    pos += n;
    step = step * 3 % 4099 + 1;
  }
  EXPECT_EQ(an.finish(), whole);
}

// A window that is digital silence throughout is not transformed (its spectrum is known to be
// zeros). One 1 ms burst at offsets around the frame edges: every frame whose 8192-sample
// window holds part of it measures it, and only those.
TEST(StemAnalysis, EveryWindowThatHoldsASoundIsMeasured) {
  const std::size_t hop = 4800, n_fft = 8192, len = 48;
  for (const std::size_t at : {std::size_t{0}, std::size_t{100}, hop - 1, 3 * hop - len, 3 * hop - len + 1, 3 * hop,
                               5 * hop + 1234, 7 * hop - 1, 9 * hop + hop / 2}) {
    AudioBuffer b(2, 12 * hop + 333);
    const AudioBuffer burst = testkit::noise(-6.0, double(len) / kRate, kRate, 2, 11);
    for (int c = 0; c < 2; ++c) std::copy_n(burst.channel(c), len, b.channel(c) + at);
    const auto a = analyze_stem(b.view(), kRate);
    ASSERT_GE(a.frame_lufs.size(), 12u);
    for (std::size_t f = 0; f < a.frame_lufs.size(); ++f) {
      // Frame f's window ends at (f + 1) hops and starts n_fft before (zeros before the file).
      const std::size_t end = (f + 1) * hop;
      const bool holds = at < end && at + len > (end > n_fft ? end - n_fft : 0);
      if (holds) EXPECT_GT(a.frame_lufs[f], -200.0f) << "burst at " << at << ", frame " << f;
      else EXPECT_EQ(a.frame_lufs[f], -200.0f) << "burst at " << at << ", frame " << f;
    }
  }
}

TEST(StemAnalysis, OnsetsPunchAndFloor) {
  const auto clean = analyze_stem(clicks(0.5, 8.0).view(), kRate);
  EXPECT_NEAR(clean.onset_rate_hz * clean.active_fraction, 2.0, 0.2);
  EXPECT_GT(clean.punch_mean_db, 6.0);
  EXPECT_LT(clean.floor_rel_db, -60.0);
  EXPECT_GT(clean.crest_db, 8.0);
  // The same hits over a floor 25 dB down (bleed): the floor shows.
  const auto bleed = analyze_stem(clicks(0.5, 8.0, -25.0).view(), kRate);
  EXPECT_GT(bleed.floor_rel_db, -40.0);
  EXPECT_LT(bleed.floor_rel_db, -10.0);
  // A steady tone has no punch and no onsets after the first.
  const auto tone = analyze_stem(testkit::sine(200.0, -10.0, 8.0, kRate, 1).view(), kRate);
  EXPECT_LT(tone.punch_mean_db, 1.0);
  EXPECT_LT(tone.onset_rate_hz, 0.3);
}

TEST(StemAnalysis, SilenceAndShortInputAreFinite) {
  AudioBuffer z(2, kRate * 2);
  const auto a = analyze_stem(z.view(), kRate);
  EXPECT_TRUE(a.silent());
  EXPECT_EQ(a.active_fraction, 0.0);
  EXPECT_EQ(a.active_lufs, -200.0);
  AudioBuffer tiny(1, 100);
  tiny.channel(0)[3] = 0.5f;
  const auto b = analyze_stem(tiny.view(), kRate);
  EXPECT_EQ(b.frames, 100);
  EXPECT_TRUE(std::isfinite(b.integrated_lufs));
  // NaN samples read as zero.
  AudioBuffer nan(1, kRate);
  for (std::size_t i = 0; i < nan.num_frames(); ++i) nan.channel(0)[i] = i % 7 ? 0.1f : NAN;
  const auto c = analyze_stem(nan.view(), kRate);
  for (float v : c.band_db) ASSERT_TRUE(std::isfinite(v));
}

// A one-shot shorter than one 400 ms gating block (an impact) is measured as the file padded
// with silence to one block, its momentary loudness: before, it read as silence ("nothing to
// balance") and was mixed at unity. A 0.25 s file of digital silence stays silent.
TEST(StemAnalysis, AOneShotShorterThanAGatingBlockIsMeasured) {
  const auto n = static_cast<std::size_t>(0.25 * kRate);
  AudioBuffer hit(1, n);
  for (std::size_t i = 0; i < n; ++i)
    hit.channel(0)[i] = static_cast<float>(0.5 * std::sin(2 * M_PI * 1000.0 * double(i) / kRate));
  const auto a = analyze_stem(hit.view(), kRate);
  EXPECT_FALSE(a.silent());
  // A -9 dBFS RMS 1 kHz tone (K-weighting +0.7 dB at 1 kHz, -0.691 offset) for 0.25 of 0.4 s.
  EXPECT_NEAR(a.integrated_lufs, -9.03 + 10.0 * std::log10(0.25 / 0.4), 0.3);
  EXPECT_GT(a.active_lufs, -199.0);
  AudioBuffer quiet(1, n);
  EXPECT_TRUE(analyze_stem(quiet.view(), kRate).silent());
}

TEST(StemAnalysis, ActivityFollowsWhereTheStemPlays) {
  AudioBuffer z(1, kRate * 3);
  auto tone = testkit::sine(440.0, -12.0, 3.0, kRate, 1);
  const auto s = testkit::concat({z, tone, z});
  const auto a = analyze_stem(s.view(), kRate);
  EXPECT_NEAR(a.active_fraction, 1.0 / 3.0, 0.03);
  EXPECT_EQ(a.active[10], 0);
  EXPECT_EQ(a.active[45], 1);
  EXPECT_EQ(a.active[80], 0);
  EXPECT_NEAR(a.active_lufs, a.integrated_lufs, 0.5);
}

TEST(StemAnalysis, KWeightingMatchesTheStandardShape) {
  // BS.1770's pre-filter: ~+4 dB shelf above 2 kHz, high pass below ~100 Hz, ~0 dB at 1 kHz.
  EXPECT_NEAR(10 * std::log10(k_weight_power(1000.0)), 0.7, 0.3);
  EXPECT_NEAR(10 * std::log10(k_weight_power(10000.0)), 4.0, 0.3);
  EXPECT_LT(10 * std::log10(k_weight_power(30.0)), -6.0);
}

// A frame with a NaN or Inf on either side is left out of the stereo sums: width and
// correlation read as if that frame were silent on both sides, and stay finite.
TEST(StemAnalysis, NonFiniteFramesAreLeftOutOfTheStereoSums) {
  auto l = testkit::noise(-20.0, 3.0, kRate, 1, 3), r = testkit::noise(-20.0, 3.0, kRate, 1, 4);
  AudioBuffer bad(2, l.num_frames()), quiet(2, l.num_frames());
  for (std::size_t i = 0; i < l.num_frames(); ++i) {
    bad.channel(0)[i] = quiet.channel(0)[i] = l.channel(0)[i] + 0.5f * r.channel(0)[i];
    bad.channel(1)[i] = quiet.channel(1)[i] = r.channel(0)[i];
  }
  for (std::size_t i = 1000; i < l.num_frames(); i += 7919) {
    bad.channel(i % 2)[i] = i % 3 ? NAN : -INFINITY;
    quiet.channel(0)[i] = quiet.channel(1)[i] = 0.0f;
  }
  const auto a = analyze_stem(bad.view(), kRate), b = analyze_stem(quiet.view(), kRate);
  ASSERT_TRUE(std::isfinite(a.width) && std::isfinite(a.correlation));
  EXPECT_GT(a.correlation, 0.2);
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.correlation, b.correlation);
}

}  // namespace
}  // namespace mixdown::analysis

namespace mixdown::analysis {

// The tempo's onset envelope does not depend on the level a stem was exported at: hits over
// digital silence rise from a floor relative to the stem's own peak, not from an absolute one
// (which made the song's tempo follow the stems' gains).
TEST(StemAnalysis, OnsetEnvelopeIsTheSameAtAnyExportLevel) {
  auto loud = clicks(0.5, 4.0);
  auto quiet = clicks(0.5, 4.0);
  for (std::size_t i = 0; i < quiet.num_frames(); ++i) quiet.channel(0)[i] *= 0.0316227766f;  // -30 dB
  const auto a = analyze_stem(loud.view(), kRate);
  const auto b = analyze_stem(quiet.view(), kRate);
  ASSERT_EQ(a.onset_env.size(), b.onset_env.size());
  ASSERT_FALSE(a.onset_env.empty());
  double peak = 0, diff = 0;
  for (std::size_t i = 0; i < a.onset_env.size(); ++i) {
    peak = std::max(peak, double(a.onset_env[i]));
    diff = std::max(diff, std::abs(double(a.onset_env[i]) - b.onset_env[i]));
  }
  EXPECT_GT(peak, 20.0) << "each hit over silence is a large rise";
  EXPECT_LT(diff, 0.01);
}

}  // namespace mixdown::analysis
