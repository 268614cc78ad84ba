// One file per command: each adds its subcommand to the app and sets the action to run when it
// is chosen. Actions return the exit status; they throw mixdown::Error for a one-line failure.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace mixdown::cli {

struct GlobalOptions {
  bool quiet = false;
  int threads = 0;  // 0 = all cores
};

using Action = std::function<int()>;

// Adds the options every command takes (--quiet, --threads) to a subcommand.
void add_global_options(CLI::App& sub, GlobalOptions& g);

// Refuses an empty value for a numeric option: CLI11 reads `--amount ""` as 0 (or reports
// "Value  not in range"); `what` says what to give ("a number from 0 to 1").
CLI::Validator not_empty(const std::string& what);

void add_analyze(CLI::App& app, GlobalOptions& g, Action& action);
void add_check(CLI::App& app, GlobalOptions& g, Action& action);
void add_mix(CLI::App& app, GlobalOptions& g, Action& action);
void add_master(CLI::App& app, GlobalOptions& g, Action& action);
void add_album(CLI::App& app, GlobalOptions& g, Action& action);
void add_translate(CLI::App& app, GlobalOptions& g, Action& action);
void add_revise(CLI::App& app, GlobalOptions& g, Action& action);

// Runs the CLI as main() would; used by main.cpp and by in-process tests.
int run(int argc, char** argv);

}  // namespace mixdown::cli
