// `mixdown analyze` as users run it: the real binary ($MIXDOWN_BIN) on files written here.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/testing.hpp"
#include "io/audio_file.hpp"

namespace mixdown {
namespace {

namespace fs = std::filesystem;

std::string bin() { return testkit::mixdown_bin(); }

std::string q(const fs::path& p) { return testkit::shell_quote(p); }

class AnalyzeCommand : public ::testing::Test {
protected:
  void SetUp() override {
    if (!fs::exists(bin())) GTEST_SKIP() << "no mixdown binary at " << bin() << " (set MIXDOWN_BIN)";
    const auto song = testkit::concat({testkit::sine(220.0, -14.0, 4.0, 48000), testkit::noise(-24.0, 4.0, 48000, 2, 1)});
    io::write_file(dir_ / "mix.wav", song.view(), {.sample_rate = 48000, .channels = 2, .format = io::SampleFormat::wav24});
    io::write_file(dir_ / "ref.flac", testkit::noise(-18.0, 6.0, 44100, 2, 2).view(),
                   {.sample_rate = 44100, .channels = 2, .format = io::SampleFormat::flac24});
  }
  testkit::TempDir dir_;
};

TEST_F(AnalyzeCommand, JsonToStdout) {
  std::string out, err;
  ASSERT_EQ(testkit::run_command(bin() + " analyze " + q(dir_ / "mix.wav") + " --json -", &out, &err), 0) << err;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["sample_rate"], 48000);
  EXPECT_EQ(j["channels"], 2);
  EXPECT_NEAR(j["duration_s"].get<double>(), 8.0, 0.001);
  EXPECT_TRUE(j["loudness"]["integrated_lufs"].is_number());
  EXPECT_TRUE(j["loudness"]["true_peak_dbtp"].is_number());
  EXPECT_TRUE(j["spectrum"]["bands_db"]["low"].is_number());
  EXPECT_TRUE(j["stereo"]["correlation"].is_number());
  EXPECT_TRUE(j["problems"].is_array());
  // The same measurement the oracle makes, through the whole CLI.
  const auto oracle = testkit::ebur128_measure_file(dir_ / "mix.wav");
  EXPECT_NEAR(j["loudness"]["sample_peak_dbfs"].get<double>(), oracle.sample_peak_db, 0.01);
}

TEST_F(AnalyzeCommand, TableByDefaultAndJsonToAFile) {
  std::string out, err;
  ASSERT_EQ(testkit::run_command(bin() + " analyze " + q(dir_ / "mix.wav") + " --json " + q(dir_ / "a.json"), &out, &err), 0)
      << err;
  EXPECT_NE(out.find("integrated"), std::string::npos);
  EXPECT_NE(out.find("LUFS"), std::string::npos);
  std::ifstream in(dir_ / "a.json");
  const auto j = nlohmann::json::parse(in);
  EXPECT_TRUE(j["loudness"]["range_lu"].is_number());
  // --json to a device writes through (no rename onto /dev/null).
  ASSERT_EQ(testkit::run_command(bin() + " analyze " + q(dir_ / "mix.wav") + " --json /dev/null -q", &out, &err), 0) << err;
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST_F(AnalyzeCommand, Reference) {
  std::string out, err;
  ASSERT_EQ(testkit::run_command(bin() + " analyze " + q(dir_ / "mix.wav") + " --reference " + q(dir_ / "ref.flac") +
                                     " --json -",
                                 &out, &err),
            0)
      << err;
  const auto j = nlohmann::json::parse(out);
  ASSERT_TRUE(j.contains("reference"));
  EXPECT_TRUE(j["reference"]["deltas"]["loudness_lu"].is_number());
  EXPECT_TRUE(j["reference"]["deltas"]["bands_db"]["sub"].is_number());
  EXPECT_TRUE(j["reference"]["notes"].is_array());
}

TEST_F(AnalyzeCommand, BadInputExitsThreeWithOneLine) {
  std::ofstream(dir_ / "notes.wav") << "not audio at all";
  std::ofstream(dir_ / "empty.flac").close();
  AudioBuffer seven(7, 4800);
  io::write_file(dir_ / "seven.wav", seven.view(), {.sample_rate = 48000, .channels = 7, .format = io::SampleFormat::wav16});
  for (const char* name : {"notes.wav", "empty.flac", "missing.wav", "seven.wav"}) {
    std::string out, err;
    const int status = testkit::run_command(bin() + " analyze " + q(dir_ / name), &out, &err);
    EXPECT_EQ(status, 3) << name << ": " << err;
    EXPECT_NE(err.find(name), std::string::npos) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
  std::string out, err;
  EXPECT_EQ(testkit::run_command(bin() + " analyze", &out, &err), 2);
}

}  // namespace
}  // namespace mixdown
