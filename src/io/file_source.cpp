#include "io/file_source.hpp"

#include <algorithm>
#include <cmath>

namespace mixdown::io {

FileStemSource::FileStemSource(const std::filesystem::path& path, int session_rate, bool fold_to_mono, float spike_ceiling)
    : reader_(path, session_rate), in_channels_(reader_.info().channels) {
  reader_.set_spike_ceiling(spike_ceiling);
  out_channels_ = in_channels_ == 1 || fold_to_mono ? 1 : 2;
  if (in_channels_ != out_channels_) scratch_.resize(in_channels_, 4096);
}

void fold_channels(const ConstAudioView& in, const AudioView& out) {
  const std::size_t n = std::min(in.num_frames(), out.num_frames());
  const int ic = in.num_channels();
  constexpr float k3db = 0.70710678f;
  if (out.num_channels() == 1) {
    // Mono: the mean of the front pair (or of all full-range channels).
    float* o = out.channel(0);
    const int used = ic == 6 || ic == 8 ? 2 : ic;
    for (std::size_t i = 0; i < n; ++i) {
      float s = 0;
      for (int c = 0; c < used; ++c) s += in.channel(c)[i];
      o[i] = s / static_cast<float>(used);
    }
    return;
  }
  float* l = out.channel(0);
  float* r = out.channel(1);
  if (ic == 6 || ic == 8) {  // L R C LFE Ls Rs [Lb Rb]
    for (std::size_t i = 0; i < n; ++i) {
      const float c = k3db * in.channel(2)[i];
      l[i] = in.channel(0)[i] + c + k3db * in.channel(4)[i];
      r[i] = in.channel(1)[i] + c + k3db * in.channel(5)[i];
      if (ic == 8) {
        l[i] += k3db * in.channel(6)[i];
        r[i] += k3db * in.channel(7)[i];
      }
    }
    return;
  }
  // Other layouts: even channels left, odd channels right.
  std::fill_n(l, n, 0.0f);
  std::fill_n(r, n, 0.0f);
  for (int c = 0; c < ic; ++c) {
    float* d = c % 2 ? r : l;
    const float g = ic > 2 ? k3db : 1.0f;
    for (std::size_t i = 0; i < n; ++i) d[i] += g * in.channel(c)[i];
  }
}

void FileStemSource::seek(std::int64_t frame) {
  frame = std::max<std::int64_t>(0, frame);
  if (reader_.seek(frame)) {
    pos_ = frame;
    return;
  }
  if (frame < pos_) rewind();
  skip(frame - pos_);
}

void FileStemSource::read(const AudioView& out) {
  pos_ += static_cast<std::int64_t>(out.num_frames());
  if (in_channels_ == out_channels_) {
    const std::size_t got = reader_.read(out);
    for (int c = 0; c < out.num_channels(); ++c) std::fill(out.channel(c) + got, out.channel(c) + out.num_frames(), 0.0f);
    return;
  }
  for (std::size_t pos = 0; pos < out.num_frames();) {
    const std::size_t want = std::min(scratch_.num_frames(), out.num_frames() - pos);
    const std::size_t got = reader_.read(scratch_.view(want));
    AudioView dst = out.sub(pos, want);
    if (got < want)
      for (int c = 0; c < scratch_.num_channels(); ++c) std::fill(scratch_.channel(c) + got, scratch_.channel(c) + want, 0.0f);
    fold_channels(scratch_.view(want), dst);
    pos += want;
  }
}

}  // namespace mixdown::io
