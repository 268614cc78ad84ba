#include "master/chain.hpp"

#include <algorithm>
#include <cmath>

#include "core/audio_buffer.hpp"
#include "core/units.hpp"

namespace mixdown::master {
namespace {

// From this many sections the FIR is the cheaper form: a section costs about 1.1 ns a frame
// and channel (AVX-512, sections grouped), the FIR about 13 ns whatever its length (a 16384-
// point transform each way per 8192 frames, plus a multiply-add per partition).
constexpr std::size_t kFirMinSections = 24;
constexpr std::size_t kFirPartition = 8192;
// The longest response run as an FIR (2.7 s at 48 kHz); an EQ that rings longer (narrow bells
// near 30 Hz at high sample rates) stays a cascade.
constexpr std::size_t kFirMaxFrames = std::size_t(1) << 17;
// The most the cut-off rest of the response may change the EQ's response, at any frequency:
// -60 dB of full scale, under 0.02 dB on an EQ that cuts at most 6 dB.
constexpr double kFirTailError = 1e-3;

// The impulse response of the two halves of the EQ in series (copies of them, run mono), cut to
// whole partitions where the rest's L1 norm falls under kFirTailError; empty if it still rings
// at kFirMaxFrames.
std::vector<float> eq_impulse_response(dsp::ParametricEq a, dsp::ParametricEq b, double rate) {
  const dsp::ProcessSpec mono{rate, 1, kFirMaxFrames};
  a.prepare(mono);
  b.prepare(mono);
  AudioBuffer h(1, kFirMaxFrames);
  h.channel(0)[0] = 1.0f;
  a.process(h.view());
  b.process(h.view());
  const float* x = h.channel(0);
  double last = 0.0;  // the last partition's share: it must have died away
  for (std::size_t i = kFirMaxFrames - kFirPartition; i < kFirMaxFrames; ++i) last += std::abs(double(x[i]));
  if (!(last < 0.1 * kFirTailError)) return {};
  double tail = 0.0;
  std::size_t len = 1;
  for (std::size_t i = kFirMaxFrames; i-- > 0;) {
    tail += std::abs(double(x[i]));
    if (tail > kFirTailError) {
      len = i + 1;
      break;
    }
  }
  len = (len + kFirPartition - 1) / kFirPartition * kFirPartition;
  return std::vector<float>(x, x + len);
}

}  // namespace

MasterChainProcessor::MasterChainProcessor(const MasterChain& chain) : chain_(chain) {
  dsp::EqSettings back;
  std::vector<dsp::EqBand> on;
  for (const auto& b : chain.eq.bands)
    if (b.enabled) on.push_back(b);
  const std::size_t half = (on.size() + 1) / 2;
  front_.bands.assign(on.begin(), on.begin() + static_cast<std::ptrdiff_t>(half));
  back.bands.assign(on.begin() + static_cast<std::ptrdiff_t>(half), on.end());
  eq_.set_settings(front_, chain.subsonic, dsp::PassFilterSettings{});
  eq2_.set_settings(back);
  side_hp_.set_settings({chain.mono_below_hz > 0, chain.mono_below_hz > 0 ? chain.mono_below_hz : 20.0, kMonoBelowOrder});
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
  fir_.clear();
  fir_kernel_.reset();
  subsonic_.clear();
  if (eq_.active_sections() + eq2_.active_sections() >= kFirMinSections) {
    // The FIR holds the tonal bands only; the subsonic filter runs beside it.
    const auto h = eq_impulse_response(dsp::ParametricEq(front_), eq2_, spec.sample_rate);
    if (!h.empty()) {
      fir_kernel_ = std::make_shared<const dsp::FirKernel>(h, kFirPartition);
      for (int c = 0; c < spec.channels; ++c) fir_.emplace_back(fir_kernel_);
      if (chain_.subsonic.enabled) {
        dsp::ProcessSpec mono = spec;
        mono.channels = 1;
        for (int c = 0; c < spec.channels; ++c) {
          subsonic_.emplace_back(dsp::PassKind::high_pass);
          subsonic_.back().set_settings(chain_.subsonic);
          subsonic_.back().prepare(mono);
        }
      }
    }
  }
}

void MasterChainProcessor::reset() noexcept {
  eq_.reset();
  eq2_.reset();
  for (auto& f : fir_) f.reset();
  for (auto& f : subsonic_) f.reset();
  side_hp_.reset();
  compressor_.reset();
}

std::size_t MasterChainProcessor::tail_frames() const noexcept {
  if (fir_kernel_)
    return std::max(fir_kernel_->length() + (subsonic_.empty() ? 0 : subsonic_.front().tail_frames()), side_hp_.tail_frames());
  return std::max({eq_.tail_frames(), eq2_.tail_frames(), side_hp_.tail_frames()});
}

void MasterChainProcessor::process(const AudioView& block) noexcept {
  process_front(block);
  process_back(block);
}

void MasterChainProcessor::process_front(const AudioView& block) noexcept {
  for (std::size_t c = 0; c < chain_.dc_offset.size() && c < static_cast<std::size_t>(block.num_channels()); ++c) {
    float* x = block.channel(static_cast<int>(c));
    const auto d = static_cast<float>(chain_.dc_offset[c]);
    for (std::size_t i = 0; i < block.num_frames(); ++i) x[i] -= d;
  }
  if (fir_.empty()) {
    eq_.process(block);
    return;
  }
  for (std::size_t c = 0; c < (fir_.size() + 1) / 2; ++c) fir_channel(block, c);
}

void MasterChainProcessor::fir_channel(const AudioView& block, std::size_t c) noexcept {
  float* x = block.channel(static_cast<int>(c));
  if (c < subsonic_.size()) subsonic_[c].process(AudioView(&x, 1, block.num_frames()));
  fir_[c].process(x, block.num_frames());
}

void MasterChainProcessor::process_back(const AudioView& block) noexcept {
  if (fir_.empty()) eq2_.process(block);
  else
    for (std::size_t c = (fir_.size() + 1) / 2; c < fir_.size(); ++c) fir_channel(block, c);
  if (chain_.flip_right && block.num_channels() == 2) {
    float* r = block.channel(1);
    for (std::size_t i = 0; i < block.num_frames(); ++i) r[i] = -r[i];
  }
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
