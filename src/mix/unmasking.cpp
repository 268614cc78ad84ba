#include "mix/unmasking.hpp"

#include <algorithm>
#include <cmath>

#include "mix/balance.hpp"
#include "mix/dynamics.hpp"
#include "mix/reason.hpp"

namespace mixdown::mix {
namespace {

constexpr double kWantSmrDb = 3.0;
constexpr double kMaxCutDb = 4.5;
// The focus's body: bands within 12 dB of its strongest (its formants / main harmonics).
constexpr double kCoreDb = 12.0;

double db(double p) { return p > 0 ? 10.0 * std::log10(p) : -200.0; }

// Per band: the focus's mean power and each stem's mean power over frames where the focus plays.
struct BandMeans {
  std::vector<double> focus;                 // [band]
  std::vector<std::vector<double>> others;   // [stem][band]
  std::vector<double> coactive;              // [stem] share of the stem's active frames with the focus playing
};

BandMeans band_means(const std::vector<std::vector<float>>& pw, const std::vector<StemInput>& stems,
                     std::size_t focus, std::size_t nb) {
  BandMeans m;
  m.focus.assign(nb, 0.0);
  m.others.assign(stems.size(), std::vector<double>(nb, 0.0));
  m.coactive.assign(stems.size(), 0.0);
  const auto& fa = stems[focus].analysis.active;
  std::size_t cnt = 0;
  for (std::size_t f = 0; f < fa.size(); ++f) {
    if (!fa[f] || (f + 1) * nb > pw[focus].size()) continue;
    ++cnt;
    for (std::size_t b = 0; b < nb; ++b) m.focus[b] += pw[focus][f * nb + b];
    for (std::size_t j = 0; j < stems.size(); ++j)
      if (j != focus && (f + 1) * nb <= pw[j].size())
        for (std::size_t b = 0; b < nb; ++b) m.others[j][b] += pw[j][f * nb + b];
  }
  if (cnt) {
    for (auto& v : m.focus) v /= double(cnt);
    for (auto& o : m.others)
      for (auto& v : o) v /= double(cnt);
  }
  for (std::size_t j = 0; j < stems.size(); ++j) {
    const auto& ja = stems[j].analysis.active;
    std::size_t act = 0, both = 0;
    for (std::size_t f = 0; f < ja.size(); ++f)
      if (ja[f]) {
        ++act;
        both += f < fa.size() && fa[f];
      }
    m.coactive[j] = act ? double(both) / double(act) : 0.0;
  }
  return m;
}

std::vector<double> smr(const BandMeans& m, std::size_t focus) {
  std::vector<double> s(m.focus.size(), 60.0);
  for (std::size_t b = 0; b < s.size(); ++b) {
    double mask = 0;
    for (std::size_t j = 0; j < m.others.size(); ++j)
      if (j != focus) mask += m.others[j][b];
    if (mask > 0 && m.focus[b] > 0) s[b] = std::min(60.0, db(m.focus[b]) - db(mask));
  }
  return s;
}

void duck_bass_under_kick(Console& console, const std::vector<StemInput>& stems,
                          const std::vector<std::vector<float>>& pw, MaskingReport& rep) {
  int kick = -1, bass = -1;
  for (std::size_t i = 0; i < stems.size(); ++i) {
    if (stems[i].analysis.silent() || pw[i].empty()) continue;
    auto louder = [&](int cur) {
      return cur < 0 || stems[i].analysis.integrated_lufs + console.strips[i].trim_db >
                            stems[static_cast<std::size_t>(cur)].analysis.integrated_lufs +
                                console.strips[static_cast<std::size_t>(cur)].trim_db;
    };
    if (stems[i].role == Role::kick && louder(kick)) kick = static_cast<int>(i);
    if (stems[i].role == Role::bass && louder(bass)) bass = static_cast<int>(i);
  }
  if (kick < 0 || bass < 0) return;
  const auto& ka = stems[static_cast<std::size_t>(kick)].analysis;
  const auto& ba = stems[static_cast<std::size_t>(bass)].analysis;
  const std::size_t nb = static_cast<std::size_t>(ka.bands);
  // The kick's low band: its strongest band under 150 Hz.
  std::size_t kb = 0;
  float best = -1e9f;
  for (std::size_t b = 0; b < nb; ++b)
    if (ka.band_edges_hz[b + 1] <= 160.0f && ka.spectrum_db[b] > best) best = ka.spectrum_db[b], kb = b;
  const double khz = std::sqrt(double(ka.band_edges_hz[kb]) * ka.band_edges_hz[kb + 1]);
  // Collisions: kick hits where the bass in that band is within 10 dB of the kick: from there
  // up, the bass moves the kick's low end by more than 2 dB as their phases drift (20 log10
  // (1 +- 10^(-10/20)) = +2.4/-3.3 dB).
  std::size_t hits = 0, coll = 0;
  const auto& pk = pw[static_cast<std::size_t>(kick)];
  const auto& pb = pw[static_cast<std::size_t>(bass)];
  for (std::size_t f = 0; f < ka.active.size() && (f + 1) * nb <= std::min(pk.size(), pb.size()); ++f) {
    if (!ka.active[f] || ka.punch_db[f] < 3.0f) continue;
    ++hits;
    if (pb[f * nb + kb] > 0.1 * pk[f * nb + kb]) ++coll;
  }
  auto& bs = console.strips[static_cast<std::size_t>(bass)];
  const std::string kname = stems[static_cast<std::size_t>(kick)].name;
  if (hits == 0 || double(coll) / double(hits) < 0.2) {
    bs.reasons["duck"] = "bass and kick rarely share " + hz(khz) + " (" + db1(hits ? 100.0 * coll / hits : 0.0) +
                         " % of the hits): no ducking";
    return;
  }
  const double share = 100.0 * double(coll) / double(hits);
  const double key_level = level_percentile(ka, console.strips[static_cast<std::size_t>(kick)].trim_db, 0.5);
  const double spread = level_percentile(ba, bs.trim_db, 0.95) - level_percentile(ba, bs.trim_db, 0.3);
  if (spread < 8.0 || !bs.compressor.enabled) {
    // The bass is steady by itself: its compressor becomes the duck, keyed by the kick.
    auto& c = bs.compressor;
    c.enabled = true;
    c.key = kname;
    c.threshold_db = key_level - 6.0;
    c.ratio = 4.0;
    c.knee_db = 3.0;
    c.attack_ms = 1.0;
    c.release_ms = 100.0;  // about a kick's body: the bass returns before the next eighth
    c.makeup_db = 0.0;
    c.detector = dsp::Detector::rms;
    c.mix = 1.0;
    bs.reasons["compressor"] = "the bass is already steady (" + db1(spread) + " dB spread): its compressor ducks it under " +
                               kname + " (keyed, 1 ms attack, fast release), since they collide at " + hz(khz) +
                               " on " + db1(share) + " % of the kick's hits";
  } else if (!bs.dynamic_eq.enabled) {
    auto& d = bs.dynamic_eq;
    d.enabled = true;
    d.key = kname;
    d.freq_hz = std::round(khz);
    d.q = 1.4;
    d.max_cut_db = -5.0;
    d.threshold_db = key_level - 10.0;
    d.attack_ms = 1.0;
    d.release_ms = 80.0;
    bs.reasons["dynamic_eq"] = "ducks the bass at the kick's " + hz(khz) + " only while " + kname +
                               " hits (they collide on " + db1(share) + " % of the hits); the bass keeps its own levelling compressor";
  } else {
    return;
  }
  rep.kick_bass_duck = true;
}

}  // namespace

MaskingReport unmask(Console& console, const std::vector<StemInput>& stems, int focus,
                     int sample_rate) {
  MaskingReport rep;
  auto pw = mix_band_powers(console, stems, sample_rate);
  duck_bass_under_kick(console, stems, pw, rep);
  if (focus < 0 || pw[static_cast<std::size_t>(focus)].empty()) return rep;
  const std::size_t fi = static_cast<std::size_t>(focus);
  const auto& fa = stems[fi].analysis;
  const std::size_t nb = static_cast<std::size_t>(fa.bands);
  const auto m = band_means(pw, stems, fi, nb);
  rep.focus_smr_before = smr(m, fi);
  const double fpeak = db(*std::max_element(m.focus.begin(), m.focus.end()));
  // Shortfall per band and each masker's cut depth there.
  std::vector<std::vector<double>> depth(stems.size(), std::vector<double>(nb, 0.0));
  for (std::size_t b = 0; b < nb; ++b) {
    const double c = std::sqrt(double(fa.band_edges_hz[b]) * fa.band_edges_hz[b + 1]);
    if (c < 150.0 || c > 8000.0 || db(m.focus[b]) < fpeak - kCoreDb) continue;
    rep.core_bands.push_back(b);
    const double short_db = kWantSmrDb - rep.focus_smr_before[b];
    if (short_db <= 0.5) continue;
    double mask = 0, top = 0;
    for (std::size_t j = 0; j < stems.size(); ++j)
      if (j != fi) {
        mask += m.others[j][b];
        top = std::max(top, m.others[j][b]);
      }
    for (std::size_t j = 0; j < stems.size(); ++j) {
      if (j == fi || stems[j].printed_fx || mask <= 0) continue;
      const double share = m.others[j][b] / mask;
      if (share < 0.2) continue;
      // The main masker takes the whole shortfall, the others in proportion to their part.
      depth[j][b] = std::min(kMaxCutDb, short_db * m.others[j][b] / top);
    }
  }
  for (std::size_t j = 0; j < stems.size(); ++j) {
    const auto it = std::max_element(depth[j].begin(), depth[j].end());
    if (*it < 1.0) continue;
    const auto b = static_cast<std::size_t>(it - depth[j].begin());
    // Extent: neighbouring bands where this masker also needs a cut of at least half.
    std::size_t lo = b, hi = b;
    while (lo > 0 && depth[j][lo - 1] >= 0.5 * *it) --lo;
    while (hi + 1 < nb && depth[j][hi + 1] >= 0.5 * *it) ++hi;
    const double f_lo = fa.band_edges_hz[lo], f_hi = fa.band_edges_hz[hi + 1];
    const double fc = std::sqrt(f_lo * f_hi);
    const double q = std::clamp(fc / (f_hi - f_lo), 0.7, 4.0);
    const double cut = -std::round(*it * 10.0) / 10.0;
    auto& st = console.strips[j];
    const std::string fname = stems[fi].name;
    const bool together = m.coactive[j] > 0.8 && fa.active_fraction > 0.6;
    if (!together && !st.dynamic_eq.enabled) {
      auto& d = st.dynamic_eq;
      d.enabled = true;
      d.key = fname;
      d.freq_hz = std::round(fc);
      d.q = q;
      d.max_cut_db = cut;
      // The key is the focus after its trim: its band level while it plays, less twice the cut
      // depth (the band cuts 0.5 dB per dB over threshold), so the full cut is reached at its
      // typical level and nothing is cut while it rests.
      const double key_level = fa.spectrum_db[b] + console.strips[fi].trim_db - (fa.channels >= 2 ? 3.0 : 0.0);
      d.threshold_db = std::round((key_level + 2.0 * cut) * 10.0) / 10.0;
      d.attack_ms = 5.0;
      d.release_ms = 120.0;
      st.reasons["dynamic_eq"] = "masks " + fname + " around " + hz(fc) + " (focus leads by only " +
                                 db1(rep.focus_smr_before[b]) + " dB there) and plays without it " +
                                 db1(100.0 * (1.0 - m.coactive[j])) + " % of its time: cut up to " + db1(cut) +
                                 " dB only while " + fname + " plays (keyed)";
    } else {
      dsp::EqBand band;
      band.type = dsp::EqType::bell;
      band.freq_hz = std::round(fc);
      band.gain_db = cut;
      band.q = q;
      st.eq.bands.push_back(band);
      st.reasons["eq"] = (st.reasons.count("eq") ? st.reasons["eq"] + "; " : std::string()) + "masks " + fname +
                         " around " + hz(fc) + " (focus leads by only " + db1(rep.focus_smr_before[b]) +
                         " dB there, they play together): static cut " + db1(cut) + " dB, Q " + db1(q);
    }
    ++rep.cuts;
  }
  // What the focus gains (static and dynamic cuts both modelled as static while it plays).
  auto after = console;
  for (auto& st : after.strips)
    if (st.dynamic_eq.enabled && !st.dynamic_eq.key.empty() && st.dynamic_eq.key == stems[fi].name)
      st.eq.bands.push_back({true, dsp::EqType::bell, st.dynamic_eq.freq_hz, st.dynamic_eq.max_cut_db, st.dynamic_eq.q});
  const auto pw2 = mix_band_powers(after, stems, sample_rate);
  rep.focus_smr_after = smr(band_means(pw2, stems, fi, nb), fi);
  return rep;
}

}  // namespace mixdown::mix
