#include "io/direct_file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../../tests/support/testing.hpp"
#include "core/error.hpp"
#include "io/audio_file.hpp"

using namespace mixdown;
using namespace mixdown::io;
namespace fs = std::filesystem;

namespace {
std::vector<unsigned char> slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
std::vector<unsigned char> random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<unsigned char> v(n);
  for (auto& b : v) b = static_cast<unsigned char>(rng());
  return v;
}
}  // namespace

// A stream written in uneven pieces across several chunks, its start rewritten at the end the
// way libsndfile rewrites a WAV header, and an unaligned tail: the file holds exactly the bytes,
// whether the writes went around the page cache or through it.
TEST(DirectFile, HoldsExactlyTheBytesWrittenWithAHeaderRewrittenAtTheEnd) {
  testkit::TempDir dir;
  const auto data = random_bytes(3 * (1u << 20) + 12345, 7);  // 3 chunks and a partial block
  const auto header = random_bytes(44, 8);
  for (bool direct : {true, false}) {
    const fs::path path = dir / (direct ? "d.bin" : "p.bin");
    DirectFile f(path, direct);
    std::mt19937 rng(3);
    std::size_t at = 0;
    while (at < data.size()) {
      const std::size_t n = std::min<std::size_t>(data.size() - at, 1 + rng() % 70000);
      f.write(data.data() + at, n);
      at += n;
    }
    EXPECT_EQ(f.tell(), static_cast<std::int64_t>(data.size()));
    f.seek(0);
    f.write(header.data(), header.size());
    EXPECT_EQ(f.tell(), 44);
    EXPECT_EQ(f.length(), static_cast<std::int64_t>(data.size()));
    f.close();
    auto want = data;
    std::copy(header.begin(), header.end(), want.begin());
    EXPECT_EQ(slurp(path), want) << (direct ? "direct" : "through the page cache");
  }
}

// Several files written at once from threads of their own, as the render's outputs are: their
// chunks are on the writer threads together, two of one file's at times, and each file holds
// exactly its own bytes with its header rewritten at the end.
TEST(DirectFile, FilesWrittenSideBySideEachHoldTheirOwnBytes) {
  testkit::TempDir dir;
  constexpr int kFiles = 6;
  std::vector<std::vector<unsigned char>> data, header;
  for (int k = 0; k < kFiles; ++k) {
    data.push_back(random_bytes(5 * (1u << 20) + 1000u * static_cast<unsigned>(k) + 3, 100 + static_cast<unsigned>(k)));
    header.push_back(random_bytes(44, 200 + static_cast<unsigned>(k)));
  }
  std::vector<std::thread> threads;
  for (int k = 0; k < kFiles; ++k)
    threads.emplace_back([&, k] {
      try {
        DirectFile f(dir / ("f" + std::to_string(k) + ".bin"), true);
        std::mt19937 rng(static_cast<unsigned>(k));
        for (std::size_t at = 0; at < data[k].size();) {
          const std::size_t n = std::min<std::size_t>(data[k].size() - at, 1 + rng() % 300000);
          f.write(data[k].data() + at, n);
          at += n;
        }
        f.seek(0);
        f.write(header[k].data(), header[k].size());
        f.close();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "file " << k << ": " << e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (int k = 0; k < kFiles; ++k) {
    auto want = data[k];
    std::copy(header[k].begin(), header[k].end(), want.begin());
    EXPECT_EQ(slurp(dir / ("f" + std::to_string(k) + ".bin")), want) << "file " << k;
  }
}

// More files at once than the device keeps up with, as a mix's 30 outputs are: full chunks
// queue for the device instead of holding their files up (several of one file on their way at
// once), and every file holds exactly its bytes. (How deep the queue got depends on the device;
// it is printed.)
TEST(DirectFile, ChunksQueueForTheDeviceAndEveryFileKeepsItsBytes) {
  testkit::TempDir dir;
  constexpr int kFiles = 12;
  std::vector<std::vector<unsigned char>> data;
  for (int k = 0; k < kFiles; ++k) data.push_back(random_bytes(6 * (1u << 20) + 4096u * static_cast<unsigned>(k) + 77, 300 + static_cast<unsigned>(k)));
  std::vector<std::size_t> deepest(kFiles, 0);
  std::vector<std::thread> threads;
  for (int k = 0; k < kFiles; ++k)
    threads.emplace_back([&, k] {
      try {
        DirectFile f(dir / ("c" + std::to_string(k) + ".bin"), true);
        for (std::size_t at = 0; at < data[k].size();) {
          const std::size_t n = std::min<std::size_t>(data[k].size() - at, 1u << 18);
          f.write(data[k].data() + at, n);
          at += n;
        }
        deepest[static_cast<std::size_t>(k)] = f.most_chunks_in_flight();
        f.close();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "file " << k << ": " << e.what();
      }
    });
  for (auto& t : threads) t.join();
  std::size_t most = 0;
  for (int k = 0; k < kFiles; ++k) {
    EXPECT_EQ(slurp(dir / ("c" + std::to_string(k) + ".bin")), data[k]) << "file " << k;
    EXPECT_LE(deepest[static_cast<std::size_t>(k)], 6u) << "more chunks than the file holds";
    most = std::max(most, deepest[static_cast<std::size_t>(k)]);
  }
  std::printf("  at most %zu chunks of one file on their way at once\n", most);
}

// Writes built in place (append_area) between ordinary ones, across chunk ends, with the
// scratch past each built write scribbled on as a packer's whole-word stores do: the file holds
// exactly the bytes written. There is no area through the page cache, or away from the end.
TEST(DirectFile, WritesBuiltInTheStagingHoldTheirBytesAndNothingPastThem) {
  testkit::TempDir dir;
  const auto data = random_bytes(3 * (1u << 20) + 777, 11);
  for (bool direct : {true, false}) {
    const fs::path path = dir / (direct ? "d.bin" : "p.bin");
    DirectFile f(path, direct);
    std::mt19937 rng(5);
    std::size_t at = 0, built = 0;
    while (at < data.size()) {
      std::size_t n = std::min<std::size_t>(data.size() - at, 1 + rng() % 60000);
      std::size_t room = 0;
      unsigned char* area = f.append_area(&room);
      if (area && rng() % 4 != 0 && room > 0) {
        n = std::min(n, room);
        std::copy_n(data.data() + at, n, area);
        std::fill_n(area + n, 64, 0xAB);  // the scratch past the write
        f.write(area, n);
        ++built;
      } else {
        f.write(data.data() + at, n);
      }
      at += n;
    }
    f.seek(100);
    std::size_t room = 1;
    EXPECT_EQ(f.append_area(&room), nullptr);
    EXPECT_EQ(room, 0u);
    f.close();
    EXPECT_EQ(slurp(path), data) << (direct ? "direct" : "through the page cache");
    if (direct) {
      std::printf("  %zu writes built in place\n", built);
    } else {
      EXPECT_EQ(built, 0u);
    }
  }
}

// A short file stays in the staging chunk until close; a write ahead of the stream (a gap)
// switches the file to ordinary writes without losing what was staged.
TEST(DirectFile, ShortFilesAndWritesAheadOfTheStreamKeepEveryByte) {
  testkit::TempDir dir;
  const auto a = random_bytes(5000, 1), b = random_bytes(700000, 2);
  {
    DirectFile f(dir / "short.bin");
    f.write(a.data(), a.size());
    f.seek(10);
    f.write(b.data(), 3);
    f.close();
    auto want = a;
    std::copy_n(b.begin(), 3, want.begin() + 10);
    EXPECT_EQ(slurp(dir / "short.bin"), want);
  }
  {
    DirectFile f(dir / "gap.bin");
    f.write(b.data(), b.size());  // one chunk gone to the device, the rest staged
    f.seek(static_cast<std::int64_t>(b.size()) + 100);
    f.write(a.data(), a.size());
    f.close();
    const auto got = slurp(dir / "gap.bin");
    ASSERT_EQ(got.size(), b.size() + 100 + a.size());
    EXPECT_TRUE(std::equal(b.begin(), b.end(), got.begin()));
    EXPECT_TRUE(std::all_of(got.begin() + static_cast<std::ptrdiff_t>(b.size()),
                            got.begin() + static_cast<std::ptrdiff_t>(b.size()) + 100, [](unsigned char c) { return c == 0; }));
    EXPECT_TRUE(std::equal(a.begin(), a.end(), got.begin() + static_cast<std::ptrdiff_t>(b.size()) + 100));
  }
}

// Digital silence (a printed stem where its part rests) is left as holes: a stream with silent
// stretches, one of them at its very end, reads back as exactly its bytes, and where the file
// system takes direct writes its silent megabytes take no room on the device.
TEST(DirectFile, SilentStretchesReadBackAsZerosAndTakeNoRoom) {
  testkit::TempDir dir;
  constexpr std::size_t kMiB = 1u << 20;
  auto data = random_bytes(6 * kMiB + 8192, 11);  // ends on a block: its last bytes go direct
  std::fill_n(data.begin() + 100, 3 * kMiB, 0);                                       // across chunk edges
  std::fill_n(data.begin() + static_cast<std::ptrdiff_t>(4 * kMiB + 70000), 70000, 0);  // one 64 KiB block inside
  std::fill(data.end() - static_cast<std::ptrdiff_t>(kMiB + 500), data.end(), 0);          // the end
  const auto header = random_bytes(44, 12);
  const fs::path path = dir / "silent.bin";
  DirectFile f(path);
  std::mt19937 rng(5);
  for (std::size_t at = 0; at < data.size();) {
    const std::size_t n = std::min<std::size_t>(data.size() - at, 1 + rng() % 300000);
    f.write(data.data() + at, n);
    at += n;
  }
  f.seek(0);
  f.write(header.data(), header.size());
  f.close();
  auto want = data;
  std::copy(header.begin(), header.end(), want.begin());
  ASSERT_EQ(slurp(path), want);
  // Room on the device: the probe says whether this file system takes direct writes at all.
  const int probe = ::open((dir / "probe").c_str(), O_WRONLY | O_CREAT | O_DIRECT | O_CLOEXEC, 0666);
  if (probe < 0) GTEST_SKIP() << "this file system takes no direct writes: every byte goes through the page cache";
  ::close(probe);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_LT(std::int64_t(st.st_blocks) * 512, std::int64_t(data.size() - 3 * kMiB))
      << "the silent stretches were written out";
}

// A device that is full: the failure is reported, naming the file, not swallowed.
TEST(DirectFile, AFailedWriteThrowsNamingTheFile) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full on this system";
  const auto data = random_bytes(2u << 20, 4);
  try {
    DirectFile f("/dev/full");
    f.write(data.data(), data.size());
    f.close();
    FAIL() << "writing to /dev/full succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
  }
}

// Every WAV output goes through DirectFile: the file is the same to the byte as with
// MIXDOWN_DIRECT_IO=0, which writes through the page cache.
TEST(DirectFile, AudioWriterWritesTheSameWavEitherWay) {
  testkit::TempDir dir;
  auto src = testkit::sine(440.0, -3.0, 7.3, 48000, 2);  // ~4 MB of 24-bit: several chunks
  for (auto fmt : {SampleFormat::wav24, SampleFormat::wav16, SampleFormat::wav_float}) {
    WriteSpec spec;
    spec.format = fmt;
    ASSERT_EQ(::setenv("MIXDOWN_DIRECT_IO", "0", 1), 0);
    EXPECT_FALSE(direct_writes_enabled());
    write_file(dir / "plain.wav", src.view(), spec);
    ASSERT_EQ(::unsetenv("MIXDOWN_DIRECT_IO"), 0);
    EXPECT_TRUE(direct_writes_enabled());
    write_file(dir / "direct.wav", src.view(), spec);
    const auto plain = slurp(dir / "plain.wav");
    EXPECT_GT(plain.size(), 40000u);
    EXPECT_EQ(slurp(dir / "direct.wav"), plain);
    int rate = 0;
    const auto back = read_file(dir / "direct.wav", &rate);
    EXPECT_EQ(rate, 48000);
    EXPECT_EQ(back.num_frames(), src.num_frames());
  }
}
