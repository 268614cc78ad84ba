#include "io/integrity.hpp"

#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "../../tests/support/testing.hpp"

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

}  // namespace mixdown::io
