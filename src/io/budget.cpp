#include "io/budget.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "io/audio_file.hpp"
#include "io/stem_set.hpp"

namespace mixdown::io {

std::optional<double> env_number(const char* name, double least, bool least_allowed, const std::string& expected) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  char* end = nullptr;
  const double x = std::strtod(v, &end);
  if (end == v || *end != '\0' || !std::isfinite(x) || x < least || (x == least && !least_allowed))
    throw usage_error(name, fmt::format("\"{}\" is not {}", v, expected));
  return x;
}

double max_stem_channel_hours() {
  return env_number("MIXDOWN_MAX_STEM_HOURS", 0.0, false, "a positive number of channel-hours").value_or(kDefaultMaxStemChannelHours);
}

void check_stem_budget(const std::filesystem::path& stems) {
  const double limit = max_stem_channel_hours();
  const auto listing = list_stems(stems);
  double hours = 0.0;
  for (const auto& s : listing.stems) {
    try {
      const auto info = probe(s.path);
      hours += info.duration_s() * info.channels / 3600.0;
    } catch (const Error&) {
      // unreadable: the stem check says so
    }
  }
  if (hours > limit)
    throw rejected(stems.string(),
                   fmt::format("the stems hold {:.1f} channel-hours of audio (duration x channels), over the "
                               "budget of {:g}; set MIXDOWN_MAX_STEM_HOURS to allow more",
                               hours, limit));
}

}  // namespace mixdown::io
