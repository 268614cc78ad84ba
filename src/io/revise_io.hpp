// `mixdown revise` on disk: the revision history of a `mix` output folder and the delivery
// sheet. rev-1 is the first mix (OUT/session.toml, mix.wav, versions/, masters/ — linked into
// OUT/rev-1/ the first time a revision is made); every later rev-N/ holds its session.toml,
// mix.wav, versions/, masters/, changes.json (the notes and what they changed) and
// revision.json (date, based on, warning). A revision is rendered under a hidden partial name
// and renamed into place, so an interrupted revise leaves no half revision. A revision whose
// notes changed nothing (only questions or production notes) links the previous revision's
// audio: the same session renders the same bits.
// Checksums: SHA-256 (FIPS 180-4) through OpenSSL's EVP interface.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "revise/plan.hpp"

namespace mixdown::io {

struct ReviseRequest {
  std::filesystem::path out;           // a `mix` output folder
  std::vector<std::string> notes;
  std::optional<int> back;             // --back N: a new revision equal to rev-N
  int threads = 0;
  std::function<void(double, const std::string&)> progress;
};

struct RevisionRecord {
  int number = 0;
  std::filesystem::path dir;           // OUT/rev-N (rev-1 may be OUT itself before linking)
  std::string date;                    // ISO 8601 UTC
  int based_on = 0;                    // the revision whose session it started from
  std::optional<int> back_to;
  std::string warning;                 // past the brief's revision limit
  std::vector<revise::NoteResult> notes;
};

struct ReviseOutcome {
  RevisionRecord revision;
  bool rendered = false;               // false: linked from the previous revision (nothing changed)
};

// Throws Error(rejected) "OUT: not a mix output folder (...)" when OUT lacks session.toml or mix.wav.
void require_mix_folder(const std::filesystem::path& out);

// Makes the next revision. Throws Error(usage) for no notes (without --back) or an empty note,
// Error(rejected) for a folder that is not a mix output or a --back to a revision that does not exist.
ReviseOutcome run_revise(const ReviseRequest& request);

// The delivery sheet's Markdown, in OUT.
inline constexpr const char* kDeliverySheetFile = "delivery-sheet.md";

// N for a folder named rev-N (N from 1 to 100000), else 0.
int revision_number(const std::filesystem::path& dir);

// Every revision, rev-1 first.
std::vector<RevisionRecord> list_revisions(const std::filesystem::path& out);

// changes.json of INTERFACE.md: [{note, kind, changes:[{stem, parameter, from, to, section}], reply}].
std::string changes_json_text(const std::vector<revise::NoteResult>& notes);

// Lowercase hex SHA-256 of a file's bytes.
std::string sha256_file(const std::filesystem::path& path);

struct Deliverable {
  std::filesystem::path path;          // relative to OUT
  std::string kind;                    // mix | version | bus stem | stem | master
  std::string format;                  // "WAV PCM_24"
  int sample_rate = 0, bit_depth = 0, channels = 0;
  double duration_s = 0;
  double integrated_lufs = 0, true_peak_dbtp = 0, range_lu = 0;
  std::int64_t clipped_runs = 0;
  std::string sha256;
};

struct DeliveryCheck {
  std::string what;
  bool passed = false;
  std::string detail;
};

struct DeliverySheet {
  std::vector<RevisionRecord> revisions;
  std::vector<Deliverable> deliverables;     // of the latest revision
  std::vector<DeliveryCheck> checks;
  std::string markdown;
};

// Measures the latest revision's deliverables, runs the checks and writes OUT/delivery-sheet.md.
DeliverySheet write_delivery_sheet(const std::filesystem::path& out, int threads = 0);

}  // namespace mixdown::io
