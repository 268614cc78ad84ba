#include "dsp/pass_filter.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dsp/dsp_test_util.hpp"

namespace mixdown::dsp {
namespace {

using test::measured_response_db;

TEST(PassFilter, ButterworthIsMinus3dBAtTheCornerForEveryOrder) {
  for (PassKind kind : {PassKind::high_pass, PassKind::low_pass})
    for (int order = 1; order <= 8; ++order)
      for (double fs : {44100.0, 48000.0}) {
        const double fc = kind == PassKind::high_pass ? 80.0 : 6000.0;
        PassFilter f(kind, PassFilterSettings{true, fc, order});
        EXPECT_NEAR(measured_response_db(f, fc, fs), -3.0103, 0.1)
            << (kind == PassKind::high_pass ? "HP" : "LP") << " order " << order << " fs " << fs;
      }
}

TEST(PassFilter, SlopeIsSixDbPerOctavePerOrder) {
  // Analog Butterworth two octaves into the stop band: -10 log10(1 + 4^(2N)) ~ -12.04 N dB.
  for (int order = 1; order <= 8; ++order) {
    PassFilter hp(PassKind::high_pass, PassFilterSettings{true, 400.0, order});
    const double expected = -10.0 * std::log10(1.0 + std::pow(4.0, 2.0 * order));
    EXPECT_NEAR(measured_response_db(hp, 100.0, 48000, 1 << 17), expected, 0.2) << order;
    // And nearly flat two octaves into the pass band: -10 log10(1 + 4^(-2N)).
    EXPECT_NEAR(measured_response_db(hp, 1600.0, 48000),
                -10.0 * std::log10(1.0 + std::pow(4.0, -2.0 * order)), 0.05) << order;
  }
}

TEST(PassFilter, DisabledIsBitExactIdentity) {
  PassFilter f(PassKind::high_pass, PassFilterSettings{false, 100.0, 4});
  f.prepare(ProcessSpec{48000, 2, 512});
  AudioBuffer x = test::noise(2000, 2, 1), y = x;
  test::run_blocks(f, y.view(), 512);
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < 2000; ++i) ASSERT_EQ(x.channel(c)[i], y.channel(c)[i]);
  EXPECT_EQ(f.tail_frames(), 0u);
}

TEST(PassFilter, DesignUsesHalfTheOrderInBiquadsPlusOneFirstOrderSection) {
  EXPECT_EQ(PassFilter::design(PassKind::low_pass, 1000, 1, 48000).count, 1u);
  EXPECT_EQ(PassFilter::design(PassKind::low_pass, 1000, 4, 48000).count, 2u);
  EXPECT_EQ(PassFilter::design(PassKind::low_pass, 1000, 7, 48000).count, 4u);
  EXPECT_EQ(PassFilter::design(PassKind::low_pass, 1000, 12, 48000).count, 4u);  // clamped to 8
}

}  // namespace
}  // namespace mixdown::dsp
