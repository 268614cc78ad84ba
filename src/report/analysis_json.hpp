// The analyze report in the two forms INTERFACE.md promises: JSON with its keys (non-finite
// numbers, e.g. the loudness of silence, as null) and a human-readable table for the terminal.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "analysis/analyzer.hpp"

namespace mixdown::report {

nlohmann::json analysis_to_json(const analysis::AnalysisReport& report);
nlohmann::json reference_to_json(const analysis::ReferenceComparison& comparison);
// The table printed by `mixdown analyze` without --json.
std::string analysis_to_text(const analysis::AnalysisReport& report);

}  // namespace mixdown::report
