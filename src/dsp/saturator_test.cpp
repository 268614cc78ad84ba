#include "dsp/saturator.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dsp/dsp_test_util.hpp"

namespace mixdown::dsp {
namespace {

constexpr double kFs = 48000.0;

SaturatorSettings sat(SaturationMode mode, double drive_db, double mix = 1.0) {
  SaturatorSettings s;
  s.enabled = true;
  s.mode = mode;
  s.drive_db = drive_db;
  s.mix = mix;
  return s;
}

// RMS in dB of (y[i] - x[i - delay]) relative to x.
double delayed_error_db(const AudioBuffer& x, const AudioBuffer& y, std::size_t delay,
                        std::size_t from) {
  double e = 0.0, p = 0.0;
  for (std::size_t i = from; i < x.num_frames(); ++i) {
    const double d = double{y.channel(0)[i]} - x.channel(0)[i - delay];
    e += d * d;
    p += double{x.channel(0)[i - delay]} * x.channel(0)[i - delay];
  }
  return 10.0 * std::log10(e / p);
}

TEST(Oversampler, RoundTripIsAPureDelayInThePassBand) {
  Oversampler os;
  os.prepare(1, 512);
  EXPECT_EQ(os.latency_frames(), 37u);
  for (double hz : {100.0, 1000.0, 10000.0, 18000.0}) {
    os.reset();
    AudioBuffer x = test::sine(hz, 0.5, 9600, kFs, 1), y(1, 9600);
    for (std::size_t s = 0; s < 9600; s += 512) {
      const std::size_t n = std::min<std::size_t>(512, 9600 - s);
      auto up = os.upsample(0, x.channel(0) + s, n);
      os.downsample(0, up, y.channel(0) + s);
    }
    EXPECT_LT(delayed_error_db(x, y, os.latency_frames(), 1000), hz < 15000 ? -70.0 : -50.0) << hz;
  }
}

TEST(Oversampler, HalfbandTapsHaveTheirStructure) {
  Oversampler os;
  const auto& h = os.stage1_taps();
  ASSERT_EQ(h.size(), 63u);
  EXPECT_DOUBLE_EQ(h[31], 0.5);
  double sum = 0.0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    sum += h[i];
    EXPECT_DOUBLE_EQ(h[i], h[h.size() - 1 - i]);  // linear phase
    if (i != 31 && (i % 2) == 1) {
      EXPECT_EQ(h[i], 0.0);  // every other tap is zero
    }
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
}

TEST(Saturator, DeclaredLatencyIsWhereTheImpulseLands) {
  Saturator s(sat(SaturationMode::tape, 0.0));
  s.prepare(ProcessSpec{kFs, 1, 256});
  AudioBuffer x(1, 512);
  x.channel(0)[10] = 1e-3f;  // tiny: the curve is linear there
  s.process(x.view());
  std::size_t peak = 0;
  for (std::size_t i = 0; i < 512; ++i)
    if (std::abs(x.channel(0)[i]) > std::abs(x.channel(0)[peak])) peak = i;
  EXPECT_EQ(peak, 10 + s.latency_frames());
  // A near-ideal low-pass at Nyquist leaves a base-rate impulse an impulse.
  EXPECT_NEAR(x.channel(0)[peak], 1e-3f, 0.05e-3f);
}

TEST(Saturator, QuietSignalsKeepTheirLevelWhateverTheDrive) {
  for (auto mode : {SaturationMode::tape, SaturationMode::soft_clip})
    for (double drive : {0.0, 12.0, 24.0}) {
      Saturator s(sat(mode, drive));
      s.prepare(ProcessSpec{kFs, 2, 1024});
      AudioBuffer x = test::sine(1000, 0.001, 24000, kFs), y = x;
      test::run_blocks(s, y.view());
      EXPECT_NEAR(test::rms_db(y.channel(0) + 4800, 19200) - test::rms_db(x.channel(0) + 4800, 19200), 0.0, 0.05)
          << drive;
    }
}

TEST(Saturator, LoudSignalsAreRoundedOffAndAliasesAreSuppressed) {
  Saturator s(sat(SaturationMode::soft_clip, 18.0));
  s.prepare(ProcessSpec{kFs, 1, 1024});
  // 7 kHz driven hard: the 5th and 7th harmonics (35, 49 kHz) would alias to 13 and 1 kHz
  // without oversampling, at about -14 and -17 dB. 48000 frames: whole cycles of each.
  AudioBuffer x = test::sine(7000, 0.5, 48000, kFs, 1);
  test::run_blocks(s, x.view());
  const float* y = x.channel(0) + 4800;
  const std::size_t n = 43200;
  const double fundamental = test::dft_db(y, n, 7000, kFs);
  EXPECT_GT(test::dft_db(y, n, 21000, kFs), fundamental - 25.0);  // the in-band 3rd harmonic exists
  EXPECT_LT(test::dft_db(y, n, 13000, kFs), fundamental - 70.0);  // 5th-harmonic alias
  EXPECT_LT(test::dft_db(y, n, 1000, kFs), fundamental - 70.0);   // 7th-harmonic alias
  float peak = 0.0f;
  for (std::size_t i = 0; i < n; ++i) peak = std::max(peak, std::abs(y[i]));
  // Clipped at 1/drive (0.126) at 4x; band-limiting back to 1x overshoots a little (Gibbs).
  EXPECT_LT(peak, 0.16f);
}

TEST(Saturator, MixZeroIsTheInputDelayedExactly) {
  Saturator s(sat(SaturationMode::tape, 12.0, 0.0));
  s.prepare(ProcessSpec{kFs, 2, 300});
  AudioBuffer x = test::noise(3000, 2, 11), y = x;
  test::run_blocks(s, y.view(), 300);
  const std::size_t d = s.latency_frames();
  for (std::size_t i = d; i < 3000; ++i) ASSERT_EQ(y.channel(1)[i], x.channel(1)[i - d]);
}

TEST(Saturator, DisabledHasNoLatencyAndIsIdentity) {
  SaturatorSettings st = sat(SaturationMode::tape, 12.0);
  st.enabled = false;
  Saturator s(st);
  s.prepare(ProcessSpec{kFs, 2, 300});
  EXPECT_EQ(s.latency_frames(), 0u);
  AudioBuffer x = test::noise(1000, 2, 1), y = x;
  s.process(y.view());
  for (std::size_t i = 0; i < 1000; ++i) ASSERT_EQ(x.channel(0)[i], y.channel(0)[i]);
}

TEST(Saturator, CurvesHaveUnitSlopeAtZeroAndAreOddSymmetric) {
  for (auto mode : {SaturationMode::tape, SaturationMode::soft_clip}) {
    Saturator s(sat(mode, 6.0));
    EXPECT_NEAR(s.curve(1e-4) / 1e-4, 1.0, 1e-3);
    EXPECT_NEAR(s.curve(-0.7), -s.curve(0.7), 1e-9);
    EXPECT_LT(s.curve(1.0), 1.0);  // compresses peaks
  }
}

}  // namespace
}  // namespace mixdown::dsp
