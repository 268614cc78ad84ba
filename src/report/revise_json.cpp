#include "report/revise_json.hpp"

namespace mixdown::report {

nlohmann::json revise_json(const io::ReviseOutcome& outcome) {
  // One serializer: the file changes.json and the --json output cannot drift apart.
  return nlohmann::json::parse(io::changes_json_text(outcome.revision.notes));
}

std::string revise_text(const io::ReviseOutcome& o, const io::DeliverySheet* sheet) {
  std::string s = "rev-" + std::to_string(o.revision.number) + " (" + o.revision.dir.string() + ")" +
                  (o.rendered ? "" : ", nothing to re-render: the audio of rev-" +
                                         std::to_string(o.revision.based_on) + " is linked") + "\n";
  for (std::size_t i = 0; i < o.revision.notes.size(); ++i) {
    const auto& n = o.revision.notes[i];
    s += "  [" + std::string(revise::to_string(n.kind)) + "] " + n.note + "\n    " + n.reply + "\n";
  }
  if (!o.revision.warning.empty()) s += "  warning: " + o.revision.warning + "\n";
  if (sheet) {
    int failed = 0;
    for (const auto& c : sheet->checks) failed += c.passed ? 0 : 1;
    s += "delivery sheet: " + std::to_string(sheet->deliverables.size()) + " deliverables, " +
         std::to_string(sheet->checks.size() - static_cast<std::size_t>(failed)) + "/" +
         std::to_string(sheet->checks.size()) + " checks passed\n";
  }
  return s;
}

std::string revisions_text(const std::vector<io::RevisionRecord>& revisions) {
  std::string s;
  for (const auto& r : revisions) {
    s += "rev-" + std::to_string(r.number) + "  " + (r.date.empty() ? "-" : r.date);
    if (r.number == 1 && r.notes.empty()) s += "  the first mix";
    if (r.back_to) s += "  (back to rev-" + std::to_string(*r.back_to) + ")";
    s += "\n";
    for (const auto& n : r.notes) {
      if (n.note.rfind("--back", 0) == 0) continue;
      s += "  [" + std::string(revise::to_string(n.kind)) + "] " + n.note + "\n";
    }
    if (!r.warning.empty()) s += "  warning: " + r.warning + "\n";
  }
  return s;
}

}  // namespace mixdown::report
