#include "core/audio_buffer.hpp"

#include <algorithm>
#include <functional>

#include "core/simd.hpp"

namespace mixdown {
namespace {

// The renderer's sums and gains run these on every block of every strip, bus and output: AVX2
// clones (elementwise IEEE products and sums, -ffp-contract=off: the same bits either way).
MIXDOWN_SIMD_CLONES void add_scaled(float* __restrict d, const float* __restrict s, float gain, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) d[i] += gain * s[i];
}

MIXDOWN_SIMD_CLONES void scale(float* d, float gain, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) d[i] *= gain;
}

}  // namespace

void AudioView::clear() const noexcept {
  for (int c = 0; c < num_channels_; ++c) std::fill_n(channel(c), num_frames_, 0.0f);
}

void AudioView::add_from(const ConstAudioView& src, float gain) const noexcept {
  const int nc = std::min(num_channels_, src.num_channels());
  const std::size_t n = std::min(num_frames_, src.num_frames());
  for (int c = 0; c < nc; ++c) {
    float* d = channel(c);
    const float* s = src.channel(c);
    const std::less<const float*> before;  // a total order even across unrelated buffers
    if (before(d, s + n) && before(s, d + n)) {  // overlapping (a view added to itself): no restrict promise
      for (std::size_t i = 0; i < n; ++i) d[i] += gain * s[i];
    } else {
      add_scaled(d, s, gain, n);
    }
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
  for (int c = 0; c < num_channels_; ++c) scale(channel(c), gain, num_frames_);
}

ConstAudioView::ConstAudioView(const AudioView& v) noexcept
    : channels_(const_cast<const float* const*>(v.channels_)),
      num_channels_(v.num_channels_),
      num_frames_(v.num_frames_),
      offset_(v.offset_) {}

bool ConstAudioView::digital_silence() const noexcept {
  for (int c = 0; c < num_channels_; ++c)
    if (!simd::all_zero(channel(c), num_frames_)) return false;
  return true;
}

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
