// Planar float audio: one owning AudioBuffer and non-owning views (after chowdsp_Buffer /
// chowdsp_BufferView). Every count is in frames; interleaving happens only at the I/O edge.
#pragma once

#include <cassert>
#include <cstddef>
#include <span>
#include <vector>

namespace mixdown {

class AudioView {
public:
  AudioView() = default;
  AudioView(float* const* channels, int num_channels, std::size_t num_frames) noexcept
      : channels_(channels), num_channels_(num_channels), num_frames_(num_frames) {}

  int num_channels() const noexcept { return num_channels_; }
  std::size_t num_frames() const noexcept { return num_frames_; }
  float* channel(int c) const noexcept {
    assert(c >= 0 && c < num_channels_);
    return channels_[c] + offset_;
  }
  std::span<float> span(int c) const noexcept { return {channel(c), num_frames_}; }
  // A sub-range of frames [start, start + frames).
  AudioView sub(std::size_t start, std::size_t frames) const noexcept {
    assert(start + frames <= num_frames_);
    AudioView v = *this;
    v.offset_ = offset_ + start;
    v.num_frames_ = frames;
    return v;
  }
  void clear() const noexcept;
  void add_from(const class ConstAudioView& src, float gain = 1.0f) const noexcept;
  void copy_from(const class ConstAudioView& src) const noexcept;
  void copy_from(const class ConstAudioView& src, float gain) const noexcept;  // copy × gain, one pass
  void apply_gain(float gain) const noexcept;

private:
  friend class ConstAudioView;
  float* const* channels_ = nullptr;
  int num_channels_ = 0;
  std::size_t num_frames_ = 0;
  std::size_t offset_ = 0;
};

class ConstAudioView {
public:
  ConstAudioView() = default;
  ConstAudioView(const float* const* channels, int num_channels, std::size_t num_frames) noexcept
      : channels_(channels), num_channels_(num_channels), num_frames_(num_frames) {}
  ConstAudioView(const AudioView& v) noexcept;  // NOLINT: implicit on purpose

  int num_channels() const noexcept { return num_channels_; }
  std::size_t num_frames() const noexcept { return num_frames_; }
  const float* channel(int c) const noexcept {
    assert(c >= 0 && c < num_channels_);
    return channels_[c] + offset_;
  }
  std::span<const float> span(int c) const noexcept { return {channel(c), num_frames_}; }
  // Every sample of every channel is exactly ±0.0 (a NaN is not silence).
  bool digital_silence() const noexcept;
  ConstAudioView sub(std::size_t start, std::size_t frames) const noexcept {
    assert(start + frames <= num_frames_);
    ConstAudioView v = *this;
    v.offset_ = offset_ + start;
    v.num_frames_ = frames;
    return v;
  }

private:
  const float* const* channels_ = nullptr;
  int num_channels_ = 0;
  std::size_t num_frames_ = 0;
  std::size_t offset_ = 0;
};

// Owning planar buffer. Resizing allocates; processing code only takes views.
class AudioBuffer {
public:
  AudioBuffer() = default;
  AudioBuffer(int num_channels, std::size_t num_frames) { resize(num_channels, num_frames); }
  AudioBuffer(const AudioBuffer& o) { *this = o; }
  AudioBuffer& operator=(const AudioBuffer& o);
  AudioBuffer(AudioBuffer&&) noexcept = default;
  AudioBuffer& operator=(AudioBuffer&&) noexcept = default;

  void resize(int num_channels, std::size_t num_frames);  // contents zeroed
  int num_channels() const noexcept { return static_cast<int>(data_.size()); }
  std::size_t num_frames() const noexcept { return num_frames_; }
  float* channel(int c) noexcept { return data_[static_cast<std::size_t>(c)].data(); }
  const float* channel(int c) const noexcept { return data_[static_cast<std::size_t>(c)].data(); }
  AudioView view() noexcept { return {ptrs_.data(), num_channels(), num_frames_}; }
  ConstAudioView view() const noexcept { return {cptrs_.data(), num_channels(), num_frames_}; }
  AudioView view(std::size_t frames) noexcept { return view().sub(0, frames); }
  void clear() noexcept;

private:
  void rebuild_pointers();
  std::vector<std::vector<float>> data_;
  std::vector<float*> ptrs_;
  std::vector<const float*> cptrs_;
  std::size_t num_frames_ = 0;
};

}  // namespace mixdown
