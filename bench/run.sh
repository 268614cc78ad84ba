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

# "WALL CPU" seconds of one run of a command (CPU = user + system), its output discarded; fails
# the bench if the command fails.
wall_cpu_seconds() {
  local TIMEFORMAT='%3R %3U %3S' t
  { t=$( { time "$@" >/dev/null 2>"$WORK/stderr" ; } 2>&1 ); } || { echo "failed: $*" >&2; cat "$WORK/stderr" >&2; return 1; }
  awk '{printf "%.3f %.3f\n", $1, $2 + $3}' <<<"$t"
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
  local mix file ours peer ours_cpu peer_cpu
  mix=$(corpus_mix) || return 0
  file="$WORK/analyze-4min-48k.wav"
  loop_to_wav "$mix" 240 48000 "$file"
  "$BUILD/mixdown" analyze "$file" --json /dev/null -q  # warm the page cache
  echo "analyze: 4-minute stereo 48 kHz 24-bit WAV, $RUNS runs each, $(nproc) cores"
  : >"$WORK/ours"
  : >"$WORK/peer"
  for ((i = 0; i < RUNS; ++i)); do
    wall_cpu_seconds "$BUILD/mixdown" analyze "$file" --json /dev/null -q >>"$WORK/ours"
    wall_cpu_seconds "$BUILD/ebur128_peer" "$file" >>"$WORK/peer"
  done
  ours=$(cut -d' ' -f1 "$WORK/ours" | median)
  peer=$(cut -d' ' -f1 "$WORK/peer" | median)
  ours_cpu=$(cut -d' ' -f2 "$WORK/ours" | median)
  peer_cpu=$(cut -d' ' -f2 "$WORK/peer" | median)
  echo "  load average (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows both sides)"
  echo "  mixdown analyze (loudness, true peak, spectrum, stereo, problems): median wall ${ours} s, cpu ${ours_cpu} s"
  echo "  libebur128 (I + LRA + TP):                                        median wall ${peer} s, cpu ${peer_cpu} s"
  awk -v a="$ours" -v b="$peer" -v c="$ours_cpu" -v d="$peer_cpu" \
    'BEGIN {printf "  ratio mixdown / libebur128 = %.3f wall (goal <= 0.25), %.3f cpu\n", a / b, c / d}'
}

# --- a 16-stem, 4-minute session built from corpus stems (cached in $WORK) ------------------
# DirtyLove's 14 stems and two of CapDan-ReggaeTry's, each looped to 240 s, 48 kHz 24-bit FLAC.
session16() {
  local dir="$WORK/session16" f i=0
  [[ -d "$dir" ]] && { echo "$dir"; return 0; }
  mkdir -p "$dir"
  for f in "$CORPUS"/DirtyLove/stems/*.flac "$CORPUS"/CapDan-ReggaeTry/stems/0{6,7}_*.flac; do
    [[ -f "$f" ]] || continue
    i=$((i + 1))
    ffmpeg -loglevel error -y -stream_loop -1 -i "$f" -t 240 -ar 48000 -c:a flac -sample_fmt s32 \
      "$dir/$(printf '%02d' $i)_$(basename "$f")" </dev/null
  done
  [[ $i -ge 16 ]] || { echo "need the corpus under $CORPUS for the 16-stem session" >&2; rm -rf "$dir"; return 1; }
  echo "$dir"
}

# ffmpeg amix summing the stems of a folder to a 24-bit WAV (the peer for render and mix).
amix_seconds() {
  local dir=$1 args=() n=0 f
  for f in "$dir"/*.flac; do args+=(-i "$f"); n=$((n + 1)); done
  wall_cpu_seconds ffmpeg -loglevel error -y "${args[@]}" -filter_complex "amix=inputs=$n:normalize=0" \
    -c:a pcm_s24le "$WORK/amix.wav"
}

peak_rss_mb() {  # peak resident memory of a command, MB
  /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n 1 | awk '{printf "%.0f\n", $1 / 1024}'
}

# --- render: the renderer alone (Google Benchmark kernel BM_RenderSession) vs ffmpeg amix ----
bench_render() {
  local dir out amix r1 r2
  dir=$(session16) || return 0
  echo "render: 16 stems x 4 min, full console (HPF + 6-band EQ + compressor per strip; plate, hall, delay; 4 buses + mix bus)"
  out=$(MIXDOWN_BENCH_SESSION="$dir" "$BUILD/mixdown_bench" --benchmark_filter=BM_RenderSession 2>/dev/null)
  r1=$(awk '/BM_RenderSession\/1\/.*median/ {print $2}' <<<"$out")
  r2=$(awk '/BM_RenderSession\/2\/.*median/ {print $2}' <<<"$out")
  : >"$WORK/amix"
  for ((i = 0; i < 3; ++i)); do amix_seconds "$dir" >>"$WORK/amix"; done
  amix=$(cut -d' ' -f1 "$WORK/amix" | median)
  echo "  load average (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows both sides)"
  echo "  render 1 thread:  median ${r1} s  → $(awk -v t="$r1" 'BEGIN {printf "%.0f", 240 / t}')x realtime"
  echo "  render 2 threads: median ${r2} s  → $(awk -v t="$r2" 'BEGIN {printf "%.0f", 240 / t}')x realtime (goal >= 100x)"
  echo "  2-thread speed-up: $(awk -v a="$r1" -v b="$r2" 'BEGIN {printf "%.2f", a / b}') (goal >= 1.8)"
  echo "  ffmpeg amix of the same stems: median ${amix} s wall, $(cut -d' ' -f2 "$WORK/amix" | median) s cpu; ratio render / amix = $(awk -v a="$r2" -v b="$amix" 'BEGIN {printf "%.2f", a / b}') (goal <= 2)"
  echo "  peak memory of the render benchmark: $(MIXDOWN_BENCH_SESSION="$dir" peak_rss_mb "$BUILD/mixdown_bench" --benchmark_filter='BM_RenderSession/2' --benchmark_repetitions=1) MB"
}

# --- mix: the whole `mixdown mix` (check, analysis, decisions, render, master) vs ffmpeg amix --
bench_mix() {
  local dir ours amix ours_cpu amix_cpu
  dir=$(session16) || return 0
  echo "mix: whole 'mixdown mix' of 16 stems x 4 min (analysis, decisions, render, versions, master) vs ffmpeg amix, $RUNS runs each"
  : >"$WORK/ours"
  : >"$WORK/amix"
  # $RUNS runs each, interleaved (amix's own time varies by 10 % run to run here: three runs
  # left the ratio to its noise).
  for ((i = 0; i < RUNS; ++i)); do
    rm -rf "$WORK/mixout"
    wall_cpu_seconds "$BUILD/mixdown" mix "$dir" -o "$WORK/mixout" -q >>"$WORK/ours"
    amix_seconds "$dir" >>"$WORK/amix"
  done
  ours=$(cut -d' ' -f1 "$WORK/ours" | median)
  amix=$(cut -d' ' -f1 "$WORK/amix" | median)
  ours_cpu=$(cut -d' ' -f2 "$WORK/ours" | median)
  amix_cpu=$(cut -d' ' -f2 "$WORK/amix" | median)
  echo "  load average (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows both sides)"
  echo "  mixdown mix: median ${ours} s; ffmpeg amix: median ${amix} s; ratio = $(awk -v a="$ours" -v b="$amix" 'BEGIN {printf "%.2f", a / b}') (goal <= 3)"
  echo "  cpu (user + sys): mixdown mix ${ours_cpu} s, ffmpeg amix ${amix_cpu} s; cpu ratio = $(awk -v a="$ours_cpu" -v b="$amix_cpu" 'BEGIN {printf "%.2f", a / b}')"
  rm -rf "$WORK/mixout"
  echo "  peak memory of mixdown mix: $(peak_rss_mb "$BUILD/mixdown" mix "$dir" -o "$WORK/mixout" -q) MB"
}

# --- check: `mixdown check` of 16 stems x 4 min against ffmpeg decoding the same files -------
# The peer decodes each file to null, one ffmpeg process per file, one after another (ffmpeg
# decodes FLAC on one thread; mixdown check reads the stems in parallel). Goal: ratio <= 2.
bench_check() {
  local dir r ours ours1 peer
  dir=$(session16) || return 0
  decode_all() { local g; for g in "$dir"/*.flac; do ffmpeg -nostdin -loglevel error -i "$g" -f null - || return 1; done; }
  "$BUILD/mixdown" check "$dir" -q  # warm the page cache
  echo "check: 16 stems x 4 min (48 kHz 24-bit FLAC), $RUNS runs each, $(nproc) cores"
  : >"$WORK/ours"
  : >"$WORK/ours1"
  : >"$WORK/peer"
  for ((r = 0; r < RUNS; ++r)); do
    wall_cpu_seconds "$BUILD/mixdown" check "$dir" --json "$WORK/check.json" -q >>"$WORK/ours"
    wall_cpu_seconds "$BUILD/mixdown" check "$dir" --json "$WORK/check.json" -q --threads 1 >>"$WORK/ours1"
    wall_cpu_seconds decode_all >>"$WORK/peer"
  done
  ours=$(cut -d' ' -f1 "$WORK/ours" | median)
  ours1=$(cut -d' ' -f1 "$WORK/ours1" | median)
  peer=$(cut -d' ' -f1 "$WORK/peer" | median)
  echo "  mixdown check, all cores:  median ${ours} s wall   [wall cpu: $(tr '\n' ' ' <"$WORK/ours")]"
  echo "  mixdown check, 1 thread:   median ${ours1} s wall   [wall cpu: $(tr '\n' ' ' <"$WORK/ours1")]"
  echo "  ffmpeg -f null, per file:  median ${peer} s wall   [wall cpu: $(tr '\n' ' ' <"$WORK/peer")]"
  awk -v a="$ours" -v c="$ours1" -v b="$peer" \
    'BEGIN {printf "  ratio check / ffmpeg = %.2f (all cores), %.2f (1 thread) (goal <= 2)\n", a / b, c / b}'
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
    wall_cpu_seconds "$BUILD/mixdown" master "$file" -o "$WORK/m" -q >>"$WORK/ours"
    wall_cpu_seconds loudnorm_two_pass >>"$WORK/peer"
  done
  ours=$(cut -d' ' -f1 <"$WORK/ours" | median)
  peer=$(cut -d' ' -f1 <"$WORK/peer" | median)
  local ours_cpu peer_cpu
  ours_cpu=$(cut -d' ' -f2 <"$WORK/ours" | median)
  peer_cpu=$(cut -d' ' -f2 <"$WORK/peer" | median)
  ours_acc=$("$BUILD/ebur128_peer" "$WORK/m/masters/streaming.wav")
  peer_acc=$("$BUILD/ebur128_peer" "$WORK/loudnorm.wav")
  echo "  mixdown master (analysis, EQ, limiter, landing+metering, MP3 check, previews, translation): median wall ${ours} s, CPU ${ours_cpu} s   [$(tr '\n' ',' <"$WORK/ours")]"
  echo "  ffmpeg loudnorm, both passes:                                                                median wall ${peer} s, CPU ${peer_cpu} s   [$(tr '\n' ',' <"$WORK/peer")]"
  awk -v a="$ours" -v b="$peer" -v c="$ours_cpu" -v d="$peer_cpu" \
    'BEGIN {printf "  ratio mixdown / loudnorm = %.3f wall, %.3f CPU (goal <= 0.05)\n", a / b, c / d}'
  echo "  result by libebur128: mixdown  $ours_acc"
  echo "                        loudnorm $peer_acc"
  awk -v a="$ours_acc" -v b="$peer_acc" 'BEGIN {
    split(a, x, " "); split(b, y, " ");
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
  # Both inputs are read into the page cache before each timed run, of either tool: Matchering
  # holds ~1.6 GB, which can push them out, and the next run would then time the disk.
  for ((r = 0; r < RUNS; ++r)); do
    rm -rf "$WORK/mr"
    cat "$file" "$ref" >/dev/null
    /usr/bin/time -f '%e %M' -o "$WORK/t1" "$BUILD/mixdown" master "$file" --reference "$ref" -o "$WORK/mr" -q
    cat "$WORK/t1" >>"$WORK/md"
    cat "$file" "$ref" >/dev/null
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
