#include "io/render_mix.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "../../tests/support/testing.hpp"
#include "core/units.hpp"
#include "io/analyze_file.hpp"
#include "io/audio_file.hpp"
#include "io/master_io.hpp"
#include "io/mix_tap.hpp"

using namespace mixdown;
using namespace mixdown::io;
namespace fs = std::filesystem;

namespace {

constexpr int kRate = 48000;

// A lead vocal and a music stem that cancel in the mix: music = tone + a quiet bed, vocal =
// the same tone inverted. The mix is the bed alone (about -50 dBFS), so landing its true peak
// at -4.5 dBTP takes some +40 dB, at which the instrumental (the tone) and the a cappella
// would be far beyond full scale: the render must give way (its third pass).
// `cancel` false: the vocal is another tone, nothing would clip, two passes suffice.
mix::Console console_with(const fs::path& dir, bool cancel) {
  const auto tone = testkit::sine(440.0, -6.0, 2.0, kRate, 1);
  const auto bed = testkit::noise(-50.0, 2.0, kRate, 1, 11);
  AudioBuffer music(1, tone.num_frames()), vocal(1, tone.num_frames());
  const auto other = testkit::sine(660.0, -6.0, 2.0, kRate, 1);
  for (std::size_t i = 0; i < tone.num_frames(); ++i) {
    music.channel(0)[i] = tone.channel(0)[i] + bed.channel(0)[i];
    vocal.channel(0)[i] = cancel ? -tone.channel(0)[i] : other.channel(0)[i];
  }
  WriteSpec spec;
  spec.channels = 1;
  spec.format = SampleFormat::wav_float;  // exact: the cancellation is not blurred by dither
  write_file(dir / "music.wav", music.view(), spec);
  write_file(dir / "vocal.wav", vocal.view(), spec);
  mix::Console c;
  c.sample_rate = kRate;
  mix::Strip m, v;
  m.name = "music.wav";
  m.file = (dir / "music.wav").string();
  m.bus = "music";
  v.name = "vocal.wav";
  v.file = (dir / "vocal.wav").string();
  v.bus = "vocals";
  v.role = Role::lead_vocal;
  c.strips = {m, v};
  c.mix_bus.compressor.enabled = false;
  return c;
}

float file_peak(const fs::path& p) {
  const auto b = read_file(p);
  float peak = 0;
  for (int c = 0; c < b.num_channels(); ++c)
    for (std::size_t i = 0; i < b.num_frames(); ++i) peak = std::max(peak, std::abs(b.channel(c)[i]));
  return peak;
}

}  // namespace

TEST(RenderMix, AVersionThatWouldClipLowersTheGainInAThirdPass) {
  testkit::TempDir dir;
  const auto c = console_with(dir.path(), true);
  RenderMixOptions opt;
  opt.threads = 2;
  const auto res = render_mix(c, dir / "out", opt);
  EXPECT_EQ(res.passes, 3);
  // The landing gave way to the versions: the mix sits far under its target true peak.
  EXPECT_LT(res.mix_true_peak_dbtp, c.mix_bus.target_true_peak_dbtp - 10.0);
  EXPECT_GT(res.true_peak_before_dbtp, -70.0);
  EXPECT_EQ(res.clipped_samples, 0);
  const float limit = static_cast<float>(db_to_gain(-0.5)) + 2.0f / 8388608.0f;
  for (const char* v : {"instrumental.wav", "acapella.wav", "tv.wav", "music.wav", "vocals.wav"}) {
    const float peak = file_peak(dir / "out" / "versions" / v);
    EXPECT_LE(peak, limit) << v;
    EXPECT_GT(peak, 0.0f) << v;
  }
  // The loudest version lands at -0.5 dBFS (within a dB: the tone's peak between samples).
  EXPECT_GT(file_peak(dir / "out" / "versions" / "instrumental.wav"), db_to_gain(-1.5));
  for (const char* s : {"music.wav", "vocal.wav"}) EXPECT_LE(file_peak(dir / "out" / "versions" / "stems" / s), limit) << s;
}

TEST(RenderMix, NothingNearFullScaleTakesTwoPassesAndLandsTheMix) {
  testkit::TempDir dir;
  const auto c = console_with(dir.path(), false);
  RenderMixOptions opt;
  opt.threads = 2;
  const auto res = render_mix(c, dir / "out", opt);
  EXPECT_EQ(res.passes, 2);
  EXPECT_NEAR(res.mix_true_peak_dbtp, c.mix_bus.target_true_peak_dbtp, 0.1);
  EXPECT_EQ(res.clipped_samples, 0);
}

// A gain the session keeps (a revision's, a re-render's) stands while the mix's true peak stays
// in -6..-3 dBTP, however far from the -4.5 target; one that would put it outside moves just
// inside the nearer edge, not back to the target.
TEST(RenderMix, AKeptGainStandsInsideTheWindowAndMovesOnlyToItsEdge) {
  testkit::TempDir dir;
  auto c = console_with(dir.path(), false);
  RenderMixOptions opt;
  opt.threads = 2;
  const auto first = render_mix(c, dir / "a", opt);
  ASSERT_NEAR(first.mix_true_peak_dbtp, -4.5, 0.1);
  // 1 dB up: -3.5 dBTP, inside the window: kept to the bit.
  c.mix_bus.output_gain_db = first.output_gain_db + 1.0;
  const auto up = render_mix(c, dir / "b", opt);
  EXPECT_EQ(up.output_gain_db, *c.mix_bus.output_gain_db);
  EXPECT_NEAR(up.mix_true_peak_dbtp, first.mix_true_peak_dbtp + 1.0, 0.02);
  EXPECT_EQ(up.passes, 2);
  // 3 dB up would be -1.5 dBTP: moved down to just under -3, not to -4.5.
  c.mix_bus.output_gain_db = first.output_gain_db + 3.0;
  const auto over = render_mix(c, dir / "c", opt);
  EXPECT_LE(over.mix_true_peak_dbtp, -3.0);
  EXPECT_GT(over.mix_true_peak_dbtp, -3.5);
  // 3 dB down would be -7.5 dBTP: moved up to just over -6.
  c.mix_bus.output_gain_db = first.output_gain_db - 3.0;
  const auto under = render_mix(c, dir / "d", opt);
  EXPECT_GE(under.mix_true_peak_dbtp, -6.0);
  EXPECT_LT(under.mix_true_peak_dbtp, -5.5);
  for (const auto* r : {&up, &over, &under}) EXPECT_EQ(r->clipped_samples, 0);
}

// The effect tail after the longest stem is held until the mix says where it dies, then written
// to every output up to there: every file has the render's frames, past the stem's end, and
// the reverb's tail is in the mix just after the stem stops.
TEST(RenderMix, TheEffectTailIsWrittenToEveryOutputUpToWhereItDies) {
  testkit::TempDir dir;
  auto c = console_with(dir.path(), false);
  mix::Return hall;
  hall.name = "hall";
  hall.reverb.decay_s = 1.5;
  c.returns = {hall};
  for (auto& s : c.strips) s.sends = {{"hall", -6.0, false}};
  RenderMixOptions opt;
  opt.threads = 2;
  const auto res = render_mix(c, dir / "out", opt);
  const std::int64_t stem = 2 * kRate;
  EXPECT_GT(res.frames, stem + kRate / 10);
  EXPECT_LT(res.frames, stem + 7 * kRate);
  for (const auto& f : res.files) EXPECT_EQ(probe(f.path).frames, res.frames) << f.path;
  const auto mix = read_file(dir / "out" / "mix.wav");
  double tail = 0;
  for (std::size_t i = static_cast<std::size_t>(stem) + 100; i < static_cast<std::size_t>(stem) + 4900; ++i)
    tail += double(mix.channel(0)[i]) * mix.channel(0)[i];
  EXPECT_GT(10.0 * std::log10(tail / 4800.0 + 1e-30), -60.0);
}

// Deferred commits: the mix, instrumental and a cappella are in place when render_mix returns,
// the other versions and printed stems only after commit_pending, and then byte for byte what
// an immediate commit writes.
TEST(RenderMix, DeferredOutputsAppearOnlyWhenCommittedAndMatchAnImmediateRender) {
  testkit::TempDir dir;
  const auto c = console_with(dir.path(), false);
  RenderMixOptions opt;
  opt.threads = 2;
  render_mix(c, dir / "now", opt);
  opt.defer_commit = true;
  auto res = render_mix(c, dir / "later", opt);
  ASSERT_FALSE(res.pending.empty());
  for (const char* f : {"mix.wav", "versions/instrumental.wav", "versions/acapella.wav"})
    EXPECT_TRUE(fs::exists(dir / "later" / f)) << f;
  for (const char* f : {"versions/tv.wav", "versions/music.wav", "versions/stems/music.wav"})
    EXPECT_FALSE(fs::exists(dir / "later" / f)) << f << " in place before its commit";
  commit_pending(res);
  EXPECT_TRUE(res.pending.empty());
  for (const auto& f : res.files) {
    const auto rel = f.path.lexically_relative(dir / "later");
    EXPECT_EQ(testkit::slurp(dir / "later" / rel), testkit::slurp(dir / "now" / rel)) << rel;
  }
}

// The mix measured as it is written (MixTap) is what reading mix.wav back measures, bit for
// bit: the report's analysis (analyze_file), the master's (analyze_for_master) and the kept
// samples (the file's). Also when a third pass writes the mix again (the tap starts over), and
// with one thread (measured on the render's thread) as with two (on its own).
TEST(RenderMix, TheMixMeasuredAsItIsWrittenIsTheFileReadBack) {
  for (const bool cancel : {false, true})
    for (const int threads : {1, 2}) {
      testkit::TempDir dir;
      const auto c = console_with(dir.path(), cancel);
      RenderMixOptions opt;
      opt.threads = threads;
      MixTap tap(threads);
      opt.tap = &tap;
      const auto res = render_mix(c, dir / "out", opt);
      EXPECT_EQ(res.passes, cancel ? 3 : 2);
      const fs::path mix = dir / "out" / "mix.wav";
      auto got = tap.finish(mix);
      ASSERT_TRUE(got.has_value()) << cancel << threads;
      EXPECT_TRUE(got->report == analyze_file(mix)) << "cancel " << cancel << ", threads " << threads;
      EXPECT_TRUE(got->input.analysis == analyze_for_master(mix)) << "cancel " << cancel << ", threads " << threads;
      EXPECT_EQ(got->report.loudness.integrated_lufs, analyze_file(mix).loudness.integrated_lufs);
      const auto back = read_file(mix);
      ASSERT_EQ(got->input.cache.frames, static_cast<std::int64_t>(back.num_frames()));
      const auto kept = got->input.cache.view();
      for (int ch = 0; ch < 2; ++ch)
        for (std::size_t i = 0; i < back.num_frames(); ++i)
          ASSERT_EQ(kept.channel(ch)[i], back.channel(ch)[i]) << "ch " << ch << " i " << i;
      EXPECT_FALSE(tap.finish(mix).has_value()) << "given once";
    }
}

// A mix longer than the tap may keep is not kept: finish() says so, and the caller reads the file.
TEST(RenderMix, AMixTooLongToKeepIsLeftToBeReadBack) {
  MixTap tap(2);
  tap.start(kRate, 2, MixTap::kMaxBytes / 8 + 1);
  EXPECT_FALSE(tap.finish("mix.wav").has_value());
  MixTap unused(2);
  EXPECT_FALSE(unused.finish("mix.wav").has_value());
}
