// The audio-ingest path: bytes → a scratch file (its extension chosen by the first byte) →
// io::probe / io::AudioReader / io::ResamplingReader / io::FileStemSource → our planar buffers.
// Expected: Error(rejected) naming the file, or audio that is finite and as long as declared.
// Work is bounded (long declared lengths are read only in part) so the fuzzer keeps its pace.
#include <cmath>
#include <cstdint>
#include <string>

#include "common.hpp"
#include "core/error.hpp"
#include "io/audio_file.hpp"
#include "io/file_source.hpp"

namespace {

void check_finite(const mixdown::AudioBuffer& v, std::size_t frames) {
  for (int c = 0; c < v.num_channels(); ++c)
    for (std::size_t i = 0; i < frames; ++i)
      if (!std::isfinite(v.channel(c)[i])) mixdown::fuzz::finding("non-finite sample reached our buffers");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* exts[] = {"wav", "aiff", "flac", "ogg", "mp3", "w64", "caf", "opus", "aif"};
  if (size < 1) return 0;
  const std::string name = std::string("in.") + exts[data[0] % 9];
  const auto path = mixdown::fuzz::write_scratch(name, data + 1, size - 1);
  constexpr std::int64_t kMaxFrames = 1 << 16;
  try {
    const auto info = mixdown::io::probe(path);
    if (info.channels < 1 || info.sample_rate < 1 || info.frames < 0) mixdown::fuzz::finding("probe accepted a bad format");
    {
      mixdown::io::AudioReader reader(path);
      mixdown::AudioBuffer buf(reader.info().channels, 4096);
      std::int64_t total = 0;
      while (total < kMaxFrames) {
        const auto n = reader.read(buf.view());
        if (n == 0) break;
        if (n > 4096) mixdown::fuzz::finding("reader returned more frames than asked");
        check_finite(buf, n);
        total += static_cast<std::int64_t>(n);
      }
    }
    if (info.frames < kMaxFrames && info.sample_rate >= 1000 && info.sample_rate <= 768000) {
      mixdown::io::FileStemSource source(path, 48000);
      if (source.channels() < 1 || source.channels() > 2) mixdown::fuzz::finding("stem source channel count not 1..2");
      mixdown::AudioBuffer buf(source.channels(), 1024);
      for (std::int64_t done = 0; done < std::min<std::int64_t>(source.frames(), kMaxFrames); done += 1024) {
        source.read(buf.view());
        check_finite(buf, 1024);
      }
    }
  } catch (const mixdown::Error& e) {
    if (e.code() != mixdown::ExitCode::rejected && e.code() != mixdown::ExitCode::failed)
      mixdown::fuzz::finding("audio error is a usage error");
    if (std::string(e.what()).find(name) == std::string::npos) {
      std::fprintf(stderr, "message: %s\n", e.what());
      mixdown::fuzz::finding("audio error does not name the file");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    mixdown::fuzz::finding("audio ingest: exception other than mixdown::Error");
  }
  return 0;
}
