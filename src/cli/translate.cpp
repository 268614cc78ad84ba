// `mixdown translate` — placeholder until its issue lands: refuses honestly with exit 1.
#include "cli/commands.hpp"
#include "core/error.hpp"

namespace mixdown::cli {

void add_translate(CLI::App& app, GlobalOptions& g, Action& action) {
  auto* sub = app.add_subcommand("translate", "not built yet");
  add_global_options(*sub, g);
  sub->allow_extras();
  sub->callback([&action] { action = [] () -> int { throw failed("translate", "this command is not built yet"); }; });
}

}  // namespace mixdown::cli
