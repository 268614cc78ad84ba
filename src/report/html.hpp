// report.html for `mix` and `master` output folders: one self-contained page (inline CSS and
// SVG, no script, no network) a musician can open in any browser. Plots: short-term loudness
// with the sections, spectrum against the tonal target and the reference, stereo correlation
// and width per band, per-stem loudness against its role target, a masking map of the focus
// against the other stems, the translation table; LRA, PLR and true peak; the decisions with
// their reasons by stem, problems first; players (relative paths) for the mix, the masters and
// the equal-loudness previews.
//
// Every plot carries a stable element id (plot-loudness, plot-spectrum, plot-stereo,
// plot-stems, plot-masking, table-translation, metrics, decisions, players) that tests check.
#pragma once

#include <filesystem>
#include <string>

#include "analysis/translation.hpp"
#include "io/master_io.hpp"
#include "io/mix_pipeline.hpp"
#include "io/revise_io.hpp"

namespace mixdown::report {

// `translation` may be null (then the table says it was not run).
std::string mix_html(const io::MixOutcome& outcome, const std::filesystem::path& out_dir,
                     const analysis::TranslationReport* translation);
std::string master_html(const io::MasterResult& result, const std::filesystem::path& out_dir,
                        const analysis::TranslationReport* translation);

// The delivery sheet (issue 8) as a report.html section, id "delivery-sheet": every revision
// with its date, notes, kind and reply; the latest revision's deliverables with format, rate,
// bit depth, duration, loudness, true peak, LRA and SHA-256; the checks, passed or failed.
std::string delivery_sheet_html(const io::DeliverySheet& sheet);

// `page` with `section` in it: an earlier delivery-sheet section is replaced, otherwise the
// section goes at the end of <main>. A page without <main> gets it before </body>.
std::string with_delivery_sheet(const std::string& page, const std::string& section);

}  // namespace mixdown::report
