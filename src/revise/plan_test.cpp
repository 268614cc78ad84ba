// The planner on a synthetic console: what each kind of note changes, and what it must leave
// alone (other sections, other strips, vague and production notes, contradictions).
#include <gtest/gtest.h>

#include <cmath>

#include "mix/automation.hpp"
#include "revise/plan.hpp"

namespace mixdown::revise {
namespace {

mix::Console song() {
  mix::Console c;
  c.duration_s = 120;
  c.tempo_bpm = 120;
  c.sections = {{"intro", 0, 10}, {"verse", 10, 30}, {"chorus", 30, 50}, {"verse", 50, 70},
                {"chorus", 70, 90}, {"bridge", 90, 100}, {"chorus", 100, 120}};
  auto strip = [](std::string name, Role role, double fader) {
    mix::Strip s;
    s.name = std::move(name);
    s.file = "/nonexistent/" + s.name;
    s.role = role;
    s.fader_db = fader;
    return s;
  };
  c.strips.push_back(strip("Vox.wav", Role::lead_vocal, -3));
  c.strips.back().sends = {{"plate", -18, false}};
  c.strips.back().compressor.enabled = true;
  c.strips.back().compressor.ratio = 4;
  c.strips.back().compressor.attack_ms = 5;
  c.strips.push_back(strip("Kick.wav", Role::kick, -6));
  c.strips.push_back(strip("Snare.wav", Role::snare, -8));
  c.strips.back().sends = {{"plate", -22, false}};
  c.strips.push_back(strip("Bass.wav", Role::bass, -7));
  c.strips.push_back(strip("GtrL.wav", Role::guitar, -10));
  c.strips.back().pan.pan = -0.5;
  c.strips.push_back(strip("GtrR.wav", Role::guitar, -10));
  c.strips.back().pan.pan = 0.5;
  mix::Return plate;
  plate.name = "plate";
  c.returns.push_back(plate);
  return c;
}

TEST(Plan, SectionNoteAutomatesOnlyThoseSections) {
  auto c = song();
  const auto before = c;
  const auto r = plan_revision(c, {"the vocal is buried in the chorus"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, NoteKind::mix);
  ASSERT_EQ(r[0].changes.size(), 3u);  // three choruses
  const auto& vox = *c.find_strip("Vox.wav");
  EXPECT_EQ(vox.fader_db, -3.0);  // the fader itself does not move
  for (double t : {35.0, 45.0, 75.0, 105.0, 119.0}) EXPECT_NEAR(mix::automation_gain_at(vox, t), 3.0, 1e-9) << t;
  for (double t : {5.0, 20.0, 29.5, 60.0, 95.0}) EXPECT_NEAR(mix::automation_gain_at(vox, t), 0.0, 1e-9) << t;
  // Nothing else moved.
  for (std::size_t i = 1; i < c.strips.size(); ++i) EXPECT_EQ(c.strips[i], before.strips[i]);
  EXPECT_NE(r[0].reply.find("0:30"), std::string::npos) << r[0].reply;
  EXPECT_NE(r[0].reply.find("Raised"), std::string::npos) << r[0].reply;
}

TEST(Plan, AutomationWindowsAddToExistingRides) {
  auto c = song();
  auto& vox = *c.find_strip("Vox.wav");
  vox.automation = {{0, 0}, {40, 2}, {120, 0}};
  const auto old = vox;
  add_automation_window(vox, 50, 70, -1.5, 0.25);
  for (double t : {10.0, 40.0, 49.0, 71.0, 100.0}) EXPECT_NEAR(mix::automation_gain_at(vox, t), mix::automation_gain_at(old, t), 1e-3) << t;
  for (double t : {50.0, 60.0, 70.0})
    EXPECT_NEAR(mix::automation_gain_at(vox, t), mix::automation_gain_at(old, t) - 1.5, 1e-3) << t;
}

TEST(Plan, OrdinalAndLastSection) {
  auto c = song();
  plan_revision(c, {"snare too loud in the last chorus"});
  const auto& sn = *c.find_strip("Snare.wav");
  EXPECT_NEAR(mix::automation_gain_at(sn, 110), -1.5, 1e-9);
  EXPECT_NEAR(mix::automation_gain_at(sn, 40), 0.0, 1e-9);
  auto c2 = song();
  plan_revision(c2, {"the kick is too quiet in verse 2"});
  const auto& k = *c2.find_strip("Kick.wav");
  EXPECT_NEAR(mix::automation_gain_at(k, 60), 1.5, 1e-9);
  EXPECT_NEAR(mix::automation_gain_at(k, 20), 0.0, 1e-9);
}

TEST(Plan, WholeSongLevelMovesTheFader) {
  auto c = song();
  const auto r = plan_revision(c, {"bass is way too loud"});
  EXPECT_EQ(c.find_strip("Bass.wav")->fader_db, -10.0);
  ASSERT_EQ(r[0].changes.size(), 1u);
  EXPECT_EQ(r[0].changes[0].parameter, "fader_db");
}

// A fader pushed past the console's +12 dB stops there and the other parts come down by the
// rest: the balance asked for, in a session that still reads back (it refused the value).
TEST(Plan, AFaderAtTheConsoleTopBringsTheOthersDown) {
  auto c = song();
  c.find_strip("Kick.wav")->fader_db = 8.0;
  const auto r = plan_revision(c, {"bring the kick up 10 dB"});
  EXPECT_EQ(c.find_strip("Kick.wav")->fader_db, mix::kFaderMaxDb);
  EXPECT_EQ(c.find_strip("Bass.wav")->fader_db, -13.0);  // -7 - (8 + 10 - 12)
  EXPECT_EQ(c.find_strip("Vox.wav")->fader_db, -9.0);
  EXPECT_NE(r[0].reply.find("every other part came down 6 dB"), std::string::npos) << r[0].reply;
}

// Parts of the song by its length: the halves, the last and the first seconds (they were read
// as the whole song).
TEST(Plan, HalvesAndLastSecondsAreWindowsOfTheSong) {
  auto c = song();  // 120 s
  auto r = plan_revision(c, {"the bass is too loud in the second half"});
  ASSERT_EQ(r[0].changes.size(), 1u);
  EXPECT_EQ(r[0].changes[0].parameter, "gain_db");
  EXPECT_EQ(r[0].changes[0].section, "1:00-2:00");
  c = song();
  r = plan_revision(c, {"the vocal is buried in the last 15 seconds"});
  ASSERT_EQ(r[0].changes.size(), 1u);
  EXPECT_EQ(r[0].changes[0].section, "1:45-2:00");
  c = song();
  r = plan_revision(c, {"the kick is too quiet in the first half"});
  ASSERT_EQ(r[0].changes.size(), 1u);
  EXPECT_EQ(r[0].changes[0].section, "0:00-1:00");
}

TEST(Plan, ToneNotesAddBandsAtTheNamedRange) {
  auto c = song();
  plan_revision(c, {"the guitars are muddy", "vocal is harsh"});
  for (const char* g : {"GtrL.wav", "GtrR.wav"}) {
    const auto& eq = c.find_strip(g)->eq.bands;
    ASSERT_EQ(eq.size(), 1u);
    EXPECT_GE(eq[0].freq_hz, 200);
    EXPECT_LE(eq[0].freq_hz, 400);
    EXPECT_LT(eq[0].gain_db, 0);
  }
  const auto& v = c.find_strip("Vox.wav")->eq.bands;
  ASSERT_EQ(v.size(), 1u);
  EXPECT_GE(v[0].freq_hz, 2500);
  EXPECT_LE(v[0].freq_hz, 5000);
  EXPECT_LT(v[0].gain_db, 0);
}

TEST(Plan, SibilanceDynamicsSpaceWidth) {
  auto c = song();
  PlanContext ctx;
  ctx.stem_channels = {{"GtrL.wav", 1}, {"GtrR.wav", 1}};
  plan_revision(c, {"vocal is too sibilant", "vocal sounds squashed", "too much reverb on the snare",
                    "guitars are too narrow"}, ctx);
  const auto& v = *c.find_strip("Vox.wav");
  EXPECT_TRUE(v.deesser.enabled);
  EXPECT_LT(v.compressor.ratio, 4.0);
  EXPECT_EQ(c.find_strip("Snare.wav")->sends[0].level_db, -25.0);
  EXPECT_LT(c.find_strip("GtrL.wav")->pan.pan, -0.5);
  EXPECT_GT(c.find_strip("GtrR.wav")->pan.pan, 0.5);
  // A stereo source widens its width stage instead.
  auto c2 = song();
  ctx.stem_channels = {{"GtrL.wav", 2}, {"GtrR.wav", 2}};
  plan_revision(c2, {"guitars are too narrow"}, ctx);
  EXPECT_GT(c2.find_strip("GtrL.wav")->pan.width, 1.0);
}

TEST(Plan, PunchSlowsTheAttack) {
  auto c = song();
  plan_revision(c, {"the vocal needs more punch"});
  EXPECT_GT(c.find_strip("Vox.wav")->compressor.attack_ms, 5.0);
}

TEST(Plan, VagueAndProductionNotesChangeNothing) {
  auto c = song();
  const auto before = c;
  const auto r = plan_revision(c, {"make it pop", "replace the snare sample", "can it sound more professional"});
  EXPECT_EQ(c, before);
  EXPECT_EQ(r[0].kind, NoteKind::vague);
  EXPECT_TRUE(r[0].changes.empty());
  EXPECT_NE(r[0].reply.find("?"), std::string::npos);
  EXPECT_EQ(r[1].kind, NoteKind::production);
  EXPECT_NE(r[1].reply.find("production"), std::string::npos);
  EXPECT_EQ(r[2].kind, NoteKind::vague);
}

TEST(Plan, VagueSuggestionsComeFromTheMeasurements) {
  auto c = song();
  PlanContext ctx;
  analysis::AnalysisReport m;
  // A mix with a low-mid bump: 250-500 Hz 5 dB above a flat line.
  for (double hz : {25.0, 31.5, 40.0, 50.0, 63.0, 80.0, 100.0, 125.0, 160.0, 200.0, 250.0, 315.0, 400.0, 500.0,
                    630.0, 800.0, 1000.0, 1250.0, 1600.0, 2000.0, 2500.0, 3150.0, 4000.0, 5000.0, 6300.0, 8000.0,
                    10000.0, 12500.0, 16000.0})
    m.spectrum.third_octave.push_back({hz, (hz >= 250 && hz < 500) ? -15.0 : -20.0});
  ctx.mix_analysis = m;
  const auto r = plan_revision(c, {"it needs to be bigger"}, ctx);
  EXPECT_NE(r[0].reply.find("low mids"), std::string::npos) << r[0].reply;
  EXPECT_NE(r[0].reply.find("above"), std::string::npos) << r[0].reply;

  analysis::ReferenceComparison ref;
  ref.bands_db = {0, 0, 0, 0, -3.0, 0};
  ctx.reference = ref;
  const auto r2 = plan_revision(c, {"make it pop"}, ctx);
  EXPECT_NE(r2[0].reply.find("3 dB less presence"), std::string::npos) << r2[0].reply;
}

// A note on the whole mix and one on a part refine each other; brighter and less harsh on one
// part go together too (air up, bite down). A part the song does not have is said to be missing,
// whatever the instrument's name; an amount past the 12 dB step says it was held to it.
TEST(Plan, NotesThatRefineEachOtherAreBothApplied) {
  auto c = song();
  auto r = plan_revision(c, {"make it brighter", "the snare is harsh"});
  EXPECT_FALSE(r[0].conflict) << r[0].reply;
  EXPECT_FALSE(r[1].conflict) << r[1].reply;
  EXPECT_FALSE(r[0].changes.empty());
  EXPECT_FALSE(r[1].changes.empty());
  auto c2 = song();
  r = plan_revision(c2, {"the vocal needs to be brighter", "the vocal is harsh"});
  EXPECT_FALSE(r[0].conflict) << r[0].reply;
  EXPECT_FALSE(r[1].conflict) << r[1].reply;
  auto c3 = song();
  const auto before = c3;
  r = plan_revision(c3, {"the saxophone is too loud"});
  EXPECT_NE(r[0].reply.find("This session has no brass"), std::string::npos) << r[0].reply;
  EXPECT_EQ(c3, before);
  r = plan_revision(c3, {"bring the bass up 40 dB"});
  EXPECT_NE(r[0].reply.find("12 dB"), std::string::npos) << r[0].reply;
  EXPECT_NE(r[0].reply.find("You asked for 40 dB"), std::string::npos) << r[0].reply;
}

TEST(Plan, PanNotesMoveThePanAndANamedOneOfAGroupIsThatOne) {
  auto c = song();
  const auto before = c;
  // A pan note moves the pan, not the fader; "too far right" moves it back left.
  auto r = plan_revision(c, {"pan the bass more to the right"});
  EXPECT_NEAR(c.find_strip("Bass.wav")->pan.pan, before.find_strip("Bass.wav")->pan.pan + 0.25, 1e-9) << r[0].reply;
  EXPECT_EQ(c.find_strip("Bass.wav")->fader_db, before.find_strip("Bass.wav")->fader_db);
  r = plan_revision(c, {"the bass is too far right"});
  EXPECT_NEAR(c.find_strip("Bass.wav")->pan.pan, before.find_strip("Bass.wav")->pan.pan, 1e-9) << r[0].reply;
  // "Compress the drums more" is the compressor, not the faders.
  auto c2 = song();
  r = plan_revision(c2, {"compress the kick more"});
  EXPECT_EQ(c2.find_strip("Kick.wav")->fader_db, before.find_strip("Kick.wav")->fader_db) << r[0].reply;
  ASSERT_FALSE(r[0].changes.empty());
  EXPECT_EQ(r[0].changes[0].parameter.rfind("compressor.", 0), 0u) << r[0].changes[0].parameter;
  // One strip of a group named by its own word.
  std::vector<mix::Strip*> hats = {c.find_strip("GtrL.wav"), c.find_strip("GtrR.wav")};
  narrow_by_name(hats, "the gtrr is too loud", "guitar");
  ASSERT_EQ(hats.size(), 1u);
  EXPECT_EQ(hats[0]->name, "GtrR.wav");
  hats = {c.find_strip("GtrL.wav"), c.find_strip("GtrR.wav")};
  narrow_by_name(hats, "the guitars are too loud", "guitar");
  EXPECT_EQ(hats.size(), 2u);
}

TEST(Plan, UndoIsAnsweredWithTheWayBack) {
  auto c = song();
  const auto before = c;
  for (const char* note : {"undo that", "go back to the previous version"}) {
    const auto r = plan_revision(c, {note});
    EXPECT_NE(r[0].reply.find("--back"), std::string::npos) << r[0].reply;
    EXPECT_EQ(c, before);
  }
}

TEST(Plan, ConflictingNotesAreReportedNotAveraged) {
  auto c = song();
  const auto before = c;
  const auto r = plan_revision(c, {"vocal louder in the chorus", "the vocal is too loud in the chorus"});
  EXPECT_EQ(c, before);
  EXPECT_TRUE(r[0].conflict);
  EXPECT_TRUE(r[1].conflict);
  EXPECT_NE(r[0].reply.find("contradicts note 2"), std::string::npos) << r[0].reply;
  // Different sections do not conflict.
  auto c2 = song();
  const auto r2 = plan_revision(c2, {"vocal louder in the chorus", "the vocal is too loud in the bridge"});
  EXPECT_FALSE(r2[0].conflict);
  EXPECT_FALSE(r2[1].conflict);
  // A part against its group is no contradiction: the part goes its way, the group's request
  // acts on the rest of the group.
  auto c3 = song();
  const auto r3 = plan_revision(c3, {"the kick is too loud and the drums are too quiet"});
  EXPECT_FALSE(r3[0].conflict) << r3[0].reply;
  EXPECT_LT(c3.find_strip("Kick.wav")->fader_db, before.find_strip("Kick.wav")->fader_db);
  EXPECT_GT(c3.find_strip("Snare.wav")->fader_db, before.find_strip("Snare.wav")->fader_db);
  EXPECT_NE(r3[0].reply.find("but not Kick.wav"), std::string::npos) << r3[0].reply;
  // A list of parts is each of them; a part the note protects stays out of its group's move.
  auto c4 = song();
  plan_revision(c4, {"bring up the bass and the kick 2 dB"});
  EXPECT_NEAR(c4.find_strip("Kick.wav")->fader_db - before.find_strip("Kick.wav")->fader_db, 2.0, 1e-9);
  EXPECT_NEAR(c4.find_strip("Bass.wav")->fader_db - before.find_strip("Bass.wav")->fader_db, 2.0, 1e-9);
  auto c5 = song();
  plan_revision(c5, {"the drums are too loud except the kick"});
  EXPECT_EQ(c5.find_strip("Kick.wav")->fader_db, before.find_strip("Kick.wav")->fader_db);
  EXPECT_LT(c5.find_strip("Snare.wav")->fader_db, before.find_strip("Snare.wav")->fader_db);
}

TEST(Plan, MissingElementOrSectionIsSaidNotGuessed) {
  auto c = song();
  const auto before = c;
  auto r = plan_revision(c, {"the strings are too loud"});
  EXPECT_EQ(c, before);
  EXPECT_NE(r[0].reply.find("no strings"), std::string::npos) << r[0].reply;
  r = plan_revision(c, {"the vocal is too quiet in the breakdown"});
  EXPECT_EQ(c, before);
  EXPECT_NE(r[0].reply.find("no breakdown"), std::string::npos) << r[0].reply;
}

TEST(Plan, TimeRangeScopes) {
  auto c = song();
  plan_revision(c, {"kick too loud from 0:45 to 1:10"});
  const auto& k = *c.find_strip("Kick.wav");
  EXPECT_NEAR(mix::automation_gain_at(k, 60), -1.5, 1e-9);
  EXPECT_NEAR(mix::automation_gain_at(k, 30), 0.0, 1e-9);
  EXPECT_NEAR(mix::automation_gain_at(k, 80), 0.0, 1e-9);
}

// QA of session 9.
TEST(Plan, EveryRequestOfANoteIsActedOn) {
  auto c = song();
  const auto r = plan_revision(c, {"the vocal is too loud, the bass is too quiet"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, NoteKind::mix);
  EXPECT_EQ(r[0].requests.size(), 2u);
  EXPECT_EQ(c.find_strip("Vox.wav")->fader_db, -4.5);
  EXPECT_EQ(c.find_strip("Bass.wav")->fader_db, -5.5);
  ASSERT_EQ(r[0].changes.size(), 2u);
  EXPECT_NE(r[0].reply.find("Lowered the lead vocal"), std::string::npos) << r[0].reply;
  EXPECT_NE(r[0].reply.find("Raised Bass.wav"), std::string::npos) << r[0].reply;
  // Protected parts stay as they were.
  auto c2 = song();
  const auto before = c2;
  plan_revision(c2, {"the guitars are fine, but the bass is too loud"});
  EXPECT_EQ(*c2.find_strip("GtrL.wav"), *before.find_strip("GtrL.wav"));
  EXPECT_EQ(c2.find_strip("Bass.wav")->fader_db, -8.5);
  // Two requests of one note that contradict each other: neither.
  auto c3 = song();
  const auto r3 = plan_revision(c3, {"the kick is too loud, and the kick is too quiet"});
  EXPECT_TRUE(r3[0].conflict);
  EXPECT_EQ(c3.find_strip("Kick.wav")->fader_db, -6.0);
  EXPECT_NE(r3[0].reply.find("in the same note"), std::string::npos) << r3[0].reply;
}

TEST(Plan, ATimePastTheEndIsRefusedNotTheWholeSong) {
  auto c = song();
  const auto before = c;
  const auto r = plan_revision(c, {"the vocal at 9:30 is too quiet"});
  EXPECT_EQ(c, before);
  EXPECT_TRUE(r[0].changes.empty());
  EXPECT_NE(r[0].reply.find("only 2:00 long"), std::string::npos) << r[0].reply;
  EXPECT_NE(r[0].reply.find("at 9:30"), std::string::npos) << r[0].reply;
  plan_revision(c, {"the kick is too loud after 5:00"});
  EXPECT_EQ(c, before);
  // A range that runs past the end is kept up to the end.
  plan_revision(c, {"kick too loud from 1:50 to 3:00"});
  EXPECT_NEAR(mix::automation_gain_at(*c.find_strip("Kick.wav"), 115), -1.5, 1e-9);
}

TEST(Plan, ARideWhereThePartIsSilentIsSaidNotDone) {
  auto c = song();
  const auto before = c;
  const auto rides = planned_rides(c, {"the vocal disappears at 0:40"});
  ASSERT_EQ(rides.size(), 1u);
  EXPECT_EQ(rides[0].first, "Vox.wav");
  PlanContext ctx;
  ctx.window_peaks = {{"Vox.wav", rides[0].second.start_s, rides[0].second.end_s, -95.0}};
  const auto r = plan_revision(c, {"the vocal disappears at 0:40"}, ctx);
  EXPECT_EQ(c, before);
  EXPECT_TRUE(r[0].changes.empty());
  EXPECT_NE(r[0].reply.find("not playing around 0:40"), std::string::npos) << r[0].reply;
  // Playing there: ridden.
  ctx.window_peaks[0].peak_dbfs = -12.0;
  plan_revision(c, {"the vocal disappears at 0:40"}, ctx);
  EXPECT_NEAR(mix::automation_gain_at(*c.find_strip("Vox.wav"), 40), 3.0, 1e-9);
}

TEST(Plan, ASectionLevelNoteRidesTheWholeMixThere) {
  auto c = song();
  const auto r = plan_revision(c, {"the chorus should be louder"});
  EXPECT_EQ(r[0].kind, NoteKind::mix);
  for (const auto& s : c.strips) {
    EXPECT_EQ(s.fader_db, song().find_strip(s.name)->fader_db) << s.name;
    for (double t : {35.0, 75.0, 110.0}) EXPECT_NEAR(mix::automation_gain_at(s, t), 1.5, 1e-9) << s.name << " " << t;
    for (double t : {5.0, 20.0, 60.0, 95.0}) EXPECT_NEAR(mix::automation_gain_at(s, t), 0.0, 1e-9) << s.name << " " << t;
  }
  EXPECT_NE(r[0].reply.find("Lifted the whole mix 1.5 dB in the choruses"), std::string::npos) << r[0].reply;
  auto c2 = song();
  plan_revision(c2, {"the verse is too quiet"});
  EXPECT_NEAR(mix::automation_gain_at(*c2.find_strip("Bass.wav"), 20), 1.5, 1e-9);
  EXPECT_NEAR(mix::automation_gain_at(*c2.find_strip("Bass.wav"), 40), 0.0, 1e-9);
  // The whole song's loudness is still the targets'.
  auto c3 = song();
  const auto before = c3;
  const auto r3 = plan_revision(c3, {"the mix is too quiet"});
  EXPECT_EQ(c3, before);
  EXPECT_NE(r3[0].reply.find("delivery targets"), std::string::npos) << r3[0].reply;
}

TEST(Plan, AReverbTooLongGetsAShorterDecayAtTheSameLevel) {
  auto c = song();
  const double decay = c.returns[0].reverb.decay_s;
  const auto r = plan_revision(c, {"the reverb is too long"});
  EXPECT_NEAR(c.returns[0].reverb.decay_s, decay * 0.7, 1e-3);
  EXPECT_EQ(c.returns[0].fader_db, song().returns[0].fader_db);
  ASSERT_EQ(r[0].changes.size(), 1u);
  EXPECT_EQ(r[0].changes[0].parameter, "reverb.decay_s");
  EXPECT_NE(r[0].reply.find("Shortened the reverb's decay"), std::string::npos) << r[0].reply;
  auto c2 = song();
  plan_revision(c2, {"the reverb is too short"});
  EXPECT_GT(c2.returns[0].reverb.decay_s, decay);
  // A part's reverb is the return it feeds; the reply says who shares it.
  auto c3 = song();
  const auto r3 = plan_revision(c3, {"the vocal reverb is too long"});
  EXPECT_LT(c3.returns[0].reverb.decay_s, decay);
  EXPECT_EQ(c3.find_strip("Vox.wav")->sends, song().find_strip("Vox.wav")->sends);
  EXPECT_NE(r3[0].reply.find("Snare.wav"), std::string::npos) << r3[0].reply;
  // The bass feeds no reverb: nothing to shorten.
  auto c4 = song();
  const auto r4 = plan_revision(c4, {"the reverb on the bass is too long"});
  EXPECT_EQ(c4, song());
  EXPECT_NE(r4[0].reply.find("feeds no reverb"), std::string::npos) << r4[0].reply;
}

// Fix-revise: amounts said in words, unknown parts, filters, a request taken back, delay
// against reverb sends, width on near-mono stereo stems, and places before/after sections.
TEST(Plan, ATouchIsSmallerAndALotBiggerThanTheDefaultStep) {
  const auto fader_move = [](const char* note) {
    auto c = song();
    plan_revision(c, {note});
    return c.find_strip("Snare.wav")->fader_db - song().find_strip("Snare.wav")->fader_db;
  };
  EXPECT_NEAR(fader_move("turn the snare down"), -1.5, 1e-9);
  EXPECT_NEAR(fader_move("turn the snare down a lot"), -3.0, 1e-9);
  EXPECT_NEAR(fader_move("turn the snare down a touch"), -1.0, 1e-9);
  EXPECT_NEAR(fader_move("the snare is slightly too loud"), -1.0, 1e-9);
  EXPECT_NEAR(fader_move("bring the snare up a little"), 1.0, 1e-9);
  EXPECT_NEAR(fader_move("raise the snare two and a half dB"), 2.5, 1e-9);
}

TEST(Plan, APartNoStemMatchesIsSaidAndNothingChanges) {
  auto c = song();
  const auto r = plan_revision(c, {"the bassdrum is too loud"});
  EXPECT_EQ(c, song());
  EXPECT_TRUE(r[0].changes.empty());
  EXPECT_NE(r[0].reply.find("No stem matches \"bassdrum\""), std::string::npos) << r[0].reply;
  EXPECT_NE(r[0].reply.find("Kick.wav"), std::string::npos) << r[0].reply;
  auto c2 = song();
  EXPECT_NE(plan_revision(c2, {"the mix is too loud"})[0].reply.find("delivery targets"), std::string::npos);
}

TEST(Plan, AHighPassAtTheFrequencyNamed) {
  auto c = song();
  const auto r = plan_revision(c, {"high-pass the guitars at 150 Hz"});
  for (const char* g : {"GtrL.wav", "GtrR.wav"}) {
    const auto& s = *c.find_strip(g);
    EXPECT_TRUE(s.high_pass.enabled) << g;
    EXPECT_DOUBLE_EQ(s.high_pass.freq_hz, 150.0) << g;
    EXPECT_TRUE(s.eq.bands.empty()) << g;  // a filter, not a bell
  }
  EXPECT_EQ(c.find_strip("Vox.wav")->high_pass, song().find_strip("Vox.wav")->high_pass);
  EXPECT_NE(r[0].reply.find("High-passed the guitars"), std::string::npos) << r[0].reply;
  EXPECT_NE(r[0].reply.find("150 Hz"), std::string::npos) << r[0].reply;
  auto c2 = song();
  plan_revision(c2, {"low-cut the vocal at 100 Hz"});
  EXPECT_TRUE(c2.find_strip("Vox.wav")->high_pass.enabled);
  EXPECT_DOUBLE_EQ(c2.find_strip("Vox.wav")->high_pass.freq_hz, 100.0);
}

TEST(Plan, ARequestTakenBackLaterInTheNoteIsNotActedOn) {
  auto c = song();
  const auto r = plan_revision(c, {"the snare is too loud. Actually leave the snare, bring the kick up instead"});
  EXPECT_EQ(*c.find_strip("Snare.wav"), *song().find_strip("Snare.wav"));
  EXPECT_NEAR(c.find_strip("Kick.wav")->fader_db, song().find_strip("Kick.wav")->fader_db + 1.5, 1e-9);
  EXPECT_EQ(r[0].reply.find("Snare"), std::string::npos) << r[0].reply;
  auto c2 = song();
  const auto r2 = plan_revision(c2, {"the snare is too loud. Never mind the snare"});
  EXPECT_EQ(c2, song());
  EXPECT_NE(r2[0].reply.find("takes back"), std::string::npos) << r2[0].reply;
}

TEST(Plan, DelayAndReverbNotesMoveOnlyTheirOwnSends) {
  auto with_delay = [] {
    auto c = song();
    mix::Return d;
    d.name = "delay";
    d.kind = mix::ReturnKind::delay;
    c.returns.push_back(d);
    c.find_strip("Vox.wav")->sends.push_back({"delay", -20, false});
    return c;
  };
  const auto send = [](const mix::Console& c, const std::string& to) {
    for (const auto& s : c.find_strip("Vox.wav")->sends)
      if (s.to == to) return s.level_db;
    return -999.0;
  };
  auto c = with_delay();
  auto r = plan_revision(c, {"more delay on the lead vocal"});
  EXPECT_DOUBLE_EQ(send(c, "delay"), -17.0);
  EXPECT_DOUBLE_EQ(send(c, "plate"), -18.0);
  EXPECT_NE(r[0].reply.find("delay sends"), std::string::npos) << r[0].reply;
  c = with_delay();
  r = plan_revision(c, {"less reverb on the vocal"});
  EXPECT_DOUBLE_EQ(send(c, "plate"), -21.0);
  EXPECT_DOUBLE_EQ(send(c, "delay"), -20.0);
  c = with_delay();
  plan_revision(c, {"the vocal is too wet"});  // no kind named: every send
  EXPECT_DOUBLE_EQ(send(c, "plate"), -21.0);
  EXPECT_DOUBLE_EQ(send(c, "delay"), -23.0);
  // "less delay" alone: the mix's delay sends, not its reverb sends.
  c = with_delay();
  plan_revision(c, {"less delay"});
  EXPECT_DOUBLE_EQ(send(c, "delay"), -23.0);
  EXPECT_DOUBLE_EQ(send(c, "plate"), -18.0);
  EXPECT_EQ(c.find_strip("Snare.wav")->sends, with_delay().find_strip("Snare.wav")->sends);
  // A part with no delay send gets one to the delay return, not to the plate.
  c = with_delay();
  plan_revision(c, {"more delay on the snare"});
  const auto& sn = c.find_strip("Snare.wav")->sends;
  ASSERT_EQ(sn.size(), 2u);
  EXPECT_EQ(sn[0].level_db, -22.0);
  EXPECT_EQ(sn[1].to, "delay");
}

TEST(Plan, WideningANearMonoStereoStemSpreadsItsPan) {
  auto hats = [] {
    auto c = song();
    mix::Strip h;
    h.name = "Hats.wav";
    h.role = Role::hihat;
    h.pan.pan = 0.6;
    c.strips.push_back(h);
    return c;
  };
  PlanContext ctx;
  ctx.stem_channels["Hats.wav"] = 2;
  ctx.stem_side_db["Hats.wav"] = -50.0;  // two equal channels, all but
  auto c = hats();
  auto r = plan_revision(c, {"the hats are too narrow"}, ctx);
  EXPECT_DOUBLE_EQ(c.find_strip("Hats.wav")->pan.width, 1.0);
  EXPECT_NEAR(c.find_strip("Hats.wav")->pan.pan, 0.84, 1e-9);
  EXPECT_NE(r[0].reply.find("panned further out"), std::string::npos) << r[0].reply;
  // A real stereo image widens.
  ctx.stem_side_db["Hats.wav"] = -10.0;
  c = hats();
  plan_revision(c, {"the hats are too narrow"}, ctx);
  EXPECT_NEAR(c.find_strip("Hats.wav")->pan.width, 1.3, 1e-9);
  EXPECT_DOUBLE_EQ(c.find_strip("Hats.wav")->pan.pan, 0.6);
  // A centred near-mono stem cannot widen: said, nothing changed.
  ctx.stem_side_db["Hats.wav"] = -50.0;
  c = hats();
  c.find_strip("Hats.wav")->pan.pan = 0.0;
  r = plan_revision(c, {"the hats are too narrow"}, ctx);
  EXPECT_TRUE(r[0].changes.empty());
  EXPECT_NE(r[0].reply.find("nothing was changed"), std::string::npos) << r[0].reply;
}

// The windows a note's place resolves to in `c`, as "0:00-0:10 0:30-2:00".
std::string windows(const mix::Console& c, const char* note, std::vector<std::string>* missing = nullptr) {
  std::string s;
  for (const auto& w : resolve_scope(parse_note(note).scope, c, missing))
    s += (s.empty() ? "" : " ") + format_time(w.start_s) + "-" + format_time(w.end_s);
  return s;
}

TEST(Plan, PlacesBeforeAfterAndAmongSectionsResolveToThatSpan) {
  const auto c = song();  // intro 0-10, verse 10-30, chorus 30-50, verse 50-70, chorus 70-90, bridge 90-100, chorus 100-120
  EXPECT_EQ(windows(c, "vocal too loud before the verse"), "0:00-0:10");
  EXPECT_EQ(windows(c, "vocal too loud after the first 10 seconds"), "0:10-2:00");
  EXPECT_EQ(windows(c, "vocal too loud in the first 10 seconds"), "0:00-0:10");
  EXPECT_EQ(windows(c, "vocal too loud after the bridge"), "1:40-2:00");
  EXPECT_EQ(windows(c, "vocal too loud in the 2nd half"), "1:00-2:00");
  EXPECT_EQ(windows(c, "vocal too loud from 1:00 till the end"), "1:00-2:00");
  EXPECT_EQ(windows(c, "vocal up at 1:05 and 1:20"), "1:04-1:08 1:19-1:23");
  EXPECT_EQ(windows(c, "vocal too loud in the chorus after the bridge"), "1:40-2:00");
  EXPECT_EQ(windows(c, "vocal too loud in the verse before the second chorus"), "0:50-1:10");
  // A song with several bridges (as DirtyLove has).
  auto d = song();
  d.sections = {{"intro", 0, 10}, {"bridge", 10, 20}, {"bridge", 20, 30}, {"bridge", 30, 40},
                {"chorus", 40, 60}, {"bridge", 60, 70}, {"verse", 70, 120}};
  EXPECT_EQ(windows(d, "the pad is too loud in the bridge after the chorus"), "1:00-1:10");
  EXPECT_EQ(windows(d, "the pad is too loud in bridges 3 and 4"), "0:30-0:40 1:00-1:10");
  // Bridges that follow one another are one window (two would double the ride at the seam).
  EXPECT_EQ(windows(d, "the pad is too loud in the second and third bridge"), "0:20-0:40");
  EXPECT_EQ(windows(d, "the pad is too loud in the first two bridges"), "0:10-0:30");
  EXPECT_EQ(windows(d, "the pad is too loud in the last 2 bridges"), "0:30-0:40 1:00-1:10");
  // Overlapping windows are ridden once.
  auto e = song();
  const auto r = plan_revision(e, {"the vocal is too loud from 1:00 till the end and in the last chorus"});
  EXPECT_NEAR(mix::automation_gain_at(*e.find_strip("Vox.wav"), 110), -1.5, 1e-9);
}

TEST(Plan, PlacesANoteLeavesOutAreCutFromItsSpan) {
  const auto c = song();  // intro 0-10, verse 10-30, chorus 30-50, verse 50-70, chorus 70-90, bridge 90-100, chorus 100-120
  // Before, "but not in the first verse" rode the first verse only: the opposite of the note.
  EXPECT_EQ(windows(c, "vocal louder but not in the first verse"), "0:00-0:10 0:30-2:00");
  EXPECT_EQ(windows(c, "turn the vocal up except in the chorus"), "0:00-0:30 0:50-1:10 1:30-1:40");
  EXPECT_EQ(windows(c, "the vocal is too quiet everywhere but the bridge"), "0:00-1:30 1:40-2:00");
  EXPECT_EQ(windows(c, "vocal louder in the verses but not in the first verse"), "0:50-1:10");
  EXPECT_EQ(windows(c, "vocal louder except for the last 20 seconds"), "0:00-1:40");
  // A place the song does not have leaves nothing out; a note that leaves out everything it
  // named has nothing to act on, and says so.
  auto d = song();
  d.sections = {{"verse", 0, 60}, {"chorus", 60, 120}};
  EXPECT_EQ(windows(d, "vocal louder except in the bridge"), "");
  std::vector<std::string> missing;
  EXPECT_EQ(windows(d, "vocal louder in the chorus except in the chorus", &missing), "");
  ASSERT_EQ(missing.size(), 1u);
  auto e = song();
  const auto r = plan_revision(e, {"the vocal is too quiet except in the choruses"});
  const auto& vox = *e.find_strip("Vox.wav");
  EXPECT_GT(mix::automation_gain_at(vox, 20), 0.5);
  EXPECT_NEAR(mix::automation_gain_at(vox, 40), 0.0, 1e-9);
  EXPECT_NE(r[0].reply.find("not in the chorus"), std::string::npos) << r[0].reply;
  // A part left out ("except the kick") is no place: the span stays the whole song.
  EXPECT_TRUE(parse_note("the drums are too loud except the kick").scope.whole_song());
}

TEST(Plan, ARideFromTheStartHoldsFromTheStartAndNeighboursDoNotDoubleAtTheSeam) {
  auto c = song();
  c.sections = {{"verse", 0, 20}, {"verse", 20, 40}, {"chorus", 40, 120}};
  plan_revision(c, {"the vocal is too quiet in the verses"});
  const auto& vox = *c.find_strip("Vox.wav");
  // Before, the ride started at 0 dB at 0:00 and reached the move only at the window's end; and
  // verse 1 and verse 2 rode twice over their shared half beat.
  const double step = mix::automation_gain_at(vox, 10);
  EXPECT_GT(step, 0.5);
  for (double t : {0.0, 0.2, 19.9, 20.0, 20.1, 39.0}) EXPECT_NEAR(mix::automation_gain_at(vox, t), step, 1e-9) << t;
  EXPECT_NEAR(mix::automation_gain_at(vox, 60), 0.0, 1e-9);
}

TEST(Plan, MuteUnmuteAndFadesAreTheMixersNotTheArrangements) {
  auto c = song();
  // Before, "mute the kick" was refused as arrangement.
  auto r = plan_revision(c, {"mute the kick"});
  ASSERT_EQ(r[0].kind, NoteKind::mix);
  EXPECT_TRUE(c.find_strip("Kick.wav")->mute);
  EXPECT_NE(r[0].reply.find("Muted"), std::string::npos) << r[0].reply;
  r = plan_revision(c, {"unmute the kick"});
  EXPECT_FALSE(c.find_strip("Kick.wav")->mute);
  r = plan_revision(c, {"unmute the kick"});
  EXPECT_TRUE(r[0].changes.empty()) << r[0].reply;
  // "Bring the kick back" unmutes it too; raising a muted part unmutes it first, and says so
  // (session 40's sweep: "Raised ... 1 dB" of a part that stayed muted).
  plan_revision(c, {"mute the kick"});
  r = plan_revision(c, {"bring the kick back please"});
  EXPECT_FALSE(c.find_strip("Kick.wav")->mute) << r[0].reply;
  plan_revision(c, {"mute the kick"});
  const double kick_fader = c.find_strip("Kick.wav")->fader_db;
  r = plan_revision(c, {"kick up 1 dB"});
  EXPECT_FALSE(c.find_strip("Kick.wav")->mute) << r[0].reply;
  EXPECT_GT(c.find_strip("Kick.wav")->fader_db, kick_fader);
  EXPECT_EQ(r[0].reply.rfind("Unmuted", 0), 0u) << r[0].reply;
  // "Further back" is depth, not a mute undone.
  EXPECT_NE(plan_revision(c, {"put the kick further back"})[0].parsed.fix, Fix::unmute);
  // In a place: ridden down to the floor there only; "bring back" undoes it.
  r = plan_revision(c, {"drop the guitars in the bridge"});
  for (const char* g : {"GtrL.wav", "GtrR.wav"}) {
    const auto& s = *c.find_strip(g);
    EXPECT_FALSE(s.mute);
    EXPECT_NEAR(mix::automation_gain_at(s, 95), mix::kAutomationMinDb, 1e-9) << g;
    EXPECT_NEAR(mix::automation_gain_at(s, 80), 0.0, 1e-9) << g;
    EXPECT_NEAR(mix::automation_gain_at(s, 101), 0.0, 1e-9) << g;
  }
  r = plan_revision(c, {"bring back the guitars in the bridge"});
  EXPECT_NEAR(mix::automation_gain_at(*c.find_strip("GtrL.wav"), 95), 0.0, 1e-9) << r[0].reply;
  // Cutting a section is still arrangement.
  EXPECT_EQ(plan_revision(c, {"cut the second verse"})[0].kind, NoteKind::production);
  // A fade out of the last 10 seconds: every stem, linear in amplitude (-6 dB half way).
  auto f = song();
  r = plan_revision(f, {"fade out the last 10 seconds"});
  ASSERT_EQ(r[0].kind, NoteKind::mix);
  for (const auto& s : f.strips) {
    EXPECT_NEAR(mix::automation_gain_at(s, 109), 0.0, 1e-9) << s.name;
    EXPECT_NEAR(mix::automation_gain_at(s, 115), 20.0 * std::log10(0.5), 1e-3) << s.name;
    EXPECT_NEAR(mix::automation_gain_at(s, 120), mix::kAutomationMinDb, 1e-9) << s.name;
  }
  // A fade in, by default the first 5 seconds.
  auto g = song();
  plan_revision(g, {"fade it in"});
  EXPECT_NEAR(mix::automation_gain_at(*g.find_strip("Vox.wav"), 0), mix::kAutomationMinDb, 1e-9);
  EXPECT_NEAR(mix::automation_gain_at(*g.find_strip("Vox.wav"), 2.5), 20.0 * std::log10(0.5), 1e-3);
  EXPECT_NEAR(mix::automation_gain_at(*g.find_strip("Vox.wav"), 6), 0.0, 1e-9);
}

TEST(Plan, AFadeOfTheEndingOfASongWithNoOutroIsTheSongsEnd) {
  // Session 40's sweep: "fade out the ending" of a song with no outro faded its whole last
  // section (the outro's stand-in), 17 s of a 40 s song; it is the last 10 s, as "fade it out".
  auto c = song();  // ... chorus 100-120, no outro
  auto r = plan_revision(c, {"fade out the ending"});
  ASSERT_EQ(r[0].kind, NoteKind::mix);
  for (const auto& s : c.strips) {
    EXPECT_NEAR(mix::automation_gain_at(s, 109), 0.0, 1e-9) << s.name;
    EXPECT_NEAR(mix::automation_gain_at(s, 115), 20.0 * std::log10(0.5), 1e-3) << s.name;
  }
  EXPECT_NE(r[0].reply.find("from 1:50 to 2:00"), std::string::npos) << r[0].reply;
  // A length said still holds; a song with an outro fades over it.
  auto d = song();
  plan_revision(d, {"fade out the ending over 4 seconds"});
  EXPECT_NEAR(mix::automation_gain_at(*d.find_strip("Vox.wav"), 115), 0.0, 1e-9);
  EXPECT_NEAR(mix::automation_gain_at(*d.find_strip("Vox.wav"), 118), 20.0 * std::log10(0.5), 1e-3);
  auto e = song();
  e.sections.back().name = "outro";
  plan_revision(e, {"fade out the ending"});
  EXPECT_NEAR(mix::automation_gain_at(*e.find_strip("Vox.wav"), 110), 20.0 * std::log10(0.5), 1e-3);
}

TEST(Plan, PunchAskedAgainSaysTheCompressorsAreOpenAlready) {
  // Session 40's sweep: the second "more punch" said "Nothing compresses the mix", of a mix
  // whose bus compressors were on (their attacks already at the slowest).
  auto c = song();
  c.mix_bus.compressor.enabled = true;
  auto r = plan_revision(c, {"more punch"});
  ASSERT_FALSE(r[0].changes.empty()) << r[0].reply;
  EXPECT_EQ(c.mix_bus.reasons["compressor"], "revision: \"more punch\"");  // not the decision's stale figures
  for (int k = 0; k < 4 && !r[0].changes.empty(); ++k) r = plan_revision(c, {"more punch"});  // up to the slowest attack
  EXPECT_TRUE(r[0].changes.empty()) << r[0].reply;
  EXPECT_EQ(r[0].reply.find("Nothing compresses"), std::string::npos) << r[0].reply;
  EXPECT_NE(r[0].reply.find("already let the transients through"), std::string::npos) << r[0].reply;
}

TEST(Plan, ApprovalIsSaidAsSuchAndChangesNothing) {
  // Session 40's sweep: "love it, no changes" got the questionnaire of a vague complaint.
  for (const char* t : {"love it, no changes", "sounds great", "perfect, thanks"}) {
    auto c = song();
    const auto r = plan_revision(c, {t});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].kind, NoteKind::vague) << t;
    EXPECT_TRUE(r[0].changes.empty()) << t;
    EXPECT_EQ(r[0].reply.rfind("Taken as approval", 0), 0u) << r[0].reply;
  }
  // Praise beside a fix is no approval: the fix is made.
  auto c = song();
  const auto r = plan_revision(c, {"the vocal sounds great but the kick is too loud"});
  EXPECT_EQ(r[0].kind, NoteKind::mix) << r[0].reply;
  EXPECT_FALSE(r[0].changes.empty());
}

TEST(Plan, TheMastersLoudnessIsSaidWithTheTargetsThatChangeIt) {
  // "Make the master louder" was told only to name a part: it is told the target's loudness and
  // the target that lands louder (quieter), with the command that makes that master.
  auto c = song();
  auto r = plan_revision(c, {"make the master louder"});
  EXPECT_TRUE(r[0].changes.empty());
  EXPECT_NE(r[0].reply.find("-14 LUFS"), std::string::npos) << r[0].reply;
  EXPECT_NE(r[0].reply.find("--target cd"), std::string::npos) << r[0].reply;
  r = plan_revision(c, {"the master is too loud"});
  EXPECT_NE(r[0].reply.find("--target apple"), std::string::npos) << r[0].reply;
}

TEST(Plan, AnOrdinalBeforeAPartPicksThatOneOfTheGroup) {
  // Session 40's sweep: "the second snare is too loud" lowered both snares.
  auto c = song();
  c.find_strip("Snare.wav")->name = "Snare_05.wav";  // no stem named as the word "snare"
  mix::Strip s2 = *c.find_strip("Snare_05.wav");
  s2.name = "Snare_06.wav";
  s2.file = "Snare_06.wav";
  c.strips.push_back(s2);
  const double a0 = c.find_strip("Snare_05.wav")->fader_db, b0 = c.find_strip("Snare_06.wav")->fader_db;
  auto r = plan_revision(c, {"the second snare is too loud"});
  ASSERT_EQ(r[0].changes.size(), 1u) << r[0].reply;
  EXPECT_EQ(r[0].changes[0].stem, "Snare_06.wav");
  EXPECT_EQ(c.find_strip("Snare_05.wav")->fader_db, a0);
  EXPECT_LT(c.find_strip("Snare_06.wav")->fader_db, b0);
  r = plan_revision(c, {"the first snare up 1 dB"});
  ASSERT_EQ(r[0].changes.size(), 1u) << r[0].reply;
  EXPECT_EQ(r[0].changes[0].stem, "Snare_05.wav");
  // An ordinal of a place, or a leading "first," picks no part.
  EXPECT_EQ(plan_revision(c, {"first, the snare is too loud"})[0].changes.size(), 2u);
}

TEST(Plan, WhatASweepOfNewNotesFoundIsRead) {
  // From a helper's sweep of 122 notes (session 34): each of these had done something else.
  const auto c = song();  // intro 0-10, verse 10-30, chorus 30-50, verse 50-70, chorus 70-90, bridge 90-100, chorus 100-120
  // "Leave ... alone" leaves a place out (it had ridden only that place).
  EXPECT_EQ(windows(c, "bass up but leave the chorus alone"), "0:00-0:30 0:50-1:10 1:30-1:40");
  EXPECT_EQ(windows(c, "pad down a touch, don't touch the intro"), "0:10-2:00");
  EXPECT_EQ(windows(c, "vocal up 1 dB, leave the last 10 seconds as they are"), "0:00-1:50");
  EXPECT_EQ(windows(c, "vocal up in the choruses but not the last one"), "0:30-0:50 1:10-1:30");
  // A place left out that the song does not have is said, and takes no stand-in section.
  auto d = song();
  d.sections = {{"verse", 0, 60}, {"verse", 60, 120}};
  std::vector<std::string> missing;
  EXPECT_EQ(windows(d, "louder vocal but not during the intro", &missing), "");
  EXPECT_EQ(missing.size(), 1u);
  // Mutes of a list of parts mute each.
  auto m = song();
  plan_revision(m, {"mute the kick and the bass"});
  EXPECT_TRUE(m.find_strip("Kick.wav")->mute);
  EXPECT_TRUE(m.find_strip("Bass.wav")->mute);
  // A fade of one part over a section; a fade's length.
  auto f = song();
  plan_revision(f, {"fade the guitars out in the last chorus"});
  EXPECT_NEAR(mix::automation_gain_at(*f.find_strip("GtrL.wav"), 110), 20.0 * std::log10(0.5), 1e-3);
  EXPECT_NEAR(mix::automation_gain_at(*f.find_strip("Vox.wav"), 110), 0.0, 1e-9);
  auto g = song();
  plan_revision(g, {"can we fade it in over 2 seconds"});
  EXPECT_NEAR(mix::automation_gain_at(*g.find_strip("Vox.wav"), 1.0), 20.0 * std::log10(0.5), 1e-3);
  EXPECT_NEAR(mix::automation_gain_at(*g.find_strip("Vox.wav"), 2.5), 0.0, 1e-9);
  // Pans: a share past 100 % is the side's end; "on the left" is a place on the left.
  auto p = song();
  plan_revision(p, {"pan the snare 200% left"});
  EXPECT_DOUBLE_EQ(p.find_strip("Snare.wav")->pan.pan, -1.0);
  plan_revision(p, {"put the kick on the right"});
  EXPECT_DOUBLE_EQ(p.find_strip("Kick.wav")->pan.pan, 0.6);
  plan_revision(p, {"put the guitar on the right"});  // GtrR already at 0.5 goes to 0.6; GtrL from -0.5 too
  EXPECT_DOUBLE_EQ(p.find_strip("GtrR.wav")->pan.pan, 0.6);
  // A plain number after up/down is dB; abbreviations name parts.
  auto a = song();
  plan_revision(a, {"kick up 2"});
  EXPECT_DOUBLE_EQ(a.find_strip("Kick.wav")->fader_db, -4.0);
  plan_revision(a, {"snr down 2 dB"});
  EXPECT_DOUBLE_EQ(a.find_strip("Snare.wav")->fader_db, -10.0);
  plan_revision(a, {"LV up 1 dB"});
  EXPECT_DOUBLE_EQ(a.find_strip("Vox.wav")->fader_db, -2.0);
}

TEST(Plan, ANoteGivenTwiceIsActedOnOnce) {
  auto c = song();
  const auto r = plan_revision(c, {"vocal up 2 dB", "Vocal up 2dB!"});
  EXPECT_DOUBLE_EQ(c.find_strip("Vox.wav")->fader_db, -1.0);
  EXPECT_TRUE(r[1].changes.empty());
  EXPECT_NE(r[1].reply.find("same as note 1"), std::string::npos) << r[1].reply;
  // Signs are the note's meaning: "+3" against "-3" is a contradiction, not a repeat.
  auto d = song();
  const auto q = plan_revision(d, {"vocal +3 dB", "vocal -3 dB"});
  EXPECT_TRUE(q[0].conflict && q[1].conflict);
  EXPECT_DOUBLE_EQ(d.find_strip("Vox.wav")->fader_db, -3.0);
}

TEST(Plan, LowEndOnTheMixIsAShelfAndLessLimitingSaysWhereTheMastersLimitingComesFrom) {
  auto c = song();
  auto r = plan_revision(c, {"more low end"});
  ASSERT_FALSE(c.mix_bus.eq.bands.empty());
  EXPECT_EQ(c.mix_bus.eq.bands.back().type, dsp::EqType::low_shelf);
  EXPECT_LE(c.mix_bus.eq.bands.back().freq_hz, 120.0);
  auto d = song();
  d.mix_bus.compressor.enabled = true;
  d.mix_bus.compressor.ratio = 2;
  r = plan_revision(d, {"less limiting"});
  EXPECT_LT(d.mix_bus.compressor.ratio, 2.0);
  EXPECT_NE(r[0].reply.find("quieter target"), std::string::npos) << r[0].reply;
}

// Bars and beats at the console's tempo, four beats to the bar, and the reply says what they
// came to (before, "over the last 8 bars" was an 8 s fade, "for the first 4 bars" muted the
// part throughout and "for 2 bars at 1:00" was the window around 1:00).
TEST(Plan, BarsAndBeatsAreTheSongsAtItsTempo) {
  auto c = song();  // 120 BPM: a bar is 2 s
  auto r = plan_revision(c, {"fade out over the last 8 bars"});
  ASSERT_EQ(r[0].kind, NoteKind::mix);
  for (const auto& s : c.strips) {
    EXPECT_NEAR(mix::automation_gain_at(s, 103), 0.0, 1e-9) << s.name;
    EXPECT_NEAR(mix::automation_gain_at(s, 112), 20.0 * std::log10(0.5), 1e-3) << s.name;
  }
  EXPECT_NE(r[0].reply.find("the last 8 bars (16.0 s at 120 BPM)"), std::string::npos) << r[0].reply;
  // The same note at half the tempo: twice the time.
  auto slow = song();
  slow.tempo_bpm = 60;
  r = plan_revision(slow, {"fade out over the last 8 bars"});
  EXPECT_NEAR(mix::automation_gain_at(*slow.find_strip("Vox.wav"), 87), 0.0, 1e-9);
  EXPECT_NEAR(mix::automation_gain_at(*slow.find_strip("Vox.wav"), 104), 20.0 * std::log10(0.5), 1e-3);
  EXPECT_NE(r[0].reply.find("the last 8 bars (32.0 s at 60 BPM)"), std::string::npos) << r[0].reply;

  auto m = song();
  r = plan_revision(m, {"mute the guitars for the first 4 bars"});
  for (const char* g : {"GtrL.wav", "GtrR.wav"}) {
    const auto& s = *m.find_strip(g);
    EXPECT_FALSE(s.mute) << g;
    EXPECT_NEAR(mix::automation_gain_at(s, 4), mix::kAutomationMinDb, 1e-9) << g;
    EXPECT_NEAR(mix::automation_gain_at(s, 9), 0.0, 1e-9) << g;
  }
  EXPECT_NE(r[0].reply.find("the first 4 bars (8.0 s at 120 BPM)"), std::string::npos) << r[0].reply;

  auto d = song();
  r = plan_revision(d, {"drop the kick for 2 bars at 1:00"});
  const auto& kick = *d.find_strip("Kick.wav");
  for (double t : {60.5, 63.5}) EXPECT_NEAR(mix::automation_gain_at(kick, t), mix::kAutomationMinDb, 1e-9) << t;
  for (double t : {59.0, 64.5}) EXPECT_NEAR(mix::automation_gain_at(kick, t), 0.0, 1e-9) << t;
  ASSERT_FALSE(r[0].changes.empty());
  EXPECT_EQ(r[0].changes[0].section, "1:00-1:04");
  EXPECT_NE(r[0].reply.find("2 bars from 1:00 (4.0 s at 120 BPM)"), std::string::npos) << r[0].reply;

  auto f = song();
  r = plan_revision(f, {"fade it in over 8 beats"});
  EXPECT_NEAR(mix::automation_gain_at(*f.find_strip("Bass.wav"), 2), 20.0 * std::log10(0.5), 1e-3);
  EXPECT_NEAR(mix::automation_gain_at(*f.find_strip("Bass.wav"), 4.5), 0.0, 1e-9);
  EXPECT_NE(r[0].reply.find("8 beats (4.0 s at 120 BPM)"), std::string::npos) << r[0].reply;
  EXPECT_EQ(r[0].reply.find("to the bar"), std::string::npos) << r[0].reply;  // no bars counted
}

// A comparison of sections rides one side only and says which moved and which is the reference
// (before, both sides were ridden the same way: no contrast, and a reply that claimed some).
TEST(Plan, AComparisonOfSectionsMovesOnlyTheSideItAsksToChange) {
  auto c = song();
  auto r = plan_revision(c, {"the verse needs to be quieter than the chorus"});
  ASSERT_EQ(r[0].kind, NoteKind::mix);
  for (const auto& s : c.strips) {
    for (double t : {20.0, 60.0}) EXPECT_NEAR(mix::automation_gain_at(s, t), -1.5, 1e-9) << s.name << " " << t;
    for (double t : {40.0, 80.0, 110.0}) EXPECT_NEAR(mix::automation_gain_at(s, t), 0.0, 1e-9) << s.name << " " << t;
  }
  EXPECT_NE(r[0].reply.find("The choruses are the reference, left as they are: only the verses move."), std::string::npos)
      << r[0].reply;
  EXPECT_NE(r[0].reply.find("Lowered the whole mix 1.5 dB in the verses"), std::string::npos) << r[0].reply;
  // "Y louder than X" raises Y; "more contrast" lifts the chorus.
  for (const char* note : {"the chorus should be louder than the verse", "more contrast between the verse and the chorus",
                           "the chorus should hit harder than the verse"}) {
    auto d = song();
    r = plan_revision(d, {note});
    const auto& bass = *d.find_strip("Bass.wav");
    EXPECT_NEAR(mix::automation_gain_at(bass, 40), 1.5, 1e-9) << note;
    EXPECT_NEAR(mix::automation_gain_at(bass, 20), 0.0, 1e-9) << note;
    EXPECT_NE(r[0].reply.find("The verses are the reference, left as they are: only the choruses move."), std::string::npos)
        << r[0].reply;
  }
  // A part compared across sections rides that part in one of them.
  auto v = song();
  r = plan_revision(v, {"the vocal should be louder in the last chorus than in the bridge"});
  const auto& vox = *v.find_strip("Vox.wav");
  EXPECT_NEAR(mix::automation_gain_at(vox, 110), 1.5, 1e-9);
  EXPECT_NEAR(mix::automation_gain_at(vox, 95), 0.0, 1e-9);
  EXPECT_NE(r[0].reply.find("The bridge is the reference, left as it is: only the last chorus moves."), std::string::npos)
      << r[0].reply;
  // A move made throughout (a bass's harmonics for a phone) set no section apart: not said so.
  auto p = song();
  r = plan_revision(p, {"the bass should be louder in the chorus than in the verse on my phone"});
  ASSERT_FALSE(r[0].changes.empty());
  EXPECT_EQ(r[0].reply.find("reference"), std::string::npos) << r[0].reply;
  // A reference the song does not have is said.
  auto o = song();
  r = plan_revision(o, {"the chorus should be louder than the outro"});
  EXPECT_NE(r[0].reply.find("This song has no outro to compare with: only the choruses move."), std::string::npos)
      << r[0].reply;
}

// Small junk: "wayyy too loud" is "way too loud", a time no song has is asked about, and a
// pasted page is not said back whole.
TEST(Plan, StretchedWordsBadTimesAndLongNotes) {
  auto c = song();
  plan_revision(c, {"the kick is wayyy too loud"});
  EXPECT_DOUBLE_EQ(c.find_strip("Kick.wav")->fader_db, -9.0);  // the bigger step, as "way too loud"
  c = song();
  plan_revision(c, {"the kick is waaay too loud"});
  EXPECT_DOUBLE_EQ(c.find_strip("Kick.wav")->fader_db, -9.0);

  for (const char* note : {"the kick is too loud at 99:99", "the kick is too loud at -0:05"}) {
    auto d = song();
    const auto before = d;
    const auto r = plan_revision(d, {note});
    EXPECT_EQ(d, before) << note;
    EXPECT_TRUE(r[0].changes.empty()) << note;
    EXPECT_NE(r[0].reply.find("is not a time in the song"), std::string::npos) << r[0].reply;
    EXPECT_EQ(r[0].reply.find("100:39"), std::string::npos) << r[0].reply;
  }
  auto e = song();
  auto r = plan_revision(e, {"the kick is too loud in the last chorus at 99:99"});
  EXPECT_NEAR(mix::automation_gain_at(*e.find_strip("Kick.wav"), 110), -1.5, 1e-9);
  EXPECT_NE(r[0].reply.find("\"99:99\" is not a time in the song; that part of the note was left out."), std::string::npos)
      << r[0].reply;

  // 5000 characters of junk: the echo is cut at about 200 characters.
  std::string junk;
  std::uint32_t seed = 12345;
  while (junk.size() < 5000) {
    seed = seed * 1664525u + 1013904223u;
    junk += static_cast<char>('a' + (seed >> 24) % 26);
    if ((seed >> 8) % 7 == 0) junk += ' ';
  }
  auto f = song();
  r = plan_revision(f, {junk});
  EXPECT_LT(r[0].reply.size(), 1000u) << r[0].reply.size();
  EXPECT_NE(r[0].reply.find("…\""), std::string::npos) << r[0].reply;
  EXPECT_NE(r[0].reply.find(junk.substr(0, 100)), std::string::npos) << r[0].reply;
  EXPECT_EQ(r[0].reply.find(junk.substr(300, 40)), std::string::npos) << r[0].reply;
}

}  // namespace
}  // namespace mixdown::revise

namespace mixdown::revise {
// Session 35's sweep: a pan of the whole mix had panned every stem to one side; "more reverb
// on everything" had put the plate on the kick and bass and said "+3 dB" of sends it created
// at -20 dB; "the lead" of a session without a voice said it had no lead.
TEST(Plan, WholeMixPansAskNewSendsAreSaidAndTheLeadIsTheFocus) {
  auto c = song();
  const auto before = c;
  auto r = plan_revision(c, {"pan it hard left"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].changes.empty());
  EXPECT_EQ(c, before);
  EXPECT_NE(r[0].reply.find("Which part"), std::string::npos) << r[0].reply;

  r = plan_revision(c, {"more reverb on everything"});
  ASSERT_EQ(r.size(), 1u);
  for (const auto& ch : r[0].changes) {
    EXPECT_NE(ch.stem, "Kick.wav");
    EXPECT_NE(ch.stem, "Bass.wav");
  }
  EXPECT_EQ(c.find_strip("Kick.wav")->sends.size(), 0u);
  EXPECT_EQ(c.find_strip("GtrL.wav")->sends.size(), 1u);  // a guitar gets the plate, said as new
  EXPECT_NE(r[0].reply.find("GtrL.wav (to the plate)"), std::string::npos) << r[0].reply;
  EXPECT_NE(r[0].reply.find("at -20 dB"), std::string::npos) << r[0].reply;
  EXPECT_NE(r[0].reply.find("Raised the"), std::string::npos) << r[0].reply;  // the vocal's and snare's

  auto v = song();
  v.strips.erase(v.strips.begin());  // no voice; the focus is the left guitar
  v.focus = "GtrL.wav";
  r = plan_revision(v, {"the lead is too quiet"});
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].changes.size(), 1u);
  EXPECT_EQ(r[0].changes[0].stem, "GtrL.wav");
  EXPECT_NE(r[0].reply.find("the lead (GtrL.wav)"), std::string::npos) << r[0].reply;

  // A vague wish beside a request that acts: no "Nothing was changed" before the change.
  auto h = song();
  r = plan_revision(h, {"make the chorus hit harder, snare up 2dB in the chorus"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].changes.empty());
  EXPECT_EQ(r[0].reply.find("Nothing was changed"), std::string::npos) << r[0].reply;
  EXPECT_NE(r[0].reply.find("Raised"), std::string::npos) << r[0].reply;
}
TEST(Plan, TheDrumBusIsCompressedOnItsBusAndNewCompressorsSayEveryValueTheyChange) {
  auto c = song();
  mix::Bus drums;
  drums.name = "drums";
  drums.compressor.enabled = true;
  drums.compressor.ratio = 2.0;
  drums.compressor.threshold_db = -20.0;
  c.buses.push_back(drums);
  for (auto& s : c.strips)
    if (s.role == Role::kick || s.role == Role::snare) s.bus = "drums";
  c.find_strip("Kick.wav")->compressor.enabled = true;
  c.find_strip("Kick.wav")->compressor.ratio = 3.0;
  const auto before = c;
  // The bus, not each drum's own compressor (had raised the kick's ratio and opened the snare's).
  const auto r = plan_revision(c, {"compress the drum bus harder"});
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].changes.size(), 2u);
  EXPECT_EQ(r[0].changes[0].stem, "bus:drums");
  EXPECT_DOUBLE_EQ(c.find_bus("drums")->compressor.ratio, 3.0);
  EXPECT_EQ(c.find_strip("Kick.wav")->compressor, before.find_strip("Kick.wav")->compressor);
  EXPECT_FALSE(c.find_strip("Snare.wav")->compressor.enabled);
  // A part's compressor switched on: each setting from what the switched-off one held, and the
  // reply says both kinds of move it made.
  auto d = before;
  d.find_strip("Snare.wav")->compressor.ratio = 2.0;
  const auto s = plan_revision(d, {"the kick and the snare need more compression"});
  ASSERT_EQ(s.size(), 1u);
  bool ratio_from_two = false;
  for (const auto& ch : s[0].changes)
    if (ch.stem == "Snare.wav" && ch.parameter == "compressor.ratio") ratio_from_two = ch.from == 2.0 && ch.to == 3.0;
  EXPECT_TRUE(ratio_from_two) << s[0].reply;
  EXPECT_NE(s[0].reply.find("harder"), std::string::npos) << s[0].reply;
  EXPECT_NE(s[0].reply.find("where there was none"), std::string::npos) << s[0].reply;
}

}  // namespace mixdown::revise

namespace mixdown::revise {
namespace {
// The song() console with a drums bus and a mix bus without compressors, and the levels the io
// layer measures (PlanContext::level_db).
mix::Console bussed() {
  auto c = song();
  c.strips[1].bus = c.strips[2].bus = "drums";
  mix::Bus drums;
  drums.name = "drums";
  drums.fader_db = -2.0;
  c.buses.push_back(drums);
  c.mix_bus.output_gain_db = 3.0;
  return c;
}
}  // namespace

// "Sidechain the bass to the kick": the bass's compressor keyed by the kick, its threshold 6 dB
// under the kick's measured level after its trim, released within 0.4 of a beat; a second such
// note ducks deeper. Glue adds a 2:1 compressor on the bus (threshold from the bus's level, its
// fader and the landing gain taken back), then pushes it. Saturation on the part, and "distorted"
// on a part with none says the recording is distorted and changes nothing.
TEST(Plan, SidechainGlueAndSaturation) {
  auto c = bussed();
  c.strips[1].trim_db = -2.0;  // the kick
  PlanContext ctx;
  ctx.level_db = {{"Kick.wav", -18.0}, {"bus:drums", -20.0}, {"mix_bus", -16.0}};
  EXPECT_EQ(planned_levels(c, {"sidechain the bass to the kick", "the drums dont gel", "the mix needs glue"}),
            (std::vector<std::string>{"Kick.wav", "bus:drums", "mix_bus"}));
  auto r = plan_revision(c, {"sidechain the bass to the kick"}, ctx);
  ASSERT_EQ(r.size(), 1u);
  const auto& bass = *c.find_strip("Bass.wav");
  EXPECT_TRUE(bass.compressor.enabled);
  EXPECT_EQ(bass.compressor.key, "Kick.wav");
  EXPECT_DOUBLE_EQ(bass.compressor.threshold_db, -18.0 - 2.0 - 6.0);
  EXPECT_DOUBLE_EQ(bass.compressor.release_ms, 200.0);  // 0.4 of a beat at 120 BPM
  EXPECT_FALSE(c.find_strip("Kick.wav")->compressor.enabled);
  EXPECT_NE(r[0].reply.find("Ducked"), std::string::npos) << r[0].reply;
  r = plan_revision(c, {"duck the bass more"}, ctx);
  EXPECT_DOUBLE_EQ(c.find_strip("Bass.wav")->compressor.threshold_db, -29.0);
  EXPECT_DOUBLE_EQ(c.find_strip("Bass.wav")->compressor.ratio, 6.0);
  // No key measured: nothing is guessed.
  auto bare = bussed();
  r = plan_revision(bare, {"sidechain the bass to the kick"});
  EXPECT_TRUE(r[0].changes.empty()) << r[0].reply;
  EXPECT_FALSE(bare.find_strip("Bass.wav")->compressor.enabled);

  r = plan_revision(c, {"the drums dont gel"}, ctx);
  const auto& bus = *c.find_bus("drums");
  EXPECT_TRUE(bus.compressor.enabled);
  EXPECT_DOUBLE_EQ(bus.compressor.ratio, 2.0);
  EXPECT_DOUBLE_EQ(bus.compressor.threshold_db, -20.0 - 3.0 + 2.0 + 2.0);  // level - landing gain - fader + 2
  EXPECT_DOUBLE_EQ(bus.compressor.attack_ms, 30.0);
  r = plan_revision(c, {"the mix needs more glue"}, ctx);
  EXPECT_TRUE(c.mix_bus.compressor.enabled);
  EXPECT_DOUBLE_EQ(c.mix_bus.compressor.threshold_db, -16.0 - 3.0 + 2.0);
  r = plan_revision(c, {"the mix needs more glue"}, ctx);
  EXPECT_DOUBLE_EQ(c.mix_bus.compressor.ratio, 2.5);
  EXPECT_DOUBLE_EQ(c.mix_bus.compressor.threshold_db, -19.0);

  r = plan_revision(c, {"add some distortion to the guitars"}, ctx);
  for (const char* g : {"GtrL.wav", "GtrR.wav"}) {
    EXPECT_TRUE(c.find_strip(g)->saturator.enabled) << g;
    EXPECT_EQ(c.find_strip(g)->saturator.mode, dsp::SaturationMode::soft_clip) << g;
    EXPECT_DOUBLE_EQ(c.find_strip(g)->saturator.drive_db, 8.0) << g;
  }
  r = plan_revision(c, {"the guitars are too distorted"}, ctx);
  EXPECT_DOUBLE_EQ(c.find_strip("GtrL.wav")->saturator.drive_db, 4.0);
  const auto before = c;
  r = plan_revision(c, {"the vocal is distorted"}, ctx);
  EXPECT_TRUE(r[0].changes.empty());
  EXPECT_EQ(c, before);
  EXPECT_NE(r[0].reply.find("recording"), std::string::npos) << r[0].reply;
}
}  // namespace mixdown::revise
