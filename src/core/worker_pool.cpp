#include "core/worker_pool.hpp"

#include "core/parallel.hpp"

namespace mixdown {

WorkerPool::WorkerPool(int threads) {
  if (threads <= 0) threads = default_threads();
  for (int t = 1; t < threads; ++t) workers_.emplace_back([this] { worker_loop(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

// Takes items of the current job until none are left; every thread, the caller included.
void WorkerPool::work() {
  for (;;) {
    std::size_t i;
    const std::function<void(std::size_t)>* job;
    {
      std::lock_guard lock(mutex_);
      if (!job_ || next_ >= n_) return;
      i = next_++;
      job = job_;
    }
    try {
      (*job)(i);
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    std::lock_guard lock(mutex_);
    if (--remaining_ == 0) done_.notify_all();
  }
}

void WorkerPool::worker_loop() {
  std::uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    work();
  }
}

void WorkerPool::run(std::size_t n, const std::function<void(std::size_t)>& fn) {
  if (n == 0) return;
  if (workers_.empty() || n == 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    job_ = &fn;
    n_ = n;
    next_ = 0;
    remaining_ = n;
    error_ = nullptr;
    ++generation_;
  }
  wake_.notify_all();
  work();
  std::exception_ptr err;
  {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return remaining_ == 0; });
    job_ = nullptr;
    err = error_;
    error_ = nullptr;
  }
  if (err) std::rethrow_exception(err);
}

}  // namespace mixdown
