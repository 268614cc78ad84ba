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

# --- master: `mixdown master` against ffmpeg loudnorm (two passes) and Matchering 2.0 --------
# The file: a corpus mix looped to 4 minutes, 24-bit WAV 48 kHz. Peer 1: ffmpeg's loudnorm to
# -14 LUFS / -1 dBTP, measuring pass plus the linear second pass fed the first pass's figures
# (both passes timed together). Accuracy of both outputs by libebur128 (ebur128_peer).
# Peer 2, when its code and Python dependencies are present (MATCHERING_DIR pointing at a
# checkout of sergree/matchering; python3-numpy, -scipy, -soundfile, -resampy, -statsmodels):
# Matchering 2.0 mastering the same mix to a reference (another corpus mix), against
# `mixdown master --reference`; time, peak memory (/usr/bin/time) and the RMS dB difference of
# the loudness-normalised 1/3-octave spectra (30 Hz-16 kHz) of each output and the reference.
bench_master() {
  local mix file ours peer ours_acc peer_acc
  mix=$(corpus_mix) || return 0
  file="$WORK/master-4min-48k.wav"
  loop_to_wav "$mix" 240 48000 "$file"
  "$BUILD/mixdown" master "$file" -o "$WORK/m" -q  # warm the page cache
  loudnorm_two_pass() {
    local stats i tp lra th off
    stats=$(ffmpeg -nostdin -hide_banner -i "$file" -af loudnorm=I=-14:TP=-1:LRA=11:print_format=json -f null - 2>&1 |
      sed -n '/^{/,/^}/p')
    i=$(sed -n 's/.*"input_i" : "\(.*\)".*/\1/p' <<<"$stats")
    tp=$(sed -n 's/.*"input_tp" : "\(.*\)".*/\1/p' <<<"$stats")
    lra=$(sed -n 's/.*"input_lra" : "\(.*\)".*/\1/p' <<<"$stats")
    th=$(sed -n 's/.*"input_thresh" : "\(.*\)".*/\1/p' <<<"$stats")
    off=$(sed -n 's/.*"target_offset" : "\(.*\)".*/\1/p' <<<"$stats")
    ffmpeg -nostdin -loglevel error -y -i "$file" -af \
      "loudnorm=I=-14:TP=-1:LRA=11:measured_I=$i:measured_TP=$tp:measured_LRA=$lra:measured_thresh=$th:offset=$off:linear=true" \
      -ar 48000 -c:a pcm_s24le "$WORK/loudnorm.wav"
  }
  echo "master: 4-minute stereo 48 kHz 24-bit WAV to streaming (-14 LUFS, -1 dBTP), $RUNS runs each, $(nproc) cores"
  : >"$WORK/ours"
  : >"$WORK/peer"
  for ((r = 0; r < RUNS; ++r)); do
    rm -rf "$WORK/m"
    wall_seconds "$BUILD/mixdown" master "$file" -o "$WORK/m" -q >>"$WORK/ours"
    wall_seconds loudnorm_two_pass >>"$WORK/peer"
  done
  ours=$(median <"$WORK/ours")
  peer=$(median <"$WORK/peer")
  ours_acc=$("$BUILD/ebur128_peer" "$WORK/m/masters/streaming.wav")
  peer_acc=$("$BUILD/ebur128_peer" "$WORK/loudnorm.wav")
  echo "  mixdown master (analysis, EQ, limiter, landing loop, verify, MP3 check, previews): median ${ours} s   [$(tr '\n' ' ' <"$WORK/ours")]"
  echo "  ffmpeg loudnorm, both passes:                                                    median ${peer} s   [$(tr '\n' ' ' <"$WORK/peer")]"
  awk -v a="$ours" -v b="$peer" 'BEGIN {printf "  ratio mixdown / loudnorm = %.3f (goal <= 0.05)\n", a / b}'
  echo "  result by libebur128: mixdown  $ours_acc"
  echo "                        loudnorm $peer_acc"
  awk -v a="$ours_acc" -v b="$peer_acc" 'BEGIN {
    split(a, x); split(b, y);  # "I -14.02 LUFS LRA 7.26 LU TP -1.12 dBTP"
    printf "  distance from -14 LUFS: mixdown %.2f LU, loudnorm %.2f LU; true peak mixdown %s, loudnorm %s dBTP (ceiling -1)\n",
      (x[2] + 14 < 0 ? -(x[2] + 14) : x[2] + 14), (y[2] + 14 < 0 ? -(y[2] + 14) : y[2] + 14), x[8], y[8] }'

  # Matchering 2.0, only when it can run here.
  if [[ -z ${MATCHERING_DIR:-} || ! -d ${MATCHERING_DIR:-} ]]; then
    echo "  matchering: skipped (set MATCHERING_DIR to a checkout of sergree/matchering)"
    return 0
  fi
  if ! PYTHONPATH="$MATCHERING_DIR" /usr/bin/python3 -c 'import numpy, scipy, soundfile, resampy, statsmodels, matchering' 2>/dev/null; then
    echo "  matchering: skipped (python3-numpy, -scipy, -soundfile, -resampy, -statsmodels not importable)"
    return 0
  fi
  local ref refsrc mt_t mt_m md_t md_m
  refsrc=$(find "$CORPUS" -maxdepth 2 -name mix.flac | sort | sed -n 2p)
  [[ -n $refsrc ]] || { echo "  matchering: skipped (needs a second corpus mix as the reference)"; return 0; }
  ref="$WORK/reference.wav"
  loop_to_wav "$refsrc" 240 48000 "$ref"
  : >"$WORK/mt"
  : >"$WORK/md"
  for ((r = 0; r < RUNS; ++r)); do
    rm -rf "$WORK/mr"
    /usr/bin/time -f '%e %M' -o "$WORK/t1" "$BUILD/mixdown" master "$file" --reference "$ref" -o "$WORK/mr" -q
    cat "$WORK/t1" >>"$WORK/md"
    /usr/bin/time -f '%e %M' -o "$WORK/t2" env PYTHONPATH="$MATCHERING_DIR" /usr/bin/python3 -c \
      'import sys, matchering as mg; mg.log(lambda *a: None); mg.process(target=sys.argv[1], reference=sys.argv[2], results=[mg.pcm24(sys.argv[3])])' \
      "$file" "$ref" "$WORK/matchering.wav"
    cat "$WORK/t2" >>"$WORK/mt"
  done
  md_t=$(cut -d' ' -f1 <"$WORK/md" | median)
  mt_t=$(cut -d' ' -f1 <"$WORK/mt" | median)
  md_m=$(cut -d' ' -f2 <"$WORK/md" | median)
  mt_m=$(cut -d' ' -f2 <"$WORK/mt" | median)
  echo "  mixdown master --reference: median ${md_t} s, ${md_m} KB peak   matchering: median ${mt_t} s, ${mt_m} KB peak"
  awk -v a="$md_t" -v b="$mt_t" -v c="$md_m" -v d="$mt_m" \
    'BEGIN {printf "  ratio mixdown / matchering: time %.3f (goal <= 0.02), memory %.3f (goal <= 0.25)\n", a / b, c / d}'
  # Tonal distance to the reference: 1/3-octave spectra from `mixdown analyze`, each normalised
  # by its own mean level over 30 Hz-16 kHz, RMS of the differences.
  local j
  for j in reference:"$ref" mixdown:"$WORK/mr/masters/streaming.wav" matchering:"$WORK/matchering.wav"; do
    "$BUILD/mixdown" analyze "${j#*:}" --json "$WORK/${j%%:*}.json" -q
  done
  /usr/bin/python3 - "$WORK" <<'PY'
import json, math, sys
w = sys.argv[1]
def bands(name):
    j = json.load(open(f"{w}/{name}.json"))
    b = {round(x["hz"], 1): x["db"] for x in j["spectrum"]["third_octave"] if x["db"] is not None and 30 <= x["hz"] <= 16000}
    m = sum(b.values()) / len(b)
    return {k: v - m for k, v in b.items()}
ref = bands("reference")
for name in ("mixdown", "matchering"):
    b = bands(name)
    keys = [k for k in ref if k in b]
    rms = math.sqrt(sum((b[k] - ref[k]) ** 2 for k in keys) / len(keys))
    print(f"  tonal distance to the reference (RMS dB, 1/3 octave, 30 Hz-16 kHz): {name} {rms:.2f}")
PY
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
