#include "mix/console.hpp"

namespace mixdown::mix {

Strip* Console::find_strip(const std::string& name) {
  for (auto& s : strips)
    if (s.name == name) return &s;
  return nullptr;
}
const Strip* Console::find_strip(const std::string& name) const {
  for (auto& s : strips)
    if (s.name == name) return &s;
  return nullptr;
}
Bus* Console::find_bus(const std::string& name) {
  for (auto& b : buses)
    if (b.name == name) return &b;
  return nullptr;
}

}  // namespace mixdown::mix
