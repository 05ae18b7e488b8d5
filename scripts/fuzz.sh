#!/usr/bin/env bash
# fuzz.sh [BUDGET]: run every Fuzz target in the module with -fuzztime
# BUDGET each (default 10000x), one at a time (go test -fuzz takes one
# target per run). The default is an execution count, not a duration: Go
# 1.26's fuzz coordinator can report a spurious "context deadline exceeded"
# failure when a duration budget ends mid-execution (golang/go#75804, fixed
# in Go 1.27); a count has no deadline to race. Pass e.g. 10m for long runs.
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-10000x}
n=0
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "fuzz: $pkg $target ($dur)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$dur" "$pkg" >/tmp/hookctl-fuzz.log 2>&1 || { cat /tmp/hookctl-fuzz.log; exit 1; }
    n=$((n+1))
  done
done
# Every Fuzz function in the source must have been run: a package whose
# tests do not build lists no targets above, which must not pass quietly.
want=$(git ls-files '*_test.go' 2>/dev/null | xargs grep -hE '^func Fuzz[A-Za-z0-9_]*\(' | wc -l)
if [ "$n" -ne "$want" ]; then
  echo "fuzz: ran $n targets but the source defines $want" >&2
  exit 1
fi
echo "fuzz: $n targets, $dur each, no failure"
