#!/usr/bin/env bash
# Whole-process benchmarks and Go benchmarks; prints figures, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/hookctl .
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/hello ./bench/floors/hello
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/get ./bench/floors/get
echo "== whole processes =="
go run ./bench/proc -bin bin -runs "${RUNS:-40}"; echo; echo "== bulk rotation =="; go run ./bench/rotation -bin bin
echo
echo "== storing one webhook secret, at 1 and 1,000 stored (issue 17) =="
if command -v gnome-keyring-daemon >/dev/null && command -v dbus-daemon >/dev/null; then
	./scripts/with-keyring.sh go run ./bench/store
else
	go run ./bench/store
fi
echo
echo "== go benchmarks =="
go test -run '^$' -bench . -benchmem ./pkg/signature/... ./pkg/rotation/... 2>/dev/null | grep -E '^(Benchmark|ok|PASS|goos|cpu)' || true
echo
echo "== verify --batch, one core (aim: >= 100,000 HMAC checks/s) =="
go test -run '^$' -bench 'VerifyBatch|DecodeBatchLine' -benchmem -cpu 1 ./cmd 2>/dev/null | grep -E '^(Benchmark|ok)' || true
