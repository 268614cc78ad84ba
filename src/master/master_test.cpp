// Decisions, arithmetic and small processors of the master layer (the file renderer is tested
// in io/master_io_test.cpp, the command in tests/e2e/master_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "../../tests/support/testing.hpp"
#include "core/units.hpp"
#include "master/album.hpp"
#include "master/chain.hpp"
#include "master/cue.hpp"
#include "master/decide.hpp"
#include "master/input_analysis.hpp"
#include "master/landing.hpp"
#include "master/qc.hpp"
#include "master/target.hpp"

using namespace mixdown;
using namespace mixdown::master;
namespace testkit = mixdown::testkit;

TEST(Targets, TableFollowsTheInterface) {
  struct Row { const char* name; double lufs, ceiling; int bits, rate; };
  const Row rows[] = {{"streaming", -14, -1, 24, 0}, {"apple", -16, -1, 24, 0}, {"cd", -12, -0.3, 16, 44100},
                      {"vinyl", -14, -1, 24, 0},     {"broadcast", -23, -1, 24, 48000},
                      {"atsc", -24, -2, 24, 48000},  {"podcast", -16, -1, 24, 0}};
  ASSERT_EQ(all_targets().size(), std::size(rows));
  for (const auto& r : rows) {
    const auto t = find_target(r.name);
    ASSERT_TRUE(t) << r.name;
    EXPECT_EQ(t->integrated_lufs, r.lufs);
    EXPECT_EQ(t->ceiling_dbtp, r.ceiling);
    EXPECT_EQ(t->bit_depth, r.bits);
    EXPECT_EQ(t->sample_rate, r.rate);
  }
  EXPECT_TRUE(find_target("vinyl")->vinyl);
  EXPECT_FALSE(find_target("loud"));
  EXPECT_EQ(delivery_rate(*find_target("cd"), 96000), 44100);
  EXPECT_EQ(delivery_rate(*find_target("streaming"), 96000), 96000);
}

TEST(CueSheet, FrameArithmeticIs75FramesPerSecond) {
  EXPECT_EQ(kSamplesPerCdFrame, 588);
  EXPECT_EQ(format_msf(0), "00:00:00");
  EXPECT_EQ(format_msf(74), "00:00:74");
  EXPECT_EQ(format_msf(75), "00:01:00");
  EXPECT_EQ(format_msf(75 * 60), "01:00:00");
  EXPECT_EQ(format_msf(kRedBookMaxFrames), "79:57:00");
  EXPECT_EQ(to_msf(4499), (Msf{0, 59, 74}));
  EXPECT_EQ(cd_frames_ceil(0), 0);
  EXPECT_EQ(cd_frames_ceil(588), 1);
  EXPECT_EQ(cd_frames_ceil(589), 2);
  EXPECT_EQ(cd_frames_ceil(44100), 75);
  EXPECT_EQ(seconds_to_cd_frames(2.0), 150);
  EXPECT_EQ(seconds_to_cd_frames(1.0 / 150.0), 1);  // half a frame rounds up
}

TEST(CueSheet, LayoutPlacesEveryIndexOnTheRightFrame) {
  std::vector<CueTrack> t(3);
  t[0] = {"One", "", "USRC17607839", 150, 0, 75 * 200 + 10};  // its gap is the PREGAP, not in the file
  t[1] = {"Two", "", "", 150, 0, 75 * 180};
  t[2] = {"Three", "", "", 0, 0, 75 * 30};
  const auto s = layout_cue(t, "album.wav", "Record", "Band");
  EXPECT_EQ(s.tracks[0].start_frame, 0);
  EXPECT_EQ(s.tracks[1].start_frame, 75 * 200 + 10 + 150);
  EXPECT_EQ(s.tracks[2].start_frame, 75 * 200 + 10 + 150 + 75 * 180);
  EXPECT_EQ(disc_frames(s), 150 + 75 * 200 + 10 + 150 + 75 * 180 + 75 * 30);
  const std::string cue = write_cue(s);
  EXPECT_NE(cue.find("FILE \"album.wav\" WAVE"), std::string::npos);
  EXPECT_NE(cue.find("TRACK 01 AUDIO\n    TITLE \"One\"\n    ISRC USRC17607839\n    PREGAP 00:02:00\n    INDEX 01 00:00:00"), std::string::npos) << cue;
  // Track 2: INDEX 00 where its gap starts (200 s + 10 frames), INDEX 01 two seconds later.
  EXPECT_NE(cue.find("TRACK 02 AUDIO\n    TITLE \"Two\"\n    INDEX 00 03:20:10\n    INDEX 01 03:22:10"), std::string::npos) << cue;
  EXPECT_NE(cue.find("TRACK 03 AUDIO\n    TITLE \"Three\"\n    INDEX 01 06:22:10"), std::string::npos) << cue;
  EXPECT_TRUE(red_book_violations(s).empty());
}

TEST(CueSheet, RedBookRefusesTooManyTooLongAndTooShort) {
  std::vector<CueTrack> many(100, CueTrack{"t", "", "", 0, 0, 75 * 10});
  auto v = red_book_violations(layout_cue(many, "a.wav"));
  ASSERT_FALSE(v.empty());
  EXPECT_NE(v[0].find("at most 99"), std::string::npos);

  std::vector<CueTrack> long_disc(2, CueTrack{"t", "", "", 0, 0, 75 * 60 * 40});  // 80:00 + pre-gap
  v = red_book_violations(layout_cue(long_disc, "a.wav"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].find("79:57"), std::string::npos);
  // Exactly 79:57 including the pre-gap is allowed.
  std::vector<CueTrack> full(1, CueTrack{"t", "", "", 0, 0, kRedBookMaxFrames - kCdPregapFrames});
  EXPECT_TRUE(red_book_violations(layout_cue(full, "a.wav")).empty());
  full[0].length_frames += 1;
  EXPECT_FALSE(red_book_violations(layout_cue(full, "a.wav")).empty());

  std::vector<CueTrack> short_track = {{"ok", "", "", 0, 0, 75 * 60}, {"blip", "", "", 150, 0, 299}};
  v = red_book_violations(layout_cue(short_track, "a.wav"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].find("track 2 (blip)"), std::string::npos);
  EXPECT_NE(v[0].find("at least 4 seconds"), std::string::npos);
  short_track[1].length_frames = 300;
  EXPECT_TRUE(red_book_violations(layout_cue(short_track, "a.wav")).empty());
}

TEST(CueSheet, IsrcValidation) {
  EXPECT_TRUE(valid_isrc("USRC17607839"));
  EXPECT_TRUE(valid_isrc("GBAYE0601498"));
  EXPECT_FALSE(valid_isrc("US-RC1-76-07839"));
  EXPECT_FALSE(valid_isrc("usRC17607839"));
  EXPECT_FALSE(valid_isrc("USRC1760783"));
  EXPECT_FALSE(valid_isrc("USRC1760783X"));
}

// A short hot clip (a 10 s intro at -8 LUFS) among songs at -12 to -16 LUFS pulled every song
// 4 LU under the target. The songs set the level: the loudest song lands on the target, the
// clip is held at the target (never above), and an album of short tracks anchors on its loudest.
TEST(Album, ASongSetsTheLevelNotAShortHotClip) {
  const std::vector<double> lufs{-8.0, -12.0, -16.0, -14.0}, secs{10.0, 240.0, 200.0, 35.0};
  const double anchor = album_anchor_lufs(lufs, secs);  // median 117.5 s: the two songs qualify
  EXPECT_DOUBLE_EQ(anchor, -12.0);
  const auto t = album_track_targets(lufs, anchor, -14.0);
  EXPECT_DOUBLE_EQ(t[0], -14.0);        // the clip: held at the target, not 4 LU over
  EXPECT_DOUBLE_EQ(t[1], -14.0);        // the loudest song: on the target
  EXPECT_DOUBLE_EQ(t[2], -14.0 - 4.0);  // the ballad keeps its distance to it
  EXPECT_DOUBLE_EQ(t[3], -14.0 - 2.0);  // the interlude too
  EXPECT_DOUBLE_EQ(album_anchor_lufs({-9.0, -11.0}, {12.0, 15.0}), -9.0);
  EXPECT_DOUBLE_EQ(album_anchor_lufs({-9.0, -INFINITY, -20.0}, {5.0, 300.0, 200.0}), -20.0);
  EXPECT_TRUE(std::isinf(album_anchor_lufs({-INFINITY}, {60.0})));
  // A track limited past every target stands aside, unless every track is.
  EXPECT_DOUBLE_EQ(album_anchor_lufs({-13.8, -4.5, -24.0}, {200.0, 30.0, 180.0}), -13.8);
  EXPECT_DOUBLE_EQ(album_anchor_lufs({-5.0, -6.0}, {200.0, 180.0}), -5.0);
}

TEST(Album, LoudestTrackGoesToTargetOthersKeepTheirDistance) {
  const auto t = album_track_targets({-18.0, -12.5, -22.0}, -12.5, -14.0);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_DOUBLE_EQ(t[1], -14.0);
  EXPECT_DOUBLE_EQ(t[0], -14.0 - 5.5);
  EXPECT_DOUBLE_EQ(t[2], -14.0 - 9.5);
  // A track far under the rest (an export 30 LU quieter) is held kMaxAlbumSpreadLu under the
  // loudest, not 30 LU.
  const auto far = album_track_targets({-6.0, -18.7, -48.7}, -6.0, -14.0);
  EXPECT_DOUBLE_EQ(far[0], -14.0);
  EXPECT_DOUBLE_EQ(far[1], -14.0 - kMaxAlbumSpreadLu);
  EXPECT_DOUBLE_EQ(far[2], -14.0 - kMaxAlbumSpreadLu);
  AlbumSpec a;
  a.gap_s = 2.0;
  a.tracks.resize(3);
  a.tracks[1].gap_s = 0.5;
  a.tracks[2].crossfade_s = 3.0;
  EXPECT_EQ(gap_before(a, 0), 0.0);
  EXPECT_EQ(gap_before(a, 1), 0.5);
  EXPECT_EQ(gap_before(a, 2), 0.0);
  EXPECT_EQ(crossfade_before(a, 2), 3.0);
  a.tracks[1].gap_s.reset();
  EXPECT_EQ(gap_before(a, 1), 2.0);
}

TEST(Landing, SecantConvergesOnALimitedLoudnessCurve) {
  // Loudness rises 1:1 until the limiter bites, then ever more slowly.
  auto lufs_for = [](double g) { return g < 4 ? -20 + g : -16 + 4 * std::log1p((g - 4) / 4); };
  std::vector<LandingTry> tries{{6.0, lufs_for(6.0)}};
  for (int i = 0; i < 6 && std::abs(tries.back().lufs - (-14.0)) > 0.02; ++i) {
    const double g = next_landing_gain(tries, -14.0);
    tries.push_back({g, lufs_for(g)});
  }
  EXPECT_NEAR(tries.back().lufs, -14.0, 0.02);
  EXPECT_LE(tries.size(), 6u);
}


TEST(Landing, ProbesSteerButNeverStandInForAMeasuredPass) {
  // The probes on segments read the curve 0.3 LU too loud (they sampled lighter passages).
  auto lufs_for = [](double g) { return g < 4 ? -20 + g : -16 + 4 * std::log1p((g - 4) / 4); };
  auto probe_for = [&](double g) { return lufs_for(g) + 0.3; };
  std::vector<LandingTry> probes{{6.0, probe_for(6.0)}, {6.5, probe_for(6.5)}};
  const double g0 = next_landing_gain(probes, -14.0);
  probes.push_back({g0, probe_for(g0)});
  probes.push_back({g0 + 0.25, probe_for(g0 + 0.25)});
  const double g1 = next_landing_gain(probes, -14.0);
  // A probe lands near the target, the measured pass does not: the next gain moves.
  std::vector<LandingTry> tries{{g1, lufs_for(g1)}};
  ASSERT_GT(std::abs(tries[0].lufs + 14.0), 0.1);
  const double g2 = next_landing_gain(tries, probes, -14.0);
  EXPECT_GT(g2, g1 + 0.1);
  // With the probes' slope (the limiter's curve there), one step lands within 0.1 LU; a 1:1 step
  // from the measured pass would not.
  EXPECT_NEAR(lufs_for(g2), -14.0, 0.1);
  EXPECT_GT(std::abs(lufs_for(g1 + (-14.0 - tries[0].lufs)) + 14.0), 0.1);
  // Two measured passes: the probes no longer count.
  tries.push_back({g2, lufs_for(g2)});
  EXPECT_DOUBLE_EQ(next_landing_gain(tries, probes, -14.0), next_landing_gain(tries, -14.0));
}
TEST(InputAnalysis, SpectrumLevelsAndStereo) {
  const int rate = 48000;
  auto a = testkit::sine(1000.0, -6.0, 3.0, rate, 2);
  const auto an = analyze_buffer(a.view(), rate);
  ASSERT_FALSE(an.band_hz.empty());
  // The band around 1 kHz holds the sine; bands two octaves away are far below it.
  std::size_t k1 = 0, k4 = 0, k250 = 0;
  for (std::size_t i = 0; i < an.band_hz.size(); ++i) {
    if (std::abs(an.band_hz[i] - 1000) < 1) k1 = i;
    if (std::abs(an.band_hz[i] - 4000) < 1) k4 = i;
    if (std::abs(an.band_hz[i] - 250) < 1) k250 = i;
  }
  EXPECT_GT(an.band_db[k1] - an.band_db[k4], 40.0);
  EXPECT_GT(an.band_db[k1] - an.band_db[k250], 40.0);
  EXPECT_NEAR(an.correlation, 1.0, 1e-6);
  EXPECT_NEAR(an.side_ratio, 0.0, 1e-6);
  EXPECT_NEAR(an.sample_peak_dbfs, -6.0, 0.01);
  EXPECT_FALSE(an.silent());
  EXPECT_EQ(an.clipped_runs, 0);

  // Pink-flat check: white noise gains 10*log10(2) = 3 dB of band power per octave.
  const auto w = analyze_buffer(testkit::noise(-20, 4.0, rate, 1, 3).view(), rate);
  double at500 = 0, at4k = 0;
  for (std::size_t i = 0; i < w.band_hz.size(); ++i) {
    if (std::abs(w.band_hz[i] - 500) < 5) at500 = w.band_db[i];
    if (std::abs(w.band_hz[i] - 4000) < 5) at4k = w.band_db[i];
  }
  EXPECT_NEAR(at4k - at500, 9.03, 1.0);
}

// Runs of >= 3 full-scale samples are counted across block boundaries (analyze_buffer feeds
// 8192-frame blocks), a block with no sample at the clip level ends any run, and the DC and
// power sums land on their own channels.
// The same music at 48 and 96 kHz reads the same 1/6-octave bands: the spectrum's frames are
// as long in time at every rate (fft_size_for). With 8192 points at both (until session 40)
// the 96 kHz file's bins were twice as wide, a 55 Hz tone leaked into the bands below it up to
// 2.8 dB more, and a reference at 96 kHz was "matched" with EQ it did not need.
TEST(InputAnalysis, TheSameMusicAtAnotherRateReadsTheSameBands) {
  const auto music = [](int rate) {
    AudioBuffer b(2, static_cast<std::size_t>(20 * rate));
    for (const auto& [hz, db] : std::vector<std::pair<double, double>>{{55, -12}, {110, -18}, {440, -20}, {3000, -30}, {9000, -40}}) {
      const auto t = testkit::sine(hz, db, 20.0, rate, 2);
      for (int c = 0; c < 2; ++c)
        for (std::size_t i = 0; i < b.num_frames(); ++i) b.channel(c)[i] += t.channel(c)[i];
    }
    return b;
  };
  const auto a = analyze_buffer(music(48000).view(), 48000);
  const auto b = analyze_buffer(music(96000).view(), 96000);
  ASSERT_EQ(a.band_hz, b.band_hz);  // both up to 20 kHz
  double worst = 0.0;
  for (std::size_t k = 0; k < a.band_hz.size(); ++k)
    if (a.band_hz[k] >= 25.0 && a.band_db[k] > -50.0) worst = std::max(worst, std::abs(a.band_db[k] - b.band_db[k]));
  EXPECT_LT(worst, 0.1);
}

TEST(InputAnalysis, ClippedRunsAcrossBlocksAndPerChannelSums) {
  const int rate = 48000;
  auto b = testkit::noise(-30, 1.0, rate, 2, 7);
  for (std::size_t i = 0; i < b.num_frames(); ++i) {
    b.channel(0)[i] += 0.01f;
    b.channel(1)[i] = 0.5f * b.channel(1)[i] - 0.02f;
  }
  // Two clipped samples ending block 0 and one starting block 1: one run, found at 8192.
  for (std::size_t i : {8190, 8191, 8192}) b.channel(0)[i] = 1.0f;
  // Two ending block 2, none in block 3, one starting block 4: no run.
  for (std::size_t i : {24574, 24575, 32768}) b.channel(1)[i] = -1.0f;
  const auto an = analyze_buffer(b.view(), rate);
  EXPECT_EQ(an.clipped_runs, 1);
  EXPECT_NEAR(an.first_clip_s, 8192.0 / rate, 1e-9);
  double dc[2] = {0, 0}, sq[2] = {0, 0}, lr = 0;
  for (std::size_t i = 0; i < b.num_frames(); ++i) {
    const double l = b.channel(0)[i], r = b.channel(1)[i];
    dc[0] += l;
    dc[1] += r;
    sq[0] += l * l;
    sq[1] += r * r;
    lr += l * r;
  }
  const double n = double(b.num_frames());
  ASSERT_EQ(an.dc.size(), 2u);
  EXPECT_NEAR(an.dc[0], dc[0] / n, 1e-9);
  EXPECT_NEAR(an.dc[1], dc[1] / n, 1e-9);
  EXPECT_NEAR(an.correlation, lr / std::sqrt(sq[0] * sq[1]), 1e-9);
  const double ac = std::max(sq[0] / n - dc[0] / n * dc[0] / n, sq[1] / n - dc[1] / n * dc[1] / n);
  EXPECT_NEAR(an.ac_rms_dbfs, 10.0 * std::log10(ac), 1e-6);
}

// A reference is read only for what the match uses: its spectra, stereo sums, DC, level and
// integrated loudness equal a full analysis's, bit for bit; what it skips reads -inf (its mono
// loss and clipped runs 0, its low end's correlation 1).
TEST(InputAnalysis, ReferenceScopeMeasuresWhatTheMatchReads) {
  const int rate = 48000;
  auto b = testkit::noise(-18, 5.0, rate, 2, 11);
  for (std::size_t i = 0; i < b.num_frames(); ++i) b.channel(1)[i] = 0.6f * b.channel(1)[i] + 0.4f * b.channel(0)[i];
  for (std::size_t i = 30000; i < 30006; ++i) b.channel(0)[i] = 1.0f;  // one clipped run
  auto run = [&](InputAnalyzer::Scope scope) {
    InputAnalyzer an(rate, 2, scope);
    for (std::size_t at = 0; at < b.num_frames(); at += 8192) {  // in the four parts io::AnalysisPass feeds
      const auto v = b.view().sub(at, std::min<std::size_t>(8192, b.num_frames() - at));
      an.add_rest(v);
      an.add_spectrum(v);
      an.add_loudness(v);
      an.add_true_peak(v);
    }
    return an.finish();
  };
  const auto full = run(InputAnalyzer::Scope::mix), ref = run(InputAnalyzer::Scope::reference);
  EXPECT_EQ(ref.band_db, full.band_db);
  EXPECT_EQ(ref.side_band_db, full.side_band_db);
  EXPECT_EQ(ref.side_ratio, full.side_ratio);
  EXPECT_EQ(ref.correlation, full.correlation);
  EXPECT_EQ(ref.integrated_lufs, full.integrated_lufs);
  EXPECT_EQ(ref.sample_peak_dbfs, full.sample_peak_dbfs);
  EXPECT_EQ(ref.silent(), full.silent());
  EXPECT_TRUE(std::isfinite(full.true_peak_dbtp));
  EXPECT_TRUE(std::isfinite(full.range_lu));
  EXPECT_GT(full.mono_loss_lu, 0.0);
  EXPECT_EQ(ref.true_peak_dbtp, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(ref.range_lu, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(ref.short_term_max_lufs, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(ref.mono_loss_lu, 0.0);
  EXPECT_EQ(ref.dc, full.dc);
  EXPECT_EQ(ref.ac_rms_dbfs, full.ac_rms_dbfs);
  EXPECT_EQ(full.clipped_runs, 1);
  EXPECT_EQ(ref.clipped_runs, 0);
  EXPECT_LT(full.low_correlation, 0.9);
  EXPECT_EQ(ref.low_correlation, 1.0);
}

// A mix clipped on its bus and then turned down: no sample at full scale, its tops flat at its
// own peak (-3 dBFS here). The QC says it was clipped; the same mix turned down unclipped is clean.
TEST(QcGate, AMixClippedAndThenTurnedDownIsClipping) {
  const std::vector<Target> streaming{*find_target("streaming")};
  const int rate = 48000;
  auto mix = testkit::noise(-12, 4.0, rate, 2, 11);
  const auto kick = testkit::sine(60.0, -3.0, 4.0, rate, 2);
  auto clean = mix;
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < mix.num_frames(); ++i) {
      const float v = 2.0f * (mix.channel(c)[i] + kick.channel(c)[i]);
      mix.channel(c)[i] = 0.7f * std::clamp(v, -1.0f, 1.0f);
      clean.channel(c)[i] = 0.35f * v;
    }
  const auto an = analyze_buffer(mix.view(), rate);
  EXPECT_EQ(an.clipped_runs, 0);
  EXPECT_GT(an.flat_top_runs, 100);
  const auto p = qc_input(an, streaming);
  const auto it = std::find_if(p.begin(), p.end(), [](const Problem& q) { return q.code == "clipping"; });
  ASSERT_NE(it, p.end());
  EXPECT_EQ(it->severity, Severity::error);
  EXPECT_NE(it->message.find("clipped before it was turned down"), std::string::npos) << it->message;
  ASSERT_TRUE(it->at_s.has_value());
  EXPECT_LT(*it->at_s, 0.1);
  const auto q = qc_input(analyze_buffer(clean.view(), rate), streaming);
  EXPECT_TRUE(std::none_of(q.begin(), q.end(), [](const Problem& x) { return x.code == "clipping"; }));
}

// Heavy limiting is deep and constant: a limiter catching drum hits 10 dB deep for moments, or
// riding the whole song by 3 dB, is not it.
TEST(QcGate, HeavyLimitingIsDeepAndConstant) {
  const Target cd = *find_target("cd");
  EXPECT_FALSE(heavy_limiting(cd, -12.0, 10.0, 0.1).has_value());
  EXPECT_FALSE(heavy_limiting(cd, -12.0, 3.0, 0.99).has_value());
  const auto p = heavy_limiting(cd, -12.0, 10.2, 0.97);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->code, "heavy_limiting");
  EXPECT_EQ(p->severity, Severity::warning);
  EXPECT_NE(p->message.find("10.2 dB"), std::string::npos) << p->message;
  EXPECT_NE(p->message.find("97 %"), std::string::npos) << p->message;
  EXPECT_EQ(limiter_outcome(10.24, 0.969), "landed, it took up to 10.2 dB off the peaks and acted 97 % of the time");
  EXPECT_EQ(limiter_outcome(0.0, 0.0), "landed, it did not have to act");
}

TEST(QcGate, FindsTheProblemsAMasterCannotFix) {
  const std::vector<Target> streaming{*find_target("streaming")};
  // A mix already at -6 LUFS with 4 dB of PLR.
  InputAnalysis hot;
  hot.channels = 2;
  hot.integrated_lufs = -6.0;
  hot.true_peak_dbtp = -2.0;
  hot.plr_db = 4.0;
  hot.sample_peak_dbfs = -2.0;
  auto p = qc_input(hot, streaming);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].code, "too_loud_to_master");
  EXPECT_NE(p[0].message.find("cannot get quieter without sounding squashed"), std::string::npos);
  EXPECT_TRUE(has_errors(p));

  // An inverted channel cancels in mono; a run of full-scale samples is clipping; DC.
  auto b = testkit::noise(-20, 2.0, 48000, 2, 5);
  for (std::size_t i = 0; i < b.num_frames(); ++i) b.channel(1)[i] = -b.channel(0)[i] + 0.002f;
  for (std::size_t i = 1000; i < 1010; ++i) b.channel(0)[i] = 1.0f;
  const auto an = analyze_buffer(b.view(), 48000);
  p = qc_input(an, streaming);
  auto has = [&](const char* code) {
    return std::any_of(p.begin(), p.end(), [&](const Problem& x) { return x.code == code; });
  };
  EXPECT_TRUE(has("mono_cancellation"));
  EXPECT_FALSE(has("one_sided"));
  EXPECT_TRUE(has("clipping"));
  EXPECT_TRUE(has("dc_offset"));
  EXPECT_FALSE(has("too_loud_to_master"));

  // A mix on the left channel only does not cancel (its correlation is undefined): it plays
  // on one side, and that is what is said.
  auto one = testkit::noise(-20, 2.0, 48000, 2, 6);
  std::fill_n(one.channel(1), one.num_frames(), 0.0f);
  p = qc_input(analyze_buffer(one.view(), 48000), streaming);
  EXPECT_TRUE(has("one_sided"));
  EXPECT_FALSE(has("mono_cancellation"));
  EXPECT_TRUE(has_errors(p));

  // A float mix as loud, but with its peaks 12 dB over its loudness (over full scale): not
  // squashed and not clipped (its samples over 1.0 still move): turned down by gain, said so.
  auto f = testkit::noise(-20, 3.0, 48000, 2, 9);
  for (int c = 0; c < 2; ++c)  // hits every 0.25 s, decaying over 30 ms, peaking near +10 dBFS
    for (std::size_t i = 0; i < f.num_frames(); ++i)
      f.channel(c)[i] *= static_cast<float>(40.0 * std::exp(-double(i % 12000) / 1440.0));
  const auto loud = analyze_buffer(f.view(), 48000);
  ASSERT_GT(loud.integrated_lufs, -9.0);
  ASSERT_GT(loud.plr_db, kOverCompressedPlrDb);
  EXPECT_EQ(loud.clipped_runs, 0);
  p = qc_input(loud, streaming);
  EXPECT_TRUE(has("over_full_scale"));
  EXPECT_FALSE(has("too_loud_to_master"));
  EXPECT_FALSE(has("clipping"));
  EXPECT_FALSE(has_errors(p));

  // A fixed-point master as loud with a PLR just over 8 dB (peaks at -0.4 dBTP, no sample over
  // full scale) is too loud to master, not a float file over full scale.
  InputAnalysis fixed;
  fixed.channels = 2;
  fixed.integrated_lufs = -8.6;
  fixed.true_peak_dbtp = -0.4;
  fixed.sample_peak_dbfs = -0.5;
  fixed.plr_db = 8.2;
  p = qc_input(fixed, streaming);
  EXPECT_TRUE(has("too_loud_to_master"));
  EXPECT_FALSE(has("over_full_scale"));

  // Samples that are not numbers (the reader's count): an error, the file is damaged.
  InputAnalysis nan = loud;
  nan.nonfinite_samples = 3;
  p = qc_input(nan, streaming);
  EXPECT_TRUE(has("nonfinite_samples"));
  EXPECT_TRUE(has_errors(p));

  // Isolated absurd samples of a float file, read as silence: said, as a warning.
  InputAnalysis spiked = loud;
  spiked.spike_samples = 2;
  spiked.spike_peak = 1000.0f;
  p = qc_input(spiked, streaming);
  ASSERT_TRUE(has("spike_samples"));
  for (const auto& pr : p)
    if (pr.code == "spike_samples") {
      EXPECT_EQ(pr.severity, Severity::warning);
      EXPECT_NE(pr.message.find("2 isolated samples up to +60.0 dBFS"), std::string::npos) << pr.message;
    }
}

TEST(Decide, EqFitFollowsASmoothCurve) {
  std::vector<double> hz = fractional_octave_centres(6);
  std::vector<double> want(hz.size());
  for (std::size_t i = 0; i < hz.size(); ++i) want[i] = 2.5 * std::tanh(std::log2(hz[i] / 1500.0));  // a tilt
  const auto eq = fit_eq(hz, want, 6.0, 48000);
  const auto got = eq_response(eq, hz, 48000);
  double worst = 0;
  for (std::size_t i = 0; i < hz.size(); ++i)
    if (hz[i] >= 40 && hz[i] <= 12000) worst = std::max(worst, std::abs(got[i] - want[i]));
  EXPECT_LT(worst, 1.0);
  for (const auto& b : eq.bands) EXPECT_LE(std::abs(b.gain_db), 6.0);
}

TEST(Decide, ReferenceMatchingMovesTowardTheReferenceScaledByAmount) {
  const int rate = 48000;
  const auto mix = testkit::noise(-20, 4.0, rate, 2, 1);
  const auto in = analyze_buffer(mix.view(), rate);
  const auto streaming = *find_target("streaming");
  // The same material as reference: nothing to do.
  auto same = decide(in, streaming, &in, 1.0);
  EXPECT_TRUE(same.eq.bands.empty());
  EXPECT_EQ(same.side_gain_db, 0.0);
  // A darker reference (treble shelved down 8 dB): the EQ cuts the treble, at most 6 dB.
  InputAnalysis dark = in;
  for (std::size_t i = 0; i < dark.band_hz.size(); ++i)
    if (dark.band_hz[i] > 3000) {
      dark.band_db[i] -= 8.0;  // mid and side alike: the match reads the channels' power
      dark.side_band_db[i] -= 8.0;
    }
  const auto full = decide(in, streaming, &dark, 1.0);
  const auto half = decide(in, streaming, &dark, 0.5);
  const auto none = decide(in, streaming, &dark, 0.0);
  auto at = [&](const MasterChain& c, double f) {
    return eq_response(c.eq, {f}, rate)[0];
  };
  EXPECT_LT(at(full, 10000), -4.0);
  EXPECT_GE(at(full, 10000), -6.5);
  EXPECT_NEAR(at(half, 10000), at(full, 10000) / 2, 1.0);
  EXPECT_TRUE(none.eq.bands.empty());
  EXPECT_NEAR(at(full, 200), 0.0, 1.0);
  // A reference as centred as the mix whose top is brighter only in its side signal (wide
  // cymbals): the channels carry more treble, so the match lifts the treble, by less than the
  // side's own 10 dB since the mid is unchanged.
  InputAnalysis wide_top = in;
  ASSERT_EQ(wide_top.side_band_db.size(), wide_top.band_db.size());
  for (std::size_t i = 0; i < wide_top.band_hz.size(); ++i)
    if (wide_top.band_hz[i] > 3000) wide_top.side_band_db[i] += 10.0;
  const auto bright = decide(in, streaming, &wide_top, 1.0);
  EXPECT_GT(at(bright, 10000), 2.0);
  EXPECT_LT(at(bright, 10000), 10.0);
  EXPECT_NEAR(at(bright, 200), 0.0, 1.0);
}

// The tonal match moves mid and side alike, so it widens or narrows by itself: a mix with a loud
// mono bass matched to a reference with less of it is cut in the lows, and that alone widens it.
// The side gain toward the reference's width is what is left after that, and the master lands
// near the reference's width (it took both moves, and overshot).
TEST(Decide, TheWidthMoveCountsWhatTheTonalMatchDoesToTheWidth) {
  const int rate = 48000;
  auto song = [&](double bass_dbfs, double wide_dbfs, std::uint64_t seed) {  // a centred part at -20 dBFS
    AudioBuffer b = testkit::noise(wide_dbfs, 6.0, rate, 2, seed);  // independent channels: all width
    const auto bass = testkit::sine(70.0, bass_dbfs, 6.0, rate, 1);
    const auto mid = testkit::noise(-20.0, 6.0, rate, 1, seed + 1);
    for (int c = 0; c < 2; ++c)
      for (std::size_t i = 0; i < b.num_frames(); ++i) b.channel(c)[i] += bass.channel(0)[i] + mid.channel(0)[i];
    return b;
  };
  AudioBuffer mix = song(-14.0, -32.0, 3);
  const InputAnalysis in = analyze_buffer(mix.view(), rate), ref = analyze_buffer(song(-24.0, -32.0, 5).view(), rate);
  ASSERT_GT(ref.side_ratio, 1.3 * in.side_ratio);
  const auto c = decide(in, *find_target("streaming"), &ref, 1.0);
  EXPECT_LT(eq_response(c.eq, {70.0}, rate)[0], -3.0);  // the bass is cut toward the reference
  MasterChainProcessor p(c);
  p.prepare({double(rate), 2, 4096});
  for (std::size_t s = 0; s < mix.num_frames(); s += 4096) p.process(mix.view().sub(s, std::min<std::size_t>(4096, mix.num_frames() - s)));
  const double out = analyze_buffer(mix.view(), rate).side_ratio;
  EXPECT_NEAR(out / ref.side_ratio, 1.0, 0.2) << "mix " << in.side_ratio << ", reference " << ref.side_ratio << ", master " << out
                                              << ", side gain " << c.side_gain_db;
}

// Two songs' long-term spectra differ note by note: a reference whose bands alternate ±5 dB
// a sixth of an octave apart (one song's bass notes where the other's are not) is no tone to
// match, and the match stays smooth; a broad difference (+4 dB over an octave) is followed.
// --amount scales the automatic tonal move too, and says so; 0 is no move, said as asked.
TEST(Decide, AmountWithoutAReferenceIsSaid) {
  const InputAnalysis in = analyze_buffer(testkit::noise(-20, 4.0, 48000, 2, 9).view(), 48000);
  const Target st = *find_target("streaming");
  auto reason = [](const MasterChain& c, const char* what) {
    for (const auto& d : c.decisions)
      if (d.what == what) return d.reason;
    return std::string();
  };
  const auto full = decide(in, st, nullptr, 1.0), half = decide(in, st, nullptr, 0.5), none = decide(in, st, nullptr, 0.0);
  EXPECT_EQ(reason(full, "tonal_target").find("--amount"), std::string::npos);
  EXPECT_NE(reason(half, "tonal_target").find("at 50% of that move (--amount)"), std::string::npos) << reason(half, "tonal_target");
  ASSERT_FALSE(full.eq.bands.empty());  // white noise: a tilt to move
  EXPECT_TRUE(none.eq.bands.empty());
  EXPECT_EQ(reason(none, "eq"), "no EQ: --amount 0 asks for no tonal move");
}

TEST(Decide, ReferenceMatchIsSmoothedAtAThirdOfAnOctave) {
  const int rate = 48000;
  const auto in = analyze_buffer(testkit::noise(-20, 4.0, rate, 2, 1).view(), rate);
  const auto streaming = *find_target("streaming");
  auto at = [&](const MasterChain& c, double f) { return eq_response(c.eq, {f}, rate)[0]; };
  InputAnalysis comb = in, broad = in;
  int sign = 1;
  for (std::size_t i = 0; i < in.band_hz.size(); ++i) {
    if (in.band_hz[i] >= 80 && in.band_hz[i] <= 600) {
      comb.band_db[i] += 5.0 * sign;
      comb.side_band_db[i] += 5.0 * sign;
      sign = -sign;
    }
    if (in.band_hz[i] >= 1000 && in.band_hz[i] <= 2000) {
      broad.band_db[i] += 4.0;
      broad.side_band_db[i] += 4.0;
    }
  }
  const auto c = decide(in, streaming, &comb, 1.0);
  double worst = 0.0;
  for (double f = 90.0; f <= 550.0; f *= 1.06) worst = std::max(worst, std::abs(at(c, f)));
  EXPECT_LT(worst, 2.0) << "a comb of note-by-note differences is not matched";
  const auto b = decide(in, streaming, &broad, 1.0);
  EXPECT_GT(at(b, 1414.0), 2.5);
  EXPECT_NEAR(at(b, 300.0), 0.0, 1.0);
}

TEST(Decide, VinylLowEndAndCompressionOnlyWhenNeeded) {
  InputAnalysis in = analyze_buffer(testkit::noise(-20, 3.0, 48000, 2, 2).view(), 48000);
  auto v = decide(in, *find_target("vinyl"), nullptr, 1.0);
  EXPECT_EQ(v.mono_below_hz, 150.0);
  EXPECT_TRUE(v.subsonic.enabled);
  EXPECT_EQ(v.subsonic.freq_hz, 25.0);
  EXPECT_EQ(v.subsonic.order, 8);  // 48 dB/octave: a 20 Hz rumble 16 dB down, not 8
  in.low_correlation = 0.8;  // bass in phase: no reason to touch it outside vinyl
  auto s = decide(in, *find_target("streaming"), nullptr, 1.0);
  EXPECT_EQ(s.mono_below_hz, 0.0);
  in.low_correlation = -0.4;  // bass out of phase: made mono and said why
  EXPECT_GT(decide(in, *find_target("streaming"), nullptr, 1.0).mono_below_hz, 0.0);
  in.low_correlation = 0.8;
  EXPECT_LE(s.limiter.ceiling_dbtp, -1.0);
  // Noise has a small PLR: no compression. A very peaky mix gets gentle compression.
  EXPECT_FALSE(s.compressor.enabled);
  in.plr_db = 24.0;
  in.short_term_max_lufs = -18.0;
  auto c = decide(in, *find_target("cd"), nullptr, 1.0);
  EXPECT_TRUE(c.compressor.enabled);
  EXPECT_LE(c.compressor.ratio, 2.0);
  bool explained = false;
  for (const auto& d : c.decisions) explained |= d.what == "compressor" && d.reason.find("gentle") != std::string::npos;
  EXPECT_TRUE(explained);
}

// A polarity-inverted channel (L = -R on a whole mix) is flipped back first, said, and the rest
// is decided on the mix as it should have been (its mid is the music, not its side); bass alone
// out of phase is not made mono (it would cancel) outside vinyl. A wide mix is not flipped.
TEST(Decide, InvertedChannelIsFlippedBackAndOutOfPhaseBassIsNotCancelled) {
  const int rate = 48000;
  AudioBuffer b = testkit::noise(-20, 4.0, rate, 2, 5);
  for (std::size_t i = 0; i < b.num_frames(); ++i) b.channel(1)[i] = -0.9f * b.channel(0)[i];
  const InputAnalysis in = analyze_buffer(b.view(), rate);
  ASSERT_LT(in.correlation, -0.9);
  EXPECT_TRUE(channel_inverted(in));
  const auto c = decide(in, *find_target("streaming"), nullptr, 1.0);
  EXPECT_TRUE(c.flip_right);
  EXPECT_TRUE(std::any_of(c.decisions.begin(), c.decisions.end(), [](const Decision& d) { return d.what == "polarity"; }));
  EXPECT_EQ(c.side_gain_db, 0.0) << "no narrowing of a mix that is all side only through the flipped channel";
  const InputAnalysis f = as_flipped(in);
  EXPECT_GT(f.correlation, 0.9);
  EXPECT_LT(f.side_ratio, 0.1);
  // The chain flips the right channel: the output's channels agree.
  MasterChainProcessor p(c);
  p.prepare({double(rate), 2, 512});
  for (std::size_t s = 0; s < b.num_frames(); s += 512) p.process(b.view().sub(s, std::min<std::size_t>(512, b.num_frames() - s)));
  EXPECT_GT(analyze_buffer(b.view(), rate).correlation, 0.9);
  // Uncorrelated (a very wide mix) is not inverted.
  EXPECT_FALSE(channel_inverted(analyze_buffer(testkit::noise(-20, 4.0, rate, 2, 6).view(), rate)));
  EXPECT_FALSE(decide(analyze_buffer(testkit::noise(-20, 4.0, rate, 2, 6).view(), rate), *find_target("streaming"), nullptr, 1.0).flip_right);
  // Bass far out of phase in an otherwise sound mix: left as it is, and said.
  InputAnalysis bass = analyze_buffer(testkit::noise(-20, 3.0, rate, 2, 7).view(), rate);
  bass.correlation = 0.5;
  bass.low_correlation = -0.85;
  const auto s = decide(bass, *find_target("streaming"), nullptr, 1.0);
  EXPECT_EQ(s.mono_below_hz, 0.0);
  EXPECT_TRUE(std::any_of(s.decisions.begin(), s.decisions.end(),
                          [](const Decision& d) { return d.what == "mono_bass" && d.reason.find("cancel") != std::string::npos; }));
}

// Power under 20 Hz nobody hears takes the limiter's headroom: a 15 Hz tone under the music
// (a subsonic rumble) is measured and high-passed on every target; the music alone, or with a
// DC offset (removed on its own), is not.
// The tonal balance is read on the power heard, mid plus side: a bass line out of phase between
// the channels is as loud in stereo as in phase, and the target curve treats it the same (read
// on the mid alone, it was missing, and boosted 2.6 dB at 60 and 125 Hz).
TEST(Decide, ABassOutOfPhaseIsNotReadAsMissing) {
  const int rate = 48000;
  auto curve = [&](bool antiphase) {
    AudioBuffer b = testkit::noise(-24, 6.0, rate, 2, 21);
    const auto bass = testkit::sine(70.0, -12.0, 6.0, rate, 1);
    for (std::size_t i = 0; i < b.num_frames(); ++i) {
      b.channel(1)[i] = b.channel(0)[i];
      b.channel(0)[i] += bass.channel(0)[i];
      b.channel(1)[i] += antiphase ? -bass.channel(0)[i] : bass.channel(0)[i];
    }
    const InputAnalysis in = analyze_buffer(b.view(), rate);
    EXPECT_EQ(in.low_correlation < 0.0, antiphase);
    return decide(in, *find_target("streaming"), nullptr, 1.0);
  };
  const MasterChain in_phase = curve(false), out_of_phase = curve(true);
  ASSERT_EQ(in_phase.curve_hz.size(), out_of_phase.curve_hz.size());
  for (std::size_t i = 0; i < in_phase.curve_hz.size(); ++i) {
    if (in_phase.curve_hz[i] < 40.0 || in_phase.curve_hz[i] > 200.0) continue;
    SCOPED_TRACE(in_phase.curve_hz[i]);
    EXPECT_NEAR(out_of_phase.curve_db[i], in_phase.curve_db[i], 0.3);
  }
}

TEST(Decide, InfrasonicRumbleIsHighPassedOnEveryTarget) {
  AudioBuffer music = testkit::noise(-20, 6.0, 48000, 2, 4);
  // The noise's first difference (a high-passed noise) keeps almost nothing under 20 Hz; a
  // constant offset on it is not rumble.
  AudioBuffer plain(2, music.num_frames()), rumble(2, music.num_frames());
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < music.num_frames(); ++i) {
      const float x = music.channel(c)[i] - (i > 0 ? music.channel(c)[i - 1] : 0.0f);  // a high-passed noise
      plain.channel(c)[i] = x + 0.01f;
      rumble.channel(c)[i] = x + 0.3f * static_cast<float>(std::sin(2.0 * 3.141592653589793 * 15.0 * double(i) / 48000.0));
    }
  const InputAnalysis a = analyze_buffer(plain.view(), 48000), b = analyze_buffer(rumble.view(), 48000);
  EXPECT_LT(a.infrasonic_db, -40.0);
  EXPECT_GT(b.infrasonic_db, -3.0);
  for (const char* t : {"streaming", "broadcast", "cd"}) {
    const auto ca = decide(a, *find_target(t), nullptr, 1.0), cb = decide(b, *find_target(t), nullptr, 1.0);
    EXPECT_EQ(ca.subsonic.freq_hz, 10.0) << t << ": the offset's own 10 Hz high-pass";
    EXPECT_TRUE(cb.subsonic.enabled) << t;
    EXPECT_EQ(cb.subsonic.freq_hz, 20.0) << t;
    EXPECT_EQ(cb.subsonic.order, 8) << t;
  }
}

TEST(Chain, VinylChainMakesTheBassMonoAndKeepsTheRest) {
  const int rate = 48000;
  // 60 Hz only on the side (L = -R) and 1 kHz only on the side: the first must go, the second stay.
  auto side_tone = [&](double hz) {
    auto b = testkit::sine(hz, -12.0, 2.0, rate, 2);
    for (std::size_t i = 0; i < b.num_frames(); ++i) b.channel(1)[i] = -b.channel(0)[i];
    return b;
  };
  MasterChain ch;
  ch.mono_below_hz = 150.0;
  ch.subsonic = {true, 25.0, 4};
  // Mono below 150 Hz: the side 15 dB down a third of an octave under it (120 Hz), 28 dB at
  // 100 Hz, gone at 60; untouched from an octave above.
  for (double hz : {60.0, 100.0, 120.0, 300.0, 1000.0}) {
    SCOPED_TRACE(hz);
    auto b = side_tone(hz);
    MasterChainProcessor p(ch);
    p.prepare({double(rate), 2, 512});
    for (std::size_t s = 0; s < b.num_frames(); s += 512) p.process(b.view().sub(s, std::min<std::size_t>(512, b.num_frames() - s)));
    double side = 0;
    for (std::size_t i = rate; i < b.num_frames(); ++i) side = std::max(side, double(std::abs(b.channel(0)[i] - b.channel(1)[i])) / 2);
    const double db = gain_to_db(side) - (-12.0);
    if (hz < 100) {
      EXPECT_LT(db, -40.0);
    } else if (hz == 100.0) {
      EXPECT_LT(db, -27.0);
    } else if (hz == 120.0) {
      EXPECT_LT(db, -15.0);
    } else {
      EXPECT_NEAR(db, 0.0, 0.5);
    }
  }
}

// A reference match's EQ (1/6-octave bells, the narrowest near 31 Hz, boosts and cuts up to
// 6 dB) runs as an FIR: the same filter as the biquad cascade it replaces, to -60 dB, for
// stereo and mono and blocks that split the FIR's partitions anywhere.
TEST(Chain, ManyBandEqRunsAsTheSameFilterByFir) {
  const int rate = 48000;
  MasterChain ch;
  ch.subsonic = {true, 25.0, 4};
  int i = 0;
  for (double f : fractional_octave_centres(6, 31.0, 16500.0))
    ch.eq.bands.push_back({true, dsp::EqType::bell, f, (i++ % 3 == 0 ? 6.0 : -4.0) * (f < 40 ? 1.0 : 0.5), 8.65});
  for (int channels : {2, 1}) {
    auto x = testkit::noise(-20, 4.0, rate, channels, 9);
    // A loud 31 Hz tone through the narrowest boost: the longest ringing.
    for (int c = 0; c < channels; ++c)
      for (std::size_t n = 0; n < x.num_frames(); ++n)
        x.channel(c)[n] += 0.3f * static_cast<float>(std::sin(2.0 * std::numbers::pi * 31.0 * double(n) / rate));
    AudioBuffer fir = x, iir = x;
    MasterChainProcessor p(ch);
    p.prepare({double(rate), channels, 32768});
    ASSERT_GT(p.fir_frames(), 0u);
    for (std::size_t s = 0, k = 0; s < fir.num_frames(); ++k) {
      const std::size_t n = std::min<std::size_t>(k % 2 ? 32768 : 5000, fir.num_frames() - s);
      p.process_front(fir.view().sub(s, n));
      p.process_back(fir.view().sub(s, n));
      s += n;
    }
    dsp::ParametricEq eq;
    eq.set_settings(ch.eq, ch.subsonic, dsp::PassFilterSettings{});
    eq.prepare({double(rate), channels, iir.num_frames()});
    eq.process(iir.view());
    double err = 0, ref = 0;
    for (int c = 0; c < channels; ++c)
      for (std::size_t n = 0; n < x.num_frames(); ++n) {
        err = std::max(err, double(std::abs(fir.channel(c)[n] - iir.channel(c)[n])));
        ref = std::max(ref, double(std::abs(iir.channel(c)[n])));
      }
    EXPECT_LT(gain_to_db(err / ref), -60.0) << channels << " channel(s)";
  }
  // The subsonic filter runs beside the FIR, not in it: a steep 20 Hz cut rings for seconds
  // and made the kernel long. The kernel is the bands' alone, with or without it.
  {
    MasterChain none;
    for (double f : fractional_octave_centres(6, 200.0, 16500.0)) none.eq.bands.push_back({true, dsp::EqType::bell, f, 1.0, 4.32});
    MasterChain steep = none;
    steep.subsonic = {true, 20.0, 8};
    MasterChainProcessor a(steep), b(none);
    a.prepare({double(rate), 2, 32768});
    b.prepare({double(rate), 2, 32768});
    EXPECT_GT(a.fir_frames(), 0u);
    EXPECT_EQ(a.fir_frames(), b.fir_frames());
  }
  // A few bands stay biquad sections: cheaper so.
  MasterChain few;
  few.eq.bands = {{true, dsp::EqType::bell, 1000.0, 2.0, 1.4}};
  MasterChainProcessor q(few);
  q.prepare({double(rate), 2, 512});
  EXPECT_EQ(q.fir_frames(), 0u);
}

namespace mixdown::master {
// A mix with a DC offset from its first sample: the offset is subtracted before the high-pass,
// so the master does not start with the step a filter from rest makes of it (a 0.05 offset gave
// a thump 1.8 dB over the rest of the master, decaying over 20 ms).
TEST(Decide, ADcOffsetIsTakenOffWithoutAStepAtTheStart) {
  const int rate = 48000;
  AudioBuffer b = testkit::noise(-30, 3.0, rate, 2, 11);
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < b.num_frames(); ++i) b.channel(c)[i] += c == 0 ? 0.05f : -0.03f;
  const InputAnalysis in = analyze_buffer(b.view(), rate);
  const auto chain = decide(in, *find_target("streaming"), nullptr, 1.0);
  ASSERT_EQ(chain.dc_offset.size(), 2u);
  EXPECT_NEAR(chain.dc_offset[0], 0.05, 0.002);
  EXPECT_NEAR(chain.dc_offset[1], -0.03, 0.002);
  MasterChainProcessor p(chain);
  p.prepare({double(rate), 2, 512});
  for (std::size_t s = 0; s < b.num_frames(); s += 512) p.process(b.view().sub(s, std::min<std::size_t>(512, b.num_frames() - s)));
  // The first 20 ms peak no higher than the rest, and the output's mean is near zero.
  for (int c = 0; c < 2; ++c) {
    const float* x = b.channel(c);
    float head = 0.0f, rest = 0.0f;
    double sum = 0.0;
    for (std::size_t i = 0; i < b.num_frames(); ++i) {
      (i < std::size_t(rate / 50) ? head : rest) = std::max(i < std::size_t(rate / 50) ? head : rest, std::abs(x[i]));
      sum += x[i];
    }
    EXPECT_LE(head, rest) << "channel " << c;
    EXPECT_LT(std::abs(sum / double(b.num_frames())), 1e-3) << "channel " << c;
  }
  // A clean mix has none to take off.
  EXPECT_TRUE(decide(analyze_buffer(testkit::noise(-30, 3.0, rate, 2, 12).view(), rate), *find_target("streaming"), nullptr, 1.0)
                  .dc_offset.empty());
}
}  // namespace mixdown::master
