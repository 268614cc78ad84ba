#include "mix/cleanup.hpp"

#include <algorithm>
#include <cmath>

#include "mix/gain_staging.hpp"
#include "mix/reason.hpp"

namespace mixdown::mix {

double role_high_pass_hz(Role role) {
  switch (role) {
    case Role::kick: case Role::bass: return 25.0;  // subsonic only: the sub is the part
    case Role::drums: return 30.0;
    case Role::synth: case Role::piano: return 35.0;
    case Role::tom: case Role::strings: return 50.0;
    case Role::room: case Role::keys: return 60.0;
    case Role::snare: case Role::guitar: case Role::lead_vocal: case Role::brass: case Role::pad: return 80.0;
    case Role::vocal: return 90.0;
    case Role::overhead: case Role::backing_vocal: return 120.0;
    case Role::percussion: return 150.0;
    case Role::hihat: case Role::cymbal: return 300.0;
    case Role::fx: case Role::other: return 35.0;
  }
  return 35.0;
}

namespace {

void high_pass(Strip& strip, const StemInput& stem) {
  const auto& a = stem.analysis;
  const double role_hz = role_high_pass_hz(stem.role);
  double fc = role_hz;
  std::string why = std::string(to_string(stem.role)) + " carries nothing useful below " + hz(role_hz);
  if (!a.spectrum_db.empty()) {
    const float peak = *std::max_element(a.spectrum_db.begin(), a.spectrum_db.end());
    // Lowest band with real content (within 12 dB of the strongest) and lowest with anything.
    double content = -1, anything = -1;
    for (int b = 0; b < a.bands; ++b) {
      const double lo = a.band_edges_hz[static_cast<std::size_t>(b)];
      const float v = a.spectrum_db[static_cast<std::size_t>(b)];
      if (anything < 0 && v > peak - 40.0f) anything = lo;
      if (content < 0 && v > peak - 12.0f) content = lo;
    }
    if (content > 0 && content < role_hz) {
      fc = std::max(20.0, 0.7 * content);
      why += ", but this stem has real content from " + hz(content) + ": corner lowered to " + hz(fc);
    } else if (anything > role_hz) {
      fc = std::min(2.0 * role_hz, 0.7 * anything);
      if (fc > role_hz) why += "; the stem has nothing under " + hz(anything) + ": corner " + hz(fc);
      fc = std::max(fc, role_hz);
    }
  }
  strip.high_pass.enabled = true;
  strip.high_pass.freq_hz = std::round(fc);
  strip.high_pass.order = is_vocal(stem.role) || stem.role == Role::hihat || stem.role == Role::cymbal ? 4 : 2;
  strip.reasons["high_pass"] = why;
}

void notches(Strip& strip, const StemInput& stem) {
  const auto& a = stem.analysis;
  if (!(stem.role == Role::snare || stem.role == Role::tom || stem.role == Role::kick ||
        stem.role == Role::room || stem.role == Role::overhead || stem.role == Role::drums))
    return;
  if (a.fine_spectrum_db.size() < 16 || a.fine_bin_hz <= 0) return;
  struct Peak { double hz, excess; };
  std::vector<Peak> peaks;
  const auto& s = a.fine_spectrum_db;
  const double lo_hz = stem.role == Role::kick ? 150.0 : 120.0, hi_hz = 8000.0;
  for (std::size_t k = 2; k + 2 < s.size(); ++k) {
    const double f = double(k) * a.fine_bin_hz;
    if (f < lo_hz || f > hi_hz) continue;
    if (!(s[k] > s[k - 1] && s[k] >= s[k + 1])) continue;
    // Third-octave neighbourhood median.
    const auto k0 = static_cast<std::size_t>(f / std::pow(2.0, 1.0 / 6.0) / a.fine_bin_hz);
    const auto k1 = std::min(s.size() - 1, static_cast<std::size_t>(f * std::pow(2.0, 1.0 / 6.0) / a.fine_bin_hz));
    std::vector<float> nb(s.begin() + static_cast<std::ptrdiff_t>(k0), s.begin() + static_cast<std::ptrdiff_t>(k1 + 1));
    if (nb.size() < 5) continue;
    std::nth_element(nb.begin(), nb.begin() + static_cast<std::ptrdiff_t>(nb.size() / 2), nb.end());
    const double excess = s[k] - nb[nb.size() / 2];
    if (excess >= 9.0) peaks.push_back({f, excess});
  }
  std::sort(peaks.begin(), peaks.end(), [](auto& x, auto& y) { return x.excess > y.excess; });
  int n = 0;
  std::string why;
  for (const auto& p : peaks) {
    bool near = false;
    for (const auto& b : strip.eq.bands) near |= std::abs(std::log2(b.freq_hz / p.hz)) < 0.25;
    if (near) continue;
    dsp::EqBand b;
    b.type = dsp::EqType::bell;
    b.freq_hz = std::round(p.hz);
    b.gain_db = -std::min(8.0, p.excess - 3.0);
    b.q = std::clamp(p.hz / 60.0, 6.0, 10.0);
    strip.eq.bands.push_back(b);
    why += (why.empty() ? "" : "; ") + std::string("resonance at ") + hz(p.hz) + " stands " +
           db1(p.excess) + " dB over its neighbourhood: narrow cut " + db1(b.gain_db) + " dB";
    if (++n == 2) break;
  }
  if (!why.empty()) strip.reasons["eq.notch"] = why;
}

void deess(Strip& strip, const StemInput& stem, const Brief& brief) {
  const auto& a = stem.analysis;
  if (!is_vocal(stem.role) || a.sibilance_share <= 0.0) return;
  // Normal sibilance share of a voice's energy is a few percent; above ~3 % it starts to spit.
  if (a.sibilance_share < 0.03) {
    strip.reasons["deesser"] = "sibilance is " + db1(100 * a.sibilance_share) + " % of the voice's energy: no de-essing needed";
    return;
  }
  // Centre frequency: the strongest 1/3 octave region of 4.5..10 kHz.
  double best = -1e9, f_best = 6000.0;
  for (std::size_t k = 1; k < a.fine_spectrum_db.size(); ++k) {
    const double f = double(k) * a.fine_bin_hz;
    if (f >= 4500.0 && f <= 10000.0 && a.fine_spectrum_db[k] > best) {
      best = a.fine_spectrum_db[k];
      f_best = f;
    }
  }
  strip.deesser.enabled = true;
  strip.deesser.freq_hz = std::round(std::clamp(f_best / std::pow(2.0, 0.5), 4000.0, 8000.0));
  const double chan = a.channels >= 2 ? 3.0 : 0.0;
  strip.deesser.threshold_db = kWorkingLevelLufs + 0.7 - chan + 10.0 * std::log10(0.05);
  strip.deesser.max_reduction_db = brief.vocal == "intimate" ? 8.0 : 6.0;
  strip.reasons["deesser"] = "sibilance is " + db1(100 * a.sibilance_share) +
                             " % of the voice's energy (peak near " + hz(f_best) +
                             "): de-ess above " + hz(strip.deesser.freq_hz) +
                             (brief.vocal == "intimate" ? ", firmer for the close, intimate vocal" : "");
}

void gate(Strip& strip, const StemInput& stem) {
  const auto& a = stem.analysis;
  if (!(stem.role == Role::kick || stem.role == Role::snare || stem.role == Role::tom)) return;
  if (a.floor_rel_db <= -45.0 || a.event_level_db <= -199.0) {
    strip.reasons["gate"] = "the stem falls to silence between hits (floor " +
                            (a.floor_rel_db <= -199.0 ? std::string("none") : db1(a.floor_rel_db) + " dB") +
                            "): no gate";
    return;
  }
  if (a.floor_rel_db > -10.0) {
    strip.reasons["gate"] = "no clear hits over the floor: a gate would chop the part";
    return;
  }
  const double chan = a.channels >= 2 ? 3.0 : 0.0;
  strip.gate.enabled = true;
  // Halfway (in dB) between the floor and the hits, read by a peak detector (+6 dB over RMS).
  strip.gate.threshold_db = a.event_level_db + 0.5 * a.floor_rel_db + strip.trim_db - chan + 6.0;
  strip.gate.range_db = -20.0;
  strip.gate.ratio = 4.0;
  strip.gate.attack_ms = 0.5;
  strip.gate.hold_ms = stem.role == Role::tom ? 120.0 : 40.0;
  strip.gate.release_ms = stem.role == Role::tom ? 250.0 : 100.0;
  strip.reasons["gate"] = "between hits the stem stays " + db1(-a.floor_rel_db) +
                          " dB under them (bleed): gate halfway, range -20 dB to stay natural";
}

}  // namespace

void clean_up(Strip& strip, const StemInput& stem, const Brief& brief, int /*sample_rate*/) {
  if (stem.analysis.silent()) return;
  high_pass(strip, stem);
  notches(strip, stem);
  deess(strip, stem, brief);
  gate(strip, stem);
}

}  // namespace mixdown::mix
