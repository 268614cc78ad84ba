// Notes as musicians write them → kind, element and fix. Each row could fail: a synonym that
// is not recognised, a complaint read the wrong way round, a production wish taken as a mix
// note.
#include <gtest/gtest.h>

#include <tuple>

#include <cmath>

#include "revise/note.hpp"

namespace mixdown::revise {
namespace {

struct Row {
  const char* note;
  NoteKind kind;
  const char* element;  // "" when not asserted (vague/production may name none)
  Fix fix;
};

constexpr auto M = NoteKind::mix;
constexpr auto V = NoteKind::vague;
constexpr auto P = NoteKind::production;

const Row kRows[] = {
    // level, vocals and their synonyms
    {"the vocal disappears during the chorus", M, "lead_vocal", Fix::up},
    {"vox is buried in verse 2", M, "lead_vocal", Fix::up},
    {"can't hear the singer in the last chorus", M, "lead_vocal", Fix::up},
    {"Lead is way too loud in the intro", M, "lead_vocal", Fix::down},
    {"vocals need to come up a touch", M, "lead_vocal", Fix::up},
    {"the voice sits on top of everything", M, "lead_vocal", Fix::down},
    {"BGVs are too loud in the chorus", M, "backing_vocal", Fix::down},
    {"harmonies get lost in the bridge", M, "backing_vocal", Fix::up},
    {"ad-libs are overpowering the lead at 2:10", M, "backing_vocal", Fix::down},
    {"backing vocals could be a bit louder", M, "backing_vocal", Fix::up},
    // drums
    {"kick is too quiet", M, "kick", Fix::up},
    {"the bass drum overpowers everything", M, "kick", Fix::down},
    {"snare is too loud in the verses", M, "snare", Fix::down},
    {"snare sounds too sharp", M, "snare", Fix::less_harsh},
    {"hats are too bright", M, "hihat", Fix::darker},
    {"hi-hats are harsh on small speakers", M, "hihat", Fix::less_harsh},
    {"cymbals are splashy", M, "cymbal", Fix::darker},
    {"the crashes are too loud at 1:23", M, "cymbal", Fix::down},
    {"toms are boomy", M, "tom", Fix::less_boom},
    {"tom fills get buried from 0:45 to 1:10", M, "tom", Fix::up},
    {"drums sound squashed", M, "drums", Fix::less_compressed},
    {"the kit is not punchy enough", M, "drums", Fix::punchier},
    {"kick lacks punch", M, "kick", Fix::punchier},
    {"the snare needs more snap", M, "snare", Fix::punchier},
    {"drums are too wet", M, "drums", Fix::drier},
    {"the drums sound distant in the chorus", M, "drums", Fix::closer},
    // bass / low end
    {"bass is muddy", M, "bass", Fix::less_mud},
    {"the 808 is way too loud", M, "bass", Fix::down},
    {"low end is boomy in the car", M, "bass", Fix::less_boom},
    {"bass disappears on small speakers", M, "bass", Fix::up},
    {"bass guitar sounds thin", M, "bass", Fix::fuller},
    {"the sub is too quiet in the drop", M, "bass", Fix::up},
    // guitars, keys, synths, strings
    {"guitars are too harsh", M, "guitar", Fix::less_harsh},
    {"the acoustic sounds boxy", M, "guitar", Fix::less_boxy},
    {"rhythm guitar is too wide", M, "guitar", Fix::narrower},
    {"guitars feel narrow in the chorus", M, "guitar", Fix::wider},
    {"keys are muddy in the verse", M, "keys", Fix::less_mud},
    {"the piano is too quiet in the second verse", M, "piano", Fix::up},
    {"rhodes sounds dull", M, "keys", Fix::brighter},
    {"synths mask the vocal", M, "synth", Fix::down},
    {"pads are too loud", M, "pad", Fix::down},
    {"the strings are buried in the last chorus", M, "strings", Fix::up},
    {"violins sound shrill", M, "strings", Fix::less_harsh},
    {"horns sound nasal", M, "brass", Fix::less_nasal},
    // vocal tone
    {"vocal is too sibilant", M, "lead_vocal", Fix::less_sibilance},
    {"the esses on the vox are killing me", M, "lead_vocal", Fix::less_sibilance},
    {"vocal sounds nasal", M, "lead_vocal", Fix::less_nasal},
    {"the singer sounds muffled", M, "lead_vocal", Fix::brighter},
    {"vocal sounds squashed", M, "lead_vocal", Fix::less_compressed},
    {"the lead vocal is uneven in the verses", M, "lead_vocal", Fix::more_controlled},
    // space
    {"more reverb on the vocal", M, "lead_vocal", Fix::wetter},
    {"too much reverb on the snare", M, "snare", Fix::drier},
    {"the vocal is too dry", M, "lead_vocal", Fix::wetter},
    {"vox sounds far away", M, "lead_vocal", Fix::closer},
    {"the reverb is too loud", M, "reverb", Fix::down},
    {"the delay is too much in the bridge", M, "delay", Fix::down},
    {"echo on the lead is too loud", M, "lead_vocal", Fix::drier},
    // the whole mix
    {"the mix is muddy", M, "mix", Fix::less_mud},
    {"the whole mix is too bright", M, "mix", Fix::darker},
    {"overall it sounds too narrow", M, "mix", Fix::wider},
    {"too much low end", M, "mix", Fix::less_boom},
    // more of the way people say it
    {"I can't understand the lyrics", M, "lead_vocal", Fix::up},
    {"kick needs more click", M, "kick", Fix::punchier},
    {"the vocal reverb is too long", M, "lead_vocal", Fix::shorter},
    {"turn the keys down a bit", M, "keys", Fix::down},
    {"less bass in the intro", M, "bass", Fix::down},
    {"the bgvs are too wet", M, "backing_vocal", Fix::drier},
    {"the toms should be panned wider", M, "tom", Fix::wider},
    {"a little more snare in the bridge please", M, "snare", Fix::up},
    {"the drums overpower the vocal in the chorus", M, "drums", Fix::down},
    // vague
    {"kick and bass are fighting", V, "kick", Fix::none},
    {"make it pop", V, "", Fix::none},
    {"it needs to be bigger", V, "", Fix::none},
    {"can it sound more professional", V, "", Fix::none},
    {"more energy please", V, "", Fix::none},
    {"the drums need to be bigger", V, "drums", Fix::none},
    {"the vocal sounds weird", V, "lead_vocal", Fix::none},
    {"make it sound more radio ready", V, "", Fix::none},
    {"something is missing", V, "", Fix::none},
    // what to leave as it is: read by the complaint it negates, these had moved the bass
    {"the bass is not too loud", V, "bass", Fix::none},
    {"the vocal isn't too bright", V, "lead_vocal", Fix::none},
    {"never make the bass louder", V, "bass", Fix::none},
    {"don't turn the kick up", V, "kick", Fix::none},
    {"please do not make the snare any quieter", V, "snare", Fix::none},
    // ... while a negation that states a fault still asks for a move
    {"the vocal is not loud enough", M, "lead_vocal", Fix::up},
    {"i can't hear the bass", M, "bass", Fix::up},
    {"don't make the vocal so loud", M, "lead_vocal", Fix::down},
    {"the vocal doesn't cut through, make it louder", M, "lead_vocal", Fix::up},
    // production
    {"replace the snare sample", P, "snare", Fix::none},
    {"can we get a different take of the vocal in verse 2", P, "lead_vocal", Fix::none},
    {"add a tambourine in the chorus", P, "", Fix::none},
    {"the singer is out of tune at 1:23", P, "lead_vocal", Fix::none},
    {"make the song faster", P, "", Fix::none},
    {"cut the second verse", P, "", Fix::none},
    {"the guitar solo is sloppy", P, "guitar", Fix::none},
    {"the bass is rushing in the bridge", P, "bass", Fix::none},
    {"can we try the arrangement without the piano", P, "", Fix::none},
    {"tune the backing vocals", P, "backing_vocal", Fix::none},
};

TEST(NoteTable, KindElementAndFixOfEveryNote) {
  int rows = 0;
  for (const auto& r : kRows) {
    const auto n = parse_note(r.note);
    EXPECT_EQ(to_string(n.kind), to_string(r.kind)) << r.note;
    if (*r.element) {
      EXPECT_EQ(n.element, r.element) << r.note;
    }
    EXPECT_EQ(to_string(n.fix), to_string(r.fix)) << r.note << " (problem word: " << n.problem << ")";
    ++rows;
  }
  EXPECT_GE(rows, 60);
}

TEST(NoteScope, TimesInSecondsAndSpacedRanges) {
  struct Case {
    const char* note;
    double start, end;
  };
  for (const Case& c : {Case{"the vocal is too loud from 0:05 - 0:10", 5.0, 10.0}, Case{"kick too loud 40-50s", 40.0, 50.0},
                        Case{"kick too loud from 4 to 8 seconds", 4.0, 8.0}, Case{"kick too loud at 1m10s", 69.0, 73.0},
                        Case{"kick too loud at 10 seconds", 9.0, 13.0}, Case{"kick too loud around the 30 second mark", 29.0, 33.0}}) {
    const auto n = parse_note(c.note);
    ASSERT_EQ(n.scope.ranges.size(), 1u) << c.note;
    EXPECT_NEAR(n.scope.ranges[0].start_s, c.start, 1e-6) << c.note;
    EXPECT_NEAR(n.scope.ranges[0].end_s, c.end, 1e-6) << c.note;
  }
  // A count after "last" is a length, not a time.
  EXPECT_EQ(parse_note("kick too loud in the last 10 seconds").scope.ranges[0].count, TimeRange::Count::seconds_before_end);
}

TEST(NoteScope, SectionsOrdinalsAndTimes) {
  auto n = parse_note("the vocal is buried in the last chorus");
  ASSERT_EQ(n.scope.sections.size(), 1u);
  EXPECT_EQ(n.scope.sections[0].name, "chorus");
  EXPECT_EQ(n.scope.sections[0].ordinal, -1);

  n = parse_note("snare too loud in verse 2 and the second chorus");
  ASSERT_EQ(n.scope.sections.size(), 2u);
  EXPECT_EQ(n.scope.sections[0], (SectionRef{"verse", 2, ""}));
  EXPECT_EQ(n.scope.sections[1], (SectionRef{"chorus", 2, ""}));

  n = parse_note("bass is muddy from 0:45 to 1:10");
  ASSERT_EQ(n.scope.ranges.size(), 1u);
  EXPECT_DOUBLE_EQ(n.scope.ranges[0].start_s, 45.0);
  EXPECT_DOUBLE_EQ(n.scope.ranges[0].end_s, 70.0);

  n = parse_note("the vox drops out at 1:23");
  ASSERT_EQ(n.scope.ranges.size(), 1u);
  EXPECT_LT(n.scope.ranges[0].start_s, 83.0);
  EXPECT_GT(n.scope.ranges[0].end_s, 83.0);

  n = parse_note("guitars too loud 2:05-2:30");
  ASSERT_EQ(n.scope.ranges.size(), 1u);
  EXPECT_DOUBLE_EQ(n.scope.ranges[0].start_s, 125.0);
  EXPECT_DOUBLE_EQ(n.scope.ranges[0].end_s, 150.0);

  n = parse_note("the pre-chorus synths are too loud");
  ASSERT_EQ(n.scope.sections.size(), 1u);
  EXPECT_EQ(n.scope.sections[0].name, "prechorus");

  EXPECT_TRUE(parse_note("kick is too quiet").scope.whole_song());
}

TEST(NoteContext, ListeningContexts) {
  EXPECT_EQ(parse_note("bass disappears on small speakers").context, "small_speakers");
  EXPECT_EQ(parse_note("low end is boomy in the car").context, "car");
  EXPECT_EQ(parse_note("vocal is harsh on my phone").context, "phone");
  EXPECT_EQ(parse_note("hats are too bright on headphones").context, "headphones");
  EXPECT_EQ(parse_note("kick is too quiet").context, "");
}

TEST(NoteStems, ASessionStemNameIsAnElement) {
  const std::vector<std::string> stems{"E-Piano.flac", "Strings_high.flac", "BD_03.flac"};
  auto n = parse_note("the e-piano is buried in the chorus", stems);
  EXPECT_EQ(n.element, "stem:E-Piano.flac");
  EXPECT_EQ(n.fix, Fix::up);
  n = parse_note("strings high are too bright", stems);
  EXPECT_EQ(n.element, "stem:Strings_high.flac");
  EXPECT_EQ(n.fix, Fix::darker);
}

TEST(NoteTime, ParseAndFormat) {
  EXPECT_EQ(parse_time("1:23"), 83.0);
  EXPECT_EQ(parse_time("0:05"), 5.0);
  EXPECT_EQ(parse_time("1:02:03"), 3723.0);
  EXPECT_FALSE(parse_time("chorus").has_value());
  EXPECT_EQ(format_time(83.4), "1:23");
  EXPECT_EQ(format_time(5), "0:05");
}

}  // namespace
}  // namespace mixdown::revise

namespace mixdown::revise {
namespace {

// Robustness: random mixtures of the vocabulary, digits, punctuation and raw bytes never throw,
// and a note's kind agrees with its fix (mix notes carry one, the others none). Seeded.
TEST(NoteFuzz, RandomTextIsReadWithoutSurprises) {
  const std::vector<std::string> words = {
      "the", "vocal", "vox", "kick", "snare", "is", "too", "loud", "buried", "in", "chorus", "verse", "2",
      "last", "at", "1:23", "from", "0:45", "to", "1:10", "muddy", "harsh", "reverb", "more", "less", "make",
      "it", "pop", "replace", "sample", "add", "a", "cut", "drop", "the drop", "not", "enough", "-", "–",
      "'", ":", "::", "9:99:99:99", "…", "\xff\xfe", "", " ", "pre-chorus", "on small speakers", "bass drum",
      ",", ".", "and", "but", "also", "fine", "dont touch", "2.5 dB", "up and down"};
  std::uint64_t seed = 0x5eed1234u;
  auto next = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>(seed >> 33);
  };
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    const int n = static_cast<int>(next() % 12);
    for (int k = 0; k < n; ++k) {
      if (next() % 7 == 0) text.push_back(static_cast<char>(next() % 256));
      else text += words[next() % words.size()] + " ";
    }
    ParsedNote p;
    ASSERT_NO_THROW(p = parse_note(text, {"BD_03.flac", "E-Piano.flac", ".wav", ""})) << "seed case " << i;
    if (p.kind == NoteKind::mix) {
      EXPECT_NE(p.fix, Fix::none) << text;
      EXPECT_FALSE(p.element.empty()) << text;
    } else {
      EXPECT_EQ(p.fix, Fix::none) << text;
    }
    for (const auto& r : p.scope.ranges) EXPECT_LE(r.start_s, r.end_s) << text;
    std::vector<ParsedNote> rs;
    ASSERT_NO_THROW(rs = parse_requests(text, {"BD_03.flac", "E-Piano.flac", ".wav", ""})) << "seed case " << i;
    ASSERT_FALSE(rs.empty()) << text;
    for (const auto& r : rs) {
      EXPECT_EQ(r.kind == NoteKind::mix, r.fix != Fix::none) << text;
      if (r.kind == NoteKind::mix) {
        EXPECT_FALSE(r.element.empty()) << text;
      }
      EXPECT_LE(r.text.size(), text.size()) << text;
    }
  }
}

}  // namespace
}  // namespace mixdown::revise

namespace mixdown::revise {
namespace {

// Found by reading notes as musicians write them (QA of session 8): goals stated plainly,
// parts protected, amounts, plain verbs and stems named by the word that tells them apart.
TEST(NoteReading, AQualityAfterMakeIsTheGoalNotTheComplaint) {
  EXPECT_EQ(parse_note("make the kick loud").fix, Fix::up);
  EXPECT_EQ(parse_note("make the strings quiet in the intro").fix, Fix::down);
  EXPECT_EQ(parse_note("make it bright and airy").fix, Fix::brighter);
  EXPECT_EQ(parse_note("make it dark and moody").fix, Fix::darker);
  EXPECT_EQ(parse_note("make the strings wide").fix, Fix::wider);
  EXPECT_EQ(parse_note("make the keys dry").fix, Fix::drier);
  EXPECT_EQ(parse_note("the kick needs more boom").fix, Fix::fuller);
  EXPECT_EQ(parse_note("no more reverb please").fix, Fix::drier);
  // The complaint readings stay.
  EXPECT_EQ(parse_note("the kick is too loud").fix, Fix::down);
  EXPECT_EQ(parse_note("make the kick less loud").fix, Fix::down);
  EXPECT_EQ(parse_note("the vocal is too bright").fix, Fix::darker);
  EXPECT_EQ(parse_note("the bass is boomy").fix, Fix::less_boom);
}

TEST(NoteReading, PartsTheNoteProtectsAreNotChanged) {
  EXPECT_EQ(parse_note("don't touch the strings, just lower the drums").element, "drums");
  EXPECT_EQ(parse_note("the strings are fine, but the bass is too loud").element, "bass");
  EXPECT_EQ(parse_note("kick: perfect. snare: too loud.").element, "snare");
  // "Everything except the kick is too loud": the rest down against the kick, which is the kick
  // up against the rest (the master lands on its target either way).
  EXPECT_EQ(parse_note("everything except the kick is too loud").element, "kick");
  EXPECT_EQ(parse_note("everything except the kick is too loud").fix, Fix::up);
}

TEST(NoteReading, AFrequencyNamedIsAnEqMoveThere) {
  auto n = parse_note("boost the vocal 2 dB at 5 kHz");
  EXPECT_EQ(n.freq_hz, 5000.0);
  EXPECT_EQ(n.fix, Fix::fuller);
  n = parse_note("cut 3 dB at 300 Hz on the strings");
  EXPECT_EQ(n.freq_hz, 300.0);
  EXPECT_EQ(n.fix, Fix::less_mud);
  EXPECT_EQ(n.element, "strings");
  n = parse_note("too much 200Hz in the bass");
  EXPECT_EQ(n.freq_hz, 200.0);
  EXPECT_EQ(n.element, "bass");
  EXPECT_EQ(parse_note("the kick is too loud").freq_hz, 0.0);
}

TEST(NoteReading, AmountsAndPlainVerbs) {
  auto n = parse_note("kick up +3 dB");
  EXPECT_EQ(n.fix, Fix::up);
  EXPECT_DOUBLE_EQ(n.amount_db, 3.0);
  EXPECT_DOUBLE_EQ(parse_note("raise the kick 3 decibels").amount_db, 3.0);
  n = parse_note("snare -2dB");
  EXPECT_EQ(n.kind, NoteKind::mix);
  EXPECT_EQ(n.fix, Fix::down);
  EXPECT_DOUBLE_EQ(n.amount_db, -2.0);
  n = parse_note("the bass needs to be 6 dB louder");
  EXPECT_EQ(n.fix, Fix::up);
  EXPECT_DOUBLE_EQ(n.amount_db, 6.0);
  n = parse_note("cut the bass by 2 dB");
  EXPECT_EQ(n.kind, NoteKind::mix);
  EXPECT_EQ(n.element, "bass");
  EXPECT_EQ(parse_note("raise the bass").fix, Fix::up);
  EXPECT_EQ(parse_note("boost the kick").fix, Fix::up);
  EXPECT_EQ(parse_note("reduce the hi-hats").fix, Fix::down);
  EXPECT_EQ(parse_note("decrease the strings a little").fix, Fix::down);
  EXPECT_EQ(parse_note("not enough reverb").fix, Fix::wetter);
  EXPECT_EQ(parse_note("remove the reverb from the keys").fix, Fix::drier);
  // Muting a part is the mixer's (session.toml has `mute`); cutting a section is arrangement.
  EXPECT_EQ(parse_note("mute the clap").kind, NoteKind::mix);
  EXPECT_EQ(parse_note("mute the clap").fix, Fix::mute);
  EXPECT_EQ(parse_note("cut the second verse").kind, NoteKind::production);
}

TEST(NoteReading, AStemIsNamedByTheWordThatTellsItApart) {
  const std::vector<std::string> stems = {"01_bassdrum02.ogg.flac", "02_Clap.flac", "09_Killed_Voice.flac",
                                          "08_Strings_high.flac", "09_Strings_low.flac"};
  EXPECT_EQ(parse_note("turn the claps down", stems).element, "stem:02_Clap.flac");
  EXPECT_EQ(parse_note("the clap is too loud", stems).element, "stem:02_Clap.flac");
  EXPECT_EQ(parse_note("the voice is too loud", stems).element, "stem:09_Killed_Voice.flac");
  // A word shared by two stems, or one a note uses for something else, names no stem by itself.
  EXPECT_EQ(parse_note("the strings are too loud", stems).element, "strings");
  EXPECT_NE(parse_note("more low end", stems).element, "stem:09_Strings_low.flac");
  // A part named in two words is that part, not the stem one of its words names: "vocals" of
  // "the backing vocals" is not Lead Vocal.flac's, nor "lead" of "the lead synth".
  const std::vector<std::string> vox = {"Lead Vocal.flac", "BGV.flac", "Bass.flac"};
  EXPECT_EQ(parse_note("the backing vocals are too loud", vox).element, "backing_vocal");
  EXPECT_NE(parse_note("the lead synth is too loud", vox).element, "stem:Lead Vocal.flac");
  EXPECT_EQ(parse_note("the lead vocal is too quiet", vox).element, "stem:Lead Vocal.flac");
  // The rest of the mix against one part is that part the other way.
  for (const char* n : {"everything but the vocal is too loud", "the music is too loud under the vocal"}) {
    const auto p = parse_requests(n, vox);
    ASSERT_EQ(p.size(), 1u) << n;
    EXPECT_EQ(p[0].element, "stem:Lead Vocal.flac") << n;
    EXPECT_EQ(p[0].fix, Fix::up) << n;
  }
  const auto k = parse_requests("everything except the bass is too quiet", vox);
  ASSERT_EQ(k.size(), 1u);
  EXPECT_EQ(k[0].fix, Fix::down);
}

// QA of session 9: a note with several requests acted on its first part only.
std::string requests_of(const char* note, const std::vector<std::string>& stems = {}) {
  std::string s;
  for (const auto& r : parse_requests(note, stems))
    s += (s.empty() ? "" : " | ") + r.element + " " + std::string(to_string(r.fix)) + (r.kind == NoteKind::mix ? "" : " [" + std::string(to_string(r.kind)) + "]");
  return s;
}

TEST(NoteRequests, EveryRequestOfANoteIsRead) {
  EXPECT_EQ(requests_of("the pad is too loud, the bass is too quiet"), "pad down | bass up");
  EXPECT_EQ(requests_of("the pad is too loud and the bass is too quiet"), "pad down | bass up");
  EXPECT_EQ(requests_of("kick up 2 dB; snare down 1 dB. Also the hats are too bright"),
            "kick up | snare down | hihat darker");
  EXPECT_EQ(requests_of("the vocal is too loud but the guitars are buried"), "lead_vocal down | guitar up");
  // Parts the note protects stay protected.
  EXPECT_EQ(requests_of("the strings are fine, but the bass is too loud"), "bass down");
  EXPECT_EQ(requests_of("don't touch the strings, just lower the drums"), "drums down");
  EXPECT_EQ(requests_of("kick: perfect. snare: too loud."), "snare down");
  EXPECT_EQ(requests_of("the bass is too loud, but leave the kick alone"), "bass down");
  // One request in several words stays one.
  EXPECT_EQ(requests_of("snare too loud in verse 2 and the second chorus"), "snare down");
  EXPECT_EQ(requests_of("bass is muddy between 0:45 and 1:10"), "bass less_mud");
  EXPECT_EQ(requests_of("the lead vocal is up and down in the verses"), "lead_vocal more_controlled");
  EXPECT_EQ(requests_of("make it bright and airy"), "mix brighter");
  EXPECT_EQ(requests_of("kick and bass are fighting"), "kick none [vague]");
  EXPECT_EQ(requests_of("the drums are too loud and cover the vocal"), "drums down");
  EXPECT_EQ(requests_of("the vocal is buried, bring it up 2 dB"), "lead_vocal up");
  EXPECT_DOUBLE_EQ(parse_requests("the vocal is buried, bring it up 2 dB")[0].amount_db, 2.0);
  // Parts named together share the fix; a fix said alone is the previous part's.
  EXPECT_EQ(requests_of("the kick and the snare are too loud"), "kick down | snare down");
  EXPECT_EQ(requests_of("raise the vocal and the guitars"), "lead_vocal up | guitar up");
  EXPECT_EQ(requests_of("the bass is quiet and muddy"), "bass up | bass less_mud");
  // A place said once serves an elliptic pair; each request keeps its own otherwise.
  auto r = parse_requests("the snare is too loud and harsh in the chorus");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].scope, r[1].scope);
  EXPECT_EQ(r[0].scope.sections.size(), 1u);
  r = parse_requests("the pad is too loud in the intro, the bass is too quiet");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_FALSE(r[0].scope.whole_song());
  EXPECT_TRUE(r[1].scope.whole_song());
  EXPECT_EQ(r[0].text, "the pad is too loud in the intro");
  EXPECT_EQ(r[1].text, "the bass is too quiet");
  // Production and vague parts are their own requests beside a mix one.
  EXPECT_EQ(requests_of("the vocal is too loud, and replace the snare sample"), "lead_vocal down | snare none [production]");
  EXPECT_EQ(requests_of("the drums need to be bigger, and the vocal is too quiet"), "drums none [vague] | lead_vocal up");
  // A single request is read exactly as parse_note reads it.
  for (const char* n : {"the vocal disappears during the chorus", "make it pop", "replace the snare sample",
                        "everything except the kick is too loud"})
    EXPECT_EQ(parse_requests(n), std::vector<ParsedNote>{parse_note(n)}) << n;
}

TEST(NoteReading, AReverbThatIsTooLongIsShortenedNotTurnedDown) {
  auto n = parse_note("the reverb is too long");
  EXPECT_EQ(n.element, "reverb");
  EXPECT_EQ(n.fix, Fix::shorter);
  EXPECT_EQ(parse_note("the reverb tail is too short").fix, Fix::longer);
  EXPECT_EQ(parse_note("make the reverb longer").fix, Fix::longer);
  EXPECT_EQ(parse_note("the reverb is too loud").fix, Fix::down);
  // Length without a reverb or delay is not a reverb's.
  EXPECT_EQ(parse_note("the intro is too long").kind, NoteKind::production);
  EXPECT_EQ(parse_note("the snare is too long").kind, NoteKind::vague);
}

}  // namespace

// A note that says the same requests again (pasted twice) acts on each once.
TEST(Note, RequestsSaidAgainLaterInANoteAreOne) {
  const std::vector<std::string> stems = {"Kick.wav", "Bass.wav", "Vox.wav"};
  const std::string once = "the bass is too loud and the kick needs more punch";
  const auto a = parse_requests(once, stems);
  const auto b = parse_requests(once + ", " + once + ", " + once, stems);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].element, b[i].element);
    EXPECT_EQ(a[i].fix, b[i].fix);
  }
}

// Amounts as people write them: a decimal comma, a number in words; an instrument the session
// may not have ("more cowbell") is a part, not the whole mix.
TEST(Note, AmountsWithADecimalCommaOrInWords) {
  EXPECT_EQ(parse_note("bring the snare down by 2,5dB").amount_db, 2.5);
  EXPECT_EQ(parse_note("snare down 3,5 dB").amount_db, 3.5);
  EXPECT_EQ(parse_note("snare down three dB").amount_db, 3.0);
  EXPECT_EQ(parse_note("kick up half a dB").amount_db, 0.5);
  EXPECT_EQ(parse_note("vocal up 2 dB").amount_db, 2.0);
  EXPECT_EQ(parse_note("more cowbell").element, "percussion");
}


}  // namespace mixdown::revise

namespace mixdown::revise {
namespace {

// Fix-revise: amounts said in words, common typos, parts no vocabulary knows, filters, a
// request taken back, which returns a space note means, and places before/after/among sections.
TEST(NoteAmounts, AHalfSaidInWordsIsOneAmountNotTwoRequests) {
  const auto r = parse_requests("raise the lead vocal two and a half dB");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].fix, Fix::up);
  EXPECT_EQ(r[0].element, "lead_vocal");
  EXPECT_DOUBLE_EQ(r[0].amount_db, 2.5);
  EXPECT_DOUBLE_EQ(parse_note("snare down 1 and a half dB").amount_db, 1.5);
  EXPECT_DOUBLE_EQ(parse_note("kick up one and a half decibels").amount_db, 1.5);
  // "and" between two requests still cuts.
  EXPECT_EQ(requests_of("the pad is too loud and the bass is too quiet"), "pad down | bass up");
}

TEST(NoteSpelling, CommonTyposReadAsMeant) {
  for (const char* n : {"the bass is too quite", "the bass is so quite"}) {
    const auto p = parse_note(n);
    EXPECT_EQ(p.kind, NoteKind::mix) << n;
    EXPECT_EQ(p.element, "bass") << n;
    EXPECT_EQ(p.fix, Fix::up) << n;
  }
  for (const char* n : {"the snare is too laud", "the snare is too lound", "the snare is to loud"}) {
    const auto p = parse_note(n);
    EXPECT_EQ(p.kind, NoteKind::mix) << n;
    EXPECT_EQ(p.fix, Fix::down) << n;
  }
  EXPECT_EQ(parse_note("the vocal is sibilent").fix, Fix::less_sibilance);
  EXPECT_EQ(parse_note("too much sibilence on the vox").fix, Fix::less_sibilance);
  // "quite" stays where it means "rather".
  EXPECT_EQ(parse_note("the kick is quite loud").fix, Fix::down);
  EXPECT_EQ(parse_note("the pad is quite quiet").fix, Fix::up);
  // A range's "to" is not "too".
  EXPECT_EQ(parse_note("kick too loud from 0:40 to 0:50").scope.ranges.size(), 1u);
}

TEST(NoteParts, AWordAStemNameHoldsNamesThatStem) {
  const std::vector<std::string> stems = {"01_bassdrum02.ogg.flac", "02_Clap.flac", "Lead Vocal.flac", "BGV.flac"};
  EXPECT_EQ(parse_note("the bassdrum is too loud", stems).element, "stem:01_bassdrum02.ogg.flac");
  EXPECT_EQ(parse_note("leadvocal too loud", stems).element, "stem:Lead Vocal.flac");
  // Not from inside a word of the name.
  EXPECT_NE(parse_note("the ass is too loud", stems).element, "stem:01_bassdrum02.ogg.flac");
  // A word two stems share, and no note word, is both of them.
  const std::vector<std::string> fx = {"12_sfxr.flac", "13_sfxr.flac", "Kick.wav"};
  EXPECT_EQ(requests_of("the sfxr is too loud", fx), "stem:12_sfxr.flac down | stem:13_sfxr.flac down");
  EXPECT_EQ(requests_of("the kick is too loud, leave the sfxr", fx), "stem:Kick.wav down");
}

TEST(NoteParts, AnUnknownPartWordIsAPartNotTheWholeMix) {
  const std::vector<std::string> stems = {"Kick.wav", "Snare.wav"};
  EXPECT_EQ(parse_note("the bassdrum is too loud", stems).element, "part:bassdrum");
  EXPECT_EQ(parse_note("sfxr too loud", stems).element, "part:sfxr");
  EXPECT_EQ(parse_note("turn down the sfxr", stems).element, "part:sfxr");
  EXPECT_EQ(parse_note("the sfxr is muddy", stems).element, "part:sfxr");
  // The whole mix, said in any of the ways it is said, stays the mix.
  for (const char* n : {"the mix is too loud", "it is too loud", "make it louder", "way too loud", "this is too quiet",
                        "the low mids are muddy", "the levels are too loud", "the first 10 seconds are too loud",
                        "in the chorus it is too loud", "the whole thing is too bright"}) {
    const auto p = parse_note(n, stems);
    EXPECT_EQ(p.kind, NoteKind::mix) << n;
    EXPECT_EQ(p.element, "mix") << n;
  }
  // Two requests: the unknown part is a part of its own, not the previous request's.
  EXPECT_EQ(requests_of("the kick is too quiet, the sfxr is too loud", stems), "stem:Kick.wav up | part:sfxr down");
}

TEST(NoteFilters, HighPassAndLowCutAtTheFrequencyNamed) {
  auto n = parse_note("high-pass the strings at 150 Hz");
  EXPECT_EQ(n.kind, NoteKind::mix);
  EXPECT_EQ(n.element, "strings");
  EXPECT_EQ(n.fix, Fix::high_pass);
  EXPECT_DOUBLE_EQ(n.freq_hz, 150.0);
  n = parse_note("low-cut the vocal at 100 Hz");
  EXPECT_EQ(n.kind, NoteKind::mix);  // not "cut the vocal" (a part dropped)
  EXPECT_EQ(n.element, "lead_vocal");
  EXPECT_EQ(n.fix, Fix::high_pass);
  EXPECT_DOUBLE_EQ(n.freq_hz, 100.0);
  n = parse_note("low pass the synth at 8 kHz");
  EXPECT_EQ(n.fix, Fix::low_pass);
  EXPECT_DOUBLE_EQ(n.freq_hz, 8000.0);
  EXPECT_EQ(parse_note("hpf the bass").fix, Fix::high_pass);
  EXPECT_DOUBLE_EQ(parse_note("hpf the bass").freq_hz, 0.0);
  const auto r = parse_requests("high-pass the strings at 150 Hz");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].fix, Fix::high_pass);
  EXPECT_DOUBLE_EQ(r[0].freq_hz, 150.0);
}

TEST(NoteRequests, ALaterWordTakesAnEarlierRequestBack) {
  EXPECT_EQ(requests_of("the snare is too loud. Actually leave the snare, bring the kick up instead"), "kick up");
  EXPECT_EQ(requests_of("the snare is too loud, the bass is too quiet. never mind the snare"), "bass up");
  EXPECT_EQ(requests_of("the snare is too loud; don't touch the snare after all, the hats are too bright"), "hihat darker");
  const auto all = parse_requests("the snare is too loud. Actually, leave the snare alone");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_NE(all[0].kind, NoteKind::mix);
  // Protecting a part of a group is not taking a request back.
  EXPECT_EQ(requests_of("the drums are too loud, but leave the kick alone"), "drums down");
  EXPECT_EQ(parse_requests("the drums are too loud, but leave the kick alone")[0].except, std::vector<std::string>{"kick"});
  EXPECT_EQ(requests_of("don't touch the strings, just lower the drums"), "drums down");
}

TEST(NoteSpace, DelayAndReverbAreToldApart) {
  auto n = parse_note("more delay on the lead vocal");
  EXPECT_EQ(n.element, "lead_vocal");
  EXPECT_EQ(n.fix, Fix::wetter);
  EXPECT_EQ(n.space, "delay");
  n = parse_note("less reverb on the vocal");
  EXPECT_EQ(n.fix, Fix::drier);
  EXPECT_EQ(n.space, "reverb");
  EXPECT_EQ(parse_note("the vocal is too wet").space, "");
  EXPECT_EQ(parse_note("too much echo on the snare").space, "delay");
  // No part: the whole mix's sends of that kind.
  n = parse_note("less delay");
  EXPECT_EQ(n.element, "mix");
  EXPECT_EQ(n.fix, Fix::drier);
  EXPECT_EQ(n.space, "delay");
  n = parse_note("too much reverb");
  EXPECT_EQ(n.fix, Fix::drier);
  EXPECT_EQ(n.space, "reverb");
}

TEST(NoteScope, BeforeAfterAndAmongSections) {
  auto n = parse_note("the lead vocal is too loud after the first 10 seconds");
  ASSERT_EQ(n.scope.ranges.size(), 1u);
  EXPECT_DOUBLE_EQ(n.scope.ranges[0].start_s, 10.0);
  EXPECT_FALSE(std::isfinite(n.scope.ranges[0].end_s));
  n = parse_note("the lead vocal is too loud in the first 10 seconds");
  ASSERT_EQ(n.scope.ranges.size(), 1u);
  EXPECT_DOUBLE_EQ(n.scope.ranges[0].end_s, 10.0);

  n = parse_note("the lead vocal is too loud before the verse");
  ASSERT_EQ(n.scope.sections.size(), 1u);
  EXPECT_EQ(n.scope.sections[0], (SectionRef{"verse", 0, "before"}));
  n = parse_note("the pad is too loud in the bridge after the chorus");
  ASSERT_EQ(n.scope.sections.size(), 2u);
  EXPECT_EQ(n.scope.sections[0], (SectionRef{"bridge", 0, ""}));
  EXPECT_EQ(n.scope.sections[1], (SectionRef{"chorus", 0, "after"}));

  const auto sections = [](const char* note) {
    std::vector<int> o;
    for (const auto& s : parse_note(note).scope.sections) o.push_back(s.ordinal);
    return o;
  };
  EXPECT_EQ(sections("the pad is too loud in bridges 3 and 4"), (std::vector<int>{3, 4}));
  EXPECT_EQ(sections("the pad is too loud in bridge 3 and 4"), (std::vector<int>{3, 4}));
  EXPECT_EQ(sections("the pad is too loud in the second and third bridge"), (std::vector<int>{2, 3}));
  EXPECT_EQ(sections("the pad is too loud in the first two bridges"), (std::vector<int>{1, 2}));
  EXPECT_EQ(sections("the pad is too loud in the last 2 bridges"), (std::vector<int>{-2, -1}));
  EXPECT_EQ(sections("snare too loud in verse 2 and the second chorus"), (std::vector<int>{2, 2}));

  n = parse_note("the pad is too loud in the 2nd half");
  ASSERT_EQ(n.scope.ranges.size(), 1u);
  EXPECT_EQ(n.scope.ranges[0].count, TimeRange::Count::share_of_song);
  EXPECT_DOUBLE_EQ(n.scope.ranges[0].start_s, 0.5);

  n = parse_note("vocal up at 1:05 and 1:20");
  ASSERT_EQ(n.scope.ranges.size(), 2u);
  EXPECT_DOUBLE_EQ(n.scope.ranges[0].at_s, 65.0);
  EXPECT_DOUBLE_EQ(n.scope.ranges[1].at_s, 80.0);
  n = parse_note("bass is muddy between 0:45 and 1:10");
  ASSERT_EQ(n.scope.ranges.size(), 1u);
  EXPECT_DOUBLE_EQ(n.scope.ranges[0].end_s, 70.0);

  n = parse_note("the vocal is too loud from 1:00 till the end");
  ASSERT_EQ(n.scope.ranges.size(), 1u);
  EXPECT_DOUBLE_EQ(n.scope.ranges[0].start_s, 60.0);
  EXPECT_FALSE(std::isfinite(n.scope.ranges[0].end_s));
  EXPECT_TRUE(n.scope.sections.empty());
  n = parse_note("the vocal is too loud from the start to 0:30");
  ASSERT_EQ(n.scope.ranges.size(), 1u);
  EXPECT_DOUBLE_EQ(n.scope.ranges[0].start_s, 0.0);
  EXPECT_DOUBLE_EQ(n.scope.ranges[0].end_s, 30.0);
  EXPECT_TRUE(n.scope.sections.empty());
}

}  // namespace
}  // namespace mixdown::revise

namespace mixdown::revise {
namespace {

TEST(NoteParts, ShortStemNamesPlacesAndAmountsAsMusiciansWriteThem) {
  const std::vector<std::string> stems = {"Lead Vocal.wav", "BGV.wav", "FM.wav", "BD_03.wav", "Bass.wav", "hats.wav"};
  // Two-letter stem names name their stem; a common two-letter word does not.
  EXPECT_EQ(parse_note("FM is too loud", stems).element, "stem:FM.wav");
  EXPECT_EQ(parse_note("turn up the bd", stems).element, "stem:BD_03.wav");
  EXPECT_EQ(parse_note("it is too loud", stems).element, "mix");
  // "Oh" opening a note is no overhead mic.
  EXPECT_EQ(parse_note("oh the vocal is too loud", stems).element, "stem:Lead Vocal.wav");
  EXPECT_EQ(parse_note("OH are too loud").element, "cymbal");
  const auto oh = parse_requests("oh, the vocal is too loud", stems);  // "oh" had been a request on the cymbals
  ASSERT_EQ(oh.size(), 1u);
  EXPECT_EQ(oh[0].element, "stem:Lead Vocal.wav");
  // "All the vocals" is every voice, not the lead alone.
  EXPECT_EQ(parse_note("all the vocals are too quiet", stems).element, "vocal");
  // Placing a part: before, "right" after a part read as "fine" and the note panned every stem.
  for (const char* n : {"pan the BGV further right", "put the BGV on the right", "pan the BGV right"}) {
    const auto p = parse_note(n, stems);
    EXPECT_EQ(p.element, "stem:BGV.wav") << n;
    EXPECT_EQ(p.fix, Fix::pan_right) << n;
  }
  EXPECT_EQ(parse_note("pan the bass hard left", stems).fix, Fix::pan_left);
  EXPECT_EQ(parse_note("the kick sounds just right", stems).kind, NoteKind::vague);
  EXPECT_EQ(parse_note("the guitar on the right is too loud").fix, Fix::down);
  // Amounts: a signed number is dB; a share is of the part's level (half is -6 dB).
  EXPECT_DOUBLE_EQ(parse_note("kick +3", stems).amount_db, 3.0);
  EXPECT_EQ(parse_note("kick +3", stems).fix, Fix::up);
  EXPECT_DOUBLE_EQ(parse_note("hats down 50%", stems).amount_db, -6.0);
  EXPECT_DOUBLE_EQ(parse_note("the vocal 20 percent louder", stems).amount_db, 1.6);
  EXPECT_DOUBLE_EQ(parse_note("the bass is too loud at +2k", stems).amount_db, 0.0);
  EXPECT_EQ(percent_in("pan it 30 % left"), 30.0);
  EXPECT_FALSE(percent_in("pan it left").has_value());
  // Moments in words; a length is no moment.
  EXPECT_EQ(parse_note("vocal up around the one minute mark", stems).scope.ranges.at(0).at_s, 60.0);
  EXPECT_EQ(parse_note("vocal louder two minutes in", stems).scope.ranges.at(0).at_s, 120.0);
  EXPECT_TRUE(parse_note("the vocal is too loud for 10 seconds in the chorus", stems).scope.ranges.empty());
  EXPECT_EQ(parse_note("bump the vocal", stems).fix, Fix::up);
  EXPECT_EQ(parse_note("widen the guitars").fix, Fix::wider);
  // Found by a review of these rules against ordinary notes (each had changed what it asked):
  // a share, an amount or a tone word is less of a part, not a mute;
  for (const char* n : {"remove the low end from the guitar", "lose some of the bass", "drop the vocal slightly",
                        "take out some of the hats"})
    EXPECT_NE(parse_note(n, stems).fix, Fix::mute) << n;
  // a complaint after "except" is the request, not a place left out;
  auto ex = parse_note("everything sounds great except the chorus is too loud", stems);
  EXPECT_TRUE(ex.scope.except_sections.empty());
  EXPECT_EQ(ex.scope.sections.size(), 1u);
  EXPECT_EQ(ex.fix, Fix::down);
  // what "leave ... alone" governs ends at "alone";
  ex = parse_note("Leave the verses alone, just bring the vocal up in the chorus", stems);
  ASSERT_EQ(ex.scope.sections.size(), 1u);
  EXPECT_EQ(ex.scope.sections[0].name, "chorus");
  ASSERT_EQ(ex.scope.except_sections.size(), 1u);
  EXPECT_EQ(ex.scope.except_sections[0].name, "verse");
  // "back", "fading", "sit" and a percent of certainty are no unmute, fade, pan or amount;
  EXPECT_NE(parse_note("bring the guitars back a little", stems).fix, Fix::unmute);
  EXPECT_NE(parse_note("the vocal is fading out in the second verse", stems).fix, Fix::fade_out);
  EXPECT_NE(parse_note("The vocal doesn't sit right in the mix", stems).fix, Fix::pan_right);
  EXPECT_EQ(parse_note("I'm 100% sure the vocal is too loud", stems).amount_db, 0.0);
  EXPECT_EQ(parse_note("the kick peaks at -1 dBTP", stems).amount_db, 0.0);
  EXPECT_EQ(parse_note("the vocal should sit around -6", stems).amount_db, 0.0);
  // the overheads are still "OH", and "a bump" is no "bump the".
  EXPECT_EQ(parse_note("OH louder").element, "cymbal");
  EXPECT_NE(parse_note("there's a bump around 200 Hz in the bass", stems).fix, Fix::up);
  EXPECT_DOUBLE_EQ(parse_note("fade out over 5 seconds at the end", stems).span, 5.0);
  // "Keep" leaves a place out only as it is.
  EXPECT_EQ(parse_note("keep the chorus louder", stems).scope.sections.size(), 1u);
  EXPECT_EQ(parse_note("vocal up, keep the chorus as it is", stems).scope.except_sections.size(), 1u);
  // Places left out.
  const auto p = parse_note("vocal louder but not in the first verse", stems);
  EXPECT_TRUE(p.scope.sections.empty());
  ASSERT_EQ(p.scope.except_sections.size(), 1u);
  EXPECT_EQ(p.scope.except_sections[0], (SectionRef{"verse", 1, ""}));
  EXPECT_FALSE(p.scope.whole_song());
}

}  // namespace
}  // namespace mixdown::revise

namespace mixdown::revise {
// Session 35's sweep of notes the reader had never seen; each had changed the wrong thing.
TEST(NoteParts, TrackNumbersDryingTighteningAndPartsReferredBack) {
  const std::vector<std::string> c64 = {"01_Default_preset.flac", "03_Default_preset.flac", "05_Default_preset.flac",
                                        "06_linn_snr.ds.flac", "07_linn_kik.ds.flac"};
  // A stem by its track number (had panned all 9 stems left): "03", "track 5"; "up 3" stays an amount.
  const auto two = parse_requests("pan 03 hard left and 05 hard right", c64);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].element, "stem:03_Default_preset.flac");
  EXPECT_EQ(two[0].fix, Fix::pan_left);
  EXPECT_EQ(two[1].element, "stem:05_Default_preset.flac");
  EXPECT_EQ(two[1].fix, Fix::pan_right);
  EXPECT_EQ(parse_note("track 5 is too loud", c64).element, "stem:05_Default_preset.flac");
  const auto amount = parse_note("bring the kik up 3", c64);
  EXPECT_EQ(amount.element, "kick");
  EXPECT_DOUBLE_EQ(amount.amount_db, 3.0);
  const std::vector<std::string> dl = {"06_Bass.flac", "10_Pad.flac", "12_sfxr.flac", "14_Broken.flac"};
  // "Dry up" is drier (had raised the sends); "the vocal is dry" still asks for more.
  EXPECT_EQ(parse_note("dry up the vocal", dl).fix, Fix::drier);
  EXPECT_EQ(parse_note("the vocal is dry", dl).fix, Fix::wetter);
  // Cleaning up and tightening take away (had boosted 220 Hz and raised the bass).
  EXPECT_EQ(parse_note("its all a bit cluttered in the low mids, clean up 300hz", dl).fix, Fix::less_mud);
  EXPECT_EQ(parse_note("tighten up the low end", dl).fix, Fix::less_boom);
  // Sound effects are the fx parts; "get rid of it" mutes the part named before it, but "cut
  // it" after a tone word cuts the tone.
  EXPECT_EQ(parse_note("the sfx are distracting, turn them down", dl).element, "fx");
  const auto rid = parse_note("that broken glitchy sound is annoying, get rid of it", dl);
  EXPECT_EQ(rid.element, "stem:14_Broken.flac");
  EXPECT_EQ(rid.fix, Fix::mute);
  EXPECT_EQ(parse_note("the pad is muddy, cut it", dl).fix, Fix::less_mud);
  EXPECT_EQ(parse_note("the lead synth is too quiet", dl).element, "lead_synth");
}

TEST(NoteParts, AWordStemsShareBesideAKindOfPartNamesTheStemOfThatKind) {
  const std::vector<std::string> c64 = {"01_Default_preset.flac", "06_linn_snr.ds.flac", "07_linn_kik.ds.flac",
                                        "08_live_sound_hh.ds.flac"};
  // "linn" is in the snare's and the kick's names: "linn kick" is the kick (had raised both).
  const auto kick = parse_requests("linn kick needs more level", c64);
  ASSERT_EQ(kick.size(), 1u);
  EXPECT_EQ(kick[0].element, "stem:07_linn_kik.ds.flac");
  EXPECT_EQ(parse_requests("the snare linn is too loud", c64).at(0).element, "stem:06_linn_snr.ds.flac");
  // "the linn drums" names both: every stem of that word is a drum.
  EXPECT_EQ(parse_requests("the linn drums are too loud", c64).size(), 2u);
  // The low end of a part, not its level.
  EXPECT_EQ(parse_note("linn kick needs more thump", c64).fix, Fix::fuller);
  EXPECT_EQ(parse_note("kick is lacking low end, more sub on the kick").fix, Fix::fuller);
  EXPECT_EQ(parse_note("the bass has too much sub").fix, Fix::less_boom);
}
// Bars and beats are the song's, not seconds: the reader keeps the count in bars (beats) for the
// planner to turn into seconds at the console's tempo (before, "8 bars" was 8 s or nothing).
TEST(NoteScope, BarsAndBeatsStayBarsAndBeats) {
  using C = TimeRange::Count;
  auto n = parse_note("the outro should fade out over the last 8 bars");
  EXPECT_EQ(n.fix, Fix::fade_out);
  ASSERT_EQ(n.scope.ranges.size(), 1u);
  EXPECT_EQ(n.scope.ranges[0], (TimeRange{8.0, 0.0, -1, C::seconds_before_end, TimeUnit::bars}));
  ASSERT_EQ(n.scope.sections.size(), 1u);
  EXPECT_EQ(n.scope.sections[0].name, "outro");

  n = parse_note("mute the pad for the first 4 bars");
  EXPECT_EQ(n.fix, Fix::mute);
  EXPECT_EQ(n.element, "pad");
  ASSERT_EQ(n.scope.ranges.size(), 1u);
  EXPECT_EQ(n.scope.ranges[0], (TimeRange{0.0, 4.0, -1, C::seconds, TimeUnit::bars}));

  // A length from the moment named, not the short window around it.
  n = parse_note("drop the drums for 2 bars at 1:00");
  EXPECT_EQ(n.fix, Fix::mute);
  ASSERT_EQ(n.scope.ranges.size(), 1u);
  EXPECT_EQ(n.scope.ranges[0], (TimeRange{0.0, 2.0, 60.0, C::after_moment, TimeUnit::bars}));
  n = parse_note("the kick is too loud at 0:30 for 4 seconds");
  ASSERT_EQ(n.scope.ranges.size(), 1u);
  EXPECT_EQ(n.scope.ranges[0], (TimeRange{0.0, 4.0, 30.0, C::after_moment, TimeUnit::seconds}));

  // A fade's length in beats; a counted beat is no drum part.
  n = parse_note("fade in over 8 beats");
  EXPECT_EQ(n.fix, Fix::fade_in);
  EXPECT_EQ(n.element, "mix");
  EXPECT_DOUBLE_EQ(n.span, 8.0);
  EXPECT_EQ(n.span_unit, TimeUnit::beats);
  ASSERT_EQ(n.scope.ranges.size(), 1u);
  EXPECT_EQ(n.scope.ranges[0], (TimeRange{0.0, 8.0, -1, C::seconds, TimeUnit::beats}));
  EXPECT_EQ(parse_note("fade it out over one beat").element, "mix");
  n = parse_note("a 4 bar fade out");
  EXPECT_DOUBLE_EQ(n.span, 4.0);
  EXPECT_EQ(n.span_unit, TimeUnit::bars);
  EXPECT_EQ(parse_note("the kick is too quiet after the first 16 bars").scope.ranges.at(0).unit, TimeUnit::bars);
  // Seconds are still seconds.
  EXPECT_EQ(parse_note("kick too loud in the last 10 seconds").scope.ranges.at(0),
            (TimeRange{10.0, 0.0, -1, C::seconds_before_end, TimeUnit::seconds}));
}
// Sections set against each other: only one side moves, the other is the reference (before,
// "the verse needs to be quieter than the chorus" lowered both and the contrast stayed).
TEST(NoteScope, AComparisonOfSectionsMovesOneSide) {
  struct Case {
    const char* note;
    const char* element;
    Fix fix;
    const char* moved;
    const char* reference;
  };
  for (const Case& c : {Case{"the verse needs to be quieter than the chorus", "mix", Fix::down, "verse", "chorus"},
                        Case{"make the verse softer than the chorus", "mix", Fix::down, "verse", "chorus"},
                        Case{"the chorus should be louder than the verse", "mix", Fix::up, "chorus", "verse"},
                        Case{"more contrast between the verse and the chorus", "mix", Fix::up, "chorus", "verse"},
                        Case{"not enough contrast between the chorus and the verse", "mix", Fix::up, "chorus", "verse"},
                        Case{"the chorus should hit harder than the verse", "mix", Fix::up, "chorus", "verse"},
                        // A statement of what is wrong asks for the other way.
                        Case{"the verse is louder than the chorus", "mix", Fix::down, "verse", "chorus"},
                        Case{"the chorus isn't louder than the verse", "mix", Fix::up, "chorus", "verse"},
                        Case{"the vocal should be louder in the chorus than in the verse", "lead_vocal", Fix::up, "chorus",
                             "verse"},
                        Case{"the verse is too loud compared to the chorus", "mix", Fix::down, "verse", "chorus"},
                        Case{"the verse has more energy than the chorus", "mix", Fix::down, "verse", "chorus"},
                        Case{"the chorus has to be louder than the verse", "mix", Fix::up, "chorus", "verse"}}) {
    const auto n = parse_note(c.note);
    EXPECT_EQ(n.kind, NoteKind::mix) << c.note;
    EXPECT_EQ(n.element, c.element) << c.note;
    EXPECT_EQ(n.fix, c.fix) << c.note;
    ASSERT_EQ(n.scope.sections.size(), 1u) << c.note;
    EXPECT_EQ(n.scope.sections[0].name, c.moved) << c.note;
    ASSERT_EQ(n.reference.size(), 1u) << c.note;
    EXPECT_EQ(n.reference[0].name, c.reference) << c.note;
  }
  // No sections on both sides: no comparison of sections.
  auto n = parse_note("make the chorus louder than the rest of the song");
  EXPECT_TRUE(n.reference.empty());
  EXPECT_EQ(n.scope.sections.size(), 1u);
  n = parse_note("the vocal should be louder than the guitar");
  EXPECT_TRUE(n.reference.empty());
  // A return's level is the whole song's: no section moves apart on it.
  EXPECT_TRUE(parse_note("the reverb should be louder in the chorus than in the verse").reference.empty());
  EXPECT_EQ(n.element, "lead_vocal");
  EXPECT_EQ(n.fix, Fix::up);
}
// Small junk: letters stretched for emphasis read as the word, and a time no song has is no
// time (before, "99:99" was 100:39 and "-0:05" was 0:05).
TEST(NoteJunk, StretchedWordsAndTimesNoSongHas) {
  EXPECT_EQ(unstretched("wayyy"), "way");
  EXPECT_EQ(unstretched("waaay"), "way");
  EXPECT_EQ(unstretched("tooo"), "too");
  EXPECT_EQ(unstretched("loooud"), "loud");
  EXPECT_EQ(unstretched("boooomy"), "boomy");
  EXPECT_EQ(unstretched("fulll"), "full");
  EXPECT_EQ(unstretched("kick"), "kick");
  EXPECT_EQ(unstretched("1000"), "1000");
  EXPECT_EQ(parse_note("the kick is tooo loud").fix, Fix::down);

  EXPECT_FALSE(parse_time("99:99").has_value());
  EXPECT_FALSE(parse_time("1:60").has_value());
  EXPECT_FALSE(parse_time("-0:05").has_value());
  EXPECT_FALSE(parse_time("1:75:00").has_value());
  EXPECT_EQ(parse_time("1:59"), 119.0);
  EXPECT_EQ(parse_time("1:05.5"), 65.5);
  EXPECT_EQ(parse_time("2:05:30"), 7530.0);
  for (const char* note : {"the pad is too loud at 99:99", "the pad is too loud at -0:05"}) {
    const auto n = parse_note(note);
    EXPECT_EQ(n.element, "pad") << note;
    EXPECT_EQ(n.fix, Fix::down) << note;
    EXPECT_TRUE(n.scope.whole_song()) << note;
    EXPECT_FALSE(n.bad_time.empty()) << note;
  }
  EXPECT_EQ(parse_note("the pad is too loud at -0:05").bad_time, "-0:05");
  // The rest of the note still reads.
  const auto n = parse_note("the pad is too loud in the chorus at 99:99");
  EXPECT_EQ(n.bad_time, "99:99");
  ASSERT_EQ(n.scope.sections.size(), 1u);
  EXPECT_TRUE(n.scope.ranges.empty());
  // A sign on an amount is still the amount's; a time said in seconds is still a time.
  EXPECT_DOUBLE_EQ(parse_note("snare -2dB").amount_db, -2.0);
  EXPECT_TRUE(parse_note("snare -2dB at 1:00").bad_time.empty());
  EXPECT_TRUE(parse_note("kick too loud at 59.999 seconds").bad_time.empty());
}
// Session 40's sweep of new notes: halving ("halve the reverb", "cut it by half", "in half") is
// a level halved, -6 dB; "50 % too loud" is a level 1.5 times too high, -3.5 dB (where "down
// 50 %" halves it); "moar", and "2" for "too" after a verb.
TEST(NoteAmounts, HalvesSharesTooLoudAndSlang) {
  for (const char* t : {"halve the reverb", "cut the reverb by half", "cut the reverb in half"}) {
    const auto n = parse_note(t);
    EXPECT_EQ(n.kind, NoteKind::mix) << t;
    EXPECT_EQ(n.element, "reverb") << t;
    EXPECT_EQ(n.fix, Fix::down) << t;
    EXPECT_DOUBLE_EQ(n.amount_db, -6.0) << t;
  }
  EXPECT_NEAR(parse_note("the kick is 50% too loud").amount_db, -3.5, 0.05);
  EXPECT_NEAR(parse_note("kick down 50%").amount_db, -6.0, 0.05);
  EXPECT_NEAR(parse_note("the kick is 50% too quiet").amount_db, 3.5, 0.05);
  const auto m = parse_note("moar bass");
  EXPECT_EQ(m.element, "bass");
  EXPECT_EQ(m.fix, Fix::up);
  // A section asked to be bigger, to hit harder, lifted: the whole mix lifted there (these came
  // back vague, asking where, of a song with a chorus).
  for (const char* t : {"make the chorus bigger", "the chorus needs to hit harder", "lift the chorus"}) {
    const auto c = parse_note(t);
    EXPECT_EQ(c.kind, NoteKind::mix) << t;
    EXPECT_EQ(c.element, "mix") << t;
    EXPECT_EQ(c.fix, Fix::up) << t;
    ASSERT_EQ(c.scope.sections.size(), 1u) << t;
    EXPECT_EQ(c.scope.sections[0].name, "chorus") << t;
  }
  EXPECT_EQ(parse_note("lift the strings").fix, Fix::up);
  const auto s = parse_note("the snare is 2 loud");
  EXPECT_EQ(s.element, "snare");
  EXPECT_EQ(s.fix, Fix::down);
}
}  // namespace mixdown::revise

namespace mixdown::revise {
// Sidechain, glue and distortion notes came back vague ("can mean several things"); they are a
// duck keyed by the part the note names after "to/with/under/from the" (the kick when none),
// glue on the part's bus or the mix, and the part's saturator one way or the other.
TEST(NoteDynamics, SidechainGlueAndDistortion) {
  const auto duck = [](const char* text) { return parse_note(text); };
  for (const auto& [text, element, key] :
       std::vector<std::tuple<const char*, const char*, const char*>>{
           {"sidechain the bass to the kick", "bass", "kick"},
           {"duck the pad under the vocal", "pad", "lead_vocal"},
           {"the bass should pump with the kick", "bass", "kick"},
           {"the kick should duck the bass", "bass", "kick"},
           {"put a sidechain from the kick on the bass", "bass", "kick"},
           {"the strings need to get out of the way of the vocal", "strings", "lead_vocal"},
           {"duck the bass", "bass", ""}}) {
    const auto n = duck(text);
    EXPECT_EQ(n.kind, NoteKind::mix) << text;
    EXPECT_EQ(n.fix, Fix::duck) << text;
    EXPECT_EQ(n.element, element) << text;
    EXPECT_EQ(n.key, key) << text;
  }
  EXPECT_EQ(parse_note("the mix is pumping").fix, Fix::less_compressed);  // a complaint, not a request to duck
  for (const char* text : {"the mix needs more glue", "the drums dont gel", "it is not cohesive"}) {
    EXPECT_EQ(parse_note(text).fix, Fix::glue) << text;
    EXPECT_EQ(parse_note(text).kind, NoteKind::mix) << text;
  }
  for (const char* text : {"add some distortion to the bass", "the guitar is too clean", "more grit on the snare",
                           "saturate the keys a bit"})
    EXPECT_EQ(parse_note(text).fix, Fix::saturate) << text;
  for (const char* text : {"the vocal is distorted", "there is distortion on the guitar", "the bass is too dirty"})
    EXPECT_EQ(parse_note(text).fix, Fix::cleaner) << text;
}
}  // namespace mixdown::revise
