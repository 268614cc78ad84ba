#include "io/stem_set.hpp"
#include "io/stem_cache.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <sndfile.h>

#include "../../tests/support/testing.hpp"
#include "core/error.hpp"
#include "io/audio_file.hpp"
#include "io/file_source.hpp"
#include "io/session.hpp"

using namespace mixdown;
using namespace mixdown::io;
namespace fs = std::filesystem;

namespace {
constexpr int kRate = 48000;
constexpr double kSeconds = 4.0;

// A musical-ish clean stem: decaying tone bursts over a quiet bed, so it is neither silent nor
// correlated with the others (each gets its own pitch and seed).
AudioBuffer clean(double hz, int channels, std::uint64_t seed, double seconds = kSeconds, int rate = kRate) {
  AudioBuffer b = testkit::noise(-40.0, seconds, rate, channels, seed);
  for (int c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < b.num_frames(); ++i) {
      const double t = double(i) / rate;
      const double env = std::exp(-std::fmod(t, 0.5) / 0.15);
      b.channel(c)[i] += static_cast<float>(0.3 * env * std::sin(2 * M_PI * hz * (1.0 + 0.01 * c) * t));
    }
  return b;
}

void write(const fs::path& p, const AudioBuffer& b, SampleFormat f = SampleFormat::wav24, int rate = kRate) {
  WriteSpec spec;
  spec.sample_rate = rate;
  spec.channels = b.num_channels();
  spec.format = f;
  write_file(p, b.view(), spec);
}

// A 32-bit float WAV of `b` as it is, every sample kept whatever its size (the program's own
// writers hold their outputs within full scale).
void write_raw_float(const fs::path& p, const AudioBuffer& b) {
  SF_INFO info{};
  info.samplerate = kRate;
  info.channels = b.num_channels();
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(p.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr) << p;
  std::vector<float> x(b.num_frames() * static_cast<std::size_t>(b.num_channels()));
  for (std::size_t i = 0; i < b.num_frames(); ++i)
    for (int c = 0; c < b.num_channels(); ++c) x[i * static_cast<std::size_t>(b.num_channels()) + static_cast<std::size_t>(c)] = b.channel(c)[i];
  EXPECT_EQ(sf_writef_float(f, x.data(), static_cast<sf_count_t>(b.num_frames())), static_cast<sf_count_t>(b.num_frames()));
  sf_close(f);
}

std::vector<std::string> codes_for(const StemCheckResult& r, const std::string& stem) {
  std::vector<std::string> c;
  for (const auto& p : r.problems)
    if (p.stem == stem) c.push_back(p.code);
  return c;
}

bool has(const StemCheckResult& r, const std::string& stem, const std::string& code) {
  const auto c = codes_for(r, stem);
  return std::find(c.begin(), c.end(), code) != c.end();
}

const StemResult* find(const StemCheckResult& r, const std::string& name) {
  for (const auto& s : r.stems)
    if (s.name == name) return &s;
  return nullptr;
}
}  // namespace

TEST(StemSet, ListsAudioSortedSkipsHiddenAndReportsTheRest) {
  testkit::TempDir d;
  auto a = clean(220, 1, 1, 0.5);
  write(d / "b.wav", a);
  write(d / "A.wav", a);
  write(d / ".hidden.wav", a);
  write(d / "c.flac", a, SampleFormat::flac24);
  std::ofstream(d / "notes.txt") << "hello";
  fs::create_directory(d / "sub");
  const auto l = list_stems(d.path());
  ASSERT_EQ(l.stems.size(), 3u);
  EXPECT_EQ(l.stems[0].name, "A.wav");  // byte order: upper case first
  EXPECT_EQ(l.stems[1].name, "b.wav");
  EXPECT_EQ(l.stems[2].name, "c.flac");
  EXPECT_EQ(l.ignored, std::vector<std::string>{"notes.txt"});
  // Skipped, but named so the skip can be said; our own partial outputs are not named.
  std::ofstream(d / ".mix.wav.partial") << "x";
  EXPECT_EQ(list_stems(d.path()).hidden, std::vector<std::string>{".hidden.wav"});
  EXPECT_FALSE(l.from_session);
}

TEST(StemSet, CleanControlsRaiseNothing) {
  testkit::TempDir d;
  write(d / "Organ.wav", clean(131, 1, 1));
  write(d / "Bass DI.wav", clean(82, 1, 2));
  write(d / "Gtr L.wav", clean(330, 1, 3));
  write(d / "Gtr R.wav", clean(392, 1, 4));
  write(d / "Keys.flac", clean(523, 2, 5), SampleFormat::flac24);
  write(d / "Lead Vox.wav", clean(440, 1, 6), SampleFormat::wav_float);
  const auto r = check_stems(list_stems(d.path()), 2);
  for (const auto& p : r.problems) ADD_FAILURE() << p.stem << ": " << p.code << ": " << p.message;
  EXPECT_EQ(r.usable(), 6u);
  EXPECT_EQ(r.session_rate, kRate);
  const auto* gl = find(r, "Gtr L.wav");
  ASSERT_NE(gl, nullptr);
  EXPECT_EQ(gl->pair_kind, "stereo");
  EXPECT_EQ(gl->pair_with, "Gtr R.wav");
  EXPECT_EQ(to_string(find(r, "Bass DI.wav")->role), "bass");
  EXPECT_EQ(find(r, "Bass DI.wav")->role_source, "name");
  EXPECT_EQ(find(r, "Lead Vox.wav")->format.bit_depth, 32);
}

TEST(StemSet, EveryPlantedProblemIsFound) {
  testkit::TempDir d;
  // Reference stems: 24-bit, 48 kHz, 4 s.
  write(d / "Keys.wav", clean(523, 2, 5));
  // clipping: a sine driven past full scale.
  {
    auto s = testkit::sine(150.0, 4.0, kSeconds, kRate, 1);
    for (std::size_t i = 0; i < s.num_frames(); ++i) s.channel(0)[i] = std::clamp(s.channel(0)[i], -1.0f, 1.0f);
    write(d / "Clip Gtr.wav", s, SampleFormat::wav_float);
  }
  // silent
  write(d / "Empty Synth.wav", AudioBuffer(1, static_cast<std::size_t>(kSeconds * kRate)));
  // DC offset
  {
    auto s = clean(300, 1, 7);
    for (std::size_t i = 0; i < s.num_frames(); ++i) s.channel(0)[i] += 0.03f;
    write(d / "DC Piano.wav", s);
  }
  // dual mono: a stereo file with identical channels
  {
    auto m = clean(250, 1, 8);
    AudioBuffer s(2, m.num_frames());
    s.view().sub(0, m.num_frames());
    std::copy(m.channel(0), m.channel(0) + m.num_frames(), s.channel(0));
    std::copy(m.channel(0), m.channel(0) + m.num_frames(), s.channel(1));
    write(d / "Mono Strings.wav", s);
  }
  // low bit depth
  write(d / "Old Organ.wav", clean(196, 1, 9), SampleFormat::wav16);
  // lossy
  write(d / "Brass.ogg", clean(349, 1, 10), SampleFormat::vorbis);
  // rate mismatch (same 4 s at 44.1 kHz)
  write(d / "Pad 44k.wav", clean(262, 1, 11, kSeconds, 44100), SampleFormat::wav24, 44100);
  // length mismatch: 1.5 s short
  write(d / "Short Perc.wav", clean(600, 1, 12, kSeconds - 1.5));
  // polarity: snare top/bottom, bottom inverted and 0.6 ms late
  {
    auto top = testkit::noise(-14.0, kSeconds, kRate, 1, 13);
    for (std::size_t i = 0; i < top.num_frames(); ++i) {
      const double t = double(i) / kRate;
      const double env = std::exp(-std::fmod(t, 0.5) / 0.08);
      top.channel(0)[i] = static_cast<float>(env * (top.channel(0)[i] + 0.4 * std::sin(2 * M_PI * 190 * t)));
    }
    AudioBuffer bottom(1, top.num_frames());
    const std::size_t lag = 29;  // 0.6 ms
    for (std::size_t i = lag; i < top.num_frames(); ++i) bottom.channel(0)[i] = -0.7f * top.channel(0)[i - lag];
    write(d / "SN Top.wav", top);
    write(d / "SN Bottom.wav", bottom);
  }
  // duplicate up to gain
  {
    auto v = clean(440, 1, 14);
    write(d / "Lead Vox.wav", v);
    v.view().apply_gain(0.5f);
    write(d / "Lead Vox copy.wav", v);
  }
  // unlabeled
  write(d / "Audio 07.wav", clean(700, 1, 15));
  // unreadable among good ones
  std::ofstream(d / "Broken.wav") << "RIFF this is not audio";

  const auto r = check_stems(list_stems(d.path()), 2);
  EXPECT_TRUE(has(r, "Clip Gtr.wav", "clipping"));
  EXPECT_TRUE(has(r, "Empty Synth.wav", "silent"));
  EXPECT_TRUE(has(r, "DC Piano.wav", "dc_offset"));
  EXPECT_TRUE(has(r, "Mono Strings.wav", "dual_mono"));
  EXPECT_TRUE(has(r, "Old Organ.wav", "low_bit_depth"));
  EXPECT_TRUE(has(r, "Brass.ogg", "lossy_format"));
  EXPECT_TRUE(has(r, "Pad 44k.wav", "sample_rate_mismatch"));
  EXPECT_TRUE(has(r, "Short Perc.wav", "length_mismatch"));
  EXPECT_TRUE(has(r, "SN Bottom.wav", "polarity"));
  EXPECT_TRUE(has(r, "Lead Vox copy.wav", "duplicate"));
  EXPECT_TRUE(has(r, "Audio 07.wav", "unlabeled"));
  EXPECT_TRUE(has(r, "Broken.wav", "unreadable"));
  // Nothing else is blamed on the clean reference, and each problem is planted once.
  EXPECT_TRUE(codes_for(r, "Keys.wav").empty());
  EXPECT_EQ(codes_for(r, "DC Piano.wav"), std::vector<std::string>{"dc_offset"});
  EXPECT_EQ(codes_for(r, "Mono Strings.wav"), std::vector<std::string>{"dual_mono"});
  EXPECT_FALSE(has(r, "SN Top.wav", "polarity"));
  // The polarity message gives the offset.
  for (const auto& p : r.problems)
    if (p.code == "polarity") {
      EXPECT_NE(p.message.find("0.6 ms"), std::string::npos) << p.message;
    }
  // The unreadable and the silent stem are excluded, and the copy of the vocal (a mix leaves
  // it out: summed, the two would double the part); the others are still checked.
  EXPECT_FALSE(find(r, "Broken.wav")->readable);
  EXPECT_TRUE(find(r, "Empty Synth.wav")->excluded);
  EXPECT_EQ(find(r, "Lead Vox copy.wav")->excluded_reason, "duplicate");
  EXPECT_FALSE(find(r, "Lead Vox.wav")->excluded);
  EXPECT_EQ(r.usable(), r.stems.size() - 3);
  EXPECT_EQ(find(r, "Audio 07.wav")->role_source, "content");
  for (const auto& p : r.problems) {
    EXPECT_FALSE(p.message.empty());
    if (p.severity != Severity::info) {
      EXPECT_FALSE(p.fix.empty()) << p.code;
    }
  }
}

// A WAV whose data ends before its header says: the damage master and analyze refuse
// (io::reject_if_truncated). The check says so too, naming the stem, and the mix uses what is
// there; an intact stem beside it raises nothing.
TEST(StemSet, ATruncatedStemIsSaidToBeAndMixedAsFarAsItGoes) {
  testkit::TempDir d;
  write(d / "Organ.wav", clean(131, 2, 1));
  write(d / "whole.wav", clean(220, 2, 2));
  fs::copy_file(d / "whole.wav", d / "Keys.wav");
  fs::remove(d / "whole.wav");
  fs::resize_file(d / "Keys.wav", fs::file_size(d / "Keys.wav") / 2);
  const auto r = check_stems(list_stems(d.path()), 2);
  EXPECT_TRUE(codes_for(r, "Organ.wav").empty());
  const auto it = std::find_if(r.problems.begin(), r.problems.end(), [](const Problem& p) { return p.stem == "Keys.wav"; });
  ASSERT_NE(it, r.problems.end());
  EXPECT_EQ(it->code, "unreadable");
  EXPECT_EQ(it->severity, Severity::warning);
  EXPECT_NE(it->message.find("Keys.wav"), std::string::npos) << it->message;
  EXPECT_NE(it->message.find("truncated"), std::string::npos) << it->message;
  EXPECT_EQ(r.usable(), 2u);
}

TEST(StemSet, TheOnlyVocalPartIsTheLead) {
  testkit::TempDir d;
  write(d / "Vox.wav", clean(300, 1, 1, 1.0));
  write(d / "Vox Dbl.wav", clean(310, 1, 2, 1.0));
  write(d / "Gtr.wav", clean(200, 1, 3, 1.0));
  auto r = check_stems(list_stems(d.path()), 1);
  EXPECT_EQ(find(r, "Vox.wav")->role, Role::lead_vocal);
  EXPECT_EQ(find(r, "Vox Dbl.wav")->role, Role::lead_vocal);
  EXPECT_EQ(find(r, "Vox.wav")->pair_kind, "double");
  write(d / "Choir Vox.wav", clean(400, 1, 4, 1.0));
  write(d / "Verse Vox.wav", clean(500, 1, 5, 1.0));
  r = check_stems(list_stems(d.path()), 1);
  EXPECT_EQ(find(r, "Vox.wav")->role, Role::vocal);  // two vocal parts: which leads is unsaid
  EXPECT_EQ(find(r, "Choir Vox.wav")->role, Role::backing_vocal);
}

TEST(StemSet, SameResultForAnyThreadCount) {
  testkit::TempDir d;
  for (int i = 0; i < 4; ++i) write(d / ("Track " + std::to_string(i) + ".wav"), clean(100.0 + 90 * i, 2, 20 + i));
  const auto l = list_stems(d.path());
  const auto a = check_stems(l, 1);
  const auto b = check_stems(l, 3);
  ASSERT_EQ(a.stems.size(), b.stems.size());
  for (std::size_t i = 0; i < a.stems.size(); ++i) {
    EXPECT_TRUE(a.stems[i].features == b.stems[i].features);
    EXPECT_EQ(a.stems[i].role, b.stems[i].role);
  }
  EXPECT_EQ(a.problems, b.problems);
}

TEST(StemSet, NothingUsableIsRejected) {
  testkit::TempDir d;
  try {
    check_stem_source(d.path(), 1);
    ADD_FAILURE() << "an empty folder must be rejected";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::rejected);
  }
  std::ofstream(d / "readme.txt") << "no audio here";
  try {
    check_stem_source(d.path(), 1);
    ADD_FAILURE() << "a folder without audio must be rejected";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::rejected);
    EXPECT_NE(std::string(e.what()).find("no audio"), std::string::npos) << e.what();
  }
  std::ofstream(d / "bad.wav") << "garbage";
  try {
    check_stem_source(d.path(), 1);
    ADD_FAILURE() << "only unreadable files must be rejected";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::rejected);
  }
  EXPECT_THROW(check_stem_source(d / "missing", 1), Error);
  // One good file among bad ones is enough.
  write(d / "Kick.wav", clean(60, 1, 1, 1.0));
  const auto r = check_stem_source(d.path(), 1);
  EXPECT_EQ(r.usable(), 1u);
  EXPECT_TRUE(has(r, "bad.wav", "unreadable"));
}

TEST(StemSet, ReadsTheStemsOfASessionFile) {
  testkit::TempDir d;
  fs::create_directory(d / "audio");
  write(d / "audio" / "a.wav", clean(100, 1, 1, 1.0));
  write(d / "audio" / "b.wav", clean(200, 1, 2, 1.0));
  std::ofstream(d / "session.toml")
      << "[[stem]]\nname = \"a.wav\"\nfile = \"audio/a.wav\"\nrole = \"tom\"\n"
      << "[[stem]]\nname = \"b.wav\"\nfile = \"audio/b.wav\"\nrole = \"snare\"\n"
      << "[[stem]]\nname = \"gone.wav\"\nfile = \"audio/gone.wav\"\nrole = \"bass\"\n";
  const auto l = list_stems(d / "session.toml");
  ASSERT_TRUE(l.from_session);
  ASSERT_EQ(l.stems.size(), 3u);
  const auto r = check_stems(l, 1);
  EXPECT_EQ(r.stems[0].role, Role::tom);
  EXPECT_EQ(r.stems[0].role_source, "session");
  EXPECT_EQ(r.stems[1].role, Role::snare);
  EXPECT_TRUE(has(r, "gone.wav", "unreadable"));
  EXPECT_EQ(r.usable(), 2u);
}

// A hand-written session may give a stem's file alone: its name is the file's, and its role is
// found as for a folder of stems (from the name here), not taken as `other` from the session.
TEST(StemSet, ASessionStemWithNoNameOrRoleIsNamedAfterItsFileAndItsRoleFound) {
  testkit::TempDir d;
  write(d / "Bass.wav", clean(100, 1, 1, 1.0));
  write(d / "b.wav", clean(200, 1, 2, 1.0));
  std::ofstream(d / "session.toml") << "[[stem]]\nfile = \"Bass.wav\"\n"
                                    << "[[stem]]\nfile = \"b.wav\"\nname = \"Snare top\"\n";
  const auto l = list_stems(d / "session.toml");
  ASSERT_EQ(l.stems.size(), 2u);
  EXPECT_EQ(l.stems[0].name, "Bass.wav");
  EXPECT_FALSE(l.stems[0].session_role.has_value());
  const auto r = check_stems(l, 1);
  EXPECT_EQ(r.stems[0].role, Role::bass);
  EXPECT_EQ(r.stems[0].role_source, "name");
  EXPECT_EQ(r.stems[1].role, Role::snare);
  EXPECT_EQ(r.stems[1].role_source, "name");
  // Neither a file nor a name: refused, naming the session file and line.
  std::ofstream(d / "bad.toml") << "[[stem]]\nrole = \"bass\"\n";
  try {
    (void)list_stems(d / "bad.toml");
    ADD_FAILURE() << "accepted a stem with neither a file nor a name";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.toml:1"), std::string::npos) << e.what();
  }
}

// The corpus stems renamed "Audio NN": kit pieces and bass recognized from their sound.
TEST(StemSet, CorpusRolesFromSoundAlone) {
  const char* san = std::getenv("MIXDOWN_SANITIZED");
  if (san && std::string(san) == "1")
    GTEST_SKIP() << "decodes ~30 corpus stems; too slow under ASan/UBSan, covered by the Release run";
  const auto corpus = testkit::corpus_dir();
  if (!corpus) GTEST_SKIP() << "corpus not found (../shared/corpus or $MIXDOWN_CORPUS)";
  static const std::set<std::string> kSix = {"kick", "snare", "hihat", "tom", "cymbal", "bass"};
  int total = 0, right = 0;
  std::string misses;
  for (const auto& song : fs::directory_iterator(*corpus)) {
    if (!fs::exists(song.path() / "meta.json")) continue;
    std::ifstream in(song.path() / "meta.json");
    const auto meta = nlohmann::json::parse(in);
    testkit::TempDir d;
    std::map<std::string, std::string> truth;
    int n = 0;
    for (const auto& st : meta.at("stems")) {
      char name[32];
      std::snprintf(name, sizeof name, "Audio %02d.flac", ++n);
      fs::create_symlink(song.path() / st.at("file").get<std::string>(), d / name);
      truth[name] = st.at("role").get<std::string>();
    }
    const auto r = check_stems(list_stems(d.path()), 0);
    for (const auto& s : r.stems) {
      EXPECT_EQ(s.role_source, "content") << s.name;
      EXPECT_TRUE(has(r, s.name, "unlabeled")) << s.name;
      const std::string want = truth[s.name];
      if (!kSix.count(want)) continue;
      ++total;
      if (std::string(to_string(s.role)) == want) {
        ++right;
      } else {
        misses += " " + song.path().filename().string() + "/" + s.name + " (" + want + " heard as " +
                  std::string(to_string(s.role)) + ")";
      }
    }
  }
  ASSERT_GT(total, 10);
  const double rate = double(right) / total;
  std::printf("corpus roles from sound: %d of %d kit pieces and basses (%.0f%%)%s\n", right, total, 100 * rate,
              misses.c_str());
  EXPECT_GE(rate, 0.9) << misses;
}

// The check of a mix: the stems measured for it in the same read, kept in `cache` (or not).
StemCheckResult check_for_mix(const fs::path& dir, StemCache* cache) {
  CheckOptions opt;
  opt.analyse_for_mix = true;
  opt.cache = cache;
  return check_stem_source(dir, 2, {}, opt);
}

// The check's read measures the stems for the mix exactly as a separate read through the
// renderer's source would (same numbers, bit for bit): mono, stereo FLAC, 5.1 folded to
// stereo. A stem at another rate is left for the mix to read again (resampled), and
// `mixdown check` (no option) measures nothing for the mix.
TEST(StemSet, CheckReadMeasuresTheStemsForTheMixAsASeparateReadWould) {
  testkit::TempDir dir;
  write(dir / "01_kick.wav", clean(60.0, 1, 1));
  write(dir / "02_keys.flac", clean(440.0, 2, 2), SampleFormat::flac24);
  write(dir / "03_pad.wav", clean(330.0, 6, 3));
  write(dir / "04_guitar.wav", clean(220.0, 2, 4), SampleFormat::wav24, 44100);
  // Without and with the decode cache: with it, a stereo stem is measured in stereo from the
  // kept copy once the read has shown its channels differ.
  StemCache cache(std::size_t{1} << 30);
  for (StemCache* kept : {static_cast<StemCache*>(nullptr), &cache}) {
    const auto res = check_for_mix(dir.path(), kept);
    ASSERT_EQ(res.session_rate, kRate);
    for (const char* name : {"01_kick.wav", "02_keys.flac", "03_pad.wav"}) {
      const StemResult* s = find(res, name);
      ASSERT_TRUE(s && s->mix_analysis) << name;
      EXPECT_EQ(s->mix_analysis_rate, kRate);
      FileStemSource src(s->path, kRate, false);
      analysis::StemAnalyzer an(kRate, src.channels());
      AudioBuffer block(src.channels(), 1 << 15);
      for (std::int64_t pos = 0; pos < src.frames(); pos += static_cast<std::int64_t>(block.num_frames())) {
        const auto n = static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(block.num_frames()), src.frames() - pos));
        src.read(block.view(n));
        an.add(block.view(n));
      }
      const auto separate = an.finish();
      EXPECT_EQ(s->mix_analysis->channels, src.channels()) << name;
      EXPECT_TRUE(*s->mix_analysis == separate) << name;
    }
    EXPECT_FALSE(find(res, "04_guitar.wav")->mix_analysis);
  }
  ASSERT_TRUE(cache.find(dir / "02_keys.flac")) << "the stereo stem was kept, so its stereo measurement came from the copy";
  const auto plain = check_stem_source(dir.path(), 2);
  for (const auto& s : plain.stems) EXPECT_FALSE(s.mix_analysis) << s.name;
}

// A dual-mono stem is measured folded to mono in the check's read as well, exactly as the
// mix's separate folded read would (so it needs no second read); a true stereo stem is not.
TEST(StemSet, CheckReadMeasuresADualMonoStemFoldedAsTheMixReadsIt) {
  testkit::TempDir dir;
  AudioBuffer dual = clean(440.0, 1, 7);
  AudioBuffer both(2, dual.num_frames());
  for (int c = 0; c < 2; ++c) std::copy_n(dual.channel(0), dual.num_frames(), both.channel(c));
  write(dir / "01_synth.flac", both, SampleFormat::flac24);
  write(dir / "02_keys.wav", clean(220.0, 2, 8));
  // Without and with the decode cache: with it, the dual-mono stem's stereo measurement is
  // never taken (the mix reads the folded one).
  StemCache cache(std::size_t{1} << 30);
  for (StemCache* kept : {static_cast<StemCache*>(nullptr), &cache}) {
    const auto res = check_for_mix(dir.path(), kept);
    const StemResult* s = find(res, "01_synth.flac");
    ASSERT_TRUE(s && s->features.dual_mono);
    ASSERT_TRUE(s->mix_analysis_folded);
    FileStemSource src(s->path, kRate, true);
    ASSERT_EQ(src.channels(), 1);
    analysis::StemAnalyzer an(kRate, 1);
    AudioBuffer block(1, 1 << 15);
    for (std::int64_t pos = 0; pos < src.frames(); pos += static_cast<std::int64_t>(block.num_frames())) {
      const auto n = static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(block.num_frames()), src.frames() - pos));
      src.read(block.view(n));
      an.add(block.view(n));
    }
    const auto separate = an.finish();
    EXPECT_EQ(s->mix_analysis_folded->channels, 1);
    EXPECT_EQ(s->mix_analysis_folded->frames, src.frames());
    EXPECT_TRUE(*s->mix_analysis_folded == separate);
    if (kept) {
      EXPECT_FALSE(s->mix_analysis) << "a dual-mono stem kept in the cache is not measured in stereo";
    } else {
      ASSERT_TRUE(s->mix_analysis);
      EXPECT_FALSE(*s->mix_analysis == separate) << "the stereo measurement is another one";
    }
    const StemResult* k = find(res, "02_keys.wav");
    ASSERT_TRUE(k && k->mix_analysis);
    EXPECT_EQ(k->mix_analysis->channels, 2);
    EXPECT_FALSE(k->features.dual_mono);
    EXPECT_FALSE(k->mix_analysis_folded);
  }
}

// Audio in a sub-folder is not read but said (a kit in Drums/ left out unannounced was a part
// missing from the mix); a mixdown output folder inside the stems is not stems. With no audio
// in the folder itself, the refusal points at the sub-folder.
TEST(StemSet, AudioInASubfolderIsSaid) {
  testkit::TempDir dir;
  write(dir / "Keys.wav", clean(220.0, 2, 3));
  fs::create_directories(dir / "Drums");
  write(dir / "Drums" / "Kick.wav", clean(60.0, 1, 4));
  write(dir / "Drums" / "Snare.wav", clean(200.0, 1, 5));
  fs::create_directories(dir / "mixed");
  write(dir / "mixed" / "mix.wav", clean(220.0, 2, 6));
  std::ofstream(dir / "mixed" / "session.toml") << "# a mixdown output\n";
  const auto res = check_stem_source(dir.path(), 2);
  int said = 0;
  for (const auto& p : res.problems)
    if (p.code == "stems_in_subfolder") {
      ++said;
      EXPECT_NE(p.message.find("Drums/ holds 2 audio files"), std::string::npos) << p.message;
    }
  EXPECT_EQ(said, 1);
  EXPECT_EQ(res.stems.size(), 1u);
  fs::remove(dir / "Keys.wav");
  try {
    check_stem_source(dir.path(), 2);
    FAIL() << "expected a refusal";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Drums/ holds 2"), std::string::npos) << e.what();
  }
}

// The reads start longest first; equal costs keep their order.
TEST(StemSet, ReadsStartLongestFirst) {
  EXPECT_EQ(longest_first({10, 30, 20, 30, 0}), (std::vector<std::size_t>{1, 3, 2, 0, 4}));
  EXPECT_TRUE(longest_first({}).empty());
  EXPECT_GT(read_cost(1000, 2), read_cost(1000, 1));
  EXPECT_GT(read_cost(2000, 1), read_cost(1000, 1));
  EXPECT_EQ(read_cost(-1, 2), 0);
}

// Reordered reads still land in each stem's own slot, and the result does not depend on the
// thread count: the short stems listed first are read last.
TEST(StemSet, CheckResultsStayInListingOrderWhateverTheReadOrder) {
  testkit::TempDir dir;
  write(dir / "01_shaker.wav", clean(880.0, 1, 11, 1.0));
  write(dir / "02_bell.wav", clean(660.0, 1, 12, 1.5));
  write(dir / "03_keys.wav", clean(440.0, 2, 13, 3.0));
  write(dir / "04_pad.flac", clean(330.0, 2, 14, 2.0), SampleFormat::flac24);
  CheckOptions opt;
  opt.analyse_for_mix = true;
  const auto one = check_stem_source(dir.path(), 1, {}, opt);
  const auto two = check_stem_source(dir.path(), 2, {}, opt);
  const std::vector<std::pair<std::string, std::int64_t>> want{
      {"01_shaker.wav", 48000}, {"02_bell.wav", 72000}, {"03_keys.wav", 144000}, {"04_pad.flac", 96000}};
  for (const auto* r : {&one, &two}) {
    ASSERT_EQ(r->stems.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      const StemResult& s = r->stems[i];
      EXPECT_EQ(s.name, want[i].first);
      EXPECT_EQ(s.features.frames, want[i].second) << s.name;
      ASSERT_TRUE(s.mix_analysis) << s.name;
      EXPECT_EQ(s.mix_analysis->frames, want[i].second) << s.name;
    }
  }
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_TRUE(one.stems[i].mix_analysis == two.stems[i].mix_analysis) << one.stems[i].name;
    EXPECT_EQ(one.stems[i].features.rms_dbfs, two.stems[i].features.rms_dbfs) << one.stems[i].name;
    EXPECT_EQ(one.stems[i].role, two.stems[i].role) << one.stems[i].name;
  }
}

// A float stem holding one absurd sample (a corrupt export: +60 dBFS in a part peaking at
// -8 dBFS) is read again with that sample as silence: its measurements, the cache and a file
// source given the ceiling all see the stem without it, and the check says so. Without the
// repair the one sample set the stem's loudness and the mix's peak. A float stem written at
// integer scale (every sample a thousand times full scale) is left as it is.
TEST(StemSet, AnIsolatedAbsurdSampleInAFloatStemReadsAsSilence) {
  testkit::TempDir dir;
  AudioBuffer part = clean(220.0, 2, 7);
  AudioBuffer spiked = clean(220.0, 2, 7);
  spiked.channel(0)[kRate] = 1.0e6f;
  write_raw_float(dir / "01_keys.wav", spiked);
  write_raw_float(dir / "02_bass.wav", clean(55.0, 1, 8));
  AudioBuffer loud = clean(330.0, 1, 9);
  for (std::size_t i = 0; i < loud.num_frames(); ++i) loud.channel(0)[i] *= 1000.0f;
  write_raw_float(dir / "03_lead.wav", loud);
  testkit::TempDir clean_dir;
  part.channel(0)[kRate] = 0.0f;  // as the repaired stem reads
  write_raw_float(clean_dir / "01_keys.wav", part);
  StemCache cache(std::size_t{1} << 30);
  for (StemCache* kept : {static_cast<StemCache*>(nullptr), &cache}) {
    const auto res = check_for_mix(dir.path(), kept);
    const StemResult* s = find(res, "01_keys.wav");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->spike_samples, 1);
    EXPECT_NEAR(20.0 * std::log10(double(s->spike_ceiling)), analysis::kSpikeMarginDb, 0.01);
    EXPECT_TRUE(has(res, "01_keys.wav", "spike_samples"));
    EXPECT_FALSE(has(res, "01_keys.wav", "clipping"));
    const auto reference = check_for_mix(clean_dir.path(), nullptr);
    const StemResult* c = find(reference, "01_keys.wav");
    ASSERT_TRUE(c && c->mix_analysis && s->mix_analysis);
    EXPECT_EQ(s->features.peak_dbfs, c->features.peak_dbfs);
    EXPECT_TRUE(*s->mix_analysis == *c->mix_analysis) << "measured as the stem without its spike";
    for (const char* other : {"02_bass.wav", "03_lead.wav"}) {
      EXPECT_EQ(find(res, other)->spike_ceiling, 0.0f) << other;
      EXPECT_FALSE(has(res, other, "spike_samples")) << other;
    }
  }
  // The render's sources: from the cache (what the check read) and from the file with the
  // ceiling give the stem without the spike; from the file without it, the spike is there.
  const float ceiling = static_cast<float>(std::pow(10.0, analysis::kSpikeMarginDb / 20.0));
  for (const StemCache* from : {static_cast<const StemCache*>(&cache), static_cast<const StemCache*>(nullptr)}) {
    const auto src = open_stem_source(dir / "01_keys.wav", kRate, false, from, ceiling);
    AudioBuffer b(2, part.num_frames());
    src->read(b.view());
    EXPECT_EQ(b.channel(0)[kRate], 0.0f);
    EXPECT_EQ(b.channel(0)[kRate + 1], part.channel(0)[kRate + 1]);
  }
  FileStemSource raw(dir / "01_keys.wav", kRate, false);
  AudioBuffer b(2, part.num_frames());
  raw.read(b.view());
  EXPECT_GT(b.channel(0)[kRate], 100.0f);
}
