// Where the renderer gets stem audio: a source delivers blocks at the session rate with 1 or 2
// channels (io's file source folds 5.1 and dual-mono before this point). Reading past the end
// yields silence, so the renderer can run every stem for the same number of frames.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>

#include "core/audio_buffer.hpp"

namespace mixdown::graph {

class StemSource {
public:
  virtual ~StemSource() = default;
  virtual int channels() const = 0;
  virtual std::int64_t frames() const = 0;
  // Fills `out` (channels() channels) completely; frames past the end are zeros.
  virtual void read(const AudioView& out) = 0;
  virtual void rewind() = 0;
  // Positions the next read at `frame`. This default rewinds and reads the frames before it;
  // a source that can jump there directly overrides it.
  virtual void seek(std::int64_t frame);

protected:
  // Reads and discards `frames` frames (the way to a position for a source that cannot jump).
  void skip(std::int64_t frames);
};

// A source over a buffer held in memory (tests, short previews).
class BufferSource final : public StemSource {
public:
  explicit BufferSource(AudioBuffer audio) : audio_(std::move(audio)) {}
  int channels() const override { return audio_.num_channels(); }
  std::int64_t frames() const override { return static_cast<std::int64_t>(audio_.num_frames()); }
  void read(const AudioView& out) override;
  void rewind() override { pos_ = 0; }
  void seek(std::int64_t frame) override { pos_ = static_cast<std::size_t>(std::max<std::int64_t>(0, frame)); }

private:
  AudioBuffer audio_;
  std::size_t pos_ = 0;
};

// Another source moved `frames` earlier in time: its first `frames` frames are dropped and its
// end comes that much sooner (a stem lined up with another mic on the same source).
class AdvancedSource final : public StemSource {
public:
  AdvancedSource(std::unique_ptr<StemSource> in, std::int64_t frames) : in_(std::move(in)), n_(std::max<std::int64_t>(0, frames)) {
    in_->seek(n_);
  }
  int channels() const override { return in_->channels(); }
  std::int64_t frames() const override { return std::max<std::int64_t>(0, in_->frames() - n_); }
  void read(const AudioView& out) override { in_->read(out); }
  void rewind() override { in_->seek(n_); }
  void seek(std::int64_t frame) override { in_->seek(std::max<std::int64_t>(0, frame) + n_); }

private:
  std::unique_ptr<StemSource> in_;
  std::int64_t n_;
};

// Receives rendered stereo blocks.
class Sink {
public:
  virtual ~Sink() = default;
  virtual void write(const ConstAudioView& stereo) = 0;
};

}  // namespace mixdown::graph
