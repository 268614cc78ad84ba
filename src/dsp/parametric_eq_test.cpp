#include "dsp/parametric_eq.hpp"

#include <gtest/gtest.h>

#include "dsp/dsp_test_util.hpp"

namespace mixdown::dsp {
namespace {

EqSettings six_bands() {
  EqSettings s;
  s.bands = {{true, EqType::high_pass, 30, 0, 0.707},  {true, EqType::low_shelf, 100, 3, 0.707},
             {true, EqType::bell, 400, -4, 1.4},       {true, EqType::bell, 2500, 2.5, 1.0},
             {true, EqType::high_shelf, 9000, 2, 0.707}, {true, EqType::notch, 60, 0, 8}};
  return s;
}

TEST(ParametricEq, MeasuredResponseIsTheProductOfTheBands) {
  ParametricEq eq(six_bands());
  for (double f : {30.0, 70.0, 100.0, 400.0, 1000.0, 2500.0, 9000.0, 16000.0}) {
    double expected = 0.0;
    for (const auto& b : six_bands().bands) expected += BiquadCoeffs::from_band(b, 48000).magnitude_db(f, 48000);
    EXPECT_NEAR(test::measured_response_db(eq, f, 48000, 1 << 17), expected, 0.1) << f;
  }
}

TEST(ParametricEq, BellCentresLandOnTheirGain) {
  EqSettings s;
  s.bands = {{true, EqType::bell, 200, -6, 2.0}, {true, EqType::bell, 5000, 4, 2.0}};
  ParametricEq eq(s);
  // Well separated bands barely interact: each centre within 0.1 dB of its own gain.
  EXPECT_NEAR(test::measured_response_db(eq, 200, 48000), -6.0, 0.1);
  EXPECT_NEAR(test::measured_response_db(eq, 5000, 48000), 4.0, 0.1);
}

TEST(ParametricEq, NeutralBandsAreBitExactIdentityAndCostNothing) {
  EqSettings s;
  s.bands = {{true, EqType::bell, 200, 0, 1}, {true, EqType::low_shelf, 80, 0, 0.7},
             {false, EqType::high_pass, 100, 0, 0.7}};
  ParametricEq eq(s);
  eq.prepare(ProcessSpec{48000, 2, 256});
  EXPECT_EQ(eq.active_sections(), 0u);
  AudioBuffer x = test::noise(1000, 2, 4), y = x;
  test::run_blocks(eq, y.view(), 256);
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < 1000; ++i) ASSERT_EQ(x.channel(c)[i], y.channel(c)[i]);
}

TEST(ParametricEq, SettingsChangeBetweenBlocksTakesEffect) {
  ParametricEq eq(six_bands());
  eq.prepare(ProcessSpec{48000, 1, 1024});
  EqSettings s = six_bands();
  s.bands[3].gain_db = -8.0;
  eq.set_settings(s);
  EXPECT_NEAR(eq.magnitude_db(2500), [&] {
    double e = 0;
    for (const auto& b : s.bands) e += BiquadCoeffs::from_band(b, 48000).magnitude_db(2500, 48000);
    return e;
  }(), 1e-9);
}

TEST(ParametricEq, FusedStripFiltersEqualPassFiltersThenEq) {
  const PassFilterSettings hp{true, 60.0, 4}, lp{true, 15000.0, 2};
  ParametricEq fused;
  fused.set_settings(six_bands(), hp, lp);
  PassFilter h(PassKind::high_pass, hp), l(PassKind::low_pass, lp);
  ParametricEq eq(six_bands());
  const ProcessSpec spec{48000, 2, 512};
  fused.prepare(spec);
  h.prepare(spec);
  l.prepare(spec);
  eq.prepare(spec);
  EXPECT_EQ(fused.active_sections(), 2u + 1u + 6u);
  AudioBuffer a = test::noise(4096, 2, 21), b = a;
  test::run_blocks(fused, a.view(), 512);
  test::run_blocks(h, b.view(), 512);
  test::run_blocks(l, b.view(), 512);
  test::run_blocks(eq, b.view(), 512);
  // Same filter; float rounding between the separate passes differs slightly.
  for (std::size_t i = 0; i < 4096; ++i) ASSERT_NEAR(a.channel(1)[i], b.channel(1)[i], 1e-5f);
  for (double f : {30.0, 60.0, 1000.0, 15000.0})
    EXPECT_NEAR(fused.magnitude_db(f), h.magnitude_db(f) + l.magnitude_db(f) + eq.magnitude_db(f), 1e-9);
}

}  // namespace
}  // namespace mixdown::dsp
