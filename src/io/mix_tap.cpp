#include "io/mix_tap.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "io/analyze_file.hpp"
#include "io/audio_file.hpp"

namespace mixdown::io {

namespace {
// The blocks analyze_file reads the file in. master_file's must divide them, so that slicing a
// report block gives the master's analyzer the blocks a read of the file gives it.
constexpr std::size_t kReportBlock = kAnalyzeBlockFrames;
static_assert(kReportBlock % kMasterBlockFrames == 0);
}  // namespace

struct MixTap::Impl {
  bool threaded = true;
  std::int64_t written = 0;  // frames given by take() (the render's thread)
  InputCache cache;          // a pass being kept: its room (cache.frames) and samples; else empty
  std::optional<analysis::Analyzer> report_an;
  std::optional<master::InputAnalyzer> master_an;
  std::int64_t analysed = 0;  // frames given to the analyzers (the analysing thread's)

  std::mutex mu;
  std::condition_variable cv;
  std::int64_t ready = 0;  // frames the analysis may read (under mu)
  bool closing = false, stopping = false;
  std::exception_ptr error;
  std::thread worker;

  ~Impl() { stop(); }

  bool kept() const { return !cache.planar.empty(); }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
    }
    cv.notify_all();
    if (worker.joinable()) worker.join();
    stopping = false;
  }

  // Both analyzers over the frames up to `end` in whole report blocks, and with `last` the
  // rest: the blocks each would read from the file (a read fills its block up to the end).
  void analyse_to(std::int64_t end, bool last) {
    const ConstAudioView all = cache.view();
    const auto step = static_cast<std::int64_t>(kReportBlock);
    while (end - analysed >= step || (last && end > analysed)) {
      const auto n = static_cast<std::size_t>(std::min(step, end - analysed));
      const ConstAudioView b = all.sub(static_cast<std::size_t>(analysed), n);
      report_an->add(b);
      for (std::size_t o = 0; o < n; o += kMasterBlockFrames) master_an->add(b.sub(o, std::min(kMasterBlockFrames, n - o)));
      analysed += static_cast<std::int64_t>(n);
    }
  }

  void run() {
    try {
      std::unique_lock<std::mutex> lock(mu);
      for (;;) {
        cv.wait(lock, [&] { return stopping || closing || ready - analysed >= static_cast<std::int64_t>(kReportBlock); });
        if (stopping) return;
        const std::int64_t end = ready;
        const bool last = closing;
        lock.unlock();
        analyse_to(end, last);
        if (last) return;
        lock.lock();
      }
    } catch (...) {
      error = std::current_exception();
    }
  }
};

MixTap::MixTap(int threads) : impl_(std::make_unique<Impl>()) { impl_->threaded = threads != 1; }
MixTap::~MixTap() = default;

void MixTap::start(int sample_rate, int channels, std::int64_t capacity) {
  auto& m = *impl_;
  m.stop();
  m.cache = InputCache{};
  m.report_an.reset();
  m.master_an.reset();
  m.error = nullptr;
  m.written = m.analysed = m.ready = 0;
  m.closing = false;
  if (capacity <= 0 || channels <= 0 || capacity * channels * static_cast<std::int64_t>(sizeof(float)) > kMaxBytes) return;
  m.cache.allocate(channels, capacity);  // the render's copies are the pages' first touch
  m.report_an.emplace(sample_rate, channels, AnalyzeFileOptions{}.analyzer);
  m.master_an.emplace(sample_rate, channels, master::InputAnalyzer::Scope::mix);
  if (m.threaded) m.worker = std::thread([&m] { m.run(); });
}

void MixTap::take(const AudioWriter& writer, std::size_t frames) {
  auto& m = *impl_;
  if (!m.kept() || frames == 0) return;
  if (m.written + static_cast<std::int64_t>(frames) > m.cache.frames) {  // longer than the render said: not kept
    m.stop();
    m.cache = InputCache{};
    return;
  }
  writer.copy_last_block(m.cache.view().sub(static_cast<std::size_t>(m.written), frames));
  const std::int64_t before = m.written;
  m.written += static_cast<std::int64_t>(frames);
  if (!m.threaded) {
    m.analyse_to(m.written, false);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(m.mu);
    m.ready = m.written;
  }
  const auto step = static_cast<std::int64_t>(kReportBlock);
  if (before / step != m.written / step) m.cv.notify_one();
}

std::optional<MixTap::Result> MixTap::finish(const std::filesystem::path& file) {
  auto& m = *impl_;
  if (!m.kept()) {
    m.stop();
    return std::nullopt;
  }
  if (m.threaded) {
    {
      std::lock_guard<std::mutex> lock(m.mu);
      m.closing = true;
    }
    m.cv.notify_all();
    if (m.worker.joinable()) m.worker.join();
  } else {
    m.analyse_to(m.written, true);
  }
  InputCache kept = std::exchange(m.cache, InputCache{});  // given once
  if (m.error) std::rethrow_exception(std::exchange(m.error, nullptr));
  if (m.written == 0) return std::nullopt;
  Result r;
  r.report = m.report_an->finish();
  r.report.file = file.string();
  r.input.analysis = m.master_an->finish();
  kept.frames = m.written;
  r.input.cache = std::move(kept);
  return r;
}

}  // namespace mixdown::io
