#include "mix/panning.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

#include "mix/reason.hpp"
#include "mix/role_targets.hpp"

namespace mixdown::mix {
namespace {

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// -1 when the name says left, +1 right, 0 unknown ("Gtr_L", "Piano Left", "OH-R").
int side_from_name(const std::string& name) {
  const std::string n = lower(name.substr(0, name.rfind('.')));
  if (n.find("left") != std::string::npos) return -1;
  if (n.find("right") != std::string::npos) return 1;
  auto tok = [&](char c) {
    for (std::size_t i = 0; i < n.size(); ++i)
      if (n[i] == c && (i == 0 || !std::isalpha(static_cast<unsigned char>(n[i - 1]))) &&
          (i + 1 == n.size() || !std::isalpha(static_cast<unsigned char>(n[i + 1]))))
        return true;
    return false;
  };
  if (tok('l')) return -1;
  if (tok('r')) return 1;
  return 0;
}

}  // namespace

void place_pans(Console& console, const std::vector<StemInput>& stems, int focus,
                const std::vector<double>& levels_db, const Brief& brief) {
  const std::size_t n = stems.size();
  const double spread = brief.density == "spacious" ? 1.2 : (brief.density == "dense" ? 0.85 : 1.0);
  const std::string spread_why = spread > 1.0   ? "; density=spacious: x1.2, wider"
                                 : spread < 1.0 ? "; density=dense: x0.85, closer in"
                                                : "";
  std::vector<bool> placed(n, false);
  std::size_t nb = 0;
  for (const auto& s : stems) nb = std::max<std::size_t>(nb, s.analysis.spectrum_db.size());
  std::vector<double> left(nb, 0.0), right(nb, 0.0);
  auto energy = [&](std::size_t i, std::size_t b) {
    const auto& a = stems[i].analysis;
    if (b >= a.spectrum_db.size() || a.active_lufs <= -199.0) return 0.0;
    return std::pow(10.0, (a.spectrum_db[b] - a.active_lufs + levels_db[i]) / 10.0);
  };
  auto add_side = [&](std::size_t i, double pan) {
    const double gl = 0.5 * (1.0 - pan), gr = 0.5 * (1.0 + pan);  // constant-power: energy shares
    for (std::size_t b = 0; b < nb; ++b) {
      left[b] += gl * energy(i, b);
      right[b] += gr * energy(i, b);
    }
  };
  // The parts that sound: one alone has nothing to balance it against left or right.
  std::size_t sounding = 0;
  for (const auto& s : stems) sounding += s.analysis.active_lufs > -199.0 ? 1 : 0;
  // 1. Anchors and low-frequency-heavy parts.
  for (std::size_t i = 0; i < n; ++i) {
    auto& st = console.strips[i];
    const auto& s = stems[i];
    const Role r = s.role;
    const bool stereo = s.analysis.channels >= 2 && s.analysis.width > 0.02;
    std::string why;
    if (sounding <= 1) why = "the only part: nothing to balance it against, so it sits in the centre";
    else if (static_cast<int>(i) == focus) why = "the focus sits in the centre";
    else if (r == Role::kick || r == Role::snare || r == Role::bass || r == Role::lead_vocal)
      why = std::string(to_string(r)) + " anchors the centre";
    else if (s.analysis.low_share > 0.4)
      why = db1(100 * s.analysis.low_share) + " % of its energy is under 150 Hz: low end stays central";
    else if (stereo && s.pair_kind.empty())
      why = "a stereo stem keeps its own image, centred";
    if (why.empty()) continue;
    st.pan.pan = 0.0;
    if (stereo && s.analysis.low_share > 0.4) {
      st.pan.width = 0.5;
      why += "; width 0.5 keeps the low end mono";
    }
    st.reasons["pan"] = why;
    placed[i] = true;
    add_side(i, 0.0);
  }
  // 2. Recognized pairs.
  for (std::size_t i = 0; i < n; ++i) {
    if (placed[i] || stems[i].pair_kind.empty() || stems[i].pair_with.empty()) continue;
    std::size_t j = n;
    for (std::size_t k = 0; k < n; ++k)
      if (stems[k].name == stems[i].pair_with) j = k;
    const std::string& kind = stems[i].pair_kind;
    const double amount = kind == "stereo" ? 1.0 : (kind == "double" ? 0.7 : 0.0);
    int si = side_from_name(stems[i].name);
    if (si == 0) si = j < n && stems[j].name < stems[i].name ? 1 : -1;
    auto& st = console.strips[i];
    st.pan.pan = si * std::min(1.0, amount * spread);
    st.reasons["pan"] = kind == "stereo" ? "one side of a stereo pair: hard " + std::string(si < 0 ? "left" : "right")
                        : kind == "double" ? "a double-track: spread wide against its twin for width"
                                           : "a microphone of a multi-mic source: kept with its partner";
    if (amount > 0.0 && amount * spread < 1.0) st.reasons["pan"] += spread_why;
    placed[i] = true;
    add_side(i, st.pan.pan);
  }
  // 3. The rest, loudest first, to the side that is lighter where this part has its energy.
  std::vector<std::size_t> rest;
  for (std::size_t i = 0; i < n; ++i)
    if (!placed[i]) rest.push_back(i);
  std::stable_sort(rest.begin(), rest.end(), [&](auto a, auto b) { return levels_db[a] > levels_db[b]; });
  for (std::size_t i : rest) {
    double wl = 0, wr = 0;
    for (std::size_t b = 0; b < nb; ++b) {
      const double e = energy(i, b);
      wl += e * left[b];
      wr += e * right[b];
    }
    const int side = wl <= wr ? -1 : 1;
    const auto& a = stems[i].analysis;
    // Brighter parts can go further out: the ear localizes them well and they carry little of
    // the power; low-mid parts stay closer in.
    double amount = a.centroid_hz > 2000.0 ? 0.6 : (a.centroid_hz > 600.0 ? 0.45 : 0.3);
    if (is_bed(stems[i].role)) amount *= 0.8;  // beds around the middle, wide by their own image
    amount = std::min(1.0, amount * spread);
    auto& st = console.strips[i];
    st.pan.pan = side * amount;
    st.reasons["pan"] = std::string(side < 0 ? "left" : "right") + " " + db1(100 * amount) +
                        " %: that side was lighter where this part has its energy (centroid " +
                        hz(a.centroid_hz) + ")" + spread_why;
    add_side(i, st.pan.pan);
  }
}

}  // namespace mixdown::mix
