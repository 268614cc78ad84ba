// Where each role sits in the balance: loudness relative to the other parts (LU), by role and
// brief. Only differences between targets matter: the balance solver meets them up to one
// common offset, which the sum of the parts then fixes.
//
// Where the numbers come from (mixing practice, not the corpus):
// - The lead (vocal or the focus) is the loudest single part, with kick, snare and bass next:
//   the hierarchy taught in Owsinski, "The Mixing Engineer's Handbook" (4th ed., ch. "The
//   balance element"), and measured in De Man, Leonard, King & Reiss, "An analysis and
//   evaluation of audio features for multitrack music mixtures" (ISMIR 2014), where vocal,
//   drum and bass groups dominate the loudness of professional mixes.
// - Time-keeping high-frequency parts (hi-hat, cymbals, shakers) sit well under the backbeat:
//   they are audible through their onsets and brightness at low level (their energy is where
//   hearing is most sensitive, and nothing masks them), so 8-10 LU under the kick.
// - Sustained beds (pads, strings, room mics) sit under the parts that carry rhythm and tune;
//   printed effects lowest of all.
// - Brief: `genre` moves whole families by 1-3 LU (hip-hop/electronic: kick and bass forward;
//   rock: guitars and drums; acoustic and orchestral: drums back, acoustic instruments up);
//   `density=spacious` widens the gap between leads and beds, `dense` narrows it.
#pragma once

#include <string>

#include "core/role.hpp"
#include "mix/brief.hpp"

namespace mixdown::mix {

struct RoleTarget {
  double lu = -10.0;      // relative loudness target
  std::string reason;     // why, in words
};

// The target for one role; `focus` adds the forward placement (+3..+4 LU).
RoleTarget role_target(Role role, const Brief& brief, bool focus);

// Whether a role is a sustained bed (pads, strings, room) — used by density and automation.
bool is_bed(Role role);

}  // namespace mixdown::mix
