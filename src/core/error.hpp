// Errors that reach the user: one line naming the file and the problem, and the exit status
// of INTERFACE.md (1 processing failed, 2 usage, 3 input rejected).
#pragma once

#include <cctype>
#include <stdexcept>
#include <string>
#include <system_error>

namespace mixdown {

enum class ExitCode : int { ok = 0, failed = 1, usage = 2, rejected = 3 };

class Error : public std::runtime_error {
public:
  Error(ExitCode code, std::string file, const std::string& problem)
      : std::runtime_error(file.empty() ? problem : file + ": " + problem),
        code_(code),
        file_(std::move(file)) {}
  ExitCode code() const noexcept { return code_; }
  const std::string& file() const noexcept { return file_; }

private:
  ExitCode code_;
  std::string file_;
};

// Shorthands for the three kinds.
inline Error usage_error(const std::string& what, const std::string& problem) {
  return Error(ExitCode::usage, what, problem);
}
inline Error rejected(const std::string& file, const std::string& problem) {
  return Error(ExitCode::rejected, file, problem);
}
inline Error failed(const std::string& file, const std::string& problem) {
  return Error(ExitCode::failed, file, problem);
}

// The system's reason as the middle of a sentence: "too many levels of symbolic links".
inline std::string reason_words(const std::error_code& ec) {
  std::string why = ec.message();
  if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
  return why;
}

}  // namespace mixdown
