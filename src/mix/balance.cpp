#include "mix/balance.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "analysis/loudness.hpp"
#include "core/parallel.hpp"
#include "core/simd.hpp"
#include "dsp/fast_math.hpp"
#include "mix/level_model.hpp"
#include "mix/reason.hpp"
#include "mix/role_targets.hpp"

namespace mixdown::mix {
namespace {

constexpr double kAlpha = 0.2;          // specific-loudness exponent (Moore et al. 1997)
// x^kAlpha for x > 0, to about 1e-11 relative (dsp/fast_math.hpp): three per band and frame of
// every stem in each balance iteration, where std::pow was most of the decisions' time. Branch
// free, so loss_in's loop over the bands runs as vector code.
inline double specific(double x) noexcept { return dsp::fast_pow_pos(x, kAlpha); }
constexpr double kPlaybackSpl = 80.0;   // the mix at -18 LUFS plays at 80 dB SPL
constexpr double kMixLufs = -18.0;
constexpr double kMaxCompLu = 1.0;
constexpr double kCompShare = 0.25;
// With no lead, the groove leads: the parts that would accompany a lead sit back from an equal
// share by the lift a lead would have over them (role_targets.cpp: the focus +3 LU).
constexpr double kGrooveLeadsLu = -3.0;
constexpr double kBeatActive = 0.25;  // a beat plays at least a quarter of the song
constexpr double kTonal = 0.5;        // harmonicity of a tonal part
// An accent (a crash, a riser, a one-shot impact) plays under this share of the song.
constexpr double kAccentShare = 0.05;
// An accent hits no harder than the loudest continuous part peaks (its peak through trim and
// fader, at most this far over theirs): the mix is landed on its true peak, so one hit above
// the music would set the whole mix down by the difference.
constexpr double kAccentPeakOverDb = 0.0;

double terhardt_threshold_spl(double hz) {
  const double f = std::max(hz, 20.0) / 1000.0;
  return 3.64 * std::pow(f, -0.8) - 6.5 * std::exp(-0.6 * (f - 3.3) * (f - 3.3)) + 1e-3 * std::pow(f, 4.0);
}

}  // namespace

std::vector<double> song_shares(const std::vector<StemInput>& stems) {
  std::size_t song = 0;
  for (const auto& s : stems) song = std::max(song, s.analysis.num_frames());
  std::vector<double> out;
  for (const auto& s : stems)
    out.push_back(song ? s.analysis.active_fraction * double(s.analysis.num_frames()) / double(song) : 0.0);
  return out;
}

std::vector<std::vector<float>> mix_band_powers(const Console& console,
                                                const std::vector<StemInput>& stems,
                                                int sample_rate, bool with_faders) {
  std::vector<std::vector<float>> p(stems.size());
  for (std::size_t i = 0; i < stems.size(); ++i) {
    const auto& st = console.strips[i];
    if (st.mute || stems[i].analysis.silent()) continue;
    p[i] = processed_band_power(st, stems[i].analysis, sample_rate);
    if (with_faders) {
      const auto g = static_cast<float>(std::pow(10.0, st.fader_db / 10.0));
      for (auto& v : p[i]) v *= g;
    }
  }
  return p;
}

namespace {

// The sum of every part's band power per frame, and its scale to SPL.
struct MixSum {
  std::vector<double> total;
  double to_spl = 1.0;
};

// Into `m`, reusing its storage (balance_levels sums once per iteration).
void mix_sum_into(MixSum& m, const std::vector<std::vector<float>>& powers, std::size_t nb) {
  m.to_spl = 1.0;
  std::size_t len = 0;
  for (const auto& p : powers) len = std::max(len, p.size());
  m.total.assign(len, 0.0);
  for (const auto& p : powers)
    for (std::size_t k = 0; k < p.size(); ++k) m.total[k] += p[k];
  double e = 0;
  std::size_t cnt = 0;
  for (std::size_t f = 0; nb && f < len / nb; ++f) {
    double s = 0;
    for (std::size_t b = 0; b < nb; ++b) s += m.total[f * nb + b];
    if (s > 0) e += s, ++cnt;
  }
  // The mix's mean power while it plays maps to kPlaybackSpl.
  m.to_spl = cnt ? std::pow(10.0, kPlaybackSpl / 10.0) / (e / double(cnt)) : 1.0;
}

MixSum mix_sum(const std::vector<std::vector<float>>& powers, std::size_t nb) {
  MixSum m;
  mix_sum_into(m, powers, nb);
  return m;
}

// A part's specific loudness summed per band over its active frames, alone (solo) and over the
// rest of the mix (ctx). One sum per band, over the frames in order (the bands' sums are added
// in band order by the caller): the same additions in the same order on any CPU, and the band
// loop is vector code. A band the part leaves empty (es = 0) adds exactly 0 to both sums:
// q^a - q^a and (em + q)^a - (em + q)^a.
MIXDOWN_SIMD_CLONES_WIDE
void band_sums(const float* own, const double* total, double to_spl, const std::uint8_t* active, std::size_t nf,
               std::size_t nb, const double* q, const double* qa, double* solo, double* ctx) noexcept {
  for (std::size_t f = 0; f < nf; ++f) {
    if (!active[f]) continue;
    const float* o = own + f * nb;
    const double* t = total + f * nb;
    for (std::size_t b = 0; b < nb; ++b) {
      const double es = static_cast<double>(o[b]) * to_spl;
      const double em = std::max((t[b] - static_cast<double>(o[b])) * to_spl, 0.0);
      solo[b] += specific(es + q[b]) - qa[b];
      ctx[b] += specific(es + em + q[b]) - specific(em + q[b]);
    }
  }
}

double loss_in(const MixSum& m, const std::vector<float>& own, const analysis::StemAnalysis& a) {
  if (own.empty() || a.bands <= 0) return 0.0;
  const std::size_t nb = static_cast<std::size_t>(a.bands), nf = own.size() / nb;
  // q: each band's threshold in quiet as power; qa = q^alpha, the same in every frame (the
  // same function of the same value as in the loop, taken once).
  std::vector<double> q(nb), qa(nb);
  for (std::size_t b = 0; b < nb; ++b) {
    q[b] = std::pow(10.0, terhardt_threshold_spl(std::sqrt(double(a.band_edges_hz[b]) * a.band_edges_hz[b + 1])) / 10.0);
    qa[b] = specific(q[b]);
  }
  std::vector<double> solo_b(nb, 0.0), ctx_b(nb, 0.0);
  band_sums(own.data(), m.total.data(), m.to_spl, a.active.data(), std::min(nf, a.active.size()), nb, q.data(), qa.data(),
            solo_b.data(), ctx_b.data());
  double solo = 0, ctx = 0;
  for (std::size_t b = 0; b < nb; ++b) {
    solo += solo_b[b];
    ctx += ctx_b[b];
  }
  if (solo <= 0 || ctx <= 0) return 0.0;
  return std::max(0.0, 10.0 * std::log2(solo / ctx));
}

}  // namespace

double masking_loss_lu(const std::vector<std::vector<float>>& powers,
                       const std::vector<StemInput>& stems, std::size_t i) {
  if (powers[i].empty()) return 0.0;
  const MixSum m = mix_sum(powers, static_cast<std::size_t>(stems[i].analysis.bands));
  return loss_in(m, powers[i], stems[i].analysis);
}

bool groove_leads(const std::vector<StemInput>& stems, int focus, const Brief& brief) {
  // genre=acoustic and orchestral say the instruments carry the piece (role_targets.cpp).
  if (focus >= 0 || brief.genre == "acoustic" || brief.genre == "orchestral") return false;
  for (const auto& s : stems)
    if ((s.role == Role::kick || s.role == Role::snare || s.role == Role::drums) && !s.analysis.silent() &&
        s.analysis.active_fraction >= kBeatActive)
      return true;
  return false;
}

bool accompanies(const StemInput& s) {
  switch (s.role) {
    case Role::piano: case Role::keys: case Role::guitar: case Role::synth: case Role::strings: case Role::brass:
      return true;
    case Role::other: return s.analysis.harmonicity >= kTonal;
    default: return false;
  }
}

BalanceReport balance_levels(Console& console, const std::vector<StemInput>& stems, int focus,
                             const Brief& brief, int sample_rate, int threads) {
  const std::size_t n = stems.size();
  BalanceReport rep;
  rep.target_lu.assign(n, -10.0);
  rep.solo_lufs.assign(n, -200.0);
  rep.masking_loss.assign(n, 0.0);
  std::vector<std::vector<float>> pre(n);   // pre-fader band power
  std::vector<std::vector<double>> ke(n);   // pre-fader K energy per frame
  std::vector<double> l0(n, -200.0);
  const std::vector<double> share = song_shares(stems);  // of the song each plays (accents)
  std::vector<std::string> why(n);
  const bool groove = groove_leads(stems, focus, brief);
  std::vector<Role> accompaniment;  // the roles the focus plays against
  for (std::size_t i = 0; i < n; ++i)
    if (static_cast<int>(i) != focus && !stems[i].analysis.silent()) accompaniment.push_back(stems[i].role);
  const double accompaniment_lu = loudest_role_lu(accompaniment);
  for (std::size_t i = 0; i < n; ++i) {
    auto& st = console.strips[i];
    st.fader_db = 0.0;
    if (stems[i].analysis.silent()) continue;
    pre[i] = processed_band_power(st, stems[i].analysis, sample_rate);
    ke[i] = k_energy(pre[i], stems[i].analysis);
    l0[i] = gated_lufs(ke[i]);
    const auto t = role_target(stems[i].role, brief, static_cast<int>(i) == focus, accompaniment_lu);
    rep.target_lu[i] = t.lu;
    why[i] = t.reason;
    if (groove && accompanies(stems[i])) {
      rep.target_lu[i] += kGrooveLeadsLu;
      why[i] += "; nothing leads this song and the beat carries it, so an accompanying part sits back " +
                db1(kGrooveLeadsLu, true) + " LU";
    }
    // An accent (a crash on the downbeat, a riser, a one-shot effect) plays for moments only: it
    // is heard against the whole mix at the instant it hits and must be noticed there, so a role
    // that would sit under an equal share in a continuous part is not held under it.
    const double act = share[i];
    if (act > 0.0 && act < kAccentShare && rep.target_lu[i] < 0.0 && static_cast<int>(i) != focus) {
      why[i] += "; it plays " + db1(100.0 * act, false) + " % of the song, as accents heard against the whole mix: " +
                db1(-rep.target_lu[i], true) + " LU back to an equal share";
      rep.target_lu[i] = 0.0;
    }
  }
  // Same-role parts that play together share the role's loudness.
  for (std::size_t i = 0; i < n; ++i) {
    if (l0[i] <= -199.0 || static_cast<int>(i) == focus) continue;
    const auto& ai = stems[i].analysis.active;
    std::size_t act = 0;
    for (auto v : ai) act += v;
    if (!act) continue;
    double n_eff = 1.0;
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i || stems[j].role != stems[i].role || l0[j] <= -199.0 || static_cast<int>(j) == focus) continue;
      const auto& aj = stems[j].analysis.active;
      std::size_t both = 0;
      for (std::size_t f = 0; f < std::min(ai.size(), aj.size()); ++f) both += ai[f] && aj[f];
      n_eff += double(both) / double(act);
    }
    if (n_eff > 1.05) {
      const double d = -5.0 * std::log10(n_eff);
      rep.target_lu[i] += d;
      why[i] += "; shares the " + std::string(to_string(stems[i].role)) + " role with parts playing with it " +
                db1(d, true) + " LU";
    }
  }
  // Iterate: fader = target - solo + half the masking loss; then shift all so the mix sits at
  // -18 LUFS.
  std::vector<double> fader(n, 0.0), comp(n, 0.0);
  double median_loss = 0.0;
  std::size_t nf = 0;
  for (auto& k : ke) nf = std::max(nf, k.size());
  auto mix_lufs = [&]() {
    std::vector<double> m(nf, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      const double g = std::pow(10.0, fader[i] / 10.0);
      for (std::size_t f = 0; f < ke[i].size(); ++f) m[f] += ke[i][f] * g;
    }
    return gated_lufs(m);
  };
  // The scaled band powers and their sum, kept across the iterations: fresh vectors every
  // iteration were fresh pages to fault in (tens of MB for 16 stems, in this serial step).
  std::vector<std::vector<float>> post(n);
  MixSum msum;
  for (int it = 0; it < 6; ++it) {
    for (std::size_t i = 0; i < n; ++i)
      if (l0[i] > -199.0) fader[i] = rep.target_lu[i] - l0[i] + comp[i];
    const double shift = kMixLufs - mix_lufs();
    for (std::size_t i = 0; i < n; ++i)
      if (l0[i] > -199.0) fader[i] += shift;
    if (it == 5) break;
    for (std::size_t i = 0; i < n; ++i) {
      if (pre[i].empty()) continue;
      post[i].assign(pre[i].begin(), pre[i].end());
      const auto g = static_cast<float>(std::pow(10.0, fader[i] / 10.0));
      for (auto& v : post[i]) v *= g;
    }
    mix_sum_into(msum, post, static_cast<std::size_t>(analysis::kStemBands));
    // Each part's loss on its own (the heaviest step of the decisions), then in part order.
    parallel_for(n, threads, [&](std::size_t i) {
      if (l0[i] > -199.0) rep.masking_loss[i] = loss_in(msum, post[i], stems[i].analysis);
    });
    std::vector<double> losses;
    for (std::size_t i = 0; i < n; ++i)
      if (l0[i] > -199.0) losses.push_back(rep.masking_loss[i]);
    if (losses.empty()) continue;
    std::nth_element(losses.begin(), losses.begin() + static_cast<std::ptrdiff_t>(losses.size() / 2), losses.end());
    median_loss = losses[losses.size() / 2];
    for (std::size_t i = 0; i < n; ++i) {
      if (l0[i] <= -199.0) continue;
      // Damped update so the fixed point is reached without oscillation.
      const double want = std::clamp(kCompShare * (rep.masking_loss[i] - median_loss), -kMaxCompLu, kMaxCompLu);
      comp[i] = 0.5 * comp[i] + 0.5 * want;
    }
  }
  // Accents held to the loudest continuous part's peak (kAccentPeakOverDb).
  std::vector<double> peak_cut(n, 0.0);
  {
    double parts_peak = -200.0;
    std::vector<std::size_t> accents;
    for (std::size_t i = 0; i < n; ++i) {
      if (l0[i] <= -199.0) continue;
      const double peak = stems[i].analysis.peak_dbfs + console.strips[i].trim_db + fader[i];
      if (share[i] < kAccentShare && static_cast<int>(i) != focus) accents.push_back(i);
      else parts_peak = std::max(parts_peak, peak);
    }
    if (parts_peak > -199.0)
      for (std::size_t i : accents) {
        const double over = stems[i].analysis.peak_dbfs + console.strips[i].trim_db + fader[i] - (parts_peak + kAccentPeakOverDb);
        if (over > 0.0) {
          peak_cut[i] = -over;
          fader[i] -= over;
        }
      }
  }
  rep.mix_lufs = mix_lufs();
  for (std::size_t i = 0; i < n; ++i) {
    auto& st = console.strips[i];
    if (l0[i] <= -199.0) {
      st.fader_db = 0.0;
      st.reasons["fader"] = "silent stem: nothing to balance";
      continue;
    }
    st.fader_db = std::round(std::clamp(fader[i], -60.0, 24.0) * 10.0) / 10.0;
    if (peak_cut[i] < 0.0)
      why[i] += "; it plays moments of the song and its peak would stand " + db1(-peak_cut[i]) +
                " dB over the loudest part's, which would set the whole mix down by that: held to that peak";
    rep.solo_lufs[i] = l0[i] + st.fader_db;
    st.reasons["fader"] = why[i] + "; in context it loses " + db1(rep.masking_loss[i]) + " LU to masking (the parts' median " +
                          db1(median_loss) + "), a quarter of the difference made up (" + db1(comp[i], true) + " LU): fader " +
                          db1(st.fader_db, true) + " dB" +
                          (stems[i].printed_fx ? " (a printed effect: balanced, not processed)" : "");
  }
  return rep;
}

}  // namespace mixdown::mix
