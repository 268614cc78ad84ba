#include "graph/source.hpp"

#include <algorithm>

namespace mixdown::graph {

void BufferSource::read(const AudioView& out) {
  const std::size_t avail = pos_ < audio_.num_frames() ? audio_.num_frames() - pos_ : 0;
  const std::size_t n = std::min(avail, out.num_frames());
  for (int c = 0; c < out.num_channels(); ++c) {
    const int src = std::min(c, audio_.num_channels() - 1);
    std::copy_n(audio_.channel(src) + pos_, n, out.channel(c));
    std::fill(out.channel(c) + n, out.channel(c) + out.num_frames(), 0.0f);
  }
  pos_ += n;
}

void StemSource::seek(std::int64_t frame) {
  rewind();
  skip(frame);
}

void StemSource::skip(std::int64_t frames) {
  AudioBuffer scratch(channels(), 4096);
  for (std::int64_t done = 0; done < frames;) {
    const auto n = static_cast<std::size_t>(std::min<std::int64_t>(4096, frames - done));
    read(scratch.view(n));
    done += static_cast<std::int64_t>(n);
  }
}

}  // namespace mixdown::graph
