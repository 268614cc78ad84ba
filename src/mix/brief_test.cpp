#include "mix/brief.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/role.hpp"

using namespace mixdown;
using namespace mixdown::mix;

TEST(Brief, AcceptsEveryDocumentedKey) {
  Brief b;
  for (auto p : {"focus=Vox.wav", "vocal=intimate", "drums=big", "space=ambient", "density=spacious",
                 "character=vintage", "genre=rock", "revisions=3"})
    apply_brief_pair(b, p);
  EXPECT_EQ(b.focus, "Vox.wav");
  EXPECT_EQ(b.vocal, "intimate");
  EXPECT_EQ(b.drums, "big");
  EXPECT_EQ(b.genre, "rock");
  EXPECT_EQ(b.revisions, 3);
}

TEST(Brief, RejectsUnknownKeysAndValuesAsUsageErrors) {
  Brief b;
  for (auto p : {"vocal=loud", "colour=red", "novalue", "=x", "focus=", "revisions=-1"}) {
    try {
      apply_brief_pair(b, p);
      FAIL() << p;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage) << p;
      EXPECT_NE(std::string(e.what()).find("--brief"), std::string::npos);
    }
  }
}

TEST(Role, NamesRoundTripAndRouteToBuses) {
  for (int i = 0; i <= static_cast<int>(Role::other); ++i) {
    auto r = static_cast<Role>(i);
    EXPECT_EQ(role_from_string(to_string(r)), r);
  }
  EXPECT_EQ(bus_of(Role::kick), "drums");
  EXPECT_EQ(bus_of(Role::bass), "bass");
  EXPECT_EQ(bus_of(Role::lead_vocal), "vocals");
  EXPECT_EQ(bus_of(Role::pad), "music");
  EXPECT_EQ(bus_of(Role::fx), "music");  // fx.wav is the returns (INTERFACE.md); a sound effect is music
  EXPECT_FALSE(role_from_string("vox").has_value());
}
