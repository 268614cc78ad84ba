// What each key of the brief did to a decided console, in the console's own words: every
// reason clause that names the key's value ("drums=big: more room"), where it sits. A key that
// moved nothing says why, so a brief never passes without a record (report.json's "brief",
// report.html's "The brief").
#pragma once

#include <string>
#include <vector>

#include "mix/console.hpp"

namespace mixdown::mix {

struct BriefEffect {
  std::string where;   // a stem, "bus:drums", "return:plate" or "mix_bus"
  std::string what;    // the setting: fader, compressor, send.plate, pan, reverb...
  std::string reason;  // the clause of its reason that names the brief
  bool operator==(const BriefEffect&) const = default;
};

struct BriefKey {
  std::string key, value;
  std::vector<BriefEffect> effects;
  std::string note;  // when nothing moved: why
  bool operator==(const BriefKey&) const = default;
};

// The keys the console's brief sets, in INTERFACE.md's order.
std::vector<BriefKey> brief_effects(const Console& console);

}  // namespace mixdown::mix
