// Stem intake QC as pure functions over what the reader probed (StemFormat) and what the
// analyzer measured (StemFeatures): no files, no audio. Each problem carries a severity, a
// message in plain words and a fix. Codes are those of INTERFACE.md (`check`), plus the
// informational `role_mismatch`, `not_a_stem` and `printed_return`.
//
// Thresholds follow common mastering-house intake practice: 3 consecutive full-scale samples
// count as a clip (the convention of most DAW/CD clip meters); DC beyond 0.5% of full scale
// (-46 dBFS) is audible as an offset in headroom and in edits; channels identical to -60 dB
// are dual mono; correlation above 0.5 between band-limited signals means the same source.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/features.hpp"
#include "analysis/roles.hpp"
#include "core/audio_buffer.hpp"
#include "core/problem.hpp"

namespace mixdown::analysis {

// What a probe says about a file (io::AudioInfo, minus the path's type).
struct StemFormat {
  std::string name;        // file name as shown to the user
  int sample_rate = 0;
  int channels = 0;
  std::int64_t frames = 0;
  int bit_depth = 0;       // 0 for lossy codecs
  bool is_float = false;
  bool lossy = false;
  std::string container;   // "WAV", "FLAC", ...
  std::string encoding;    // "PCM_24", "VORBIS", ...
  double duration_s() const { return sample_rate > 0 ? double(frames) / sample_rate : 0.0; }
  bool operator==(const StemFormat&) const = default;
};

// The rate most stems share (ties: the higher rate): what every stem is mixed at.
int session_rate(const std::vector<StemFormat>& stems);

// lossy_format, low_bit_depth.
std::vector<Problem> format_problems(const StemFormat& s);
// clipping, silent, clicks_only, dc_offset, dual_mono, channels_out_of_phase, one_sided.
std::vector<Problem> signal_problems(const StemFormat& s, const StemFeatures& f);
// Isolated absurd samples in a float stem (a corrupt export: one sample at +60 dBFS in a part
// that peaks at -6 dBFS), from the peaks of its blocks of equal length: the level above which
// a sample is such a spike, or 0 when there is none. A spike stands above
// kSpikeMarginDb over the larger of full scale and the stem's loud blocks (the 99th
// percentile of the block peaks), so at most 1 % of the blocks hold one; a float file written
// at integer scale (peaks of 30000 throughout) has none. Read as silence
// (io::AudioReader::set_spike_ceiling), such samples would otherwise set the stem's loudness
// (one 400 ms block outweighs the song) and the mix's peak.
inline constexpr double kSpikeMarginDb = 24.0;
float spike_ceiling(std::vector<float> block_peaks);
// What a file's first pass found: the level its spikes lie above (0: none) and the highest.
struct Spikes {
  float ceiling = 0.0f, peak = 0.0f;
};
// The block peaks of a float file's first pass (every reader of a whole file scans the same
// way: check, master, analyze, translate), and the spikes they show.
class SpikeScan {
public:
  void add(const ConstAudioView& block);  // one block: its peak over its channels
  Spikes found() const;
private:
  std::vector<float> peaks_;
};
// "N isolated samples up to +X dBFS, more than 24 dB over ...": `count` such samples, the
// highest at `peak` (linear), in the words every spike_samples problem uses.
std::string spike_words(std::int64_t count, float peak);
// The spike_samples problem: "`subject` holds N isolated samples ...: read as silence, so
// `consequence` without them".
Problem spike_problem_of(const std::string& subject, const std::string& consequence, std::int64_t count, float peak);
// A stem's: read as silence.
Problem spike_problem(const std::string& stem, std::int64_t count, float peak);

// sample_rate_mismatch against the session rate.
std::vector<Problem> rate_problems(const std::vector<StemFormat>& stems);
// length_mismatch: stems shorter than the session by more than a tolerance (10 ms; 60 ms for
// lossy files, whose codecs pad). `sound_end_s` (one per stem, StemFeatures::sound_end_s; empty:
// every stem sounds to its end) tells a stem that is longer only by silence after its last sound
// (an export's end marker left far out): that stem is named, with its silence, and the session
// is as long as the stems whose sound reaches their end, so they are not called short.
std::vector<Problem> length_problems(const std::vector<StemFormat>& stems, const std::vector<double>& sound_end_s = {});

// Two stems whose band-limited excerpts correlate at this or more carry the same source.
inline constexpr double kRelatedCorrelation = 0.5;

// Two stems that carry the same source.
struct Relation {
  std::size_t a = 0, b = 0;
  std::string kind;        // "duplicate", "polarity" (opposite), "correlated" (same polarity)
  double r = 0.0;          // correlation at the best lag
  double lag_s = 0.0;      // b relative to a (positive: b later)
  double gain_db = 0.0;    // level of b relative to a (duplicates)
  bool operator==(const Relation&) const = default;
  std::size_t later() const { return lag_s > 0 ? b : a; }
  std::size_t earlier() const { return lag_s > 0 ? a : b; }
};
// Compares every pair of analysed stems (null entries are skipped; stems at different rates
// are not compared).
std::vector<Relation> find_relations(const std::vector<const StemFeatures*>& features);
// Of a duplicate pair (stems r.a and r.b, named a and b), the copy: the one whose name alone
// says so ("copy", "dup", "(1)"), else the quieter (the louder is the likelier original), else
// the later. A mix leaves the copy out (summed, the two would double the part, or cancel it
// when one is inverted).
std::size_t duplicate_copy(const Relation& r, const std::string& a, const std::string& b);
// Two mics on one source (kick in and out, snare top and bottom, bass DI and amp) arrive a
// little apart in time: summed, the later one comb-filters the earlier, thinning the sound
// (at 1 ms the first notch sits at 500 Hz). A mix engineer nudges the later one into line. A
// relation is aligned when its correlation at the best lag is kAlignCorrelation or more (the
// corpus's two different snare samples layered correlate 0.58; two mics on one drum 0.8 and
// over), the lag at least one sample and within the search (10 ms, the distance sound travels
// from a close mic to one 3.4 m away), and it is not the same audio shifted (a correlation of
// kShiftedCopyCorrelation or more: that is a copy, which aligned would only double the part).
inline constexpr double kAlignCorrelation = 0.7;
inline constexpr double kShiftedCopyCorrelation = 0.995;
struct Alignment {
  std::size_t stem = 0;        // the later stem, moved earlier
  std::size_t to = 0;          // the stem it is lined up with
  double advance_s = 0.0;      // how far earlier it is moved
  double r = 0.0;              // the relation's correlation
};
// The alignments of `relations` at `sample_rate`: strongest first, each stem moved at most
// once, and a stem another is lined up with is not moved itself.
std::vector<Alignment> alignments(const std::vector<Relation>& relations, int sample_rate);
// duplicate, polarity, time_offset (an aligned pair), delayed_copy (the same audio played again
// a few ms later: a doubling effect that comb-filters in mono).
std::vector<Problem> relation_problems(const std::vector<StemFormat>& stems,
                                       const std::vector<Relation>& relations);

// A stem that is (nearly) a mix of the others: the song's bounce exported among its stems,
// whatever its name. Its band-limited excerpts are fitted, by least squares, as the other
// stems' excerpts each at its own gain (a mix at any balance, a part inverted or not); it is a
// bounce when that fit explains it to a correlation of kBounceCorrelation or more, with at
// least kBounceMinParts distinct sources among the others in it at kBouncePartShare of its
// energy or more (others related to each other, kRelatedCorrelation, are one source). Parts
// are independent: in the corpus no stem fits the others better than 0.21, while a bounce of
// the stems (the author's own mix of two of its songs, against the dry stems) fits at 1.00;
// two mics on one source (kick in and out) are one part, not a mix, and stay stems.
// A part is the bounce minus the other parts, a fit just as exact: but there the fitted parts
// cancel (their energies add up to many times the part's), where a mix's parts add up to it
// (the energies' sum over the fit's: 1.00 for an exact bounce of independent parts, 0.92 and
// 0.99 for the corpus authors' mixes). A fit over kBounceMaxCancellation is no mix; of the fits
// that pass, the one whose parts cancel least is the bounce.
// The fit is judged on the half of the excerpts it was not fitted on (alternate windows), so
// that many stems bent to one stem's samples (200 sines over a second and a half) are no mix.
// Found one at a time, that best first and then left out of the others' fits: a second bounce
// is found as well, and no part is taken for a mix of the bounce and the rest.
inline constexpr double kBounceCorrelation = 0.95;
inline constexpr std::size_t kBounceMinParts = 2;
inline constexpr double kBouncePartShare = 0.01;
inline constexpr double kBounceMaxCancellation = 2.0;
struct Bounce {
  std::size_t index = 0;            // into the features
  double r = 0.0;                   // correlation of the stem with its fit (held-out half)
  std::vector<std::size_t> parts;   // the others the fit holds (kBouncePartShare)
  std::size_t others = 0;           // the stems it was fitted with
  double cancellation = 0.0;        // the fitted parts' energies over the fit's (1: they add)
  bool operator==(const Bounce&) const = default;
};
// Null entries (stems left out) and silent stems take no part.
std::vector<Bounce> find_bounces(const std::vector<const StemFeatures*>& features);
// not_a_stem for a stem found to be a bounce of the stems `part_names` (b.parts' names): said,
// with the correlation, and left out.
Problem bounce_problem(const std::string& stem, const Bounce& b, const std::vector<std::string>& part_names);

// unlabeled / role_mismatch / not_a_stem / printed_return, from what the name and sound say.
std::vector<Problem> name_problems(const std::string& file, const NameInfo& name,
                                   const std::optional<ContentRole>& heard);

// "1:23.4" for messages.
std::string format_clock(double seconds);

}  // namespace mixdown::analysis
