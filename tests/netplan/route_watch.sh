#!/usr/bin/env bash
# `cutover route switch` with a health gate, --watch and --confirm-within,
# against the kernel (a namespace cut-rt-w*-PID with veth pairs) and a local
# HTTP server (tests/health/server.py) on 127.0.0.1:18090-18091 only.
#   - --watch: the server behind the gate stops mid-window; cutover rolls the
#     routes back by itself (exit 1) and the tables are exactly as before
#   - --confirm-within: cutover exits 0; the detached watchdog rolls back at
#     the deadline; a late `cutover confirm` is refused (exit 3)
#   - --confirm-within then `cutover confirm`: the routes stay switched
#   - usage: a bad duration, or --watch with `route plan`, exits 2
#   - --watch, a switched route changed out of band, then the gate fails: the
#     rollback meets a conflict, exit 1 (not 3), the conflict named, --json's
#     watch.result "rollback-failed", the other change left alone
#   - --watch on routes that name no gates: refused (exit 2) before anything
#     is journaled or changed; --json's "watch" says how a watch ended
#   - SIGTERM during --watch (the signal path dns switch has too): the watch
#     stops, notes watch-aborted, the routes stay switched, exit 1 saying how
#     to roll back; that rollback restores the tables exactly
# Needs root. Env: CUTOVER, SOURCE_ROOT.
set -u
: "${CUTOVER:?}" "${SOURCE_ROOT:?}"
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: network namespaces need root"
	exit 77
fi
here="$SOURCE_ROOT/tests/netplan"
tmp=$(mktemp -d)
tag="$$"
WEB=18090
namespaces=()
servers=()
pass=0
fail=0

cleanup() {
	local p ns j
	for j in "$tmp"/*.journal; do # no watchdog outlives the test
		[ -e "$j" ] && "$CUTOVER" confirm --journal "$j" >/dev/null 2>&1
	done
	for p in "${servers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# shellcheck source=check.sh
. "$here/check.sh"

same_as_before() { # same_as_before NAME
	snapshot "cut-rt-$1-$tag" "$tmp/$1.after"
	diff -u "$tmp/$1.before" "$tmp/$1.after" >"$tmp/$1.diff"
}

switched() { # switched NAME: the first route goes through the new gateway
	grep -q 198.51.100.254 <(ip -n "cut-rt-$1-$tag" route show 10.0.3.0/24)
}

wait_until() { # wait_until SECONDS COMMAND...: polls, no timing is asserted
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}

web=
start_web() { # start_web: the HTTP server behind the gate (once); its pid in $web
	if [ -n "$web" ] && kill -0 "$web" 2>/dev/null; then return 0; fi
	rm -f "$tmp/ready"
	python3 "$SOURCE_ROOT/tests/health/server.py" "$tmp/ready" "port=$WEB,body=up" &
	web=$!
	servers+=("$web")
	wait_until 10 test -s "$tmp/ready"
}

watchdog_alive() { ! flock -n "$1.watchdog.lock" true 2>/dev/null; }

# gateway NAME [gen options]: a namespace with 40 routes and an address move to
# switch, the plan (with a gate on the web server) in $tmp/NAME.json
gateway() {
	local name=$1 ns="cut-rt-$1-$tag"
	shift
	namespaces+=("$ns")
	make_gateway "$ns" || return 1
	python3 "$here/gen.py" "$tmp/$name.json" "$tmp/$name.batch" "$name.journal" "$ns" 40 0 0 \
		"$@" || return 1
	python3 - "$tmp/$name.json" "$WEB" <<'PY' || return 1
import json, sys
path, port = sys.argv[1], int(sys.argv[2])
d = json.load(open(path))
d["routes"]["gates"] = ["gw-web"]
d["health"] = {"gw-web": {"kind": "http", "host": "gw.example", "interval": "200ms",
                          "healthy_after": 1, "sick_after": 2,
                          "targets": ["127.0.0.1:%d" % port]}}
json.dump(d, open(path, "w"), indent=1)
PY
	ip -n "$ns" -batch "$tmp/$name.batch" || return 1
	snapshot "$ns" "$tmp/$name.before"
}

# ---- --watch: the gate's server stops mid-window: rolled back by itself ----
test_watch() {
	local pid rc
	gateway watch || { bad "watch: set-up"; return; }
	start_web || { bad "watch: web server"; return; }
	"$CUTOVER" route switch --watch 60s "$tmp/watch.json" >"$tmp/watch.out" 2>"$tmp/watch.err" &
	pid=$!
	wait_until 30 grep -q "^watch: " "$tmp/watch.out"
	check "watch: the watch window started" grep -q "^watch: " "$tmp/watch.out"
	check "watch: switched before the server stops" switched watch
	kill -9 "$web"
	wait "$web" 2>/dev/null
	wait "$pid"
	rc=$?
	check "watch: cutover exits 1 ($rc)" test "$rc" = 1
	check "watch: it names the sick gate" grep -q "gw-web" "$tmp/watch.err"
	check "watch: it says it rolled back" grep -q "rolled back" "$tmp/watch.err"
	check "watch: the tables and addresses are exactly as before" same_as_before watch
	check "watch: the journal notes the watch" grep -q '"watch"' "$tmp/watch.journal"
	"$CUTOVER" rollback --journal "$tmp/watch.journal" --reason test >/dev/null 2>&1
	check "watch: a second rollback exits 0 and changes nothing" same_as_before watch
}

# ---- --confirm-within: nobody confirms; the watchdog rolls back ----
test_confirm_timeout() {
	local rc
	gateway late || { bad "late: set-up"; return; }
	start_web || { bad "late: web server"; return; }
	setsid "$CUTOVER" route switch --confirm-within 2s "$tmp/late.json" >"$tmp/late.out" 2>&1
	rc=$?
	check "late: cutover exits 0 ($rc)" test "$rc" = 0
	check "late: it says the switch is provisional" grep -q "provisional" "$tmp/late.out"
	check "late: the watchdog guards the change" watchdog_alive "$tmp/late.journal"
	check "late: the watchdog rolls back at the deadline" \
		wait_until 60 same_as_before late
	wait_until 15 eval '! watchdog_alive "$tmp/late.journal"'
	check "late: the watchdog verified the routes are back" \
		grep -q "source is verified back" "$tmp/late.journal.watchdog.log"
	"$CUTOVER" confirm --journal "$tmp/late.journal" >/dev/null 2>&1
	check "late: a confirm after the rollback is refused (exit 3)" test $? = 3
}

# ---- --confirm-within then confirm: the switch stays ----
test_confirm() {
	gateway keep || { bad "keep: set-up"; return; }
	start_web || { bad "keep: web server"; return; }
	"$CUTOVER" route switch --json --confirm-within 5m "$tmp/keep.json" >"$tmp/keep.out" 2>&1
	check "keep: cutover exits 0" test $? = 0
	check "keep: the journal marks the switch provisional" \
		grep -q '"provisional"' "$tmp/keep.journal"
	"$CUTOVER" confirm --journal "$tmp/keep.journal" >"$tmp/keep.confirm" 2>&1
	check "keep: confirm exits 0" test $? = 0
	check "keep: the watchdog exits after confirm" \
		wait_until 15 eval '! watchdog_alive "$tmp/keep.journal"'
	check "keep: the routes stay switched" switched keep
}

# ---- --confirm-within and a switch the kernel refuses half way: the watchdog,
# armed before the first change, still rolls back what was applied ----
test_confirm_partial() {
	local rc
	gateway part --unreachable 20 || { bad "part: set-up"; return; }
	start_web || { bad "part: web server"; return; }
	setsid "$CUTOVER" route switch --confirm-within 3s "$tmp/part.json" >"$tmp/part.out" \
		2>"$tmp/part.err"
	rc=$?
	check "part: cutover exits 1 ($rc)" test "$rc" = 1
	check "part: the first routes were switched" switched part
	check "part: the error output says the watchdog will roll back" \
		grep -q "provisional: the watchdog armed before the first change" "$tmp/part.err"
	check "part: the journal's provisional note comes before the steps" \
		grep -q '"armed_before"' "$tmp/part.journal"
	check "part: the watchdog rolls back the applied routes at the deadline" \
		wait_until 60 same_as_before part
	wait_until 15 eval '! watchdog_alive "$tmp/part.journal"'
	check "part: the watchdog verified the routes are back" \
		grep -q "source is verified back" "$tmp/part.journal.watchdog.log"
}

# ---- a provisional switch rolled back by hand, then a plain switch: the old
# watchdog exits and leaves the new switch alone; confirm says so ----
test_rollback_by_hand() {
	gateway hand || { bad "hand: set-up"; return; }
	start_web || { bad "hand: web server"; return; }
	setsid "$CUTOVER" route switch --confirm-within 4s "$tmp/hand.json" >"$tmp/hand.out" 2>&1
	check "hand: provisional switch exits 0" test $? = 0
	"$CUTOVER" rollback --journal "$tmp/hand.journal" >"$tmp/hand.rb" 2>&1
	check "hand: rollback by hand exits 0" test $? = 0
	"$CUTOVER" route switch "$tmp/hand.json" >"$tmp/hand.out2" 2>&1
	check "hand: the plain switch exits 0" test $? = 0
	check "hand: the old watchdog exits before its deadline" \
		wait_until 2 eval '! watchdog_alive "$tmp/hand.journal"'
	sleep 5 # past the old deadline
	check "hand: the plain switch stays" switched hand
	"$CUTOVER" confirm --journal "$tmp/hand.journal" >"$tmp/hand.confirm" 2>&1
	check "hand: confirm is refused (exit 3)" test $? = 3
	check "hand: confirm says it was rolled back by hand" \
		grep -q "rolled back by hand" "$tmp/hand.confirm"
}

# ---- --watch without gates: refused before anything changes ----
test_nogate() {
	gateway nogate || { bad "nogate: set-up"; return; }
	python3 - "$tmp/nogate.json" <<'PY' || { bad "nogate: plan"; return; }
import json, sys
d = json.load(open(sys.argv[1]))
del d["routes"]["gates"]
json.dump(d, open(sys.argv[1], "w"), indent=1)
PY
	"$CUTOVER" route switch --watch 10s "$tmp/nogate.json" >"$tmp/nogate.out" 2>"$tmp/nogate.err"
	check "nogate: --watch without gates exits 2 ($?)" test $? = 2
	check "nogate: it says there is nothing to watch" grep -q "no health gates" "$tmp/nogate.err"
	check "nogate: it says what to do" grep -q 'add "gates".*drop --watch' "$tmp/nogate.err"
	check "nogate: nothing was journaled" test ! -e "$tmp/nogate.journal"
	check "nogate: the tables and addresses are exactly as before" same_as_before nogate
	"$CUTOVER" route switch --json --watch 10s "$tmp/nogate.json" >"$tmp/nogate.json.out" 2>/dev/null
	check "nogate: --json exits 2 too ($?)" test $? = 2
	check "nogate: --json has the error" grep -q '"exit": 2' "$tmp/nogate.json.out"
	check "nogate: still nothing journaled" test ! -e "$tmp/nogate.journal"
}

# ---- --json: the "watch" member says the window passed ----
test_json() {
	gateway json || { bad "json: set-up"; return; }
	start_web || { bad "json: web server"; return; }
	"$CUTOVER" route switch --json --watch 1s "$tmp/json.json" >"$tmp/json.out" 2>"$tmp/json.err"
	check "json: exits 0 ($?)" test $? = 0
	check "json: watch passed" python3 -c '
import json, sys
w = json.load(open(sys.argv[1]))["watch"]
sys.exit(w != {"duration": "1 s", "duration_ms": 1000, "result": "passed"})' "$tmp/json.out"
	check "json: switched" switched json
}

# ---- --watch, a route changed by someone else, then the gate fails ----
test_conflict() {
	local pid rc ns="cut-rt-conflict-$tag"
	gateway conflict || { bad "conflict: set-up"; return; }
	start_web || { bad "conflict: web server"; return; }
	"$CUTOVER" route switch --json --watch 60s "$tmp/conflict.json" >"$tmp/conflict.out" \
		2>"$tmp/conflict.err" &
	pid=$!
	wait_until 30 grep -qs '"event": *"watch"' "$tmp/conflict.journal"
	check "conflict: the watch window started" grep -q '"event": *"watch"' "$tmp/conflict.journal"
	check "conflict: switched before the change by hand" switched conflict
	ip -n "$ns" route replace blackhole 10.0.3.0/24
	kill -9 "$web"
	wait "$web" 2>/dev/null
	wait "$pid"
	rc=$?
	check "conflict: cutover exits 1, not 3 ($rc)" test "$rc" = 1
	check "conflict: --json says the rollback failed" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["error"]["message"])
sys.exit(d["watch"]["result"] != "rollback-failed" or d["error"]["exit"] != 1)' "$tmp/conflict.out"
	check "conflict: the message names the conflict" grep -q \
		'automatic rollback failed.*changed by someone else.*10\.0\.3\.0/24' "$tmp/conflict.out"
	check "conflict: the change by hand is left alone" \
		grep -q blackhole <(ip -n "$ns" route show 10.0.3.0/24)
}

# ---- SIGTERM during --watch: the watch stops, the routes stay ----
test_signal() {
	local pid rc
	gateway night-sig || { bad "signal: set-up"; return; }
	start_web || { bad "signal: web server"; return; }
	"$CUTOVER" route switch --watch 60s "$tmp/night-sig.json" >"$tmp/night-sig.out" \
		2>"$tmp/night-sig.err" &
	pid=$!
	wait_until 30 grep -qs '"event": *"watch"' "$tmp/night-sig.journal"
	check "signal: the watch window started" grep -q '"event": *"watch"' "$tmp/night-sig.journal"
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	check "signal: cutover exits 1 ($rc)" test "$rc" = 1
	check "signal: it says the watch stopped and the switch stays" \
		grep -q "stopped by SIGTERM.*stays in place" "$tmp/night-sig.err"
	check "signal: it says how to roll back" \
		grep -q "cutover rollback --journal $tmp/night-sig.journal" "$tmp/night-sig.err"
	check "signal: the journal notes watch-aborted" \
		grep -q '"watch-aborted"' "$tmp/night-sig.journal"
	check "signal: nothing was rolled back" switched night-sig
	"$CUTOVER" rollback --journal "$tmp/night-sig.journal" >/dev/null 2>&1
	check "signal: the rollback it names restores the tables exactly" same_as_before night-sig
}

test_usage() {
	"$CUTOVER" route switch --watch 0s "$tmp/keep.json" >/dev/null 2>&1
	check "usage: --watch 0s exits 2" test $? = 2
	"$CUTOVER" route switch --confirm-within soon "$tmp/keep.json" >/dev/null 2>&1
	check "usage: --confirm-within soon exits 2" test $? = 2
	"$CUTOVER" route plan --watch 10s "$tmp/keep.json" >/dev/null 2>&1
	check "usage: route plan --watch exits 2" test $? = 2
	check "usage: --help names both" \
		grep -q -- "--confirm-within DURATION" <("$CUTOVER" route --help)
	local cmd
	for cmd in route dns; do
		"$CUTOVER" "$cmd" --help >"$tmp/$cmd.help" 2>&1
		check "usage: $cmd --help: --watch without gates is refused" \
			grep -q "Refused (exit 2" "$tmp/$cmd.help"
		check "usage: $cmd --help: SIGINT/SIGTERM stop the watch, SIGHUP does not" \
			grep -q "SIGHUP (session" "$tmp/$cmd.help"
		check "usage: $cmd --help: a rollback with a conflict exits 1 too" \
			grep -q "rollback that met a conflict" "$tmp/$cmd.help"
		check "usage: $cmd --help: armed before the first change" \
			grep -q "armed before its first change" "$tmp/$cmd.help"
		check "usage: $cmd --help: confirm tells the outcome" \
			grep -q "tells its outcome" "$tmp/$cmd.help"
	done
}

for t in ${ROUTE_WATCH_TESTS:-watch confirm_timeout confirm confirm_partial rollback_by_hand usage \
	nogate json conflict signal}; do
	"test_$t"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
