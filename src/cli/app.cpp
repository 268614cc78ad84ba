#include <cstdio>
#include <exception>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "io/temp_registry.hpp"

namespace mixdown::cli {

void add_global_options(CLI::App& sub, GlobalOptions& g) {
  sub.add_flag("-q,--quiet", g.quiet, "Print nothing but errors");
  sub.add_option("--threads", g.threads, "Worker threads (0 = all cores)")->check(CLI::Range(0, 256));
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
