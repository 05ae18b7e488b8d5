#!/usr/bin/env bash
# fuzz.sh [DURATION]: run every Fuzz target in the module for DURATION each
# (default 5s), one at a time (go test -fuzz takes one target per run).
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-5s}
n=0
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "fuzz: $pkg $target ($dur)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$dur" "$pkg" >/tmp/hookctl-fuzz.log 2>&1 || { cat /tmp/hookctl-fuzz.log; exit 1; }
    n=$((n+1))
  done
done
echo "fuzz: $n targets, $dur each, no failure"
