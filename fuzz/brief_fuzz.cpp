// The --brief KEY=VALUE parser (mix::apply_brief_pair). Expected: the brief changes, or
// Error(usage); a refused pair leaves the brief as it was.
#include <cstdint>
#include <string>
#include <string_view>

#include "common.hpp"
#include "core/error.hpp"
#include "mix/brief.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mixdown::mix::Brief brief;
  brief.genre = "rock";
  const auto before = brief;
  try {
    mixdown::mix::apply_brief_pair(brief, text);
    if (text.find('=') == std::string_view::npos) mixdown::fuzz::finding("brief accepted a pair without '='");
  } catch (const mixdown::Error& e) {
    if (e.code() != mixdown::ExitCode::usage) mixdown::fuzz::finding("brief error is not 'usage'");
    if (!(brief == before)) mixdown::fuzz::finding("a refused brief pair changed the brief");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    mixdown::fuzz::finding("brief: exception other than mixdown::Error");
  }
  return 0;
}
