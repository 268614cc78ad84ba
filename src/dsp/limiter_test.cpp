#include "dsp/limiter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/units.hpp"
#include "../../tests/support/testing.hpp"

using mixdown::AudioBuffer;
using mixdown::dsp::LimiterSettings;
using mixdown::dsp::ProcessSpec;
using mixdown::dsp::TruePeakLimiter;
namespace testkit = mixdown::testkit;

namespace {

// Runs the limiter over a whole buffer in blocks of `block` frames and returns the output with
// the latency removed (the input followed by latency frames of silence, so nothing is lost).
AudioBuffer run(TruePeakLimiter& lim, const AudioBuffer& in, std::size_t block = 512) {
  const std::size_t lat = lim.latency_frames();
  AudioBuffer padded(in.num_channels(), in.num_frames() + lat);
  padded.view().sub(0, in.num_frames()).copy_from(in.view());
  for (std::size_t s = 0; s < padded.num_frames(); s += block)
    lim.process(padded.view().sub(s, std::min(block, padded.num_frames() - s)));
  AudioBuffer out(in.num_channels(), in.num_frames());
  out.view().copy_from(padded.view().sub(lat, in.num_frames()));
  return out;
}

// Hot programme: noise bursts, a bright sine near Nyquist (inter-sample peaks) and kick-like
// low thumps, all far above the ceiling.
AudioBuffer hot_material(int rate, std::uint64_t seed) {
  auto a = testkit::noise(-6.0, 2.0, rate, 2, seed);
  auto b = testkit::sine(rate / 4.0 + 37.0, 6.0, 1.0, rate, 2, 0.7);  // fs/4-ish: big overs
  auto c = testkit::sine(55.0, 9.0, 1.0, rate, 2);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (std::size_t i = 0; i < c.num_frames(); i += static_cast<std::size_t>(rate / 4))
    for (std::size_t k = 0; k < 200 && i + k < c.num_frames(); ++k)
      for (int ch = 0; ch < 2; ++ch) c.channel(ch)[i + k] += 3.0f * u(rng);
  return testkit::concat({a, b, c});
}

}  // namespace

TEST(TruePeakLimiter, NeverExceedsCeilingOnHotMaterialByTheOracle) {
  for (int rate : {44100, 48000}) {
    for (double ceiling : {-1.0, -0.3, -2.0}) {
      LimiterSettings s;
      s.ceiling_dbtp = ceiling;
      TruePeakLimiter lim(s);
      lim.prepare({double(rate), 2, 512});
      const auto in = hot_material(rate, 1234);
      const auto out = run(lim, in);
      const auto m = testkit::ebur128_measure(out.view(), rate);
      EXPECT_LE(m.true_peak_db, ceiling) << "rate " << rate << " ceiling " << ceiling;
      EXPECT_GT(lim.max_gain_reduction_db(), 6.0);
      EXPECT_GT(lim.frames_limited(), 0);
    }
  }
}

TEST(TruePeakLimiter, QuietSignalPassesUnchangedAfterExactlyTheLatency) {
  LimiterSettings s;
  s.ceiling_dbtp = -1.0;
  TruePeakLimiter lim(s);
  lim.prepare({48000.0, 2, 256});
  EXPECT_EQ(lim.latency_frames(), 240u + TruePeakLimiter::kTapsPerPhase / 2 - 1);
  const auto in = testkit::noise(-30.0, 0.5, 48000, 2, 9);  // peaks near -25 dBFS
  const auto out = run(lim, in, 100);
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < in.num_frames(); ++i)
      ASSERT_EQ(out.channel(c)[i], in.channel(c)[i]) << "frame " << i;
  EXPECT_EQ(lim.frames_limited(), 0);
  EXPECT_NEAR(lim.max_gain_reduction_db(), 0.0, 1e-9);
}

TEST(TruePeakLimiter, GainReachesItsTargetBeforeAnIsolatedPeak) {
  // One loud click after silence: the look-ahead must have brought the gain down in time,
  // so the click itself (and every sample around it) is at or under the ceiling.
  LimiterSettings s;
  s.ceiling_dbtp = -1.0;
  TruePeakLimiter lim(s);
  lim.prepare({48000.0, 1, 64});
  AudioBuffer in(1, 48000);
  for (std::size_t i = 0; i < in.num_frames(); ++i)
    in.channel(0)[i] = 0.05f * std::sin(0.01f * static_cast<float>(i));
  in.channel(0)[20000] = 1.8f;
  in.channel(0)[20001] = -1.5f;
  const auto out = run(lim, in, 64);
  const float ceiling = static_cast<float>(mixdown::db_to_gain(-1.0));
  for (std::size_t i = 0; i < out.num_frames(); ++i) ASSERT_LE(std::abs(out.channel(0)[i]), ceiling) << i;
  // The quiet signal well before the click is untouched.
  EXPECT_EQ(out.channel(0)[10000], in.channel(0)[10000]);
}

TEST(TruePeakLimiter, ReleaseIsSlowerAfterSustainedLimitingThanAfterATransient) {
  auto recovery_frames = [](std::size_t loud_frames) {
    LimiterSettings s;
    s.ceiling_dbtp = -6.0;
    s.release_ms = 50.0;
    TruePeakLimiter lim(s);
    lim.prepare({48000.0, 1, 512});
    const std::size_t quiet = 48000;
    AudioBuffer in(1, loud_frames + quiet);
    for (std::size_t i = 0; i < in.num_frames(); ++i)
      in.channel(0)[i] = (i < loud_frames ? 0.9f : 0.1f) * std::sin(0.05f * static_cast<float>(i));
    const auto out = run(lim, in);
    // Gain measured as the ratio of output to input envelope in the quiet part: find when it
    // is back within 1 dB of unity.
    const float near_unity = static_cast<float>(mixdown::db_to_gain(-1.0));
    for (std::size_t i = loud_frames; i + 200 < in.num_frames(); i += 100) {
      float pin = 0, pout = 0;
      for (std::size_t k = i; k < i + 200; ++k) {
        pin = std::max(pin, std::abs(in.channel(0)[k]));
        pout = std::max(pout, std::abs(out.channel(0)[k]));
      }
      if (pout >= near_unity * pin) return i - loud_frames;
    }
    return quiet;
  };
  const auto after_transient = recovery_frames(200);
  const auto after_sustained = recovery_frames(48000 * 2);
  EXPECT_GT(after_sustained, after_transient * 2) << after_transient << " vs " << after_sustained;
}

TEST(TruePeakLimiter, ResetGivesTheSameOutputAsAFreshLimiter) {
  LimiterSettings s;
  TruePeakLimiter a(s), b(s);
  a.prepare({48000.0, 2, 512});
  b.prepare({48000.0, 2, 512});
  const auto in = hot_material(48000, 5);
  run(a, testkit::noise(0.0, 0.3, 48000, 2, 77));
  a.reset();
  const auto oa = run(a, in);
  const auto ob = run(b, in);
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < in.num_frames(); ++i) ASSERT_EQ(oa.channel(c)[i], ob.channel(c)[i]);
}

TEST(TruePeakLimiter, OutputDoesNotDependOnBlockSize) {
  LimiterSettings s;
  TruePeakLimiter a(s), b(s);
  a.prepare({48000.0, 2, 4096});
  b.prepare({48000.0, 2, 4096});
  const auto in = hot_material(48000, 11);
  const auto oa = run(a, in, 4096);
  const auto ob = run(b, in, 37);
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < in.num_frames(); ++i) ASSERT_EQ(oa.channel(c)[i], ob.channel(c)[i]);
}

// Sparse peaks: short hot bursts in quiet noise, so many blocks have no peak to measure while
// the look-ahead window still holds one from the block before (blocks shorter than the window
// included). The hold must see it whatever the block size.
TEST(TruePeakLimiter, SparsePeaksGiveTheSameOutputForAnyBlockSize) {
  LimiterSettings s;
  auto in = testkit::noise(-40.0, 2.0, 48000, 2, 5);
  for (std::size_t start = 1000; start + 40 < in.num_frames(); start += 14000)
    for (int c = 0; c < 2; ++c)
      for (std::size_t i = start; i < start + 40; ++i) in.channel(c)[i] = (i % 2 ? 1.6f : -1.6f);
  TruePeakLimiter ref(s);
  ref.prepare({48000.0, 2, 4096});
  const auto expect = run(ref, in, 4096);
  double least_reduction_db = 1e9;
  for (std::size_t block : {std::size_t{37}, std::size_t{241}, std::size_t{1000}}) {
    TruePeakLimiter lim(s);
    lim.prepare({48000.0, 2, 4096});
    const auto out = run(lim, in, block);
    for (int c = 0; c < 2; ++c)
      for (std::size_t i = 0; i < in.num_frames(); ++i) ASSERT_EQ(out.channel(c)[i], expect.channel(c)[i]) << block;
    least_reduction_db = std::min(least_reduction_db, lim.max_gain_reduction_db());
  }
  EXPECT_GT(least_reduction_db, 3.0);  // the bursts were limited (1.6 against -1 dBTP: > 4 dB)
}

// The two stages as a pipeline runs them: block t analysed before block t - 1 is applied, each
// block's held gains in a buffer of its own; the output is process()'s to the bit, and so are
// the statistics.
TEST(TruePeakLimiter, AnalyseThenApplyAsAPipelineIsProcessToTheBit) {
  LimiterSettings s;
  TruePeakLimiter a(s), b(s);
  const std::size_t block = 3000;
  a.prepare({48000.0, 2, block});
  b.prepare({48000.0, 2, block});
  auto in = hot_material(48000, 21);
  AudioBuffer want = in, got = in;
  for (std::size_t at = 0; at < want.num_frames(); at += block)
    a.process(want.view().sub(at, std::min(block, want.num_frames() - at)));
  const std::size_t blocks = (got.num_frames() + block - 1) / block;
  std::vector<std::vector<float>> held(2, std::vector<float>(block));
  auto view = [&](std::size_t t) { return got.view().sub(t * block, std::min(block, got.num_frames() - t * block)); };
  for (std::size_t t = 0; t <= blocks; ++t) {
    if (t < blocks) b.analyse(view(t), held[t % 2].data());
    if (t > 0) b.apply(view(t - 1), held[(t - 1) % 2].data());
  }
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < in.num_frames(); ++i) ASSERT_EQ(want.channel(c)[i], got.channel(c)[i]) << i;
  EXPECT_EQ(a.max_gain_reduction_db(), b.max_gain_reduction_db());
  EXPECT_GT(a.max_gain_reduction_db(), 3.0);
  EXPECT_EQ(a.frames_limited(), b.frames_limited());
}
