#include "report/translate_json.hpp"

#include <fmt/format.h>

#include <cmath>

namespace mixdown::report {
namespace {
using nlohmann::json;

json num(double v, int decimals = 2) {
  if (!std::isfinite(v)) return nullptr;
  const double s = std::pow(10.0, decimals);
  return std::round(v * s) / s;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "; ") + s;
  return out;
}

}  // namespace

json translation_json(const analysis::TranslationReport& rep, const std::string& file) {
  json systems = json::array();
  for (const auto& m : rep.systems) {
    json bands = json::object();
    for (std::size_t i = 0; i < analysis::kBandNames.size(); ++i)
      bands[std::string(analysis::kBandNames[i])] = num(m.bands_db[i]);
    const auto model = analysis::playback_model(m.system, 48000.0);
    systems.push_back({{"name", std::string(to_string(m.system))},
                       {"loudness_lufs", num(m.loudness_lufs)},
                       {"bands_db", bands},
                       {"vocal_to_rest_db", m.vocal_to_rest_db ? num(*m.vocal_to_rest_db) : json(nullptr)},
                       {"notes", join(m.notes)},
                       {"description", model.description},
                       {"file", m.file.empty() ? json(nullptr) : json(m.file)},
                       {"drive_gain_db", num(m.drive_gain_db)},
                       {"sample_peak_dbfs", num(m.sample_peak_dbfs)},
                       {"presence_db", num(m.presence_db)},
                       {"file_loudness_lufs", num(m.file_loudness_lufs)},
                       {"file_sample_peak_dbfs", num(m.file_sample_peak_dbfs)},
                       {"protection_db", num(m.protection_db)}});
  }
  json problems = json::array();
  for (const auto& p : rep.problems) {
    json j = {{"code", p.code}, {"system", p.system}, {"severity", to_string(p.severity)}, {"message", p.message}};
    if (!p.fix.empty()) j["fix"] = p.fix;
    problems.push_back(std::move(j));
  }
  json mono_bands = json::array();
  for (std::size_t i = 0; i < rep.input.band_hz.size(); ++i)
    mono_bands.push_back({{"hz", rep.input.band_hz[i]}, {"loss_db", num(rep.input.mono_band_loss_db[i])}});
  json out = {{"systems", systems}, {"problems", problems}};
  if (!file.empty()) out["file"] = file;
  out["input"] = {{"integrated_lufs", num(rep.input.integrated_lufs)},
                  {"mono_lufs", num(rep.input.mono_lufs)},
                  {"sample_peak_dbfs", num(rep.input.sample_peak_dbfs)},
                  {"low_minus_carry_db", num(rep.input.low_db - rep.input.carry_db)},
                  {"low_share_db", num(rep.input.low_share_db)},
                  {"mono_band_loss_db", mono_bands}};
  out["vocal_note"] = rep.vocal_note;
  return out;
}

std::string translation_text(const analysis::TranslationReport& rep) {
  std::string out = fmt::format("{:<10} {:>9} {:>9} {:>12}  {}\n", "system", "LUFS", "peak", "vocal/rest", "notes");
  for (const auto& m : rep.systems) {
    out += fmt::format("{:<10} {:>9} {:>9} {:>12}  {}\n", to_string(m.system),
                       std::isfinite(m.loudness_lufs) ? fmt::format("{:.1f}", m.loudness_lufs) : "-",
                       std::isfinite(m.sample_peak_dbfs) ? fmt::format("{:.1f}", m.sample_peak_dbfs) : "-",
                       m.vocal_to_rest_db ? fmt::format("{:+.1f} dB", *m.vocal_to_rest_db) : "-", join(m.notes));
  }
  if (rep.problems.empty()) out += "no translation problems\n";
  for (const auto& p : rep.problems)
    out += fmt::format("{} {}{}: {}\n", to_string(p.severity), p.code, p.system.empty() ? "" : " (" + p.system + ")", p.message);
  return out;
}

}  // namespace mixdown::report
