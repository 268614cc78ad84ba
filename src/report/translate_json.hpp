// The translate JSON of INTERFACE.md: {"systems": [...], "problems": [...]}, plus the input's
// measurements and how the lead was measured. Also the "translation" key of mix and master
// report.json (same shape), and a short table for the terminal.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "analysis/translation.hpp"

namespace mixdown::report {

nlohmann::json translation_json(const analysis::TranslationReport& report, const std::string& file = {});
std::string translation_text(const analysis::TranslationReport& report);

}  // namespace mixdown::report
