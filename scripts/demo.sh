#!/usr/bin/env bash
# make demo: mix and master the demo session shipped in examples/demo and say where it went.
set -euo pipefail
BIN=${1:-build/mixdown}
OUT=out/demo
rm -rf "$OUT"
mkdir -p "$OUT"
echo "== mixdown check examples/demo"
"$BIN" check examples/demo || true
echo "== mixdown mix examples/demo -o $OUT"
"$BIN" mix examples/demo -o "$OUT" --target streaming --target cd
echo
echo "Done. The demo session (examples/demo, CapDan-ReggaeTry excerpt, Artistic-2.0) is mixed:"
echo "  mix:      $OUT/mix.wav"
echo "  versions: $OUT/versions/ (instrumental, a cappella, TV, bus stems, per-stem prints)"
echo "  masters:  $OUT/masters/ (streaming.wav, cd.wav)"
echo "  report:   $OUT/report.html (open it in any browser; no network needed)"
echo "  session:  $OUT/session.toml (edit and re-render: $BIN mix $OUT/session.toml -o out/demo2)"
