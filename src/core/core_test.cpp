#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "core/audio_buffer.hpp"
#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/problem.hpp"
#include "core/simd.hpp"
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

#include "core/block_pipeline.hpp"

// A stream of blocks through a source, two stages after it and one after both: every stage sees
// every block once and in order, never before the stages it follows have finished that block,
// and the source never runs more than `slots` blocks ahead of the slowest stage (it would
// overwrite a slot still in use). The same for any thread count; a second stream runs beside.
TEST(BlockPipeline, EveryStageTakesEveryBlockInOrderAfterItsInputs) {
  for (int threads : {1, 2, 4}) {
    for (std::size_t slots : {1u, 3u}) {
      WorkerPool pool(threads);
      constexpr std::size_t kBlocks = 200, kOther = 37;
      std::mutex m;
      std::vector<std::vector<std::size_t>> seen(5);  // per stage, the blocks in the order run
      std::vector<std::vector<char>> finished(5, std::vector<char>(kBlocks, 0));
      std::vector<long> slot_owner(slots, -1);        // the block each slot holds
      std::atomic<bool> bad{false};
      const auto enter = [&](std::size_t stage, std::size_t t, std::vector<std::size_t> after) {
        std::lock_guard lock(m);
        for (std::size_t a : after)
          if (!finished[a][t]) bad = true;
        if (stage != 0 && slot_owner[t % slots] != static_cast<long>(t)) bad = true;  // its slot was overwritten
        seen[stage].push_back(t);
      };
      const auto leave = [&](std::size_t stage, std::size_t t) {
        std::lock_guard lock(m);
        finished[stage][t] = 1;
      };
      BlockPipeline pipe(slots);
      const std::size_t src = pipe.source([&](std::size_t t) {
        if (t == kBlocks) return false;
        {
          std::lock_guard lock(m);
          const long held = slot_owner[t % slots];
          // The block the slot held must be done by every stage before it is overwritten.
          if (held >= 0)
            for (std::size_t s = 1; s < 4; ++s)
              if (!finished[s][static_cast<std::size_t>(held)]) bad = true;
          slot_owner[t % slots] = static_cast<long>(t);
        }
        enter(0, t, {});
        leave(0, t);
        return true;
      });
      const auto work = [](std::size_t t) {  // uneven costs, so the stages drift apart
        volatile double x = 0;
        for (std::size_t i = 0; i < 200 * (t % 7); ++i) x = x + std::sqrt(double(i));
      };
      const std::size_t a = pipe.add([&](std::size_t t) { enter(1, t, {0}); work(t); leave(1, t); }, {src});
      const std::size_t b = pipe.add([&](std::size_t t) { enter(2, t, {0}); work(t + 3); leave(2, t); }, {src});
      pipe.add([&](std::size_t t) { enter(3, t, {1, 2}); leave(3, t); }, {a, b});
      std::vector<std::size_t> other;
      const std::size_t src2 = pipe.source([&](std::size_t t) { return t < kOther; });
      pipe.add([&](std::size_t t) { other.push_back(t); }, {src2});
      pipe.run(pool);
      EXPECT_FALSE(bad.load()) << threads << " threads, " << slots << " slots";
      for (std::size_t s = 0; s < 4; ++s) {
        ASSERT_EQ(seen[s].size(), kBlocks) << s;
        for (std::size_t t = 0; t < kBlocks; ++t) ASSERT_EQ(seen[s][t], t) << s;
      }
      ASSERT_EQ(other.size(), kOther);
      for (std::size_t t = 0; t < kOther; ++t) ASSERT_EQ(other[t], t);
    }
  }
}

// A stage's error stops the stream and comes out of run(); no stage runs past it, and the pool
// stays usable.
TEST(BlockPipeline, RethrowsAStagesErrorAndStops) {
  WorkerPool pool(2);
  std::atomic<std::size_t> last{0};
  BlockPipeline pipe(2);
  const std::size_t src = pipe.source([](std::size_t t) { return t < 1000; });
  pipe.add(
      [&](std::size_t t) {
        if (t == 10) throw std::runtime_error("block 10");
        last = t;
      },
      {src});
  EXPECT_THROW(pipe.run(pool), std::runtime_error);
  EXPECT_LT(last.load(), 10u);
  std::atomic<int> n{0};
  pool.run(8, [&](std::size_t) { n++; });
  EXPECT_EQ(n.load(), 8);
  EXPECT_THROW(BlockPipeline(0), std::invalid_argument);
  BlockPipeline two(1);
  const std::size_t s1 = two.source([](std::size_t) { return false; });
  const std::size_t s2 = two.source([](std::size_t) { return false; });
  EXPECT_THROW(two.add([](std::size_t) {}, {s1, s2}), std::invalid_argument);  // after two streams
  EXPECT_THROW(two.add([](std::size_t) {}, {}), std::invalid_argument);
}

// add_from and apply_gain (vector clones) give each sample exactly d + g·s and d·g, over
// lengths with and without a vector tail, for a view added to itself too.
TEST(AudioBuffer, AddFromAndApplyGainAreExactPerSample) {
  for (std::size_t n : {1u, 7u, 8u, 33u, 2048u, 2051u}) {
    AudioBuffer a(2, n), b(2, n);
    for (int c = 0; c < 2; ++c)
      for (std::size_t i = 0; i < n; ++i) {
        a.channel(c)[i] = 0.37f * static_cast<float>(i % 17) - 1.1f + 0.01f * static_cast<float>(c);
        b.channel(c)[i] = 0.23f * static_cast<float>(i % 13) - 0.7f;
      }
    AudioBuffer want = a;
    for (int c = 0; c < 2; ++c)
      for (std::size_t i = 0; i < n; ++i) {
        volatile float prod = 0.3f * b.channel(c)[i];  // one rounding per operation, as the clones
        want.channel(c)[i] = (want.channel(c)[i] + prod) * -1.7f;
      }
    a.view().add_from(b.view(), 0.3f);
    a.view().apply_gain(-1.7f);
    for (int c = 0; c < 2; ++c)
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(a.channel(c)[i], want.channel(c)[i]) << n << " " << c << " " << i;
    AudioBuffer self = b;
    self.view().add_from(self.view(), 2.0f);
    for (int c = 0; c < 2; ++c)
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(self.channel(c)[i], 3.0f * b.channel(c)[i]) << n << " " << i;
  }
}

// all_zero is max_abs_bits(x, n) == 0 with an early exit: the same answer for every length and
// for any one non-zero sample (a denormal, -0.0's neighbour, a NaN) at any place, and views
// agree per channel.
TEST(Simd, AllZeroAgreesWithTheMaximumForAnySampleAnywhere) {
  const float odd[] = {1e-45f, -1e-45f, 1e-30f, -1.0f, std::numeric_limits<float>::quiet_NaN(),
                       std::numeric_limits<float>::infinity()};
  for (std::size_t n : {0u, 1u, 63u, 64u, 65u, 200u}) {
    std::vector<float> x(n, 0.0f);
    for (std::size_t i = 0; i < n; i += 2) x[i] = -0.0f;
    EXPECT_TRUE(simd::all_zero(x.data(), n)) << n;
    EXPECT_EQ(simd::max_abs_bits(x.data(), n), 0u);
    for (std::size_t at = 0; at < n; at += 7) {
      for (float v : odd) {
        std::vector<float> y = x;
        y[at] = v;
        EXPECT_FALSE(simd::all_zero(y.data(), n)) << n << " " << at << " " << v;
        EXPECT_NE(simd::max_abs_bits(y.data(), n), 0u);
      }
    }
  }
  AudioBuffer b(2, 130);
  EXPECT_TRUE(ConstAudioView(b.view()).digital_silence());
  b.channel(1)[129] = 1e-40f;
  EXPECT_FALSE(ConstAudioView(b.view()).digital_silence());
  EXPECT_TRUE(ConstAudioView(b.view()).sub(0, 129).digital_silence());
}

// The stereo sums in lanes against one serial sum each, for every length around the lane step;
// (L - R)² is summed as such, not derived from the others (it stays exact for a mono signal).
TEST(Simd, StereoSumsMatchSerialSums) {
  std::uint64_t r = 99;
  auto next = [&] {
    r = r * 6364136223846793005ull + 1442695040888963407ull;
    return float(double(r >> 11) / double(1ull << 53) * 2.0 - 1.0);
  };
  for (std::size_t n : {0u, 1u, 3u, 4u, 5u, 1023u}) {
    std::vector<float> a(n), b(n);
    for (std::size_t i = 0; i < n; ++i) a[i] = next(), b[i] = next();
    double l = 0, rr_ = 0, ll = 0, rr = 0, lr = 0, d = 0, sm = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = a[i], y = b[i];
      l += x, rr_ += y, ll += x * x, rr += y * y, lr += x * y, d += (x - y) * (x - y), sm += (x + y) * (x + y);
    }
    const simd::StereoSums s = simd::stereo_sums(a.data(), b.data(), n);
    for (auto [got, want] : {std::pair{s.l, l}, {s.r, rr_}, {s.ll, ll}, {s.rr, rr}, {s.lr, lr}, {s.diff, d}, {s.sum, sm}})
      EXPECT_NEAR(got, want, 1e-12 * (1.0 + std::abs(want))) << n;
  }
  std::vector<float> mono(37, 0.3f);
  EXPECT_EQ(simd::stereo_sums(mono.data(), mono.data(), mono.size()).diff, 0.0);
}

// The running-product sum of logs against one log per term: spectra spanning 60 orders of
// magnitude (a power spectrum's floor to its peaks), every length around the 16-term step,
// float and double; a term of 0 with nothing added gives -inf; NaN and Inf propagate.
TEST(Simd, SumLogMatchesOneLogPerTerm) {
  std::uint64_t r = 12345;
  auto next = [&] {
    r = r * 6364136223846793005ull + 1442695040888963407ull;
    return double(r >> 11) / double(1ull << 53);
  };
  for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 33u, 700u, 4097u}) {
    std::vector<float> f(n);
    std::vector<double> d(n);
    for (std::size_t i = 0; i < n; ++i) {
      d[i] = std::pow(10.0, -40.0 + 60.0 * next());
      f[i] = static_cast<float>(d[i]);
    }
    for (double add : {0.0, 1e-20, 1e-3}) {
      double ref_f = 0, ref_d = 0;
      for (std::size_t i = 0; i < n; ++i) {
        ref_f += std::log(double(f[i]) + add);
        ref_d += std::log(d[i] + add);
      }
      const double tol = 1e-12 * (1.0 + std::abs(ref_f));
      EXPECT_NEAR(simd::sum_log(f.data(), n, add), ref_f, tol) << n << " " << add;
      EXPECT_NEAR(simd::sum_log(d.data(), n, add), ref_d, 1e-12 * (1.0 + std::abs(ref_d))) << n << " " << add;
    }
  }
  std::vector<float> x(40, 0.5f);
  x[21] = 0.0f;
  EXPECT_EQ(simd::sum_log(x.data(), x.size(), 0.0), -std::numeric_limits<double>::infinity());
  EXPECT_NEAR(simd::sum_log(x.data(), x.size(), 1e-20), std::log(1e-20) + 39.0 * std::log(0.5 + 1e-20), 1e-12);
  x[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(simd::sum_log(x.data(), x.size(), 1e-20)));
  x[3] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(simd::sum_log(x.data(), x.size(), 1e-20), std::numeric_limits<double>::infinity());
}

// One sample is "a number", not "numbers"; more are counted in the plural.
TEST(Problem, NonFiniteSamplesAreCountedInGoodGrammar) {
  EXPECT_EQ(nonfinite_samples_phrase(1), "1 sample that is not a number (NaN or infinite)");
  EXPECT_EQ(nonfinite_samples_phrase(200), "200 samples that are not numbers (NaN or infinite)");
}

#include <cstdlib>

#include "core/env.hpp"

// Absent or empty: the default; "0": off; anything else: on.
TEST(Env, FlagReadsUnsetEmptyZeroAndOn) {
  constexpr const char* kName = "MIXDOWN_TEST_ENV_FLAG";
  ASSERT_EQ(::unsetenv(kName), 0);
  EXPECT_TRUE(env_flag(kName, true));
  EXPECT_FALSE(env_flag(kName, false));
  ASSERT_EQ(::setenv(kName, "", 1), 0);
  EXPECT_TRUE(env_flag(kName, true));
  EXPECT_FALSE(env_flag(kName, false));
  ASSERT_EQ(::setenv(kName, "0", 1), 0);
  EXPECT_FALSE(env_flag(kName, true));
  ASSERT_EQ(::setenv(kName, "1", 1), 0);
  EXPECT_TRUE(env_flag(kName, false));
  ASSERT_EQ(::setenv(kName, "yes", 1), 0);
  EXPECT_TRUE(env_flag(kName, false));
  ASSERT_EQ(::unsetenv(kName), 0);
}
