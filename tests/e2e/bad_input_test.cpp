// The bad-input suite (issue 9): what musicians' DAWs and hands really send, through the real
// binary ($MIXDOWN_BIN). Every case asserts the exit status (0 valid, 2 usage, 3 rejected) and,
// on failure, ONE line on stderr naming the file and the problem; that the inputs are
// byte-identical afterwards; that a failed run leaves nothing under the output folder; and that
// a successful run's audio has no NaN and no sample at full scale, its JSON parses.
// Fixtures are written with libsndfile (never by hand) except where the case is a damaged file.
// Its own binary, bad_input_tests (labels "e2e" and "badinput"), which the ASan+UBSan pass runs
// against the sanitized binary.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../support/testing.hpp"

namespace mixdown {
namespace {

namespace fs = std::filesystem;

std::string bin() { return testkit::mixdown_bin(); }

std::string sh_quote(const std::string& s) { return testkit::shell_quote(s); }

using testkit::slurp;

// FNV-1a 64 of every regular file under a folder: the "inputs untouched" witness.
std::map<std::string, std::uint64_t> fingerprint(const fs::path& dir) {
  std::map<std::string, std::uint64_t> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    std::error_code ec;  // a link that leads nowhere (or in a loop) is no file to compare
    if (!e.is_regular_file(ec)) continue;
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : slurp(e.path())) h = (h ^ c) * 1099511628211ull;
    out[fs::relative(e.path(), dir).string()] = h;
  }
  return out;
}

struct RunResult {
  int code = -1;
  std::string out, err;
};

// Writes `frames` frames of `gen(frame, channel)` with libsndfile in `format`.
void write_audio(const fs::path& p, int format, int rate, int channels, std::int64_t frames,
                 const std::function<double(std::int64_t, int)>& gen,
                 const std::function<void(SNDFILE*)>& before_data = {}) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(p.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr) << p << ": " << sf_strerror(nullptr);
  if (before_data) before_data(f);
  if ((format & SF_FORMAT_SUBMASK) == SF_FORMAT_FLOAT || (format & SF_FORMAT_SUBMASK) == SF_FORMAT_DOUBLE) {
    int no = SF_FALSE;  // keep ±1e6 as written
    sf_command(f, SFC_SET_NORM_DOUBLE, &no, 0);
    sf_command(f, SFC_SET_NORM_FLOAT, &no, 0);
  }
  std::vector<double> block(static_cast<std::size_t>(channels) * 4096);
  for (std::int64_t pos = 0; pos < frames;) {
    const std::int64_t n = std::min<std::int64_t>(4096, frames - pos);
    for (std::int64_t i = 0; i < n; ++i)
      for (int c = 0; c < channels; ++c) block[static_cast<std::size_t>(i * channels + c)] = gen(pos + i, c);
    ASSERT_EQ(sf_writef_double(f, block.data(), n), n);
    pos += n;
  }
  sf_close(f);
}

// A musical-enough test signal: a decaying tone burst every half second plus low noise.
// `part` sets the tone's pitch (a semitone a step) and the noise's seed, so the stems of a
// test folder are different parts, not copies of one file (which a mix leaves out).
// A sound file's frame count and sample peak (-1 when it cannot be opened).
std::pair<std::int64_t, float> frames_and_peak(const fs::path& p) {
  SF_INFO info{};
  SNDFILE* f = sf_open(p.c_str(), SFM_READ, &info);
  if (!f) return {-1, -1.0f};
  std::vector<float> buf(static_cast<std::size_t>(info.channels) * 8192);
  float peak = 0.0f;
  sf_count_t n;
  while ((n = sf_readf_float(f, buf.data(), 8192)) > 0)
    for (sf_count_t i = 0; i < n * info.channels; ++i) peak = std::max(peak, std::fabs(buf[static_cast<std::size_t>(i)]));
  sf_close(f);
  return {info.frames, peak};
}

double music(std::int64_t i, int c, int rate, double amp = 0.3, int part = 0) {
  const double t = double(i) / rate;
  const double env = std::exp(-6.0 * std::fmod(t, 0.5));
  const double noise = std::sin(double(i) * 12.9898 + c * 78.233 + part * 39.425) * 43758.5453;
  const double hz = (220.0 + 110.0 * c) * std::pow(2.0, part / 12.0);
  return amp * (env * std::sin(2 * M_PI * hz * t) + 0.05 * (noise - std::floor(noise) - 0.5));
}

class BadInput : public ::testing::Test {
protected:
  void SetUp() override {
    if (!fs::exists(bin())) GTEST_SKIP() << "no mixdown binary at " << bin() << " (set MIXDOWN_BIN)";
    in_ = dir_ / "in put é";
    out_ = dir_ / "out";
    fs::create_directories(in_);
  }

  fs::path wav(const std::string& name, int rate = 48000, int channels = 2, double seconds = 3.0,
               int format = SF_FORMAT_WAV | SF_FORMAT_PCM_24) {
    const auto p = in_ / name;
    const int part = static_cast<int>(std::hash<std::string>{}(name) % 12);
    write_audio(p, format, rate, channels, static_cast<std::int64_t>(seconds * rate),
                [&](std::int64_t i, int c) { return music(i, c, rate, 0.3, part); });
    return p;
  }

  RunResult run(const std::vector<std::string>& args) {
    before_ = fingerprint(in_);
    std::string cmd = sh_quote(bin());
    for (const auto& a : args) cmd += " " + sh_quote(a);
    RunResult r;
    r.code = testkit::run_command(cmd, &r.out, &r.err);
    EXPECT_EQ(fingerprint(in_), before_) << "an input changed: " << cmd;
    return r;
  }

  // Keys and a bass, 10 s, in the input folder, and their mix in OUT/plain (no master): the
  // mix a stem added next must leave as it is.
  void keys_and_bass_mixed_plain() {
    write_audio(in_ / "Keys.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 10,
                [](std::int64_t i, int c) { return music(i, c, 48000, 0.3, 4); });
    write_audio(in_ / "Bass.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 1, 48000 * 10,
                [](std::int64_t i, int c) { return music(i, c, 48000, 0.4, 13); });
    const auto plain = run({"mix", in_.string(), "-o", (out_ / "plain").string(), "--quiet", "--no-master"});
    ASSERT_EQ(plain.code, 0) << plain.err;
  }

  // `check --json` of the input folder reports exactly one problem of `code`, on `stem`, with
  // `words` in its message.
  void expect_one_problem(const std::string& code, const std::string& stem, const std::string& words) {
    const auto check = run({"check", in_.string(), "--json", "-"});
    ASSERT_EQ(check.code, 0) << check.err;
    const auto report = nlohmann::json::parse(check.out);
    int found = 0;
    for (const auto& p : report.at("problems"))
      if (p.at("code") == code) {
        ++found;
        EXPECT_EQ(p.at("stem"), stem);
        EXPECT_NE(p.at("message").get<std::string>().find(words), std::string::npos) << p.at("message");
      }
    EXPECT_EQ(found, 1) << code << " in " << check.out;
  }

  // A refusal: the status, exactly one line on stderr holding every `needles` entry, and
  // nothing left in the output folder.
  void expect_refusal(const RunResult& r, int code, const std::vector<std::string>& needles) {
    EXPECT_EQ(r.code, code) << "stderr: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: [" << r.err << "]";
    EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n') << r.err;
    for (const auto& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << "no \"" << n << "\" in: " << r.err;
    expect_nothing_left(out_);
  }

  static void expect_nothing_left(const fs::path& out) {
    if (!fs::exists(out)) return;
    for (const auto& e : fs::recursive_directory_iterator(out)) {
      std::error_code ec;
      EXPECT_FALSE(e.is_regular_file(ec)) << "left behind after a failure: " << e.path();
    }
  }

  // A success: status 0, every WAV readable to its declared length with finite samples below
  // full scale, every JSON parses. Returns the number of audio files checked.
  int expect_clean_outputs(const RunResult& r, const fs::path& out) {
    EXPECT_EQ(r.code, 0) << "stderr: " << r.err;
    int files = 0;
    if (!fs::exists(out)) return 0;
    for (const auto& e : fs::recursive_directory_iterator(out)) {
      if (!e.is_regular_file()) continue;
      const auto name = e.path().filename().string();
      EXPECT_NE(name.front(), '.') << "temporary left behind: " << e.path();
      if (e.path().extension() == ".json") {
        EXPECT_TRUE(nlohmann::json::accept(slurp(e.path()))) << e.path();
      } else if (e.path().extension() == ".wav") {
        ++files;
        SF_INFO info{};
        SNDFILE* f = sf_open(e.path().c_str(), SFM_READ, &info);
        EXPECT_NE(f, nullptr) << e.path() << " unreadable";
        if (!f) continue;
        std::vector<float> buf(static_cast<std::size_t>(info.channels) * 8192);
        sf_count_t n, total = 0;
        std::int64_t bad = 0, clipped = 0;
        while ((n = sf_readf_float(f, buf.data(), 8192)) > 0) {
          for (sf_count_t i = 0; i < n * info.channels; ++i) {
            const float x = buf[static_cast<std::size_t>(i)];
            if (!std::isfinite(x)) ++bad;
            else if (std::fabs(x) >= 0.99999f) ++clipped;
          }
          total += n;
        }
        sf_close(f);
        EXPECT_EQ(total, info.frames) << e.path() << " shorter than its header";
        EXPECT_EQ(bad, 0) << e.path() << " has non-finite samples";
        EXPECT_EQ(clipped, 0) << e.path() << " has samples at full scale";
      }
    }
    return files;
  }

  void master_ok(const fs::path& file) {
    const auto r = run({"master", file.string(), "-o", out_.string(), "--quiet"});
    EXPECT_GE(expect_clean_outputs(r, out_), 2);
    EXPECT_TRUE(fs::exists(out_ / "masters" / "streaming.wav"));
  }

  testkit::TempDir dir_;
  fs::path in_, out_;
  std::map<std::string, std::uint64_t> before_;
};

// ---- damaged and odd files -------------------------------------------------------------------

TEST_F(BadInput, EmptyFile) {
  const auto p = in_ / "empty.wav";
  std::ofstream(p).close();
  expect_refusal(run({"master", p.string(), "-o", out_.string()}), 3, {"empty.wav", "empty"});
}

TEST_F(BadInput, EmptyFileAnalyze) {
  const auto p = in_ / "empty.flac";
  std::ofstream(p).close();
  expect_refusal(run({"analyze", p.string()}), 3, {"empty.flac"});
}

// A loop of symbolic links: every command that takes the file names it and says why, in one
// line (master, translate and album printed the library's "filesystem error: status: ..." text).
TEST_F(BadInput, ALoopOfSymbolicLinks) {
  fs::create_symlink("b.wav", in_ / "a.wav");
  fs::create_symlink("a.wav", in_ / "b.wav");
  const std::string a = (in_ / "a.wav").string();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"master", a, "-o", out_.string()}, {"translate", a, "-o", out_.string()},
        {"album", a, "-o", out_.string()}, {"analyze", a}}) {
    SCOPED_TRACE(args[0]);
    expect_refusal(run(args), 3, {"a.wav", "symbolic links"});
  }
  EXPECT_FALSE(fs::exists(out_ / "masters"));
}

TEST_F(BadInput, TruncatedHeaderLongerThanData) {
  const auto full = wav("full.wav");
  const auto bytes = slurp(full);
  fs::remove(full);
  std::ofstream(in_ / "cut.wav", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 3));
  expect_refusal(run({"master", (in_ / "cut.wav").string(), "-o", out_.string()}), 3, {"cut.wav", "truncated"});
}

// A FLAC cut short opens whole (its header keeps the full length) and ends early: analyze
// refused it, master, translate and album made a shorter master of part of it (exit 0).
TEST_F(BadInput, FlacCutShortIsRefusedByEveryCommand) {
  const auto full = wav("full.flac", 48000, 2, 6.0, SF_FORMAT_FLAC | SF_FORMAT_PCM_24);
  const auto bytes = slurp(full);
  fs::remove(full);
  const std::string cut = (in_ / "cut.flac").string();
  std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 2000));
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"master", cut, "-o", out_.string()}, {"translate", cut, "-o", out_.string()},
        {"album", cut, "-o", out_.string()}, {"analyze", cut}}) {
    SCOPED_TRACE(args[0]);
    expect_refusal(run(args), 3, {"cut.flac", "truncated"});
  }
}

TEST_F(BadInput, RandomBytesWithAudioExtension) {
  std::string junk(20000, '\0');
  std::uint64_t s = 42;
  for (auto& c : junk) c = static_cast<char>((s = s * 6364136223846793005ull + 1442695040888963407ull) >> 56);
  std::ofstream(in_ / "noise.wav", std::ios::binary) << junk;
  expect_refusal(run({"master", (in_ / "noise.wav").string(), "-o", out_.string()}), 3, {"noise.wav", "not a readable audio file"});
}

TEST_F(BadInput, RandomBytesAsFlacInAMixFolder) {
  wav("Keys.wav");
  std::ofstream(in_ / "Bass.flac", std::ios::binary) << std::string(5000, '\x7f');
  std::ofstream(in_ / "Vox.wav").close();  // empty
  // The mix goes on without the unreadable stems, and says so on stderr even when quiet: one
  // line each, naming the stem and that it is left out (before, only report.json said it).
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--no-master"});
  expect_clean_outputs(r, out_);
  EXPECT_NE(slurp(out_ / "report.json").find("Bass.flac"), std::string::npos);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;
  for (const char* stem : {"Bass.flac: not a readable audio file", "Vox.wav: empty file"}) {
    const auto at = r.err.find(stem);
    ASSERT_NE(at, std::string::npos) << r.err;
    EXPECT_NE(r.err.substr(at, r.err.find('\n', at) - at).find("left out of the mix"), std::string::npos) << r.err;
  }
  // versions/stems/ holds one file per input stem (INTERFACE.md): the two left out are there as
  // silence, as long as the mix, and report.json's outputs say they were left out.
  const auto [mix_frames, mix_peak] = frames_and_peak(out_ / "mix.wav");
  EXPECT_GT(mix_peak, 0.0f);
  for (const char* name : {"Bass.wav", "Vox.wav"}) {
    const auto [frames, peak] = frames_and_peak(out_ / "versions" / "stems" / name);
    EXPECT_EQ(frames, mix_frames) << name;
    EXPECT_EQ(peak, 0.0f) << name;
  }
  const auto report = nlohmann::json::parse(slurp(out_ / "report.json"));
  int left_out = 0;
  for (const auto& o : report["outputs"])
    if (o.value("left_out", false)) {
      ++left_out;
      EXPECT_EQ(o["kind"], "stem");
    }
  EXPECT_EQ(left_out, 2);
}

// A copy whose name differs from the stem's only in case ("kick.WAV" beside "Kick.wav") is left
// out and printed as silence under a name no file system confuses with the mixed kick's
// (Kick.wav and kick.wav are one file on macOS and Windows); a re-render of the session says
// which file stands for it.
TEST_F(BadInput, ALeftOutCopyNamedLikeAMixedStemInAnotherCase) {
  wav("Keys.wav");
  const auto kick = wav("Kick.wav");
  fs::copy_file(kick, in_ / "kick.WAV");
  auto r = run({"mix", in_.string(), "-o", out_.string(), "--no-master"});
  expect_clean_outputs(r, out_);
  std::vector<std::string> printed;
  for (const auto& e : fs::directory_iterator(out_ / "versions" / "stems")) printed.push_back(e.path().filename().string());
  std::sort(printed.begin(), printed.end());
  ASSERT_EQ(printed.size(), 3u);
  std::set<std::string> folded;
  for (auto n : printed) {
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    folded.insert(n);
  }
  EXPECT_EQ(folded.size(), 3u) << printed[0] << " " << printed[1] << " " << printed[2];
  const std::string left = r.out.substr(r.out.find(": left out"));
  const auto silent = left.substr(left.find("versions/stems/"), left.find(" holds it") - left.find("versions/stems/"));
  EXPECT_EQ(frames_and_peak(out_ / silent).second, 0.0f) << r.out;
  // Rendered again from its session, the left-out stem is printed and said again.
  r = run({"mix", (out_ / "session.toml").string(), "-o", (dir_ / "again").string(), "--no-master"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(silent + " holds it as silence"), std::string::npos) << r.out;
  EXPECT_EQ(frames_and_peak(dir_ / "again" / silent).second, 0.0f);
}

// Kick.wav and Kick.flac side by side: the user's Kick.wav is printed as Kick.wav, the FLAC as
// Kick-2.wav (the FLAC, first in the folder, had taken the name). Told apart by length: the WAV
// plays 10 s, the FLAC 5 s, so the WAV's print still sounds at 9 s.
TEST_F(BadInput, AStemNamedDotWavKeepsItsNameBesideOneOfAnotherFormat) {
  wav("Keys.wav", 48000, 2, 10.0);
  wav("Kick.wav", 48000, 1, 10.0);
  wav("Kick.flac", 48000, 1, 5.0, SF_FORMAT_FLAC | SF_FORMAT_PCM_24);
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--no-master"});
  expect_clean_outputs(r, out_);
  const auto late_peak = [](const fs::path& p) {
    SF_INFO info{};
    SNDFILE* f = sf_open(p.c_str(), SFM_READ, &info);
    if (!f) return -1.0f;
    sf_seek(f, 9 * info.samplerate, SEEK_SET);
    std::vector<float> buf(static_cast<std::size_t>(info.channels) * static_cast<std::size_t>(info.samplerate / 2));
    const sf_count_t n = sf_readf_float(f, buf.data(), info.samplerate / 2);
    sf_close(f);
    float peak = 0.0f;
    for (sf_count_t i = 0; i < n * info.channels; ++i) peak = std::max(peak, std::fabs(buf[static_cast<std::size_t>(i)]));
    return peak;
  };
  const auto stems = out_ / "versions" / "stems";
  ASSERT_TRUE(fs::exists(stems / "Kick.wav"));
  ASSERT_TRUE(fs::exists(stems / "Kick-2.wav"));
  EXPECT_GT(late_peak(stems / "Kick.wav"), 0.01f);    // the 10 s WAV
  EXPECT_LT(late_peak(stems / "Kick-2.wav"), 0.001f);  // the 5 s FLAC, over by then
  const auto report = nlohmann::json::parse(slurp(out_ / "report.json"));
  int named = 0;
  for (const auto& o : report["outputs"])
    if (o.value("name", "") == "Kick.wav") {
      EXPECT_EQ(o["file"], "versions/stems/Kick.wav") << o.dump();
      ++named;
    }
  EXPECT_EQ(named, 1) << report["outputs"].dump();
}

// A Broadcast WAV (.bwf) and a WAV without an extension are stems; an M4A is a stem mixdown
// cannot read, said as such: none vanishes from the mix as "not audio".
TEST_F(BadInput, StemsByContentAndUnreadAudioFormatsAreNotPassedOver) {
  wav("Keys.wav");
  wav("Piano.bwf");
  wav("hihat");
  std::ofstream(in_ / "Lead Vocal.m4a", std::ios::binary) << std::string(5000, '\x11');
  std::ofstream(in_ / "notes.txt") << "take 3\n";
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--no-master"});
  expect_clean_outputs(r, out_);
  EXPECT_TRUE(fs::exists(out_ / "versions" / "stems" / "Piano.wav"));
  EXPECT_TRUE(fs::exists(out_ / "versions" / "stems" / "hihat.wav"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("Lead Vocal.m4a: AAC/ALAC (M4A) is not a format mixdown reads"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("notes.txt"), std::string::npos) << r.err;
}

// Samples that are not numbers are read as silence, and said: master's QC (an error, so
// --strict refuses), and a mix names the stem on stderr.
TEST_F(BadInput, NotANumberSamplesAreSaid) {
  const auto p = in_ / "nan mix.wav";
  write_audio(p, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 2, 48000 * 6, [](std::int64_t i, int c) {
    return i >= 48000 * 4 && i < 48000 * 4 + 100 ? std::nan("") : music(i, c, 48000);
  });
  auto r = run({"master", p.string(), "-o", out_.string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto report = nlohmann::json::parse(slurp(out_ / "report.json"));
  bool said = false;
  for (const auto& q : report["problems"]) said |= q["code"] == "nonfinite_samples" && q["severity"] == "error";
  EXPECT_TRUE(said) << report["problems"].dump();
  fs::remove_all(out_);
  expect_refusal(run({"master", p.string(), "-o", out_.string(), "--strict"}), 3, {"nan mix.wav", "not numbers"});

  const fs::path stems = dir_ / "stems";
  fs::create_directories(stems);
  fs::copy_file(p, stems / "Keys.wav");
  write_audio(stems / "Bass.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 1, 48000 * 6, [](std::int64_t i, int c) { return music(i, c, 48000); });
  const fs::path mixed = dir_ / "mixed";
  r = run({"mix", stems.string(), "-o", mixed.string(), "--quiet", "--no-master"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("Keys.wav holds 200 samples that are not numbers"), std::string::npos) << r.err;
}

// Output and argument mistakes get a sentence, not a library's exception text; a file too short
// for one loudness block is called too short, not silent.
TEST_F(BadInput, OutputThatIsAFileAndOtherSmallMistakesAreSaidPlainly) {
  const auto mix = in_ / "mix.wav";
  write_audio(mix, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 3, [](std::int64_t i, int c) { return music(i, c, 48000); });
  const auto file = dir_ / "a file";
  std::ofstream(file) << "not a folder\n";
  for (const char* cmd : {"translate", "album"}) {
    const auto r = run({cmd, mix.string(), "-o", file.string()});
    EXPECT_NE(r.code, 0) << cmd;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << cmd << ": " << r.err;
    EXPECT_NE(r.err.find("a file: is a file where the output needs a folder"), std::string::npos) << cmd << ": " << r.err;
    EXPECT_EQ(r.err.find("filesystem error"), std::string::npos) << cmd << ": " << r.err;
  }
  // A file in the way inside the output folder (OUT/masters) is the one named, not OUT.
  fs::create_directories(dir_ / "mf");
  std::ofstream(dir_ / "mf" / "masters") << "";
  const auto mf = run({"master", mix.string(), "-o", (dir_ / "mf").string(), "--quiet"});
  EXPECT_NE(mf.code, 0);
  EXPECT_NE(mf.err.find("mf/masters: is a file where the output needs a folder"), std::string::npos) << mf.err;
  expect_refusal(run({"revise", file.string(), "--note", "more bass"}), 3, {"a file", "is a file"});
  EXPECT_EQ(run({"revise", out_.string(), "--back", "-1"}).code, 2);
  const auto tiny = in_ / "tiny.wav";
  write_audio(tiny, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 1, 100, [](std::int64_t i, int) { return 0.5 * std::sin(double(i) / 5.0); });
  expect_refusal(run({"translate", tiny.string(), "-o", out_.string()}), 3, {"tiny.wav", "too short"});
  expect_refusal(run({"master", mix.string(), "--reference", tiny.string(), "-o", out_.string()}), 3, {"tiny.wav", "too short"});
  // Half a second of music is a chord, not a tonal balance to match (it put a comb of ±6 dB
  // bells a sixth of an octave apart into the master).
  const auto chord = in_ / "chord.wav";
  write_audio(chord, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 24000, [](std::int64_t i, int c) { return music(i, c, 48000); });
  expect_refusal(run({"master", mix.string(), "--reference", chord.string(), "-o", out_.string()}), 3,
                 {"chord.wav", "0.5 s long"});
  // An option given twice is said in words (CLI11: "At Most 1 required but received 2").
  expect_refusal(run({"master", mix.string(), "-o", out_.string(), "-o", (out_ / "x").string()}), 2,
                 {"--out", "given 2 times; give it once"});
}

// A mix written into a folder that holds another song's outputs replaces them: no target, stem
// or revision of the earlier song is left beside the new one, and the run says what it removed.
// The revisions of the same mix, mixed again, stay.
TEST_F(BadInput, MixIntoAnEarlierMixFolderLeavesNothingOfTheEarlierSong) {
  wav("Keys.wav", 48000, 2, 2.0);
  wav("Bass.wav", 48000, 1, 2.0);
  ASSERT_EQ(run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--target", "cd"}).code, 0);
  ASSERT_EQ(run({"revise", out_.string(), "--note", "more bass", "--quiet"}).code, 0);
  ASSERT_TRUE(fs::exists(out_ / "rev-2"));
  // The same stems mixed again: the revisions descend from this mix and stay.
  auto r = run({"mix", in_.string(), "-o", out_.string(), "--target", "cd"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(out_ / "rev-2"));
  EXPECT_EQ(r.err.find("removed"), std::string::npos) << r.err;
  // Another target only: the revisions still descend from this mix; the cd master goes.
  r = run({"mix", in_.string(), "-o", out_.string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(out_ / "rev-2"));
  EXPECT_FALSE(fs::exists(out_ / "masters" / "cd.wav"));
  EXPECT_NE(r.err.find("masters/cd.wav"), std::string::npos) << r.err;  // said even when quiet
  // A revision's session rendered into the main folder: its revisions (its own input among
  // them) stay.
  r = run({"mix", (out_ / "rev-2" / "session.toml").string(), "-o", out_.string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(out_ / "rev-2" / "session.toml"));
  ASSERT_EQ(run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--target", "cd"}).code, 0);
  // Another song into the same folder.
  const fs::path other = dir_ / "other song";
  fs::create_directories(other);
  write_audio(other / "Pad.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 2, [](std::int64_t i, int c) { return music(i, c, 48000); });
  r = run({"mix", other.string(), "-o", out_.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(out_ / "masters" / "streaming.wav"));
  EXPECT_TRUE(fs::exists(out_ / "versions" / "stems" / "Pad.wav"));
  for (const char* gone : {"masters/cd.wav", "previews/cd.wav", "versions/stems/Keys.wav", "versions/stems/Bass.wav", "rev-1", "rev-2",
                           "delivery-sheet.md"})
    EXPECT_FALSE(fs::exists(out_ / gone)) << gone;
  EXPECT_NE(r.err.find("removed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("masters/cd.wav"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(BadInput, DecidedSessionWhoseStemsLieInTheOutputIsRefused) {
  wav("Keys.wav", 48000, 2, 2.0);
  wav("Bass.wav", 48000, 1, 2.0);
  const fs::path a = dir_ / "A", b = dir_ / "B";
  ASSERT_EQ(run({"mix", in_.string(), "-o", a.string(), "--quiet", "--no-master"}).code, 0);
  ASSERT_EQ(run({"mix", (a / "versions" / "stems").string(), "-o", b.string(), "--quiet", "--no-master"}).code, 0);
  // B's session is decided and its stems are A's versions/stems: rendering it into A would
  // write over its own inputs.
  const auto before = fingerprint(a / "versions" / "stems");
  const auto r = run({"mix", (b / "session.toml").string(), "-o", a.string(), "--quiet", "--no-master"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("which this run writes into"), std::string::npos) << r.err;
  EXPECT_EQ(fingerprint(a / "versions" / "stems"), before);
}

TEST_F(BadInput, MixIntoAFolderOfTheUsersOwnFilesRemovesNoneOfThem) {
  wav("Keys.wav", 48000, 2, 2.0);
  wav("Bass.wav", 48000, 1, 2.0);
  const fs::path mine[] = {out_ / "masters" / "Song_FINAL_v7.wav", out_ / "versions" / "inst_from_studio.wav"};
  for (const auto& f : mine) {
    fs::create_directories(f.parent_path());
    write_audio(f, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 4800, [](std::int64_t i, int c) { return music(i, c, 48000); });
  }
  auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const auto& f : mine) EXPECT_TRUE(fs::exists(f)) << f;
  EXPECT_EQ(r.err.find("removed"), std::string::npos) << r.err;
  // Mixed again with another target: the earlier run's streaming master goes, the user's file
  // in masters/ (not a name mixdown gives) stays.
  r = run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--target", "cd"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(fs::exists(out_ / "masters" / "streaming.wav"));
  EXPECT_TRUE(fs::exists(mine[0]));
}

TEST_F(BadInput, AlbumIntoAnEarlierAlbumFolderAndTheSameTrackTwice) {
  const auto a = wav("One.wav", 44100, 2, 5.0), b = wav("Two.wav", 44100, 2, 5.0), c = wav("Three.wav", 44100, 2, 5.0);
  ASSERT_EQ(run({"album", a.string(), b.string(), c.string(), "-o", out_.string(), "--target", "cd", "--quiet"}).code, 0);
  ASSERT_TRUE(fs::exists(out_ / "album.cue"));
  // The user's own notes in tracks/ are not an earlier album's (they were removed as one).
  std::ofstream(out_ / "tracks" / "notes.txt") << "master notes\n";
  // Two tracks to streaming into the same folder: nothing of the three-track CD stays.
  auto r = run({"album", c.string(), a.string(), "-o", out_.string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(fs::exists(out_ / "album.cue"));
  EXPECT_TRUE(fs::exists(out_ / "tracks" / "notes.txt"));
  fs::remove(out_ / "tracks" / "notes.txt");
  EXPECT_EQ(std::distance(fs::directory_iterator(out_ / "tracks"), fs::directory_iterator{}), 2);
  EXPECT_NE(r.err.find("removed album.cue"), std::string::npos) << r.err;
  // The same file twice is said; --gap nan is refused.
  r = run({"album", a.string(), a.string(), "-o", out_.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("tracks 1 and 2 are the same file"), std::string::npos) << r.out;
  r = run({"album", a.string(), b.string(), "-o", (dir_ / "o2").string(), "--gap", "nan"});
  EXPECT_EQ(r.code, 2) << r.err;
}

TEST_F(BadInput, TextNamedWav) {
  std::ofstream(in_ / "notes.wav") << "Take 3 was the good one.\nUse the second chorus.\n";
  expect_refusal(run({"analyze", (in_ / "notes.wav").string()}), 3, {"notes.wav"});
}

// A WAV header with no data chunk after it (an export that stopped after the header): said in
// plain words, not only in libsndfile's "No 'data' chunk marker".
TEST_F(BadInput, WavHeaderWithoutADataChunk) {
  std::string body = "WAVEfmt ";
  const auto le = [&](std::uint32_t v, int bytes) {
    for (int k = 0; k < bytes; ++k) body += static_cast<char>((v >> (8 * k)) & 0xff);
  };
  le(16, 4), le(1, 2), le(2, 2), le(48000, 4), le(48000 * 4, 4), le(4, 2), le(16, 2);
  std::string file = "RIFF";
  for (int k = 0; k < 4; ++k) file += static_cast<char>((body.size() >> (8 * k)) & 0xff);
  std::ofstream(in_ / "header only.wav", std::ios::binary) << file << body;
  expect_refusal(run({"analyze", (in_ / "header only.wav").string()}), 3, {"header only.wav", "no audio data chunk"});
}

TEST_F(BadInput, HeaderClaiming64Channels) {
  const auto p = wav("wide.wav", 48000, 64, 0.2, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  expect_refusal(run({"master", p.string(), "-o", out_.string()}), 3, {"wide.wav", "64 channels"});
}

TEST_F(BadInput, SixtyFourChannelStemInAMix) {
  wav("Keys.wav");
  wav("Array.wav", 48000, 64, 1.0, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--no-master"});
  if (r.code == 0) expect_clean_outputs(r, out_);
  else expect_refusal(r, 3, {"Array.wav"});
}

TEST_F(BadInput, NaNSamples) {
  const auto p = in_ / "nan.wav";
  write_audio(p, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 2, 48000 * 3, [](std::int64_t i, int c) {
    return i % 997 == 0 ? std::nan("") : music(i, c, 48000);
  });
  master_ok(p);
}

// Every sample NaN: damaged, not silent (it had been refused as "the file is silent").
TEST_F(BadInput, AllNaNSamples) {
  const auto p = in_ / "allnan.wav";
  write_audio(p, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 2, 48000 * 3, [](std::int64_t, int) { return std::nan(""); });
  const auto r = run({"master", p.string(), "-o", out_.string(), "--quiet"});
  expect_refusal(r, 3, {"allnan.wav", "damaged", "NaN"});
}

TEST_F(BadInput, InfSamples) {
  const auto p = in_ / "inf.wav";
  write_audio(p, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 2, 48000 * 3, [](std::int64_t i, int c) {
    return i % 1499 == 0 ? (c ? -INFINITY : INFINITY) : music(i, c, 48000);
  });
  master_ok(p);
}

TEST_F(BadInput, NaNStemInAMix) {
  wav("Keys.wav");
  write_audio(in_ / "Vox.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 1, 48000 * 3, [](std::int64_t i, int c) {
    return i % 4801 == 0 ? std::nan("") : music(i, c, 48000, 0.2);
  });
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet"});
  EXPECT_GT(expect_clean_outputs(r, out_), 5);
}

TEST_F(BadInput, HugeFloatSamples) {
  const auto p = in_ / "hot.wav";
  write_audio(p, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 2, 48000 * 3,
              [](std::int64_t i, int c) { return 1e6 * music(i, c, 48000) * (i % 2 ? 1 : -1); });
  master_ok(p);
}

TEST_F(BadInput, OneSample) {
  const auto p = in_ / "one.wav";
  write_audio(p, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 1, [](std::int64_t, int) { return 0.5; });
  const auto r = run({"master", p.string(), "-o", out_.string()});
  expect_refusal(r, 3, {"one.wav"});
}

TEST_F(BadInput, OneSampleAnalyze) {
  const auto p = in_ / "one.wav";
  write_audio(p, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 1, 1, [](std::int64_t, int) { return 0.5; });
  const auto r = run({"analyze", p.string(), "--json", "-"});
  if (r.code == 0) EXPECT_TRUE(nlohmann::json::accept(r.out)) << r.out;
  else expect_refusal(r, 3, {"one.wav"});
}

TEST_F(BadInput, HundredMilliseconds) {
  const auto p = wav("short.wav", 48000, 2, 0.1);
  const auto r = run({"master", p.string(), "-o", out_.string(), "--quiet"});
  if (r.code == 0) expect_clean_outputs(r, out_);
  else expect_refusal(r, 3, {"short.wav"});
}

TEST_F(BadInput, EightKilohertz) { master_ok(wav("tel.wav", 8000, 1, 3.0, SF_FORMAT_WAV | SF_FORMAT_PCM_16)); }

TEST_F(BadInput, ThreeEightyFourKilohertz) { master_ok(wav("hires.wav", 384000, 2, 2.0)); }

TEST_F(BadInput, EightBit) { master_ok(wav("lofi.wav", 22050, 1, 3.0, SF_FORMAT_WAV | SF_FORMAT_PCM_U8)); }

TEST_F(BadInput, SixtyFourBitFloat) { master_ok(wav("double.wav", 48000, 2, 3.0, SF_FORMAT_WAV | SF_FORMAT_DOUBLE)); }

TEST_F(BadInput, AllDc) {
  const auto p = in_ / "dc.wav";
  write_audio(p, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 3, [](std::int64_t, int) { return 0.25; });
  // DC is no programme: refused like silence (3), naming the file and the DC.
  expect_refusal(run({"master", p.string(), "-o", out_.string(), "--quiet"}), 3, {"dc.wav", "DC offset"});
}

// Music exported 90 dB too low is too quiet, said with its peak: not "only a DC offset" (session
// 40's sweep: its offset lay near -136 dBFS) nor "silent".
TEST_F(BadInput, MusicFarUnderTheGateIsTooQuietNotDc) {
  const auto p = in_ / "quiet.wav";
  write_audio(p, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 3,
              [](std::int64_t i, int) { return std::pow(10.0, -91.0 / 20.0) * std::sin(2.0 * M_PI * 220.0 * double(i) / 48000.0); });
  expect_refusal(run({"master", p.string(), "-o", out_.string(), "--quiet"}), 3, {"quiet.wav", "too quiet to master", "peaks at -91"});
}

// A stem that is only DC holds no sound: before, it was mixed, and the high-pass turned its
// start and end into two thumps that set the mix's level. Alone it is refused, naming the DC;
// beside a real part it is left out and the part is mixed.
TEST_F(BadInput, MixOfAStemThatIsAllDc) {
  const auto dc = in_ / "DC.wav";
  write_audio(dc, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 1, 48000 * 3, [](std::int64_t, int) { return 0.5; });
  expect_refusal(run({"mix", in_.string(), "-o", out_.string(), "--quiet"}), 3, {"DC.wav", "DC offset"});
  wav("Keys.wav");
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--no-master"});
  expect_clean_outputs(r, out_);
  EXPECT_NE(slurp(out_ / "report.json").find("DC.wav holds only a DC offset"), std::string::npos);
}

// A float stem with one absurd sample (a corrupt export: +60 dBFS in a part that peaks near
// -10 dBFS). Before, that one sample set the stem's loudness and the mix's peak: the mix came
// out 16 dB too quiet around one click. It is read as silence and said; the mix measures as
// the one without the spike, and a re-render of its session.toml keeps the repair.
TEST_F(BadInput, MixOfAFloatStemWithOneAbsurdSample) {
  wav("Bass.wav", 48000, 1);
  const auto keys = in_ / "Keys.wav";
  const auto keys_part = [](std::int64_t i, int c) { return music(i, c, 48000) * (i % 5000 < 2500 ? 1.0 : 0.2); };
  write_audio(keys, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 2, 48000 * 3, keys_part);
  const auto plain = run({"mix", in_.string(), "-o", (out_ / "plain").string(), "--quiet", "--no-master"});
  ASSERT_EQ(plain.code, 0) << plain.err;
  write_audio(keys, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 2, 48000 * 3,
              [&](std::int64_t i, int c) { return i == 70000 && c == 0 ? 1e6 : keys_part(i, c); });
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--no-master"});
  expect_clean_outputs(r, out_);
  EXPECT_NE(slurp(out_ / "report.json").find("spike_samples"), std::string::npos);
  const double want = testkit::ebur128_measure_file(out_ / "plain" / "mix.wav").integrated;
  const auto got = testkit::ebur128_measure_file(out_ / "mix.wav");
  EXPECT_NEAR(got.integrated, want, 0.1);
  EXPECT_LT(got.sample_peak_db, -2.9);
  const auto again = run({"mix", (out_ / "session.toml").string(), "-o", (out_ / "again").string(), "--quiet", "--no-master"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(slurp(out_ / "again" / "mix.wav"), slurp(out_ / "mix.wav"));
}

// The same in a float mix handed to master: one +60 dBFS sample made the input read 20 LUFS
// with a +60 dBTP peak (and "mono cancellation"), and the previews 40 LU down. It is read as
// silence in every pass, said, and the input measures as the mix without it.
TEST_F(BadInput, MasterOfAFloatMixWithOneAbsurdSample) {
  const auto mix = in_ / "mix.wav";
  const auto part = [](std::int64_t i, int c) { return music(i, c, 48000); };
  write_audio(mix, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 2, 48000 * 6, part);
  const auto plain = run({"master", mix.string(), "-o", (out_ / "plain").string(), "--quiet"});
  ASSERT_EQ(plain.code, 0) << plain.err;
  write_audio(mix, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 2, 48000 * 6,
              [&](std::int64_t i, int c) { return i == 100000 && c == 1 ? -1e6 : part(i, c); });
  const auto r = run({"master", mix.string(), "-o", out_.string(), "--quiet"});
  expect_clean_outputs(r, out_);
  const auto report = nlohmann::json::parse(slurp(out_ / "report.json"));
  const auto before = report["masters"][0]["before"];
  const auto want = nlohmann::json::parse(slurp(out_ / "plain" / "report.json"))["masters"][0]["before"];
  EXPECT_NEAR(before["integrated_lufs"].get<double>(), want["integrated_lufs"].get<double>(), 0.05);
  EXPECT_LT(before["true_peak_dbtp"].get<double>(), 0.0);
  bool said = false;
  for (const auto& p : report["problems"]) said = said || p["code"] == "spike_samples";
  EXPECT_TRUE(said) << report["problems"].dump();
  EXPECT_NEAR(testkit::ebur128_measure_file(out_ / "masters" / "streaming.wav").integrated, -14.0, 0.2);
  // analyze and translate measure it the same way, and say so.
  for (const auto* cmd : {"analyze", "translate"}) {
    std::vector<std::string> args{cmd, mix.string(), "--json", (out_ / (std::string(cmd) + ".json")).string(), "--quiet"};
    if (std::string(cmd) == "translate") args.insert(args.begin() + 2, {"-o", (out_ / "tr").string()});
    const auto t = run(args);
    ASSERT_EQ(t.code, 0) << cmd << ": " << t.err;
    const auto j = nlohmann::json::parse(slurp(out_ / (std::string(cmd) + ".json")));
    const double lufs = std::string(cmd) == "analyze" ? j["loudness"]["integrated_lufs"].get<double>()
                                                      : j["input"]["integrated_lufs"].get<double>();
    EXPECT_NEAR(lufs, want["integrated_lufs"].get<double>(), 0.05) << cmd;
    EXPECT_EQ(j["problems"][0]["code"], "spike_samples") << cmd;
  }
}

// A stem that is another's samples again, here inverted (an export that flipped polarity):
// before, both were mixed at one fader and the bass cancelled (its bus 20 LU down) with exit 0.
// The copy is left out and said; the mix is the one without the copy's file.
TEST_F(BadInput, MixOfAStemAndItsInvertedCopy) {
  wav("Keys.wav");
  const auto bass = [](std::int64_t i, int c) { return music(i, c, 48000, 0.4, 13); };  // no name's part
  write_audio(in_ / "Bass.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 1, 48000 * 3, bass);
  const auto plain = run({"mix", in_.string(), "-o", (out_ / "plain").string(), "--quiet", "--no-master"});
  ASSERT_EQ(plain.code, 0) << plain.err;
  write_audio(in_ / "Bass copy.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 1, 48000 * 3,
              [&](std::int64_t i, int c) { return -bass(i, c); });
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--no-master"});
  expect_clean_outputs(r, out_);
  const std::string report = slurp(out_ / "report.json");
  EXPECT_NE(report.find("Bass copy.wav is the same audio as Bass.wav"), std::string::npos);
  EXPECT_NE(report.find("would cancel that part"), std::string::npos);
  EXPECT_NEAR(testkit::ebur128_measure_file(out_ / "versions" / "bass.wav").integrated,
              testkit::ebur128_measure_file(out_ / "plain" / "versions" / "bass.wav").integrated, 0.05);
  EXPECT_EQ(slurp(out_ / "mix.wav"), slurp(out_ / "plain" / "mix.wav"));
}

// A stereo stem with sound on one side only (a mono part routed to one channel of a stereo
// bounce): before, the bass was "centred" at pan 0 and still sat 9.5 dB to the left, and the
// whole mix leaned. It is said (one_sided) and mixed as the mono part it is.
TEST_F(BadInput, MixOfAStereoStemWithOneSilentSide) {
  wav("Keys.wav");
  write_audio(in_ / "Bass.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 3,
              [](std::int64_t i, int c) { return c == 0 ? music(i, 0, 48000, 0.4, 13) : 0.0; });
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--no-master"});
  expect_clean_outputs(r, out_);
  EXPECT_NE(slurp(out_ / "report.json").find("\"one_sided\""), std::string::npos);
  EXPECT_NE(slurp(out_ / "session.toml").find("fold_to_mono = true"), std::string::npos);
  // Left and right of the bass bus within 0.5 dB of each other.
  SF_INFO info{};
  SNDFILE* f = sf_open((out_ / "versions" / "bass.wav").c_str(), SFM_READ, &info);
  ASSERT_TRUE(f && info.channels == 2);
  std::vector<float> x(static_cast<std::size_t>(info.frames) * 2);
  sf_readf_float(f, x.data(), info.frames);
  sf_close(f);
  double l = 0, rr = 0;
  for (std::size_t i = 0; i + 1 < x.size(); i += 2) {
    l += double(x[i]) * x[i];
    rr += double(x[i + 1]) * x[i + 1];
  }
  ASSERT_GT(rr, 0.0);
  EXPECT_NEAR(10.0 * std::log10(l / rr), 0.0, 0.5);
}

// The frames of a WAV file, interleaved, and its rate and channels.
std::vector<float> read_frames(const fs::path& p, SF_INFO* info) {
  *info = SF_INFO{};
  SNDFILE* f = sf_open(p.c_str(), SFM_READ, info);
  if (!f) return {};
  std::vector<float> x(static_cast<std::size_t>(info->frames * info->channels));
  sf_readf_float(f, x.data(), info->frames);
  sf_close(f);
  return x;
}

// One stem with a minute of digital silence after its 3 s of music (an export end marker left
// far out): before, the mix and its masters ran the whole minute, and `check` told the stems that
// end with the music that they were short. The padded stem is named with its silence, the mix
// ends a few seconds after the music, and the stem still lines up from time 0.
TEST_F(BadInput, MixOfAStemWithAMinuteOfSilenceAfterItsMusic) {
  wav("Keys.wav");
  const auto bass = [](std::int64_t i, int c) { return i < 48000 * 3 ? music(i, c, 48000, 0.4, 13) : 0.0; };
  write_audio(in_ / "Bass.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 1, 48000 * 3, bass);
  const auto plain = run({"mix", in_.string(), "-o", (out_ / "plain").string(), "--quiet", "--no-master"});
  ASSERT_EQ(plain.code, 0) << plain.err;
  write_audio(in_ / "Bass.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 1, 48000 * 63, bass);
  expect_one_problem("length_mismatch", "Bass.wav", "60.0 s of silence after its last sound");
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet"});
  expect_clean_outputs(r, out_);
  for (const char* f : {"mix.wav", "masters/streaming.wav", "versions/stems/Bass.wav"}) {
    SF_INFO info{};
    ASSERT_FALSE(read_frames(out_ / f, &info).empty()) << f;
    EXPECT_GE(info.frames, 48000 * 3) << f;          // never cut into the music
    EXPECT_LE(info.frames, 48000 * (3 + 3 + 6)) << f;  // the music, 3 s, at most the longest effect tail
  }
  EXPECT_NE(slurp(out_ / "session.toml").find("stems_end_s = 6"), std::string::npos);
  // The padded bass as printed lines up with the plain one from the start (correlation at lag 0).
  SF_INFO a{}, b{};
  const auto x = read_frames(out_ / "versions" / "stems" / "Bass.wav", &a);
  const auto y = read_frames(out_ / "plain" / "versions" / "stems" / "Bass.wav", &b);
  ASSERT_EQ(a.channels, b.channels);
  double xy = 0, xx = 0, yy = 0;
  for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
    xy += double(x[i]) * y[i];
    xx += double(x[i]) * x[i];
    yy += double(y[i]) * y[i];
  }
  ASSERT_GT(xx * yy, 0.0);
  EXPECT_GT(xy / std::sqrt(xx * yy), 0.99);
}

// A stem silent but for two 1 ms clicks (a muted track that kept its edit clicks): before, it was
// the focus, boosted 8.6 dB, and its click set the mix's peak, 12 LU under the music's level.
// `check` says it holds only clicks, and the mix leaves it out: the same loudness as without it.
TEST_F(BadInput, MixOfAStemHoldingOnlyTwoClicks) {
  ASSERT_NO_FATAL_FAILURE(keys_and_bass_mixed_plain());
  write_audio(in_ / "Lead Vocal.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 10, [](std::int64_t i, int) {
    const std::int64_t k = i % (48000 * 5) - 48000 * 2;  // at 2 s and 7 s
    return k >= 0 && k < 48 ? (i < 48000 * 5 ? 0.1 : -0.1) * 0.5 * (1 - std::cos(2 * M_PI * double(k) / 47.0)) : 0.0;
  });
  expect_one_problem("clicks_only", "Lead Vocal.wav", "2 isolated clicks");
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--no-master"});
  expect_clean_outputs(r, out_);
  // Not mixed: no [[stem]] of it, only the session's left_out (printed as silence).
  EXPECT_EQ(slurp(out_ / "session.toml").find("name = 'Lead Vocal.wav'"), std::string::npos);
  EXPECT_NE(slurp(out_ / "session.toml").find("left_out = [ 'Lead Vocal.wav' ]"), std::string::npos) << slurp(out_ / "session.toml");
  EXPECT_NEAR(testkit::ebur128_measure_file(out_ / "mix.wav").integrated,
              testkit::ebur128_measure_file(out_ / "plain" / "mix.wav").integrated, 0.5);
}

// A 0.25 s one-shot (an impact at full scale, shorter than one 400 ms loudness block): before,
// "silent stem: nothing to balance", left at unity, and its hit set the mix 7 LU quieter. It is
// measured on what it has, balanced as an accent, and the mix keeps its level.
TEST_F(BadInput, MixWithAOneShotShorterThanALoudnessBlock) {
  ASSERT_NO_FATAL_FAILURE(keys_and_bass_mixed_plain());
  write_audio(in_ / "Impact.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 1, 48000 / 4, [](std::int64_t i, int) {
    const double n = std::sin(double(i) * 12.9898) * 43758.5453;
    return std::clamp(2.4 * (n - std::floor(n) - 0.5) * std::exp(-12.0 * double(i) / 48000), -0.999, 0.999);
  });
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--no-master"});
  expect_clean_outputs(r, out_);
  const auto j = nlohmann::json::parse(slurp(out_ / "report.json"));
  bool found = false;
  for (const auto& s : j.at("decisions").at("stems"))
    if (s.at("stem") == "Impact.wav") {
      found = true;
      const std::string why = s.at("reasons").at("fader");
      EXPECT_EQ(why.find("silent"), std::string::npos) << why;
      EXPECT_NE(why.find("accents"), std::string::npos) << why;
    }
  EXPECT_TRUE(found);
  EXPECT_NEAR(testkit::ebur128_measure_file(out_ / "mix.wav").integrated,
              testkit::ebur128_measure_file(out_ / "plain" / "mix.wav").integrated, 1.5);
}

// A stereo bass whose right channel is its left inverted (a phase-flipped channel): before, `check`
// said nothing and the delivered bass bus was pure side signal (mono -147.6 dB against side
// -26.9 dB): gone on a mono system. `check` warns, the mix inverts the channel back (and folds
// the then identical pair to mono), and a wide stereo pad (uncorrelated sides) is left alone.
TEST_F(BadInput, MixOfAStereoStemWithOneChannelInverted) {
  write_audio(in_ / "Bass.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 4,
              [](std::int64_t i, int c) { return (c == 0 ? 1.0 : -1.0) * music(i, 0, 48000, 0.4, 13); });
  write_audio(in_ / "Pad.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 4, [](std::int64_t i, int c) {
    const double n = std::sin(double(i) * 12.9898 + c * 78.233) * 43758.5453;
    return 0.1 * (n - std::floor(n) - 0.5);
  });
  expect_one_problem("channels_out_of_phase", "Bass.wav", "Bass.wav");
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--no-master"});
  expect_clean_outputs(r, out_);
  const std::string session = slurp(out_ / "session.toml");
  std::size_t at = 0;
  int inverted = 0;
  while ((at = session.find("\ninvert_right = true", at)) != std::string::npos) ++inverted, ++at;
  EXPECT_EQ(inverted, 1);  // the bass only
  SF_INFO info{};
  const auto x = read_frames(out_ / "versions" / "bass.wav", &info);
  ASSERT_EQ(info.channels, 2);
  double mid = 0, side = 0;
  for (std::size_t i = 0; i + 1 < x.size(); i += 2) {
    mid += 0.25 * (double(x[i]) + x[i + 1]) * (double(x[i]) + x[i + 1]);
    side += 0.25 * (double(x[i]) - x[i + 1]) * (double(x[i]) - x[i + 1]);
  }
  EXPECT_GT(10.0 * std::log10(mid / std::max(side, 1e-30)), 40.0);  // it plays in mono
  // The decided session renders the same mix again (the inversion is stored).
  const auto again = run({"mix", (out_ / "session.toml").string(), "-o", (out_ / "again").string(), "--quiet", "--no-master"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(slurp(out_ / "again" / "mix.wav"), slurp(out_ / "mix.wav"));
}

// An MS-ADPCM WAV as ffmpeg writes it (format chunk byte rate 16000, which libsndfile's log
// remarks on): before, `check` called the whole file "truncated ... a damaged or interrupted
// export" and its format "WAV 0-bit". It is a lossy codec, named, and mixed whole.
TEST_F(BadInput, MsAdpcmWavIsWholeAndNamed) {
  wav("Keys.wav");
  const auto p = in_ / "Bass.wav";
  write_audio(p, SF_FORMAT_WAV | SF_FORMAT_MS_ADPCM, 48000, 2, 48000 * 3, [](std::int64_t i, int c) { return music(i, c, 48000, 0.4, 13); });
  std::string bytes = slurp(p);
  const auto fmt = bytes.find("fmt ");
  ASSERT_NE(fmt, std::string::npos);
  const std::uint32_t rate = 16000;
  std::memcpy(bytes.data() + fmt + 16, &rate, 4);
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
  const auto check = run({"check", in_.string()});
  ASSERT_EQ(check.code, 0) << check.err;
  EXPECT_EQ(check.out.find("truncated"), std::string::npos) << check.out;
  EXPECT_EQ(check.out.find("0-bit"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("WAV MS_ADPCM"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("lossy_format"), std::string::npos) << check.out;
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--no-master"});
  expect_clean_outputs(r, out_);
  EXPECT_NE(slurp(out_ / "session.toml").find("Bass.wav"), std::string::npos);
}

// The song's bounce among its stems under a name that says nothing ("Song 90bpm.wav"): before,
// it was mixed on top of its own parts, as the focus and the loudest part, so every part played
// twice. `check` says it is a mix of the other stems, and the mix leaves it out.
TEST_F(BadInput, MixWithTheSongsBounceAmongItsStems) {
  const auto keys = [](std::int64_t i, int c) { return music(i, c, 48000, 0.3, 4); };
  const auto bass = [](std::int64_t i, int) { return music(i, 0, 48000, 0.4, 13); };
  const auto kick = [](std::int64_t i, int) { return music(i, 0, 48000, 0.4, 1) * (i % 24000 < 4800 ? 1.0 : 0.1); };
  write_audio(in_ / "Keys.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 6, keys);
  write_audio(in_ / "Bass.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 1, 48000 * 6, bass);
  write_audio(in_ / "Kick.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 1, 48000 * 6, kick);
  const auto plain = run({"mix", in_.string(), "-o", (out_ / "plain").string(), "--quiet", "--no-master"});
  ASSERT_EQ(plain.code, 0) << plain.err;
  write_audio(in_ / "Song 90bpm.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 6,
              [&](std::int64_t i, int c) { return 0.7 * (keys(i, c) + bass(i, c) + kick(i, c)); });
  expect_one_problem("not_a_stem", "Song 90bpm.wav", "a mix of the other 3 stems");
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--no-master"});
  expect_clean_outputs(r, out_);
  // Not mixed: no [[stem]] of it, only the session's left_out (printed as silence).
  EXPECT_EQ(slurp(out_ / "session.toml").find("name = 'Song 90bpm.wav'"), std::string::npos);
  EXPECT_NE(slurp(out_ / "session.toml").find("left_out = [ 'Song 90bpm.wav' ]"), std::string::npos) << slurp(out_ / "session.toml");
  EXPECT_EQ(slurp(out_ / "mix.wav"), slurp(out_ / "plain" / "mix.wav"));
}

// A focus the session.toml names that is no stem: the session file's mistake, refused (3) in a
// line naming it (it was a usage error about a --brief the user never typed).
TEST_F(BadInput, SessionFocusNamingNoStem) {
  const auto keys = wav("Keys.wav");
  const auto session = in_ / "s.toml";
  std::ofstream(session) << "[brief]\nfocus = \"Vocals.wav\"\n\n[[stem]]\nfile = \"Keys.wav\"\n";
  expect_refusal(run({"mix", session.string(), "-o", out_.string(), "--quiet"}), 3, {"s.toml", "focus = 'Vocals.wav'"});
}

TEST_F(BadInput, Silence) {
  const auto p = in_ / "silence.wav";
  write_audio(p, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 3, [](std::int64_t, int) { return 0.0; });
  expect_refusal(run({"master", p.string(), "-o", out_.string()}), 3, {"silence.wav", "silent"});
}

TEST_F(BadInput, Mp3WithCorruptFramesMidway) {
  const auto p = in_ / "broken.mp3";
  SF_INFO probe{};
  probe.format = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
  probe.samplerate = 44100;
  probe.channels = 2;
  if (!sf_format_check(&probe)) GTEST_SKIP() << "this libsndfile cannot write MP3";
  write_audio(p, SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 44100, 2, 44100 * 4,
              [](std::int64_t i, int c) { return music(i, c, 44100); });
  std::string bytes = slurp(p);
  for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 1500 && i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 37);
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
  const auto r = run({"master", p.string(), "-o", out_.string(), "--quiet"});
  // The decoder resynchronises after the damage: mastered cleanly, or refused in one line.
  if (r.code == 0) expect_clean_outputs(r, out_);
  else expect_refusal(r, 3, {"broken.mp3"});
}

// A WAV with LIST/INFO, bext (BWF) and an iXML chunk before the audio.
TEST_F(BadInput, WavWithExtraChunks) {
  const auto p = in_ / "bwf.wav";
  write_audio(p, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 3,
              [](std::int64_t i, int c) { return music(i, c, 48000); }, [](SNDFILE* f) {
                SF_BROADCAST_INFO bext{};
                std::snprintf(bext.description, sizeof bext.description, "%s", "take 3");
                std::snprintf(bext.originator, sizeof bext.originator, "%s", "DAW");
                sf_command(f, SFC_SET_BROADCAST_INFO, &bext, sizeof bext);
                sf_set_string(f, SF_STR_TITLE, "Song Title");
                sf_set_string(f, SF_STR_ARTIST, "Band");
              });
  // Insert an iXML chunk just before "data" (RIFF sizes fixed up).
  std::string b = slurp(p);
  const auto data = b.find("data");
  ASSERT_NE(data, std::string::npos);
  std::string ixml = "<?xml version=\"1.0\"?><BWFXML><PROJECT>x</PROJECT></BWFXML>";
  if (ixml.size() % 2) ixml += ' ';
  std::string chunk = "iXML";
  const auto sz = static_cast<std::uint32_t>(ixml.size());
  for (int k = 0; k < 4; ++k) chunk += static_cast<char>((sz >> (8 * k)) & 0xff);
  chunk += ixml;
  b.insert(data, chunk);
  const auto riff = static_cast<std::uint32_t>(b.size() - 8);
  for (int k = 0; k < 4; ++k) b[static_cast<std::size_t>(4 + k)] = static_cast<char>((riff >> (8 * k)) & 0xff);
  std::ofstream(p, std::ios::binary | std::ios::trunc) << b;
  master_ok(p);
}

TEST_F(BadInput, AiffC) { master_ok(wav("take.aifc", 44100, 2, 3.0, SF_FORMAT_AIFF | SF_FORMAT_FLOAT)); }

TEST_F(BadInput, Aiff) { master_ok(wav("take.aiff", 44100, 2, 3.0, SF_FORMAT_AIFF | SF_FORMAT_PCM_16)); }

TEST_F(BadInput, Wave64) { master_ok(wav("take.w64", 48000, 2, 3.0, SF_FORMAT_W64 | SF_FORMAT_PCM_24)); }

TEST_F(BadInput, FiveOne) { master_ok(wav("surround.wav", 48000, 6, 3.0)); }

TEST_F(BadInput, SevenOne) {
  const auto p = wav("cinema.wav", 48000, 8, 3.0);
  const auto r = run({"master", p.string(), "-o", out_.string(), "--quiet"});
  // INTERFACE promises mono, stereo and 5.1; 7.1 is mastered or refused in one line.
  if (r.code == 0) expect_clean_outputs(r, out_);
  else expect_refusal(r, 3, {"cinema.wav"});
}

TEST_F(BadInput, SevenOneStemIsFoldedInAMix) {
  wav("Keys.wav");
  wav("Atmos Bed.wav", 48000, 8, 3.0);
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet", "--no-master"});
  expect_clean_outputs(r, out_);
}

TEST_F(BadInput, NonAsciiNamesWithSpacesAndQuotesMaster) {
  master_ok(wav("Ünïcødé \"final\" mix 'v2' — 主.wav"));
}

TEST_F(BadInput, NonAsciiNamesWithSpacesAndQuotesMix) {
  wav("Kick \"Sub\" é.wav", 48000, 1);
  wav("Bässe 'DI' ñ.wav", 48000, 1);
  wav("Lead Vox «take 2».wav", 48000, 1);
  out_ = dir_ / "mix \"out\" ü";
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet"});
  EXPECT_GT(expect_clean_outputs(r, out_), 5);
  EXPECT_TRUE(fs::exists(out_ / "versions" / "stems" / "Kick \"Sub\" é.wav"));
  EXPECT_TRUE(fs::exists(out_ / "versions" / "stems" / "Lead Vox «take 2».wav"));
  // And the session it wrote re-renders.
  const auto again = dir_ / "again";
  const auto r2 = run({"mix", (out_ / "session.toml").string(), "-o", again.string(), "--quiet", "--no-master"});
  expect_clean_outputs(r2, again);
}

TEST_F(BadInput, MissingInputFile) {
  expect_refusal(run({"master", (in_ / "nowhere.wav").string(), "-o", out_.string()}), 3, {"nowhere.wav"});
}

TEST_F(BadInput, DirectoryGivenAsFile) {
  expect_refusal(run({"analyze", in_.string()}), 3, {"in put é"});
}

// ---- sessions -------------------------------------------------------------------------------

TEST_F(BadInput, FolderWithNoAudio) {
  std::ofstream(in_ / "readme.txt") << "stems to follow";
  expect_refusal(run({"mix", in_.string(), "-o", out_.string()}), 3, {"in put é", "no audio"});
}

TEST_F(BadInput, EmptyFolder) {
  expect_refusal(run({"mix", in_.string(), "-o", out_.string()}), 3, {"in put é"});
}

TEST_F(BadInput, FolderOfOnlySilentStems) {
  write_audio(in_ / "a.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 48000, 1, 48000, [](std::int64_t, int) { return 0.0; });
  expect_refusal(run({"mix", in_.string(), "-o", out_.string()}), 3, {"in put é"});
}

TEST_F(BadInput, SessionNamingAMissingFile) {
  wav("Keys.wav");
  std::ofstream(in_ / "session.toml") << "[[stem]]\nname = \"Gone.wav\"\nfile = \"Gone.wav\"\nrole = \"keys\"\n";
  expect_refusal(run({"mix", (in_ / "session.toml").string(), "-o", out_.string()}), 3, {"session.toml", "Gone.wav"});
}

TEST_F(BadInput, SessionSyntaxError) {
  wav("Keys.wav");
  std::ofstream(in_ / "session.toml") << "[[stem]]\nname = \"Keys.wav\"\nfile = \"Keys.wav\nrole = \"keys\"\n";
  expect_refusal(run({"mix", (in_ / "session.toml").string(), "-o", out_.string()}), 3, {"session.toml:3:", "syntax"});
}

TEST_F(BadInput, SessionUnknownKey) {
  wav("Keys.wav");
  std::ofstream(in_ / "session.toml") << "[[stem]]\nname = \"Keys.wav\"\nfile = \"Keys.wav\"\n\nloudness = 11\n";
  expect_refusal(run({"mix", (in_ / "session.toml").string(), "-o", out_.string()}), 3, {"session.toml:5:", "loudness"});
}

TEST_F(BadInput, SessionOutOfRangeValue) {
  wav("Keys.wav");
  std::ofstream(in_ / "session.toml") << "[[stem]]\nname = \"Keys.wav\"\nfile = \"Keys.wav\"\nfader_db = 99\n";
  expect_refusal(run({"mix", (in_ / "session.toml").string(), "-o", out_.string()}), 3,
                 {"session.toml:4:", "fader_db", "out of range"});
}

TEST_F(BadInput, SessionWrongType) {
  wav("Keys.wav");
  std::ofstream(in_ / "session.toml") << "[[stem]]\nname = \"Keys.wav\"\nfile = \"Keys.wav\"\nfader_db = \"loud\"\n";
  expect_refusal(run({"mix", (in_ / "session.toml").string(), "-o", out_.string()}), 3, {"session.toml:4:", "fader_db"});
}

TEST_F(BadInput, SessionIsBinaryJunk) {
  std::ofstream(in_ / "session.toml", std::ios::binary) << std::string("\x00\xff\xfe[[\x01", 6);
  expect_refusal(run({"mix", (in_ / "session.toml").string(), "-o", out_.string()}), 3, {"session.toml"});
}

// ---- command lines --------------------------------------------------------------------------

TEST_F(BadInput, UnknownTarget) {
  const auto p = wav("mix.wav");
  expect_refusal(run({"master", p.string(), "-o", out_.string(), "--target", "spotify"}), 2, {"--target", "spotify"});
}

// An empty output folder is a usage error: before, master wrote masters/, previews/ and
// report.json into the working directory (over a report there) and mix failed with an errno.
TEST_F(BadInput, EmptyOutputFolder) {
  const auto p = wav("mix.wav");
  expect_refusal(run({"master", p.string(), "-o", ""}), 2, {"--out", "empty"});
  expect_refusal(run({"mix", in_.string(), "-o", ""}), 2, {"--out", "empty"});
  expect_refusal(run({"album", p.string(), "-o", ""}), 2, {"--out", "empty"});
}

TEST_F(BadInput, UnknownTargetOnMix) {
  wav("Keys.wav");
  expect_refusal(run({"mix", in_.string(), "-o", out_.string(), "--target", "tape"}), 2, {"--target", "tape"});
}

TEST_F(BadInput, AmountTwo) {
  const auto p = wav("mix.wav");
  expect_refusal(run({"master", p.string(), "-o", out_.string(), "--amount", "2"}), 2, {"--amount"});
}

TEST_F(BadInput, AmountNotANumber) {
  const auto p = wav("mix.wav");
  expect_refusal(run({"master", p.string(), "-o", out_.string(), "--amount", "nan"}), 2, {"--amount"});
}

TEST_F(BadInput, BriefUnknownValue) {
  wav("Keys.wav");
  expect_refusal(run({"mix", in_.string(), "-o", out_.string(), "--brief", "vocal=loud"}), 2, {"vocal=loud", "intimate"});
}

TEST_F(BadInput, BriefUnknownKey) {
  wav("Keys.wav");
  expect_refusal(run({"mix", in_.string(), "-o", out_.string(), "--brief", "tempo=fast"}), 2, {"tempo"});
}

TEST_F(BadInput, BriefKeyGivenTwiceWithTwoValues) {
  wav("Keys.wav");
  expect_refusal(run({"mix", in_.string(), "-o", out_.string(), "--brief", "genre=rock", "--brief", "genre=pop"}), 2,
                 {"genre is already rock"});
}

TEST_F(BadInput, BriefFocusOnAStemLeftOutAsACopy) {
  wav("Keys.wav");
  wav("Bass.wav");
  fs::copy_file(in_ / "Keys.wav", in_ / "Piano.wav");
  expect_refusal(run({"mix", in_.string(), "-o", out_.string(), "--brief", "focus=Piano.wav"}), 2,
                 {"Piano.wav", "left out of the mix", "a copy of another stem"});
}

TEST_F(BadInput, BriefFocusEmpty) {
  wav("Keys.wav");
  expect_refusal(run({"mix", in_.string(), "-o", out_.string(), "--brief", "focus="}), 2, {"focus"});
}

TEST_F(BadInput, BriefFocusNamingNoStem) {
  wav("Keys.wav");
  expect_refusal(run({"mix", in_.string(), "-o", out_.string(), "--brief", "focus=Tuba"}), 2, {"focus=Tuba"});
}

TEST_F(BadInput, OutputIsTheInputFolder) {
  wav("Keys.wav");
  wav("Bass.wav", 48000, 1);
  out_ = in_;
  const auto r = run({"mix", in_.string(), "-o", in_.string()});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("input"), std::string::npos) << r.err;
  EXPECT_EQ(fingerprint(in_).size(), 2u) << "something was written into the input folder";
}

TEST_F(BadInput, MissingOutputOption) {
  const auto p = wav("mix.wav");
  const auto r = run({"master", p.string()});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--out"), std::string::npos) << r.err;
}

// `-o -q`: the option after -o is not a folder name (it wrote into a folder named "-q").
TEST_F(BadInput, AnOptionGivenAsTheOutputFolder) {
  const auto p = wav("mix.wav");
  const fs::path cwd = fs::current_path();
  fs::current_path(dir_ / ".");
  const auto r = run({"master", p.string(), "-o", "-q"});
  const bool made = fs::exists(dir_ / "-q");
  fs::current_path(cwd);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("'-q' is an option, not a folder"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(made);
}

TEST_F(BadInput, OutputPathIsAFile) {
  const auto p = wav("mix.wav");
  std::ofstream(dir_ / "taken") << "x";
  const auto r = run({"master", p.string(), "-o", (dir_ / "taken").string()});
  EXPECT_TRUE(r.code == 2 || r.code == 3 || r.code == 1) << r.code << " " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("taken"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir_ / "taken"), "x");
}

TEST_F(BadInput, ReviseOnAFolderThatIsNotAMixOutput) {
  wav("Keys.wav");
  const auto r = run({"revise", in_.string(), "--note", "the vocal is too quiet"});
  expect_refusal(r, 3, {"in put é"});
  EXPECT_FALSE(fs::exists(in_ / "rev-1"));
}

TEST_F(BadInput, ReviseWithAnEmptyNote) {
  wav("Keys.wav");
  const auto r = run({"revise", in_.string(), "--note", ""});
  EXPECT_TRUE(r.code == 2 || r.code == 3) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(fs::exists(in_ / "rev-1"));
}

// QA of session 9: an unknown command was "A subcommand is required"; `--amount ""` mastered
// with the amount read as 0.
TEST_F(BadInput, AnUnknownCommandIsNamed) {
  expect_refusal(run({"frobnicate", in_.string()}), 2, {"unknown command 'frobnicate'", "master"});
  expect_refusal(run({"mixx", in_.string(), "-o", out_.string()}), 2, {"'mixx'"});
}

TEST_F(BadInput, AnEmptyNumberIsRefused) {
  const auto p = wav("mix.wav");
  expect_refusal(run({"master", p.string(), "-o", out_.string(), "--amount", ""}), 2, {"--amount", "empty"});
  EXPECT_FALSE(fs::exists(out_ / "masters"));
  expect_refusal(run({"album", p.string(), "-o", out_.string(), "--gap", ""}), 2, {"--gap", "empty"});
  expect_refusal(run({"check", in_.string(), "--threads", " "}), 2, {"--threads", "empty"});
}

TEST_F(BadInput, AlbumCdWithATwoSecondTrack) {
  const auto a = wav("01 Song.wav", 44100, 2, 6.0);
  const auto b = wav("02 Sting.wav", 44100, 2, 2.0);
  expect_refusal(run({"album", a.string(), b.string(), "-o", out_.string(), "--target", "cd"}), 3, {"02 Sting"});
}

TEST_F(BadInput, AlbumCdWithAHundredTracks) {
  std::vector<std::string> args = {"album"};
  const auto one = wav("track.wav", 44100, 1, 4.5, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  for (int i = 1; i <= 100; ++i) {
    const auto p = in_ / ("t" + std::to_string(i) + ".wav");
    fs::copy_file(one, p);
    args.push_back(p.string());
  }
  args.insert(args.end(), {"-o", out_.string(), "--target", "cd"});
  expect_refusal(run(args), 3, {"99"});
}

// ---- resource budget ------------------------------------------------------------------------

TEST_F(BadInput, StemSetOverTheMemoryBudget) {
  wav("Keys.wav", 48000, 2, 3.0);
  wav("Bass.wav", 48000, 1, 3.0);
  const std::string cmd = "MIXDOWN_MAX_STEM_HOURS=0.001 " + sh_quote(bin()) + " mix " + sh_quote(in_.string()) +
                          " -o " + sh_quote(out_.string());
  RunResult r;
  before_ = fingerprint(in_);
  r.code = testkit::run_command(cmd, &r.out, &r.err);
  EXPECT_EQ(fingerprint(in_), before_);
  expect_refusal(r, 3, {"in put é", "MIXDOWN_MAX_STEM_HOURS"});
}

// ---- targets a file cannot reach ---------------------------------------------------------------

// A lone drum hit every second over digital silence: limiting the hits takes the loudness with
// them, so no gain lands -14 LUFS under -1 dBTP.
fs::path sparse_hits(const fs::path& p) {
  write_audio(p, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 10, [](std::int64_t i, int) {
    const std::int64_t k = i % 48000;
    return k < 480 ? 0.5 * std::sin(2 * M_PI * 180.0 * double(k) / 48000.0) * std::exp(-double(k) / 120.0) : 0.0;
  });
  return p;
}

TEST_F(BadInput, MasterThatCannotReachItsTargetIsRefusedAndNotDelivered) {
  const auto hits = sparse_hits(in_ / "snare hits.wav");
  const auto r = run({"master", hits.string(), "-o", out_.string(), "--quiet"});
  expect_refusal(r, 3, {"snare hits.wav", "cannot reach", "-14.0 LUFS"});
  // The landing stops pushing once more gain no longer makes it louder: the refusal reports the
  // limiting that reached that loudness first (10 dB), not what six more passes piled on (61).
  const std::string taking = "taking up to ";
  const auto at = r.err.find(taking);
  ASSERT_NE(at, std::string::npos) << r.err;
  EXPECT_LT(std::stod(r.err.substr(at + taking.size())), 30.0) << r.err;
}

// With a reference, a master that misses is made again with the match eased (io::master_file)
// before it is refused; a refusal after that says so, and leaves nothing behind either.
TEST_F(BadInput, MasterMatchedToAReferenceIsEasedBeforeItIsRefused) {
  const auto hits = sparse_hits(in_ / "snare hits.wav");
  const auto ref = in_ / "reference.wav";
  write_audio(ref, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 10, [](std::int64_t i, int c) { return music(i, c, 48000) * 0.5; });
  const auto r = run({"master", hits.string(), "--reference", ref.string(), "-o", out_.string(), "--quiet"});
  expect_refusal(r, 3, {"snare hits.wav", "cannot reach", "eased from 100% to", "did not land it either"});
}

// A session of one drum reaches broadcast's -23 LUFS but not streaming's -14 (its peaks sit
// 22 dB over its loudness): the master it reaches is delivered, the other is said. Both had gone,
// `mix` delivering no master at all. `master` of that mix delivers the same one with its report
// and ends with the line that names the missing one (exit 3: a requested master is missing).
TEST_F(BadInput, MastersThatLandAreDeliveredBesideOneThatCannot) {
  sparse_hits(in_ / "Snare.wav");
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--target", "streaming", "--target", "broadcast", "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("no streaming master: cannot reach"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out_ / "masters" / "streaming.wav"));
  ASSERT_TRUE(fs::exists(out_ / "masters" / "broadcast.wav"));
  const auto b = testkit::ebur128_measure_file(out_ / "masters" / "broadcast.wav");
  EXPECT_NEAR(b.integrated, -23.0, 0.5);  // the contract; clicks this sparse land 0.2 LU short of the aim
  EXPECT_LE(b.true_peak_db, -1.0);
  const auto report = nlohmann::json::parse(slurp(out_ / "report.json"));
  ASSERT_EQ(report["master"]["masters"].size(), 1u) << report["master"].dump();
  EXPECT_EQ(report["master"]["masters"][0]["target"], "broadcast");
  int said = 0;
  for (const auto& p : report["problems"]) said += p["code"] == "not_mastered";
  EXPECT_EQ(said, 1) << report["problems"].dump();

  const fs::path mo = dir_ / "mastered";
  const auto m = run({"master", (out_ / "mix.wav").string(), "-o", mo.string(), "--target", "streaming", "--target", "broadcast", "--quiet"});
  EXPECT_EQ(m.code, 3) << m.err;
  EXPECT_EQ(std::count(m.err.begin(), m.err.end(), '\n'), 1) << m.err;
  EXPECT_NE(m.err.find("mix.wav: streaming master: cannot reach"), std::string::npos) << m.err;
  EXPECT_FALSE(fs::exists(mo / "masters" / "streaming.wav"));
  EXPECT_FALSE(fs::exists(mo / "previews" / "streaming.wav"));
  ASSERT_TRUE(fs::exists(mo / "masters" / "broadcast.wav"));
  EXPECT_NEAR(testkit::ebur128_measure_file(mo / "masters" / "broadcast.wav").integrated, -23.0, 0.5);
  const auto mj = nlohmann::json::parse(slurp(mo / "report.json"));
  ASSERT_EQ(mj["masters"].size(), 1u);
  EXPECT_EQ(mj["masters"][0]["target"], "broadcast");
  bool listed = false;
  for (const auto& p : mj["problems"]) listed |= p["code"] == "not_mastered";
  EXPECT_TRUE(listed) << mj["problems"].dump();
}

// Stems of 0.1 s: their mix with its effect tails (0.26 s) is under one 400 ms loudness block.
// (At 0.25 s the stems read as silence once and were left unprocessed, with no tail; measured
// now, their mix and its reverb tail reach 0.4 s, which can be mastered.)
TEST_F(BadInput, MixTooShortToMasterIsDeliveredWithoutAMaster) {
  wav("Kick.wav", 48000, 1, 0.1);
  wav("Bass.wav", 48000, 1, 0.1);
  const auto r = run({"mix", in_.string(), "-o", out_.string(), "--quiet"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("no master: too short"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(out_ / "mix.wav"));
  EXPECT_FALSE(fs::exists(out_ / "masters" / "streaming.wav"));
  const auto report = nlohmann::json::parse(slurp(out_ / "report.json"));
  bool said = false;
  for (const auto& p : report["problems"]) said |= p["code"] == "not_mastered";
  EXPECT_TRUE(said) << report["problems"].dump();
}

TEST_F(BadInput, VeryQuietFileIsCalledQuietNotSilent) {
  const auto p = in_ / "whisper.wav";
  write_audio(p, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 5, [](std::int64_t i, int c) { return music(i, c, 48000) * 3e-3; });
  expect_refusal(run({"master", p.string(), "-o", out_.string(), "--quiet"}), 3, {"whisper.wav", "too quiet"});
  // translate says the same (it called a file under the gate "silent"), and silence silent.
  const auto hush = in_ / "hush.wav";
  write_audio(hush, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 5, [](std::int64_t i, int c) { return music(i, c, 48000) * 3e-4; });
  expect_refusal(run({"translate", hush.string(), "-o", out_.string(), "--quiet"}), 3, {"hush.wav", "too quiet"});
  const auto none = in_ / "none.wav";
  write_audio(none, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 5, [](std::int64_t, int) { return 0.0; });
  expect_refusal(run({"translate", none.string(), "-o", out_.string(), "--quiet"}), 3, {"none.wav", "silent"});
  // A constant offset: nothing to play, as master says (translate measured its step response).
  const auto dc = in_ / "dc.wav";
  write_audio(dc, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 5, [](std::int64_t, int) { return 0.5; });
  expect_refusal(run({"translate", dc.string(), "-o", out_.string(), "--quiet"}), 3, {"dc.wav", "DC offset"});
}

TEST_F(BadInput, SessionNamingAnUnknownTargetIsRefusedBeforeRendering) {
  wav("Keys.wav", 48000, 2, 2.0);
  wav("Bass.wav", 48000, 1, 2.0);
  const fs::path first = dir_ / "first";
  ASSERT_EQ(run({"mix", in_.string(), "-o", first.string(), "--quiet", "--no-master"}).code, 0);
  std::string toml = slurp(first / "session.toml");
  const auto at = toml.find("\ntargets = ");
  ASSERT_NE(at, std::string::npos) << toml;
  toml.replace(at, toml.find('\n', at + 1) - at, "\ntargets = [ 'bogus' ]");
  { std::ofstream(first / "session.toml") << toml; }
  expect_refusal(run({"mix", (first / "session.toml").string(), "-o", out_.string(), "--quiet"}), 3, {"session.toml", "bogus"});
  EXPECT_FALSE(fs::exists(out_ / "mix.wav"));
}

TEST_F(BadInput, SurroundFileToCdIsRefused) {
  const auto p = wav("surround.wav", 48000, 6, 5.0);
  expect_refusal(run({"master", p.string(), "-o", out_.string(), "--target", "cd", "--quiet"}), 3, {"surround.wav", "CD"});
}

// ---- outputs that would overwrite an input ---------------------------------------------------
// run() checks that no file under in_ changed; each of these writes its output inside in_.

TEST_F(BadInput, JsonOntoTheInputIsRefused) {
  const auto a = wav("mix.wav");
  expect_refusal(run({"analyze", a.string(), "--json", a.string(), "--quiet"}), 2, {"mix.wav", "input"});
  const auto keys = wav("Keys.wav");
  expect_refusal(run({"check", in_.string(), "--json", keys.string(), "--quiet"}), 2, {"Keys.wav", "input"});
  expect_refusal(run({"translate", a.string(), "-o", out_.string(), "--json", a.string(), "--quiet"}), 2, {"mix.wav"});
}

// --json onto a file the run itself writes, or onto a folder, is refused before any work (exit
// 2): `translate --json OUT/phone.wav` had replaced the phone's simulation with the JSON, and a
// folder failed only once every simulation was written (exit 1).
TEST_F(BadInput, JsonOntoTheRunsOwnOutputOrAFolderIsRefused) {
  const auto a = wav("mix.wav");
  expect_refusal(run({"translate", a.string(), "-o", out_.string(), "--json", (out_ / "phone.wav").string(), "--quiet"}), 2,
                 {"phone.wav", "this run's own outputs"});
  fs::create_directories(out_);
  expect_refusal(run({"translate", a.string(), "-o", out_.string(), "--json", out_.string(), "--quiet"}), 2, {"is a folder"});
  EXPECT_TRUE(fs::is_empty(out_));
  expect_refusal(run({"analyze", a.string(), "--json", out_.string(), "--quiet"}), 2, {"is a folder"});
  expect_refusal(run({"check", in_.string(), "--json", out_.string(), "--quiet"}), 2, {"is a folder"});
}

TEST_F(BadInput, MasteringAMasterIntoItsOwnFolderIsRefused) {
  fs::create_directories(in_ / "M" / "masters");
  const auto a = wav("M/masters/streaming.wav");
  const auto r = run({"master", a.string(), "-o", (in_ / "M").string(), "--quiet"});
  expect_refusal(r, 2, {"streaming.wav", "input"});
  // A master into the folder that holds the mix (nothing of the input's name is written) works
  // and leaves the mix as it was.
  const auto mix = wav("M/mix.wav");
  const auto before = slurp(mix);
  std::string out, err;
  EXPECT_EQ(testkit::run_command(sh_quote(bin()) + " master " + sh_quote(mix.string()) + " -o " + sh_quote((in_ / "M").string()) +
                                     " --quiet --target podcast",
                                 &out, &err),
            0)
      << err;
  EXPECT_TRUE(fs::exists(in_ / "M" / "masters" / "podcast.wav"));
  EXPECT_EQ(slurp(mix), before);
}

TEST_F(BadInput, TranslatingALaneIntoItsOwnFolderIsRefused) {
  fs::create_directories(in_ / "T");
  const auto a = wav("T/phone.wav");
  expect_refusal(run({"translate", a.string(), "-o", (in_ / "T").string(), "--quiet"}), 2, {"phone.wav"});
}

TEST_F(BadInput, MixingStemsThatLieWhereTheMixWritesIsRefused) {
  fs::create_directories(in_ / "X" / "versions" / "stems");
  wav("X/versions/stems/Bass.wav", 48000, 1);
  wav("X/versions/stems/Kick.wav", 48000, 1);
  expect_refusal(run({"mix", (in_ / "X" / "versions" / "stems").string(), "-o", (in_ / "X").string(), "--quiet"}), 2,
                 {"Bass.wav", "-o"});
  EXPECT_FALSE(fs::exists(in_ / "X" / "mix.wav"));
}

TEST_F(BadInput, AnalyzeAgainstASilentReferenceIsRefused) {
  const auto a = wav("mix.wav");
  const auto ref = in_ / "silence.wav";
  write_audio(ref, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000 * 5, [](std::int64_t, int) { return 0.0; });
  expect_refusal(run({"analyze", a.string(), "--reference", ref.string(), "--quiet"}), 3, {"silence.wav", "loudness"});
}

}  // namespace
}  // namespace mixdown
