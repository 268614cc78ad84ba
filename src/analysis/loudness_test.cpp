// Conformance of the loudness meter with EBU Tech 3341 (cases 1-6, 9, 12, 13, 15-19) and
// EBU Tech 3342 (the four LRA cases), each at 44.1, 48 and 96 kHz. The test signals are
// synthesized here from the descriptions in the two documents.
#include "analysis/loudness.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include "core/error.hpp"

namespace mixdown::analysis {
namespace {

// A piecewise signal of 1 kHz sine segments (peak dBFS per segment; -inf = digital silence), the
// same on `channels` channels, with per-channel level offsets in dB when given.
struct Segment {
  double seconds;
  double peak_dbfs;
};

AudioBuffer tone_sequence(const std::vector<Segment>& segs, int rate, int channels = 2,
                          double hz = 1000.0) {
  std::size_t total = 0;
  for (const auto& s : segs) total += static_cast<std::size_t>(std::llround(s.seconds * rate));
  AudioBuffer b(channels, total);
  std::size_t pos = 0;
  const double w = 2.0 * std::numbers::pi * hz / rate;
  for (const auto& s : segs) {
    const auto n = static_cast<std::size_t>(std::llround(s.seconds * rate));
    const double a = std::isfinite(s.peak_dbfs) ? std::pow(10.0, s.peak_dbfs / 20.0) : 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const auto v = static_cast<float>(a * std::sin(w * static_cast<double>(i)));
      for (int c = 0; c < channels; ++c) b.channel(c)[pos + i] = v;
    }
    pos += n;
  }
  return b;
}

LoudnessMeter measure(const AudioBuffer& b, int rate, LoudnessOptions o = {}) {
  LoudnessMeter m(rate, b.num_channels(), o);
  // Odd block size on purpose: results must not depend on how the audio is cut.
  const std::size_t block = 7001;
  for (std::size_t pos = 0; pos < b.num_frames(); pos += block)
    m.add(b.view().sub(pos, std::min(block, b.num_frames() - pos)));
  return m;
}

class Conformance : public ::testing::TestWithParam<int> {};

TEST_P(Conformance, Tech3341Cases1and2StereoSine) {
  const int rate = GetParam();
  for (double level : {-23.0, -33.0}) {
    const auto m = measure(tone_sequence({{20.0, level}}, rate), rate, {.true_peak = false});
    EXPECT_NEAR(m.integrated_lufs(), level, 0.1) << rate;
    EXPECT_NEAR(m.momentary_lufs(), level, 0.1) << rate;
    EXPECT_NEAR(m.short_term_lufs(), level, 0.1) << rate;
    EXPECT_NEAR(m.momentary_max_lufs(), level, 0.1) << rate;
    EXPECT_NEAR(m.short_term_max_lufs(), level, 0.1) << rate;
  }
}

TEST_P(Conformance, Tech3341Cases3to5Gating) {
  const int rate = GetParam();
  const LoudnessOptions o{.true_peak = false, .range = false};
  EXPECT_NEAR(measure(tone_sequence({{10, -36}, {60, -23}, {10, -36}}, rate), rate, o).integrated_lufs(),
              -23.0, 0.1);
  EXPECT_NEAR(measure(tone_sequence({{10, -72}, {10, -36}, {60, -23}, {10, -36}, {10, -72}}, rate), rate, o)
                  .integrated_lufs(),
              -23.0, 0.1);
  EXPECT_NEAR(measure(tone_sequence({{20, -26}, {20.1, -20}, {20, -26}}, rate), rate, o).integrated_lufs(),
              -23.0, 0.1);
}

TEST_P(Conformance, Tech3341Case6FiveChannels) {
  const int rate = GetParam();
  // 5.0 in file order L R C Ls Rs: L/R -28, C -24, Ls/Rs -30 dBFS.
  const double levels[5] = {-28, -28, -24, -30, -30};
  AudioBuffer b(5, static_cast<std::size_t>(20 * rate));
  const double w = 2.0 * std::numbers::pi * 1000.0 / rate;
  for (int c = 0; c < 5; ++c) {
    const double a = std::pow(10.0, levels[c] / 20.0);
    for (std::size_t i = 0; i < b.num_frames(); ++i)
      b.channel(c)[i] = static_cast<float>(a * std::sin(w * static_cast<double>(i)));
  }
  EXPECT_NEAR(measure(b, rate, {.true_peak = false}).integrated_lufs(), -23.0, 0.1);
}

// Checks every value of a series from `from_s` on against `lufs`.
void expect_series_flat(const LoudnessSeries& s, double from_s, double lufs, double tol) {
  int checked = 0;
  for (std::size_t i = 0; i < s.lufs.size(); ++i) {
    const double t = s.first_s + s.step_s * static_cast<double>(i);
    if (t + 1e-9 < from_s) continue;
    EXPECT_NEAR(s.lufs[i], lufs, tol) << "at " << t << " s";
    ++checked;
  }
  EXPECT_GT(checked, 5);
}

TEST_P(Conformance, Tech3341Case9ShortTermIsSteady) {
  const int rate = GetParam();
  std::vector<Segment> segs;
  for (int i = 0; i < 5; ++i) {
    segs.push_back({1.34, -20});
    segs.push_back({1.66, -30});
  }
  const auto m = measure(tone_sequence(segs, rate), rate, {.true_peak = false});
  expect_series_flat(m.short_term_series(), 3.0, -23.0, 0.1);
  EXPECT_NEAR(m.short_term_max_lufs(), -23.0, 0.1);
}

TEST_P(Conformance, Tech3341Case12MomentaryIsSteady) {
  const int rate = GetParam();
  std::vector<Segment> segs;
  for (int i = 0; i < 25; ++i) {
    segs.push_back({0.18, -20});
    segs.push_back({0.22, -30});
  }
  const auto m = measure(tone_sequence(segs, rate), rate, {.true_peak = false});
  expect_series_flat(m.momentary_series(), 1.0, -23.0, 0.1);
}

TEST_P(Conformance, Tech3341Case13MomentaryMaxOnAFineGrid) {
  const int rate = GetParam();
  std::vector<Segment> segs;
  for (int i = 0; i < 20; ++i) {
    if (i > 0) segs.push_back({0.02 * i, -INFINITY});
    segs.push_back({0.4, -23});
    segs.push_back({1.0, -INFINITY});
  }
  const auto m = measure(tone_sequence(segs, rate), rate, {.true_peak = false});
  EXPECT_NEAR(m.momentary_max_lufs(), -23.0, 0.1);
}

// Tech 3341 cases 15-19: a sine at a fraction of fs with a starting phase; true peak in dBTP,
// tolerance +0.2 / -0.4 dB.
// The tone fades in over 20 ms: an abrupt start is a step whose band-limited overshoot reads
// up to +0.7 dB on any interpolating meter (libebur128 included), and the cases are about the
// steady tone.
double true_peak_of(int rate, double freq_ratio, double phase_deg, double amplitude) {
  AudioBuffer b(2, static_cast<std::size_t>(rate));  // 1 s
  const double fade = 0.02 * rate;
  for (std::size_t i = 0; i < b.num_frames(); ++i) {
    const double env = double(i) < fade ? 0.5 - 0.5 * std::cos(std::numbers::pi * double(i) / fade) : 1.0;
    const double v = env * amplitude *
                     std::sin(2.0 * std::numbers::pi * freq_ratio * static_cast<double>(i) +
                              phase_deg * std::numbers::pi / 180.0);
    b.channel(0)[i] = b.channel(1)[i] = static_cast<float>(v);
  }
  return measure(b, rate).true_peak_dbtp();
}

TEST_P(Conformance, Tech3341Cases15to19TruePeak) {
  const int rate = GetParam();
  struct Case {
    double ratio, phase, amp, expect;
  };
  for (const Case& c : {Case{0.25, 0.0, 0.5, -6.0}, Case{0.25, 45.0, 0.5, -6.0},
                        Case{1.0 / 6.0, 60.0, 0.5, -6.0}, Case{0.125, 67.5, 0.5, -6.0},
                        Case{0.25, 45.0, 1.41, 3.0}}) {
    const double tp = true_peak_of(rate, c.ratio, c.phase, c.amp);
    EXPECT_LE(tp, c.expect + 0.2) << "fs*" << c.ratio << " " << c.phase << " deg";
    EXPECT_GE(tp, c.expect - 0.4) << "fs*" << c.ratio << " " << c.phase << " deg";
  }
}

TEST_P(Conformance, Tech3342LoudnessRange) {
  const int rate = GetParam();
  const LoudnessOptions o{.true_peak = false};
  EXPECT_NEAR(measure(tone_sequence({{20, -20}, {20, -30}}, rate), rate, o).range_lu(), 10.0, 1.0);
  EXPECT_NEAR(measure(tone_sequence({{20, -20}, {20, -15}}, rate), rate, o).range_lu(), 5.0, 1.0);
  EXPECT_NEAR(measure(tone_sequence({{20, -40}, {20, -20}}, rate), rate, o).range_lu(), 20.0, 1.0);
  EXPECT_NEAR(measure(tone_sequence({{20, -50}, {20, -35}, {20, -20}, {20, -35}, {20, -50}}, rate), rate, o)
                  .range_lu(),
              15.0, 1.0);
}

INSTANTIATE_TEST_SUITE_P(Rates, Conformance, ::testing::Values(44100, 48000, 96000));

TEST(KWeighting, MatchesTheBs1770TableAt48k) {
  const KWeighting k = k_weighting(48000);
  EXPECT_NEAR(k.shelf.b0, 1.53512485958697, 1e-8);
  EXPECT_NEAR(k.shelf.b1, -2.69169618940638, 1e-8);
  EXPECT_NEAR(k.shelf.b2, 1.19839281085285, 1e-8);
  EXPECT_NEAR(k.shelf.a1, -1.69065929318241, 1e-8);
  EXPECT_NEAR(k.shelf.a2, 0.73248077421585, 1e-8);
  EXPECT_NEAR(k.highpass.b0, 1.0, 1e-12);
  EXPECT_NEAR(k.highpass.b1, -2.0, 1e-12);
  EXPECT_NEAR(k.highpass.a1, -1.99004745483398, 1e-8);
  EXPECT_NEAR(k.highpass.a2, 0.99007225036621, 1e-8);
}

double response_db(const KWeighting& k, double hz, double fs) {
  auto h = [&](const BiquadCoefficients& c) {
    const double w = 2.0 * std::numbers::pi * hz / fs;
    const std::complex<double> z1 = std::polar(1.0, -w), z2 = z1 * z1;
    return (c.b0 + c.b1 * z1 + c.b2 * z2) / (1.0 + c.a1 * z1 + c.a2 * z2);
  };
  return 20.0 * std::log10(std::abs(h(k.shelf) * h(k.highpass)));
}

TEST(KWeighting, SameResponseAtEveryRate) {
  // The digital filters agree with each other wherever the bilinear warping is small.
  const KWeighting k48 = k_weighting(48000);
  for (double fs : {44100.0, 88200.0, 96000.0, 192000.0}) {
    const KWeighting k = k_weighting(fs);
    for (double hz : {20.0, 38.0, 100.0, 1000.0, 1682.0, 4000.0, 10000.0})
      EXPECT_NEAR(response_db(k, hz, fs), response_db(k48, hz, 48000.0), hz > 5000 ? 0.1 : 0.01)
          << hz << " Hz at " << fs;
  }
  // The shelf lifts the top by ~4 dB and the high pass takes the bottom away.
  EXPECT_NEAR(response_db(k48, 10000.0, 48000.0), 4.0, 0.3);
  EXPECT_LT(response_db(k48, 20.0, 48000.0), -5.0);
}

TEST(Loudness, BlockSizeDoesNotMatter) {
  const int rate = 44100;
  const auto sig = tone_sequence({{2.3, -30}, {4.1, -18}, {1.7, -40}}, rate);
  LoudnessMeter one(rate, 2), big(rate, 2);
  for (std::size_t i = 0; i < sig.num_frames(); i += 1) one.add(sig.view().sub(i, 1));
  big.add(sig.view());
  EXPECT_DOUBLE_EQ(one.integrated_lufs(), big.integrated_lufs());
  EXPECT_DOUBLE_EQ(one.range_lu(), big.range_lu());
  EXPECT_DOUBLE_EQ(one.momentary_max_lufs(), big.momentary_max_lufs());
  EXPECT_DOUBLE_EQ(one.true_peak_dbtp(), big.true_peak_dbtp());
  EXPECT_EQ(one.short_term_series(), big.short_term_series());
}

// The filter runs in groups of eight frames at fixed places in the stream and each tick's squares
// are summed by frame index, so every 400 ms block's energy has the same bits however the stream
// is cut: one frame at a time, odd blocks, blocks that end inside a group or a tick.
TEST(Loudness, GatingBlocksHaveTheSameBitsForAnyCut) {
  for (const int rate : {44100, 48000}) {
    for (const int channels : {1, 2, 3}) {
      AudioBuffer sig = tone_sequence({{0.5, -30}, {0.5, -12}, {0.3, -INFINITY}, {0.5, -22}}, rate, channels, 997.0);
      for (int c = 0; c < channels; ++c)  // a different signal on each channel
        for (std::size_t i = 0; i < sig.num_frames(); i += 3) sig.channel(c)[i] *= 0.5f + 0.2f * float(c);
      LoudnessMeter whole(rate, channels, {.true_peak = false});
      whole.add(sig.view());
      for (const std::size_t block : {std::size_t{1}, std::size_t{5}, std::size_t{4097}}) {
        LoudnessMeter cut(rate, channels, {.true_peak = false});
        for (std::size_t pos = 0; pos < sig.num_frames(); pos += block)
          cut.add(sig.view().sub(pos, std::min(block, sig.num_frames() - pos)));
        ASSERT_EQ(cut.block_energies().size(), whole.block_energies().size());
        EXPECT_EQ(cut.block_energies(), whole.block_energies()) << rate << " Hz, " << channels << " ch, blocks of " << block;
        EXPECT_EQ(cut.integrated_lufs(), whole.integrated_lufs());
      }
    }
  }
}

// The grouped (block) form of the recursion against the recursion itself, frame by frame in long
// double: every 400 ms block's energy agrees to a few parts in 10^12.
TEST(Loudness, GroupedFilterIsTheRecursion) {
  const int rate = 48000;
  AudioBuffer sig(1, 3 * rate);
  std::uint32_t r = 12345;
  for (std::size_t i = 0; i < sig.num_frames(); ++i) {
    r = r * 1664525u + 1013904223u;
    sig.channel(0)[i] = static_cast<float>((double(r >> 8) / double(1u << 24) - 0.5) * 0.8);
  }
  LoudnessMeter m(rate, 1, {.true_peak = false});
  m.add(sig.view());
  const KWeighting k = k_weighting(rate);
  using LD = long double;
  LD x1 = 0, x2 = 0, t1 = 0, t2 = 0, u1 = 0, u2 = 0;
  std::vector<LD> sq(sig.num_frames());
  for (std::size_t i = 0; i < sig.num_frames(); ++i) {
    const LD x = sig.channel(0)[i];
    const LD t = LD(k.shelf.b0) * x + LD(k.shelf.b1) * x1 + LD(k.shelf.b2) * x2 - LD(k.shelf.a1) * t1 - LD(k.shelf.a2) * t2;
    const LD u = LD(k.highpass.b0) * (t - 2 * t1 + t2) - LD(k.highpass.a1) * u1 - LD(k.highpass.a2) * u2;
    x2 = x1, x1 = x, t2 = t1, t1 = t, u2 = u1, u1 = u;
    sq[i] = u * u;
  }
  const auto& blocks = m.block_energies();
  ASSERT_GE(blocks.size(), 20u);
  const std::size_t len = rate * 4 / 10, hop = rate / 10;
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    LD e = 0;
    for (std::size_t i = b * hop; i < b * hop + len; ++i) e += sq[i];
    e /= LD(len);
    EXPECT_NEAR(blocks[b] / double(e), 1.0, 5e-12) << "block " << b;
  }
}

// The filter is not run over digital silence once it has come to rest (it would give zeros).
// Against the same signal whose silences are a +-1e-30 alternation, far below anything a double
// sum of the sound can hold but not silence, so every sample is filtered: the same figures.
TEST(Loudness, SilenceSkippedGivesWhatFilteringItGives) {
  for (int channels : {1, 2, 3}) {
    const int rate = 48000;
    const auto sig = tone_sequence({{2.0, -20}, {3.0, -INFINITY}, {0.7, -30}, {0.05, -INFINITY}, {1.5, -14},
                                    {4.0, -INFINITY}, {2.0, -25}},
                                   rate, channels, 440.0);
    AudioBuffer lit = sig;
    for (int c = 0; c < channels; ++c)
      for (std::size_t i = 0; i < lit.num_frames(); ++i)
        if (lit.channel(c)[i] == 0.0f) lit.channel(c)[i] = (i % 2 ? 1e-30f : -1e-30f);
    for (const bool threads : {false, true}) {
      const LoudnessOptions o{.mono_sum = channels == 2, .threads = threads ? 2 : 1};
      const auto a = measure(sig, rate, o), b = measure(lit, rate, o);
      EXPECT_EQ(a.integrated_lufs(), b.integrated_lufs()) << channels;
      EXPECT_EQ(a.range_lu(), b.range_lu()) << channels;
      EXPECT_EQ(a.momentary_max_lufs(), b.momentary_max_lufs()) << channels;
      EXPECT_EQ(a.true_peak_dbtp(), b.true_peak_dbtp()) << channels;
      if (channels == 2) {
        EXPECT_EQ(a.mono_integrated_lufs(), b.mono_integrated_lufs());
      }
    }
  }
}

TEST(Loudness, ParallelChannelsGiveIdenticalResults) {
  const int rate = 48000;
  const auto sig = tone_sequence({{5.0, -20}, {5.0, -26}}, rate);
  const auto a = measure(sig, rate, {.threads = 1});
  const auto b = measure(sig, rate, {.threads = 4});
  EXPECT_EQ(a.integrated_lufs(), b.integrated_lufs());
  EXPECT_EQ(a.range_lu(), b.range_lu());
  EXPECT_EQ(a.true_peak_dbtp(), b.true_peak_dbtp());
}

TEST(Loudness, TooShortAndSilentAreUndefinedWithAReason) {
  const int rate = 48000;
  const auto short_sig = tone_sequence({{0.3, -20}}, rate);
  const auto m = measure(short_sig, rate);
  EXPECT_EQ(m.integrated_lufs(), -INFINITY);
  EXPECT_NE(m.note().find("400 ms"), std::string::npos);
  EXPECT_EQ(m.range_lu(), -INFINITY);
  EXPECT_NEAR(m.sample_peak_dbfs(), -20.0, 0.01);

  const auto silent = measure(tone_sequence({{5.0, -INFINITY}}, rate), rate);
  EXPECT_EQ(silent.integrated_lufs(), -INFINITY);
  EXPECT_EQ(silent.true_peak_dbtp(), -INFINITY);
  EXPECT_NE(silent.note().find("silent"), std::string::npos);

  LoudnessMeter empty(rate, 2);
  EXPECT_EQ(empty.integrated_lufs(), -INFINITY);
  EXPECT_EQ(empty.momentary_max_lufs(), -INFINITY);
}

TEST(Loudness, NonFiniteSamplesAreReadAsZeroAndCounted) {
  const int rate = 48000;
  auto sig = tone_sequence({{10.0, -23}}, rate);
  sig.channel(0)[1000] = NAN;
  sig.channel(1)[2000] = INFINITY;
  const auto m = measure(sig, rate);
  EXPECT_EQ(m.nonfinite_samples(), 2);
  EXPECT_NEAR(m.integrated_lufs(), -23.0, 0.1);
  EXPECT_TRUE(std::isfinite(m.true_peak_dbtp()));
}

TEST(Loudness, ChannelWeights) {
  EXPECT_EQ(channel_weights(6)[3], 0.0);  // LFE excluded
  EXPECT_EQ(channel_weights(6)[4], 1.41);
  EXPECT_THROW(channel_weights(8), Error);
  try {
    LoudnessMeter m(48000, 7);
    FAIL() << "7 channels accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::rejected);
    EXPECT_NE(std::string(e.what()).find("7 channels"), std::string::npos);
  }
  // Mono: one channel at weight 1 (a mono 1 kHz sine at -23 dBFS reads -26 LUFS).
  const auto m = measure(tone_sequence({{5.0, -23}}, 48000, 1), 48000);
  EXPECT_NEAR(m.integrated_lufs(), -26.01, 0.1);
}

TEST(Loudness, MonoSumLoss) {
  const int rate = 48000;
  // Identical channels lose nothing in mono; opposite polarity cancels entirely.
  auto same = tone_sequence({{5.0, -20}}, rate);
  const auto m1 = measure(same, rate, {.mono_sum = true});
  EXPECT_NEAR(m1.mono_integrated_lufs(), m1.integrated_lufs(), 0.01);
  for (std::size_t i = 0; i < same.num_frames(); ++i) same.channel(1)[i] = -same.channel(0)[i];
  const auto m2 = measure(same, rate, {.mono_sum = true});
  EXPECT_EQ(m2.mono_integrated_lufs(), -INFINITY);
  // Different frequencies in L and R (uncorrelated): the mono sum is 3 dB down.
  AudioBuffer b(2, static_cast<std::size_t>(5 * rate));
  for (std::size_t i = 0; i < b.num_frames(); ++i) {
    b.channel(0)[i] = 0.1f * static_cast<float>(std::sin(2 * std::numbers::pi * 1000.0 * double(i) / rate));
    b.channel(1)[i] = 0.1f * static_cast<float>(std::sin(2 * std::numbers::pi * 1210.0 * double(i) / rate));
  }
  const auto m3 = measure(b, rate, {.mono_sum = true});
  EXPECT_NEAR(m3.integrated_lufs() - m3.mono_integrated_lufs(), 3.01, 0.1);
}

TEST(Loudness, MergeIsLoudnessOfTheConcatenation) {
  const int rate = 48000;
  const auto a = tone_sequence({{8.0, -20}}, rate);
  const auto b = tone_sequence({{12.0, -30}}, rate);
  AudioBuffer ab(2, a.num_frames() + b.num_frames());
  ab.view().sub(0, a.num_frames()).copy_from(a.view());
  ab.view().sub(a.num_frames(), b.num_frames()).copy_from(b.view());
  auto ma = measure(a, rate);
  ma.merge(measure(b, rate));
  const auto whole = measure(ab, rate);
  EXPECT_NEAR(ma.integrated_lufs(), whole.integrated_lufs(), 0.05);
  EXPECT_NEAR(ma.true_peak_dbtp(), whole.true_peak_dbtp(), 1e-6);
  EXPECT_NEAR(ma.momentary_max_lufs(), -20.0, 0.1);
}

}  // namespace
}  // namespace mixdown::analysis

namespace mixdown::analysis {
namespace {

// TruePeakMeter skips the interpolation of chunks whose largest sample, times the largest sum of
// |taps| of a phase, stays under the peak so far. A window of samples with the signs of phase
// 1's taps is the worst case: its interpolated value is amplitude x that sum (2.06), so a
// quiet-looking chunk (samples at 0.28, far under a 0.5 peak) must still raise the peak to
// ~0.58. A bound taken from the centre tap alone, or phase 0's 1.43, would skip it.
TEST(TruePeak, QuietChunksAreSkippedOnlyWhenNoInterSamplePeakCanBeatThePeak) {
  const auto& h = true_peak_coefficients()[1];
  double l1 = 0.0;
  for (float v : h) l1 += std::fabs(double(v));
  for (const bool worst_case : {true, false}) {
    TruePeakMeter m(1);
    AudioBuffer loud(1, 4096);
    for (std::size_t i = 0; i < 4096; ++i) loud.channel(0)[i] = i == 100 ? 0.5f : 0.0f;
    m.add(loud.view());
    const double before = m.max_peak();
    ASSERT_NEAR(before, 0.5, 0.05);
    // Three chunks later (the meter works in 1024-frame chunks), a window of 12 samples.
    AudioBuffer quiet(1, 8192);
    quiet.view().clear();
    const float a = 0.28f;
    for (int k = 0; k < TruePeakMeter::kTaps; ++k) {
      const float sign = h[static_cast<std::size_t>(k)] < 0 ? -1.0f : 1.0f;
      // y_1[i] = sum_k h_1[k] x[i - k] (up to the meter's delay): x[i - k] takes h_1[k]'s sign.
      quiet.channel(0)[3000 + TruePeakMeter::kTaps - 1 - static_cast<std::size_t>(k)] = worst_case ? a * sign : a;
    }
    m.add(quiet.view());
    if (worst_case) {
      EXPECT_NEAR(m.max_peak(), a * l1, 1e-4) << "the worst-case window's inter-sample peak";
      EXPECT_GT(m.max_peak(), before + 0.05);
    } else {
      // Twelve equal samples interpolate to about their own value: the peak holds.
      EXPECT_EQ(m.max_peak(), before);
    }
  }
}

}  // namespace
}  // namespace mixdown::analysis

namespace mixdown::analysis {
namespace {

// The refined reading (the delivered master's): on dense content near Nyquist (clipped noise) the
// Annex's 12-tap phases lose the top of the waveform (ffmpeg's meter read such masters over
// their ceiling), which the refined meter finds; a sine near Nyquist it reads within 0.1 dB. On
// music-like content the two agree; the reading does not depend on how the stream is cut into
// blocks, and it is the reference reconstruction's (sinc_peak) over the whole signal.
TEST(TruePeak, RefinedReadingFindsThePeaksNearNyquistTheAnnexMisses) {
  const int rate = 48000;
  double worst_refined = 0.0;  // dB from the sine's amplitude, over its phases
  for (int k = 0; k < 16; ++k) {
    AudioBuffer hf(1, rate / 4);
    for (int i = 0; i < rate / 4; ++i) {
      // Faded in and out over 1000 samples: a sine near Nyquist that starts abruptly does
      // overshoot (a DAC plays its onset so too), which is not the loss under test.
      const double fade = std::min({1.0, i / 1000.0, (rate / 4 - 1 - i) / 1000.0});
      hf.channel(0)[i] = static_cast<float>(0.5 * fade * std::sin(2 * M_PI * 0.47 * i + 0.39 * k));
    }
    TruePeakMeter refined(1, true);
    refined.add(hf.view());
    const double r = 20 * std::log10(refined.max_peak() / 0.5);
    if (std::abs(r) > std::abs(worst_refined)) worst_refined = r;
  }
  EXPECT_NEAR(worst_refined, 0.0, 0.1) << "the refined reading of the same sine";

  // Clipped noise in bursts (every interval is a candidate somewhere): block sizes change nothing,
  // and the reading is the reconstruction's maximum over the whole signal.
  AudioBuffer bursts(2, rate);
  std::uint32_t seed = 7;
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < rate; ++i) {
      seed = seed * 1664525u + 1013904223u;
      const float u = static_cast<float>(seed >> 8) / 16777216.0f * 2.0f - 1.0f;
      bursts.channel(c)[i] = (i / 2000) % 3 == 0 ? std::clamp(1.6f * u, -0.6f, 0.6f) : 0.05f * u;
    }
  double whole = 0.0;
  for (const std::size_t block : {std::size_t(rate), std::size_t(4096), std::size_t(777), std::size_t(31)}) {
    TruePeakMeter m(2, true);
    for (std::size_t s = 0; s < bursts.num_frames(); s += block)
      m.add(bursts.view().sub(s, std::min(block, bursts.num_frames() - s)));
    if (block == std::size_t(rate)) whole = m.max_peak();
    EXPECT_EQ(m.max_peak(), whole) << "block " << block;
  }
  const double ref = std::max(sinc_peak(bursts.channel(0), bursts.num_frames()), sinc_peak(bursts.channel(1), bursts.num_frames()));
  EXPECT_DOUBLE_EQ(whole, ref);
  TruePeakMeter plain(2);
  plain.add(bursts.view());
  std::printf("clipped noise bursts: refined %+.2f dB over the Annex reading\n", 20 * std::log10(whole / plain.max_peak()));
  EXPECT_GT(20 * std::log10(whole / plain.max_peak()), 0.2) << "clipped noise: the Annex under-reads";

  // Noise low-passed well under Nyquist (music's spectrum falls): the readings agree.
  AudioBuffer soft(1, rate);
  float lp = 0.0f;
  for (int i = 0; i < rate; ++i) {
    seed = seed * 1664525u + 1013904223u;
    lp = 0.9f * lp + 0.1f * (static_cast<float>(seed >> 8) / 16777216.0f * 2.0f - 1.0f);
    soft.channel(0)[i] = lp;
  }
  TruePeakMeter sa(1), sr(1, true);
  sa.add(soft.view());
  sr.add(soft.view());
  EXPECT_GE(sr.max_peak(), sa.max_peak());
  EXPECT_LT(20 * std::log10(sr.max_peak() / sa.max_peak()), 0.1);
}

}  // namespace
}  // namespace mixdown::analysis
