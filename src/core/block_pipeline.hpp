// A stream of blocks through stages, scheduled as a graph of small tasks rather than in
// lock-step rounds. Stage s's work on block t is one task; it may run once the stage has
// finished block t - 1 (every stage keeps its own state and sees the blocks in order) and each
// stage it reads from has finished block t. The source (the first stage) makes the blocks into
// `slots` places, so it may start block t only once every stage has finished block t - slots.
//
// Why: a pass that hands the pool one round of items per block waits, every block, for the
// round's longest item while the other core idles (or polls): in a master's passes a quarter of
// two cores' time went so. Here a thread that finishes a task takes whichever other task is
// ready (the earlier stage first: the source and the serial steps after it are the critical
// path), so the stages drift apart by up to `slots` blocks and both cores stay busy.
//
// What each task computes does not depend on which thread runs it or when (each stage's state
// is its own, and a block's data is written by one stage before the stages after it read it),
// so the results are identical for any thread count, as with WorkerPool::run.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/worker_pool.hpp"

namespace mixdown {

class BlockPipeline {
public:
  // A stream's first stage: it makes block t into slot t % slots; false when the stream has
  // ended (block t does not exist, and nothing was made).
  using Source = std::function<bool(std::size_t)>;
  using Step = std::function<void(std::size_t)>;

  // `name` and the stages' names are for the stage times only (below).
  explicit BlockPipeline(std::size_t slots, std::string name = {});

  // A stream of its own (several run side by side, each with its own blocks and slots); returns
  // the source's stage id.
  std::size_t source(Source make, std::string name = {});
  // A stage that runs on every block of a stream after the stages `after` (ids returned here,
  // all of one stream, at least one) have. Stages added earlier are preferred when several
  // tasks are ready.
  std::size_t add(Step step, std::vector<std::size_t> after, std::string name = {});

  // Runs every stage over every block on the pool's threads and returns when all are done, or
  // rethrows the first error a stage threw once the others have stopped.
  // With MIXDOWN_STAGE_TIMES set (and not "0") in the environment, a finished run also prints
  // one line to stderr: the run's wall time and each stage's thread CPU time, summed over its
  // blocks. A pass whose wall time is near its stages' CPU over the cores is CPU-bound; one
  // far above it waits (on a serial stage, or on the device).
  void run(WorkerPool& pool);

private:
  struct Stage {
    Source make;  // a source's
    Step step;    // any other stage's
    std::vector<std::size_t> after;
    std::size_t stream = 0;  // its source's id
    std::string name;
  };
  std::size_t slots_;
  std::string name_;
  std::vector<Stage> stages_;
};

}  // namespace mixdown
