// Issues 4 and 5, bad input: 200 stems, of different rates (44.1/48/96 kHz), lengths and
// layouts (mono, stereo, 5.1) and one a single sample long, mixed in one session. Expected: a
// mix (not a crash, not a refusal), one printed stem per input, every output as long as the
// mix, nothing clipped and nothing non-finite.
#include <gtest/gtest.h>

#include <cmath>

#include "../support/testing.hpp"
#include "io/audio_file.hpp"

namespace mixdown {
namespace {

namespace fs = std::filesystem;

TEST(ManyStems, TwoHundredMixedRatesLengthsAndLayoutsAreMixed) {
  if (!fs::exists(testkit::mixdown_bin())) GTEST_SKIP() << "no mixdown binary at " << testkit::mixdown_bin();
  if (std::getenv("MIXDOWN_SANITIZED")) GTEST_SKIP() << "200 stems are slow under sanitizers; run in the Release pass";
  testkit::TempDir dir;
  const fs::path stems = dir / "stems";
  fs::create_directories(stems);
  constexpr int kStems = 200;
  for (int i = 0; i < kStems; ++i) {
    const int rate = i % 3 == 0 ? 44100 : i % 3 == 1 ? 48000 : 96000;
    const int channels = i == 7 ? 6 : i % 2 ? 1 : 2;
    const double seconds = i == 11 ? 1.0 / rate : 1.0 + 0.01 * (i % 50);
    AudioBuffer a = i % 4 == 0 ? testkit::noise(-30.0, seconds, rate, channels, static_cast<std::uint64_t>(i + 1))
                               : testkit::sine(80.0 * (1 + i % 37), -24.0, seconds, rate, channels);
    io::WriteSpec spec;
    spec.sample_rate = rate;
    spec.channels = channels;
    char name[32];
    std::snprintf(name, sizeof name, "Part %03d.wav", i);
    io::write_file(stems / name, a.view(), spec);
  }
  std::string err;
  ASSERT_EQ(testkit::run_command(testkit::mixdown_bin() + " mix " + testkit::shell_quote(stems) + " -o " +
                                     testkit::shell_quote(dir / "out") + " --no-master --quiet",
                                 nullptr, &err),
            0)
      << err;
  int rate = 0;
  const auto mix = io::read_file(dir / "out" / "mix.wav", &rate);
  ASSERT_GT(mix.num_frames(), 0u);
  float peak = 0;
  for (int c = 0; c < mix.num_channels(); ++c)
    for (std::size_t i = 0; i < mix.num_frames(); ++i) {
      ASSERT_TRUE(std::isfinite(mix.channel(c)[i]));
      peak = std::max(peak, std::abs(mix.channel(c)[i]));
    }
  EXPECT_LT(peak, 1.0f);
  EXPECT_GT(peak, 0.0f);
  int printed = 0;
  for (const auto& e : fs::directory_iterator(dir / "out" / "versions" / "stems")) {
    if (e.path().extension() != ".wav") continue;
    ++printed;
    io::AudioReader r(e.path());
    EXPECT_EQ(r.info().frames, static_cast<std::int64_t>(mix.num_frames())) << e.path();
  }
  // Every stem with audio is printed; the one-sample stem may be refused from the mix (too short
  // to measure) but nothing else is lost.
  EXPECT_GE(printed, kStems - 1);
}

}  // namespace
}  // namespace mixdown
