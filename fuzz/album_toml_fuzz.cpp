// album.toml loading (io::load_album, which reads a path): the bytes are written to a scratch
// album.toml first. Expected: an AlbumSpec, or Error(rejected) naming the file.
#include <cstdint>
#include <string>

#include "common.hpp"
#include "core/error.hpp"
#include "io/master_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = mixdown::fuzz::write_scratch("album.toml", data, size);
  try {
    const auto album = mixdown::io::load_album(path);
    for (const auto& t : album.tracks)
      if (t.file.empty()) mixdown::fuzz::finding("album track accepted without a file");
  } catch (const mixdown::Error& e) {
    if (e.code() != mixdown::ExitCode::rejected) mixdown::fuzz::finding("album error is not 'rejected'");
    if (std::string(e.what()).find("album.toml") == std::string::npos)
      mixdown::fuzz::finding("album error does not name the file");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    mixdown::fuzz::finding("album.toml: exception other than mixdown::Error");
  }
  return 0;
}
