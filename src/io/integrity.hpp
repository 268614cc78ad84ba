// Damage that libsndfile forgives silently: a WAV/AIFF whose data chunk runs past the end of
// the file is opened shortened, with only a note in its log. Mastering (or mixing) part of a
// file as if it were the whole is worse than refusing it, so readers of deliverable inputs
// ask here first.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "io/audio_file.hpp"

namespace mixdown::io {

// What is wrong when libsndfile's log says the header declares more audio than the file holds
// ("truncated: ..."), else nothing. Lossy streams are not checked (their lengths are estimates).
std::optional<std::string> truncation(const std::filesystem::path& path, const AudioInfo& info);
// Throws Error(rejected) "FILE: truncated: ..." where truncation() finds damage.
void reject_if_truncated(const std::filesystem::path& path, const AudioInfo& info);
// After reading the whole file: Error(rejected) "FILE: truncated: the header declares X s but only
// Y s could be decoded" when a file gave fewer frames than it declares (a FLAC cut short opens
// whole and ends early; its log says nothing); a lossy one by more than 0.5 s and 1 %.
void reject_if_decoded_short(const std::filesystem::path& path, const AudioInfo& info, std::int64_t decoded);

// A cheap fingerprint of a file's content: its size and a 64-bit hash of three 64 KiB pieces
// (start, middle, end), as hex; empty when the file cannot be read. Two exports of a stem that
// differ anywhere in those pieces (or in length) differ here; it reads 192 KiB at most.
std::string file_fingerprint(const std::filesystem::path& path);

// A file too short for one BS.1770 loudness block, which master, a reference and translate
// refuse: true under 0.4 s; why: "N ms, under one 400 ms loudness block (BS.1770)".
bool under_one_loudness_block(double seconds);
std::string under_one_loudness_block_words(double seconds);
// Why a file that plays measures no loudness, for master's and translate's "too quiet to ...":
// "it peaks at X dBFS and no 400 ms block reaches the -70 LUFS gate of BS.1770".
std::string under_the_gate_words(double peak_dbfs);

}  // namespace mixdown::io
