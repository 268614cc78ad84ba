// A persistent pool for per-block parallel work (the renderer synchronises every block, so
// spawning threads per block would cost more than the work). run(n, fn) calls fn(i) for every
// i in [0, n) and returns when all are done; which thread runs which i does not matter because
// each i writes only its own outputs, so results are identical for any thread count.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mixdown {

class WorkerPool {
public:
  explicit WorkerPool(int threads);  // 0 = hardware concurrency; 1 = run inline
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void run(std::size_t n, const std::function<void(std::size_t)>& fn);
  int threads() const noexcept { return static_cast<int>(workers_.size()) + 1; }

private:
  void worker_loop();
  void work();
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t n_ = 0, next_ = 0;
  // Written under mutex_; read without it by threads polling before they sleep.
  std::atomic<std::size_t> remaining_{0};
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
};

}  // namespace mixdown
