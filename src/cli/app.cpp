#include <algorithm>
#include <cctype>
#include <cstdio>
#include <exception>
#include <string>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "io/temp_registry.hpp"

namespace mixdown::cli {

void add_global_options(CLI::App& sub, GlobalOptions& g) {
  sub.add_flag("-q,--quiet", g.quiet, "Print nothing but errors");
  sub.add_option("--threads", g.threads, "Worker threads (0 = all cores)")
      ->check(not_empty("a whole number from 0 to 256"))
      ->check(CLI::Range(0, 256));
}

CLI::Validator not_empty(const std::string& what) {
  return CLI::Validator(
      [what](std::string& value) {
        const bool blank = std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isspace(c); });
        return blank ? "the value is empty; give " + what : std::string();
      },
      "", "not_empty");
}

int run(int argc, char** argv) {
  CLI::App app{"mixdown — automatic mix and mastering engineer", "mixdown"};
  app.require_subcommand(1);
  GlobalOptions g;
  Action action;
  add_analyze(app, g, action);
  add_check(app, g, action);
  add_mix(app, g, action);
  add_master(app, g, action);
  add_album(app, g, action);
  add_translate(app, g, action);
  add_revise(app, g, action);
  // A first word that is no command is named (CLI11 says only "A subcommand is required").
  if (argc >= 2 && argv[1][0] != '-' && argv[1][0] != '\0') {
    const std::string first = argv[1];
    std::string names;
    bool known = false;
    for (const auto* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      names += (names.empty() ? "" : ", ") + sub->get_name();
      known = known || sub->check_name(first);
    }
    if (!known) {
      std::fprintf(stderr, "mixdown: unknown command '%s' (commands: %s; see mixdown --help)\n", first.c_str(),
                   names.c_str());
      return static_cast<int>(ExitCode::usage);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "mixdown: %s (see mixdown --help)\n", e.what());
    return static_cast<int>(ExitCode::usage);
  }
  io::install_signal_cleanup();
  try {
    return action ? action() : static_cast<int>(ExitCode::usage);
  } catch (const Error& e) {
    std::fprintf(stderr, "mixdown: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "mixdown: out of memory\n");
    return static_cast<int>(ExitCode::failed);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mixdown: %s\n", e.what());
    return static_cast<int>(ExitCode::failed);
  }
}

}  // namespace mixdown::cli
