// The render graph: a static plan built once from the console, run block by block.
//
//   stem files ─► StemSource ×N            (io: decode, resample, fold 5.1 / dual mono)
//                    │  phase 1, parallel: read one block of every stem ("raw", post trim)
//                    ▼  phase 2, parallel over strips
//   ┌──────────── Strip: polarity·trim ─ gate ─ HPF+LPF+EQ (one cascade) ─ dynamic EQ(key) ─
//   │             compressor(key) ─ de-esser ─ saturator ─ pan/width ─► stereo
//   │             ─ latency alignment (delay to the slowest strip) ─┬─ pre-fader sends
//   │             ─ fader · automation (smoothed) ───────────────────┴─ post-fader sends
//   │                │ phase 3, parallel over buses and returns (sums in strip order)
//   │                ▼
//   │   Bus ×4 (drums, bass, music, vocals): Σ strips ─ EQ ─ × glue gain curve ─ fader
//   │   Return ×M (reverb FDN / delay):      Σ sends  ─ effect ─ EQ ─ fader ──► fx
//   │   printed-fx strips go straight to fx
//   │                ▼ phase 4
//   └─► Mix bus: Σ buses + fx ─ EQ ─ × glue gain curve g(t) ─ × output gain ─► mix
//
// Every bus stem and every version goes through its own copy of the mix-bus EQ and is
// multiplied by the same g(t) computed from the full mix, so bus stems sum to the mix exactly
// (to float rounding). Printed stems go through their bus's EQ and gain curve as well: each
// is the stem as it sits in the mix, without the shared returns. Versions: instrumental =
// non-vocal buses + returns fed without the vocal strips; a cappella = vocals bus + the vocal
// share of the returns; TV = the mix with the lead-vocal strips muted (a second vocals bus and
// return set fed without them). Compressors are feed-forward, so their gain curve is read by
// running them on a block of ones keyed by the signal.
//
// Latency: strips are aligned to the slowest strip; the output skips that latency and the
// render runs past the longest stem by the longest tail (reverb, delay), capped.
// Schedule: the phases above run as a pipeline four blocks deep, one parallel run per block
// (decode t+1, strips t, returns and buses t-1, mix bus t-2, outputs t-3), with one buffer slot
// per block in flight; no serial stage remains between the runs.
// Determinism: each parallel item writes only its own buffers and all sums are in fixed order,
// so the output is bit-identical for any thread count.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "graph/source.hpp"
#include "mix/console.hpp"

namespace mixdown::graph {

enum class OutputKind { mix, instrumental, acapella, tv, bus_stem, stem };

struct OutputId {
  OutputKind kind = OutputKind::mix;
  std::string name;  // bus stems: drums|bass|music|vocals|fx; stems: the strip name
  bool operator==(const OutputId&) const = default;
};

struct Excerpt {
  std::int64_t start = 0;   // output frame
  std::int64_t frames = 0;
};

struct RenderOptions {
  int threads = 0;                 // 0: all cores
  // A block per step of the render's pipeline (one synchronisation of the threads each): at 4096
  // frames the 16-stem bench session rendered in 1.38 s on 2 threads against 1.60 s at 2048
  // (BM_RenderSession/2, same machine, same minute), and the whole mix in 3.67 s against 3.79 s.
  std::size_t block_frames = 4096;
  double output_gain_db = 0.0;     // applied to every output (lands the mix's true peak)
  double max_tail_s = 6.0;         // effect tails flushed after the last stem, at most this
  std::int64_t max_frames = -1;    // >= 0: stop the outputs here (a tail found to have died away)
};

struct RenderStats {
  std::int64_t frames = 0;         // frames delivered to every sink
  std::size_t latency_frames = 0;  // compensated internal latency
  std::int64_t nonfinite_fixed = 0;  // NaN/Inf produced by processing, replaced by 0
};

class Renderer {
public:
  Renderer(const mix::Console& console, std::vector<std::unique_ptr<StemSource>> sources,
           const RenderOptions& options);
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  // Renders once from the start. Only requested outputs are computed. `progress` gets 0..1.
  RenderStats render(const std::vector<std::pair<OutputId, Sink*>>& sinks,
                     const std::function<void(double)>& progress = {});

  // Only the given excerpts of the outputs (in output frames), one after another: before each
  // the graph is reset and started `run_in_frames` earlier so its compressors, smoothers and
  // effect tails settle; sinks receive each excerpt's frames only, back to back. A cheap look
  // at a long song (render_mix predicts the mix's landing gain from the loudest excerpt).
  RenderStats render_excerpts(const std::vector<std::pair<OutputId, Sink*>>& sinks,
                              const std::vector<Excerpt>& excerpts, std::int64_t run_in_frames,
                              const std::function<void(double)>& progress = {});

  // Frames every output will have.
  std::int64_t output_frames() const noexcept;
  // Frames of stem audio the outputs carry (the longest stem, up to Console::stems_end_s);
  // the effect tails follow.
  std::int64_t stem_frames() const noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mixdown::graph
