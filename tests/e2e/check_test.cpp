// `mixdown check` end to end: the real binary on a folder of synthesized stems.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/testing.hpp"
#include "io/audio_file.hpp"

using namespace mixdown;
namespace fs = std::filesystem;

namespace {

std::string bin() {
  const char* b = std::getenv("MIXDOWN_BIN");
  return b ? b : "mixdown";
}

std::string q(const fs::path& p) { return testkit::shell_quote(p); }

void write(const fs::path& p, const AudioBuffer& b, io::SampleFormat f = io::SampleFormat::wav24) {
  io::WriteSpec spec;
  spec.sample_rate = 48000;
  spec.channels = b.num_channels();
  spec.format = f;
  io::write_file(p, b.view(), spec);
}

AudioBuffer tone(double hz, int channels, std::uint64_t seed) {
  AudioBuffer b = testkit::noise(-45.0, 2.0, 48000, channels, seed);
  for (int c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < b.num_frames(); ++i) {
      const double t = double(i) / 48000;
      b.channel(c)[i] += static_cast<float>(0.3 * std::exp(-std::fmod(t, 0.5) / 0.2) *
                                            std::sin(2 * M_PI * hz * (1 + 0.01 * c) * t));
    }
  return b;
}

}  // namespace

TEST(CheckCommand, JsonHasTheInterfaceShape) {
  testkit::TempDir d;
  write(d / "Bass DI.wav", tone(70, 1, 1));
  write(d / "Keys.wav", tone(440, 2, 2), io::SampleFormat::wav16);
  write(d / "Audio 07.wav", tone(660, 1, 3));
  std::ofstream(d / "notes.txt") << "x";
  std::ofstream(d / ".DS_Store") << "x";
  std::string out, err;
  const int rc = testkit::run_command(bin() + " check " + q(d.path()) + " --json -", &out, &err);
  ASSERT_EQ(rc, 0) << err;
  const auto j = nlohmann::json::parse(out);
  ASSERT_EQ(j.at("stems").size(), 3u);
  for (const auto& s : j.at("stems")) {
    for (const char* k : {"file", "role", "role_source", "sample_rate", "bit_depth", "channels", "duration_s"})
      EXPECT_TRUE(s.contains(k)) << k;
    EXPECT_EQ(s.at("sample_rate"), 48000);
    EXPECT_NEAR(s.at("duration_s").get<double>(), 2.0, 1e-3);
  }
  EXPECT_EQ(j.at("stems")[0].at("file"), "Audio 07.wav");  // sorted by name
  EXPECT_EQ(j.at("stems")[0].at("role_source"), "content");
  EXPECT_EQ(j.at("stems")[1].at("role"), "bass");
  EXPECT_EQ(j.at("stems")[1].at("role_source"), "name");
  EXPECT_EQ(j.at("stems")[2].at("bit_depth"), 16);
  bool low_bits = false, unlabeled = false;
  for (const auto& p : j.at("problems")) {
    for (const char* k : {"stem", "code", "severity", "message", "fix"}) EXPECT_TRUE(p.contains(k)) << k;
    if (p.at("code") == "low_bit_depth" && p.at("stem") == "Keys.wav") low_bits = true;
    if (p.at("code") == "unlabeled" && p.at("stem") == "Audio 07.wav") unlabeled = true;
  }
  EXPECT_TRUE(low_bits);
  EXPECT_TRUE(unlabeled);
  EXPECT_EQ(j.at("ignored"), nlohmann::json::array({"notes.txt"}));
  EXPECT_EQ(j.at("hidden"), nlohmann::json::array({".DS_Store"}));
  // The table says the skip once.
  ASSERT_EQ(testkit::run_command(bin() + " check " + q(d.path()), &out, &err), 0) << err;
  EXPECT_NE(out.find("hidden, skipped: .DS_Store"), std::string::npos) << out;
}

TEST(CheckCommand, TableByDefaultAndJsonFile) {
  testkit::TempDir d;
  fs::create_directory(d / "stems");
  write(d / "stems" / "Kick.wav", tone(60, 1, 4));
  write(d / "stems" / "Gtr.wav", tone(330, 1, 5));
  std::string out, err;
  const int rc = testkit::run_command(bin() + " check " + q(d / "stems") + " --json " + q(d / "c.json"), &out, &err);
  ASSERT_EQ(rc, 0) << err;
  EXPECT_NE(out.find("Kick.wav"), std::string::npos) << out;
  EXPECT_NE(out.find("Gtr.wav"), std::string::npos) << out;
  std::ifstream in(d / "c.json");
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j.at("stems").size(), 2u);
  // Quiet prints nothing.
  ASSERT_EQ(testkit::run_command(bin() + " check " + q(d / "stems") + " --quiet", &out, &err), 0);
  EXPECT_TRUE(out.empty()) << out;
}

TEST(CheckCommand, NothingUsableExitsThreeWithOneLine) {
  testkit::TempDir d;
  std::string out, err;
  EXPECT_EQ(testkit::run_command(bin() + " check " + q(d.path()), &out, &err), 3);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find(d.path().string()), std::string::npos) << err;
  std::ofstream(d / "junk.wav") << "not audio at all";
  EXPECT_EQ(testkit::run_command(bin() + " check " + q(d.path()), &out, &err), 3);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(testkit::run_command(bin() + " check " + q(d / "nope"), &out, &err), 3);
  // One good stem among bad ones: exit 0 and the bad one is reported by name.
  write(d / "Pad.wav", tone(220, 2, 6));
  ASSERT_EQ(testkit::run_command(bin() + " check " + q(d.path()) + " --json -", &out, &err), 0) << err;
  const auto j = nlohmann::json::parse(out);
  bool reported = false;
  for (const auto& p : j.at("problems"))
    if (p.at("stem") == "junk.wav" && p.at("code") == "unreadable") reported = true;
  EXPECT_TRUE(reported);
}

TEST(CheckCommand, UsageErrors) {
  std::string out, err;
  EXPECT_EQ(testkit::run_command(bin() + " check", &out, &err), 2);
  EXPECT_EQ(testkit::run_command(bin() + " check --help", &out, &err), 0);
  EXPECT_NE(out.find("--json"), std::string::npos);
}
