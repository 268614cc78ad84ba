#include "io/integrity.hpp"

#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "../../tests/support/testing.hpp"
#include "core/error.hpp"

namespace mixdown::io {
namespace {

namespace fs = std::filesystem;

// An MS-ADPCM WAV as ffmpeg writes it: libsndfile's own encoder, with the format chunk's byte
// rate set to ffmpeg's 16000 (a block codec has no exact byte rate; libsndfile's log remarks
// "Bytes/sec : 16000 (should be 48569)" on every such file).
void write_ms_adpcm(const fs::path& p) {
  SF_INFO info{};
  info.samplerate = 48000;
  info.channels = 2;
  info.format = SF_FORMAT_WAV | SF_FORMAT_MS_ADPCM;
  SNDFILE* f = sf_open(p.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr) << sf_strerror(nullptr);
  std::vector<float> x(2 * 48000 * 2);
  for (std::size_t i = 0; i < x.size() / 2; ++i)
    x[2 * i] = x[2 * i + 1] = static_cast<float>(0.5 * std::sin(2 * M_PI * 220.0 * double(i) / 48000));
  ASSERT_EQ(sf_writef_float(f, x.data(), 48000 * 2), 48000 * 2);
  sf_close(f);
  std::ifstream in(p, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  const std::string all(bytes.begin(), bytes.end());
  const auto fmt = all.find("fmt ");
  ASSERT_NE(fmt, std::string::npos);
  const std::uint32_t rate = 16000;  // little-endian, as the machine and RIFF are
  std::memcpy(bytes.data() + fmt + 8 + 8, &rate, 4);
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string sndfile_log(const fs::path& p) {
  SF_INFO info{};
  SNDFILE* f = sf_open(p.c_str(), SFM_READ, &info);
  if (!f) return {};
  char log[4096] = {};
  sf_command(f, SFC_GET_LOG_INFO, log, sizeof log);
  sf_close(f);
  return log;
}

}  // namespace

// A whole MS-ADPCM WAV was called truncated ("a damaged or interrupted export") because its
// format chunk's byte rate drew a "(should be ...)" note, and described as "0-bit". It is a
// lossy block codec, whole; cut short, it is still truncated.
TEST(Integrity, AWholeAdpcmWavIsNotTruncatedAndACutOneIs) {
  testkit::TempDir dir;
  write_ms_adpcm(dir / "adpcm.wav");
  ASSERT_NE(sndfile_log(dir / "adpcm.wav").find("(should be "), std::string::npos) << "the fixture lost its byte-rate note";
  const AudioInfo info = probe(dir / "adpcm.wav");
  EXPECT_EQ(info.encoding, "MS_ADPCM");
  EXPECT_TRUE(info.lossy);
  EXPECT_EQ(truncation(dir / "adpcm.wav", info), std::nullopt);
  fs::copy_file(dir / "adpcm.wav", dir / "cut.wav");
  fs::resize_file(dir / "cut.wav", fs::file_size(dir / "adpcm.wav") * 2 / 3);
  const auto why = truncation(dir / "cut.wav", probe(dir / "cut.wav"));
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("truncated"), std::string::npos);
}

// A WAV streamed to a pipe (ffmpeg -f wav pipe:1 > x.wav) declares its data chunk 0xFFFFFFFF
// bytes long: "until the end", not damage. It was refused as truncated; now it reads to its end.
// The same file cut short of a length it does declare stays truncated.
TEST(Integrity, AWavStreamedToAPipeIsNotTruncated) {
  testkit::TempDir dir;
  const auto x = testkit::sine(440.0, -6.0, 1.0, 48000, 2);
  write_file(dir / "whole.wav", x.view(), WriteSpec{48000, 2, SampleFormat::wav24});
  std::ifstream in(dir / "whole.wav", std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  const std::string all(bytes.begin(), bytes.end());
  const auto data = all.find("data");
  ASSERT_NE(data, std::string::npos);
  const std::uint32_t unknown = 0xFFFFFFFFu;
  std::memcpy(bytes.data() + 4, &unknown, 4);  // RIFF size
  std::memcpy(bytes.data() + data + 4, &unknown, 4);  // data size
  std::ofstream(dir / "piped.wav", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_NE(sndfile_log(dir / "piped.wav").find("data : 4294967295 (should be "), std::string::npos)
      << "libsndfile no longer notes the streamed length";
  const AudioInfo info = probe(dir / "piped.wav");
  EXPECT_EQ(truncation(dir / "piped.wav", info), std::nullopt);
  EXPECT_EQ(info.frames, 48000);
  EXPECT_NO_THROW(reject_if_truncated(dir / "piped.wav", info));
  fs::copy_file(dir / "whole.wav", dir / "cut.wav");
  fs::resize_file(dir / "cut.wav", fs::file_size(dir / "whole.wav") / 2);
  EXPECT_TRUE(truncation(dir / "cut.wav", probe(dir / "cut.wav")).has_value());
}

// Frames an AudioReader decodes from the whole file.
std::int64_t decoded_frames(const fs::path& p) {
  AudioReader r(p);
  AudioBuffer buf(r.info().channels, 4096);
  std::int64_t n = 0;
  while (const std::size_t got = r.read(buf.view())) n += static_cast<std::int64_t>(got);
  return n;
}

// A lossy stream that decodes short of the length it declares was mastered short, exit 0 (an
// MP3 cut at 16.6 of its 30 s; its cd master padded with 13 s of silence): it is refused as
// damaged, while a whole one, a few frames off its declared length, is not.
TEST(Integrity, ALossyStreamDecodingShortOfItsLengthIsRefused) {
  testkit::TempDir dir;
  AudioBuffer x(2, 48000 * 8);
  for (std::size_t i = 0; i < x.num_frames(); ++i)
    x.channel(0)[i] = x.channel(1)[i] = static_cast<float>(0.3 * std::sin(2 * M_PI * 330.0 * double(i) / 48000));
  write_file(dir / "whole.mp3", x.view(), WriteSpec{48000, 2, SampleFormat::mp3, false, 0, 0.6});
  const AudioInfo info = probe(dir / "whole.mp3");
  ASSERT_TRUE(info.lossy);
  ASSERT_NEAR(info.duration_s(), 8.0, 0.1) << "the fixture's declared length";
  EXPECT_NO_THROW(reject_if_decoded_short(dir / "whole.mp3", info, decoded_frames(dir / "whole.mp3")));
  // A few frames short (an estimate's error) passes; half the stream does not.
  EXPECT_NO_THROW(reject_if_decoded_short(dir / "whole.mp3", info, info.frames - 1152));
  fs::copy_file(dir / "whole.mp3", dir / "cut.mp3");
  fs::resize_file(dir / "cut.mp3", fs::file_size(dir / "whole.mp3") / 2);
  const AudioInfo cut = probe(dir / "cut.mp3");
  ASSERT_EQ(cut.frames, info.frames) << "the cut file's declared length (its Xing header)";
  try {
    reject_if_decoded_short(dir / "cut.mp3", cut, decoded_frames(dir / "cut.mp3"));
    ADD_FAILURE() << "a half MP3 was not refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("damaged or cut short"), std::string::npos) << e.what();
  }
}

}  // namespace mixdown::io
