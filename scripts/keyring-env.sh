# shellcheck shell=bash
# Sourced by with-keyring.sh and test.sh: a private D-Bus session bus with
# gnome-keyring serving the Secret Service, in throwaway HOME/XDG dirs, so
# the keyring tests talk to a real Secret Service without touching the
# user's own session. Both daemons are killed by PID and the temp dir
# removed on any exit.

# openssl is not a keyring tool, but the tests that check our crypto against
# it run in the same harness and must not skip there (scripts/testjson).
KEYRING_TOOLS=(dbus-daemon dbus-send gnome-keyring-daemon openssl)
KEYRING_PACKAGES=(gnome-keyring dbus-daemon dbus-bin openssl)
# The login keyring is created with this password on first start; it only
# ever protects throwaway secrets.
KEYRING_PASSWORD=${KEYRING_PASSWORD:-test-password}
KEYRING_CONF="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/internal/testkit/dbustest/session.conf"

keyring_missing_tools() {
	local tool
	for tool in "${KEYRING_TOOLS[@]}"; do
		command -v "$tool" >/dev/null 2>&1 || echo "$tool"
	done
}

# keyring_install_tools installs the daemons when missing. CI runs as root
# with no stdin, so sudo is used only when needed and never prompts.
keyring_install_tools() {
	local missing
	missing=$(keyring_missing_tools)
	[ -z "$missing" ] && return 0
	missing=${missing//$'\n'/ }
	echo "keyring-env: installing ${KEYRING_PACKAGES[*]} (missing: $missing)" >&2
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "keyring-env: missing $missing, not root and no sudo; install: apt-get install --no-install-recommends ${KEYRING_PACKAGES[*]}" >&2
			return 1
		fi
		sudo=(sudo -n)
	fi
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "keyring-env: missing $missing and no apt-get; install gnome-keyring and dbus by hand" >&2
		return 1
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${KEYRING_PACKAGES[@]}" >&2
}

keyring_bus_call() {
	dbus-send --session --print-reply --reply-timeout=2000 "$@" 2>/dev/null || true
}

# keyring_ready: the Secret Service is owned on the bus and its login
# collection (what go-keyring uses, also the "default" alias) is unlocked.
# Output is matched in variables, not through `| grep -q`, which can fail a
# pipefail pipeline with SIGPIPE.
keyring_ready() {
	local out
	out=$(keyring_bus_call --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets)
	[[ $out == *"boolean true"* ]] || return 1
	out=$(keyring_bus_call --dest=org.freedesktop.secrets /org/freedesktop/secrets \
		org.freedesktop.Secret.Service.ReadAlias string:default)
	[[ $out == *'"/org/freedesktop/secrets/collection/login"'* ]] || return 1
	out=$(keyring_bus_call --dest=org.freedesktop.secrets /org/freedesktop/secrets/collection/login \
		org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Locked)
	[[ $out == *"boolean false"* ]]
}

keyring_stop() {
	if [ -n "${KEYRING_DAEMON_PID:-}" ]; then
		kill "$KEYRING_DAEMON_PID" 2>/dev/null || true
		# Our child: wait for it to exit (and reap it) before removing the
		# dirs it writes to.
		{ wait "$KEYRING_DAEMON_PID"; } 2>/dev/null || true
	fi
	if [ -n "${KEYRING_BUS_PID:-}" ]; then
		kill "$KEYRING_BUS_PID" 2>/dev/null || true
	fi
	KEYRING_DAEMON_PID='' KEYRING_BUS_PID=''
	if [ -n "${KEYRING_TMP:-}" ]; then
		rm -rf "$KEYRING_TMP"
	fi
	return 0
}

# keyring_start starts the bus and the keyring and exports the environment
# that points at them (HOME, XDG_*, DBUS_SESSION_BUS_ADDRESS,
# HOOKCTL_KEYRING_TEST=1).
keyring_start() {
	local missing
	missing=$(keyring_missing_tools)
	if [ -n "$missing" ]; then
		echo "keyring-env: missing ${missing//$'\n'/ }; run scripts/test.sh once (it installs them) or apt-get install ${KEYRING_PACKAGES[*]}" >&2
		return 1
	fi
	trap keyring_stop EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP

	KEYRING_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hookctl-keyring.XXXXXX")
	# Go keeps its caches under HOME; pin them before HOME moves so a run
	# does not rebuild and re-download everything.
	if command -v go >/dev/null 2>&1; then
		export GOCACHE GOMODCACHE GOPATH GOENV
		GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE) GOPATH=$(go env GOPATH) GOENV=$(go env GOENV)
	fi
	export HOME=$KEYRING_TMP/home
	export XDG_CONFIG_HOME=$KEYRING_TMP/config XDG_DATA_HOME=$KEYRING_TMP/data
	export XDG_STATE_HOME=$KEYRING_TMP/state XDG_CACHE_HOME=$KEYRING_TMP/cache
	export XDG_RUNTIME_DIR=$KEYRING_TMP/runtime
	mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR" "$KEYRING_TMP/bus"
	chmod 700 "$KEYRING_TMP" "$XDG_RUNTIME_DIR"

	# --fork returns once the bus listens; it prints the address, then the PID.
	local out
	out=$(dbus-daemon --config-file="$KEYRING_CONF" --address="unix:dir=$KEYRING_TMP/bus" \
		--fork --print-address=1 --print-pid=1 2>"$KEYRING_TMP/dbus-daemon.log") || {
		echo "keyring-env: dbus-daemon failed:" >&2
		cat "$KEYRING_TMP/dbus-daemon.log" >&2
		return 1
	}
	DBUS_SESSION_BUS_ADDRESS=$(sed -n 1p <<<"$out")
	KEYRING_BUS_PID=$(sed -n 2p <<<"$out")
	export DBUS_SESSION_BUS_ADDRESS

	# --unlock reads the login keyring's password from stdin until EOF and
	# creates the keyring on first start.
	gnome-keyring-daemon --foreground --unlock --components=secrets \
		< <(printf '%s' "$KEYRING_PASSWORD") >"$KEYRING_TMP/gnome-keyring.log" 2>&1 &
	KEYRING_DAEMON_PID=$!

	local deadline=$((SECONDS + 15))
	until keyring_ready; do
		if ! kill -0 "$KEYRING_DAEMON_PID" 2>/dev/null; then
			echo "keyring-env: gnome-keyring-daemon exited:" >&2
			cat "$KEYRING_TMP/gnome-keyring.log" >&2
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "keyring-env: no unlocked login collection within 15s:" >&2
			cat "$KEYRING_TMP/gnome-keyring.log" >&2
			return 1
		fi
		sleep 0.05 # poll interval, bounded by the deadline
	done
	export HOOKCTL_KEYRING_TEST=1
	echo "keyring-env: Secret Service (gnome-keyring pid $KEYRING_DAEMON_PID) on $DBUS_SESSION_BUS_ADDRESS (bus pid $KEYRING_BUS_PID)" >&2
}
