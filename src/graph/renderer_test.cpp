#include "graph/renderer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "core/units.hpp"

using namespace mixdown;
using namespace mixdown::graph;

namespace {

struct CollectSink : Sink {
  std::vector<float> l, r;
  void write(const ConstAudioView& v) override {
    l.insert(l.end(), v.channel(0), v.channel(0) + v.num_frames());
    r.insert(r.end(), v.channel(1), v.channel(1) + v.num_frames());
  }
};

AudioBuffer noise(int ch, std::size_t n, unsigned seed, float amp = 0.25f) {
  AudioBuffer b(ch, n);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-amp, amp);
  for (int c = 0; c < ch; ++c)
    for (std::size_t i = 0; i < n; ++i) b.channel(c)[i] = u(rng);
  return b;
}

mix::Strip strip(const std::string& name, const std::string& bus, Role role = Role::other) {
  mix::Strip s;
  s.name = name;
  s.bus = bus;
  s.role = role;
  return s;
}

struct Rendered {
  std::map<std::string, CollectSink> out;
  RenderStats stats;
};

Rendered render(const mix::Console& c, const std::vector<AudioBuffer>& audio, std::vector<OutputId> ids,
                int threads = 1, std::size_t block = 512) {
  std::vector<std::unique_ptr<StemSource>> src;
  for (auto& a : audio) src.push_back(std::make_unique<BufferSource>(a));
  RenderOptions opt;
  opt.threads = threads;
  opt.block_frames = block;
  Renderer r(c, std::move(src), opt);
  Rendered res;
  std::vector<std::pair<OutputId, Sink*>> sinks;
  for (auto& id : ids) sinks.push_back({id, &res.out[id.name.empty() ? std::to_string(int(id.kind)) : id.name]});
  res.stats = r.render(sinks);
  return res;
}

// A console with processing everywhere: the hard case for exact sums.
mix::Console busy_console() {
  mix::Console c;
  c.sample_rate = 48000;
  c.strips = {strip("kick", "drums", Role::kick), strip("bass", "bass", Role::bass),
              strip("keys", "music", Role::keys), strip("vox", "vocals", Role::lead_vocal),
              strip("bgv", "vocals", Role::backing_vocal), strip("verbprint", "fx", Role::fx)};
  for (auto& s : c.strips) {
    s.high_pass = {true, 40.0, 2};
    s.eq.bands = {{true, dsp::EqType::bell, 300.0, -3.0, 1.0}, {true, dsp::EqType::high_shelf, 8000.0, 2.0, 0.7}};
    s.compressor.enabled = true;
    s.compressor.threshold_db = -24.0;
    s.compressor.ratio = 3.0;
    s.sends = {{"plate", -12.0, false}, {"delay", -18.0, true}};
    s.pan.pan = 0.3;
  }
  c.strips[1].compressor.key = "kick";
  c.strips[2].saturator = {true, dsp::SaturationMode::tape, 6.0, 1.0};  // adds latency
  for (const char* b : {"drums", "bass", "music", "vocals"}) {
    mix::Bus bus;
    bus.name = b;
    bus.eq.bands = {{true, dsp::EqType::low_shelf, 100.0, 1.5, 0.7}};
    bus.compressor = {true, -20.0, 2.0, 6.0, 10.0, 100.0, 1.0, dsp::Detector::rms, 0.6, ""};
    c.buses.push_back(bus);
  }
  mix::Return plate;
  plate.name = "plate";
  plate.reverb.decay_s = 1.0;
  mix::Return delay;
  delay.name = "delay";
  delay.kind = mix::ReturnKind::delay;
  delay.delay.time_ms = 50.0;
  c.returns = {plate, delay};
  c.mix_bus.eq.bands = {{true, dsp::EqType::bell, 2000.0, 1.0, 0.7}};
  c.mix_bus.compressor = {true, -18.0, 2.0, 6.0, 20.0, 150.0, 0.0, dsp::Detector::rms, 1.0, ""};
  return c;
}

std::vector<AudioBuffer> busy_audio() {
  std::vector<AudioBuffer> a;
  for (unsigned i = 0; i < 6; ++i) a.push_back(noise(i % 2 ? 1 : 2, 24000, 10 + i));
  return a;
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, double(std::abs(a[i] - b[i])));
  return m;
}

}  // namespace

TEST(Renderer, NeutralConsoleIsIdentityForAStereoStem) {
  mix::Console c;
  c.strips = {strip("a", "music")};
  auto in = noise(2, 5000, 1);
  auto res = render(c, {in}, {{OutputKind::mix, ""}});
  auto& m = res.out["0"];
  ASSERT_EQ(m.l.size(), 5000u);
  for (std::size_t i = 0; i < 5000; ++i) {
    ASSERT_FLOAT_EQ(m.l[i], in.channel(0)[i]);
    ASSERT_FLOAT_EQ(m.r[i], in.channel(1)[i]);
  }
}

TEST(Renderer, MonoStemAtCentreIsMinus3dBEachSide) {
  mix::Console c;
  c.strips = {strip("a", "music")};
  AudioBuffer in(1, 1000);
  std::fill_n(in.channel(0), 1000, 0.5f);
  auto res = render(c, {in}, {{OutputKind::mix, ""}});
  EXPECT_NEAR(gain_to_db(res.out["0"].l[500] / 0.5), -3.0103, 0.01);
  EXPECT_NEAR(gain_to_db(res.out["0"].r[500] / 0.5), -3.0103, 0.01);
}

TEST(Renderer, LatencyCompensationKeepsParallelStripsSampleAligned) {
  // Strip b has a saturator (oversampling latency) at zero mix: it passes the dry signal, late.
  // Inverted against strip a, the two must cancel only if the renderer aligned them.
  mix::Console c;
  c.strips = {strip("a", "music"), strip("b", "music")};
  c.strips[1].saturator = {true, dsp::SaturationMode::tape, 0.0, 0.0};
  c.strips[1].polarity_invert = true;
  auto in = noise(1, 6000, 3);
  auto res = render(c, {in, in}, {{OutputKind::mix, ""}});
  EXPECT_GT(res.stats.latency_frames, 0u);
  ASSERT_EQ(res.out["0"].l.size(), 6000u);
  double peak = 0;
  for (float v : res.out["0"].l) peak = std::max(peak, double(std::abs(v)));
  EXPECT_LT(peak, 1e-4) << "latency " << res.stats.latency_frames;
}

TEST(Renderer, BusStemsSumToTheMixThroughBusAndMixBusCompression) {
  auto c = busy_console();
  auto audio = busy_audio();
  std::vector<OutputId> ids = {{OutputKind::mix, ""}};
  for (const char* b : {"drums", "bass", "music", "vocals", "fx"}) ids.push_back({OutputKind::bus_stem, b});
  auto res = render(c, audio, ids);
  auto& mixl = res.out["0"].l;
  std::vector<float> sum(mixl.size(), 0.0f);
  double peak = 0;
  for (const char* b : {"drums", "bass", "music", "vocals", "fx"}) {
    ASSERT_EQ(res.out[b].l.size(), mixl.size());
    for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += res.out[b].l[i];
  }
  for (float v : mixl) peak = std::max(peak, double(std::abs(v)));
  EXPECT_GT(peak, 0.05);
  EXPECT_LT(max_diff(sum, mixl), 1e-5 * std::max(1.0, peak));
}

TEST(Renderer, InstrumentalPlusAcapellaIsTheMixAndTvLacksTheLead) {
  auto c = busy_console();
  auto audio = busy_audio();
  auto res = render(c, audio, {{OutputKind::mix, ""}, {OutputKind::instrumental, "inst"},
                               {OutputKind::acapella, "acap"}, {OutputKind::tv, "tv"}});
  auto& mixl = res.out["0"].l;
  std::vector<float> sum(mixl.size());
  for (std::size_t i = 0; i < sum.size(); ++i) sum[i] = res.out["inst"].l[i] + res.out["acap"].l[i];
  EXPECT_LT(max_diff(sum, mixl), 1e-5);
  // TV differs from the mix (lead removed) and from the instrumental (backing vocal kept).
  EXPECT_GT(max_diff(res.out["tv"].l, mixl), 1e-3);
  EXPECT_GT(max_diff(res.out["tv"].l, res.out["inst"].l), 1e-3);
}

TEST(Renderer, OutputIsBitIdenticalForAnyThreadCount) {
  auto c = busy_console();
  auto audio = busy_audio();
  std::vector<OutputId> ids = {{OutputKind::mix, ""}, {OutputKind::stem, "vox"}, {OutputKind::tv, "tv"}};
  auto a = render(c, audio, ids, 1);
  for (int threads : {2, 4}) {
    auto b = render(c, audio, ids, threads);
    for (auto& [k, sink] : a.out) {
      ASSERT_EQ(sink.l, b.out[k].l) << k << " threads " << threads;
      ASSERT_EQ(sink.r, b.out[k].r) << k << " threads " << threads;
    }
  }
}

TEST(Renderer, ReverbTailIsFlushedPastTheLongestStem) {
  mix::Console c;
  c.strips = {strip("a", "music")};
  c.strips[0].sends = {{"hall", 0.0, false}};
  mix::Return hall;
  hall.name = "hall";
  hall.reverb.decay_s = 1.0;
  c.returns = {hall};
  auto in = noise(1, 4800, 5);
  auto res = render(c, {in}, {{OutputKind::mix, ""}});
  auto& l = res.out["0"].l;
  ASSERT_GT(l.size(), 4800u + 24000u) << "at least half a second of tail";
  double tail_energy = 0;
  for (std::size_t i = 4800 + 2400; i < 4800 + 9600; ++i) tail_energy += l[i] * l[i];
  EXPECT_GT(tail_energy, 1e-4);
}

TEST(Renderer, AutomationMovesTheFaderSmoothly) {
  mix::Console c;
  c.strips = {strip("a", "music")};
  c.strips[0].automation = {{0.0, 0.0}, {0.5, 0.0}, {0.5, -12.0}, {1.0, -12.0}};
  AudioBuffer in(2, 48000);
  for (int ch = 0; ch < 2; ++ch) std::fill_n(in.channel(ch), 48000, 0.5f);
  auto res = render(c, {in}, {{OutputKind::mix, ""}});
  auto& l = res.out["0"].l;
  EXPECT_NEAR(l[12000], 0.5f, 1e-4);
  EXPECT_NEAR(gain_to_db(l[40000] / 0.5), -12.0, 0.05);
  // Smoothed: no jump of more than 1 dB between adjacent samples around the step.
  for (std::size_t i = 23900; i < 25500; ++i) EXPECT_LT(std::abs(gain_to_db(l[i + 1] / l[i])), 0.1);
}

TEST(Renderer, PrintedStemIsTheStripAsItSitsInTheMix) {
  // With a single strip and no returns, the printed stem equals the mix.
  auto c = busy_console();
  c.strips.resize(1);
  c.strips[0].sends.clear();
  auto res = render(c, {busy_audio()[0]}, {{OutputKind::mix, ""}, {OutputKind::stem, "kick"}});
  EXPECT_LT(max_diff(res.out["kick"].l, res.out["0"].l), 1e-6);
}

// An excerpt restarts the graph a run-in before it: once the run-in has settled the
// compressors, the excerpt matches the full render there (the plate's tail from before the
// run-in is missing, so only close, not equal; misplaced by even a frame it would differ by
// the whole signal); the sink gets exactly the excerpts' frames,
// back to back, for any thread count alike.
TEST(Renderer, ExcerptsMatchTheFullRenderAfterTheirRunIn) {
  const auto c = busy_console();
  const auto audio = busy_audio();
  const auto full = render(c, audio, {{OutputKind::mix, ""}});
  const auto& m = full.out.at("0");
  const std::vector<Excerpt> excerpts = {{13000, 2000}, {18000, 3000}, {22000, 5000}};  // the last runs into the tail
  std::vector<std::vector<float>> got;
  for (int threads : {1, 2}) {
    std::vector<std::unique_ptr<StemSource>> src;
    for (auto& a : audio) src.push_back(std::make_unique<BufferSource>(a));
    RenderOptions opt;
    opt.threads = threads;
    opt.block_frames = 512;
    Renderer r(c, std::move(src), opt);
    CollectSink sink;
    const auto stats = r.render_excerpts({{{OutputKind::mix, ""}, &sink}}, excerpts, 12000);
    ASSERT_EQ(sink.l.size(), 2000u + 3000u + 5000u);
    EXPECT_EQ(stats.frames, 10000);
    got.push_back(sink.l);
    double peak = 0, worst = 0;
    std::size_t at = 0;
    for (const auto& e : excerpts)
      for (std::int64_t i = 0; i < e.frames; ++i, ++at) {
        const float want = m.l[static_cast<std::size_t>(e.start + i)];
        peak = std::max(peak, double(std::abs(want)));
        worst = std::max(worst, double(std::abs(sink.l[at] - want)));
      }
    EXPECT_LT(worst, 0.03 * peak);  // measured 2 % (0.25 s run-in, 1 s plate)
  }
  EXPECT_EQ(got[0], got[1]);
}

// A version's return that no left-out strip sends to reuses the mix's return (computed once).
// Whether or not the vocals send to the returns, the instrumental and the TV version are the
// same samples: a return wrongly shared with the full set would carry the vocals' reverb into
// them. Linear buses and mix bus (no compressors), so the vocals' sends change nothing else.
TEST(Renderer, VersionsLeaveOutTheVocalSendsWhetherOrNotReturnsAreShared) {
  auto with = busy_console();
  for (auto& b : with.buses) b.compressor.enabled = false;
  with.mix_bus.compressor.enabled = false;
  auto without = with;
  for (auto& s : without.strips)
    if (s.bus == "vocals") s.sends.clear();
  const auto audio = busy_audio();
  const std::vector<OutputId> ids = {{OutputKind::mix, ""}, {OutputKind::instrumental, "inst"},
                                     {OutputKind::acapella, "acap"}, {OutputKind::tv, "tv"}};
  for (int threads : {1, 2}) {
    auto a = render(with, audio, ids, threads);
    auto b = render(without, audio, ids, threads);
    EXPECT_GT(max_diff(a.out["0"].l, b.out["0"].l), 1e-4) << "the vocal sends reach the mix";
    ASSERT_EQ(a.out["inst"].l, b.out["inst"].l);
    ASSERT_EQ(a.out["inst"].r, b.out["inst"].r);
    // TV keeps the backing vocal's sends: it differs; without any vocal send it is unchanged
    // by the lead's sends alone.
    EXPECT_GT(max_diff(a.out["tv"].l, b.out["tv"].l), 1e-4);
  }
  auto lead_only = with;
  for (auto& s : lead_only.strips)
    if (s.role == Role::lead_vocal) s.sends.clear();
  auto a = render(with, audio, ids);
  auto b = render(lead_only, audio, ids);
  ASSERT_EQ(a.out["tv"].l, b.out["tv"].l);
  ASSERT_EQ(a.out["tv"].r, b.out["tv"].r);
  EXPECT_GT(max_diff(a.out["inst"].l, a.out["tv"].l), 1e-4);
  // The TV version is the mix with the lead muted: its own vocals bus, not the mix's.
  auto muted = with;
  for (auto& s : muted.strips)
    if (s.role == Role::lead_vocal) s.mute = true;
  auto m = render(muted, audio, ids);
  ASSERT_EQ(a.out["tv"].l, m.out["tv"].l);
  ASSERT_EQ(a.out["tv"].l, m.out["0"].l);
  EXPECT_GT(max_diff(a.out["tv"].l, a.out["0"].l), 1e-4);
}

// Without vocals every version's returns and vocals bus are shared with the mix: the
// instrumental and the TV version are the mix, sample for sample, and the a cappella is silent.
TEST(Renderer, VersionsOfASongWithoutVocalsAreTheMix) {
  auto c = busy_console();
  c.strips.erase(c.strips.begin() + 3, c.strips.begin() + 5);  // vox, bgv
  auto audio = busy_audio();
  audio.erase(audio.begin() + 3, audio.begin() + 5);
  const auto res = render(c, audio, {{OutputKind::mix, ""}, {OutputKind::instrumental, "inst"},
                                     {OutputKind::acapella, "acap"}, {OutputKind::tv, "tv"}}, 2);
  const auto& m = res.out.at("0");
  double peak = 0;
  for (float v : m.l) peak = std::max(peak, double(std::abs(v)));
  EXPECT_GT(peak, 0.05);
  for (const char* v : {"inst", "tv"}) {
    ASSERT_EQ(res.out.at(v).l, m.l) << v;
    ASSERT_EQ(res.out.at(v).r, m.r) << v;
  }
  for (float v : res.out.at("acap").l) ASSERT_EQ(v, 0.0f);
}

// The sources are positioned by the run itself, in parallel: after excerpts, a full render
// from the same renderer starts again at frame 0 and equals a fresh renderer's.
TEST(Renderer, AFullRenderAfterExcerptsStartsFromTheTop) {
  const auto c = busy_console();
  const auto audio = busy_audio();
  const auto fresh = render(c, audio, {{OutputKind::mix, ""}}, 2);
  std::vector<std::unique_ptr<StemSource>> src;
  for (auto& a : audio) src.push_back(std::make_unique<BufferSource>(a));
  RenderOptions opt;
  opt.threads = 2;
  opt.block_frames = 512;
  Renderer r(c, std::move(src), opt);
  CollectSink excerpt, full;
  r.render_excerpts({{{OutputKind::mix, ""}, &excerpt}}, {{9000, 3000}, {16000, 2000}}, 4000);
  ASSERT_EQ(excerpt.l.size(), 5000u);
  r.render({{{OutputKind::mix, ""}, &full}});
  const auto& m = fresh.out.at("0");
  ASSERT_EQ(full.l.size(), m.l.size());
  EXPECT_EQ(full.l, m.l);
  EXPECT_EQ(full.r, m.r);
}

// A pre-fader send carries the strip as it is before its fader: with the keys at -20 dB and a
// pre-fader send, the returns (the fx bus stem, the mix bus compressor off so its gain curve
// does not follow the fader) get exactly what a post-fader send gets at 0 dB. The other
// strips have no pre-fader send (their pre-fader copy is skipped).
TEST(Renderer, PreFaderSendsCarryTheStripBeforeItsFader) {
  auto c = busy_console();
  auto audio = busy_audio();
  c.mix_bus.compressor.enabled = false;
  for (auto& s : c.strips) s.sends.clear();
  c.strips[0].sends = {{"plate", -12.0, false}};
  c.strips[2].sends = {{"delay", -6.0, false}};
  const auto post = render(c, audio, {{OutputKind::bus_stem, "fx"}, {OutputKind::mix, ""}}, 2);
  c.strips[2].fader_db = -20.0;
  c.strips[2].sends = {{"delay", -6.0, true}};
  const auto pre = render(c, audio, {{OutputKind::bus_stem, "fx"}, {OutputKind::mix, ""}}, 2);
  ASSERT_GT(post.out.at("fx").l.size(), 1000u);
  double peak = 0;
  for (float v : post.out.at("fx").l) peak = std::max(peak, double(std::abs(v)));
  EXPECT_GT(peak, 1e-3);
  EXPECT_EQ(pre.out.at("fx").l, post.out.at("fx").l);
  EXPECT_EQ(pre.out.at("fx").r, post.out.at("fx").r);
  EXPECT_GT(max_diff(pre.out.at("0").l, post.out.at("0").l), 1e-3);  // the fader did move
}

// A NaN or Inf that reaches an output (here straight through a neutral console) is written as
// silence and counted, once per output sample; the samples around it pass unchanged.
TEST(Renderer, NonFiniteOutputSamplesAreSilencedAndCounted) {
  mix::Console c;
  c.strips = {strip("a", "music")};
  AudioBuffer in = noise(2, 5000, 3);
  const std::vector<std::size_t> bad{7, 1500, 1501, 4999};
  for (std::size_t i : bad) in.channel(0)[i] = i % 2 ? INFINITY : NAN;
  in.channel(1)[1500] = -INFINITY;
  const auto res = render(c, {in}, {{OutputKind::mix, ""}, {OutputKind::stem, "a"}}, 2, 256);
  EXPECT_EQ(res.stats.nonfinite_fixed, 2 * 5);  // two outputs, five bad samples each
  for (const char* k : {"0", "a"}) {
    const auto& o = res.out.at(k);
    ASSERT_EQ(o.l.size(), 5000u) << k;
    for (std::size_t i = 0; i < o.l.size(); ++i) {
      ASSERT_TRUE(std::isfinite(o.l[i]) && std::isfinite(o.r[i])) << k << " " << i;
      const bool was_bad = std::find(bad.begin(), bad.end(), i) != bad.end();
      if (was_bad) EXPECT_EQ(o.l[i], 0.0f) << k << " " << i;
      else EXPECT_EQ(o.l[i], in.channel(0)[i]) << k << " " << i;
    }
    EXPECT_EQ(o.r[1500], 0.0f) << k;
    EXPECT_EQ(o.r[1499], in.channel(1)[1499]) << k;
  }
}

// A keyed compressor hears its key after the key stem's trim: the kick exported 12 dB quieter
// and trimmed back up ducks the bass exactly as much (the bass's stem output is the same, up to
// the rounding of the two ways to the same key level).
TEST(Renderer, KeyedDuckHearsTheKeyAfterItsTrim) {
  mix::Console c;
  c.sample_rate = 48000;
  c.strips = {strip("kick", "drums", Role::kick), strip("bass", "bass", Role::bass)};
  auto& duck = c.strips[1].compressor;
  duck.enabled = true;
  duck.key = "kick";
  duck.threshold_db = -30.0;
  duck.ratio = 4.0;
  duck.attack_ms = 1.0;
  duck.release_ms = 100.0;
  std::vector<AudioBuffer> audio = {noise(1, 24000, 3, 0.5f), noise(1, 24000, 4, 0.1f)};
  const auto loud = render(c, audio, {{OutputKind::stem, "bass"}});
  for (std::size_t i = 0; i < 24000; ++i) audio[0].channel(0)[i] *= static_cast<float>(db_to_gain(-12.0));
  c.strips[0].trim_db = 12.0;
  const auto quiet = render(c, audio, {{OutputKind::stem, "bass"}});
  // Unducked, the bass stem would be as loud as its input; the duck takes several dB off.
  c.strips[1].compressor.key.clear();
  c.strips[1].compressor.enabled = false;
  const auto dry = render(c, audio, {{OutputKind::stem, "bass"}});
  const auto& a = loud.out.at("bass").l;
  const auto& b = quiet.out.at("bass").l;
  ASSERT_EQ(a.size(), b.size());
  EXPECT_LT(max_diff(a, b), 1e-5);
  double ea = 0, ed = 0;
  for (std::size_t i = 0; i < a.size(); ++i) ea += double(a[i]) * a[i], ed += double(dry.out.at("bass").l[i]) * dry.out.at("bass").l[i];
  EXPECT_LT(10.0 * std::log10(ea / ed), -3.0) << "the kick should duck the bass";
}

TEST(StemSources, AnAdvancedSourceStartsLaterInTheFileAndSeeksFromThere) {
  AudioBuffer ramp(1, 1000);
  for (std::size_t i = 0; i < ramp.num_frames(); ++i) ramp.channel(0)[i] = static_cast<float>(i);
  AdvancedSource s(std::make_unique<BufferSource>(ramp), 37);
  EXPECT_EQ(s.frames(), 963);
  AudioBuffer out(1, 10);
  s.read(out.view());
  EXPECT_EQ(out.channel(0)[0], 37.0f);
  EXPECT_EQ(out.channel(0)[9], 46.0f);
  s.seek(100);
  s.read(out.view());
  EXPECT_EQ(out.channel(0)[0], 137.0f);
  s.rewind();
  s.read(out.view());
  EXPECT_EQ(out.channel(0)[0], 37.0f);
  s.seek(960);  // past the moved end: the last 3 frames, then silence
  s.read(out.view());
  EXPECT_EQ(out.channel(0)[2], 999.0f);
  EXPECT_EQ(out.channel(0)[3], 0.0f);
}
