// `mixdown revise` output: the changes.json list of INTERFACE.md (the same list --json prints)
// and the text a person reads on the terminal (each note's reply, the revision list).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/revise_io.hpp"

namespace mixdown::report {

// [{note, kind, changes:[{stem, parameter, from, to, section}], reply}]
nlohmann::json revise_json(const io::ReviseOutcome& outcome);
std::string revise_text(const io::ReviseOutcome& outcome, const io::DeliverySheet* sheet);
// `revise OUT --list`: every revision with its date and notes.
std::string revisions_text(const std::vector<io::RevisionRecord>& revisions);

}  // namespace mixdown::report
