// revise_io pieces that need no render: SHA-256 against the FIPS 180-4 example vectors, the
// changes.json shape of INTERFACE.md, and the refusal of a folder that is not a mix output.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../../tests/support/testing.hpp"
#include "core/error.hpp"
#include "io/revise_io.hpp"

namespace mixdown::io {
namespace {

TEST(ReviseIo, Sha256MatchesTheStandardVectors) {
  testkit::TempDir d;
  std::ofstream(d / "abc", std::ios::binary) << "abc";
  EXPECT_EQ(sha256_file(d / "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::ofstream(d / "empty", std::ios::binary).flush();
  EXPECT_EQ(sha256_file(d / "empty"), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // Longer than one read buffer (1 MiB): a million 'a' (FIPS 180-2 appendix B.3).
  {
    std::ofstream f(d / "million", std::ios::binary);
    f << std::string(1000000, 'a');
  }
  EXPECT_EQ(sha256_file(d / "million"), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(ReviseIo, ChangesJsonShape) {
  revise::NoteResult n;
  n.note = "the vocal disappears during the chorus";
  n.kind = revise::NoteKind::mix;
  n.changes = {{"Vox.wav", "gain_db", -3.0, -1.5, "chorus"}, {"Vox.wav", "fader_db", -3.0, -1.5, ""}};
  n.reply = "Raised the lead vocal 1.5 dB in the choruses (0:45-1:10).";
  const auto j = nlohmann::json::parse(changes_json_text({n}));
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["note"], n.note);
  EXPECT_EQ(j[0]["kind"], "mix");
  EXPECT_EQ(j[0]["reply"], n.reply);
  ASSERT_EQ(j[0]["changes"].size(), 2u);
  EXPECT_EQ(j[0]["changes"][0]["stem"], "Vox.wav");
  EXPECT_EQ(j[0]["changes"][0]["parameter"], "gain_db");
  EXPECT_DOUBLE_EQ(j[0]["changes"][0]["from"].get<double>(), -3.0);
  EXPECT_DOUBLE_EQ(j[0]["changes"][0]["to"].get<double>(), -1.5);
  EXPECT_EQ(j[0]["changes"][0]["section"], "chorus");
  EXPECT_TRUE(j[0]["changes"][1]["section"].is_null());  // throughout the song
}

TEST(ReviseIo, RefusesAFolderThatIsNotAMixOutput) {
  testkit::TempDir d;
  try {
    require_mix_folder(d.path());
    FAIL() << "accepted an empty folder";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::rejected);
    EXPECT_NE(std::string(e.what()).find("not a mix output folder"), std::string::npos);
  }
  ReviseRequest req;
  req.out = d.path();
  req.notes = {"   "};
  try {
    run_revise(req);
    FAIL() << "accepted an empty note";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
}

}  // namespace
}  // namespace mixdown::io
