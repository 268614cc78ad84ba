#include "io/integrity.hpp"

#include <sndfile.h>

#include <string>

#include "core/error.hpp"

namespace mixdown::io {

void reject_if_truncated(const std::filesystem::path& path, const AudioInfo& info) {
  if (info.lossy) return;
  SF_INFO sfi{};
  SNDFILE* f = sf_open(path.string().c_str(), SFM_READ, &sfi);
  if (!f) return;
  char log[4096] = {};
  sf_command(f, SFC_GET_LOG_INFO, log, sizeof log);
  sf_close(f);
  const std::string text(log);
  if (text.find("truncated") != std::string::npos || text.find("should be") != std::string::npos)
    throw rejected(path.string(), "truncated: the file ends before the length its header declares");
}

}  // namespace mixdown::io
