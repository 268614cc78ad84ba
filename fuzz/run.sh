#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan+UBSan) into build-fuzz and runs each for SECONDS
# (default 60) on its seed corpus in fuzz/corpus/<harness>/; new inputs go to build-fuzz/corpus
# (the seeds in the repo are never modified). Crashes are saved in build-fuzz/findings/ and make
# this script fail.   usage: fuzz/run.sh [SECONDS] [HARNESS...]
# FUZZ_SEED fixes libFuzzer's seed (to replay a run; make fuzz leaves it random to explore).
# make test does not run this: it replays the seeds and fixed mutants of each harness through
# fuzz/replay_main.cpp in the trees it builds anyway (ctest label "fuzz").
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
BUILD=${FUZZ_BUILD:-build-fuzz}
GEN=$(command -v ninja >/dev/null 2>&1 && echo "-G Ninja" || true)
[ -f "$BUILD/CMakeCache.txt" ] || CC=clang CXX=clang++ cmake -S fuzz -B "$BUILD" $GEN -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "${JOBS:-$(nproc)}"
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(session_toml_fuzz album_toml_fuzz brief_fuzz revision_note_fuzz cue_fuzz audio_ingest_fuzz)
mkdir -p "$BUILD/findings"
status=0
for h in "${harnesses[@]}"; do
  [ -x "$BUILD/$h" ] || { echo "fuzz: $h not built"; status=1; continue; }
  work="$BUILD/corpus/$h"
  mkdir -p "$work"
  dict=""
  [ -f "fuzz/dict/$h.dict" ] && dict="-dict=fuzz/dict/$h.dict"
  echo "fuzz: $h for ${SECONDS_EACH}s"
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=fuzz/lsan.supp UBSAN_OPTIONS=print_stacktrace=1 \
       "$BUILD/$h" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=20 -rss_limit_mb=4096 \
       -print_final_stats=1 ${FUZZ_SEED:+-seed=$FUZZ_SEED} -artifact_prefix="$BUILD/findings/$h-" $dict "$work" "fuzz/corpus/$h" \
       >"$BUILD/$h.log" 2>&1; then
    echo "fuzz: $h FOUND A PROBLEM (see $BUILD/$h.log and $BUILD/findings/)"
    tail -30 "$BUILD/$h.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$BUILD/$h.log" | tail -2 | tr '\n' ' '; echo
  fi
done
exit $status
