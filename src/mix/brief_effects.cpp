#include "mix/brief_effects.hpp"

#include <algorithm>

namespace mixdown::mix {
namespace {

// The clauses of a reason ("; " between them) that hold `token`, each trimmed.
std::vector<std::string> clauses_with(const std::string& reason, const std::string& token) {
  std::vector<std::string> out;
  std::size_t b = 0;
  while (b <= reason.size()) {
    std::size_t e = reason.find("; ", b);
    if (e == std::string::npos) e = reason.size();
    std::string c = reason.substr(b, e - b);
    if (c.find(token) != std::string::npos) out.push_back(std::move(c));
    b = e + 2;
  }
  return out;
}

void collect(std::vector<BriefEffect>& out, const std::string& where, const Reasons& reasons, const std::string& token) {
  for (const auto& [what, reason] : reasons) {
    // A send's reason is written under "send" and again under each send.<return>: once.
    if (what == "send" && std::any_of(reasons.begin(), reasons.end(),
                                      [](const auto& r) { return r.first.rfind("send.", 0) == 0; }))
      continue;
    for (auto& c : clauses_with(reason, token)) out.push_back({where, what, std::move(c)});
  }
}

}  // namespace

std::vector<BriefKey> brief_effects(const Console& c) {
  const Brief& b = c.brief;
  std::vector<BriefKey> keys;
  const std::pair<const char*, const std::string*> set[] = {
      {"focus", &b.focus}, {"vocal", &b.vocal}, {"drums", &b.drums}, {"space", &b.space},
      {"density", &b.density}, {"character", &b.character}, {"genre", &b.genre}};
  const bool has_vocal = std::any_of(c.strips.begin(), c.strips.end(), [](const Strip& s) { return is_vocal(s.role); });
  for (const auto& [key, value] : set) {
    if (value->empty()) continue;
    BriefKey k{key, *value, {}, ""};
    if (k.key == "focus") {
      // The brief names a stem or a role; the console holds the stem it chose.
      if (const Strip* s = c.find_strip(c.focus)) {
        if (const auto it = s->reasons.find("fader"); it != s->reasons.end())
          for (auto& cl : clauses_with(it->second, "focus")) k.effects.push_back({s->name, "fader", std::move(cl)});
        if (k.effects.empty()) k.effects.push_back({s->name, "focus", "the mix is built around " + s->name});
      }
    } else {
      const std::string token = k.key + "=" + k.value;
      for (const auto& s : c.strips) collect(k.effects, s.name, s.reasons, token);
      for (const auto& bus : c.buses) collect(k.effects, "bus:" + bus.name, bus.reasons, token);
      for (const auto& r : c.returns) collect(k.effects, "return:" + r.name, r.reasons, token);
      collect(k.effects, "mix_bus", c.mix_bus.reasons, token);
    }
    if (k.effects.empty()) {
      if (k.key == "vocal" && !has_vocal)
        k.note = "this session has no vocal: vocal=" + k.value + " had nothing to place";
      else if (k.key == "focus")
        k.note = "no stem of this session is " + k.value;
      else if (k.key == "genre" && k.value == "pop")
        k.note = "genre=pop brings the vocals and the lead forward: this session has neither a vocal nor a focus";
      else
        k.note = k.key + "=" + k.value + " moved nothing: this session has none of the parts it shapes";
    }
    keys.push_back(std::move(k));
  }
  return keys;
}

}  // namespace mixdown::mix
