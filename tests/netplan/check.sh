# Sourced by the netplan test scripts (which set $here, pass and fail): TAP-like
# result lines, the gateway namespace (gateway.sh), and a snapshot of a
# namespace's routes and addresses to compare before and after.
ok() { echo "ok - $*"; pass=$((pass + 1)); }
bad() { echo "not ok - $*"; fail=$((fail + 1)); }
check() { # check NAME COMMAND...
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}

# shellcheck source=gateway.sh
. "$here/gateway.sh"

snapshot() { # snapshot NS FILE
	{
		ip -n "$1" -d route show table all
		ip -n "$1" -6 -d route show table all
		ip -n "$1" addr
	} >"$2"
}
