#include "io/integrity.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <vector>

#include <fmt/format.h>
#include <sndfile.h>

#include <string>

#include "core/error.hpp"

namespace mixdown::io {

std::optional<std::string> truncation(const std::filesystem::path& path, const AudioInfo& info) {
  // Ogg and MP3 streams have no declared length to fall short of (theirs are estimates).
  if (info.container == "OGG" || info.container == "MP3") return std::nullopt;
  SF_INFO sfi{};
  SNDFILE* f = sf_open(path.string().c_str(), SFM_READ, &sfi);
  if (!f) return std::nullopt;
  char log[4096] = {};
  sf_command(f, SFC_GET_LOG_INFO, log, sizeof log);
  sf_close(f);
  // The log's lines but the ones that name the file ("File : /path/..."): a path holding
  // "truncated" or "(should be " is not damage.
  std::string text;
  {
    const std::string all(log), name = path.string();
    for (std::size_t at = 0; at < all.size();) {
      const std::size_t end = std::min(all.find('\n', at), all.size());
      const std::string line = all.substr(at, end - at);
      if (line.rfind("File :", 0) != 0 && (name.empty() || line.find(name) == std::string::npos)) text += line + "\n";
      at = end + 1;
    }
  }
  // libsndfile notes a chunk shorter than its header says on the chunk's own line, at the start
  // of the line: "data : 264606 (should be 199956)" (WAV, W64), "SSND : ... (should be ...)"
  // (AIFF). Its other "should be" notes are harmless: the fields of a format chunk, indented
  // under it ("  Bytes/sec     : 16000 (should be 48569)": every MS-ADPCM WAV ffmpeg writes
  // states its block codec's byte rate so), and "'data' chunk should be an even number of bytes
  // in length", every valid WAV whose odd-length data chunk ends in the standard pad byte (a
  // mono 24-bit or 8-bit file with an odd number of frames, as ffmpeg writes them).
  // A data chunk declaring 0xFFFFFFFF (or 0x7FFFFFFF) bytes is a stream's "until the end" (ffmpeg
  // and sox writing to a pipe, arecord, a recorder's live file): its header could not be
  // rewritten once the length was known, and the file holds all there is. libsndfile reads it to
  // the file's end.
  const auto streamed = [](const std::string& line) {
    return line.rfind("data : 4294967295 (should be ", 0) == 0 || line.rfind("data : 2147483647 (should be ", 0) == 0;
  };
  bool short_chunk = text.find("truncated") != std::string::npos;
  for (std::size_t at = 0; at < text.size() && !short_chunk;) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string line = text.substr(at, end - at);
    short_chunk = !line.empty() && line[0] != ' ' && line[0] != '\t' && line.find("(should be ") != std::string::npos &&
                  !streamed(line);
    at = end + 1;
  }
  if (short_chunk) return std::string("truncated: the file ends before the length its header declares");
  return std::nullopt;
}

void reject_if_truncated(const std::filesystem::path& path, const AudioInfo& info) {
  if (const auto why = truncation(path, info)) throw rejected(path.string(), *why);
}

void reject_if_decoded_short(const std::filesystem::path& path, const AudioInfo& info, std::int64_t decoded) {
  // A lossy stream's length is read from its last page's granule (Ogg: exact) or its Xing
  // header (MP3: exact), else estimated from the file's size (an MP3 without one, a few frames
  // off): short by more than half a second and 1 % is damage, not an estimate (an MP3 cut at
  // 16.6 of its 30 s, an Ogg Vorbis with 5 kB overwritten decoding 28 s, were mastered short).
  const std::int64_t slack = info.lossy ? std::max<std::int64_t>(info.sample_rate / 2, info.frames / 100) : 0;
  if (decoded >= info.frames - slack) return;
  throw rejected(path.string(), fmt::format("{}: the header declares {:.2f} s but only {:.2f} s could be decoded",
                                            info.lossy ? "damaged or cut short" : "truncated",
                                            info.duration_s(), static_cast<double>(decoded) / info.sample_rate));
}

std::string file_fingerprint(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!in || ec) return {};
  constexpr std::uint64_t kPiece = 64 * 1024;
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  std::vector<char> buf(kPiece);
  for (const std::uint64_t at : {std::uint64_t{0}, size / 2 > kPiece / 2 ? size / 2 - kPiece / 2 : 0,
                                 size > kPiece ? size - kPiece : 0}) {
    in.clear();
    in.seekg(static_cast<std::streamoff>(at));
    in.read(buf.data(), static_cast<std::streamsize>(std::min<std::uint64_t>(kPiece, size)));
    for (std::streamsize i = 0; i < in.gcount(); ++i) h = (h ^ static_cast<unsigned char>(buf[static_cast<std::size_t>(i)])) * 1099511628211ull;
  }
  return fmt::format("{}-{:016x}", size, h);
}

bool under_one_loudness_block(double seconds) { return seconds < 0.4; }

std::string under_the_gate_words(double peak_dbfs) {
  return fmt::format("it peaks at {:.1f} dBFS and no 400 ms block reaches the -70 LUFS gate of BS.1770", peak_dbfs);
}

std::string under_one_loudness_block_words(double seconds) {
  return std::to_string(static_cast<long long>(std::floor(seconds * 1000.0))) + " ms, under one 400 ms loudness block (BS.1770)";
}

}  // namespace mixdown::io
