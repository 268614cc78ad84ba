// The song as a whole, from the stems' summaries (no audio): tempo and beat grid, sections, and
// which stem the mix is built around.
//
// Sources:
// - Tempo: autocorrelation of the summed onset-strength envelope with a log-Gaussian tempo prior
//   centred on 120 BPM (Ellis, "Beat tracking by dynamic programming", JNMR 2007, §2.2), the grid
//   phase chosen as the offset whose beats collect most onset strength.
// - Sections: novelty on a self-similarity matrix of band-energy frames (Foote, "Automatic audio
//   segmentation using a measure of audio novelty", ICME 2000) snapped to bars, then labelled by
//   energy and repetition (the loudest repeated segment type is the chorus; Paulus, Müller &
//   Klapuri, "Audio-based music structure analysis", ISMIR 2010, on repetition and energy cues).
#pragma once

#include <string>
#include <vector>

#include "analysis/stem_analysis.hpp"
#include "core/role.hpp"

namespace mixdown::analysis {

struct SongSection {
  std::string name;      // intro | verse | chorus | bridge | outro
  double start_s = 0.0;
  double end_s = 0.0;
  double energy_lufs = -200.0;  // the stems' equal-loudness sum over the section (each stem counted at its own loudness)
  int group = 0;                // sections with the same group are repeats of one another
  bool operator==(const SongSection&) const = default;
};

struct SongAnalysis {
  double duration_s = 0.0;
  double tempo_bpm = 120.0;
  double tempo_confidence = 0.0;  // 0..1 (peak autocorrelation over its neighbourhood)
  double first_beat_s = 0.0;
  double beat_period_s = 0.5;
  int beats_per_bar = 4;
  std::vector<SongSection> sections;
  double frame_s = kStemFrameS;
  std::vector<float> sum_lufs;      // K-weighted loudness estimate of the stem sum per frame
  int focus = -1;                   // default focus (no brief): lead vocal, else most melodic lead
  std::string focus_reason;
  bool operator==(const SongAnalysis&) const = default;
};

SongAnalysis analyze_song(const std::vector<const StemAnalysis*>& stems,
                          const std::vector<Role>& roles, double duration_s);

// The stem the mix is built around: `brief_focus` naming a stem (exact file name, or the name
// without its extension) or a role; empty → lead vocal, else vocal, else the most melodic,
// most present lead (harmonicity and activity among melodic roles). Never the stems' levels:
// among stems of a role, the sounding one that plays the most of the song; near-ties go to a
// stem whose name does not call it a double, then to the first in the session's order.
// Returns the index and the reason. Throws Error(usage) when brief_focus names no stem and no
// role present.
struct FocusChoice {
  int index = -1;
  std::string reason;
};
FocusChoice choose_focus(const std::vector<const StemAnalysis*>& stems,
                         const std::vector<Role>& roles, const std::vector<std::string>& names,
                         const std::string& brief_focus);

}  // namespace mixdown::analysis
