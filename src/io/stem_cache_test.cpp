#include "io/stem_cache.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>

#include "../../tests/support/testing.hpp"
#include "io/audio_file.hpp"
#include "io/file_source.hpp"
#include "io/mix_pipeline.hpp"
#include "io/stem_set.hpp"

using namespace mixdown;
using namespace mixdown::io;
namespace fs = std::filesystem;

namespace {

constexpr int kRate = 48000;

// A stem as multitracks are: bursts of sound between stretches of digital silence (and one
// -0.0, which must come back as -0.0).
AudioBuffer bursty(int channels, double seconds, std::uint64_t seed) {
  AudioBuffer a = testkit::noise(-20.0, seconds, kRate, channels, seed);
  for (int c = 0; c < channels; ++c) {
    float* x = a.channel(c);
    for (std::size_t i = 0; i < a.num_frames(); ++i)
      if ((i / 10000) % 3 == 1) x[i] = 0.0f;
    x[10000] = -0.0f;
  }
  return a;
}

DecodedStem decode(const fs::path& file) {
  AudioReader reader(file);
  DecodedStem d(reader.info().channels, reader.info().sample_rate);
  AudioBuffer block(reader.info().channels, 7001);  // a size unrelated to the cache's blocks
  for (std::size_t got; (got = reader.read(block.view())) > 0;) d.append(block.view().sub(0, got));
  d.finish();
  return d;
}

bool same_bits(const ConstAudioView& a, const ConstAudioView& b) {
  if (a.num_channels() != b.num_channels() || a.num_frames() != b.num_frames()) return false;
  for (int c = 0; c < a.num_channels(); ++c)
    if (std::memcmp(a.channel(c), b.channel(c), a.num_frames() * sizeof(float)) != 0) return false;
  return true;
}

// Reads both sources the way the render does (blocks of varying size, a jump forward and one
// back, reads past the end) and compares every block to the bit.
void expect_same_reads(graph::StemSource& from_file, graph::StemSource& from_memory) {
  ASSERT_EQ(from_file.channels(), from_memory.channels());
  ASSERT_EQ(from_file.frames(), from_memory.frames());
  std::mt19937 rng(7);
  const int nc = from_file.channels();
  const auto run = [&](std::int64_t frames) {
    for (std::int64_t done = 0; done < frames;) {
      const std::size_t n = 1 + rng() % 9000;
      AudioBuffer a(nc, n), b(nc, n);
      from_file.read(a.view());
      from_memory.read(b.view());
      ASSERT_TRUE(same_bits(a.view(), b.view())) << "at frame " << done;
      done += static_cast<std::int64_t>(n);
    }
  };
  run(from_file.frames() / 3);
  from_file.seek(from_file.frames() / 2);
  from_memory.seek(from_file.frames() / 2);
  run(from_file.frames());  // on past the end: zeros from both
  from_file.seek(4095);
  from_memory.seek(4095);
  run(20000);
  from_file.rewind();
  from_memory.rewind();
  run(from_file.frames());
}

}  // namespace

// Float, 16- and 24-bit files (their blocks kept as floats, 2 or 3 bytes a sample), mono,
// stereo, stereo folded to mono, 5.1 folded to stereo or mono.
// A stem with one channel inverted reads with its right channel inverted back, and folded to
// mono as (L - R) / 2: the part, not the silence (L + R) / 2 would leave.
TEST(StemCache, TheRightChannelIsInvertedBackBeforeTheFold) {
  AudioBuffer b(2, 5000);
  for (std::size_t i = 0; i < b.num_frames(); ++i) {
    b.channel(0)[i] = static_cast<float>(std::sin(0.01 * double(i)));
    b.channel(1)[i] = -b.channel(0)[i];
  }
  for (bool fold : {false, true}) {
    InvertedRightSource src(std::make_unique<graph::BufferSource>(b), fold);
    ASSERT_EQ(src.channels(), fold ? 1 : 2);
    AudioBuffer out(src.channels(), 5000);
    src.read(out.view());
    for (std::size_t i = 0; i < out.num_frames(); i += 97)
      for (int c = 0; c < out.num_channels(); ++c) ASSERT_EQ(out.channel(c)[i], b.channel(0)[i]) << i;
  }
}

TEST(StemCache, ACachedStemReadsBitForBitAsItsFile) {
  testkit::TempDir dir;
  struct Case {
    int channels;
    bool fold;
  };
  for (const SampleFormat format : {SampleFormat::wav_float, SampleFormat::wav16, SampleFormat::wav24})
    for (const Case k : {Case{1, false}, Case{2, false}, Case{2, true}, Case{6, false}, Case{6, true}}) {
      SCOPED_TRACE(testing::Message() << static_cast<int>(format) << ": " << k.channels << " channels, fold " << k.fold);
      const fs::path f = dir / ("s" + std::to_string(k.channels) + ".wav");
      WriteSpec spec;
      spec.format = format;
      spec.channels = k.channels;
      write_file(f, bursty(k.channels, 3.3, 5).view(), spec);
      auto stem = std::make_shared<const DecodedStem>(decode(f));
      FileStemSource file(f, kRate, k.fold);
      CachedStemSource memory(stem, k.fold);
      expect_same_reads(file, memory);
    }
}

// A 16-bit stem takes half the memory of its floats, a 24-bit one three quarters.
TEST(StemCache, IntegerStemsAreKeptInTheirOwnWidth) {
  testkit::TempDir dir;
  const AudioBuffer a = testkit::noise(-20.0, 2.0, kRate, 2, 9);
  const std::size_t blocks = (a.num_frames() + DecodedStem::kFrames - 1) / DecodedStem::kFrames;
  const std::size_t floats = blocks * DecodedStem::kFrames * 2 * sizeof(float);  // whole blocks
  WriteSpec spec;
  for (const auto& [format, share] : {std::pair{SampleFormat::wav16, 0.5}, std::pair{SampleFormat::wav24, 0.75},
                                      std::pair{SampleFormat::wav_float, 1.0}}) {
    spec.format = format;
    write_file(dir / "a.wav", a.view(), spec);
    const DecodedStem d = decode(dir / "a.wav");
    EXPECT_NEAR(double(d.stored_bytes()) / double(floats), share, 0.01) << static_cast<int>(format);
  }
}

// The width test's edges: each odd sample, alone in a block of 16-bit values, must push the
// block to the width that keeps it (and no further), and every sample reads back as its bits.
TEST(StemCache, EveryBlockKeepsItsSamplesBitForBit) {
  const float k15 = 1.0f / 32768.0f, k23 = 1.0f / 8388608.0f;
  const std::vector<std::pair<float, std::size_t>> odd = {
      {-1.0f, 2}, {32767 * k15, 2}, {1.0f, 4}, {-0.0f, 4}, {3 * k23, 3}, {-8388608 * k23, 2}, {8388607 * k23, 3},
      {0.1f, 4}, {1e-30f, 4}, {2.0f, 4}, {-2.0f, 4}, {std::numeric_limits<float>::quiet_NaN(), 4},
      {std::numeric_limits<float>::infinity(), 4}, {65536 * k15, 4}};
  for (const auto& [value, width] : odd) {
    for (const std::size_t at : {std::size_t{0}, std::size_t{5}, DecodedStem::kFrames - 1}) {
      AudioBuffer a(1, DecodedStem::kFrames);
      for (std::size_t i = 0; i < a.num_frames(); ++i) a.channel(0)[i] = static_cast<float>(int(i % 200) - 100) * k15;
      a.channel(0)[at] = value;
      DecodedStem d(1, kRate);
      d.append(a.view());
      d.finish();
      EXPECT_EQ(d.stored_bytes(), DecodedStem::kFrames * width + 4) << value << " at " << at;
      AudioBuffer back(1, DecodedStem::kFrames);
      d.copy(0, back.view());
      for (std::size_t i = 0; i < a.num_frames(); ++i)
        ASSERT_EQ(std::bit_cast<std::uint32_t>(back.channel(0)[i]), std::bit_cast<std::uint32_t>(a.channel(0)[i]))
            << value << " at " << at << ", sample " << i;
    }
  }
}

TEST(StemCache, SilentBlocksAreNotStored) {
  testkit::TempDir dir;
  WriteSpec spec;
  spec.format = SampleFormat::wav_float;
  AudioBuffer a = testkit::concat({testkit::noise(-20.0, 1.0, kRate, 2, 3), AudioBuffer(2, 10 * kRate)});
  write_file(dir / "a.wav", a.view(), spec);
  const DecodedStem d = decode(dir / "a.wav");
  EXPECT_EQ(d.frames(), static_cast<std::int64_t>(a.num_frames()));
  const std::size_t dense = a.num_frames() * 2 * sizeof(float);
  EXPECT_LT(d.stored_bytes(), dense / 8);  // 1 s of 11 stored (with its last block)
  EXPECT_GE(d.stored_bytes(), std::size_t{kRate} * 2 * sizeof(float));
}

TEST(StemCache, TheBudgetDecidesWhatIsKept) {
  StemCache cache(2 * DecodedStem::kFrames * 2 * sizeof(float));  // two stereo blocks
  EXPECT_TRUE(cache.reserve(static_cast<std::int64_t>(DecodedStem::kFrames), 2));
  EXPECT_FALSE(cache.reserve(static_cast<std::int64_t>(DecodedStem::kFrames) + 1, 2));  // two blocks more
  EXPECT_TRUE(cache.reserve(static_cast<std::int64_t>(DecodedStem::kFrames), 2));
  EXPECT_FALSE(cache.reserve(1, 1));
  StemCache none(0);
  EXPECT_FALSE(none.reserve(1, 1));
}

// The check keeps the stems at the session's rate that it read whole; a stem at another rate
// is left to be read (and resampled) from its file.
TEST(StemCache, TheCheckKeepsTheStemsItReadWholeAtTheSessionRate) {
  testkit::TempDir dir;
  WriteSpec spec;
  spec.format = SampleFormat::wav24;
  spec.channels = 1;
  write_file(dir / "bass.wav", testkit::sine(55.0, -6.0, 2.0, kRate, 1).view(), spec);
  spec.channels = 2;
  write_file(dir / "keys.wav", testkit::sine(440.0, -6.0, 2.0, kRate, 2).view(), spec);
  spec.channels = 1;
  spec.sample_rate = 44100;
  write_file(dir / "vocal.wav", testkit::sine(220.0, -6.0, 2.0, 44100, 1).view(), spec);
  StemCache cache(std::size_t{1} << 30);
  CheckOptions options;
  options.analyse_for_mix = true;
  options.cache = &cache;
  const auto res = check_stems(list_stems(dir.path()), 2, {}, options);
  EXPECT_EQ(res.session_rate, kRate);
  EXPECT_NE(cache.find(dir / "bass.wav"), nullptr);
  EXPECT_NE(cache.find(fs::absolute(dir / "keys.wav")), nullptr);
  EXPECT_EQ(cache.find(dir / "vocal.wav"), nullptr);
  ASSERT_NE(cache.find(dir / "keys.wav"), nullptr);
  EXPECT_EQ(cache.find(dir / "keys.wav")->channels(), 2);
  EXPECT_EQ(cache.find(dir / "keys.wav")->frames(), 2 * kRate);
}

// The whole mix with the cache and without it: every file the same, byte for byte.
TEST(StemCache, AMixIsTheSameWithTheCacheAndWithout) {
  testkit::TempDir dir;
  const fs::path stems = dir / "stems";
  fs::create_directories(stems);
  WriteSpec spec;
  spec.format = SampleFormat::wav24;
  spec.channels = 1;
  write_file(stems / "kick.wav", bursty(1, 22.0, 1).view(), spec);
  spec.channels = 2;
  write_file(stems / "guitar.wav", bursty(2, 22.0, 2).view(), spec);
  AudioBuffer dual = bursty(1, 22.0, 3);
  AudioBuffer both(2, dual.num_frames());
  std::copy_n(dual.channel(0), dual.num_frames(), both.channel(0));
  std::copy_n(dual.channel(0), dual.num_frames(), both.channel(1));
  write_file(stems / "vocal.wav", both.view(), spec);  // dual mono: mixed folded

  const auto mix_with = [&](const char* budget_mb, const fs::path& out) -> int {
    ::setenv("MIXDOWN_STEM_CACHE_MB", budget_mb, 1);
    MixRequest req;
    req.stems = stems;
    req.out = out;
    req.master = false;
    req.threads = 2;
    const MixOutcome o = run_mix(req);
    ::unsetenv("MIXDOWN_STEM_CACHE_MB");
    return o.render.stems_from_memory;
  };
  EXPECT_EQ(mix_with("0", dir / "off"), 0);
  EXPECT_EQ(mix_with("512", dir / "on"), 3);
  std::size_t compared = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir / "off")) {
    if (e.path().extension() != ".wav") continue;
    const fs::path twin = dir / "on" / fs::relative(e.path(), dir / "off");
    ASSERT_TRUE(fs::exists(twin)) << twin;
    EXPECT_EQ(testkit::slurp(e.path()), testkit::slurp(twin)) << e.path().filename();
    ++compared;
  }
  EXPECT_GE(compared, 12u);  // mix, 3 versions, 5 bus stems, 3 stems
}

TEST(StemCache, AMalformedBudgetIsAUsageErrorNamingTheVariable) {
  ::setenv("MIXDOWN_STEM_CACHE_MB", "lots", 1);
  try {
    (void)stem_cache_budget();
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("MIXDOWN_STEM_CACHE_MB"), std::string::npos);
  }
  ::setenv("MIXDOWN_STEM_CACHE_MB", "0", 1);
  EXPECT_EQ(stem_cache_budget(), 0u);
  ::unsetenv("MIXDOWN_STEM_CACHE_MB");
  EXPECT_GT(stem_cache_budget(), 0u);
}
