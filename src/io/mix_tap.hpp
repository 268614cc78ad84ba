// The mix measured as render_mix writes it. mix.wav's samples, as the file holds them (after
// the writer's word-length reduction: AudioWriter::copy_last_block), are kept in memory and
// analysed while the render goes on: for the report (analysis::Analyzer, in the blocks
// analyze_file reads) and for the master (master::InputAnalyzer, in the blocks master_file
// reads), so neither reads mix.wav back and both run in the render's idle time (the render
// waits on the device for most of its outputs). Every analyzer sees the samples a read of the
// file gives, in the same blocks: the figures are bit-identical to analysing the file.
//
// With more than one thread the analysis runs on a thread of its own, following the render a
// block behind; with one, on the render's thread as the blocks arrive. A mix too long to keep
// (over kMaxBytes) is not kept: finish() says so and the caller reads the file as before.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include "analysis/analyzer.hpp"
#include "io/master_io.hpp"

namespace mixdown::io {

class AudioWriter;

class MixTap {
public:
  // The most a kept mix may take (planar floats): the master's in-memory temp's limit.
  static constexpr std::int64_t kMaxBytes = std::int64_t(256) << 20;

  explicit MixTap(int threads);
  ~MixTap();
  MixTap(const MixTap&) = delete;
  MixTap& operator=(const MixTap&) = delete;

  // A writing pass begins, of at most `capacity` frames: whatever an earlier pass gave is
  // dropped (render_mix writes again when the mix's level missed its landing).
  void start(int sample_rate, int channels, std::int64_t capacity);
  // Called after writer.write(block): that block as the file now holds it.
  void take(const AudioWriter& writer, std::size_t frames);

  struct Result {
    analysis::AnalysisReport report;  // as analyze_file(file) reports it
    AnalysedInput input;              // as master_file's analysis pass measures it, with the samples
  };
  // After the last pass, the file named `file` (the report names it): nullopt when the mix
  // was not kept (too long, or no pass started). Rethrows an analysis error.
  std::optional<Result> finish(const std::filesystem::path& file);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mixdown::io
