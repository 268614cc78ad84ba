#include "graph/renderer.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <map>
#include <optional>

#include "core/error.hpp"
#include "core/simd.hpp"
#include "core/units.hpp"
#include "core/worker_pool.hpp"
#include "dsp/compressor.hpp"
#include "dsp/deesser.hpp"
#include "dsp/delay.hpp"
#include "dsp/dynamic_eq.hpp"
#include "dsp/gate.hpp"
#include "dsp/pan_width.hpp"
#include "dsp/parametric_eq.hpp"
#include "dsp/pass_filter.hpp"
#include "dsp/reverb.hpp"
#include "dsp/saturator.hpp"
#include "dsp/smoother.hpp"

namespace mixdown::graph {
namespace {

constexpr const char* kBusNames[] = {"drums", "bass", "music", "vocals"};
constexpr int kNumBuses = 4;
constexpr int kVocalsBus = 3;
constexpr std::size_t kAutomationStep = 32;  // frames between automation evaluations
// The render is a pipeline four blocks deep (see render()): every buffer that one stage writes
// and a later stage reads has one slot per block in flight, indexed by block number % kSlots.
constexpr int kSlots = 4;

int bus_index_of(const std::string& name) {
  for (int b = 0; b < kNumBuses; ++b)
    if (name == kBusNames[b]) return b;
  return name == "fx" ? -1 : 2;  // unknown buses go to music
}

// A fixed delay for latency alignment.
struct AlignDelay {
  std::size_t delay = 0, pos = 0;
  std::vector<float> ring[2];
  void prepare(std::size_t d) {
    delay = d;
    pos = 0;
    for (auto& r : ring) r.assign(d, 0.0f);
  }
  void reset() {
    pos = 0;
    for (auto& r : ring) std::fill(r.begin(), r.end(), 0.0f);
  }
  void process(const AudioView& io) noexcept {
    if (delay == 0) return;
    const std::size_t n = io.num_frames();
    std::size_t p = pos;
    for (int c = 0; c < 2; ++c) {
      float* x = io.channel(c);
      float* r = ring[c].data();
      p = pos;
      for (std::size_t i = 0; i < n; ++i) {
        const float v = r[p];
        r[p] = x[i];
        x[i] = v;
        if (++p == delay) p = 0;
      }
    }
    pos = p;
  }
};

// The per-block loops over every output, in AVX2 clones (elementwise IEEE products and bit
// tests: the same bits either way, -ffp-contract=off).

// x[k] *= g[k] (a gain curve on a channel).
MIXDOWN_SIMD_CLONES void multiply(float* __restrict x, const float* __restrict g, std::size_t n) noexcept {
  for (std::size_t k = 0; k < n; ++k) x[k] *= g[k];
}

// Replaces NaN/Inf by 0 and returns how many. Branch-free on the exponent bits, counted in
// 32-bit lanes (a block is far shorter than 2^32 frames), so it vectorises without widening.
MIXDOWN_SIMD_CLONES std::uint32_t zero_non_finite_run(float* __restrict x, std::size_t n) noexcept {
  std::uint32_t bad = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(x[k]);
    const std::uint32_t nonfinite = (bits & 0x7f800000u) == 0x7f800000u;
    bad += nonfinite;
    x[k] = std::bit_cast<float>(bits & (nonfinite - 1u));
  }
  return bad;
}

std::int64_t replace_non_finite(const AudioView& v) noexcept {
  std::int64_t bad = 0;
  for (int c = 0; c < v.num_channels(); ++c) bad += zero_non_finite_run(v.channel(c), v.num_frames());
  return bad;
}

// The gain curve of a feed-forward compressor: run it on ones, keyed by the signal.
void gain_curve(dsp::Compressor& comp, const ConstAudioView& key, AudioBuffer& ones, std::size_t n) {
  for (int c = 0; c < ones.num_channels(); ++c) std::fill_n(ones.channel(c), n, 1.0f);
  comp.process(ones.view(n), key.sub(0, n));
}

struct StripNode {
  const mix::Strip* s = nullptr;
  int in_ch = 1;
  int bus = 2;
  bool vocal = false, lead = false;
  int key_comp = -1, key_deq = -1;
  float pre_gain = 1.0f;
  std::optional<dsp::Gate> gate;
  std::optional<dsp::ParametricEq> eq;
  std::optional<dsp::DynamicEq> deq;
  std::optional<dsp::Compressor> comp;
  std::optional<dsp::DeEsser> deesser;
  std::optional<dsp::Saturator> sat;
  std::optional<dsp::PanWidth> pan;
  std::size_t latency = 0;
  AlignDelay align;
  dsp::Smoother fader{dsp::Smoother::Mode::linear, 20.0};
  std::vector<float> gain;  // per-frame fader gain for the block
  // One slot per block in flight (kSlots): raw input, pre-fader and post-fader stereo.
  AudioBuffer raw_slot[kSlots], stereo_slot[kSlots], out_slot[kSlots];
  AudioBuffer& raw(int slot) { return raw_slot[slot]; }
  AudioBuffer& stereo(int slot) { return stereo_slot[slot]; }
  // Whether a send reads `stereo` after the strip (the pre-fader signal); else it is scratch.
  bool pre_fader_sends = false;
  AudioBuffer& out(int slot) { return out_slot[slot]; }
  // A keyed dynamics processor hears its key after the key stem's trim (the level its threshold
  // was decided at), never the file's export level.
  AudioBuffer key_scratch;
  const float* key_ptrs[2] = {nullptr, nullptr};
  // The stem as it sits in the mix (printed stem output).
  std::optional<dsp::ParametricEq> print_bus_eq, print_mix_eq;
  AudioBuffer print;
  std::size_t auto_seg = 0;
  // The last automation level and its gain: a ride holds its level between its ramps, and the
  // gain is not recomputed (a pow every 32 frames of every strip) while it holds.
  double auto_level_db = 0.0, auto_gain = 1.0;
  double automation_gain(double level_db) {
    if (level_db != auto_level_db) {
      auto_level_db = level_db;
      auto_gain = db_to_gain(level_db);
    }
    return auto_gain;
  }

  double automation_db(double t) {
    const auto& pts = s->automation;
    if (pts.empty()) return 0.0;
    if (t <= pts.front().time_s) return pts.front().gain_db;
    if (t >= pts.back().time_s) return pts.back().gain_db;
    if (auto_seg >= pts.size() - 1 || pts[auto_seg].time_s > t) auto_seg = 0;
    while (auto_seg + 1 < pts.size() - 1 && pts[auto_seg + 1].time_s <= t) ++auto_seg;
    const auto& a = pts[auto_seg];
    const auto& b = pts[auto_seg + 1];
    const double span = b.time_s - a.time_s;
    const double f = span > 0 ? (t - a.time_s) / span : 1.0;
    return a.gain_db + f * (b.gain_db - a.gain_db);
  }
};

struct BusNode {
  const mix::Bus* b = nullptr;
  mix::Bus neutral;
  std::optional<dsp::ParametricEq> eq;
  std::optional<dsp::Compressor> comp;
  float fader = 1.0f;
  AudioBuffer sum[kSlots], ones;
  std::vector<float> curve[kSlots];  // gain curve × fader for the block
  bool exclude_lead = false;  // the TV version's second vocals bus
  BusNode* same_as = nullptr;  // fed exactly like this earlier bus (no lead vocal to leave out): not run
};

struct ReturnNode {
  const mix::Return* r = nullptr;
  int set = 0;  // 0 all strips, 1 without vocals, 2 without lead vocals
  std::optional<dsp::Reverb> reverb;
  std::optional<dsp::Delay> delay;
  std::optional<dsp::ParametricEq> eq;
  float fader = 1.0f;
  AudioBuffer buf[kSlots];
  // Fed by exactly the same sends as this earlier return of another set (no strip that the set
  // leaves out sends to it): not run, its output is that return's, bit for bit.
  ReturnNode* same_as = nullptr;
  ReturnNode& source() noexcept { return same_as != nullptr ? *same_as : *this; }
};

struct OutputNode {
  OutputId id;
  Sink* sink = nullptr;
  std::optional<dsp::ParametricEq> mix_eq;
  AudioBuffer buf;
  int strip = -1;
};

}  // namespace

struct Renderer::Impl {
  mix::Console console;
  RenderOptions opt;
  std::vector<std::unique_ptr<StemSource>> sources;
  double rate = 48000.0;
  std::size_t block = 2048;
  std::vector<std::unique_ptr<StripNode>> strips;
  std::vector<std::unique_ptr<BusNode>> buses;      // 4 main + optional vocals-without-lead
  std::vector<std::unique_ptr<ReturnNode>> returns; // sets 0..2
  std::optional<dsp::ParametricEq> mix_eq;
  std::optional<dsp::Compressor> mix_comp;
  AudioBuffer mix_sum[kSlots], mix_ones, fx_sum[3][kSlots];
  int fx_same_as[3] = {-1, -1, -1};  // >= 0: this set's fx sum equals that earlier set's (not summed)
  std::vector<float> mix_curve[kSlots];
  std::size_t latency = 0;
  std::int64_t out_frames = 0;
  std::int64_t stem_frames = 0;
  std::int64_t nonfinite = 0;

  dsp::ProcessSpec spec(int ch) const { return {rate, ch, block}; }

  template <class P, class S>
  void make(std::optional<P>& p, const S& settings, int ch) {
    p.emplace(settings);
    p->prepare(spec(ch));
  }

  void build(std::vector<std::unique_ptr<StemSource>> srcs) {
    sources = std::move(srcs);
    if (sources.size() != console.strips.size())
      throw failed("", "internal: one source per strip expected");
    rate = console.sample_rate;
    block = std::max<std::size_t>(64, opt.block_frames);
    std::map<std::string, int> index;
    for (std::size_t i = 0; i < console.strips.size(); ++i) index[console.strips[i].name] = static_cast<int>(i);

    std::int64_t longest = 0;
    for (std::size_t i = 0; i < console.strips.size(); ++i) {
      auto n = std::make_unique<StripNode>();
      const auto& s = console.strips[i];
      n->s = &s;
      for (const auto& send : s.sends) n->pre_fader_sends = n->pre_fader_sends || send.pre_fader;
      n->in_ch = std::clamp(sources[i]->channels(), 1, 2);
      n->bus = bus_index_of(s.bus);
      n->vocal = n->bus == kVocalsBus;
      n->lead = n->vocal && (s.role == Role::lead_vocal || s.name == console.focus);
      n->pre_gain = static_cast<float>(db_to_gain(s.trim_db) * (s.polarity_invert ? -1.0 : 1.0));
      const int ch = n->in_ch;
      if (s.gate.enabled) make(n->gate, s.gate, ch);
      // High-pass, low-pass and EQ run as one fused cascade (same filter, fewer passes). The
      // gate's detector then sees the unfiltered signal, as a gate's key usually does.
      if (!s.eq.bands.empty() || s.high_pass.enabled || s.low_pass.enabled) {
        n->eq.emplace(s.eq);
        n->eq->set_settings(s.eq, s.high_pass, s.low_pass);
        n->eq->prepare(spec(ch));
      }
      if (s.dynamic_eq.enabled) {
        make(n->deq, s.dynamic_eq, ch);
        if (auto it = index.find(s.dynamic_eq.key); it != index.end()) n->key_deq = it->second;
      }
      if (s.compressor.enabled) {
        make(n->comp, s.compressor, ch);
        if (auto it = index.find(s.compressor.key); it != index.end() && it->second != static_cast<int>(i))
          n->key_comp = it->second;
      }
      if (s.deesser.enabled) make(n->deesser, s.deesser, ch);
      if (n->key_deq >= 0 || n->key_comp >= 0) n->key_scratch.resize(2, block);
      if (s.saturator.enabled) {
        make(n->sat, s.saturator, ch);
        n->latency += n->sat->latency_frames();
      }
      n->pan.emplace(s.pan);
      n->pan->prepare(spec(2));
      n->fader.prepare(rate);
      n->fader.snap(s.mute ? 0.0 : db_to_gain(s.fader_db + (s.automation.empty() ? 0.0 : s.automation.front().gain_db)));
      n->gain.assign(block, 1.0f);
      for (int k = 0; k < kSlots; ++k) {
        n->raw(k).resize(ch, block);
        n->stereo(k).resize(2, block);
        n->out(k).resize(2, block);
      }
      longest = std::max(longest, sources[i]->frames());
      strips.push_back(std::move(n));
    }
    // Past the session's stated end the files hold only silence: the tails start there.
    if (console.stems_end_s) longest = std::min(longest, static_cast<std::int64_t>(std::llround(*console.stems_end_s * rate)));
    stem_frames = longest;
    for (auto& n : strips) latency = std::max(latency, n->latency);
    for (auto& n : strips) n->align.prepare(latency - n->latency);

    for (int b = 0; b < kNumBuses; ++b) buses.push_back(make_bus(kBusNames[b], false));
    mix_eq.emplace(console.mix_bus.eq);
    mix_eq->prepare(spec(2));
    mix_comp.emplace(console.mix_bus.compressor);
    mix_comp->prepare(spec(2));
    for (auto& m : mix_sum) m.resize(2, block);
    mix_ones.resize(1, block);  // one channel: the linked gain is the same on both
    for (auto& m : mix_curve) m.assign(block, 1.0f);
    for (auto& set : fx_sum)
      for (auto& f : set) f.resize(2, block);

    std::size_t tail = 0;
    for (const auto& r : console.returns) {
      auto rn = make_return(r, 0);
      tail = std::max(tail, rn->reverb ? rn->reverb->tail_frames() : rn->delay->tail_frames());
      returns.push_back(std::move(rn));
    }
    const auto max_tail = static_cast<std::size_t>(opt.max_tail_s * rate);
    out_frames = longest + static_cast<std::int64_t>(std::min(tail, max_tail));
    if (opt.max_frames >= 0) out_frames = std::min(out_frames, std::max(opt.max_frames, longest));
  }

  std::unique_ptr<BusNode> make_bus(const std::string& name, bool exclude_lead) {
    auto bn = std::make_unique<BusNode>();
    bn->neutral.name = name;
    bn->b = &bn->neutral;
    for (const auto& b : console.buses)
      if (b.name == name) bn->b = &b;
    if (!bn->b->eq.bands.empty()) {
      bn->eq.emplace(bn->b->eq);
      bn->eq->prepare(spec(2));
    }
    if (bn->b->compressor.enabled) {
      bn->comp.emplace(bn->b->compressor);
      bn->comp->prepare(spec(2));
    }
    bn->fader = static_cast<float>(db_to_gain(bn->b->fader_db));
    for (auto& x : bn->sum) x.resize(2, block);
    bn->ones.resize(1, block);
    for (auto& x : bn->curve) x.assign(block, 1.0f);
    bn->exclude_lead = exclude_lead;
    return bn;
  }

  std::unique_ptr<ReturnNode> make_return(const mix::Return& r, int set) {
    auto rn = std::make_unique<ReturnNode>();
    rn->r = &r;
    rn->set = set;
    if (r.kind == mix::ReturnKind::reverb) {
      rn->reverb.emplace(r.reverb);
      rn->reverb->prepare(spec(2));
    } else {
      rn->delay.emplace(r.delay);
      rn->delay->prepare(spec(2));
    }
    if (!r.eq.bands.empty()) {
      rn->eq.emplace(r.eq);
      rn->eq->prepare(spec(2));
    }
    rn->fader = static_cast<float>(db_to_gain(r.fader_db));
    for (auto& b : rn->buf) b.resize(2, block);
    return rn;
  }

  // Source i to internal frame `first` (0: the start; an excerpt starts later).
  void position_source(std::size_t i, std::int64_t first) {
    if (first > 0) sources[i]->seek(first);
    else sources[i]->rewind();
  }

  // Every processor to its initial state, for a run from internal frame `first` (0: the start;
  // an excerpt starts later, its processors settling during a run-in). The sources are
  // positioned by run(), in parallel (a seek in a FLAC file without a seek table decodes its
  // way there: milliseconds per stem and excerpt).
  void reset_all(std::int64_t first = 0) {
    const double t0 = static_cast<double>(std::max<std::int64_t>(0, first - static_cast<std::int64_t>(latency))) / rate;
    for (auto& n : strips) {
      if (n->gate) n->gate->reset();
      if (n->eq) n->eq->reset();
      if (n->deq) n->deq->reset();
      if (n->comp) n->comp->reset();
      if (n->deesser) n->deesser->reset();
      if (n->sat) n->sat->reset();
      n->pan->reset();
      n->align.reset();
      n->auto_seg = 0;
      n->fader.snap(n->s->mute ? 0.0 : db_to_gain(n->s->fader_db + n->automation_db(t0)));
      if (n->print_bus_eq) n->print_bus_eq->reset();
      if (n->print_mix_eq) n->print_mix_eq->reset();
    }
    for (auto& b : buses) {
      if (b->eq) b->eq->reset();
      if (b->comp) b->comp->reset();
    }
    for (auto& r : returns) {
      if (r->reverb) r->reverb->reset();
      if (r->delay) r->delay->reset();
      if (r->eq) r->eq->reset();
    }
    mix_eq->reset();
    mix_comp->reset();
  }

  // Strip `key`'s input for this block after its trim, in `st`'s scratch: the key strip works in
  // place on its own buffers at the same time, so its trimmed signal cannot be borrowed.
  ConstAudioView trimmed_key(StripNode& st, int key, std::size_t n, int slot) {
    const StripNode& k = *strips[static_cast<std::size_t>(key)];
    const AudioBuffer& raw = k.raw_slot[slot];
    for (int c = 0; c < k.in_ch; ++c) {
      const float* r = raw.channel(c);
      float* d = st.key_scratch.channel(c);
      for (std::size_t x = 0; x < n; ++x) d[x] = r[x] * k.pre_gain;
    }
    st.key_ptrs[0] = st.key_scratch.channel(0);
    st.key_ptrs[1] = st.key_scratch.channel(1);
    return ConstAudioView(st.key_ptrs, k.in_ch, n);
  }

  // Phase 2: one strip, one block.
  void process_strip(std::size_t i, std::size_t n, std::int64_t frame0, int slot) {
    StripNode& st = *strips[i];
    const mix::Strip& s = *st.s;
    // Work in place with the strip's own channel count, inside the stereo scratch buffer.
    float* chans[2] = {st.stereo(slot).channel(0), st.stereo(slot).channel(1)};
    const AudioView work(chans, st.in_ch, n);
    for (int c = 0; c < st.in_ch; ++c) {
      const float* r = st.raw(slot).channel(c);
      float* d = chans[c];
      for (std::size_t k = 0; k < n; ++k) d[k] = r[k] * st.pre_gain;
    }
    if (st.gate) st.gate->process(work);
    if (st.eq) st.eq->process(work);
    if (st.deq) {
      if (st.key_deq >= 0) st.deq->process(work, trimmed_key(st, st.key_deq, n, slot));
      else st.deq->process(work);
    }
    if (st.comp) {
      if (st.key_comp >= 0) st.comp->process(work, trimmed_key(st, st.key_comp, n, slot));
      else st.comp->process(work);
    }
    if (st.deesser) st.deesser->process(work);
    if (st.sat) st.sat->process(work);
    // Pan / width to stereo (out-of-place through `out` as scratch, then back).
    AudioView out = st.out(slot).view(n);
    st.pan->process(ConstAudioView(work), out);
    st.align.process(out);
    // `stereo` now keeps the pre-fader signal for pre-fader sends (a strip without any only
    // used it as scratch: no copy).
    if (st.pre_fader_sends) st.stereo(slot).view(n).copy_from(out);
    // Fader and automation.
    if (s.mute) {
      out.clear();
      return;
    }
    if (s.automation.empty()) {
      out.apply_gain(static_cast<float>(db_to_gain(s.fader_db)));
    } else {
      const double base = s.fader_db;
      for (std::size_t k = 0; k < n; k += kAutomationStep) {
        const std::size_t m = std::min(kAutomationStep, n - k);
        const double t = static_cast<double>(frame0 + static_cast<std::int64_t>(k) -
                                             static_cast<std::int64_t>(latency)) / rate;
        st.fader.set_target(st.automation_gain(base + st.automation_db(std::max(0.0, t))));
        st.fader.fill(st.gain.data() + k, m);
      }
      for (int c = 0; c < 2; ++c) multiply(out.channel(c), st.gain.data(), n);
    }
  }

  bool strip_in_set(const StripNode& st, int set) const {
    if (set == 1) return !st.vocal;
    if (set == 2) return !st.lead;
    return true;
  }

  void process_bus(BusNode& bn, int bus_index, std::size_t n, int slot) {
    if (bn.same_as != nullptr) return;
    AudioView sum = bn.sum[slot].view(n);
    float* curve = bn.curve[slot].data();
    sum.clear();
    for (auto& st : strips)
      if (st->bus == bus_index && !(bn.exclude_lead && st->lead)) sum.add_from(st->out(slot).view(n));
    if (bn.eq) bn.eq->process(sum);
    if (bn.comp) {
      gain_curve(*bn.comp, sum, bn.ones, n);
      const float* g = bn.ones.channel(0);
      for (std::size_t k = 0; k < n; ++k) curve[k] = g[k] * bn.fader;
    } else {
      std::fill_n(curve, n, bn.fader);
    }
    for (int c = 0; c < 2; ++c) multiply(sum.channel(c), curve, n);
  }

  void process_return(ReturnNode& rn, std::size_t n, int slot) {
    if (rn.same_as != nullptr) return;
    AudioView in = rn.buf[slot].view(n);
    in.clear();
    for (auto& st : strips) {
      if (!strip_in_set(*st, rn.set)) continue;
      for (const auto& send : st->s->sends) {
        if (send.to != rn.r->name || st->s->mute) continue;
        in.add_from(send.pre_fader ? st->stereo(slot).view(n) : st->out(slot).view(n),
                    static_cast<float>(db_to_gain(send.level_db)));
      }
    }
    if (rn.reverb) rn.reverb->process(in);
    if (rn.delay) rn.delay->process(in);
    if (rn.eq) rn.eq->process(in);
    in.apply_gain(rn.fader);
  }

  // The bus's sum and gain curve (those of the bus it duplicates, if it does).
  BusNode& bus_out(std::size_t b) {
    BusNode& bn = *buses[b];
    return bn.same_as != nullptr ? *bn.same_as : bn;
  }
  AudioBuffer& fx_out(int set, int slot) { return fx_sum[fx_same_as[set] >= 0 ? fx_same_as[set] : set][slot]; }

  void finish_output(OutputNode& o, std::size_t n, int slot) {
    AudioView v = o.buf.view(n);
    // Sums start from silence (each summing case clears first); a copy needs no clearing.
    const auto add_bus = [&](int b) { v.add_from(bus_out(static_cast<std::size_t>(b)).sum[slot].view(n)); };
    switch (o.id.kind) {
      case OutputKind::mix: v.copy_from(mix_sum[slot].view(n)); break;
      case OutputKind::instrumental:
        v.clear();
        for (int b = 0; b < kNumBuses; ++b)
          if (b != kVocalsBus) add_bus(b);
        v.add_from(fx_out(1, slot).view(n));
        break;
      case OutputKind::acapella:
        v.clear();
        add_bus(kVocalsBus);
        v.add_from(fx_sum[0][slot].view(n));
        v.add_from(fx_out(1, slot).view(n), -1.0f);
        break;
      case OutputKind::tv:
        v.clear();
        for (int b = 0; b < kNumBuses; ++b)
          if (b != kVocalsBus) add_bus(b);
        v.add_from(bus_out(buses.size() - 1).sum[slot].view(n));  // the vocals bus without the lead
        v.add_from(fx_out(2, slot).view(n));
        break;
      case OutputKind::bus_stem: {
        const int b = o.id.name == "fx" ? -1 : bus_index_of(o.id.name);
        if (b < 0) {
          v.copy_from(fx_sum[0][slot].view(n));
        } else {
          v.clear();
          add_bus(b);
        }
        break;
      }
      case OutputKind::stem: {
        StripNode& st = *strips[static_cast<std::size_t>(o.strip)];
        v.copy_from(st.out(slot).view(n));
        if (st.bus >= 0) {
          BusNode& bn = bus_out(static_cast<std::size_t>(st.bus));
          if (st.print_bus_eq) st.print_bus_eq->process(v);
          for (int c = 0; c < 2; ++c) multiply(v.channel(c), bn.curve[slot].data(), n);
        }
        break;
      }
    }
    if (o.id.kind != OutputKind::mix) {
      o.mix_eq->process(v);
      for (int c = 0; c < 2; ++c) multiply(v.channel(c), mix_curve[slot].data(), n);
    }
  }

  // The fx sums of every return set (printed-fx strips included) and the mix bus, one block.
  void process_mix_bus(std::size_t n, int slot, float out_gain, const bool (&need_set)[3]) {
    for (int set = 0; set < 3; ++set) {
      if (!need_set[set] || fx_same_as[set] >= 0) continue;
      AudioView f = fx_sum[set][slot].view(n);
      f.clear();
      for (auto& r : returns)
        if (r->set == set) f.add_from(r->source().buf[slot].view(n));
      for (auto& st : strips)
        if (st->bus < 0) f.add_from(st->out(slot).view(n));
    }
    AudioView m = mix_sum[slot].view(n);
    m.clear();
    for (int b = 0; b < kNumBuses; ++b) m.add_from(buses[static_cast<std::size_t>(b)]->sum[slot].view(n));
    m.add_from(fx_sum[0][slot].view(n));
    mix_eq->process(m);
    float* curve = mix_curve[slot].data();
    if (mix_comp && console.mix_bus.compressor.enabled) {
      gain_curve(*mix_comp, m, mix_ones, n);
      std::copy_n(mix_ones.channel(0), n, curve);
    } else {
      std::fill_n(curve, n, 1.0f);
    }
    for (std::size_t k = 0; k < n; ++k) curve[k] *= out_gain;
    for (int c = 0; c < 2; ++c) multiply(m.channel(c), curve, n);
  }

  // Outputs, and the extra buses/returns that versions need.
  std::vector<std::unique_ptr<OutputNode>> setup_outputs(const std::vector<std::pair<OutputId, Sink*>>& sinks,
                                                         bool (&need_set)[3]) {
    std::vector<std::unique_ptr<OutputNode>> outs;
    need_set[0] = true;
    need_set[1] = need_set[2] = false;
    bool need_nolead_bus = false;
    std::map<std::string, int> index;
    for (std::size_t i = 0; i < strips.size(); ++i) index[strips[i]->s->name] = static_cast<int>(i);
    for (const auto& [id, sink] : sinks) {
      auto o = std::make_unique<OutputNode>();
      o->id = id;
      o->sink = sink;
      o->buf.resize(2, block);
      if (id.kind != OutputKind::mix) {
        o->mix_eq.emplace(console.mix_bus.eq);
        o->mix_eq->prepare(spec(2));
      }
      if (id.kind == OutputKind::instrumental || id.kind == OutputKind::acapella) need_set[1] = true;
      if (id.kind == OutputKind::tv) need_set[2] = need_nolead_bus = true;
      if (id.kind == OutputKind::stem) {
        auto it = index.find(id.name);
        if (it == index.end()) throw failed(id.name, "internal: no such strip to print");
        o->strip = it->second;
        StripNode& st = *strips[static_cast<std::size_t>(o->strip)];
        if (st.bus >= 0 && !st.print_bus_eq) {
          st.print_bus_eq.emplace(buses[static_cast<std::size_t>(st.bus)]->b->eq);
          st.print_bus_eq->prepare(spec(2));
        }
      }
      outs.push_back(std::move(o));
    }
    buses.resize(kNumBuses);
    if (need_nolead_bus) buses.push_back(make_bus("vocals", true));
    returns.erase(std::remove_if(returns.begin(), returns.end(), [](auto& r) { return r->set != 0; }),
                  returns.end());
    const std::size_t base_returns = returns.size();
    for (int set = 1; set < 3; ++set)
      if (need_set[set])
        for (std::size_t r = 0; r < base_returns; ++r) returns.push_back(make_return(*returns[r]->r, set));
    find_duplicates();
    return outs;
  }

  // The strips and sends that feed return `rn` (process_return's order).
  std::vector<std::pair<std::size_t, std::size_t>> feeds(const ReturnNode& rn) const {
    std::vector<std::pair<std::size_t, std::size_t>> f;
    for (std::size_t i = 0; i < strips.size(); ++i) {
      if (!strip_in_set(*strips[i], rn.set)) continue;
      const auto& sends = strips[i]->s->sends;
      for (std::size_t k = 0; k < sends.size(); ++k)
        if (sends[k].to == rn.r->name && !strips[i]->s->mute) f.emplace_back(i, k);
    }
    return f;
  }

  // A version's return, bus or fx sum that would be fed exactly like an earlier one (a song
  // without vocals, a return no vocal sends to, a vocals bus without a lead vocal) is not
  // computed twice: the same processors from the same state on the same input give the same
  // samples, so it reads the earlier one's output.
  void find_duplicates() {
    for (auto& r : returns) r->same_as = nullptr;
    for (std::size_t k = 0; k < returns.size(); ++k) {
      ReturnNode& rk = *returns[k];
      if (rk.set == 0) continue;
      const auto fk = feeds(rk);
      for (std::size_t j = 0; j < k; ++j) {
        ReturnNode& rj = *returns[j];
        if (rj.same_as == nullptr && rj.set < rk.set && rj.r == rk.r && feeds(rj) == fk) {
          rk.same_as = &rj;
          break;
        }
      }
    }
    for (int set = 0; set < 3; ++set) {
      fx_same_as[set] = -1;
      for (int j = 0; j < set && fx_same_as[set] < 0; ++j) {
        if (fx_same_as[j] >= 0) continue;
        std::vector<ReturnNode*> a, b;
        for (const auto& r : returns) {
          if (r->set == j) a.push_back(&r->source());
          if (r->set == set) b.push_back(&r->source());
        }
        if (a == b) fx_same_as[set] = j;
      }
    }
    if (buses.size() > kNumBuses) {
      BusNode& nolead = *buses.back();
      nolead.same_as = nullptr;
      bool any_lead = false;
      for (const auto& st : strips) any_lead = any_lead || (st->bus == kVocalsBus && st->lead);
      if (!any_lead) nolead.same_as = buses[kVocalsBus].get();
    }
  }

  RenderStats render(const std::vector<std::pair<OutputId, Sink*>>& sinks,
                     const std::function<void(double)>& progress) {
    bool need_set[3];
    auto outs = setup_outputs(sinks, need_set);
    reset_all();
    WorkerPool pool(opt.threads);
    return run(pool, outs, need_set, 0, static_cast<std::int64_t>(latency) + out_frames,
               static_cast<std::int64_t>(latency), progress);
  }

  RenderStats render_excerpts(const std::vector<std::pair<OutputId, Sink*>>& sinks,
                              const std::vector<Excerpt>& excerpts, std::int64_t run_in,
                              const std::function<void(double)>& progress) {
    bool need_set[3];
    auto outs = setup_outputs(sinks, need_set);
    WorkerPool pool(opt.threads);
    RenderStats stats;
    const auto lat = static_cast<std::int64_t>(latency);
    std::int64_t done = 0, todo = 0;
    for (const auto& e : excerpts) todo += e.frames;
    for (const auto& e : excerpts) {
      const std::int64_t start = std::clamp<std::int64_t>(e.start, 0, out_frames);
      const std::int64_t end = std::clamp<std::int64_t>(e.start + e.frames, start, out_frames);
      if (end <= start) continue;
      const std::int64_t first = std::max<std::int64_t>(0, start + lat - run_in);
      reset_all(first);
      const auto part = run(pool, outs, need_set, first, end + lat, start + lat, {});
      stats.frames += part.frames;
      stats.nonfinite_fixed += part.nonfinite_fixed;
      done += e.frames;
      if (progress && todo > 0) progress(static_cast<double>(done) / static_cast<double>(todo));
    }
    stats.latency_frames = latency;
    return stats;
  }

  // Internal frames [first, end) through the graph, sources and processors positioned at
  // `first`; the outputs of internal frames from `deliver_from` on reach the sinks.
  RenderStats run(WorkerPool& pool, std::vector<std::unique_ptr<OutputNode>>& outs, const bool (&need_set)[3],
                  std::int64_t first, std::int64_t end, std::int64_t deliver_from,
                  const std::function<void(double)>& progress) {
    const std::int64_t total = end - first;
    const float out_gain = static_cast<float>(db_to_gain(opt.output_gain_db));
    std::int64_t delivered = 0;
    std::vector<std::int64_t> fixed(outs.size(), 0);
    const auto blk = static_cast<std::int64_t>(block);
    const std::int64_t nblocks = total > 0 ? (total + blk - 1) / blk : 0;
    const auto frames_of = [&](std::int64_t b) {
      return static_cast<std::size_t>(std::min<std::int64_t>(blk, total - b * blk));
    };
    const auto slot_of = [](std::int64_t b) { return static_cast<int>(b % kSlots); };
    // The window of block b that is output (from `deliver_from`, before the end).
    const auto out_window = [&](std::int64_t b) {
      const std::int64_t pos = first + b * blk;
      const std::int64_t start = std::max<std::int64_t>(0, deliver_from - pos);
      return std::pair<std::int64_t, std::int64_t>{std::min<std::int64_t>(start, static_cast<std::int64_t>(frames_of(b))),
                                                   static_cast<std::int64_t>(frames_of(b))};
    };
    const auto output = [&](std::size_t j, std::int64_t b) {
      OutputNode& o = *outs[j];
      const std::size_t n = frames_of(b);
      finish_output(o, n, slot_of(b));
      const auto [start, end] = out_window(b);
      if (end <= start) return;
      AudioView v = o.buf.view(n).sub(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start));
      fixed[j] += replace_non_finite(v);
      o.sink->write(v);
    };
    // The pipeline: run t computes, all in parallel (each item writes only its own buffers,
    // in the slot of its block; every sum runs in a fixed order inside one item):
    //   decoding of block t+1, the strips of block t, the returns and buses of block t-1,
    //   the fx sums and mix bus of block t-2, the outputs of block t-3 (finished and written).
    // One synchronisation per block, and no serial stage: the few heavy items (reverbs, the
    // mix bus, the writers) overlap the many light ones.
    const std::size_t ns = strips.size(), nr = returns.size(), nb = buses.size(), no = outs.size();
    pool.run(ns, [&](std::size_t i) {
      position_source(i, first);
      if (nblocks > 0) sources[i]->read(strips[i]->raw(slot_of(0)).view(frames_of(0)));
    });
    for (std::int64_t t = 0; t < nblocks + 3; ++t) {
      const std::int64_t bd = t + 1, bs = t, bb = t - 1, bm = t - 2, bo = t - 3;
      const auto live = [&](std::int64_t b) { return b >= 0 && b < nblocks; };
      // Items, heaviest kinds first so the light ones fill in at the end.
      const std::size_t c_ret = live(bb) ? nr : 0, c_mix = live(bm) ? 1 : 0, c_strip = live(bs) ? ns : 0,
                        c_out = live(bo) ? no : 0, c_dec = live(bd) ? ns : 0, c_bus = live(bb) ? nb : 0;
      pool.run(c_ret + c_mix + c_strip + c_out + c_dec + c_bus, [&](std::size_t j) {
        if (j < c_ret) return process_return(*returns[j], frames_of(bb), slot_of(bb));
        j -= c_ret;
        if (j < c_mix) return process_mix_bus(frames_of(bm), slot_of(bm), out_gain, need_set);
        j -= c_mix;
        if (j < c_strip) return process_strip(j, frames_of(bs), first + bs * blk, slot_of(bs));
        j -= c_strip;
        if (j < c_out) return output(j, bo);
        j -= c_out;
        if (j < c_dec) {
          sources[j]->read(strips[j]->raw(slot_of(bd)).view(frames_of(bd)));
          return;
        }
        j -= c_dec;
        process_bus(*buses[j], j < kNumBuses ? static_cast<int>(j) : kVocalsBus, frames_of(bb), slot_of(bb));
      });
      if (live(bo)) {
        const auto [start, end] = out_window(bo);
        delivered += end - start;
        if (progress) progress(static_cast<double>(bo + 1) / static_cast<double>(nblocks));
      }
    }
    RenderStats stats;
    stats.frames = delivered;
    stats.latency_frames = latency;
    for (auto f : fixed) stats.nonfinite_fixed += f;
    return stats;
  }
};

Renderer::Renderer(const mix::Console& console, std::vector<std::unique_ptr<StemSource>> sources,
                   const RenderOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->console = console;
  impl_->opt = options;
  impl_->build(std::move(sources));
}
Renderer::~Renderer() = default;

RenderStats Renderer::render(const std::vector<std::pair<OutputId, Sink*>>& sinks,
                             const std::function<void(double)>& progress) {
  return impl_->render(sinks, progress);
}

RenderStats Renderer::render_excerpts(const std::vector<std::pair<OutputId, Sink*>>& sinks,
                                      const std::vector<Excerpt>& excerpts, std::int64_t run_in_frames,
                                      const std::function<void(double)>& progress) {
  return impl_->render_excerpts(sinks, excerpts, run_in_frames, progress);
}

std::int64_t Renderer::output_frames() const noexcept { return impl_->out_frames; }
std::int64_t Renderer::stem_frames() const noexcept { return impl_->stem_frames; }

}  // namespace mixdown::graph
