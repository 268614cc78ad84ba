// `mixdown check STEMS [--json PATH|-]`: list the stems, check each in one streaming pass
// (io::check_stem_source), print the table or write the JSON. Exit 3 only when nothing usable
// remains; problems in usable stems are reported, not fatal.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "core/error.hpp"
#include "io/audio_file.hpp"
#include "io/stem_set.hpp"
#include "report/check_json.hpp"

namespace mixdown::cli {

int run_check(const CheckArgs& a, const GlobalOptions& g) {
  io::check_json_path(a.json, {});
  Progress progress("check", g.quiet || a.json == "-");
  const auto result = io::check_stem_source(a.stems, g.threads,
                                            [&](double f) { progress.update(f, "reading stems"); });
  progress.done();
  {
    std::vector<std::filesystem::path> inputs{a.stems};
    for (const auto& s : result.stems) inputs.push_back(s.path);
    io::refuse_overwriting_input(a.json, inputs);
  }
  if (a.json == "-") {
    std::fputs((report::check_json(result).dump(2) + "\n").c_str(), stdout);
    return 0;
  }
  if (!a.json.empty()) io::write_text_atomic(a.json, report::check_json(result).dump(2) + "\n");
  if (!g.quiet) std::fputs(report::check_text(result).c_str(), stdout);
  return 0;
}

}  // namespace mixdown::cli
