// The resource budget of a mix: stems are refused up front, in one line, when their total
// duration × channels exceeds what the machine is meant to take on, instead of a run that
// swaps for an hour and dies. The budget is in channel-hours (one hour of one channel at
// any rate) and is read from MIXDOWN_MAX_STEM_HOURS; the default suits a 24 GB machine with
// a wide margin (the mix streams, so the limit guards the per-frame analysis state and the
// render time rather than whole-file buffers).
#pragma once

#include <filesystem>

namespace mixdown::io {

inline constexpr double kDefaultMaxStemChannelHours = 96.0;  // e.g. 48 stereo stems of 1 hour

// MIXDOWN_MAX_STEM_HOURS when set to a positive number, else the default. A malformed value is
// a usage error naming the variable.
double max_stem_channel_hours();

// Probes every stem of `stems` (a folder or a session.toml; headers only) and throws
// Error(rejected) naming `stems` when the total exceeds the budget. Unreadable stems count 0
// (the stem check reports them).
void check_stem_budget(const std::filesystem::path& stems);

}  // namespace mixdown::io
