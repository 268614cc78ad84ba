#include "report/mix_json.hpp"

#include <cmath>
#include <sstream>

#include "core/units.hpp"
#include "io/render_mix.hpp"
#include "io/stem_set.hpp"
#include "mix/brief_effects.hpp"
#include "report/analysis_json.hpp"
#include "report/check_json.hpp"
#include "report/master_json.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mixdown::report {
namespace {

json num(double v) { return std::isfinite(v) ? json(std::round(v * 100.0) / 100.0) : json(nullptr); }

json eq_json(const dsp::EqSettings& eq) {
  json a = json::array();
  for (const auto& b : eq.bands)
    if (b.enabled)
      a.push_back({{"type", dsp::to_string(b.type)}, {"freq_hz", num(b.freq_hz)}, {"gain_db", num(b.gain_db)}, {"q", num(b.q)}});
  return a;
}

json comp_json(const dsp::CompressorSettings& c) {
  if (!c.enabled) return nullptr;
  json j = {{"threshold_db", num(c.threshold_db)}, {"ratio", num(c.ratio)},   {"attack_ms", num(c.attack_ms)},
            {"release_ms", num(c.release_ms)},     {"makeup_db", num(c.makeup_db)}, {"mix", num(c.mix)}};
  if (!c.key.empty()) j["key"] = c.key;
  return j;
}

json reasons_json(const mix::Reasons& r) {
  json j = json::object();
  for (const auto& [k, v] : r) j[k] = v;
  return j;
}

}  // namespace

json decisions_json(const mix::Console& c) {
  json stems = json::array();
  for (const auto& s : c.strips) {
    json j = {{"stem", s.name},
              {"role", std::string(to_string(s.role))},
              {"role_source", s.role_source},
              {"bus", s.bus},
              {"printed_fx", s.printed_fx},
              {"fader_db", num(s.fader_db)},
              {"trim_db", num(s.trim_db)},
              {"pan", num(s.pan.pan)},
              {"width", num(s.pan.width)},
              {"polarity_invert", s.polarity_invert},
              {"advance_ms", s.advance_ms},
              {"high_pass_hz", s.high_pass.enabled ? num(s.high_pass.freq_hz) : json(nullptr)},
              {"eq", eq_json(s.eq)},
              {"compressor", comp_json(s.compressor)},
              {"reasons", reasons_json(s.reasons)}};
    json sends = json::array();
    for (const auto& x : s.sends) sends.push_back({{"to", x.to}, {"level_db", num(x.level_db)}, {"pre_fader", x.pre_fader}});
    j["sends"] = sends;
    json autom = json::array();
    for (const auto& p : s.automation) autom.push_back({{"time_s", num(p.time_s)}, {"gain_db", num(p.gain_db)}});
    j["automation"] = autom;
    stems.push_back(j);
  }
  json buses = json::array();
  for (const auto& b : c.buses)
    buses.push_back({{"bus", b.name}, {"eq", eq_json(b.eq)}, {"compressor", comp_json(b.compressor)},
                     {"fader_db", num(b.fader_db)}, {"reasons", reasons_json(b.reasons)}});
  json returns = json::array();
  for (const auto& r : c.returns) {
    json j = {{"return", r.name}, {"kind", r.kind == mix::ReturnKind::reverb ? "reverb" : "delay"},
              {"fader_db", num(r.fader_db)}, {"reasons", reasons_json(r.reasons)}};
    if (r.kind == mix::ReturnKind::reverb)
      j["reverb"] = {{"decay_s", num(r.reverb.decay_s)}, {"predelay_ms", num(r.reverb.predelay_ms)}, {"size", num(r.reverb.size)}};
    else
      j["delay"] = {{"time_ms", num(r.delay.time_ms)}, {"feedback", num(r.delay.feedback)}, {"ping_pong", r.delay.ping_pong}};
    returns.push_back(j);
  }
  json sections = json::array();
  for (const auto& s : c.sections) sections.push_back({{"name", s.name}, {"start_s", num(s.start_s)}, {"end_s", num(s.end_s)}});
  json brief = json::array();
  for (const auto& k : mix::brief_effects(c)) {
    json effects = json::array();
    for (const auto& e : k.effects) effects.push_back({{"where", e.where}, {"what", e.what}, {"reason", e.reason}});
    json j = {{"key", k.key}, {"value", k.value}, {"effects", effects}};
    if (!k.note.empty()) j["note"] = k.note;
    brief.push_back(j);
  }
  return {{"focus", c.focus},
          {"brief", brief},
          {"tempo_bpm", num(c.tempo_bpm)},
          {"sections", sections},
          {"stems", stems},
          {"buses", buses},
          {"returns", returns},
          {"mix_bus", {{"eq", eq_json(c.mix_bus.eq)}, {"compressor", comp_json(c.mix_bus.compressor)},
                       {"target_true_peak_dbtp", num(c.mix_bus.target_true_peak_dbtp)},
                       {"reasons", reasons_json(c.mix_bus.reasons)}}}};
}

json mix_json(const io::MixOutcome& o, const fs::path& out_dir) {
  json j;
  j["command"] = "mix";
  j["session"] = "session.toml";
  j["re_rendered"] = o.re_rendered;
  json problems = json::array();
  for (const auto& p : o.problems) problems.push_back(problem_json(p));
  j["problems"] = problems;
  if (o.check) j["check"] = check_json(*o.check);
  j["mix"] = analysis_to_json(o.mix_analysis);
  j["mix"]["file"] = "mix.wav";
  j["render"] = {{"true_peak_before_dbtp", num(o.render.true_peak_before_dbtp)},
                 {"output_gain_db", num(o.render.output_gain_db)},
                 {"mix_true_peak_dbtp", num(o.render.mix_true_peak_dbtp)},
                 {"mix_integrated_lufs", num(o.render.mix_integrated_lufs)},
                 {"frames", o.render.frames},
                 {"clipped_samples", o.render.clipped_samples},
                 {"passes", o.render.passes}};
  json files = json::array();
  for (const auto& f : o.render.files) {
    files.push_back({{"file", fs::relative(f.path, out_dir).string()}, {"kind", f.kind}, {"name", f.name}});
    if (f.left_out) files.back()["left_out"] = true;
  }
  j["outputs"] = files;
  j["decisions"] = decisions_json(o.console);
  if (o.master) j["master"] = master_json(*o.master, out_dir);
  return j;
}

std::string mix_text(const io::MixOutcome& o, const fs::path& out_dir) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(1);
  os << "mixed " << o.console.strips.size() << " stems";
  if (!o.console.focus.empty()) os << " around " << o.console.focus;
  os << "  →  " << (out_dir / "mix.wav").string() << "\n";
  os << "  mix: " << o.render.mix_integrated_lufs << " LUFS, true peak " << o.render.mix_true_peak_dbtp << " dBTP\n";
  for (const auto& s : o.console.strips) {
    os << "  " << s.name << " (" << to_string(s.role) << "): fader " << s.fader_db << " dB, pan " << s.pan.pan;
    if (auto it = s.reasons.find("fader"); it != s.reasons.end()) os << " — " << it->second;
    os << "\n";
  }
  for (const auto& k : mix::brief_effects(o.console)) {
    os << "  brief " << k.key << "=" << k.value << ": ";
    if (k.effects.empty()) os << k.note << "\n";
    else os << k.effects.size() << " setting" << (k.effects.size() == 1 ? "" : "s") << " (" << k.effects.front().where
            << ": " << k.effects.front().reason << (k.effects.size() > 1 ? "; ..." : "") << ")\n";
  }
  // The stems left out, each with the silent file that stands for it (a re-rendered session
  // knows them from its left_out; the check, when it ran, says why).
  for (const auto& f : o.render.files) {
    if (!f.left_out) continue;
    std::string why;
    if (o.check)
      for (const auto& s : o.check->stems)
        if (s.excluded && s.name == f.name) why = ", " + io::excluded_words(s);
    os << "  " << f.name << ": left out" << why << " (" << fs::relative(f.path, out_dir).generic_string() << " holds it as silence)\n";
  }
  if (o.master)
    for (const auto& m : o.master->masters)
      os << "  master " << m.target.name << ": " << (out_dir / "masters" / (m.target.name + ".wav")).string() << "\n";
  if (!o.problems.empty()) os << "  " << o.problems.size() << " intake problem(s): see report.json\n";
  if (o.check && !o.check->hidden.empty()) {
    os << "  skipped " << o.check->hidden.size() << " hidden file" << (o.check->hidden.size() == 1 ? "" : "s")
       << " in the stems folder:";
    for (const auto& f : o.check->hidden) os << " " << f;
    os << "\n";
  }
  return os.str();
}

}  // namespace mixdown::report
