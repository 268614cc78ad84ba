// A standalone driver for the libFuzzer harnesses, so `make test` exercises them inside the
// ASan+UBSan tree it already builds (g++), without a third compile of every source by clang.
//   HARNESS_replay DIR...   feeds every file of every DIR to LLVMFuzzerTestOneInput, then a fixed
//                           number of mutants of each (MIXDOWN_FUZZ_MUTANTS, default 1000)
// The mutants come from a seeded generator (splitmix64, seed = the file's index), so every run
// feeds the same bytes in the same order: a failure is a regression that replays. The mutations
// are the usual blind ones (bit flips, interesting bytes, erased / duplicated / inserted ranges,
// truncation, splicing with another seed). Coverage-guided exploration stays with libFuzzer in
// `make fuzz` (fuzz/run.sh); this driver is the bounded, deterministic regression pass.
// A harness reports a finding by aborting (fuzz/common.hpp), which the sanitizers print.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using Bytes = std::vector<std::uint8_t>;

struct SplitMix {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
};

Bytes read_all(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// One to four stacked mutations of `b`; `other` is another seed to splice from.
Bytes mutate(Bytes b, const Bytes& other, SplitMix& rng) {
  static constexpr std::uint8_t kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '=', '"', '[', ']', '\n', '\\', '.', '-', '0', '9'};
  constexpr std::size_t kMaxLen = 65536;
  const int steps = 1 + static_cast<int>(rng.below(4));
  for (int k = 0; k < steps; ++k) {
    const std::size_t n = b.size();
    switch (rng.below(7)) {
      case 0:  // flip one bit
        if (n) b[rng.below(n)] ^= static_cast<std::uint8_t>(1u << rng.below(8));
        break;
      case 1:  // an interesting byte
        if (n) b[rng.below(n)] = kInteresting[rng.below(std::size(kInteresting))];
        break;
      case 2: {  // erase a range
        if (!n) break;
        const auto at = rng.below(n);
        const auto len = 1 + rng.below(std::min<std::size_t>(n - at, 64));
        b.erase(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + len));
        break;
      }
      case 3: {  // duplicate a range in place
        if (!n || n >= kMaxLen) break;
        const auto at = rng.below(n);
        const auto len = 1 + rng.below(std::min<std::size_t>(n - at, 64));
        const Bytes piece(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + len));
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(rng.below(n + 1)), piece.begin(), piece.end());
        break;
      }
      case 4: {  // insert random bytes
        if (n >= kMaxLen) break;
        const auto len = 1 + rng.below(8);
        Bytes piece(len);
        for (auto& c : piece) c = static_cast<std::uint8_t>(rng.next());
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(rng.below(n + 1)), piece.begin(), piece.end());
        break;
      }
      case 5:  // truncate
        b.resize(rng.below(n + 1));
        break;
      default: {  // splice: our head, the other seed's tail
        if (other.empty()) break;
        const auto cut = rng.below(n + 1);
        const auto from = rng.below(other.size());
        b.resize(cut);
        b.insert(b.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        if (b.size() > kMaxLen) b.resize(kMaxLen);
        break;
      }
    }
  }
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    if (!std::filesystem::is_directory(argv[i], ec)) {
      std::fprintf(stderr, "fuzz replay: %s: not a folder\n", argv[i]);
      return 2;
    }
    for (const auto& e : std::filesystem::directory_iterator(argv[i]))
      if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());  // directory order is the filesystem's; ours is fixed
  if (files.empty()) {
    std::fprintf(stderr, "fuzz replay: no seed files (usage: %s DIR...)\n", argv[0]);
    return 2;
  }
  const char* env = std::getenv("MIXDOWN_FUZZ_MUTANTS");
  const long mutants = env ? std::max(0L, std::strtol(env, nullptr, 10)) : 1000;

  std::vector<Bytes> seeds;
  for (const auto& f : files) seeds.push_back(read_all(f));
  long runs = 0;
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    LLVMFuzzerTestOneInput(seeds[i].data(), seeds[i].size());
    ++runs;
    SplitMix rng{i + 1};
    for (long m = 0; m < mutants; ++m) {
      const Bytes in = mutate(seeds[i], seeds[rng.below(seeds.size())], rng);
      LLVMFuzzerTestOneInput(in.data(), in.size());
      ++runs;
    }
  }
  // The harnesses' scratch folder (fuzz/common.hpp) is per process: leave nothing behind.
  std::error_code ec;
  std::filesystem::remove_all(mixdown::fuzz::scratch_dir(), ec);
  std::printf("fuzz replay: %zu seeds, %ld inputs, no finding\n", seeds.size(), runs);
  return 0;
}
