#!/usr/bin/env bash
# The issue's "Quality, measured": runs the MixQuality e2e test (random +-10 dB gains on the
# dry corpus stems, `mixdown mix --no-master`, each stem's loudness relative to the mix by
# libebur128 against the author's, and the equal-loudness sum as the baseline), keeps the
# outputs, and draws spectrograms of our mix and the author's (sox, when installed).
#   bench/mix_quality.sh BUILD_DIR [OUT_DIR]
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/mix_quality.sh BUILD_DIR [OUT_DIR]}" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS=${MIXDOWN_CORPUS:-$ROOT/../shared/corpus}
OUT=${2:-$(mktemp -d "${TMPDIR:-/tmp}/mixdown-quality-XXXXXX")}
mkdir -p "$OUT"
MIXDOWN_BIN="$BUILD/mixdown" MIXDOWN_CORPUS="$CORPUS" MIXDOWN_KEEP="$OUT" \
  "$BUILD/e2e_tests" --gtest_filter='MixQuality*' | grep -v '^\[' || true
if command -v sox >/dev/null; then
  for song in "$OUT"/*/; do
    name=$(basename "$song")
    [ -f "$song/out/mix.wav" ] || continue
    sox "$song/out/mix.wav" -n remix - spectrogram -x 800 -y 257 -t "$name: mixdown" -o "$OUT/$name-mixdown.png"
    sox "$CORPUS/$name/mix.flac" -n remix - spectrogram -x 800 -y 257 -t "$name: author" -o "$OUT/$name-author.png"
  done
  echo "spectrograms in $OUT"
fi
