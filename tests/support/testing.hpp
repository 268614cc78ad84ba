// Test helpers shared by every layer's tests: signal synthesis, temporary folders, the
// libebur128 oracle (an independent meter, linked only here and in benchmarks), and the
// location of the corpus (tests that need it skip with a stated reason when it is absent).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/audio_buffer.hpp"

namespace mixdown::testkit {

// A fresh empty folder under the system temp dir, removed when the object dies.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
  std::filesystem::path path_;
};

// Sine of `seconds` at `hz`, peak amplitude from dBFS, on `channels` identical channels.
AudioBuffer sine(double hz, double peak_dbfs, double seconds, int rate, int channels = 2,
                 double phase_rad = 0.0);
// Deterministic white noise (uniform), RMS from dBFS.
AudioBuffer noise(double rms_dbfs, double seconds, int rate, int channels, std::uint64_t seed);
// Concatenates buffers of equal channel count.
AudioBuffer concat(const std::vector<AudioBuffer>& parts);

// The corpus folder (../shared/corpus, or $MIXDOWN_CORPUS), if it exists.
std::optional<std::filesystem::path> corpus_dir();
// The source tree ($MIXDOWN_SOURCE).
std::filesystem::path source_dir();

// libebur128 as an oracle. Values of -inf where the meter says so.
struct OracleLoudness {
  double integrated = 0, range = 0, true_peak_db = 0, sample_peak_db = 0;
};
OracleLoudness ebur128_measure(const ConstAudioView& audio, int rate);
// The integrated loudness alone (libebur128 in its integrated mode only: no true-peak
// oversampling, several times faster for tests that measure many whole songs).
double ebur128_integrated(const ConstAudioView& audio, int rate);
OracleLoudness ebur128_measure_file(const std::filesystem::path& path);

// The mixdown binary under test ($MIXDOWN_BIN, else ./mixdown), a path quoted for sh -c, and a
// whole file as a string: what every end-to-end test needs.
std::string mixdown_bin();
std::string shell_quote(const std::filesystem::path& p);
std::string slurp(const std::filesystem::path& p);

// Runs a command (sh -c), returns its exit status; stdout/stderr captured into the strings.
int run_command(const std::string& cmd, std::string* out = nullptr, std::string* err = nullptr);

}  // namespace mixdown::testkit
