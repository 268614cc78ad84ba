// report.json for `mixdown master` and `mixdown album`: the input analysis, every master's
// loudness, true peak, LRA and PLR before and after, the decisions with their reasons, the
// lossy-codec check and the problems (same shape as `analyze`). Non-finite numbers (silence,
// too short for LRA) are written as null.
#pragma once

#include <nlohmann/json.hpp>
#include <filesystem>

#include "io/master_io.hpp"

namespace mixdown::report {

nlohmann::json problem_json(const Problem& p);
nlohmann::json input_analysis_json(const master::InputAnalysis& a, const std::filesystem::path& file);
// Paths inside the report are written relative to `out_dir`.
nlohmann::json master_json(const io::MasterResult& r, const std::filesystem::path& out_dir);
nlohmann::json album_json(const io::AlbumResult& r, const std::filesystem::path& out_dir);

}  // namespace mixdown::report
