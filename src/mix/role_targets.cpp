#include "mix/role_targets.hpp"

#include <algorithm>
#include <cstdio>

namespace mixdown::mix {
namespace {

double base_lu(Role r) {
  switch (r) {
    case Role::drums: return 2.0;       // a full kit on one stem
    case Role::kick: case Role::bass: case Role::lead_vocal: return 1.0;
    case Role::snare: return 0.0;       // under the kick: kick, then snare, then hats
    case Role::piano: case Role::guitar: case Role::synth: case Role::brass: case Role::vocal:
    case Role::other: return 0.0;
    case Role::keys: return -0.5;
    case Role::tom: case Role::overhead: case Role::strings: return -1.0;
    case Role::hihat: case Role::percussion: case Role::pad: case Role::backing_vocal: return -2.0;
    case Role::cymbal: case Role::fx: return -3.0;
    case Role::room: return -4.0;
  }
  return 0.0;
}

std::string fmt_lu(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%+.1f LU", v);
  return b;
}

}  // namespace

bool is_bed(Role r) {
  return r == Role::pad || r == Role::strings || r == Role::room || r == Role::fx;
}

double loudest_role_lu(const std::vector<Role>& roles) {
  double m = -100.0;
  for (Role r : roles) m = std::max(m, base_lu(r));
  return m;
}

RoleTarget role_target(Role role, const Brief& brief, bool focus, double accompaniment_lu) {
  RoleTarget t;
  t.lu = base_lu(role);
  t.reason = std::string(to_string(role)) + " sits at " + fmt_lu(t.lu) + " from an equal share in the role hierarchy";
  if (focus && accompaniment_lu > t.lu) {
    t.reason += "; as the focus it starts from its loudest accompaniment " + fmt_lu(accompaniment_lu);
    t.lu = accompaniment_lu;
  }
  auto adjust = [&](double d, const std::string& why) {
    t.lu += d;
    t.reason += "; " + why + " " + fmt_lu(d);
  };
  const bool drum = is_drum(role);
  const std::string& g = brief.genre;
  if (g == "hiphop" || g == "electronic") {
    if (role == Role::kick || role == Role::bass) adjust(+2.0, "genre=" + g + " pushes kick and bass");
    // Hip-hop is the voice over the beat, its backbeat snare or clap in front; electronic music
    // carries its hooks in the synths, and its pads are part of the sound, not a bed behind it.
    if (g == "hiphop") {
      if (role == Role::guitar || is_bed(role)) adjust(-1.0, "genre=hiphop keeps beds back");
      if (is_vocal(role)) adjust(+1.5, "genre=hiphop: the voice leads over the beat");
      if (role == Role::snare) adjust(+1.0, "genre=hiphop: the backbeat forward");
    } else {
      if (role == Role::guitar) adjust(-1.0, "genre=electronic keeps guitars back");
      if (role == Role::synth) adjust(+1.0, "genre=electronic: the synths carry the hooks");
    }
  } else if (g == "rock") {
    if (role == Role::guitar) adjust(+2.0, "genre=rock brings guitars up");
    if (role == Role::snare || role == Role::drums) adjust(+1.0, "genre=rock brings the backbeat up");
    if (role == Role::synth || role == Role::pad) adjust(-1.0, "genre=rock keeps synths back");
  } else if (g == "acoustic") {
    if (drum) adjust(-3.0, "genre=acoustic keeps the drums back");
    if (role == Role::guitar || role == Role::piano || role == Role::strings)
      adjust(+2.0, "genre=acoustic brings acoustic instruments up");
    if (is_vocal(role)) adjust(+1.0, "genre=acoustic: the song's voice in front");
  } else if (g == "orchestral") {
    if (drum) adjust(-3.0, "genre=orchestral keeps percussion back");
    if (role == Role::strings || role == Role::brass) adjust(+3.0, "genre=orchestral: the orchestra carries the piece");
  } else if (g == "pop") {
    // Pop is the song's line in front: the voice, or in an instrumental the lead that carries it.
    if (is_vocal(role) || focus) adjust(+1.0, "genre=pop: the vocals and the lead forward");
  }
  if (brief.density == "spacious" && (is_bed(role) || role == Role::backing_vocal))
    adjust(-2.0, "density=spacious leaves room around the leads");
  else if (brief.density == "dense" && (is_bed(role) || role == Role::backing_vocal || role == Role::keys))
    adjust(+2.0, "density=dense fills the space with the beds");
  if (brief.drums == "big" && (role == Role::kick || role == Role::snare || role == Role::drums || role == Role::tom))
    adjust(+1.5, "drums=big");
  else if (brief.drums == "natural" && (role == Role::overhead || role == Role::room))
    adjust(+1.5, "drums=natural: the overheads and room carry the kit as it sounds in the room");
  if (brief.character == "aggressive" && (drum || role == Role::guitar || role == Role::bass))
    adjust(+1.0, "character=aggressive pushes the rhythm section");
  else if (brief.character == "restrained" && drum)
    adjust(-1.5, "character=restrained holds the drums back");
  if (focus) {
    // +3 LU: the middle of the +2..+4 LU a lead sits over its accompaniment.
    adjust(3.0, "the focus forward");
  }
  return t;
}

}  // namespace mixdown::mix
