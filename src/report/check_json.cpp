#include "report/check_json.hpp"

#include <cmath>

#include <fmt/format.h>

namespace mixdown::report {
namespace {

double round_to(double v, double step) { return std::round(v / step) / std::round(1.0 / step); }

nlohmann::json db_or_null(double db) {
  if (!std::isfinite(db) || db <= -199.0) return nullptr;
  return round_to(db, 0.01);
}

std::string format_label(const io::StemResult& s) {
  if (!s.readable) return "unreadable";
  const auto& f = s.format;
  // A lossy codec in a PCM container (ADPCM or G.711 in a WAV) is named: "WAV lossy" says
  // little. A format with no bit depth of its own is named too, never "0-bit".
  const bool stream_codec = f.encoding == "VORBIS" || f.encoding == "OPUS" || f.encoding == "MPEG";
  std::string depth = f.lossy ? (stream_codec ? std::string("lossy") : f.encoding)
                      : f.bit_depth <= 0 ? f.encoding
                      : (f.is_float ? fmt::format("{}-bit float", f.bit_depth) : fmt::format("{}-bit", f.bit_depth));
  return fmt::format("{} {} {:g}k", f.container, depth, f.sample_rate / 1000.0);
}

}  // namespace

nlohmann::json check_json(const io::StemCheckResult& r) {
  using nlohmann::json;
  json stems = json::array();
  for (const auto& s : r.stems) {
    json j;
    j["file"] = s.name;
    j["role"] = std::string(to_string(s.role));
    j["role_source"] = s.role_source;
    j["confidence"] = round_to(s.role_confidence, 0.01);
    if (s.readable) {
      j["sample_rate"] = s.format.sample_rate;
      j["bit_depth"] = s.format.lossy ? json(nullptr) : json(s.format.bit_depth);
      j["float"] = s.format.is_float;
      j["channels"] = s.format.channels;
      j["duration_s"] = round_to(s.format.duration_s(), 0.001);
      j["format"] = s.format.container + " " + s.format.encoding;
    } else {
      j["sample_rate"] = nullptr;
      j["bit_depth"] = nullptr;
      j["channels"] = nullptr;
      j["duration_s"] = nullptr;
    }
    j["readable"] = s.readable;
    j["excluded"] = s.excluded;
    if (s.excluded) j["excluded_reason"] = s.excluded_reason;
    j["printed_return"] = s.printed_return;
    if (!s.pair_kind.empty()) j["pair"] = {{"kind", s.pair_kind}, {"with", s.pair_with}};
    if (s.name_info.role)
      j["named_role"] = std::string(to_string(*s.name_info.role));
    if (s.content)
      j["heard"] = {{"role", std::string(to_string(s.content->role))},
                    {"confidence", round_to(s.content->confidence, 0.01)},
                    {"reason", s.content->reason}};
    if (s.readable) {
      const auto& f = s.features;
      j["features"] = {
          {"peak_dbfs", db_or_null(f.peak_dbfs)},
          {"rms_dbfs", db_or_null(f.rms_dbfs)},
          {"active_fraction", round_to(f.active_fraction, 0.001)},
          {"head_silence_s", round_to(f.head_silence_s, 0.01)},
          {"tail_silence_s", round_to(f.tail_silence_s, 0.01)},
          {"centroid_hz", round_to(f.centroid_hz, 1)},
          {"low120_share", round_to(f.low120_share, 0.001)},
          {"low250_share", round_to(f.low250_share, 0.001)},
          {"high5k_share", round_to(f.high5k_share, 0.001)},
          {"flatness", round_to(f.flatness, 0.0001)},
          {"peakiness", round_to(f.peakiness, 0.001)},
          {"onset_rate_hz", round_to(f.onset_rate_hz, 0.01)},
          {"percussiveness", round_to(f.percussiveness, 0.01)},
          {"ring_s", round_to(f.ring_s, 0.001)},
          {"dominant_hz", round_to(f.dominant_hz, 0.1)},
          {"side_ratio", round_to(f.side_ratio, 0.001)},
      };
    }
    stems.push_back(std::move(j));
  }
  json problems = json::array();
  for (const auto& p : r.problems) {
    json j = {{"stem", p.stem}, {"code", p.code}, {"severity", to_string(p.severity)},
              {"message", p.message}, {"fix", p.fix}};
    if (p.at_s) j["at_s"] = round_to(*p.at_s, 0.001);
    problems.push_back(std::move(j));
  }
  json pairs = json::array();
  for (const auto& p : r.pairs)
    pairs.push_back({{"kind", p.kind}, {"stems", {r.stems[p.a].name, r.stems[p.b].name}}});
  json relations = json::array();
  for (const auto& rel : r.relations)
    relations.push_back({{"kind", rel.kind},
                         {"stems", {r.stems[rel.a].name, r.stems[rel.b].name}},
                         {"correlation", round_to(rel.r, 0.001)},
                         {"offset_ms", round_to(1000.0 * rel.lag_s, 0.01)},
                         {"gain_db", round_to(rel.gain_db, 0.01)}});
  return {{"stems", std::move(stems)},       {"problems", std::move(problems)},
          {"pairs", std::move(pairs)},       {"relations", std::move(relations)},
          {"ignored", r.ignored},            {"hidden", r.hidden},
          {"session_rate", r.session_rate}};
}

std::string check_text(const io::StemCheckResult& r) {
  std::string out;
  int errors = 0, warnings = 0, infos = 0;
  for (const auto& p : r.problems)
    (p.severity == Severity::error ? errors : p.severity == Severity::warning ? warnings : infos)++;
  out += fmt::format("{} stem{}, {} usable, session rate {} Hz: {} error{}, {} warning{}, {} note{}\n\n",
                     r.stems.size(), r.stems.size() == 1 ? "" : "s", r.usable(), r.session_rate,
                     errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s", infos,
                     infos == 1 ? "" : "s");
  std::size_t w = 4;
  for (const auto& s : r.stems) w = std::max(w, s.name.size());
  w = std::min<std::size_t>(w, 40);
  out += fmt::format("  {:<{}}  {:<13} {:<8} {:>4}  {:<22} {:>2}  {:>8}\n", "stem", w, "role", "from",
                     "conf", "format", "ch", "length");
  for (const auto& s : r.stems) {
    std::string name = s.name.size() > w ? s.name.substr(0, w - 1) + "~" : s.name;
    std::string role(to_string(s.role));
    if (s.excluded) role = "(" + s.excluded_reason + ")";
    const double d = s.format.duration_s();
    out += fmt::format("  {:<{}}  {:<13} {:<8} {:>4.2f}  {:<22} {:>2}  {:>8}", name, w, role,
                       s.role_source, s.role_confidence, format_label(s),
                       s.readable ? std::to_string(s.format.channels) : "-",
                       s.readable ? analysis::format_clock(d) : "-");
    if (!s.pair_kind.empty()) out += fmt::format("  [{} pair with {}]", s.pair_kind, s.pair_with);
    if (s.printed_return) out += "  [effect print]";
    out += "\n";
  }
  if (!r.ignored.empty()) {
    out += "\nnot audio, ignored:";
    for (const auto& f : r.ignored) out += " " + f;
    out += "\n";
  }
  if (!r.hidden.empty()) {
    out += r.ignored.empty() ? "\n" : "";
    out += "hidden, skipped:";
    for (const auto& f : r.hidden) out += " " + f;
    out += "\n";
  }
  if (!r.problems.empty()) {
    out += "\nproblems:\n";
    for (const auto& p : r.problems) {
      out += fmt::format("  {:<7} {:<20} {}\n", to_string(p.severity), p.code, p.message);
      if (!p.fix.empty()) out += fmt::format("  {:<7} {:<20} fix: {}\n", "", "", p.fix);
    }
  } else {
    out += "\nno problems found\n";
  }
  return out;
}

}  // namespace mixdown::report
