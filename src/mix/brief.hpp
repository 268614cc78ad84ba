// The brief: what the artist wants, as the --brief KEY=VALUE pairs of INTERFACE.md.
#pragma once

#include <string>
#include <string_view>

namespace mixdown::mix {

struct Brief {
  std::string focus;       // a stem name or a role; empty: lead vocal, else most melodic lead
  std::string vocal;       // intimate | distant
  std::string drums;       // natural | big
  std::string space;       // dry | ambient
  std::string density;     // dense | spacious
  std::string character;   // modern | vintage | raw | polished | aggressive | restrained
  std::string genre;       // pop | rock | hiphop | electronic | acoustic | orchestral
  int revisions = 0;       // rounds of revision included (0: not limited)
  bool operator==(const Brief&) const = default;
};

// Applies one "KEY=VALUE". Throws Error(usage) naming the pair and the allowed values.
void apply_brief_pair(Brief& brief, std::string_view pair);

}  // namespace mixdown::mix
