#!/usr/bin/env bash
# test.sh [GO TEST FLAGS...]: the project's whole test command (`make test`,
# CI). Installs gnome-keyring and dbus when missing, then runs every test,
# including the real Secret Service ones, under with-keyring.sh. Extra
# arguments go to `go test` (e.g. -race, -run, -v).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/keyring-env.sh
. "$here/keyring-env.sh"

keyring_install_tools
cd "$here/.."
exec "$here/with-keyring.sh" go test ./... "$@"
