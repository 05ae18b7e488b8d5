#!/usr/bin/env bash
# test.sh [GO TEST FLAGS...]: the project's whole test command (`make test`,
# CI). Installs gnome-keyring and dbus when missing, then: formatting and vet,
# generated docs/completions up to date, every test with -race (including the
# real Secret Service ones, under with-keyring.sh; a keyring or openssl test
# that skips fails the run). Every fuzz target's seed corpus runs as a test;
# the fuzzing pass itself (scripts/fuzz.sh, minutes on 2 cores) runs from
# .ci/run after this, to keep this command under 6 minutes from a cold clone. Extra arguments go to `go test` (e.g. -run, -v).
# The goreleaser check and snapshot are not part of it: building goreleaser
# from source takes minutes on a cold cache. .ci/run runs them after this
# (scripts/release-check.sh, `make release-check`).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/keyring-env.sh
. "$here/keyring-env.sh"

keyring_install_tools
cd "$here/.."

echo "== gofmt"
unformatted=$(gofmt -l $(find . -name '*.go' -not -path './dist/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi

echo "== generated docs and completions are current"
go run ./cmd/gendocs
generated="docs/reference docs/man completions docs/guides/provider-assumptions.md docs/webhooks-manifest.schema.json"
# shellcheck disable=SC2086
if [ -d .git ] && [ -n "$(git status --porcelain -- $generated)" ]; then
  # shellcheck disable=SC2086
  git status --short -- $generated >&2
  echo "docs/ or completions/ differ from 'make generate': regenerate and commit" >&2
  exit 1
fi

echo "== go vet"
# -race: vet compiles every package it checks, and with the tests' build
# flags that work is the tests' own (one race build instead of a plain one
# for vet and a race one for the tests: half a minute of a cold run on 2 cores).
go vet -race ./...

echo "== tests (-race, real Secret Service)"
# testjson prints what go test would and fails when a test skipped for want
# of openssl or the Secret Service, which this script provides.
testjson=$(mktemp -d)/testjson
go build -o "$testjson" ./scripts/testjson
# -vet=off: `go vet` above already ran every analyzer; go test's own
# subset would type-check every package a second time.
# The packages whose tests run longest (kill and crash suites, the CLI's
# scripts) are named first so they start first; go test lists each once.
"$here/with-keyring.sh" go test -race -vet=off -json ./pkg/rotation ./cmd ./pkg/credentials ./... "$@" | "$testjson"
