#include "io/session.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

using namespace mixdown;
namespace fs = std::filesystem;

namespace {

mix::Console sample_console() {
  mix::Console c;
  c.sample_rate = 44100;
  c.tempo_bpm = 96.5;
  c.duration_s = 201.25;
  c.focus = "Vox.wav";
  c.targets = {"streaming", "cd"};
  c.left_out = {"Vox copy.wav", "Click.wav"};
  c.brief.vocal = "intimate";
  c.brief.revisions = 3;
  c.sections = {{"intro", 0, 8}, {"chorus", 8, 24.5}};
  mix::Strip s;
  s.name = "Vox.wav";
  s.file = "/stems/Vox.wav";
  s.role = Role::lead_vocal;
  s.bus = "vocals";
  s.trim_db = -2.5;
  s.polarity_invert = true;
  s.advance_ms = 2.32;
  s.high_pass = {true, 90.0, 4};
  s.eq.bands = {{true, dsp::EqType::bell, 350.0, -2.0, 1.2}, {true, dsp::EqType::high_shelf, 9000.0, 1.5, 0.7}};
  s.compressor.enabled = true;
  s.compressor.ratio = 3.0;
  s.compressor.threshold_db = -29.4;
  s.compressor.release_ms = 249.980462;
  s.compressor.detector = dsp::Detector::peak;
  s.compressor.key = "Kick.wav";
  s.deesser.enabled = true;
  s.dynamic_eq = {true, 2500.0, 1.4, -3.0, -28.0, 5.0, 80.0, "Vox.wav"};
  s.saturator = {true, dsp::SaturationMode::soft_clip, 6.0, 0.3};
  s.pan = {-0.25, 1.2};
  s.fader_db = -4.25;
  s.automation = {{0.0, 0.0}, {12.5, 1.5}};
  s.sends = {{"plate", -18.0, false}, {"delay", -24.0, true}};
  s.reasons = {{"fader", "sits 3 LU above the band"}, {"eq", "cut mud at 350 Hz"}};
  c.strips.push_back(s);
  mix::Strip kick;  // the stem the vocal's compressor is keyed to
  kick.name = "Kick.wav";
  kick.file = "/stems/Kick.wav";
  kick.role = Role::kick;
  kick.bus = "drums";
  c.strips.push_back(kick);
  mix::Bus b;
  b.name = "drums";
  b.compressor.enabled = true;
  b.compressor.mix = 0.5;
  c.buses.push_back(b);
  mix::Return r;
  r.name = "delay";
  r.kind = mix::ReturnKind::delay;
  r.delay.time_ms = 466.0;
  c.returns.push_back(r);
  c.mix_bus.target_true_peak_dbtp = -4.0;
  return c;
}

void expect_rejected_with(const std::string& text, const std::string& needle) {
  try {
    io::session_from_toml(text, "/x/session.toml");
    FAIL() << "accepted: " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::rejected);
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

const char* kMinimal = "[[stem]]\nname = \"a.wav\"\n";

}  // namespace

// QA of session 9: editing only `role` left the stem on its old bus (the file spelled the bus
// out), so it stayed in the same bus stem and instrumental/acapella version.
TEST(Session, TheBusFollowsTheRoleUnlessSetOnItsOwn) {
  auto c = sample_console();
  const std::string text = io::session_to_toml(c, "/stems");
  EXPECT_EQ(text.find("bus = 'vocals'"), std::string::npos) << text;  // the lead vocal's own bus: not spelled out
  std::string edited = text;
  const auto at = edited.find("role = 'lead_vocal'");
  ASSERT_NE(at, std::string::npos) << text;
  edited.replace(at, std::string("role = 'lead_vocal'").size(), "role = 'keys'");
  EXPECT_EQ(io::session_from_toml(edited, "/stems/session.toml").strips[0].bus, "music");
  // A bus set apart from the role is written and kept, whatever the role says.
  c.strips[0].bus = "drums";
  const std::string own = io::session_to_toml(c, "/stems");
  EXPECT_NE(own.find("bus = 'drums'"), std::string::npos) << own;
  EXPECT_EQ(io::session_from_toml(own, "/stems/session.toml").strips[0].bus, "drums");
}

TEST(Session, RoundTripsEveryField) {
  const auto c = sample_console();
  const std::string text = io::session_to_toml(c, "/stems");
  const auto back = io::session_from_toml(text, "/stems/session.toml");
  EXPECT_EQ(back, c) << text;
  EXPECT_NE(text.find("file = 'Vox.wav'"), std::string::npos) << "paths are written relative\n" << text;
  // A relative session path still resolves to an absolute stem path.
  auto rel = io::session_from_toml(text, "stems/session.toml");
  EXPECT_TRUE(std::filesystem::path(rel.strips[0].file).is_absolute());
  // No stem left out: no key (a hand-written session need not know it).
  auto none = c;
  none.left_out.clear();
  EXPECT_EQ(io::session_to_toml(none, "/stems").find("left_out"), std::string::npos);
}

// toml++ printed every float with 17 digits ("-29.399999999999999") in the file people edit.
TEST(Session, NumbersAreWrittenAsTheShortestDecimalThatReadsBackTheSame) {
  const auto c = sample_console();
  const std::string text = io::session_to_toml(c, "/stems");
  EXPECT_NE(text.find("advance_ms = 2.32\n"), std::string::npos) << text;
  EXPECT_NE(text.find("threshold_db = -29.4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("release_ms = 249.980462\n"), std::string::npos) << text;
  EXPECT_NE(text.find("tempo_bpm = 96.5\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("99999"), std::string::npos) << text;
  EXPECT_EQ(text.find("00000"), std::string::npos) << text;
  EXPECT_EQ(io::session_from_toml(text, "/stems/session.toml"), c);
}

TEST(Session, ResolvesStemPathsAgainstTheSessionFolder) {
  auto c = io::session_from_toml("[[stem]]\nname = \"k.wav\"\nfile = \"../stems/k.wav\"\n", "/a/b/session.toml");
  EXPECT_EQ(c.strips[0].file, "/a/stems/k.wav");
}

TEST(Session, RejectsUnknownKeysWithFileAndLine) {
  expect_rejected_with(std::string(kMinimal) + "colour = \"red\"\n", "session.toml:3: unknown key 'stem.colour'");
  expect_rejected_with(std::string(kMinimal) + "[stem.compressor]\nratoi = 2\n", ":4: unknown key 'stem.compressor.ratoi'");
}

TEST(Session, RejectsOutOfRangeValuesWithTheAllowedRange) {
  expect_rejected_with(std::string(kMinimal) + "fader_db = 40\n", ":3: stem.fader_db = 40 is out of range (allowed -120 to 12)");
  expect_rejected_with(std::string(kMinimal) + "[stem.pan]\npan = 2\n", "allowed -1 to 1");
  expect_rejected_with(std::string(kMinimal) + "role = \"tuba\"\n", "role = 'tuba' is not a role");
  expect_rejected_with(std::string(kMinimal) + "[[stem.eq.bands]]\ntype = \"wobble\"\n", "allowed: bell");
}

TEST(Session, RejectsSyntaxErrorsAndEmptySessions) {
  expect_rejected_with("[[stem]\nname = 1\n", "session.toml:1: syntax error");
  expect_rejected_with("[session]\nsample_rate = 48000\n", "names no stems");
  expect_rejected_with("[brief]\nvocal = \"loud\"\n[[stem]]\nname=\"a\"\n", "unknown value 'loud'");
  expect_rejected_with(std::string(kMinimal) + "[[stem]]\nname = \"a.wav\"\n", "named twice");
  // A side-chain key names a stem of the session, else it is refused at its line.
  expect_rejected_with(std::string(kMinimal) + "[stem.compressor]\nkey = \"Nothing.wav\"\n",
                       ":4: compressor.key 'Nothing.wav' names no stem of the session");
  expect_rejected_with(std::string(kMinimal) + "[stem.dynamic_eq]\nkey = \"b.wav\"\n", "dynamic_eq.key 'b.wav' names no stem");
  EXPECT_NO_THROW(io::session_from_toml(std::string(kMinimal) + "[stem.compressor]\nkey = \"b.wav\"\n[[stem]]\nname = \"b.wav\"\n",
                                        "/x/session.toml"));
  // left_out holds file names of stems not mixed: not a path, not empty, once, not a mixed stem
  // (an edited one had written versions/stems/.wav and a silent twin of a mixed stem).
  const auto left = [](const std::string& list) { return "[session]\nleft_out = [" + list + "]\n" + kMinimal; };
  expect_rejected_with(left("'../../evil.wav'"), "session.toml:2: [session] left_out: \"../../evil.wav\" is not a stem's file name");
  expect_rejected_with(left("''"), "is not a stem's file name");
  expect_rejected_with(left("'b.wav', 'b.wav'"), "left_out names b.wav twice");
  expect_rejected_with(left("'a.wav'"), "left_out names a.wav, which the session mixes");
  EXPECT_EQ(io::session_from_toml(left("'b.wav'"), "/x/session.toml").left_out, std::vector<std::string>{"b.wav"});
}
