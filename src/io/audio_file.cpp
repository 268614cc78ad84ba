#include "io/audio_file.hpp"

#include <sndfile.h>
#include <soxr.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <string_view>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "core/error.hpp"
#include "dsp/dither.hpp"
#include "io/direct_file.hpp"
#include "io/pcm.hpp"
#include "io/temp_registry.hpp"

namespace fs = std::filesystem;

namespace mixdown::io {
namespace {

// Audio a musician's folder may hold that libsndfile does not decode: AAC/ALAC in MP4, WMA,
// WavPack, Monkey's Audio, DSD, Matroska, MPEG layer 2, AC-3.
const char* unread_audio_format(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::pair<const char*, const char*> kFormats[] = {
      {".m4a", "AAC/ALAC (M4A)"}, {".aac", "AAC"},          {".mp4", "MP4"},          {".alac", "ALAC"},
      {".wma", "WMA"},            {".wv", "WavPack"},       {".ape", "Monkey's Audio"}, {".dsf", "DSD"},
      {".dff", "DSD"},            {".mka", "Matroska"},     {".mp2", "MPEG layer 2"},  {".ac3", "AC-3"}};
  for (const auto& [e, name] : kFormats)
    if (ext == e) return name;
  return nullptr;
}

constexpr std::size_t kIoBlock = 8192;
// Raw PCM is written to the file in chunks of about this size: few system calls, few partly
// written pages.
constexpr std::size_t kRawChunkBytes = 1 << 18;

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define MIXDOWN_IO_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MIXDOWN_IO_CLONES
#endif

struct SndfileCloser {
  void operator()(SNDFILE* f) const noexcept {
    if (f) sf_close(f);
  }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

std::string container_name(int format) {
  switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV: return "WAV";
    case SF_FORMAT_WAVEX: return "WAVEX";
    case SF_FORMAT_RF64: return "RF64";
    case SF_FORMAT_W64: return "W64";
    case SF_FORMAT_AIFF: return "AIFF";
    case SF_FORMAT_CAF: return "CAF";
    case SF_FORMAT_FLAC: return "FLAC";
    case SF_FORMAT_OGG: return "OGG";
    case SF_FORMAT_MPEG: return "MP3";
    default: return "other";
  }
}

void describe_encoding(int format, AudioInfo& info) {
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8: case SF_FORMAT_PCM_U8: info.encoding = "PCM_8"; info.bit_depth = 8; break;
    case SF_FORMAT_PCM_16: info.encoding = "PCM_16"; info.bit_depth = 16; break;
    case SF_FORMAT_PCM_24: info.encoding = "PCM_24"; info.bit_depth = 24; break;
    case SF_FORMAT_PCM_32: info.encoding = "PCM_32"; info.bit_depth = 32; break;
    case SF_FORMAT_FLOAT: info.encoding = "FLOAT"; info.bit_depth = 32; info.is_float = true; break;
    case SF_FORMAT_DOUBLE: info.encoding = "DOUBLE"; info.bit_depth = 64; info.is_float = true; break;
    case SF_FORMAT_VORBIS: info.encoding = "VORBIS"; info.lossy = true; break;
    case SF_FORMAT_OPUS: info.encoding = "OPUS"; info.lossy = true; break;
    case SF_FORMAT_MPEG_LAYER_I: case SF_FORMAT_MPEG_LAYER_II: case SF_FORMAT_MPEG_LAYER_III:
      info.encoding = "MPEG"; info.lossy = true; break;
    case SF_FORMAT_ULAW: case SF_FORMAT_ALAW: info.encoding = "G711"; info.bit_depth = 8; info.lossy = true; break;
    // ADPCM and GSM code each sample in 2 to 5 bits with a predictor: lossy block codecs (no
    // bit depth of their own; libsndfile decodes them whole, the last block partial by design).
    case SF_FORMAT_MS_ADPCM: info.encoding = "MS_ADPCM"; info.lossy = true; break;
    case SF_FORMAT_IMA_ADPCM: info.encoding = "IMA_ADPCM"; info.lossy = true; break;
    case SF_FORMAT_VOX_ADPCM: info.encoding = "VOX_ADPCM"; info.lossy = true; break;
    case SF_FORMAT_NMS_ADPCM_16: case SF_FORMAT_NMS_ADPCM_24: case SF_FORMAT_NMS_ADPCM_32:
      info.encoding = "NMS_ADPCM"; info.lossy = true; break;
    case SF_FORMAT_G721_32: case SF_FORMAT_G723_24: case SF_FORMAT_G723_40: info.encoding = "G72x_ADPCM"; info.lossy = true; break;
    case SF_FORMAT_GSM610: info.encoding = "GSM610"; info.lossy = true; break;
    default: info.encoding = "other"; break;
  }
}

// Opens with libsndfile and turns every failure into a one-line, file-naming rejection.
SndfilePtr open_for_read(const fs::path& path, AudioInfo& info) {
  const std::string name = path.string();
  std::error_code ec;
  require_input(path);
  if (fs::is_directory(path, ec)) throw rejected(name, "is a folder, not an audio file");
  const auto size = fs::file_size(path, ec);
  if (!ec && size == 0) throw rejected(name, "empty file (0 bytes)");
  SF_INFO sfi{};
  SndfilePtr f(sf_open(name.c_str(), SFM_READ, &sfi));
  if (!f) {
    std::string why = sf_strerror(nullptr);
    if (why.find("ormat") != std::string::npos || why.find("ecognised") != std::string::npos ||
        why.find("not supported") != std::string::npos)
      why = "not a readable audio file (" + why + ")";
    // libsndfile's wording for a header with a field missing or zero, and for the system's
    // refusals, in plain words.
    else if (why.find("SF_INFO struct incomplete") != std::string::npos || why.find("ount is zero") != std::string::npos)
      why = "its header is damaged: it declares no sample rate or no channels (" + why + ")";
    else if (why.find("'data' chunk") != std::string::npos || why.find("'SSND' chunk") != std::string::npos)
      why = "damaged: the file holds a header but no audio data chunk (" + why + ")";
    else if (why.find("Permission denied") != std::string::npos)
      why = "cannot be read: permission denied";
    // What libsndfile says of an MP3 whose bytes mpg123 finds no stream in (random bytes named
    // .mp3), though the file is there.
    else if (why.find("does not exist") != std::string::npos && fs::is_regular_file(path, ec))
      why = "not a readable audio file: no audio stream was found in it";
    if (const char* format = unread_audio_format(path))
      why = std::string(format) + " is not a format mixdown reads (WAV, AIFF, FLAC, Ogg Vorbis, Opus, MP3): convert it to WAV or FLAC";
    throw rejected(name, why);
  }
  if (sfi.channels <= 0) throw rejected(name, "file declares no channels");
  if (sfi.channels > 64) throw rejected(name, "file declares " + std::to_string(sfi.channels) +
                                                  " channels; at most 64 are supported");
  if (sfi.samplerate < 1000 || sfi.samplerate > 768000)
    throw rejected(name, "unsupported sample rate " + std::to_string(sfi.samplerate) + " Hz");
  if (sfi.frames <= 0) throw rejected(name, "holds no audio frames");
  // An Ogg stream cut short has no last page to read its length from (nor an MP3 whose length
  // mpg123 cannot find): libsndfile says "as many frames as can be counted" (SF_COUNT_MAX),
  // which every later size and budget would take for the truth (it became "out of memory" and
  // a 100-billion-hour session).
  if (sfi.frames == std::numeric_limits<sf_count_t>::max())
    throw rejected(name, "ends early: its length cannot be read (a compressed stream cut short); export it again");
  info.path = name;
  info.sample_rate = sfi.samplerate;
  info.channels = sfi.channels;
  info.frames = sfi.frames;
  info.container = container_name(sfi.format);
  describe_encoding(sfi.format, info);
  if (info.lossy) {
    // Lossy decoders report an estimate; float samples beyond ±1 are real and must survive.
    sf_command(f.get(), SFC_SET_CLIPPING, nullptr, SF_FALSE);
  }
  return f;
}

}  // namespace

bool has_audio_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  static const char* kExts[] = {".wav", ".wave", ".bwf", ".aif", ".aiff", ".aifc", ".flac", ".ogg",
                                ".oga", ".opus", ".mp3", ".w64", ".caf", ".rf64"};
  return std::any_of(std::begin(kExts), std::end(kExts), [&](const char* e) { return ext == e; });
}

bool looks_like_audio(const fs::path& path) {
  if (has_audio_extension(path) || unread_audio_format(path)) return true;
  // Anything else libsndfile recognises by its content (a WAV without an extension, an AU file).
  SF_INFO sfi{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &sfi);
  if (!f) return false;
  sf_close(f);
  return sfi.channels > 0 && sfi.frames > 0;
}

AudioInfo probe(const fs::path& path) {
  AudioInfo info;
  open_for_read(path, info);
  return info;
}

// ---------------------------------------------------------------------------------------------
struct AudioReader::Impl {
  AudioInfo info;
  SndfilePtr file;
  std::vector<float> interleaved;
  // Uncompressed little-endian PCM or float in a WAV-family container: its bytes are read as
  // they lie (sf_read_raw, one call per block where sf_readf_float reads and converts in
  // 8 KB pieces) and converted by io::pcm_to_float, the same floats bit for bit. The bytes of
  // a sample, from info's bit depth; 0: through sf_readf_float.
  int raw_bytes = 0;
  std::vector<std::uint8_t> raw;
  std::int64_t nonfinite = 0;
  float spike_ceiling = 0.0f;  // float files: |x| above it reads as 0 (0: off)
  std::int64_t spikes = 0;
  std::int64_t position = 0;
  // Output channel c is the file's channel order[c] (empty: the file's order).
  std::vector<int> order;
};

namespace {
// Ogg Vorbis (and Opus, mapping family 1) lay 3 to 8 channels out in the Vorbis order (L C R;
// L C R Ls Rs LFE; ...), which libsndfile passes on as it is; everything downstream (the
// loudness weights, the LFE left out, the files written) reads the WAV/SMPTE order (L R C LFE
// Ls Rs ...). For each WAV position, the Vorbis channel it comes from (Vorbis I spec, 4.3.9).
std::vector<int> vorbis_to_wav_order(int channels) {
  switch (channels) {
    case 3: return {0, 2, 1};                    // L C R -> L R C
    case 5: return {0, 2, 1, 3, 4};              // L C R Ls Rs -> L R C Ls Rs
    case 6: return {0, 2, 1, 5, 3, 4};           // L C R Ls Rs LFE -> L R C LFE Ls Rs
    case 7: return {0, 2, 1, 6, 5, 3, 4};        // L C R Ls Rs Cs LFE -> L R C LFE Cs Ls Rs
    case 8: return {0, 2, 1, 7, 5, 6, 3, 4};     // L C R Ls Rs Lb Rb LFE -> L R C LFE Lb Rb Ls Rs
    default: return {};                          // mono, stereo and quad are the same in both
  }
}
}  // namespace

AudioReader::AudioReader(const fs::path& path) : impl_(std::make_unique<Impl>()) {
  impl_->file = open_for_read(path, impl_->info);
  impl_->interleaved.resize(kIoBlock * static_cast<std::size_t>(impl_->info.channels));
  const AudioInfo& i = impl_->info;
  if (i.container == "OGG") impl_->order = vorbis_to_wav_order(i.channels);
  const bool container = i.container == "WAV" || i.container == "WAVEX" || i.container == "W64" || i.container == "RF64";
  const bool words = !i.lossy && (i.bit_depth == 16 || i.bit_depth == 24 || i.bit_depth == 32);  // not 8-bit, G.711, double
  if (container && words && sf_command(impl_->file.get(), SFC_RAW_DATA_NEEDS_ENDSWAP, nullptr, 0) == SF_FALSE) {
    impl_->raw_bytes = i.bit_depth / 8;
    impl_->raw.resize(kIoBlock * static_cast<std::size_t>(i.channels) * static_cast<std::size_t>(impl_->raw_bytes) + 4);
  }
}
AudioReader::~AudioReader() = default;
AudioReader::AudioReader(AudioReader&&) noexcept = default;
AudioReader& AudioReader::operator=(AudioReader&&) noexcept = default;

const AudioInfo& AudioReader::info() const noexcept { return impl_->info; }
std::int64_t AudioReader::nonfinite_samples() const noexcept { return impl_->nonfinite; }
void AudioReader::set_spike_ceiling(float level) noexcept { impl_->spike_ceiling = impl_->info.is_float ? level : 0.0f; }
std::int64_t AudioReader::spike_samples() const noexcept { return impl_->spikes; }

namespace {
// +60 dBFS: far above anything a real recording holds, far below float overflow.
constexpr float kFloatCeiling = 1000.0f;
}  // namespace

std::size_t AudioReader::read(const AudioView& out) {
  const int nc = impl_->info.channels;
  if (out.num_channels() != nc)
    throw failed(impl_->info.path, "internal: reader view has the wrong channel count");
  std::size_t done = 0;
  while (done < out.num_frames()) {
    const std::size_t want = std::min(kIoBlock, out.num_frames() - done);
    sf_count_t got = 0;
    if (impl_->raw_bytes > 0) {
      const auto frame_bytes = static_cast<sf_count_t>(nc * impl_->raw_bytes);
      got = sf_read_raw(impl_->file.get(), impl_->raw.data(), static_cast<sf_count_t>(want) * frame_bytes) / frame_bytes;
      if (got > 0)
        pcm_to_float(impl_->raw.data(), static_cast<std::size_t>(got) * static_cast<std::size_t>(nc), impl_->raw_bytes,
                     impl_->info.is_float, impl_->interleaved.data());
    } else {
      got = sf_readf_float(impl_->file.get(), impl_->interleaved.data(), static_cast<sf_count_t>(want));
    }
    if (got <= 0) break;
    const float* src = impl_->interleaved.data();
    const auto n = static_cast<std::size_t>(got);
    if (nc == 1) {
      std::copy_n(src, n, out.channel(0) + done);
    } else if (nc == 2) {
      float* l = out.channel(0) + done;
      float* r = out.channel(1) + done;
      for (std::size_t i = 0; i < n; ++i) {
        l[i] = src[2 * i];
        r[i] = src[2 * i + 1];
      }
    } else {
      for (int c = 0; c < nc; ++c) {
        float* dst = out.channel(c) + done;
        const auto from = static_cast<std::size_t>(impl_->order.empty() ? c : impl_->order[static_cast<std::size_t>(c)]);
        for (std::size_t i = 0; i < n; ++i) dst[i] = src[i * static_cast<std::size_t>(nc) + from];
      }
    }
    // Integer PCM (FLAC included) is finite by construction; float files and decoders of
    // lossy or unknown encodings may carry NaN/Inf, which read as silence. Branch-free on the
    // exponent bits so the check vectorises.
    if (impl_->info.is_float || impl_->info.lossy || impl_->info.bit_depth == 0) {
      for (int c = 0; c < nc; ++c) {
        float* dst = out.channel(c) + done;
        std::int64_t bad = 0;
        for (std::size_t i = 0; i < n; ++i) {
          const bool nonfinite = (std::bit_cast<std::uint32_t>(dst[i]) & 0x7f800000u) == 0x7f800000u;
          bad += nonfinite;
          // Finite but absurd values (a corrupt float file can hold 1e38) are held to
          // ±kFloatCeiling so that folding channels or resampling cannot overflow to Inf.
          dst[i] = nonfinite ? 0.0f : std::clamp(dst[i], -kFloatCeiling, kFloatCeiling);
        }
        impl_->nonfinite += bad;
        if (const float lim = impl_->spike_ceiling; lim > 0.0f) {
          std::int64_t spikes = 0;
          for (std::size_t i = 0; i < n; ++i) {
            const bool spike = std::abs(dst[i]) > lim;
            spikes += spike;
            dst[i] = spike ? 0.0f : dst[i];
          }
          impl_->spikes += spikes;
        }
      }
    }
    done += static_cast<std::size_t>(got);
    if (static_cast<std::size_t>(got) < want) break;
  }
  impl_->position += static_cast<std::int64_t>(done);
  return done;
}

void AudioReader::rewind() {
  if (sf_seek(impl_->file.get(), 0, SEEK_SET) < 0) {
    // Some codecs cannot seek: reopen.
    AudioInfo info;
    impl_->file = open_for_read(impl_->info.path, info);
  }
  impl_->position = 0;
}

bool AudioReader::seek(std::int64_t frame) {
  if (impl_->info.lossy || frame < 0 || frame > impl_->info.frames) return false;
  if (sf_seek(impl_->file.get(), static_cast<sf_count_t>(frame), SEEK_SET) != static_cast<sf_count_t>(frame)) {
    // A failed seek leaves the decoder anywhere: back to where it was, the slow way.
    const std::int64_t was = impl_->position;
    rewind();
    AudioBuffer scratch(impl_->info.channels, kIoBlock);
    while (impl_->position < was)
      if (read(scratch.view(static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(kIoBlock), was - impl_->position)))) == 0) break;
    return false;
  }
  impl_->position = frame;
  return true;
}

// ---------------------------------------------------------------------------------------------
struct SoxrDeleter {
  void operator()(soxr_t s) const noexcept {
    if (s) soxr_delete(s);
  }
};

struct ResamplingReader::Impl {
  AudioReader reader;
  int out_rate;
  std::int64_t out_frames;
  std::unique_ptr<std::remove_pointer_t<soxr_t>, SoxrDeleter> soxr;
  AudioBuffer in_block;
  std::size_t in_have = 0, in_pos = 0;
  bool in_eof = false;
  std::int64_t delivered = 0;
  explicit Impl(const fs::path& p, int rate) : reader(p), out_rate(rate) {}
  void make_soxr() {
    const auto& inf = reader.info();
    if (inf.sample_rate == out_rate) return;
    soxr_error_t err = nullptr;
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_S, SOXR_FLOAT32_S);
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);
    soxr.reset(soxr_create(inf.sample_rate, out_rate, static_cast<unsigned>(inf.channels), &err,
                           &io, &q, nullptr));
    if (err || !soxr) throw failed(inf.path, std::string("resampler: ") + (err ? err : "?"));
  }
};

ResamplingReader::ResamplingReader(const fs::path& path, int target_rate)
    : impl_(std::make_unique<Impl>(path, target_rate)) {
  const auto& inf = impl_->reader.info();
  impl_->out_frames = static_cast<std::int64_t>(
      std::llround(static_cast<double>(inf.frames) * target_rate / inf.sample_rate));
  impl_->in_block.resize(inf.channels, kIoBlock);
  impl_->make_soxr();
}
ResamplingReader::~ResamplingReader() = default;
ResamplingReader::ResamplingReader(ResamplingReader&&) noexcept = default;
ResamplingReader& ResamplingReader::operator=(ResamplingReader&&) noexcept = default;

const AudioInfo& ResamplingReader::info() const noexcept { return impl_->reader.info(); }
int ResamplingReader::sample_rate() const noexcept { return impl_->out_rate; }
std::int64_t ResamplingReader::frames() const noexcept { return impl_->out_frames; }

std::size_t ResamplingReader::read(const AudioView& out) {
  auto& m = *impl_;
  if (!m.soxr) return m.reader.read(out);
  const int nc = m.reader.info().channels;
  std::size_t done = 0;
  const std::int64_t remaining = m.out_frames - m.delivered;
  const std::size_t want = static_cast<std::size_t>(
      std::min<std::int64_t>(remaining, static_cast<std::int64_t>(out.num_frames())));
  std::vector<const float*> in_ptrs(static_cast<std::size_t>(nc));
  std::vector<float*> out_ptrs(static_cast<std::size_t>(nc));
  int stalls = 0;
  while (done < want) {
    if (m.in_pos >= m.in_have && !m.in_eof) {
      m.in_have = m.reader.read(m.in_block.view());
      m.in_pos = 0;
      if (m.in_have == 0) m.in_eof = true;
    }
    for (int c = 0; c < nc; ++c) {
      in_ptrs[static_cast<std::size_t>(c)] = m.in_block.channel(c) + m.in_pos;
      out_ptrs[static_cast<std::size_t>(c)] = out.channel(c) + done;
    }
    size_t idone = 0, odone = 0;
    const bool feeding = m.in_pos < m.in_have;
    soxr_error_t err = soxr_process(m.soxr.get(), feeding ? in_ptrs.data() : nullptr,
                                    feeding ? m.in_have - m.in_pos : 0, &idone, out_ptrs.data(),
                                    want - done, &odone);
    if (err) throw failed(m.reader.info().path, std::string("resampler: ") + err);
    m.in_pos += idone;
    done += odone;
    if (odone == 0 && idone == 0) {
      if (m.in_eof && ++stalls > 2) break;
    } else {
      stalls = 0;
    }
  }
  // Pad with silence if the resampler delivered fewer frames than the nominal length.
  if (done < want && m.in_eof) {
    for (int c = 0; c < nc; ++c) std::fill(out.channel(c) + done, out.channel(c) + want, 0.0f);
    done = want;
  }
  m.delivered += static_cast<std::int64_t>(done);
  return done;
}

void ResamplingReader::set_spike_ceiling(float level) noexcept { impl_->reader.set_spike_ceiling(level); }

bool ResamplingReader::seek(std::int64_t frame) {
  if (impl_->soxr || !impl_->reader.seek(frame)) return false;
  impl_->delivered = frame;
  return true;
}

void ResamplingReader::rewind() {
  impl_->reader.rewind();
  impl_->in_have = impl_->in_pos = 0;
  impl_->in_eof = false;
  impl_->delivered = 0;
  impl_->soxr.reset();
  impl_->make_soxr();
}

AudioBuffer resample(const ConstAudioView& in, int in_rate, int out_rate) {
  const int nc = in.num_channels();
  if (in_rate == out_rate) {
    AudioBuffer b(nc, in.num_frames());
    b.view().copy_from(in);
    return b;
  }
  const std::size_t out_len = static_cast<std::size_t>(
      std::llround(static_cast<double>(in.num_frames()) * out_rate / in_rate));
  AudioBuffer out(nc, out_len);
  soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);
  // Per channel, one-shot: soxr_oneshot handles the flush and the delay.
  for (int c = 0; c < nc; ++c) {
    size_t odone = 0;
    soxr_error_t err = soxr_oneshot(in_rate, out_rate, 1, in.channel(c), in.num_frames(), nullptr,
                                    out.channel(c), out_len, &odone, &io, &q, nullptr);
    if (err) throw failed("", std::string("resampler: ") + err);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
namespace {
// A WAV output's file and the failure its libsndfile callbacks could not throw.
struct DirectSink {
  std::unique_ptr<DirectFile> file;
  std::exception_ptr error;
};
}  // namespace

struct AudioWriter::Impl {
  fs::path final_path, temp_path;
  WriteSpec spec;
  // WAV outputs go to the file through `direct` (libsndfile's virtual I/O; see direct_file.hpp);
  // a failure inside its callbacks waits in the sink for the writer to rethrow. Declared
  // before `file`, whose close still writes the header through it.
  std::unique_ptr<DirectSink> direct;
  SndfilePtr file;
  int slot = -1;
  bool committed = false, finished = false;
  // One dither per channel (noise shaping feeds each channel's own error back); sample k of
  // channel c has index k * channels + c, so the noise does not depend on the block sizes.
  std::vector<dsp::TpdfDither> dither;
  bool raw_pcm = false;            // WAV PCM: packed here, written as raw bytes in large chunks
  int bytes_per_sample = 0;
  std::vector<std::int32_t> q;     // a block's integers, planar (channel c at c * frames)
  std::vector<int> ibuf;           // interleaved, left-justified (FLAC through libsndfile)
  std::vector<float> fbuf;
  // Packed little-endian PCM waiting to be written: raw_used bytes of raw_cap (allocated
  // without zeroing; every byte written is packed first).
  std::unique_ptr<unsigned char[]> raw;
  std::size_t raw_cap = 0, raw_used = 0;
  dsp::QuantizeStats stats;        // non-finite, over and peak of the quantised formats
  std::int64_t frames = 0, clipped = 0, nonfinite = 0;
  std::size_t last_frames = 0;     // the last write()'s block: its integers in q, or floats in fbuf
  ~Impl() {
    file.reset();
    direct.reset();
    if (!committed && !temp_path.empty()) {
      std::error_code ec;
      fs::remove(temp_path, ec);
    }
    unregister_temp(slot);
  }
  void flush_bytes() {
    if (raw_used == 0) return;
    const auto len = static_cast<sf_count_t>(raw_used);
    if (sf_write_raw(file.get(), raw.get(), len) != len) write_failed();
    raw_used = 0;
  }
  [[noreturn]] void write_failed() {
    if (direct && direct->error) std::rethrow_exception(direct->error);
    throw failed(final_path.string(), std::string("write failed: ") + sf_strerror(file.get()));
  }
  // Room for `more` bytes (plus the packer's slack) after what waits.
  unsigned char* reserve(std::size_t more) {
    constexpr std::size_t kSlack = 8;  // the packer stores whole words past the last frame's end
    if (raw_used + more + kSlack > raw_cap) {
      // One allocation for the life of the writer in the usual case: a chunk and a block.
      const std::size_t cap = std::max(raw_used + more + kSlack, kRawChunkBytes + (std::size_t{1} << 16));
      auto grown = std::make_unique_for_overwrite<unsigned char[]>(cap);
      if (raw_used > 0) std::copy_n(raw.get(), raw_used, grown.get());
      raw = std::move(grown);
      raw_cap = cap;
    }
    return raw.get() + raw_used;
  }
};

namespace {
int sf_format_of(SampleFormat f) {
  switch (f) {
    case SampleFormat::wav16: return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    case SampleFormat::wav24: return SF_FORMAT_WAV | SF_FORMAT_PCM_24;
    case SampleFormat::wav_float: return SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    case SampleFormat::flac16: return SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
    case SampleFormat::flac24: return SF_FORMAT_FLAC | SF_FORMAT_PCM_24;
    case SampleFormat::mp3: return SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
    case SampleFormat::opus: return SF_FORMAT_OGG | SF_FORMAT_OPUS;
    case SampleFormat::vorbis: return SF_FORMAT_OGG | SF_FORMAT_VORBIS;
  }
  return 0;
}
int bits_of(SampleFormat f) {
  switch (f) {
    case SampleFormat::wav16: case SampleFormat::flac16: return 16;
    case SampleFormat::wav24: case SampleFormat::flac24: return 24;
    default: return 0;
  }
}
}  // namespace

namespace {
// libsndfile's virtual I/O onto a DirectFile. C calls these: nothing may be thrown through
// them, so a failure is kept in the sink and reported to libsndfile as a short write.
DirectSink& vio_sink(void* user) { return *static_cast<DirectSink*>(user); }
sf_count_t vio_length(void* user) { return vio_sink(user).file->length(); }
// The hidden temporary of an atomic write: .NAME.partial-PID beside the final file. A name
// near the file system's 255-byte limit is cut (at a UTF-8 character boundary) and given a
// hash of the whole name, so two long names with one beginning stay apart.
fs::path partial_path(const fs::path& path) {
  std::string name = path.filename().string();
  const std::string suffix = ".partial-" + std::to_string(::getpid());
  constexpr std::size_t kNameMax = 255;
  if (1 + name.size() + suffix.size() > kNameMax) {
    char tag[24];
    std::snprintf(tag, sizeof tag, "~%016zx", std::hash<std::string>{}(name));
    std::size_t keep = kNameMax - 1 - suffix.size() - std::strlen(tag);
    while (keep > 0 && (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) --keep;
    name = name.substr(0, keep) + tag;
  }
  return path.parent_path() / ("." + name + suffix);
}

sf_count_t vio_seek(sf_count_t offset, int whence, void* user) {
  DirectFile& f = *vio_sink(user).file;
  const sf_count_t base = whence == SEEK_CUR ? f.tell() : whence == SEEK_END ? f.length() : 0;
  if (base + offset < 0) return -1;
  f.seek(base + offset);
  return f.tell();
}
sf_count_t vio_read(void*, sf_count_t, void*) { return 0; }  // write mode never reads
sf_count_t vio_write(const void* p, sf_count_t n, void* user) {
  auto& s = vio_sink(user);
  if (s.error) return 0;
  try {
    s.file->write(p, static_cast<std::size_t>(n));
    return n;
  } catch (...) {
    s.error = std::current_exception();
    return 0;
  }
}
sf_count_t vio_tell(void* user) { return vio_sink(user).file->tell(); }
SF_VIRTUAL_IO kDirectIo{vio_length, vio_seek, vio_read, vio_write, vio_tell};
}  // namespace

namespace {
// The WAV/SMPTE speaker layouts mixdown reads and writes (as the loudness weights take them: L R
// C LFE, then the surrounds), as libsndfile channel map entries; empty past eight channels.
std::vector<int> wav_channel_map(int channels) {
  switch (channels) {
    case 3: return {SF_CHANNEL_MAP_LEFT, SF_CHANNEL_MAP_RIGHT, SF_CHANNEL_MAP_CENTER};
    case 4: return {SF_CHANNEL_MAP_LEFT, SF_CHANNEL_MAP_RIGHT, SF_CHANNEL_MAP_REAR_LEFT, SF_CHANNEL_MAP_REAR_RIGHT};
    case 5:
      return {SF_CHANNEL_MAP_LEFT, SF_CHANNEL_MAP_RIGHT, SF_CHANNEL_MAP_CENTER, SF_CHANNEL_MAP_REAR_LEFT,
              SF_CHANNEL_MAP_REAR_RIGHT};
    case 6:
      return {SF_CHANNEL_MAP_LEFT, SF_CHANNEL_MAP_RIGHT, SF_CHANNEL_MAP_CENTER, SF_CHANNEL_MAP_LFE,
              SF_CHANNEL_MAP_REAR_LEFT, SF_CHANNEL_MAP_REAR_RIGHT};
    case 7:
      return {SF_CHANNEL_MAP_LEFT, SF_CHANNEL_MAP_RIGHT, SF_CHANNEL_MAP_CENTER, SF_CHANNEL_MAP_LFE,
              SF_CHANNEL_MAP_REAR_CENTER, SF_CHANNEL_MAP_SIDE_LEFT, SF_CHANNEL_MAP_SIDE_RIGHT};
    case 8:
      return {SF_CHANNEL_MAP_LEFT, SF_CHANNEL_MAP_RIGHT, SF_CHANNEL_MAP_CENTER, SF_CHANNEL_MAP_LFE,
              SF_CHANNEL_MAP_REAR_LEFT, SF_CHANNEL_MAP_REAR_RIGHT, SF_CHANNEL_MAP_SIDE_LEFT, SF_CHANNEL_MAP_SIDE_RIGHT};
    default: return {};
  }
}
}  // namespace

AudioWriter::AudioWriter(const fs::path& path, const WriteSpec& spec) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.final_path = path;
  m.spec = spec;
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  m.temp_path = partial_path(path);
  SF_INFO sfi{};
  sfi.samplerate = spec.sample_rate;
  sfi.channels = spec.channels;
  sfi.format = sf_format_of(spec.format);
  // More than two channels in a WAV: WAVE_FORMAT_EXTENSIBLE with its speaker mask (below), so
  // players and meters know which channel is the centre and which the LFE (a plain WAV's six
  // channels have no layout: ffmpeg measured such a 5.1 master at 0.0 LUFS).
  const std::vector<int> layout = spec.channels > 2 && (sfi.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV
                                      ? wav_channel_map(spec.channels)
                                      : std::vector<int>{};
  if (!layout.empty()) sfi.format = (sfi.format & ~SF_FORMAT_TYPEMASK) | SF_FORMAT_WAVEX;
  if (!sf_format_check(&sfi))
    throw failed(path.string(), "cannot write this format at " + std::to_string(spec.sample_rate) +
                                    " Hz with " + std::to_string(spec.channels) + " channels");
  m.slot = register_temp(m.temp_path.string());
  if ((sfi.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV) {
    m.direct = std::make_unique<DirectSink>();
    m.direct->file = std::make_unique<DirectFile>(m.temp_path, direct_writes_enabled() && !spec.cached);
    m.file.reset(sf_open_virtual(&kDirectIo, SFM_WRITE, &sfi, m.direct.get()));
    if (!m.file && m.direct->error) std::rethrow_exception(m.direct->error);
  } else {
    m.file.reset(sf_open(m.temp_path.string().c_str(), SFM_WRITE, &sfi));
  }
  if (!m.file) throw failed(path.string(), std::string("cannot write: ") + sf_strerror(nullptr));
  if (!layout.empty())
    sf_command(m.file.get(), SFC_SET_CHANNEL_MAP_INFO, const_cast<int*>(layout.data()),
               static_cast<int>(layout.size() * sizeof(int)));
  // No PEAK chunk: libsndfile stamps it with the time of writing, which would make float
  // files differ from run to run; outputs must be bit-identical for the same inputs.
  sf_command(m.file.get(), SFC_SET_ADD_PEAK_CHUNK, nullptr, SF_FALSE);
  // Set before the first sample, so libsndfile writes them in the header, ahead of the data.
  for (const auto& [type, text] : {std::pair{SF_STR_TITLE, &spec.tags.title}, std::pair{SF_STR_ARTIST, &spec.tags.artist},
                                   std::pair{SF_STR_ALBUM, &spec.tags.album}, std::pair{SF_STR_TRACKNUMBER, &spec.tags.track_number},
                                   std::pair{SF_STR_COMMENT, &spec.tags.comment}})
    if (!text->empty() && sf_set_string(m.file.get(), type, text->c_str()) != 0)
      throw failed(path.string(), std::string("cannot write the file's tags: ") + sf_strerror(m.file.get()));
  if (const int bits = bits_of(spec.format); bits > 0) {
    for (int c = 0; c < spec.channels; ++c) m.dither.emplace_back(bits, spec.dither_seed, spec.noise_shaping);
    m.raw_pcm = (sfi.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV;
    m.bytes_per_sample = bits / 8;
  }
  if (spec.format == SampleFormat::mp3 || spec.format == SampleFormat::opus ||
      spec.format == SampleFormat::vorbis) {
    double level = std::clamp(1.0 - spec.lossy_quality, 0.0, 1.0);  // libsndfile: 0 best
    sf_command(m.file.get(), SFC_SET_COMPRESSION_LEVEL, &level, sizeof(level));
  }
}
AudioWriter::~AudioWriter() = default;
AudioWriter::AudioWriter(AudioWriter&&) noexcept = default;
AudioWriter& AudioWriter::operator=(AudioWriter&&) noexcept = default;

namespace {

// Float output: non-finite to 0 and clamped to ±1, both counted.
MIXDOWN_IO_CLONES
void clamp_interleave(const float* x, float* out, std::size_t n, std::size_t stride, std::int64_t& bad,
                      std::int64_t& over) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(x[i]) & 0x7fffffffu;
    const bool nonfinite = bits >= 0x7f800000u;
    bad += nonfinite;
    over += !nonfinite && bits > 0x3f800000u;
    const float v = nonfinite ? 0.0f : x[i];
    out[i * stride] = v > 1.0f ? 1.0f : v < -1.0f ? -1.0f : v;
  }
}

// Little-endian interleaved PCM frames from a block's planar integers (channel c's n samples
// at q + c * stride). On a little-endian machine each sample is stored as a whole word at its place
// and the next sample's store overwrites the word's excess bytes (stereo 24-bit: one 8-byte
// store per frame), so `out` needs 8 bytes of slack past the last frame.
#if defined(__x86_64__) && defined(__GNUC__)
// Stereo 24-bit, four frames per step: interleave L and R, drop each word's top byte with one
// shuffle per half (12 bytes of 16), and store 16 bytes at 12-byte steps, so each store's
// last 4 bytes are overwritten by the next. Returns the frames packed (a multiple of 4).
__attribute__((target("ssse3"))) std::size_t pack_stereo24_ssse3(const std::int32_t* l, const std::int32_t* r,
                                                                 std::size_t n, unsigned char* out) noexcept {
  const __m128i drop_top = _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(l + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r + i));
    unsigned char* o = out + 6 * i;
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), _mm_shuffle_epi8(_mm_unpacklo_epi32(a, b), drop_top));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o + 12), _mm_shuffle_epi8(_mm_unpackhi_epi32(a, b), drop_top));
  }
  return i;
}
#endif

void pack_pcm(const std::int32_t* __restrict q, std::size_t stride, std::size_t n, std::size_t nc, int bytes,
              unsigned char* __restrict out) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    if (bytes == 3 && nc == 2) {
      const std::int32_t* l = q;
      const std::int32_t* r = q + stride;
      std::size_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
      static const bool ssse3 = __builtin_cpu_supports("ssse3");
      if (ssse3) i = pack_stereo24_ssse3(l, r, n, out);
#endif
      for (; i < n; ++i) {
        const std::uint64_t w = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(l[i])) & 0xffffffu) |
                                (static_cast<std::uint64_t>(static_cast<std::uint32_t>(r[i])) << 24);
        std::memcpy(out + 6 * i, &w, sizeof w);
      }
      return;
    }
    if (bytes == 3) {
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t c = 0; c < nc; ++c) {
          const auto u = static_cast<std::uint32_t>(q[c * stride + i]);
          std::memcpy(out + (i * nc + c) * 3, &u, sizeof u);
        }
      return;
    }
  }
  const auto b = static_cast<std::size_t>(bytes);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < nc; ++c) {
      const auto u = static_cast<std::uint32_t>(q[c * stride + i]);
      unsigned char* o = out + (i * nc + c) * b;
      for (std::size_t k = 0; k < b; ++k) o[k] = static_cast<unsigned char>(u >> (8 * k));
    }
}


}  // namespace

void AudioWriter::write(const ConstAudioView& block) {
  auto& m = *impl_;
  const int nc = m.spec.channels;
  if (block.num_channels() != nc)
    throw failed(m.final_path.string(), "internal: writer block has the wrong channel count");
  if (m.finished) throw failed(m.final_path.string(), "internal: written after the file was finished");
  const std::size_t n = block.num_frames();
  const auto unc = static_cast<std::size_t>(nc);
  const std::size_t total = n * unc;
  if (!m.dither.empty()) {
    if (m.q.size() < total) m.q.resize(total);
    for (int c = 0; c < nc; ++c)
      m.dither[static_cast<std::size_t>(c)].quantize(block.channel(c), m.q.data() + static_cast<std::size_t>(c) * n, n,
                                                     static_cast<std::uint64_t>(m.frames + m.spec.dither_frame0) * unc +
                                                         static_cast<std::size_t>(c),
                                                     unc, m.stats);
    if (m.raw_pcm && m.direct && m.frames > 0) {
      // Into the direct file's staging where the stream's next bytes go (DirectFile::
      // append_area), so its write copies nothing; a frame across the staging's end, or every
      // frame when there is no staging, is packed apart and copied. Not the first block:
      // libsndfile may rewrite the header on its first write, before the data.
      const std::size_t fb = unc * static_cast<std::size_t>(m.bytes_per_sample);
      for (std::size_t done = 0; done < n;) {
        std::size_t room = 0;
        unsigned char* area = m.direct->file->append_area(&room);
        std::size_t k = area ? std::min(n - done, room / fb) : 0;
        unsigned char* out = area;
        if (k == 0) {
          k = area ? 1 : n - done;
          out = m.reserve(k * fb);
        }
        pack_pcm(m.q.data() + done, n, k, unc, m.bytes_per_sample, out);
        const auto len = static_cast<sf_count_t>(k * fb);
        if (sf_write_raw(m.file.get(), out, len) != len) m.write_failed();
        done += k;
      }
    } else if (m.raw_pcm) {
      const std::size_t len = total * static_cast<std::size_t>(m.bytes_per_sample);
      pack_pcm(m.q.data(), n, n, unc, m.bytes_per_sample, m.reserve(len));
      m.raw_used += len;
      if (m.raw_used >= kRawChunkBytes || m.direct) m.flush_bytes();
    } else {
      if (m.ibuf.size() < total) m.ibuf.resize(total);
      const int shift = 32 - m.dither.front().bits();
      for (int c = 0; c < nc; ++c) {
        const std::int32_t* qc = m.q.data() + static_cast<std::size_t>(c) * n;
        for (std::size_t i = 0; i < n; ++i)
          m.ibuf[i * unc + static_cast<std::size_t>(c)] = static_cast<int>(static_cast<std::uint32_t>(qc[i]) << shift);
      }
      if (sf_writef_int(m.file.get(), m.ibuf.data(), static_cast<sf_count_t>(n)) != static_cast<sf_count_t>(n))
        m.write_failed();
    }
  } else {
    m.fbuf.resize(total);
    for (int c = 0; c < nc; ++c) clamp_interleave(block.channel(c), m.fbuf.data() + c, n, unc, m.nonfinite, m.clipped);
    if (sf_writef_float(m.file.get(), m.fbuf.data(), static_cast<sf_count_t>(n)) != static_cast<sf_count_t>(n))
      m.write_failed();
  }
  m.frames += static_cast<std::int64_t>(n);
  m.last_frames = n;
}

void AudioWriter::copy_last_block(const AudioView& into) const {
  const auto& m = *impl_;
  const std::size_t n = m.last_frames;
  const auto nc = static_cast<std::size_t>(m.spec.channels);
  if (into.num_channels() != m.spec.channels || into.num_frames() != n)
    throw failed(m.final_path.string(), "internal: copy_last_block needs the last block's channels and frames");
  if (!m.dither.empty()) {
    // As the reader scales the integers back: by 2^-(bits - 1), exact for any word length.
    const float scale = std::ldexp(1.0f, 1 - m.dither.front().bits());
    for (std::size_t c = 0; c < nc; ++c) {
      const std::int32_t* q = m.q.data() + c * n;
      float* o = into.channel(static_cast<int>(c));
      for (std::size_t i = 0; i < n; ++i) o[i] = static_cast<float>(q[i]) * scale;
    }
  } else if (m.spec.format == SampleFormat::wav_float) {
    for (std::size_t c = 0; c < nc; ++c) {
      float* o = into.channel(static_cast<int>(c));
      for (std::size_t i = 0; i < n; ++i) o[i] = m.fbuf[i * nc + c];
    }
  } else {
    throw failed(m.final_path.string(), "internal: a lossy file's samples are known only by decoding it");
  }
}

void AudioWriter::finish() {
  auto& m = *impl_;
  if (m.finished) return;
  m.flush_bytes();
  m.file.reset();  // flush and close (the header is rewritten now)
  if (m.direct) {
    if (m.direct->error) std::rethrow_exception(m.direct->error);
    m.direct->file->close();
  }
  m.finished = true;
}

const fs::path& AudioWriter::temporary_path() const noexcept { return impl_->temp_path; }

void AudioWriter::commit() {
  auto& m = *impl_;
  if (m.committed) return;
  finish();
  // A regular file (or link) already there is exchanged with the new one in one step and the
  // old one removed; otherwise, or where the file system cannot exchange, a plain rename.
  struct stat st {};
  const bool replace = ::lstat(m.final_path.c_str(), &st) == 0 && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode));
  if (replace && ::renameat2(AT_FDCWD, m.temp_path.c_str(), AT_FDCWD, m.final_path.c_str(), RENAME_EXCHANGE) == 0) {
    remove_in_background(m.temp_path.string());  // the old file, now under the temporary name
  } else {
    std::error_code ec;
    fs::rename(m.temp_path, m.final_path, ec);
    if (ec) throw failed(m.final_path.string(), "cannot move the finished file into place: " + ec.message());
  }
  m.committed = true;
  unregister_temp(m.slot);
  m.slot = -1;
}

std::int64_t AudioWriter::frames_written() const noexcept { return impl_->frames; }
std::int64_t AudioWriter::clipped_samples() const noexcept {
  return impl_->clipped + static_cast<std::int64_t>(impl_->stats.over);
}
float AudioWriter::peak() const noexcept { return std::bit_cast<float>(impl_->stats.peak_bits); }
std::int64_t AudioWriter::nonfinite_samples() const noexcept {
  return impl_->nonfinite + static_cast<std::int64_t>(impl_->stats.nonfinite);
}

void write_file(const fs::path& path, const ConstAudioView& audio, const WriteSpec& spec) {
  AudioWriter w(path, spec);
  for (std::size_t pos = 0; pos < audio.num_frames(); pos += kIoBlock) {
    const std::size_t n = std::min(kIoBlock, audio.num_frames() - pos);
    w.write(audio.sub(pos, n));
  }
  w.commit();
}

AudioBuffer read_range(AudioReader& r, std::int64_t& pos, std::int64_t first, std::int64_t last) {
  const int ch = r.info().channels;
  AudioBuffer out(ch, static_cast<std::size_t>(std::max<std::int64_t>(0, last - first)));
  if (first > pos && r.seek(first)) pos = first;
  AudioBuffer buf(ch, kIoBlock);
  while (pos < last) {
    const std::size_t n = r.read(buf.view(static_cast<std::size_t>(std::min<std::int64_t>(kIoBlock, last - pos))));
    if (n == 0) break;
    const std::int64_t b0 = std::max(pos, first), b1 = std::min<std::int64_t>(pos + std::int64_t(n), last);
    if (b1 > b0)
      out.view().sub(static_cast<std::size_t>(b0 - first), static_cast<std::size_t>(b1 - b0))
          .copy_from(buf.view().sub(static_cast<std::size_t>(b0 - pos), static_cast<std::size_t>(b1 - b0)));
    pos += static_cast<std::int64_t>(n);
  }
  return out;
}

AudioBuffer read_file(const fs::path& path, int* sample_rate) {
  AudioReader r(path);
  const auto& inf = r.info();
  AudioBuffer all(inf.channels, static_cast<std::size_t>(inf.frames));
  std::size_t got = r.read(all.view());
  if (got < all.num_frames()) {
    AudioBuffer trimmed(inf.channels, got);
    trimmed.view().copy_from(all.view().sub(0, got));
    all = std::move(trimmed);
  }
  if (sample_rate) *sample_rate = inf.sample_rate;
  return all;
}

const fs::path* input_at(const fs::path& path, const std::vector<fs::path>& inputs) {
  std::error_code ec;
  if (path.empty() || path == "-" || !fs::exists(path, ec)) return nullptr;
  for (const auto& in : inputs) {
    std::error_code e2;
    if (!in.empty() && fs::equivalent(path, in, e2)) return &in;
  }
  return nullptr;
}

void require_input(const fs::path& path) {
  std::error_code ec;
  if (fs::exists(path, ec)) return;
  if (!ec || ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory)
    throw rejected(path.string(), "no such file");
  throw rejected(path.string(), "cannot be read: " + reason_words(ec));
}

void refuse_overwriting_input(const fs::path& output, const std::vector<fs::path>& inputs) {
  if (const fs::path* in = input_at(output, inputs))
    throw usage_error(output.string(), std::string("is an input of this run") +
                                           (in->lexically_normal() == output.lexically_normal() ? "" : " (" + in->string() + ")") +
                                           ": writing the output there would overwrite it; choose another path");
}

void check_json_path(const fs::path& json, const std::vector<fs::path>& outputs) {
  if (json.empty() || json == "-") return;
  std::error_code ec;
  if (fs::is_directory(json, ec))
    throw usage_error(json.string(), "is a folder: --json takes a file name to write (or - for standard output)");
  const fs::path at = fs::weakly_canonical(fs::absolute(json, ec), ec);
  for (const auto& o : outputs)
    if (fs::weakly_canonical(fs::absolute(o, ec), ec) == at)
      throw usage_error(json.string(), "is one of this run's own outputs: the JSON would replace it; choose another path");
}

void refuse_inputs_in(const std::vector<fs::path>& folders, const std::vector<fs::path>& inputs) {
  for (const auto& in : inputs) {
    std::error_code ec;
    if (in.empty() || !fs::exists(in, ec)) continue;
    // Where the file resolves to, and where its name lies (a symlink in the folder is an input
    // there too: album once removed one as an earlier run's track).
    const fs::path parent = fs::weakly_canonical(fs::absolute(in, ec), ec).parent_path();
    const fs::path named_in = fs::weakly_canonical(fs::absolute(in, ec).parent_path(), ec);
    for (const auto& f : folders) {
      std::error_code e2, e3;
      if (fs::exists(f, e2) && (fs::equivalent(parent, f, e2) || fs::equivalent(named_in, f, e3)))
        throw usage_error(in.string(), "lies in " + f.string() +
                                           ", which this run writes into: an input could be overwritten; choose another -o");
    }
  }
}

void create_output_dir(const fs::path& dir, const fs::path& report_as) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec) return;
  // A file where a folder of the output should be (OUT/masters as a file): that file named.
  for (fs::path p = dir; !p.empty() && p != p.parent_path(); p = p.parent_path()) {
    std::error_code e2;
    const auto st = fs::status(p, e2);
    if (!e2 && fs::exists(st) && !fs::is_directory(st))
      throw failed(p.string(), "is a file where the output needs a folder; move it or choose another -o");
    if (!e2 && fs::is_directory(st)) break;
  }
  throw failed((report_as.empty() ? dir : report_as).string(), "cannot create the output folder: " + ec.message());
}

void write_text_atomic(const fs::path& path, const std::string& text) {
  std::error_code ec;
  // A device or a pipe (/dev/null, /dev/stdout, a FIFO) is written in place: renaming a
  // temporary file over it would replace the device itself (as root, /dev/null).
  if (const auto st = fs::status(path, ec); !ec && fs::exists(st) && !fs::is_regular_file(st)) {
    if (fs::is_directory(st)) throw failed(path.string(), "is a folder, not a file to write");
    std::ofstream out(path, std::ios::binary);
    out << text;
    out.flush();
    if (!out) throw failed(path.string(), "cannot write");
    return;
  }
  ec.clear();
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  const fs::path tmp = partial_path(path);
  const int slot = register_temp(tmp.string());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      unregister_temp(slot);
      throw failed(path.string(), "cannot write");
    }
    out << text;
    out.flush();
    if (!out) {
      fs::remove(tmp, ec);
      unregister_temp(slot);
      throw failed(path.string(), "write failed (disk full?)");
    }
  }
  fs::rename(tmp, path, ec);
  unregister_temp(slot);
  if (ec) {
    fs::remove(tmp, ec);
    throw failed(path.string(), "cannot move the finished file into place");
  }
}

}  // namespace mixdown::io

namespace mixdown::io {

// Every hidden temporary we create ends in its creator's PID: .NAME.partial-PID (atomic writes),
// .master-NAME-PID.f32 / .album-I-PID.f32 (float intermediates), .album-track-I-PID.wav (an
// album track's whole master, before the album is sliced into its track files), .lossy-check-PID.mp3 and
// .bluetooth-PID.mp3 (codec round trips). Returns the PID's digits, or "" for any other name.
// (Matched by hand: std::regex trips GCC 12's -Wmaybe-uninitialized under the sanitizers.)
static std::string temporary_pid(std::string name) {
  auto ends_with = [](const std::string& s, std::string_view t) {
    return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
  };
  auto all_digits = [](std::string_view t) {
    return !t.empty() && t.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (name.size() < 3 || name.front() != '.') return {};
  name.erase(0, 1);
  const bool wav = ends_with(name, ".wav");
  if (ends_with(name, ".f32") || ends_with(name, ".mp3") || wav) name.resize(name.size() - 4);
  const auto dash = name.rfind('-');
  if (dash == std::string::npos) return {};
  const std::string pid = name.substr(dash + 1), stem = name.substr(0, dash);
  if (!all_digits(pid) || pid.size() > 9) return {};
  // A .wav is ours only as an album's dual-mono copy (".album-stereo-N-PID.wav") or a track's
  // whole master (".album-track-N-PID.wav").
  const auto numbered = [&](std::string_view prefix) {  // prefix followed by a number only
    return stem.rfind(prefix, 0) == 0 && all_digits(std::string_view(stem).substr(prefix.size()));
  };
  if (wav) return numbered("album-stereo-") || numbered("album-track-") ? pid : std::string{};
  const bool ours = (ends_with(stem, ".partial") && stem.size() > 8) || stem.rfind("master-", 0) == 0 ||
                    numbered("album-") ||
                    stem == "lossy-check" || stem == "bluetooth";
  return ours ? pid : std::string{};
}

int sweep_stale_partials(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  std::vector<fs::path> stale;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    const std::string digits = temporary_pid(name);
    if (digits.empty()) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    const bool alive = pid == ::getpid() || ::kill(pid, 0) == 0 || errno == EPERM;
    if (!alive) stale.push_back(it->path());
  }
  int removed = 0;
  for (const auto& p : stale) removed += fs::remove(p, ec) ? 1 : 0;
  return removed;
}

void retire_reports(const fs::path& dir) {
  std::error_code ec;
  for (const char* f : {"report.json", "report.html"}) fs::remove(dir / f, ec);
}

}  // namespace mixdown::io
