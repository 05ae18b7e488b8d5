#!/usr/bin/env bash
# release-check.sh: `goreleaser check` and a snapshot release, then assert the
# linux/amd64 archive holds the binary, completions and man pages.
# goreleaser comes from the Go module proxy at a pinned version; building it
# takes minutes on 2 cores, so test.sh runs this only with
# HOOKCTL_RELEASE_CHECK=1 or when goreleaser is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
GORELEASER_VERSION=v2.15.4
gr=$(command -v goreleaser || true)
if [ -z "$gr" ]; then
  GOBIN="$(go env GOPATH)/bin" go install "github.com/goreleaser/goreleaser/v2@${GORELEASER_VERSION}"
  gr="$(go env GOPATH)/bin/goreleaser"
fi
"$gr" check
"$gr" release --snapshot --clean --skip=publish,sign >/dev/null
archive=$(ls dist/hookctl_*_linux_amd64.tar.gz)
listing=$(tar -tzf "$archive")
for want in hookctl completions/hookctl.bash completions/_hookctl completions/hookctl.fish completions/hookctl.ps1 docs/man/hookctl.1 docs/man/hookctl-rotate-secret.1; do
  grep -qx "$want" <<<"$listing" || { echo "release-check: $archive lacks $want" >&2; exit 1; }
done
ls dist/*.deb dist/*.rpm >/dev/null
echo "release-check: ok ($archive: binary, completions, man pages; deb and rpm built)"
