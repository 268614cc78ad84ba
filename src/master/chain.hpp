// The mastering chain before the limiter, as one processor: subsonic high-pass, tonal EQ,
// mid/side width and mono bass (stereo only), gentle compression. The landing gain and the
// limiter come after it (see io/master_io), because the landing loop re-runs only those.
// Mid/side: M = (L + R) / 2, S = (L - R) / 2; the side signal is scaled for width and
// high-passed (4th-order Butterworth) for mono bass, then L = M + S, R = M - S.
//
// An EQ of many sections (a reference match: up to 55 bells on a 1/6-octave grid) runs as
// the FIR of its own impulse response, by partitioned FFT convolution (dsp/fir_convolver),
// at about half the cost of the cascade, and channel by channel. The response is cut where
// the rest of it (its L1 norm) could move the EQ's response by at most kFirTailError at any
// frequency, so it is the same filter, minimum phase as the bells are, to within 0.02 dB.
#pragma once

#include <memory>
#include <vector>

#include "dsp/compressor.hpp"
#include "dsp/fir_convolver.hpp"
#include "dsp/parametric_eq.hpp"
#include "dsp/pass_filter.hpp"
#include "dsp/processor.hpp"
#include "master/decide.hpp"

namespace mixdown::master {

class MasterChainProcessor {
public:
  explicit MasterChainProcessor(const MasterChain& chain);

  void prepare(const dsp::ProcessSpec& spec);
  void reset() noexcept;
  // process() is process_front() then process_back(): the chain in two halves of about equal
  // cost (the subsonic filter and the first half of the EQ bands; the rest), so a pass can
  // run them as a two-stage pipeline on two cores. The split is fixed by the settings, so
  // the output is the same whichever way the halves are scheduled.
  void process(const AudioView& block) noexcept;
  void process_front(const AudioView& block) noexcept;
  void process_back(const AudioView& block) noexcept;
  std::size_t latency_frames() const noexcept { return 0; }
  std::size_t tail_frames() const noexcept;
  // The EQ runs as an FIR of this many frames (0: as biquad sections).
  std::size_t fir_frames() const noexcept { return fir_kernel_ ? fir_kernel_->length() : 0; }

private:
  void fir_channel(const AudioView& block, std::size_t c) noexcept;  // subsonic (if any), then the FIR
  MasterChain chain_;
  dsp::EqSettings front_;  // the first half of the bands
  dsp::ParametricEq eq_;   // the subsonic high-pass fused with front_
  dsp::ParametricEq eq2_;  // the second half
  // The EQ as an FIR, when prepare() chose it (one FirChannel per channel): the first half of
  // the channels in process_front, the rest in process_back.
  std::shared_ptr<const dsp::FirKernel> fir_kernel_;
  std::vector<dsp::FirChannel> fir_;
  // With the FIR, the subsonic high-pass runs beside it as biquads, one per channel: a steep
  // high-pass at 20-25 Hz rings for seconds, and in the FIR's impulse response it made the
  // kernel long (a reference master with a 20 Hz cut took twice as long).
  std::vector<dsp::PassFilter> subsonic_;
  dsp::PassFilter side_hp_{dsp::PassKind::high_pass};
  dsp::Compressor compressor_;
  bool ms_ = false;
  float side_gain_ = 1.0f;
  std::vector<float> side_;
};

static_assert(dsp::Processor<MasterChainProcessor>);

}  // namespace mixdown::master
