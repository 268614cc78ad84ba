// Tempo on real songs: `mixdown mix` on each corpus song's dry stems must read the author's
// tempo (meta.json "bpm"), or its half or double — the metrical level is ambiguous from
// onsets alone, and delays synced to either stay on the grid. A 3:2 or 4:5 reading (a
// syncopation taken for the beat) puts every tempo-synced delay off the grid and fails.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "../support/testing.hpp"

namespace mixdown {
namespace {

namespace fs = std::filesystem;

TEST(TempoCorpus, EachSongReadsItsTempoOrAnOctaveOfIt) {
  const auto corpus = testkit::corpus_dir();
  if (!corpus) GTEST_SKIP() << "no corpus (../shared/corpus or MIXDOWN_CORPUS): the corpus tempo test needs real songs";
  if (std::getenv("MIXDOWN_SANITIZED")) GTEST_SKIP() << "corpus runs are too slow under sanitizers; run in the Release pass";
  if (!fs::exists(testkit::mixdown_bin())) GTEST_SKIP() << "no mixdown binary at " << testkit::mixdown_bin();
  testkit::TempDir dir;
  int songs = 0;
  for (const auto& e : fs::directory_iterator(*corpus)) {
    if (!fs::exists(e.path() / "meta.json") || !fs::is_directory(e.path() / "stems")) continue;
    const double bpm = nlohmann::json::parse(testkit::slurp(e.path() / "meta.json")).value("bpm", 0.0);
    if (bpm <= 0) continue;
    const fs::path out = dir / e.path().filename().string();
    std::string err;
    ASSERT_EQ(testkit::run_command(testkit::mixdown_bin() + " mix " + testkit::shell_quote(e.path() / "stems") + " -o " +
                                       testkit::shell_quote(out) + " --no-master --quiet",
                                   nullptr, &err),
              0)
        << err;
    const auto report = nlohmann::json::parse(testkit::slurp(out / "report.json"));
    const double got = report["decisions"]["tempo_bpm"].get<double>();
    bool ok = false;
    for (double f : {1.0, 0.5, 2.0}) ok = ok || std::fabs(got - f * bpm) <= 0.03 * f * bpm;
    std::printf("[ tempo ] %s: %.1f BPM (author: %.0f)\n", e.path().filename().c_str(), got, bpm);
    EXPECT_TRUE(ok) << e.path().filename() << ": read " << got << " BPM, the author's tempo is " << bpm;
    ++songs;
  }
  EXPECT_GT(songs, 0) << "no song with meta.json bpm under " << *corpus;
}

}  // namespace
}  // namespace mixdown
