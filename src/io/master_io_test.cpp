// The master and album renderers on files, verified with the independent libebur128 meter.
#include "io/master_io.hpp"

#include <ebur128.h>
#include <gtest/gtest.h>

#include <random>

#include "master/qc.hpp"
#include <sndfile.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "../../tests/support/testing.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "io/audio_file.hpp"
#include "io/translate_file.hpp"
#include "master/landing.hpp"

using namespace mixdown;
using mixdown::io::SampleFormat;
using mixdown::io::write_file;
namespace fs = std::filesystem;
namespace testkit = mixdown::testkit;

namespace {

// libebur128 read directly: testkit::ebur128_measure() reads `v` in the same call that fills it
// (or_neg_inf(ebur128_loudness_global(st, &v), v): unspecified evaluation order, GCC passes the
// stale value), so its integrated loudness and LRA cannot be trusted until that is fixed.
struct Oracle {
  double integrated = -INFINITY, true_peak_db = -INFINITY;
};
Oracle oracle(const fs::path& file) {
  SF_INFO info{};
  SNDFILE* f = sf_open(file.c_str(), SFM_READ, &info);
  if (!f) throw std::runtime_error("oracle cannot open " + file.string());
  ebur128_state* st = ebur128_init(static_cast<unsigned>(info.channels), static_cast<unsigned long>(info.samplerate),
                                   EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
  if (info.channels == 6) {
    ebur128_set_channel(st, 3, EBUR128_UNUSED);
    ebur128_set_channel(st, 4, EBUR128_LEFT_SURROUND);
    ebur128_set_channel(st, 5, EBUR128_RIGHT_SURROUND);
  }
  std::vector<float> buf(8192 * static_cast<std::size_t>(info.channels));
  sf_count_t n;
  while ((n = sf_readf_float(f, buf.data(), 8192)) > 0) ebur128_add_frames_float(st, buf.data(), static_cast<std::size_t>(n));
  sf_close(f);
  Oracle o;
  double v = 0;
  if (ebur128_loudness_global(st, &v) == EBUR128_SUCCESS) o.integrated = v;
  double tp = 0;
  for (int c = 0; c < info.channels; ++c)
    if (ebur128_true_peak(st, static_cast<unsigned>(c), &v) == EBUR128_SUCCESS) tp = std::max(tp, v);
  o.true_peak_db = tp > 0 ? 20 * std::log10(tp) : -INFINITY;
  ebur128_destroy(&st);
  return o;
}

// A synthetic programme with dynamics: a quiet verse, a loud chorus with kick-like hits and a
// bright lead, and a breakdown; stereo with some width. Peaky enough that landing needs the
// limiter for the loud targets.
AudioBuffer programme(int rate, double seconds, double level_db, std::uint64_t seed, int channels = 2) {
  auto bed = testkit::noise(level_db - 6, seconds, rate, channels, seed);
  auto common = testkit::noise(level_db - 3, seconds, rate, 1, seed + 1);
  const std::size_t n = bed.num_frames();
  for (std::size_t i = 0; i < n; ++i) {
    const double t = double(i) / rate;
    const double section = t < seconds / 3 ? 0.4 : t < 2 * seconds / 3 ? 1.0 : 0.6;
    const double beat = std::fmod(t, 0.5);
    const double kick = beat < 0.08 ? 0.9 * std::exp(-beat * 40) * std::sin(2 * M_PI * 55 * beat) : 0.0;
    const double lead = 0.15 * std::sin(2 * M_PI * 880 * t) * section;
    for (int c = 0; c < channels; ++c) {
      float& x = bed.channel(c)[i];
      x = static_cast<float>(section * (0.5 * x + 0.5 * common.channel(0)[i] + kick * db_to_gain(level_db + 12) + lead * db_to_gain(level_db + 14)));
    }
  }
  return bed;
}

void expect_landed(const fs::path& file, const master::Target& t, double target_lufs, double tol = 0.2) {
  const auto m = oracle(file);
  EXPECT_NEAR(m.integrated, target_lufs, tol) << file << " (" << t.name << ")";
  EXPECT_LE(m.true_peak_db, t.ceiling_dbtp) << file << " (" << t.name << ")";
}

bool sanitized() {
  const char* s = std::getenv("MIXDOWN_SANITIZED");
  return s && std::string(s) == "1";
}

}  // namespace

TEST(MasterFile, SynthesizedProgrammeLandsOnEveryTargetByTheOracle) {
  testkit::TempDir dir;
  const auto in = dir / "mix.wav";
  write_file(in, programme(48000, 8.0, -22.0, 7).view(), {48000, 2, SampleFormat::wav24});
  io::MasterRequest req;
  req.targets = master::all_targets();
  const auto res = io::master_file(in, dir / "out", req);
  ASSERT_EQ(res.masters.size(), master::all_targets().size());
  for (const auto& m : res.masters) {
    SCOPED_TRACE(m.target.name);
    ASSERT_TRUE(fs::exists(m.file));
    expect_landed(m.file, m.target, m.target.integrated_lufs);
    const auto info = io::probe(m.file);
    EXPECT_EQ(info.sample_rate, master::delivery_rate(m.target, 48000));
    EXPECT_EQ(info.bit_depth, m.target.bit_depth);
    EXPECT_TRUE(m.problems.empty());
    // Our own read-back agrees with the oracle.
    EXPECT_NEAR(m.after.integrated_lufs, oracle(m.file).integrated, 0.05);
    if (m.target.lossy_check) {
      EXPECT_TRUE(m.lossy.done) << m.lossy.note;
    }
  }
  // Previews: the input and every master at one loudness.
  const auto pin = oracle(res.input_preview);
  EXPECT_NEAR(pin.integrated, res.preview_lufs, 0.1);
  for (const auto& m : res.masters) EXPECT_NEAR(oracle(m.preview).integrated, res.preview_lufs, 0.25);
  // Nothing left behind but the deliverables.
  for (const auto& e : fs::directory_iterator(dir / "out")) EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
}

TEST(MasterFile, CorpusMixesLandWithinTolerance) {
  const auto corpus = testkit::corpus_dir();
  if (!corpus) GTEST_SKIP() << "corpus not found (../shared/corpus or $MIXDOWN_CORPUS)";
  if (sanitized()) GTEST_SKIP() << "real songs are slow under ASan; the Release run covers them";
  // A few targets per song keep this fast; the e2e test runs every target.
  const std::vector<std::pair<std::string, std::vector<std::string>>> plan = {
      {"CapDan-ReggaeTry", {"streaming", "cd"}}, {"Skiessi-C64", {"atsc", "vinyl"}}};
  for (const auto& [song, names] : plan) {
    const auto mix = *corpus / song / "mix.flac";
    if (!fs::exists(mix)) continue;
    testkit::TempDir dir;
    io::MasterRequest req;
    for (const auto& n : names) req.targets.push_back(*master::find_target(n));
    req.previews = false;
    const auto res = io::master_file(mix, dir / "out", req);
    for (const auto& m : res.masters) {
      expect_landed(m.file, m.target, m.target.integrated_lufs);
      // The limiter's decision carries what it did once landed.
      const auto lim = std::find_if(m.chain.decisions.begin(), m.chain.decisions.end(),
                                    [](const auto& d) { return d.what == "limiter"; });
      ASSERT_NE(lim, m.chain.decisions.end());
      const std::string outcome = master::limiter_outcome(m.limiter_max_reduction_db, m.limiter_active_share);
      ASSERT_GE(lim->reason.size(), outcome.size());
      EXPECT_EQ(lim->reason.substr(lim->reason.size() - outcome.size()), outcome);
      if (m.target.name == "cd") {
        EXPECT_NE(outcome.find("took up to"), std::string::npos);
      }
      // CapDan pushed to the cd's -12 LUFS is limited by 10 dB nearly all the time: said.
      const bool heavy = std::any_of(m.problems.begin(), m.problems.end(),
                                     [](const Problem& p) { return p.code == "heavy_limiting"; });
      EXPECT_EQ(heavy, song == "CapDan-ReggaeTry" && m.target.name == "cd")
          << m.limiter_max_reduction_db << " dB, " << m.limiter_active_share;
    }
  }
}

TEST(MasterFile, HotMixIsLandedByGainAndFlagged) {
  testkit::TempDir dir;
  const auto in = dir / "hot.wav";
  // Squashed already: dense noise near full scale (about -6 LUFS).
  auto b = testkit::noise(-5.0, 6.0, 44100, 2, 3);
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < b.num_frames(); ++i) b.channel(c)[i] = static_cast<float>(std::tanh(2.0 * b.channel(c)[i]) * 0.89);
  write_file(in, b.view(), {44100, 2, SampleFormat::wav24});
  io::MasterRequest req;
  req.targets = {*master::find_target("streaming")};
  req.previews = false;
  const auto res = io::master_file(in, dir / "out", req);
  EXPECT_GT(res.analysis.integrated_lufs, -8.0);
  ASSERT_FALSE(res.problems.empty());
  EXPECT_EQ(res.problems[0].code, "too_loud_to_master");
  expect_landed(res.masters[0].file, req.targets[0], -14.0);
}

// A burst of dense noise near full scale mastered to the cd's -12 LUFS under -0.3 dBTP: content
// near Nyquist whose peaks the limiter's 4x detector reads low. Each lower limiter ceiling was
// met by more gain into it and the peak stayed over (-0.25 dBTP): the master was refused. The
// last resort turns the accepted pass down by the excess; the master is delivered under its
// ceiling, within the landing's limit, and the trim is reported.
TEST(MasterFile, APeakTheLimiterCannotHoldIsTrimmedNotRefused) {
  testkit::TempDir dir;
  int trimmed = 0;
  // Of 400 seeds of this burst, this one takes a peak over the ceiling through all three
  // landings (the master was refused before the trim); it is trimmed now, by 0.035 dB. The seeds
  // depend on the chain the burst gets: with the steeper side high-pass of session 42 (a burst
  // whose lows read anti-correlated is made mono below 100 Hz) 147, 158 and 294 land without
  // the trim, and 238 needs it. A change to the chain may need them searched again (seeds
  // 0-399, those with output_trim_db < 0).
  for (const unsigned seed : {238u}) {
    // Gaussian noise (sigma 0.33, its tails clipped at 0.99) decaying over the 1.5 s, as a
    // sound effect starts hot and dies away.
    AudioBuffer b(2, 72000);
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> gauss(0.0, 0.33);
    for (int c = 0; c < 2; ++c)
      for (std::size_t i = 0; i < b.num_frames(); ++i)
        b.channel(c)[i] = static_cast<float>(std::clamp(gauss(rng) * std::exp(-double(i) / (48000 * 0.6)), -0.99, 0.99));
    const auto in = dir / ("burst" + std::to_string(seed) + ".wav");
    write_file(in, b.view(), {48000, 2, SampleFormat::wav24});
    io::MasterRequest req;
    req.targets = {*master::find_target("cd")};
    req.previews = false;
    const auto res = io::master_file(in, dir / ("out" + std::to_string(seed)), req);
    ASSERT_EQ(res.masters.size(), 1u);
    const auto& m = res.masters[0];
    EXPECT_LE(m.after.true_peak_dbtp, -0.3) << seed;
    for (const auto& p : m.problems) EXPECT_NE(p.code, "ceiling_exceeded") << seed << ": " << p.message;
    EXPECT_NEAR(oracle(m.file).integrated, -12.0, 0.5) << seed;
    EXPECT_LE(m.output_trim_db, 0.0);
    trimmed += m.output_trim_db < 0.0;
  }
  EXPECT_EQ(trimmed, 1);
}

TEST(MasterFile, BadInputs) {
  testkit::TempDir dir;
  io::MasterRequest req;
  req.targets = {*master::find_target("streaming")};
  req.previews = false;
  // Silence: refused.
  write_file(dir / "silence.wav", AudioBuffer(2, 48000 * 3).view(), {48000, 2, SampleFormat::wav24});
  try {
    io::master_file(dir / "silence.wav", dir / "o1", req);
    FAIL() << "silence was mastered";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::rejected);
    EXPECT_NE(std::string(e.what()).find("nothing to master"), std::string::npos);
  }
  // Mono: mastered as mono. A 3-second file works.
  write_file(dir / "mono.wav", programme(44100, 3.0, -20.0, 4, 1).view(), {44100, 1, SampleFormat::wav24});
  auto res = io::master_file(dir / "mono.wav", dir / "o2", req);
  EXPECT_EQ(io::probe(res.masters[0].file).channels, 1);
  EXPECT_NE(res.layout.find("mastered as mono"), std::string::npos);
  expect_landed(res.masters[0].file, req.targets[0], -14.0);
  // Mono to a CD beside streaming: the CD carries two channels, so it is the dual mono the mix
  // plays as, landed as the two speakers measure it; the streaming master stays mono.
  {
    io::MasterRequest both = req;
    both.targets = {*master::find_target("streaming"), *master::find_target("cd")};
    const auto r2 = io::master_file(dir / "mono.wav", dir / "o6", both);
    ASSERT_EQ(r2.masters.size(), 2u);
    EXPECT_EQ(io::probe(r2.masters[0].file).channels, 1);
    EXPECT_EQ(io::probe(r2.masters[1].file).channels, 2);
    expect_landed(r2.masters[0].file, both.targets[0], -14.0);
    expect_landed(r2.masters[1].file, both.targets[1], -12.0);
    EXPECT_TRUE(std::any_of(r2.problems.begin(), r2.problems.end(), [](const Problem& p) { return p.code == "mono_input"; }));
    for (const auto& e : fs::directory_iterator(dir / "o6" / "masters"))
      EXPECT_NE(e.path().extension(), ".f32") << "a scratch file was left: " << e.path();
    EXPECT_EQ(std::distance(fs::directory_iterator(dir / "o6" / "masters"), fs::directory_iterator{}), 2);
  }
  // 96 kHz: delivered at 96 kHz; the MP3 check encodes its excerpt at 48 kHz.
  write_file(dir / "hires.wav", programme(96000, 3.0, -20.0, 6).view(), {96000, 2, SampleFormat::wav24});
  res = io::master_file(dir / "hires.wav", dir / "o5", req);
  EXPECT_EQ(io::probe(res.masters[0].file).sample_rate, 96000);
  EXPECT_TRUE(res.masters[0].lossy.done) << res.masters[0].lossy.note;
  expect_landed(res.masters[0].file, req.targets[0], -14.0);
  // 5.1: surround weights, six channels out.
  write_file(dir / "surround.wav", programme(48000, 4.0, -24.0, 5, 6).view(), {48000, 6, SampleFormat::wav24});
  res = io::master_file(dir / "surround.wav", dir / "o3", req);
  EXPECT_EQ(io::probe(res.masters[0].file).channels, 6);
  EXPECT_NE(res.layout.find("5.1"), std::string::npos);
  expect_landed(res.masters[0].file, req.targets[0], -14.0);
  // 5.1 cannot be cut to vinyl.
  req.targets = {*master::find_target("vinyl")};
  EXPECT_THROW(io::master_file(dir / "surround.wav", dir / "o4", req), Error);
}

TEST(MasterFile, ReferenceMovesTheTonalBalance) {
  testkit::TempDir dir;
  write_file(dir / "mix.wav", programme(48000, 6.0, -20.0, 8).view(), {48000, 2, SampleFormat::wav24});
  // A darker reference: the same programme low-passed by a one-pole at 2 kHz.
  auto ref = programme(48000, 6.0, -20.0, 9);
  for (int c = 0; c < 2; ++c) {
    float z = 0;
    const float a = static_cast<float>(std::exp(-2 * M_PI * 2000.0 / 48000));
    for (std::size_t i = 0; i < ref.num_frames(); ++i) ref.channel(c)[i] = z = (1 - a) * ref.channel(c)[i] + a * z;
  }
  write_file(dir / "ref.wav", ref.view(), {48000, 2, SampleFormat::wav24});
  io::MasterRequest req;
  req.targets = {*master::find_target("streaming")};
  req.reference = dir / "ref.wav";
  req.previews = false;
  const auto res = io::master_file(dir / "mix.wav", dir / "out", req);
  const auto& eq = res.masters[0].chain;
  const auto at8k = master::eq_response(eq.eq, {8000.0}, 48000)[0];
  EXPECT_LT(at8k, -3.0);  // toward the darker reference, limited to -6
  EXPECT_GE(at8k, -6.5);
  expect_landed(res.masters[0].file, req.targets[0], -14.0);
}

TEST(AlbumToml, ReadsOrderTitlesIsrcGapsAndRejectsMistakes) {
  testkit::TempDir dir;
  io::write_text_atomic(dir / "album.toml", R"(title = "Record"
performer = "Band"
gap_s = 1.5
[[track]]
file = "a.wav"
title = "Opening"
isrc = "US-RC1-76-07839"
[[track]]
file = "b.wav"
crossfade_s = 2
)");
  const auto a = io::load_album(dir / "album.toml");
  ASSERT_EQ(a.tracks.size(), 2u);
  EXPECT_EQ(a.title, "Record");
  EXPECT_EQ(a.gap_s, 1.5);
  EXPECT_EQ(a.tracks[0].title, "Opening");
  EXPECT_EQ(a.tracks[0].isrc, "USRC17607839");
  EXPECT_EQ(a.tracks[0].file, dir.path() / "a.wav");
  EXPECT_EQ(a.tracks[1].title, "b");
  EXPECT_EQ(a.tracks[1].crossfade_s, 2.0);

  // A code in lower case is the same code; one ISRC on two tracks is refused at its line.
  io::write_text_atomic(dir / "lower.toml", "[[track]]\nfile = \"a.wav\"\nisrc = \"us-rc1-76-07839\"\n");
  EXPECT_EQ(io::load_album(dir / "lower.toml").tracks[0].isrc, "USRC17607839");
  io::write_text_atomic(dir / "twice.toml", "[[track]]\nfile = \"a.wav\"\nisrc = \"USRC17607839\"\n[[track]]\nfile = "
                                            "\"b.wav\"\nisrc = \"US-RC1-76-07839\"\n");
  try {
    io::load_album(dir / "twice.toml");
    FAIL() << "one ISRC on two tracks";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("twice.toml:6"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("track 1"), std::string::npos) << e.what();
  }
  io::write_text_atomic(dir / "bad.toml", "[[track]]\nfile = \"a.wav\"\n\n[[track]]\nfile = \"b.wav\"\nspeed = 2\n");
  try {
    io::load_album(dir / "bad.toml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::rejected);
    EXPECT_NE(std::string(e.what()).find("bad.toml:6"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("speed"), std::string::npos);
  }
  io::write_text_atomic(dir / "isrc.toml", "[[track]]\nfile = \"a.wav\"\nisrc = \"nope\"\n");
  EXPECT_THROW(io::load_album(dir / "isrc.toml"), Error);
  // A gap and a crossfade on one track contradict each other; the first track has nothing to
  // crossfade from (both had been accepted without a word).
  io::write_text_atomic(dir / "both.toml", "[[track]]\nfile = \"a.wav\"\n[[track]]\nfile = \"b.wav\"\ngap_s = 1\ncrossfade_s = 2\n");
  io::write_text_atomic(dir / "first.toml", "[[track]]\nfile = \"a.wav\"\ncrossfade_s = 2\n");
  for (const char* f : {"both.toml", "first.toml"}) {
    try {
      io::load_album(dir / f);
      FAIL() << f;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::rejected);
      EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("crossfade_s"), std::string::npos) << e.what();
    }
  }
}

TEST(Album, TrackFileNamesSortInRunningOrder) {
  EXPECT_EQ(io::album_track_file_name(0, 12, "Intro"), "01-Intro.wav");
  EXPECT_EQ(io::album_track_file_name(99, 100, "Last"), "100-Last.wav");
  EXPECT_EQ(io::album_track_file_name(10, 100, "x"), "011-x.wav");
  EXPECT_EQ(io::album_track_file_name(2, 3, "a/b"), "03-a_b.wav");
  std::vector<std::string> names;
  for (std::size_t i = 0; i < 120; ++i) names.push_back(io::album_track_file_name(i, 120, "t"));
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(Album, KeepsTheRelationAndWritesAFrameAccurateCueSheet) {
  testkit::TempDir dir;
  // Three tracks at -20, -26 and -23 LUFS-ish, at 48 kHz (the cd target resamples to 44.1).
  const double levels[] = {-20.0, -26.0, -23.0};
  master::AlbumSpec album;
  album.title = "Test";
  for (int i = 0; i < 3; ++i) {
    const auto f = dir / ("t" + std::to_string(i) + ".wav");
    write_file(f, programme(48000, 5.0 + i, levels[i], 20 + i).view(), {48000, 2, SampleFormat::wav24});
    master::AlbumTrack t;
    t.file = f;
    t.title = "Track " + std::to_string(i + 1);
    album.tracks.push_back(t);
  }
  album.tracks[2].gap_s = 1.0;
  // A title longer than a file name may be (92 characters, 276 bytes: the album failed at its
  // end): the file takes a shortened name, the cue sheet the whole title.
  std::string long_title;
  for (int k = 0; k < 46; ++k) long_title += "交響";
  album.tracks[1].title = long_title;
  const auto cd = *master::find_target("cd");
  const auto res = io::master_album(album, dir / "out", cd);
  ASSERT_EQ(res.tracks.size(), 3u);
  // The loudest track at the target, the others at their input distance from it.
  std::vector<double> out_lufs;
  for (const auto& t : res.tracks) out_lufs.push_back(oracle(t.master.file).integrated);
  const double loud_in = std::max({res.tracks[0].input_lufs, res.tracks[1].input_lufs, res.tracks[2].input_lufs});
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(out_lufs[i] - cd.integrated_lufs, res.tracks[i].input_lufs - loud_in, 0.3) << i;
    EXPECT_LE(oracle(res.tracks[i].master.file).true_peak_db, cd.ceiling_dbtp);
    // Each track's chain is decided for the loudness it lands at (the quieter tracks' were
    // decided for the album's target: a limiter said to "take at most 4.7 dB" that took 1).
    EXPECT_NEAR(res.tracks[i].master.chain.gain_db, res.tracks[i].master.target_lufs - res.tracks[i].input_lufs, 1e-9) << i;
  }
  // The album file: 44.1 kHz 16-bit, every track starting on a CD frame, the cue sheet saying where.
  const auto info = io::probe(res.album_file);
  EXPECT_EQ(info.sample_rate, 44100);
  EXPECT_EQ(info.bit_depth, 16);
  EXPECT_EQ(info.frames % master::kSamplesPerCdFrame, 0);
  ASSERT_TRUE(res.cue);
  const auto& ct = res.cue->tracks;
  ASSERT_EQ(ct.size(), 3u);
  EXPECT_EQ(ct[0].start_frame, 0);
  // Track 1 is 5 s = 375 frames; then 2 s gap (150); track 2 is 6 s = 450; then 1 s gap (75).
  EXPECT_EQ(ct[1].start_frame, 375 + 150);
  EXPECT_EQ(ct[2].start_frame, 375 + 150 + 450 + 75);
  EXPECT_EQ(info.frames, (ct[2].start_frame + ct[2].length_frames) * master::kSamplesPerCdFrame);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(res.tracks[i].start_s, ct[i].start_frame / 75.0, 1e-9);
  std::ifstream cue(res.cue_file);
  std::string text((std::istreambuf_iterator<char>(cue)), {});
  EXPECT_NE(text.find("INDEX 01 00:07:00"), std::string::npos) << text;  // 525 frames
  EXPECT_NE(text.find("INDEX 00 00:05:00"), std::string::npos) << text;
  EXPECT_NE(text.find("INDEX 01 00:14:00"), std::string::npos) << text;  // 1050 frames
  EXPECT_NE(text.find(long_title), std::string::npos);
  EXPECT_LE(res.tracks[1].master.file.filename().string().size(), 128u);
  EXPECT_EQ(res.tracks[1].master.file.filename().string().rfind("02-交響", 0), 0u);
  EXPECT_LE(oracle(res.album_file).true_peak_db, cd.ceiling_dbtp);
}

// The track files are the album cut at each track's start: a gapless player playing them in turn
// plays album.wav sample for sample, the crossfade as mastered (before, each track file was its
// whole unfaded master, and the CD image and its track files were dithered apart). A gap ends the
// track before it; a crossfade's overlap opens the track after it, as the cue sheet counts them.
TEST(Album, TheTrackFilesPlayedInTurnAreTheAlbum) {
  testkit::TempDir dir;
  master::AlbumSpec album;
  for (int i = 0; i < 3; ++i) {
    const auto f = dir / ("t" + std::to_string(i) + ".wav");
    write_file(f, programme(48000, 6.0, -20.0 - i, 30 + i).view(), {48000, 2, SampleFormat::wav24});
    master::AlbumTrack t;
    t.file = f;
    t.title = "Track " + std::to_string(i + 1);
    album.tracks.push_back(t);
  }
  album.tracks[1].crossfade_s = 1.0;
  album.tracks[2].gap_s = 1.0;
  album.tracks[0].gap_s = 2.0;  // nothing before it: said, and the album still opens with the track
  album.title = "Night Drive";
  album.performer = "The Stems";
  album.tracks[1].performer = "The Stems feat. Ana";
  album.tracks[2].isrc = "USRC17607839";
  // What a file says of itself (its WAV INFO chunk), read back by libsndfile.
  const auto tag = [](const fs::path& f, int type) {
    SF_INFO info{};
    SNDFILE* sf = sf_open(f.c_str(), SFM_READ, &info);
    if (!sf) return std::string("(unreadable)");
    const char* s = sf_get_string(sf, type);
    std::string text = s ? s : "";
    sf_close(sf);
    return text;
  };
  for (const char* name : {"cd", "streaming"}) {
    const auto target = *master::find_target(name);
    const auto res = io::master_album(album, dir / name, target);
    ASSERT_EQ(res.tracks.size(), 3u);
    int rate = 0;
    const AudioBuffer whole = io::read_file(res.album_file, &rate);
    std::size_t at = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      const AudioBuffer t = io::read_file(res.tracks[i].master.file);
      ASSERT_LE(at + t.num_frames(), whole.num_frames()) << name << " track " << i;
      for (int c = 0; c < 2; ++c)
        ASSERT_TRUE(std::equal(t.channel(c), t.channel(c) + t.num_frames(), whole.channel(c) + at)) << name << " track " << i;
      // Each file starts where the report (and the cue sheet) say the track starts.
      EXPECT_NEAR(double(at) / rate, res.tracks[i].start_s, 1e-9) << name << " track " << i;
      EXPECT_EQ(static_cast<std::int64_t>(at), res.tracks[i].start_samples) << name << " track " << i;
      EXPECT_EQ(static_cast<std::int64_t>(t.num_frames()), res.tracks[i].length_samples) << name << " track " << i;
      at += t.num_frames();
    }
    EXPECT_EQ(at, whole.num_frames()) << name;
    EXPECT_EQ(std::count_if(res.problems.begin(), res.problems.end(), [](const Problem& p) { return p.code == "first_track_gap"; }), 1)
        << name;
    EXPECT_NE(whole.channel(0)[0], 0.0f) << name;
    // Track 1 ends where track 2's crossfade begins (6 s less 1 s); track 2 carries the 1 s gap
    // before track 3 at its end, in silence.
    EXPECT_NEAR(res.tracks[1].start_s, 5.0, 0.02) << name;
    const AudioBuffer t2 = io::read_file(res.tracks[1].master.file);
    const auto gap = static_cast<std::size_t>(0.99 * rate);
    for (int c = 0; c < 2; ++c)
      EXPECT_TRUE(std::all_of(t2.channel(c) + t2.num_frames() - gap, t2.channel(c) + t2.num_frames(), [](float x) { return x == 0.0f; }))
          << name;
    if (res.cue) {
      EXPECT_EQ(res.cue->tracks[1].start_frame * master::kSamplesPerCdFrame, static_cast<std::int64_t>(std::llround(res.tracks[1].start_s * rate)));
    }
    // The report measures the files as delivered.
    for (const auto& t : res.tracks) EXPECT_NEAR(t.master.after.integrated_lufs, oracle(t.master.file).integrated, 0.05) << name;
    // Each file says what it holds: the track's title, performer (the album's unless its own),
    // place and ISRC; the album file its title and performer.
    for (std::size_t i = 0; i < 3; ++i) {
      const fs::path& f = res.tracks[i].master.file;
      EXPECT_EQ(tag(f, SF_STR_TITLE), "Track " + std::to_string(i + 1)) << name << " track " << i;
      EXPECT_EQ(tag(f, SF_STR_ALBUM), "Night Drive") << name;
      EXPECT_EQ(tag(f, SF_STR_TRACKNUMBER), std::to_string(i + 1) + "/3") << name;
    }
    EXPECT_EQ(tag(res.tracks[0].master.file, SF_STR_ARTIST), "The Stems") << name;
    EXPECT_EQ(tag(res.tracks[1].master.file, SF_STR_ARTIST), "The Stems feat. Ana") << name;
    EXPECT_EQ(tag(res.tracks[2].master.file, SF_STR_COMMENT), "ISRC USRC17607839") << name;
    EXPECT_EQ(tag(res.tracks[0].master.file, SF_STR_COMMENT), "") << name;
    EXPECT_EQ(tag(res.album_file, SF_STR_TITLE), "Night Drive") << name;
    EXPECT_EQ(tag(res.album_file, SF_STR_ARTIST), "The Stems") << name;
  }
}

// A crossfade between two sides that are the same sound (a held tone segued into itself) keeps
// the track at its loudness: the equal-power fade had added them up in amplitude, 3 dB mid-fade,
// and put the second track's file 1 LU over its target without a word. A crossfade that does
// move a file off its loudness (a loud song faded into a quiet one) is said.
TEST(Album, ACrossfadeKeepsTheTracksAtTheirLoudnessOrSaysWhyNot) {
  testkit::TempDir dir;
  const int rate = 44100;
  AudioBuffer tone(2, static_cast<std::size_t>(10 * rate));
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < tone.num_frames(); ++i) tone.channel(c)[i] = static_cast<float>(0.5 * std::sin(2 * M_PI * 100.0 * double(i) / rate));
  write_file(dir / "tone.wav", tone.view(), {rate, 2, SampleFormat::wav24});
  master::AlbumSpec same;
  for (const char* title : {"a", "b"}) {
    master::AlbumTrack t;
    t.file = dir / "tone.wav";
    t.title = title;
    same.tracks.push_back(t);
  }
  same.tracks[1].crossfade_s = 4.0;
  const auto cd = *master::find_target("cd");
  const auto res = io::master_album(same, dir / "same", cd);
  ASSERT_EQ(res.tracks.size(), 2u);
  for (const auto& t : res.tracks) EXPECT_NEAR(oracle(t.master.file).integrated, cd.integrated_lufs, 0.2) << t.title;
  EXPECT_NEAR(oracle(res.album_file).integrated, cd.integrated_lufs, 0.2);
  EXPECT_TRUE(std::none_of(res.problems.begin(), res.problems.end(), [](const Problem& p) { return p.code == "crossfade_loudness"; }));

  // A loud song faded for 4 of the quiet one's 8 s: the quiet one's file holds the loud tail.
  write_file(dir / "loud.wav", programme(rate, 8.0, -12.0, 41).view(), {rate, 2, SampleFormat::wav24});
  write_file(dir / "quiet.wav", programme(rate, 8.0, -30.0, 42).view(), {rate, 2, SampleFormat::wav24});
  master::AlbumSpec apart;
  for (const char* f : {"loud.wav", "quiet.wav"}) {
    master::AlbumTrack t;
    t.file = dir / f;
    t.title = f;
    apart.tracks.push_back(t);
  }
  apart.tracks[1].crossfade_s = 4.0;
  const auto res2 = io::master_album(apart, dir / "apart", cd);
  // The quiet song's file opens with the loud one's faded tail: over. The loud one's file ends
  // where the fade begins, its last 4 s in the next file: under.
  std::string said;
  for (const auto& p : res2.problems)
    if (p.code == "crossfade_loudness") said += p.message + "\n";
  EXPECT_NE(said.find("quiet.wav: its file measures"), std::string::npos) << said;
  EXPECT_NE(said.find("over the"), std::string::npos) << said;
  EXPECT_NE(said.find("the crossfade that opens it"), std::string::npos) << said;
  EXPECT_GT(oracle(res2.tracks[1].master.file).integrated - res2.tracks[1].master.target_lufs, 0.2);
}

// A track limited past every target (a brickwalled loop at about -6 LUFS) set the album's level:
// the real songs went 9 LU under the target. It is held at the target instead, and the loudest
// song lands there with the others at their distance to it.
TEST(Album, ATrackTooLoudToMasterDoesNotSetTheLevel) {
  testkit::TempDir dir;
  master::AlbumSpec album;
  auto hot = testkit::noise(-5.0, 6.0, 48000, 2, 3);
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < hot.num_frames(); ++i) hot.channel(c)[i] = static_cast<float>(std::tanh(2.0 * hot.channel(c)[i]) * 0.89);
  const std::vector<AudioBuffer> tracks = {programme(48000, 6.0, -16.0, 31), hot, programme(48000, 6.0, -22.0, 32)};
  for (std::size_t i = 0; i < tracks.size(); ++i) {
    const auto f = dir / ("t" + std::to_string(i) + ".wav");
    write_file(f, tracks[i].view(), {48000, 2, SampleFormat::wav24});
    master::AlbumTrack t;
    t.file = f;
    t.title = "Track " + std::to_string(i + 1);
    album.tracks.push_back(t);
  }
  const auto streaming = *master::find_target("streaming");
  const auto res = io::master_album(album, dir / "out", streaming);
  ASSERT_EQ(res.tracks.size(), 3u);
  ASSERT_GT(res.tracks[1].input_lufs, master::kTooLoudLufs);
  EXPECT_NEAR(oracle(res.tracks[0].master.file).integrated, streaming.integrated_lufs, 0.3);  // the loudest song
  EXPECT_NEAR(oracle(res.tracks[1].master.file).integrated, streaming.integrated_lufs, 0.3);  // held at the target
  EXPECT_NEAR(oracle(res.tracks[2].master.file).integrated,
              streaming.integrated_lufs + res.tracks[2].input_lufs - res.tracks[0].input_lufs, 0.3);
  EXPECT_TRUE(std::any_of(res.problems.begin(), res.problems.end(), [](const Problem& p) { return p.code == "held_at_target"; }));
}

TEST(Album, RedBookRefusalsComeBeforeAnyWork) {
  testkit::TempDir dir;
  write_file(dir / "long.wav", programme(44100, 6.0, -20, 1).view(), {44100, 2, SampleFormat::wav24});
  write_file(dir / "blip.wav", programme(44100, 3.0, -20, 2).view(), {44100, 2, SampleFormat::wav24});
  master::AlbumSpec album;
  album.tracks = {{dir / "long.wav", "Long", "", "", {}, {}}, {dir / "blip.wav", "Blip", "", "", {}, {}}};
  try {
    io::master_album(album, dir / "out", *master::find_target("cd"));
    FAIL() << "a 3-second CD track was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::rejected);
    EXPECT_NE(std::string(e.what()).find("at least 4 seconds"), std::string::npos) << e.what();
    EXPECT_EQ(e.file(), (dir / "blip.wav").string());  // the file that is too short, named
  }
  EXPECT_FALSE(fs::exists(dir / "out" / "album.wav"));
  // The same album is fine for streaming (no Red Book there), with a crossfade.
  album.tracks[1].crossfade_s = 1.0;
  const auto res = io::master_album(album, dir / "out2", *master::find_target("streaming"));
  EXPECT_TRUE(fs::exists(res.album_file));
  EXPECT_FALSE(res.cue);
  const auto info = io::probe(res.album_file);
  EXPECT_NEAR(info.duration_s(), 6.0 + 3.0 - 1.0, 0.01);
  EXPECT_LE(oracle(res.album_file).true_peak_db, -1.0);
  // Two tracks long enough alone, the crossfade leaving the first 3 s of its own on a CD: the
  // crossfade is named (the overlap is the second track's).
  write_file(dir / "six.wav", programme(44100, 6.0, -20, 3).view(), {44100, 2, SampleFormat::wav24});
  album.tracks = {{dir / "long.wav", "Long", "", "", {}, {}}, {dir / "six.wav", "Six", "", "", {}, 3.0}};
  try {
    io::master_album(album, dir / "out3", *master::find_target("cd"));
    FAIL() << "a crossfade leaving a 3-second CD track was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::rejected);
    const std::string what = e.what();
    EXPECT_NE(what.find("six.wav"), std::string::npos) << what;
    EXPECT_NE(what.find("crossfade_s of 3.00 s"), std::string::npos) << what;
    EXPECT_NE(what.find("at least 4 seconds"), std::string::npos) << what;
  }
  // A crossfade of exactly half a track is allowed on a CD too (4.5 s of 9 s is 337.5 CD frames:
  // rounded up, it passed half and was refused as too long).
  write_file(dir / "nine a.wav", programme(44100, 9.0, -20, 4).view(), {44100, 2, SampleFormat::wav24});
  write_file(dir / "nine b.wav", programme(44100, 9.0, -20, 5).view(), {44100, 2, SampleFormat::wav24});
  album.tracks = {{dir / "nine a.wav", "A", "", "", {}, {}}, {dir / "nine b.wav", "B", "", "", {}, 4.5}};
  const auto half = io::master_album(album, dir / "out4", *master::find_target("cd"));
  EXPECT_EQ(half.tracks[0].length_samples, (675 - 337) * master::kSamplesPerCdFrame);  // 9 s less the overlap
}

// The translation measured in the delivering pass (io::TranslationFeed) against the same
// measurement made by reading the delivered file back (io::translate_output): the lanes'
// drive gains differ only by the landing error (the feed sets them from the target before the
// audio arrives), so every system's figures agree within it, and the same problems are found.
TEST(MasterFile, TranslationInTheDeliveringPassMatchesTheFileRead) {
  testkit::TempDir dir;
  const auto in = dir / "mix.wav";
  // Over 90 s, so the device lanes play their excerpts as in a real song.
  write_file(in, programme(48000, 100.0, -20.0, 11).view(), {48000, 2, SampleFormat::wav24});
  io::MasterRequest req;
  req.targets = {*master::find_target("streaming")};
  req.previews = false;
  req.translation = true;
  const auto res = io::master_file(in, dir / "out", req);
  const auto& m = res.masters.front();
  ASSERT_TRUE(m.translation.has_value());
  const auto& fed = *m.translation;
  const auto read = io::translate_output(dir / "out", m.file, m.after.integrated_lufs, 0, {}, io::TranslateScope{false, false, true});
  const double landing = std::abs(m.after.integrated_lufs - m.target_lufs);
  ASSERT_LE(landing, master::kLandingAcceptLu);
  const double tol = landing + 0.02;
  ASSERT_EQ(fed.systems.size(), read.systems.size());
  for (std::size_t i = 0; i < fed.systems.size(); ++i) {
    const auto& a = fed.systems[i];
    const auto& b = read.systems[i];
    SCOPED_TRACE(std::string(analysis::to_string(a.system)));
    EXPECT_EQ(a.system, b.system);
    EXPECT_NEAR(a.loudness_lufs, b.loudness_lufs, tol);
    EXPECT_NEAR(a.sample_peak_dbfs, b.sample_peak_dbfs, tol);
    for (std::size_t k = 0; k < a.bands_db.size(); ++k) EXPECT_NEAR(a.bands_db[k], b.bands_db[k], tol);
    EXPECT_EQ(a.notes, b.notes);
  }
  EXPECT_NEAR(fed.input.integrated_lufs, read.input.integrated_lufs, 0.01);
  EXPECT_NEAR(fed.input.mono_lufs, read.input.mono_lufs, 0.01);
  EXPECT_NEAR(fed.input.low_share_db, read.input.low_share_db, 0.01);
  ASSERT_EQ(fed.problems.size(), read.problems.size());
  for (std::size_t i = 0; i < fed.problems.size(); ++i) EXPECT_EQ(fed.problems[i].code, read.problems[i].code);
  for (const auto& e : fs::directory_iterator(dir / "out")) EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
}

TEST(Translate, AMonoFilePlaysAsItsDualMonoCopy) {
  // A player sends a mono file to both speakers: every system hears what the same signal on
  // both channels of a stereo file gives (session 40's sweep: the mono file read 2-3 dB louder
  // on the stereo devices, 3 dB quieter over Bluetooth).
  testkit::TempDir dir;
  const int rate = 48000;
  const auto mono = programme(rate, 20.0, -20.0, 5, 1);
  AudioBuffer dual(2, mono.num_frames());
  for (int c = 0; c < 2; ++c) std::copy_n(mono.channel(0), mono.num_frames(), dual.channel(c));
  const fs::path out = dir / "out";
  fs::create_directories(out);
  write_file(out / "mono.wav", mono.view(), {rate, 1, SampleFormat::wav_float});
  write_file(out / "dual.wav", dual.view(), {rate, 2, SampleFormat::wav_float});
  const auto nan = std::numeric_limits<double>::quiet_NaN();
  const auto a = io::translate_output(out, out / "mono.wav", nan, 0, {}, io::TranslateScope{false, false, true});
  const auto b = io::translate_output(out, out / "dual.wav", nan, 0, {}, io::TranslateScope{false, false, true});
  ASSERT_EQ(a.systems.size(), b.systems.size());
  for (std::size_t i = 0; i < a.systems.size(); ++i) {
    SCOPED_TRACE(std::string(analysis::to_string(a.systems[i].system)));
    EXPECT_NEAR(a.systems[i].loudness_lufs, b.systems[i].loudness_lufs, 0.01);
    EXPECT_NEAR(a.systems[i].sample_peak_dbfs, b.systems[i].sample_peak_dbfs, 0.01);
  }
  EXPECT_NEAR(a.input.integrated_lufs, b.input.integrated_lufs, 0.01);
}

TEST(Translate, ABluetoothPassageOfA51FilePlaysItsFrontPair) {
  // Every lane plays a file's first two channels; the Bluetooth lane's passages took the
  // last channel for the right (a 5.1 file's right surround) until session 40.
  testkit::TempDir dir;
  const int rate = 48000;
  auto six = programme(rate, 20.0, -26.0, 3, 6);
  for (std::size_t i = 0; i < six.num_frames(); ++i) six.channel(5)[i] = (i / 50) % 2 ? 0.9f : -0.9f;  // a loud square
  const fs::path out = dir / "out";
  fs::create_directories(out);
  write_file(out / "six.wav", six.view(), {rate, 6, SampleFormat::wav24});
  const auto rep = io::translate_output(out, out / "six.wav", std::numeric_limits<double>::quiet_NaN(), 0, {},
                                        io::TranslateScope{false, false, true});
  float front = 0.0f;
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < six.num_frames(); ++i) front = std::max(front, std::abs(six.channel(c)[i]));
  bool found = false;
  for (const auto& s : rep.systems) {
    if (s.system != analysis::PlaybackSystem::bluetooth) continue;
    found = true;
    // The codec's overshoot of the front pair is a dB or two at most; the square sits near 0 dBFS.
    EXPECT_LT(s.sample_peak_dbfs, gain_to_db(front) + 3.0);
    EXPECT_LT(s.sample_peak_dbfs, -6.0);
  }
  EXPECT_TRUE(found);
}

TEST(MasterFile, TheLeadReadBesideTheMasterGivesWhatItGivesReadAfter) {
  // `mix` reads versions/acapella.wav and instrumental.wav on another thread while the master
  // runs (MasterRequest::lead); the lead's balance on every system must be what the master's
  // own read after the pass gives, to the bit.
  testkit::TempDir dir;
  const int rate = 48000;
  const double seconds = 20.0;
  auto lead = testkit::sine(440.0, -20.0, seconds, rate, 2);
  auto rest = programme(rate, seconds, -22.0, 5);
  auto mix = AudioBuffer(2, rest.num_frames());
  for (int c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < mix.num_frames(); ++i) mix.channel(c)[i] = rest.channel(c)[i] + lead.channel(c)[i];
  const fs::path out = dir / "out";
  fs::create_directories(out / "versions");
  write_file(out / "versions" / "acapella.wav", lead.view(), {rate, 2, SampleFormat::wav24});
  write_file(out / "versions" / "instrumental.wav", rest.view(), {rate, 2, SampleFormat::wav24});
  write_file(out / "mix.wav", mix.view(), {rate, 2, SampleFormat::wav24});
  io::MasterRequest req;
  req.targets = {*master::find_target("streaming")};
  req.previews = false;
  req.translation = true;
  const auto after = io::master_file(out / "mix.wav", out, req);
  const io::LeadReading reading = io::read_lead(out);
  ASSERT_TRUE(reading.files);
  int calls = 0;
  req.lead = [&]() -> const io::LeadReading& {
    ++calls;
    return reading;
  };
  const auto beside = io::master_file(out / "mix.wav", out, req);
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(after.masters.front().translation && beside.masters.front().translation);
  const auto& a = *after.masters.front().translation;
  const auto& b = *beside.masters.front().translation;
  EXPECT_TRUE(a.input.lead_known);
  EXPECT_EQ(a.vocal_note, b.vocal_note);
  ASSERT_EQ(a.systems.size(), b.systems.size());
  for (std::size_t i = 0; i < a.systems.size(); ++i) {
    SCOPED_TRACE(std::string(analysis::to_string(a.systems[i].system)));
    ASSERT_TRUE(a.systems[i].vocal_to_rest_db.has_value());
    ASSERT_TRUE(b.systems[i].vocal_to_rest_db.has_value());
    EXPECT_EQ(*a.systems[i].vocal_to_rest_db, *b.systems[i].vocal_to_rest_db);
  }
  // With no versions in the folder the reading says so, and the translation says why.
  EXPECT_FALSE(io::read_lead(dir.path()).files);
}

TEST(MasterFile, OneTargetsChainRunsInPlaceOverTheAnalysedInputWithTheSameBits) {
  // A lone target at the input's rate runs its chain over the input as the analysis decoded it
  // (no second read, the result becoming the float temp); with two targets each reads the file
  // again into a temp of its own. The first target's master, preview and translation must not
  // tell the two apart. 40 s: more than the 30 s from which the landing estimates the limiter's
  // cost on segments of the temp (seeks into it), and many pipeline blocks.
  testkit::TempDir dir;
  const auto in = dir / "mix.wav";
  write_file(in, programme(48000, 40.0, -20.0, 11).view(), {48000, 2, SampleFormat::wav24});
  // A reference of another balance, so the chain has work to do (an identity chain would hide
  // a block processed out of place).
  AudioBuffer ref = programme(48000, 20.0, -18.0, 12);
  for (int c = 0; c < 2; ++c) {
    float* x = ref.channel(c);
    for (std::size_t i = ref.num_frames() - 1; i > 0; --i) x[i] = x[i] - 0.9f * x[i - 1];  // brighter
  }
  write_file(dir / "ref.wav", ref.view(), {48000, 2, SampleFormat::wav24});
  io::MasterRequest one;
  one.targets = {*master::find_target("streaming")};
  one.translation = true;
  one.reference = dir / "ref.wav";
  io::MasterRequest two = one;
  two.targets.push_back(*master::find_target("apple"));
  const auto a = io::master_file(in, dir / "one", one);
  const auto b = io::master_file(in, dir / "two", two);
  ASSERT_EQ(a.masters.size(), 1u);
  ASSERT_EQ(b.masters.size(), 2u);
  ASSERT_GT(a.masters[0].chain.eq.bands.size(), 4u);
  auto bytes = [](const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  // (EXPECT_TRUE: a failing EXPECT_EQ would print megabytes)
  EXPECT_TRUE(bytes(a.masters[0].file) == bytes(b.masters[0].file));
  EXPECT_TRUE(bytes(a.masters[0].preview) == bytes(b.masters[0].preview));
  EXPECT_TRUE(bytes(a.input_preview) == bytes(b.input_preview));
  EXPECT_EQ(a.masters[0].pre_limiter_lufs, b.masters[0].pre_limiter_lufs);
  EXPECT_EQ(a.masters[0].gain_db, b.masters[0].gain_db);
  ASSERT_TRUE(a.masters[0].translation && b.masters[0].translation);
  EXPECT_EQ(a.masters[0].translation->input.integrated_lufs, b.masters[0].translation->input.integrated_lufs);
  expect_landed(a.masters[0].file, a.masters[0].target, a.masters[0].target.integrated_lufs);
}

TEST(MasterFile, LossyCheckFromTheBluetoothEncodeGivesWhatItGivesAlone) {
  // With the translation, the lossy check is read from the Bluetooth lane's round trip of the
  // loudest passage (one encode for both, among the lane's others on the pool); without it,
  // lossy_check encodes that passage itself. Same figures for any thread count, and the same
  // as the check made alone.
  testkit::TempDir dir;
  const auto in = dir / "mix.wav";
  write_file(in, programme(48000, 12.0, -16.0, 21).view(), {48000, 2, SampleFormat::wav24});
  io::MasterRequest req;
  req.targets = {*master::find_target("streaming")};
  req.translation = true;
  req.threads = 1;
  const auto a = io::master_file(in, dir / "one", req);
  req.threads = 2;
  const auto b = io::master_file(in, dir / "two", req);
  req.translation = false;
  const auto alone = io::master_file(in, dir / "alone", req);
  const auto& ma = a.masters[0];
  const auto& mb = b.masters[0];
  ASSERT_TRUE(ma.target.lossy_check);
  EXPECT_TRUE(ma.lossy.done) << ma.lossy.note;
  for (const auto* m : {&mb, &alone.masters[0]}) {
    EXPECT_EQ(ma.lossy.done, m->lossy.done);
    EXPECT_EQ(ma.lossy.quality, m->lossy.quality);
    EXPECT_EQ(ma.lossy.decoded_true_peak_dbtp, m->lossy.decoded_true_peak_dbtp);
    EXPECT_EQ(ma.lossy.decoded_sample_peak_dbfs, m->lossy.decoded_sample_peak_dbfs);
    EXPECT_EQ(ma.lossy.excerpt_start_s, m->lossy.excerpt_start_s);
    EXPECT_EQ(ma.lossy.excerpt_s, m->lossy.excerpt_s);
    EXPECT_EQ(ma.lossy.note, m->lossy.note);
  }
  ASSERT_TRUE(ma.translation && mb.translation);
  ASSERT_EQ(ma.translation->systems.size(), mb.translation->systems.size());
  for (std::size_t i = 0; i < ma.translation->systems.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(ma.translation->systems[i].sample_peak_dbfs, mb.translation->systems[i].sample_peak_dbfs);
    EXPECT_EQ(ma.translation->systems[i].loudness_lufs, mb.translation->systems[i].loudness_lufs);
    EXPECT_EQ(ma.translation->systems[i].notes, mb.translation->systems[i].notes);
  }
  EXPECT_EQ(ma.translation->problems.size(), mb.translation->problems.size());
  // Nothing left behind: neither scratch MP3.
  for (const auto& d : {dir / "one", dir / "two"})
    for (const auto& e : fs::directory_iterator(d)) EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
}
