// Small helpers that keep reason strings short and uniform ("-3.5", "+2.0", "120 Hz").
#pragma once

#include <cstdio>
#include <string>

namespace mixdown::mix {

inline std::string db1(double v, bool sign = false) {
  char b[32];
  std::snprintf(b, sizeof b, sign ? "%+.1f" : "%.1f", v);
  return b;
}

inline std::string hz(double v) {
  char b[32];
  if (v >= 1000.0) std::snprintf(b, sizeof b, "%.1f kHz", v / 1000.0);
  else std::snprintf(b, sizeof b, "%.0f Hz", v);
  return b;
}

}  // namespace mixdown::mix
