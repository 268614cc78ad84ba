// An on/off setting from the environment: `unset` when the variable is absent or empty, off
// when it is "0", on for any other value. (MIXDOWN_DIRECT_IO defaults on, MIXDOWN_STAGE_TIMES
// off.)
#pragma once

#include <cstdlib>
#include <string_view>

namespace mixdown {

inline bool env_flag(const char* name, bool unset) noexcept {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return unset;
  return std::string_view(v) != "0";
}

}  // namespace mixdown
