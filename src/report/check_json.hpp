// `mixdown check` output: the JSON of INTERFACE.md (`stems`, `problems`, plus `pairs`,
// `relations`, `ignored`, `session_rate` and per-stem confidence, heard role and features) and
// the human-readable table printed by default.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "io/stem_set.hpp"

namespace mixdown::report {

nlohmann::json check_json(const io::StemCheckResult& r);
std::string check_text(const io::StemCheckResult& r);

}  // namespace mixdown::report
