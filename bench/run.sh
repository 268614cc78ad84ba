#!/usr/bin/env bash
# Benchmarks on this machine, against peer tools on the same files in the same run.
#   bench/run.sh BUILD_DIR            every bench_* function below
#   bench/run.sh BUILD_DIR analyze    only bench_analyze (names with or without "bench_")
# Each bench_* function is self-contained: add a new one (bench_check, bench_render, ...) at the
# end and main() picks it up. Timing is wall-clock by bash's `time` (TIMEFORMAT), several runs
# interleaved with the peer's so both see the same machine load; medians are compared.
set -euo pipefail

BUILD=${1:?usage: bench/run.sh BUILD_DIR [name...]}
shift
BUILD=$(cd "$BUILD" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS=${MIXDOWN_CORPUS:-$ROOT/../shared/corpus}
RUNS=${BENCH_RUNS:-5}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mixdown-bench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# --- helpers --------------------------------------------------------------------------------

# Median of the numbers on stdin.
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# Wall seconds of one run of a command, its output discarded; fails the bench if it fails.
wall_seconds() {
  local TIMEFORMAT=%3R t
  { t=$( { time "$@" >/dev/null 2>"$WORK/stderr" ; } 2>&1 ); } || { echo "failed: $*" >&2; cat "$WORK/stderr" >&2; return 1; }
  echo "$t"
}

# A corpus mix to build test material from (the first mix.flac found), or exit 0 with a note.
corpus_mix() {
  local m
  m=$(find "$CORPUS" -maxdepth 2 -name mix.flac 2>/dev/null | sort | head -n 1)
  [[ -n "$m" ]] || { echo "no corpus mix under $CORPUS" >&2; return 1; }
  echo "$m"
}

# loop_to_wav SRC SECONDS RATE OUT: SRC looped to SECONDS, stereo, RATE Hz, 24-bit WAV.
loop_to_wav() {
  local src=$1 seconds=$2 rate=$3 out=$4
  if command -v ffmpeg >/dev/null; then
    ffmpeg -loglevel error -y -stream_loop -1 -i "$src" -t "$seconds" -ar "$rate" -ac 2 -c:a pcm_s24le "$out"
  elif command -v sox >/dev/null; then
    sox "$src" -b 24 -c 2 -r "$rate" "$out" repeat 20 trim 0 "$seconds"
  else
    echo "need ffmpeg or sox to build the benchmark file" >&2
    return 1
  fi
}

# --- analyze: `mixdown analyze` (everything) against libebur128 computing I + LRA + TP --------
bench_analyze() {
  local mix file ours peer
  mix=$(corpus_mix) || return 0
  file="$WORK/analyze-4min-48k.wav"
  loop_to_wav "$mix" 240 48000 "$file"
  "$BUILD/mixdown" analyze "$file" --json /dev/null -q  # warm the page cache
  echo "analyze: 4-minute stereo 48 kHz 24-bit WAV, $RUNS runs each, $(nproc) cores"
  : >"$WORK/ours"
  : >"$WORK/peer"
  for ((i = 0; i < RUNS; ++i)); do
    wall_seconds "$BUILD/mixdown" analyze "$file" --json /dev/null -q >>"$WORK/ours"
    wall_seconds "$BUILD/ebur128_peer" "$file" >>"$WORK/peer"
  done
  ours=$(median <"$WORK/ours")
  peer=$(median <"$WORK/peer")
  echo "  mixdown analyze (loudness, true peak, spectrum, stereo, problems): median ${ours} s   [$(tr '\n' ' ' <"$WORK/ours")]"
  echo "  libebur128 (I + LRA + TP):                                        median ${peer} s   [$(tr '\n' ' ' <"$WORK/peer")]"
  awk -v a="$ours" -v b="$peer" 'BEGIN {printf "  ratio mixdown / libebur128 = %.3f (goal <= 0.25)\n", a / b}'
}

# --- check: `mixdown check` on 16 stems x 4 minutes against ffmpeg decoding the same files ---
# The session: corpus stems (DirtyLove's 14, CapDan's first 2) looped to 240 s, 24-bit FLAC
# 48 kHz. The peer: ffmpeg decoding each file to null, one process per file, sequentially.
bench_check() {
  local dir="$WORK/check16" i=0 f ours ours1 peer
  mkdir -p "$dir"
  for f in "$CORPUS"/DirtyLove/stems/*.flac "$CORPUS"/CapDan-ReggaeTry/stems/0[12]_*.flac; do
    [[ -f $f ]] || continue
    i=$((i + 1))
    ((i <= 16)) || break
    ffmpeg -loglevel error -y -stream_loop -1 -i "$f" -t 240 -ar 48000 -c:a flac -sample_fmt s32 \
      "$dir/$(printf '%02d' "$i")_$(basename "$f" | sed 's/^[0-9]*_//')"
  done
  ((i > 0)) || { echo "check: no corpus stems under $CORPUS" >&2; return 0; }
  decode_all() { local g; for g in "$dir"/*.flac; do ffmpeg -nostdin -loglevel error -i "$g" -f null - || return 1; done; }
  "$BUILD/mixdown" check "$dir" -q >/dev/null  # warm the page cache
  echo "check: $i stems x 240 s, 24-bit FLAC 48 kHz, $RUNS runs each, $(nproc) cores"
  : >"$WORK/ours"
  : >"$WORK/ours1"
  : >"$WORK/peer"
  for ((r = 0; r < RUNS; ++r)); do
    wall_seconds "$BUILD/mixdown" check "$dir" --json "$WORK/check.json" -q >>"$WORK/ours"
    wall_seconds "$BUILD/mixdown" check "$dir" --json "$WORK/check.json" -q --threads 1 >>"$WORK/ours1"
    wall_seconds decode_all >>"$WORK/peer"
  done
  ours=$(median <"$WORK/ours")
  ours1=$(median <"$WORK/ours1")
  peer=$(median <"$WORK/peer")
  echo "  mixdown check (all cores):                       median ${ours} s   [$(tr '\n' ' ' <"$WORK/ours")]"
  echo "  mixdown check --threads 1:                       median ${ours1} s   [$(tr '\n' ' ' <"$WORK/ours1")]"
  echo "  ffmpeg -f null, one process per file, in turn:   median ${peer} s   [$(tr '\n' ' ' <"$WORK/peer")]"
  awk -v a="$ours" -v c="$ours1" -v b="$peer" \
    'BEGIN {printf "  ratio mixdown / ffmpeg = %.3f (all cores), %.3f (one thread) (goal <= 2)\n", a / b, c / b}'
}

# --- main -----------------------------------------------------------------------------------
main() {
  local names=() n
  if (($# == 0)); then
    while read -r _ _ n; do [[ $n == bench_* ]] && names+=("$n"); done < <(declare -F)
  else
    for n in "$@"; do [[ $n == bench_* ]] && names+=("$n") || names+=("bench_$n"); done
  fi
  for n in "${names[@]}"; do
    declare -F "$n" >/dev/null || { echo "no benchmark named ${n#bench_}" >&2; return 2; }
    "$n"
  done
}

main "$@"
