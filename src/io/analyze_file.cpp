#include "io/analyze_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "analysis/stem_check.hpp"
#include "core/error.hpp"
#include "core/simd.hpp"
#include "io/audio_file.hpp"
#include "io/integrity.hpp"

namespace mixdown::io {

namespace {

// One pass over the file; `spike_ceiling` as AudioReader::set_spike_ceiling. With `block_peaks`
// (a float file's first pass), each block's peak over its channels is kept there.
analysis::AnalysisReport analyze_pass(const std::filesystem::path& path, const AnalyzeFileOptions& options,
                                      const std::function<void(double)>& progress, float spike_ceiling,
                                      std::vector<float>* block_peaks, std::int64_t& spikes) {
  AudioReader reader(path);  // rejects unreadable / empty / non-audio files
  const AudioInfo& info = reader.info();
  reject_if_truncated(path, info);
  reader.set_spike_ceiling(spike_ceiling);

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
    if (block_peaks) {
      std::uint32_t bits = 0;
      for (int c = 0; c < info.channels; ++c) bits = std::max(bits, simd::max_abs_bits(now.channel(c), got));
      block_peaks->push_back(simd::from_bits(bits));
    }
    total += static_cast<std::int64_t>(got);
    if (progress && info.frames > 0) progress(std::min(1.0, static_cast<double>(total) / static_cast<double>(info.frames)));
    got = next_got;
    current = 1 - current;
  }
  if (total == 0) throw rejected(path.string(), "holds no audio frames");
  if (!info.lossy && total < info.frames)
    throw rejected(path.string(), fmt::format("truncated: the header declares {:.2f} s but only {:.2f} s could be "
                                              "decoded",
                                              info.duration_s(), static_cast<double>(total) / info.sample_rate));
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
  std::vector<float> peaks;
  std::int64_t spikes = 0;
  const bool is_float = probe(path).is_float;
  analysis::AnalysisReport first = analyze_pass(path, options, progress, 0.0f, is_float ? &peaks : nullptr, spikes);
  const float ceiling = is_float ? analysis::spike_ceiling(peaks) : 0.0f;
  if (ceiling == 0.0f) return first;
  const float peak = *std::max_element(peaks.begin(), peaks.end());
  analysis::AnalysisReport report = analyze_pass(path, options, progress, ceiling, nullptr, spikes);
  Problem p;
  p.code = "spike_samples";
  p.severity = Severity::warning;
  p.message = fmt::format("the file holds {}: read as silence, so these figures are of the file without {}",
                          analysis::spike_words(spikes, peak), spikes == 1 ? "it" : "them");
  p.fix = "export it again; the plug-in or converter that wrote it is the usual cause";
  report.problems.insert(report.problems.begin(), p);
  return report;
}

}  // namespace mixdown::io
