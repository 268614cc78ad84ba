#include "mix/automation.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/loudness.hpp"
#include "mix/balance.hpp"
#include "mix/level_model.hpp"
#include "mix/reason.hpp"

namespace mixdown::mix {

double automation_gain_at(const Strip& strip, double t) {
  const auto& a = strip.automation;
  if (a.empty()) return 0.0;
  if (t <= a.front().time_s) return a.front().gain_db;
  if (t >= a.back().time_s) return a.back().gain_db;
  for (std::size_t i = 1; i < a.size(); ++i)
    if (t <= a[i].time_s) {
      const double span = a[i].time_s - a[i - 1].time_s;
      const double w = span > 0 ? (t - a[i - 1].time_s) / span : 1.0;
      return a[i - 1].gain_db + w * (a[i].gain_db - a[i - 1].gain_db);
    }
  return a.back().gain_db;
}

namespace {

// Loudness (LUFS) of the frames [f0, f1) of K-energies, -200 when silent.
double window_lufs(const std::vector<double>& e, std::size_t f0, std::size_t f1) {
  double s = 0;
  std::size_t n = 0;
  for (std::size_t f = f0; f < f1 && f < e.size(); ++f, ++n) s += e[f];
  return n && s > 0 ? analysis::energy_to_lufs(s / double(n)) : -200.0;
}

}  // namespace

void automate(Console& console, const std::vector<StemInput>& stems, int focus,
              const analysis::SongAnalysis& song, const Brief& brief, int sample_rate) {
  const std::size_t n = stems.size();
  const double beat = std::clamp(song.beat_period_s > 0 ? song.beat_period_s : 0.5, 0.25, 1.5);
  const double frame_s = analysis::kStemFrameS;
  // K-energies per stem, post fader.
  const auto pw = mix_band_powers(console, stems, sample_rate);
  std::vector<std::vector<double>> ke(n);
  std::size_t nf = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (!pw[i].empty()) {
      ke[i] = k_energy(pw[i], stems[i].analysis);
      nf = std::max(nf, ke[i].size());
    }
  std::vector<double> total(nf, 0.0);
  for (const auto& k : ke)
    for (std::size_t f = 0; f < k.size(); ++f) total[f] += k[f];

  // --- Hook lift.
  double verse_e = 0, chorus_e = 0, verse_t = 0, chorus_t = 0;
  for (const auto& s : song.sections) {
    const auto f0 = static_cast<std::size_t>(s.start_s / frame_s), f1 = static_cast<std::size_t>(s.end_s / frame_s);
    const double l = window_lufs(total, f0, f1);
    if (l <= -199.0) continue;
    const double d = s.end_s - s.start_s;
    if (s.name == "chorus") chorus_e += analysis::lufs_to_energy(l) * d, chorus_t += d;
    else if (s.name == "verse") verse_e += analysis::lufs_to_energy(l) * d, verse_t += d;
  }
  double lift = 0.0;
  std::string lift_why;
  if (chorus_t > 0 && verse_t > 0) {
    const double built = analysis::energy_to_lufs(chorus_e / chorus_t) - analysis::energy_to_lufs(verse_e / verse_t);
    const double want = brief.density == "spacious" ? 2.5 : 2.0;
    lift = std::clamp(want - built, 0.0, 1.5);
    lift_why = "the chorus already sits " + db1(built, true) + " LU over the verse; lifted " + db1(lift, true) +
               " dB so the hook lands " + db1(want, true) + " LU bigger" +
               (brief.density == "spacious" ? " (density=spacious: more contrast)" : "");
  }
  // --- Ride of the focus: two-bar windows.
  std::vector<std::pair<double, double>> ride;  // (centre time, dB)
  std::string ride_why;
  if (focus >= 0 && !ke[static_cast<std::size_t>(focus)].empty()) {
    const std::size_t fi = static_cast<std::size_t>(focus);
    const double win = 2.0 * beat * std::max(1, song.beats_per_bar);
    const auto wf = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(win / frame_s)));
    std::vector<std::pair<double, double>> rel;  // (centre, focus - accompaniment)
    const auto& act = stems[fi].analysis.active;
    for (std::size_t f0 = 0; f0 < nf; f0 += wf) {
      const std::size_t f1 = std::min(nf, f0 + wf);
      std::size_t on = 0;
      for (std::size_t f = f0; f < f1 && f < act.size(); ++f) on += act[f];
      if (on * 2 < (f1 - f0)) continue;  // the focus rests in most of the window
      double ef = 0, ea = 0;
      for (std::size_t f = f0; f < f1; ++f) {
        const double x = f < ke[fi].size() ? ke[fi][f] : 0.0;
        ef += x;
        ea += total[f] - x;
      }
      if (ef <= 0 || ea <= 0) continue;
      rel.push_back({(double(f0) + double(f1 - f0) / 2.0) * frame_s, 10.0 * std::log10(ef / ea)});
    }
    if (rel.size() >= 3) {
      std::vector<double> v;
      for (auto& r : rel) v.push_back(r.second);
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
      const double med = v[v.size() / 2];
      double most = 0;
      for (auto& r : rel) {
        const double g = std::clamp(0.7 * (med - r.second), -3.0, 3.0);
        ride.push_back({r.first, std::round(g * 10.0) / 10.0});
        most = std::max(most, std::abs(g));
      }
      ride_why = "ridden phrase by phrase (2-bar windows) toward its median level over the accompaniment (" +
                 db1(med, true) + " dB): 70 % of each phrase's difference, at most +-3 dB (largest ride " +
                 db1(most) + " dB)";
    }
  }
  // Build each strip's curve: lift (section ramps) + ride (focus).
  auto lift_at = [&](double t, double amount) {
    double g = 0;
    for (const auto& s : song.sections) {
      if (s.name != "chorus") continue;
      const double a = s.start_s - beat / 2, b = s.start_s + beat / 2, c = s.end_s - beat / 2, d = s.end_s + beat / 2;
      double w = 0;
      if (t >= b && t <= c) w = 1;
      else if (t > a && t < b) w = (t - a) / (b - a);
      else if (t > c && t < d) w = (d - t) / (d - c);
      g = std::max(g, w * amount);
    }
    return g;
  };
  for (std::size_t i = 0; i < n; ++i) {
    auto& st = console.strips[i];
    if (stems[i].analysis.silent()) continue;
    const bool is_focus = static_cast<int>(i) == focus;
    const double amount = lift > 0 ? lift + (is_focus ? 0.5 : 0.0) : 0.0;
    std::vector<double> times;
    if (amount > 0)
      for (const auto& s : song.sections)
        if (s.name == "chorus")
          for (double t : {s.start_s - beat / 2, s.start_s + beat / 2, s.end_s - beat / 2, s.end_s + beat / 2})
            if (t >= 0) times.push_back(t);
    if (is_focus)
      for (auto& r : ride) times.push_back(r.first);
    if (times.empty()) continue;
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end(), [](double x, double y) { return std::abs(x - y) < 1e-6; }),
                times.end());
    auto ride_at = [&](double t) {
      if (!is_focus || ride.empty()) return 0.0;
      if (t <= ride.front().first) return ride.front().second;
      if (t >= ride.back().first) return ride.back().second;
      for (std::size_t k = 1; k < ride.size(); ++k)
        if (t <= ride[k].first) {
          const double w = (t - ride[k - 1].first) / (ride[k].first - ride[k - 1].first);
          return ride[k - 1].second + w * (ride[k].second - ride[k - 1].second);
        }
      return 0.0;
    };
    st.automation.clear();
    for (double t : times) {
      const double g = std::round((lift_at(t, amount) + ride_at(t)) * 100.0) / 100.0;
      st.automation.push_back({std::round(t * 1000.0) / 1000.0, g});
    }
    // Drop points in the middle of straight runs of equal values.
    std::vector<AutomationPoint> slim;
    for (std::size_t k = 0; k < st.automation.size(); ++k) {
      if (k > 0 && k + 1 < st.automation.size() && st.automation[k - 1].gain_db == st.automation[k].gain_db &&
          st.automation[k + 1].gain_db == st.automation[k].gain_db)
        continue;
      slim.push_back(st.automation[k]);
    }
    st.automation = slim;
    std::string why;
    if (amount > 0) why = lift_why + (is_focus ? " (the focus +0.5 dB more)" : "");
    if (is_focus && !ride_why.empty()) why += (why.empty() ? "" : "; ") + ride_why;
    if (!why.empty()) st.reasons["automation"] = why;
  }
}

}  // namespace mixdown::mix
