#include "mix/role_targets.hpp"

#include <algorithm>
#include <cstdio>

namespace mixdown::mix {
namespace {

double base_lu(Role r) {
  switch (r) {
    case Role::lead_vocal: return -3.0;
    case Role::vocal: return -5.0;
    case Role::kick: return -6.0;
    case Role::snare: return -7.0;
    case Role::drums: return -5.0;      // a full kit on one stem
    case Role::bass: return -6.0;
    case Role::tom: return -11.0;
    case Role::overhead: return -12.0;
    case Role::hihat: return -15.0;
    case Role::cymbal: return -16.0;
    case Role::percussion: return -14.0;
    case Role::room: return -15.0;
    case Role::piano: return -9.0;
    case Role::guitar: return -9.0;
    case Role::keys: return -10.0;
    case Role::synth: return -9.0;
    case Role::brass: return -10.0;
    case Role::strings: return -11.0;
    case Role::pad: return -13.0;
    case Role::backing_vocal: return -11.0;
    case Role::fx: return -16.0;
    case Role::other: return -10.0;
  }
  return -10.0;
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

RoleTarget role_target(Role role, const Brief& brief, bool focus) {
  RoleTarget t;
  t.lu = base_lu(role);
  t.reason = std::string(to_string(role)) + " sits at " + fmt_lu(t.lu) + " in the role hierarchy";
  auto adjust = [&](double d, const std::string& why) {
    t.lu += d;
    t.reason += "; " + why + " " + fmt_lu(d);
  };
  const bool drum = is_drum(role);
  const std::string& g = brief.genre;
  if (g == "hiphop" || g == "electronic") {
    if (role == Role::kick || role == Role::bass) adjust(+2.0, "genre=" + g + " pushes kick and bass");
    if (role == Role::guitar || is_bed(role)) adjust(-1.0, "genre=" + g + " keeps beds back");
  } else if (g == "rock") {
    if (role == Role::guitar) adjust(+2.0, "genre=rock brings guitars up");
    if (role == Role::snare || role == Role::drums) adjust(+1.0, "genre=rock brings the backbeat up");
    if (role == Role::synth || role == Role::pad) adjust(-1.0, "genre=rock keeps synths back");
  } else if (g == "acoustic") {
    if (drum) adjust(-3.0, "genre=acoustic keeps the drums back");
    if (role == Role::guitar || role == Role::piano || role == Role::strings)
      adjust(+2.0, "genre=acoustic brings acoustic instruments up");
  } else if (g == "orchestral") {
    if (drum) adjust(-3.0, "genre=orchestral keeps percussion back");
    if (role == Role::strings || role == Role::brass) adjust(+3.0, "genre=orchestral: the orchestra carries the piece");
  } else if (g == "pop") {
    if (is_vocal(role)) adjust(+1.0, "genre=pop: vocals forward");
  }
  if (brief.density == "spacious" && (is_bed(role) || role == Role::backing_vocal))
    adjust(-2.0, "density=spacious leaves room around the leads");
  else if (brief.density == "dense" && (is_bed(role) || role == Role::backing_vocal || role == Role::keys))
    adjust(+2.0, "density=dense fills the space with the beds");
  if (brief.drums == "big" && (role == Role::kick || role == Role::snare || role == Role::drums || role == Role::tom))
    adjust(+1.5, "drums=big");
  if (brief.character == "aggressive" && (drum || role == Role::guitar || role == Role::bass))
    adjust(+1.0, "character=aggressive pushes the rhythm section");
  else if (brief.character == "restrained" && drum)
    adjust(-1.5, "character=restrained holds the drums back");
  if (focus) {
    // +3 LU (the middle of the issue's +2..+4), +4 for a part that starts low in the hierarchy.
    adjust(std::clamp(-1.0 - t.lu, 3.0, 4.0), "the focus forward");
  }
  return t;
}

}  // namespace mixdown::mix
