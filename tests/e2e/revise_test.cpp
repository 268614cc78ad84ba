// `mixdown revise` end to end on the demo session (20 s): a mix note measurably moves the
// element it names against the rest of the mix in the named sections only (measured by
// libebur128 on versions/stems/ and mix.wav, section times from session.toml); vague and
// production notes leave the audio bit-identical; history (--list, --back), changes.json,
// --json and the delivery sheet (checksums against coreutils' sha256sum); bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../support/testing.hpp"
#include "io/audio_file.hpp"
#include "io/session.hpp"
#include "mix/console.hpp"

namespace mixdown {
namespace {

namespace fs = std::filesystem;

std::string bin() { return testkit::mixdown_bin(); }
std::string q(const fs::path& p) { return testkit::shell_quote(p); }
using testkit::slurp;

class ReviseE2E : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = new testkit::TempDir();
    const fs::path demo = testkit::source_dir() / "examples" / "demo";
    std::string out, err;
    rc_ = testkit::run_command(bin() + " mix " + q(demo) + " -o " + q(out_dir()) + " --quiet --brief revisions=3", &out, &err);
    mix_err_ = err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static fs::path out_dir() { return dir_->path() / "OUT"; }
  void SetUp() override { ASSERT_EQ(rc_, 0) << mix_err_; }

  static testkit::TempDir* dir_;
  static int rc_;
  static std::string mix_err_;
};
testkit::TempDir* ReviseE2E::dir_ = nullptr;
int ReviseE2E::rc_ = -1;
std::string ReviseE2E::mix_err_;

// Loudness (LUFS, libebur128) of [t0, t1) of a buffer.
double lufs(const AudioBuffer& a, int rate, double t0, double t1) {
  const auto f0 = static_cast<std::size_t>(std::max(0.0, t0) * rate);
  const auto f1 = std::min(a.num_frames(), static_cast<std::size_t>(t1 * rate));
  AudioBuffer part(a.num_channels(), f1 - f0);
  for (int c = 0; c < a.num_channels(); ++c)
    std::copy(a.channel(c) + f0, a.channel(c) + f1, part.channel(c));
  return testkit::ebur128_measure(part.view(), rate).integrated;
}

// The stem's loudness against the rest of the mix (mix minus the stem) in [t0, t1).
double stem_against_rest(const fs::path& rev, const std::string& stem, double t0, double t1) {
  int rate = 0;
  const AudioBuffer mix = io::read_file(rev / "mix.wav", &rate);
  const AudioBuffer st = io::read_file(rev / "versions" / "stems" / (fs::path(stem).stem().string() + ".wav"));
  AudioBuffer rest(mix.num_channels(), mix.num_frames());
  for (int c = 0; c < mix.num_channels(); ++c)
    for (std::size_t i = 0; i < mix.num_frames(); ++i)
      rest.channel(c)[i] = mix.channel(c)[i] - st.channel(std::min(c, st.num_channels() - 1))[i];
  return lufs(st, rate, t0, t1) - lufs(rest, rate, t0, t1);
}

TEST_F(ReviseE2E, BadInputAndUsage) {
  std::string out, err;
  testkit::TempDir empty;
  EXPECT_EQ(testkit::run_command(bin() + " revise " + q(empty.path()) + " --note 'vocal louder'", &out, &err), 3);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("not a mix output folder"), std::string::npos) << err;
  EXPECT_EQ(testkit::run_command(bin() + " revise " + q(out_dir()) + " --note ''", &out, &err), 2);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(testkit::run_command(bin() + " revise " + q(out_dir()), &out, &err), 2);
  EXPECT_EQ(testkit::run_command(bin() + " revise " + q(out_dir()) + " --back 99", &out, &err), 2);  // a usage mistake
  EXPECT_NE(err.find("there is no rev-99"), std::string::npos) << err;
  // --json onto what the revisions read or deliver: refused before anything is written, the
  // file unchanged (it once replaced session.toml, a stem or mix.wav with the JSON, exit 0).
  for (const char* f : {"session.toml", "mix.wav", "report.json", "rev-1/revision.json", "delivery-sheet.md", "rev-7/x.json"}) {
    const fs::path target = out_dir() / f;
    const std::string before = slurp(target);
    EXPECT_EQ(testkit::run_command(bin() + " revise " + q(out_dir()) + " --note 'brighter hats' --json " + q(target), &out, &err), 2) << f;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(err.find(target.string()), std::string::npos) << err;
    EXPECT_EQ(slurp(target), before) << f;
  }
  EXPECT_FALSE(fs::exists(out_dir() / "rev-7")) << "a refused run left a revision folder";
}

TEST_F(ReviseE2E, NotesHistoryAndDeliverySheet) {
  const auto session = io::load_session(out_dir() / "session.toml");
  // The sections: "chorus" when the song has one, else the last section by its ordinal ("the
  // last verse": the demo's two sections are both verses), with other sections left to compare
  // with. The element: the focus of the mix when it plays in every section (so "outside"
  // measures something), else the first stem that does.
  ASSERT_GE(session.sections.size(), 2u);
  std::string section = "last " + session.sections.back().name;
  for (const auto& s : session.sections)
    if (s.name == "chorus") section = "chorus";
  std::vector<std::pair<double, double>> in, outside;
  for (std::size_t k = 0; k < session.sections.size(); ++k) {
    const auto& s = session.sections[k];
    const bool named = section == "chorus" ? s.name == "chorus" : k + 1 == session.sections.size();
    (named ? in : outside).emplace_back(s.start_s, s.end_s);
  }
  ASSERT_FALSE(outside.empty());
  auto plays_everywhere = [&](const std::string& stem) {
    int rate = 0;
    const AudioBuffer a = io::read_file(out_dir() / "versions" / "stems" / (fs::path(stem).stem().string() + ".wav"), &rate);
    for (const auto& s : session.sections)
      if (!(lufs(a, rate, s.start_s + 0.5, s.end_s - 0.5) > -45.0)) return false;
    return true;
  };
  std::string stem;
  if (!session.focus.empty() && plays_everywhere(session.focus)) stem = session.focus;
  for (const auto& s : session.strips)
    if (stem.empty() && plays_everywhere(s.name)) stem = s.name;
  ASSERT_FALSE(stem.empty()) << "no stem plays in every section";
  // Named the way a musician would when its role is unique in the session ("the kick drum"),
  // else by its stem name.
  std::string element = fs::path(stem).stem().string();
  {
    static const std::map<Role, std::string> words = {
        {Role::kick, "kick drum"}, {Role::snare, "snare"}, {Role::bass, "bass"}, {Role::keys, "keys"},
        {Role::piano, "piano"}, {Role::strings, "strings"}, {Role::guitar, "guitars"}, {Role::hihat, "hats"},
        {Role::synth, "synths"}, {Role::pad, "pads"}, {Role::lead_vocal, "vocal"}};
    const auto* st = session.find_strip(stem);
    ASSERT_NE(st, nullptr);
    const auto same_role = std::count_if(session.strips.begin(), session.strips.end(),
                                         [&](const mix::Strip& x) { return x.role == st->role; });
    if (same_role == 1 && words.count(st->role)) element = words.at(st->role);
  }

  const std::string note = "the " + element + " is buried in the " + section;
  std::string out, err;
  ASSERT_EQ(testkit::run_command(bin() + " revise " + q(out_dir()) + " --quiet --note " + q(note) +
                                     " --json " + q(out_dir() / "r2.json"),
                                 &out, &err),
            0)
      << err;
  const fs::path rev1 = out_dir() / "rev-1", rev2 = out_dir() / "rev-2";
  ASSERT_TRUE(fs::exists(rev1 / "mix.wav"));
  ASSERT_TRUE(fs::exists(rev2 / "mix.wav"));
  ASSERT_TRUE(fs::exists(rev2 / "session.toml"));
  ASSERT_TRUE(fs::exists(rev2 / "changes.json"));
  EXPECT_FALSE(fs::is_empty(rev2 / "masters"));

  const auto changes = nlohmann::json::parse(slurp(rev2 / "changes.json"));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0]["kind"], "mix");
  EXPECT_EQ(changes[0]["note"], note);
  ASSERT_FALSE(changes[0]["changes"].empty()) << changes.dump(2);
  EXPECT_EQ(changes[0]["changes"][0]["stem"], stem);
  EXPECT_TRUE(changes[0]["changes"][0]["section"].is_string());
  EXPECT_NE(changes[0]["reply"].get<std::string>().find(":"), std::string::npos);  // times in the reply
  EXPECT_EQ(nlohmann::json::parse(slurp(out_dir() / "r2.json")), changes);

  // Measurably louder against the rest inside the sections, unchanged outside (half a second
  // kept clear of each boundary for the ramps).
  for (auto [a, b] : in) {
    const double before = stem_against_rest(rev1, stem, a + 0.5, b - 0.5);
    const double after = stem_against_rest(rev2, stem, a + 0.5, b - 0.5);
    std::printf("in %s %.1f-%.1f s: %s against the rest %.2f -> %.2f LU\n", section.c_str(), a, b, element.c_str(),
                before, after);
    // The fader moves 3 dB; the bus and mix-bus compressors take part of it back, as they
    // would on a console.
    EXPECT_GT(after - before, 1.0);
  }
  for (auto [a, b] : outside) {
    if (b - a < 1.5) continue;
    const double before = stem_against_rest(rev1, stem, a + 0.5, b - 0.5);
    const double after = stem_against_rest(rev2, stem, a + 0.5, b - 0.5);
    std::printf("outside %.1f-%.1f s: %.2f -> %.2f LU\n", a, b, before, after);
    EXPECT_NEAR(after, before, 0.3);
  }

  // Vague + production: nothing changes, the audio is the same bytes, the replies say why.
  ASSERT_EQ(testkit::run_command(bin() + " revise " + q(out_dir()) + " --note 'make it pop' --note " +
                                     q("replace the snare sample") + " --json -",
                                 &out, &err),
            0)
      << err;
  const auto j3 = nlohmann::json::parse(out);
  ASSERT_EQ(j3.size(), 2u);
  EXPECT_EQ(j3[0]["kind"], "vague");
  EXPECT_TRUE(j3[0]["changes"].empty());
  EXPECT_NE(j3[0]["reply"].get<std::string>().find("?"), std::string::npos);
  EXPECT_EQ(j3[1]["kind"], "production");
  EXPECT_TRUE(j3[1]["changes"].empty());
  EXPECT_EQ(slurp(out_dir() / "rev-3" / "mix.wav"), slurp(rev2 / "mix.wav"));

  // Conflicting notes: reported, neither applied.
  ASSERT_EQ(testkit::run_command(bin() + " revise " + q(out_dir()) + " --json - --note " + q("the " + element + " is too loud") +
                                     " --note " + q("the " + element + " is too quiet"),
                                 &out, &err),
            0)
      << err;
  const auto j4 = nlohmann::json::parse(out);
  ASSERT_EQ(j4.size(), 2u);
  EXPECT_TRUE(j4[0]["changes"].empty());
  EXPECT_NE(j4[0]["reply"].get<std::string>().find("contradicts"), std::string::npos) << j4.dump(2);

  // --back 1: a new revision equal to the first mix.
  ASSERT_EQ(testkit::run_command(bin() + " revise " + q(out_dir()) + " --quiet --back 1", &out, &err), 0) << err;
  EXPECT_EQ(slurp(out_dir() / "rev-5" / "mix.wav"), slurp(out_dir() / "mix.wav"));
  // The brief includes 3 rounds (revisions=3): rev-5 is the fourth and carries a warning, rev-4 none.
  EXPECT_NE(err.find("past the 3"), std::string::npos) << err;
  EXPECT_TRUE(nlohmann::json::parse(slurp(out_dir() / "rev-4" / "revision.json"))["warning"].is_null());
  EXPECT_TRUE(nlohmann::json::parse(slurp(out_dir() / "rev-5" / "revision.json"))["warning"].is_string());
  ASSERT_EQ(testkit::run_command(bin() + " revise " + q(out_dir()) + " --list", &out, &err), 0) << err;
  for (const char* s : {"rev-1", "rev-2", "rev-3", "rev-4", "rev-5", "make it pop"})
    EXPECT_NE(out.find(s), std::string::npos) << s << "\n" << out;
  EXPECT_NE(out.find(note), std::string::npos) << out;

  // The delivery sheet: every revision, every deliverable, checksums that sha256sum agrees with.
  const std::string sheet = slurp(out_dir() / "delivery-sheet.md");
  for (const char* s : {"rev-1", "rev-2", "rev-5", "SHA-256", "mix.wav", "masters/", "versions/stems/", "LUFS", "dBTP",
                        "## Checks"})
    EXPECT_NE(sheet.find(s), std::string::npos) << s;
  EXPECT_NE(sheet.find(note), std::string::npos);
  EXPECT_NE(sheet.find("past the 3"), std::string::npos);
  EXPECT_EQ(sheet.find("FAILED"), std::string::npos) << sheet;
  ASSERT_EQ(testkit::run_command("sha256sum " + q(out_dir() / "rev-5" / "mix.wav"), &out, &err), 0);
  EXPECT_NE(sheet.find(out.substr(0, 64)), std::string::npos) << out.substr(0, 64);

  // ... and a section of report.html, replaced (not repeated) by each revision.
  const std::string page = slurp(out_dir() / "report.html");
  const auto at = page.find("id=\"delivery-sheet\"");
  ASSERT_NE(at, std::string::npos) << "report.html has no delivery-sheet section";
  EXPECT_EQ(page.find("id=\"delivery-sheet\"", at + 1), std::string::npos) << "the section is repeated";
  for (const char* s : {"rev-5", "make it pop", "table-deliverables", "table-checks", "versions/stems/"})
    EXPECT_NE(page.find(s, at), std::string::npos) << s;
  EXPECT_NE(page.find(out.substr(0, 64), at), std::string::npos) << "the mix's SHA-256 is not in report.html";
  EXPECT_EQ(page.find("FAILED", at), std::string::npos);
  EXPECT_NE(page.find("</html>", at), std::string::npos) << "the page is no longer whole";
}

// QA of session 9, on a mix of its own: a note with two requests acts on both; a ride where
// the part is silent (the demo's E-Piano stops at 0:15) and a time past the song's end change
// nothing and say why; "the chorus should be louder" lifts the chorus against the verse in the
// rendered mix; "the reverb is too long" shortens the decay and leaves the return's level.
nlohmann::json revise_json(const fs::path& out, const std::string& note) {
  std::string o, e;
  EXPECT_EQ(testkit::run_command(bin() + " revise " + q(out) + " --json - --note " + q(note), &o, &e), 0) << e;
  return nlohmann::json::parse(o.empty() ? "[{}]" : o);
}

// The demo mixed into `out`, without masters (a revision then renders no master either).
void mix_demo_unmastered(const fs::path& out) {
  std::string o, e;
  ASSERT_EQ(testkit::run_command(bin() + " mix " + q(testkit::source_dir() / "examples" / "demo") + " -o " + q(out) +
                                     " --quiet --no-master",
                                 &o, &e),
            0)
      << e;
}

// A stem exported again after the mix was decided: re-rendering the session and revising it
// both say so, naming the stem, and render the file as it is now (both did so in silence).
TEST(ReviseNotes, AStemChangedSinceTheMixIsSaid) {
  testkit::TempDir dir;
  const fs::path stems = dir.path() / "stems", out = dir.path() / "OUT";
  fs::create_directories(stems);
  for (const auto& e : fs::directory_iterator(testkit::source_dir() / "examples" / "demo"))
    if (e.path().extension() == ".flac") {
      fs::copy_file(e.path(), stems / e.path().filename());
      fs::permissions(stems / e.path().filename(), fs::perms::owner_write, fs::perm_options::add);
    }
  std::string o, e;
  ASSERT_EQ(testkit::run_command(bin() + " mix " + q(stems) + " -o " + q(out) + " --quiet --no-master", &o, &e), 0) << e;
  // Unchanged: nothing to say.
  ASSERT_EQ(testkit::run_command(bin() + " mix " + q(out / "session.toml") + " -o " + q(dir.path() / "same") + " --quiet --no-master", &o, &e), 0) << e;
  EXPECT_EQ(e.find("has changed"), std::string::npos) << e;
  fs::copy_file(stems / "Snare_05.flac", stems / "E-Piano.flac", fs::copy_options::overwrite_existing);
  ASSERT_EQ(testkit::run_command(bin() + " mix " + q(out / "session.toml") + " -o " + q(dir.path() / "again") + " --quiet --no-master", &o, &e), 0) << e;
  EXPECT_NE(e.find("E-Piano.flac has changed since this session was decided"), std::string::npos) << e;
  const auto report = nlohmann::json::parse(slurp(dir.path() / "again" / "report.json"));
  bool said = false;
  for (const auto& p : report["problems"]) said |= p["code"] == "stem_changed" && p["stem"] == "E-Piano.flac";
  EXPECT_TRUE(said) << report["problems"].dump();
  ASSERT_EQ(testkit::run_command(bin() + " revise " + q(out) + " --quiet --note 'less bass'", &o, &e), 0) << e;
  EXPECT_NE(e.find("E-Piano.flac has changed"), std::string::npos) << e;
  EXPECT_NE(slurp(out / "delivery-sheet.md").find("E-Piano.flac has changed"), std::string::npos);
}

// A note pasted with a terminal's colour codes or a bell: the words are read, and no control
// character reaches the reply, changes.json or the delivery sheet.
TEST(ReviseNotes, ControlCharactersInANoteAreNotPassedOn) {
  testkit::TempDir dir;
  const fs::path out = dir.path() / "OUT";
  ASSERT_NO_FATAL_FAILURE(mix_demo_unmastered(out));
  const auto j = revise_json(out, "the kick \x1b[31mis too\x07 quiet");
  ASSERT_EQ(j.size(), 1u);
  EXPECT_FALSE(j[0]["changes"].empty()) << j.dump(2);
  auto clean = [](const std::string& t) {
    return std::none_of(t.begin(), t.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\n'; });
  };
  // The parsed note and reply (JSON escapes a control character, so its text would not show one).
  EXPECT_TRUE(clean(j[0]["note"].get<std::string>())) << j.dump();
  EXPECT_TRUE(clean(j[0]["reply"].get<std::string>())) << j.dump();
  EXPECT_EQ(j[0]["note"].get<std::string>().find("[31m"), std::string::npos) << j.dump();
  EXPECT_TRUE(clean(slurp(out / "delivery-sheet.md")));
}

// A note sent as lines (a list, with or without "- " bullets) is one request per line; it once
// read as one request, its first line's, and said nothing of the rest.
TEST(ReviseNotes, ANoteOnSeveralLinesIsARequestPerLine) {
  testkit::TempDir dir;
  const fs::path out = dir.path() / "OUT";
  ASSERT_NO_FATAL_FAILURE(mix_demo_unmastered(out));
  const auto j = revise_json(out, "- the bass is too loud\n- the kick is too quiet");
  ASSERT_EQ(j.size(), 1u);
  std::map<std::string, double> moved;
  for (const auto& c : j[0]["changes"])
    if (c["parameter"] == "fader_db") moved[c["stem"].get<std::string>()] = c["to"].get<double>() - c["from"].get<double>();
  EXPECT_LT(moved["Bass_Slap_02.flac"], 0.0) << j.dump(2);
  EXPECT_GT(moved["BD_03.flac"], 0.0) << j.dump(2);
  EXPECT_EQ(j[0]["note"].get<std::string>().find('\n'), std::string::npos) << j.dump(2);
}

// "Raise X 3 dB" ends with X 3 dB up against the rest of the mix (libebur128 on its printed
// stem and the mix minus it), not the fader's 3 dB less what the bus compressors held back
// (+1.9 dB before session 27); the reply gives the figure it measured and the fader's move.
TEST(ReviseNotes, StatedLevelMoveLandsAgainstTheRest) {
  testkit::TempDir dir;
  const fs::path out = dir.path() / "OUT";
  ASSERT_NO_FATAL_FAILURE(mix_demo_unmastered(out));
  const auto base = io::load_session(out / "session.toml");
  // The focus, or else the first part whose bus has a compressor (the demo has no lead).
  std::string stem = base.focus;
  for (const auto& st : base.strips)
    for (const auto& b : base.buses)
      if (stem.empty() && b.name == st.bus && b.compressor.enabled) stem = st.name;
  ASSERT_FALSE(stem.empty());
  const double before = stem_against_rest(out, stem, 0.0, base.duration_s);
  auto j = revise_json(out, "raise " + fs::path(stem).stem().string() + " 3 dB");
  ASSERT_EQ(j.size(), 1u);
  const double after = stem_against_rest(out / "rev-2", stem, 0.0, base.duration_s);
  EXPECT_NEAR(after - before, 3.0, 0.6) << j.dump(2);
  const std::string reply = j[0]["reply"];
  EXPECT_NE(reply.find("against the rest of the mix"), std::string::npos) << reply;
  // The fader moved further than 3 dB, and changes.json says where it went.
  ASSERT_FALSE(j[0]["changes"].empty());
  const auto& c = j[0]["changes"][0];
  EXPECT_GT(c["to"].get<double>() - c["from"].get<double>(), 3.1) << j.dump(2);
  const auto rev2 = io::load_session(out / "rev-2" / "session.toml");
  EXPECT_NEAR(rev2.find_strip(stem)->fader_db, c["to"].get<double>(), 1e-3);
}

// A note that moves one part leaves the others where they were: the revision renders at the
// gain the mix was landed with (session.toml's mix_bus.output_gain_db) while its true peak stays
// in -6..-3 dBTP, instead of landing the new mix's peak again (until session 40, "snare 2 dB
// down" could leave the snare louder than before, everything else raised by the new peak).
TEST(ReviseNotes, AMoveLeavesTheUntouchedPartsWhereTheyWere) {
  testkit::TempDir dir;
  const fs::path out = dir.path() / "OUT";
  ASSERT_NO_FATAL_FAILURE(mix_demo_unmastered(out));
  const auto base = io::load_session(out / "session.toml");
  ASSERT_TRUE(base.mix_bus.output_gain_db.has_value());
  // The snares: the demo's peaks are theirs, so a cut moves the mix's peak most.
  auto j = revise_json(out, "snares 3 dB down");
  ASSERT_EQ(j.size(), 1u);
  const auto level = [](const fs::path& f) { return testkit::ebur128_measure(io::read_file(f).view(), 48000).integrated; };
  const auto stem_file = [](const fs::path& rev, const std::string& s) {
    return rev / "versions" / "stems" / (fs::path(s).stem().string() + ".wav");
  };
  int moved = 0;
  for (const auto& st : base.strips) {
    if (st.mute) continue;
    const double before = level(stem_file(out, st.name)), after = level(stem_file(out / "rev-2", st.name));
    if (!std::isfinite(before)) continue;
    if (st.role == Role::snare) {
      ++moved;
      EXPECT_LT(after - before, -1.5) << st.name << "\n" << j.dump(2);
    } else {
      EXPECT_NEAR(after, before, 0.6) << st.name << "\n" << j.dump(2);
    }
  }
  EXPECT_EQ(moved, 2);
  const auto a = testkit::ebur128_measure(io::read_file(out / "rev-2" / "mix.wav").view(), 48000);
  EXPECT_LE(a.true_peak_db, -3.0);
  EXPECT_GE(a.true_peak_db, -6.0);
}

// The loudness of `stems` together against the mix minus `out_of_rest` (the parts a revision
// moved), over [t0, t1).
double stems_against_unmoved(const fs::path& rev, const std::vector<std::string>& stems,
                             const std::vector<std::string>& out_of_rest, double t0, double t1) {
  int rate = 0;
  AudioBuffer rest = io::read_file(rev / "mix.wav", &rate);
  AudioBuffer part(rest.num_channels(), rest.num_frames());
  auto printed = [&](const std::string& s) { return io::read_file(rev / "versions" / "stems" / (fs::path(s).stem().string() + ".wav")); };
  for (const auto& s : stems) {
    const AudioBuffer st = printed(s);
    for (int c = 0; c < part.num_channels(); ++c)
      for (std::size_t i = 0; i < part.num_frames(); ++i) part.channel(c)[i] += st.channel(std::min(c, st.num_channels() - 1))[i];
  }
  for (const auto& s : out_of_rest) {
    const AudioBuffer st = printed(s);
    for (int c = 0; c < rest.num_channels(); ++c)
      for (std::size_t i = 0; i < rest.num_frames(); ++i) rest.channel(c)[i] -= st.channel(std::min(c, st.num_channels() - 1))[i];
  }
  return lufs(part, rate, t0, t1) - lufs(rest, rate, t0, t1);
}

// Two level moves in one note ("raise X 3 dB and lower Y 2 dB"): each lands as said against the
// parts the note did not move (before session 33 only a single move was measured and made again;
// two were applied at the faders and the bus compressors held part of them back).
TEST(ReviseNotes, TwoLevelMovesInOneNoteEachLand) {
  testkit::TempDir dir;
  const fs::path out = dir.path() / "OUT";
  ASSERT_NO_FATAL_FAILURE(mix_demo_unmastered(out));
  const auto base = io::load_session(out / "session.toml");
  // The drums (a bus with a compressor, which holds a move back: +1.2 dB of a 2 dB raise before
  // they landed) up, the bass down.
  std::vector<std::string> drums, moved;
  std::string bass;
  for (const auto& st : base.strips) {
    if (is_drum(st.role)) drums.push_back(st.name);
    if (st.role == Role::bass && bass.empty()) bass = st.name;
  }
  ASSERT_GE(drums.size(), 2u);
  ASSERT_FALSE(bass.empty());
  moved = drums;
  moved.push_back(bass);
  const double drums0 = stems_against_unmoved(out, drums, moved, 0.0, base.duration_s);
  const double bass0 = stems_against_unmoved(out, {bass}, moved, 0.0, base.duration_s);
  auto j = revise_json(out, "bring up the drums 2 dB and lower the bass 3 dB");
  ASSERT_EQ(j.size(), 1u);
  const double drums1 = stems_against_unmoved(out / "rev-2", drums, moved, 0.0, base.duration_s);
  const double bass1 = stems_against_unmoved(out / "rev-2", {bass}, moved, 0.0, base.duration_s);
  EXPECT_NEAR(drums1 - drums0, 2.0, 0.5) << j.dump(2);
  EXPECT_NEAR(bass1 - bass0, -3.0, 0.5) << j.dump(2);
  EXPECT_NE(j[0]["reply"].get<std::string>().find("measured against the rest of the mix"), std::string::npos) << j.dump(2);
  std::map<std::string, double> to;
  for (const auto& c : j[0]["changes"]) to[c["stem"].get<std::string>()] = c["to"].get<double>();
  const auto rev2 = io::load_session(out / "rev-2" / "session.toml");
  for (const auto& s : moved) {
    ASSERT_TRUE(to.count(s)) << j.dump(2);
    EXPECT_NEAR(rev2.find_strip(s)->fader_db, to[s], 1e-3) << s;  // changes.json says where the faders went
  }
}

TEST(ReviseNotes, AMovePastTheFadersTopLandsWithTheRestComingDown) {
  testkit::TempDir dir;
  const fs::path out = dir.path() / "OUT";
  ASSERT_NO_FATAL_FAILURE(mix_demo_unmastered(out));
  const auto base = io::load_session(out / "session.toml");
  // The keys (E-Piano): the music bus's and the mix bus's compressors hold back about a third
  // of a move, so landing 12 dB needs more than the console's +12 dB top.
  std::string vocal;
  for (const auto& st : base.strips)
    if (st.role == Role::keys && vocal.empty()) vocal = st.name;
  ASSERT_FALSE(vocal.empty());
  const double vocal0 = stems_against_unmoved(out, {vocal}, {vocal}, 0.0, base.duration_s);
  // Before, the landing's second move pushed the fader past the top, where it stopped: the
  // reply said "+18.0 dB" and the move measured 7 of the 12 dB asked.
  auto j = revise_json(out, "the keys up 12 dB");
  ASSERT_EQ(j.size(), 1u);
  const double vocal1 = stems_against_unmoved(out / "rev-2", {vocal}, {vocal}, 0.0, base.duration_s);
  EXPECT_NEAR(vocal1 - vocal0, 12.0, 1.5) << j.dump(2);
  const auto rev2 = io::load_session(out / "rev-2" / "session.toml");
  EXPECT_LE(rev2.find_strip(vocal)->fader_db, mix::kFaderMaxDb);
  const std::string reply = j[0]["reply"].get<std::string>();
  EXPECT_NE(reply.find("top"), std::string::npos) << reply;
  std::map<std::string, double> to;
  for (const auto& c : j[0]["changes"]) to[c["stem"].get<std::string>()] = c["to"].get<double>();
  for (const auto& st : rev2.strips) {
    if (st.fader_db == base.find_strip(st.name)->fader_db) continue;
    ASSERT_TRUE(to.count(st.name)) << st.name << " " << j.dump(2);  // every fader that moved is listed
    EXPECT_NEAR(st.fader_db, to[st.name], 1e-3) << st.name;
  }
}

TEST(ReviseNotes, EveryRequestSilencePastTheEndSectionsAndReverbLength) {
  testkit::TempDir dir;
  const fs::path out = dir.path() / "OUT";
  ASSERT_NO_FATAL_FAILURE(mix_demo_unmastered(out));
  // The demo's 20 s holds two sections that its stems do not tell apart as verse and chorus (by
  // their files' levels the first was the chorus until session 30); the user names the first
  // the chorus in session.toml, as session.toml lets a user do, and the revisions follow it.
  {
    auto named = io::load_session(out / "session.toml");
    ASSERT_GE(named.sections.size(), 2u);
    named.sections.front().name = "chorus";
    io::save_session(named, out / "session.toml");
  }
  const auto base = io::load_session(out / "session.toml");
  double chorus_end = 0;
  for (const auto& s : base.sections)
    if (s.name == "chorus") chorus_end = s.end_s;
  ASSERT_GT(chorus_end, 4.0);

  // Two requests: both acted on, each in the reply.
  auto j = revise_json(out, "the keys are too loud, the bass is too quiet");
  ASSERT_EQ(j.size(), 1u);
  std::map<std::string, double> moved;
  for (const auto& c : j[0]["changes"]) moved[c["stem"].get<std::string>()] = c["to"].get<double>() - c["from"].get<double>();
  EXPECT_LT(moved["E-Piano.flac"], 0) << j.dump(2);
  EXPECT_GT(moved["Bass_Slap_02.flac"], 0) << j.dump(2);
  const std::string reply = j[0]["reply"];
  EXPECT_NE(reply.find("Lowered the keys"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Raised the bass"), std::string::npos) << reply;
  EXPECT_LT(stem_against_rest(out / "rev-2", "E-Piano.flac", 1, 14), stem_against_rest(out / "rev-1", "E-Piano.flac", 1, 14) - 1.0);
  EXPECT_GT(stem_against_rest(out / "rev-2", "Bass_Slap_02.flac", 1, 19),
            stem_against_rest(out / "rev-1", "Bass_Slap_02.flac", 1, 19) + 1.0);

  // The E-Piano is silent from 0:15: nothing to raise at 0:17, and the mix is not rendered again.
  j = revise_json(out, "the keys disappear at 0:17");
  EXPECT_TRUE(j[0]["changes"].empty()) << j.dump(2);
  EXPECT_NE(j[0]["reply"].get<std::string>().find("not playing around 0:17"), std::string::npos) << j.dump(2);
  EXPECT_EQ(slurp(out / "rev-3" / "mix.wav"), slurp(out / "rev-2" / "mix.wav"));

  // 9:30 in a 20-second song.
  j = revise_json(out, "the kick at 9:30 is too quiet");
  EXPECT_TRUE(j[0]["changes"].empty()) << j.dump(2);
  EXPECT_NE(j[0]["reply"].get<std::string>().find("only 0:20 long"), std::string::npos) << j.dump(2);

  // The chorus against the verse, measured on the rendered mix.
  j = revise_json(out, "the chorus should be louder");
  EXPECT_FALSE(j[0]["changes"].empty()) << j.dump(2);
  int rate = 0;
  const auto before = io::read_file(out / "rev-4" / "mix.wav", &rate);
  const auto after = io::read_file(out / "rev-5" / "mix.wav");
  const double lift_before = lufs(before, rate, 0.5, chorus_end - 0.5) - lufs(before, rate, chorus_end + 0.5, 19.5);
  const double lift_after = lufs(after, rate, 0.5, chorus_end - 0.5) - lufs(after, rate, chorus_end + 0.5, 19.5);
  std::printf("chorus over verse: %.2f -> %.2f LU\n", lift_before, lift_after);
  // The lift the reply names (1.5 dB) is what the mix's contrast gains, within the slack a
  // second render leaves (before session 27 the mix bus compressor held it to +0.8 dB).
  EXPECT_NEAR(lift_after - lift_before, 1.5, 0.5);
  EXPECT_NE(std::string(j[0]["reply"]).find("measured in the mix"), std::string::npos) << j[0]["reply"];

  // The reverb's decay, not its level.
  j = revise_json(out, "the reverb is too long");
  const auto rev = io::load_session(out / "rev-6" / "session.toml");
  const auto old = io::load_session(out / "rev-5" / "session.toml");
  ASSERT_EQ(rev.returns.size(), old.returns.size());
  int shorter = 0;
  for (std::size_t k = 0; k < rev.returns.size(); ++k) {
    EXPECT_EQ(rev.returns[k].fader_db, old.returns[k].fader_db) << rev.returns[k].name;
    if (rev.returns[k].kind == mix::ReturnKind::reverb && rev.returns[k].reverb.decay_s < old.returns[k].reverb.decay_s)
      ++shorter;
  }
  EXPECT_GT(shorter, 0) << j.dump(2);
  EXPECT_NE(slurp(out / "rev-6" / "versions" / "fx.wav"), slurp(out / "rev-5" / "versions" / "fx.wav"));
}

// Fix-revise, on a mix of its own: a span named "after the first 10 seconds" is ridden there
// and not before; "more delay" moves only the sends to delay returns; widening the demo's
// hi-hats (two-channel files whose side sits ~50 dB under the mid) spreads their pans, which the
// printed stems show; a part no stem matches changes nothing and says so.
double side_over_mid_db(const fs::path& file) {
  const AudioBuffer a = io::read_file(file);
  if (a.num_channels() < 2) return -200.0;
  double m = 0, s = 0;
  for (std::size_t i = 0; i < a.num_frames(); ++i) {
    const double l = a.channel(0)[i], r = a.channel(1)[i];
    m += (l + r) * (l + r);
    s += (l - r) * (l - r);
  }
  return 10.0 * std::log10(s / m);
}

TEST(ReviseNotes, SpansAfterAPlaceDelaySendsAndWidthOfNearMonoStems) {
  testkit::TempDir dir;
  const fs::path out = dir.path() / "OUT";
  ASSERT_NO_FATAL_FAILURE(mix_demo_unmastered(out));

  // rev-2: after the first 10 seconds, not in them.
  auto j = revise_json(out, "the bass is too loud after the first 10 seconds");
  ASSERT_FALSE(j[0]["changes"].empty()) << j.dump(2);
  const double first_before = stem_against_rest(out / "rev-1", "Bass_Slap_02.flac", 1, 9.5);
  const double first_after = stem_against_rest(out / "rev-2", "Bass_Slap_02.flac", 1, 9.5);
  const double rest_before = stem_against_rest(out / "rev-1", "Bass_Slap_02.flac", 10.5, 19.5);
  const double rest_after = stem_against_rest(out / "rev-2", "Bass_Slap_02.flac", 10.5, 19.5);
  std::printf("bass against the rest: 0:01-0:09 %.2f -> %.2f LU, 0:10-0:19 %.2f -> %.2f LU\n", first_before,
              first_after, rest_before, rest_after);
  EXPECT_NEAR(first_after, first_before, 0.3);
  EXPECT_LT(rest_after, rest_before - 0.7);

  // rev-3: the delay sends only.
  j = revise_json(out, "more delay on the keys");
  const auto session = io::load_session(out / "rev-3" / "session.toml");
  ASSERT_FALSE(j[0]["changes"].empty()) << j.dump(2);
  for (const auto& c : j[0]["changes"]) {
    const std::string p = c["parameter"];
    ASSERT_EQ(p.rfind("send.", 0), 0u) << j.dump(2);
    const std::string to = p.substr(5, p.size() - 5 - std::string(".level_db").size());
    const auto r = std::find_if(session.returns.begin(), session.returns.end(), [&](const mix::Return& x) { return x.name == to; });
    ASSERT_NE(r, session.returns.end()) << to;
    EXPECT_EQ(r->kind, mix::ReturnKind::delay) << to << "\n" << j.dump(2);
  }

  // rev-4: the hats spread by their pans, measurably wider in their printed stems.
  j = revise_json(out, "the hi-hats are too narrow");
  ASSERT_FALSE(j[0]["changes"].empty()) << j.dump(2);
  for (const auto& c : j[0]["changes"]) EXPECT_EQ(c["parameter"], "pan.pan") << j.dump(2);
  for (const char* hat : {"Closed_HihHat_03", "Open_HiHat_02"}) {
    const double before = side_over_mid_db(out / "rev-3" / "versions" / "stems" / (std::string(hat) + ".wav"));
    const double after = side_over_mid_db(out / "rev-4" / "versions" / "stems" / (std::string(hat) + ".wav"));
    std::printf("%s side/mid %.2f -> %.2f dB\n", hat, before, after);
    EXPECT_GT(after, before + 1.0) << hat;
  }

  // rev-5: a part no stem matches.
  j = revise_json(out, "the sfxr is too loud");
  EXPECT_TRUE(j[0]["changes"].empty()) << j.dump(2);
  EXPECT_NE(j[0]["reply"].get<std::string>().find("No stem matches \"sfxr\""), std::string::npos) << j.dump(2);
  // A question back (which stem?), so the note is vague: `mix` with no change had told a script
  // that something was mixed.
  EXPECT_EQ(j[0]["kind"], "vague") << j.dump(2);
  EXPECT_EQ(slurp(out / "rev-5" / "mix.wav"), slurp(out / "rev-4" / "mix.wav"));
}

}  // namespace
}  // namespace mixdown
