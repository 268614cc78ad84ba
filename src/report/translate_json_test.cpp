#include "report/translate_json.hpp"

#include <gtest/gtest.h>

#include "report/html.hpp"

namespace mixdown::report {
namespace {

analysis::TranslationReport sample() {
  analysis::TranslationReport r;
  r.input.integrated_lufs = -14.0;
  r.input.mono_lufs = -14.3;
  r.input.stereo = true;
  r.input.band_hz = {100.0, 1000.0};
  r.input.mono_band_loss_db = {0.2, std::numeric_limits<double>::quiet_NaN()};
  r.input.short_term.first_s = 3.0;
  r.input.short_term.lufs = {-15.0f, -14.0f, -13.5f, -14.2f};
  r.input.third_octave_db = std::vector<double>(31, -30.0);
  for (auto s : analysis::kPlaybackSystems) {
    analysis::SystemMeasure m;
    m.system = s;
    m.loudness_lufs = -16.0;
    m.bands_db = {-40, -30, -28, -25, -30, -std::numeric_limits<double>::infinity()};
    m.file = "translation/" + std::string(to_string(s)) + ".wav";
    if (s == analysis::PlaybackSystem::car) m.vocal_to_rest_db = -7.25;
    r.systems.push_back(m);
  }
  Problem p;
  p.code = "vocal_masked";
  p.system = "car";
  p.message = "on a car stereo the lead <vocal> sinks";
  r.problems.push_back(p);
  r.vocal_note = "measured from the acapella";
  return r;
}

TEST(TranslateJson, FollowsTheInterfaceShape) {
  const auto j = translation_json(sample(), "mix.wav");
  ASSERT_EQ(j["systems"].size(), 7u);
  const auto& phone = j["systems"][0];
  EXPECT_EQ(phone["name"], "phone");
  EXPECT_DOUBLE_EQ(phone["loudness_lufs"].get<double>(), -16.0);
  EXPECT_EQ(phone["bands_db"].size(), 6u);
  EXPECT_TRUE(phone["bands_db"]["high"].is_null());  // -inf reads null
  EXPECT_TRUE(phone["vocal_to_rest_db"].is_null());
  EXPECT_TRUE(phone["notes"].is_string());
  EXPECT_DOUBLE_EQ(j["systems"][3]["vocal_to_rest_db"].get<double>(), -7.25);
  ASSERT_EQ(j["problems"].size(), 1u);
  EXPECT_EQ(j["problems"][0]["code"], "vocal_masked");
  EXPECT_EQ(j["problems"][0]["system"], "car");
  EXPECT_EQ(j["problems"][0]["severity"], "warning");
  EXPECT_EQ(j["file"], "mix.wav");
}

TEST(TranslateJson, TextTableNamesEverySystem) {
  const auto t = translation_text(sample());
  for (auto s : analysis::kPlaybackSystems) EXPECT_NE(t.find(std::string(to_string(s))), std::string::npos);
  EXPECT_NE(t.find("vocal_masked"), std::string::npos);
}

TEST(MasterHtml, HasEveryPlotAndEscapesText) {
  io::MasterResult r;
  r.input = "song.wav";
  r.analysis.integrated_lufs = -18.0;
  r.analysis.duration_s = 3.4;
  r.analysis.band_hz = {100, 1000, 10000};
  r.analysis.band_db = {-20, -25, -35};
  io::MasterOutcome m;
  m.target.name = "streaming";
  m.file = "/out/masters/streaming.wav";
  m.chain.decisions.push_back({"limiter", "ceiling -1 dBTP & release 60 ms"});
  r.masters.push_back(m);
  const auto tr = sample();
  const std::string html = master_html(r, "/out", &tr);
  for (const char* id : {"plot-loudness", "plot-spectrum", "plot-stereo", "table-translation", "metrics", "decisions", "players"})
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  EXPECT_NE(html.find("src=\"masters/streaming.wav\""), std::string::npos);
  EXPECT_NE(html.find("&lt;vocal&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<vocal>"), std::string::npos);
  EXPECT_NE(html.find("&amp; release"), std::string::npos);
  // Without translation the page still renders and says so.
  const std::string bare = master_html(r, "/out", nullptr);
  EXPECT_NE(bare.find("were not run"), std::string::npos);
}

}  // namespace
}  // namespace mixdown::report
