#!/usr/bin/env bash
# release-check.sh: `goreleaser check` on .goreleaser.yaml, then a snapshot
# release of one target (linux/amd64; the config with its goos/goarch lists
# narrowed), asserting that the archive holds the binary, completions and man
# pages, and that the deb and rpm install completions and man pages where
# each shell and man look. goreleaser comes from scripts/goreleaser.sh
# (Go module proxy, pinned version).
set -euo pipefail
cd "$(dirname "$0")/.."
gr=$(scripts/goreleaser.sh)
"$gr" check

ci=$(mktemp -d)
trap 'rm -rf "$ci"' EXIT
grep -qx '    goos: \[linux, darwin, windows\]' .goreleaser.yaml
grep -qx '    goarch: \[amd64, arm64\]' .goreleaser.yaml
sed -e 's/^    goos: \[linux, darwin, windows\]$/    goos: [linux]/' \
    -e 's/^    goarch: \[amd64, arm64\]$/    goarch: [amd64]/' .goreleaser.yaml > "$ci/goreleaser.yaml"
"$gr" release --snapshot --clean --skip=publish,sign -f "$ci/goreleaser.yaml" >"$ci/log" 2>&1 || {
  cat "$ci/log" >&2
  exit 1
}

fail() { echo "release-check: $*" >&2; exit 1; }
archive=$(ls dist/hookctl_*_linux_amd64.tar.gz)
listing=$(tar -tzf "$archive")
for want in hookctl completions/hookctl.bash completions/_hookctl completions/hookctl.fish completions/hookctl.ps1 docs/man/hookctl.1 docs/man/hookctl-rotate-secret.1; do
  grep -qx "$want" <<<"$listing" || fail "$archive lacks $want"
done
# The binary in the archive runs and reports the snapshot version.
tar -xzf "$archive" -C "$ci" hookctl
"$ci/hookctl" version | grep -q SNAPSHOT || fail "the archived binary does not report its snapshot version"

deb=$(ls dist/*.deb)
rpm=$(ls dist/*.rpm)
debfiles=$(dpkg-deb -c "$deb" | awk '{print $NF}')
for want in ./usr/bin/hookctl ./usr/share/bash-completion/completions/hookctl ./usr/share/zsh/vendor-completions/_hookctl \
  ./usr/share/fish/vendor_completions.d/hookctl.fish ./usr/share/man/man1/hookctl.1 ./usr/share/man/man1/hookctl-verify-listen.1; do
  grep -qx -- "$want" <<<"$debfiles" || fail "$deb lacks $want"
done
[ -s "$rpm" ] || fail "no rpm"
echo "release-check: ok ($archive and $(basename "$deb"): binary, completions, man pages; $(basename "$rpm") built)"
