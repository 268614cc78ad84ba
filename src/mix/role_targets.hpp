// Where each role sits in the balance: its loudness offset (LU) from an equal share of the
// mix, by role and brief. Only differences between targets matter: the balance solver meets
// them up to one common offset, which the sum of the parts then fixes.
//
// Where the numbers come from (mixing practice and loudness perception, not the corpus):
// - Offsets are small (-4..+3 LU). Loudness here is BS.1770's, already weighted for the ear's
//   sensitivity (K-weighting), and loudness halves every 10 LU: a part 10 LU under its peers
//   sounds half as loud even in solo, and in the mix it is masked on top of that, so it is
//   gone. The hierarchy engineers hear between lead and bed is made of a few LU of level plus
//   masking and placement (Owsinski, "The Mixing Engineer's Handbook", "The balance element":
//   every element audible, the lead on top; Izhaki, "Mixing Audio", ch. 11 on levels).
// - The lead (vocal or the focus) on top; the kick and the bass just over an equal share, since
//   the groove carries the song; within the kit the kick is the loudest drum, the snare next
//   (at an equal share) and the hats after it (the usual drum hierarchy, e.g. integraudio's
//   "How loud should drums be": kick, then snare, then hi-hat); other time-keeping high parts
//   (cymbals, shakers), beds (pads, room) and printed effects a little under an equal share.
// - Brief: `genre` moves whole families by 1-2 LU (hip-hop/electronic: kick and bass forward;
//   rock: guitars and the backbeat; acoustic and orchestral: drums back, acoustic instruments
//   up); `density=spacious` widens the gap between leads and beds, `dense` narrows it.
#pragma once

#include <string>
#include <vector>

#include "core/role.hpp"
#include "mix/brief.hpp"

namespace mixdown::mix {

struct RoleTarget {
  double lu = -10.0;      // relative loudness target
  std::string reason;     // why, in words
};

// The target for one role; `focus` adds the forward placement (+3 LU) over the louder of its
// own role and `accompaniment_lu`, the loudest role it plays against (loudest_role_lu): a lead
// sits over its accompaniment, so a lead synth (role 0 LU) over a kick and bass (+1 LU) goes to
// +4 LU, as a lead vocal (+1 LU) does.
RoleTarget role_target(Role role, const Brief& brief, bool focus, double accompaniment_lu = -100.0);

// The hierarchy's offset of a role before any brief (the loudest of `roles`; -100 when empty).
double loudest_role_lu(const std::vector<Role>& roles);

// Whether a role is a sustained bed (pads, strings, room) — used by density and automation.
bool is_bed(Role role);

}  // namespace mixdown::mix
