// Audio files through libsndfile (codecs) and libsoxr (resampling). Everything streams in
// blocks: nothing here needs a whole file in memory. Readers deinterleave into planar views;
// writers dither whenever the word length is reduced and write under a temporary name that
// commit() renames into place, so an interrupted run never leaves a truncated file under a
// final name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/audio_buffer.hpp"

namespace mixdown::io {

struct AudioInfo {
  std::string path;
  int sample_rate = 0;
  int channels = 0;
  std::int64_t frames = 0;
  std::string container;   // "WAV", "FLAC", "OGG", "MP3", ...
  std::string encoding;    // "PCM_24", "FLOAT", "VORBIS", ...
  int bit_depth = 0;       // 8/16/24/32 for PCM, 32/64 for float, 0 for lossy codecs
  bool is_float = false;
  bool lossy = false;
  double duration_s() const { return sample_rate > 0 ? double(frames) / sample_rate : 0.0; }
};

// Probes a file without decoding it. Throws Error(rejected) naming the file when it is not
// readable audio.
AudioInfo probe(const std::filesystem::path& path);

// Whether a path has an audio extension we read (wav, aif(f), flac, ogg, oga, opus, mp3, w64, caf).
bool has_audio_extension(const std::filesystem::path& path);
// A file a stem folder's listing takes for a stem: an audio extension (readable or not: an M4A is
// a stem the check then refuses, never "not audio"), or content libsndfile recognises.
bool looks_like_audio(const std::filesystem::path& path);

class AudioReader {
public:
  explicit AudioReader(const std::filesystem::path& path);
  ~AudioReader();
  AudioReader(AudioReader&&) noexcept;
  AudioReader& operator=(AudioReader&&) noexcept;

  const AudioInfo& info() const noexcept;
  // Reads up to out.num_frames() frames into out (which must have info().channels channels).
  // Returns the frames read; 0 at the end. NaN/Inf samples are replaced by 0 and counted.
  std::size_t read(const AudioView& out);
  void rewind();
  // Jumps to `frame` where that is exact (uncompressed PCM and FLAC); false (position
  // unchanged) for lossy codecs, whose seeking libsndfile does not promise sample-accurate.
  bool seek(std::int64_t frame);
  std::int64_t nonfinite_samples() const noexcept;
  // Float files only: samples whose magnitude exceeds `level` (linear, > 0) read as silence
  // and are counted (spike_samples), as NaN/Inf are. The check sets it for a stem whose few
  // absurd samples stand far above everything else in it (analysis::spike_ceiling); 0: off.
  void set_spike_ceiling(float level) noexcept;
  std::int64_t spike_samples() const noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A reader that delivers audio at a chosen sample rate (soxr, very high quality) with the
// file's own channel count. Latency of the resampler is compensated: frame 0 out is time 0 in.
class ResamplingReader {
public:
  ResamplingReader(const std::filesystem::path& path, int target_rate);
  ~ResamplingReader();
  ResamplingReader(ResamplingReader&&) noexcept;
  ResamplingReader& operator=(ResamplingReader&&) noexcept;

  const AudioInfo& info() const noexcept;  // the file's own format
  int sample_rate() const noexcept;         // the delivered rate
  std::int64_t frames() const noexcept;     // length at the delivered rate
  std::size_t read(const AudioView& out);   // returns 0 at the end
  void rewind();
  // Jumps to `frame` (at the delivered rate) when no resampling runs and the reader can seek
  // exactly (AudioReader::seek); false, position unchanged, otherwise.
  bool seek(std::int64_t frame);
  // AudioReader::set_spike_ceiling, applied before resampling.
  void set_spike_ceiling(float level) noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Resamples a whole planar buffer (for short signals: previews, tests).
AudioBuffer resample(const ConstAudioView& in, int in_rate, int out_rate);

enum class SampleFormat { wav16, wav24, wav_float, flac16, flac24, mp3, opus, vorbis };

// What a file says of itself (WAV: its LIST INFO chunk; FLAC and Ogg: their comments), each
// written when not empty; a player or a tagger shows them. An ISRC has no field of its own in a
// WAV's INFO chunk (its "ISRC" is the source's name, by an older meaning), so it goes in the
// comment.
struct FileTags {
  std::string title, artist, album, track_number, comment;
};

struct WriteSpec {
  int sample_rate = 48000;
  int channels = 2;
  SampleFormat format = SampleFormat::wav24;
  bool noise_shaping = false;             // for 16-bit
  std::uint64_t dither_seed = 0x6D69786Full;  // fixed: outputs are bit-identical run to run
  double lossy_quality = 0.6;             // 0..1 for mp3/opus/vorbis (libsndfile's scale inverted)
  // Written through the page cache rather than around it (see direct_file.hpp), for two kinds
  // of file: one this run reads again soon (a mix that is then analysed and mastered), which the
  // read then finds in memory instead of on the device; and the few outputs of a master (its
  // masters and previews, a few hundred MB), whose copy into the cache costs less than the run
  // would wait for the device to take them at its end. A `mix`'s versions and printed stems
  // (GBs, where the cache's fresh pages cost more than the device's wait) stay direct.
  bool cached = false;
  // The dither's frame index of the file's first frame: a file that is a slice of a longer
  // stream (an album's track) written from frame N of it gets, with N here, the very noise and
  // so the very integers the whole stream's file holds there (without noise shaping, whose
  // error feedback depends on what came before).
  std::int64_t dither_frame0 = 0;
  FileTags tags = {};
};

// Writes to "<dir>/.<name>.partial" and renames to the final path on commit(). The destructor
// of an uncommitted writer removes the temporary file. Non-finite samples are written as 0 and
// samples beyond full scale are clamped; both are counted so callers can report them.
class AudioWriter {
public:
  AudioWriter(const std::filesystem::path& path, const WriteSpec& spec);
  ~AudioWriter();
  AudioWriter(AudioWriter&&) noexcept;
  AudioWriter& operator=(AudioWriter&&) noexcept;

  void write(const ConstAudioView& block);
  // Moves the finished file into place atomically: readers see the old file or the new one,
  // never neither nor a part. A file already at the destination is exchanged with the new one
  // (renameat2 RENAME_EXCHANGE) and then removed, rather than replaced by rename(): ext4
  // (auto_da_alloc) writes the new file's delayed blocks back inside a rename that replaces a
  // file, 10-30 ms for a 4-minute master on a 2-core machine, which the exchange does not.
  // Plain rename where there is nothing to replace, the destination is not a regular file,
  // or the file system cannot exchange.
  void commit();
  // Completes the file under its temporary name without moving it into place (commit() then
  // only moves it): a file that is read and checked before it is delivered, and that may yet be
  // discarded (a master whose decode would clip is landed again), is never seen under its final
  // name. temporary_path() names it meanwhile.
  void finish();
  const std::filesystem::path& temporary_path() const noexcept;
  std::int64_t frames_written() const noexcept;
  std::int64_t clipped_samples() const noexcept;
  std::int64_t nonfinite_samples() const noexcept;
  // The largest finite magnitude given to write(), before clamping (integer formats only:
  // 0 for float and lossy outputs).
  float peak() const noexcept;
  // The block the last write() was given, as the file holds it and a read of the file gives
  // it back (after the word-length reduction and clamping: the same floats AudioReader reads),
  // into `into` (the writer's channels, the block's frames). Lossless formats only.
  void copy_last_block(const AudioView& into) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience: write a whole buffer.
void write_file(const std::filesystem::path& path, const ConstAudioView& audio, const WriteSpec& spec);
// Convenience for tests and short files: read a whole file.
AudioBuffer read_file(const std::filesystem::path& path, int* sample_rate = nullptr);

// Frames [first, last) of `r` (all its channels), whose read position is `pos` (<= first;
// updated): reached by seeking where the reader seeks exactly, else by reading on. Frames past
// the file's end stay zero.
AudioBuffer read_range(AudioReader& r, std::int64_t& pos, std::int64_t first, std::int64_t last);

// Text outputs (JSON, TOML, HTML, Markdown) written atomically the same way.
void write_text_atomic(const std::filesystem::path& path, const std::string& text);

// Creates an output folder (and its parents); a failure is Error(failed) in one line naming
// `report_as` (default: the folder) and why, e.g. "cannot create the output folder: Not a
// directory" when a file stands where a folder should be.
void create_output_dir(const std::filesystem::path& dir, const std::filesystem::path& report_as = {});

// The input `path` is the same file as (an existing file reached by another path, a link,
// counts), or nullptr.
const std::filesystem::path* input_at(const std::filesystem::path& path, const std::vector<std::filesystem::path>& inputs);
// Inputs are never overwritten: a usage error naming `output` when it is the same file as one
// of `inputs` (an existing file reached by another path, a link, counts). Called before any
// work, for every path a command would write.
void refuse_overwriting_input(const std::filesystem::path& output, const std::vector<std::filesystem::path>& inputs);
// --json PATH, before any work (a usage error, exit 2): not a folder, and not one of the files
// the run writes (`translate --json OUT/phone.wav` had replaced the phone's simulation with the
// JSON). Empty and "-" (standard output) pass.
void check_json_path(const std::filesystem::path& json, const std::vector<std::filesystem::path>& outputs);
// An input file given on the command line exists: else a rejection naming it, with the system's
// reason where there is one besides its absence (a loop of symbolic links, no permission).
void require_input(const std::filesystem::path& path);
// The same for every file a run writes into `folders` (whose names are only known later, e.g.
// one per stem): refused when an input lies directly in one of them.
void refuse_inputs_in(const std::vector<std::filesystem::path>& folders, const std::vector<std::filesystem::path>& inputs);

// A run killed with SIGKILL cannot remove its hidden temporaries (".NAME.partial-PID"). Each
// command that writes into a folder first removes, anywhere under `dir`, those whose PID is no
// longer a running process (a concurrent run's temporaries are left alone). Returns how many.
int sweep_stale_partials(const std::filesystem::path& dir);

// An earlier run's report.json and report.html in `dir` describe files this run is about to
// replace: they are removed before the first of them is, so a run stopped half-way leaves no
// report that vouches for audio it does not describe (the new files beside the old ones say
// nothing; the finished run writes its own report). Called after every refusal that comes
// before the outputs, so a refused run loses nothing.
void retire_reports(const std::filesystem::path& dir);

}  // namespace mixdown::io
