// Analytic properties of the per-file analysis: known signals give known spectra, stereo
// figures and problems; threads never change a result.
#include "analysis/analyzer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "core/error.hpp"
#include "../../tests/support/testing.hpp"

namespace mixdown::analysis {
namespace {

AnalysisReport analyse(const AudioBuffer& b, int rate, AnalyzerOptions o = {}) {
  Analyzer a(rate, b.num_channels(), o);
  const std::size_t block = 30000;
  for (std::size_t pos = 0; pos < b.num_frames(); pos += block)
    a.add(b.view().sub(pos, std::min(block, b.num_frames() - pos)));
  return a.finish();
}

bool has_problem(const AnalysisReport& r, const std::string& code) {
  for (const auto& p : r.problems)
    if (p.code == code) return true;
  return false;
}

const Problem* find_problem(const AnalysisReport& r, const std::string& code) {
  for (const auto& p : r.problems)
    if (p.code == code) return &p;
  return nullptr;
}

TEST(Analyzer, SineLandsInItsThirdOctaveAndBand) {
  const int rate = 48000;
  const auto r = analyse(testkit::sine(1000.0, -20.0, 5.0, rate), rate);
  // Mean square of a -20 dBFS peak sine: -23.01 dB.
  double at_1k = -INFINITY, elsewhere = -INFINITY;
  for (const auto& b : r.spectrum.third_octave) {
    if (b.hz == 1000.0) at_1k = b.db;
    else if (b.hz < 700 || b.hz > 1400) elsewhere = std::max(elsewhere, b.db);
  }
  EXPECT_NEAR(at_1k, -23.01, 0.3);
  EXPECT_LT(elsewhere, at_1k - 60.0);
  EXPECT_NEAR(r.spectrum.bands_db[3], -23.01, 0.1);  // mid 500-2k
  EXPECT_LT(r.spectrum.bands_db[0], -80.0);
  EXPECT_NEAR(r.spectrum.centroid_hz, 1000.0, 20.0);
  EXPECT_TRUE(r.problems.empty()) << r.problems.front().message;
}

TEST(Analyzer, WhiteNoiseTiltsUpThreeDbPerOctave) {
  const int rate = 44100;
  const auto r = analyse(testkit::noise(-20.0, 6.0, rate, 2, 7), rate);
  EXPECT_NEAR(r.spectrum.tilt_db_per_octave, 3.0, 0.3);
  // Independent channels: correlation ~0, width ~1, mono fold-down 3 dB down.
  EXPECT_NEAR(r.stereo.correlation, 0.0, 0.05);
  EXPECT_NEAR(r.stereo.width, 1.0, 0.1);
  EXPECT_NEAR(r.stereo.mono_loss_lu, 3.0, 0.2);
  // Crest factor of uniform noise: peak sqrt(3) x RMS = 4.8 dB.
  EXPECT_NEAR(r.dynamics.crest_db, 4.77, 0.2);
}

TEST(Analyzer, StereoImage) {
  const int rate = 48000;
  auto b = testkit::sine(200.0, -12.0, 4.0, rate);
  const auto mono = analyse(b, rate);
  EXPECT_NEAR(mono.stereo.correlation, 1.0, 1e-6);
  EXPECT_NEAR(mono.stereo.low_end_correlation, 1.0, 1e-3);
  EXPECT_NEAR(mono.stereo.width, 0.0, 1e-6);
  EXPECT_NEAR(mono.stereo.mono_loss_lu, 0.0, 0.01);
  EXPECT_NEAR(mono.stereo.balance, 0.0, 1e-6);

  for (std::size_t i = 0; i < b.num_frames(); ++i) b.channel(1)[i] = -b.channel(0)[i];
  const auto inverted = analyse(b, rate);
  EXPECT_NEAR(inverted.stereo.correlation, -1.0, 1e-6);
  const Problem* p = find_problem(inverted, "out_of_phase");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->severity, Severity::error);
  EXPECT_NE(p->message.find("mono"), std::string::npos);

  for (std::size_t i = 0; i < b.num_frames(); ++i) b.channel(1)[i] = 0.5f * b.channel(0)[i];
  const auto left_heavy = analyse(b, rate);
  EXPECT_NEAR(left_heavy.stereo.balance_db, -6.02, 0.01);
  EXPECT_LT(left_heavy.stereo.balance, 0.0);
}

TEST(Analyzer, LowEndOutOfPhaseIsReportedSeparately) {
  const int rate = 48000;
  // Bass at 60 Hz in opposite polarity, a louder in-phase 2 kHz tone on top.
  AudioBuffer b(2, static_cast<std::size_t>(4 * rate));
  for (std::size_t i = 0; i < b.num_frames(); ++i) {
    const double t = double(i) / rate;
    const double bass = 0.2 * std::sin(2 * std::numbers::pi * 60 * t);
    const double top = 0.5 * std::sin(2 * std::numbers::pi * 2000 * t);
    b.channel(0)[i] = static_cast<float>(top + bass);
    b.channel(1)[i] = static_cast<float>(top - bass);
  }
  const auto r = analyse(b, rate);
  EXPECT_GT(r.stereo.correlation, 0.0);
  EXPECT_LT(r.stereo.low_end_correlation, -0.9);
  EXPECT_LT(r.stereo.band_correlation[1], -0.9);
  EXPECT_GT(r.stereo.band_correlation[4], 0.9);
  EXPECT_TRUE(has_problem(r, "low_end_out_of_phase"));
}

TEST(Analyzer, ClippingNeedsThreeSamplesInARow) {
  const int rate = 48000;
  auto b = testkit::sine(100.0, -6.0, 3.0, rate);
  // Two isolated full-scale samples: not clipping.
  b.channel(0)[1000] = 1.0f;
  b.channel(0)[1001] = 1.0f;
  EXPECT_FALSE(has_problem(analyse(b, rate), "clipping"));
  // A hard-clipped passage from 1.5 s on.
  for (std::size_t i = static_cast<std::size_t>(1.5 * rate); i < b.num_frames(); ++i)
    for (int c = 0; c < 2; ++c) b.channel(c)[i] = std::clamp(4.0f * b.channel(c)[i], -1.0f, 1.0f);
  const auto r = analyse(b, rate);
  const Problem* p = find_problem(r, "clipping");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->severity, Severity::error);
  ASSERT_TRUE(p->at_s.has_value());
  EXPECT_NEAR(*p->at_s, 1.5, 0.01);
  EXPECT_GT(r.clipped_runs, 100);
}

// A float file over full scale whose samples still move was not cut off: no clipping (it is
// over full scale, which the true peak says). Clamped at 1.0, the same passage is clipping.
TEST(Analyzer, FloatSamplesOverFullScaleThatMoveAreNotClipping) {
  const int rate = 48000;
  auto b = testkit::sine(100.0, 8.0, 2.0, rate);  // peaks at 2.5
  auto r = analyse(b, rate);
  EXPECT_FALSE(has_problem(r, "clipping"));
  EXPECT_EQ(r.clipped_runs, 0);
  EXPECT_TRUE(has_problem(r, "intersample_overs"));
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < b.num_frames(); ++i) b.channel(c)[i] = std::clamp(b.channel(c)[i], -1.0f, 1.0f);
  r = analyse(b, rate);
  EXPECT_TRUE(has_problem(r, "clipping"));
  EXPECT_GT(r.clipped_runs, 300);
  // A fixed-point clip whose top codes wobble (dither after the clip) is still clipping.
  auto w = testkit::sine(100.0, -6.0, 1.0, rate);
  const float tops[] = {32767.0f / 32768.0f, 32765.0f / 32768.0f, 32767.0f / 32768.0f, 32766.0f / 32768.0f};
  for (std::size_t k = 0; k < 4; ++k) w.channel(0)[20000 + k] = tops[k];
  EXPECT_TRUE(has_problem(analyse(w, rate), "clipping"));
}

// A mix clipped and then turned down to -6 dBFS: no sample reaches full scale, but its tops are
// flat at its own peak. Said as clipping (a warning: read from the tops' shape, not full scale).
TEST(Analyzer, ClippingBelowFullScaleIsFoundByItsFlatTops) {
  const int rate = 48000;
  auto b = testkit::sine(100.0, -6.0, 3.0, rate);
  EXPECT_FALSE(has_problem(analyse(b, rate), "clipping"));
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < b.num_frames(); ++i) b.channel(c)[i] = 0.5f * std::clamp(4.0f * b.channel(c)[i], -1.0f, 1.0f);
  const auto r = analyse(b, rate);
  EXPECT_EQ(r.clipped_runs, 0);
  EXPECT_GT(r.flat_top_runs, 500);
  const Problem* p = find_problem(r, "clipping");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->severity, Severity::warning);
  EXPECT_NE(p->message.find("-6.0 dBFS"), std::string::npos) << p->message;
  EXPECT_NE(p->message.find("turned down"), std::string::npos) << p->message;
}

TEST(Analyzer, IntersampleOvers) {
  const int rate = 48000;
  AudioBuffer b(2, static_cast<std::size_t>(rate));
  for (std::size_t i = 0; i < b.num_frames(); ++i)  // fs/4 at 45 deg: samples at 0.92, peaks at 1.3
    b.channel(0)[i] = b.channel(1)[i] =
        static_cast<float>(1.3 * std::sin(std::numbers::pi / 2 * double(i) + std::numbers::pi / 4) * std::min(1.0, double(i) / 960));
  const auto r = analyse(b, rate);
  EXPECT_GT(r.loudness.true_peak_dbtp, 2.0);
  EXPECT_LT(r.loudness.sample_peak_dbfs, 0.0);
  EXPECT_TRUE(has_problem(r, "intersample_overs"));
  EXPECT_FALSE(has_problem(r, "clipping"));
}

TEST(Analyzer, DcOffsetAndSilenceAtTheEnds) {
  const int rate = 48000;
  auto tone = testkit::sine(440.0, -10.0, 3.0, rate);
  for (std::size_t i = 0; i < tone.num_frames(); ++i) tone.channel(1)[i] += 0.02f;
  const auto quiet = testkit::sine(440.0, -200.0, 2.5, rate);
  const auto r = analyse(testkit::concat({quiet, tone, testkit::sine(440.0, -200.0, 3.0, rate)}), rate);
  EXPECT_NEAR(r.head_silence_s, 2.5, 0.01);
  EXPECT_NEAR(r.tail_silence_s, 3.0, 0.01);
  EXPECT_TRUE(has_problem(r, "long_silence_head"));
  EXPECT_TRUE(has_problem(r, "long_silence_tail"));
  const Problem* dc = find_problem(r, "dc_offset");
  ASSERT_NE(dc, nullptr);
  EXPECT_NE(dc->message.find("right"), std::string::npos);
  EXPECT_NEAR(r.dc_offset[1], 0.02 * 3.0 / 8.5, 1e-4);
}

TEST(Analyzer, OneSidedDecorrelatedAndMonoDcAreSaidAsWhatTheyAre) {
  const int rate = 48000;
  // One silent side: not "centred", and said.
  auto left = testkit::noise(-20.0, 3.0, rate, 2, 3);
  std::fill(left.channel(1), left.channel(1) + left.num_frames(), 0.0f);
  auto r = analyse(left, rate);
  EXPECT_LT(r.stereo.balance_db, -100.0);
  EXPECT_TRUE(has_problem(r, "one_sided"));
  EXPECT_FALSE(has_problem(r, "out_of_phase"));
  // Independent noise on the two sides is wide, not opposed.
  r = analyse(testkit::noise(-20.0, 3.0, rate, 2, 5), rate);
  EXPECT_NEAR(r.stereo.correlation, 0.0, 0.05);
  EXPECT_FALSE(has_problem(r, "out_of_phase"));
  EXPECT_FALSE(has_problem(r, "one_sided"));
  // A mono file's offset is the file's.
  auto mono = testkit::sine(220.0, -10.0, 3.0, rate, 1);
  for (std::size_t i = 0; i < mono.num_frames(); ++i) mono.channel(0)[i] += 0.05f;
  r = analyse(mono, rate);
  const Problem* dc = find_problem(r, "dc_offset");
  ASSERT_NE(dc, nullptr);
  EXPECT_EQ(dc->message.rfind("the file sits off centre", 0), 0u) << dc->message;
}

TEST(Analyzer, NonFiniteSamplesAreAProblemNotAPoison) {
  const int rate = 48000;
  auto b = testkit::sine(440.0, -20.0, 2.0, rate);
  b.channel(0)[500] = NAN;
  b.channel(1)[700] = -INFINITY;
  const auto r = analyse(b, rate);
  EXPECT_EQ(r.nonfinite_samples, 2);
  EXPECT_TRUE(has_problem(r, "nonfinite_samples"));
  EXPECT_TRUE(std::isfinite(r.loudness.integrated_lufs));
  EXPECT_TRUE(std::isfinite(r.spectrum.bands_db[2]));
  EXPECT_TRUE(std::isfinite(r.stereo.correlation));
}

TEST(Analyzer, ShortAndSilentFilesDoNotCrash) {
  const int rate = 44100;
  const auto tiny = analyse(testkit::sine(440.0, -20.0, 0.2, rate), rate);
  EXPECT_EQ(tiny.loudness.integrated_lufs, -INFINITY);
  EXPECT_NE(tiny.loudness.note.find("400 ms"), std::string::npos);
  EXPECT_TRUE(has_problem(tiny, "too_short"));
  EXPECT_TRUE(std::isfinite(tiny.spectrum.bands_db[2]));  // zero-padded frame

  const auto silent = analyse(testkit::sine(440.0, -200.0, 4.0, rate), rate);
  EXPECT_TRUE(has_problem(silent, "silent"));
  EXPECT_EQ(silent.loudness.integrated_lufs, -INFINITY);
  EXPECT_FALSE(has_problem(silent, "long_silence_head"));

  Analyzer empty(rate, 2);
  const auto e = empty.finish();
  EXPECT_TRUE(has_problem(e, "empty"));
  EXPECT_THROW(Analyzer(rate, 8), Error);
}

TEST(Analyzer, ThreadsNeverChangeTheResult) {
  const int rate = 48000;
  const auto b = testkit::noise(-18.0, 7.0, rate, 2, 11);
  const auto one = analyse(b, rate, {.threads = 1});
  const auto four = analyse(b, rate, {.threads = 4});
  EXPECT_TRUE(one == four);
  EXPECT_EQ(one.loudness.integrated_lufs, four.loudness.integrated_lufs);
}

TEST(Analyzer, FiveOneExcludesTheLfe) {
  const int rate = 48000;
  AudioBuffer b(6, static_cast<std::size_t>(3 * rate));
  const auto tone = testkit::sine(1000.0, -20.0, 3.0, rate, 1);
  b.view().sub(0, b.num_frames());
  std::copy_n(tone.channel(0), b.num_frames(), b.channel(0));
  const auto a = analyse(b, rate);
  std::copy_n(tone.channel(0), b.num_frames(), b.channel(3));  // same tone in the LFE
  const auto with_lfe = analyse(b, rate);
  EXPECT_DOUBLE_EQ(a.loudness.integrated_lufs, with_lfe.loudness.integrated_lufs);
}

TEST(Compare, SaysWhatDiffersAtMatchedLoudness) {
  const int rate = 48000;
  // Reference: 50 Hz and 1 kHz tones. Mix: the same with the 50 Hz tone 6 dB down, and 4 dB
  // louder overall.
  auto make = [&](double sub_db, double gain_db) {
    AudioBuffer b(2, static_cast<std::size_t>(5 * rate));
    const double g = std::pow(10.0, gain_db / 20.0), s = std::pow(10.0, sub_db / 20.0);
    for (std::size_t i = 0; i < b.num_frames(); ++i) {
      const double t = double(i) / rate;
      const double v = g * (0.2 * s * std::sin(2 * std::numbers::pi * 50 * t) + 0.1 * std::sin(2 * std::numbers::pi * 1000 * t));
      b.channel(0)[i] = b.channel(1)[i] = static_cast<float>(v);
    }
    return b;
  };
  const auto ref = analyse(make(0.0, 0.0), rate);
  const auto mix = analyse(make(-6.0, 4.0), rate);
  const auto c = compare(mix, ref);
  EXPECT_GT(c.loudness_lu, 1.0);  // +4 dB overall, but the (loud) sub is 6 dB down
  EXPECT_NEAR(c.bands_db[0] - c.bands_db[3], -6.0, 0.2);
  bool said_sub = false;
  for (const auto& s : c.sentences) said_sub |= s.find("less sub (20-60 Hz)") != std::string::npos;
  EXPECT_TRUE(said_sub);
  EXPECT_LT(c.low_end_db, -1.5);
  // Identical files: nothing to say.
  EXPECT_TRUE(compare(ref, ref).sentences.empty());
}

}  // namespace
}  // namespace mixdown::analysis
