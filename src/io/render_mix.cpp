#include "io/render_mix.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cmath>
#include <memory>
#include <set>

#include "analysis/loudness.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "graph/renderer.hpp"
#include "io/audio_file.hpp"
#include "io/file_source.hpp"
#include "io/mix_tap.hpp"
#include "io/stem_cache.hpp"

namespace fs = std::filesystem;

namespace mixdown::io {
namespace {

// Measures true peak (and loudness) of what passes.
struct MeterSink final : graph::Sink {
  analysis::LoudnessMeter meter;
  explicit MeterSink(double rate) : meter(rate, 2, analysis::LoudnessOptions{true, false, false, 1}) {}
  void write(const ConstAudioView& v) override { meter.add(v); }
};

// The true peak over excerpts delivered back to back, each measured on its own (no
// interpolation across the seam between two excerpts).
struct ExcerptPeakSink final : graph::Sink {
  std::vector<std::int64_t> lengths;
  std::size_t at = 0;
  std::int64_t left = 0;
  analysis::TruePeakMeter meter{2};
  double peak = 0.0;
  void write(const ConstAudioView& v) override {
    for (std::size_t done = 0; done < v.num_frames();) {
      if (left == 0) {
        peak = std::max(peak, meter.max_peak());
        meter = analysis::TruePeakMeter(2);
        left = at < lengths.size() ? lengths[at++] : INT64_MAX;
      }
      const auto n = static_cast<std::size_t>(std::min<std::int64_t>(left, static_cast<std::int64_t>(v.num_frames() - done)));
      meter.add(v.sub(done, n));
      done += n;
      left -= static_cast<std::int64_t>(n);
    }
  }
  double finish() { return std::max(peak, meter.max_peak()); }
};

// The last frame above `floor`: where the effect tails have died.
struct TailSink final : graph::Sink {
  float floor = 1.6e-5f;  // -96 dBFS at unity output gain
  std::int64_t frames = 0, last_audible = -1;
  void write(const ConstAudioView& v) override {
    for (std::size_t i = 0; i < v.num_frames(); ++i)
      if (std::abs(v.channel(0)[i]) > floor || std::abs(v.channel(1)[i]) > floor)
        last_audible = frames + static_cast<std::int64_t>(i);
    frames += static_cast<std::int64_t>(v.num_frames());
  }
};

// One output file. Frames from `hold_from` on (the effect tails after the longest stem) are
// held in memory until the mix says where its tail dies (finish), then written up to there;
// the watcher (the mix's meter), the tap (the mix as the file holds it) and the writer's peak
// see exactly what is written.
struct FileSink final : graph::Sink {
  AudioWriter writer;
  graph::Sink* watch = nullptr;
  MixTap* tap = nullptr;
  std::int64_t hold_from = INT64_MAX;
  std::size_t hold_capacity = 0;  // frames the render delivers from hold_from on (allocated once)
  std::int64_t frames = 0;
  AudioBuffer held;
  std::size_t held_frames = 0;
  FileSink(const fs::path& p, int rate, bool read_back) : writer(p, spec(rate, read_back)) {}
  void write(const ConstAudioView& v) override {
    const std::size_t n = v.num_frames();
    const auto direct = static_cast<std::size_t>(std::clamp<std::int64_t>(hold_from - frames, 0, static_cast<std::int64_t>(n)));
    if (direct > 0) pass(v.sub(0, direct));
    if (direct < n) {
      const std::size_t m = n - direct;
      if (held.num_frames() < held_frames + m) {
        // Once at its full size when that is known: growing by doubling faulted in about twice
        // the memory, fresh pages each time (tens of MB over 26 outputs).
        AudioBuffer grown(2, std::max({held_frames + m, 2 * held.num_frames(), hold_capacity}));
        grown.view(held_frames).copy_from(held.view(held_frames));
        held = std::move(grown);
      }
      held.view().sub(held_frames, m).copy_from(v.sub(direct, m));
      held_frames += m;
    }
    frames += static_cast<std::int64_t>(n);
  }
  // Writes the held frames up to output frame `end`.
  void finish(std::int64_t end) {
    const auto keep = static_cast<std::size_t>(std::clamp<std::int64_t>(end - (frames - static_cast<std::int64_t>(held_frames)), 0,
                                                                          static_cast<std::int64_t>(held_frames)));
    if (keep > 0) pass(held.view(keep));
    held = AudioBuffer();
    held_frames = 0;
  }

private:
  static WriteSpec spec(int rate, bool read_back) {
    WriteSpec w{rate, 2, SampleFormat::wav24};
    w.cached = read_back;
    return w;
  }
  void pass(const ConstAudioView& v) {
    writer.write(v);
    if (tap) tap->take(writer, v.num_frames());
    if (watch) watch->write(v);
  }
};

// Passes each block to two sinks.
struct Tee final : graph::Sink {
  graph::Sink *a, *b;
  Tee(graph::Sink* x, graph::Sink* y) : a(x), b(y) {}
  void write(const ConstAudioView& v) override { a->write(v); b->write(v); }
};

std::vector<std::unique_ptr<graph::StemSource>> open_sources(const mix::Console& c, const StemCache* cache) {
  std::vector<std::unique_ptr<graph::StemSource>> src;
  for (const auto& s : c.strips) {
    src.push_back(open_stem_source(s.file, c.sample_rate, s.fold_to_mono, cache,
                                   s.spike_ceiling_dbfs ? static_cast<float>(std::pow(10.0, *s.spike_ceiling_dbfs / 20.0)) : 0.0f,
                                   s.invert_right));
    if (const auto advance = std::llround(s.advance_ms * 1e-3 * c.sample_rate); advance > 0)
      src.back() = std::make_unique<graph::AdvancedSource>(std::move(src.back()), advance);
  }
  return src;
}

// The first estimate of the landing gain on a long song: excerpts of kExcerptS covering
// kExcerptShare of it, each after kRunInS of run-in. Songs so short that these would cover half
// of them are rendered whole.
constexpr double kExcerptS = 5.0;
constexpr double kExcerptShare = 0.25;
constexpr double kRunInS = 1.5;
// The writing pass keeps its gain when the mix landed this close to its target true peak.
constexpr double kLandingToleranceDb = 1.0;
// After an estimate from excerpts: aimed this far under the target, accepted up to this.
constexpr double kExcerptAimDb = 0.5;
constexpr double kHighestLandingDb = -3.2;
// The window mix.wav's true peak is kept in (INTERFACE.md: between -6 and -3 dBTP). A gain the
// session keeps (MixBus::output_gain_db: a revision, a re-render) stands while the mix lands in
// it, and moves only to this far inside its nearer edge when it would not.
constexpr double kWindowLowDb = -6.0, kWindowHighDb = -3.0;
constexpr double kKeptEdgeMarginDb = 0.25;
// Landing gains are rounded to this (dB), as session.toml stores them exactly.
double round_gain(double g) { return std::round(g * 1000.0) / 1000.0; }

// The outputs read again next: the mix (analysed and mastered) and the instrumental and a
// cappella (the lead's balance). Written through the page cache, so those reads find them in
// memory, and committed by render_mix whatever defer_commit says.
bool reads_back(graph::OutputKind k) {
  return k == graph::OutputKind::mix || k == graph::OutputKind::instrumental || k == graph::OutputKind::acapella;
}

struct Planned {
  graph::OutputId id;
  fs::path path;
  std::string kind;
};

}  // namespace

void commit_pending(RenderMixResult& r) {
  for (auto& w : r.pending) w.commit();
  r.pending.clear();
}

std::string printed_stem_name(const std::string& stem_name) {
  return fs::path(stem_name).replace_extension(".wav").filename().string();
}

std::vector<std::string> printed_stem_files(const mix::Console& console) {
  // A stem already named NAME.wav keeps that name whatever comes first: beside it a Kick.flac
  // is printed as Kick-2.wav (Kick.flac, first in the folder, had taken Kick.wav, and the
  // user's own Kick.wav came out as Kick-2.wav). Names are told apart without regard to case:
  // "Kick.wav" and "kick.WAV" printed as Kick.wav and kick.wav would be one file on macOS's and
  // Windows' file systems.
  std::set<std::string> used;
  const auto folded = [](std::string x) {
    std::transform(x.begin(), x.end(), x.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return x;
  };
  std::vector<std::string> names;
  for (const auto& s : console.strips) names.push_back(s.name);
  for (const auto& s : console.left_out) names.push_back(s);
  std::vector<std::string> printed(names.size());
  for (std::size_t i = 0; i < names.size(); ++i)
    if (const std::string own = printed_stem_name(names[i]);
        own == fs::path(names[i]).filename().string() && used.insert(folded(own)).second)
      printed[i] = own;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!printed[i].empty()) continue;
    std::string name = printed_stem_name(names[i]);
    for (int k = 2; !used.insert(folded(name)).second; ++k)
      name = fs::path(names[i]).stem().string() + "-" + std::to_string(k) + ".wav";
    printed[i] = name;
  }
  return printed;
}

RenderMixResult render_mix(const mix::Console& console, const fs::path& out_dir, const RenderMixOptions& options) {
  using graph::OutputKind;
  std::vector<Planned> plan;
  std::vector<std::pair<std::string, fs::path>> left_out;  // name, printed file
  const auto add = [&plan](OutputKind kind, const std::string& name, const fs::path& path, const char* what) {
    Planned p;
    p.id.kind = kind;
    p.id.name = name;
    p.path = path;
    p.kind = what;
    plan.push_back(std::move(p));
  };
  add(OutputKind::mix, "", out_dir / "mix.wav", "mix");
  if (options.versions) {
    const fs::path v = out_dir / "versions";
    add(OutputKind::instrumental, "instrumental", v / "instrumental.wav", "version");
    add(OutputKind::acapella, "acapella", v / "acapella.wav", "version");
    add(OutputKind::tv, "tv", v / "tv.wav", "version");
    for (const char* b : {"drums", "bass", "music", "vocals", "fx"})
      add(OutputKind::bus_stem, b, v / (std::string(b) + ".wav"), "bus_stem");
    const std::vector<std::string> printed = printed_stem_files(console);
    for (std::size_t i = 0; i < console.strips.size(); ++i)
      add(OutputKind::stem, console.strips[i].name, v / "stems" / printed[i], "stem");
    // The stems set aside: silence, as they sit in the mix.
    for (std::size_t i = 0; i < console.left_out.size(); ++i)
      left_out.push_back({console.left_out[i], v / "stems" / printed[console.strips.size() + i]});
  }
  // Progress: the mix-only first pass is the lighter one.
  constexpr double kPass1Share = 0.2;
  const auto report = [&](double base, double share, double f) {
    if (options.progress) options.progress(base + share * f);
  };

  graph::RenderOptions ropt;
  ropt.threads = options.threads;
  const double target_db = console.mix_bus.target_true_peak_dbtp;
  RenderMixResult res;

  // Pass 1: only the mix (no versions, printed stems or the extra return sets they need), at
  // unity output gain, for its true peak: the landing gain's first estimate. On a long song
  // only evenly spread excerpts are rendered (a quarter of the song, each after a run-in that
  // settles compressors and effect tails); they can miss the loudest moment, so the estimate
  // is at most the song's true peak and the writing pass below checks where the mix landed.
  double tp_db = -INFINITY;
  bool from_excerpts = false;  // the estimate came from excerpts
  std::int64_t longest = 0, out_frames = 0;
  {
    graph::Renderer r(console, open_sources(console, options.cache), ropt);
    longest = r.stem_frames();
    out_frames = r.output_frames();
    const double rate = console.sample_rate;
    const auto excerpt_frames = static_cast<std::int64_t>(kExcerptS * rate);
    const auto run_in = static_cast<std::int64_t>(kRunInS * rate);
    const auto count = static_cast<std::int64_t>(std::ceil(kExcerptShare * static_cast<double>(longest) / static_cast<double>(excerpt_frames)));
    std::vector<graph::Excerpt> excerpts;
    if (count * (excerpt_frames + run_in) < longest / 2) {
      const double step = static_cast<double>(longest) / static_cast<double>(count);
      for (std::int64_t k = 0; k < count; ++k) {
        const auto mid = static_cast<std::int64_t>((static_cast<double>(k) + 0.5) * step);
        excerpts.push_back({std::max<std::int64_t>(0, mid - excerpt_frames / 2), excerpt_frames});
      }
    }
    if (excerpts.empty()) {
      MeterSink meter(rate);
      r.render({{plan[0].id, &meter}}, [&](double f) { report(0.0, kPass1Share, f); });
      tp_db = meter.meter.true_peak_dbtp();
    } else {
      from_excerpts = true;
      ExcerptPeakSink peak;
      for (const auto& e : excerpts) peak.lengths.push_back(e.frames);
      r.render_excerpts({{plan[0].id, &peak}}, excerpts, run_in, [&](double f) { report(0.0, kPass1Share, f); });
      const double p = peak.finish();
      tp_db = p > 0 ? gain_to_db(p) : -INFINITY;
    }
  }
  // Excerpts see part of the song, so their peak is a floor of the mix's: aim that much under
  // the target, and accept a landing above it up to kHighestLandingDb (the window's top, less a
  // margin) before writing again.
  double gain_db = std::isfinite(tp_db) ? target_db - tp_db - (from_excerpts ? kExcerptAimDb : 0.0) : 0.0;
  // A kept gain: where it puts the mix's true peak (after excerpts, a floor of it), moved
  // into the window if it falls outside.
  const std::optional<double> kept = console.mix_bus.output_gain_db;
  const auto into_window = [](double tp, double aim_under) {
    return std::clamp(tp, kWindowLowDb + kKeptEdgeMarginDb, kWindowHighDb - kKeptEdgeMarginDb - aim_under) - tp;
  };
  if (kept && std::isfinite(tp_db)) {
    const double move = into_window(tp_db + *kept, from_excerpts ? kExcerptAimDb : 0.0);
    gain_db = move == 0.0 ? *kept : round_gain(*kept + move);
  } else {
    gain_db = round_gain(gain_db);
  }

  // Pass 2: write everything with that gain, watching the mix's true peak and every other
  // output's sample peak, and holding the effect tails (after the longest stem) in memory
  // until the mix says where they die away (the last frame above -96 dBFS at unity gain, plus
  // 100 ms). If the mix landed more than kLandingToleranceDb under its target, or over it by
  // more (after excerpts: above kHighestLandingDb; they missed its loudest moment), or outside
  // -6..-3 dBTP, or a version or printed stem would pass -0.5 dBFS (a part can peak above the
  // whole), the gain is corrected and everything is written again (a third pass), to the tail
  // end found here.
  const float peak_limit = static_cast<float>(db_to_gain(-0.5));
  graph::RenderStats stats;
  std::vector<std::unique_ptr<FileSink>> files;
  std::unique_ptr<MeterSink> mix_meter;
  int passes = 1;
  std::int64_t end_frames = -1;  // known after the first writing pass
  for (int attempt = 0; attempt < 2; ++attempt) {
    ++passes;
    ropt.output_gain_db = gain_db;
    ropt.max_frames = end_frames;
    graph::Renderer r(console, open_sources(console, options.cache), ropt);
    files.clear();  // an abandoned attempt's writers remove their partial files
    mix_meter = std::make_unique<MeterSink>(console.sample_rate);
    if (options.tap) options.tap->start(console.sample_rate, 2, out_frames);
    TailSink tail;
    tail.floor *= static_cast<float>(db_to_gain(gain_db));
    std::vector<std::unique_ptr<graph::Sink>> tees;
    std::vector<std::pair<graph::OutputId, graph::Sink*>> sinks;
    for (std::size_t i = 0; i < plan.size(); ++i) {
      // The mix is analysed and mastered next, and the lead's balance reads the acapella
      // against the instrumental.
      files.push_back(std::make_unique<FileSink>(plan[i].path, console.sample_rate, reads_back(plan[i].id.kind)));
      FileSink& f = *files.back();
      if (end_frames < 0) {
        f.hold_from = longest;
        f.hold_capacity = static_cast<std::size_t>(std::max<std::int64_t>(0, out_frames - longest));
      }
      if (i == 0) {
        f.watch = mix_meter.get();
        f.tap = options.tap;
        if (end_frames < 0) {
          tees.push_back(std::make_unique<Tee>(&f, &tail));
          sinks.push_back({plan[i].id, tees.back().get()});
        } else {
          sinks.push_back({plan[i].id, &f});
        }
      } else {
        sinks.push_back({plan[i].id, &f});
      }
    }
    const double base = kPass1Share + (1.0 - kPass1Share) * 0.5 * attempt;
    stats = r.render(sinks, [&](double f) { report(base, (1.0 - kPass1Share) * (attempt ? 0.5 : 1.0), f); });
    if (end_frames < 0) {
      end_frames = out_frames;
      if (tail.last_audible >= 0) end_frames = std::min(out_frames, std::max(longest, tail.last_audible + console.sample_rate / 10));
      for (auto& f : files) f->finish(end_frames);
      stats.frames = std::min(stats.frames, end_frames);
    }
    const double landed = mix_meter->meter.true_peak_dbtp();
    if (attempt == 0) res.true_peak_before_dbtp = landed - gain_db;
    float worst_peak = 0.0f;
    for (std::size_t i = 1; i < files.size(); ++i) worst_peak = std::max(worst_peak, files[i]->writer.peak());
    if (attempt > 0) break;
    double corrected = gain_db;
    const double highest = from_excerpts ? std::max(target_db + kLandingToleranceDb, kHighestLandingDb) : target_db + kLandingToleranceDb;
    if (kept) {
      if (std::isfinite(landed) && (landed > kWindowHighDb || landed < kWindowLowDb)) corrected += into_window(landed, 0.0);
    } else if (std::isfinite(landed) && (landed < target_db - kLandingToleranceDb || landed > highest || landed > kWindowHighDb ||
                                         landed < kWindowLowDb)) {
      corrected += target_db - landed;
    }
    if (worst_peak > 0.0f) corrected = std::min(corrected, gain_db - (gain_to_db(worst_peak) + 0.5));
    if (corrected != gain_db) corrected = round_gain(corrected);
    if (worst_peak <= peak_limit && corrected == gain_db) break;
    gain_db = corrected;
  }
  res.output_gain_db = gain_db;
  res.passes = passes;
  if (options.cache)
    for (const auto& s : console.strips)
      if (const auto d = options.cache->find(s.file); d && d->rate() == console.sample_rate) ++res.stems_from_memory;
  for (std::size_t i = 0; i < files.size(); ++i) {
    FileSink& f = *files[i];
    res.clipped_samples += f.writer.clipped_samples();
    if (options.defer_commit && !reads_back(plan[i].id.kind)) res.pending.push_back(std::move(f.writer));
    else f.writer.commit();
  }
  // The stems set aside, as long as the mix and silent (the writer's dither, if any, is off: a
  // 24-bit zero stays zero).
  if (!left_out.empty()) {
    AudioBuffer zeros(2, 16384);
    for (const auto& [name, path] : left_out) {
      AudioWriter w(path, WriteSpec{console.sample_rate, 2, SampleFormat::wav24});
      for (std::int64_t at = 0; at < stats.frames;) {
        const auto n = static_cast<std::size_t>(std::min<std::int64_t>(stats.frames - at, 16384));
        w.write(zeros.view(n));
        at += static_cast<std::int64_t>(n);
      }
      if (options.defer_commit) res.pending.push_back(std::move(w));
      else w.commit();
    }
  }
  for (std::size_t i = 0; i < plan.size(); ++i) res.files.push_back({plan[i].path, plan[i].kind, plan[i].id.name});
  for (const auto& [name, path] : left_out) res.files.push_back({path, "stem", name, /*left_out=*/true});
  res.frames = stats.frames;
  res.nonfinite_fixed = stats.nonfinite_fixed;
  res.mix_true_peak_dbtp = mix_meter->meter.true_peak_dbtp();
  res.mix_integrated_lufs = mix_meter->meter.integrated_lufs();
  return res;
}

}  // namespace mixdown::io
