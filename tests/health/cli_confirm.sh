#!/usr/bin/env bash
# `cutover confirm` end to end: dry run, extend (which starts cutover's own
# detached watchdog), confirm (the watchdog exits without acting), confirm
# again, extend after confirm, and the usage errors.
# usage: cli_confirm.sh TEST_NIGHT_WATCH   (CUTOVER set by meson's test_env)
set -u
maker=${1:?usage: cli_confirm.sh TEST_NIGHT_WATCH}
fails=0 passes=0
ok() { passes=$((passes + 1)); echo "ok: $1"; }
bad() { fails=$((fails + 1)); echo "FAIL: $1"; }
expect() { # name want_exit cmd...
	local name=$1 want=$2; shift 2
	out=$("$@" 2>&1); got=$?
	if [ "$got" = "$want" ]; then ok "$name"; else bad "$name (exit $got, want $want): $out"; fi
}
alive() { ! flock -n "$1.watchdog.lock" true 2>/dev/null; }

journal=$("$maker" --make-provisional) || { echo "FAIL: cannot make a journal"; exit 1; }
dir=$(dirname "$journal")
trap 'rm -rf "$dir"' EXIT

expect "help" 0 "$CUTOVER" confirm --help
expect "no journal given" 2 "$CUTOVER" confirm
expect "bad extension" 2 "$CUTOVER" confirm --journal "$journal" --extend soon
expect "dry run" 0 "$CUTOVER" confirm --journal "$journal" --dry-run
case $out in *provisional\ until*) ok "dry run says provisional" ;; *) bad "dry run: $out" ;; esac

expect "extend" 0 "$CUTOVER" confirm --journal "$journal" --extend 5m --json
case $out in *'"watchdog": "started"'*) ok "extend started a watchdog" ;; *) bad "extend: $out" ;; esac
alive "$journal" && ok "watchdog alive after extend" || bad "no watchdog after extend"

expect "confirm" 0 "$CUTOVER" confirm --journal "$journal"
case $out in *"confirmed: the switch is final"*) ok "confirm says final" ;; *) bad "confirm: $out" ;; esac
for _ in $(seq 1 100); do alive "$journal" || break; sleep 0.1; done
alive "$journal" && bad "watchdog still running after confirm" || ok "watchdog exited after confirm"
grep -q "confirmed by" "$journal.watchdog.log" && ok "watchdog log says confirmed" \
	|| bad "watchdog log: $(cat "$journal.watchdog.log")"
"$CUTOVER" journal show "$journal" >/dev/null 2>&1 || true

expect "confirm again" 0 "$CUTOVER" confirm --journal "$journal" --json
case $out in *'"already": true'*) ok "second confirm writes nothing" ;; *) bad "again: $out" ;; esac
expect "extend after confirm" 2 "$CUTOVER" confirm --journal "$journal" --extend 1m
expect "no such journal" 2 "$CUTOVER" confirm --journal "$dir/none.journal"
case $out in *none.journal*) ok "no such journal: named" ;; *) bad "no such journal: $out" ;; esac

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
