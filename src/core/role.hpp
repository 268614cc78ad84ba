// The roles of INTERFACE.md. A stem's role decides its bus, its clean-up and its place.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mixdown {

enum class Role {
  kick, snare, hihat, tom, cymbal, overhead, room, percussion, drums, bass, guitar, keys, piano,
  synth, pad, strings, brass, lead_vocal, backing_vocal, vocal, fx, other
};

std::string_view to_string(Role r) noexcept;
std::optional<Role> role_from_string(std::string_view s) noexcept;
// The bus a role is routed to: "drums", "bass", "music", "vocals" (a sound-effects part is
// music; printed returns are routed to "fx" by their printed_fx flag, not by their role).
std::string_view bus_of(Role r) noexcept;
bool is_drum(Role r) noexcept;
bool is_vocal(Role r) noexcept;

}  // namespace mixdown::mix
