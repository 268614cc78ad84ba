// Deterministic parallel-for: work item i always computes the same thing whatever the thread
// count, and results are combined by the caller in index order, so outputs are bit-identical
// for any --threads.
#pragma once

#include <cstddef>
#include <functional>

namespace mixdown {

// Runs fn(i) for i in [0, n) on up to `threads` threads (0 = hardware concurrency).
// Exceptions thrown by fn are rethrown (the first by index) after all items finished.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn);

int default_threads() noexcept;

}  // namespace mixdown
