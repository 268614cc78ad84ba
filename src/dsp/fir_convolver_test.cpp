#include "dsp/fir_convolver.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace mixdown::dsp {
namespace {

std::vector<float> random_signal(std::size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

// The convolution done directly, in double.
std::vector<double> direct(const std::vector<float>& h, const std::vector<float>& x) {
  std::vector<double> y(x.size(), 0.0);
  for (std::size_t n = 0; n < x.size(); ++n)
    for (std::size_t k = 0; k < h.size() && k <= n; ++k) y[n] += double(h[k]) * x[n - k];
  return y;
}

// x filtered in blocks of the given sizes (cycled until the input ends).
std::vector<float> run(const std::shared_ptr<const FirKernel>& k, std::vector<float> x, const std::vector<std::size_t>& blocks) {
  FirChannel ch(k);
  for (std::size_t at = 0, b = 0; at < x.size(); ++b) {
    const std::size_t n = std::min(blocks[b % blocks.size()], x.size() - at);
    ch.process(x.data() + at, n);
    at += n;
  }
  return x;
}

double worst_error(const std::vector<float>& got, const std::vector<double>& want) {
  double e = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) e = std::max(e, std::abs(double(got[i]) - want[i]));
  return e;
}

TEST(FirConvolver, MatchesDirectConvolutionForAnyBlockSize) {
  // Four and a half partitions of filter, so the older partitions' sum and the ring wrap are used.
  const std::size_t p = 64;
  const auto h = random_signal(4 * p + 32, 1, 0.25f);
  const auto x = random_signal(3000, 2);
  const auto want = direct(h, x);
  const auto k = std::make_shared<const FirKernel>(h, p);
  EXPECT_EQ(k->partitions(), 5u);
  for (const std::vector<std::size_t>& blocks :
       std::vector<std::vector<std::size_t>>{{3000}, {p}, {1}, {7, 100, 64, 1, 200}, {2 * p + 3}}) {
    const auto y = run(k, x, blocks);
    EXPECT_LT(worst_error(y, want), 2e-5) << "first block " << blocks[0];
  }
}

// Partitions of more than 512 bins (the older partitions' sum is taken in runs of 512), with
// three partitions and with two (a ring of one slot, the newest spectrum written into the slot
// just read), in ragged blocks.
TEST(FirConvolver, WidePartitionsAndATwoPartitionRing) {
  const std::size_t p = 1024;
  const auto x = random_signal(9000, 4);
  for (const std::size_t taps : {3 * p - 100, 2 * p - 7}) {
    const auto h = random_signal(taps, 5, 0.1f);
    const auto want = direct(h, x);
    const auto k = std::make_shared<const FirKernel>(h, p);
    EXPECT_EQ(k->partitions(), taps > 2 * p ? 3u : 2u);
    for (const std::vector<std::size_t>& blocks : std::vector<std::vector<std::size_t>>{{9000}, {p}, {333, 1, 2048, 700}}) {
      const auto y = run(k, x, blocks);
      EXPECT_LT(worst_error(y, want), 2e-5) << taps << " taps, first block " << blocks[0];
    }
  }
}

TEST(FirConvolver, ShortFilterInOnePartition) {
  const std::vector<float> h = {0.5f, -0.25f, 0.125f};
  const auto x = random_signal(500, 3);
  const auto k = std::make_shared<const FirKernel>(h, 128);
  EXPECT_EQ(k->partitions(), 1u);
  EXPECT_LT(worst_error(run(k, x, {33}), direct(h, x)), 1e-6);
}

TEST(FirConvolver, SameBlocksGiveSameBitsAndResetStartsAfresh) {
  const auto h = random_signal(300, 4, 0.1f);
  const auto x = random_signal(2000, 5);
  const auto k = std::make_shared<const FirKernel>(h, 64);
  const auto a = run(k, x, {100, 37});
  EXPECT_EQ(a, run(k, x, {100, 37}));
  FirChannel ch(k);
  auto y = x;
  ch.process(y.data(), 777);
  ch.reset();
  y = x;
  for (std::size_t at = 0, b = 0; at < y.size(); ++b) {
    const std::size_t n = std::min<std::size_t>(b % 2 ? 37 : 100, y.size() - at);
    ch.process(y.data() + at, n);
    at += n;
  }
  EXPECT_EQ(a, y);
}

TEST(FirConvolver, MovedChannelKeepsItsState) {
  const auto h = random_signal(200, 6, 0.1f);
  const auto x = random_signal(1000, 7);
  const auto k = std::make_shared<const FirKernel>(h, 64);
  const auto whole = run(k, x, {1000});
  FirChannel a(k);
  auto y = x;
  a.process(y.data(), 500);
  FirChannel b(std::move(a));
  b.process(y.data() + 500, 500);
  EXPECT_LT(worst_error(y, std::vector<double>(whole.begin(), whole.end())), 1e-6);
}

TEST(FirConvolver, RejectsAPartitionThatIsNotAPowerOfTwo) {
  EXPECT_THROW(FirKernel({1.0f}, 100), std::invalid_argument);
}

}  // namespace
}  // namespace mixdown::dsp
