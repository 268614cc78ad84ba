#include "cli/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace mixdown::cli {

Progress::Progress(std::string label, bool quiet)
    : label_(std::move(label)), enabled_(!quiet && ::isatty(STDERR_FILENO)) {}

Progress::~Progress() { done(); }

void Progress::update(double fraction, const std::string& stage) {
  if (!enabled_) return;
  const int pct = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * 100.0);
  if (pct == last_percent_ && stage == last_stage_) return;
  last_percent_ = pct;
  last_stage_ = stage;
  constexpr int kWidth = 30;
  const int filled = pct * kWidth / 100;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\r%s [%s] %3d%% %-24s", label_.c_str(), bar.c_str(), pct, stage.c_str());
  std::fflush(stderr);
}

void Progress::done() {
  if (!enabled_ || last_percent_ < 0) return;
  std::fprintf(stderr, "\r%*s\r", 80, "");
  std::fflush(stderr);
  last_percent_ = -1;
}

}  // namespace mixdown::cli
