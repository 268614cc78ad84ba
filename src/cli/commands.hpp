// The commands: each has its arguments (a plain struct the parser fills) and its action
// (run_X), which returns the exit status and throws mixdown::Error for a one-line failure.
// Only app.cpp sees the argument parser (CLI11): it declares every command's options and calls
// the chosen action, so the parser's header is compiled once, not once per command.
#pragma once

#include <string>
#include <vector>

namespace mixdown::cli {

struct GlobalOptions {
  bool quiet = false;
  int threads = 0;  // 0 = all cores
};

struct AnalyzeArgs {
  std::string input;
  std::string reference;
  std::string json;  // "", "-" or a path
};

struct CheckArgs {
  std::string stems;
  std::string json;
};

struct MixArgs {
  std::string stems, out;
  std::vector<std::string> brief, targets;
  bool no_master = false;
};

struct MasterArgs {
  std::string input;
  std::string out;
  std::vector<std::string> targets;
  std::string reference;
  double amount = 1.0;
  bool strict = false;
  bool noise_shaping = false;
};

struct AlbumArgs {
  std::vector<std::string> files;
  std::string out;
  std::string target = "streaming";
  double gap_s = -1.0;  // < 0: album.toml's or the default
};

struct TranslateArgs {
  std::string input, out, json;
};

struct ReviseArgs {
  std::string out;
  std::vector<std::string> notes;
  std::string json;
  bool list = false;
  int back = 0;
  bool back_given = false;
};

int run_analyze(const AnalyzeArgs& a, const GlobalOptions& g);
int run_check(const CheckArgs& a, const GlobalOptions& g);
int run_mix(const MixArgs& a, const GlobalOptions& g);
int run_master(const MasterArgs& a, const GlobalOptions& g);
int run_album(const AlbumArgs& a, const GlobalOptions& g);
int run_translate(const TranslateArgs& a, const GlobalOptions& g);
int run_revise(const ReviseArgs& a, const GlobalOptions& g);

// Runs the CLI as main() would; used by main.cpp and by in-process tests.
int run(int argc, char** argv);

}  // namespace mixdown::cli
