#include "io/session.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>
#include <utility>

#include "core/error.hpp"
#include "io/audio_file.hpp"

namespace fs = std::filesystem;

namespace mixdown::io {
namespace {

template <class E>
using Choices = std::initializer_list<std::pair<E, const char*>>;

const Choices<dsp::EqType> kEqTypes = {{dsp::EqType::bell, "bell"},         {dsp::EqType::low_shelf, "low_shelf"},
                                       {dsp::EqType::high_shelf, "high_shelf"}, {dsp::EqType::notch, "notch"},
                                       {dsp::EqType::high_pass, "high_pass"}, {dsp::EqType::low_pass, "low_pass"}};
const Choices<dsp::Detector> kDetectors = {{dsp::Detector::peak, "peak"}, {dsp::Detector::rms, "rms"}};
const Choices<dsp::SaturationMode> kSatModes = {{dsp::SaturationMode::soft_clip, "soft_clip"},
                                                {dsp::SaturationMode::tape, "tape"}};
const Choices<mix::ReturnKind> kReturnKinds = {{mix::ReturnKind::reverb, "reverb"}, {mix::ReturnKind::delay, "delay"}};

// ---- the writer: fills a toml::table -------------------------------------------------------
struct Writer {
  toml::table& t;
  void num(const char* k, double& v, double, double) {
    // Round to 6 significant decimals so files stay readable and re-read to the same value.
    t.insert_or_assign(k, std::round(v * 1e6) / 1e6);
  }
  void integer(const char* k, int& v, int, int) { t.insert_or_assign(k, static_cast<int64_t>(v)); }
  // A number that is often not set: written only when it is.
  void optional_num(const char* k, std::optional<double>& v, double lo, double hi) {
    if (v) num(k, *v, lo, hi);
  }
  void flag(const char* k, bool& v) { t.insert_or_assign(k, v); }
  void text(const char* k, std::string& v) { t.insert_or_assign(k, v); }
  // A value that follows from others unless set: written only when it differs from `derived`.
  void derived_text(const char* k, std::string& v, const std::string& derived) {
    if (v != derived) text(k, v);
  }
  template <class E>
  void choice(const char* k, E& v, Choices<E> choices) {
    for (auto& [e, name] : choices)
      if (e == v) t.insert_or_assign(k, std::string(name));
  }
  void role(const char* k, Role& r) { t.insert_or_assign(k, std::string(to_string(r))); }
  void string_map(const char* k, std::map<std::string, std::string>& m) {
    if (m.empty()) return;
    toml::table sub;
    for (auto& [key, val] : m) sub.insert_or_assign(key, val);
    t.insert_or_assign(k, std::move(sub));
  }
  void string_list(const char* k, std::vector<std::string>& v, bool omit_empty = false) {
    if (omit_empty && v.empty()) return;
    toml::array a;
    for (auto& s : v) a.push_back(s);
    t.insert_or_assign(k, std::move(a));
  }
  template <class F>
  void sub(const char* k, F&& f) {
    toml::table child;
    Writer w{child};
    f(w);
    t.insert_or_assign(k, std::move(child));
  }
  template <class T, class F>
  void array(const char* k, std::vector<T>& items, F&& f) {
    if (items.empty()) return;
    toml::array a;
    for (auto& item : items) {
      toml::table child;
      Writer w{child};
      f(w, item);
      a.push_back(std::move(child));
    }
    t.insert_or_assign(k, std::move(a));
  }
};

// ---- the reader: validates and fills values --------------------------------------------------
struct Reader {
  const toml::table& t;
  const std::string& file;
  std::string path;  // dotted key path for messages
  std::set<std::string> known;

  [[noreturn]] void fail(const toml::node* at, const std::string& what) const {
    std::string loc = file;
    if (at && at->source().begin) loc += ":" + std::to_string(at->source().begin.line);
    else if (t.source().begin) loc += ":" + std::to_string(t.source().begin.line);
    throw Error(ExitCode::rejected, loc, what);
  }
  std::string name(const char* k) const { return path.empty() ? k : path + "." + k; }

  void num(const char* k, double& v, double lo, double hi) {
    known.insert(k);
    const toml::node* n = t.get(k);
    if (!n) return;
    std::optional<double> d = n->value<double>();
    if (!d || !n->is_number()) fail(n, name(k) + " must be a number");
    if (!std::isfinite(*d) || *d < lo || *d > hi) {
      std::ostringstream os;
      os << name(k) << " = " << *d << " is out of range (allowed " << lo << " to " << hi << ")";
      fail(n, os.str());
    }
    v = *d;
  }
  void integer(const char* k, int& v, int lo, int hi) {
    known.insert(k);
    const toml::node* n = t.get(k);
    if (!n) return;
    auto i = n->value<int64_t>();
    if (!i || !n->is_integer()) fail(n, name(k) + " must be a whole number");
    if (*i < lo || *i > hi)
      fail(n, name(k) + " = " + std::to_string(*i) + " is out of range (allowed " + std::to_string(lo) +
                  " to " + std::to_string(hi) + ")");
    v = static_cast<int>(*i);
  }
  void optional_num(const char* k, std::optional<double>& v, double lo, double hi) {
    if (!t.get(k)) {
      known.insert(k);
      return;
    }
    double d = 0.0;
    num(k, d, lo, hi);
    v = d;
  }
  void flag(const char* k, bool& v) {
    known.insert(k);
    const toml::node* n = t.get(k);
    if (!n) return;
    if (!n->is_boolean()) fail(n, name(k) + " must be true or false");
    v = *n->value<bool>();
  }
  void text(const char* k, std::string& v) {
    known.insert(k);
    const toml::node* n = t.get(k);
    if (!n) return;
    if (!n->is_string()) fail(n, name(k) + " must be a string");
    v = *n->value<std::string>();
  }
  void derived_text(const char* k, std::string& v, const std::string& derived) {
    known.insert(k);
    if (!t.get(k)) {
      v = derived;
      return;
    }
    text(k, v);
  }
  template <class E>
  void choice(const char* k, E& v, Choices<E> choices) {
    known.insert(k);
    const toml::node* n = t.get(k);
    if (!n) return;
    std::string s;
    if (n->is_string()) s = *n->value<std::string>();
    std::string allowed;
    for (auto& [e, nm] : choices) {
      if (s == nm) {
        v = e;
        return;
      }
      allowed += (allowed.empty() ? "" : ", ") + std::string(nm);
    }
    fail(n, name(k) + " = '" + s + "' is not allowed (allowed: " + allowed + ")");
  }
  void role(const char* k, Role& r) {
    known.insert(k);
    const toml::node* n = t.get(k);
    if (!n) return;
    auto s = n->value<std::string>();
    auto parsed = s ? role_from_string(*s) : std::nullopt;
    if (!parsed)
      fail(n, name(k) + (s ? " = '" + *s + "'" : std::string()) + " is not a role (allowed: kick, snare, hihat, tom, cymbal, overhead, room, percussion, "
                        "drums, bass, guitar, keys, piano, synth, pad, strings, brass, lead_vocal, "
                        "backing_vocal, vocal, fx, other)");
    r = *parsed;
  }
  void string_map(const char* k, std::map<std::string, std::string>& m) {
    known.insert(k);
    const toml::node* n = t.get(k);
    if (!n) return;
    if (!n->is_table()) fail(n, name(k) + " must be a table of strings");
    m.clear();
    for (auto& [key, val] : *n->as_table()) {
      if (!val.is_string()) fail(&val, name(k) + "." + std::string(key.str()) + " must be a string");
      m[std::string(key.str())] = *val.value<std::string>();
    }
  }
  void string_list(const char* k, std::vector<std::string>& v, bool /*omit_empty*/ = false) {
    known.insert(k);
    const toml::node* n = t.get(k);
    if (!n) return;
    if (!n->is_array()) fail(n, name(k) + " must be a list of strings");
    v.clear();
    for (auto& e : *n->as_array()) {
      if (!e.is_string()) fail(&e, name(k) + " must be a list of strings");
      v.push_back(*e.value<std::string>());
    }
  }
  template <class F>
  void sub(const char* k, F&& f) {
    known.insert(k);
    const toml::node* n = t.get(k);
    if (!n) return;
    if (!n->is_table()) fail(n, name(k) + " must be a table");
    Reader r{*n->as_table(), file, name(k), {}};
    f(r);
    r.check_unknown();
  }
  template <class T, class F>
  void array(const char* k, std::vector<T>& items, F&& f) {
    known.insert(k);
    const toml::node* n = t.get(k);
    if (!n) return;
    if (!n->is_array_of_tables() && !(n->is_array() && n->as_array()->empty()))
      fail(n, name(k) + " must be a list of tables ([[" + name(k) + "]])");
    items.clear();
    for (auto& e : *n->as_array()) {
      Reader r{*e.as_table(), file, name(k), {}};
      T item{};
      f(r, item);
      r.check_unknown();
      items.push_back(std::move(item));
    }
  }
  void check_unknown() const {
    for (auto& [key, val] : t)
      if (!known.count(std::string(key.str())))
        fail(&val, "unknown key '" + name(std::string(key.str()).c_str()) + "'");
  }
};

// ---- the field lists: the one description of the file format ---------------------------------
constexpr double kFreqMin = 5.0, kFreqMax = 24000.0;

template <class V> void fields(V& v, dsp::PassFilterSettings& s) {
  v.flag("enabled", s.enabled);
  v.num("freq_hz", s.freq_hz, kFreqMin, kFreqMax);
  v.integer("order", s.order, 1, 8);
}
template <class V> void fields(V& v, dsp::EqBand& s) {
  v.flag("enabled", s.enabled);
  v.choice("type", s.type, kEqTypes);
  v.num("freq_hz", s.freq_hz, kFreqMin, kFreqMax);
  v.num("gain_db", s.gain_db, -24.0, 24.0);
  v.num("q", s.q, 0.1, 40.0);
}
template <class V> void fields(V& v, dsp::EqSettings& s) {
  v.array("bands", s.bands, [](auto& w, dsp::EqBand& b) { fields(w, b); });
}
template <class V> void fields(V& v, dsp::CompressorSettings& s) {
  v.flag("enabled", s.enabled);
  v.num("threshold_db", s.threshold_db, -80.0, 0.0);
  v.num("ratio", s.ratio, 1.0, 100.0);
  v.num("knee_db", s.knee_db, 0.0, 24.0);
  v.num("attack_ms", s.attack_ms, 0.01, 500.0);
  v.num("release_ms", s.release_ms, 1.0, 5000.0);
  v.num("makeup_db", s.makeup_db, -24.0, 24.0);
  v.choice("detector", s.detector, kDetectors);
  v.num("mix", s.mix, 0.0, 1.0);
  v.text("key", s.key);
}
template <class V> void fields(V& v, dsp::GateSettings& s) {
  v.flag("enabled", s.enabled);
  v.num("threshold_db", s.threshold_db, -100.0, 0.0);
  v.num("ratio", s.ratio, 1.0, 100.0);
  v.num("range_db", s.range_db, -100.0, 0.0);
  v.num("attack_ms", s.attack_ms, 0.01, 500.0);
  v.num("hold_ms", s.hold_ms, 0.0, 2000.0);
  v.num("release_ms", s.release_ms, 1.0, 5000.0);
}
template <class V> void fields(V& v, dsp::DeEsserSettings& s) {
  v.flag("enabled", s.enabled);
  v.num("freq_hz", s.freq_hz, 2000.0, 16000.0);
  v.num("threshold_db", s.threshold_db, -80.0, 0.0);
  v.num("max_reduction_db", s.max_reduction_db, 0.0, 24.0);
}
template <class V> void fields(V& v, dsp::DynamicEqSettings& s) {
  v.flag("enabled", s.enabled);
  v.num("freq_hz", s.freq_hz, 20.0, 20000.0);
  v.num("q", s.q, 0.1, 20.0);
  v.num("max_cut_db", s.max_cut_db, -24.0, 0.0);
  v.num("threshold_db", s.threshold_db, -80.0, 0.0);
  v.num("attack_ms", s.attack_ms, 0.1, 500.0);
  v.num("release_ms", s.release_ms, 1.0, 5000.0);
  v.text("key", s.key);
}
template <class V> void fields(V& v, dsp::SaturatorSettings& s) {
  v.flag("enabled", s.enabled);
  v.choice("mode", s.mode, kSatModes);
  v.num("drive_db", s.drive_db, 0.0, 36.0);
  v.num("mix", s.mix, 0.0, 1.0);
}
template <class V> void fields(V& v, dsp::PanSettings& s) {
  v.num("pan", s.pan, -1.0, 1.0);
  v.num("width", s.width, 0.0, 2.0);
}
template <class V> void fields(V& v, dsp::ReverbSettings& s) {
  v.num("size", s.size, 0.0, 1.0);
  v.num("decay_s", s.decay_s, 0.1, 20.0);
  v.num("predelay_ms", s.predelay_ms, 0.0, 500.0);
  v.num("damping_hz", s.damping_hz, 500.0, 20000.0);
  v.num("low_cut_hz", s.low_cut_hz, 10.0, 2000.0);
  v.num("width", s.width, 0.0, 1.0);
}
template <class V> void fields(V& v, dsp::DelaySettings& s) {
  v.num("time_ms", s.time_ms, 1.0, 4000.0);
  v.num("feedback", s.feedback, 0.0, 0.95);
  v.num("low_cut_hz", s.low_cut_hz, 10.0, 5000.0);
  v.num("high_cut_hz", s.high_cut_hz, 500.0, 20000.0);
  v.flag("ping_pong", s.ping_pong);
}
template <class V> void fields(V& v, mix::AutomationPoint& p) {
  v.num("time_s", p.time_s, 0.0, 1e6);
  v.num("gain_db", p.gain_db, mix::kAutomationMinDb, mix::kAutomationMaxDb);
}
template <class V> void fields(V& v, mix::Send& s) {
  v.text("to", s.to);
  v.num("level_db", s.level_db, -120.0, 12.0);
  v.flag("pre_fader", s.pre_fader);
}
template <class V> void fields(V& v, mix::Strip& s) {
  v.text("name", s.name);
  v.text("file", s.file);
  v.derived_text("fingerprint", s.fingerprint, std::string());
  v.role("role", s.role);
  v.text("role_source", s.role_source);
  v.num("role_confidence", s.role_confidence, 0.0, 1.0);
  v.flag("printed_fx", s.printed_fx);
  v.flag("fold_to_mono", s.fold_to_mono);
  v.flag("invert_right", s.invert_right);
  v.optional_num("spike_ceiling_dbfs", s.spike_ceiling_dbfs, 0.0, 60.0);
  // The bus follows the role (so editing `role` moves the stem between the bus stems and the
  // instrumental/acapella versions) unless the file sets a bus of its own.
  v.derived_text("bus", s.bus, s.printed_fx ? std::string("fx") : std::string(bus_of(s.role)));
  v.num("trim_db", s.trim_db, -60.0, 60.0);
  v.flag("polarity_invert", s.polarity_invert);
  v.num("advance_ms", s.advance_ms, 0.0, 50.0);
  v.num("fader_db", s.fader_db, mix::kFaderMinDb, mix::kFaderMaxDb);
  v.flag("mute", s.mute);
  v.string_map("reasons", s.reasons);
  v.sub("high_pass", [&](auto& w) { fields(w, s.high_pass); });
  v.sub("low_pass", [&](auto& w) { fields(w, s.low_pass); });
  v.sub("gate", [&](auto& w) { fields(w, s.gate); });
  v.sub("eq", [&](auto& w) { fields(w, s.eq); });
  v.sub("dynamic_eq", [&](auto& w) { fields(w, s.dynamic_eq); });
  v.sub("compressor", [&](auto& w) { fields(w, s.compressor); });
  v.sub("deesser", [&](auto& w) { fields(w, s.deesser); });
  v.sub("saturator", [&](auto& w) { fields(w, s.saturator); });
  v.sub("pan", [&](auto& w) { fields(w, s.pan); });
  v.array("automation", s.automation, [](auto& w, mix::AutomationPoint& p) { fields(w, p); });
  v.array("sends", s.sends, [](auto& w, mix::Send& x) { fields(w, x); });
}
template <class V> void fields(V& v, mix::Bus& b) {
  v.text("name", b.name);
  v.num("fader_db", b.fader_db, mix::kFaderMinDb, mix::kFaderMaxDb);
  v.string_map("reasons", b.reasons);
  v.sub("eq", [&](auto& w) { fields(w, b.eq); });
  v.sub("compressor", [&](auto& w) { fields(w, b.compressor); });
}
template <class V> void fields(V& v, mix::Return& r) {
  v.text("name", r.name);
  v.choice("kind", r.kind, kReturnKinds);
  v.num("fader_db", r.fader_db, mix::kFaderMinDb, mix::kFaderMaxDb);
  v.string_map("reasons", r.reasons);
  v.sub("reverb", [&](auto& w) { fields(w, r.reverb); });
  v.sub("delay", [&](auto& w) { fields(w, r.delay); });
  v.sub("eq", [&](auto& w) { fields(w, r.eq); });
}
template <class V> void fields(V& v, mix::MixBus& m) {
  v.num("target_true_peak_dbtp", m.target_true_peak_dbtp, -6.0, -3.0);
  v.optional_num("output_gain_db", m.output_gain_db, -120.0, 120.0);
  v.string_map("reasons", m.reasons);
  v.sub("eq", [&](auto& w) { fields(w, m.eq); });
  v.sub("compressor", [&](auto& w) { fields(w, m.compressor); });
}
template <class V> void fields(V& v, mix::Brief& b) {
  v.text("focus", b.focus);
  v.text("vocal", b.vocal);
  v.text("drums", b.drums);
  v.text("space", b.space);
  v.text("density", b.density);
  v.text("character", b.character);
  v.text("genre", b.genre);
  v.integer("revisions", b.revisions, 0, 100);
}
template <class V> void fields(V& v, mix::Section& s) {
  v.text("name", s.name);
  v.num("start_s", s.start_s, 0.0, 1e6);
  v.num("end_s", s.end_s, 0.0, 1e6);
}
template <class V> void fields(V& v, mix::Console& c) {
  v.sub("session", [&](auto& w) {
    w.integer("sample_rate", c.sample_rate, 8000, 384000);
    w.num("tempo_bpm", c.tempo_bpm, 20.0, 400.0);
    w.num("duration_s", c.duration_s, 0.0, 1e6);
    w.optional_num("stems_end_s", c.stems_end_s, 0.0, 1e6);
    w.text("focus", c.focus);
    w.string_list("targets", c.targets);
    w.flag("decided", c.decided);
    w.string_list("left_out", c.left_out, /*omit_empty=*/true);
  });
  v.sub("brief", [&](auto& w) { fields(w, c.brief); });
  v.sub("mix_bus", [&](auto& w) { fields(w, c.mix_bus); });
  v.array("section", c.sections, [](auto& w, mix::Section& s) { fields(w, s); });
  v.array("bus", c.buses, [](auto& w, mix::Bus& b) { fields(w, b); });
  v.array("return", c.returns, [](auto& w, mix::Return& r) { fields(w, r); });
  v.array("stem", c.strips, [](auto& w, mix::Strip& s) { fields(w, s); });
}

// Brief values are validated with the same rules as --brief.
void validate_brief(const mix::Brief& b, const std::string& file) {
  mix::Brief probe;
  auto check = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    try {
      mix::apply_brief_pair(probe, std::string(key) + "=" + value);
    } catch (const Error& e) {
      throw Error(ExitCode::rejected, file, std::string("[brief] ") + e.what());
    }
  };
  check("vocal", b.vocal);
  check("drums", b.drums);
  check("space", b.space);
  check("density", b.density);
  check("character", b.character);
  check("genre", b.genre);
}

// toml++ (Debian's shared build) prints every float with 17 significant digits, so a release of
// 250 ms reads "249.98046199999999" and -29.4 dB "-29.399999999999999" in a file people edit.
// Each number of a value made of numbers only (a quoted string is left alone) is printed again
// as the shortest decimal that reads back as the same double (std::to_chars), so the session
// re-reads to exactly the values written.
std::string shortest_numbers(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    const std::size_t eq = line.find(" = ");
    if (eq != std::string::npos && line.find_first_not_of("0123456789.-+eE, []", eq + 3) == std::string::npos) {
      // The value's tokens between separators (", []"): each float (it holds a '.') reprinted.
      const std::string value = line.substr(eq + 3);
      std::string rebuilt;
      for (std::size_t i = 0; i < value.size();) {
        if (std::string_view(", []").find(value[i]) != std::string_view::npos) {
          rebuilt += value[i++];
          continue;
        }
        const std::size_t j = std::min(value.size(), value.find_first_of(", []", i));
        const std::string token = value.substr(i, j - i);
        char* parsed_to = nullptr;
        const double d = std::strtod(token.c_str(), &parsed_to);
        if (token.find('.') != std::string::npos && parsed_to == token.c_str() + token.size() && std::isfinite(d)) {
          char buf[64];
          const auto res = std::to_chars(buf, buf + sizeof buf, d);
          std::string shortest(buf, res.ptr);
          if (shortest.find_first_of(".eE") == std::string::npos) shortest += ".0";
          rebuilt += shortest;
        } else {
          rebuilt += token;
        }
        i = j;
      }
      line = line.substr(0, eq + 3) + rebuilt;
    }
    out += line;
    if (end < text.size()) out += '\n';
    pos = end + 1;
  }
  return out;
}

}  // namespace

std::string session_to_toml(const mix::Console& console, const fs::path& base_dir) {
  mix::Console c = console;
  for (auto& s : c.strips) {
    const fs::path p = s.file;
    if (p.is_absolute() && !base_dir.empty()) {
      std::error_code ec;
      const fs::path rel = fs::relative(p, fs::absolute(base_dir), ec);
      if (!ec && !rel.empty()) s.file = rel.string();
    }
  }
  toml::table root;
  Writer w{root};
  fields(w, c);
  std::ostringstream os;
  os << "# mixdown session: every stem, its role and every setting chosen, with the reason.\n"
        "# Edit any value and re-render with: mixdown mix session.toml -o OUT\n\n";
  os << root << "\n";
  return shortest_numbers(os.str());
}

mix::Console session_from_toml(const std::string& text, const fs::path& file_for_messages) {
  const std::string file = file_for_messages.string();
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    throw Error(ExitCode::rejected, file + ":" + std::to_string(e.source().begin.line),
                "syntax error: " + std::string(e.description()));
  }
  mix::Console c;
  c.targets.clear();
  Reader r{root, file, "", {}};
  fields(r, c);
  r.check_unknown();
  if (c.targets.empty()) c.targets = {"streaming"};
  validate_brief(c.brief, file);
  if (c.strips.empty()) throw Error(ExitCode::rejected, file, "the session names no stems ([[stem]] tables)");
  // left_out names stems of the folder that are not mixed (each printed as silence): a name, not
  // a path, once, and not a stem the session mixes.
  {
    const toml::node* node = root["session"]["left_out"].node();
    const std::string loc = file + (node && node->source().begin ? ":" + std::to_string(node->source().begin.line) : "");
    std::set<std::string> seen;
    for (const auto& n : c.left_out) {
      if (n.empty() || n.find_first_of("/\\") != std::string::npos || n == "." || n == "..")
        throw Error(ExitCode::rejected, loc, "[session] left_out: \"" + n + "\" is not a stem's file name");
      if (!seen.insert(n).second) throw Error(ExitCode::rejected, loc, "[session] left_out names " + n + " twice");
      for (const auto& st : c.strips)
        if (st.name == n)
          throw Error(ExitCode::rejected, loc, "[session] left_out names " + n + ", which the session mixes as a [[stem]]");
    }
  }
  const fs::path dir = file_for_messages.parent_path();
  std::set<std::string> names;
  for (std::size_t i = 0; i < c.strips.size(); ++i) {
    auto& s = c.strips[i];
    const toml::node* node = root["stem"][i].node();
    const std::string loc = file + (node && node->source().begin ? ":" + std::to_string(node->source().begin.line) : "");
    // A hand-written session may name a stem by its file alone, and leave its role to the
    // check (from the name, else the sound): role_source kRoleToDetect says so.
    if (s.name.empty() && s.file.empty()) throw Error(ExitCode::rejected, loc, "a [[stem]] has neither a file nor a name");
    if (s.name.empty()) s.name = fs::path(s.file).filename().string();
    if (s.file.empty()) s.file = s.name;
    // (A decided session is rendered as it stands: a stem it gives no role keeps `other`.)
    if (const toml::table* t = node ? node->as_table() : nullptr; !c.decided && t && !t->contains("role"))
      s.role_source = kRoleToDetect;
    if (!names.insert(s.name).second) throw Error(ExitCode::rejected, loc, "stem '" + s.name + "' is named twice");
    fs::path p = s.file;
    if (p.is_relative()) p = fs::absolute(dir / p);
    s.file = p.lexically_normal().string();
  }
  // A side-chain key names a stem of the session: a key naming none ran the compressor on the
  // stem's own signal with a threshold set for ducking, and the stem dropped 6 dB unsaid.
  for (std::size_t i = 0; i < c.strips.size(); ++i) {
    const auto& s = c.strips[i];
    for (const auto& [what, key] : {std::pair{"compressor", &s.compressor.key}, std::pair{"dynamic_eq", &s.dynamic_eq.key}}) {
      if (key->empty() || names.count(*key)) continue;
      const toml::node* node = root["stem"][i][what]["key"].node();
      const std::string loc = file + (node && node->source().begin ? ":" + std::to_string(node->source().begin.line) : "");
      throw Error(ExitCode::rejected, loc, std::string(what) + ".key '" + *key + "' names no stem of the session");
    }
  }
  return c;
}

mix::Console load_session(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw rejected(path.string(), "cannot open the session file");
  std::stringstream ss;
  ss << in.rdbuf();
  return session_from_toml(ss.str(), path);
}

void save_session(const mix::Console& console, const fs::path& path) {
  write_text_atomic(path, session_to_toml(console, path.parent_path()));
}

}  // namespace mixdown::io
