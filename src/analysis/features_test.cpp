#include "analysis/features.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "../../tests/support/testing.hpp"

using namespace mixdown;
using namespace mixdown::analysis;

namespace {
constexpr int kRate = 48000;

// Decaying noise bursts every `period_s`: a stand-in for any struck sound.
AudioBuffer bursts(double period_s, double seconds, double decay_s, std::uint64_t seed) {
  AudioBuffer n = testkit::noise(-10.0, seconds, kRate, 1, seed);
  const auto period = static_cast<std::size_t>(period_s * kRate);
  for (std::size_t i = 0; i < n.num_frames(); ++i)
    n.channel(0)[i] *= static_cast<float>(std::exp(-double(i % period) / (decay_s * kRate)));
  return n;
}
}  // namespace

TEST(Features, SineHasItsLevelItsPitchAndNoFaults) {
  auto s = testkit::sine(440.0, -6.0, 3.0, kRate, 2);
  const auto f = compute_features(s.view(), kRate);
  EXPECT_NEAR(f.peak_dbfs, -6.0, 0.05);
  EXPECT_NEAR(f.rms_dbfs, -9.01, 0.1);
  EXPECT_EQ(f.clipped_runs, 0);
  EXPECT_FALSE(f.silent);
  EXPECT_NEAR(f.dc[0], 0.0, 1e-3);
  EXPECT_TRUE(f.dual_mono);  // identical channels
  EXPECT_NEAR(f.centroid_hz, 440.0, 25.0);
  EXPECT_LT(f.flatness, 0.01);
  EXPECT_GT(f.peakiness, 0.8);
  EXPECT_GT(f.active_fraction, 0.95);
  EXPECT_LT(f.percussiveness, 0.2);
  EXPECT_EQ(f.frames, static_cast<std::int64_t>(3 * kRate));
}

TEST(Features, WhiteNoiseIsFlatAndBright) {
  auto n = testkit::noise(-20.0, 3.0, kRate, 2, 7);
  const auto f = compute_features(n.view(), kRate);
  EXPECT_GT(f.flatness, 0.4);
  EXPECT_LT(f.peakiness, 0.2);
  // Uniform spectrum: the share above 5 kHz is the bandwidth share (19/24).
  EXPECT_NEAR(f.high5k_share, 19.0 / 24.0, 0.05);
  EXPECT_NEAR(f.low120_share, 120.0 / 24000.0, 0.01);
  EXPECT_FALSE(f.dual_mono);  // independent channels
  EXPECT_NEAR(f.side_ratio, 0.5, 0.05);
}

// One channel silent, or 40 dB under the other: one-sided, with the side it is on; a part
// 20 dB quieter on one side is a stereo image, not one-sided.
TEST(Features, OneSidedStereoIsFoundWithItsSide) {
  auto n = testkit::noise(-20.0, 3.0, kRate, 2, 9);
  for (std::size_t i = 0; i < n.num_frames(); ++i) n.channel(0)[i] = 0.0f;
  auto f = compute_features(n.view(), kRate);
  EXPECT_TRUE(f.one_sided);
  EXPECT_LT(f.left_minus_right_db, -100.0);
  EXPECT_FALSE(f.dual_mono);
  auto m = testkit::noise(-20.0, 3.0, kRate, 2, 9);
  for (std::size_t i = 0; i < m.num_frames(); ++i) m.channel(1)[i] *= 0.1f;  // 20 dB down
  f = compute_features(m.view(), kRate);
  EXPECT_FALSE(f.one_sided);
  EXPECT_NEAR(f.left_minus_right_db, 20.0, 0.5);
  for (std::size_t i = 0; i < m.num_frames(); ++i) m.channel(1)[i] *= 0.001f;  // 80 dB down
  EXPECT_TRUE(compute_features(m.view(), kRate).one_sided);
}

// Channels opposite in polarity: L = -R (a mono part with one side inverted) and a stereo part
// with one side inverted (correlation -0.9) are out of phase; wide stereo (uncorrelated, or
// mildly negative at -0.4) is not.
TEST(Features, ChannelsOppositeInPolarityAreFoundAndWideStereoIsNot) {
  const auto with_corr = [](double rho) {
    auto n = testkit::noise(-20.0, 3.0, kRate, 2, 11);
    const double k = std::sqrt(1.0 - rho * rho);
    for (std::size_t i = 0; i < n.num_frames(); ++i)
      n.channel(1)[i] = static_cast<float>(rho * n.channel(0)[i] + k * n.channel(1)[i]);
    return compute_features(n.view(), kRate);
  };
  auto f = with_corr(-1.0);
  EXPECT_TRUE(f.out_of_phase);
  EXPECT_TRUE(f.inverted_dual_mono);
  EXPECT_TRUE(mixed_as_mono(f));
  EXPECT_FALSE(f.dual_mono);
  f = with_corr(-0.9);
  EXPECT_NEAR(f.lr_correlation, -0.9, 0.03);
  EXPECT_TRUE(f.out_of_phase);
  EXPECT_FALSE(f.inverted_dual_mono);
  EXPECT_FALSE(mixed_as_mono(f));
  for (double rho : {0.0, -0.4, 0.9}) {
    f = with_corr(rho);
    EXPECT_FALSE(f.out_of_phase) << rho;
    EXPECT_FALSE(f.inverted_dual_mono) << rho;
  }
}

TEST(Features, ClippingIsCountedAsFlattenedRuns) {
  auto s = testkit::sine(100.0, 3.5, 1.0, kRate, 1);  // peak 1.5, clipped below
  for (std::size_t i = 0; i < s.num_frames(); ++i)
    s.channel(0)[i] = std::clamp(s.channel(0)[i], -1.0f, 1.0f);
  const auto f = compute_features(s.view(), kRate);
  EXPECT_GE(f.clipped_runs, 190);  // two flattened half-cycles per period, 100 periods
  EXPECT_LE(f.clipped_runs, 201);
  EXPECT_GE(f.first_clip_s, 0.0);
  EXPECT_LT(f.first_clip_s, 0.01);
  // The same sine turned down 3 dB is flat-topped below full scale.
  for (std::size_t i = 0; i < s.num_frames(); ++i) s.channel(0)[i] *= 0.7f;
  const auto g = compute_features(s.view(), kRate);
  EXPECT_EQ(g.clipped_runs, 0);
  EXPECT_GE(g.flat_top_runs, 100);
}

// Samples over full scale in a float file that still move were not cut off: not clipping.
TEST(Features, FloatSamplesOverFullScaleThatMoveAreNotClipping) {
  const auto s = testkit::sine(100.0, 3.5, 1.0, kRate, 1);  // peak 1.5
  const auto f = compute_features(s.view(), kRate);
  EXPECT_EQ(f.clipped_runs, 0);
  EXPECT_GT(f.over_full_scale, 1000);
}

TEST(Features, CleanLowSineIsNotFlatTopped) {
  auto s = testkit::sine(40.0, -1.0, 2.0, kRate, 1);
  const auto f = compute_features(s.view(), kRate);
  EXPECT_EQ(f.clipped_runs, 0);
  EXPECT_LT(f.flat_top_runs, 3);
}

TEST(Features, SilenceAndDcAreSeen) {
  AudioBuffer z(2, 2 * kRate);
  EXPECT_TRUE(compute_features(z.view(), kRate).silent);
  auto s = testkit::sine(200.0, -12.0, 2.0, kRate, 1);
  for (std::size_t i = 0; i < s.num_frames(); ++i) s.channel(0)[i] += 0.02f;
  const auto f = compute_features(s.view(), kRate);
  EXPECT_NEAR(f.dc[0], 0.02, 1e-3);
  EXPECT_FALSE(f.silent);
  EXPECT_FALSE(f.dc_only);
  // A constant with nothing on it (stereo, a different offset per channel, a little noise far
  // under the activity floor) holds no sound: silent, and said to be only DC.
  AudioBuffer dc = testkit::noise(-100.0, 3.0, kRate, 2, 5);
  for (std::size_t i = 0; i < dc.num_frames(); ++i) {
    dc.channel(0)[i] += 0.2f;
    dc.channel(1)[i] -= 0.05f;
  }
  const auto g = compute_features(dc.view(), kRate);
  EXPECT_TRUE(g.dc_only);
  EXPECT_TRUE(g.silent);
  // The same offset under a quiet part (-50 dBFS) is a part with a DC offset.
  AudioBuffer quiet = testkit::sine(300.0, -50.0, 3.0, kRate, 2);
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < quiet.num_frames(); ++i) quiet.channel(c)[i] += 0.2f;
  const auto h = compute_features(quiet.view(), kRate);
  EXPECT_FALSE(h.dc_only);
  EXPECT_FALSE(h.silent);
}

TEST(Features, AnUnusedChannelsHumAndHissIsNoPart) {
  // 60 Hz hum at -65 dBFS and hiss under it, steady for the whole file: a floor, not a part.
  AudioBuffer hum = testkit::noise(-78.0, 6.0, kRate, 2, 11);
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < hum.num_frames(); ++i)
      hum.channel(c)[i] += static_cast<float>(std::pow(10.0, -65.0 / 20.0) * std::sin(2 * M_PI * 60.0 * double(i) / kRate));
  const auto f = compute_features(hum.view(), kRate);
  EXPECT_TRUE(f.noise_only);
  EXPECT_TRUE(f.silent);
  EXPECT_NEAR(f.noise_dbfs, -68.0, 2.0);
  // Quiet struck notes over that floor are a part, however quiet.
  AudioBuffer part = bursts(0.5, 6.0, 0.05, 3);
  part.view().apply_gain(static_cast<float>(std::pow(10.0, -40.0 / 20.0)));
  for (std::size_t i = 0; i < part.num_frames(); ++i) part.channel(0)[i] += hum.channel(0)[i];
  const auto g = compute_features(part.view(), kRate);
  EXPECT_FALSE(g.noise_only);
  EXPECT_FALSE(g.silent);
}

TEST(Features, HeadAndTailSilence) {
  auto s = testkit::concat({testkit::sine(300, -80.0 - 120, 1.0, kRate, 1), testkit::sine(300, -10, 2.0, kRate, 1),
                            testkit::sine(300, -200, 0.5, kRate, 1)});
  const auto f = compute_features(s.view(), kRate);
  EXPECT_NEAR(f.head_silence_s, 1.0, 0.05);
  EXPECT_NEAR(f.tail_silence_s, 0.5, 0.05);
  EXPECT_NEAR(f.active_fraction, 2.0 / 3.5, 0.03);
}

// The sound ends at the last hop above the sound floor: a fade far under the part's level
// (-75 dBFS, under its activity threshold) is still sound; 16-bit dither (-96 dBFS) and digital
// silence after it are not.
TEST(Features, SoundEndsAfterTheFadeNotAfterTheDither) {
  auto s = testkit::concat({testkit::sine(300, -10, 2.0, kRate, 1), testkit::sine(300, -75, 1.0, kRate, 1),
                            testkit::noise(-96.0, 5.0, kRate, 1, 4), testkit::sine(300, -200, 20.0, kRate, 1)});
  const auto f = compute_features(s.view(), kRate);
  EXPECT_NEAR(f.tail_silence_s, 26.0, 0.05);  // the activity floor stops at -60 dBFS
  EXPECT_GE(f.sound_end_s, 3.0);
  EXPECT_LT(f.sound_end_s, 3.0 + kSoundEndResolutionS);
  // A part that sounds to its end ends there; a silent file's sound "ends" at its length.
  auto full = testkit::sine(300, -10, 2.0, kRate, 1);
  EXPECT_DOUBLE_EQ(compute_features(full.view(), kRate).sound_end_s, 2.0);
  auto quiet = testkit::sine(300, -200, 2.0, kRate, 1);
  EXPECT_DOUBLE_EQ(compute_features(quiet.view(), kRate).sound_end_s, 2.0);
}

// Two 1 ms clicks in 20 s of silence are clicks only (no part); a 0.25 s decaying noise impact
// and a single struck burst are sounds, however short.
TEST(Features, IsolatedClicksAreNoPart) {
  AudioBuffer clicks(2, 20 * kRate);
  for (int at : {5, 12})
    for (std::size_t i = 0; i < 48; ++i)
      for (int c = 0; c < 2; ++c)
        clicks.channel(c)[static_cast<std::size_t>(at * kRate) + i] =
            static_cast<float>(0.1 * 0.5 * (1 - std::cos(2 * M_PI * double(i) / 47.0)));
  const auto f = compute_features(clicks.view(), kRate);
  EXPECT_FALSE(f.silent);
  EXPECT_TRUE(f.clicks_only);
  EXPECT_EQ(f.clicks, 2);
  EXPECT_NEAR(f.first_click_s, 5.0, 0.03);
  AudioBuffer impact = testkit::noise(-6.0, 0.25, kRate, 1, 7);
  for (std::size_t i = 0; i < impact.num_frames(); ++i) impact.channel(0)[i] *= static_cast<float>(std::exp(-12.0 * double(i) / kRate));
  EXPECT_FALSE(compute_features(impact.view(), kRate).clicks_only);
  auto hit = testkit::concat({testkit::sine(300, -200, 5.0, kRate, 1), bursts(10.0, 1.0, 0.03, 5), testkit::sine(300, -200, 5.0, kRate, 1)});
  EXPECT_FALSE(compute_features(hit.view(), kRate).clicks_only);
}

TEST(Features, StruckBurstsAreCountedAndPercussive) {
  auto b = bursts(0.25, 5.0, 0.03, 3);
  const auto f = compute_features(b.view(), kRate);
  EXPECT_NEAR(f.onsets, 20, 2);
  EXPECT_NEAR(f.hits_per_s, 4.0, 0.4);
  EXPECT_GT(f.percussiveness, 0.8);
  EXPECT_LT(f.ring_s, 0.15);
  // A held tone is neither.
  auto t = testkit::sine(220.0, -10.0, 5.0, kRate, 1);
  const auto g = compute_features(t.view(), kRate);
  EXPECT_LE(g.onsets, 1);
  EXPECT_LT(g.percussiveness, 0.1);
}

TEST(Features, BlockSizeDoesNotChangeAnything) {
  auto b = bursts(0.3, 3.0, 0.05, 11);
  auto plan = make_excerpt_plan(static_cast<std::int64_t>(b.num_frames()), kRate, 4, 0.25);
  const auto whole = compute_features(b.view(), kRate, plan);
  StemFeatureAnalyzer a(kRate, 1, plan);
  for (std::size_t s = 0; s < b.num_frames(); s += 333)
    a.add(b.view().sub(s, std::min<std::size_t>(333, b.num_frames() - s)));
  EXPECT_TRUE(a.finish() == whole);
}

TEST(Features, ExcerptPlanSpreadsWindowsOverTheSong) {
  const auto p = make_excerpt_plan(240LL * kRate, kRate, 24, 0.5);
  ASSERT_EQ(p.starts.size(), 24u);
  EXPECT_EQ(p.frames, kRate / 2);
  for (std::size_t i = 1; i < p.starts.size(); ++i) EXPECT_GT(p.starts[i], p.starts[i - 1] + p.frames);
  EXPECT_LT(p.starts.back() + p.frames, 240LL * kRate);
  const auto q = make_excerpt_plan(3LL * kRate, kRate, 24, 0.5);  // short: contiguous
  ASSERT_EQ(q.starts.size(), 6u);
  EXPECT_EQ(q.starts[1], kRate / 2);
}

TEST(Features, CorrelationFindsInvertedDelayedCopy) {
  auto a = bursts(0.2, 4.0, 0.04, 5);
  const std::size_t delay = 48;  // 1 ms
  AudioBuffer b(1, a.num_frames());
  for (std::size_t i = delay; i < a.num_frames(); ++i) b.channel(0)[i] = -0.5f * a.channel(0)[i - delay];
  auto plan = make_excerpt_plan(static_cast<std::int64_t>(a.num_frames()), kRate);
  const auto fa = compute_features(a.view(), kRate, plan);
  const auto fb = compute_features(b.view(), kRate, plan);
  const auto pc = correlate_excerpts(fa, fb);
  ASSERT_TRUE(pc.valid);
  EXPECT_LT(pc.r, -0.95);
  EXPECT_NEAR(pc.lag_s * 1000.0, 1.0, 0.15);
  // Unrelated noise is not correlated.
  auto c = bursts(0.2, 4.0, 0.04, 99);
  const auto fc = compute_features(c.view(), kRate, plan);
  EXPECT_LT(std::fabs(correlate_excerpts(fa, fc).r), 0.3);
}

namespace {
// A 100 Hz sine and noise, `drive` times full scale and clipped there (or not), then turned down
// to `level` and quantized to 16 bits, with TPDF dither when `dither` (a fixed seed).
AudioBuffer clipped_bounce(float drive, float level, bool clip, bool dither) {
  auto s = testkit::sine(100.0, 0.0, 2.0, kRate, 1);
  const auto n = testkit::noise(-20.0, 2.0, kRate, 1, 3);
  std::uint32_t r = 12345;
  const auto uniform = [&] {
    r = r * 1664525u + 1013904223u;
    return static_cast<double>(r >> 8) / 16777216.0;
  };
  for (std::size_t i = 0; i < s.num_frames(); ++i) {
    double v = drive * (0.8 * s.channel(0)[i] + n.channel(0)[i]);
    if (clip) v = std::clamp(v, -1.0, 1.0);
    v *= level * 32768.0;
    if (dither) v += uniform() - uniform();
    s.channel(0)[i] = static_cast<float>(std::lround(v) / 32768.0);
  }
  return s;
}

std::int64_t flat_tops_of(const AudioBuffer& b) {
  FlatTops ft(b.num_channels());
  float peak = 0.0f;
  // In uneven blocks, so runs cross block edges.
  for (std::size_t at = 0, k = 0; at < b.num_frames(); ++k) {
    const std::size_t len = std::min<std::size_t>(b.num_frames() - at, 1000 + 777 * (k % 3));
    for (int c = 0; c < b.num_channels(); ++c) {
      ft.add(c, b.channel(c) + at, len, static_cast<std::int64_t>(at));
      for (std::size_t i = 0; i < len; ++i) peak = std::max(peak, std::fabs(b.channel(c)[at + i]));
    }
    at += len;
  }
  return ft.runs_at(peak);
}
}  // namespace

// A mix clipped and then turned down keeps its flat tops at its own peak: found at -6 dBFS, in
// a 16-bit bounce with dither after the clip too (its top codes wobble; six in a row still
// repeat); the same music turned down unclipped, and a low sine whose 16-bit crests repeat a
// code for a few samples, have none.
TEST(FlatTops, AClippedMixTurnedDownIsFoundBelowFullScale) {
  EXPECT_GE(flat_tops_of(clipped_bounce(2.0f, 0.5f, true, false)), 100);
  EXPECT_GE(flat_tops_of(clipped_bounce(2.0f, 0.5f, true, true)), kFlatTopsToFlag);
  EXPECT_EQ(flat_tops_of(clipped_bounce(0.9f, 0.5f, false, false)), 0);
  EXPECT_EQ(flat_tops_of(clipped_bounce(0.9f, 0.5f, false, true)), 0);
  auto low = testkit::sine(20.0, -1.0, 4.0, kRate, 1);
  for (std::size_t i = 0; i < low.num_frames(); ++i)
    low.channel(0)[i] = static_cast<float>(std::lround(low.channel(0)[i] * 32768.0) / 32768.0);
  EXPECT_EQ(flat_tops_of(low), 0);
  // A stem's check reads them the same way.
  const auto f = compute_features(clipped_bounce(2.0f, 0.5f, true, true).view(), kRate);
  EXPECT_EQ(f.clipped_runs, 0);
  EXPECT_GE(f.flat_top_runs, kFlatTopsToFlag);
}

// The tally keeps the loudest tops, a code or two apart counting as one level; tops under a
// louder peak (a clipped pad under an unclipped snare hit) are not the file's peak.
TEST(FlatTops, TheTallyCountsOnlyTheLoudestTops) {
  FlatTopTally t;
  t.add(0.5f, 100);
  t.add(0.5f + 0x1p-15f, 200);  // a code above (16-bit): the same tops
  t.add(0.3f, 50);              // quieter: not counted
  EXPECT_EQ(t.runs_at(0.5f + 0x1p-15f), 2);
  EXPECT_EQ(t.first_frame(), 100);
  EXPECT_EQ(t.runs_at(0.6f), 0);  // the file peaks over them
  t.add(0.7f, 300);               // louder tops start the count again
  EXPECT_EQ(t.runs_at(0.7f), 1);
  EXPECT_EQ(t.first_frame(), 300);
}
