#include "testing.hpp"

#include <ebur128.h>
#include <sndfile.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace fs = std::filesystem;

namespace mixdown::testkit {

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "mixdown-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}
TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

AudioBuffer sine(double hz, double peak_dbfs, double seconds, int rate, int channels, double phase) {
  const auto n = static_cast<std::size_t>(std::llround(seconds * rate));
  AudioBuffer b(channels, n);
  const double a = std::pow(10.0, peak_dbfs / 20.0);
  for (std::size_t i = 0; i < n; ++i) {
    const float v = static_cast<float>(a * std::sin(2.0 * M_PI * hz * double(i) / rate + phase));
    for (int c = 0; c < channels; ++c) b.channel(c)[i] = v;
  }
  return b;
}

AudioBuffer noise(double rms_dbfs, double seconds, int rate, int channels, std::uint64_t seed) {
  const auto n = static_cast<std::size_t>(std::llround(seconds * rate));
  AudioBuffer b(channels, n);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  const double a = std::pow(10.0, rms_dbfs / 20.0) * std::sqrt(3.0);
  for (int c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < n; ++i) b.channel(c)[i] = static_cast<float>(a * u(rng));
  return b;
}

AudioBuffer concat(const std::vector<AudioBuffer>& parts) {
  std::size_t total = 0;
  int nc = parts.empty() ? 0 : parts[0].num_channels();
  for (auto& p : parts) total += p.num_frames();
  AudioBuffer out(nc, total);
  std::size_t pos = 0;
  for (auto& p : parts) {
    out.view().sub(pos, p.num_frames()).copy_from(p.view());
    pos += p.num_frames();
  }
  return out;
}

std::optional<fs::path> corpus_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("MIXDOWN_CORPUS")) candidates.emplace_back(env);
  candidates.push_back(source_dir() / ".." / "shared" / "corpus");
  for (auto& c : candidates) {
    std::error_code ec;
    if (fs::is_directory(c, ec)) return fs::weakly_canonical(c);
  }
  return std::nullopt;
}

fs::path source_dir() {
  if (const char* env = std::getenv("MIXDOWN_SOURCE")) return env;
  return fs::current_path();
}

static double or_neg_inf(int rc, double v) { return rc == EBUR128_SUCCESS ? v : -INFINITY; }

// A libebur128 state in `mode` that has heard all of `audio` (5.1 as L R C LFE Ls Rs).
static ebur128_state* oracle_fed(const ConstAudioView& audio, int rate, int mode) {
  const int nc = audio.num_channels();
  ebur128_state* st = ebur128_init(static_cast<unsigned>(nc), static_cast<unsigned long>(rate), mode);
  if (!st) throw std::runtime_error("libebur128 refused the format");
  if (nc == 6) {
    ebur128_set_channel(st, 3, EBUR128_UNUSED);
    ebur128_set_channel(st, 4, EBUR128_LEFT_SURROUND);
    ebur128_set_channel(st, 5, EBUR128_RIGHT_SURROUND);
  }
  constexpr std::size_t kBlock = 16384;
  std::vector<float> inter(kBlock * static_cast<std::size_t>(nc));
  for (std::size_t pos = 0; pos < audio.num_frames(); pos += kBlock) {
    const std::size_t n = std::min(kBlock, audio.num_frames() - pos);
    for (std::size_t i = 0; i < n; ++i)
      for (int c = 0; c < nc; ++c) inter[i * static_cast<std::size_t>(nc) + static_cast<std::size_t>(c)] = audio.channel(c)[pos + i];
    ebur128_add_frames_float(st, inter.data(), n);
  }
  return st;
}

OracleLoudness ebur128_measure(const ConstAudioView& audio, int rate) {
  ebur128_state* st = oracle_fed(audio, rate, EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK | EBUR128_MODE_SAMPLE_PEAK);
  OracleLoudness r{};
  // Call first, read after: the order of evaluation of function arguments is unspecified.
  double v = 0;
  int rc = ebur128_loudness_global(st, &v);
  r.integrated = or_neg_inf(rc, v);
  rc = ebur128_loudness_range(st, &v);
  r.range = or_neg_inf(rc, v);
  double tp = 0, sp = 0;
  for (int c = 0; c < audio.num_channels(); ++c) {
    double x;
    if (ebur128_true_peak(st, static_cast<unsigned>(c), &x) == EBUR128_SUCCESS) tp = std::max(tp, x);
    if (ebur128_sample_peak(st, static_cast<unsigned>(c), &x) == EBUR128_SUCCESS) sp = std::max(sp, x);
  }
  r.true_peak_db = tp > 0 ? 20 * std::log10(tp) : -INFINITY;
  r.sample_peak_db = sp > 0 ? 20 * std::log10(sp) : -INFINITY;
  ebur128_destroy(&st);
  return r;
}

double ebur128_integrated(const ConstAudioView& audio, int rate) {
  ebur128_state* st = oracle_fed(audio, rate, EBUR128_MODE_I);
  double v = 0;
  const int rc = ebur128_loudness_global(st, &v);
  ebur128_destroy(&st);
  return or_neg_inf(rc, v);
}

OracleLoudness ebur128_measure_file(const fs::path& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.string().c_str(), SFM_READ, &info);
  if (!f) throw std::runtime_error("oracle cannot open " + path.string());
  AudioBuffer b(info.channels, static_cast<std::size_t>(info.frames));
  std::vector<float> inter(static_cast<std::size_t>(info.frames * info.channels));
  const sf_count_t got = sf_readf_float(f, inter.data(), info.frames);
  sf_close(f);
  for (sf_count_t i = 0; i < got; ++i)
    for (int c = 0; c < info.channels; ++c) b.channel(c)[i] = inter[static_cast<std::size_t>(i * info.channels + c)];
  return ebur128_measure(b.view().sub(0, static_cast<std::size_t>(got)), info.samplerate);
}

std::string mixdown_bin() {
  const char* b = std::getenv("MIXDOWN_BIN");
  return b ? b : "./mixdown";
}

std::string shell_quote(const fs::path& p) {
  std::string out = "'";
  for (char c : p.string()) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int run_command(const std::string& cmd, std::string* out, std::string* err) {
  char out_tmpl[] = "/tmp/mixdown-run-out-XXXXXX";
  char err_tmpl[] = "/tmp/mixdown-run-err-XXXXXX";
  const int fo = mkstemp(out_tmpl), fe = mkstemp(err_tmpl);
  close(fo);
  close(fe);
  const std::string full = "(" + cmd + ") </dev/null >" + out_tmpl + " 2>" + err_tmpl;
  const int status = std::system(full.c_str());
  auto slurp = [](const char* p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  if (out) *out = slurp(out_tmpl);
  if (err) *err = slurp(err_tmpl);
  unlink(out_tmpl);
  unlink(err_tmpl);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace mixdown::testkit
