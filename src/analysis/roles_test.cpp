#include "analysis/roles.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace mixdown;
using namespace mixdown::analysis;

namespace {

struct NameCase {
  const char* name;
  Role role;
};

}  // namespace

TEST(RoleFromName, TokenizesSeparatorsCaseAndDigits) {
  EXPECT_EQ(tokenize_name("01_KickIn02.wav"), (std::vector<std::string>{"kick", "in", "02"}));
  EXPECT_EQ(tokenize_name("Gtr DT2.flac"), (std::vector<std::string>{"gtr", "dt", "2"}));
  EXPECT_EQ(tokenize_name("BGVox-Hi.aif"), (std::vector<std::string>{"bg", "vox", "hi"}));
  EXPECT_EQ(tokenize_name("bassdrum02.ogg.flac"), (std::vector<std::string>{"bassdrum", "02"}));
  EXPECT_EQ(tokenize_name("B3 Organ.wav"), (std::vector<std::string>{"b3", "organ"}));
  EXPECT_EQ(tokenize_name("808.wav"), (std::vector<std::string>{"808"}));
}

TEST(RoleFromName, KnowsTheManyWaysPeopleNameTracks) {
  const NameCase cases[] = {
      {"Kck In.wav", Role::kick},          {"BD.wav", Role::kick},
      {"Kick Out.wav", Role::kick},        {"01_BD_03.flac", Role::kick},
      {"bassdrum02.ogg.flac", Role::kick}, {"808 Kick.wav", Role::kick},
      {"Bass Drum.wav", Role::kick},       {"SN Top.wav", Role::snare},
      {"Snare Btm.wav", Role::snare},      {"linn_snr.ds.flac", Role::snare},
      {"HH.wav", Role::hihat},             {"Hi-Hat.wav", Role::hihat},
      {"Closed_HihHat_03.flac", Role::hihat}, {"Tom 1.wav", Role::tom},
      {"Floor Tom.wav", Role::tom},        {"Crash.wav", Role::cymbal},
      {"Ride.wav", Role::cymbal},          {"OH L.wav", Role::overhead},
      {"Overheads.wav", Role::overhead},   {"Rm.wav", Role::room},
      {"Room Mics.wav", Role::room},       {"Shaker.wav", Role::percussion},
      {"Tamb.wav", Role::percussion},      {"Clap.wav", Role::percussion},
      {"Drums.wav", Role::drums},          {"Bass DI.wav", Role::bass},
      {"808.wav", Role::bass},             {"Sub.wav", Role::bass},
      {"Bass_Slap_02.flac", Role::bass},   {"Synth Bass.wav", Role::bass},
      {"Gtr DT2.wav", Role::guitar},       {"Ac Gtr.wav", Role::guitar},
      {"Electric Guitar L.wav", Role::guitar}, {"Pno.wav", Role::piano},
      {"Grand Piano.wav", Role::piano},    {"Rhodes.wav", Role::keys},
      {"E-Piano.flac", Role::keys},        {"B3 Organ.wav", Role::keys},
      {"Wurli.wav", Role::keys},           {"Synth Lead.wav", Role::synth},
      {"Arp.wav", Role::synth},            {"Pad.wav", Role::pad},
      {"Str.wav", Role::strings},          {"Strings_high.flac", Role::strings},
      {"Cello.wav", Role::strings},        {"Brass.wav", Role::brass},
      {"Horns.wav", Role::brass},          {"Tpt.wav", Role::brass},
      {"Ld Vox.wav", Role::lead_vocal},    {"Lead Vocal.wav", Role::lead_vocal},
      {"Vox Dbl.wav", Role::vocal},        {"Vocals.wav", Role::vocal},
      {"BGV.wav", Role::backing_vocal},    {"BGV 3.wav", Role::backing_vocal},
      {"Harmony.wav", Role::backing_vocal}, {"Adlib.wav", Role::backing_vocal},
      {"Ad Lib 2.wav", Role::backing_vocal}, {"Choir.wav", Role::backing_vocal},
      {"Verb Print.wav", Role::fx},        {"Vox Delay.wav", Role::fx},
      {"Snare Verb.wav", Role::fx},        {"Riser.wav", Role::fx},
      {"SFX.wav", Role::fx},
  };
  static_assert(std::size(cases) >= 40);
  for (const auto& c : cases) {
    const NameInfo n = role_from_name(c.name);
    ASSERT_TRUE(n.role.has_value()) << c.name;
    EXPECT_EQ(to_string(*n.role), to_string(c.role)) << c.name;
    EXPECT_GE(n.confidence, 0.5) << c.name;
    EXPECT_FALSE(n.unlabeled) << c.name;
    EXPECT_FALSE(n.not_a_stem) << c.name;
  }
}

TEST(RoleFromName, KnowsTrackNamesInOtherLanguagesWithTheirAccents) {
  const NameCase cases[] = {
      {"Gesang.wav", Role::vocal},          {"Voix.wav", Role::vocal},
      {"Voz Principal.wav", Role::vocal},   {"Hauptstimme.wav", Role::lead_vocal},
      {"Chœurs.wav", Role::backing_vocal},  {"Coros.wav", Role::backing_vocal},
      {"Batería.wav", Role::drums},         {"Schlagzeug.wav", Role::drums},
      {"Klavier.wav", Role::piano},         {"Gitarre 2.wav", Role::guitar},
      {"Guitare Acoustique.wav", Role::guitar}, {"Basse.wav", Role::bass},
      {"Bajo.wav", Role::bass},             {"Streicher.wav", Role::strings},
      {"Bläser.wav", Role::brass},          {"Órgano.wav", Role::keys},
      {"Cassa.wav", Role::kick},            {"Rullante.wav", Role::snare},
      // Two-word drum names (had read as the whole kit), a choir-sounding pad (had read as a
      // backing vocal), and scripts without letters to fold (had no role at all).
      {"Große Trommel.wav", Role::kick},    {"Caisse claire.wav", Role::snare},
      {"Kleine Trommel.wav", Role::snare},  {"Flächen Pad (Chor).wav", Role::pad},
      {"Choir Pad.wav", Role::pad},         {"Chor.wav", Role::backing_vocal},
      {"ベース.wav", Role::bass},            {"ドラム_L.wav", Role::drums},
      {"キック.wav", Role::kick},            {"ボーカル.wav", Role::vocal},
      {"베이스.wav", Role::bass},            {"01 底鼓.wav", Role::kick},
      {"吉他 2.wav", Role::guitar},
  };
  for (const auto& c : cases) {
    const auto info = role_from_name(c.name);
    ASSERT_TRUE(info.role.has_value()) << c.name;
    EXPECT_EQ(*info.role, c.role) << c.name;
  }
}

TEST(RoleFromName, ReturnsAreMarkedToStayUnprocessed) {
  EXPECT_TRUE(role_from_name("Verb Print.wav").printed_return);
  EXPECT_TRUE(role_from_name("Vox Delay Return.wav").printed_return);
  EXPECT_FALSE(role_from_name("Snare Top.wav").printed_return);
  EXPECT_FALSE(role_from_name("Riser.wav").printed_return);
}

TEST(RoleFromName, GenericNamesSayNothing) {
  for (const char* n : {"Audio 07.wav", "Track 3.wav", "Default preset.flac", "01_Default_preset.flac",
                        "Untitled.wav", "Audio 1-02.wav", "Inst 4.wav", "New Track.aif"}) {
    const NameInfo i = role_from_name(n);
    EXPECT_FALSE(i.role.has_value()) << n;
    EXPECT_TRUE(i.unlabeled) << n;
  }
  // A word that is not an instrument says nothing either, but is not "generic".
  const NameInfo b = role_from_name("14_Broken.flac");
  EXPECT_FALSE(b.role.has_value());
  EXPECT_FALSE(b.unlabeled);
}

TEST(RoleFromName, MixesAndReferencesAreNotStems) {
  for (const char* n : {"Rough Mix.wav", "Song_Bounce_v3.wav", "Reference.wav", "Ref - Artist.mp3",
                        "Master.wav", "Full Mix 2.wav", "premaster.wav"}) {
    const NameInfo i = role_from_name(n);
    EXPECT_TRUE(i.not_a_stem) << n;
    EXPECT_FALSE(i.role.has_value()) << n;
  }
  // A named instrument's own mix is a stem.
  EXPECT_FALSE(role_from_name("Drums Mix.wav").not_a_stem);
  // Tracks for the players are not stems, whatever part they name; a rim click is a snare.
  for (const char* n : {"Click.wav", "Guide Vocal.wav", "Scratch Vox.wav", "Count In.wav", "Metronome.wav", "Click Track.wav"})
    EXPECT_TRUE(role_from_name(n).not_a_stem) << n;
  EXPECT_FALSE(role_from_name("Rim Click.wav").not_a_stem);
}

TEST(RoleFromName, PairsLeftRightDoublesAndMultiMics) {
  const std::vector<std::string> names = {"OH L.wav",    "OH R.wav",     "Gtr DT1.wav",  "Gtr DT2.wav",
                                          "Kick In.wav", "Kick Out.wav", "Vox.wav",      "Vox Dbl.wav",
                                          "Tom 1.wav",   "Tom 2.wav",    "SN Top.wav",   "SN Bottom.wav"};
  const auto pairs = find_pairs(names);
  auto has = [&](const char* kind, std::size_t a, std::size_t b) {
    for (const auto& p : pairs)
      if (p.kind == kind && ((p.a == a && p.b == b) || (p.a == b && p.b == a))) return true;
    return false;
  };
  EXPECT_TRUE(has("stereo", 0, 1));
  EXPECT_TRUE(has("double", 2, 3));
  EXPECT_TRUE(has("multi_mic", 4, 5));
  EXPECT_TRUE(has("double", 6, 7));
  EXPECT_TRUE(has("multi_mic", 10, 11));
  EXPECT_FALSE(has("double", 8, 9));  // two toms are two drums
  EXPECT_EQ(pairs.size(), 5u);
  // Register words name two parts, not two microphones of one.
  EXPECT_TRUE(find_pairs({"Tom Hi.wav", "Tom Lo.wav", "Strings High.wav", "Strings Low.wav"}).empty());
  for (const auto& p : pairs)
    if (p.kind == "stereo") {
      EXPECT_EQ(p.a, 0u);  // the left one first
    }
}

// --- from the sound: synthesized kit pieces and a bass line, built from how they are made ----
namespace {
constexpr int kRate = 48000;
constexpr double kPi = 3.14159265358979323846;

AudioBuffer render(double seconds, const std::function<double(double t, std::mt19937_64&)>& fn) {
  AudioBuffer b(1, static_cast<std::size_t>(seconds * kRate));
  std::mt19937_64 rng(42);
  for (std::size_t i = 0; i < b.num_frames(); ++i) b.channel(0)[i] = static_cast<float>(fn(double(i) / kRate, rng));
  return b;
}

double white(std::mt19937_64& rng) { return std::uniform_real_distribution<double>(-1.0, 1.0)(rng); }

// Hits at the given period; `hit` gets the time since the last hit.
std::function<double(double, std::mt19937_64&)> every(double period, std::function<double(double, std::mt19937_64&)> hit) {
  return [=](double t, std::mt19937_64& rng) { return hit(std::fmod(t, period), rng); };
}

ContentRole classify(const AudioBuffer& b) { return role_from_content(compute_features(b.view(), kRate)); }
}  // namespace

TEST(RoleFromContent, KickIsALowStruckFallingPitch) {
  // Pitch falls from 150 to 50 Hz within ~30 ms, amplitude dies in ~120 ms (an 808/acoustic kick).
  auto kick = render(8.0, every(0.5, [](double t, std::mt19937_64&) {
    const double phase = 2 * kPi * (50.0 * t + 100.0 * 0.03 * (1 - std::exp(-t / 0.03)));
    return 0.8 * std::exp(-t / 0.12) * std::sin(phase);
  }));
  const auto c = classify(kick);
  EXPECT_EQ(to_string(c.role), "kick") << c.reason;
}

TEST(RoleFromContent, SnareIsShellBodyAndWireNoise) {
  auto snare = render(8.0, every(1.0, [](double t, std::mt19937_64& rng) {
    return 0.4 * std::exp(-t / 0.07) * std::sin(2 * kPi * 190.0 * t) + 0.35 * std::exp(-t / 0.06) * white(rng);
  }));
  const auto c = classify(snare);
  EXPECT_EQ(to_string(c.role), "snare") << c.reason;
}

TEST(RoleFromContent, HiHatIsShortBrightNoise) {
  double prev = 0, prev2 = 0;
  auto hat = render(8.0, [&](double t, std::mt19937_64& rng) {
    const double x = white(rng);
    const double y = x - 2 * prev + prev2;  // second difference: a steep tilt toward the top octaves
    prev2 = prev;
    prev = x;
    return 0.2 * std::exp(-std::fmod(t, 0.125) / 0.02) * y;
  });
  const auto c = classify(hat);
  EXPECT_EQ(to_string(c.role), "hihat") << c.reason;
}

TEST(RoleFromContent, CymbalIsBrightNoiseThatRingsAndIsRare) {
  double prev = 0;
  auto crash = render(10.0, [&](double t, std::mt19937_64& rng) {
    const double x = white(rng);
    const double y = x - prev;
    prev = x;
    return 0.3 * std::exp(-std::fmod(t, 5.0) / 1.2) * y;
  });
  const auto c = classify(crash);
  EXPECT_EQ(to_string(c.role), "cymbal") << c.reason;
}

TEST(RoleFromContent, TomIsAPitchedRingInSparseFills) {
  auto tom = render(10.0, [](double t, std::mt19937_64&) {
    for (double hit : {2.0, 2.25, 2.5, 7.0, 7.25}) {
      const double u = t - hit;
      if (u >= 0 && u < 0.25) {
        const double f = 110.0 + 15.0 * std::exp(-u / 0.02);
        return 0.6 * std::exp(-u / 0.18) * (std::sin(2 * kPi * f * u) + 0.4 * std::sin(2 * kPi * 2.3 * f * u));
      }
    }
    return 0.0;
  });
  const auto c = classify(tom);
  EXPECT_EQ(to_string(c.role), "tom") << c.reason;
}

TEST(RoleFromContent, BassIsALowMovingLine) {
  const double notes[] = {55.0, 65.41, 73.42, 49.0, 82.41, 61.74, 55.0, 41.2};
  auto bass = render(8.0, [&](double t, std::mt19937_64&) {
    const double f = notes[static_cast<int>(t / 0.5) % 8];
    const double u = std::fmod(t, 0.5);
    double v = 0;
    for (int k = 1; k <= 6; ++k) v += std::sin(2 * kPi * k * f * u) / (k * k);
    return 0.5 * std::min(1.0, u / 0.01) * v;
  });
  const auto c = classify(bass);
  EXPECT_EQ(to_string(c.role), "bass") << c.reason;
}

TEST(RoleFromContent, APluckedSynthPlayingAMelodyIsNoDrum) {
  // A plucked FM synth: bright inharmonic sidebands and a breath of noise at each attack (the
  // body and noise a snare has too), two notes a second, a new pitch on most notes, and in
  // stereo (its right side a slightly detuned voice): a part, not a kit piece.
  const double notes[] = {261.6, 293.7, 329.6, 261.6, 392.0, 329.6, 293.7, 220.0};
  AudioBuffer b(2, static_cast<std::size_t>(8.0 * kRate));
  std::mt19937_64 rng(7);
  for (std::size_t i = 0; i < b.num_frames(); ++i) {
    const double t = double(i) / kRate, u = std::fmod(t, 0.5);
    const double f = notes[static_cast<int>(t / 0.5) % 8];
    const double env = std::exp(-u / 0.12), index = 8.0 * std::exp(-u / 0.05);
    const double noise = 0.8 * std::exp(-u / 0.04) * white(rng);
    const double l = env * std::sin(2 * kPi * f * u + index * std::sin(2 * kPi * 1.41 * f * u)) + noise;
    const double r = env * std::sin(2 * kPi * f * 1.006 * u + index * std::sin(2 * kPi * 1.41 * f * 1.006 * u)) + noise;
    b.channel(0)[i] = static_cast<float>(0.4 * l);
    b.channel(1)[i] = static_cast<float>(0.4 * r);
  }
  const auto c = role_from_content(compute_features(b.view(), kRate));
  EXPECT_FALSE(is_drum(c.role)) << to_string(c.role) << ": " << c.reason;
}

TEST(RoleFromContent, SilenceIsNothing) {
  AudioBuffer z(1, kRate);
  const auto c = classify(z);
  EXPECT_EQ(c.confidence, 0.0);
}

TEST(RoleFromContent, StrongDisagreementOnlyAcrossFamilies) {
  ContentRole hat{Role::hihat, 0.8, ""};
  EXPECT_TRUE(strongly_disagree(Role::kick, hat));
  EXPECT_FALSE(strongly_disagree(Role::cymbal, hat));    // same family
  EXPECT_FALSE(strongly_disagree(Role::overhead, hat));  // overheads hear everything
  ContentRole weak{Role::hihat, 0.3, ""};
  EXPECT_FALSE(strongly_disagree(Role::kick, weak));
}

TEST(ImpossibleName, ASoundANameCannotBeIsMixedAsWhatItSoundsLike) {
  StemFeatures kick;
  kick.silent = false;
  kick.low120_share = 0.95;
  const ContentRole heard_kick{Role::kick, 0.9, "struck, energy below 120 Hz"};
  // A kick exported as "Vocals.wav": no voice has a third of its energy below 120 Hz.
  const auto v = impossible_name(Role::lead_vocal, kick, heard_kick);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->role, Role::kick);
  EXPECT_TRUE(v->overrules_name && v->contradicts_name);
  EXPECT_NE(v->reason.find("95%"), std::string::npos) << v->reason;
  // A bass named as a hi-hat; a hi-hat named as a kick.
  StemFeatures bass = kick;
  bass.low120_share = 0.39;
  EXPECT_EQ(impossible_name(Role::hihat, bass, {Role::bass, 0.8, ""})->role, Role::bass);
  StemFeatures hat;
  hat.silent = false;
  hat.low120_share = 0.0;
  hat.high5k_share = 0.8;
  EXPECT_EQ(impossible_name(Role::kick, hat, {Role::hihat, 0.8, ""})->role, Role::hihat);
  // What a name can be stays the name's: a voice with its few % below 120 Hz, a sound the
  // content reading is unsure of or calls "other", kit pieces of one family, overheads.
  StemFeatures voice = hat;
  voice.low120_share = 0.04;
  voice.high5k_share = 0.05;
  EXPECT_FALSE(impossible_name(Role::lead_vocal, voice, {Role::synth, 0.8, ""}).has_value());
  EXPECT_FALSE(impossible_name(Role::lead_vocal, kick, {Role::kick, 0.3, ""}).has_value());
  EXPECT_FALSE(impossible_name(Role::lead_vocal, kick, {Role::other, 0.9, ""}).has_value());
  EXPECT_FALSE(impossible_name(Role::tom, kick, heard_kick).has_value());
  EXPECT_FALSE(impossible_name(Role::overhead, kick, heard_kick).has_value());
}

TEST(SyntheticVoice, AVoiceNamedPresetWithNoNoiseIsASynthButVocalWordsAreTrusted) {
  StemFeatures tone;  // a pure synthetic tone: no breath, no consonants
  tone.silent = false;
  tone.flatness = 0.0007;
  tone.high5k_share = 0.001;
  const auto killed = synthetic_voice(role_from_name("09_Killed_Voice.wav"), tone);
  ASSERT_TRUE(killed.has_value());
  EXPECT_EQ(killed->role, Role::synth);
  EXPECT_TRUE(killed->overrules_name);
  EXPECT_NE(killed->reason.find("flatness"), std::string::npos);
  // A real vocal word is trusted whatever the sound.
  EXPECT_FALSE(synthetic_voice(role_from_name("Lead Voice.wav"), tone).has_value());
  EXPECT_FALSE(synthetic_voice(role_from_name("Vox.wav"), tone).has_value());
  EXPECT_FALSE(synthetic_voice(role_from_name("Backing Vocals.wav"), tone).has_value());
  // A voice with breath and sibilants stays a voice.
  StemFeatures sung = tone;
  sung.flatness = 0.02;
  sung.high5k_share = 0.01;
  EXPECT_FALSE(synthetic_voice(role_from_name("Voice.wav"), sung).has_value());
  // Not a vocal name at all.
  EXPECT_FALSE(synthetic_voice(role_from_name("Pad.wav"), tone).has_value());
}
