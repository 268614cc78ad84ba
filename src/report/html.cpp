#include "report/html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "mix/brief_effects.hpp"
#include "mix/role_targets.hpp"

namespace fs = std::filesystem;

namespace mixdown::report {
namespace {

using analysis::TranslationReport;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string esc(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string rel(const fs::path& p, const fs::path& out) {
  if (p.empty()) return {};
  std::error_code ec;
  const auto r = fs::relative(p, out, ec);
  return (ec || r.empty()) ? p.filename().string() : r.generic_string();
}

std::string fmt1(double v, const char* unit = "") {
  if (!std::isfinite(v)) return "&ndash;";
  return fmt::format("{:.1f}{}", v, unit);
}

std::string clock(double s) {
  const int t = static_cast<int>(std::max(0.0, s));
  return fmt::format("{}:{:02d}", t / 60, t % 60);
}

// ---- SVG plotting ---------------------------------------------------------------------------

struct Frame {
  double w = 960, h = 280, l = 58, r = 18, t = 14, b = 40;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  bool logx = false;
  double X(double v) const {
    const double f = logx ? (std::log(v) - std::log(x0)) / (std::log(x1) - std::log(x0)) : (v - x0) / (x1 - x0);
    return l + f * (w - l - r);
  }
  double Y(double v) const { return t + (1.0 - (v - y0) / (y1 - y0)) * (h - t - b); }
  double pw() const { return w - l - r; }
  double ph() const { return h - t - b; }
};

std::string svg_open(const Frame& f, const std::string& id, const std::string& label) {
  return fmt::format(R"(<svg id="{}" class="plot" viewBox="0 0 {} {}" role="img" aria-label="{}">)", id, f.w, f.h,
                     esc(label));
}

std::string axes(const Frame& f, const std::vector<std::pair<double, std::string>>& xt,
                 const std::vector<std::pair<double, std::string>>& yt, const std::string& xlabel,
                 const std::string& ylabel) {
  std::string s = fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" class="pa"/>)", f.l, f.t, f.pw(), f.ph());
  for (const auto& [v, lab] : yt) {
    const double y = f.Y(v);
    s += fmt::format(R"(<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" class="grid"/>)", f.l, f.w - f.r, y, y);
    s += fmt::format(R"(<text x="{}" y="{:.1f}" class="tick" text-anchor="end">{}</text>)", f.l - 6, y + 4, esc(lab));
  }
  for (const auto& [v, lab] : xt) {
    const double x = f.X(v);
    s += fmt::format(R"(<line x1="{:.1f}" x2="{:.1f}" y1="{}" y2="{}" class="grid"/>)", x, x, f.t, f.h - f.b);
    s += fmt::format(R"(<text x="{:.1f}" y="{}" class="tick" text-anchor="middle">{}</text>)", x, f.h - f.b + 16, esc(lab));
  }
  if (!xlabel.empty())
    s += fmt::format(R"(<text x="{}" y="{}" class="axl" text-anchor="middle">{}</text>)", f.l + f.pw() / 2, f.h - 4, esc(xlabel));
  if (!ylabel.empty())
    s += fmt::format(R"X(<text x="14" y="{}" class="axl" text-anchor="middle" transform="rotate(-90 14 {})">{}</text>)X",
                     f.t + f.ph() / 2, f.t + f.ph() / 2, esc(ylabel));
  return s;
}

std::string path_of(const Frame& f, const std::vector<double>& xs, const std::vector<double>& ys) {
  std::string d;
  bool pen = false;
  for (std::size_t i = 0; i < xs.size() && i < ys.size(); ++i) {
    if (!std::isfinite(ys[i]) || !std::isfinite(xs[i])) {
      pen = false;
      continue;
    }
    const double y = std::clamp(ys[i], f.y0, f.y1);
    d += fmt::format("{}{:.1f},{:.1f}", pen ? " L" : " M", f.X(xs[i]), f.Y(y));
    pen = true;
  }
  return d;
}

std::vector<std::pair<double, std::string>> freq_ticks() {
  return {{31.5, "31"}, {63, "63"}, {125, "125"}, {250, "250"}, {500, "500"}, {1000, "1k"},
          {2000, "2k"}, {4000, "4k"}, {8000, "8k"}, {16000, "16k"}};
}

std::vector<std::pair<double, std::string>> db_ticks(double lo, double hi, double step, const char* unit = "") {
  std::vector<std::pair<double, std::string>> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9; v += step) t.push_back({v, fmt::format("{:.0f}{}", v, unit)});
  return t;
}

std::vector<std::pair<double, std::string>> time_ticks(double dur) {
  const double step = dur > 400 ? 60 : dur > 120 ? 30 : dur > 40 ? 10 : 5;
  std::vector<std::pair<double, std::string>> t;
  for (double v = 0; v <= dur + 1e-9; v += step) t.push_back({v, clock(v)});
  return t;
}

std::string legend(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string s = R"(<div class="legend">)";
  for (const auto& [cls, label] : items) s += fmt::format(R"(<span><i class="{}"></i>{}</span>)", cls, esc(label));
  return s + "</div>";
}

// ---- plots ----------------------------------------------------------------------------------

struct SectionSpan {
  std::string name;
  double start, end;
};

std::string loudness_plot(const analysis::LoudnessSeries& st, const std::vector<SectionSpan>& sections,
                          double integrated, double duration) {
  if (st.lufs.empty()) return R"(<p id="plot-loudness" class="empty">Too short for a short-term loudness curve.</p>)";
  Frame f;
  f.x0 = 0;
  f.x1 = std::max(duration, st.first_s + st.step_s * double(st.lufs.size()));
  double hi = -60, lo = 0;
  for (float v : st.lufs)
    if (std::isfinite(v)) hi = std::max(hi, double(v)), lo = std::min(lo, double(v));
  f.y1 = std::ceil(hi / 3.0) * 3.0 + 3.0;
  f.y0 = std::max(std::floor(lo / 3.0) * 3.0, f.y1 - 36.0);
  std::string s = svg_open(f, "plot-loudness", "short-term loudness over time with sections");
  s += axes(f, time_ticks(f.x1), db_ticks(f.y0, f.y1, f.y1 - f.y0 > 24 ? 6 : 3), "time", "LUFS (3 s)");
  // Sections as alternating bands with their names.
  int k = 0;
  for (const auto& sec : sections) {
    const double x0 = f.X(std::clamp(sec.start, f.x0, f.x1)), x1 = f.X(std::clamp(sec.end, f.x0, f.x1));
    s += fmt::format(R"(<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" class="sec sec{}"/>)", x0, f.t,
                     std::max(0.0, x1 - x0), f.ph(), k++ % 2);
    if (x1 - x0 > 34)
      s += fmt::format(R"(<text x="{:.1f}" y="{}" class="secl">{}</text>)", x0 + 5, f.t + 14, esc(sec.name));
  }
  std::vector<double> xs, ys;
  for (std::size_t i = 0; i < st.lufs.size(); ++i) {
    xs.push_back(st.first_s + st.step_s * double(i));
    ys.push_back(st.lufs[i] > -70.0f ? double(st.lufs[i]) : kNaN);
  }
  if (std::isfinite(integrated) && integrated > f.y0)
    s += fmt::format(R"(<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" class="ref"/>)", f.l, f.w - f.r, f.Y(integrated), f.Y(integrated));
  s += fmt::format(R"(<path d="{}" class="l1"/>)", path_of(f, xs, ys));
  std::vector<std::pair<std::string, std::string>> items{{"k l1", "short-term loudness"},
                                                          {"k ref", fmt::format("integrated {:.1f} LUFS", integrated)}};
  if (!sections.empty()) items.push_back({"k sec0", "sections"});
  return s + "</svg>" + legend(items);
}

struct Curve {
  std::string label, cls;
  std::vector<double> hz, db;
};

// Spectrum curves (aligned by the caller) with the tonal target drawn as a band of tilts
// through the first curve's 500 Hz - 2 kHz level.
std::string spectrum_plot(const std::vector<Curve>& curves, const std::string& note) {
  Frame f;
  f.logx = true;
  f.x0 = 20;
  f.x1 = 20000;
  double hi = -200;
  for (const auto& c : curves)
    for (double v : c.db)
      if (std::isfinite(v)) hi = std::max(hi, v);
  if (hi < -199) return R"(<p id="plot-spectrum" class="empty">No spectrum.</p>)";
  f.y1 = std::ceil(hi / 6.0) * 6.0 + 3.0;
  f.y0 = f.y1 - 60.0;
  std::string s = svg_open(f, "plot-spectrum", "long-term spectrum against the target");
  s += axes(f, freq_ticks(), db_ticks(f.y0, f.y1, 12), "frequency (Hz)", "dB");
  // Target: the mastering stage's tonal target keeps the tilt between -2.5 and -5 dB/octave
  // (pink noise is 0 in these units: power per fractional-octave band).
  const auto& c0 = curves.front();
  double sum = 0;
  int n = 0;
  for (std::size_t i = 0; i < c0.hz.size(); ++i)
    if (c0.hz[i] >= 500 && c0.hz[i] <= 2000 && std::isfinite(c0.db[i])) sum += c0.db[i], ++n;
  if (n > 0) {
    const double anchor = sum / n;
    std::string d;
    const double lo_hz = 100, hi_hz = 16000;
    auto pt = [&](double hz, double tilt) { return fmt::format("{:.1f},{:.1f}", f.X(hz), f.Y(std::clamp(anchor + tilt * std::log2(hz / 1000.0), f.y0, f.y1))); };
    d = "M" + pt(lo_hz, -2.5) + " L" + pt(hi_hz, -2.5) + " L" + pt(hi_hz, -5.0) + " L" + pt(lo_hz, -5.0) + " Z";
    s += fmt::format(R"(<path d="{}" class="target"/>)", d);
  }
  for (const auto& c : curves) s += fmt::format(R"(<path d="{}" class="{}"/>)", path_of(f, c.hz, c.db), c.cls);
  s += "</svg>";
  std::vector<std::pair<std::string, std::string>> items;
  for (const auto& c : curves) items.push_back({"k " + c.cls, c.label});
  items.push_back({"k target", "target tilt (-2.5 to -5 dB/oct)"});
  return s + legend(items) + (note.empty() ? "" : "<p class=\"note\">" + esc(note) + "</p>");
}

// Correlation (-1..1) and width per band as paired bars.
std::string stereo_plot(const analysis::StereoReport& st) {
  Frame f;
  f.h = 240;
  f.x0 = 0;
  f.x1 = 6;
  f.y0 = -1;
  f.y1 = 1.2;
  std::string s = svg_open(f, "plot-stereo", "stereo correlation and width per band");
  std::vector<std::pair<double, std::string>> xt;
  for (int i = 0; i < 6; ++i) xt.push_back({i + 0.5, std::string(analysis::kBandNames[std::size_t(i)])});
  s += axes(f, xt, {{-1, "-1"}, {-0.5, "-0.5"}, {0, "0"}, {0.5, "0.5"}, {1, "1"}}, "band", "");
  const double bw = f.pw() / 6 * 0.3;
  for (int i = 0; i < 6; ++i) {
    const double c = std::clamp(st.band_correlation[std::size_t(i)], -1.0, 1.0);
    const double w = std::clamp(st.band_width[std::size_t(i)], 0.0, 1.2);
    const double xc = f.X(i + 0.5);
    const double y0 = f.Y(0);
    s += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" class="{}"><title>correlation {:.2f}</title></rect>)",
                     xc - bw - 2, std::min(y0, f.Y(c)), bw, std::fabs(f.Y(c) - y0), c < 0 ? "bneg" : "b1", c);
    s += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" class="b2"><title>width {:.2f}</title></rect>)",
                     xc + 2, f.Y(w), bw, y0 - f.Y(w), w);
  }
  s += "</svg>";
  return s + legend({{"k b1", "correlation (1 = mono-safe, below 0 = cancels in mono)"}, {"k b2", "width (side / mid)"}});
}

// What each third-octave band loses in the mono fold-down.
std::string mono_loss_plot(const TranslationReport& tr) {
  Frame f;
  f.h = 240;
  f.logx = true;
  f.x0 = 31.5;
  f.x1 = 16000;
  f.y0 = -12;
  f.y1 = 1;
  std::string s = svg_open(f, "plot-stereo", "loss per band in the mono fold-down");
  s += axes(f, freq_ticks(), db_ticks(f.y0, f.y1, 3), "frequency (Hz)", "mono − stereo (dB)");
  for (std::size_t i = 0; i < tr.input.band_hz.size(); ++i) {
    const double v = tr.input.mono_band_loss_db[i];
    if (!std::isfinite(v)) continue;
    const double x = f.X(tr.input.band_hz[i]);
    const double y = f.Y(std::clamp(-v, f.y0, 0.0));
    s += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="12" height="{:.1f}" class="{}"><title>{:.0f} Hz: {:.1f} dB</title></rect>)",
                     x - 6, f.Y(0), std::max(0.5, y - f.Y(0)), v > 6 ? "bneg" : "b1", tr.input.band_hz[i], -v);
  }
  s += fmt::format(R"(<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" class="ref"/>)", f.l, f.w - f.r, f.Y(-6), f.Y(-6));
  return s + "</svg>" + legend({{"k b1", "level change in mono"}, {"k ref", "−6 dB: an element vanishing"}});
}

struct StemRow {
  std::string name, role;
  double placed = kNaN, target = kNaN;
};

std::string stems_plot(const std::vector<StemRow>& rows, bool focus) {
  if (rows.empty()) return R"(<p id="plot-stems" class="empty">No stem analysis (a decided session was re-rendered as it stands).</p>)";
  Frame f;
  f.l = 190;
  f.h = 34 + 22.0 * double(rows.size()) + 40;
  double lo = 0, hi = 0;
  for (const auto& r : rows) {
    for (double v : {r.placed, r.target})
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  f.x0 = std::floor(lo / 3) * 3 - 3;
  f.x1 = std::ceil(hi / 3) * 3 + 3;
  f.y0 = 0;
  f.y1 = double(rows.size());
  std::string s = svg_open(f, "plot-stems", "per-stem loudness against its target");
  std::vector<std::pair<double, std::string>> xt;
  for (double v = f.x0; v <= f.x1 + 1e-9; v += (f.x1 - f.x0 > 30 ? 6 : 3)) xt.push_back({v, fmt::format("{:+.0f}", v)});
  s += axes(f, xt, {}, focus ? "LU relative to the focus" : "LU relative to the average stem", "");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const double y = f.Y(double(rows.size() - i) - 0.5);
    s += fmt::format(R"(<text x="{}" y="{:.1f}" class="tick" text-anchor="end">{} <tspan class="role">{}</tspan></text>)", f.l - 8,
                     y + 4, esc(r.name.size() > 22 ? r.name.substr(0, 21) + "…" : r.name), esc(r.role));
    if (std::isfinite(r.placed) && std::isfinite(r.target)) {
      const double miss = r.placed - r.target;
      s += fmt::format(R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" class="{}"/>)", f.X(r.target), f.X(r.placed), y, y,
                       std::fabs(miss) > 3 ? "miss bad" : "miss");
    }
    if (std::isfinite(r.target))
      s += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="4" height="14" class="tgt"><title>target {:+.1f} LU</title></rect>)",
                       f.X(r.target) - 2, y - 7, r.target);
    if (std::isfinite(r.placed))
      s += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="5" class="dot"><title>placed {:+.1f} LU</title></circle>)", f.X(r.placed), y,
                       r.placed);
  }
  return s + "</svg>" + legend({{"k dot", "as placed (analysed loudness + trim + fader)"}, {"k tgt", "role target"}});
}

std::string masking_plot(const io::MixOutcome& o) {
  const auto& c = o.console;
  int focus = -1;
  for (std::size_t i = 0; i < c.strips.size(); ++i)
    if (c.strips[i].name == c.focus) focus = int(i);
  if (focus < 0 || o.stem_analyses.size() != c.strips.size())
    return R"(<p id="plot-masking" class="empty">No masking map: no focus stem with an analysis (an instrumental without a lead has none).</p>)";
  const auto& fa = o.stem_analyses[std::size_t(focus)];
  const std::size_t frames = fa.num_frames();
  const int bands = fa.bands;
  if (frames == 0 || bands <= 0) return R"(<p id="plot-masking" class="empty">No masking map: the focus is empty.</p>)";
  const std::size_t cols = std::min<std::size_t>(frames, 160);
  // Per column and band: mean over the focus's active frames of (others - focus) in dB, each
  // stem at its trim + fader.
  std::vector<double> diff(cols * std::size_t(bands), 0.0);
  std::vector<int> count(cols * std::size_t(bands), 0);
  auto gain = [&](std::size_t i) { return c.strips[i].mute ? -200.0 : c.strips[i].trim_db + c.strips[i].fader_db; };
  for (std::size_t t = 0; t < frames; ++t) {
    if (!fa.active.empty() && !fa.active[t]) continue;
    const std::size_t col = t * cols / frames;
    // Only the bands the focus really occupies in this frame (within 25 dB of its strongest):
    // elsewhere it has nothing to mask.
    double top = -300.0;
    for (int b = 0; b < bands; ++b) top = std::max(top, double(fa.band(t, b)));
    for (int b = 0; b < bands; ++b) {
      if (fa.band(t, b) < top - 25.0) continue;
      const double fd = fa.band(t, b) + gain(std::size_t(focus));
      double others = 0.0;
      for (std::size_t i = 0; i < o.stem_analyses.size(); ++i) {
        if (int(i) == focus) continue;
        const auto& sa = o.stem_analyses[i];
        if (t >= sa.num_frames() || sa.bands != bands) continue;
        others += std::pow(10.0, (sa.band(t, b) + gain(i)) / 10.0);
      }
      const double od = others > 0 ? 10.0 * std::log10(others) : -200.0;
      diff[col * std::size_t(bands) + std::size_t(b)] += std::clamp(od - fd, -30.0, 30.0);
      ++count[col * std::size_t(bands) + std::size_t(b)];
    }
  }
  Frame f;
  f.h = 300;
  f.x0 = 0;
  f.x1 = double(frames) * fa.frame_s;
  f.y0 = 0;
  f.y1 = bands;
  std::string s = svg_open(f, "plot-masking", "masking map of the focus against the other stems");
  std::vector<std::pair<double, std::string>> yt;
  for (int b = 0; b < bands; b += 4) {
    const double hz = 0.5 * (fa.band_edges_hz.size() > std::size_t(b + 1) ? fa.band_edges_hz[std::size_t(b)] + fa.band_edges_hz[std::size_t(b + 1)] : 0);
    yt.push_back({b + 0.5, hz >= 1000 ? fmt::format("{:.1f}k", hz / 1000) : fmt::format("{:.0f}", hz)});
  }
  s += axes(f, time_ticks(f.x1), yt, "time", "Hz");
  const double cw = f.pw() / double(cols), ch = f.ph() / bands;
  for (std::size_t col = 0; col < cols; ++col)
    for (int b = 0; b < bands; ++b) {
      const std::size_t k = col * std::size_t(bands) + std::size_t(b);
      if (count[k] == 0) continue;
      const double d = diff[k] / count[k];
      // Red where the others cover the focus, green where the focus stands clear.
      std::string fill;
      if (d > 0) fill = fmt::format("rgba(214,69,65,{:.2f})", std::min(1.0, 0.15 + d / 15.0));
      else fill = fmt::format("rgba(46,160,110,{:.2f})", std::min(0.85, 0.1 + -d / 30.0));
      s += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.2f}" height="{:.2f}" fill="{}"/>)", f.l + col * cw,
                       f.t + (bands - 1 - b) * ch, cw + 0.3, ch + 0.3, fill);
    }
  return s + "</svg>" +
         legend({{"k mred", "the other stems louder than the focus (" + c.focus + ") in that band"},
                 {"k mgreen", "the focus stands clear"}, {"k mnone", "focus silent there"}});
}

std::string metrics_tiles(const std::vector<std::tuple<std::string, double, double, double, double>>& rows) {
  // rows: label, integrated, LRA, PLR, true peak
  std::string s = R"(<div id="metrics" class="tiles">)";
  for (const auto& [label, i, lra, plr, tp] : rows) {
    s += fmt::format(R"(<div class="tile"><h4>{}</h4><dl><dt>Integrated</dt><dd>{} <small>LUFS</small></dd><dt>LRA</dt><dd>{} <small>LU</small></dd>)"
                     R"(<dt>PLR</dt><dd>{} <small>dB</small></dd><dt>True peak</dt><dd class="{}">{} <small>dBTP</small></dd></dl></div>)",
                     esc(label), fmt1(i), fmt1(lra), fmt1(plr), tp > -1.0 ? "warn" : "", fmt1(tp));
  }
  return s + "</div>";
}

std::string translation_table(const TranslationReport* tr) {
  if (!tr) return R"(<p id="table-translation" class="empty">The translation checks were not run.</p>)";
  std::string s = R"(<table id="table-translation" class="tt"><thead><tr><th>System</th><th>What it models</th><th>Loudness</th>)"
                  R"(<th>Lead vs rest</th><th>Bass / mid / top (dB)</th><th>Listen</th><th>Verdict</th></tr></thead><tbody>)";
  for (const auto& m : tr->systems) {
    const std::string name(to_string(m.system));
    std::string verdict;
    for (const auto& p : tr->problems)
      if (p.system == name) verdict += fmt::format(R"(<div class="pb {}"><b>{}</b> {}</div>)", to_string(p.severity), esc(p.code), esc(p.message));
    std::string notes;
    for (const auto& n : m.notes) notes += (notes.empty() ? "" : "; ") + n;
    if (verdict.empty()) verdict = R"(<span class="ok">fine</span>)" + (notes.empty() ? "" : "<div class=\"note\">" + esc(notes) + "</div>");
    else if (!notes.empty()) verdict += "<div class=\"note\">" + esc(notes) + "</div>";
    const auto model = analysis::playback_model(m.system, 48000.0);
    const double low = std::max(m.bands_db[0], m.bands_db[1]);
    s += fmt::format(R"(<tr><td><b>{}</b></td><td class="desc">{}</td><td class="n">{} LUFS</td><td class="n">{}</td>)"
                     R"(<td class="n">{} / {} / {}</td><td>{}</td><td>{}</td></tr>)",
                     esc(name), esc(model.description), fmt1(m.loudness_lufs),
                     m.vocal_to_rest_db ? fmt::format("{:+.1f} dB", *m.vocal_to_rest_db) : "&ndash;", fmt1(low),
                     fmt1(m.bands_db[3]), fmt1(m.bands_db[5]),
                     m.file.empty() ? "" : fmt::format(R"(<audio controls preload="none" src="{}"></audio>)", esc(m.file)), verdict);
  }
  s += "</tbody></table>";
  if (!tr->vocal_note.empty()) s += "<p class=\"note\">Lead vs rest: " + esc(tr->vocal_note) + ".</p>";
  return s;
}

std::string problems_block(const std::vector<Problem>& in) {
  // The same problem may reach us twice (intake problems are also the check's); and one code
  // on many stems reads better as one entry naming them all.
  std::vector<Problem> problems;
  for (const auto& p : in)
    if (std::find(problems.begin(), problems.end(), p) == problems.end()) problems.push_back(p);
  if (problems.empty())
    return R"(<section id="problems" class="card good"><h2>Problems</h2><p>Nothing to fix: no problem was found.</p></section>)";
  struct Group {
    const Problem* first;
    std::vector<std::string> where;
  };
  std::vector<Group> groups;
  for (const auto& p : problems) {
    const std::string where = !p.stem.empty() ? p.stem : p.system;
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
      return !where.empty() && g.first->code == p.code && g.first->severity == p.severity && g.first->fix == p.fix &&
             !g.where.empty() && !p.stem.empty() == !g.first->stem.empty();
    });
    if (it == groups.end()) groups.push_back({&p, where.empty() ? std::vector<std::string>{} : std::vector<std::string>{where}});
    else it->where.push_back(where);
  }
  std::stable_sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) { return int(a.first->severity) > int(b.first->severity); });
  std::string s = fmt::format(R"(<section id="problems" class="card"><h2>Problems</h2><p class="sub">{} found; errors first.</p><ul class="problems">)",
                              problems.size());
  for (const auto& g : groups) {
    const Problem& p = *g.first;
    std::string where;
    for (const auto& w : g.where) where += (where.empty() ? "" : ", ") + w;
    const std::string msg = g.where.size() > 1 ? fmt::format("{} (and the same on {} more)", p.message, g.where.size() - 1) : p.message;
    s += fmt::format(R"(<li class="{}"><span class="sev">{}</span> <b>{}</b>{} — {}{}</li>)", to_string(p.severity), to_string(p.severity),
                     esc(p.code), where.empty() ? "" : " <span class=\"where\">(" + esc(where) + ")</span>", esc(msg),
                     p.fix.empty() ? "" : "<div class=\"fix\">Fix: " + esc(p.fix) + "</div>");
  }
  return s + "</ul></section>";
}

std::string reasons_list(const mix::Reasons& r) {
  if (r.empty()) return "<p class=\"note\">No decision recorded.</p>";
  std::string s = "<dl class=\"reasons\">";
  for (const auto& [k, v] : r) s += fmt::format("<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
  return s + "</dl>";
}

const char* kCss = R"CSS(
:root{--fg:#1d2330;--muted:#667085;--bg:#f5f6f8;--card:#fff;--line:#e3e6eb;--acc:#3b6fd8;--acc2:#e0883a;--bad:#d64541;--warn:#c98a12;--good:#2ea06e}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d2330;color:#fff;padding:28px 0 24px}header .wrap{display:flex;justify-content:space-between;align-items:flex-end;gap:24px;flex-wrap:wrap}
header h1{margin:0;font-size:26px;font-weight:650;letter-spacing:-.01em}header p{margin:4px 0 0;color:#b8c0cc}
.wrap{max-width:1120px;margin:0 auto;padding:0 24px}main{padding:20px 0 60px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 22px;margin:18px 0;box-shadow:0 1px 2px rgba(16,24,40,.04)}
h2{font-size:18px;margin:0 0 4px;font-weight:650}h3{font-size:15px;margin:16px 0 6px}.sub{color:var(--muted);margin:0 0 12px;font-size:14px}
.plot{width:100%;height:auto;display:block}.pa{fill:#fbfcfd;stroke:var(--line)}.grid{stroke:#eceef2;stroke-width:1}
.tick{font-size:11px;fill:var(--muted)}.axl{font-size:12px;fill:var(--muted)}.role{fill:#98a2b3;font-size:10px}
.l1{fill:none;stroke:var(--acc);stroke-width:1.8}.l2{fill:none;stroke:var(--acc2);stroke-width:1.8}.l3{fill:none;stroke:#7a5af8;stroke-width:1.6;stroke-dasharray:5 3}
.ref{stroke:var(--acc2);stroke-width:1.2;stroke-dasharray:6 4}.target{fill:rgba(46,160,110,.14);stroke:rgba(46,160,110,.5)}
.sec{stroke:none}.sec0{fill:rgba(59,111,216,.07)}.sec1{fill:rgba(59,111,216,.14)}.secl{font-size:11px;fill:#4a5568;font-weight:600}
.b1{fill:var(--acc)}.b2{fill:var(--acc2)}.bneg{fill:var(--bad)}.dot{fill:var(--acc)}.tgt{fill:#1d2330}
.miss{stroke:#9db4e8;stroke-width:3}.miss.bad{stroke:var(--bad)}
.legend{display:flex;gap:18px;flex-wrap:wrap;font-size:12.5px;color:var(--muted);margin:6px 0 0 58px}.legend i{display:inline-block;width:14px;height:10px;margin-right:6px;border-radius:2px;vertical-align:middle}
.k.l1{background:var(--acc)}.k.l2{background:var(--acc2)}.k.l3{background:#7a5af8}.k.ref{background:var(--acc2);height:2px}.k.target{background:rgba(46,160,110,.35)}
.k.sec0{background:rgba(59,111,216,.18)}.k.b1{background:var(--acc)}.k.b2{background:var(--acc2)}.k.dot{background:var(--acc);border-radius:50%;width:10px}.k.tgt{background:#1d2330;width:4px}
.k.mred{background:rgba(214,69,65,.8)}.k.mgreen{background:rgba(46,160,110,.6)}.k.mnone{background:#fbfcfd;border:1px solid var(--line)}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:12px}.tile{border:1px solid var(--line);border-radius:8px;padding:12px 14px;background:#fbfcfd}
.tile h4{margin:0 0 6px;font-size:14px}.tile dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:0}.tile dt{color:var(--muted);font-size:13px}.tile dd{margin:0;text-align:right;font-variant-numeric:tabular-nums;font-weight:600}
.tile small{color:var(--muted);font-weight:400}.warn{color:var(--warn)}
.players{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:10px 18px}.player{display:flex;flex-direction:column;gap:4px}.player span{font-size:13px;color:var(--muted)}audio{width:100%;height:34px}
table.tt{width:100%;border-collapse:collapse;font-size:13.5px}.tt th{text-align:left;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line);padding:6px 8px}
.tt td{border-bottom:1px solid var(--line);padding:8px;vertical-align:top}.tt td.n{white-space:nowrap;font-variant-numeric:tabular-nums}.tt td.desc{color:var(--muted);max-width:260px}.tt audio{width:180px}
.ok{color:var(--good);font-weight:600}.pb{margin-bottom:4px}.pb.warning b{color:var(--warn)}.pb.error b{color:var(--bad)}
.note{color:var(--muted);font-size:13px;margin:6px 0 0}.empty{color:var(--muted);font-style:italic}
ul.problems{list-style:none;padding:0;margin:8px 0 0}ul.problems li{padding:8px 12px;border-left:4px solid var(--warn);background:#fffaf0;margin:6px 0;border-radius:4px}
ul.problems li.error{border-color:var(--bad);background:#fff5f5}ul.problems li.info{border-color:#98a2b3;background:#f8f9fb}
.sev{text-transform:uppercase;font-size:11px;font-weight:700;letter-spacing:.04em;color:var(--muted)}.where{color:var(--muted)}.fix{font-size:13px;color:#475467;margin-top:2px}
.good{border-left:4px solid var(--good)}
details.stem{border-top:1px solid var(--line);padding:8px 0}details.stem summary{cursor:pointer;font-weight:600}details.stem summary .meta{font-weight:400;color:var(--muted);font-size:13px;margin-left:8px}
details.stem.flag summary{color:var(--bad)}dl.reasons{display:grid;grid-template-columns:150px 1fr;gap:4px 14px;margin:8px 0 4px 16px;font-size:13.5px}dl.reasons dt{color:var(--muted);font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}dl.reasons dd{margin:0}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px}@media (max-width:900px){.grid2{grid-template-columns:1fr}}
.kpis{display:flex;gap:22px}.kpi{text-align:right}.kpi b{display:block;font-size:22px;font-weight:650}.kpi span{font-size:12px;color:#b8c0cc}
)CSS";

std::string page(const std::string& title, const std::string& subtitle, const std::string& kpis, const std::string& body) {
  return fmt::format(R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{}</title><style>{}</style></head>
<body><header><div class="wrap"><div><h1>{}</h1><p>{}</p></div><div class="kpis">{}</div></div></header>
<main class="wrap">{}</main></body></html>
)",
                     esc(title), kCss, esc(title), esc(subtitle), kpis, body);
}

std::string card(const std::string& h, const std::string& sub, const std::string& content) {
  return fmt::format(R"(<section class="card"><h2>{}</h2>{}{}</section>)", esc(h), sub.empty() ? "" : "<p class=\"sub\">" + esc(sub) + "</p>", content);
}

std::string player(const std::string& label, const std::string& path) {
  return fmt::format(R"(<div class="player"><span>{}</span><audio controls preload="none" src="{}"></audio></div>)", esc(label), esc(path));
}

std::string kpi(const std::string& v, const std::string& label) { return fmt::format("<div class=\"kpi\"><b>{}</b><span>{}</span></div>", v, esc(label)); }

std::vector<double> to_vec(const std::vector<analysis::BandLevel>& b, bool hz) {
  std::vector<double> v;
  for (const auto& x : b) v.push_back(hz ? x.hz : x.db);
  return v;
}

// Shifts a curve so its 500 Hz - 2 kHz mean matches `anchor` (spectra compared at equal level).
void align(Curve& c, double anchor) {
  double s = 0;
  int n = 0;
  for (std::size_t i = 0; i < c.hz.size(); ++i)
    if (c.hz[i] >= 500 && c.hz[i] <= 2000 && std::isfinite(c.db[i])) s += c.db[i], ++n;
  if (n == 0) return;
  const double d = anchor - s / n;
  for (auto& v : c.db) v += d;
}

double mid_mean(const Curve& c) {
  double s = 0;
  int n = 0;
  for (std::size_t i = 0; i < c.hz.size(); ++i)
    if (c.hz[i] >= 500 && c.hz[i] <= 2000 && std::isfinite(c.db[i])) s += c.db[i], ++n;
  return n ? s / n : 0.0;
}

std::string master_decisions(const io::MasterOutcome& m) {
  std::string s = fmt::format(R"(<details class="stem" open><summary>master: {}<span class="meta">{:.1f} LUFS, {:.1f} dBTP</span></summary><dl class="reasons">)",
                              esc(m.target.name), m.after.integrated_lufs, m.after.true_peak_dbtp);
  for (const auto& d : m.chain.decisions) s += fmt::format("<dt>{}</dt><dd>{}</dd>", esc(d.what), esc(d.reason));
  return s + "</dl></details>";
}

}  // namespace

std::string mix_html(const io::MixOutcome& o, const fs::path& out, const TranslationReport* tr) {
  const auto& c = o.console;
  const auto& a = o.mix_analysis;
  std::string body;

  // Problems: intake, mix analysis, masters, translation.
  std::vector<Problem> problems = o.problems;
  problems.insert(problems.end(), a.problems.begin(), a.problems.end());
  if (o.check) problems.insert(problems.end(), o.check->problems.begin(), o.check->problems.end());
  if (o.master)
    for (const auto& m : o.master->masters) problems.insert(problems.end(), m.problems.begin(), m.problems.end());
  if (tr) problems.insert(problems.end(), tr->problems.begin(), tr->problems.end());
  body += problems_block(problems);

  // Players.
  std::string pl = player("Mix", "mix.wav");
  if (o.master) {
    for (const auto& m : o.master->masters) pl += player("Master — " + m.target.name, rel(m.file, out));
    if (!o.master->input_preview.empty())
      pl += player(fmt::format("Preview: mix at {:.0f} LUFS", o.master->preview_lufs), rel(o.master->input_preview, out));
    for (const auto& m : o.master->masters)
      if (!m.preview.empty()) pl += player(fmt::format("Preview: {} at {:.0f} LUFS", m.target.name, o.master->preview_lufs), rel(m.preview, out));
  }
  for (const char* v : {"instrumental", "acapella", "tv"})
    if (fs::exists(out / "versions" / (std::string(v) + ".wav"))) pl += player(std::string("Version — ") + v, std::string("versions/") + v + ".wav");
  body += card("Listen", "The previews play at equal loudness, so the comparison is about sound, not level.",
               "<div id=\"players\" class=\"players\">" + pl + "</div>");

  // Metrics.
  std::vector<std::tuple<std::string, double, double, double, double>> rows;
  rows.push_back({"Mix", a.loudness.integrated_lufs, a.loudness.range_lu, a.loudness.plr_db, a.loudness.true_peak_dbtp});
  if (o.master)
    for (const auto& m : o.master->masters)
      rows.push_back({"Master — " + m.target.name, m.after.integrated_lufs, m.after.range_lu, m.after.plr_db, m.after.true_peak_dbtp});
  body += card("Loudness, dynamics and peaks", "LRA: loudness range (EBU Tech 3342). PLR: true peak minus integrated loudness — how much punch is left.",
               metrics_tiles(rows));

  // Loudness over time.
  std::vector<SectionSpan> secs;
  for (const auto& s : c.sections) secs.push_back({s.name, s.start_s, s.end_s});
  if (secs.empty())
    for (const auto& s : o.song.sections) secs.push_back({s.name, s.start_s, s.end_s});
  body += card("Loudness over time", "Short-term (3 s) loudness of the mix, with the sections mixdown found.",
               loudness_plot(a.dynamics.short_term, secs, a.loudness.integrated_lufs, a.duration_s));

  // Spectrum.
  std::vector<Curve> curves;
  curves.push_back({"mix", "l1", to_vec(a.spectrum.third_octave, true), to_vec(a.spectrum.third_octave, false)});
  std::string note = "No reference track was given to compare with.";
  if (tr && !tr->input.third_octave_db.empty() && o.master && !o.master->masters.empty()) {
    Curve m{"master (" + o.master->masters.front().target.name + ")", "l2", analysis::third_octave_nominal_hz(), tr->input.third_octave_db};
    align(m, mid_mean(curves[0]));
    curves.push_back(m);
  }
  body += card("Spectrum", "Third-octave long-term spectrum against the tonal target band (curves aligned at 500 Hz–2 kHz).",
               spectrum_plot(curves, note));

  // Stereo.
  body += card("Stereo image", fmt::format("Correlation {:.2f} overall, {:.2f} below 150 Hz; the mono fold-down is {:.1f} LU quieter.",
                                           a.stereo.correlation, a.stereo.low_end_correlation, a.stereo.mono_loss_lu),
               stereo_plot(a.stereo));

  // Stems against their targets.
  std::vector<StemRow> srows;
  if (o.stem_analyses.size() == c.strips.size()) {
    double focus_placed = kNaN, focus_target = kNaN;
    std::vector<Role> accompaniment;  // as the balance reads it (mix/balance.cpp)
    for (std::size_t i = 0; i < c.strips.size(); ++i)
      if (c.strips[i].name != c.focus && !o.stem_analyses[i].silent()) accompaniment.push_back(c.strips[i].role);
    const double accompaniment_lu = mix::loudest_role_lu(accompaniment);
    for (std::size_t i = 0; i < c.strips.size(); ++i) {
      const auto& s = c.strips[i];
      if (s.name != c.focus) continue;
      focus_placed = o.stem_analyses[i].active_lufs + s.trim_db + s.fader_db;
      focus_target = mix::role_target(s.role, c.brief, true, accompaniment_lu).lu;
    }
    if (!std::isfinite(focus_placed)) focus_placed = 0, focus_target = 0;
    for (std::size_t i = 0; i < c.strips.size(); ++i) {
      const auto& s = c.strips[i];
      const auto& sa = o.stem_analyses[i];
      StemRow r{s.name, std::string(to_string(s.role))};
      if (!sa.silent() && !s.mute) r.placed = sa.active_lufs + s.trim_db + s.fader_db - focus_placed;
      if (!s.printed_fx) r.target = mix::role_target(s.role, c.brief, s.name == c.focus, accompaniment_lu).lu - focus_target;
      srows.push_back(r);
    }
    // With no focus both sides are read against the average stem (an equal share) instead: the
    // placed loudness is absolute until then, the targets are offsets from an equal share.
    if (c.focus.empty()) {
      const auto centre = [&](double StemRow::*field) {
        double sum = 0;
        int n = 0;
        for (const auto& r : srows)
          if (std::isfinite(r.*field)) sum += r.*field, ++n;
        if (n)
          for (auto& r : srows) r.*field -= sum / n;
      };
      centre(&StemRow::placed);
      centre(&StemRow::target);
    }
  }
  body += card("Stems against their targets",
               "Each stem's loudness where it plays (analysed loudness + trim + fader, before its own compression), relative to "
               "the focus (with no focus, to the average stem), against the target for its role. mixdown balances by loudness in context, making up part of what "
               "masking takes, so a stem may sit off its raw target on purpose (see its fader reason below); red: off by more "
               "than 3 LU.",
               stems_plot(srows, !c.focus.empty()));
  body += card("Masking map",
               c.focus.empty() ? std::string("The mix has no focus stem, so there is nothing to map the masking of.")
                               : "Where the other stems (at their faders) cover the focus (" + c.focus +
                                     "), per band and moment, in the bands the focus occupies.",
               masking_plot(o));
  // With --no-master the translation measured mix.wav.
  body += card("Translation",
               std::string(o.master ? "How the master holds up" : "How the mix (mix.wav; no master was made) holds up") +
                   " where people listen (measured; mixdown translate renders each simulation to play).",
               translation_table(tr));

  // The brief: each key and what it moved, or why it moved nothing.
  {
    const auto keys = mix::brief_effects(c);
    std::string list;
    for (const auto& k : keys) {
      std::string items;
      for (const auto& e : k.effects)
        items += fmt::format("<li><b>{}</b> {}: {}</li>", esc(e.where), esc(e.what), esc(e.reason));
      if (k.effects.empty()) items = "<li>" + esc(k.note) + "</li>";
      list += fmt::format(R"(<details class="stem"><summary>{}={}<span class="meta">{} setting{}</span></summary><ul>{}</ul></details>)",
                          esc(k.key), esc(k.value), k.effects.size(), k.effects.size() == 1 ? "" : "s", items);
    }
    body += card("The brief",
                 keys.empty() ? std::string("No --brief was given: every choice comes from the stems and their roles.")
                              : "Each --brief key and every setting it moved, in the words of that setting's reason.",
                 "<div id=\"brief\">" + list + "</div>");
  }

  // Decisions by stem, problems first.
  std::map<std::string, int> flagged;
  if (o.check)
    for (const auto& p : o.check->problems) ++flagged[p.stem];
  std::vector<const mix::Strip*> order;
  for (const auto& s : c.strips) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(), [&](const mix::Strip* x, const mix::Strip* y) { return flagged[x->name] > flagged[y->name]; });
  std::string dec;
  for (const auto* s : order) {
    const bool flag = flagged[s->name] > 0;
    std::string probs;
    if (o.check)
      for (const auto& p : o.check->problems)
        if (p.stem == s->name) probs += fmt::format(R"(<div class="pb {}"><b>{}</b> {}</div>)", to_string(p.severity), esc(p.code), esc(p.message));
    dec += fmt::format(R"(<details class="stem{}"{}><summary>{}<span class="meta">{} · {} bus · fader {:+.1f} dB · pan {:+.2f}</span></summary>{}{}</details>)",
                       flag ? " flag" : "", flag ? " open" : "", esc(s->name), esc(std::string(to_string(s->role))), esc(s->bus), s->fader_db,
                       s->pan.pan, probs, reasons_list(s->reasons));
  }
  for (const auto& b : c.buses)
    dec += fmt::format(R"(<details class="stem"><summary>bus: {}</summary>{}</details>)", esc(b.name), reasons_list(b.reasons));
  for (const auto& r : c.returns)
    dec += fmt::format(R"(<details class="stem"><summary>return: {}</summary>{}</details>)", esc(r.name), reasons_list(r.reasons));
  dec += fmt::format(R"(<details class="stem"><summary>mix bus</summary>{}</details>)", reasons_list(c.mix_bus.reasons));
  if (o.master)
    for (const auto& m : o.master->masters) dec += master_decisions(m);
  body += card("Decisions", "Every setting mixdown chose, with its reason, by stem (stems with problems first). Click a stem to open it.",
               "<div id=\"decisions\">" + dec + "</div>");

  std::string kp = kpi(fmt1(a.loudness.integrated_lufs), "mix LUFS") + kpi(fmt1(a.loudness.range_lu), "LRA LU") +
                   kpi(fmt::format("{:.0f}", c.tempo_bpm), "BPM") + kpi(std::to_string(c.strips.size()), "stems");
  std::vector<Problem> unique;
  for (const auto& p : problems)
    if (std::find(unique.begin(), unique.end(), p) == unique.end()) unique.push_back(p);
  problems = unique;
  const std::string sub = fmt::format("{} · {} · focus: {}", clock(a.duration_s), problems.empty() ? "no problems" : fmt::format("{} problem{}", problems.size(), problems.size() == 1 ? "" : "s"),
                                      c.focus.empty() ? "none" : c.focus);
  return page("mixdown — " + out.filename().string(), sub, kp, body);
}

std::string master_html(const io::MasterResult& r, const fs::path& out, const TranslationReport* tr) {
  std::string body;
  std::vector<Problem> problems = r.problems;
  for (const auto& m : r.masters) problems.insert(problems.end(), m.problems.begin(), m.problems.end());
  if (tr) problems.insert(problems.end(), tr->problems.begin(), tr->problems.end());
  body += problems_block(problems);

  std::string pl;
  for (const auto& m : r.masters) pl += player("Master — " + m.target.name, rel(m.file, out));
  if (!r.input_preview.empty()) pl += player(fmt::format("Preview: input at {:.0f} LUFS", r.preview_lufs), rel(r.input_preview, out));
  for (const auto& m : r.masters)
    if (!m.preview.empty()) pl += player(fmt::format("Preview: {} at {:.0f} LUFS", m.target.name, r.preview_lufs), rel(m.preview, out));
  body += card("Listen", "The previews play at equal loudness, so the comparison is about sound, not level.",
               "<div id=\"players\" class=\"players\">" + pl + "</div>");

  std::vector<std::tuple<std::string, double, double, double, double>> rows;
  rows.push_back({"Input", r.analysis.integrated_lufs, r.analysis.range_lu, r.analysis.plr_db, r.analysis.true_peak_dbtp});
  for (const auto& m : r.masters)
    rows.push_back({"Master — " + m.target.name, m.after.integrated_lufs, m.after.range_lu, m.after.plr_db, m.after.true_peak_dbtp});
  body += card("Loudness, dynamics and peaks", "LRA: loudness range (EBU Tech 3342). PLR: true peak minus integrated loudness.", metrics_tiles(rows));

  const std::string first = r.masters.empty() ? "input" : "master (" + r.masters.front().target.name + ")";
  if (tr)
    body += card("Loudness over time", "Short-term (3 s) loudness of the " + first + ".",
                 loudness_plot(tr->input.short_term, {}, tr->input.integrated_lufs, r.analysis.duration_s));
  else
    body += card("Loudness over time", "", R"(<p id="plot-loudness" class="empty">Not measured.</p>)");

  std::vector<Curve> curves;
  curves.push_back({"input", "l1", r.analysis.band_hz, r.analysis.band_db});
  const double anchor = mid_mean(curves[0]);
  if (tr && !tr->input.third_octave_db.empty()) {
    Curve m{first, "l2", analysis::third_octave_nominal_hz(), tr->input.third_octave_db};
    align(m, anchor);
    curves.push_back(m);
  }
  std::string note = "No reference track was given.";
  if (r.reference_analysis) {
    Curve ref{"reference", "l3", r.reference_analysis->band_hz, r.reference_analysis->band_db};
    align(ref, anchor);
    curves.push_back(ref);
    note.clear();
  }
  body += card("Spectrum", "Long-term spectrum against the tonal target band (curves aligned at 500 Hz–2 kHz).", spectrum_plot(curves, note));

  if (tr)
    body += card("Stereo image",
                 fmt::format("Input correlation {:.2f} overall, {:.2f} below 150 Hz; side share {:.0f} %. Below: what each band of the {} loses in mono.",
                             r.analysis.correlation, r.analysis.low_correlation, 100 * r.analysis.side_ratio, first),
                 mono_loss_plot(*tr));
  else
    body += card("Stereo image", "", R"(<p id="plot-stereo" class="empty">Not measured.</p>)");
  body += card("Translation", "How the master holds up where people listen (measured; mixdown translate renders each simulation to play).", translation_table(tr));

  std::string dec;
  for (const auto& m : r.masters) dec += master_decisions(m);
  body += card("Decisions", "Every mastering choice with its reason.", "<div id=\"decisions\">" + dec + "</div>");

  std::string kp = kpi(fmt1(r.analysis.integrated_lufs), "input LUFS");
  if (!r.masters.empty()) kp += kpi(fmt1(r.masters.front().after.integrated_lufs), r.masters.front().target.name + " LUFS");
  kp += kpi(fmt1(r.analysis.true_peak_dbtp), "input dBTP");
  const std::string sub = fmt::format("{} · {} · {}", r.input.filename().string(), clock(r.analysis.duration_s),
                                      problems.empty() ? "no problems" : fmt::format("{} problem{}", problems.size(), problems.size() == 1 ? "" : "s"));
  return page("mixdown master — " + out.filename().string(), sub, kp, body);
}

namespace {
constexpr const char* kSheetOpen = "<!-- delivery-sheet -->";
constexpr const char* kSheetClose = "<!-- /delivery-sheet -->";

std::string num(double v, const char* f) {
  if (!std::isfinite(v)) return "–";
  return fmt::format(fmt::runtime(f), v);
}
}  // namespace

std::string delivery_sheet_html(const io::DeliverySheet& sheet) {
  std::string revs = R"(<table class="tt" id="table-revisions"><tr><th>revision</th><th>date</th><th>note</th><th>kind</th><th>what changed</th></tr>)";
  for (const auto& r : sheet.revisions) {
    const std::string rev = "rev-" + std::to_string(r.number);
    if (r.notes.empty()) {
      revs += fmt::format("<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>—</td><td>{}</td></tr>", rev, esc(r.date),
                          r.number == 1 ? "the first mix" : (r.back_to ? "back to rev-" + std::to_string(*r.back_to) : "—"),
                          r.number == 1 ? "mixed from the stems" : "—");
    }
    for (std::size_t i = 0; i < r.notes.size(); ++i) {
      const auto& n = r.notes[i];
      std::string what = esc(n.reply);
      if (!n.changes.empty()) what += fmt::format(" <small>({} setting{})</small>", n.changes.size(), n.changes.size() > 1 ? "s" : "");
      revs += fmt::format("<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", i == 0 ? rev : "",
                          i == 0 ? esc(r.date) : "", esc(n.note), revise::to_string(n.kind), what);
    }
    if (!r.warning.empty())
      revs += fmt::format("<tr><td class=\"n\">{}</td><td></td><td class=\"warn\">warning</td><td></td><td>{}</td></tr>", rev, esc(r.warning));
  }
  revs += "</table>";

  std::string files = R"(<table class="tt" id="table-deliverables"><tr><th>file</th><th>kind</th><th>format</th><th>rate</th><th>bits</th><th>duration</th><th>integrated</th><th>true peak</th><th>LRA</th><th>SHA-256</th></tr>)";
  for (const auto& d : sheet.deliverables)
    files += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{} Hz</td><td class=\"n\">{}</td><td class=\"n\">{} s</td>"
        "<td class=\"n\">{} LUFS</td><td class=\"n\">{} dBTP</td><td class=\"n\">{} LU</td><td><code style=\"word-break:break-all;font-size:11px\">{}</code></td></tr>",
        esc(d.path.generic_string()), esc(d.kind), esc(d.format), d.sample_rate, d.bit_depth, num(d.duration_s, "{:.3f}"),
        num(d.integrated_lufs, "{:.1f}"), num(d.true_peak_dbtp, "{:.1f}"), num(d.range_lu, "{:.1f}"), esc(d.sha256));
  files += "</table>";

  int passed = 0;
  std::string checks = R"(<table class="tt" id="table-checks"><tr><th>check</th><th>result</th><th>measured</th></tr>)";
  for (const auto& c : sheet.checks) {
    passed += c.passed ? 1 : 0;
    checks += fmt::format("<tr><td>{}</td><td class=\"{}\">{}</td><td class=\"n\">{}</td></tr>", esc(c.what), c.passed ? "ok" : "warn",
                          c.passed ? "passed" : "FAILED", esc(c.detail));
  }
  checks += "</table>";

  const int current = sheet.revisions.empty() ? 1 : sheet.revisions.back().number;
  return std::string(kSheetOpen) +
         fmt::format(R"(<section class="card" id="delivery-sheet"><h2>Delivery sheet</h2><p class="sub">Current revision: rev-{}. {} of {} checks passed. The same sheet is in delivery-sheet.md.</p>)",
                     current, passed, sheet.checks.size()) +
         "<h3>Revisions</h3>" + revs + fmt::format("<h3>Deliverables (rev-{})</h3>", current) + files + "<h3>Checks</h3>" + checks +
         "</section>" + kSheetClose;
}

std::string with_delivery_sheet(const std::string& page_html, const std::string& section) {
  const auto open = page_html.find(kSheetOpen);
  if (open != std::string::npos) {
    const auto close = page_html.find(kSheetClose, open);
    if (close != std::string::npos)
      return page_html.substr(0, open) + section + page_html.substr(close + std::string(kSheetClose).size());
  }
  for (const char* anchor : {"</main>", "</body>"}) {
    const auto at = page_html.rfind(anchor);
    if (at != std::string::npos) return page_html.substr(0, at) + section + page_html.substr(at);
  }
  return page_html + section;
}

}  // namespace mixdown::report
