// session.toml: the console as a file a person can read and edit. One field list per settings
// struct (session.cpp) drives both the writer and the validating reader, so the two cannot
// drift. The reader rejects unknown keys and out-of-range values with file:line and the
// allowed range; stem paths are resolved relative to the session file.
#pragma once

#include <filesystem>
#include <string>

#include "mix/console.hpp"

namespace mixdown::io {

// Serializes the console. `base_dir` is the folder the file will live in: stem paths are
// written relative to it when possible.
std::string session_to_toml(const mix::Console& console, const std::filesystem::path& base_dir);

// The role_source of a stem whose [[stem]] table gives no role: the check finds it (from the
// name, else the sound) as it does for a folder of stems.
inline constexpr const char* kRoleToDetect = "detect";

// Parses a session. Throws Error(rejected) "FILE:LINE: problem" for syntax errors, unknown
// keys, wrong types and out-of-range values. Stem `file` entries are made absolute against the
// session file's folder; a stem's name defaults to its file's name, and a stem with no role
// gets role_source kRoleToDetect.
mix::Console session_from_toml(const std::string& text, const std::filesystem::path& file_for_messages);
mix::Console load_session(const std::filesystem::path& path);
void save_session(const mix::Console& console, const std::filesystem::path& path);

}  // namespace mixdown::io
