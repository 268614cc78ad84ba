#include "io/revise_io.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/simd.hpp"
#include "io/analyze_file.hpp"
#include "io/audio_file.hpp"
#include "io/mix_pipeline.hpp"
#include "io/render_mix.hpp"
#include "mix/automation.hpp"
#include "io/session.hpp"
#include "master/target.hpp"

namespace mixdown::io {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string iso_utc(std::chrono::system_clock::time_point tp) {
  const std::time_t t = std::chrono::system_clock::to_time_t(tp);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path rev_dir(const fs::path& out, int n) { return out / ("rev-" + std::to_string(n)); }

// Links (or, across file systems, copies) every file of `from` into `to`, keeping sub-folders.
void link_tree(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  if (!fs::exists(from)) return;
  fs::create_directories(to);
  for (const auto& e : fs::recursive_directory_iterator(from)) {
    const fs::path rel = fs::relative(e.path(), from);
    if (e.is_directory()) {
      fs::create_directories(to / rel);
      continue;
    }
    if (!e.is_regular_file()) continue;
    if (rel.filename().string().front() == '.') continue;  // partial writes of others
    fs::create_directories((to / rel).parent_path());
    fs::create_hard_link(e.path(), to / rel, ec);
    if (ec) {
      ec.clear();
      fs::copy_file(e.path(), to / rel, fs::copy_options::overwrite_existing, ec);
      if (ec) throw failed((to / rel).string(), "cannot copy the revision's file: " + ec.message());
    }
  }
}

void link_audio(const fs::path& from_rev, const fs::path& to) {
  std::error_code ec;
  if (fs::exists(from_rev / "mix.wav")) {
    fs::create_hard_link(from_rev / "mix.wav", to / "mix.wav", ec);
    if (ec) fs::copy_file(from_rev / "mix.wav", to / "mix.wav", fs::copy_options::overwrite_existing);
  }
  link_tree(from_rev / "versions", to / "versions");
  link_tree(from_rev / "masters", to / "masters");
}

revise::NoteKind kind_from(const std::string& s) {
  if (s == "vague") return revise::NoteKind::vague;
  if (s == "production") return revise::NoteKind::production;
  return revise::NoteKind::mix;
}

json record_json(const RevisionRecord& r) {
  json j = {{"revision", r.number}, {"date", r.date}, {"based_on", r.based_on}};
  j["back_to"] = r.back_to ? json(*r.back_to) : json(nullptr);
  j["warning"] = r.warning.empty() ? json(nullptr) : json(r.warning);
  return j;
}

RevisionRecord read_record(const fs::path& dir, int number) {
  RevisionRecord r;
  r.number = number;
  r.dir = dir;
  try {
    if (fs::exists(dir / "revision.json")) {
      const json j = json::parse(read_text(dir / "revision.json"));
      r.date = j.value("date", "");
      r.based_on = j.value("based_on", 0);
      if (j.contains("back_to") && j["back_to"].is_number_integer()) r.back_to = j["back_to"].get<int>();
      if (j.contains("warning") && j["warning"].is_string()) r.warning = j["warning"].get<std::string>();
    }
    if (fs::exists(dir / "changes.json")) {
      const json j = json::parse(read_text(dir / "changes.json"));
      for (const auto& e : j) {
        revise::NoteResult n;
        n.note = e.value("note", "");
        n.kind = kind_from(e.value("kind", "mix"));
        n.reply = e.value("reply", "");
        for (const auto& c : e.value("changes", json::array())) {
          revise::Change ch;
          ch.stem = c.value("stem", "");
          ch.parameter = c.value("parameter", "");
          ch.from = c.value("from", 0.0);
          ch.to = c.value("to", 0.0);
          if (c.contains("section") && c["section"].is_string()) ch.section = c["section"].get<std::string>();
          n.changes.push_back(ch);
        }
        r.notes.push_back(std::move(n));
      }
    }
  } catch (const json::exception& e) {
    throw rejected((dir / "changes.json").string(), std::string("unreadable revision record: ") + e.what());
  }
  return r;
}

std::string first_mix_date(const fs::path& out) {
  std::error_code ec;
  const auto ft = fs::last_write_time(out / "mix.wav", ec);
  if (ec) return "";
  return iso_utc(std::chrono::time_point_cast<std::chrono::system_clock::duration>(std::chrono::file_clock::to_sys(ft)));
}

// OUT/rev-1: the first mix, linked, with its session rewritten so its stem paths resolve from
// the revision folder.
void ensure_rev1(const fs::path& out) {
  const fs::path dir = rev_dir(out, 1);
  if (fs::exists(dir)) return;
  const fs::path partial = out / ".rev-1.partial";
  fs::remove_all(partial);
  create_output_dir(partial, out);
  const auto console = load_session(out / "session.toml");
  write_text_atomic(partial / "session.toml", session_to_toml(console, partial));
  link_audio(out, partial);
  write_text_atomic(partial / "changes.json", "[]\n");
  RevisionRecord r;
  r.number = 1;
  r.date = first_mix_date(out);
  write_text_atomic(partial / "revision.json", record_json(r).dump(2) + "\n");
  fs::rename(partial, dir);
}

}  // namespace

int revision_number(const fs::path& p) {
  const std::string n = p.filename().string();
  if (n.rfind("rev-", 0) != 0 || n.size() < 5) return 0;
  int v = 0;
  for (std::size_t i = 4; i < n.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(n[i]))) return 0;
    v = v * 10 + (n[i] - '0');
    if (v > 100000) return 0;
  }
  return v;
}

void require_mix_folder(const fs::path& out) {
  std::error_code ec;
  if (!fs::is_directory(out, ec))
    throw rejected(out.string(), fs::exists(out, ec) ? "is a file, not a mix output folder; run `mixdown mix STEMS -o OUT` first"
                                                      : "not a mix output folder (no such folder); run `mixdown mix STEMS -o OUT` first");
  if (!fs::is_regular_file(out / "session.toml", ec) || !fs::is_regular_file(out / "mix.wav", ec))
    throw rejected(out.string(), "not a mix output folder (it needs the session.toml and mix.wav that `mixdown mix` writes)");
}

std::vector<RevisionRecord> list_revisions(const fs::path& out) {
  require_mix_folder(out);
  std::vector<RevisionRecord> recs;
  std::map<int, fs::path> dirs;
  for (const auto& e : fs::directory_iterator(out))
    if (e.is_directory())
      if (const int n = revision_number(e.path()); n > 0) dirs[n] = e.path();
  if (!dirs.count(1)) {
    RevisionRecord r;
    r.number = 1;
    r.dir = out;
    r.date = first_mix_date(out);
    recs.push_back(r);
  }
  for (const auto& [n, d] : dirs) recs.push_back(read_record(d, n));
  return recs;
}

std::string changes_json_text(const std::vector<revise::NoteResult>& notes) {
  json arr = json::array();
  for (const auto& n : notes) {
    json changes = json::array();
    for (const auto& c : n.changes)
      changes.push_back({{"stem", c.stem},
                         {"parameter", c.parameter},
                         {"from", c.from},
                         {"to", c.to},
                         {"section", c.section.empty() ? json(nullptr) : json(c.section)}});
    arr.push_back({{"note", n.note}, {"kind", std::string(revise::to_string(n.kind))}, {"changes", changes},
                   {"reply", n.reply}});
  }
  return arr.dump(2) + "\n";
}

namespace {

// The peak of each stem's own file inside each window (dBFS; -inf where it is digital silence).
std::vector<revise::WindowPeak> measure_window_peaks(const mix::Console& console,
                                                     const std::vector<std::pair<std::string, revise::Window>>& rides) {
  std::map<std::string, std::vector<revise::Window>> by_stem;
  for (const auto& [stem, w] : rides) by_stem[stem].push_back(w);
  std::vector<revise::WindowPeak> out;
  for (auto& [stem, windows] : by_stem) {
    const auto* s = console.find_strip(stem);
    if (!s) continue;
    std::sort(windows.begin(), windows.end(), [](const auto& a, const auto& b) { return a.start_s < b.start_s; });
    try {
      AudioReader reader(s->file);
      const double rate = reader.info().sample_rate;
      std::int64_t pos = 0;
      for (const auto& w : windows) {
        const auto first = static_cast<std::int64_t>(std::llround(std::max(0.0, w.start_s) * rate));
        const auto last = std::max(first, static_cast<std::int64_t>(std::llround(w.end_s * rate)));
        if (first < pos) {
          reader.rewind();
          pos = 0;
        }
        const auto buf = read_range(reader, pos, first, last);
        float peak = 0.0f;
        for (int ch = 0; ch < buf.num_channels(); ++ch)
          peak = std::max(peak, simd::from_bits(simd::max_abs_bits(buf.channel(ch), buf.num_frames())));
        out.push_back({stem, w.start_s, w.end_s, peak > 0.0f ? 20.0 * std::log10(peak) : -HUGE_VAL});
      }
    } catch (const Error&) {
      // an unreadable stem is reported by the render below; the ride is planned as asked
    }
  }
  return out;
}

// How far a stereo file's side signal (L-R)/2 sits under its mid (L+R)/2, in dB over the whole
// file; NaN for a mono, silent or unreadable file. A stem 2-channel in name only (the same
// signal twice, or nearly) has its side 40-60 dB down: a width stage has nothing to widen there.
double side_under_mid_db(const fs::path& file) {
  try {
    AudioReader reader(file);
    if (reader.info().channels < 2) return std::numeric_limits<double>::quiet_NaN();
    AudioBuffer buf(reader.info().channels, 1 << 15);
    double mid = 0.0, side = 0.0;
    for (std::size_t n; (n = reader.read(buf.view())) > 0;) {
      const float* l = buf.channel(0);
      const float* r = buf.channel(1);
      for (std::size_t i = 0; i < n; ++i) {
        const double m = 0.5 * (double(l[i]) + double(r[i])), s = 0.5 * (double(l[i]) - double(r[i]));
        mid += m * m;
        side += s * s;
      }
    }
    if (!(mid > 0.0)) return std::numeric_limits<double>::quiet_NaN();
    return side > 0.0 ? 10.0 * std::log10(side / mid) : -200.0;
  } catch (const Error&) {
    return std::numeric_limits<double>::quiet_NaN();  // reported by the render below
  }
}

// What a compressor's RMS detector hears of a file, dB: the median of its active 50 ms mean
// squares over its channels (active: within 40 dB of its loudest, above -100 dB). NaN when it
// cannot be read or is silent.
double detector_level_db(const fs::path& file) {
  try {
    AudioReader reader(file);
    const int ch = reader.info().channels;
    const auto win = static_cast<std::size_t>(std::max(1, reader.info().sample_rate / 20));
    AudioBuffer buf(ch, win);
    std::vector<double> ms;
    for (std::size_t n; (n = reader.read(buf.view())) > 0;) {
      double e = 0.0;
      for (int c = 0; c < ch; ++c)
        for (std::size_t i = 0; i < n; ++i) e += double(buf.channel(c)[i]) * double(buf.channel(c)[i]);
      ms.push_back(e / double(n * static_cast<std::size_t>(ch)));
    }
    const double top = ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end());
    std::erase_if(ms, [&](double v) { return !(v > 1e-10) || v < top * 1e-4; });
    if (ms.empty()) return std::numeric_limits<double>::quiet_NaN();
    const auto mid = ms.begin() + static_cast<std::ptrdiff_t>(ms.size() / 2);
    std::nth_element(ms.begin(), mid, ms.end());
    return 10.0 * std::log10(*mid);
  } catch (const Error&) {
    return std::numeric_limits<double>::quiet_NaN();  // reported by the render below
  }
}

}  // namespace

// A level note lands as said. Faders and rides sit before the bus and mix-bus compressors, and
// a section lift before the master's limiter too, which hold part of any move back (a 3 dB
// vocal raise measured +1.9 dB against the band, a 1.5 dB chorus lift 0.36 dB of contrast in
// the master), so the move is measured on what was rendered and, when it fell short, made
// again once, further, as an engineer rides a fader until the part sits where it was asked.
struct LevelMove {
  std::vector<std::string> strips;  // every strip this revision moved, all by the same curve
  double said = 0.0;                // the move at full depth, dB
  bool fader = true;                // a whole-song fader move; else a ride (automation)
  bool whole_mix = false;           // a ride of every strip: the section against the rest of the song
  std::vector<std::pair<double, double>> spans;  // a ride's spans at full depth, seconds
};

// The revision's level moves: the strips whose faders moved by the same amount are one move,
// the strips ridden by the same curve another ("the keys down 2 dB, the bass up 3" is two
// moves). Nothing when a strip's fader and ride both moved, and a ride of every strip (a section
// against the song) only alone: those are not parts against an unmoved rest.
constexpr double kNotABalanceDb = 24.0;  // a ride deeper than this mutes or fades

std::vector<LevelMove> level_moves(const mix::Console& base, const mix::Console& now) {
  constexpr double kStepS = 0.05;  // the grid a ride's curve is compared on
  std::vector<LevelMove> faders, rides;
  std::vector<std::vector<double>> curves;  // each ride move's automation change on the grid
  std::size_t playing = 0, fader_moved = 0;
  for (const auto& s : now.strips) {
    const auto* b = base.find_strip(s.name);
    if (!b || s.mute || b->mute) continue;
    ++playing;
    const double d = s.fader_db - b->fader_db;
    const bool moved = std::abs(d) >= 1e-6;
    if (moved) {
      ++fader_moved;
      auto f = std::find_if(faders.begin(), faders.end(), [&](const LevelMove& m) { return std::abs(d - m.said) <= 1e-6; });
      if (f == faders.end()) f = faders.insert(faders.end(), LevelMove{{}, d, true, false, {}});
      f->strips.push_back(s.name);
    }
    if (s.automation == b->automation) continue;
    std::vector<double> c;
    for (std::size_t i = 0; double(i) * kStepS <= now.duration_s; ++i)
      c.push_back(mix::automation_gain_at(s, double(i) * kStepS) - mix::automation_gain_at(*b, double(i) * kStepS));
    if (std::none_of(c.begin(), c.end(), [](double x) { return std::abs(x) > 1e-3; })) continue;
    if (moved) return {};
    std::size_t k = 0;
    for (; k < curves.size(); ++k) {
      bool same = true;
      for (std::size_t i = 0; i < c.size() && same; ++i) same = std::abs(c[i] - curves[k][i]) <= 0.01;
      if (same) break;
    }
    if (k == curves.size()) {
      curves.push_back(c);
      LevelMove m;
      m.fader = false;
      m.said = *std::max_element(c.begin(), c.end(), [](double x, double y) { return std::abs(x) < std::abs(y); });
      // A span muted or faded to the console's floor is not a balance to land.
      if (std::abs(m.said) >= kNotABalanceDb) return {};
      for (std::size_t i = 0; i < c.size(); ++i) {
        if (std::abs(c[i] - m.said) > 0.05) continue;
        const double t = double(i) * kStepS;
        if (!m.spans.empty() && m.spans.back().second >= t - 1.5 * kStepS) m.spans.back().second = t;
        else m.spans.emplace_back(t, t);
      }
      rides.push_back(std::move(m));
    }
    rides[k].strips.push_back(s.name);
  }
  std::vector<LevelMove> moves = std::move(faders);
  for (auto& r : rides) {
    r.whole_mix = r.strips.size() == playing;
    if (r.whole_mix && (rides.size() > 1 || !moves.empty())) return {};
    moves.push_back(std::move(r));
  }
  if (fader_moved == playing) return {};  // every fader moved: no unmoved rest to measure against
  return moves;
}

// Whether frame i at `rate` lies in one of the spans (all of the file when there are none).
bool in_spans(const std::vector<std::pair<double, double>>& spans, std::size_t i, int rate) {
  if (spans.empty()) return true;
  const double t = double(i) / rate;
  return std::any_of(spans.begin(), spans.end(), [&](const auto& sp) { return t >= sp.first && t <= sp.second; });
}

// What the moves change, measured on a rendered revision (dB of power; NaN when a file is
// missing or a side is silent): each move's printed stems against the rest of the mix (mix.wav
// minus every moved part, so that one move does not count another's) inside its spans; for a
// ride of the whole mix (always alone), `file` of the revision (mix.wav, or a master) inside the
// spans against outside them.
std::vector<double> measure_moves(const fs::path& dir, const std::vector<LevelMove>& moves, const mix::Console& console,
                                  const fs::path& file = "mix.wav") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> out(moves.size(), nan);
  try {
    if (moves.size() == 1 && moves[0].whole_mix) {
      const LevelMove& m = moves[0];
      double e_in = 0.0, e_out = 0.0;
      int rate = 0;
      const AudioBuffer a = read_file(dir / file, &rate);
      std::size_t n_in = 0;
      for (std::size_t i = 0; i < a.num_frames(); ++i) {
        double e = 0.0;
        for (int c = 0; c < a.num_channels(); ++c) e += double(a.channel(c)[i]) * a.channel(c)[i];
        const bool inside = in_spans(m.spans, i, rate);
        (inside ? e_in : e_out) += e;
        n_in += inside ? 1 : 0;
      }
      const std::size_t n_out = a.num_frames() - n_in;
      if (n_in > 0 && n_out > 0 && e_in > 0.0 && e_out > 0.0)
        out[0] = 10.0 * std::log10((e_in / double(n_in)) / (e_out / double(n_out)));
      return out;
    }
    int rate = 0;
    AudioBuffer rest = read_file(dir / "mix.wav", &rate);
    const int chans = rest.num_channels();
    // Each strip's printed file (render_mix's names: Kick.wav beside Kick.flac is not Kick-2.wav).
    std::map<std::string, std::string> printed;
    {
      const auto files = printed_stem_files(console);
      for (std::size_t i = 0; i < console.strips.size(); ++i) printed[console.strips[i].name] = files[i];
    }
    std::vector<AudioBuffer> parts;
    for (const LevelMove& m : moves) {
      AudioBuffer& part = parts.emplace_back(chans, rest.num_frames());
      for (const auto& name : m.strips) {
        const auto f = printed.find(name);
        if (f == printed.end()) return out;
        const AudioBuffer st = read_file(dir / "versions" / "stems" / f->second);
        if (st.num_channels() != chans) return out;
        const std::size_t n = std::min(st.num_frames(), rest.num_frames());
        for (int c = 0; c < chans; ++c)
          for (std::size_t i = 0; i < n; ++i) {
            part.channel(c)[i] += st.channel(c)[i];
            rest.channel(c)[i] -= st.channel(c)[i];
          }
      }
    }
    for (std::size_t k = 0; k < moves.size(); ++k) {
      double e_in = 0.0, e_out = 0.0;
      for (int c = 0; c < chans; ++c)
        for (std::size_t i = 0; i < rest.num_frames(); ++i) {
          if (!in_spans(moves[k].spans, i, rate)) continue;
          const double p = parts[k].channel(c)[i], r = rest.channel(c)[i];
          e_in += p * p;
          e_out += r * r;
        }
      if (e_in > 0.0 && e_out > 0.0) out[k] = 10.0 * std::log10(e_in / e_out);
    }
  } catch (const Error&) {
  }
  return out;
}

// A ride made `k` times as deep: base + k (now - base), exact on the union of both curves'
// breakpoints (both are linear between them).
std::vector<mix::AutomationPoint> deepened(const mix::Strip& base, const mix::Strip& now, double k) {
  std::vector<double> times;
  for (const auto& p : base.automation) times.push_back(p.time_s);
  for (const auto& p : now.automation) times.push_back(p.time_s);
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  std::vector<mix::AutomationPoint> out;
  for (double t : times) {
    const double b = mix::automation_gain_at(base, t);
    out.push_back({t, std::round((b + k * (mix::automation_gain_at(now, t) - b)) * 1000.0) / 1000.0});
  }
  return out;
}

// A move within this of what was said stands; a shorter one is made again once.
constexpr double kLevelSlackDb = 0.4;
// A move is made at most this much further than said (a part its bus holds hard).
constexpr double kMaxLevelExtraDb = 6.0;

// Lands the revision's level moves (level_moves): each is measured on the render against the
// unmoved rest, and those that fell short (of a move big enough to hear) are made again
// further, all in one more render; the notes' changes and replies say where each went.
void land_level_moves(const mix::Console& base, mix::Console& console, const fs::path& base_dir, const fs::path& partial,
                      const fs::path& tmp_session, const MixRequest& mreq, std::vector<revise::NoteResult>& notes,
                      const fs::path& out) {
  const std::vector<LevelMove> moves = level_moves(base, console);
  if (moves.empty()) return;
  const std::vector<double> before = measure_moves(base_dir, moves, base);
  std::vector<double> landed = measure_moves(partial, moves, console);
  for (std::size_t k = 0; k < moves.size(); ++k) landed[k] -= before[k];
  std::vector<double> first = landed, extra(moves.size(), 0.0), depth(moves.size(), 1.0);
  // A fader move's actual travel (the console's top may stop it) and what the rest came down
  // instead, as the planner does for a move past the top: the same balance.
  std::vector<double> travel(moves.size(), 0.0);
  double others_down = 0.0;
  bool again = false;
  for (std::size_t k = 0; k < moves.size(); ++k) {
    const LevelMove& move = moves[k];
    // Made again when it landed short, the same way (NaN compares false: not measured).
    if (!(std::abs(move.said) >= 1.0 && landed[k] * move.said > 0.0 && std::abs(landed[k]) < std::abs(move.said) - kLevelSlackDb))
      continue;
    const double share = std::max(0.3, landed[k] / move.said);  // of a move that reaches the balance
    extra[k] = std::clamp(move.said / share - move.said, -kMaxLevelExtraDb, kMaxLevelExtraDb);
    depth[k] = (move.said + extra[k]) / move.said;
    if (move.fader)
      for (const auto& name : move.strips)
        if (const auto* st = console.find_strip(name))
          others_down = std::max(others_down, st->fader_db + extra[k] - mix::kFaderMaxDb);
    again = true;
  }
  if (!again) return;
  // Every fader but the ones at the top comes down by what the top stopped (the planner's way):
  // a move's own strips with its correction, the other moves' and the unmoved strips as they are.
  std::vector<revise::Change> rest_down;
  const auto round_db = [](double v) { return std::round(v * 1000.0) / 1000.0; };
  for (auto& st : console.strips) {
    if (st.mute) continue;
    const auto* b = base.find_strip(st.name);
    std::size_t k = moves.size();
    for (std::size_t m = 0; m < moves.size() && k == moves.size(); ++m)
      if (std::find(moves[m].strips.begin(), moves[m].strips.end(), st.name) != moves[m].strips.end()) k = m;
    const double from = st.fader_db;
    if (k < moves.size() && moves[k].fader && extra[k] != 0.0) {
      st.fader_db = round_db(std::clamp(st.fader_db + extra[k] - others_down, mix::kFaderMinDb, mix::kFaderMaxDb));
      if (b && st.name == moves[k].strips.front()) travel[k] = st.fader_db - b->fader_db;
      continue;
    }
    if (k < moves.size() && !moves[k].fader && extra[k] != 0.0 && b) st.automation = deepened(*b, st, depth[k]);
    if (others_down > 0.0) {
      st.fader_db = round_db(std::max(mix::kFaderMinDb, st.fader_db - others_down));
      if (k == moves.size() || !moves[k].fader) rest_down.push_back({st.name, "fader_db", from, st.fader_db, ""});
    }
  }
  write_text_atomic(tmp_session, session_to_toml(console, out));
  run_mix(mreq);
  landed = measure_moves(partial, moves, console);
  for (std::size_t k = 0; k < moves.size(); ++k) landed[k] -= before[k];
  // What each move made again says, for the notes that made it.
  std::vector<std::string> said(moves.size());
  std::vector<bool> topped(moves.size(), false);  // stopped at the fader's top, the rest came down
  for (std::size_t k = 0; k < moves.size(); ++k) {
    const LevelMove& move = moves[k];
    if (extra[k] == 0.0) continue;
    const auto* st0 = console.find_strip(move.strips.front());
    const std::string holder = move.whole_mix || !st0 || st0->bus.empty()
                                   ? "the mix bus's compressor"
                                   : "the " + st0->bus + " bus's and the mix bus's compressors";
    // A section lifted against the song: the master's limiter, landing its loudness target,
    // takes the lifted section's peaks down and with them part of the contrast.
    std::string in_master;
    if (move.whole_mix && mreq.master) {
      const std::string first_target = console.targets.empty() ? "streaming" : console.targets.front();
      const fs::path master = fs::path("masters") / (first_target + ".wav");
      const double m = measure_moves(partial, moves, console, master)[0] - measure_moves(base_dir, moves, base, master)[0];
      if (std::isfinite(m) && std::abs(m - landed[k]) > kLevelSlackDb)
        in_master = fmt::format("; in the {} master {:+.1f} dB, as its limiter, landing the loudness target, takes "
                                "part of a {} back",
                                first_target, m, move.said > 0.0 ? "lift" : "dip");
    }
    const std::string where = move.whole_mix ? "measured in the mix against the rest of the song"
                                             : "measured against the rest of the mix";
    const std::string why = fmt::format("as {} held back part of the first move, which measured {:+.1f} dB{}", holder,
                                        first[k], in_master);
    const double moved = move.fader ? travel[k] : move.said + extra[k];
    topped[k] = move.fader && moved < move.said + extra[k] - 0.05 && !rest_down.empty();
    const std::string top =
        topped[k]
            ? fmt::format(", to the console's +{:.0f} dB top, and every other part came down {:.1f} dB", mix::kFaderMaxDb,
                          others_down)
            : "";
    if (moves.size() == 1) {
      said[k] = fmt::format(" ({}: {:+.1f} dB; the {} moved {:+.1f} dB{}, {}).", where, landed[k],
                            move.fader ? "fader" : "ride", moved, top, why);
      continue;
    }
    // With several moves, each is named by its parts, in a sentence of its own.
    std::string whose;
    const bool one_bus = std::all_of(move.strips.begin(), move.strips.end(), [&](const std::string& name) {
      const auto* st = console.find_strip(name);
      return st && st0 && !st0->bus.empty() && st->bus == st0->bus;
    });
    if (move.strips.size() > 2 && one_bus) {
      whose = fmt::format("the {} bus's {} parts", st0->bus, move.strips.size());
    } else {
      for (const auto& name : move.strips) whose += (whose.empty() ? "" : " and ") + fs::path(name).stem().string();
    }
    said[k] = fmt::format(" {} {}: {:+.1f} dB (the {} moved {:+.1f} dB{}, {}).",
                          whose, where, landed[k],
                          move.fader ? (move.strips.size() > 1 ? "faders" : "fader") : "ride", moved, top, why);
    said[k][1] = static_cast<char>(std::toupper(static_cast<unsigned char>(said[k][1])));
  }
  // Where every fader went (a move's own, and those that came down for one at the top).
  for (auto& n : notes)
    for (auto& ch : n.changes)
      if (ch.parameter == "fader_db" && ch.section.empty())
        if (const auto* st = console.find_strip(ch.stem)) ch.to = st->fader_db;
  for (auto& n : notes) {
    std::string add;
    for (std::size_t k = 0; k < moves.size(); ++k) {
      if (said[k].empty()) continue;
      const LevelMove& move = moves[k];
      bool mine = false;
      for (auto& ch : n.changes) {
        if (std::find(move.strips.begin(), move.strips.end(), ch.stem) == move.strips.end()) continue;
        if (move.fader && ch.parameter == "fader_db" && ch.section.empty()) {
          mine = true;  // its `to` set above with every fader's
        } else if (!move.fader && ch.parameter == "gain_db" && !ch.section.empty()) {
          ch.to = std::round((ch.from + depth[k] * (ch.to - ch.from)) * 1000.0) / 1000.0;
          mine = true;
        }
      }
      if (mine) {
        add += said[k];
        // The rest's faders, in the changes of the note whose move they made room for.
        if (topped[k]) {
          n.changes.insert(n.changes.end(), rest_down.begin(), rest_down.end());
          rest_down.clear();
        }
      }
    }
    if (add.empty()) continue;
    if (!n.reply.empty() && n.reply.back() == '.' && add[0] == ' ' && add[1] == '(') n.reply.pop_back();
    n.reply += add;
  }
}

ReviseOutcome run_revise(const ReviseRequest& req) {
  auto progress = [&](double f, const std::string& stage) {
    if (req.progress) req.progress(f, stage);
  };
  if (req.notes.empty() && !req.back) throw usage_error("--note", "give at least one --note TEXT (or --back N)");
  for (const auto& n : req.notes)
    if (std::all_of(n.begin(), n.end(), [](unsigned char c) { return std::isspace(c); }))
      throw usage_error("--note", "a note is empty; say what should change, e.g. --note \"the vocal is buried in the chorus\"");
  require_mix_folder(req.out);
  const fs::path out = req.out;
  sweep_stale_partials(out);  // what a killed earlier run left behind

  auto history = list_revisions(out);
  const int latest = history.back().number;
  if (req.back && (*req.back < 1 || *req.back > latest))
    // A number the folder does not hold: the command line's mistake (2), not the folder's (3).
    throw Error(ExitCode::usage, out.string(), "--back " + std::to_string(*req.back) + ": there is no rev-" +
                                                   std::to_string(*req.back) + " (revisions 1.." + std::to_string(latest) + ")");
  ensure_rev1(out);
  const int number = latest + 1;
  const int base_number = req.back ? *req.back : latest;
  const fs::path base_dir = rev_dir(out, base_number);
  const mix::Console base = load_session(base_dir / "session.toml");
  if (!base.decided)
    throw rejected((base_dir / "session.toml").string(),
                   "is not a session `mixdown mix` decided ([session] decided = true); a revision edits a finished mix");
  mix::Console console = base;

  // What the planner needs from disk: stem channel counts (width acts on stereo sources) and,
  // for vague notes, the current mix's measurements.
  revise::PlanContext ctx;
  for (const auto& s : console.strips) {
    try {
      ctx.stem_channels[s.name] = probe(s.file).channels;
    } catch (const Error&) {
      // a missing stem is reported by the render below
    }
  }
  std::vector<std::string> stem_names;
  for (const auto& s : console.strips) stem_names.push_back(s.name);
  // Every note's requests, read once for what the planner will need measured.
  bool any_vague = false, any_width = false;
  for (const auto& note : req.notes)
    for (const auto& r : revise::parse_requests(note, stem_names)) {
      any_vague = any_vague || r.kind == revise::NoteKind::vague;
      // Where a note widens or narrows, whether each stereo stem has a side signal to work with.
      any_width = any_width || (r.kind == revise::NoteKind::mix && (r.fix == revise::Fix::wider || r.fix == revise::Fix::narrower));
    }
  if (any_width) {
    progress(0.005, "measuring the stems' stereo width");
    for (const auto& s : console.strips)
      if (const auto ch = ctx.stem_channels.find(s.name); ch != ctx.stem_channels.end() && ch->second >= 2)
        if (const double d = side_under_mid_db(s.file); std::isfinite(d)) ctx.stem_side_db[s.name] = d;
  }
  // Where a note rides a part in a window, whether the part plays there (its own file's peak).
  if (const auto rides = revise::planned_rides(console, req.notes); !rides.empty()) {
    progress(0.01, "listening where the notes ride");
    ctx.window_peaks = measure_window_peaks(console, rides);
  }
  // A duck's key, and a bus that glue gives a compressor: the level their detector will hear.
  if (const auto levels = revise::planned_levels(console, req.notes); !levels.empty()) {
    progress(0.015, "measuring the levels a compressor will hear");
    for (const auto& name : levels) {
      fs::path file;
      if (name == "mix_bus") file = base_dir / "mix.wav";
      else if (name.rfind("bus:", 0) == 0) file = base_dir / "versions" / (name.substr(4) + ".wav");
      else if (const auto* s = console.find_strip(name)) file = s->file;
      if (!file.empty()) ctx.level_db[name] = detector_level_db(file);
    }
  }
  if (any_vague) {
    progress(0.02, "measuring the mix");
    ctx.mix_analysis = analyze_file(base_dir / "mix.wav");
  }

  ReviseOutcome o;
  o.revision.number = number;
  o.revision.dir = rev_dir(out, number);
  o.revision.date = iso_utc(std::chrono::system_clock::now());
  o.revision.based_on = base_number;
  o.revision.back_to = req.back;
  if (req.back) {
    revise::NoteResult r;
    r.note = "--back " + std::to_string(*req.back);
    r.kind = revise::NoteKind::mix;
    r.reply = "Went back to rev-" + std::to_string(*req.back) + ": its session, mix and masters as they were" +
              (req.notes.empty() ? "." : ", with the notes below applied on top.");
    o.revision.notes.push_back(r);
  }
  auto results = revise::plan_revision(console, req.notes, ctx);
  for (auto& r : results) o.revision.notes.push_back(std::move(r));
  const int limit = console.brief.revisions;
  if (limit > 0 && number - 1 > limit)
    o.revision.warning = "revision round " + std::to_string(number - 1) + " is past the " + std::to_string(limit) +
                         " included in the brief (revisions = " + std::to_string(limit) + ")";

  const fs::path partial = out / (".rev-" + std::to_string(number) + ".partial");
  fs::remove_all(partial);
  create_output_dir(partial, out);
  const bool changed = session_to_toml(console, out) != session_to_toml(base, out);
  if (changed) {
    const fs::path tmp_session = out / (".rev-" + std::to_string(number) + ".session.toml");
    write_text_atomic(tmp_session, session_to_toml(console, out));
    MixRequest mreq;
    mreq.stems = tmp_session;
    mreq.out = partial;
    mreq.targets = console.targets;
    mreq.master = fs::exists(out / "masters");
    mreq.threads = req.threads;
    mreq.progress = [&](double f, const std::string& stage) { progress(0.05 + 0.9 * f, stage); };
    try {
      // A stem exported again since the mix was decided: the revision says so (its render
      // uses the file as it is now).
      for (const auto& p : run_mix(mreq).problems)
        if (p.code == "stem_changed")
          o.revision.warning += (o.revision.warning.empty() ? "" : "; ") + p.message;
      land_level_moves(base, console, base_dir, partial, tmp_session, mreq, o.revision.notes, out);
    } catch (...) {
      std::error_code ec;
      fs::remove(tmp_session, ec);
      fs::remove_all(partial, ec);
      throw;
    }
    fs::remove(tmp_session);
    fs::remove_all(partial / "previews");  // the masters' A/B previews are not deliverables
    o.rendered = true;
  } else {
    write_text_atomic(partial / "session.toml", session_to_toml(console, partial));
    link_audio(base_dir, partial);
  }
  write_text_atomic(partial / "changes.json", changes_json_text(o.revision.notes));
  write_text_atomic(partial / "revision.json", record_json(o.revision).dump(2) + "\n");
  fs::rename(partial, o.revision.dir);
  progress(1.0, "done");
  return o;
}

std::string sha256_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw failed(path.string(), "cannot read the file to checksum it");
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx);
    throw failed(path.string(), "SHA-256 is not available (OpenSSL)");
  }
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto got = in.gcount();
    if (got > 0) EVP_DigestUpdate(ctx, buf.data(), static_cast<std::size_t>(got));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < len; ++i) {
    s.push_back(hex[md[i] >> 4]);
    s.push_back(hex[md[i] & 15]);
  }
  return s;
}

namespace {

std::string f1(double v, const char* fmt = "%.1f") {
  if (!std::isfinite(v)) return "–";
  char b[32];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

std::string md_escape(std::string s) {
  std::string o;
  for (char c : s) {
    if (c == '|') o += "\\|";
    else if (c == '\n') o += ' ';
    else o.push_back(c);
  }
  return o;
}

// Peak of (mix − sum of the bus stems), dBFS: the versions/ promise that the bus stems sum to the mix.
double bus_sum_residual_dbfs(const fs::path& dir, const std::vector<std::string>& buses) {
  std::vector<AudioReader> readers;
  AudioReader mix(dir / "mix.wav");
  for (const auto& b : buses) readers.emplace_back(dir / "versions" / (b + ".wav"));
  const int ch = mix.info().channels;
  for (auto& r : readers)
    if (r.info().channels != ch || r.info().frames != mix.info().frames) return 0.0;
  const std::size_t block = 1 << 15;
  AudioBuffer m(ch, block), s(ch, block), acc(ch, block);
  double peak = 0;
  for (;;) {
    const std::size_t n = mix.read(m.view());
    if (n == 0) break;
    for (int c = 0; c < ch; ++c) std::fill(acc.channel(c), acc.channel(c) + n, 0.0f);
    for (auto& r : readers) {
      const std::size_t k = r.read(s.view(n));
      for (int c = 0; c < ch; ++c)
        for (std::size_t i = 0; i < k; ++i) acc.channel(c)[i] += s.channel(c)[i];
    }
    for (int c = 0; c < ch; ++c)
      for (std::size_t i = 0; i < n; ++i) peak = std::max(peak, std::fabs(double(m.channel(c)[i]) - acc.channel(c)[i]));
  }
  return peak > 0 ? 20 * std::log10(peak) : -200.0;
}

}  // namespace

DeliverySheet write_delivery_sheet(const fs::path& out, int threads) {
  DeliverySheet sheet;
  sheet.revisions = list_revisions(out);
  const RevisionRecord& cur = sheet.revisions.back();
  const fs::path dir = cur.dir;

  // The latest revision's deliverables.
  std::vector<std::pair<fs::path, std::string>> files;
  if (fs::exists(dir / "mix.wav")) files.emplace_back(dir / "mix.wav", "mix");
  static const std::vector<std::string> bus_names{"drums", "bass", "music", "vocals", "fx"};
  std::vector<std::string> buses_present;
  auto sorted_wavs = [](const fs::path& d) {
    std::vector<fs::path> v;
    if (fs::is_directory(d))
      for (const auto& e : fs::directory_iterator(d))
        if (e.is_regular_file() && e.path().extension() == ".wav" && e.path().filename().string().front() != '.')
          v.push_back(e.path());
    std::sort(v.begin(), v.end());
    return v;
  };
  for (const auto& p : sorted_wavs(dir / "versions")) {
    const bool bus = std::find(bus_names.begin(), bus_names.end(), p.stem().string()) != bus_names.end();
    if (bus) buses_present.push_back(p.stem().string());
    files.emplace_back(p, bus ? "bus stem" : "version");
  }
  for (const auto& p : sorted_wavs(dir / "versions" / "stems")) files.emplace_back(p, "stem");
  for (const auto& p : sorted_wavs(dir / "masters")) files.emplace_back(p, "master");

  sheet.deliverables.resize(files.size());
  std::mutex err_mutex;
  std::string first_error;
  parallel_for(files.size(), threads, [&](std::size_t i) {
    Deliverable& d = sheet.deliverables[i];
    d.path = fs::relative(files[i].first, out);
    d.kind = files[i].second;
    try {
      const auto info = probe(files[i].first);
      d.format = info.container + " " + info.encoding;
      d.sample_rate = info.sample_rate;
      d.bit_depth = info.bit_depth;
      d.channels = info.channels;
      d.duration_s = info.duration_s();
      const auto a = analyze_file(files[i].first);
      d.integrated_lufs = a.loudness.integrated_lufs;
      d.true_peak_dbtp = a.loudness.true_peak_dbtp;
      d.range_lu = a.loudness.range_lu;
      d.clipped_runs = a.clipped_runs;
      d.sha256 = sha256_file(files[i].first);
    } catch (const Error& e) {
      std::lock_guard lock(err_mutex);
      if (first_error.empty()) first_error = e.what();
    }
  });
  if (!first_error.empty()) throw failed(out.string(), "cannot measure a deliverable: " + first_error);

  // Checks.
  const Deliverable* mix = nullptr;
  for (const auto& d : sheet.deliverables)
    if (d.kind == "mix") mix = &d;
  if (mix) {
    sheet.checks.push_back({"mix true peak between -6 and -3 dBTP", mix->true_peak_dbtp >= -6.0 && mix->true_peak_dbtp <= -3.0,
                            f1(mix->true_peak_dbtp, "%.2f") + " dBTP"});
    sheet.checks.push_back({"mix is 24-bit", mix->bit_depth == 24, std::to_string(mix->bit_depth) + "-bit"});
    bool same = true;
    std::string off;
    for (const auto& d : sheet.deliverables)
      if (d.kind != "master" && std::fabs(d.duration_s - mix->duration_s) > 0.001) {
        same = false;
        off = d.path.string();
      }
    sheet.checks.push_back({"versions and stems as long as the mix", same,
                            same ? f1(mix->duration_s, "%.3f") + " s each" : off + " differs"});
  }
  for (const auto& d : sheet.deliverables) {
    if (d.kind != "master") continue;
    const auto t = master::find_target(d.path.stem().string());
    if (!t) continue;
    const double dl = d.integrated_lufs - t->integrated_lufs;
    sheet.checks.push_back({"master " + t->name + " within ±0.5 LU of " + f1(t->integrated_lufs, "%.0f") + " LUFS",
                            std::fabs(dl) <= 0.5, f1(d.integrated_lufs, "%.2f") + " LUFS"});
    sheet.checks.push_back({"master " + t->name + " true peak at or under " + f1(t->ceiling_dbtp) + " dBTP",
                            d.true_peak_dbtp <= t->ceiling_dbtp + 1e-9, f1(d.true_peak_dbtp, "%.2f") + " dBTP"});
    const int rate = mix ? master::delivery_rate(*t, mix->sample_rate) : d.sample_rate;
    sheet.checks.push_back({"master " + t->name + " is " + std::to_string(t->bit_depth) + "-bit " +
                                std::to_string(rate) + " Hz",
                            d.bit_depth == t->bit_depth && d.sample_rate == rate,
                            std::to_string(d.bit_depth) + "-bit " + std::to_string(d.sample_rate) + " Hz"});
  }
  {
    std::int64_t runs = 0;
    for (const auto& d : sheet.deliverables) runs += d.clipped_runs;
    sheet.checks.push_back({"no clipping in any deliverable", runs == 0, std::to_string(runs) + " clipped runs"});
  }
  if (mix && !buses_present.empty()) {
    const double r = bus_sum_residual_dbfs(dir, buses_present);
    sheet.checks.push_back({"bus stems sum to the mix", r < -80.0, "residual peak " + f1(r) + " dBFS"});
  }

  // Markdown.
  std::ostringstream md;
  md << "# Delivery sheet — " << fs::absolute(out).lexically_normal().filename().string() << "\n\n";
  md << "Current revision: **rev-" << cur.number << "**";
  if (!cur.date.empty()) md << " (" << cur.date << ")";
  md << ".\n\n## Revisions\n\n| rev | date | note | kind | what changed |\n|---|---|---|---|---|\n";
  for (const auto& r : sheet.revisions) {
    const std::string rev = "rev-" + std::to_string(r.number);
    if (r.number == 1 && r.notes.empty()) {
      md << "| " << rev << " | " << r.date << " | the first mix | — | mixed from the stems |\n";
      continue;
    }
    if (r.notes.empty()) md << "| " << rev << " | " << r.date << " | — | — | — |\n";
    for (std::size_t i = 0; i < r.notes.size(); ++i) {
      const auto& n = r.notes[i];
      std::string what = n.reply;
      if (!n.changes.empty()) what += " (" + std::to_string(n.changes.size()) + " setting" + (n.changes.size() > 1 ? "s" : "") + ")";
      md << "| " << (i == 0 ? rev : "") << " | " << (i == 0 ? r.date : "") << " | " << md_escape(n.note) << " | "
         << revise::to_string(n.kind) << " | " << md_escape(what) << " |\n";
    }
    if (!r.warning.empty()) md << "| " << rev << " | | **warning** | | " << md_escape(r.warning) << " |\n";
  }
  md << "\n## Deliverables (rev-" << cur.number << ")\n\n"
     << "| file | kind | format | sample rate | bit depth | duration | integrated | true peak | LRA | SHA-256 |\n"
     << "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& d : sheet.deliverables)
    md << "| " << md_escape(d.path.string()) << " | " << d.kind << " | " << d.format << " | " << d.sample_rate
       << " Hz | " << d.bit_depth << " | " << f1(d.duration_s, "%.3f") << " s | " << f1(d.integrated_lufs)
       << " LUFS | " << f1(d.true_peak_dbtp) << " dBTP | " << f1(d.range_lu) << " LU | `" << d.sha256 << "` |\n";
  if (sheet.revisions.size() > 1) {
    md << "\n## Earlier revisions\n\n| rev | file | SHA-256 |\n|---|---|---|\n";
    for (std::size_t k = 0; k + 1 < sheet.revisions.size(); ++k) {
      const auto& r = sheet.revisions[k];
      std::vector<fs::path> fs_;
      if (fs::exists(r.dir / "mix.wav")) fs_.push_back(r.dir / "mix.wav");
      for (const auto& p : sorted_wavs(r.dir / "masters")) fs_.push_back(p);
      for (const auto& p : fs_)
        md << "| rev-" << r.number << " | " << md_escape(fs::relative(p, out).string()) << " | `" << sha256_file(p)
           << "` |\n";
    }
  }
  md << "\n## Checks\n\n";
  bool all = true;
  for (const auto& c : sheet.checks) {
    md << "- [" << (c.passed ? "x" : " ") << "] " << c.what << " — " << c.detail << (c.passed ? "" : " **FAILED**")
       << "\n";
    all = all && c.passed;
  }
  md << "\n" << (all ? "All checks passed." : "Some checks failed: see above.") << "\n";
  sheet.markdown = md.str();
  write_text_atomic(out / kDeliverySheetFile, sheet.markdown);
  return sheet;
}

}  // namespace mixdown::io
