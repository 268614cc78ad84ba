#include "master/chain.hpp"

#include <algorithm>

#include "core/units.hpp"

namespace mixdown::master {

MasterChainProcessor::MasterChainProcessor(const MasterChain& chain) : chain_(chain) {
  dsp::EqSettings front, back;
  std::vector<dsp::EqBand> on;
  for (const auto& b : chain.eq.bands)
    if (b.enabled) on.push_back(b);
  const std::size_t half = (on.size() + 1) / 2;
  front.bands.assign(on.begin(), on.begin() + static_cast<std::ptrdiff_t>(half));
  back.bands.assign(on.begin() + static_cast<std::ptrdiff_t>(half), on.end());
  eq_.set_settings(front, chain.subsonic, dsp::PassFilterSettings{});
  eq2_.set_settings(back);
  side_hp_.set_settings({chain.mono_below_hz > 0, chain.mono_below_hz > 0 ? chain.mono_below_hz : 20.0, 4});
  compressor_.set_settings(chain.compressor);
  side_gain_ = static_cast<float>(db_to_gain(chain.side_gain_db));
}

void MasterChainProcessor::prepare(const dsp::ProcessSpec& spec) {
  eq_.prepare(spec);
  eq2_.prepare(spec);
  compressor_.prepare(spec);
  ms_ = spec.channels == 2 && (chain_.mono_below_hz > 0 || chain_.side_gain_db != 0.0);
  dsp::ProcessSpec mono = spec;
  mono.channels = 1;
  side_hp_.prepare(mono);
  side_.assign(spec.max_block_frames, 0.0f);
}

void MasterChainProcessor::reset() noexcept {
  eq_.reset();
  eq2_.reset();
  side_hp_.reset();
  compressor_.reset();
}

std::size_t MasterChainProcessor::tail_frames() const noexcept {
  return std::max({eq_.tail_frames(), eq2_.tail_frames(), side_hp_.tail_frames()});
}

void MasterChainProcessor::process(const AudioView& block) noexcept {
  process_front(block);
  process_back(block);
}

void MasterChainProcessor::process_front(const AudioView& block) noexcept { eq_.process(block); }

void MasterChainProcessor::process_back(const AudioView& block) noexcept {
  eq2_.process(block);
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
