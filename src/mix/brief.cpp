#include "mix/brief.hpp"

#include <array>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace mixdown::mix {
namespace {

struct Key {
  std::string_view name;
  std::string Brief::*field;
  std::vector<std::string_view> allowed;  // empty: free text
};

const std::array<Key, 7>& keys() {
  static const std::array<Key, 7> k = {{
      {"focus", &Brief::focus, {}},
      {"vocal", &Brief::vocal, {"intimate", "distant"}},
      {"drums", &Brief::drums, {"natural", "big"}},
      {"space", &Brief::space, {"dry", "ambient"}},
      {"density", &Brief::density, {"dense", "spacious"}},
      {"character", &Brief::character, {"modern", "vintage", "raw", "polished", "aggressive", "restrained"}},
      {"genre", &Brief::genre, {"pop", "rock", "hiphop", "electronic", "acoustic", "orchestral"}},
  }};
  return k;
}

std::string join(const std::vector<std::string_view>& v) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : "|") + std::string(x);
  return s;
}

}  // namespace

void apply_brief_pair(Brief& brief, std::string_view pair) {
  const auto eq = pair.find('=');
  const std::string shown = "--brief " + std::string(pair);
  if (eq == std::string_view::npos || eq == 0)
    throw usage_error(shown, "expected KEY=VALUE, e.g. vocal=intimate");
  const std::string_view key = pair.substr(0, eq);
  const std::string_view value = pair.substr(eq + 1);
  if (key == "revisions") {
    try {
      std::size_t used = 0;
      const int n = std::stoi(std::string(value), &used);
      if (used != value.size() || n < 0 || n > 100) throw std::out_of_range("");
      brief.revisions = n;
      return;
    } catch (const std::exception&) {
      throw usage_error(shown, "revisions takes a whole number from 0 to 100");
    }
  }
  for (const auto& k : keys()) {
    if (k.name != key) continue;
    if (value.empty()) throw usage_error(shown, std::string(key) + " needs a value");
    if (!k.allowed.empty()) {
      bool ok = false;
      for (auto a : k.allowed) ok = ok || a == value;
      if (!ok)
        throw usage_error(shown, "unknown value '" + std::string(value) + "' for " +
                                     std::string(key) + " (allowed: " + join(k.allowed) + ")");
    }
    brief.*(k.field) = std::string(value);
    return;
  }
  throw usage_error(shown, "unknown brief key '" + std::string(key) +
                               "' (allowed: focus, vocal, drums, space, density, character, genre, revisions)");
}

}  // namespace mixdown::mix
