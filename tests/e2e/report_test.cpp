// report.html and the translation checks of `mixdown mix`, on the demo stems: the page is
// self-contained, carries every plot, and opens in headless Chromium without a console error.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../support/testing.hpp"

namespace mixdown {
namespace {

namespace fs = std::filesystem;

std::string bin() { return testkit::mixdown_bin(); }
std::string q(const fs::path& p) { return testkit::shell_quote(p); }
using testkit::slurp;

const std::vector<std::string> kPlotIds = {"plot-loudness", "plot-spectrum", "plot-stereo", "plot-stems", "plot-masking",
                                           "table-translation", "metrics", "decisions", "players", "problems"};

class Report : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    if (std::getenv("MIXDOWN_SANITIZED")) return;
    dir_ = new testkit::TempDir();
    out_ = dir_->path() / "demo";
    const fs::path demo = testkit::source_dir() / "examples" / "demo";
    std::string out, err;
    rc_ = testkit::run_command(bin() + " mix " + q(demo) + " -o " + q(out_) + " --quiet", &out, &err);
    err_ = err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (std::getenv("MIXDOWN_SANITIZED")) GTEST_SKIP() << "a whole mix is too slow under sanitizers";
    ASSERT_EQ(rc_, 0) << err_;
  }
  static inline testkit::TempDir* dir_ = nullptr;
  static inline fs::path out_;
  static inline int rc_ = -1;
  static inline std::string err_;
};

TEST_F(Report, MixWritesTranslationIntoReportJson) {
  const auto j = nlohmann::json::parse(slurp(out_ / "report.json"));
  ASSERT_TRUE(j.contains("translation"));
  const auto& t = j["translation"];
  ASSERT_EQ(t["systems"].size(), 7u);
  EXPECT_TRUE(t["problems"].is_array());
  for (const auto& s : t["systems"]) {
    EXPECT_TRUE(s["loudness_lufs"].is_number()) << s.dump();
    // Measured only: the listenable simulations are `mixdown translate`'s.
    EXPECT_TRUE(s["file"].is_null()) << s.dump();
  }
  EXPECT_FALSE(fs::exists(out_ / "translation"));
}

TEST_F(Report, HtmlIsSelfContainedAndHasEveryPlot) {
  const std::string html = slurp(out_ / "report.html");
  ASSERT_FALSE(html.empty());
  for (const auto& id : kPlotIds) EXPECT_NE(html.find("id=\"" + id + "\""), std::string::npos) << id;
  // No network: nothing fetched from anywhere but the output folder.
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  // Players point at files that exist, relative to the folder.
  std::size_t pos = 0;
  int players = 0;
  while ((pos = html.find("<audio controls preload=\"none\" src=\"", pos)) != std::string::npos) {
    pos += 36;
    const std::string src = html.substr(pos, html.find('"', pos) - pos);
    EXPECT_FALSE(fs::path(src).is_absolute()) << src;
    EXPECT_TRUE(fs::exists(out_ / src)) << src;
    ++players;
  }
  EXPECT_GE(players, 3);  // mix, master, previews, versions, systems
  // The sections the song analysis found are drawn on the loudness plot.
  const auto j = nlohmann::json::parse(slurp(out_ / "report.json"));
  if (!j["decisions"]["sections"].empty()) {
    EXPECT_NE(html.find("class=\"sec "), std::string::npos);
  }
}

TEST_F(Report, MasterWritesReportHtmlAndTranslation) {
  const fs::path out = dir_->path() / "master";
  std::string o, err;
  ASSERT_EQ(testkit::run_command(bin() + " master " + q(out_ / "mix.wav") + " -o " + q(out) + " --quiet", &o, &err), 0) << err;
  const auto j = nlohmann::json::parse(slurp(out / "report.json"));
  ASSERT_TRUE(j.contains("translation"));
  EXPECT_EQ(j["translation"]["systems"].size(), 7u);
  // master measures translation without rendering the simulations (`mixdown translate` does).
  EXPECT_FALSE(fs::exists(out / "translation"));
  for (const auto& s : j["translation"]["systems"]) EXPECT_TRUE(s["file"].is_null()) << s.dump();
  const std::string html = slurp(out / "report.html");
  for (const char* id : {"plot-loudness", "plot-spectrum", "plot-stereo", "table-translation", "metrics", "decisions", "players"})
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  EXPECT_NE(html.find("src=\"masters/streaming.wav\""), std::string::npos);
}

TEST_F(Report, OpensInHeadlessChromiumWithoutErrors) {
  const fs::path chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) GTEST_SKIP() << "no /usr/bin/chromium (scripts/install-deps.sh installs it for make test)";
  testkit::TempDir profile;
  const std::string flags = " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
                            " --disable-component-update --disable-sync --disable-dev-shm-usage --user-data-dir=" +
                            q(profile.path()) + " --enable-logging=stderr --v=0 ";
  const std::string url = "file://" + fs::absolute(out_ / "report.html").string();
  std::string dom, log;
  ASSERT_EQ(testkit::run_command(chromium.string() + flags + "--dump-dom " + q(url), &dom, &log), 0) << log;
  for (const auto& id : kPlotIds) EXPECT_NE(dom.find("id=\"" + id + "\""), std::string::npos) << id;
  EXPECT_EQ(log.find("Uncaught"), std::string::npos) << log;
  EXPECT_EQ(log.find(":CONSOLE"), std::string::npos) << log;  // any console message: the page has no script
  const fs::path shot = dir_->path() / "report.png";
  std::string o2, log2;
  ASSERT_EQ(testkit::run_command(chromium.string() + flags + "--screenshot=" + q(shot) + " --window-size=1400,3000 " + q(url), &o2, &log2), 0)
      << log2;
  ASSERT_TRUE(fs::exists(shot));
  const std::string png = slurp(shot);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  EXPECT_GT(png.size(), 40000u);  // a page of plots, not a blank canvas
  EXPECT_EQ(log2.find("Uncaught"), std::string::npos) << log2;
}

}  // namespace
}  // namespace mixdown
