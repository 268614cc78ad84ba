#include "io/render_mix.hpp"

#include <algorithm>
#include <bit>
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

namespace fs = std::filesystem;

namespace mixdown::io {
namespace {

// Measures true peak (and loudness) of what passes.
struct MeterSink final : graph::Sink {
  analysis::LoudnessMeter meter;
  explicit MeterSink(double rate, bool loudness)
      : meter(rate, 2, analysis::LoudnessOptions{true, false, false, 1}) {
    (void)loudness;
  }
  void write(const ConstAudioView& v) override { meter.add(v); }
};

// The last frame of the mix above the 24-bit noise floor: where the effect tails have died.
struct TailSink final : graph::Sink {
  std::int64_t frames = 0, last_audible = -1;
  void write(const ConstAudioView& v) override {
    constexpr float kFloor = 1.6e-5f;  // -96 dBFS
    for (std::size_t i = 0; i < v.num_frames(); ++i)
      if (std::abs(v.channel(0)[i]) > kFloor || std::abs(v.channel(1)[i]) > kFloor)
        last_audible = frames + static_cast<std::int64_t>(i);
    frames += static_cast<std::int64_t>(v.num_frames());
  }
};

// The largest magnitude that passes. Magnitudes compare like their IEEE bit patterns (sign
// cleared), and an integer max vectorises where a float max (NaN rules) would not; outputs
// are finite (the renderer replaces non-finite samples before any sink sees them).
struct PeakSink final : graph::Sink {
  float peak = 0.0f;
  void write(const ConstAudioView& v) override {
    std::uint32_t bits = std::bit_cast<std::uint32_t>(peak);
    for (int c = 0; c < v.num_channels(); ++c) {
      const float* x = v.channel(c);
      for (std::size_t i = 0; i < v.num_frames(); ++i)
        bits = std::max(bits, std::bit_cast<std::uint32_t>(x[i]) & 0x7fffffffu);
    }
    peak = std::bit_cast<float>(bits);
  }
};

// Passes each block to two sinks.
struct Tee final : graph::Sink {
  graph::Sink *a, *b;
  Tee(graph::Sink* x, graph::Sink* y) : a(x), b(y) {}
  void write(const ConstAudioView& v) override { a->write(v); b->write(v); }
};

struct FileSink final : graph::Sink {
  AudioWriter writer;
  MeterSink* meter = nullptr;
  FileSink(const fs::path& p, int rate) : writer(p, WriteSpec{rate, 2, SampleFormat::wav24}) {}
  void write(const ConstAudioView& v) override {
    writer.write(v);
    if (meter) meter->write(v);
  }
};

std::vector<std::unique_ptr<graph::StemSource>> open_sources(const mix::Console& c) {
  std::vector<std::unique_ptr<graph::StemSource>> src;
  for (const auto& s : c.strips) src.push_back(std::make_unique<FileStemSource>(s.file, c.sample_rate, s.fold_to_mono));
  return src;
}

struct Planned {
  graph::OutputId id;
  fs::path path;
  std::string kind;
};

}  // namespace

std::string printed_stem_name(const std::string& stem_name) {
  return fs::path(stem_name).replace_extension(".wav").filename().string();
}

RenderMixResult render_mix(const mix::Console& console, const fs::path& out_dir, const RenderMixOptions& options) {
  using graph::OutputKind;
  std::vector<Planned> plan;
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
    std::set<std::string> used;
    for (const auto& s : console.strips) {
      std::string name = printed_stem_name(s.name);
      for (int k = 2; !used.insert(name).second; ++k)
        name = fs::path(s.name).stem().string() + "-" + std::to_string(k) + ".wav";
      add(OutputKind::stem, s.name, v / "stems" / name, "stem");
    }
  }
  // Progress: the mix-only first pass is the lighter one.
  constexpr double kPass1Share = 0.35;
  const auto report = [&](double base, double share, double f) {
    if (options.progress) options.progress(base + share * f);
  };

  // Pass 1: only the mix (no versions, printed stems or the extra return sets they need), at
  // unity output gain: its true peak, and where its effect tails die away.
  graph::RenderOptions ropt;
  ropt.threads = options.threads;
  double tp_db = -INFINITY;
  std::int64_t last_audible = -1;
  {
    graph::Renderer r(console, open_sources(console), ropt);
    MeterSink meter(console.sample_rate, false);
    TailSink tail;
    struct Both final : graph::Sink {
      graph::Sink *a, *b;
      void write(const ConstAudioView& v) override { a->write(v); b->write(v); }
    } both;
    both.a = &meter;
    both.b = &tail;
    r.render({{plan[0].id, &both}}, [&](double f) { report(0.0, kPass1Share, f); });
    tp_db = meter.meter.true_peak_dbtp();
    // Keep the audible tail plus 100 ms; the renderer never cuts before the longest stem ends.
    // The floor is judged at the landed level (the gain below only ever lowers it further).
    last_audible = tail.last_audible;
  }
  RenderMixResult res;
  res.true_peak_before_dbtp = tp_db;
  double gain_db = std::isfinite(tp_db) ? console.mix_bus.target_true_peak_dbtp - tp_db : 0.0;
  if (last_audible >= 0) ropt.max_frames = last_audible + console.sample_rate / 10;

  // Pass 2: write everything with the landing gain, watching every other output's sample peak:
  // no version or printed stem may reach full scale (a part can peak above the whole). In the
  // rare case one would pass -0.5 dBFS, the gain is lowered by the excess and everything is
  // written again (a third pass); otherwise the peaks cost nothing beyond this pass.
  const float peak_limit = static_cast<float>(db_to_gain(-0.5));
  graph::RenderStats stats;
  std::vector<std::unique_ptr<FileSink>> files;
  std::unique_ptr<MeterSink> mix_meter;
  int passes = 1;
  for (int attempt = 0; attempt < 2; ++attempt) {
    ++passes;
    ropt.output_gain_db = gain_db;
    graph::Renderer r(console, open_sources(console), ropt);
    files.clear();  // an abandoned attempt's writers remove their partial files
    mix_meter = std::make_unique<MeterSink>(console.sample_rate, true);
    std::vector<std::unique_ptr<PeakSink>> peaks;
    std::vector<std::unique_ptr<graph::Sink>> tees;
    std::vector<std::pair<graph::OutputId, graph::Sink*>> sinks;
    for (std::size_t i = 0; i < plan.size(); ++i) {
      files.push_back(std::make_unique<FileSink>(plan[i].path, console.sample_rate));
      if (i == 0) {
        files.back()->meter = mix_meter.get();
        sinks.push_back({plan[i].id, files.back().get()});
      } else {
        peaks.push_back(std::make_unique<PeakSink>());
        tees.push_back(std::make_unique<Tee>(files.back().get(), peaks.back().get()));
        sinks.push_back({plan[i].id, tees.back().get()});
      }
    }
    const double base = kPass1Share + (1.0 - kPass1Share) * 0.5 * attempt;
    stats = r.render(sinks, [&](double f) { report(base, (1.0 - kPass1Share) * (attempt ? 0.5 : 1.0), f); });
    float worst_peak = 0.0f;
    for (auto& p : peaks) worst_peak = std::max(worst_peak, p->peak);
    if (attempt == 0 && worst_peak > peak_limit) {
      gain_db -= gain_to_db(worst_peak) + 0.5;
      continue;
    }
    break;
  }
  res.output_gain_db = gain_db;
  res.passes = passes;
  for (auto& f : files) {
    res.clipped_samples += f->writer.clipped_samples();
    f->writer.commit();
  }
  for (std::size_t i = 0; i < plan.size(); ++i) res.files.push_back({plan[i].path, plan[i].kind, plan[i].id.name});
  res.frames = stats.frames;
  res.nonfinite_fixed = stats.nonfinite_fixed;
  res.mix_true_peak_dbtp = mix_meter->meter.true_peak_dbtp();
  res.mix_integrated_lufs = mix_meter->meter.integrated_lufs();
  return res;
}

}  // namespace mixdown::io
