// `master --target cd --noise-shaping`: the 16-bit master's dither noise is moved toward high
// frequencies (error feedback) — less noise where the ear is most sensitive (1–3 kHz), more
// near Nyquist — while plain TPDF (the default) is flat. Measured on a 100 Hz tone, whose
// master needs no limiting, so everything above 1 kHz in the master is the dither's noise.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "../support/testing.hpp"
#include "dsp/pass_filter.hpp"
#include "io/audio_file.hpp"

namespace mixdown {
namespace {

namespace fs = std::filesystem;

// Energy (dB) of channel 0 between lo_hz and hi_hz (8th-order Butterworth each side).
double band_energy_db(const AudioBuffer& audio, int rate, double lo_hz, double hi_hz) {
  AudioBuffer x(1, audio.num_frames());
  std::copy(audio.channel(0), audio.channel(0) + audio.num_frames(), x.channel(0));
  dsp::PassFilter hp(dsp::PassKind::high_pass, dsp::PassFilterSettings{true, lo_hz, 8});
  dsp::PassFilter lp(dsp::PassKind::low_pass, dsp::PassFilterSettings{true, hi_hz, 8});
  const dsp::ProcessSpec spec{double(rate), 1, x.num_frames()};
  hp.prepare(spec);
  lp.prepare(spec);
  hp.process(x.view());
  lp.process(x.view());
  double e = 0;
  for (std::size_t i = rate / 2; i < x.num_frames(); ++i) e += double(x.channel(0)[i]) * x.channel(0)[i];  // skip the onset
  return 10.0 * std::log10(e / double(x.num_frames() - rate / 2) + 1e-30);
}

TEST(Dither, NoiseShapingMovesTheNoiseUpOnTheCdMaster) {
  if (!fs::exists(testkit::mixdown_bin())) GTEST_SKIP() << "no mixdown binary at " << testkit::mixdown_bin();
  testkit::TempDir dir;
  const auto tone = testkit::sine(100.0, -20.0, 6.0, 44100, 2);
  io::WriteSpec spec;
  spec.sample_rate = 44100;
  spec.format = io::SampleFormat::wav_float;
  io::write_file(dir / "tone.wav", tone.view(), spec);
  std::string err;
  for (const char* variant : {"flat", "shaped"}) {
    const std::string flag = std::string(variant) == "shaped" ? " --noise-shaping" : "";
    ASSERT_EQ(testkit::run_command(testkit::mixdown_bin() + " master " + testkit::shell_quote(dir / "tone.wav") + " -o " +
                                       testkit::shell_quote(dir / variant) + " --target cd --quiet" + flag,
                                   nullptr, &err),
              0)
        << err;
  }
  int rate = 0;
  const auto flat = io::read_file(dir / "flat" / "masters" / "cd.wav", &rate);
  ASSERT_EQ(rate, 44100);
  const auto shaped = io::read_file(dir / "shaped" / "masters" / "cd.wav", &rate);
  const double mid_flat = band_energy_db(flat, rate, 1000.0, 3000.0), mid_shaped = band_energy_db(shaped, rate, 1000.0, 3000.0);
  const double top_flat = band_energy_db(flat, rate, 12000.0, 20000.0), top_shaped = band_energy_db(shaped, rate, 12000.0, 20000.0);
  std::printf("[ dither ] 1-3 kHz: flat %.1f dB, shaped %.1f dB; 12-20 kHz: flat %.1f dB, shaped %.1f dB\n", mid_flat, mid_shaped,
              top_flat, top_shaped);
  EXPECT_LT(mid_shaped, mid_flat - 6.0) << "shaping should take the noise out of the 1-3 kHz region";
  EXPECT_GT(top_shaped, top_flat + 2.0) << "shaping should put the noise near Nyquist";
  // Both are real 16-bit masters and the report says which dither was used.
  EXPECT_EQ(nlohmann::json::parse(testkit::slurp(dir / "shaped" / "report.json"))["masters"][0]["dither"], "tpdf, noise-shaped");
  EXPECT_EQ(nlohmann::json::parse(testkit::slurp(dir / "flat" / "report.json"))["masters"][0]["dither"], "tpdf");
}

}  // namespace
}  // namespace mixdown
