// A stem file as a render source: decoded and resampled to the session rate in blocks, folded
// to at most two channels. 5.1/7.1 are downmixed to stereo with the ITU-R BS.775 coefficients
// (centre and surrounds at -3 dB, LFE dropped); a dual-mono stereo file is folded to mono.
#pragma once

#include <filesystem>
#include <memory>

#include "graph/source.hpp"
#include "io/audio_file.hpp"

namespace mixdown::io {

class FileStemSource final : public graph::StemSource {
public:
  // spike_ceiling: AudioReader::set_spike_ceiling (0: off).
  FileStemSource(const std::filesystem::path& path, int session_rate, bool fold_to_mono = false, float spike_ceiling = 0.0f);
  int channels() const override { return out_channels_; }
  std::int64_t frames() const override { return reader_.frames(); }
  void read(const AudioView& out) override;
  void rewind() override {
    reader_.rewind();
    pos_ = 0;
  }
  // A lossless file at the session rate jumps there; otherwise the frames in between are
  // decoded and dropped (from the current position when it lies before `frame`).
  void seek(std::int64_t frame) override;

private:
  ResamplingReader reader_;
  std::int64_t pos_ = 0;
  int in_channels_;
  int out_channels_;
  AudioBuffer scratch_;
};

// Folds any channel count to `out_channels` (1 or 2) in place of `out`.
void fold_channels(const ConstAudioView& in, const AudioView& out);

}  // namespace mixdown::io
