#include "io/analyze_file.hpp"

#include <fmt/format.h>

#include <atomic>
#include <thread>

#include "analysis/stem_check.hpp"
#include "core/error.hpp"
#include "io/audio_file.hpp"
#include "io/integrity.hpp"

namespace mixdown::io {

namespace {

// One pass over the file, the spikes of `repair` read as silence (their count into `spikes`);
// with `scan`, a float file's blocks are scanned for spikes.
analysis::AnalysisReport analyze_pass(const std::filesystem::path& path, const AnalyzeFileOptions& options,
                                      const std::function<void(double)>& progress, const analysis::Spikes& repair,
                                      analysis::SpikeScan* scan, std::int64_t& spikes) {
  AudioReader reader(path);  // rejects unreadable / empty / non-audio files
  const AudioInfo& info = reader.info();
  reject_if_truncated(path, info);
  reader.set_spike_ceiling(repair.ceiling);
  if (!info.is_float) scan = nullptr;

  std::optional<analysis::Analyzer> analyzer;
  try {
    analyzer.emplace(info.sample_rate, info.channels, options.analyzer);
  } catch (const Error& e) {
    // The analysis layer does not know file names; put ours in front of its message.
    throw Error(e.code(), path.string(), e.what());
  }

  // Double-buffered: the next block is decoded while the analyzer works on this one.
  const std::size_t block = std::max<std::size_t>(options.block_frames, 1024);
  AudioBuffer buffers[2] = {AudioBuffer(info.channels, block), AudioBuffer(info.channels, block)};
  std::int64_t total = 0;
  std::size_t got = reader.read(buffers[0].view());
  int current = 0;
  const bool overlap = options.analyzer.threads != 1;
  while (got > 0) {
    AudioBuffer& now = buffers[current];
    AudioBuffer& next = buffers[1 - current];
    std::size_t next_got = 0;
    if (overlap) {
      std::exception_ptr read_error;
      std::thread reading([&] {
        try {
          next_got = reader.read(next.view());
        } catch (...) {
          read_error = std::current_exception();
        }
      });
      try {
        analyzer->add(now.view().sub(0, got));
      } catch (...) {
        reading.join();
        throw;
      }
      reading.join();
      if (read_error) std::rethrow_exception(read_error);
    } else {
      analyzer->add(now.view().sub(0, got));
      next_got = reader.read(next.view());
    }
    if (scan) scan->add(now.view().sub(0, got));
    total += static_cast<std::int64_t>(got);
    if (progress && info.frames > 0) progress(std::min(1.0, static_cast<double>(total) / static_cast<double>(info.frames)));
    got = next_got;
    current = 1 - current;
  }
  if (total == 0) throw rejected(path.string(), "holds no audio frames");
  reject_if_decoded_short(path, info, total);
  analyzer->note_nonfinite(reader.nonfinite_samples());
  spikes = reader.spike_samples();
  analysis::AnalysisReport report = analyzer->finish();
  report.file = path.string();
  return report;
}

}  // namespace

// A float file whose first pass finds isolated absurd samples (analysis::spike_ceiling) is
// measured again without them, and the report says so: one such sample would otherwise be the
// file's loudness, peak and spectrum (as the master and the mix read it too).
analysis::AnalysisReport analyze_file(const std::filesystem::path& path, const AnalyzeFileOptions& options,
                                      const std::function<void(double)>& progress) {
  analysis::SpikeScan scan;
  std::int64_t spikes = 0;
  analysis::AnalysisReport first = analyze_pass(path, options, progress, {}, &scan, spikes);
  const analysis::Spikes found = scan.found();
  if (found.ceiling == 0.0f) return first;
  analysis::AnalysisReport report = analyze_pass(path, options, progress, found, nullptr, spikes);
  report.problems.insert(report.problems.begin(),
                         analysis::spike_problem_of("the file", "these figures are of the file", spikes, found.peak));
  return report;
}

}  // namespace mixdown::io
