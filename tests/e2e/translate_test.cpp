// `mixdown translate` as users run it: faulty mixes built from a corpus mix must raise their
// code on the right system; the authors' own mixes at sane levels must raise no
// mono_cancellation or codec_clipping (no false alarms).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>

#include "../support/testing.hpp"
#include "dsp/biquad.hpp"
#include "io/audio_file.hpp"

namespace mixdown {
namespace {

namespace fs = std::filesystem;

std::string bin() { return testkit::mixdown_bin(); }
std::string q(const fs::path& p) { return testkit::shell_quote(p); }

std::vector<fs::path> corpus_mixes() {
  std::vector<fs::path> out;
  const auto dir = testkit::corpus_dir();
  if (!dir) return out;
  for (const auto& e : fs::directory_iterator(*dir))
    if (fs::exists(e.path() / "mix.flac")) out.push_back(e.path() / "mix.flac");
  std::sort(out.begin(), out.end());
  return out;
}

// 20 s from the middle of a corpus mix (where the song is in full swing).
AudioBuffer excerpt(const fs::path& file, int* rate) {
  const AudioBuffer all = io::read_file(file, rate);
  const std::size_t len = std::min<std::size_t>(all.num_frames(), std::size_t(20 * *rate));
  const std::size_t start = (all.num_frames() - len) / 2;
  AudioBuffer out(all.num_channels(), len);
  out.view().copy_from(all.view().sub(start, len));
  return out;
}

void filter(AudioBuffer& b, const std::vector<dsp::BiquadCoeffs>& c) {
  dsp::BiquadCascade f;
  f.prepare(b.num_channels(), c.size());
  f.set_coeffs(c);
  f.process(b.view());
}

void gain(AudioBuffer& b, double db) { b.view().apply_gain(float(std::pow(10.0, db / 20.0))); }

// Sane level: -14 LUFS, then down until the sample peak is under -1 dBFS.
void sane(AudioBuffer& b, int rate) {
  const double lufs = testkit::ebur128_measure(b.view(), rate).integrated;
  ASSERT_TRUE(std::isfinite(lufs)) << "oracle loudness " << lufs << " on " << b.num_frames() << " frames at " << rate;
  gain(b, -14.0 - lufs);
  float peak = 0;
  for (int c = 0; c < b.num_channels(); ++c)
    for (std::size_t i = 0; i < b.num_frames(); ++i) peak = std::max(peak, std::fabs(b.channel(c)[i]));
  const double p = 20 * std::log10(double(peak));
  if (p > -1.0) gain(b, -1.0 - p);
}

nlohmann::json translate(const AudioBuffer& b, int rate, const testkit::TempDir& dir, const std::string& name) {
  const fs::path in = dir / (name + ".wav");
  io::write_file(in, b.view(), io::WriteSpec{rate, b.num_channels(), io::SampleFormat::wav_float});
  std::string out, err;
  const int rc = testkit::run_command(bin() + " translate " + q(in) + " -o " + q(dir / name) + " --json -", &out, &err);
  EXPECT_EQ(rc, 0) << err;
  return nlohmann::json::parse(out);
}

std::vector<std::string> codes(const nlohmann::json& j, const std::string& system = {}) {
  std::vector<std::string> c;
  for (const auto& p : j["problems"])
    if (system.empty() || p["system"] == system) c.push_back(p["code"]);
  return c;
}
bool has(const nlohmann::json& j, const std::string& code, const std::string& system = {}) {
  const auto c = codes(j, system);
  return std::find(c.begin(), c.end(), code) != c.end();
}
std::string dump_problems(const nlohmann::json& j) { return j["problems"].dump(1); }

class Translate : public ::testing::Test {
protected:
  void SetUp() override {
    if (std::getenv("MIXDOWN_SANITIZED")) GTEST_SKIP() << "corpus renders are too slow under sanitizers";
    mixes_ = corpus_mixes();
    if (mixes_.empty()) GTEST_SKIP() << "no corpus at ../shared/corpus (or $MIXDOWN_CORPUS)";
  }
  std::vector<fs::path> mixes_;
};

TEST_F(Translate, WritesEverySystemAndTheInterfaceJson) {
  int rate = 0;
  auto b = excerpt(mixes_.front(), &rate);
  sane(b, rate);
  testkit::TempDir dir;
  const auto j = translate(b, rate, dir, "clean");
  ASSERT_EQ(j["systems"].size(), 7u);
  for (const auto& s : j["systems"]) {
    const std::string name = s["name"];
    EXPECT_TRUE(fs::exists(dir / "clean" / (name + ".wav"))) << name;
    EXPECT_TRUE(s["loudness_lufs"].is_number()) << name;
    EXPECT_EQ(s["bands_db"].size(), 6u);
    EXPECT_TRUE(s.contains("vocal_to_rest_db"));
    EXPECT_TRUE(s["notes"].is_string());
  }
  // Each device plays at its own level: the phone is driven hard, the club louder still.
  auto lufs = [&](const std::string& n) {
    for (const auto& s : j["systems"])
      if (s["name"] == n) return double(s["loudness_lufs"]);
    return 0.0;
  };
  EXPECT_GT(lufs("club"), lufs("earbuds") + 4.0);
  // A plain stereo file cannot be split into lead and rest: said, not guessed.
  EXPECT_TRUE(j["systems"][0]["vocal_to_rest_db"].is_null());
  EXPECT_NE(std::string(j["vocal_note"]).find("cannot be separated"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "clean" / "translation.json"));
  // No stray codec temporaries.
  for (const auto& e : fs::directory_iterator(dir / "clean")) EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
}

TEST_F(Translate, AuthorsMixesAtSaneLevelsRaiseNoFalseAlarms) {
  testkit::TempDir dir;
  for (const auto& m : mixes_) {
    int rate = 0;
    auto b = excerpt(m, &rate);
    sane(b, rate);
    const auto j = translate(b, rate, dir, m.parent_path().filename().string());
    EXPECT_FALSE(has(j, "mono_cancellation")) << m << dump_problems(j);
    EXPECT_FALSE(has(j, "codec_clipping")) << m << dump_problems(j);
  }
}

TEST_F(Translate, FaultyMixesRaiseTheirCodes) {
  int rate = 0;
  const auto base = excerpt(mixes_.front(), &rate);
  testkit::TempDir dir;
  using dsp::BiquadCoeffs;
  const double r = rate;
  {
    // Bass only below 70 Hz: the low end kept (and lifted) below 70 Hz, nothing between 70 and
    // 300 Hz — no harmonics for a small speaker.
    AudioBuffer low = base, high = base;
    filter(low, {BiquadCoeffs::low_pass(70, 0.5412, r), BiquadCoeffs::low_pass(70, 1.3066, r)});
    filter(high, {BiquadCoeffs::high_pass(300, 0.5412, r), BiquadCoeffs::high_pass(300, 1.3066, r)});
    gain(low, 6.0);
    high.view().add_from(low.view());
    sane(high, rate);
    const auto j = translate(high, rate, dir, "sub_only");
    EXPECT_TRUE(has(j, "low_end_lost", "phone")) << dump_problems(j);
  }
  {
    AudioBuffer b = base;  // polarity-flipped channel
    for (std::size_t i = 0; i < b.num_frames(); ++i) b.channel(1)[i] = -b.channel(1)[i];
    sane(b, rate);
    const auto j = translate(b, rate, dir, "flipped");
    EXPECT_TRUE(has(j, "mono_cancellation", "mono")) << dump_problems(j);
  }
  {
    AudioBuffer b = base;  // hot clipped master: +10 dB over a sane level, hard-clipped
    sane(b, rate);
    gain(b, 10.0);
    for (int c = 0; c < b.num_channels(); ++c)
      for (std::size_t i = 0; i < b.num_frames(); ++i) b.channel(c)[i] = std::clamp(b.channel(c)[i], -1.0f, 1.0f);
    const auto j = translate(b, rate, dir, "hot");
    EXPECT_TRUE(has(j, "codec_clipping", "bluetooth")) << dump_problems(j);
    // The figures of each written file are the file's (libebur128 on what was written), and the
    // codec lane, whose decode peaks over full scale, says its file was limited for listening.
    for (const auto& s : j["systems"]) {
      const std::string name = s["name"];
      ASSERT_TRUE(s["file_loudness_lufs"].is_number()) << name;
      const auto oracle = testkit::ebur128_measure_file(dir / "hot" / (name + ".wav"));
      EXPECT_NEAR(double(s["file_loudness_lufs"]), oracle.integrated, 0.05) << name;
      EXPECT_LE(double(s["file_sample_peak_dbfs"]), -0.99) << name;
      if (name == "bluetooth") {
        EXPECT_GT(double(s["sample_peak_dbfs"]), 0.0);
        EXPECT_GT(double(s["protection_db"]), 1.0);
        EXPECT_NE(std::string(s["notes"]).find("limited to -1 dBTP"), std::string::npos) << s["notes"];
      }
    }
  }
  {
    AudioBuffer b = base;  // +12 dB top
    filter(b, {BiquadCoeffs::high_shelf(2500, 12.0, 0.7071, r)});
    sane(b, rate);
    const auto j = translate(b, rate, dir, "bright");
    EXPECT_TRUE(has(j, "harsh", "earbuds")) << dump_problems(j);
  }
  {
    AudioBuffer b = base;  // booming bottom
    filter(b, {BiquadCoeffs::low_shelf(120, 15.0, 0.7071, r)});
    sane(b, rate);
    const auto j = translate(b, rate, dir, "boom");
    EXPECT_TRUE(has(j, "low_end_overload")) << dump_problems(j);
  }
  {
    AudioBuffer b = base;  // exported 42 dB too low: -56 LUFS
    sane(b, rate);
    gain(b, -42.0);
    const auto j = translate(b, rate, dir, "quiet");
    EXPECT_TRUE(has(j, "too_quiet")) << dump_problems(j);
    AudioBuffer ok = base;  // at a sane level it is not said
    sane(ok, rate);
    EXPECT_FALSE(has(translate(ok, rate, dir, "sane"), "too_quiet"));
  }
}

// A mix's own file (mix.wav, or a master in masters/) has its lead and rest beside it in
// versions/: translate measures the lead's balance from them, as `mix` does, where it left
// vocal_to_rest_db null for every stereo file. A copy of the same file elsewhere stays null.
TEST(TranslateCli, AMixsOwnFileHasItsLeadMeasured) {
  testkit::TempDir dir;
  const fs::path stems = dir / "stems";
  fs::create_directories(stems);
  for (const auto& e : fs::directory_iterator(testkit::source_dir() / "examples" / "demo"))
    if (e.path().extension() == ".flac")
      fs::copy_file(e.path(), stems / (e.path().filename() == "E-Piano.flac" ? fs::path("Lead Vocal.flac") : e.path().filename()));
  std::string out, err;
  ASSERT_EQ(testkit::run_command(bin() + " mix " + q(stems) + " -o " + q(dir / "out") + " -q", &out, &err), 0) << err;
  fs::copy_file(dir / "out" / "mix.wav", dir / "elsewhere.wav");
  const auto vocal_to_rest = [&](const fs::path& file) {
    std::string json;
    EXPECT_EQ(testkit::run_command(bin() + " translate " + q(file) + " -o " + q(dir / "tr") + " --json -", &json, &err), 0) << err;
    const auto j = nlohmann::json::parse(json);
    std::vector<nlohmann::json> v;
    for (const auto& s : j["systems"]) v.push_back(s["vocal_to_rest_db"]);
    return v;
  };
  for (const fs::path& f : {dir / "out" / "mix.wav", dir / "out" / "masters" / "streaming.wav"}) {
    const auto v = vocal_to_rest(f);
    ASSERT_EQ(v.size(), 7u) << f;
    for (const auto& x : v) {
      ASSERT_TRUE(x.is_number()) << f << ": " << x;
      EXPECT_GT(x.get<double>(), -10.0) << f;  // the lead is there, and the mix put it forward
      EXPECT_LT(x.get<double>(), 15.0) << f;
    }
  }
  for (const auto& x : vocal_to_rest(dir / "elsewhere.wav")) EXPECT_TRUE(x.is_null()) << x;
}

TEST(TranslateCli, RejectsMissingInputAndNeedsOut) {
  testkit::TempDir dir;
  std::string out, err;
  EXPECT_EQ(testkit::run_command(bin() + " translate " + q(dir / "nope.wav") + " -o " + q(dir / "o"), &out, &err), 3);
  EXPECT_NE(err.find("nope.wav"), std::string::npos);
  EXPECT_EQ(testkit::run_command(bin() + " translate " + q(dir / "nope.wav"), &out, &err), 2);
}

}  // namespace
}  // namespace mixdown
