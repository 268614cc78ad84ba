#!/usr/bin/env bash
# Installs the Debian packages mixdown builds and tests with, only those that are missing
# (idempotent; uses sudo when not root). EXTRA_PKGS adds more (make fuzz adds clang).
set -euo pipefail
PKGS=(build-essential cmake ninja-build pkg-config
      libsndfile1-dev libsoxr-dev libfftw3-dev nlohmann-json3-dev libtomlplusplus-dev
      libcli11-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libebur128-dev libssl-dev
      ffmpeg)
PKGS+=(chromium)  # the report test opens report.html headless (tests/e2e/report_test.cpp)
missing=()
for p in "${PKGS[@]}" ${EXTRA_PKGS:-}; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
