// A progress bar on stderr, only when stderr is a terminal and --quiet is off; otherwise
// nothing (errors only), as INTERFACE.md requires.
#pragma once

#include <string>

namespace mixdown::cli {

class Progress {
public:
  Progress(std::string label, bool quiet);
  ~Progress();
  void update(double fraction, const std::string& stage = {});
  void done();
  bool enabled() const noexcept { return enabled_; }

private:
  std::string label_;
  bool enabled_;
  int last_percent_ = -1;
  std::string last_stage_;
};

}  // namespace mixdown::cli
