#include "analysis/song_analysis.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "../../tests/support/testing.hpp"

namespace mixdown::analysis {
namespace {

constexpr int kRate = 48000;

AudioBuffer hits(double bpm, double seconds, double offset_s = 0.0) {
  AudioBuffer b(1, static_cast<std::size_t>(seconds * kRate));
  const auto n = testkit::noise(-3.0, seconds, kRate, 1, 3);
  const double per = 60.0 / bpm;
  for (std::size_t i = 0; i < b.num_frames(); ++i) {
    const double t = double(i) / kRate - offset_s;
    if (t < 0) continue;
    const double ph = std::fmod(t, per);
    b.channel(0)[i] = static_cast<float>(n.channel(0)[i] * std::exp(-ph / 0.02));
  }
  return b;
}

TEST(SongAnalysis, TempoOfAClickTrack) {
  for (double bpm : {90.0, 120.0, 140.0}) {
    const auto a = analyze_stem(hits(bpm, 20.0, 0.13).view(), kRate);
    const auto song = analyze_song({&a}, {Role::kick}, 20.0);
    EXPECT_NEAR(song.tempo_bpm, bpm, bpm * 0.02) << bpm;
    EXPECT_GT(song.tempo_confidence, 0.2);
    // The grid lands on the hits (first hit at 0.13 s), modulo a beat.
    const double ph = std::fmod(song.first_beat_s - 0.13 + 10 * song.beat_period_s, song.beat_period_s);
    EXPECT_LT(std::min(ph, song.beat_period_s - ph), 0.03) << bpm;
  }
}

// A drum kit in 4/4: kick on 1 and 3 with a pickup on the "and" of 3, snare on 2 and 4, hats
// on every eighth. `beats` lists the hit times in beats within the bar.
AudioBuffer pattern(double bpm, double seconds, std::vector<double> beats, double decay_s, unsigned seed) {
  AudioBuffer b(1, static_cast<std::size_t>(seconds * kRate));
  const auto n = testkit::noise(-6.0, seconds, kRate, 1, seed);
  const double beat = 60.0 / bpm;
  for (double bar = 0; bar * 4 * beat < seconds; ++bar)
    for (double at : beats) {
      const auto start = static_cast<std::size_t>((bar * 4 + at) * beat * kRate);
      for (std::size_t i = start; i < b.num_frames() && i < start + static_cast<std::size_t>(0.25 * kRate); ++i)
        b.channel(0)[i] += static_cast<float>(n.channel(0)[i] * std::exp(-double(i - start) / kRate / decay_s));
    }
  return b;
}

bool octave_equivalent(double got, double bpm) {
  for (double f : {1.0, 0.5, 2.0})
    if (std::fabs(got - f * bpm) <= 0.02 * f * bpm) return true;
  return false;
}

TEST(SongAnalysis, TempoOfADrumPatternIsTheBeatNotTheSyncopation) {
  for (double bpm : {72.0, 84.0, 92.0, 100.0, 108.0, 117.0, 128.0, 138.0, 145.0, 160.0, 175.0}) {
    const auto kick = analyze_stem(pattern(bpm, 24.0, {0, 2, 2.5}, 0.08, 1).view(), kRate);
    const auto snare = analyze_stem(pattern(bpm, 24.0, {1, 3}, 0.06, 2).view(), kRate);
    const auto hats = analyze_stem(pattern(bpm, 24.0, {0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5}, 0.015, 3).view(), kRate);
    const auto song = analyze_song({&kick, &snare, &hats}, {Role::kick, Role::snare, Role::hihat}, 24.0);
    // Never the syncopation's 3:2 or 4:3 relation, which would put delays off the grid; and
    // not its half or double either: the snare on 2 and 4 says which level is the beat (138
    // and 160 had read at half speed, 72 and 84 at double).
    EXPECT_NEAR(song.tempo_bpm, bpm, 0.02 * bpm) << bpm << " BPM read as " << song.tempo_bpm;
  }
}

TEST(SongAnalysis, TempoWithoutASnareIsTheBeatOrItsOctave) {
  // Kick and hats only: no backbeat tells the metrical level, so half or double may come out,
  // but never another ratio.
  for (double bpm : {84.0, 117.0, 160.0}) {
    const auto kick = analyze_stem(pattern(bpm, 24.0, {0, 1, 2, 3}, 0.08, 1).view(), kRate);
    const auto hats = analyze_stem(pattern(bpm, 24.0, {0.5, 1.5, 2.5, 3.5}, 0.015, 3).view(), kRate);
    const auto song = analyze_song({&kick, &hats}, {Role::kick, Role::hihat}, 24.0);
    EXPECT_TRUE(octave_equivalent(song.tempo_bpm, bpm)) << bpm << " BPM read as " << song.tempo_bpm;
  }
}

void chorus_where_more_parts_play(double lead_db, double keys_db) {
  const double bar = 2.0;
  const double dur = 32 * bar;
  const auto drums = analyze_stem(hits(120.0, dur).view(), kRate);
  std::vector<AudioBuffer> lead_parts, keys_parts;
  for (int b = 0; b < 32; ++b) {
    const bool chorus = (b >= 8 && b < 16) || (b >= 24);
    lead_parts.push_back(chorus ? testkit::sine(660.0, lead_db, bar, kRate, 1) : AudioBuffer(1, kRate * 2));
    keys_parts.push_back(testkit::sine(330.0, keys_db, bar, kRate, 1));
  }
  const auto lead = analyze_stem(testkit::concat(lead_parts).view(), kRate);
  const auto keys = analyze_stem(testkit::concat(keys_parts).view(), kRate);
  const auto song = analyze_song({&drums, &lead, &keys}, {Role::kick, Role::synth, Role::keys}, dur);
  ASSERT_GE(song.sections.size(), 3u);
  auto name_at = [&](double t) {
    for (const auto& s : song.sections)
      if (t >= s.start_s && t < s.end_s) return s.name;
    return std::string();
  };
  EXPECT_EQ(name_at(20.0), "chorus");
  EXPECT_EQ(name_at(55.0), "chorus");
  EXPECT_NE(name_at(8.0), "chorus");
  EXPECT_NE(name_at(40.0), "chorus");
  // Boundaries within a bar of the truth.
  bool found16 = false;
  for (const auto& s : song.sections) found16 |= std::abs(s.start_s - 16.0) <= bar + 0.01;
  EXPECT_TRUE(found16);
  // Sections tile the song.
  EXPECT_EQ(song.sections.front().start_s, 0.0);
  EXPECT_NEAR(song.sections.back().end_s, dur, 1e-9);
  for (std::size_t i = 1; i < song.sections.size(); ++i)
    EXPECT_EQ(song.sections[i].start_s, song.sections[i - 1].end_s);
}

TEST(SongAnalysis, ChorusWhereMorePartsPlayLouder) {
  // 120 BPM (2 s bars): drums and keys throughout; a lead joins them in bars 8..15 and 24..31
  // (the "chorus"). The stems' levels say nothing (they are whatever the export left them at):
  // the same sections come out with the lead's file 14 dB over the keys' or 24 dB under.
  for (const auto& [lead_db, keys_db] : {std::pair{-10.0, -24.0}, std::pair{-30.0, -6.0}}) {
    SCOPED_TRACE("lead " + std::to_string(lead_db) + " dBFS, keys " + std::to_string(keys_db) + " dBFS");
    chorus_where_more_parts_play(lead_db, keys_db);
  }
}

TEST(SongAnalysis, FocusFromBriefRoleOrMelody) {
  StemAnalysis kick, vox, synth, pad;
  kick.integrated_lufs = -12;
  vox.integrated_lufs = -20;
  synth.integrated_lufs = -16;
  synth.active_lufs = -16;
  synth.active_fraction = 0.8;
  synth.harmonicity = 0.6;
  synth.centroid_hz = 1200;
  synth.onset_rate_hz = 3;
  pad = synth;
  pad.harmonicity = 0.3;
  const std::vector<std::string> names{"Kick.wav", "Vox.wav", "Lead.wav", "Pad.wav"};
  const std::vector<const StemAnalysis*> st{&kick, &vox, &synth, &pad};
  const std::vector<Role> roles{Role::kick, Role::lead_vocal, Role::synth, Role::pad};
  EXPECT_EQ(choose_focus(st, roles, names, "").index, 1);
  EXPECT_EQ(choose_focus(st, roles, names, "Lead").index, 2);
  EXPECT_EQ(choose_focus(st, roles, names, "Pad.wav").index, 3);
  EXPECT_EQ(choose_focus(st, roles, names, "kick").index, 0);
  EXPECT_THROW(choose_focus(st, roles, names, "banjo"), Error);
  EXPECT_THROW(choose_focus(st, roles, names, "piano"), Error);  // a role, but not present
  // A stem as people type its name: any case, no extension, track number or separators.
  const std::vector<std::string> numbered{"01_Kick.wav", "02 Vox.wav", "04_Lead-Synth.wav", "05_Pad.wav"};
  EXPECT_EQ(choose_focus(st, roles, numbered, "lead synth").index, 2);
  EXPECT_EQ(choose_focus(st, roles, numbered, "VOX").index, 1);
  EXPECT_EQ(choose_focus(st, roles, numbered, "pad").index, 3);
  // Without a vocal, the melodic synth over the pad.
  const std::vector<Role> no_vox{Role::kick, Role::bass, Role::synth, Role::pad};
  const auto f = choose_focus(st, no_vox, names, "");
  EXPECT_EQ(f.index, 2);
  EXPECT_FALSE(f.reason.empty());
}

TEST(SongAnalysis, AnInstrumentalWithoutALineThatCarriesTheSongHasNoFocus) {
  StemAnalysis lead;
  lead.integrated_lufs = lead.active_lufs = -20;
  lead.active_fraction = 0.7;
  lead.harmonicity = 0.8;
  lead.centroid_hz = 900;
  lead.onset_rate_hz = 2.0;
  const std::vector<std::string> names{"A.wav", "B.wav"};
  const std::vector<Role> roles{Role::synth, Role::other};
  // Each way a part fails to be a lead, however loud its file.
  auto without_lead = [&](auto spoil) {
    StemAnalysis loud = lead, quiet = lead;
    spoil(loud);
    loud.integrated_lufs = loud.active_lufs = -6;
    spoil(quiet);
    quiet.integrated_lufs = quiet.active_lufs = -30;
    return choose_focus({&loud, &quiet}, roles, names, "").index;
  };
  EXPECT_EQ(without_lead([](StemAnalysis& s) { s.active_fraction = 0.3; }), -1);  // plays a third
  EXPECT_EQ(without_lead([](StemAnalysis& s) { s.width = 0.4; }), -1);           // a wide section
  EXPECT_EQ(without_lead([](StemAnalysis& s) { s.onset_rate_hz = 6.0; }), -1);   // an arpeggio
  EXPECT_EQ(without_lead([](StemAnalysis& s) { s.harmonicity = 0.3; }), -1);     // not tonal
  // A strings section is a bed even when it plays throughout.
  StemAnalysis strings = lead;
  EXPECT_EQ(choose_focus({&strings}, {Role::strings}, {"Strings.wav"}, "").index, -1);
  // The line that carries the song is the focus whatever its file's level: the quieter file wins
  // when it is clearly more of a lead (plays longer, more tonal).
  StemAnalysis arp = lead, tune = lead;
  arp.integrated_lufs = arp.active_lufs = -6;
  arp.active_fraction = 0.55;
  arp.harmonicity = 0.55;
  tune.integrated_lufs = tune.active_lufs = -30;
  tune.active_fraction = 0.9;
  tune.harmonicity = 0.9;
  const auto f = choose_focus({&arp, &tune}, roles, names, "");
  EXPECT_EQ(f.index, 1);
  EXPECT_NE(f.reason.find("the lead"), std::string::npos);
  // Near-ties (a line and its double) go to the first in the session's order, whichever file
  // is louder: the choice must not follow random gains on the stems (issue 5's measure).
  StemAnalysis twin = tune;
  twin.integrated_lufs = twin.active_lufs = -10;
  twin.harmonicity = 0.88;
  EXPECT_EQ(choose_focus({&tune, &twin}, roles, names, "").index, 0);
  EXPECT_EQ(choose_focus({&twin, &tune}, roles, names, "").index, 0);
  std::swap(tune.integrated_lufs, twin.integrated_lufs);
  EXPECT_EQ(choose_focus({&tune, &twin}, roles, names, "").index, 0);
}

TEST(SongAnalysis, OfTwoLeadVocalsTheOneThatSingsMoreLeadsWhateverTheLevels) {
  StemAnalysis adlibs, main;
  adlibs.integrated_lufs = adlibs.active_lufs = -8;  // exported hot
  adlibs.active_fraction = 0.2;
  main.integrated_lufs = main.active_lufs = -28;
  main.active_fraction = 0.7;
  adlibs.frame_lufs.assign(100, -20.0f);
  main.frame_lufs.assign(100, -20.0f);
  const std::vector<Role> roles{Role::lead_vocal, Role::lead_vocal};
  const auto f = choose_focus({&adlibs, &main}, roles, {"Adlibs.wav", "Lead.wav"}, "");
  EXPECT_EQ(f.index, 1);
  // As the brief's role: the same part.
  const auto g = choose_focus({&adlibs, &main}, roles, {"Adlibs.wav", "Lead.wav"}, "lead_vocal");
  EXPECT_EQ(g.index, 1);
  EXPECT_NE(g.reason.find("plays the most"), std::string::npos);
  // A verse take and a chorus take that sing as much: the first in the session leads.
  adlibs.active_fraction = 0.68;
  EXPECT_EQ(choose_focus({&adlibs, &main}, roles, {"Verse.wav", "Chorus.wav"}, "").index, 0);
  // A double sorts first in a folder ("Vox Dbl" before "Vox"): its name says it is the double.
  EXPECT_EQ(choose_focus({&adlibs, &main}, roles, {"Vox Dbl.wav", "Vox.wav"}, "").index, 1);
  EXPECT_EQ(choose_focus({&adlibs, &main}, roles, {"Lead DT.wav", "Lead.wav"}, "").index, 1);
  // A silent stem of the role is never the brief's focus while one of it sounds.
  StemAnalysis silent;
  silent.frame_lufs.assign(100, -200.0f);
  adlibs.active_fraction = 0.02;
  EXPECT_EQ(choose_focus({&silent, &adlibs}, roles, {"A.wav", "B.wav"}, "lead_vocal").index, 1);
}

TEST(SongAnalysis, EmptyAndSilentSessionsAreSafe) {
  const auto song = analyze_song({}, {}, 0.0);
  EXPECT_TRUE(song.sections.empty());
  EXPECT_EQ(song.focus, -1);
  AudioBuffer z(1, kRate * 5);
  const auto a = analyze_stem(z.view(), kRate);
  const auto s2 = analyze_song({&a}, {Role::other}, 5.0);
  ASSERT_EQ(s2.sections.size(), 1u);
  EXPECT_GT(s2.tempo_bpm, 0.0);
}

}  // namespace
}  // namespace mixdown::analysis
