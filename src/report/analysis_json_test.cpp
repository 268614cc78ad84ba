// The analyze JSON carries INTERFACE.md's keys, writes -inf as null, and the table reads well.
#include "report/analysis_json.hpp"

#include <gtest/gtest.h>

#include "../../tests/support/testing.hpp"

namespace mixdown::report {
namespace {

analysis::AnalysisReport analyse(const AudioBuffer& b, int rate) {
  analysis::Analyzer a(rate, b.num_channels());
  a.add(b.view());
  auto r = a.finish();
  r.file = "mix.wav";
  return r;
}

TEST(AnalysisJson, HasTheInterfaceKeys) {
  const auto r = analyse(testkit::noise(-20.0, 4.0, 48000, 2, 5), 48000);
  const auto j = analysis_to_json(r);
  for (const char* k : {"file", "sample_rate", "channels", "duration_s", "loudness", "spectrum", "stereo",
                        "dynamics", "problems"})
    EXPECT_TRUE(j.contains(k)) << k;
  for (const char* k : {"integrated_lufs", "range_lu", "momentary_max_lufs", "short_term_max_lufs",
                        "true_peak_dbtp", "sample_peak_dbfs", "plr_db"})
    EXPECT_TRUE(j["loudness"].contains(k)) << k;
  for (const char* k : {"correlation", "width", "balance", "mono_loss_lu", "low_end_correlation"})
    EXPECT_TRUE(j["stereo"][k].is_number()) << k;
  EXPECT_TRUE(j["dynamics"]["crest_db"].is_number());
  EXPECT_EQ(j["spectrum"]["third_octave"].size(), 31u);
  EXPECT_EQ(j["spectrum"]["third_octave"][0]["hz"], 20.0);
  for (const char* k : {"sub", "low", "low_mid", "mid", "high_mid", "high"})
    EXPECT_TRUE(j["spectrum"]["bands_db"][k].is_number()) << k;
  EXPECT_EQ(j["file"], "mix.wav");
  EXPECT_EQ(j["sample_rate"], 48000);
  EXPECT_NEAR(j["loudness"]["integrated_lufs"].get<double>(), r.loudness.integrated_lufs, 0.001);
  EXPECT_FALSE(j.contains("reference"));
}

TEST(AnalysisJson, SilenceIsNullAndProblemsHaveTheirShape) {
  const auto r = analyse(AudioBuffer(2, 44100), 44100);  // 1 s of digital silence
  const auto j = analysis_to_json(r);
  EXPECT_TRUE(j["loudness"]["integrated_lufs"].is_null());
  EXPECT_TRUE(j["loudness"]["true_peak_dbtp"].is_null());
  EXPECT_TRUE(j["loudness"]["note"].is_string());
  ASSERT_FALSE(j["problems"].empty());
  const auto& p = j["problems"][0];
  EXPECT_TRUE(p["code"].is_string());
  EXPECT_TRUE(p["severity"] == "error" || p["severity"] == "warning" || p["severity"] == "info");
  EXPECT_TRUE(p["message"].is_string());
  // The dump is valid JSON: no NaN / Infinity tokens.
  const std::string text = j.dump();
  EXPECT_EQ(text.find("inf"), std::string::npos);
  EXPECT_EQ(text.find("NaN"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(text), j);
}

TEST(AnalysisJson, ReferenceDeltasAndTable) {
  auto r = analyse(testkit::sine(1000.0, -10.0, 4.0, 48000), 48000);
  auto ref = analyse(testkit::noise(-20.0, 4.0, 48000, 2, 9), 48000);
  ref.file = "ref.wav";
  r.reference = analysis::compare(r, ref);
  const auto j = analysis_to_json(r);
  ASSERT_TRUE(j.contains("reference"));
  EXPECT_EQ(j["reference"]["file"], "ref.wav");
  for (const char* k : {"loudness_lu", "bands_db", "width", "range_lu"})
    EXPECT_TRUE(j["reference"]["deltas"].contains(k)) << k;
  EXPECT_FALSE(j["reference"]["notes"].empty());
  const std::string table = analysis_to_text(r);
  EXPECT_NE(table.find("integrated"), std::string::npos);
  EXPECT_NE(table.find("LUFS"), std::string::npos);
  EXPECT_NE(table.find("Against ref.wav"), std::string::npos);
}

}  // namespace
}  // namespace mixdown::report
