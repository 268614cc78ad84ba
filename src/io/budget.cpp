#include "io/budget.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "io/audio_file.hpp"
#include "io/stem_set.hpp"

namespace mixdown::io {

double max_stem_channel_hours() {
  const char* v = std::getenv("MIXDOWN_MAX_STEM_HOURS");
  if (!v || !*v) return kDefaultMaxStemChannelHours;
  char* end = nullptr;
  const double h = std::strtod(v, &end);
  if (end == v || *end != '\0' || !std::isfinite(h) || h <= 0)
    throw usage_error("MIXDOWN_MAX_STEM_HOURS", fmt::format("\"{}\" is not a positive number of channel-hours", v));
  return h;
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
