// Stems decoded once: `mix` decodes every stem in the check's read, then again for the render's
// first pass (a quarter of the song) and its writing pass. Decoding FLAC is a quarter of a
// mix's CPU, so the check keeps what it decoded, within a memory budget, and the render reads
// it from memory. Blocks of digital silence (every bit zero) are not stored: multitrack stems
// are mostly silence (the bench session's 16 stems: 64 % of their blocks).
//
// What the render reads from the cache is bit for bit what it would decode from the file (the
// same AudioReader delivered it), so outputs do not depend on the budget; a stem that does not
// fit, was cut short, or is at another rate than the session is read from its file as before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "core/audio_buffer.hpp"
#include "graph/source.hpp"

namespace mixdown::io {

// One stem's samples at its own rate and channel count, in blocks of kFrames. A block whose
// samples are all +0.0 is not stored; a block whose samples are all exactly n / 2^15 or n / 2^23
// (what a 16- or 24-bit file decodes to) is stored in 2 or 3 bytes a sample, others as floats.
// Either way what is read back is the same bits.
class DecodedStem {
public:
  static constexpr std::size_t kFrames = 4096;
  DecodedStem(int channels, int rate);
  int channels() const noexcept { return channels_; }
  int rate() const noexcept { return rate_; }
  std::int64_t frames() const noexcept { return frames_; }
  std::size_t stored_bytes() const noexcept { return stored_bytes_; }
  // Copies frames [from, from + out.num_frames()) into `out` (channels() channels); frames past
  // the end read as zeros.
  void copy(std::int64_t from, const AudioView& out) const;

  // Building (the check's read): blocks appended in order, then finish().
  void append(const ConstAudioView& v);
  void finish();

private:
  struct FreeChunk {
    void operator()(std::uint8_t* p) const noexcept;
  };
  struct Block {
    const std::uint8_t* data = nullptr;  // null: silent
    int bytes = 0;                       // per sample: 2, 3 or 4 (float)
  };
  std::uint8_t* take(std::size_t bytes);  // room in the current chunk (a fresh one when full)
  void seal();                            // encodes the pending block
  int channels_, rate_;
  std::int64_t frames_ = 0;
  std::vector<Block> blocks_;  // planar: channel c at c * kFrames samples
  std::size_t stored_bytes_ = 0;
  // Blocks live in chunks of kChunkBytes (or one block's size, if larger): one allocation per
  // chunk, not per block. Plain memory: see docs/ARCHITECTURE.md on huge pages.
  static constexpr std::size_t kChunkBytes = std::size_t{2} << 20;
  std::vector<std::unique_ptr<std::uint8_t, FreeChunk>> chunks_;
  std::size_t chunk_size_ = 0, chunk_used_ = 0;
  std::vector<float> pending_;  // channels × kFrames
  std::size_t pending_frames_ = 0;
};

// The stems a mix decoded, by path. Which stems are kept is decided before any read, in stem
// order, on their declared size (so it does not depend on thread timing); a kept stem that
// turns out short is dropped.
class StemCache {
public:
  explicit StemCache(std::size_t budget_bytes) : budget_(budget_bytes) {}
  // Takes room for a stem of `frames` × `channels` float samples (the most it can store);
  // false when that would pass the budget.
  bool reserve(std::int64_t frames, int channels);
  void put(const std::filesystem::path& path, std::shared_ptr<const DecodedStem> stem);
  std::shared_ptr<const DecodedStem> find(const std::filesystem::path& path) const;
  void clear();

private:
  static std::filesystem::path key(const std::filesystem::path& path);
  std::size_t budget_, reserved_ = 0;
  mutable std::mutex mutex_;
  std::map<std::filesystem::path, std::shared_ptr<const DecodedStem>> stems_;
};

// MIXDOWN_STEM_CACHE_MB when set (0 turns the cache off), else a quarter of the machine's
// memory, at most 4 GiB. A malformed value is a usage error naming the variable.
std::size_t stem_cache_budget();

// A decoded stem as a render source: at its own rate (the session's), folded to `out_channels`
// exactly as io::FileStemSource folds.
class CachedStemSource final : public graph::StemSource {
public:
  CachedStemSource(std::shared_ptr<const DecodedStem> stem, bool fold_to_mono);
  int channels() const override { return out_channels_; }
  std::int64_t frames() const override { return stem_->frames(); }
  void read(const AudioView& out) override;
  void rewind() override { pos_ = 0; }
  void seek(std::int64_t frame) override { pos_ = frame < 0 ? 0 : frame; }

private:
  std::shared_ptr<const DecodedStem> stem_;
  int out_channels_;
  std::int64_t pos_ = 0;
  AudioBuffer scratch_;
};

// A stereo source with its right channel inverted (mix::Strip::invert_right), then folded to
// mono when asked: (L - R) / 2, the part a stem with one inverted channel holds.
class InvertedRightSource final : public graph::StemSource {
public:
  // `stereo` delivers two channels (unfolded).
  InvertedRightSource(std::unique_ptr<graph::StemSource> stereo, bool fold_to_mono);
  int channels() const override { return fold_ ? 1 : 2; }
  std::int64_t frames() const override { return in_->frames(); }
  void read(const AudioView& out) override;
  void rewind() override { in_->rewind(); }
  void seek(std::int64_t frame) override { in_->seek(frame); }

private:
  std::unique_ptr<graph::StemSource> in_;
  bool fold_;
  AudioBuffer scratch_;
};

// The render's source for a stem: from the cache when it holds the stem at `session_rate`,
// else from the file, read with `spike_ceiling` (AudioReader::set_spike_ceiling; the cache
// holds what the check read with it). `invert_right` (a stereo file only): InvertedRightSource.
std::unique_ptr<graph::StemSource> open_stem_source(const std::filesystem::path& path, int session_rate, bool fold_to_mono,
                                                    const StemCache* cache, float spike_ceiling = 0.0f,
                                                    bool invert_right = false);

}  // namespace mixdown::io
