// Song-level analysis from stem summaries; sources in song_analysis.hpp.
#include "analysis/song_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "analysis/loudness.hpp"
#include "analysis/roles.hpp"
#include "core/error.hpp"

namespace mixdown::analysis {
namespace {


bool melodic(Role r) {
  switch (r) {
    case Role::lead_vocal: case Role::vocal: case Role::backing_vocal: case Role::guitar:
    case Role::keys: case Role::piano: case Role::synth: case Role::strings: case Role::brass:
    case Role::other: case Role::pad:
      return true;
    default:
      return false;
  }
}

// Percussive stems carry the beat best (Ellis 2007 uses the full mix's onsets; with stems we
// can lean on the ones made for keeping time).
// Percussive stems carry the beat best (Ellis 2007 uses the full mix's onsets; with stems we
// can lean on the ones made for keeping time).
double tempo_weight(Role r) {
  if (is_drum(r)) return 1.0;
  if (r == Role::bass) return 0.6;
  return 0.3;
}

struct Tempo {
  double bpm = 120, confidence = 0, period_s = 0.5, first_beat_s = 0;
};

// An onset envelope with its mean removed; returns the energy left (its autocorrelation at lag 0).
double centre(std::vector<double>& env) {
  const double mean = std::accumulate(env.begin(), env.end(), 0.0) / double(env.size());
  for (double& v : env) v -= mean;
  double ac0 = 0;
  for (double v : env) ac0 += v * v;
  return ac0;
}

// A centred envelope's autocorrelation at lag k, over its energy, unbiased for the shorter
// overlap (n / (n - k)).
double autocorrelation(const std::vector<double>& env, double ac0, std::size_t k) {
  const std::size_t n = env.size();
  double s = 0;
  for (std::size_t j = k; j < n; ++j) s += env[j] * env[j - k];
  return s / ac0 * double(n) / double(n - k);
}

// How many beats of `lag` frames a snare's onsets repeat at: 1 when its normalized
// autocorrelation (each lag read at its peak within a frame) is at least 0.5 at one beat, not
// less at two beats than 0.9 of that, and under 0.3 at half a beat (a hit on every beat, none
// between); 4 when it is at least 0.5 at four beats and under 0.3 at two; else 2 (or unknown).
int snare_beats(std::vector<double> env, double lag) {
  const std::size_t n = env.size();
  if (n < 8 || lag * 4.0 + 2.0 >= double(n)) return 2;
  const double ac0 = centre(env);
  if (ac0 <= 0) return 2;
  const auto at = [&](double l) {
    double best = -1.0;
    const auto c = static_cast<std::size_t>(std::lround(l));
    for (std::size_t k = c > 0 ? c - 1 : 0; k <= c + 1 && k < n; ++k) best = std::max(best, autocorrelation(env, ac0, k));
    return best;
  };
  const double one = at(lag), two = at(2.0 * lag);
  if (one >= 0.5 && one >= 0.9 * two && at(lag / 2.0) < 0.3) return 1;
  if (at(4.0 * lag) >= 0.5 && two < 0.3) return 4;
  return 2;
}

Tempo estimate_tempo(const std::vector<const StemAnalysis*>& stems, const std::vector<Role>& roles) {
  Tempo t;
  std::size_t n = 0;
  double step = 0.01;
  for (const auto* s : stems)
    if (s && !s->silent()) {
      n = std::max(n, s->onset_env.size());
      step = s->onset_env_s;
    }
  if (n < 400) return t;  // under 4 s: no meaningful tempo
  std::vector<double> env(n, 0.0);
  for (std::size_t i = 0; i < stems.size(); ++i) {
    const auto* s = stems[i];
    if (!s || s->silent()) continue;
    // Normalize each stem so a loud pad's swells don't outvote the hi-hat.
    double tot = 0;
    for (float v : s->onset_env) tot += v;
    if (tot <= 0) continue;
    const double w = tempo_weight(i < roles.size() ? roles[i] : Role::other) * double(n) / tot;
    for (std::size_t j = 0; j < s->onset_env.size(); ++j) env[j] += w * s->onset_env[j];
  }
  const double ac0 = centre(env);
  // Lags 40..240 BPM. Each candidate beat period P is scored on the metrical grid it implies,
  // not on its own lag alone: the mean autocorrelation at P, 2P, 3P and 4P (a beat repeats at
  // the half bar and the bar, Klapuri, Eronen & Astola 2006), each read at its local peak
  // (±1 frame) so a period between frames is not penalised. A syncopated figure (a reggae
  // skank, a dotted rhythm) correlates strongly at its own odd lag, but not on that lag's
  // multiples as the true beat does. Weighted by Ellis's (2007) prior, a log-Gaussian around
  // 120 BPM one octave wide. The metrical level stays ambiguous: a beat's grid also fits its
  // double period (two beats, a half bar), so a tempo far from 120 BPM can come out at half or
  // double ("octave errors"); tempo-synced delays then still land on the grid.
  const auto lag_min = static_cast<std::size_t>(std::floor(60.0 / 240.0 / step));
  const auto lag_max = std::min(n / 2, static_cast<std::size_t>(std::ceil(60.0 / 40.0 / step)));
  constexpr std::size_t kMultiples = 4;
  const std::size_t ac_max = std::min(n - 1, kMultiples * lag_max + 1);
  std::vector<double> ac(ac_max + 2, 0.0);
  if (ac0 <= 0) return t;
  for (std::size_t lag = lag_min; lag <= ac_max; ++lag) ac[lag] = autocorrelation(env, ac0, lag);
  auto peak_near = [&](std::size_t at) {
    double v = ac[at];
    if (at > lag_min) v = std::max(v, ac[at - 1]);
    if (at + 1 <= ac_max) v = std::max(v, ac[at + 1]);
    return v;
  };
  auto grid_score = [&](std::size_t lag) {
    double sum = 0;
    std::size_t used = 0;
    for (std::size_t k = 1; k <= kMultiples && k * lag + 1 <= ac_max && k * lag <= n / 2; ++k, ++used)
      sum += k == 1 ? ac[lag] : peak_near(k * lag);
    return used ? sum / double(used) : 0.0;
  };
  auto prior = [&](double lag, double octaves) {
    return std::exp(-0.5 * std::pow(std::log2(60.0 / (lag * step) / 120.0) / octaves, 2.0));
  };
  double best = -1e300;
  std::size_t best_lag = 0;
  for (std::size_t lag = lag_min; lag <= lag_max; ++lag) {
    const double v = grid_score(lag) * prior(double(lag), 1.0);
    if (v > best) {
      best = v;
      best_lag = lag;
    }
  }
  if (best_lag == 0 || ac[best_lag] <= 0) return t;
  // Parabolic refinement of the peak.
  double lag = double(best_lag);
  if (best_lag > lag_min && best_lag < lag_max) {
    const double a = ac[best_lag - 1], b = ac[best_lag], c = ac[best_lag + 1];
    const double den = a - 2 * b + c;
    if (den < 0) lag += std::clamp(0.5 * (a - c) / den, -0.5, 0.5);
  }
  t.confidence = std::clamp(ac[best_lag], 0.0, 1.0);
  // The metrical level from the backbeat: a snare (or clap) plays on beats 2 and 4, every
  // second beat. A snare that hits on every beat read, and not between them, says the beat read
  // is a half bar: the tempo is twice that (drum and bass at 177 BPM had read as 88); one on
  // every fourth beat read and not on the second says the beat read is an eighth: the tempo is
  // half that. Only to tempos a backbeat is played at (60 to 200 BPM).
  {
    std::vector<double> snare(n, 0.0);
    bool any = false;
    for (std::size_t i = 0; i < stems.size() && i < roles.size(); ++i)
      if (roles[i] == Role::snare && stems[i] && !stems[i]->silent()) {
        any = true;
        for (std::size_t j = 0; j < stems[i]->onset_env.size() && j < n; ++j) snare[j] += stems[i]->onset_env[j];
      }
    const double bpm = 60.0 / (lag * step);
    const int beats = any ? snare_beats(std::move(snare), lag) : 2;
    if (beats == 1 && 2.0 * bpm <= 200.0) lag /= 2.0;
    else if (beats == 4 && bpm / 2.0 >= 60.0) lag *= 2.0;
  }
  t.period_s = lag * step;
  t.bpm = 60.0 / t.period_s;
  // Phase: the offset whose comb of beats gathers the most onset strength.
  const auto per = static_cast<std::size_t>(std::lround(lag));
  double best_phase = -1e300;
  for (std::size_t ph = 0; ph < per; ++ph) {
    double s = 0;
    for (double x = double(ph); x < double(n); x += lag) s += env[static_cast<std::size_t>(x)];
    if (s > best_phase) {
      best_phase = s;
      t.first_beat_s = double(ph) * step;
    }
  }
  return t;
}

}  // namespace

SongAnalysis analyze_song(const std::vector<const StemAnalysis*>& stems,
                          const std::vector<Role>& roles, double duration_s) {
  SongAnalysis song;
  song.duration_s = duration_s;
  const Tempo t = estimate_tempo(stems, roles);
  song.tempo_bpm = t.bpm;
  song.tempo_confidence = t.confidence;
  song.beat_period_s = t.period_s;
  song.first_beat_s = t.first_beat_s;

  std::size_t nf = 0;
  for (const auto* s : stems)
    if (s) nf = std::max(nf, s->num_frames());
  song.sum_lufs.assign(nf, -200.0f);
  for (std::size_t i = 0; i < nf; ++i) {
    double e = 0;
    for (const auto* s : stems)
      if (s && i < s->frame_lufs.size() && s->frame_lufs[i] > -199.0f) e += lufs_to_energy(s->frame_lufs[i]);
    song.sum_lufs[i] = static_cast<float>(e > 0 ? energy_to_lufs(e) : -200.0);
  }

  // --- Sections: one feature vector per bar (each stem's level in the bar, and the sum's
  // spectrum in 8 coarse bands), a self-similarity matrix, Foote novelty with a checkerboard
  // kernel of w bars each side (4, fewer when bars are long), boundaries at novelty peaks at
  // least w bars apart.
  const double bar_s = std::max(0.5, song.beat_period_s * song.beats_per_bar);
  const double dur = duration_s > 0 ? duration_s : double(nf) * song.frame_s;
  const double start0 = std::fmod(song.first_beat_s, bar_s);
  std::vector<double> bar_start;
  bar_start.push_back(0.0);
  for (double x = start0 > 0.05 ? start0 : bar_s; x < dur - 0.5 * bar_s; x += bar_s) bar_start.push_back(x);
  const std::size_t nb = bar_start.size();
  std::vector<std::vector<double>> feat(nb);
  std::vector<double> bar_lufs(nb, -200.0);
  for (std::size_t b = 0; b < nb; ++b) {
    const double a = bar_start[b], z = b + 1 < nb ? bar_start[b + 1] : dur;
    // Skip the bar's first frame: its analysis window (~170 ms) reaches into the previous bar.
    auto f0 = static_cast<std::size_t>(std::max(0.0, std::round(a / song.frame_s)));
    const auto f1 = std::min(nf, static_cast<std::size_t>(std::max(0.0, std::round(z / song.frame_s))));
    if (f1 > f0 + 3) ++f0;
    double esum = 0;
    for (std::size_t si = 0; si < stems.size(); ++si) {
      const auto* s = stems[si];
      double e = 0;
      std::size_t cnt = 0;
      if (s)
        for (std::size_t f = f0; f < f1 && f < s->frame_lufs.size(); ++f, ++cnt)
          if (s->frame_lufs[f] > -199.0f) e += lufs_to_energy(s->frame_lufs[f]);
      e = cnt ? e / double(cnt) : 0.0;
      const bool sounds = s && !s->silent() && e > 0;
      // The bar's loudness sums the stems each at its own loudness (an equal-loudness sum): which
      // bars are loud, and so which section is the chorus, must not follow the levels the stems
      // were exported at (a hot pad file would make its swells the chorus).
      if (sounds) esum += e / lufs_to_energy(s->integrated_lufs);
      // dB relative to the stem's own loudness, floored 40 dB down: "is it playing, how much".
      const double rel = sounds ? energy_to_lufs(e) - s->integrated_lufs : -40.0;
      feat[b].push_back(std::clamp(rel, -40.0, 6.0) / 10.0);
    }
    bar_lufs[b] = esum > 0 ? energy_to_lufs(esum) : -200.0;
  }
  auto dist = [&](std::size_t i, std::size_t j) {
    double d = 0;
    for (std::size_t k = 0; k < feat[i].size(); ++k) d += std::pow(feat[i][k] - feat[j][k], 2.0);
    return std::sqrt(d / std::max<std::size_t>(1, feat[i].size()));
  };
  std::vector<std::size_t> bounds{0};
  // Kernel half-width: 4 bars, but no more than about 8 s — a slow tempo (or a fast one read
  // at half speed, the octave ambiguity of the tempo estimate) has long bars, and 4 of them
  // would miss sections of ordinary length.
  const std::size_t w = static_cast<std::size_t>(std::clamp(std::lround(8.0 / bar_s), 2L, 4L));
  if (nb >= 2 * w) {
    std::vector<double> nov(nb, 0.0);
    for (std::size_t c = w; c + w <= nb; ++c) {
      double cross = 0, within = 0;
      for (std::size_t i = c - w; i < c; ++i)
        for (std::size_t j = c; j < c + w; ++j) cross += dist(i, j);
      for (std::size_t i = c - w; i < c; ++i)
        for (std::size_t j = c - w; j < c; ++j) within += dist(i, j);
      for (std::size_t i = c; i < c + w; ++i)
        for (std::size_t j = c; j < c + w; ++j) within += dist(i, j);
      nov[c] = cross / double(w * w) - 0.5 * within / double(w * w);
    }
    // Peaks above a threshold (mean + 0.5 sd), greedy by height, at least w bars apart.
    double m = 0, sd = 0, cnt = 0;
    for (std::size_t c = w; c + w <= nb; ++c) m += nov[c], ++cnt;
    m /= std::max(1.0, cnt);
    for (std::size_t c = w; c + w <= nb; ++c) sd += (nov[c] - m) * (nov[c] - m);
    sd = std::sqrt(sd / std::max(1.0, cnt));
    std::vector<std::size_t> order;
    for (std::size_t c = w; c + w <= nb; ++c)
      if (nov[c] > m + 0.5 * sd && nov[c] > 0.05) order.push_back(c);
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return nov[a] > nov[b] || (nov[a] == nov[b] && a < b); });
    for (std::size_t c : order) {
      bool ok = true;
      for (std::size_t x : bounds) if ((c > x ? c - x : x - c) < w) ok = false;
      if (nb - c < w) ok = false;
      if (ok) bounds.push_back(c);
    }
    std::sort(bounds.begin(), bounds.end());
  }
  // Segments, their mean features and loudness; group repeats by feature distance.
  struct Seg { std::size_t b0, b1; double lufs; int group; };
  std::vector<Seg> segs;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    Seg s{bounds[i], i + 1 < bounds.size() ? bounds[i + 1] : nb, -200.0, -1};
    double e = 0;
    for (std::size_t b = s.b0; b < s.b1; ++b) e += bar_lufs[b] > -199 ? lufs_to_energy(bar_lufs[b]) : 0.0;
    s.lufs = e > 0 ? energy_to_lufs(e / double(s.b1 - s.b0)) : -200.0;
    segs.push_back(s);
  }
  auto seg_dist = [&](const Seg& a, const Seg& b) {
    double d = 0;
    for (std::size_t i = a.b0; i < a.b1; ++i)
      for (std::size_t j = b.b0; j < b.b1; ++j) d += dist(i, j);
    return d / double((a.b1 - a.b0) * (b.b1 - b.b0));
  };
  int groups = 0;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (segs[i].group >= 0) continue;
    segs[i].group = groups;
    for (std::size_t j = i + 1; j < segs.size(); ++j)
      if (segs[j].group < 0 &&
          seg_dist(segs[i], segs[j]) <
              0.15 + 0.5 * (seg_dist(segs[i], segs[i]) + seg_dist(segs[j], segs[j])))
        segs[j].group = groups;
    ++groups;
  }
  // Names: quiet first/last segments are intro/outro; the loudest group is the chorus when it
  // stands out (≥ 1 LU over the other segments' mean); repeated others are verses; a one-off in the
  // middle that comes after a chorus is the bridge (one per song: the first such). A one-off
  // before any chorus is a verse: DirtyLove's two sections after the intro had both read as
  // bridges.
  std::vector<double> louds;
  for (auto& s : segs) louds.push_back(s.lufs);
  std::vector<double> sorted = louds;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted.empty() ? -200.0 : sorted[sorted.size() / 2];
  std::vector<double> gl(static_cast<std::size_t>(groups), -200.0);
  std::vector<int> gcount(static_cast<std::size_t>(groups), 0);
  for (auto& s : segs) {
    gl[static_cast<std::size_t>(s.group)] = std::max(gl[static_cast<std::size_t>(s.group)], s.lufs);
    ++gcount[static_cast<std::size_t>(s.group)];
  }
  int chorus = -1;
  double best = -1e300;
  for (int g = 0; g < groups; ++g) {
    const bool only_edge = gcount[static_cast<std::size_t>(g)] == 1 && segs.size() > 2 &&
                           (segs.front().group == g || segs.back().group == g);
    if (!only_edge && gl[static_cast<std::size_t>(g)] > best) {
      best = gl[static_cast<std::size_t>(g)];
      chorus = g;
    }
  }
  if (chorus >= 0) {
    double e = 0;
    int n = 0;
    for (auto& sg : segs)
      if (sg.group != chorus && sg.lufs > -199.0) e += lufs_to_energy(sg.lufs), ++n;
    const double rest = n ? energy_to_lufs(e / n) : 1e300;
    if (segs.size() < 2 || best < rest + 1.0) chorus = -1;
  }
  bool chorus_heard = false, bridge_named = false;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const auto& s = segs[i];
    std::string name;
    if (segs.size() > 2 && i == 0 && s.lufs < median - 2.0 && gcount[static_cast<std::size_t>(s.group)] == 1)
      name = "intro";
    else if (segs.size() > 2 && i + 1 == segs.size() && s.lufs < median - 2.0)
      name = "outro";
    else if (s.group == chorus)
      name = "chorus";
    else if (gcount[static_cast<std::size_t>(s.group)] == 1 && i > 0 && i + 1 < segs.size() && segs.size() > 3 &&
             chorus_heard && !bridge_named)
      name = "bridge", bridge_named = true;
    else
      name = "verse";
    if (name == "chorus") chorus_heard = true;
    SongSection sec;
    sec.name = name;
    sec.start_s = bar_start[s.b0];
    sec.end_s = s.b1 < nb ? bar_start[s.b1] : dur;
    sec.energy_lufs = s.lufs;
    sec.group = s.group;
    song.sections.push_back(sec);
  }
  if (dur <= 0) song.sections.clear();
  if (song.sections.empty() && dur > 0) song.sections.push_back({"verse", 0.0, dur, -200.0, 0});

  std::vector<std::string> names(stems.size());
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = "#" + std::to_string(i);
  const FocusChoice f = choose_focus(stems, roles, names, "");
  song.focus = f.index;
  song.focus_reason = f.reason;
  return song;
}

FocusChoice choose_focus(const std::vector<const StemAnalysis*>& stems,
                         const std::vector<Role>& roles, const std::vector<std::string>& names,
                         const std::string& brief_focus) {
  FocusChoice fc;
  auto role_of = [&](std::size_t i) { return i < roles.size() ? roles[i] : Role::other; };
  auto audible = [&](std::size_t i) { return i < stems.size() && stems[i] && stems[i]->integrated_lufs > -199.0; };
  // A stem's level is whatever its export left it at (a take recorded hot, a double printed 6 dB
  // down, or the same file at any gain): no choice below reads it. Among stems of a role the
  // one that plays the most of the song is its main part; parts within kTie of that (a line and
  // its double, a verse take and a chorus take) go to one whose name does not call it a double
  // ("Vox Dbl", "Lead DT": analysis::role_from_name), then to the first in the session (a folder
  // sorts "Vox Dbl" before "Vox", hence the name first).
  constexpr double kTie = 0.05;
  auto named_double = [&](std::size_t i) { return role_from_name(names[i]).double_track; };
  // Of the near-ties `tied` (in session order): the first not named a double, else the first.
  auto of_ties = [&](const std::vector<std::size_t>& tied) {
    for (std::size_t i : tied)
      if (!named_double(i)) return static_cast<int>(i);
    return tied.empty() ? -1 : static_cast<int>(tied.front());
  };
  std::size_t longest = 1;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (i < stems.size() && stems[i]) longest = std::max(longest, stems[i]->num_frames());
  auto plays = [&](std::size_t i) {
    return audible(i) ? stems[i]->active_fraction * double(stems[i]->num_frames()) / double(longest) : 0.0;
  };
  // Audible stems first: a silent one (which plays none of the song) only when no stem of the
  // role sounds.
  auto main_of = [&](auto pred) {
    for (const bool sounding : {true, false}) {
      const auto in_pass = [&](std::size_t i) { return pred(i) && (!sounding || audible(i)); };
      double top = -1.0;
      for (std::size_t i = 0; i < names.size(); ++i)
        if (in_pass(i)) top = std::max(top, plays(i));
      std::vector<std::size_t> tied;
      for (std::size_t i = 0; i < names.size(); ++i)
        if (in_pass(i) && plays(i) >= top - kTie) tied.push_back(i);
      if (!tied.empty()) return of_ties(tied);
    }
    return -1;
  };
  if (!brief_focus.empty()) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto& n = names[i];
      const auto dot = n.rfind('.');
      if (n == brief_focus || (dot != std::string::npos && n.substr(0, dot) == brief_focus)) {
        fc.index = static_cast<int>(i);
        fc.reason = "the brief names " + n + " as the focus";
        return fc;
      }
    }
    // Then as people type a name: its words as a file name's are read (any case, without the
    // extension, the track number or the separators: "focus=lead synth" for
    // "04_Lead-Synth.wav"), when it names one stem only.
    const auto typed = tokenize_name(brief_focus);
    std::vector<std::size_t> matched;
    for (std::size_t i = 0; i < names.size(); ++i)
      if (!typed.empty() && tokenize_name(names[i]) == typed) matched.push_back(i);
    if (matched.size() == 1) {
      fc.index = static_cast<int>(matched.front());
      fc.reason = "the brief names " + names[matched.front()] + " as the focus (\"" + brief_focus + "\")";
      return fc;
    }
    if (const auto r = role_from_string(brief_focus)) {
      const int i = main_of([&](std::size_t k) { return role_of(k) == *r; });
      if (i >= 0) {
        fc.index = i;
        fc.reason = "the brief asks for the " + brief_focus + " as the focus; " +
                    names[static_cast<std::size_t>(i)] + " is the " + brief_focus + " stem that plays the most of the song";
        return fc;
      }
    }
    throw usage_error("--brief focus=" + brief_focus,
                      "names no stem and no role present in the session");
  }
  for (Role r : {Role::lead_vocal, Role::vocal}) {
    const int i = main_of([&](std::size_t k) { return role_of(k) == r && audible(k); });
    if (i >= 0) {
      fc.index = i;
      fc.reason = std::string(names[static_cast<std::size_t>(i)]) + " is the " +
                  (r == Role::lead_vocal ? "lead vocal" : "main vocal") + ": the song is built around it";
      return fc;
    }
  }
  // Without a vocal, a lead must show itself in its sound, not in its level (a stem's level is
  // whatever the export left it at): it carries the tune through most of the song (plays at
  // least half of it), as one line in the middle of the image (narrow: a wide part is a section
  // or a bed), tonal (harmonicity), in the lead register (centroid 250 Hz .. 5 kHz), at the
  // pace of a tune (at most 4 notes a second, about the syllable rate of singing: faster even
  // figures are arpeggios and riffs, accompaniment) and not a bed (pad, strings section). An instrumental with no such part has no lead,
  // and pushing an accompaniment part forward would be a guess: it is balanced without a focus.
  // Among the parts that qualify, the most tonal and most present wins; near-ties (within kTie
  // on the 0..1 score: a line and its double) as above.
  struct Cand {
    std::size_t i;
    double score;
  };
  std::vector<Cand> cands;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const Role r = role_of(i);
    if (!melodic(r) || r == Role::pad || r == Role::strings || i >= stems.size() || !stems[i] ||
        stems[i]->silent())
      continue;
    const auto& s = *stems[i];
    if (s.active_fraction < 0.5 || s.width > 0.2 || s.harmonicity < 0.5 || s.centroid_hz < 250.0 ||
        s.centroid_hz > 5000.0 || s.onset_rate_hz > 4.0)
      continue;
    cands.push_back({i, 0.5 * s.harmonicity + 0.5 * std::min(1.0, s.active_fraction)});
  }
  if (!cands.empty()) {
    const double top = std::max_element(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) {
                         return a.score < b.score;
                       })->score;
    std::vector<std::size_t> tied;
    for (const auto& c : cands)
      if (c.score >= top - kTie) tied.push_back(c.i);
    fc.index = of_ties(tied);
  }
  if (fc.index >= 0) {
    const auto& s = *stems[static_cast<std::size_t>(fc.index)];
    char why[160];
    std::snprintf(why, sizeof why, " plays %.0f %% of the song as one tonal line (harmonicity %.2f, width %.2f, %.1f notes/s)",
                  100.0 * s.active_fraction, s.harmonicity, s.width, s.onset_rate_hz);
    fc.reason = names[static_cast<std::size_t>(fc.index)] + why + ": the lead (no vocal in the session)";
    return fc;
  }
  fc.reason = "no vocal, and no part carries the tune through the song as one line: the mix is balanced without a focus";
  return fc;
}

}  // namespace mixdown::analysis
