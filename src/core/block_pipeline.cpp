#include "core/block_pipeline.hpp"

#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "core/env.hpp"
#include "core/spin.hpp"

namespace mixdown {
namespace {

constexpr std::size_t kOpen = std::numeric_limits<std::size_t>::max();  // a stream's end not yet known

bool stage_times_wanted() {
  static const bool wanted = env_flag("MIXDOWN_STAGE_TIMES", false);
  return wanted;
}

double thread_cpu_s() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

}  // namespace

BlockPipeline::BlockPipeline(std::size_t slots, std::string name) : slots_(slots), name_(std::move(name)) {
  if (slots_ == 0) throw std::invalid_argument("BlockPipeline: no slots");
}

std::size_t BlockPipeline::source(Source make, std::string name) {
  stages_.push_back({std::move(make), {}, {}, stages_.size(), std::move(name)});
  return stages_.size() - 1;
}

std::size_t BlockPipeline::add(Step step, std::vector<std::size_t> after, std::string name) {
  if (after.empty()) throw std::invalid_argument("BlockPipeline: a stage after none");
  for (std::size_t a : after)
    if (a >= stages_.size() || stages_[a].stream != stages_[after[0]].stream)
      throw std::invalid_argument("BlockPipeline: a stage after one not yet added, or after two streams");
  const std::size_t stream = stages_[after[0]].stream;
  stages_.push_back({{}, std::move(step), std::move(after), stream, std::move(name)});
  return stages_.size() - 1;
}

void BlockPipeline::run(WorkerPool& pool) {
  const std::size_t n = stages_.size();
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::size_t> done(n, 0);  // blocks each stage has finished (its next block)
  std::vector<std::size_t> end(n, kOpen);  // per source: its stream's number of blocks
  std::vector<char> busy(n, 0);
  std::size_t sleeping = 0;
  std::atomic<std::uint64_t> version{0};  // bumped, under m, whenever a task ends
  std::exception_ptr error;
  const bool timed = stage_times_wanted();
  std::vector<double> cpu(timed ? n : 0, 0.0);  // per stage, under m
  const auto started = std::chrono::steady_clock::now();

  const auto is_source = [&](std::size_t s) { return stages_[s].stream == s; };
  // Whether stage s may take its next block. Under m.
  const auto ready = [&](std::size_t s) {
    if (busy[s]) return false;
    const std::size_t t = done[s], e = end[stages_[s].stream];
    if (t >= e) return false;
    if (is_source(s)) {
      // Block t goes into the slot of block t - slots: every stage of the stream is done with it.
      for (std::size_t x = s + 1; x < n; ++x)
        if (stages_[x].stream == s && done[x] + slots_ <= t) return false;
      return true;
    }
    return std::all_of(stages_[s].after.begin(), stages_[s].after.end(), [&](std::size_t a) { return done[a] > t; });
  };
  const auto finished = [&] {
    if (error) return true;
    for (std::size_t s = 0; s < n; ++s) {
      const std::size_t e = end[stages_[s].stream];
      if (e == kOpen || (!is_source(s) && done[s] < e)) return false;
    }
    return true;
  };

  const auto worker = [&] {
    std::unique_lock lock(m);
    for (;;) {
      if (finished()) return;
      std::size_t s = 0;
      while (s < n && !ready(s)) ++s;
      if (s == n) {
        // Nothing ready: poll for another task's end, then sleep until one.
        const std::uint64_t seen = version.load(std::memory_order_relaxed);
        lock.unlock();
        const bool moved = spin_until([&] { return version.load(std::memory_order_acquire) != seen; });
        lock.lock();
        if (!moved) {
          ++sleeping;
          cv.wait(lock, [&] { return version.load(std::memory_order_relaxed) != seen; });
          --sleeping;
        }
        continue;
      }
      const std::size_t t = done[s];
      busy[s] = 1;
      lock.unlock();
      bool made = true;
      std::exception_ptr failed;
      const double cpu0 = timed ? thread_cpu_s() : 0.0;
      try {
        if (is_source(s)) made = stages_[s].make(t);
        else stages_[s].step(t);
      } catch (...) {
        failed = std::current_exception();
      }
      const double took = timed ? thread_cpu_s() - cpu0 : 0.0;
      lock.lock();
      if (timed) cpu[s] += took;
      busy[s] = 0;
      if (failed) {
        if (!error) error = failed;
      } else if (is_source(s) && !made) {
        end[s] = t;
      } else {
        ++done[s];
      }
      version.fetch_add(1, std::memory_order_release);
      if (sleeping > 0) cv.notify_all();
    }
  };

  pool.run(static_cast<std::size_t>(pool.threads()), [&](std::size_t) { worker(); });
  // Every thread has returned: none is still inside a stage.
  if (error) std::rethrow_exception(error);
  if (timed) {
    double total = 0.0;
    std::string parts;
    for (std::size_t s = 0; s < n; ++s) {
      total += cpu[s];
      parts += fmt::format("{}{} {:.4f}", s ? ", " : "", stages_[s].name.empty() ? fmt::format("stage {}", s) : stages_[s].name, cpu[s]);
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    fmt::print(stderr, "mixdown: stage times, {}: {:.4f} s wall on {} thread{}, {:.4f} s CPU: {}\n",
               name_.empty() ? "a pass" : name_, wall, pool.threads(), pool.threads() == 1 ? "" : "s", total, parts);
  }
}

}  // namespace mixdown
