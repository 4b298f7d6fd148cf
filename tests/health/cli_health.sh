#!/usr/bin/env bash
# `cutover health PLAN` end to end against tests/health/server.py on
# 127.0.0.1:18070-18079: the table, --json, --check, --once, exit codes.
set -u
root=${SOURCE_ROOT:?}
fails=0 passes=0
ok() { passes=$((passes + 1)); echo "ok: $1"; }
bad() { fails=$((fails + 1)); echo "FAIL: $1"; }
expect() { # name want_exit cmd...
	local name=$1 want=$2; shift 2
	out=$("$@" 2>"$dir/err"); got=$?
	if [ "$got" = "$want" ]; then ok "$name"; else bad "$name (exit $got, want $want): $out $(cat "$dir/err")"; fi
}
has() { case $out in *"$2"*) ok "$1" ;; *) bad "$1: no \"$2\" in: $out" ;; esac; }
has_err() { case $(cat "$dir/err") in *"$2"*) ok "$1" ;; *) bad "$1: no \"$2\" in: $(cat "$dir/err")" ;; esac; }

dir=$(mktemp -d)
/usr/bin/python3 "$root/tests/health/server.py" "$dir/ready" port=18070,body=fine port=18071,status=503 \
	port=18072,mode=dns,address=192.0.2.7 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do [ -f "$dir/ready" ] && break; sleep 0.1; done

cat > "$dir/plan.json" <<'JSON'
{ "change": "CHG-H", "journal": "chg.journal",
  "health": {
    "web": { "kind": "http", "host": "www.example.test", "targets": ["127.0.0.1:18070"],
             "body_contains": "fine", "interval": "50ms", "healthy_after": 2 },
    "api": { "kind": "http", "host": "api.example.test", "targets": ["127.0.0.1:18071"],
             "interval": "50ms", "sick_after": 2 },
    "db":  { "kind": "tcp", "targets": ["127.0.0.1:18079"], "sick_after": 1 },
    "ns":  { "kind": "dns", "host": "www.example.test", "targets": ["127.0.0.1:18072"],
             "body_contains": "192.0.2.7", "interval": "50ms", "healthy_after": 1 } } }
JSON
echo '{ "change": "CHG-H", "journal": "j", "health": { "x": { "kind": "tcp", "targets": ["1.2.3.4"] } } }' \
	> "$dir/bad.json"

expect "help" 0 "$CUTOVER" health --help
expect "no plan" 2 "$CUTOVER" health
expect "bad plan" 2 "$CUTOVER" health "$dir/bad.json"
expect "every check: one sick" 4 "$CUTOVER" health "$dir/plan.json"
has "table header" "CHECK"
has "healthy row" "127.0.0.1:18070"
has "503 reason" "HTTP 503 (expected 200)"
has "refused reason" "connection refused"
expect "only the healthy check" 0 "$CUTOVER" health --check web "$dir/plan.json"
has "healthy" "healthy"
expect "unknown check" 2 "$CUTOVER" health --check nope "$dir/plan.json"
expect "json" 4 "$CUTOVER" health --json --once "$dir/plan.json"
printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["healthy"] is False, d
t = {x["check"]: x for x in d["targets"]}
assert t["web"]["result"] == "healthy" and t["web"]["status"] == 200, t
assert t["api"]["result"] == "sick" and t["api"]["probes"] == 1, t
assert d["error"]["exit"] == 4, d
' && ok "json document" || bad "json document: $out"

# without libcurl (an empty libcurl.so.4 first on the library path): http,
# https and tcp checks cannot run and say what to install (exit 2, not the 1
# of a refusing server); dns checks do not need libcurl at all
mkdir "$dir/nolib" && : > "$dir/nolib/libcurl.so.4"
expect "no libcurl: http check" 2 env LD_LIBRARY_PATH="$dir/nolib" "$CUTOVER" health --check web "$dir/plan.json"
has_err "no libcurl: why" "cannot load libcurl.so.4"
has_err "no libcurl: what to do" "what to do: install libcurl4"
expect "no libcurl: dns check" 0 env LD_LIBRARY_PATH="$dir/nolib" "$CUTOVER" health --check ns "$dir/plan.json"
has "no libcurl: dns healthy" "DNS NOERROR, A 192.0.2.7"

# a reason whose quoted text is cut where a character is two bytes: --json
# keeps every target and the error (a string that is not UTF-8 made
# json_pack fail, and the entry went missing)
cat > "$dir/utf8.json" <<'JSON'
{ "change": "CHG-H", "journal": "chg.journal",
  "health": {
    "web": { "kind": "http", "host": "www.example.test", "targets": ["127.0.0.1:18070"],
             "body_contains": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\u00e9t\u00e9" } } }
JSON
expect "json: reason with a character at the cut" 4 "$CUTOVER" health --json --once "$dir/utf8.json"
printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert len(d["targets"]) == 1, d
t = d["targets"][0]
assert t["check"] == "web" and t["result"] == "sick", t
assert t["reason"].endswith("a\"") and "\ufffd" not in t["reason"], t
assert d["error"]["exit"] == 4 and "web 127.0.0.1:18070" in d["error"]["message"], d
' && ok "json: every target and the error kept" || bad "json: every target and the error kept: $out"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
