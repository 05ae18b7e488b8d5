#!/usr/bin/env bash
# Whole-process benchmarks and Go benchmarks; prints figures, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/hookctl .
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/hello ./bench/floors/hello
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/get ./bench/floors/get
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/required ./bench/floors/required
have_keyring() { command -v gnome-keyring-daemon >/dev/null && command -v dbus-daemon >/dev/null; }
echo "== whole processes: --version, list of 20, peak RSS, verify --batch of 100,000 (issue 17) =="
go run ./bench/proc -bin bin -runs "${RUNS:-40}"
echo
echo "== bulk rotation, file store, 50 ms latency, concurrency 32, two runs (the first adopts every secret: the sandbox made them) =="
go run ./bench/rotation -bin bin -rounds 2
echo
echo "== bulk rotation, real keyring (gnome-keyring), 0 ms latency, two runs, beside the 50 ms floor (issue 17) =="
if have_keyring; then
	./scripts/with-keyring.sh go run ./bench/rotation -bin bin -storage keyring -latency 0 -floor-latency 50ms -rounds 2
else
	echo "(skipped: no gnome-keyring-daemon and dbus-daemon; make test installs them)"
fi
echo
echo "== storing one webhook secret, at 1 and 1,000 stored (issue 17) =="
if have_keyring; then
	./scripts/with-keyring.sh go run ./bench/store
else
	go run ./bench/store
fi
echo
echo "== go benchmarks =="
go test -run '^$' -bench . -benchmem ./pkg/signature/... ./pkg/rotation/... 2>/dev/null | grep -E '^(Benchmark|ok|PASS|goos|cpu)' || true
echo
echo "== verify --batch per entry in-process, one core (the whole process is under whole processes above) =="
go test -run '^$' -bench 'VerifyBatch|DecodeBatchLine' -benchmem -cpu 1 ./pkg/verify ./cmd 2>/dev/null | grep -E '^(Benchmark|ok)' || true
