#include "master/chain.hpp"

#include <algorithm>

#include "core/units.hpp"

namespace mixdown::master {

MasterChainProcessor::MasterChainProcessor(const MasterChain& chain) : chain_(chain) {
  subsonic_.set_settings(chain.subsonic);
  eq_.set_settings(chain.eq);
  side_hp_.set_settings({chain.mono_below_hz > 0, chain.mono_below_hz > 0 ? chain.mono_below_hz : 20.0, 4});
  compressor_.set_settings(chain.compressor);
  side_gain_ = static_cast<float>(db_to_gain(chain.side_gain_db));
}

void MasterChainProcessor::prepare(const dsp::ProcessSpec& spec) {
  subsonic_.prepare(spec);
  eq_.prepare(spec);
  compressor_.prepare(spec);
  ms_ = spec.channels == 2 && (chain_.mono_below_hz > 0 || chain_.side_gain_db != 0.0);
  dsp::ProcessSpec mono = spec;
  mono.channels = 1;
  side_hp_.prepare(mono);
  side_.assign(spec.max_block_frames, 0.0f);
}

void MasterChainProcessor::reset() noexcept {
  subsonic_.reset();
  eq_.reset();
  side_hp_.reset();
  compressor_.reset();
}

std::size_t MasterChainProcessor::tail_frames() const noexcept {
  return std::max({subsonic_.tail_frames(), eq_.tail_frames(), side_hp_.tail_frames()});
}

void MasterChainProcessor::process(const AudioView& block) noexcept {
  subsonic_.process(block);
  eq_.process(block);
  if (ms_) {
    for (std::size_t start = 0; start < block.num_frames(); start += side_.size()) {
      const std::size_t n = std::min(side_.size(), block.num_frames() - start);
      float* l = block.channel(0) + start;
      float* r = block.channel(1) + start;
      for (std::size_t i = 0; i < n; ++i) side_[i] = 0.5f * (l[i] - r[i]) * side_gain_;
      float* sp = side_.data();
      side_hp_.process(AudioView(&sp, 1, n));
      for (std::size_t i = 0; i < n; ++i) {
        const float m = 0.5f * (l[i] + r[i]);
        l[i] = m + side_[i];
        r[i] = m - side_[i];
      }
    }
  }
  if (chain_.compressor.enabled) compressor_.process(block);
}

}  // namespace mixdown::master
