// session.toml loading (io::session_from_toml): toml++ syntax plus our validating field reader.
// Expected: a Console, or Error(rejected) whose message names the file; nothing else.
#include <cstdint>
#include <string>

#include "common.hpp"
#include "core/error.hpp"
#include "io/session.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto console = mixdown::io::session_from_toml(text, "/fuzz/session.toml");
    // What was accepted must serialize and read back; the writer rounds values to 1e-6, so
    // the second write is a fixed point: write(read(write(c))) == write(c).
    const auto once = mixdown::io::session_to_toml(console, "/fuzz");
    const auto again = mixdown::io::session_from_toml(once, "/fuzz/session.toml");
    const auto twice = mixdown::io::session_to_toml(again, "/fuzz");
    if (mixdown::io::session_from_toml(twice, "/fuzz/session.toml") != again)
      mixdown::fuzz::finding("session.toml does not round-trip");
  } catch (const mixdown::Error& e) {
    if (e.code() != mixdown::ExitCode::rejected) mixdown::fuzz::finding("session error is not 'rejected'");
    if (std::string(e.what()).find("session.toml") == std::string::npos)
      mixdown::fuzz::finding("session error does not name the file");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    mixdown::fuzz::finding("session.toml: exception other than mixdown::Error");
  }
  return 0;
}
