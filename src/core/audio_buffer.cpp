#include "core/audio_buffer.hpp"

#include <algorithm>

namespace mixdown {

void AudioView::clear() const noexcept {
  for (int c = 0; c < num_channels_; ++c) std::fill_n(channel(c), num_frames_, 0.0f);
}

void AudioView::add_from(const ConstAudioView& src, float gain) const noexcept {
  const int nc = std::min(num_channels_, src.num_channels());
  const std::size_t n = std::min(num_frames_, src.num_frames());
  for (int c = 0; c < nc; ++c) {
    float* d = channel(c);
    const float* s = src.channel(c);
    for (std::size_t i = 0; i < n; ++i) d[i] += gain * s[i];
  }
}

void AudioView::copy_from(const ConstAudioView& src) const noexcept {
  const int nc = std::min(num_channels_, src.num_channels());
  const std::size_t n = std::min(num_frames_, src.num_frames());
  for (int c = 0; c < nc; ++c) std::copy_n(src.channel(c), n, channel(c));
}

void AudioView::copy_from(const ConstAudioView& src, float gain) const noexcept {
  const int nc = std::min(num_channels_, src.num_channels());
  const std::size_t n = std::min(num_frames_, src.num_frames());
  for (int c = 0; c < nc; ++c) {
    float* d = channel(c);
    const float* s = src.channel(c);
    for (std::size_t i = 0; i < n; ++i) d[i] = s[i] * gain;
  }
}

void AudioView::apply_gain(float gain) const noexcept {
  for (int c = 0; c < num_channels_; ++c) {
    float* d = channel(c);
    for (std::size_t i = 0; i < num_frames_; ++i) d[i] *= gain;
  }
}

ConstAudioView::ConstAudioView(const AudioView& v) noexcept
    : channels_(const_cast<const float* const*>(v.channels_)),
      num_channels_(v.num_channels_),
      num_frames_(v.num_frames_),
      offset_(v.offset_) {}

AudioBuffer& AudioBuffer::operator=(const AudioBuffer& o) {
  if (this != &o) {
    data_ = o.data_;
    num_frames_ = o.num_frames_;
    rebuild_pointers();
  }
  return *this;
}

void AudioBuffer::resize(int num_channels, std::size_t num_frames) {
  data_.assign(static_cast<std::size_t>(std::max(0, num_channels)),
               std::vector<float>(num_frames, 0.0f));
  num_frames_ = num_frames;
  rebuild_pointers();
}

void AudioBuffer::clear() noexcept {
  for (auto& ch : data_) std::fill(ch.begin(), ch.end(), 0.0f);
}

void AudioBuffer::rebuild_pointers() {
  ptrs_.clear();
  cptrs_.clear();
  for (auto& ch : data_) {
    ptrs_.push_back(ch.data());
    cptrs_.push_back(ch.data());
  }
}

}  // namespace mixdown
