#include "io/render_mix.hpp"

#include <algorithm>
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

struct PeakSink final : graph::Sink {
  float peak = 0.0f;
  void write(const ConstAudioView& v) override {
    for (int c = 0; c < v.num_channels(); ++c)
      for (std::size_t i = 0; i < v.num_frames(); ++i) peak = std::max(peak, std::abs(v.channel(c)[i]));
  }
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
  const auto report = [&](double base, double f) {
    if (options.progress) options.progress(base + 0.5 * f);
  };

  // Pass 1: the mix's true peak and every output's sample peak, at unity output gain.
  graph::RenderOptions ropt;
  ropt.threads = options.threads;
  double tp_db = -INFINITY;
  float worst_peak = 0.0f;
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
    std::vector<std::unique_ptr<PeakSink>> peaks;
    std::vector<std::pair<graph::OutputId, graph::Sink*>> sinks = {{plan[0].id, &both}};
    for (std::size_t i = 1; i < plan.size(); ++i) {
      peaks.push_back(std::make_unique<PeakSink>());
      sinks.push_back({plan[i].id, peaks.back().get()});
    }
    r.render(sinks, [&](double f) { report(0.0, f); });
    tp_db = meter.meter.true_peak_dbtp();
    // Keep the audible tail plus 100 ms; the renderer never cuts before the longest stem ends.
    // The floor is judged at the landed level (the gain below only ever lowers it further).
    last_audible = tail.last_audible;
    for (auto& p : peaks) worst_peak = std::max(worst_peak, p->peak);
  }
  RenderMixResult res;
  res.true_peak_before_dbtp = tp_db;
  double gain_db = 0.0;
  if (std::isfinite(tp_db)) {
    gain_db = console.mix_bus.target_true_peak_dbtp - tp_db;
    // No version or printed stem may reach full scale (a part can peak above the whole).
    if (worst_peak > 0.0f) gain_db = std::min(gain_db, -0.5 - gain_to_db(worst_peak));
  }
  res.output_gain_db = gain_db;

  // Pass 2: write everything with the landing gain.
  ropt.output_gain_db = gain_db;
  if (last_audible >= 0) ropt.max_frames = last_audible + console.sample_rate / 10;
  graph::Renderer r(console, open_sources(console), ropt);
  std::vector<std::unique_ptr<FileSink>> files;
  std::vector<std::pair<graph::OutputId, graph::Sink*>> sinks;
  MeterSink mix_meter(console.sample_rate, true);
  for (std::size_t i = 0; i < plan.size(); ++i) {
    files.push_back(std::make_unique<FileSink>(plan[i].path, console.sample_rate));
    if (i == 0) files.back()->meter = &mix_meter;
    sinks.push_back({plan[i].id, files.back().get()});
  }
  const auto stats = r.render(sinks, [&](double f) { report(0.5, f); });
  for (auto& f : files) {
    res.clipped_samples += f->writer.clipped_samples();
    f->writer.commit();
  }
  for (std::size_t i = 0; i < plan.size(); ++i) res.files.push_back({plan[i].path, plan[i].kind, plan[i].id.name});
  res.frames = stats.frames;
  res.nonfinite_fixed = stats.nonfinite_fixed;
  res.mix_true_peak_dbtp = mix_meter.meter.true_peak_dbtp();
  res.mix_integrated_lufs = mix_meter.meter.integrated_lufs();
  return res;
}

}  // namespace mixdown::io
