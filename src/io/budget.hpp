// The resource budget of a mix: stems are refused up front, in one line, when their total
// duration × channels exceeds what the machine is meant to take on, instead of a run that
// swaps for an hour and dies. The budget is in channel-hours (one hour of one channel at
// any rate) and is read from MIXDOWN_MAX_STEM_HOURS; the default suits a 24 GB machine with
// a wide margin (the mix streams, so the limit guards the per-frame analysis state and the
// render time rather than whole-file buffers).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace mixdown::io {

inline constexpr double kDefaultMaxStemChannelHours = 96.0;  // e.g. 48 stereo stems of 1 hour

// A number from the environment variable `name`: nothing when it is unset or empty; a usage
// error naming the variable ("\"VALUE\" is not `expected`") when it is not a finite number at
// least `least` (above it when `least_allowed` is false).
std::optional<double> env_number(const char* name, double least, bool least_allowed, const std::string& expected);

// MIXDOWN_MAX_STEM_HOURS when set to a positive number, else the default. A malformed value is
// a usage error naming the variable.
double max_stem_channel_hours();

// Probes every stem of `stems` (a folder or a session.toml; headers only) and throws
// Error(rejected) naming `stems` when the total exceeds the budget. Unreadable stems count 0
// (the stem check reports them).
void check_stem_budget(const std::filesystem::path& stems);

}  // namespace mixdown::io
