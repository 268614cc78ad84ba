// Interrupted runs (issue 9): `mix` and `master` killed with SIGKILL at random points (seeds
// printed) must leave every file under its final name complete and valid — WAVs readable by
// libsndfile to their declared length, JSON and TOML parsing, HTML closed — and the next run
// into the same folder must succeed. SIGINT and SIGTERM must remove the temporaries and exit
// 130 / 143.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sndfile.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <toml++/toml.h>
#include <vector>

#include "../support/testing.hpp"
#include "io/audio_file.hpp"

namespace mixdown {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string bin() { return testkit::mixdown_bin(); }

using testkit::slurp;

// stderr goes to `err` when given (else, as stdin and stdout, to /dev/null).
pid_t spawn(const std::vector<std::string>& args, const fs::path& err = {}) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(err.empty() ? null : open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
    std::vector<char*> argv;
    const std::string b = bin();
    argv.push_back(const_cast<char*>(b.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(b.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// Runs to the end; returns the exit status (128+signal when killed).
int wait_status(pid_t pid) {
  int st = 0;
  waitpid(pid, &st, 0);
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return -1;
}

int run_to_end(const std::vector<std::string>& args, double* seconds = nullptr) {
  const auto t0 = Clock::now();
  const int rc = wait_status(spawn(args));
  if (seconds) *seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return rc;
}

// Every file under its final name is whole; `temporaries` counts the dot-files (partials).
void expect_complete(const fs::path& out, const std::string& context, int* temporaries = nullptr) {
  if (temporaries) *temporaries = 0;
  if (!fs::exists(out)) return;
  for (const auto& e : fs::recursive_directory_iterator(out)) {
    if (!e.is_regular_file()) continue;
    const auto& p = e.path();
    const std::string name = p.filename().string();
    if (name.front() == '.') {
      if (temporaries) ++*temporaries;
      continue;  // a temporary: never mistaken for a deliverable
    }
    const auto ext = p.extension().string();
    if (ext == ".wav") {
      SF_INFO info{};
      SNDFILE* f = sf_open(p.c_str(), SFM_READ, &info);
      EXPECT_NE(f, nullptr) << context << ": unreadable " << p;
      if (!f) continue;
      char log[4096] = {};
      sf_command(f, SFC_GET_LOG_INFO, log, sizeof log);
      std::vector<float> buf(static_cast<std::size_t>(info.channels) * 8192);
      sf_count_t n, total = 0;
      while ((n = sf_readf_float(f, buf.data(), 8192)) > 0) total += n;
      sf_close(f);
      EXPECT_GT(info.frames, 0) << context << ": empty " << p;
      EXPECT_EQ(total, info.frames) << context << ": " << p << " shorter than declared";
      EXPECT_EQ(std::string(log).find("truncated"), std::string::npos) << context << ": truncated " << p;
    } else if (ext == ".json") {
      EXPECT_TRUE(nlohmann::json::accept(slurp(p))) << context << ": JSON does not parse: " << p;
    } else if (ext == ".toml") {
      EXPECT_NO_THROW({ auto t = toml::parse(slurp(p)); (void)t; }) << context << ": TOML does not parse: " << p;
    } else if (ext == ".html") {
      EXPECT_NE(slurp(p).find("</html>"), std::string::npos) << context << ": HTML cut short: " << p;
    }
  }
}

class Interrupt : public ::testing::Test {
protected:
  void SetUp() override {
    if (!fs::exists(bin())) GTEST_SKIP() << "no mixdown binary at " << bin() << " (set MIXDOWN_BIN)";
    if (std::getenv("MIXDOWN_SANITIZED")) GTEST_SKIP() << "timing-based; run in the Release pass only";
    stems_ = dir_ / "stems";
    fs::create_directories(stems_);
    const int rate = 48000;
    const double seconds = 8.0;
    auto tone = [&](const std::string& name, double hz, int channels, double amp) {
      AudioBuffer b = testkit::sine(hz, amp, seconds, rate, channels);
      const AudioBuffer n = testkit::noise(amp - 18, seconds, rate, channels, static_cast<std::uint64_t>(hz));
      for (int c = 0; c < channels; ++c)
        for (std::size_t i = 0; i < b.num_frames(); ++i)
          b.channel(c)[i] = b.channel(c)[i] * static_cast<float>(0.6 + 0.4 * std::sin(6.28 * 2.0 * double(i) / rate)) +
                            n.channel(c)[i];
      io::WriteSpec spec;
      spec.sample_rate = rate;
      spec.channels = channels;
      io::write_file(stems_ / name, b.view(), spec);
    };
    tone("Kick.wav", 55, 1, -8);
    tone("Bass DI.wav", 82, 1, -10);
    tone("Keys.wav", 440, 2, -14);
    tone("Lead Vox.wav", 330, 1, -12);
    AudioBuffer mix = testkit::noise(-20, 20.0, rate, 2, 7);
    io::WriteSpec spec;
    spec.sample_rate = rate;
    io::write_file(dir_ / "mix.wav", mix.view(), spec);
  }

  // SIGKILL at random points of `args` (whose output folder is `out`), then a full rerun.
  void kill_at_random_points(std::vector<std::string> args, const fs::path& out) {
    double full = 0;
    ASSERT_EQ(run_to_end(args, &full), 0) << "the uninterrupted run fails";
    fs::remove_all(out);
    for (unsigned seed : {11u, 23u, 37u}) {
      std::mt19937 rng(seed);
      const double at = std::uniform_real_distribution<double>(0.02, 0.98)(rng) * full;
      SCOPED_TRACE("seed " + std::to_string(seed) + ", SIGKILL after " + std::to_string(at) + " s of " +
                   std::to_string(full) + " s");
      std::printf("[ seed %u ] SIGKILL after %.2f s of %.2f s\n", seed, at, full);
      const pid_t pid = spawn(args);
      std::this_thread::sleep_for(std::chrono::duration<double>(at));
      kill(pid, SIGKILL);
      wait_status(pid);
      expect_complete(out, "after SIGKILL");
      // The next run into the same folder succeeds and leaves no temporary behind.
      ASSERT_EQ(run_to_end(args), 0) << "the run after a SIGKILL fails";
      // A SIGKILL cannot be caught, so the killed run's dot-named temporaries remain until the
      // next run into the folder, which removes them (their PID is no longer running).
      int temps = 0;
      expect_complete(out, "after the rerun", &temps);
      EXPECT_EQ(temps, 0) << "the rerun left the killed run's temporaries in " << out;
    }
  }

  void clean_signal_exit(std::vector<std::string> args, const fs::path& out, int sig, int expected) {
    double full = 0;
    ASSERT_EQ(run_to_end(args, &full), 0);
    for (double share : {0.4}) {
      fs::remove_all(out);
      const fs::path err = dir_ / "signal-stderr.txt";
      const pid_t pid = spawn(args, err);
      std::this_thread::sleep_for(std::chrono::duration<double>(share * full));
      kill(pid, sig);
      const int rc = wait_status(pid);
      if (rc == 0) continue;  // finished before the signal landed
      EXPECT_EQ(rc, expected) << "signal " << sig << " at " << share * full << " s";
      // Every non-zero exit says why, in one line.
      const std::string said = testkit::slurp(err);
      EXPECT_EQ(std::count(said.begin(), said.end(), '\n'), 1) << said;
      EXPECT_EQ(said.rfind(sig == SIGINT ? "mixdown: stopped (SIGINT)" : "mixdown: stopped (SIGTERM)", 0), 0u) << said;
      int temps = 0;
      expect_complete(out, "after signal " + std::to_string(sig), &temps);
      EXPECT_EQ(temps, 0) << "signal " << sig << " left temporaries in " << out;
      // A session.toml is written with the mix it describes, never ahead of it.
      if (fs::exists(out / "session.toml")) {
        EXPECT_TRUE(fs::exists(out / "mix.wav")) << "a session.toml without its mix in " << out;
      }
    }
  }

  testkit::TempDir dir_;
  fs::path stems_;
};

TEST_F(Interrupt, MixSurvivesSigkillAtRandomPoints) {
  const auto out = dir_ / "out";
  kill_at_random_points({"mix", stems_.string(), "-o", out.string(), "--quiet", "--threads", "2"}, out);
}

TEST_F(Interrupt, MasterSurvivesSigkillAtRandomPoints) {
  const auto out = dir_ / "mout";
  kill_at_random_points({"master", (dir_ / "mix.wav").string(), "-o", out.string(), "--quiet", "--target",
                         "streaming", "--target", "cd"},
                        out);
}

// A re-master of another song into a folder that holds a finished run, stopped at points spread
// over its length: a report.json left in the folder describes every master it lists (their
// lengths are its input's), never the new song's files beside the old run's report.
TEST_F(Interrupt, RemasterStoppedHalfwayLeavesNoReportOfOtherAudio) {
  const auto out = dir_ / "rout";
  const auto other = dir_ / "other.wav";
  {
    AudioBuffer b = testkit::noise(-18, 40.0, 48000, 2, 99);
    io::write_file(other, b.view(), io::WriteSpec{});
  }
  const std::vector<std::string> first{"master", (dir_ / "mix.wav").string(), "-o", out.string(), "--quiet",
                                       "--target", "streaming", "--target", "cd"};
  const std::vector<std::string> second{"master", other.string(), "-o", out.string(), "--quiet",
                                        "--target", "streaming", "--target", "cd"};
  double full = 0;
  ASSERT_EQ(run_to_end(first), 0);
  ASSERT_EQ(run_to_end(second, &full), 0);
  int checked = 0;
  for (double share : {0.05, 0.35, 0.5, 0.65, 0.8, 0.95}) {
    ASSERT_EQ(run_to_end(first), 0);
    const pid_t pid = spawn(second);
    std::this_thread::sleep_for(std::chrono::duration<double>(share * full));
    kill(pid, SIGKILL);
    wait_status(pid);
    if (!fs::exists(out / "report.json")) continue;
    ++checked;
    const auto j = nlohmann::json::parse(slurp(out / "report.json"));
    const double seconds = j["input"]["duration_s"].get<double>();
    for (const auto& m : j["masters"]) {
      SF_INFO info{};
      SNDFILE* f = sf_open((out / m["file"].get<std::string>()).c_str(), SFM_READ, &info);
      ASSERT_NE(f, nullptr) << m["file"];
      sf_close(f);
      EXPECT_NEAR(double(info.frames) / info.samplerate, seconds, 0.1)
          << m["file"] << " is not the audio report.json describes (SIGKILL after " << share * full << " s of " << full << " s)";
    }
  }
  std::printf("[ info ] %d of 6 stopped runs left a report.json, each checked\n", checked);
}

TEST_F(Interrupt, MixSigintExits130AndCleansUp) {
  const auto out = dir_ / "out";
  clean_signal_exit({"mix", stems_.string(), "-o", out.string(), "--quiet"}, out, SIGINT, 130);
}

TEST_F(Interrupt, MixSigtermExits143AndCleansUp) {
  const auto out = dir_ / "out";
  clean_signal_exit({"mix", stems_.string(), "-o", out.string(), "--quiet"}, out, SIGTERM, 143);
}

TEST_F(Interrupt, MasterSigtermExits143AndCleansUp) {
  const auto out = dir_ / "mout";
  clean_signal_exit({"master", (dir_ / "mix.wav").string(), "-o", out.string(), "--quiet"}, out, SIGTERM, 143);
}

TEST_F(Interrupt, MasterSigintExits130AndCleansUp) {
  const auto out = dir_ / "mout";
  clean_signal_exit({"master", (dir_ / "mix.wav").string(), "-o", out.string(), "--quiet"}, out, SIGINT, 130);
}

}  // namespace
}  // namespace mixdown
