#include "dsp/biquad.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "dsp/dsp_test_util.hpp"

namespace mixdown::dsp {
namespace {

using test::measured_response_db;

struct BandCase {
  EqType type;
  double freq, gain, q, fs;
  double expected_db;  // at freq
};

TEST(Biquad, MeasuredMagnitudeAtTheDesignFrequencyMatchesTheDesign) {
  const BandCase cases[] = {
      {EqType::bell, 1000, 6, 1.0, 48000, 6.0},
      {EqType::bell, 250, -9, 2.0, 44100, -9.0},
      {EqType::bell, 12000, 3, 0.7, 96000, 3.0},
      {EqType::bell, 60, -4, 4.0, 48000, -4.0},
      {EqType::low_shelf, 120, 6, 0.707, 48000, 3.0},    // shelves: half the gain at f0
      {EqType::high_shelf, 8000, -6, 0.707, 44100, -3.0},
      {EqType::high_pass, 80, 0, 0.7071067811865476, 48000, -3.0103},
      {EqType::low_pass, 5000, 0, 0.7071067811865476, 48000, -3.0103},
      {EqType::high_pass, 200, 0, 2.0, 48000, 20 * std::log10(2.0)},  // |H(f0)| = Q
  };
  for (const auto& c : cases) {
    Biquad b(EqBand{true, c.type, c.freq, c.gain, c.q});
    const double measured = measured_response_db(b, c.freq, c.fs);
    EXPECT_NEAR(measured, c.expected_db, 0.1) << "type " << static_cast<int>(c.type) << " f " << c.freq;
    EXPECT_NEAR(b.magnitude_db(c.freq), c.expected_db, 0.01);
  }
}

TEST(Biquad, ShelvesReachTheirGainFarFromTheCorner) {
  Biquad lo(EqBand{true, EqType::low_shelf, 200, 6, 0.707});
  EXPECT_NEAR(measured_response_db(lo, 20, 48000), 6.0, 0.1);
  EXPECT_NEAR(measured_response_db(lo, 8000, 48000), 0.0, 0.1);
  Biquad hi(EqBand{true, EqType::high_shelf, 4000, -5, 0.707});
  EXPECT_NEAR(measured_response_db(hi, 20000, 48000), -5.0, 0.15);
  EXPECT_NEAR(measured_response_db(hi, 100, 48000), 0.0, 0.1);
}

TEST(Biquad, NotchRejectsItsFrequencyAndPassesOthers) {
  Biquad n(EqBand{true, EqType::notch, 1000, 0, 4});
  EXPECT_LT(measured_response_db(n, 1000, 48000), -60.0);
  EXPECT_NEAR(measured_response_db(n, 100, 48000), 0.0, 0.1);
}

TEST(Biquad, FormulaAgreesWithMeasurementAcrossTheBand) {
  Biquad b(EqBand{true, EqType::bell, 2500, 7.5, 1.3});
  for (double f : {30.0, 200.0, 1000.0, 2500.0, 4000.0, 10000.0, 20000.0})
    EXPECT_NEAR(measured_response_db(b, f, 48000), b.magnitude_db(f), 0.01) << f;
}

TEST(Biquad, ZeroGainBellIsTheIdentity) {
  EXPECT_TRUE(BiquadCoeffs::bell(1000, 0.0, 1.0, 48000).is_identity());
  EXPECT_TRUE(BiquadCoeffs::from_band(EqBand{false, EqType::high_pass, 100, 0, 0.7}, 48000).is_identity());
}

TEST(BiquadCascade, PairedAndSingleChannelPathsAgree) {
  // Channels 0/1 run as a vector pair, channel 2 alone: identical input, identical output.
  BiquadCascade c;
  c.prepare(3, 6);
  std::vector<BiquadCoeffs> cs;
  for (int k = 0; k < 6; ++k) cs.push_back(BiquadCoeffs::bell(100.0 * (k + 1) * (k + 1), 4.5 - k, 1.5, 48000));
  c.set_coeffs(cs);
  EXPECT_EQ(c.num_sections(), 6u);
  AudioBuffer b = test::noise(4096, 3, 5);
  std::copy_n(b.channel(0), 4096, b.channel(1));
  std::copy_n(b.channel(0), 4096, b.channel(2));
  c.process(b.view());
  for (std::size_t i = 0; i < 4096; ++i) {
    ASSERT_EQ(b.channel(0)[i], b.channel(1)[i]);
    ASSERT_EQ(b.channel(0)[i], b.channel(2)[i]);
  }
}

TEST(BiquadCascade, SkewedMonoKernelMatchesThePairKernelBitForBit) {
  // A lone channel runs the skewed kernel, a pair the fused one: same bits for any section
  // count and any block size, including blocks shorter than the skew.
  for (std::size_t sections : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 9u, 13u})
    for (std::size_t block : {1u, 3u, 7u, 64u, 1000u}) {
      BiquadCascade c;
      c.prepare(3, sections);
      std::vector<BiquadCoeffs> cs;
      for (std::size_t k = 0; k < sections; ++k)
        cs.push_back(k % 3 == 0 ? BiquadCoeffs::high_pass(30.0 + 10.0 * k, 0.8, 48000)
                                : BiquadCoeffs::bell(150.0 * (k + 1), 3.0 - static_cast<double>(k) * 0.7, 1.2, 48000));
      c.set_coeffs(cs);
      ASSERT_EQ(c.num_sections(), sections);
      AudioBuffer b = test::noise(3001, 3, sections * 31 + block);
      std::copy_n(b.channel(0), 3001, b.channel(1));
      std::copy_n(b.channel(0), 3001, b.channel(2));
      test::run_blocks(c, b.view(), block);
      for (std::size_t i = 0; i < 3001; ++i) {
        ASSERT_EQ(b.channel(0)[i], b.channel(1)[i]);
        ASSERT_EQ(b.channel(0)[i], b.channel(2)[i]) << sections << " sections, block " << block << ", frame " << i;
      }
    }
}

TEST(BiquadCascade, PairKernelMatchesTheMonoKernelOnDifferentChannelsAcrossGroups) {
  // The pair kernels (AVX-512: sixteen sections per pass, the carry rounded to float where a
  // group of eight ends; AVX2; baseline) against the lone-channel kernel, with different
  // signals left and right (a swap of lanes would show), for section counts across one, two
  // and several groups (odd ones padded with an identity), in blocks shorter and longer than
  // the skew.
  for (std::size_t sections : {2u, 3u, 6u, 8u, 9u, 12u, 15u, 16u, 17u, 23u, 24u, 31u, 33u, 44u})
    for (std::size_t block : {1u, 5u, 17u, 1000u}) {
      std::vector<BiquadCoeffs> cs;
      for (std::size_t k = 0; k < sections; ++k)
        cs.push_back(k % 4 == 0 ? BiquadCoeffs::high_pass(20.0 + 3.0 * k, 0.9, 48000)
                                : BiquadCoeffs::bell(31.0 * std::pow(2.0, k / 6.0), 6.0 - static_cast<double>(k % 9) * 1.4, 8.6, 48000));
      const AudioBuffer in = test::noise(2500, 2, sections * 7 + block);
      // Channels 0/1 run as a pair, channel 2 alone: once with the left signal, once with the right.
      for (int side = 0; side < 2; ++side) {
        BiquadCascade c;
        c.prepare(3, sections);
        c.set_coeffs(cs);
        ASSERT_EQ(c.num_sections(), sections);
        AudioBuffer b(3, 2500);
        std::copy_n(in.channel(0), 2500, b.channel(0));
        std::copy_n(in.channel(1), 2500, b.channel(1));
        std::copy_n(in.channel(side), 2500, b.channel(2));
        test::run_blocks(c, b.view(), block);
        for (std::size_t i = 0; i < 2500; ++i)
          ASSERT_EQ(b.channel(side)[i], b.channel(2)[i]) << sections << " sections, block " << block << ", channel " << side << ", frame " << i;
      }
    }
}

// The cascade's arithmetic written out plainly: each section in direct form I in double, the
// signal rounded to float after every group of eight sections and at the end (the kernels
// skew, pair and vectorise this, and must give its bits).
std::vector<float> reference_cascade(const std::vector<BiquadCoeffs>& cs, const float* x, std::size_t n) {
  std::vector<float> sig(x, x + n);
  for (std::size_t g = 0; g < cs.size(); g += 8) {
    std::vector<double> v(sig.begin(), sig.end());
    for (std::size_t j = g; j < std::min(cs.size(), g + 8); ++j) {
      const BiquadCoeffs& c = cs[j];
      double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
      for (double& s : v) {
        const double u = c.b1 * x1 + c.b2 * x2 - c.a2 * y2;
        const double y = (u + c.b0 * s) - c.a1 * y1;
        x2 = x1;
        x1 = s;
        y2 = y1;
        y1 = y;
        s = y;
      }
    }
    for (std::size_t i = 0; i < n; ++i) sig[i] = static_cast<float>(v[i]);
  }
  return sig;
}

TEST(BiquadCascade, EveryKernelGivesTheBitsOfThePlainArithmetic) {
  // Lone channels (channel 2 of three, and a mono cascade) and pairs, against the plain
  // recursion above: a fault shared by the paired and the lone-channel kernels (which the
  // tests comparing them cannot see) shows here.
  for (std::size_t sections : {1u, 2u, 3u, 4u, 5u, 8u, 9u, 16u, 17u, 24u, 25u, 44u})
    for (std::size_t block : {1u, 7u, 1000u}) {
      std::vector<BiquadCoeffs> cs;
      for (std::size_t k = 0; k < sections; ++k)
        cs.push_back(k % 5 == 0 ? BiquadCoeffs::high_pass(25.0 + 4.0 * k, 0.8, 48000)
                                : BiquadCoeffs::bell(40.0 * std::pow(2.0, k / 5.0), 5.0 - static_cast<double>(k % 7) * 1.5, 4.0, 48000));
      const AudioBuffer in = test::noise(2200, 3, sections * 13 + block);
      for (int channels : {1, 3}) {
        BiquadCascade c;
        c.prepare(channels, sections);
        c.set_coeffs(cs);
        AudioBuffer b(channels, 2200);
        for (int ch = 0; ch < channels; ++ch) std::copy_n(in.channel(ch), 2200, b.channel(ch));
        test::run_blocks(c, b.view(), block);
        for (int ch = 0; ch < channels; ++ch) {
          const auto want = reference_cascade(cs, in.channel(ch), 2200);
          for (std::size_t i = 0; i < 2200; ++i)
            ASSERT_EQ(b.channel(ch)[i], want[i]) << sections << " sections, block " << block << ", " << channels
                                                 << " channels, channel " << ch << ", frame " << i;
        }
      }
    }
}

// Two cascades side by side (the fused kernel on an AVX-512 CPU, one after the other elsewhere)
// give what each gives alone, block after block (so the states carry over too): of 1 to 5
// sections each (the fused kernel takes 2 to 4; the rest, and a silent block at rest, go one
// after the other), their bits against the plain recursion.
TEST(BiquadCascade, TwoCascadesSideBySideGiveTheBitsOfEachAlone) {
  for (std::size_t na : {1u, 2u, 3u, 4u, 5u})
    for (std::size_t nb : {2u, 4u}) {
      std::vector<BiquadCoeffs> ca, cb;
      for (std::size_t k = 0; k < na; ++k) ca.push_back(BiquadCoeffs::bell(90.0 * double(k + 1), 4.0 - double(k), 2.0, 48000));
      for (std::size_t k = 0; k < nb; ++k)
        cb.push_back(k == 0 ? BiquadCoeffs::low_shelf(80.0, 6.0, 0.7071, 48000) : BiquadCoeffs::high_shelf(8000.0 / double(k), -2.0, 0.7071, 48000));
      BiquadCascade a, b;
      a.prepare(2, na);
      a.set_coeffs(ca);
      b.prepare(2, nb);
      b.set_coeffs(cb);
      const AudioBuffer in = test::noise(3000, 2, na * 7 + nb);
      AudioBuffer xa = in, xb = in;
      // A silent stretch in the middle: at rest, the shortcut; not at rest, the filters' tails.
      for (int ch = 0; ch < 2; ++ch)
        for (std::size_t i = 1000; i < 2000; ++i) xa.channel(ch)[i] = xb.channel(ch)[i] = 0.0f;
      for (std::size_t pos = 0; pos < 3000; pos += 250)
        BiquadCascade::process_two(a, xa.view().sub(pos, 250), b, xb.view().sub(pos, 250));
      for (int ch = 0; ch < 2; ++ch) {
        std::vector<float> ia(in.channel(ch), in.channel(ch) + 3000);
        for (std::size_t i = 1000; i < 2000; ++i) ia[i] = 0.0f;
        const auto wa = reference_cascade(ca, ia.data(), 3000), wb = reference_cascade(cb, ia.data(), 3000);
        for (std::size_t i = 0; i < 3000; ++i) {
          ASSERT_EQ(xa.channel(ch)[i], wa[i]) << na << " + " << nb << " sections, channel " << ch << ", frame " << i;
          ASSERT_EQ(xb.channel(ch)[i], wb[i]) << na << " + " << nb << " sections, channel " << ch << ", frame " << i;
        }
      }
    }
}

TEST(BiquadCascade, BlockSizeDoesNotChangeTheResult) {
  BiquadCascade a, b;
  const BiquadCoeffs cs[] = {BiquadCoeffs::high_pass(40, 0.7, 48000), BiquadCoeffs::bell(300, -3, 1, 48000)};
  for (auto* c : {&a, &b}) {
    c->prepare(2, 2);
    c->set_coeffs(cs, 2);
  }
  AudioBuffer x = test::noise(5000, 2, 9), y = x;
  a.process(x.view());
  test::run_blocks(b, y.view(), 37);
  for (int ch = 0; ch < 2; ++ch)
    for (std::size_t i = 0; i < 5000; ++i) ASSERT_EQ(x.channel(ch)[i], y.channel(ch)[i]);
}

}  // namespace
}  // namespace mixdown::dsp
