// report.json for `mixdown mix`: the mix's analysis, every decision with its reason grouped by
// stem, the intake problems, the render (landing gain, true peak) and the masters.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

#include "io/mix_pipeline.hpp"

namespace mixdown::report {

nlohmann::json decisions_json(const mix::Console& console);
nlohmann::json mix_json(const io::MixOutcome& outcome, const std::filesystem::path& out_dir);
// A short human summary for the terminal.
std::string mix_text(const io::MixOutcome& outcome, const std::filesystem::path& out_dir);

}  // namespace mixdown::report
