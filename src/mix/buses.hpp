// Bus glue and the mix bus: gentle compression that moves the parts together (about 1-2 dB of
// gain reduction on the loud passages), parallel compression on the drum bus for drums=big,
// and headroom for mastering (the renderer lands the mix's true peak at target_true_peak_dbtp).
//
// Sources: glue settings (2:1 or gentler, slow attack ~30 ms so transients pass, release timed
// to the groove) after Izhaki, "Mixing Audio" (ch. 18, "Mix-bus compression") and the SSL bus
// compressor practice; parallel ("New York") drum compression after Owsinski's handbook
// (heavy 6:1+ compression blended under the dry kit). Thresholds are set on the predicted
// level distribution of each bus (100 ms frames): threshold = 90th percentile minus the
// overshoot that gives the wanted reduction at that ratio.
#pragma once

#include <vector>

#include "analysis/stem_analysis.hpp"
#include "mix/console.hpp"
#include "mix/decide.hpp"

namespace mixdown::mix {

void set_buses(Console& console, const std::vector<StemInput>& stems,
               const analysis::SongAnalysis& song, const Brief& brief, int sample_rate);

}  // namespace mixdown::mix
