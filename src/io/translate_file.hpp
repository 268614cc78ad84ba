// `translate` on a file, streaming: one read of the input drives every playback model
// (analysis/translation.hpp) block by block, writing OUT/<system>.wav for each and measuring
// each as played; the same read feeds a lossy encode (MP3 through libsndfile/LAME at a typical
// streaming/Bluetooth quality) that a second, decoding read turns into OUT/bluetooth.wav and
// the codec-clipping measurement. The simulations are 32-bit float WAV: a device playing a
// quiet master louder may push its peaks past full scale, and the file keeps them rather than
// clipping what the device would not. Memory is a few blocks and fixed measurement state.
//
// The lead's balance (vocal_to_rest_db) needs the lead apart from the rest: a plain stereo
// mix cannot honestly be separated, so it is measured only when the caller hands over the
// mix's acapella and instrumental (the `mix` command has them).
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "analysis/translation.hpp"
#include "core/worker_pool.hpp"

namespace mixdown::io {

// TranslateRequest::lane_excerpts: how many, how long, the unmeasured run-in before each, and
// the song length from which they apply (shorter songs play whole). Ten of 3 s after 0.5 s
// (the lanes' filters and limiters settle within a tenth of that) measure as closely as eight
// of 6 s after 1 s did, against the lanes played in full on three 1.5-4 minute masters
// (loudness within 0.2-0.7 LU either way, the sampling's spread), at five eighths of the
// frames played.
inline constexpr int kLaneExcerpts = 10;
inline constexpr double kLaneExcerptS = 3.0, kLaneRunInS = 0.5, kExcerptsFromS = 90.0;
// The codec round trips' quality (AudioWriter's lossy_quality): LAME VBR around 190 kb/s, the
// order of what Bluetooth AAC and streaming services deliver. master's lossy check encodes at
// it too, so its passage is the Bluetooth lane's loudest one, encoded once for both.
inline constexpr double kCodecQuality = 0.6;
// The codec's passages: a 3 s window of the song with this much either side, the encoder's
// context (LAME's look-ahead and delay are 1105 samples, 23 ms at 48 kHz; 0.2 s is eight of
// its 1152-sample frames, in which its bit reservoir fills). The peak is read over the whole
// decoded passage. Half a second either side, as before, encoded 18 % more audio for the same
// windows, and the MP3 encoder was the largest single cost of a master (perf: 12 % of its CPU).
inline constexpr double kCodecMarginS = 0.2;
// The passage around the 3 s window (a short-term loudness block) that ends at end_s:
// [first, second) in seconds, kCodecMarginS either side, within the song. The Bluetooth lane and
// master's lossy check both take theirs from here, so they encode the same passage.
inline std::pair<double, double> codec_passage(double end_s, double duration_s) noexcept {
  return {std::max(0.0, end_s - 3.0 - kCodecMarginS), std::min(duration_s, end_s + kCodecMarginS)};
}

// The Bluetooth lane's round trip of the loudest passage (the 3 s window of highest
// short-term loudness, kCodecMarginS either side), its decode measured for master's lossy
// check (io::LossyCheck), which would encode the same passage at the same quality.
struct HottestPassage {
  bool done = false;
  double start_s = 0.0, length_s = 0.0;
  double decoded_true_peak = 0.0;    // linear
  double decoded_sample_peak = 0.0;  // linear
};

// Every playback system plays two channels: a stereo file's first two (more are not played),
// a mono file's one on both, as a player sends it to both speakers. Played so, a mono file is
// 3 dB louder than its own (one-channel) BS.1770 loudness: the devices' drive gains and the
// input's figures are the pair's, and a mono file reads as its dual-mono copy does.
inline constexpr int kPlayedChannels = 2;
inline double played_gain_db(int channels) noexcept { return channels == 1 ? 10.0 * std::log10(2.0) : 0.0; }
// The pair a block is played as: its first two channels, or its one channel twice.
struct PlayedPair {
  const float* ch[kPlayedChannels];
  explicit PlayedPair(const ConstAudioView& v) : ch{v.channel(0), v.channel(std::min(1, v.num_channels() - 1))} {}
  ConstAudioView view(std::size_t frames) const { return ConstAudioView(ch, kPlayedChannels, frames); }
};

struct TranslateRequest {
  std::filesystem::path input;
  std::filesystem::path out_dir;            // <system>.wav files go here
  std::optional<double> input_lufs;         // when known, saves the loudness pre-pass
  std::optional<std::filesystem::path> vocal, rest;  // acapella and instrumental
  bool write_files = true;
  // The Bluetooth lane's codec round trip over the whole file (true), or over its loudest
  // passage only (false): the codec clips first where the programme is hottest, and its level
  // and balance are the file's own (a codec at a streaming bitrate neither raises nor tilts
  // them), so the lane then reads the input's measurements with the decoded passage's peak.
  // Encoding a whole song costs more than everything else here together; `master`, whose
  // delivered file was already checked through a codec, uses the passage.
  bool codec_whole_file = true;
  // Without files (write_files false): the phone, earbuds, laptop, car and club lanes play
  // kLaneExcerpts excerpts spread evenly over a song longer than kExcerptsFromS rather than the
  // whole of it (each after a run-in that settles its filters and limiter, unmeasured). A
  // systematic sample of the song measures its level, balance and peaks as played to within a
  // few tenths of a dB at a seventh of the cost; the mono lane and the input itself are still
  // measured in full, so the checks that compare them (mono cancellation) see the same audio.
  bool lane_excerpts = false;
  std::string file_prefix;                  // relative path recorded in SystemMeasure::file
  int threads = 0;                          // 0 = all cores; outputs identical for any count
  std::function<void(double, const std::string&)> progress;
};

// Throws Error(rejected) naming the file when the input is unreadable or silent.
analysis::TranslationReport translate_file(const TranslateRequest& request);

// A file to translate that lies in a `mix` output folder (its mix.wav, or a master in its
// masters/; a revision's rev-N/ alike) has the lead and the rest beside it: that folder's
// versions/acapella.wav and instrumental.wav, set in `request` when both exist beside the
// folder's session.toml and mix.wav and run exactly as long as that mix.wav (the lead's
// balance of a finished stereo file is otherwise not measured). True when set.
bool find_lead_beside(TranslateRequest& request);

// How much of the full translation pass `translate_output` runs.
struct TranslateScope {
  bool write_files = true;       // OUT/translation/<system>.wav
  bool codec_whole_file = true;  // see TranslateRequest::codec_whole_file
  bool lane_excerpts = false;    // see TranslateRequest::lane_excerpts
};

// The translation pass `mix` and `master` run on their output folder: `file` (the first
// master, or the mix) at its measured loudness `lufs` (NaN: measured here), the simulations in
// OUT/translation/ (when scope.write_files), the lead from OUT/versions/acapella.wav against
// instrumental.wav when both exist.
analysis::TranslationReport translate_output(const std::filesystem::path& out_dir, const std::filesystem::path& file,
                                             double lufs, int threads,
                                             const std::function<void(double, const std::string&)>& progress = {},
                                             TranslateScope scope = {});

// The lead and the rest of a mix output folder read and measured (its versions/acapella.wav
// against versions/instrumental.wav), which the translation's lead balance needs: a read of
// two whole files of its own, so `mix` runs it beside the master rather than after it.
struct LeadReading {
  bool files = false;  // both versions exist
  std::optional<analysis::VocalBalance> balance;
  double versions_lufs = -std::numeric_limits<double>::infinity();  // lead + rest
};
LeadReading read_lead(const std::filesystem::path& out_dir);

// translate_output's measured-only pass (TranslateScope{false, false, true}) fed block by block
// from a stream the caller produces instead of from a file read: `master` plays its delivered
// stream into the lanes in the same pass that writes it, which saves a decode of the master
// and a pass of its own. The stream is `frames` long (for the excerpts' places) and measures
// `expected_lufs` (the devices' drive gains are set from it before any audio arrives: a master
// landed within 0.1 LU of its target plays 0.1 dB off the device levels at most).
class TranslationFeed {
public:
  // own_loudness false: the stream's loudness is measured by the caller and handed over with
  // set_loudness() instead of by a work item here; taken only of a stereo stream (a mono or
  // multichannel one is measured as played, by the feed itself: see takes_loudness()).
  TranslationFeed(int sample_rate, int channels, std::int64_t frames, double expected_lufs, bool own_loudness = true);
  ~TranslationFeed();
  TranslationFeed(const TranslationFeed&) = delete;
  TranslationFeed& operator=(const TranslationFeed&) = delete;

  // Independent work items per block: each item must see every block in order; different
  // items may run at the same time (and the result does not depend on how they are scheduled).
  std::size_t items() const noexcept;
  // What item k measures, for the stage times (core/block_pipeline): a lane's system, or the
  // stream's own loudness or spectrum.
  std::string item_name(std::size_t item) const;
  void add(std::size_t item, const ConstAudioView& block);
  // Whether the caller's meter stands in for the feed's own (own_loudness false, and a stereo
  // stream: a mono one is measured as played, on both channels, by the feed itself).
  bool takes_loudness() const noexcept;
  // The options a caller's meter needs to stand in for the feed's own (see own_loudness).
  analysis::LoudnessOptions loudness_options() const noexcept;
  void set_loudness(const analysis::LoudnessMeter& measured);
  // After the last block, once the stream is written to `file` (the codec round trip reads its
  // loudest passages from it): the report, as translate_output(out_dir, file, ...) with that
  // scope gives it.
  // With `hottest`, the loudest passage's decode is measured for it as well.
  // With `lead`, the lead's files were read already (read_lead of `out_dir`); else they are
  // read here.
  analysis::TranslationReport finish(const std::filesystem::path& file, const std::filesystem::path& out_dir,
                                     WorkerPool& pool, HottestPassage* hottest = nullptr, const LeadReading* lead = nullptr);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mixdown::io
