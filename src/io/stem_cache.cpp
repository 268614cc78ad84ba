#include "io/stem_cache.hpp"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "core/error.hpp"
#include "io/budget.hpp"
#include "io/file_source.hpp"
#include "io/pcm.hpp"

namespace mixdown::io {
namespace {

// The blocks hold their words as the host stores them (memcpy, pack24) and are read back by
// pcm_to_float, which reads little-endian words: the same order only on a little-endian host.
static_assert(std::endian::native == std::endian::little, "the stem cache's packed words are little-endian");

// The narrowest of 0 (every sample +0.0: all bits zero, so a -0.0 is kept), 2 (n / 2^15), 3
// (n / 2^23) or 4 (float) bytes a sample that gives back these samples' bits: each sample is
// scaled, truncated, range-checked and scaled back, and compared as bits, so anything out of
// range, fractional, -0.0 or non-finite fails. On x86 four samples a step with SSE2, where a
// truncation out of range (or of a NaN) gives INT_MIN, which fails both tests.
int width_of(const float* p, std::size_t n) {
  std::size_t i = 0;
  std::uint32_t any = 0, off16 = 0, off24 = 0;
#if defined(__x86_64__) && defined(__GNUC__)
  const __m128 s16 = _mm_set1_ps(k2to15), s24 = _mm_set1_ps(k2to23);
  const __m128 b16 = _mm_set1_ps(1.0f / k2to15), b24 = _mm_set1_ps(1.0f / k2to23);
  const __m128i h16 = _mm_set1_epi32(0x8000), h24 = _mm_set1_epi32(0x800000);
  const __m128i r16 = _mm_set1_epi32(static_cast<int>(0xffff0000u)), r24 = _mm_set1_epi32(static_cast<int>(0xff000000u));
  __m128i va = _mm_setzero_si128(), v16 = va, v24 = va;
  for (; i + 4 <= n; i += 4) {
    const __m128 x = _mm_loadu_ps(p + i);
    const __m128i u = _mm_castps_si128(x);
    va = _mm_or_si128(va, u);
    const __m128i q16 = _mm_cvttps_epi32(_mm_mul_ps(x, s16)), q24 = _mm_cvttps_epi32(_mm_mul_ps(x, s24));
    v16 = _mm_or_si128(v16, _mm_xor_si128(_mm_castps_si128(_mm_mul_ps(_mm_cvtepi32_ps(q16), b16)), u));
    v16 = _mm_or_si128(v16, _mm_and_si128(_mm_add_epi32(q16, h16), r16));
    v24 = _mm_or_si128(v24, _mm_xor_si128(_mm_castps_si128(_mm_mul_ps(_mm_cvtepi32_ps(q24), b24)), u));
    v24 = _mm_or_si128(v24, _mm_and_si128(_mm_add_epi32(q24, h24), r24));
  }
  alignas(16) std::uint32_t l[3][4];
  _mm_store_si128(reinterpret_cast<__m128i*>(l[0]), va);
  _mm_store_si128(reinterpret_cast<__m128i*>(l[1]), v16);
  _mm_store_si128(reinterpret_cast<__m128i*>(l[2]), v24);
  for (int j = 0; j < 4; ++j) {
    any |= l[0][j];
    off16 |= l[1][j];
    off24 |= l[2][j];
  }
#endif
  for (; i < n; ++i) {
    const float x = p[i];
    const std::uint32_t u = std::bit_cast<std::uint32_t>(x);
    any |= u;
    const float a16 = x * k2to15, a24 = x * k2to23;
    const bool in16 = a16 >= -32768.0f && a16 <= 32767.0f, in24 = a24 >= -8388608.0f && a24 <= 8388607.0f;
    off16 |= in16 ? std::bit_cast<std::uint32_t>(static_cast<float>(static_cast<std::int32_t>(a16)) * (1.0f / k2to15)) ^ u : 1u;
    off24 |= in24 ? std::bit_cast<std::uint32_t>(static_cast<float>(static_cast<std::int32_t>(a24)) * (1.0f / k2to23)) ^ u : 1u;
  }
  if (any == 0) return 0;
  return off16 == 0 ? 2 : off24 == 0 ? 3 : 4;
}

}  // namespace

DecodedStem::DecodedStem(int channels, int rate)
    : channels_(channels), rate_(rate), pending_(static_cast<std::size_t>(channels) * kFrames, 0.0f) {}

void DecodedStem::FreeChunk::operator()(std::uint8_t* p) const noexcept { std::free(p); }

std::uint8_t* DecodedStem::take(std::size_t bytes) {
  bytes = (bytes + 63) / 64 * 64;
  if (chunks_.empty() || chunk_size_ - chunk_used_ < bytes) {
    const std::size_t size = std::max(bytes, kChunkBytes);
    void* p = std::malloc(size);
    if (!p) throw std::bad_alloc();
    chunks_.emplace_back(static_cast<std::uint8_t*>(p));
    chunk_size_ = size;
    chunk_used_ = 0;
  }
  std::uint8_t* at = chunks_.back().get() + chunk_used_;
  chunk_used_ += bytes;
  return at;
}

void DecodedStem::append(const ConstAudioView& v) {
  const std::size_t nc = static_cast<std::size_t>(channels_);
  for (std::size_t done = 0; done < v.num_frames();) {
    const std::size_t n = std::min(kFrames - pending_frames_, v.num_frames() - done);
    for (std::size_t c = 0; c < nc; ++c)
      std::copy_n(v.channel(static_cast<int>(c)) + done, n, pending_.data() + c * kFrames + pending_frames_);
    pending_frames_ += n;
    done += n;
    frames_ += static_cast<std::int64_t>(n);
    if (pending_frames_ == kFrames) seal();
  }
}

void DecodedStem::seal() {
  if (pending_frames_ == 0) return;
  const std::size_t nc = static_cast<std::size_t>(channels_);
  float* p = pending_.data();
  // The last block's unused tail reads as zeros like frames past the end.
  for (std::size_t c = 0; c < nc; ++c) std::fill(p + c * kFrames + pending_frames_, p + (c + 1) * kFrames, 0.0f);
  pending_frames_ = 0;
  const std::size_t count = nc * kFrames;
  Block b;
  b.bytes = width_of(p, count);
  if (b.bytes > 0) {
    // + 4: 24-bit words are stored and read 4 (16 with SSSE3: 12 used) bytes at a time.
    const std::size_t bytes = count * static_cast<std::size_t>(b.bytes) + 4;
    std::uint8_t* d = take(bytes);
    if (b.bytes == 2) {
      for (std::size_t i = 0; i < count; ++i) {
        const auto v = static_cast<std::int16_t>(p[i] * k2to15);
        std::memcpy(d + 2 * i, &v, 2);
      }
    } else if (b.bytes == 3) {
      pack24(p, count, d);
      std::memset(d + 3 * count, 0, 4);  // the slack, written, so the stored bytes are always the same
    } else {
      std::memcpy(d, p, count * sizeof(float));
    }
    b.data = d;
    stored_bytes_ += bytes;
  }
  blocks_.push_back(b);
}

void DecodedStem::finish() {
  seal();
  pending_ = {};
}

void DecodedStem::copy(std::int64_t from, const AudioView& out) const {
  const std::size_t nc = static_cast<std::size_t>(channels_);
  for (std::size_t done = 0; done < out.num_frames();) {
    const std::int64_t at = from + static_cast<std::int64_t>(done);
    const auto bi = static_cast<std::size_t>(at / static_cast<std::int64_t>(kFrames));
    const auto off = static_cast<std::size_t>(at % static_cast<std::int64_t>(kFrames));
    const std::size_t n = std::min(kFrames - off, out.num_frames() - done);
    // Within the last block, frames past the end read as zeros (its tail was zeroed).
    const Block b = at < frames_ && bi < blocks_.size() ? blocks_[bi] : Block{};
    for (std::size_t c = 0; c < nc; ++c) {
      float* dst = out.channel(static_cast<int>(c)) + done;
      const std::size_t first = c * kFrames + off;
      if (!b.data) std::fill_n(dst, n, 0.0f);
      else pcm_to_float(b.data + static_cast<std::size_t>(b.bytes) * first, n, b.bytes, b.bytes == 4, dst);
    }
    done += n;
  }
}

bool StemCache::reserve(std::int64_t frames, int channels) {
  if (frames <= 0 || channels <= 0) return false;
  // Whole blocks, as stored.
  const auto blocks = static_cast<std::size_t>((frames + static_cast<std::int64_t>(DecodedStem::kFrames) - 1) /
                                               static_cast<std::int64_t>(DecodedStem::kFrames));
  const std::size_t bytes = blocks * DecodedStem::kFrames * static_cast<std::size_t>(channels) * sizeof(float);
  std::lock_guard<std::mutex> lock(mutex_);
  if (bytes > budget_ - std::min(budget_, reserved_)) return false;
  reserved_ += bytes;
  return true;
}

// Paths as the check lists them and as the console stores them (absolute) name the same file.
std::filesystem::path StemCache::key(const std::filesystem::path& path) {
  return std::filesystem::absolute(path).lexically_normal();
}

void StemCache::put(const std::filesystem::path& path, std::shared_ptr<const DecodedStem> stem) {
  auto k = key(path);
  std::lock_guard<std::mutex> lock(mutex_);
  stems_[std::move(k)] = std::move(stem);
}

std::shared_ptr<const DecodedStem> StemCache::find(const std::filesystem::path& path) const {
  const auto k = key(path);
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = stems_.find(k);
  return it == stems_.end() ? nullptr : it->second;
}

void StemCache::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  stems_.clear();
  reserved_ = 0;
}

std::size_t stem_cache_budget() {
  if (const auto mb = env_number("MIXDOWN_STEM_CACHE_MB", 0.0, true, "a number of megabytes (0 turns the cache off)"))
    return static_cast<std::size_t>(*mb * 1024.0 * 1024.0);
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const std::size_t physical = pages > 0 && page > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page) : 0;
  return std::min<std::size_t>(physical / 4, std::size_t{4} << 30);
}

CachedStemSource::CachedStemSource(std::shared_ptr<const DecodedStem> stem, bool fold_to_mono) : stem_(std::move(stem)) {
  const int in = stem_->channels();
  out_channels_ = in == 1 || fold_to_mono ? 1 : 2;
  if (in != out_channels_) scratch_.resize(in, 4096);
}

void CachedStemSource::read(const AudioView& out) {
  if (stem_->channels() == out_channels_) {
    stem_->copy(pos_, out);
  } else {
    for (std::size_t done = 0; done < out.num_frames();) {
      const std::size_t n = std::min(scratch_.num_frames(), out.num_frames() - done);
      stem_->copy(pos_ + static_cast<std::int64_t>(done), scratch_.view(n));
      fold_channels(scratch_.view(n), out.sub(done, n));
      done += n;
    }
  }
  pos_ += static_cast<std::int64_t>(out.num_frames());
}

InvertedRightSource::InvertedRightSource(std::unique_ptr<graph::StemSource> stereo, bool fold_to_mono)
    : in_(std::move(stereo)), fold_(fold_to_mono) {
  if (in_->channels() != 2) throw failed("", "internal: a right channel is inverted on a stereo source only");
  if (fold_) scratch_.resize(2, 4096);
}

void InvertedRightSource::read(const AudioView& out) {
  if (!fold_) {
    in_->read(out);
    float* r = out.channel(1);
    for (std::size_t i = 0; i < out.num_frames(); ++i) r[i] = -r[i];
    return;
  }
  for (std::size_t done = 0; done < out.num_frames();) {
    const std::size_t n = std::min(scratch_.num_frames(), out.num_frames() - done);
    in_->read(scratch_.view(n));
    const float* l = scratch_.channel(0);
    const float* r = scratch_.channel(1);
    float* o = out.channel(0) + done;
    for (std::size_t i = 0; i < n; ++i) o[i] = 0.5f * (l[i] - r[i]);
    done += n;
  }
}

std::unique_ptr<graph::StemSource> open_stem_source(const std::filesystem::path& path, int session_rate, bool fold_to_mono,
                                                    const StemCache* cache, float spike_ceiling, bool invert_right) {
  if (invert_right) {
    auto stereo = open_stem_source(path, session_rate, false, cache, spike_ceiling);
    if (stereo->channels() == 2) return std::make_unique<InvertedRightSource>(std::move(stereo), fold_to_mono);
  }
  if (cache)
    if (auto stem = cache->find(path); stem && stem->rate() == session_rate)
      return std::make_unique<CachedStemSource>(std::move(stem), fold_to_mono);
  return std::make_unique<FileStemSource>(path, session_rate, fold_to_mono, spike_ceiling);
}

}  // namespace mixdown::io
