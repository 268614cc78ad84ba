#include "mix/decide.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "analysis/loudness.hpp"
#include "core/error.hpp"
#include "mix/automation.hpp"
#include "mix/brief_effects.hpp"
#include "mix/balance.hpp"
#include "mix/level_model.hpp"
#include "mix/role_targets.hpp"

namespace mixdown::mix {
namespace {

constexpr int kRate = 48000;
constexpr std::size_t kFrames = 320;  // 32 s

// A synthetic stem analysis: a spectral hump between lo_hz and hi_hz at `level` dBFS while
// `plays(frame)`, with `punch` dB of transient per frame. Consistent the way StemAnalyzer's
// output is (frame loudness from K-weighted band powers, spectra over active frames).
analysis::StemAnalysis synth(double lo_hz, double hi_hz, double level, std::function<bool(std::size_t)> plays,
                             float punch = 0.0f, int channels = 1, double harmonicity = 0.3) {
  analysis::StemAnalysis a;
  a.sample_rate = kRate;
  a.channels = channels;
  a.frames = static_cast<std::int64_t>(kFrames) * kRate / 10;
  const auto edges = analysis::stem_band_edges(kRate);
  for (double e : edges) a.band_edges_hz.push_back(static_cast<float>(e));
  std::vector<float> shape(analysis::kStemBands);
  double tot = 0;
  for (int b = 0; b < analysis::kStemBands; ++b) {
    const double c = std::sqrt(edges[b] * edges[b + 1]);
    const double oct = c < lo_hz ? std::log2(lo_hz / c) : (c > hi_hz ? std::log2(c / hi_hz) : 0.0);
    shape[b] = static_cast<float>(-24.0 * oct);
    tot += std::pow(10.0, shape[b] / 10.0);
  }
  for (auto& s : shape) s -= static_cast<float>(10 * std::log10(tot));
  std::size_t act = 0;
  double kte = 0;
  for (int b = 0; b < analysis::kStemBands; ++b)
    kte += std::pow(10.0, shape[b] / 10.0) * analysis::k_weight_power(std::sqrt(edges[b] * edges[b + 1]));
  for (std::size_t f = 0; f < kFrames; ++f) {
    const bool on = plays(f);
    for (int b = 0; b < analysis::kStemBands; ++b) a.band_db.push_back(on ? static_cast<float>(level + shape[b]) : -150.0f);
    a.frame_lufs.push_back(on ? static_cast<float>(analysis::kLoudnessOffset + level + 10 * std::log10(kte)) : -200.0f);
    a.active.push_back(on ? 1 : 0);
    a.onset.push_back(on ? 1.0f : 0.0f);
    a.punch_db.push_back(on ? punch : 0.0f);
    act += on;
  }
  a.active_fraction = double(act) / kFrames;
  a.integrated_lufs = act ? analysis::kLoudnessOffset + level + 10 * std::log10(kte) : -200.0;
  a.active_lufs = a.integrated_lufs;
  a.peak_dbfs = level + 10.0 + punch;
  a.spectrum_db.clear();
  for (int b = 0; b < analysis::kStemBands; ++b) a.spectrum_db.push_back(static_cast<float>(level + shape[b]));
  a.fine_bin_hz = 50.0;
  for (int k = 0; k < 320; ++k) {
    const double hz = 50.0 * k;
    const double oct = hz < lo_hz ? std::log2(lo_hz / std::max(hz, 1.0)) : (hz > hi_hz ? std::log2(hz / hi_hz) : 0.0);
    a.fine_spectrum_db.push_back(static_cast<float>(level - 20 - 24 * oct));
  }
  a.centroid_hz = std::sqrt(lo_hz * hi_hz);
  a.low_share = hi_hz < 200 ? 0.8 : (lo_hz < 150 ? 0.3 : 0.0);
  a.sibilance_share = hi_hz > 6000 ? 0.08 : 0.0;
  a.harmonicity = harmonicity;
  a.onset_rate_hz = punch > 0 ? 4.0 : 1.0;
  a.punch_mean_db = punch;
  a.floor_rel_db = -80.0;
  a.event_level_db = level + 3;
  return a;
}

StemInput stem(std::string name, Role role, analysis::StemAnalysis a) {
  StemInput s;
  s.name = std::move(name);
  s.file = "/stems/" + s.name;
  s.role = role;
  s.analysis = std::move(a);
  return s;
}

auto always = [](std::size_t) { return true; };
auto beats = [](std::size_t f) { return f % 5 < 2; };
auto chorus_only = [](std::size_t f) { return (f >= 80 && f < 160) || f >= 240; };

std::vector<StemInput> band() {
  std::vector<StemInput> s;
  s.push_back(stem("Kick.wav", Role::kick, synth(40, 120, -12, beats, 12.0f)));
  s.push_back(stem("Snare.wav", Role::snare, synth(180, 5000, -16, beats, 10.0f)));
  s.push_back(stem("Hats.wav", Role::hihat, synth(6000, 14000, -30, always, 6.0f)));
  s.push_back(stem("Bass.wav", Role::bass, synth(45, 250, -10, always, 2.0f)));
  s.push_back(stem("Gtr.wav", Role::guitar, synth(250, 4000, -14, always)));
  s.push_back(stem("Keys.wav", Role::keys, synth(200, 3000, -20, always)));
  s.push_back(stem("Pad.wav", Role::pad, synth(150, 2500, -22, always, 0.0f, 2)));
  s.push_back(stem("Vox.wav", Role::lead_vocal, synth(250, 5000, -24, [](std::size_t f) { return f % 40 < 32; }, 3.0f, 1, 0.7)));
  s.push_back(stem("Lift.wav", Role::synth, synth(500, 6000, -25, chorus_only)));
  // A second guitar and a synth in the voice's core: the vocal's 1-3 kHz is crowded.
  s.push_back(stem("Gtr2.wav", Role::guitar, synth(900, 2800, -18, always)));
  s.push_back(stem("Arp.wav", Role::synth, synth(900, 2800, -18, always)));
  return s;
}

analysis::SongAnalysis song_of(const std::vector<StemInput>& s) {
  analysis::SongAnalysis g;
  g.duration_s = kFrames * 0.1;
  g.tempo_bpm = 120;
  g.beat_period_s = 0.5;
  g.sections = {{"verse", 0, 8, -20, 0}, {"chorus", 8, 16, -17, 1}, {"verse", 16, 24, -20, 0}, {"chorus", 24, 32, -17, 1}};
  (void)s;
  return g;
}

int index_of(const Console& c, const std::string& n) {
  for (std::size_t i = 0; i < c.strips.size(); ++i)
    if (c.strips[i].name == n) return static_cast<int>(i);
  return -1;
}

// Predicted loudness of each strip relative to the predicted mix (LU), by the level model.
std::vector<double> relative_levels(const Console& c, const std::vector<StemInput>& s) {
  const auto pw = mix_band_powers(c, s, kRate);
  std::vector<double> sum(kFrames, 0.0), out;
  std::vector<std::vector<double>> ke;
  for (std::size_t i = 0; i < s.size(); ++i) {
    ke.push_back(pw[i].empty() ? std::vector<double>(kFrames, 0.0) : k_energy(pw[i], s[i].analysis));
    for (std::size_t f = 0; f < kFrames; ++f) sum[f] += ke.back()[f];
  }
  const double m = gated_lufs(sum);
  for (auto& k : ke) out.push_back(gated_lufs(k) - m);
  return out;
}

// The model meters as BS.1770 does (400 ms blocks, 75 % overlap): a part that plays two
// 100 ms frames in five reads 10 log10(0.4) = -4 LU under the same frames played steadily.
// Gating single frames would drop the gaps and read it as loud as the steady part.
TEST(LevelModel, GatedLoudnessCountsTheGapsBetweenHitsLikeAMeter) {
  const double e = std::pow(10.0, (-20.0 + 0.691) / 10.0);  // a -20 LUFS frame
  std::vector<double> steady(200, e), hits(200, 0.0);
  for (std::size_t f = 0; f < hits.size(); ++f)
    if (f % 5 < 2) hits[f] = e;
  EXPECT_NEAR(gated_lufs(steady), -20.0, 1e-6);
  EXPECT_NEAR(gated_lufs(hits) - gated_lufs(steady), 10.0 * std::log10(0.4), 0.2);
  // Silence between phrases is still gated out, as a meter does.
  std::vector<double> phrases(200, 0.0);
  for (std::size_t f = 0; f < 100; ++f) phrases[f] = e;
  EXPECT_NEAR(gated_lufs(phrases), -20.0, 0.2);
}

// The model follows dsp::PanWidth's power: a decorrelated stereo stem panned 60 % to one side
// keeps (1 + 2 sin^2(0.1 pi)) / 2 of its power (-2.2 dB); mono sources keep it all.
TEST(LevelModel, PanningAStereoStemCostsWhatTheBalanceLawTakes) {
  analysis::StemAnalysis a;
  a.channels = 2;
  a.correlation = 0.0;
  Strip st;
  EXPECT_NEAR(pan_power_db(st, a), 0.0, 1e-9);
  st.pan.pan = -0.6;
  const double s = std::sin(0.1 * 3.14159265358979323846);
  EXPECT_NEAR(pan_power_db(st, a), 10.0 * std::log10((1.0 + 2.0 * s * s) / 2.0), 1e-6);
  EXPECT_LT(pan_power_db(st, a), -2.0);
  a.channels = 1;
  EXPECT_NEAR(pan_power_db(st, a), 0.0, 1e-9);
}

TEST(Decide, RoutesStagesAndExplainsEveryStrip) {
  const auto s = band();
  const auto c = decide(s, song_of(s), Brief{}, kRate);
  ASSERT_EQ(c.strips.size(), s.size());
  EXPECT_EQ(c.focus, "Vox.wav");
  for (const auto& st : c.strips) {
    EXPECT_EQ(st.bus, std::string(bus_of(st.role))) << st.name;
    for (const char* k : {"trim", "fader", "pan", "high_pass"}) EXPECT_TRUE(st.reasons.count(k)) << st.name << " " << k;
    EXPECT_GE(st.fader_db, -60.0);
    EXPECT_LE(st.fader_db, 24.0);
  }
  // Trim brings each part's playing level to the working level.
  const auto& kick = c.strips[0];
  EXPECT_NEAR(kick.trim_db + s[0].analysis.active_lufs, -20.0, 1e-9);
  // Decisions are deterministic.
  EXPECT_EQ(decide(s, song_of(s), Brief{}, kRate), c);
}

// The masking losses measured side by side: the same console and balance for any thread count.
TEST(Decide, TheConsoleDoesNotDependOnTheThreadCount) {
  const auto s = band();
  const auto c = decide(s, song_of(s), Brief{}, kRate, 1);
  for (int threads : {2, 3, 0}) EXPECT_EQ(decide(s, song_of(s), Brief{}, kRate, threads), c) << threads;
  Console one = c, two = c;
  const auto r1 = balance_levels(one, s, 0, Brief{}, kRate, 1);
  const auto r2 = balance_levels(two, s, 0, Brief{}, kRate, 2);
  EXPECT_EQ(r1.masking_loss, r2.masking_loss);
  EXPECT_EQ(r1.target_lu, r2.target_lu);
  EXPECT_EQ(one, two);
  double most = 0;
  for (double l : r2.masking_loss) most = std::max(most, l);
  EXPECT_GT(most, 0.0);  // the losses were measured
}

TEST(Decide, CentresAnchorsAndSpreadsTheRest) {
  const auto s = band();
  const auto c = decide(s, song_of(s), Brief{}, kRate);
  for (const char* n : {"Kick.wav", "Snare.wav", "Bass.wav", "Vox.wav"})
    EXPECT_EQ(c.strips[static_cast<std::size_t>(index_of(c, n))].pan.pan, 0.0) << n;
  const double g = c.strips[4].pan.pan, k = c.strips[5].pan.pan;
  EXPECT_NE(g, 0.0);
  EXPECT_NE(k, 0.0);
  EXPECT_LT(g * k, 0.0) << "guitar and keys share the band: opposite sides balance the spectrum";
}

TEST(Decide, BalanceFollowsTheHierarchyWithTheFocusForward) {
  const auto s = band();
  const auto c = decide(s, song_of(s), Brief{}, kRate);
  const auto rel = relative_levels(c, s);
  // The focus is the loudest part; kick, snare and bass above the hats and the pad (the role
  // offsets differ by 3 LU, less what in-context masking gives back to the hats and the pad).
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 7) continue;
    EXPECT_GT(rel[7], rel[i]) << s[i].name;
  }
  for (std::size_t i : {0u, 1u, 3u}) {
    EXPECT_GT(rel[i], rel[2] + 1.0) << s[i].name;
    EXPECT_GT(rel[i], rel[6] + 0.5) << s[i].name;
  }
  // Whatever level a stem arrives at, the balance is the same (gain staging + solve).
  auto louder = s;
  louder[4].analysis = synth(250, 4000, -4, always);
  const auto c2 = decide(louder, song_of(louder), Brief{}, kRate);
  EXPECT_NEAR(relative_levels(c2, louder)[4], rel[4], 0.3);
}

TEST(Decide, AnAccentIsNotHeldUnderAnEqualShare) {
  // A crash that hits once (2 % of the song) against the same crash ringing all through: the
  // accent is not held under the cymbal role's offset, the continuous one is.
  auto s = band();
  s.push_back(stem("Crash.wav", Role::cymbal, synth(3000, 12000, -20, [](std::size_t f) { return f >= 100 && f < 106; }, 8.0f)));
  const auto c = decide(s, song_of(s), Brief{}, kRate);
  const auto& accent = c.strips.back();
  EXPECT_NE(accent.reasons.at("fader").find("as accents"), std::string::npos) << accent.reasons.at("fader");
  auto t = band();
  t.push_back(stem("Crash.wav", Role::cymbal, synth(3000, 12000, -20, always, 8.0f)));
  const auto c2 = decide(t, song_of(t), Brief{}, kRate);
  EXPECT_EQ(c2.strips.back().reasons.at("fader").find("as accents"), std::string::npos);
  EXPECT_GT(relative_levels(c, s).back(), relative_levels(c2, t).back() + 1.5);
}

// A one-shot file (0.3 s) plays a moment of the song, not all of its own length: it is an
// accent. And an accent whose peak would stand over the loudest part's is held to that peak:
// the mix lands on its true peak, so one hit over the music would set the whole mix down.
TEST(Decide, AOneShotIsAnAccentAndItsHitDoesNotSetTheMixPeak) {
  auto s = band();
  auto shot = synth(60, 8000, -6, always, 30.0f);
  shot.frames = 3 * kRate / 10;
  shot.frame_lufs.resize(3);
  shot.band_db.resize(3 * analysis::kStemBands);
  shot.active.resize(3);
  shot.onset.resize(3);
  shot.punch_db.resize(3);
  s.push_back(stem("Impact.wav", Role::fx, shot));
  const auto c = decide(s, song_of(s), Brief{}, kRate);
  const auto& st = c.strips.back();
  EXPECT_NE(st.reasons.at("fader").find("as accents"), std::string::npos) << st.reasons.at("fader");
  EXPECT_NE(st.reasons.at("fader").find("held to that peak"), std::string::npos) << st.reasons.at("fader");
  double parts_peak = -200.0;
  for (std::size_t i = 0; i + 1 < s.size(); ++i)
    parts_peak = std::max(parts_peak, s[i].analysis.peak_dbfs + c.strips[i].trim_db + c.strips[i].fader_db);
  EXPECT_LE(shot.peak_dbfs + st.trim_db + st.fader_db, parts_peak + 0.1);
}

TEST(Decide, WithNoLeadTheGrooveLeadsAndTheAccompanimentSitsBack) {
  // The band without its singer: nothing carries a tune, the kick and snare play all through.
  auto s = band();
  s.erase(s.begin() + 7);  // Vox
  const auto c = decide(s, song_of(s), Brief{}, kRate);
  ASSERT_EQ(c.focus, "");
  EXPECT_NE(c.strips[4].reasons.at("fader").find("the beat carries it"), std::string::npos)
      << c.strips[4].reasons.at("fader");
  EXPECT_EQ(c.strips[3].reasons.at("fader").find("the beat carries it"), std::string::npos);  // the bass is the groove
  EXPECT_EQ(c.strips[6].reasons.at("fader").find("the beat carries it"), std::string::npos);  // a pad is a bed already
  // The same parts with no beat under them (kick and snare as occasional percussion): no rule.
  auto t = s;
  t[0].role = t[1].role = Role::percussion;
  t[0].analysis.active_fraction = t[1].analysis.active_fraction = 0.2;
  const auto c2 = decide(t, song_of(t), Brief{}, kRate);
  EXPECT_EQ(c2.strips[4].reasons.at("fader").find("the beat carries it"), std::string::npos);
  const auto a = relative_levels(c, s), b = relative_levels(c2, t);
  EXPECT_GT((b[4] - b[3]) - (a[4] - a[3]), 1.5);  // guitar against bass
  EXPECT_LT((b[4] - b[3]) - (a[4] - a[3]), 4.5);
  // A lead present: nothing changes for the accompaniment.
  const auto v = band();
  const auto c3 = decide(v, song_of(v), Brief{}, kRate);
  EXPECT_EQ(c3.strips[4].reasons.at("fader").find("the beat carries it"), std::string::npos);
  // genre=orchestral: the instruments carry the piece.
  Brief orch;
  orch.genre = "orchestral";
  EXPECT_FALSE(groove_leads(s, -1, orch));
  EXPECT_TRUE(groove_leads(s, -1, Brief{}));
}

TEST(Decide, TheFocusSitsThreeLuOverItsLoudestAccompaniment) {
  // A lead synth (0 LU in the hierarchy) over a kick and bass (+1 LU) starts from +1 LU, as a
  // lead vocal (+1 LU) does: both end 3 LU over the groove.
  const double acc = loudest_role_lu({Role::kick, Role::bass, Role::hihat, Role::pad});
  EXPECT_DOUBLE_EQ(acc, 1.0);
  EXPECT_DOUBLE_EQ(role_target(Role::synth, Brief{}, true, acc).lu, 4.0);
  EXPECT_DOUBLE_EQ(role_target(Role::lead_vocal, Brief{}, true, acc).lu, 4.0);
  // Over quieter parts it keeps its own role's place; not the focus, nothing changes.
  EXPECT_DOUBLE_EQ(role_target(Role::synth, Brief{}, true, loudest_role_lu({Role::pad, Role::hihat})).lu, 3.0);
  EXPECT_DOUBLE_EQ(role_target(Role::synth, Brief{}, false, acc).lu, 0.0);
  EXPECT_DOUBLE_EQ(loudest_role_lu({}), -100.0);
  // The brief moves the parts it names against the lead: drums=big lifts the kick, not the lead.
  Brief big;
  big.drums = "big";
  EXPECT_DOUBLE_EQ(role_target(Role::synth, big, true, acc).lu, 4.0);
  EXPECT_DOUBLE_EQ(role_target(Role::kick, big, false, acc).lu, 2.5);
  // In a mix: the keys as the focus say where they start from.
  const auto s = band();
  Brief b;
  b.focus = "Keys";
  const auto c = decide(s, song_of(s), b, kRate);
  EXPECT_NE(c.strips[5].reasons.at("fader").find("starts from its loudest accompaniment +1.0 LU"), std::string::npos)
      << c.strips[5].reasons.at("fader");
}

TEST(Decide, FocusFromTheBriefMovesForwardAndUnknownFocusIsAUsageError) {
  const auto s = band();
  const auto base = relative_levels(decide(s, song_of(s), Brief{}, kRate), s);
  Brief b;
  b.focus = "Keys";
  const auto c = decide(s, song_of(s), b, kRate);
  EXPECT_EQ(c.focus, "Keys.wav");
  const auto rel = relative_levels(c, s);
  // Forward against the rest (its own rise also lifts the mix it is measured against).
  // Target +3 LU; measured +1.5 here (the focus compressor and in-context terms take some).
  EXPECT_GT((rel[5] - rel[4]) - (base[5] - base[4]), 1.0);
  EXPECT_LT((rel[5] - rel[4]) - (base[5] - base[4]), 5.0);
  b.focus = "banjo";
  try {
    decide(s, song_of(s), b, kRate);
    FAIL() << "expected a usage error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
}

TEST(Decide, UnmaskingCutsTheMaskersNeverBoosts) {
  const auto s = band();
  const auto c = decide(s, song_of(s), Brief{}, kRate);
  // The parts crowding the vocal's core give way there.
  bool cut = false;
  for (std::size_t i : {4u, 9u, 10u}) {
    const auto& g = c.strips[i];
    for (const auto& b : g.eq.bands) cut |= b.gain_db < 0 && b.freq_hz > 800 && b.freq_hz < 3500;
    // The vocal rests a fifth of the time: the cut may be keyed so they get it back then.
    cut |= g.dynamic_eq.enabled && g.dynamic_eq.key == "Vox.wav" && g.dynamic_eq.freq_hz > 800 &&
           g.dynamic_eq.freq_hz < 3500 && g.dynamic_eq.max_cut_db < 0;
  }
  std::string all;
  for (const auto& st : c.strips)
    for (const auto& [k, v] : st.reasons)
      if (k == "eq" || k == "dynamic_eq") all += st.name + ": " + v + "\n";
  EXPECT_TRUE(cut) << c.strips[7].reasons.at("unmasking") << "\n" << all;
  for (const auto& st : c.strips) {
    for (const auto& b : st.eq.bands) EXPECT_LE(b.gain_db, 0.0) << st.name;
  }
  // The chorus-only synth plays without the focus part of the time: its cut is keyed.
  const auto& lift = c.strips[8];
  if (lift.dynamic_eq.enabled) {
    EXPECT_EQ(lift.dynamic_eq.key, "Vox.wav");
  }
}

TEST(Decide, BassDucksUnderTheKick) {
  const auto s = band();
  const auto c = decide(s, song_of(s), Brief{}, kRate);
  const auto& bass = c.strips[3];
  const bool keyed = (bass.compressor.enabled && bass.compressor.key == "Kick.wav") ||
                     (bass.dynamic_eq.enabled && bass.dynamic_eq.key == "Kick.wav");
  std::string why;
  for (const auto& [k, v] : bass.reasons) why += k + ": " + v + "\n";
  EXPECT_TRUE(keyed) << why;
}

TEST(Decide, ReturnsAreTempoSynced) {
  const auto s = band();
  auto song = song_of(s);
  const auto c = decide(s, song, Brief{}, kRate);
  ASSERT_EQ(c.returns.size(), 3u);
  EXPECT_EQ(c.returns[0].name, "plate");
  EXPECT_EQ(c.returns[1].name, "hall");
  EXPECT_EQ(c.returns[2].name, "delay");
  EXPECT_NEAR(c.returns[2].delay.time_ms, 375.0, 1e-6);  // dotted eighth at 120 BPM
  song.tempo_bpm = 90;
  song.beat_period_s = 60.0 / 90;
  const auto c2 = decide(s, song, Brief{}, kRate);
  EXPECT_NEAR(c2.returns[2].delay.time_ms, 500.0, 1e-6);
  EXPECT_GT(c2.returns[0].reverb.predelay_ms, c.returns[0].reverb.predelay_ms);
  // Kick and bass stay dry; the vocal is sent to the plate.
  EXPECT_TRUE(c.strips[0].sends.empty());
  EXPECT_TRUE(c.strips[3].sends.empty());
  bool plate = false;
  for (const auto& snd : c.strips[7].sends) plate |= snd.to == "plate";
  EXPECT_TRUE(plate);
}

TEST(Decide, ChorusIsLiftedAndTheFocusRidden) {
  const auto s = band();
  const auto c = decide(s, song_of(s), Brief{}, kRate);
  const auto& keys = c.strips[5];
  ASSERT_FALSE(keys.automation.empty());
  EXPECT_GT(automation_gain_at(keys, 12.0), automation_gain_at(keys, 4.0));
  EXPECT_EQ(automation_gain_at(keys, 4.0), 0.0);
  // Ramps, no jumps: the change at a boundary spans a beat.
  EXPECT_GT(automation_gain_at(keys, 8.0), 0.0);
  EXPECT_LT(automation_gain_at(keys, 8.0), automation_gain_at(keys, 9.0));
  for (const auto& st : c.strips) {
    for (const auto& p : st.automation) EXPECT_LE(std::abs(p.gain_db), 4.5) << st.name;
  }
}

TEST(Decide, PrintedEffectsAreBalancedNotProcessed) {
  auto s = band();
  s[6].printed_fx = true;
  const auto c = decide(s, song_of(s), Brief{}, kRate);
  const auto& st = c.strips[6];
  EXPECT_EQ(st.bus, "fx");
  EXPECT_FALSE(st.compressor.enabled);
  EXPECT_FALSE(st.high_pass.enabled);
  EXPECT_TRUE(st.eq.bands.empty());
  EXPECT_TRUE(st.sends.empty());
  EXPECT_NE(st.fader_db, 0.0);
}

TEST(Decide, SilentAndEmptySessionsAreSafe) {
  auto s = band();
  s[5].analysis = synth(200, 3000, -20, [](std::size_t) { return false; });
  const auto c = decide(s, song_of(s), Brief{}, kRate);
  EXPECT_EQ(c.strips[5].fader_db, 0.0);
  const auto e = decide({}, analysis::SongAnalysis{}, Brief{}, kRate);
  EXPECT_TRUE(e.strips.empty());
  EXPECT_TRUE(e.focus.empty());
}

Console without_reasons(Console c) {
  for (auto& st : c.strips) st.reasons.clear();
  for (auto& b : c.buses) b.reasons.clear();
  for (auto& r : c.returns) r.reasons.clear();
  c.mix_bus.reasons.clear();
  return c;
}

// Every brief key changes what decide says, in the direction it names.
TEST(DecideBrief, EveryKeyChangesTheMix) {
  const auto s = band();
  const auto song = song_of(s);
  const auto base = decide(s, song, Brief{}, kRate);
  const std::vector<std::pair<std::string, std::vector<std::string>>> keys = {
      {"vocal", {"intimate", "distant"}},
      {"drums", {"natural", "big"}},
      {"space", {"dry", "ambient"}},
      {"density", {"dense", "spacious"}},
      {"character", {"modern", "vintage", "raw", "polished", "aggressive", "restrained"}},
      {"genre", {"pop", "rock", "hiphop", "electronic", "acoustic", "orchestral"}},
      {"focus", {"Gtr", "bass"}}};
  std::vector<Console> seen{without_reasons(base)};
  for (const auto& [key, values] : keys)
    for (const auto& v : values) {
      Brief b;
      apply_brief_pair(b, key + "=" + v);
      auto c = decide(s, song, b, kRate);
      // Compare what is rendered: not the brief the console carries, nor the reasons (a pair
      // of values that only named themselves in the reasons, modern and polished, hiphop and
      // electronic, rendered bit-identical mixes).
      c.brief = Brief{};
      c = without_reasons(c);
      for (const auto& other : seen) EXPECT_FALSE(c == other) << key << "=" << v << " decides like another brief";
      seen.push_back(c);
    }
}

TEST(DecideBrief, DirectionsMatchTheWords) {
  const auto s = band();
  const auto song = song_of(s);
  auto with = [&](const std::string& pair) {
    Brief b;
    apply_brief_pair(b, pair);
    return decide(s, song, b, kRate);
  };
  auto send = [](const Strip& st, const std::string& to) {
    for (const auto& x : st.sends)
      if (x.to == to) return x.level_db;
    return -200.0;
  };
  const auto intimate = with("vocal=intimate"), distant = with("vocal=distant");
  EXPECT_LT(send(intimate.strips[7], "plate"), send(distant.strips[7], "plate"));
  EXPECT_GT(intimate.returns[0].reverb.predelay_ms, distant.returns[0].reverb.predelay_ms);
  const auto dry = with("space=dry"), amb = with("space=ambient");
  EXPECT_LT(dry.returns[1].reverb.decay_s, amb.returns[1].reverb.decay_s);
  EXPECT_LT(send(dry.strips[5], "hall"), send(amb.strips[5], "hall"));
  const auto big = with("drums=big"), nat = with("drums=natural");
  ASSERT_FALSE(big.buses.empty());
  EXPECT_LT(big.buses[0].compressor.mix, 1.0);
  EXPECT_EQ(nat.buses[0].compressor.mix, 1.0);
  EXPECT_GT(send(big.strips[1], "plate"), send(nat.strips[1], "plate"));
  const auto sp = with("density=spacious"), de = with("density=dense");
  EXPECT_GT(std::abs(sp.strips[4].pan.pan), std::abs(de.strips[4].pan.pan));
  EXPECT_LT(relative_levels(sp, s)[6], relative_levels(de, s)[6]);  // the pad
  const auto hh = with("genre=hiphop"), ac = with("genre=acoustic");
  EXPECT_GT(relative_levels(hh, s)[0], relative_levels(ac, s)[0] + 2.0);  // the kick
  // The pairs that once decided alike: each says its own word.
  const auto el = with("genre=electronic"), orch = with("genre=orchestral");
  EXPECT_GT(relative_levels(hh, s)[7] - relative_levels(hh, s)[4], relative_levels(el, s)[7] - relative_levels(el, s)[4]);  // voice over guitar
  EXPECT_GT(relative_levels(el, s)[10] - relative_levels(el, s)[4], relative_levels(hh, s)[10] - relative_levels(hh, s)[4]);  // arp over guitar
  EXPECT_GT(send(el.strips[7], "delay"), send(hh.strips[7], "delay"));
  EXPECT_GT(orch.returns[1].reverb.decay_s, ac.returns[1].reverb.decay_s);
  const auto modern = with("character=modern"), polished = with("character=polished");
  EXPECT_LT(modern.mix_bus.compressor.attack_ms, polished.mix_bus.compressor.attack_ms);
  EXPECT_NE(modern.mix_bus.eq.bands, polished.mix_bus.eq.bands);
  EXPECT_TRUE(with("character=vintage").strips[3].saturator.enabled);
  EXPECT_FALSE(with("character=raw").mix_bus.compressor.enabled);
  // drums=natural is the kit as played: lighter than the default on the hits and the bus (it
  // had been the default itself); drums=big's parallel copy clamps the hits (a fast attack).
  const auto base = decide(s, song, Brief{}, kRate);
  EXPECT_LT(nat.strips[0].compressor.ratio, base.strips[0].compressor.ratio);
  EXPECT_GT(nat.buses[0].compressor.threshold_db, base.buses[0].compressor.threshold_db);
  EXPECT_LE(big.buses[0].compressor.attack_ms, 2.0);
}

// Every brief key leaves a record: the settings it moved, in their reasons' words, or why it
// moved none; and a reason quotes the numbers the session holds.
TEST(DecideBrief, EachKeySaysWhatItMovedAndReasonsQuoteTheSettings) {
  const auto s = band();
  const auto song = song_of(s);
  Brief b;
  for (const char* pair : {"drums=big", "character=modern", "genre=pop", "density=dense"}) apply_brief_pair(b, pair);
  const auto c = decide(s, song, b, kRate);
  const auto keys = brief_effects(c);
  ASSERT_EQ(keys.size(), 4u);
  for (const auto& k : keys) {
    EXPECT_FALSE(k.effects.empty()) << k.key << "=" << k.value << ": " << k.note;
    for (const auto& e : k.effects) EXPECT_NE(e.reason.find(k.key + "=" + k.value), std::string::npos) << e.reason;
  }
  // character=modern firms the compressors: the kick's reason says the ratio it has (3.9:1),
  // not the 3:1 it started from.
  const auto& kick = c.strips[0];
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.1f:1", kick.compressor.ratio);
  EXPECT_NE(kick.reasons.at("compressor").find(ratio), std::string::npos) << kick.reasons.at("compressor");
  // A vocal brief on a session with no voice moves nothing and says so; the focus synth is not
  // compressed as a voice.
  std::vector<StemInput> inst(s.begin(), s.begin() + 7);
  inst.push_back(s[10]);
  Brief v;
  apply_brief_pair(v, "vocal=intimate");
  apply_brief_pair(v, "focus=Arp.wav");
  const auto ci = decide(inst, song_of(inst), v, kRate);
  const auto plain = decide(inst, song_of(inst), [] { Brief f; apply_brief_pair(f, "focus=Arp.wav"); return f; }(), kRate);
  EXPECT_EQ(ci.strips.back().compressor, plain.strips.back().compressor);
  EXPECT_EQ(ci.strips.back().sends, plain.strips.back().sends);
  // Nor does the plate the snare shares change its pre-delay for a voice that is not there.
  EXPECT_EQ(ci.returns[0].reverb, plain.returns[0].reverb);
  EXPECT_EQ(ci.returns[0].reasons, plain.returns[0].reasons);
  const auto vk = brief_effects(ci);
  ASSERT_FALSE(vk.empty());
  EXPECT_EQ(vk.back().key, "vocal");
}

}  // namespace
// One part alone has nothing to balance it against: it sits in the centre (before, a lone
// keys or guitar part was sent to the side the empty mix called lighter, and the mix leaned
// 3-6 dB to one side).
TEST(Decide, AnOnlyPartSitsInTheCentre) {
  for (Role r : {Role::keys, Role::guitar, Role::synth}) {
    std::vector<StemInput> s{stem("Part.wav", r, synth(200, 3000, -20, always))};
    const auto c = decide(s, song_of(s), Brief{}, kRate);
    EXPECT_EQ(c.strips[0].pan.pan, 0.0) << to_string(r);
    EXPECT_NE(c.strips[0].reasons.at("pan").find("the only part"), std::string::npos) << c.strips[0].reasons.at("pan");
  }
  // Beside another part it is placed as before (off the centre, against the other).
  auto two = band();
  const auto c = decide(two, song_of(two), Brief{}, kRate);
  EXPECT_NE(c.strips[4].pan.pan, 0.0);
}

}  // namespace mixdown::mix

