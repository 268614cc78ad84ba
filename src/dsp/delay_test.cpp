#include "dsp/delay.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dsp/dsp_test_util.hpp"

namespace mixdown::dsp {
namespace {

std::size_t first_nonzero(const float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (x[i] != 0.0f) return i;
  return n;
}

TEST(Delay, FirstEchoIsExactToTheSample) {
  for (double fs : {44100.0, 48000.0, 96000.0})
    for (double ms : {1.0, 125.0, 375.0, 333.333, 1000.0}) {
      DelaySettings s;
      s.time_ms = ms;
      s.feedback = 0.0;
      s.ping_pong = false;
      Delay d(s);
      d.prepare(ProcessSpec{fs, 2, 512});
      const auto expected = static_cast<std::size_t>(std::llround(ms * fs / 1000.0));
      EXPECT_EQ(d.delay_frames(), expected);
      const std::size_t n = expected + 2000;
      AudioBuffer x = test::impulse(2, n, 0);
      test::run_blocks(d, x.view(), 512);
      EXPECT_EQ(first_nonzero(x.channel(0), n), expected) << fs << " " << ms;
      EXPECT_EQ(x.channel(0)[expected], 1.0f);  // the first echo is unfiltered
      EXPECT_EQ(first_nonzero(x.channel(0) + expected + 1, n - expected - 1), n - expected - 1);  // no feedback
    }
}

TEST(Delay, PingPongAlternatesSidesAndFeedbackDecays) {
  DelaySettings s;
  s.time_ms = 100.0;
  s.feedback = 0.5;
  s.low_cut_hz = 20.0;
  s.high_cut_hz = 20000.0;
  s.ping_pong = true;
  Delay d(s);
  d.prepare(ProcessSpec{48000, 2, 1024});
  const std::size_t dt = 4800, n = 5 * dt;
  AudioBuffer x = test::impulse(2, n, 0);
  test::run_blocks(d, x.view());
  auto energy = [&](int c, std::size_t k) {  // echo k's energy on channel c
    double e = 0.0;
    for (std::size_t i = k * dt - 10; i < k * dt + 400; ++i) e += double{x.channel(c)[i]} * x.channel(c)[i];
    return e;
  };
  EXPECT_GT(energy(0, 1), 0.9);
  EXPECT_LT(energy(1, 1), 1e-12);
  EXPECT_GT(energy(1, 2), 0.2);  // 0.5^2 = 0.25, a little less through the filters
  EXPECT_LT(energy(0, 2), 1e-12);
  EXPECT_GT(energy(0, 3), 0.04);
  EXPECT_LT(energy(0, 3), energy(1, 2));
}

TEST(Delay, FeedbackFiltersDarkenEachRepeat) {
  DelaySettings s;
  s.time_ms = 50.0;
  s.feedback = 0.9;
  s.low_cut_hz = 200.0;
  s.high_cut_hz = 3000.0;
  s.ping_pong = false;
  Delay d(s);
  d.prepare(ProcessSpec{48000, 1, 1024});
  AudioBuffer x = test::impulse(1, 2400 * 4, 0);
  test::run_blocks(d, x.view());
  // The third echo (two passes through the filters) has lost its top octave.
  const float* e3 = x.channel(0) + 3 * 2400;
  EXPECT_LT(test::dft_db(e3, 2400, 12000, 48000), test::dft_db(e3, 2400, 1000, 48000) - 20.0);
}

TEST(Delay, TailCoversTheEchoesDownToMinus60dB) {
  DelaySettings s;
  s.time_ms = 250.0;
  s.feedback = 0.5;
  Delay d(s);
  d.prepare(ProcessSpec{48000, 2, 1024});
  // 0.5^10 < 1e-3: ten repeats plus the first.
  EXPECT_EQ(d.tail_frames(), 11u * 12000u);
}

}  // namespace
}  // namespace mixdown::dsp
