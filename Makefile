# hookctl — every target works on a fresh Debian machine with Go.
GO ?= go
BIN := bin/hookctl
LDFLAGS := -s -w

.PHONY: all build demo test test-unit release-check bench fuzz generate check-generated vet fmt clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

# The tour on a fresh in-process sandbox: register → list → update →
# rotate-secret → deliver → verify → delete, for every provider.
demo: build
	./$(BIN) sandbox demo

# Every test, including the keyring tests against a real Secret Service
# (gnome-keyring on a private D-Bus session; installed if missing).
test:
	./scripts/test.sh

# Unit tests only, no keyring daemons.
test-unit:
	$(GO) test ./...

# goreleaser check and a one-target snapshot, contents asserted (CI runs it after make test).
release-check:
	./scripts/release-check.sh

# A fuzzing pass of every target (CI runs it after make test).
fuzz:
	./scripts/fuzz.sh

bench: build
	./bench/run.sh

generate:
	$(GO) run ./cmd/gendocs

check-generated: generate
	git diff --exit-code -- docs completions

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin dist
