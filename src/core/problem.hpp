// A problem found by any check (analyze, check, master QC, translate), in plain words.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mixdown {

enum class Severity { info, warning, error };

inline const char* to_string(Severity s) noexcept {
  switch (s) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "info";
}

struct Problem {
  std::string code;        // stable identifier, e.g. "clipping"
  Severity severity = Severity::warning;
  std::string message;     // plain words for a musician
  std::string fix;         // what to do about it (may be empty)
  std::optional<double> at_s;  // where in the file, when it has a place
  std::string stem;        // the stem it concerns (check), empty otherwise
  std::string system;      // the playback system it concerns (translate), empty otherwise
  bool operator==(const Problem&) const = default;
};

// "N samples that are not numbers (NaN or infinite)": how the problems about samples a reader
// turned into silence (nonfinite_samples: master's QC, check, translate) count them.
inline std::string nonfinite_samples_phrase(std::int64_t n) {
  return std::to_string(n) + (n == 1 ? " sample that is not a number" : " samples that are not numbers") + " (NaN or infinite)";
}

}  // namespace mixdown
