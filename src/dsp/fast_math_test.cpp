#include "dsp/fast_math.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace mixdown::dsp {
namespace {

TEST(FastMath, Log2AndExp2AgreeWithTheLibrary) {
  for (double x = 1e-12; x < 1e6; x *= 1.0137) {
    ASSERT_NEAR(fast_log2(x), std::log2(x), 2e-6) << x;
    ASSERT_NEAR(fast_log2f(static_cast<float>(x)), std::log2(static_cast<float>(x)), 2e-5) << x;
  }
  for (double x = -120.0; x < 120.0; x += 0.0173) {
    ASSERT_NEAR(fast_exp2(x) / std::exp2(x), 1.0, 3e-6) << x;
    ASSERT_NEAR(fast_exp2f(static_cast<float>(x)) / std::exp2(static_cast<float>(x)), 1.0, 5e-6) << x;
  }
  EXPECT_EQ(fast_exp2(0.0), 1.0);
  EXPECT_EQ(fast_db_to_gain(0.0), 1.0);
  EXPECT_LT(fast_log2f(0.0f), -126.0f);  // silence reads very low, never -inf or NaN
  EXPECT_NEAR(fast_gain_to_db(0.5), -6.0206, 1e-4);
}

TEST(FastMath, PositivePowerMatchesPowToABillionthOverTheBalanceRange) {
  // The balance takes x^0.2 of band powers in SPL units plus the threshold in quiet: from
  // about 1e-2 (a quiet band at its threshold) to 1e13 (130 dB), and beyond for safety.
  double worst = 0.0;
  for (double x = 1e-30; x < 1e30; x *= 1.0137) {
    for (double a : {0.2, 0.5, 1.0, -0.3}) {
      const double want = std::pow(x, a);
      worst = std::max(worst, std::abs(fast_pow_pos(x, a) / want - 1.0));
    }
  }
  EXPECT_LT(worst, 1e-9);
  EXPECT_DOUBLE_EQ(fast_pow_pos(1.0, 0.2), 1.0);
  EXPECT_NEAR(fast_pow_pos(32.0, 0.2), 2.0, 1e-12);
}

}  // namespace
}  // namespace mixdown::dsp
