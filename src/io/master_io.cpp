#include "io/master_io.hpp"
#include "io/integrity.hpp"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "analysis/loudness.hpp"
#include "analysis/stem_check.hpp"
#include "analysis/true_peak.hpp"
#include "core/block_pipeline.hpp"
#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/worker_pool.hpp"
#include "core/units.hpp"
#include "dsp/limiter.hpp"
#include "io/audio_file.hpp"
#include "io/temp_registry.hpp"
#include "io/translate_file.hpp"
#include "master/chain.hpp"
#include "master/landing.hpp"
#include "master/qc.hpp"

namespace fs = std::filesystem;

namespace mixdown::io {

namespace {

constexpr std::size_t kBlock = 8192;
// Previews are listening copies: 24-bit (TPDF-dithered at -144 dBFS, far under any master's own
// noise floor) rather than 32-bit float, a quarter fewer bytes to write for the same sound;
// their level keeps every sample inside full scale (see master_file).
constexpr SampleFormat kPreviewFormat = SampleFormat::wav24;
// A master's own outputs (its masters and previews) go through the page cache (WriteSpec::
// cached): written around it, the run ended only once the device had taken them, and the
// landing pass waited on the preview's queued chunks (bench master: 0.49 -> 0.44 s; its
// previews' writer step blocked 0.03-0.12 s of the pass's 0.2 s while its CPU was 0.018 s).
WriteSpec cached_spec(int rate, int channels, SampleFormat format, bool noise_shaping = false) {
  WriteSpec w{rate, channels, format, noise_shaping};
  w.cached = true;
  return w;
}
// A reference match that costs the target is eased to half its strength at most this many times
// (50 %, then 25 % of the asked --amount).
constexpr int kMaxEasings = 2;
// The shortest reference a tonal match is made to (see master_file).
constexpr double kMinReferenceS = 5.0;

void report(const StageProgressFn& p, double f, const std::string& stage) {
  if (p) p(std::clamp(f, 0.0, 1.0), stage);
}

// The file at a chosen rate: decoded directly when the rate matches, through soxr otherwise.
class SourceReader {
public:
  // spike_ceiling: AudioReader::set_spike_ceiling (InputAnalysis::spike_ceiling).
  SourceReader(const fs::path& path, int rate, float spike_ceiling) {
    const AudioInfo info = probe(path);
    channels_ = info.channels;
    if (info.sample_rate == rate) plain_.emplace(path).set_spike_ceiling(spike_ceiling);
    else resampled_.emplace(path, rate).set_spike_ceiling(spike_ceiling);
  }
  std::size_t read(const AudioView& v) { return plain_ ? plain_->read(v) : resampled_->read(v); }
  int channels() const { return channels_; }
  bool resampling() const { return resampled_.has_value(); }

private:
  std::optional<AudioReader> plain_;
  std::optional<ResamplingReader> resampled_;
  int channels_ = 0;
};

// The intermediate between passes: planar float in memory when the expected length fits
// kMemoryTempBytes (a 4-minute stereo song at 48 kHz is 92 MB; writing and re-reading it
// through the page cache cost more than a third of a master's CPU time), else a raw
// interleaved float32 scratch file in OUT, removed on destruction and on SIGINT/SIGTERM
// through the temp registry. Longer files still stream with fixed memory.
constexpr std::int64_t kMemoryTempBytes = std::int64_t(256) << 20;
class FloatTemp {
public:
  // expect_frames: the length the caller expects to write (negative: unknown, use a file).
  FloatTemp(fs::path path, int channels, std::int64_t expect_frames = -1)
      : path_(std::move(path)), channels_(channels) {
    if (expect_frames >= 0 && expect_frames * channels * std::int64_t(sizeof(float)) <= kMemoryTempBytes) {
      in_memory_ = true;
      allocate(expect_frames);
      return;
    }
    file_ = std::fopen(path_.c_str(), "w+b");
    if (!file_) throw failed(path_.string(), "cannot create a temporary file");
    slot_ = register_temp(path_.string());
  }
  // A memory temp whose content is `frames` frames already in `planar` (one buffer per
  // channel, `frames` long), adopted without a copy.
  FloatTemp(std::vector<std::unique_ptr<float[]>> planar, int channels, std::int64_t frames)
      : channels_(channels), in_memory_(true), frames_(frames), cap_(frames), mem_(std::move(planar)) {}
  ~FloatTemp() {
    if (!file_) return;
    std::fclose(file_);
    std::error_code ec;
    fs::remove(path_, ec);
    unregister_temp(slot_);
  }
  FloatTemp(const FloatTemp&) = delete;
  FloatTemp& operator=(const FloatTemp&) = delete;

  void truncate() {
    frames_ = 0;
    pos_ = 0;
    if (in_memory_) return;  // the buffers are kept for the next content
    file_ = std::freopen(path_.c_str(), "w+b", file_);
    if (!file_) throw failed(path_.string(), "cannot rewrite a temporary file");
  }
  void write(const ConstAudioView& v) {
    const std::size_t n = v.num_frames();
    if (in_memory_) {
      const std::int64_t end = frames_ + static_cast<std::int64_t>(n);
      if (end > cap_) allocate(std::max(end, 2 * cap_));
      for (int c = 0; c < channels_; ++c) std::copy_n(v.channel(c), n, mem_[static_cast<std::size_t>(c)].get() + frames_);
      frames_ = end;
      return;
    }
    frames_ += static_cast<std::int64_t>(n);
    inter_.resize(n * static_cast<std::size_t>(channels_));
    for (int c = 0; c < channels_; ++c) {
      const float* x = v.channel(c);
      for (std::size_t i = 0; i < n; ++i) inter_[i * static_cast<std::size_t>(channels_) + static_cast<std::size_t>(c)] = x[i];
    }
    if (std::fwrite(inter_.data(), sizeof(float), inter_.size(), file_) != inter_.size())
      throw failed(path_.string(), "cannot write the temporary file (disk full?)");
  }
  void rewind() { seek(0); }
  void seek(std::int64_t frame) {
    pos_ = frame;
    if (in_memory_) return;
    std::fflush(file_);
    ::fseeko(file_, static_cast<off_t>(frame) * channels_ * static_cast<off_t>(sizeof(float)), SEEK_SET);
  }
  // Reads the next frames into v, each times `gain` (the same products as reading, then
  // AudioView::apply_gain, in one pass over the samples).
  std::size_t read(const AudioView& v, float gain = 1.0f) {
    if (in_memory_) {
      const auto got = static_cast<std::size_t>(std::clamp<std::int64_t>(frames_ - pos_, 0, static_cast<std::int64_t>(v.num_frames())));
      for (int c = 0; c < channels_; ++c) {
        const float* x = mem_[static_cast<std::size_t>(c)].get() + pos_;
        float* y = v.channel(c);
        if (gain == 1.0f) std::copy(x, x + got, y);
        else
          for (std::size_t i = 0; i < got; ++i) y[i] = x[i] * gain;
      }
      pos_ += static_cast<std::int64_t>(got);
      return got;
    }
    inter_.resize(v.num_frames() * static_cast<std::size_t>(channels_));
    const std::size_t got = std::fread(inter_.data(), sizeof(float) * static_cast<std::size_t>(channels_), v.num_frames(), file_);
    for (int c = 0; c < channels_; ++c) {
      float* x = v.channel(c);
      for (std::size_t i = 0; i < got; ++i) x[i] = inter_[i * static_cast<std::size_t>(channels_) + static_cast<std::size_t>(c)] * gain;
    }
    return got;
  }
  std::int64_t frames() const { return frames_; }

private:
  // Memory of `frames` frames per channel, the content so far kept; left uninitialised past
  // it (the writes are the pages' first touch).
  void allocate(std::int64_t frames) {
    std::vector<std::unique_ptr<float[]>> grown(static_cast<std::size_t>(channels_));
    for (std::size_t c = 0; c < grown.size(); ++c) {
      grown[c].reset(new float[static_cast<std::size_t>(std::max<std::int64_t>(frames, 1))]);
      if (frames_ > 0) std::copy_n(mem_[c].get(), frames_, grown[c].get());
    }
    mem_ = std::move(grown);
    cap_ = frames;
  }

  fs::path path_;
  int channels_;
  bool in_memory_ = false;
  std::FILE* file_ = nullptr;
  int slot_ = -1;
  std::int64_t frames_ = 0;
  std::int64_t pos_ = 0;  // memory: the read position
  std::int64_t cap_ = 0;  // memory: frames allocated per channel
  std::vector<float> inter_;
  std::vector<std::unique_ptr<float[]>> mem_;  // memory: planar samples (built here or adopted)
};


Measured measured_from(const analysis::LoudnessMeter& m) {
  Measured r;
  r.integrated_lufs = m.integrated_lufs();
  r.range_lu = m.range_lu();
  r.true_peak_dbtp = m.true_peak_dbtp();
  r.sample_peak_dbfs = m.sample_peak_dbfs();
  r.plr_db = r.true_peak_dbtp - r.integrated_lufs;
  r.short_term_max_lufs = m.short_term_max_lufs();
  return r;
}

Measured measured_from(const master::InputAnalysis& a) {
  return {a.integrated_lufs, a.range_lu, a.true_peak_dbtp, a.sample_peak_dbfs, a.plr_db, a.short_term_max_lufs};
}

SampleFormat format_for(const master::Target& t) {
  return t.bit_depth == 16 ? SampleFormat::wav16 : SampleFormat::wav24;
}

struct PassResult {
  double lufs = 0.0;
  double max_reduction_db = 0.0;
  double active_share = 0.0;
  Measured measured;                // with `deliver`: the stream as written
  analysis::LoudnessSeries short_term;
};

// What a pass that writes the delivery file also does: the delivered stream is measured in
// full (true peak, range, short-term series) as it is written, and its preview is written from
// the same samples. The measurement is of the samples before the writer's word-length
// reduction, whose +-1 LSB dither moves loudness and peaks by far less than 0.001 dB (the
// limiter keeps master::kCeilingMarginDb = 0.25 dB below the ceiling); reading the file back
// would repeat the whole pass's I/O and metering for nothing.
struct Delivery {
  AudioWriter* writer = nullptr;
  FloatTemp* keep = nullptr;
  AudioWriter* preview = nullptr;
  float preview_gain = 1.0f;
  TranslationFeed* translation = nullptr;  // plays the delivered stream on every system
};

// A pass as a three-step pipeline (core/block_pipeline): `produce` fills a block (the read and
// the part of the processing that depends on the input alone: the limiter's detector and hold),
// `finish` completes it (the serial step: the limiter's smoothing and delay) and each consumer
// (meters, writers) takes it on its own; each step takes the blocks in order and may run ahead
// of the next by up to kPipeSlots blocks. Every step sees the same blocks in the same order
// whatever the thread count, so the results are identical for any --threads. `produce` fills n
// frames (0 once it has nothing more); `finish` gives the frames of its block to consume as
// [offset, offset + length).
// With the limiter in one step, that step was the pass: the other core idled about half the
// time (perf, bench master); split, its serial part alone is the longest step. In lock-step
// rounds (block t made while t - 1 was finished and t - 2 consumed, every round waiting for its
// longest item) a fifth of the two cores' time went in waiting.
constexpr std::size_t kPipeBlock = kMasterBlockFrames;
constexpr std::size_t kPipeSlots = 4;
struct Consumer {
  std::string name;  // for the stage times (core/block_pipeline)
  std::function<void(const ConstAudioView&)> take;
};
struct PipeSlot {
  AudioBuffer buf;
  std::vector<float> aux;  // the block's own data between the steps (the limiter's held gains)
  std::size_t n = 0, off = 0, len = 0;
};
void run_pipelined(const std::string& name, WorkerPool& pool, int channels, const std::function<void(PipeSlot&)>& produce,
                   const std::function<void(PipeSlot&)>& finish, const std::vector<Consumer>& consumers) {
  std::vector<PipeSlot> slot;
  for (std::size_t i = 0; i < kPipeSlots; ++i) slot.push_back(PipeSlot{AudioBuffer(channels, kPipeBlock), std::vector<float>(kPipeBlock)});
  BlockPipeline pipe(kPipeSlots, name);
  const std::size_t made = pipe.source(
      [&](std::size_t t) {
        PipeSlot& b = slot[t % kPipeSlots];
        b.n = b.off = b.len = 0;
        produce(b);
        return b.n > 0;
      },
      "produce");
  const std::size_t fin = pipe.add([&](std::size_t t) { finish(slot[t % kPipeSlots]); }, {made}, "finish");
  for (const Consumer& c : consumers)
    pipe.add(
        [&](std::size_t t) {
          const PipeSlot& b = slot[t % kPipeSlots];
          if (b.len > 0) c.take(b.buf.view().sub(b.off, b.len));
        },
        {fin}, c.name);
  pipe.run(pool);
}

// One landing pass: temp -> gain -> limiter (latency removed) -> meter [-> delivery].
PassResult limit_pass(FloatTemp& src, int rate, int channels, double gain_db,
                      const dsp::LimiterSettings& ls, const Delivery* deliver, WorkerPool& pool, double trim_db = 0.0) {
  dsp::TruePeakLimiter lim(ls);
  lim.prepare({double(rate), channels, kPipeBlock});
  const bool full = deliver != nullptr;
  // The delivered stream's true peak is measured apart from its loudness, a work item of its own.
  // The translation's lanes take this meter's loudness of a stereo or mono stream (they play
  // the first two channels of more) rather than measuring it again.
  TranslationFeed* feed = deliver ? deliver->translation : nullptr;
  const bool shared = feed && feed->takes_loudness();
  analysis::LoudnessMeter meter(double(rate), channels, shared ? feed->loudness_options() : analysis::LoudnessOptions{false, full, false, 1, full});
  analysis::TruePeakMeter tp(channels, /*refine=*/true);  // the delivered stream, read as a DAC plays it
  AudioBuffer side(channels, kPipeBlock);
  const float gain = static_cast<float>(db_to_gain(gain_db));
  std::size_t skip = lim.latency_frames();
  std::size_t flush = lim.latency_frames();
  src.rewind();
  if (deliver && deliver->keep) deliver->keep->truncate();
  auto produce = [&](PipeSlot& b) {
    std::size_t n = src.read(b.buf.view(), gain);
    if (n == 0) {
      if (flush == 0) return;
      n = std::min(flush, kPipeBlock);
      b.buf.view(n).clear();
      flush -= n;
    }
    lim.analyse(b.buf.view(n), b.aux.data());
    b.n = n;
  };
  const float trim = static_cast<float>(db_to_gain(trim_db));
  auto finish = [&](PipeSlot& b) {
    lim.apply(b.buf.view(b.n), b.aux.data());
    if (trim != 1.0f) b.buf.view(b.n).apply_gain(trim);
    const std::size_t s = std::min(skip, b.n);
    skip -= s;
    b.off = s;
    b.len = b.n - s;
  };
  // The consumers in about descending order of their cost (the writers, which pack and copy
  // into the page cache, then the translation's lanes, its full-length spectrum and mono lane
  // being the larger, then the meters): of the stages ready, the pipeline prefers the one added
  // first, so the large ones start first. The order changes nothing else: each has its own
  // state and sees every block in turn.
  std::vector<Consumer> consumers;
  if (deliver)
    consumers.push_back({"writer", [&](const ConstAudioView& out) {
                           if (deliver->writer) deliver->writer->write(out);
                           if (deliver->keep) deliver->keep->write(out);
                         }});
  if (deliver && deliver->preview)
    consumers.push_back({"preview", [&](const ConstAudioView& out) {
                           const AudioView p = side.view(out.num_frames());
                           p.copy_from(out, deliver->preview_gain);
                           deliver->preview->write(p);
                         }});
  if (deliver && deliver->translation)
    for (std::size_t k = deliver->translation->items(); k-- > 0;)
      consumers.push_back({deliver->translation->item_name(k), [&, k](const ConstAudioView& out) { deliver->translation->add(k, out); }});
  consumers.push_back({"loudness", [&](const ConstAudioView& out) { meter.add(out); }});
  if (full) consumers.push_back({"true peak", [&](const ConstAudioView& out) { tp.add(out); }});
  run_pipelined(full ? "landing (delivered)" : "landing", pool, channels, produce, finish, consumers);
  if (shared) feed->set_loudness(meter);
  PassResult r;
  r.lufs = meter.integrated_lufs();
  r.max_reduction_db = lim.max_gain_reduction_db();
  r.active_share = lim.frames_processed() > 0 ? double(lim.frames_limited()) / double(lim.frames_processed()) : 0.0;
  if (full) {
    r.measured = measured_from(meter);
    r.measured.true_peak_dbtp = tp.max_peak() > 0 ? gain_to_db(tp.max_peak()) : kMinusInf;
    r.measured.plr_db = r.measured.true_peak_dbtp - r.measured.integrated_lufs;
    r.short_term = meter.short_term_series();
  }
  return r;
}

// How far past the farther probe the segments' estimate may reach before they are probed again.
constexpr double kProbeReachDb = 0.5;
// Each segment's run-in: four time constants of the limiter's 0.5 s "working hard" average
// (dsp/limiter.cpp), so a limiter working continuously has stretched its release as it has in
// the full pass. With 0.5 s a mix limited by 10 dB was estimated 0.1 LU too loud.
constexpr double kSegmentRunInS = 2.0;

// The limiter's loudness cost at two gains, estimated on every `stride`-th 3-second segment of
// the file (each after its run-in, so the limiter's state is as in a full pass): the loudness of
// the limited segments minus that of the same segments unlimited. Two gains give the secant's
// slope too; every 4th segment costs about 40 % of a full pass on each of two threads, and the
// first write pass then usually lands within tolerance.
std::array<double, 2> limiter_cost_on_segments(FloatTemp& src, int rate, int channels,
                                               const std::array<double, 2>& gains_db,
                                               const dsp::LimiterSettings& ls, WorkerPool& pool, int stride = 4) {
  const auto seg = static_cast<std::int64_t>(3 * rate), runin = static_cast<std::int64_t>(kSegmentRunInS * rate);
  // In blocks of kPipeBlock (a segment with its run-in is about five at 48 kHz); the limiters
  // and meters give the same results for any block size.
  std::array<dsp::TruePeakLimiter, 2> lim{dsp::TruePeakLimiter(ls), dsp::TruePeakLimiter(ls)};
  for (auto& l : lim) l.prepare({double(rate), channels, kPipeBlock});
  const auto lat = static_cast<std::int64_t>(lim[0].latency_frames());
  const analysis::LoudnessOptions opt{false, false, false, 1, false};  // integrated loudness only
  std::array<analysis::LoudnessMeter, 2> limited{analysis::LoudnessMeter(double(rate), channels, opt),
                                                 analysis::LoudnessMeter(double(rate), channels, opt)};
  analysis::LoudnessMeter plain(double(rate), channels, opt);  // at unit gain
  // The blocks to read: each segment's run-in, the segment and the limiters' latency after it.
  struct Block {
    std::int64_t pos, len;
    bool first;              // of its segment: the limiters start afresh
    std::int64_t i0, i1;     // unlimited reference: input frames in [a, a + seg)
    std::int64_t o0, o1;     // limited output frame k is input frame k - lat
  };
  std::vector<Block> blocks;
  for (std::int64_t a = 0; a + seg <= src.frames(); a += stride * seg) {
    const std::int64_t from = std::max<std::int64_t>(0, a - runin);
    const std::int64_t to = std::min(src.frames(), a + seg + lat);
    for (std::int64_t pos = from; pos < to; pos += std::int64_t(kPipeBlock)) {
      const std::int64_t n = std::min<std::int64_t>(kPipeBlock, to - pos);
      blocks.push_back({pos, n, pos == from, std::max(pos, a), std::min(pos + n, a + seg), std::max(pos, a + lat),
                        std::min(pos + n, a + seg + lat)});
    }
  }
  // As a pipeline (core/block_pipeline): the read, then the unlimited meter and the two
  // limiters with their meters, each stage on its own state.
  struct Slot {
    AudioBuffer buf;
    std::size_t n = 0;
  };
  std::vector<Slot> slot;
  for (std::size_t i = 0; i < kPipeSlots; ++i) slot.push_back(Slot{AudioBuffer(channels, kPipeBlock)});
  std::array<AudioBuffer, 2> work{AudioBuffer(channels, kPipeBlock), AudioBuffer(channels, kPipeBlock)};
  BlockPipeline pipe(kPipeSlots, "limiter probes");
  const std::size_t read = pipe.source(
      [&](std::size_t t) {
        if (t >= blocks.size()) return false;
        const Block& b = blocks[t];
        Slot& sl = slot[t % kPipeSlots];
        if (b.first) src.seek(b.pos);
        sl.n = src.read(sl.buf.view(static_cast<std::size_t>(b.len)));
        return true;
      },
      "read");
  for (std::size_t j = 0; j < 2; ++j)
    pipe.add(
        [&, j](std::size_t t) {
          const Block& b = blocks[t];
          const Slot& sl = slot[t % kPipeSlots];
          if (b.first) lim[j].reset();
          if (sl.n == 0) return;
          const AudioView v = work[j].view(sl.n);
          v.copy_from(sl.buf.view().sub(0, sl.n), static_cast<float>(db_to_gain(gains_db[j])));
          lim[j].process(v);
          const std::int64_t o1 = std::min(b.o1, b.pos + std::int64_t(sl.n));
          if (o1 > b.o0) limited[j].add(v.sub(static_cast<std::size_t>(b.o0 - b.pos), static_cast<std::size_t>(o1 - b.o0)));
        },
        {read}, fmt::format("limiter {:+.1f} dB and loudness", gains_db[j]));
  pipe.add(
      [&](std::size_t t) {
        const Block& b = blocks[t];
        const Slot& sl = slot[t % kPipeSlots];
        const std::int64_t i1 = std::min(b.i1, b.pos + std::int64_t(sl.n));
        if (i1 > b.i0) plain.add(sl.buf.view().sub(static_cast<std::size_t>(b.i0 - b.pos), static_cast<std::size_t>(i1 - b.i0)));
      },
      {read}, "unlimited loudness");
  pipe.run(pool);
  std::array<double, 2> cost{0.0, 0.0};
  const double p = plain.integrated_lufs();
  for (std::size_t k = 0; k < 2; ++k) {
    const double l = limited[k].integrated_lufs();
    cost[k] = std::isfinite(l) && std::isfinite(p) ? l - (p + gains_db[k]) : 0.0;
  }
  return cost;
}

// Reads a delivered file back and measures it as delivered.
Measured verify_file(const fs::path& file) {
  AudioReader r(file);
  analysis::LoudnessMeter meter(double(r.info().sample_rate), r.info().channels, {true, true, false, 1});
  AudioBuffer buf(r.info().channels, kBlock);
  while (const std::size_t n = r.read(buf.view())) meter.add(buf.view(n));
  return measured_from(meter);
}

void describe_decode(LossyCheck& lc, double ceiling_dbtp) {
  lc.note = lc.decoded_true_peak_dbtp > 0.0
                ? fmt::format("the MP3 decode peaks at {:+.2f} dBTP: it would clip", lc.decoded_true_peak_dbtp)
                : fmt::format("the MP3 decode peaks at {:.2f} dBTP ({:.2f} dB {} the {:.1f} dBTP ceiling): no clipping",
                              lc.decoded_true_peak_dbtp, std::abs(lc.decoded_true_peak_dbtp - ceiling_dbtp),
                              lc.decoded_true_peak_dbtp > ceiling_dbtp ? "above" : "under", ceiling_dbtp);
}

// The check from the translation's Bluetooth round trip of the same passage (the same encode
// lossy_check would make: see io::HottestPassage).
LossyCheck lossy_check_from(const HottestPassage& h, double ceiling_dbtp) {
  LossyCheck lc;
  lc.codec = "mp3";
  lc.quality = kCodecQuality;
  if (!h.done) {
    lc.note = "not checked: the codec round trip was not made";
    return lc;
  }
  lc.excerpt_start_s = h.start_s;
  lc.excerpt_s = h.length_s;
  lc.decoded_true_peak_dbtp = gain_to_db(h.decoded_true_peak);
  lc.decoded_sample_peak_dbfs = gain_to_db(h.decoded_sample_peak);
  lc.done = true;
  describe_decode(lc, ceiling_dbtp);
  return lc;
}

// Encodes the hottest passage of a master to MP3, decodes it and measures its peaks.
LossyCheck lossy_check(const fs::path& master_file, const fs::path& out_dir,
                       const analysis::LoudnessSeries& st, double ceiling_dbtp) {
  LossyCheck lc;
  lc.codec = "mp3";
  lc.quality = kCodecQuality;
  AudioReader r(master_file);
  const AudioInfo info = r.info();
  if (info.channels > 2) {
    lc.note = "not checked: MP3 carries at most two channels";
    return lc;
  }
  // The 3 s window of highest short-term loudness, kCodecMarginS either side.
  double end_s = info.duration_s();
  if (!st.lufs.empty()) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < st.lufs.size(); ++i)
      if (st.lufs[i] > st.lufs[best]) best = i;
    end_s = st.first_s + double(best) * st.step_s;
  }
  const auto [start_s, stop_s] = codec_passage(end_s, info.duration_s());
  lc.excerpt_start_s = start_s;
  lc.excerpt_s = stop_s - start_s;
  const auto first = static_cast<std::int64_t>(start_s * info.sample_rate);
  const auto last = static_cast<std::int64_t>(stop_s * info.sample_rate);
  // The excerpt is a few seconds: hold it in memory, at a rate MP3 carries (<= 48 kHz), read
  // from its start (a WAV master seeks exactly).
  std::int64_t pos = 0;
  AudioBuffer excerpt = read_range(r, pos, first, last);
  int enc_rate = info.sample_rate;
  if (enc_rate > 48000) {
    excerpt = resample(excerpt.view(), enc_rate, 48000);
    enc_rate = 48000;
  }
  const fs::path enc = out_dir / fmt::format(".lossy-check-{}.mp3", ::getpid());
  struct Registered {  // so a SIGINT/SIGTERM during the check removes it too
    int slot;
    ~Registered() { unregister_temp(slot); }
  } registered{register_temp(enc.string())};
  try {
    write_file(enc, excerpt.view(), WriteSpec{enc_rate, info.channels, SampleFormat::mp3, false, 0, lc.quality});
  } catch (const Error& e) {
    lc.note = std::string("not checked: the MP3 encoder refused this format (") + e.what() + ")";
    return lc;
  }
  try {
    AudioReader d(enc);
    analysis::TruePeakMeter tp(d.info().channels);
    AudioBuffer buf(d.info().channels, kBlock);
    double sp = 0;
    while (const std::size_t n = d.read(buf.view())) {
      tp.add(buf.view(n));
      for (int c = 0; c < d.info().channels; ++c)
        for (std::size_t i = 0; i < n; ++i) sp = std::max(sp, double(std::abs(buf.channel(c)[i])));
    }
    lc.decoded_true_peak_dbtp = gain_to_db(tp.max_peak());
    lc.decoded_sample_peak_dbfs = gain_to_db(sp);
    lc.done = true;
    describe_decode(lc, ceiling_dbtp);
  } catch (...) {
    std::error_code ec;
    fs::remove(enc, ec);
    throw;
  }
  std::error_code ec;
  fs::remove(enc, ec);
  return lc;
}

// A title as a file name that every file system takes (Windows and FAT refuse < > : " / \ | ? *
// and control characters, and a trailing dot or space).
// A title as a file name: the characters Windows and FAT refuse become _, and a long title is
// cut to kMaxNameBytes at a character boundary (file systems take 255 bytes a name; a
// 92-character Japanese title is 276, and the album failed after all its work). The full
// title stays in the report and the cue sheet.
constexpr std::size_t kMaxNameBytes = 120;
std::string safe_name(std::string s) {
  for (char& c : s)
    if (std::string_view("<>:\"/\\|?*").find(c) != std::string_view::npos || static_cast<unsigned char>(c) < 32) c = '_';
  if (s.size() > kMaxNameBytes) {
    std::size_t cut = kMaxNameBytes;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
    s.resize(cut);
  }
  while (!s.empty() && (s.back() == '.' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "track" : s;
}

// The input's preview, written on the side of a pre-render pass that reads the input at its
// own rate (saves a separate read of the input).
struct InputPreview {
  fs::path file;
  double gain_db = 0.0;
  bool done = false;
};

// Renders one master: chain → temp → landing loop → delivery file → verification
// [→ lossy check → re-landing]. `keep`, when given, receives the landed float output (album).
MasterOutcome render_master(const fs::path& input, const master::InputAnalysis& in,
                            const master::MasterChain& chain, const master::Target& target,
                            double target_lufs, const fs::path& out_file, const fs::path& out_dir,
                            const fs::path* preview, double preview_lufs, FloatTemp* keep,
                            const StageProgressFn& progress, double p0, double p1,
                            InputPreview* input_preview, WorkerPool& pool, bool noise_shaping = false,
                            bool translate = false, InputCache* cache = nullptr,
                            const std::function<const LeadReading&()>* lead = nullptr, bool deliver_errored = false) {
  MasterOutcome mo;
  // The lead's reading the caller made beside the master, if any (it may wait for it).
  const auto lead_reading = [&]() -> const LeadReading* { return lead && *lead ? &(*lead)() : nullptr; };
  mo.target = target;
  mo.target_lufs = target_lufs;
  mo.file = out_file;
  mo.chain = chain;
  mo.channels = in.channels;
  mo.sample_rate = master::delivery_rate(target, in.sample_rate);
  mo.bit_depth = target.bit_depth;
  mo.noise_shaped = noise_shaping && target.bit_depth == 16;
  mo.before = measured_from(in);
  const int rate = mo.sample_rate;
  const int ch = in.channels;
  auto prog = [&](double f, const std::string& s) { report(progress, p0 + (p1 - p0) * f, s); };

  // Pass 2: the chain at unit gain into the float temp file.
  prog(0.0, target.name + ": processing");
  const auto expect_frames = static_cast<std::int64_t>(std::ceil(double(in.frames) * rate / std::max(1, in.sample_rate))) + 64;
  // With the input cached at the delivery rate, the chain runs in place over it and it becomes
  // the temp; else the input is read again and the chain's output copied into a temp.
  const bool in_place = cache && !cache->planar.empty() && static_cast<int>(cache->planar.size()) == ch && in.sample_rate == rate;
  std::optional<FloatTemp> temp_holder;
  AudioView cached;
  if (in_place) {
    cached = cache->view();
    temp_holder.emplace(std::move(cache->planar), ch, cache->frames);
  } else {
    temp_holder.emplace(out_dir / fmt::format(".master-{}-{}.f32", safe_name(out_file.stem().string()), ::getpid()), ch, expect_frames);
  }
  FloatTemp& temp = *temp_holder;
  double pre_peak_db = kMinusInf;
  // The input's preview, moved into place beside the landing below: replacing an earlier run's
  // file waits on the file system (about 10 ms for a 4-minute file, its blocks freed), which the
  // landing's passes need not wait for. Joined (the jthread, declared after the writer, goes
  // first) before this function returns, and on any throw.
  std::optional<AudioWriter> ipw;
  std::exception_ptr ipw_error;
  std::jthread ipw_commit;
  const auto join_input_preview = [&] {
    if (ipw_commit.joinable()) ipw_commit.join();
    if (ipw_error) std::rethrow_exception(std::exchange(ipw_error, nullptr));
  };
  {
    std::optional<SourceReader> reader;
    if (!in_place) reader.emplace(input, rate, in.spike_ceiling);
    std::int64_t pos = 0;
    master::MasterChainProcessor proc(chain);
    proc.prepare({double(rate), ch, kPipeBlock});
    analysis::LoudnessMeter meter(double(rate), ch, {false, false, false, 1, false});  // integrated and sample peak
    if (input_preview && !input_preview->done && (in_place || !reader->resampling()))
      ipw.emplace(input_preview->file, cached_spec(rate, ch, kPreviewFormat));
    const float ipg = input_preview ? static_cast<float>(db_to_gain(input_preview->gain_db)) : 1.0f;
    // A pipeline (core/block_pipeline): block t is read and run through the chain's front half
    // (the source), then through the back half into the temp, and finished into the meter; its
    // input copy goes into the input's preview beside the back half. Each stage always does the
    // same work in the same order, so the result is the same for any thread count.
    struct Slot {
      AudioBuffer buf, raw;
      std::size_t n = 0;
      AudioView v = {};  // the block: in buf, or in the cached input
    };
    std::vector<Slot> slot;
    for (std::size_t i = 0; i < kPipeSlots; ++i)
      slot.push_back(Slot{AudioBuffer(in_place ? 0 : ch, in_place ? 0 : kPipeBlock), AudioBuffer(ipw ? ch : 0, ipw ? kPipeBlock : 0)});
    BlockPipeline pipe(kPipeSlots, "chain");
    const std::size_t front = pipe.source([&](std::size_t t) {
      Slot& cur = slot[t % kPipeSlots];
      if (in_place) {
        cur.n = static_cast<std::size_t>(std::min<std::int64_t>(kPipeBlock, temp.frames() - pos));
        cur.v = cached.sub(static_cast<std::size_t>(pos), cur.n);
        pos += static_cast<std::int64_t>(cur.n);
      } else {
        cur.n = reader->read(cur.buf.view());
        cur.v = cur.buf.view(cur.n);
      }
      if (cur.n == 0) return false;
      if (ipw) cur.raw.view(cur.n).copy_from(cur.v);
      proc.process_front(cur.v);
      return true;
    }, "read and front half");
    if (ipw)
      pipe.add(
          [&](std::size_t t) {
            Slot& b = slot[t % kPipeSlots];
            b.raw.view(b.n).apply_gain(ipg);
            ipw->write(b.raw.view(b.n));
          },
          {front}, "input preview");
    const std::size_t back = pipe.add(
        [&](std::size_t t) {
          const Slot& b = slot[t % kPipeSlots];
          proc.process_back(b.v);
          if (!in_place) temp.write(b.v);
        },
        {front}, "back half");
    pipe.add([&](std::size_t t) { meter.add(slot[t % kPipeSlots].v); }, {back}, "loudness");
    pipe.run(pool);
    if (ipw) {
      // Completed now, moved into place with the master (below): a run that fails or is
      // stopped before the master is delivered leaves an earlier run's input preview beside
      // that run's masters, not a new one (the finishing, a flush of 46 MB, on the side).
      ipw_commit = std::jthread([&] {
        try {
          ipw->finish();
        } catch (...) {
          ipw_error = std::current_exception();
        }
      });
    }
    mo.pre_limiter_lufs = meter.integrated_lufs();
    pre_peak_db = meter.sample_peak_dbfs();
  }
  if (!std::isfinite(mo.pre_limiter_lufs))
    throw rejected(input.string(), "nothing to master: the processed signal has no measurable loudness");

  dsp::LimiterSettings ls = chain.limiter;
  std::optional<TranslationFeed> feed;  // the accepted pass's, once the loop ends
  bool translated = false;              // feed finished beside the lossy check
  // The accepted pass's master and preview, complete under their temporary names: they are
  // checked there (true peak, the lossy decode, the translation read the master) and moved into
  // place only once nothing sends the master back to be landed again, so an interrupted run never
  // leaves a master over its ceiling under the final name.
  std::optional<AudioWriter> delivered, delivered_preview;
  const auto delivered_file = [&]() -> const fs::path& { return delivered ? delivered->temporary_path() : out_file; };
  const double first_ceiling = ls.ceiling_dbtp;  // the chain's, at kCeilingMarginDb
  // The last resort for a peak the limiter's 4x detector cannot hold (dense content near
  // Nyquist, such as a burst of clipped noise mastered to the cd's -12 LUFS: each lower limiter
  // ceiling was met by more gain into it, and the peak stayed where it was): the accepted pass
  // again at its gain, with the whole output turned down by the excess. The loudness falls by as
  // much (within kLandingLimitLu it is delivered, and said).
  std::optional<double> trim_at_gain;  // the gain of the pass turned down (mo.output_trim_db)
  for (int attempt = 0; attempt < 4; ++attempt) {
    // A master landed again replaces the one held (same temporary names: let go of it first).
    delivered.reset();
    delivered_preview.reset();
    // Landing loop: measure-only passes until the correction is small, then passes that write.
    std::vector<master::LandingTry> tries, probes;  // measured passes; estimates on segments
    double g = trim_at_gain ? *trim_at_gain : target_lufs - mo.pre_limiter_lufs;
    bool write_now = trim_at_gain || pre_peak_db + g < ls.ceiling_dbtp - 0.5;  // the limiter will hardly act
    if (!write_now && temp.frames() >= 30 * static_cast<std::int64_t>(rate)) {
      // Long files: estimate the limiter's cost on a quarter of the file instead of a full
      // measuring pass, and write from the first full pass.
      // The second gain where a limiter-free landing would put it plus a dB more: a limiter at
      // work costs loudness, so the landing usually lies between the two, where the line
      // through them is an interpolation. Half a dB apart (until session 23), the bench
      // reference master, CapDan with a reference and two drum-and-bass mixes with a reference
      // landed past the pair's reach and took a second look each; a dB apart, none of them did,
      // in as many writing passes, within 0.08 LU (from within 0.06 to 0.08).
      const std::array<double, 2> gains{g, g + 1.0};
      const auto cost = limiter_cost_on_segments(temp, rate, ch, gains, ls, pool);
      mo.limiter_cost_estimate_lu = cost[0];
      probes.push_back({gains[0], mo.pre_limiter_lufs + gains[0] + cost[0]});
      probes.push_back({gains[1], mo.pre_limiter_lufs + gains[1] + cost[1]});
      g = master::next_landing_gain(probes, target_lufs);
      // A limiter working hard costs more loudness with every dB it is pushed, faster than the
      // line through two probes says: a gain found far past them lands short
      // (by 0.3 LU on a mix limited 10 dB, which cost a second writing pass). The same segments
      // are probed again around it. The miss came from the secant's reach, not from the
      // sample: every 4th segment lands as well as every 2nd did (bench reference master
      // -0.056 against -0.079 LU, the 16-stem mix's -0.069 against -0.044, CapDan with a
      // reference -0.029 against -0.093, all in one pass) at half the cost of the second look.
      if (g > gains[1] + kProbeReachDb) {
        const std::array<double, 2> again{g, g + 0.25};
        const auto cost2 = limiter_cost_on_segments(temp, rate, ch, again, ls, pool);
        for (std::size_t k = 0; k < 2; ++k) probes.push_back({again[k], mo.pre_limiter_lufs + again[k] + cost2[k]});
        g = master::next_landing_gain(probes, target_lufs);
      }
      write_now = true;
    }
    bool accepted = false;
    PassResult last{};
    std::optional<AudioWriter> writer, preview_writer;
    for (int pass = 1; pass <= master::kMaxLandingPasses && !accepted; ++pass) {
      prog(0.1 + 0.6 * pass / master::kMaxLandingPasses, target.name + ": landing the loudness");
      if (pass == master::kMaxLandingPasses) {
        // Last chance: write the best gain found so far if it was within tolerance.
        const auto best = std::min_element(tries.begin(), tries.end(), [&](auto& a, auto& b) {
          return std::abs(a.lufs - target_lufs) < std::abs(b.lufs - target_lufs);
        });
        if (best != tries.end() && std::abs(best->lufs - target_lufs) <= master::kLandingToleranceLu) g = best->gain_db;
        write_now = true;
      }
      Delivery d;
      if (write_now) {
        writer.emplace(out_file, cached_spec(rate, ch, format_for(target), mo.noise_shaped));
        d.writer = &*writer;
        d.keep = keep;
        // The preview's gain assumes the pass lands on target; it is kept only within
        // kLandingAcceptLu of it (or the last pass's error, which the report shows).
        if (preview) {
          preview_writer.emplace(*preview, cached_spec(rate, ch, kPreviewFormat));
          d.preview = &*preview_writer;
          d.preview_gain = static_cast<float>(db_to_gain(preview_lufs - target_lufs));
        }
        if (translate) {
          feed.reset();
          feed.emplace(rate, ch, temp.frames(), target_lufs, /*own_loudness=*/false);  // it measures a non-stereo stream itself
          d.translation = &*feed;
        }
      }
      last = limit_pass(temp, rate, ch, g, ls, write_now ? &d : nullptr, pool, mo.output_trim_db);
      ++mo.passes;
      tries.push_back({g, last.lufs});
      const double err = last.lufs - target_lufs;
      if (write_now && (std::abs(err) <= master::kLandingAcceptLu || pass == master::kMaxLandingPasses || trim_at_gain)) {
        writer->finish();
        if (preview_writer) preview_writer->finish();
        delivered = std::move(writer);
        delivered_preview = std::move(preview_writer);
        accepted = true;
        mo.gain_db = g;
        mo.limiter_max_reduction_db = last.max_reduction_db;
        mo.limiter_active_share = last.active_share;
        break;
      }
      writer.reset();
      preview_writer.reset();
      if (!std::isfinite(last.lufs)) throw failed(input.string(), "the limited signal has no measurable loudness");
      g = master::next_landing_gain(tries, probes, target_lufs);
      write_now = std::abs(err) <= 1.5 || std::abs(err) <= master::kLandingAimLu * 4;
      // Out of reach: the last two passes show the limiter holding the loudness where it is
      // (under 0.05 LU more for each dB pushed into it) while it is still more than
      // kLandingLimitLu short. More gain only deepens the limiting (seen on a mono fold-down
      // of a bass-heavy mix matched to a reference: six passes from 30 to 58 dB into the
      // limiter, 0.04 LU louder in all), so the last chance comes next, at the gain that
      // reached that loudness first.
      if (tries.size() >= 2 && err < -master::kLandingLimitLu && pass < master::kMaxLandingPasses - 1) {
        const master::LandingTry& a = tries[tries.size() - 2];
        const master::LandingTry& b = tries.back();
        if (b.gain_db > a.gain_db && b.lufs - a.lufs < 0.05 * (b.gain_db - a.gain_db)) {
          pass = master::kMaxLandingPasses - 1;
          g = a.gain_db;
        }
      }
    }
    mo.limiter_ceiling_dbtp = ls.ceiling_dbtp;

    // The delivered stream was measured as it was written (see Delivery).
    mo.after = last.measured;
    const analysis::LoudnessSeries& st = last.short_term;
    if (preview) mo.preview = *preview;
    if (mo.after.true_peak_dbtp > target.ceiling_dbtp && attempt < 3) {
      const double excess = mo.after.true_peak_dbtp - target.ceiling_dbtp;
      if (attempt < 2) {
        ls.ceiling_dbtp -= excess + 0.05;
        continue;  // re-land under a lower limiter ceiling
      }
      trim_at_gain = mo.gain_db;
      mo.output_trim_db -= excess + 0.02;
      continue;  // the same pass, turned down
    }
    // Short of the aim with the limiter still at the chain's wide margin under the ceiling: the
    // loudness is held there by the limiter, and the narrow margin gives it 0.15 dB more room.
    // Only from that first ceiling: one already lowered for a peak over the ceiling or a lossy
    // decode's is never raised again (a master landed there would pass it once more).
    const double tight = target.ceiling_dbtp - master::kCeilingMarginTightDb;
    if (ls.ceiling_dbtp == first_ceiling && first_ceiling < tight &&
        mo.after.integrated_lufs < target_lufs - master::kLandingToleranceLu) {
      ls.ceiling_dbtp = tight;
      continue;
    }
    if (target.lossy_check && in.channels > 2) mo.lossy.note = "not checked: MP3 carries at most two channels";
    if (target.lossy_check && in.channels <= 2) {
      prog(0.9, target.name + ": checking a lossy encode");
      const double lowered = mo.lossy.ceiling_lowered_db;
      // With the translation, the check is its Bluetooth lane's round trip of the loudest
      // passage: the passage lossy_check would encode, at the same quality, so one encode
      // serves both (io::HottestPassage). The translation is kept unless the check sends the
      // master back to be landed again.
      if (feed) {
        prog(0.95, target.name + ": translation and a lossy encode");
        HottestPassage hottest;
        mo.translation = feed->finish(delivered_file(), out_dir, pool, &hottest, lead_reading());
        translated = true;
        mo.lossy = lossy_check_from(hottest, target.ceiling_dbtp);
      } else {
        mo.lossy = lossy_check(delivered_file(), out_dir, st, target.ceiling_dbtp);
      }
      mo.lossy.ceiling_lowered_db = lowered;
      if (mo.lossy.done && mo.lossy.decoded_true_peak_dbtp > 0.0 && attempt < 2) {
        mo.translation.reset();  // of a pass that is landed again
        translated = false;
        const double drop = mo.lossy.decoded_true_peak_dbtp + 0.1;
        ls.ceiling_dbtp -= drop;
        mo.lossy.ceiling_lowered_db += drop;
        continue;
      }
    }
    break;
  }
  if (feed && !translated) {
    prog(0.95, target.name + ": translation");
    mo.translation = feed->finish(delivered_file(), out_dir, pool, nullptr, lead_reading());
  }
  // What the limiter did, beside what was decided for it before the chain ran.
  for (auto& d : mo.chain.decisions)
    if (d.what == "limiter") d.reason += "; " + master::limiter_outcome(mo.limiter_max_reduction_db, mo.limiter_active_share);
  if (auto heavy = master::heavy_limiting(target, target_lufs, mo.limiter_max_reduction_db, mo.limiter_active_share))
    mo.problems.push_back(std::move(*heavy));
  const double err = mo.after.integrated_lufs - target_lufs;
  if (!(std::abs(err) <= master::kLandingLimitLu) && err > 0.0) {
    // Over, not short (the other branch): the limiter did not hold it there. On a short sound
    // that dies away, the BS.1770 gate takes a 400 ms block in or out as the gain moves by a
    // hair, and the loudness jumps past the target between two passes.
    mo.problems.push_back({"target_not_reached", Severity::error,
                           fmt::format("lands at {:.2f} LUFS, {:.2f} LU over its {:.1f} LUFS target: the landing passes "
                                       "could not settle between it and the next quieter reading (a short sound that dies "
                                       "away moves in and out of the loudness measure's gate as the gain changes)",
                                       mo.after.integrated_lufs, err, target_lufs),
                           "a longer file, or the sound with its tail, lands", std::nullopt, "", ""});
  } else if (!(std::abs(err) <= master::kLandingLimitLu)) {
    mo.problems.push_back({"target_not_reached", Severity::error,
                           fmt::format("cannot reach its {:.1f} LUFS target under the {:.1f} dBTP ceiling: with the limiter "
                                       "taking up to {:.0f} dB off the peaks the master measures {:.2f} LUFS (the input's peaks "
                                       "sit {:.1f} dB above its loudness, as an isolated drum or a click does; a full mix or a "
                                       "quieter target lands)",
                                       target_lufs, target.ceiling_dbtp, mo.limiter_max_reduction_db,
                                       mo.after.integrated_lufs, in.plr_db),
                           "", std::nullopt, "", ""});
  } else if (std::abs(err) > master::kLandingToleranceLu) {
    // Delivered (within the ±0.5 LU limit) but off the ±0.2 LU aim: said, not kept quiet. A
    // sustained part pushed hard into the limiter (a solo piano to a CD's -12 LUFS) turns
    // down as fast as it is pushed up.
    mo.problems.push_back({"target_off_aim", Severity::warning,
                           fmt::format("lands at {:.2f} LUFS, {:.2f} LU {} its {:.1f} LUFS target (aim ±{:.1f} LU): {}",
                                       mo.after.integrated_lufs, std::abs(err), err < 0 ? "under" : "over", target_lufs,
                                       master::kLandingToleranceLu,
                                       err < 0 ? fmt::format("the limiter, taking up to {:.0f} dB off the peaks, holds the "
                                                             "loudness there under the {:.1f} dBTP ceiling",
                                                             mo.limiter_max_reduction_db, target.ceiling_dbtp)
                                               : std::string("the landing passes ran out nearer than this")),
                           err < 0 ? "a quieter target, or compression in the mix, lands it on the aim" : "",
                           std::nullopt, "", ""});
  }
  if (mo.after.true_peak_dbtp > target.ceiling_dbtp) {
    mo.problems.push_back({"ceiling_exceeded", Severity::error,
                           fmt::format("the {} master peaks at {:.2f} dBTP, over its {:.1f} dBTP ceiling", target.name,
                                       mo.after.true_peak_dbtp, target.ceiling_dbtp),
                           "", std::nullopt, "", ""});
  }
  // Into place only when it is delivered: `master` and `mix` deliver no master with an error
  // (off its target, over its ceiling: io::missed_target), whose temporary then goes with its
  // writer; an album keeps its tracks whatever they say (deliver_errored).
  join_input_preview();
  if (deliver_errored ||
      std::none_of(mo.problems.begin(), mo.problems.end(), [](const Problem& p) { return p.severity == Severity::error; })) {
    if (delivered) delivered->commit();
    if (delivered_preview) delivered_preview->commit();
    if (ipw) {
      ipw->commit();
      input_preview->done = true;  // else a try made again (an eased match) or the pass after writes it
    }
  }
  prog(1.0, target.name + ": done");
  return mo;
}

std::string layout_words(int channels) {
  switch (channels) {
    case 1: return "mono: mastered as mono (one channel in, one channel out); width and mono-bass moves do not apply";
    case 2: return "stereo";
    case 6: return "5.1: mastered as 5.1 with BS.1770-4 surround weights (surrounds 1.41, LFE excluded); the "
                   "limiter is linked across all six channels; width and mono-bass moves are stereo-only and skipped";
    default: return fmt::format("{} channels: mastered with BS.1770-4 channel weights, limiter linked across channels", channels);
  }
}

// Within 10 dB of the BS.1770 gate a file is not mastered (see check_layout); master::kTooQuietLufs
// (-35) only warns.
constexpr double kUnmasterableLufs = analysis::kAbsoluteGateLufs + 10.0;

// A peak above this is something played, however quiet (a 24-bit file's dither lies near
// -140 dBFS).
constexpr double kQuietNotSilentDbfs = -120.0;

void check_layout(const fs::path& input, const master::InputAnalysis& a, const std::vector<master::Target>& targets) {
  if (a.silent()) {
    if (under_one_loudness_block(a.duration_s) && a.sample_peak_dbfs >= -90.0)
      throw rejected(input.string(), "too short to master: " + under_one_loudness_block_words(a.duration_s));
    // Only a DC offset: the constant is what makes the peak (music at -90 dBFS has a level
    // under -90 too, and its offset far under that).
    if (a.sample_peak_dbfs >= -90.0 && a.ac_rms_dbfs < -90.0 && gain_to_db(a.worst_dc()) > a.sample_peak_dbfs - 3.0)
      throw rejected(input.string(), "nothing to master: the file holds only a DC offset");
    // Music far under the gate (a mix exported at -90 dBFS) is too quiet, not silent.
    if (a.sample_peak_dbfs >= kQuietNotSilentDbfs)
      throw rejected(input.string(), "too quiet to master: " + under_the_gate_words(a.sample_peak_dbfs) + "; raise it before mastering");
    // A file of NaN or infinite samples reads as silence; it is damaged, not silent.
    if (a.nonfinite_samples > 0)
      throw rejected(input.string(),
                     fmt::format("damaged: it holds no sound, only NaN or infinite samples ({}) and silence; export "
                                 "the mix again", a.nonfinite_samples));
    throw rejected(input.string(), "nothing to master: the file is silent");
  }
  // Within 10 dB of the gate, the chain's filters could take the processed signal under it.
  if (a.integrated_lufs < kUnmasterableLufs)
    throw rejected(input.string(), fmt::format("too quiet to master: {:.1f} LUFS, within 10 dB of the -70 LUFS gate of BS.1770 "
                                               "under which loudness is not measured; raise it first (a mix for mastering "
                                               "sits around -30 to -10 LUFS)",
                                               a.integrated_lufs));
  for (const auto& t : targets)
    if (t.vinyl && a.channels > 2)
      throw rejected(input.string(), fmt::format("a {}-channel file cannot be cut to vinyl: give a stereo or mono mix", a.channels));
    else if (t.two_channels && a.channels > 2)
      throw rejected(input.string(), fmt::format("a {}-channel file cannot go on a CD, which carries two channels (Red Book): "
                                                 "give a stereo mix", a.channels));
    else if (t.vinyl && a.channels == 2 && master::as_flipped(a).low_correlation <= master::kOutOfPhaseBassCorrelation)
      throw rejected(input.string(),
                     fmt::format("cannot be cut to vinyl: its bass is out of phase between left and right (correlation {:.2f} "
                                 "below 150 Hz), which a cutter would cut as vertical groove motion, and made mono for the cut "
                                 "it would cancel; fix the bass's polarity in the mix",
                                 master::as_flipped(a).low_correlation));
}

}  // namespace

master::InputAnalysis analyze_for_master(const fs::path& file) { return analyze_for_master(file, 0); }

namespace {

// One file's analysis pass, a block at a time, as stages of a BlockPipeline: the read (the
// source) and, after it, kItems measurements each on its own: the rest (integrity, stereo sums,
// the low band's), the spectrum, the loudness and the true peak. Each stage sees the same
// blocks in the same order for any thread count. The read may run up to kPipeSlots blocks ahead of
// the slowest measurement (in lock-step rounds of one block each, a round waited for its
// longest item while the other core idled: 0.08 s of wall for 0.14 s of CPU on the bench's
// file).
// cache: when given, and the file fits kMemoryTempBytes, the decoded file is kept in it (else
// it is left empty); the blocks are read straight into it.
class AnalysisPass {
public:
  static constexpr std::size_t kItems = 4;

  // repair: the spikes a first pass found, read as silence in this one (the analysis says so);
  // none on a first pass, which scans a float file for them (spikes()).
  AnalysisPass(const fs::path& file, InputCache* cache, master::InputAnalyzer::Scope scope, analysis::Spikes repair = {})
      : r_(file), cache_(cache), repair_(repair) {
    reject_if_truncated(file, r_.info());  // issue 9: never master part of a damaged file
    r_.set_spike_ceiling(repair.ceiling);
    if (repair.ceiling == 0.0f && r_.info().is_float) scan_.emplace();
    const int ch = r_.info().channels;
    cap_ = r_.info().frames;
    caching_ = cache && cap_ > 0 && cap_ * ch * std::int64_t(sizeof(float)) <= kMemoryTempBytes;
    try {
      an_.emplace(r_.info().sample_rate, ch, scope);
    } catch (const Error& e) {
      throw rejected(file.string(), fmt::format("{} channels: no loudness weights for this layout (mono, stereo, 3.0, quad, 5.0 and 5.1 are supported)", ch));
    }
    if (caching_) {
      cache->allocate(ch, cap_);  // the reader's writes are the pages' first touch
      whole_ = cache->view();
    }
  }

  // Block t into its slot (or into the cache); false at the end of the file. The source stage.
  bool read_block(std::size_t t) {
    const std::size_t i = t % kPipeSlots;
    if (caching_ && pos_ < cap_) {
      at_[i] = whole_.sub(static_cast<std::size_t>(pos_), static_cast<std::size_t>(std::min<std::int64_t>(kPipeBlock, cap_ - pos_)));
      len_[i] = r_.read(at_[i]);
      pos_ += static_cast<std::int64_t>(len_[i]);
    } else {
      if (buf_[i].num_frames() == 0) buf_[i] = AudioBuffer(r_.info().channels, kPipeBlock);
      at_[i] = buf_[i].view();
      len_[i] = r_.read(at_[i]);
      if (len_[i] > 0) caching_ = false;  // longer than its header says: no cache
    }
    decoded_ += static_cast<std::int64_t>(len_[i]);
    if (scan_ && len_[i] > 0) scan_->add(at_[i].sub(0, len_[i]));
    return len_[i] > 0;
  }
  static std::string item_name(std::size_t k) {
    return k == 0 ? "rest" : k == 1 ? "spectrum" : k == 2 ? "loudness" : "true peak";
  }
  // Measurement k of block t (after its read), each k on its own state.
  void measure(std::size_t k, std::size_t t) {
    const std::size_t i = t % kPipeSlots;
    const ConstAudioView v = at_[i].sub(0, len_[i]);
    if (k == 0) an_->add_rest(v);
    else if (k == 1) an_->add_spectrum(v);
    else if (k == 2) an_->add_loudness(v);
    else an_->add_true_peak(v);
  }

  // After a first pass over a float file: the spikes it holds (ceiling 0: none), for a pass
  // that reads them as silence.
  analysis::Spikes spikes() const { return scan_ ? scan_->found() : analysis::Spikes{}; }

  master::InputAnalysis finish() {
    reject_if_decoded_short(r_.info().path, r_.info(), decoded_);  // issue 9, as at the start
    if (cache_ && (!caching_ || pos_ != cap_)) *cache_ = InputCache{};  // not the whole file: no cache
    master::InputAnalysis a = an_->finish();
    a.nonfinite_samples = r_.nonfinite_samples();  // the reader turned them into silence
    a.spike_ceiling = repair_.ceiling;
    a.spike_peak = repair_.peak;
    a.spike_samples = r_.spike_samples();
    return a;
  }

private:
  AudioReader r_;
  InputCache* cache_;
  std::int64_t cap_ = 0, pos_ = 0, decoded_ = 0;
  bool caching_ = false;
  AudioView whole_;
  std::optional<master::InputAnalyzer> an_;
  std::array<AudioBuffer, kPipeSlots> buf_;  // blocks that are not cached
  std::array<std::size_t, kPipeSlots> len_{};
  std::array<AudioView, kPipeSlots> at_;  // where each slot's block lies
  analysis::Spikes repair_;
  std::optional<analysis::SpikeScan> scan_;  // a float file's first pass
};

// A float file's first pass that found spikes (AnalysisPass::spike_ceiling) is made again with
// them read as silence; its analysis, and the cache, are the second pass's.
master::InputAnalysis analyze_on(const fs::path& file, WorkerPool& pool, InputCache* cache = nullptr) {
  analysis::Spikes repair;
  for (;;) {
    if (cache) *cache = InputCache{};
    AnalysisPass a(file, cache, master::InputAnalyzer::Scope::mix, repair);
    BlockPipeline pipe(kPipeSlots, "analysis");
    const std::size_t read = pipe.source([&a](std::size_t t) { return a.read_block(t); }, "read");
    for (std::size_t k = 0; k < AnalysisPass::kItems; ++k)
      pipe.add([&a, k](std::size_t t) { a.measure(k, t); }, {read}, AnalysisPass::item_name(k));
    pipe.run(pool);
    if (repair.ceiling == 0.0f && (repair = a.spikes()).ceiling > 0.0f) continue;
    return a.finish();
  }
}

// The mix and the reference analysed side by side, their blocks' items in one round each step
// so both cores stay busy whichever file is longer or costs more (the reference is measured only
// for what the match reads: InputAnalyzer::Scope::reference). An error in the mix is thrown; one
// in the reference is left in `ref_error` (the mix's own problems are reported first).
// Spikes (see analyze_on) in either file: both are read again, each with its own ceiling.
master::InputAnalysis analyze_with_reference(const fs::path& input, const fs::path& reference, WorkerPool& pool,
                                             InputCache* cache, master::InputAnalysis& ref_out, std::exception_ptr& ref_error,
                                             analysis::Spikes input_repair = {}, analysis::Spikes reference_repair = {}) {
  const bool again = input_repair.ceiling > 0.0f || reference_repair.ceiling > 0.0f;
  if (cache) *cache = InputCache{};
  AnalysisPass a(input, cache, master::InputAnalyzer::Scope::mix, input_repair);
  std::optional<AnalysisPass> b;
  try {
    b.emplace(reference, nullptr, master::InputAnalyzer::Scope::reference, reference_repair);
  } catch (...) {
    ref_error = std::current_exception();
  }
  // The reference's stages catch its error and stop its stream there (its read makes no more).
  std::atomic<bool> ref_failed{false};
  const auto guarded = [&](const std::function<void()>& f) {
    if (ref_failed) return;
    try {
      f();
    } catch (...) {
      if (!ref_failed.exchange(true)) ref_error = std::current_exception();
    }
  };
  {
    BlockPipeline pipe(kPipeSlots, "analysis of the mix and the reference");
    const std::size_t ra = pipe.source([&a](std::size_t t) { return a.read_block(t); }, "read");
    std::size_t rb = 0;
    if (b) {
      AnalysisPass& bp = *b;
      rb = pipe.source(
          [&](std::size_t t) {
            bool more = false;
            guarded([&] { more = bp.read_block(t); });
            return more;
          },
          "reference read");
    }
    for (std::size_t k = 0; k < AnalysisPass::kItems; ++k) {  // the two files' items interleaved
      pipe.add([&a, k](std::size_t t) { a.measure(k, t); }, {ra}, AnalysisPass::item_name(k));
      if (b) pipe.add([&, k](std::size_t t) { guarded([&] { b->measure(k, t); }); }, {rb}, "reference " + AnalysisPass::item_name(k));
    }
    pipe.run(pool);
  }
  if (ref_failed) b.reset();
  if (!again) {
    const analysis::Spikes ia = a.spikes(), ib = b ? b->spikes() : analysis::Spikes{};
    if (ia.ceiling > 0.0f || ib.ceiling > 0.0f) {
      ref_error = nullptr;
      return analyze_with_reference(input, reference, pool, cache, ref_out, ref_error, ia, ib);
    }
  }
  if (b) {
    try {
      ref_out = b->finish();  // a reference that ends early is refused here (reject_if_decoded_short)
    } catch (...) {
      ref_error = std::current_exception();
    }
  }
  return a.finish();
}

// `mono` as a two-channel float WAV of the same samples on both channels. A damaged file is
// refused as any input is (never master part of one); returns the samples that were not numbers
// (read as silence), which the copy no longer shows.
std::int64_t dual_mono_copy(const fs::path& mono, const fs::path& to) {
  AudioReader r(mono);
  reject_if_truncated(mono, r.info());
  AudioWriter w(to, WriteSpec{r.info().sample_rate, 2, SampleFormat::wav_float});
  AudioBuffer in(1, kBlock), out(2, kBlock);
  while (const std::size_t got = r.read(in.view())) {
    std::copy_n(in.channel(0), got, out.channel(0));
    std::copy_n(in.channel(0), got, out.channel(1));
    w.write(out.view(got));
  }
  w.commit();
  return r.nonfinite_samples();
}

}  // namespace

master::InputAnalysis analyze_for_master(const fs::path& file, int threads) {
  WorkerPool pool(threads);
  return analyze_on(file, pool);
}

MasterResult master_file(const fs::path& input, const fs::path& out_dir, const MasterRequest& req) {
  if (req.targets.empty()) throw usage_error("--target", "at least one target is needed");
  MasterResult res;
  res.input = input;
  report(req.progress, 0.0, "analysing");
  // The mix and the reference are read and analysed in lockstep (analyze_with_reference; an
  // error in the mix is reported first, as before).
  if (req.reference) {
    res.reference = req.reference;
    res.reference_analysis.emplace();
  }
  // One pool of threads serves every pass (each pass synchronises per block, and starting
  // threads per block cost more than some of the blocks' work).
  WorkerPool pool(req.threads);
  // One target at the input's own rate: its chain runs in place over the input as the
  // analysis decoded it (see InputCache).
  InputCache cache;
  InputCache* keep_input = nullptr;
  if (req.targets.size() == 1) {
    const AudioInfo info = probe(input);
    if (master::delivery_rate(req.targets[0], info.sample_rate) == info.sample_rate) keep_input = &cache;
  }
  std::exception_ptr ref_error;
  if (req.analysed && !req.reference) {
    res.analysis = std::move(req.analysed->analysis);
    if (keep_input && req.analysed->cache.frames > 0) cache = std::move(req.analysed->cache);
  } else if (!req.reference) res.analysis = analyze_on(input, pool, keep_input);
  else res.analysis = analyze_with_reference(input, *req.reference, pool, keep_input, *res.reference_analysis, ref_error);
  check_layout(input, res.analysis, req.targets);
  res.layout = layout_words(res.analysis.channels);
  if (ref_error) std::rethrow_exception(ref_error);
  if (req.reference && under_one_loudness_block(res.reference_analysis->duration_s))
    throw rejected(req.reference->string(),
                   "the reference is too short: " + under_one_loudness_block_words(res.reference_analysis->duration_s));
  if (req.reference && res.reference_analysis->silent())
    throw rejected(req.reference->string(), "the reference is silent");
  // As quiet as a file that is not mastered, its spectrum is mostly noise floor: matching it
  // pulled a master 3-4 dB down across the lows toward -64 LUFS of hiss.
  if (req.reference && res.reference_analysis->integrated_lufs < kUnmasterableLufs)
    throw rejected(req.reference->string(),
                   fmt::format("the reference is too quiet to match: {:.1f} LUFS, within 10 dB of the -70 LUFS gate of "
                               "BS.1770 (a released song sits around -16 to -6 LUFS)",
                               res.reference_analysis->integrated_lufs));
  // A tonal balance is a song's, or at least a phrase's: a reference of a second or two is a
  // chord or a hit, and matching it put bells a sixth of an octave apart, ±6 dB, into the master.
  if (req.reference && res.reference_analysis->duration_s < kMinReferenceS)
    throw rejected(req.reference->string(),
                   fmt::format("the reference is {:.1f} s long: its tonal balance is a few notes', not a song's (at least "
                               "{:.0f} s of music is needed, a whole song is best)",
                               res.reference_analysis->duration_s, kMinReferenceS));
  res.problems = master::qc_input(res.analysis, req.targets);
  if (req.strict)
    for (const auto& p : res.problems)
      if (p.severity == Severity::error) throw rejected(input.string(), p.message + " (--strict)");
  create_output_dir(out_dir / "masters", out_dir);
  sweep_stale_partials(out_dir);  // what a killed earlier run left behind
  retire_reports(out_dir);

  // Previews at the quietest loudness in play, so every preview is only turned down, and low
  // enough that the input's own peak stays under full scale in its preview (a float file may
  // peak above it): nothing in a 24-bit preview clips. The masters peak under their ceilings.
  res.preview_lufs = res.analysis.integrated_lufs;
  for (const auto& t : req.targets) res.preview_lufs = std::min(res.preview_lufs, t.integrated_lufs);
  if (std::isfinite(res.analysis.sample_peak_dbfs) && res.analysis.sample_peak_dbfs > 0.0)
    res.preview_lufs = std::min(res.preview_lufs, res.analysis.integrated_lufs - res.analysis.sample_peak_dbfs);
  res.preview_lufs = std::floor(res.preview_lufs);
  if (req.previews) create_output_dir(out_dir / "previews", out_dir);

  const double share = 1.0 / double(req.targets.size() + 1);
  InputPreview ip{out_dir / "previews" / "input.wav", res.preview_lufs - res.analysis.integrated_lufs, !req.previews};
  // A CD carries two channels (Red Book): a mono mix goes on it as the dual mono it plays as, a
  // copy on both channels, analysed and mastered as such. Its loudness is the two speakers',
  // 3 dB over the mono file's: mastered as mono, the CD's -12 LUFS asked 3 dB more of the limiter
  // than the same mix in stereo, and a reggae mix was refused as "an isolated drum or a click".
  std::optional<ScratchFile> dual;
  std::optional<master::InputAnalysis> dual_analysis;
  for (std::size_t i = 0; i < req.targets.size(); ++i) {
    const auto& t = req.targets[i];
    const bool upmix = master::delivery_channels(t, res.analysis.channels) != res.analysis.channels;
    if (upmix && !dual) {
      dual.emplace(out_dir / "masters" / fmt::format(".master-dual-mono-{}.wav", ::getpid()));
      dual_mono_copy(input, dual->path);
      dual_analysis = analyze_on(dual->path, pool);
      res.problems.push_back({"mono_input", Severity::info,
                              fmt::format("a mono mix: the {} master carries it on both channels, as the medium has two "
                                          "(dual mono, measured as it plays on two speakers)",
                                          t.name),
                              "", std::nullopt, "", ""});
    }
    const fs::path& source = upmix ? dual->path : input;
    const master::InputAnalysis& analysis = upmix ? *dual_analysis : res.analysis;
    const fs::path preview = out_dir / "previews" / (t.name + ".wav");
    // A reference match's boosts take headroom: a boost where the peaks are (a mono fold-down's
    // kick and bass, 88-160 Hz, raised 4-6 dB) lifts them far more than the loudness, and a mix
    // whose peaks already sit high above its loudness (that one's by 20.5 dB) can miss the
    // target with the limiter taking 26 dB off them. A mastering engineer eases
    // the match rather than deliver a master short of its loudness, so the master is made
    // again with the match at half its strength, twice at most, before it is refused.
    double amount = req.amount, first_short = 0.0, last_short = 0.0;
    for (int eased = 0;; ++eased) {
      const auto chain = master::decide(analysis, t, res.reference_analysis ? &*res.reference_analysis : nullptr, amount);
      MasterOutcome mo = render_master(source, analysis, chain, t, t.integrated_lufs,
                                       out_dir / "masters" / (t.name + ".wav"), out_dir,
                                       req.previews ? &preview : nullptr, res.preview_lufs, nullptr,
                                       req.progress, share * double(i + 1), share * double(i + 2),
                                       upmix ? nullptr : &ip,  // the input's preview is of the input itself
                                       pool, req.noise_shaping, req.translation && i == 0,
                                       // the first try ran the chain over the cache
                                       eased == 0 && !upmix ? keep_input : nullptr, &req.lead);
      const bool missed = std::any_of(mo.problems.begin(), mo.problems.end(),
                                      [](const Problem& p) { return p.code == "target_not_reached"; });
      const double short_now = t.integrated_lufs - mo.after.integrated_lufs;
      if (eased == 0) first_short = short_now;
      // Eased again while that helps: a match that cuts where the peaks are can land a master
      // its easing would leave shorter, and then the first try's refusal stands.
      const bool helps = eased == 0 || short_now < last_short - 0.01;
      last_short = short_now;
      if (missed && helps && req.reference && req.amount > 0.0 && eased < kMaxEasings) {
        amount *= 0.5;
        continue;
      }
      if (eased > 0 && missed) {
        for (auto& p : mo.problems)
          if (p.code == "target_not_reached")
            p.message += fmt::format("; the reference match, eased from {:.0f}% to {:.0f}% of its strength, did not land it either",
                                     req.amount * 100, amount * 100);
      } else if (eased > 0) {
        mo.chain.decisions.push_back({"match_eased", fmt::format(
            "the reference match at {:.0f}% strength left the master {:.2f} LU short of its {:.1f} LUFS target (its "
            "boosts take the headroom the loudness needs): eased to {:.0f}% and it lands",
            req.amount * 100, first_short, t.integrated_lufs, amount * 100)});
      }
      res.masters.push_back(std::move(mo));
      break;
    }
  }
  if (req.previews) res.input_preview = ip.file;
  if (!ip.done) {  // every target resampled: a pass of its own
    AudioReader r(input);
    r.set_spike_ceiling(res.analysis.spike_ceiling);
    AudioWriter w(res.input_preview, cached_spec(r.info().sample_rate, r.info().channels, kPreviewFormat));
    AudioBuffer buf(r.info().channels, kBlock);
    const float g = static_cast<float>(db_to_gain(res.preview_lufs - res.analysis.integrated_lufs));
    while (const std::size_t n = r.read(buf.view())) {
      buf.view(n).apply_gain(g);
      w.write(buf.view(n));
    }
    w.commit();
  }
  report(req.progress, 1.0, "done");
  return res;
}

std::string album_track_file_name(std::size_t index, std::size_t count, const std::string& title) {
  // Numbered to sort as they play: 01-99, or 001 and on for an album past 99 tracks (100- had
  // sorted before 11-).
  const int width = count > 999 ? 4 : count > 99 ? 3 : 2;
  return fmt::format("{:0{}d}-{}.wav", index + 1, width, safe_name(title));
}

const Problem* first_error(const MasterOutcome& m) {
  for (const auto& p : m.problems)
    if (p.severity == Severity::error) return &p;
  return nullptr;
}

MissedTarget missed_target(const MasterResult& result) {
  for (const auto& m : result.masters)
    if (const Problem* p = first_error(m)) return {&m, p};
  return {};
}

std::vector<Problem> leave_out_missed(MasterResult& result) {
  std::vector<Problem> said;
  for (auto m = result.masters.begin(); m != result.masters.end();) {
    const Problem* err = first_error(*m);
    if (!err) {
      ++m;
      continue;
    }
    said.push_back({"not_mastered", Severity::error, "no " + m->target.name + " master: " + err->message, err->fix,
                    std::nullopt, "", ""});
    remove_master_files(*m);
    m = result.masters.erase(m);
  }
  return said;
}

void remove_master_files(const MasterOutcome& m) {
  std::error_code ec;
  fs::remove(m.file, ec);
  if (!m.preview.empty()) fs::remove(m.preview, ec);
}

void remove_master_outputs(const MasterResult& result, const fs::path& out_dir) {
  std::error_code ec;
  for (const auto& m : result.masters) remove_master_files(m);
  if (!result.input_preview.empty()) fs::remove(result.input_preview, ec);
  for (const char* d : {"masters", "previews"})
    if (fs::is_empty(out_dir / d, ec)) fs::remove(out_dir / d, ec);
}

std::vector<fs::path> remove_other_targets_outputs(const MasterResult& result, const fs::path& out_dir,
                                                   const std::vector<fs::path>& inputs) {
  std::vector<fs::path> removed;
  std::error_code ec;
  for (const auto& t : master::all_targets()) {
    const bool made = std::any_of(result.masters.begin(), result.masters.end(),
                                  [&](const MasterOutcome& m) { return m.target.name == t.name; });
    if (made) continue;
    for (const char* d : {"masters", "previews"}) {
      const fs::path f = out_dir / d / (t.name + ".wav");
      if (!fs::is_symlink(f, ec) && fs::is_regular_file(f, ec) && !input_at(f, inputs) && fs::remove(f, ec)) removed.push_back(f);
    }
  }
  return removed;
}

std::vector<fs::path> remove_other_album_outputs(const AlbumResult& result, const fs::path& out_dir) {
  std::set<fs::path> made;
  for (const auto& t : result.tracks) made.insert(t.master.file.lexically_normal());
  std::vector<fs::path> stale, removed;
  std::error_code ec;
  // Only what an album writes there: "NN-Title.wav" (two or more digits, a dash). A file of the
  // user's own in tracks/ (notes, artwork) is not an earlier album's.
  const auto track_named = [](const fs::path& p) {
    const std::string name = p.filename().string();
    const std::size_t digits = name.find_first_not_of("0123456789");
    return p.extension() == ".wav" && digits != std::string::npos && digits >= 2 && name[digits] == '-';
  };
  for (const auto& e : fs::directory_iterator(out_dir / "tracks", ec))
    if (!e.is_symlink(ec) && e.is_regular_file(ec) && track_named(e.path()) &&
        !made.count(e.path().lexically_normal()))  // a symlink is never one of ours
      stale.push_back(e.path());
  if (result.cue_file.empty() && fs::is_regular_file(out_dir / "album.cue", ec)) stale.push_back(out_dir / "album.cue");
  std::sort(stale.begin(), stale.end());
  for (const auto& f : stale)
    if (fs::remove(f, ec)) removed.push_back(f);
  return removed;
}

// ---- album.toml ------------------------------------------------------------------------------

master::AlbumSpec load_album(const fs::path& toml_file) {
  const std::string file = toml_file.string();
  std::ifstream f(toml_file);
  if (!f) throw rejected(file, "cannot read the album file");
  std::stringstream ss;
  ss << f.rdbuf();
  toml::table root;
  try {
    root = toml::parse(ss.str(), file);
  } catch (const toml::parse_error& e) {
    throw Error(ExitCode::rejected, file + ":" + std::to_string(e.source().begin.line),
                std::string(e.description()));
  }
  auto where = [&](const toml::node* n) {
    return file + (n && n->source().begin ? ":" + std::to_string(n->source().begin.line) : "");
  };
  auto text = [&](const toml::table& t, const char* key, std::string& out) {
    if (const toml::node* n = t.get(key)) {
      if (!n->is_string()) throw Error(ExitCode::rejected, where(n), fmt::format("{} must be text", key));
      out = n->as_string()->get();
    }
  };
  auto seconds = [&](const toml::table& t, const char* key, double lo, double hi) -> std::optional<double> {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_number()) throw Error(ExitCode::rejected, where(n), fmt::format("{} must be a number of seconds", key));
    const double v = n->is_integer() ? double(n->as_integer()->get()) : n->as_floating_point()->get();
    if (!(v >= lo && v <= hi))
      throw Error(ExitCode::rejected, where(n), fmt::format("{} = {} is outside {}..{} seconds", key, v, lo, hi));
    return v;
  };
  master::AlbumSpec album;
  album.source = toml_file;
  const std::set<std::string> top_keys = {"title", "performer", "gap_s", "track"};
  for (auto&& [k, v] : root)
    if (!top_keys.count(std::string(k.str())))
      throw Error(ExitCode::rejected, where(&v), fmt::format("unknown key \"{}\" (allowed: title, performer, gap_s, [[track]])", k.str()));
  text(root, "title", album.title);
  text(root, "performer", album.performer);
  if (auto g = seconds(root, "gap_s", 0.0, 60.0)) album.gap_s = *g;
  const toml::node* tracks = root.get("track");
  if (!tracks || !tracks->is_array_of_tables())
    throw Error(ExitCode::rejected, file, "no [[track]] tables: list the tracks in order, each with file = \"...\"");
  const std::set<std::string> track_keys = {"file", "title", "performer", "isrc", "gap_s", "crossfade_s"};
  for (auto&& node : *tracks->as_array()) {
    const toml::table& t = *node.as_table();
    for (auto&& [k, v] : t)
      if (!track_keys.count(std::string(k.str())))
        throw Error(ExitCode::rejected, where(&v), fmt::format("unknown track key \"{}\" (allowed: file, title, performer, isrc, gap_s, crossfade_s)", k.str()));
    master::AlbumTrack tr;
    std::string path;
    text(t, "file", path);
    if (path.empty()) throw Error(ExitCode::rejected, where(&t), "a track needs file = \"...\"");
    tr.file = fs::path(path).is_absolute() ? fs::path(path) : toml_file.parent_path() / path;
    text(t, "title", tr.title);
    text(t, "performer", tr.performer);
    text(t, "isrc", tr.isrc);
    std::erase(tr.isrc, '-');
    // Written upper case on the disc; a code typed in lower case is the same code.
    std::transform(tr.isrc.begin(), tr.isrc.end(), tr.isrc.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (!tr.isrc.empty() && !master::valid_isrc(tr.isrc))
      throw Error(ExitCode::rejected, where(t.get("isrc")), fmt::format("ISRC \"{}\" is not CC-XXX-YY-NNNNN (12 characters)", tr.isrc));
    // An ISRC names one recording: a second track with it would be the same recording twice.
    for (std::size_t k = 0; k < album.tracks.size(); ++k)
      if (!tr.isrc.empty() && album.tracks[k].isrc == tr.isrc)
        throw Error(ExitCode::rejected, where(t.get("isrc")),
                    fmt::format("ISRC {} is already track {}'s: an ISRC names one recording, so each track needs its own",
                                tr.isrc, k + 1));
    tr.gap_s = seconds(t, "gap_s", 0.0, 60.0);
    tr.crossfade_s = seconds(t, "crossfade_s", 0.0, 30.0);
    // A track follows the previous one after a gap or overlapping it, not both; the first has
    // nothing before it to overlap (both were accepted, the crossfade winning or ignored).
    if (tr.gap_s && tr.crossfade_s && *tr.crossfade_s > 0.0)
      throw Error(ExitCode::rejected, where(t.get("crossfade_s")),
                  "a track has both gap_s and crossfade_s: it follows the previous track after a gap or overlapping "
                  "it, so give one of them");
    if (tr.crossfade_s && *tr.crossfade_s > 0.0 && album.tracks.empty())
      throw Error(ExitCode::rejected, where(t.get("crossfade_s")),
                  "crossfade_s on the first track: nothing plays before it to crossfade from (a track's crossfade_s "
                  "is its overlap with the track before)");
    if (tr.title.empty()) tr.title = tr.file.stem().string();
    album.tracks.push_back(std::move(tr));
  }
  return album;
}

// ---- album rendering -------------------------------------------------------------------------

AlbumResult master_album(const master::AlbumSpec& album, const fs::path& out_dir, const master::Target& target,
                         const StageProgressFn& progress) {
  if (album.tracks.empty()) throw usage_error("album", "no tracks given");
  AlbumResult res;
  res.target = target;
  const std::size_t n = album.tracks.size();
  const bool cd = target.name == "cd";

  // Probe lengths first: Red Book refusals come before any work.
  std::vector<AudioInfo> infos;
  for (const auto& t : album.tracks) infos.push_back(probe(t.file));
  // One rate for the album: the target's, else the highest of its tracks' (the first track's,
  // until a 96 kHz track after an 8 kHz opener came out at 8 kHz: nothing is lowered for the
  // album's sake); a track at another rate is mastered at the album's (soxr, as any master that
  // changes rate).
  int highest = 0;
  for (const auto& f : infos) highest = std::max(highest, f.sample_rate);
  const int rate = master::delivery_rate(target, highest);
  master::Target at_rate = target;
  at_rate.sample_rate = rate;
  // One channel layout: a mono track on a stereo album is mastered as the dual mono it plays as
  // (on both speakers, as a player plays a mono file); other layouts must match.
  // The first track's layout, stereo when it is mono and another track is stereo or the medium
  // carries two channels (a CD).
  int ch = master::delivery_channels(target, infos[0].channels);
  if (ch == 1 && std::any_of(infos.begin(), infos.end(), [](const AudioInfo& f) { return f.channels == 2; })) ch = 2;
  auto layout = [](int c) { return c == 1 ? std::string("mono") : c == 2 ? std::string("stereo") : std::to_string(c) + "-channel"; };
  for (std::size_t i = 0; i < n; ++i)
    if (infos[i].channels != ch && !(infos[i].channels == 1 && ch == 2))
      throw rejected(album.tracks[i].file.string(),
                     fmt::format("a {} track on a {} album: only a mono track can join a stereo album", layout(infos[i].channels),
                                 layout(ch)));
  // The same file twice is almost always a slip of the running order (a reprise is a track of
  // its own): said, not refused.
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (std::error_code ec; fs::equivalent(album.tracks[i].file, album.tracks[j].file, ec)) {
        res.problems.push_back({"duplicate_track", Severity::warning,
                                fmt::format("tracks {} and {} are the same file ({}): the album plays it twice", j + 1,
                                            i + 1, album.tracks[i].file.filename().string()),
                                "check the running order", std::nullopt, album.tracks[i].file.filename().string(), ""});
        break;
      }
  // A gap is the silence after the track before: the first track has none (a CD's 2 s lead-in
  // is the cue sheet's pre-gap, not silence in the files). Said, not refused: one gap_s copied
  // onto every track is an easy slip.
  if (const auto& g = album.tracks.front().gap_s; g && *g > 0.0)
    res.problems.push_back({"first_track_gap", Severity::info,
                            fmt::format("gap_s = {:g} on the first track is not used: a gap is the silence after the track "
                                        "before, and nothing plays before the first{}",
                                        *g, cd ? " (the CD's 2 s lead-in is in the cue sheet)" : ""),
                            "", std::nullopt, album.tracks.front().file.filename().string(), ""});
  std::vector<fs::path> source(n);
  std::vector<std::optional<ScratchFile>> upmixed(n);
  std::vector<std::int64_t> unreadable_samples(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    source[i] = album.tracks[i].file;
    if (infos[i].channels == ch) continue;
    create_output_dir(out_dir, out_dir);
    upmixed[i].emplace(out_dir / fmt::format(".album-stereo-{}-{}.wav", i, ::getpid()));
    unreadable_samples[i] = dual_mono_copy(album.tracks[i].file, upmixed[i]->path);
    source[i] = upmixed[i]->path;
    res.problems.push_back({"mono_track", Severity::info,
                            album.tracks[i].title + ": a mono track, played on both channels of the stereo album", "",
                            std::nullopt, album.tracks[i].file.filename().string(), ""});
  }
  for (std::size_t i = 0; i < n; ++i)
    if (infos[i].sample_rate != rate)
      res.problems.push_back({"resampled", Severity::info,
                              fmt::format("{}: resampled from {} to {} Hz to sit in the album", album.tracks[i].title,
                                          infos[i].sample_rate, rate),
                              "", std::nullopt, album.tracks[i].file.filename().string(), ""});
  auto frames_at_rate = [&](std::size_t i) {
    return static_cast<std::int64_t>(std::llround(double(infos[i].frames) * rate / infos[i].sample_rate));
  };
  // Positions in frames of the album file (CD: everything on whole CD frames of 588 samples).
  const std::int64_t unit = cd ? master::kSamplesPerCdFrame : 1;
  auto to_units = [&](double s) {
    return static_cast<std::int64_t>(std::llround(s * rate / double(unit))) * unit;
  };
  std::vector<std::int64_t> gap(n), xfade(n), len(n);
  for (std::size_t i = 0; i < n; ++i) {
    gap[i] = to_units(master::gap_before(album, i));
    // Rounded down to whole units: on CD frames a crossfade of exactly half a track (2.5 s of a
    // 5 s track, 187.5 frames) rounded up past half and was refused as too long.
    xfade[i] = static_cast<std::int64_t>(std::floor(master::crossfade_before(album, i) * rate / double(unit) + 1e-9)) * unit;
    const std::int64_t f = frames_at_rate(i);
    len[i] = (f + unit - 1) / unit * unit;  // padded to whole CD frames
  }
  for (std::size_t i = 1; i < n; ++i)
    if (xfade[i] > std::min(len[i], len[i - 1]) / 2)
      throw rejected(album.tracks[i].file.string(), "its crossfade is longer than half of the track or of the one before");
  auto plan_cue = [&]() {
    std::vector<master::CueTrack> ct;
    for (std::size_t i = 0; i < n; ++i) {
      master::CueTrack t;
      t.title = album.tracks[i].title;
      t.performer = album.tracks[i].performer;
      t.isrc = album.tracks[i].isrc;
      t.gap_frames = gap[i] / unit;
      // From this track's start to the next one's gap (its overlap is the next track's).
      t.length_frames = (len[i] - (i + 1 < n ? xfade[i + 1] : 0)) / unit;
      ct.push_back(t);
    }
    return master::layout_cue(std::move(ct), "album.wav", album.title, album.performer);
  };
  if (cd) {
    // A track long enough alone whose crossfade into the next leaves it under 4 s: the
    // crossfade named, not only the track's length.
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const std::int64_t own = len[i] - xfade[i + 1], least = master::kRedBookMinTrackFrames * unit;
      if (len[i] >= least && own < least)
        throw rejected(album.tracks[i + 1].file.string(),
                       fmt::format("its crossfade_s of {:.2f} s leaves track {} ({}) {:.2f} s before the overlap, which "
                                   "belongs to this track: a CD track must last at least 4 seconds (shorten the crossfade)",
                                   double(xfade[i + 1]) / rate, i + 1, album.tracks[i].title, double(own) / rate));
    }
    const auto sheet = plan_cue();
    const auto v = master::red_book_violations(sheet);
    if (!v.empty()) {
      // A track too short for a CD: its file named (the album's other limits name the album).
      for (std::size_t i = 0; i < sheet.tracks.size() && i < n; ++i)
        if (master::too_short_for_cd(sheet.tracks[i]))
          throw rejected(album.tracks[i].file.string(),
                         fmt::format("cannot make a CD: as track {} ({}) it lasts {:.2f} s, and a CD track must last at "
                                     "least 4 seconds",
                                     i + 1, album.tracks[i].title, double(sheet.tracks[i].length_frames) / 75.0));
      std::string msg = "cannot make a CD: " + v[0];
      for (std::size_t i = 1; i < v.size(); ++i) msg += "; " + v[i];
      // The disc's own limits (99 tracks, 79:57) name the album.toml, else the one track or "album".
      throw rejected(!album.source.empty()       ? album.source.string()
                     : album.tracks.size() == 1 ? album.tracks[0].file.string()
                                                : std::string("album"),
                     msg);
    }
  }

  // Analyse every track; the loudest goes to the target, the others keep their distance.
  std::vector<master::InputAnalysis> an;
  std::vector<double> lufs;
  for (std::size_t i = 0; i < n; ++i) {
    report(progress, 0.2 * double(i) / double(n), "analysing " + album.tracks[i].title);
    an.push_back(analyze_for_master(source[i]));
    an.back().nonfinite_samples += unreadable_samples[i];  // the dual-mono copy's, counted at the copy
    check_layout(album.tracks[i].file, an.back(), {target});
    lufs.push_back(an.back().integrated_lufs);
  }
  std::vector<double> secs(n);
  for (std::size_t i = 0; i < n; ++i) secs[i] = infos[i].duration_s();
  const double anchor = master::album_anchor_lufs(lufs, secs);
  const auto targets = master::album_track_targets(lufs, anchor, target.integrated_lufs);
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(lufs[i])) continue;
    if (anchor - lufs[i] > master::kMaxAlbumSpreadLu)
      res.problems.push_back({"album_spread", Severity::info,
                              fmt::format("{}: came in {:.1f} LU under the loudest song; held {:.0f} LU under it (a level "
                                          "difference that large is the export's, not the music's)",
                                          album.tracks[i].title, anchor - lufs[i], master::kMaxAlbumSpreadLu),
                              "", std::nullopt, album.tracks[i].file.filename().string(), ""});
    else if (lufs[i] > anchor + master::kLandingToleranceLu)
      res.problems.push_back({"held_at_target", Severity::info,
                              fmt::format("{}: {:.1f} LU louder than the loudest song ({}); held at the {:.1f} LUFS target "
                                          "with the songs, not over it (the songs set the album's level)",
                                          album.tracks[i].title, lufs[i] - anchor,
                                          lufs[i] > master::kTooLoudLufs ? "already limited past every target"
                                                                         : "a short track",
                                          target.integrated_lufs),
                              "", std::nullopt, album.tracks[i].file.filename().string(), ""});
  }
  create_output_dir(out_dir / "tracks", out_dir);
  sweep_stale_partials(out_dir);
  retire_reports(out_dir);
  for (std::size_t i = 0; i < n; ++i) {
    for (auto p : master::qc_input(an[i], {target})) {
      p.message = album.tracks[i].title + ": " + p.message;
      p.stem = album.tracks[i].file.filename().string();
      res.problems.push_back(std::move(p));
    }
  }

  // Master each track, keeping its landed float output for the continuous file.
  res.album_file = out_dir / "album.wav";
  // The files say what they hold, as the cue sheet does: the album's title and performer, and
  // each track's title, performer, place and ISRC.
  WriteSpec album_spec{rate, ch, format_for(target)};
  album_spec.tags.title = album.title;
  album_spec.tags.album = album.title;
  album_spec.tags.artist = album.performer;
  AudioWriter album_writer(res.album_file, album_spec);
  dsp::LimiterSettings guard;
  guard.ceiling_dbtp = target.ceiling_dbtp - master::kCeilingMarginDb;
  dsp::TruePeakLimiter lim(guard);  // transparent unless a crossfade sums over the ceiling
  lim.prepare({double(rate), ch, kBlock});
  std::size_t skip = lim.latency_frames();
  // Each track's file is its slice of the album, from where the track starts to where the next
  // one starts: the gap before the next track ends this one (as a CD's tracks split with the
  // gaps appended to the previous track) and a crossfade's overlap opens the next one (as the
  // cue sheet counts it). Written from the album's own samples with the album's dither at the
  // album's frame indices, so the track files played one after another are album.wav, sample
  // for sample: a gapless player gives the crossfades as mastered, not each track's unfaded
  // head and tail.
  std::vector<std::int64_t> slice_start(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i)
    slice_start[i + 1] = slice_start[i] + len[i] - (i + 1 < n ? xfade[i + 1] - gap[i + 1] : 0);
  std::vector<fs::path> track_file(n);
  for (std::size_t i = 0; i < n; ++i) track_file[i] = out_dir / "tracks" / album_track_file_name(i, n, album.tracks[i].title);
  std::vector<std::optional<AudioWriter>> slice(n);
  std::int64_t album_at = 0;  // frames written to the album
  std::size_t open_slice = 0;
  auto emit = [&](const AudioView& v) {
    lim.process(v);
    const std::size_t s = std::min(skip, v.num_frames());
    skip -= s;
    if (s >= v.num_frames()) return;
    const AudioView out = v.sub(s, v.num_frames() - s);
    album_writer.write(out);
    const std::int64_t a = album_at, b = a + static_cast<std::int64_t>(out.num_frames());
    for (std::size_t i = open_slice; i < n && slice_start[i] < b; ++i) {
      const std::int64_t lo = std::max(a, slice_start[i]), hi = std::min(b, slice_start[i + 1]);
      if (lo >= hi) {
        open_slice = i + 1;
        continue;
      }
      if (!slice[i]) {
        WriteSpec spec{rate, ch, format_for(target)};
        spec.dither_frame0 = slice_start[i];
        const auto& tr = album.tracks[i];
        spec.tags = {tr.title, tr.performer.empty() ? album.performer : tr.performer, album.title,
                     fmt::format("{}/{}", i + 1, n), tr.isrc.empty() ? "" : "ISRC " + tr.isrc};
        slice[i].emplace(track_file[i], spec);
      }
      slice[i]->write(out.sub(static_cast<std::size_t>(lo - a), static_cast<std::size_t>(hi - lo)));
      // Complete once its last frame is in (its buffers and file freed: an album of many tracks
      // does not hold them all open), moved into place with the album.
      if (hi == slice_start[i + 1]) slice[i]->finish();
    }
    album_at = b;
  };
  WorkerPool pool(0);
  AudioBuffer held(ch, 0);  // the previous track's tail awaiting a crossfade
  AudioBuffer buf(ch, kBlock);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& tr = album.tracks[i];
    // Decided for the loudness this track lands at, not the album's target: a ballad held 4 LU
    // under it was told the limiter "needs to take at most 4.7 dB off" where it took 1.1.
    master::Target track_target = target;
    track_target.integrated_lufs = targets[i];
    const auto chain = master::decide(an[i], track_target, nullptr, 1.0);
    FloatTemp keep(out_dir / fmt::format(".album-{}-{}.f32", i, ::getpid()), ch, len[i] + 64);
    AlbumTrackOutcome to;
    to.title = tr.title;
    to.performer = tr.performer.empty() ? album.performer : tr.performer;
    to.isrc = tr.isrc;
    to.input_lufs = lufs[i];
    // The track's whole master (the landing's file, read by its lossy check) under a temporary
    // name: its delivered file is its slice of the album (below).
    const ScratchFile whole(out_dir / fmt::format(".album-track-{}-{}.wav", i, ::getpid()));
    to.master = render_master(source[i], an[i], chain, at_rate, targets[i], whole.path, out_dir, nullptr, 0.0, &keep, progress,
                              0.2 + 0.7 * double(i) / double(n), 0.2 + 0.7 * double(i + 1) / double(n), nullptr, pool,
                              false, false, nullptr, nullptr, /*deliver_errored=*/true);
    // Gap (silence), then the track; its head crossfades with the held tail of the previous one.
    for (std::int64_t g = gap[i]; g > 0;) {
      const std::size_t k = static_cast<std::size_t>(std::min<std::int64_t>(g, kBlock));
      buf.view(k).clear();
      emit(buf.view(k));
      g -= static_cast<std::int64_t>(k);
    }
    const std::int64_t xf = xfade[i];
    // How alike the two sides of the crossfade are: the correlation of the held tail with this
    // track's head over the overlap, 0 (unrelated, or opposed) to 1 (the same sound). The
    // equal-power fade keeps unrelated music at its level, but the same sound on both sides (a
    // sustained chord, a track segued into its own reprise) adds up in amplitude and rose 3 dB
    // mid-fade: a crossfade over a matching tone put that track 1 LU over its target. Its gains
    // are scaled by 1 / sqrt(1 + 2 rho sin cos), which leaves them as they were for unrelated
    // sides and makes them sum to 1 for identical ones.
    double rho = 0.0;
    if (xf > 0) {
      keep.rewind();
      AudioBuffer head(ch, static_cast<std::size_t>(xf));
      const std::size_t got = keep.read(head.view());
      double ht = 0.0, hh = 0.0, tt = 0.0;
      for (int c = 0; c < ch; ++c)
        for (std::size_t k = 0; k < got; ++k) {
          const double h = head.channel(c)[k], t = held.channel(c)[k];
          ht += h * t;
          hh += h * h;
          tt += t * t;
        }
      if (hh > 0.0 && tt > 0.0) rho = std::clamp(ht / std::sqrt(hh * tt), 0.0, 1.0);
    }
    keep.rewind();
    const std::int64_t tail = i + 1 < n ? xfade[i + 1] : 0;
    const std::int64_t total = len[i];
    std::int64_t done = 0;
    AudioBuffer next_held(ch, static_cast<std::size_t>(tail));
    while (done < total) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::int64_t>(kBlock, total - done));
      std::size_t got = keep.read(buf.view(want));
      if (got < want) buf.view().sub(got, want - got).clear();  // CD padding
      const AudioView v = buf.view(want);
      // Crossfade the head with the held tail (equal power, for sides as alike as rho says).
      for (std::size_t k = 0; k < want; ++k) {
        const std::int64_t at = done + static_cast<std::int64_t>(k);
        if (at < xf) {
          const double x = (double(at) + 0.5) / double(xf);
          const double si = std::sin(x * M_PI / 2), co = std::cos(x * M_PI / 2);
          const double scale = 1.0 / std::sqrt(1.0 + 2.0 * rho * si * co);
          const float fin = static_cast<float>(si * scale), fout = static_cast<float>(co * scale);
          for (int c = 0; c < ch; ++c)
            v.channel(c)[k] = v.channel(c)[k] * fin + held.channel(c)[static_cast<std::size_t>(at)] * fout;
        }
      }
      // Hold back this track's tail for the next crossfade.
      const std::int64_t tail_start = total - tail;
      std::size_t emit_n = want;
      if (done + static_cast<std::int64_t>(want) > tail_start) {
        const std::size_t from = static_cast<std::size_t>(std::max<std::int64_t>(0, tail_start - done));
        for (std::size_t k = from; k < want; ++k)
          for (int c = 0; c < ch; ++c)
            next_held.channel(c)[static_cast<std::size_t>(done + static_cast<std::int64_t>(k) - tail_start)] = v.channel(c)[k];
        emit_n = from;
      }
      if (emit_n > 0) emit(v.sub(0, emit_n));
      done += static_cast<std::int64_t>(want);
    }
    held = std::move(next_held);
    res.problems.insert(res.problems.end(), to.master.problems.begin(), to.master.problems.end());
    res.tracks.push_back(std::move(to));
  }
  for (std::size_t f = lim.latency_frames(); f > 0;) {  // flush the guard limiter
    const std::size_t k = std::min(f, kBlock);
    buf.view(k).clear();
    emit(buf.view(k));
    f -= k;
  }
  album_writer.commit();
  report(progress, 0.95, "verifying the album");
  res.album = verify_file(res.album_file);
  // The track files as delivered: measured as they are (a crossfaded track holds the end of the
  // one before it, and its own end opens the next).
  for (std::size_t i = 0; i < n; ++i) {
    if (!slice[i]) throw failed(track_file[i].string(), "internal: the track's slice of the album was never written");
    slice[i]->commit();
    res.tracks[i].master.file = track_file[i];
    res.tracks[i].start_samples = slice_start[i];
    res.tracks[i].length_samples = slice_start[i + 1] - slice_start[i];
    res.tracks[i].start_s = double(res.tracks[i].start_samples) / rate;
    res.tracks[i].length_s = double(res.tracks[i].length_samples) / rate;  // the file's, the gap after it included
    res.tracks[i].master.after = verify_file(track_file[i]);
    // A crossfade sums the two sides where they overlap: a file off its track's loudness by more
    // than the aim is said (rho above keeps a matching sound on both sides at its level; what is
    // left is music that matches only in part).
    const double off = res.tracks[i].master.after.integrated_lufs - res.tracks[i].master.target_lufs;
    if (std::isfinite(off) && std::abs(off) > master::kLandingToleranceLu && (xfade[i] > 0 || (i + 1 < n && xfade[i + 1] > 0)))
      res.problems.push_back({"crossfade_loudness", Severity::warning,
                              fmt::format("{}: its file measures {:.2f} LUFS, {:.2f} LU {} the {:.1f} LUFS it was mastered to: {}",
                                          res.tracks[i].title, res.tracks[i].master.after.integrated_lufs, std::abs(off),
                                          off > 0 ? "over" : "under", res.tracks[i].master.target_lufs,
                                          xfade[i] > 0 ? "the crossfade that opens it sums the two tracks where they overlap"
                                                       : "its end, from where the next track's crossfade begins, is in the next "
                                                         "track's file"),
                              "a shorter crossfade, or a gap, keeps each track at its own loudness", std::nullopt,
                              album.tracks[i].file.filename().string(), ""});
  }
  if (cd) {
    res.cue = plan_cue();
    res.cue_file = out_dir / "album.cue";
    write_text_atomic(res.cue_file, master::write_cue(*res.cue));
  }
  report(progress, 1.0, "done");
  return res;
}

}  // namespace mixdown::io
