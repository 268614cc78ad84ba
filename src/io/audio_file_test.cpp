#include "io/audio_file.hpp"
#include "io/temp_registry.hpp"

#include <gtest/gtest.h>

#include <bit>

#include <cmath>
#include <fstream>
#include <sndfile.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../tests/support/testing.hpp"
#include "core/error.hpp"
#include "dsp/dither.hpp"
#include "io/file_source.hpp"

using namespace mixdown;
using namespace mixdown::io;
namespace fs = std::filesystem;

namespace {
double max_abs_diff(const ConstAudioView& a, const ConstAudioView& b) {
  double m = 0;
  for (int c = 0; c < a.num_channels(); ++c)
    for (std::size_t i = 0; i < std::min(a.num_frames(), b.num_frames()); ++i)
      m = std::max(m, double(std::abs(a.channel(c)[i] - b.channel(c)[i])));
  return m;
}
}  // namespace

TEST(AudioFile, RoundTripsEveryWritableFormatWithinItsResolution) {
  testkit::TempDir dir;
  auto src = testkit::sine(997.0, -6.0, 0.5, 48000, 2);
  struct Case { SampleFormat f; const char* name; double tol; };
  for (Case c : {Case{SampleFormat::wav16, "a.wav", 3.0 / 32768}, Case{SampleFormat::wav24, "b.wav", 3.0 / 8388608},
                 Case{SampleFormat::wav_float, "c.wav", 0.0}, Case{SampleFormat::flac16, "d.flac", 3.0 / 32768},
                 Case{SampleFormat::flac24, "e.flac", 3.0 / 8388608}}) {
    WriteSpec spec;
    spec.format = c.f;
    write_file(dir / c.name, src.view(), spec);
    int rate = 0;
    auto back = read_file(dir / c.name, &rate);
    EXPECT_EQ(rate, 48000);
    ASSERT_EQ(back.num_frames(), src.num_frames()) << c.name;
    EXPECT_LE(max_abs_diff(src.view(), back.view()), c.tol) << c.name;
  }
}

TEST(AudioFile, ProbeDescribesFormatAndLossyCodecsDecode) {
  testkit::TempDir dir;
  auto src = testkit::sine(440.0, -12.0, 1.0, 48000, 2);
  WriteSpec spec;
  spec.format = SampleFormat::vorbis;
  write_file(dir / "x.ogg", src.view(), spec);
  auto info = probe(dir / "x.ogg");
  EXPECT_TRUE(info.lossy);
  EXPECT_EQ(info.container, "OGG");
  spec.format = SampleFormat::wav24;
  write_file(dir / "y.wav", src.view(), spec);
  info = probe(dir / "y.wav");
  EXPECT_EQ(info.bit_depth, 24);
  EXPECT_FALSE(info.lossy);
  EXPECT_EQ(info.frames, 48000);
  spec.format = SampleFormat::mp3;
  write_file(dir / "z.mp3", src.view(), spec);
  auto back = read_file(dir / "z.mp3");
  double rms = 0;
  for (std::size_t i = 0; i < back.num_frames(); ++i) rms += back.channel(0)[i] * back.channel(0)[i];
  rms = std::sqrt(rms / double(back.num_frames()));
  EXPECT_NEAR(20 * std::log10(rms), -12.0 - 3.01, 1.0);
}

TEST(AudioFile, BadFilesAreRejectedNamingTheFile) {
  testkit::TempDir dir;
  { std::ofstream(dir / "empty.wav"); }
  { std::ofstream(dir / "text.wav") << "this is not audio at all, just text\n"; }
  for (const char* n : {"empty.wav", "text.wav", "missing.wav"}) {
    try {
      probe(dir / n);
      FAIL() << n << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::rejected);
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
    }
  }
}

// An Ogg stream cut short (its last page gone) has no length libsndfile can read: it reports
// SF_COUNT_MAX frames, which master took for the truth ("out of memory") and mix for a
// 100-billion-hour session. It is refused as ending early, naming the file.
TEST(AudioFile, AnOggStreamCutShortIsRefusedAsEndingEarly) {
  testkit::TempDir dir;
  const auto src = testkit::sine(220.0, -12.0, 3.0, 48000, 2);
  for (auto [name, format] : {std::pair{"cut.ogg", SampleFormat::vorbis}, std::pair{"cut.opus", SampleFormat::opus}}) {
    const fs::path whole = dir / (std::string("whole-") + name), cut = dir / name;
    write_file(whole, src.view(), {.sample_rate = 48000, .channels = 2, .format = format});
    EXPECT_GT(probe(whole).frames, 0);
    const auto size = fs::file_size(whole);
    ASSERT_GT(size, 400u);
    fs::copy_file(whole, cut);
    fs::resize_file(cut, size - 200);
    try {
      probe(cut);
      FAIL() << name << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::rejected);
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("ends early"), std::string::npos) << e.what();
    }
  }
}

// A WAV header with its sample rate or channel count zero: said in plain words, naming the file
// (libsndfile's own "Internal error : SF_INFO struct incomplete." came through alone).
TEST(AudioFile, AHeaderWithNoRateOrNoChannelsIsCalledDamaged) {
  testkit::TempDir dir;
  auto header = [&](const char* name, std::uint16_t channels, std::uint32_t rate) {
    const std::string data(2000, '\0');
    std::string w = "RIFF";
    auto u32 = [&](std::uint32_t v) { for (int k = 0; k < 4; ++k) w += static_cast<char>((v >> (8 * k)) & 0xff); };
    auto u16 = [&](std::uint16_t v) { for (int k = 0; k < 2; ++k) w += static_cast<char>((v >> (8 * k)) & 0xff); };
    u32(4 + 8 + 16 + 8 + static_cast<std::uint32_t>(data.size()));
    w += "WAVEfmt ";
    u32(16);
    u16(1), u16(channels), u32(rate), u32(rate * 4u), u16(4), u16(16);
    w += "data";
    u32(static_cast<std::uint32_t>(data.size()));
    w += data;
    std::ofstream(dir / name, std::ios::binary) << w;
    return dir / name;
  };
  for (const auto& p : {header("rate0.wav", 2, 0), header("channels0.wav", 0, 48000)}) {
    try {
      probe(p);
      FAIL() << p << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::rejected);
      EXPECT_NE(std::string(e.what()).find(p.filename().string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("header is damaged"), std::string::npos) << e.what();
    }
  }
}

// Written under a temporary name, moved into place on commit(); an uncommitted writer leaves
// nothing. finish(): the file complete and readable under its temporary name, not yet under
// its final one (a master is checked there before it is delivered); commit() then only moves
// it, and a finished file that is never committed is removed like any other.
TEST(AudioFile, WriterIsAtomicAndCleansUpWhenNotCommitted) {
  testkit::TempDir dir;
  auto src = testkit::sine(100.0, -6.0, 0.1, 48000, 1);
  WriteSpec spec;
  spec.channels = 1;
  {
    AudioWriter w(dir / "out.wav", spec);
    w.write(src.view());
    EXPECT_FALSE(fs::exists(dir / "out.wav"));  // only the temporary exists while writing
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
  {
    AudioWriter w(dir / "out.wav", spec);
    w.write(src.view());
    w.finish();
    EXPECT_FALSE(fs::exists(dir / "out.wav"));
    ASSERT_TRUE(fs::exists(w.temporary_path()));
    EXPECT_EQ(AudioReader(w.temporary_path()).info().frames, static_cast<std::int64_t>(src.num_frames()));
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));  // finished, never committed: gone
  AudioWriter w(dir / "out.wav", spec);
  w.write(src.view());
  w.finish();
  const fs::path temp = w.temporary_path();
  w.commit();
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_EQ(AudioReader(dir / "out.wav").info().frames, static_cast<std::int64_t>(src.num_frames()));
}


TEST(AudioFile, NamesNearTheFileSystemLimitAreWrittenAtomicallyToo) {
  // Two 250-byte names (the limit is 255) with one beginning: each hidden temporary has to be
  // shorter than its final name and the two must not collide.
  testkit::TempDir dir;
  auto src = testkit::sine(100.0, -6.0, 0.1, 48000, 1);
  const std::string stem(240, 'x');
  const fs::path a = dir / (stem + "-a.wav"), b = dir / (stem + "-b.wav");
  {
    WriteSpec spec;
    spec.channels = 1;
    AudioWriter wa(a, spec), wb(b, spec);
    wa.write(src.view());
    wb.write(src.view());
    wa.commit();
    wb.commit();
  }
  EXPECT_TRUE(fs::exists(a));
  EXPECT_TRUE(fs::exists(b));
  write_text_atomic(dir / (stem + "-c.json"), "{}\n");
  EXPECT_TRUE(fs::exists(dir / (stem + "-c.json")));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 3);
}

TEST(AudioFile, CommitReplacesAnExistingFileAtomicallyAndLeavesNothingElse) {
  testkit::TempDir dir;
  auto quiet = testkit::sine(100.0, -30.0, 0.1, 48000, 2);
  auto loud = testkit::sine(100.0, -6.0, 0.2, 48000, 2);
  const fs::path out = dir / "out.wav";
  // Nothing there yet: a plain move into place.
  {
    AudioWriter w(out, WriteSpec{});
    w.write(quiet.view());
    w.commit();
  }
  ASSERT_TRUE(fs::exists(out));
  // An existing file, held open by a reader: swapped for the new one, the reader keeps the old.
  std::ifstream held(out, std::ios::binary);
  const auto old_size = fs::file_size(out);
  {
    AudioWriter w(out, WriteSpec{});
    w.write(loud.view());
    EXPECT_EQ(fs::file_size(out), old_size);  // the old file stays until the commit
    w.commit();
  }
  held.seekg(0, std::ios::end);
  EXPECT_EQ(static_cast<std::uintmax_t>(held.tellg()), old_size);
  int rate = 0;
  const AudioBuffer back = read_file(out, &rate);
  EXPECT_EQ(back.num_frames(), loud.num_frames());
  EXPECT_LT(max_abs_diff(back.view(), loud.view()), 3.0 / 8388608);
  // The old copy is removed on a thread of its own (remove_in_background); the CLI waits for
  // it before it returns, as here.
  io::wait_for_removals();
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);  // no temporary and no old copy left behind
  // A directory in the way is not swapped away: the commit fails as commit() does.
  fs::create_directories(dir / "taken.wav" / "inside");
  {
    AudioWriter w(dir / "taken.wav", WriteSpec{});
    w.write(quiet.view());
    EXPECT_THROW(w.commit(), Error);
  }
  EXPECT_TRUE(fs::is_directory(dir / "taken.wav" / "inside"));
}

TEST(AudioFile, WriterClampsAndCountsOversAndNonFinite) {
  testkit::TempDir dir;
  AudioBuffer b(1, 4);
  b.channel(0)[0] = 1.5f;
  b.channel(0)[1] = NAN;
  b.channel(0)[2] = -3.0f;
  b.channel(0)[3] = 0.5f;
  WriteSpec spec;
  spec.channels = 1;
  spec.format = SampleFormat::wav_float;
  AudioWriter w(dir / "o.wav", spec);
  w.write(b.view());
  w.commit();
  EXPECT_EQ(w.clipped_samples(), 2);
  EXPECT_EQ(w.nonfinite_samples(), 1);
  auto back = read_file(dir / "o.wav");
  EXPECT_EQ(back.channel(0)[0], 1.0f);
  EXPECT_EQ(back.channel(0)[1], 0.0f);
  EXPECT_EQ(back.channel(0)[2], -1.0f);
}

// A corrupt float file can hold finite values near FLT_MAX: folding channels or resampling
// them must not overflow to Inf on the way into the mix (found by audio_ingest_fuzz).
TEST(AudioFile, AbsurdFloatValuesCannotOverflowOnTheWayIn) {
  testkit::TempDir dir;
  const auto path = dir / "huge.wav";
  SF_INFO info{};
  info.samplerate = 44100;
  info.channels = 3;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr);
  sf_command(f, SFC_SET_NORM_FLOAT, nullptr, SF_FALSE);
  std::vector<float> data(3 * 8192);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = (i % 7 == 0 ? -1.0f : 1.0f) * 3.0e38f;
  ASSERT_EQ(sf_writef_float(f, data.data(), 8192), 8192);
  sf_close(f);
  FileStemSource source(path, 48000);
  AudioBuffer buf(source.channels(), 1024);
  for (int block = 0; block < 10; ++block) {
    source.read(buf.view());
    for (int c = 0; c < buf.num_channels(); ++c)
      for (std::size_t i = 0; i < buf.num_frames(); ++i) ASSERT_TRUE(std::isfinite(buf.channel(c)[i]));
  }
}

TEST(AudioFile, ResamplingReaderKeepsPitchLengthAndLevel) {
  testkit::TempDir dir;
  auto src = testkit::sine(1000.0, -6.0, 2.0, 44100, 2);
  WriteSpec spec;
  spec.sample_rate = 44100;
  spec.format = SampleFormat::wav_float;
  write_file(dir / "in.wav", src.view(), spec);
  ResamplingReader r(dir / "in.wav", 48000);
  EXPECT_EQ(r.frames(), 96000);
  AudioBuffer out(2, 4096);
  std::vector<float> all;
  while (std::size_t n = r.read(out.view())) all.insert(all.end(), out.channel(0), out.channel(0) + n);
  ASSERT_EQ(all.size(), 96000u);
  // Compare with the ideal 1 kHz sine at 48 kHz away from the edges: phase-exact resampling.
  double err = 0;
  for (std::size_t i = 4800; i < 91200; ++i)
    err = std::max(err, std::abs(all[i] - 0.501187 * std::sin(2 * M_PI * 1000.0 * double(i) / 48000.0)));
  EXPECT_LT(err, 1e-3);
}

TEST(AudioFile, TextToADeviceIsWrittenInPlaceNotReplaced) {
  write_text_atomic("/dev/null", "{}\n");
  EXPECT_FALSE(fs::is_regular_file("/dev/null"));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST(AudioFile, FloatFilesAreBitIdenticalRunToRun) {
  testkit::TempDir dir;
  auto src = testkit::sine(440.0, -6.0, 0.2, 48000, 2);
  WriteSpec spec;
  spec.format = SampleFormat::wav_float;
  write_file(dir / "a.wav", src.view(), spec);
  sleep(1);  // a timestamp in the header would now differ
  write_file(dir / "b.wav", src.view(), spec);
  std::ifstream a(dir / "a.wav", std::ios::binary), b(dir / "b.wav", std::ios::binary);
  std::string sa((std::istreambuf_iterator<char>(a)), {}), sb((std::istreambuf_iterator<char>(b)), {});
  EXPECT_EQ(sa, sb);
}

TEST(AudioFile, SweepRemovesOnlyTheTemporariesOfDeadRuns) {
  testkit::TempDir dir;
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  waitpid(child, &status, 0);  // `child` is now a PID no process has
  const std::string dead = std::to_string(child), live = std::to_string(getpid());
  fs::create_directories(dir / "stems");
  const std::vector<fs::path> stale = {dir / (".mix.wav.partial-" + dead), dir / "stems" / (".Bass.wav.partial-" + dead),
                                       dir / (".master-streaming-" + dead + ".f32"), dir / (".lossy-check-" + dead + ".mp3"),
                                       dir / (".album-stereo-3-" + dead + ".wav")};
  const std::vector<fs::path> kept = {dir / (".mix.wav.partial-" + live), dir / ".hidden", dir / "mix.wav",
                                      dir / ".notes.partial-abc", dir / ("song.partial-" + dead), dir / (".take-" + dead + ".wav"), dir / (".master-take-" + dead + ".wav")};
  for (const auto& p : stale) std::ofstream(p) << "x";
  for (const auto& p : kept) std::ofstream(p) << "x";
  EXPECT_EQ(sweep_stale_partials(dir.path()), static_cast<int>(stale.size()));
  for (const auto& p : stale) EXPECT_FALSE(fs::exists(p)) << p;
  for (const auto& p : kept) EXPECT_TRUE(fs::exists(p)) << p;
  EXPECT_EQ(sweep_stale_partials(dir / "no such folder"), 0);
}

// PCM files hold exactly the dither's integers, in the same bytes whatever block sizes the
// writer was fed (the noise follows each sample's index), for WAV (packed here) and FLAC
// (through libsndfile), 16 and 24 bits, and the header declares every frame.
TEST(AudioFile, PcmHoldsTheDitheredIntegersWhateverTheBlockSizes) {
  testkit::TempDir dir;
  auto src = testkit::noise(-12.0, 1.3, 48000, 2, 17);
  src.channel(0)[5] = 1.7f;  // an over: clamped and counted
  struct Case { SampleFormat f; const char* ext; int bits; };
  for (Case c : {Case{SampleFormat::wav24, ".wav", 24}, Case{SampleFormat::wav16, ".wav", 16},
                 Case{SampleFormat::flac24, ".flac", 24}}) {
    WriteSpec spec;
    spec.format = c.f;
    const fs::path whole = dir / (std::string("whole") + c.ext), pieces = dir / (std::string("pieces") + c.ext);
    write_file(whole, src.view(), spec);
    AudioWriter w(pieces, spec);
    for (std::size_t pos = 0, len = 1; pos < src.num_frames(); pos += len, len = len * 2 + 3)
      w.write(src.view().sub(pos, std::min(len, src.num_frames() - pos)));
    EXPECT_EQ(w.clipped_samples(), 1);
    w.commit();
    std::ifstream a(whole, std::ios::binary), b(pieces, std::ios::binary);
    std::string sa((std::istreambuf_iterator<char>(a)), {}), sb((std::istreambuf_iterator<char>(b)), {});
    EXPECT_EQ(sa, sb) << c.ext << c.bits;
    ASSERT_EQ(probe(pieces).frames, static_cast<std::int64_t>(src.num_frames()));
    // Read back as integers: each sample is the dither's quantization of its index.
    const auto back = read_file(pieces);
    const double scale = std::ldexp(1.0, c.bits - 1);
    std::vector<dsp::TpdfDither> d(2, dsp::TpdfDither(c.bits, spec.dither_seed));
    for (int ch = 0; ch < 2; ++ch) {
      std::vector<std::int32_t> q(src.num_frames());
      d[static_cast<std::size_t>(ch)].quantize(src.channel(ch), q.data(), q.size(), static_cast<std::uint64_t>(ch), 2);
      for (std::size_t i = 0; i < q.size(); i += 997)
        ASSERT_EQ(std::lround(back.channel(ch)[i] * scale), q[i]) << c.ext << c.bits << " ch " << ch << " i " << i;
      EXPECT_EQ(std::lround(back.channel(0)[5] * scale), static_cast<long>(scale) - 1);
    }
  }
}

// copy_last_block gives each block as the file holds it: the floats a read of the finished file
// gives, bit for bit (dithered 24 and 16 bits, FLAC, float with an over clamped), and refuses
// a lossy format, whose samples are known only by decoding.
TEST(AudioFile, TheLastBlockCopiedIsWhatAReadOfTheFileGives) {
  testkit::TempDir dir;
  auto src = testkit::noise(-12.0, 0.7, 48000, 2, 23);
  src.channel(1)[9] = 1.5f;  // clamped in every format
  struct Case { SampleFormat f; const char* name; };
  for (Case c : {Case{SampleFormat::wav24, "a.wav"}, Case{SampleFormat::wav16, "b.wav"}, Case{SampleFormat::flac24, "c.flac"},
                 Case{SampleFormat::wav_float, "d.wav"}}) {
    WriteSpec spec;
    spec.format = c.f;
    AudioWriter w(dir / c.name, spec);
    AudioBuffer copy(2, src.num_frames());
    for (std::size_t pos = 0, len = 1000; pos < src.num_frames(); pos += len, len = len * 3 / 2 + 7) {
      const std::size_t n = std::min(len, src.num_frames() - pos);
      w.write(src.view().sub(pos, n));
      w.copy_last_block(copy.view().sub(pos, n));
    }
    EXPECT_THROW(w.copy_last_block(copy.view().sub(0, 3)), Error) << c.name << ": not the last block's length";
    w.commit();
    const auto back = read_file(dir / c.name);
    ASSERT_EQ(back.num_frames(), src.num_frames());
    for (int ch = 0; ch < 2; ++ch)
      for (std::size_t i = 0; i < src.num_frames(); ++i)
        ASSERT_EQ(std::bit_cast<std::uint32_t>(copy.channel(ch)[i]), std::bit_cast<std::uint32_t>(back.channel(ch)[i]))
            << c.name << " ch " << ch << " i " << i;
    EXPECT_LE(copy.channel(1)[9], 1.0f) << c.name;
  }
  WriteSpec mp3;
  mp3.format = SampleFormat::mp3;
  AudioWriter w(dir / "e.mp3", mp3);
  w.write(src.view().sub(0, 4800));
  AudioBuffer copy(2, 4800);
  EXPECT_THROW(w.copy_last_block(copy.view()), Error);
}

// WAV PCM of any channel count holds each channel's dithered integers at its interleaved place
// (mono, stereo and 3 channels; 16 and 24 bits), and the integer writer counts overs and
// non-finite samples and keeps the peak like the float writer.
TEST(AudioFile, PcmPacksEveryChannelCountAndTalliesTheInput) {
  testkit::TempDir dir;
  for (int nc : {1, 2, 3}) {
    for (int bits : {16, 24}) {
      auto src = testkit::noise(-12.0, 0.2, 48000, nc, 5 + nc);
      src.channel(nc - 1)[7] = -1.25f;
      src.channel(0)[11] = NAN;
      src.channel(0)[12] = INFINITY;
      WriteSpec spec;
      spec.channels = nc;
      spec.format = bits == 24 ? SampleFormat::wav24 : SampleFormat::wav16;
      const fs::path path = dir / ("p" + std::to_string(nc) + "_" + std::to_string(bits) + ".wav");
      AudioWriter w(path, spec);
      for (std::size_t pos = 0, len = 5; pos < src.num_frames(); pos += len, len = len * 2 + 1)
        w.write(src.view().sub(pos, std::min(len, src.num_frames() - pos)));
      float peak = 0;
      for (int c = 0; c < nc; ++c)
        for (std::size_t i = 0; i < src.num_frames(); ++i)
          if (std::isfinite(src.channel(c)[i])) peak = std::max(peak, std::abs(src.channel(c)[i]));
      EXPECT_EQ(w.clipped_samples(), 1) << nc << " " << bits;
      EXPECT_EQ(w.nonfinite_samples(), 2) << nc << " " << bits;
      EXPECT_EQ(w.peak(), peak) << nc << " " << bits;
      w.commit();
      const auto back = read_file(path);
      ASSERT_EQ(back.num_channels(), nc);
      ASSERT_EQ(back.num_frames(), src.num_frames());
      const double scale = std::ldexp(1.0, bits - 1);
      const auto unc = static_cast<std::uint64_t>(nc);
      for (int c = 0; c < nc; ++c) {
        std::vector<std::int32_t> q(src.num_frames());
        dsp::TpdfDither(bits, spec.dither_seed).quantize(src.channel(c), q.data(), q.size(), static_cast<std::uint64_t>(c), unc);
        for (std::size_t i = 0; i < q.size(); ++i)
          ASSERT_EQ(std::lround(back.channel(c)[i] * scale), q[i]) << nc << " ch " << c << " bits " << bits << " i " << i;
      }
    }
  }
}

// A stem source seeks exactly: FLAC and WAV at the session rate jump there, a resampled file
// decodes up to there; either way the frames read after seek(f) are the frames from f of a
// read from the start (a forward seek and one back included).
TEST(AudioFile, StemSourceSeekReadsWhatAReadFromTheStartReads) {
  testkit::TempDir dir;
  const auto sig = testkit::noise(-12.0, 1.0, 48000, 2, 7);
  write_file(dir / "a.flac", sig.view(), {.sample_rate = 48000, .channels = 2, .format = SampleFormat::flac24});
  write_file(dir / "a.wav", sig.view(), {.sample_rate = 48000, .channels = 2, .format = SampleFormat::wav24});
  write_file(dir / "b.wav", sig.view(), {.sample_rate = 44100, .channels = 2, .format = SampleFormat::wav24});
  for (const char* name : {"a.flac", "a.wav", "b.wav"}) {
    FileStemSource whole(dir / name, 48000);
    AudioBuffer all(2, static_cast<std::size_t>(whole.frames()));
    whole.read(all.view());
    FileStemSource src(dir / name, 48000);
    AudioBuffer part(2, 3000);
    for (std::int64_t at : {20000, 30000, 5000}) {
      src.seek(at);
      src.read(part.view());
      for (int c = 0; c < 2; ++c)
        for (std::size_t i = 0; i < part.num_frames(); ++i)
          ASSERT_EQ(part.channel(c)[i], all.channel(c)[static_cast<std::size_t>(at) + i]) << name << " at " << at;
    }
  }
}

// Uncompressed little-endian files are read as raw words and converted here (io::pcm_to_float):
// every word of every width, in every WAV-family container, must read as the float libsndfile's
// own sf_readf_float gives, also after a seek, and a block size that splits nothing evenly.
TEST(AudioFile, RawPcmReadsAsLibsndfilesOwnFloatsBitForBit) {
  testkit::TempDir dir;
  const int ch = 3;
  const std::size_t frames = 20011;  // prime: the reads end mid-block
  struct Case { int format; const char* name; };
  for (Case c : {Case{SF_FORMAT_WAV | SF_FORMAT_PCM_16, "a.wav"}, Case{SF_FORMAT_WAV | SF_FORMAT_PCM_24, "b.wav"},
                 Case{SF_FORMAT_WAV | SF_FORMAT_PCM_32, "c.wav"}, Case{SF_FORMAT_WAV | SF_FORMAT_FLOAT, "d.wav"},
                 Case{SF_FORMAT_W64 | SF_FORMAT_PCM_24, "e.w64"}, Case{SF_FORMAT_RF64 | SF_FORMAT_PCM_16, "f.rf64"},
                 Case{SF_FORMAT_WAVEX | SF_FORMAT_PCM_24, "g.wav"}, Case{SF_FORMAT_AIFF | SF_FORMAT_PCM_24, "h.aiff"}}) {
    SCOPED_TRACE(c.name);
    const fs::path path = dir / c.name;
    // Words over the whole range: the extremes, zero, and pseudo-random ones.
    std::vector<std::int32_t> words(frames * ch);
    std::uint32_t s = 12345;
    for (std::size_t i = 0; i < words.size(); ++i) {
      s = s * 1664525u + 1013904223u;
      words[i] = static_cast<std::int32_t>(s);
    }
    words[0] = INT32_MIN;
    words[1] = INT32_MAX;
    words[2] = 0;
    SF_INFO info{};
    info.samplerate = 44100;
    info.channels = ch;
    info.format = c.format;
    {
      SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
      ASSERT_NE(f, nullptr) << sf_strerror(nullptr);
      if ((c.format & SF_FORMAT_SUBMASK) == SF_FORMAT_FLOAT) {
        std::vector<float> x(words.size());
        for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(words[i]) / 2147483648.0f * 1.5f;
        ASSERT_EQ(sf_writef_float(f, x.data(), static_cast<sf_count_t>(frames)), static_cast<sf_count_t>(frames));
      } else {
        ASSERT_EQ(sf_writef_int(f, words.data(), static_cast<sf_count_t>(frames)), static_cast<sf_count_t>(frames));
      }
      sf_close(f);
    }
    std::vector<float> want(frames * ch);
    {
      SF_INFO ri{};
      SNDFILE* f = sf_open(path.c_str(), SFM_READ, &ri);
      ASSERT_NE(f, nullptr);
      ASSERT_EQ(sf_readf_float(f, want.data(), static_cast<sf_count_t>(frames)), static_cast<sf_count_t>(frames));
      sf_close(f);
    }
    AudioReader r(path);
    AudioBuffer got(ch, frames);
    std::size_t done = 0;
    while (done < frames) {
      const std::size_t n = r.read(got.view().sub(done, std::min<std::size_t>(3001, frames - done)));
      ASSERT_GT(n, 0u);
      done += n;
    }
    EXPECT_EQ(r.read(got.view().sub(0, 1)), 0u);  // nothing past the end
    std::size_t differ = 0;
    for (std::size_t i = 0; i < frames; ++i)
      for (int k = 0; k < ch; ++k)
        differ += std::bit_cast<std::uint32_t>(got.channel(k)[i]) != std::bit_cast<std::uint32_t>(want[i * ch + k]);
    EXPECT_EQ(differ, 0u);
    // After a seek the words from there on.
    ASSERT_TRUE(r.seek(7777));
    AudioBuffer part(ch, 100);
    ASSERT_EQ(r.read(part.view()), 100u);
    for (int k = 0; k < ch; ++k)
      EXPECT_EQ(std::bit_cast<std::uint32_t>(part.channel(k)[0]), std::bit_cast<std::uint32_t>(want[7777 * ch + k]));
  }
}

namespace {
// The frequency (Hz, on a 10 Hz grid: whole cycles in 0.1 s) strongest in 0.1 s of channel c.
int dominant_hz(const AudioBuffer& a, int c, int rate) {
  double best = 0.0;
  int at = 0;
  for (int f = 20; f < 1000; f += 10) {
    double re = 0.0, im = 0.0;
    for (int i = rate / 2; i < rate / 2 + rate / 10; ++i) {
      re += a.channel(c)[i] * std::cos(2 * M_PI * f * i / rate);
      im += a.channel(c)[i] * std::sin(2 * M_PI * f * i / rate);
    }
    if (re * re + im * im > best) best = re * re + im * im, at = f;
  }
  return at;
}
}  // namespace

// A 5.1 Ogg Vorbis lays its channels out L C R Ls Rs LFE; libsndfile hands them over so, and a
// 5.1 Vorbis or Opus master came out with centre and right swapped and the LFE weighted as a
// surround (1 LU off its target). Read, they are in the WAV order (L R C LFE Ls Rs) everything
// else uses; written, a WAV of more than two channels carries its speaker layout.
TEST(AudioFile, SurroundOggReadsInWavOrderAndSurroundWavCarriesItsLayout) {
  testkit::TempDir dir;
  const int rate = 48000;
  const int vorbis_hz[6] = {200, 300, 400, 500, 600, 100};  // L C R Ls Rs LFE
  AudioBuffer x(6, rate);
  for (int c = 0; c < 6; ++c)
    for (int i = 0; i < rate; ++i) x.channel(c)[i] = static_cast<float>(0.2 * std::sin(2 * M_PI * vorbis_hz[c] * i / rate));
  WriteSpec spec{rate, 6, SampleFormat::vorbis};
  write_file(dir / "s.ogg", x.view(), spec);
  const AudioBuffer back = read_file(dir / "s.ogg");
  ASSERT_EQ(back.num_channels(), 6);
  const int wav_hz[6] = {200, 400, 300, 100, 500, 600};  // L R C LFE Ls Rs
  for (int c = 0; c < 6; ++c) EXPECT_EQ(dominant_hz(back, c, rate), wav_hz[c]) << "channel " << c;

  write_file(dir / "s.wav", back.view(), WriteSpec{rate, 6, SampleFormat::wav24});
  SF_INFO info{};
  SNDFILE* f = sf_open((dir / "s.wav").c_str(), SFM_READ, &info);
  ASSERT_NE(f, nullptr);
  int map[6] = {};
  const bool has_map = sf_command(f, SFC_GET_CHANNEL_MAP_INFO, map, sizeof map) == SF_TRUE;
  sf_close(f);
  EXPECT_EQ(info.format & SF_FORMAT_TYPEMASK, SF_FORMAT_WAVEX);
  ASSERT_TRUE(has_map);
  EXPECT_EQ(map[2], SF_CHANNEL_MAP_CENTER);
  EXPECT_EQ(map[3], SF_CHANNEL_MAP_LFE);
  const AudioBuffer again = read_file(dir / "s.wav");
  for (int c = 0; c < 6; ++c) EXPECT_EQ(dominant_hz(again, c, rate), wav_hz[c]) << "channel " << c;
}
