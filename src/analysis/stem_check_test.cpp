#include "analysis/stem_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "../../tests/support/testing.hpp"

using namespace mixdown;
using namespace mixdown::analysis;

namespace {

StemFormat fmt24(const std::string& name, int rate = 48000, std::int64_t frames = 480000) {
  StemFormat s;
  s.name = name;
  s.sample_rate = rate;
  s.channels = 2;
  s.frames = frames;
  s.bit_depth = 24;
  s.container = "WAV";
  s.encoding = "PCM_24";
  return s;
}

std::vector<std::string> codes(const std::vector<Problem>& ps) {
  std::vector<std::string> c;
  for (const auto& p : ps) c.push_back(p.code);
  return c;
}

bool has(const std::vector<Problem>& ps, const std::string& code, const std::string& stem = {}) {
  return std::any_of(ps.begin(), ps.end(), [&](const Problem& p) {
    return p.code == code && (stem.empty() || p.stem == stem);
  });
}

void expect_plain(const std::vector<Problem>& ps) {
  for (const auto& p : ps) {
    EXPECT_FALSE(p.message.empty()) << p.code;
    EXPECT_NE(p.message.find(p.stem), std::string::npos) << "message names the stem: " << p.message;
  }
}

}  // namespace

TEST(StemCheck, FormatProblems) {
  EXPECT_TRUE(format_problems(fmt24("a.wav")).empty());
  auto s16 = fmt24("b.wav");
  s16.bit_depth = 16;
  auto p = format_problems(s16);
  ASSERT_EQ(codes(p), std::vector<std::string>{"low_bit_depth"});
  EXPECT_EQ(p[0].severity, Severity::warning);
  EXPECT_NE(p[0].fix.find("24-bit"), std::string::npos);
  auto fl = fmt24("c.wav");
  fl.bit_depth = 32;
  fl.is_float = true;
  EXPECT_TRUE(format_problems(fl).empty());
  auto ogg = fmt24("d.ogg");
  ogg.lossy = true;
  ogg.bit_depth = 0;
  ogg.container = "OGG";
  ogg.encoding = "VORBIS";
  p = format_problems(ogg);
  ASSERT_EQ(codes(p), std::vector<std::string>{"lossy_format"});
  EXPECT_FALSE(p[0].fix.empty());
  expect_plain(p);
}

TEST(StemCheck, SessionRateIsTheMajorityAndMismatchesAreNamed) {
  std::vector<StemFormat> s = {fmt24("a.wav"), fmt24("b.wav"), fmt24("c.wav", 44100, 441000)};
  EXPECT_EQ(session_rate(s), 48000);
  auto p = rate_problems(s);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].stem, "c.wav");
  EXPECT_NE(p[0].message.find("44100"), std::string::npos);
  EXPECT_NE(p[0].message.find("48000"), std::string::npos);
  // A tie goes to the higher rate.
  EXPECT_EQ(session_rate({fmt24("a.wav", 44100), fmt24("b.wav", 96000)}), 96000);
}

TEST(StemCheck, LengthMismatchSaysByHowMuch) {
  std::vector<StemFormat> s = {fmt24("a.wav", 48000, 480000), fmt24("b.wav", 48000, 480000 - 100),
                               fmt24("c.wav", 48000, 480000 - 48000 * 2)};
  auto p = length_problems(s);
  ASSERT_EQ(p.size(), 1u);  // 100 frames (2 ms) is within tolerance
  EXPECT_EQ(p[0].stem, "c.wav");
  EXPECT_NE(p[0].message.find("2.000 s shorter"), std::string::npos) << p[0].message;
  // Same length at different rates is not a mismatch.
  EXPECT_TRUE(length_problems({fmt24("a.wav", 48000, 480000), fmt24("b.wav", 44100, 441000)}).empty());
}

// One stem 280 s longer than the rest, every second of it silence after its last sound (an
// export's end marker left far out): that stem is named with its silence, and the stems that
// end with the music are not called short.
TEST(StemCheck, LengthMismatchNamesTheStemWhoseExtraIsSilence) {
  std::vector<StemFormat> s = {fmt24("Kick.wav", 48000, 20 * 48000), fmt24("Snare.wav", 48000, 300 * 48000),
                               fmt24("Bass.wav", 48000, 20 * 48000)};
  auto p = length_problems(s, {20.0, 19.6, 20.0});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].stem, "Snare.wav");
  EXPECT_NE(p[0].message.find("280.4 s of silence after its last sound (at 0:19.6)"), std::string::npos) << p[0].message;
  expect_plain(p);
  // Without the sound ends every stem sounds to its end: the short ones are named, as before.
  p = length_problems(s);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_TRUE(has(p, "length_mismatch", "Kick.wav"));
  EXPECT_TRUE(has(p, "length_mismatch", "Bass.wav"));
  // Sound past the shorter stems' end (a long stem that plays on): the short stems are named.
  p = length_problems(s, {20.0, 150.0, 20.0});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_FALSE(has(p, "length_mismatch", "Snare.wav"));
  // A stem that is genuinely short is still named against the length the rest share.
  s.push_back(fmt24("Pad.wav", 48000, 10 * 48000));
  p = length_problems(s, {20.0, 19.6, 20.0, 10.0});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_TRUE(has(p, "length_mismatch", "Snare.wav"));
  ASSERT_TRUE(has(p, "length_mismatch", "Pad.wav"));
  for (const auto& q : p)
    if (q.stem == "Pad.wav") {
      EXPECT_NE(q.message.find("10.000 s shorter than Kick.wav"), std::string::npos) << q.message;
    }
}

TEST(StemCheck, ChannelsOppositeInPolarityAreSaidWithTheFix) {
  StemFeatures f;
  f.silent = false;
  f.dc = {0.0, 0.0};
  f.lr_correlation = -1.0;
  f.out_of_phase = true;
  f.inverted_dual_mono = true;
  auto p = signal_problems(fmt24("Bass.wav"), f);
  ASSERT_EQ(codes(p), std::vector<std::string>{"channels_out_of_phase"});
  EXPECT_EQ(p[0].severity, Severity::warning);
  EXPECT_NE(p[0].message.find("correlation -1.00"), std::string::npos) << p[0].message;
  EXPECT_NE(p[0].fix.find("mono part"), std::string::npos) << p[0].fix;
  expect_plain(p);
  f.lr_correlation = -0.3;  // wide, not inverted
  f.out_of_phase = f.inverted_dual_mono = false;
  EXPECT_TRUE(signal_problems(fmt24("Pad.wav"), f).empty());
}

namespace {
// A stem's excerpts: 24 windows of 2000 samples at 4 kHz, seeded white noise (a part) or a mix.
StemFeatures excerpts_of(std::vector<float> x) {
  StemFeatures f;
  f.silent = false;
  f.excerpt_rate = 4000;
  f.excerpt_window = 2000;
  f.excerpt = std::move(x);
  return f;
}
std::vector<float> part(std::uint32_t seed, double gain = 1.0) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, static_cast<float>(gain));
  std::vector<float> x(24 * 2000);
  for (auto& v : x) v = d(rng);
  return x;
}
std::vector<float> mix(const std::vector<std::pair<double, std::vector<float>>>& parts) {
  std::vector<float> x(parts[0].second.size(), 0.0f);
  for (const auto& [g, p] : parts)
    for (std::size_t k = 0; k < x.size(); ++k) x[k] += static_cast<float>(g * p[k]);
  return x;
}
std::vector<const StemFeatures*> ptrs(const std::vector<StemFeatures>& f) {
  std::vector<const StemFeatures*> p;
  for (const auto& x : f) p.push_back(&x);
  return p;
}
}  // namespace

// The song's bounce among its stems, at its own balance (one part inverted, a quiet one): found,
// with the parts it holds. Independent parts are not; nor is a second mic on one part (kick in
// and out: one part, not a mix); nor a part that dominates a session holding the bounce; two
// bounces are both found.
TEST(StemCheck, ABounceOfTheOtherStemsIsFoundAndPartsAreNot) {
  const auto kick = part(1), bass = part(2), keys = part(3), vox = part(4, 0.3);
  std::vector<StemFeatures> f = {excerpts_of(kick), excerpts_of(bass), excerpts_of(keys), excerpts_of(vox)};
  EXPECT_TRUE(find_bounces(ptrs(f)).empty());
  f.push_back(excerpts_of(mix({{0.5, kick}, {-0.8, bass}, {0.3, keys}, {1.0, vox}, {0.01, part(9)}})));
  auto b = find_bounces(ptrs(f));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].index, 4u);
  EXPECT_GT(b[0].r, 0.99);
  EXPECT_EQ(b[0].parts.size(), 4u);
  EXPECT_EQ(b[0].others, 4u);
  auto p = bounce_problem("Song.wav", b[0], {"Kick.wav", "Bass.wav", "Keys.wav", "Vox.wav"});
  EXPECT_EQ(p.code, "not_a_stem");
  EXPECT_NE(p.message.find("a mix of the other 4 stems"), std::string::npos) << p.message;
  // A second bounce (another balance) is found too.
  f.push_back(excerpts_of(mix({{1.0, kick}, {1.0, bass}, {1.0, keys}, {1.0, vox}})));
  EXPECT_EQ(find_bounces(ptrs(f)).size(), 2u);
  // Kick in and kick out (the same part, another mic: 0.9 of it and its own sound) with parts.
  std::vector<StemFeatures> mics = {excerpts_of(kick), excerpts_of(mix({{0.9, kick}, {0.3, part(7)}})), excerpts_of(bass),
                                    excerpts_of(keys)};
  EXPECT_TRUE(find_bounces(ptrs(mics)).empty());
  // The same sound in three files (a sine of one pitch, different lengths): one source, however
  // well two of them fit the third.
  std::vector<StemFeatures> same = {excerpts_of(kick), excerpts_of(mix({{0.5, kick}, {0.05, part(5)}})),
                                    excerpts_of(mix({{0.7, kick}, {0.05, part(6)}})), excerpts_of(bass)};
  EXPECT_TRUE(find_bounces(ptrs(same)).empty());
  // A part that dominates (the bass 10 dB over the keys and the kick; each part is as exactly
  // the bounce minus the others): the bounce only.
  std::vector<StemFeatures> loud = {excerpts_of(part(2, std::sqrt(10.0))), excerpts_of(kick), excerpts_of(keys)};
  loud.push_back(excerpts_of(mix({{1.0, loud[0].excerpt}, {1.0, kick}, {1.0, keys}})));
  b = find_bounces(ptrs(loud));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].index, 3u);
  // Stems left out (null) take no part: without the bass, the rest explain little of the bounce.
  EXPECT_TRUE(find_bounces({nullptr, &loud[1], &loud[2], &loud[3]}).empty());
}

TEST(StemCheck, SignalProblemsFromFeatures) {
  StemFeatures f;
  f.silent = false;
  f.dc = {0.0, 0.0};
  auto s = fmt24("x.wav");
  EXPECT_TRUE(signal_problems(s, f).empty());
  f.clipped_runs = 12;
  f.first_clip_s = 83.4;
  auto p = signal_problems(s, f);
  ASSERT_TRUE(has(p, "clipping"));
  EXPECT_NE(p[0].message.find("1:23.4"), std::string::npos) << p[0].message;
  ASSERT_TRUE(p[0].at_s.has_value());
  f.clipped_runs = 0;
  f.dc = {0.0, -0.012};
  p = signal_problems(s, f);
  ASSERT_EQ(codes(p), std::vector<std::string>{"dc_offset"});
  EXPECT_NE(p[0].message.find("right channel"), std::string::npos);
  f.dc = {0.0, 0.0};
  f.dual_mono = true;
  p = signal_problems(s, f);
  ASSERT_EQ(codes(p), std::vector<std::string>{"dual_mono"});
  EXPECT_NE(p[0].fix.find("folded to mono"), std::string::npos);
  StemFeatures z;
  z.silent = true;
  z.peak_dbfs = -200;
  p = signal_problems(s, z);
  ASSERT_EQ(codes(p), std::vector<std::string>{"silent"});
  expect_plain(p);
}

TEST(StemCheck, RelationsFindDuplicatesAndPolarity) {
  constexpr int rate = 48000;
  auto a = testkit::noise(-15.0, 4.0, rate, 1, 1);
  for (std::size_t i = 0; i < a.num_frames(); ++i)
    a.channel(0)[i] *= static_cast<float>(std::exp(-double(i % 12000) / 2000.0));
  AudioBuffer dup = a;
  dup.view().apply_gain(0.5f);  // -6 dB copy
  AudioBuffer inv(1, a.num_frames());
  for (std::size_t i = 24; i < a.num_frames(); ++i) inv.channel(0)[i] = -0.8f * a.channel(0)[i - 24];
  auto other = testkit::noise(-15.0, 4.0, rate, 1, 2);
  const auto plan = make_excerpt_plan(static_cast<std::int64_t>(a.num_frames()), rate);
  const auto fa = compute_features(a.view(), rate, plan);
  const auto fd = compute_features(dup.view(), rate, plan);
  const auto fi = compute_features(inv.view(), rate, plan);
  const auto fo = compute_features(other.view(), rate, plan);
  const auto rel = find_relations({&fa, &fd, &fi, &fo});
  std::vector<StemFormat> formats = {fmt24("a.wav"), fmt24("a copy.wav"), fmt24("a bottom.wav"), fmt24("other.wav")};
  const auto p = relation_problems(formats, rel);
  EXPECT_TRUE(has(p, "duplicate", "a copy.wav"));
  EXPECT_TRUE(has(p, "polarity", "a bottom.wav"));
  EXPECT_FALSE(has(p, "duplicate", "a bottom.wav"));  // offset and not the same length of audio
  EXPECT_FALSE(has(p, "duplicate", "other.wav"));
  EXPECT_FALSE(has(p, "polarity", "other.wav"));
  for (const auto& r : rel) {
    if (r.kind == "duplicate") { EXPECT_NEAR(r.gain_db, -6.02, 0.3); }
    if (r.kind == "polarity") { EXPECT_NEAR(r.lag_s * 1000.0, 0.5, 0.15); }
  }
  for (const auto& q : p)
    if (q.code == "polarity") { EXPECT_NE(q.message.find("0.5 ms"), std::string::npos) << q.message; }
  expect_plain(p);
}

TEST(StemCheck, TwoMicsOnOneSourceAreLinedUpAndAShiftedCopyIsSaid) {
  constexpr int rate = 48000;
  auto a = testkit::noise(-15.0, 4.0, rate, 1, 1);
  for (std::size_t i = 0; i < a.num_frames(); ++i)
    a.channel(0)[i] *= static_cast<float>(std::exp(-double(i % 12000) / 2000.0));
  // A second mic: the source darker (a one-pole low-pass), 60 samples (1.25 ms) later, with
  // its own noise; and an exact copy of the source 240 samples (5 ms) later.
  AudioBuffer mic(1, a.num_frames()), copy(1, a.num_frames());
  const auto hiss = testkit::noise(-40.0, 4.0, rate, 1, 3);
  float lp = 0.0f;
  for (std::size_t i = 0; i < a.num_frames(); ++i) {
    lp += 0.3f * ((i >= 60 ? a.channel(0)[i - 60] : 0.0f) - lp);
    mic.channel(0)[i] = 0.7f * lp + hiss.channel(0)[i];
    copy.channel(0)[i] = i >= 240 ? a.channel(0)[i - 240] : 0.0f;
  }
  const auto plan = make_excerpt_plan(static_cast<std::int64_t>(a.num_frames()), rate);
  const auto fa = compute_features(a.view(), rate, plan);
  const auto fm = compute_features(mic.view(), rate, plan);
  const auto fc = compute_features(copy.view(), rate, plan);
  const auto rel = find_relations({&fa, &fm, &fc});
  const auto al = alignments(rel, rate);
  ASSERT_EQ(al.size(), 1u);  // the mic; the copy is the same audio, which aligned would double
  EXPECT_EQ(al[0].stem, 1u);
  EXPECT_EQ(al[0].to, 0u);
  EXPECT_NEAR(al[0].advance_s * 1000.0, 1.25, 0.25);  // the low-pass adds a little delay of its own
  const auto p = relation_problems({fmt24("Kick In.wav"), fmt24("Kick Out.wav"), fmt24("Kick Dup.wav")}, rel);
  EXPECT_TRUE(has(p, "time_offset", "Kick Out.wav"));
  EXPECT_TRUE(has(p, "delayed_copy", "Kick Dup.wav"));
  EXPECT_FALSE(has(p, "time_offset", "Kick Dup.wav"));
  for (const auto& q : p)
    if (q.code == "delayed_copy") { EXPECT_NE(q.message.find("5.0 ms later"), std::string::npos) << q.message; }
  expect_plain(p);
}

TEST(StemCheck, AlignmentsMoveEachStemOnceStrongestFirst) {
  auto rel = [](std::size_t a, std::size_t b, double r, double lag_ms) {
    return Relation{a, b, r < 0 ? "polarity" : "correlated", r, lag_ms / 1000.0, 0.0};
  };
  // 0-1 strongest: 1 moves to 0. 1-2 would move 2 to 1, which has moved: skipped. 2-0: 0 is the
  // anchor, 2 later: 2 moves to 0. 3-4: too weak. 5-6: under one sample. 7-0 with 7 earlier:
  // 0 would move, but others are lined up with it: skipped.
  const std::vector<Relation> rels = {rel(1, 2, 0.92, 0.5), rel(0, 1, 0.95, 1.0), rel(0, 2, -0.9, 2.0),
                                      rel(3, 4, 0.65, 1.0), rel(5, 6, 0.9, 0.01), rel(7, 0, 0.85, 0.8)};
  const auto al = alignments(rels, 48000);
  ASSERT_EQ(al.size(), 2u);
  EXPECT_EQ(al[0].stem, 1u);
  EXPECT_EQ(al[0].to, 0u);
  EXPECT_NEAR(al[0].advance_s, 0.001, 1e-12);
  EXPECT_EQ(al[1].stem, 2u);
  EXPECT_EQ(al[1].to, 0u);
  EXPECT_LT(al[1].r, 0.0);
}

TEST(StemCheck, NameProblems) {
  ContentRole kick{Role::kick, 0.8, "struck"};
  auto p = name_problems("Audio 07.wav", role_from_name("Audio 07.wav"), kick);
  ASSERT_EQ(codes(p), std::vector<std::string>{"unlabeled"});
  EXPECT_NE(p[0].message.find("kick"), std::string::npos);
  EXPECT_EQ(p[0].severity, Severity::info);
  EXPECT_TRUE(name_problems("Kick.wav", role_from_name("Kick.wav"), kick).empty());
  ContentRole hat{Role::hihat, 0.8, "bright"};
  p = name_problems("Kick.wav", role_from_name("Kick.wav"), hat);
  EXPECT_EQ(codes(p), std::vector<std::string>{"role_mismatch"});
  p = name_problems("Rough Mix.wav", role_from_name("Rough Mix.wav"), std::nullopt);
  EXPECT_EQ(codes(p), std::vector<std::string>{"not_a_stem"});
  p = name_problems("Verb Print.wav", role_from_name("Verb Print.wav"), std::nullopt);
  EXPECT_EQ(codes(p), std::vector<std::string>{"printed_return"});
}

TEST(StemCheck, ClockFormat) {
  EXPECT_EQ(format_clock(83.44), "1:23.4");
  EXPECT_EQ(format_clock(5.0), "0:05.0");
}

// The spike rule: samples more than kSpikeMarginDb over the larger of full scale and the loud
// blocks (99th percentile of the block peaks) are spikes, and only where there are any.
TEST(StemCheck, SpikeCeilingOnlyForIsolatedAbsurdSamples) {
  std::vector<float> normal(1000, 0.4f);
  normal[10] = 0.9f;
  EXPECT_EQ(spike_ceiling(normal), 0.0f) << "a stem within full scale";
  std::vector<float> spiked = normal;
  spiked[500] = 1000.0f;
  EXPECT_NEAR(spike_ceiling(spiked), std::pow(10.0f, 24.0f / 20.0f), 1e-4) << "one block at +60 dBFS";
  std::vector<float> hot(1000, 4.0f);  // a float stem at +12 dBFS throughout
  hot[3] = 40.0f;                      // a transient 20 dB over it: music, not a spike
  EXPECT_EQ(spike_ceiling(hot), 0.0f);
  hot[7] = 1000.0f;  // 48 dB over it
  EXPECT_NEAR(spike_ceiling(hot), 4.0f * std::pow(10.0f, 24.0f / 20.0f), 1e-3);
  std::vector<float> integer_scale(1000, 30000.0f);  // a float file written at integer scale
  integer_scale[1] = 32767.0f;
  EXPECT_EQ(spike_ceiling(integer_scale), 0.0f);
  std::vector<float> sparse(1000, 0.0f);  // one hit in silence and a faint tail: no spike
  sparse[100] = 0.5f;
  for (int i = 101; i < 110; ++i) sparse[static_cast<std::size_t>(i)] = 1e-4f;
  EXPECT_EQ(spike_ceiling(sparse), 0.0f);
  EXPECT_EQ(spike_ceiling({}), 0.0f);
  const Problem p = spike_problem("Keys.wav", 1, 1000.0f);
  EXPECT_EQ(p.code, "spike_samples");
  EXPECT_NE(p.message.find("+60.0 dBFS"), std::string::npos) << p.message;
  EXPECT_NE(p.message.find("Keys.wav"), std::string::npos);
}

// Of two stems holding the same audio, the one a mix leaves out: the one named a copy, else
// the quieter, else the later.
TEST(StemCheck, DuplicateCopyIsTheOneNamedSoElseTheQuieterElseTheLater) {
  Relation r;
  r.kind = "duplicate";
  r.a = 3;
  r.b = 5;
  r.gain_db = 0.0;
  EXPECT_EQ(duplicate_copy(r, "Bass copy.wav", "Bass.wav"), 3u);
  EXPECT_EQ(duplicate_copy(r, "Bass.wav", "Bass (1).wav"), 5u);
  EXPECT_EQ(duplicate_copy(r, "Gtr DUP.wav", "Gtr.wav"), 3u);
  EXPECT_EQ(duplicate_copy(r, "Gtr L.wav", "Gtr R.wav"), 5u);
  r.gain_db = 2.0;  // b louder: a is the copy
  EXPECT_EQ(duplicate_copy(r, "Gtr L.wav", "Gtr R.wav"), 3u);
  EXPECT_EQ(duplicate_copy(r, "Gtr.wav", "Gtr copy.wav"), 5u);
}

// A stereo stem with one channel silent (or 40 dB under the other) is one-sided, said, and
// mixed as mono; a stereo part with one quieter side is not.
TEST(StemCheck, OneSidedStereoStem) {
  StemFormat fmt_;
  fmt_.name = "Bass.wav";
  fmt_.channels = 2;
  StemFeatures f;
  f.channels = 2;
  f.silent = false;
  f.one_sided = true;
  f.left_minus_right_db = 200.0;
  const auto p = signal_problems(fmt_, f);
  ASSERT_TRUE(std::any_of(p.begin(), p.end(), [](const Problem& q) { return q.code == "one_sided"; }));
  for (const auto& q : p) {
    if (q.code == "one_sided") {
      EXPECT_NE(q.message.find("only its left channel"), std::string::npos) << q.message;
    }
  }
  EXPECT_TRUE(mixed_as_mono(f));
}
