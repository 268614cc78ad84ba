// The one processor lifecycle (after JUCE's prepare/reset/process and cycfi/q's function
// objects), as a concept rather than a base class:
//   prepare(ProcessSpec)   may allocate; called before the first block and on format change
//   reset() noexcept       clears state, keeps settings
//   process(view) noexcept in place; never allocates, locks, does I/O or throws
//   latency_frames()       how late the output is against the input
//   tail_frames()          how long the output rings after the input stops
// Settings are plain values (dsp/settings.hpp); set_settings() recomputes derived state
// (coefficients) and may be called between blocks.
#pragma once

#include <concepts>
#include <cstddef>

#include "core/audio_buffer.hpp"

namespace mixdown::dsp {

struct ProcessSpec {
  double sample_rate = 48000.0;
  int channels = 2;
  std::size_t max_block_frames = 1024;
};

template <class P>
concept Processor = requires(P p, const P cp, const ProcessSpec& spec, const AudioView& v) {
  p.prepare(spec);
  { p.reset() } noexcept;
  { p.process(v) } noexcept;
  { cp.latency_frames() } -> std::convertible_to<std::size_t>;
  { cp.tail_frames() } -> std::convertible_to<std::size_t>;
};

// A processor whose gain is driven by another signal (sidechain / key).
template <class P>
concept KeyedProcessor = requires(P p, const AudioView& v, const ConstAudioView& key) {
  { p.process(v, key) } noexcept;
};

}  // namespace mixdown::dsp
