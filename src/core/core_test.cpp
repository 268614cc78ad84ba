#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "core/audio_buffer.hpp"
#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/units.hpp"

using namespace mixdown;

TEST(AudioBuffer, ViewsShareStorageAndSubRangesOffset) {
  AudioBuffer b(2, 8);
  auto v = b.view();
  v.channel(1)[3] = 0.5f;
  EXPECT_EQ(b.channel(1)[3], 0.5f);
  auto s = v.sub(2, 4);
  EXPECT_EQ(s.num_frames(), 4u);
  EXPECT_EQ(s.channel(1)[1], 0.5f);
  s.apply_gain(2.0f);
  EXPECT_EQ(b.channel(1)[3], 1.0f);
  AudioBuffer c = b;  // deep copy
  c.channel(1)[3] = 0.0f;
  EXPECT_EQ(b.channel(1)[3], 1.0f);
  ConstAudioView cv = c.view();
  v.add_from(cv, 0.5f);
  EXPECT_EQ(b.channel(1)[3], 1.0f);
  v.clear();
  EXPECT_EQ(b.channel(1)[3], 0.0f);
}

TEST(Units, DecibelConversionsRoundTrip) {
  EXPECT_NEAR(db_to_gain(-6.0206), 0.5, 1e-4);
  EXPECT_NEAR(gain_to_db(0.25), -12.0412, 1e-3);
  EXPECT_TRUE(std::isinf(gain_to_db(0.0)));
  EXPECT_NEAR(to_gain(Decibels{20.0}), 10.0, 1e-12);
  EXPECT_LT(Decibels{-3.0}, Decibels{0.0});
}

TEST(Error, MessageNamesTheFileAndCarriesTheExitCode) {
  Error e = rejected("song.wav", "not an audio file");
  EXPECT_STREQ(e.what(), "song.wav: not an audio file");
  EXPECT_EQ(e.code(), ExitCode::rejected);
}

TEST(Parallel, RunsEveryIndexOnceForAnyThreadCount) {
  for (int threads : {1, 2, 7}) {
    std::vector<std::atomic<int>> hits(100);
    parallel_for(100, threads, [&](std::size_t i) { hits[i]++; });
    for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  }
}

TEST(Parallel, RethrowsTheFirstErrorByIndex) {
  EXPECT_THROW(parallel_for(10, 3,
                            [](std::size_t i) {
                              if (i == 4) throw std::runtime_error("four");
                            }),
               std::runtime_error);
}

#include "core/worker_pool.hpp"

TEST(WorkerPool, RunsEveryItemOnceAcrossManyRounds) {
  for (int threads : {1, 2, 4}) {
    WorkerPool pool(threads);
    std::vector<int> hits(37, 0);
    for (int round = 0; round < 500; ++round) pool.run(hits.size(), [&](std::size_t i) { hits[i]++; });
    for (int h : hits) EXPECT_EQ(h, 500);
  }
}

TEST(WorkerPool, PropagatesErrorsAndStaysUsable) {
  WorkerPool pool(3);
  EXPECT_THROW(pool.run(8, [](std::size_t i) { if (i == 5) throw std::runtime_error("x"); }), std::runtime_error);
  std::atomic<int> n{0};
  pool.run(8, [&](std::size_t) { n++; });
  EXPECT_EQ(n.load(), 8);
}
