#include "core/role.hpp"

#include <array>

namespace mixdown {
namespace {
constexpr std::array<std::string_view, 22> kNames = {
    "kick", "snare", "hihat", "tom", "cymbal", "overhead", "room", "percussion", "drums", "bass",
    "guitar", "keys", "piano", "synth", "pad", "strings", "brass", "lead_vocal", "backing_vocal",
    "vocal", "fx", "other"};
}

std::string_view to_string(Role r) noexcept { return kNames[static_cast<std::size_t>(r)]; }

std::optional<Role> role_from_string(std::string_view s) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == s) return static_cast<Role>(i);
  return std::nullopt;
}

bool is_drum(Role r) noexcept {
  switch (r) {
    case Role::kick: case Role::snare: case Role::hihat: case Role::tom: case Role::cymbal:
    case Role::overhead: case Role::room: case Role::percussion: case Role::drums: return true;
    default: return false;
  }
}

bool is_vocal(Role r) noexcept {
  return r == Role::lead_vocal || r == Role::backing_vocal || r == Role::vocal;
}

std::string_view bus_of(Role r) noexcept {
  if (is_drum(r)) return "drums";
  if (r == Role::bass) return "bass";
  if (is_vocal(r)) return "vocals";
  // A sound-effects part (risers, sfx, glitches) is a part of the music; the fx bus (fx.wav)
  // is the shared returns and the printed returns (printed_fx), INTERFACE.md's "shared effect
  // returns". Before, fx-role parts were summed into fx.wav.
  return "music";
}

}  // namespace mixdown::mix
