#include "report/analysis_json.hpp"

#include <fmt/format.h>

#include <cmath>

namespace mixdown::report {
namespace {

using nlohmann::json;
using analysis::kBandNames;

// Rounded to 3 decimals (well below every tolerance we state); non-finite as null.
json num(double v, int decimals = 3) {
  if (!std::isfinite(v)) return nullptr;
  const double s = std::pow(10.0, decimals);
  return std::round(v * s) / s;
}

json bands(const analysis::BandArray& b, int decimals = 2) {
  json j = json::object();
  for (std::size_t i = 0; i < b.size(); ++i) j[std::string(kBandNames[i])] = num(b[i], decimals);
  return j;
}

json problem(const Problem& p) {
  json j = {{"code", p.code}, {"severity", to_string(p.severity)}, {"message", p.message}};
  if (!p.fix.empty()) j["fix"] = p.fix;
  if (p.at_s) j["at_s"] = num(*p.at_s, 2);
  return j;
}

std::string fmt_num(double v, const char* unit, int decimals = 1) {
  if (!std::isfinite(v)) return "-";
  return fmt::format("{:.{}f} {}", v, decimals, unit);
}

std::string clock_time(double s) {
  if (!std::isfinite(s) || s < 0) s = 0;
  const auto minutes = static_cast<long long>(s / 60.0);
  return fmt::format("{}:{:04.1f}", minutes, s - 60.0 * static_cast<double>(minutes));
}

}  // namespace

json reference_to_json(const analysis::ReferenceComparison& c) {
  return {{"file", c.file},
          {"deltas",
           {{"loudness_lu", num(c.loudness_lu, 2)},
            {"bands_db", bands(c.bands_db)},
            {"width", num(c.width)},
            {"range_lu", num(c.range_lu, 2)},
            {"low_end_db", num(c.low_end_db, 2)},
            {"brightness_db", num(c.brightness_db, 2)}}},
          {"notes", c.sentences}};
}

json analysis_to_json(const analysis::AnalysisReport& r) {
  const auto& L = r.loudness;
  json loudness = {{"integrated_lufs", num(L.integrated_lufs)},
                   {"range_lu", num(L.range_lu)},
                   {"momentary_max_lufs", num(L.momentary_max_lufs)},
                   {"short_term_max_lufs", num(L.short_term_max_lufs)},
                   {"true_peak_dbtp", num(L.true_peak_dbtp)},
                   {"sample_peak_dbfs", num(L.sample_peak_dbfs)},
                   {"plr_db", num(L.plr_db)}};
  if (!L.note.empty()) loudness["note"] = L.note;
  json tp = json::array(), sp = json::array();
  for (double v : L.channel_true_peak_dbtp) tp.push_back(num(v));
  for (double v : L.channel_sample_peak_dbfs) sp.push_back(num(v));
  loudness["channel_true_peak_dbtp"] = tp;
  loudness["channel_sample_peak_dbfs"] = sp;

  json third = json::array();
  for (const auto& b : r.spectrum.third_octave) third.push_back({{"hz", b.hz}, {"db", num(b.db, 2)}});
  json spectrum = {{"third_octave", third},
                   {"bands_db", bands(r.spectrum.bands_db)},
                   {"centroid_hz", num(r.spectrum.centroid_hz, 1)},
                   {"tilt_db_per_octave", num(r.spectrum.tilt_db_per_octave, 2)}};

  const auto& S = r.stereo;
  json stereo = {{"stereo", S.stereo},
                 {"correlation", num(S.correlation)},
                 {"low_end_correlation", num(S.low_end_correlation)},
                 {"width", num(S.width)},
                 {"balance", num(S.balance)},
                 {"balance_db", num(S.balance_db, 2)},
                 {"mono_loss_lu", num(S.mono_loss_lu, 2)},
                 {"band_correlation", bands(S.band_correlation, 3)},
                 {"band_width", bands(S.band_width, 3)}};

  const auto& D = r.dynamics;
  // The short-term series at 1 s steps keeps the JSON small; the report struct has 100 ms.
  json series = json::array();
  const std::size_t stride = D.short_term.step_s > 0 ? static_cast<std::size_t>(std::lround(1.0 / D.short_term.step_s)) : 1;
  for (std::size_t i = 0; i < D.short_term.lufs.size(); i += std::max<std::size_t>(stride, 1))
    series.push_back(num(D.short_term.lufs[i], 2));
  json dynamics = {{"crest_db", num(D.crest_db, 2)},
                   {"rms_dbfs", num(D.rms_dbfs, 2)},
                   {"psr_db", num(D.psr_db, 2)},
                   {"plr_db", num(D.plr_db, 2)},
                   {"short_term_lufs",
                    {{"first_s", D.short_term.first_s}, {"step_s", D.short_term.step_s * static_cast<double>(std::max<std::size_t>(stride, 1))}, {"values", series}}}};

  json problems = json::array();
  for (const auto& p : r.problems) problems.push_back(problem(p));
  json dc = json::array();
  for (double v : r.dc_offset) dc.push_back(num(v, 6));

  json j = {{"file", r.file},
            {"sample_rate", r.sample_rate},
            {"channels", r.channels},
            {"duration_s", num(r.duration_s, 3)},
            {"loudness", loudness},
            {"spectrum", spectrum},
            {"stereo", stereo},
            {"dynamics", dynamics},
            {"clipping", {{"runs", r.clipped_runs}, {"samples", r.clipped_samples}, {"flat_top_runs", r.flat_top_runs}}},
            {"dc_offset", dc},
            {"nonfinite_samples", r.nonfinite_samples},
            {"silence", {{"head_s", num(r.head_silence_s, 2)}, {"tail_s", num(r.tail_silence_s, 2)}}},
            {"problems", problems}};
  if (r.reference) j["reference"] = reference_to_json(*r.reference);
  return j;
}

std::string analysis_to_text(const analysis::AnalysisReport& r) {
  std::string out;
  auto line = [&out](const std::string& label, const std::string& value) {
    out += fmt::format("  {:<24}{}\n", label, value);
  };
  out += fmt::format("{}\n  {} Hz, {} channel{}, {}\n", r.file, r.sample_rate, r.channels,
                     r.channels == 1 ? "" : "s", clock_time(r.duration_s));
  const auto& L = r.loudness;
  out += "Loudness\n";
  line("integrated", fmt_num(L.integrated_lufs, "LUFS"));
  line("loudness range", fmt_num(L.range_lu, "LU"));
  line("momentary max", fmt_num(L.momentary_max_lufs, "LUFS"));
  line("short-term max", fmt_num(L.short_term_max_lufs, "LUFS"));
  line("true peak", fmt_num(L.true_peak_dbtp, "dBTP"));
  line("sample peak", fmt_num(L.sample_peak_dbfs, "dBFS"));
  line("PLR", fmt_num(L.plr_db, "dB"));
  if (!L.note.empty()) line("note", L.note);
  out += "Dynamics\n";
  line("crest factor", fmt_num(r.dynamics.crest_db, "dB"));
  line("PSR", fmt_num(r.dynamics.psr_db, "dB"));
  out += "Spectrum (dB of mean square)\n";
  static const char* band_labels[] = {"sub 20-60 Hz", "low 60-250 Hz", "low-mid 250-500 Hz",
                                      "mid 500 Hz-2 kHz", "high-mid 2-6 kHz", "high 6-20 kHz"};
  for (std::size_t b = 0; b < 6; ++b) line(band_labels[b], fmt_num(r.spectrum.bands_db[b], "dB"));
  line("centroid", fmt_num(r.spectrum.centroid_hz, "Hz", 0));
  line("tilt", fmt_num(r.spectrum.tilt_db_per_octave, "dB/octave", 2));
  if (r.stereo.stereo) {
    const auto& S = r.stereo;
    out += "Stereo\n";
    line("correlation", fmt::format("{:.2f}", S.correlation));
    line("below 150 Hz", fmt::format("{:.2f}", S.low_end_correlation));
    line("width (side/mid)", fmt::format("{:.2f}", S.width));
    line("balance (R-L)", fmt_num(S.balance_db, "dB", 2));
    line("mono loss", fmt_num(S.mono_loss_lu, "LU", 2));
  }
  if (r.reference) {
    const auto& c = *r.reference;
    out += fmt::format("Against {}\n", c.file);
    line("loudness", fmt::format("{:+.1f} LU", c.loudness_lu));
    for (std::size_t b = 0; b < 6; ++b) line(band_labels[b], fmt::format("{:+.1f} dB", c.bands_db[b]));
    line("width", fmt::format("{:+.2f}", c.width));
    line("loudness range", fmt::format("{:+.1f} LU", c.range_lu));
    for (const auto& s : c.sentences) out += "  - " + s + "\n";
  }
  out += "Problems\n";
  if (r.problems.empty()) out += "  none found\n";
  for (const auto& p : r.problems) {
    std::string where;
    if (p.at_s && p.message.find(clock_time(*p.at_s)) == std::string::npos) where = " (at " + clock_time(*p.at_s) + ")";
    out += fmt::format("  [{}] {}{}\n", to_string(p.severity), p.message, where);
    if (!p.fix.empty()) out += fmt::format("      fix: {}\n", p.fix);
  }
  return out;
}

}  // namespace mixdown::report
