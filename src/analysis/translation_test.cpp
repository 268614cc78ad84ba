#include "analysis/translation.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>
#include <limits>
#include <cstring>

#include "../../tests/support/testing.hpp"

namespace mixdown::analysis {
namespace {

constexpr int kRate = 48000;

double rms_db(const float* x, std::size_t n, std::size_t skip = 0) {
  double e = 0;
  for (std::size_t i = skip; i < n; ++i) e += double(x[i]) * x[i];
  return 10 * std::log10(e / double(n - skip) + 1e-30);
}

// Renders a whole buffer through one system in blocks of 1000 frames.
AudioBuffer render(PlaybackSystem sys, const AudioBuffer& in, double gain_db = 0.0) {
  PlaybackRenderer r;
  r.prepare(sys, kRate, in.num_channels(), 1000);
  r.set_gain_db(gain_db);
  AudioBuffer out(r.model().out_channels, in.num_frames());
  for (std::size_t s = 0; s < in.num_frames(); s += 1000) {
    const std::size_t n = std::min<std::size_t>(1000, in.num_frames() - s);
    r.process(in.view().sub(s, n), out.view().sub(s, n));
  }
  return out;
}

TEST(Translation, ModelResponsesMatchTheirDescriptions) {
  const auto phone = playback_model(PlaybackSystem::phone, kRate);
  EXPECT_LT(phone.response_db(100, kRate), -30.0);  // 4th-order at 400 Hz: -48 dB at 100 Hz
  EXPECT_NEAR(phone.response_db(400, kRate), -3.0, 1.5);
  EXPECT_GT(phone.response_db(1800, kRate), 4.0);    // the resonance
  const auto buds = playback_model(PlaybackSystem::earbuds, kRate);
  EXPECT_LT(buds.response_db(50, kRate), -10.0);
  EXPECT_GT(buds.response_db(3200, kRate), 4.0);
  EXPECT_NEAR(buds.response_db(1000, kRate), 0.0, 1.5);
  const auto car = playback_model(PlaybackSystem::car, kRate);
  EXPECT_GT(car.response_db(40, kRate), 4.0);
  EXPECT_EQ(playback_model(PlaybackSystem::mono, kRate).out_channels, 1);
  for (auto s : kPlaybackSystems) EXPECT_FALSE(playback_model(s, kRate).description.empty()) << to_string(s);
}

TEST(Translation, MonoFoldDownCancelsAntiPhase) {
  auto in = testkit::sine(1000, -6, 1.0, kRate, 2);
  for (std::size_t i = 0; i < in.num_frames(); ++i) in.channel(1)[i] = -in.channel(0)[i];
  const auto out = render(PlaybackSystem::mono, in);
  EXPECT_LT(rms_db(out.channel(0), out.num_frames()), -100.0);
  // In phase it is the channel itself.
  const auto same = render(PlaybackSystem::mono, testkit::sine(1000, -6, 1.0, kRate, 2));
  EXPECT_NEAR(rms_db(same.channel(0), same.num_frames()), -6 - 3.01, 0.05);
}

// The mono lane derived from the input's stereo meter (fill_mono_measure) against the lane
// rendered and measured: loudness, bands and presence to float rounding, the peak exactly.
TEST(Translation, MonoMeasureFromTheInputMeterMatchesTheRenderedLane) {
  auto in = testkit::noise(-20.0, 12.0, kRate, 2, 5);
  for (std::size_t i = 0; i < in.num_frames(); ++i)  // partly correlated, partly anti-phase
    in.channel(1)[i] = 0.6f * in.channel(0)[i] - 0.5f * in.channel(1)[i];
  for (double gain_db : {0.0, 5.3, -7.1}) {
    SCOPED_TRACE(gain_db);
    const auto out = render(PlaybackSystem::mono, in, gain_db);
    StreamMeter lane(kRate, 1, false), input(kRate, 2, true, true);
    for (std::size_t s = 0; s < in.num_frames(); s += 7000) {
      const std::size_t n = std::min<std::size_t>(7000, in.num_frames() - s);
      lane.add(out.view().sub(s, n));
      input.add(in.view().sub(s, n));
    }
    lane.finish();
    input.finish();
    SystemMeasure played, derived;
    fill_measure(played, lane);
    fill_mono_measure(derived, input, gain_db);
    EXPECT_NEAR(derived.loudness_lufs, played.loudness_lufs, 1e-4);
    EXPECT_EQ(derived.sample_peak_dbfs, played.sample_peak_dbfs);
    for (std::size_t k = 0; k < played.bands_db.size(); ++k) EXPECT_NEAR(derived.bands_db[k], played.bands_db[k], 1e-4) << k;
    EXPECT_NEAR(derived.presence_db, played.presence_db, 1e-4);
    const auto a = measure_input(input, lane, gain_db, true), b = measure_input(input, mono_spectrum(input, gain_db), gain_db, true);
    ASSERT_EQ(a.mono_band_loss_db.size(), b.mono_band_loss_db.size());
    for (std::size_t k = 0; k < a.mono_band_loss_db.size(); ++k)
      if (std::isfinite(a.mono_band_loss_db[k])) {
        EXPECT_NEAR(a.mono_band_loss_db[k], b.mono_band_loss_db[k], 1e-4) << k;
      }
  }
}

TEST(Translation, ClubSumsTheLowEndToMonoOnly) {
  // Anti-phase 50 Hz disappears (the subs are mono); anti-phase 2 kHz stays on the tops.
  auto low = testkit::sine(50, -12, 2.0, kRate, 2);
  auto high = testkit::sine(2000, -12, 2.0, kRate, 2);
  for (std::size_t i = 0; i < low.num_frames(); ++i) {
    low.channel(1)[i] = -low.channel(0)[i];
    high.channel(1)[i] = -high.channel(0)[i];
  }
  const auto lo = render(PlaybackSystem::club, low);
  const auto hi = render(PlaybackSystem::club, high);
  const std::size_t skip = kRate;  // settle
  EXPECT_LT(rms_db(lo.channel(0), lo.num_frames(), skip), -12 - 3 - 20.0);
  EXPECT_NEAR(rms_db(hi.channel(0), hi.num_frames(), skip), -12 - 3.01, 1.0);
}

TEST(Translation, PhoneLimiterHoldsItsCeilingAndDropsTheBass) {
  const auto in = testkit::sine(60, 0, 1.0, kRate, 2);
  const auto bass = render(PlaybackSystem::phone, in, 0.0);
  EXPECT_LT(rms_db(bass.channel(0), bass.num_frames(), kRate / 2), -3 - 40.0);
  const auto loud = render(PlaybackSystem::phone, testkit::sine(1000, 0, 1.0, kRate, 2), 12.0);
  float peak = 0;
  for (std::size_t i = 0; i < loud.num_frames(); ++i) peak = std::max(peak, std::fabs(loud.channel(0)[i]));
  EXPECT_LT(20 * std::log10(peak), -2.5);  // ceiling -3 dBTP, sample peaks below it
}

TEST(Translation, CarRoadNoiseIsDeterministicAndLow) {
  PlaybackRenderer a, b;
  for (auto* r : {&a, &b}) {
    r->prepare(PlaybackSystem::car, kRate, 2, 512);
    r->set_noise_rms(0.01);
  }
  AudioBuffer silence(2, 512), oa(2, 512), ob(2, 512);
  a.process(silence.view(), oa.view());
  b.process(silence.view(), ob.view());
  EXPECT_EQ(0, std::memcmp(oa.channel(0), ob.channel(0), 512 * sizeof(float)));
  EXPECT_GT(rms_db(oa.channel(0), 512), -80.0);
  EXPECT_GT(road_noise_density(100, kRate), 100 * road_noise_density(4000, kRate));
}

TranslationReport clean_report() {
  TranslationReport r;
  r.input.integrated_lufs = -14;
  r.input.mono_lufs = -14.5;
  r.input.stereo = true;
  r.input.low_db = -20;
  r.input.carry_db = -22;
  r.input.low_share_db = 2;
  r.input.band_hz = {100, 1000};
  r.input.mono_band_loss_db = {0.5, 1.5};
  for (auto s : kPlaybackSystems) {
    SystemMeasure m;
    m.system = s;
    m.loudness_lufs = -16;
    m.sample_peak_dbfs = -1.5;
    m.presence_db = -3;
    m.vocal_to_rest_db = 2.0;
    r.systems.push_back(m);
  }
  return r;
}

bool has(const TranslationReport& r, const std::string& code, const std::string& system = {}) {
  for (const auto& p : r.problems)
    if (p.code == code && (system.empty() || p.system == system)) return true;
  return false;
}

TEST(Translation, CleanMeasurementsRaiseNothing) {
  auto r = clean_report();
  check_translation(r);
  EXPECT_TRUE(r.problems.empty()) << r.problems.front().code << ": " << r.problems.front().message;
}

// A file far under every delivery level is said to be, once, for the file (no system); a quiet
// but deliverable one (broadcast's -23 LUFS) is not.
TEST(Translation, AFileFarUnderEveryDeliveryLevelIsSaidToBe) {
  auto r = clean_report();
  r.input.integrated_lufs = -56.0;
  check_translation(r);
  ASSERT_TRUE(has(r, "too_quiet"));
  const auto& p = *std::find_if(r.problems.begin(), r.problems.end(), [](const auto& q) { return q.code == "too_quiet"; });
  EXPECT_TRUE(p.system.empty());
  EXPECT_NE(p.message.find("-56.0 LUFS"), std::string::npos) << p.message;
  EXPECT_EQ(std::count_if(r.problems.begin(), r.problems.end(), [](const auto& q) { return q.code == "too_quiet"; }), 1);
  auto broadcast = clean_report();
  broadcast.input.integrated_lufs = -23.0;
  check_translation(broadcast);
  EXPECT_FALSE(has(broadcast, "too_quiet"));
}

TEST(Translation, EachFaultRaisesItsCodeNamingTheSystem) {
  {
    auto r = clean_report();
    r.input.carry_db = -40;  // bass 20 dB above its harmonics
    check_translation(r);
    EXPECT_TRUE(has(r, "low_end_lost", "phone"));
    EXPECT_NE(r.problems.front().message.find("phone"), std::string::npos);
  }
  {
    auto r = clean_report();
    r.input.low_share_db = 12;
    check_translation(r);
    EXPECT_TRUE(has(r, "low_end_overload", "club"));
  }
  {
    auto r = clean_report();
    r.input.mono_lufs = -20;
    check_translation(r);
    EXPECT_TRUE(has(r, "mono_cancellation", "mono"));
  }
  {
    // Left and right in opposite polarity: the fold-down has no measurable loudness at all.
    auto r = clean_report();
    r.input.mono_lufs = -std::numeric_limits<double>::infinity();
    check_translation(r);
    EXPECT_TRUE(has(r, "mono_cancellation", "mono"));
    EXPECT_TRUE(has(r, "mono_cancellation", "phone"));  // one speaker: the same fold-down
  }
  {
    auto r = clean_report();
    r.input.mono_band_loss_db = {0.5, 9.0};  // one element vanishes
    check_translation(r);
    EXPECT_TRUE(has(r, "mono_cancellation", "mono"));
    EXPECT_NE(r.problems.front().message.find("1000 Hz"), std::string::npos);
  }
  {
    auto r = clean_report();
    for (auto& m : r.systems)
      if (m.system == PlaybackSystem::bluetooth) m.sample_peak_dbfs = 0.8;
    check_translation(r);
    EXPECT_TRUE(has(r, "codec_clipping", "bluetooth"));
  }
  {
    auto r = clean_report();
    for (auto& m : r.systems)
      if (m.system == PlaybackSystem::earbuds) m.presence_db = 7;
    check_translation(r);
    EXPECT_TRUE(has(r, "harsh", "earbuds"));
  }
  {
    auto r = clean_report();
    for (auto& m : r.systems)
      if (m.system == PlaybackSystem::car) m.vocal_to_rest_db = -9;
    check_translation(r);
    EXPECT_TRUE(has(r, "vocal_masked", "car"));
    EXPECT_FALSE(has(r, "vocal_masked", "phone"));
  }
}

TEST(Translation, VocalBalanceFollowsLevelAndNoise) {
  const auto vocal = testkit::sine(1000, -20, 2.0, kRate, 1);
  const auto rest = testkit::noise(-30, 2.0, kRate, 2, 7);
  VocalBalance vb(kRate, 1, 2);
  vb.add(vocal.view(), rest.view());
  vb.finish();
  ASSERT_TRUE(vb.has_vocal());
  const auto earbuds = playback_model(PlaybackSystem::earbuds, kRate);
  const double clean = vb.vocal_to_rest_db(earbuds, 0.0, 0.0);
  // Sine power -23 dB against white noise -30 dB rms with 3.7 of 24 kHz in the speech band.
  EXPECT_GT(clean, 10.0);
  const auto car = playback_model(PlaybackSystem::car, kRate);
  EXPECT_LT(vb.vocal_to_rest_db(car, 0.0, 1.0), clean - 5.0);  // loud road noise masks it
}

}  // namespace
}  // namespace mixdown::analysis
