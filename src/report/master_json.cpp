#include "report/master_json.hpp"

#include <cmath>

namespace mixdown::report {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json num(double v, int decimals = 2) {
  if (!std::isfinite(v)) return nullptr;
  const double s = std::pow(10.0, decimals);
  return std::round(v * s) / s;
}

std::string rel(const fs::path& p, const fs::path& base) {
  if (p.empty()) return {};
  std::error_code ec;
  const auto r = fs::relative(p, base, ec);
  return ec || r.empty() ? p.string() : r.generic_string();
}

json measured_json(const io::Measured& m) {
  return {{"integrated_lufs", num(m.integrated_lufs)}, {"range_lu", num(m.range_lu)},
          {"true_peak_dbtp", num(m.true_peak_dbtp)},   {"sample_peak_dbfs", num(m.sample_peak_dbfs)},
          {"plr_db", num(m.plr_db)},                   {"short_term_max_lufs", num(m.short_term_max_lufs)}};
}

json chain_json(const master::MasterChain& c) {
  json eq = json::array();
  for (const auto& b : c.eq.bands)
    eq.push_back({{"type", dsp::to_string(b.type)}, {"freq_hz", num(b.freq_hz, 1)}, {"gain_db", num(b.gain_db, 1)}, {"q", num(b.q, 3)}});
  json curve = json::array();
  for (std::size_t i = 0; i < c.curve_hz.size(); ++i)
    curve.push_back({{"hz", num(c.curve_hz[i], 1)}, {"target_db", num(c.curve_db[i])},
                     {"eq_db", i < c.eq_response_db.size() ? num(c.eq_response_db[i]) : json(nullptr)}});
  json decisions = json::array();
  for (const auto& d : c.decisions) decisions.push_back({{"what", d.what}, {"reason", d.reason}});
  json comp = nullptr;
  if (c.compressor.enabled)
    comp = {{"threshold_db", num(c.compressor.threshold_db, 1)}, {"ratio", num(c.compressor.ratio, 2)},
            {"attack_ms", num(c.compressor.attack_ms, 1)}, {"release_ms", num(c.compressor.release_ms, 1)}};
  return {{"character", c.character},
          {"eq", eq},
          {"tonal_curve", curve},
          {"side_gain_db", num(c.side_gain_db)},
          {"mono_below_hz", c.mono_below_hz > 0 ? num(c.mono_below_hz, 0) : json(nullptr)},
          {"subsonic_hz", c.subsonic.enabled ? num(c.subsonic.freq_hz, 0) : json(nullptr)},
          {"compressor", comp},
          {"decisions", decisions}};
}

json outcome_json(const io::MasterOutcome& m, const fs::path& out) {
  json problems = json::array();
  for (const auto& p : m.problems) problems.push_back(problem_json(p));
  json lossy = nullptr;
  if (m.target.lossy_check)
    lossy = {{"checked", m.lossy.done},
             {"codec", m.lossy.codec},
             {"quality", num(m.lossy.quality)},
             {"excerpt_start_s", num(m.lossy.excerpt_start_s)},
             {"excerpt_s", num(m.lossy.excerpt_s)},
             {"decoded_true_peak_dbtp", m.lossy.done ? num(m.lossy.decoded_true_peak_dbtp) : json(nullptr)},
             {"decoded_sample_peak_dbfs", m.lossy.done ? num(m.lossy.decoded_sample_peak_dbfs) : json(nullptr)},
             {"ceiling_lowered_db", num(m.lossy.ceiling_lowered_db)},
             {"note", m.lossy.note}};
  return {{"target", m.target.name},
          {"file", rel(m.file, out)},
          {"preview", rel(m.preview, out)},
          {"target_lufs", num(m.target_lufs)},
          {"ceiling_dbtp", num(m.target.ceiling_dbtp)},
          {"standard", m.target.standard},
          {"sample_rate", m.sample_rate},
          {"bit_depth", m.bit_depth},
          {"channels", m.channels},
          {"dither", m.bit_depth == 16 ? (m.noise_shaped ? "tpdf, noise-shaped" : "tpdf") : "none"},
          {"before", measured_json(m.before)},
          {"after", measured_json(m.after)},
          {"landing", {{"pre_limiter_lufs", num(m.pre_limiter_lufs)}, {"gain_db", num(m.gain_db)}, {"passes", m.passes},
                       {"limiter_cost_estimate_lu", num(m.limiter_cost_estimate_lu)},
                       {"output_trim_db", num(m.output_trim_db)},
                       {"error_lu", num(m.after.integrated_lufs - m.target_lufs, 3)}}},
          {"limiter", {{"ceiling_dbtp", num(m.limiter_ceiling_dbtp)},
                       {"max_gain_reduction_db", num(m.limiter_max_reduction_db)},
                       {"active_share", num(m.limiter_active_share, 4)}}},
          {"chain", chain_json(m.chain)},
          {"lossy_check", lossy},
          {"problems", problems}};
}

}  // namespace

json problem_json(const Problem& p) {
  json j = {{"code", p.code}, {"severity", to_string(p.severity)}, {"message", p.message}};
  if (!p.fix.empty()) j["fix"] = p.fix;
  if (p.at_s) j["at_s"] = num(*p.at_s);
  if (!p.stem.empty()) j["stem"] = p.stem;
  return j;
}

json input_analysis_json(const master::InputAnalysis& a, const fs::path& file) {
  json bands = json::array();
  for (std::size_t i = 0; i < a.band_hz.size(); ++i) bands.push_back({{"hz", num(a.band_hz[i], 1)}, {"db", num(a.band_db[i])}});
  json dc = json::array();
  for (double d : a.dc) dc.push_back(num(d, 6));
  return {{"file", file.string()},
          {"sample_rate", a.sample_rate},
          {"channels", a.channels},
          {"duration_s", num(a.duration_s)},
          {"loudness", {{"integrated_lufs", num(a.integrated_lufs)}, {"range_lu", num(a.range_lu)},
                        {"momentary_max_lufs", num(a.momentary_max_lufs)}, {"short_term_max_lufs", num(a.short_term_max_lufs)},
                        {"true_peak_dbtp", num(a.true_peak_dbtp)}, {"sample_peak_dbfs", num(a.sample_peak_dbfs)},
                        {"plr_db", num(a.plr_db)}}},
          {"stereo", {{"correlation", num(a.correlation, 3)}, {"side_ratio", num(a.side_ratio, 3)},
                      {"low_end_correlation", num(a.low_correlation, 3)}, {"mono_loss_lu", num(a.mono_loss_lu)}}},
          {"dc", dc},
          {"clipped_runs", a.clipped_runs},
          {"flat_top_runs", a.flat_top_runs},
          {"spectrum", {{"sixth_octave", bands}}}};
}

json master_json(const io::MasterResult& r, const fs::path& out) {
  json masters = json::array();
  json previews = {{"loudness_lufs", num(r.preview_lufs)}, {"input", rel(r.input_preview, out)}};
  for (const auto& m : r.masters) {
    masters.push_back(outcome_json(m, out));
    if (!m.preview.empty()) previews[m.target.name] = rel(m.preview, out);
  }
  json problems = json::array();
  for (const auto& p : r.problems) problems.push_back(problem_json(p));
  for (const auto& m : r.masters)
    for (const auto& p : m.problems) problems.push_back(problem_json(p));
  json j = {{"command", "master"},
            {"input", input_analysis_json(r.analysis, r.input)},
            {"layout", r.layout},
            {"masters", masters},
            {"previews", previews},
            {"problems", problems}};
  if (r.reference_analysis) {
    // The reference is measured only for what the match reads (master::InputAnalyzer::Scope::
    // reference): its true peak, loudness range, short-term maximum, mono loss, low end's
    // correlation, clipped runs and flat tops are not measured, so they are left out rather
    // than written as nulls or zeros.
    json ref = input_analysis_json(*r.reference_analysis, *r.reference);
    for (const char* k : {"true_peak_dbtp", "plr_db", "range_lu", "short_term_max_lufs"}) ref["loudness"].erase(k);
    for (const char* k : {"mono_loss_lu", "low_end_correlation"}) ref["stereo"].erase(k);
    for (const char* k : {"clipped_runs", "flat_top_runs"}) ref.erase(k);
    j["reference"] = std::move(ref);
  }
  return j;
}

json album_json(const io::AlbumResult& r, const fs::path& out) {
  json tracks = json::array();
  for (const auto& t : r.tracks) {
    json o = outcome_json(t.master, out);
    o["title"] = t.title;
    if (!t.performer.empty()) o["performer"] = t.performer;
    if (!t.isrc.empty()) o["isrc"] = t.isrc;
    o["input_lufs"] = num(t.input_lufs);
    o["start_s"] = num(t.start_s, 4);
    o["length_s"] = num(t.length_s, 4);
    o["start_samples"] = t.start_samples;  // sample-exact, at the album's rate
    o["length_samples"] = t.length_samples;
    tracks.push_back(std::move(o));
  }
  json problems = json::array();
  for (const auto& p : r.problems) problems.push_back(problem_json(p));
  json j = {{"command", "album"},
            {"target", r.target.name},
            {"album_file", rel(r.album_file, out)},
            {"album", measured_json(r.album)},
            {"tracks", tracks},
            {"problems", problems}};
  if (r.cue) {
    json ct = json::array();
    for (const auto& t : r.cue->tracks)
      ct.push_back({{"title", t.title}, {"isrc", t.isrc}, {"index01", master::format_msf(t.start_frame)},
                    {"start_frame", t.start_frame}, {"length_frames", t.length_frames}});
    j["cue"] = {{"file", rel(r.cue_file, out)}, {"disc_length", master::format_msf(master::disc_frames(*r.cue))}, {"tracks", ct}};
  }
  return j;
}

}  // namespace mixdown::report
