// The "Quality, measured": on every corpus song, the dry stems get random gains of
// +-10 dB (fixed seed), `mixdown mix --no-master` mixes them, and each stem's loudness relative
// to the mix (versions/stems/<stem>.wav against mix.wav, by libebur128) is compared with the
// author's (stems_wet/<stem>.flac against mix.flac). The mean absolute difference over the
// stems audible in the author's mix (relative loudness above -30 LU) must beat the
// equal-loudness sum (every dry stem at the same loudness, summed) on every song; the goal is
// 2.5 LU on average. Figures are printed; bench/mix_quality.sh runs this and draws spectrograms.
// MIXDOWN_KEEP=DIR keeps each song's output folder under DIR.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "../support/testing.hpp"
#include "io/audio_file.hpp"

#include <toml++/toml.h>

namespace mixdown {
namespace {

namespace fs = std::filesystem;

std::string bin() { return testkit::mixdown_bin(); }
std::string q(const fs::path& p) { return testkit::shell_quote(p); }

// A whole file through our reader in 64k-frame blocks. (One whole-file sf_readf_float call
// returns wrong samples for long 24-bit FLAC files with this libsndfile — -1551 LUFS for a
// -17.6 LUFS mix — which breaks testkit::ebur128_measure_file and io::read_file on the corpus.)
AudioBuffer read_chunked(const fs::path& p, int* rate) {
  io::AudioReader r(p);
  const auto& inf = r.info();
  *rate = inf.sample_rate;
  AudioBuffer all(inf.channels, static_cast<std::size_t>(inf.frames));
  std::size_t pos = 0;
  while (pos < all.num_frames()) {
    const std::size_t n = std::min<std::size_t>(65536, all.num_frames() - pos);
    const std::size_t got = r.read(all.view().sub(pos, n));
    if (got == 0) break;
    pos += got;
  }
  return all;
}

// Integrated loudness by libebur128 (the independent oracle).
double loudness(const fs::path& p) {
  int rate = 0;
  const AudioBuffer a = read_chunked(p, &rate);
  return testkit::ebur128_integrated(a.view(), rate);
}

struct SongScore {
  std::string song;
  double ours = 0, baseline = 0;
  int audible = 0;
};

// Equal-loudness sum: each dry stem scaled to -23 LUFS (mono stems centred at -3 dB per
// channel, so their loudness is kept) and summed; returns each stem's loudness relative to it.
std::map<std::string, double> equal_loudness_relative(const std::vector<fs::path>& dry) {
  AudioBuffer sum;
  std::map<std::string, double> rel;
  std::vector<std::string> present;
  for (const auto& p : dry) {
    int rate = 0;
    AudioBuffer a = read_chunked(p, &rate);
    const auto l = testkit::ebur128_integrated(a.view(), rate);
    if (!std::isfinite(l)) continue;
    const float g = static_cast<float>(std::pow(10.0, (-23.0 - l) / 20.0));
    if (sum.num_frames() < a.num_frames()) {
      AudioBuffer grown(2, a.num_frames());
      for (int c = 0; c < sum.num_channels(); ++c)
        std::copy(sum.channel(c), sum.channel(c) + sum.num_frames(), grown.channel(c));
      sum = std::move(grown);
    }
    for (int c = 0; c < 2; ++c) {
      const float* x = a.channel(a.num_channels() == 1 ? 0 : c);
      const float k = a.num_channels() == 1 ? g * static_cast<float>(std::sqrt(0.5)) : g;
      for (std::size_t i = 0; i < a.num_frames(); ++i) sum.channel(c)[i] += k * x[i];
    }
    present.push_back(p.stem().string());
  }
  const double m = testkit::ebur128_integrated(sum.view(), 48000);
  for (const auto& n : present) rel[n] = -23.0 - m;
  return rel;
}

// The song's dry stems under `work`/stems with random gains of +-10 dB drawn from `seed`, mixed
// (`mix --no-master`) into `work`/out; false when the mix failed.
bool mix_with_random_gains(const fs::path& song, const fs::path& work, unsigned seed, std::vector<fs::path>& dry) {
  const fs::path in = work / "stems", out = work / "out";
  fs::create_directories(in);
  dry.clear();
  for (const auto& e : fs::directory_iterator(song / "stems")) dry.push_back(e.path());
  std::sort(dry.begin(), dry.end());
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> gain(-10.0, 10.0);
  for (const auto& p : dry) {
    int rate = 0;
    AudioBuffer a = read_chunked(p, &rate);
    a.view().apply_gain(static_cast<float>(std::pow(10.0, gain(rng) / 20.0)));
    io::write_file(in / (p.stem().string() + ".wav"), a.view(),
                   {.sample_rate = rate, .channels = a.num_channels(), .format = io::SampleFormat::wav_float});
  }
  std::string o, err;
  const int rc = testkit::run_command(bin() + " mix " + q(in) + " -o " + q(out) + " --no-master --quiet", &o, &err);
  EXPECT_EQ(rc, 0) << err;
  return rc == 0;
}

SongScore score_song(const fs::path& song, const fs::path& work) {
  SongScore s;
  s.song = song.filename().string();
  const fs::path out = work / "out";
  std::vector<fs::path> dry;
  // MIXDOWN_QUALITY_SEED draws other random gains (the balance must not depend on them).
  const char* seed_env = std::getenv("MIXDOWN_QUALITY_SEED");
  if (!mix_with_random_gains(song, work, seed_env ? static_cast<unsigned>(std::strtoul(seed_env, nullptr, 10)) : 20261121u, dry))
    return s;
  const double mix = loudness(out / "mix.wav");
  const double author_mix = loudness(song / "mix.flac");
  const auto base = equal_loudness_relative(dry);
  double err_ours = 0, err_base = 0;
  std::printf("  %-28s %8s %8s %8s\n", "stem", "author", "ours", "equal");
  for (const auto& p : dry) {
    const std::string name = p.stem().string();
    const double author = loudness(song / "stems_wet" / p.filename()) - author_mix;
    if (!std::isfinite(author) || author < -30.0) continue;  // not audible in the author's mix
    const fs::path mine = out / "versions" / "stems" / (name + ".wav");
    double ours = -100.0;
    if (fs::exists(mine)) ours = loudness(mine) - mix;
    if (!std::isfinite(ours)) ours = -100.0;
    const double eq = base.count(name) ? base.at(name) : -100.0;
    std::printf("  %-28s %8.1f %8.1f %8.1f\n", name.c_str(), author, ours, eq);
    err_ours += std::abs(ours - author);
    err_base += std::abs(eq - author);
    ++s.audible;
  }
  if (s.audible) {
    s.ours = err_ours / s.audible;
    s.baseline = err_base / s.audible;
  }
  return s;
}

TEST(MixQuality, BeatsTheEqualLoudnessSumOnEveryCorpusSong) {
  const auto corpus = testkit::corpus_dir();
  if (!corpus) GTEST_SKIP() << "no corpus (../shared/corpus or $MIXDOWN_CORPUS)";
  if (!fs::exists(bin())) GTEST_SKIP() << "no mixdown binary at " << bin() << " (set MIXDOWN_BIN)";
  if (const char* s = std::getenv("MIXDOWN_SANITIZED"); s && std::string(s) == "1")
    GTEST_SKIP() << "mixes three whole songs: too slow under the sanitizers, and the sanitized "
                    "unit tests already cover the code it runs";
  std::vector<fs::path> songs;
  for (const auto& e : fs::directory_iterator(*corpus))
    if (fs::exists(e.path() / "stems") && fs::exists(e.path() / "stems_wet")) songs.push_back(e.path());
  std::sort(songs.begin(), songs.end());
  ASSERT_FALSE(songs.empty());
  testkit::TempDir tmp;
  const char* keep = std::getenv("MIXDOWN_KEEP");
  double sum = 0;
  for (const auto& song : songs) {
    const fs::path work = keep ? fs::path(keep) / song.filename() : tmp / song.filename().string();
    if (keep) fs::remove_all(work);
    std::printf("%s\n", song.filename().string().c_str());
    const auto s = score_song(song, work);
    std::printf("  => mean |ours - author| %.2f LU, equal-loudness %.2f LU, over %d audible stems\n", s.ours,
                s.baseline, s.audible);
    ASSERT_GT(s.audible, 0) << s.song;
    // Issue 5's requirement: ours < equal-loudness on every song, goal <= 2.5 LU on average.
    // Measured 1.60/1.83/4.36 LU against 2.25/1.92/5.09 (1.65/1.85/4.39 with
    // MIXDOWN_QUALITY_SEED=7): every song beats the baseline, the average (2.60) misses the goal
    // by 0.1 LU, mostly Skiessi-C64's chiptune drums, which its author kept 5-11 LU back.
    std::printf("  => beats the equal-loudness baseline: %s\n", s.ours < s.baseline ? "yes" : "NO");
    EXPECT_LT(s.ours, s.baseline) << s.song << ": no better than every stem at the same loudness";
    sum += s.ours;
  }
  const double avg = sum / double(songs.size());
  std::printf("average mean |ours - author|: %.2f LU (goal <= 2.5)\n", avg);
  // 2.50-2.51 with seeds 20261121, 1234, 7, 42, 1 and 2 (session 30; seed 1234 gave 2.88 while
  // the focus of a doubled line followed the louder file).
  EXPECT_LT(avg, 2.65) << "the balance regressed (2.54 LU measured when this bound was set, 2.50-2.51 over six seeds in session 30)";
  RecordProperty("average_lu", std::to_string(avg));
}

// The stems' levels as recorded are arbitrary (the measure above draws them at random): the mix
// must not follow them. Two draws of random gains give the same focus and every stem the same
// loudness relative to the mix (within 0.3 LU; the analyses' rounding moves them by hundredths).
// Seed 1234 once flipped Skiessi-C64's lead to its double, 6 LU louder than the author has it.
TEST(MixQuality, TheBalanceDoesNotFollowTheStemsRecordedLevels) {
  const auto corpus = testkit::corpus_dir();
  if (!corpus) GTEST_SKIP() << "no corpus (../shared/corpus or $MIXDOWN_CORPUS)";
  if (!fs::exists(bin())) GTEST_SKIP() << "no mixdown binary at " << bin() << " (set MIXDOWN_BIN)";
  if (const char* s = std::getenv("MIXDOWN_SANITIZED"); s && std::string(s) == "1")
    GTEST_SKIP() << "mixes every corpus song twice: too slow under the sanitizers";
  testkit::TempDir tmp;
  for (const auto& e : fs::directory_iterator(*corpus)) {
    if (!fs::exists(e.path() / "stems")) continue;
    const std::string song = e.path().filename().string();
    SCOPED_TRACE(song);
    std::map<std::string, double> first;
    std::string first_focus;
    for (unsigned seed : {20261121u, 1234u}) {
      const fs::path work = tmp.path() / (song + "-" + std::to_string(seed));
      std::vector<fs::path> dry;
      ASSERT_TRUE(mix_with_random_gains(e.path(), work, seed, dry));
      const fs::path out = work / "out";
      const auto session = toml::parse_file((out / "session.toml").string());
      const std::string focus = session["session"]["focus"].value_or(std::string());
      const double mix = loudness(out / "mix.wav");
      for (const auto& p : dry) {
        const std::string name = p.stem().string();
        const double rel = loudness(out / "versions" / "stems" / (name + ".wav")) - mix;
        if (!std::isfinite(rel) || rel < -40.0) continue;
        if (seed == 20261121u) {
          first[name] = rel;
        } else if (first.count(name)) {
          EXPECT_NEAR(rel, first[name], 0.3) << name << " moved with the stems' random gains";
        }
      }
      if (seed == 20261121u) first_focus = focus;
      else EXPECT_EQ(focus, first_focus) << "the focus followed the stems' random gains";
    }
    EXPECT_FALSE(first.empty());
  }
}

}  // namespace
}  // namespace mixdown
