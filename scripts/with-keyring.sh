#!/usr/bin/env bash
# with-keyring.sh CMD [ARGS...]: run CMD with a private D-Bus session bus and
# a real gnome-keyring Secret Service (throwaway HOME and XDG dirs), then stop
# both daemons. The demo, benchmarks and keyring tests use it; CMD sees
# DBUS_SESSION_BUS_ADDRESS and HOOKCTL_KEYRING_TEST=1.
set -euo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi
# shellcheck source=scripts/keyring-env.sh
. "$(dirname "${BASH_SOURCE[0]}")/keyring-env.sh"

keyring_start
rc=0
"$@" || rc=$?
exit "$rc"
