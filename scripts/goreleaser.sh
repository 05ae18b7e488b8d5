#!/usr/bin/env bash
# goreleaser.sh: print the path of goreleaser at the pinned version, building
# it from the Go module proxy first when it is not there yet (minutes on 2
# cores: test.sh starts this in the background at its beginning).
set -euo pipefail
GORELEASER_VERSION=v2.15.4
dir="${XDG_CACHE_HOME:-$HOME/.cache}/hookctl-tools/goreleaser-${GORELEASER_VERSION}"
if [ ! -x "$dir/goreleaser" ]; then
  mkdir -p "$dir"
  # Unoptimised: the check and one snapshot need no speed, and it compiles faster.
  GOBIN="$dir" GOFLAGS= go install -trimpath -gcflags='all=-N -l' -ldflags='-s -w' \
    "github.com/goreleaser/goreleaser/v2@${GORELEASER_VERSION}" >&2
fi
echo "$dir/goreleaser"
