// What each stem is: its role from its name (a synonym table over tokens) and from its sound
// (a transparent scored rule set over StemFeatures), plus the names that are not stems at all
// (rough mixes, references) and printed effect returns.
//
// Sources for the sound rules: the textbook spectra of drum kit pieces and bass (Owsinski, "The
// Mixing Engineer's Handbook", 4th ed., ch. 8 on EQ ranges: kick 40-100 Hz body and 2-5 kHz
// beater; snare 120-250 Hz body with wire noise to 10 kHz; toms 80-300 Hz pitched ring; hats and
// cymbals above 5 kHz, noise-like); struck sounds decay, held notes sustain (Peeters 2004
// temporal descriptors). Thresholds are set from those principles, not fitted to any song.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/features.hpp"
#include "core/role.hpp"

namespace mixdown::analysis {

// What a name says.
struct NameInfo {
  std::optional<Role> role;       // empty: the name says nothing about the role
  double confidence = 0.0;
  bool unlabeled = false;         // generic words and numbers only ("Audio 07", "Track 3")
  bool not_a_stem = false;        // a rough mix, bounce, reference or master
  std::string not_a_stem_kind;    // "rough mix", "reference", "master", "bounce"
  bool printed_return = false;    // a printed reverb/delay return: role fx, keep unprocessed
  std::string side;               // "L", "R" or empty
  bool double_track = false;      // DT, Dbl, Double, or a take number
  std::string base;               // the name without side/double/number tokens: the pair key
  std::vector<std::string> tokens;
  bool operator==(const NameInfo&) const = default;
};

// Splits a file name (extension and leading track numbers dropped) into lower-case tokens:
// separators, camelCase boundaries and letter/digit boundaries split ("KickIn02" → kick in 02).
std::vector<std::string> tokenize_name(std::string_view name);

NameInfo role_from_name(std::string_view file_name);

// What the sound says.
struct ContentRole {
  Role role = Role::other;
  double confidence = 0.0;   // 0..1
  std::string reason;        // the features that decided, in words
  bool overrules_name = false;  // the sound decided over the name (see synthetic_voice)
  bool contradicts_name = false;  // ... because the name cannot be right (see impossible_name)
  bool operator==(const ContentRole&) const = default;
};

ContentRole role_from_content(const StemFeatures& f);

// A name whose only vocal word is "voice" ("Killed Voice", "Choir Voice": also the words of
// synthesizer presets) on a sound with no noise component at all: a recorded voice always
// carries breath and consonants (spectral flatness well above 0.003 on average, and energy
// above 5 kHz from sibilants), a synthesizer voice need not. Then the part is a synth named
// after its preset, and its role comes from that: synth (returned with the reason). Any other
// vocal word ("vox", "vocal", "lead", "bgv"...) keeps the name's role: the name is trusted.
std::optional<ContentRole> synthetic_voice(const NameInfo& name, const StemFeatures& f);

// A name the sound cannot be: a "Vocals.wav" with 95 % of its energy below 120 Hz (no voice
// has a third of its energy there), a "HiHat" with a third below 120 Hz, a "Kick" or "Bass"
// with nothing below 120 Hz and a third above 5 kHz, a "Snare" with most of its energy below
// 120 Hz. Then the sound's role (`heard`, when it is confident and of another family) is the
// part's, returned with the reason; otherwise nullopt and the name stands. Files are misnamed
// in exports (a track's name left on the wrong file); a mix built on the name put a kick forward
// as the lead vocal and pulled the bass 5.8 LU down as a hi-hat.
std::optional<ContentRole> impossible_name(Role named, const StemFeatures& f, const ContentRole& heard);

// Whether a sound strongly contradicts a named role (e.g. a "Kick" that is all hi-hat).
bool strongly_disagree(Role named, const ContentRole& heard);

// Stems that belong together by name.
struct StemPair {
  std::string kind;     // "stereo" (L/R), "double" (double-tracked), "multi_mic" (top/bottom, in/out)
  std::size_t a = 0, b = 0;
  bool operator==(const StemPair&) const = default;
};
std::vector<StemPair> find_pairs(const std::vector<std::string>& file_names);

}  // namespace mixdown::analysis
