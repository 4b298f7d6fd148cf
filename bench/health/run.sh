#!/usr/bin/env bash
# bench/health — 1,000 HTTPS checks against one local server (127.0.0.1:18090,
# tests/health/server.py with a certificate from a test CA), each reached as
# https://www.example.test:18090/ through --connect-to, verified against the CA:
#   cutover health --once   one process, one libcurl multi loop, 20 checks x 50 targets
#   curl in a loop          one curl process per check
#   curl --parallel         one curl process, 1,000 URLs, up to 50 at once
# each on a new connection with a full TLS handshake, as cutover's probes
# Prints the wall-clock time of each and the ratios. Not a test: run by hand,
#   bash bench/health/run.sh build/cli/cutover [COUNT]
# (or `meson test -C build --benchmark --suite health`).
set -euo pipefail
cutover=${1:?usage: run.sh CUTOVER [COUNT]}
count=${2:-1000}
root=$(cd "$(dirname "$0")/../.." && pwd)
port=18090
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

bash "$root/tests/health/make-certs.sh" "$work/certs" >/dev/null
/usr/bin/python3 "$root/tests/health/server.py" "$work/ready" \
	"port=$port,cert=$work/certs/valid.pem,key=$work/certs/valid.key" &
server=$!
for _ in $(seq 1 100); do [ -f "$work/ready" ] && break; sleep 0.1; done

# the plan: checks of 50 targets each
per=50
checks=$(( (count + per - 1) / per ))
{
	printf '{ "change": "BENCH", "journal": "bench.journal", "health": {\n'
	left=$count
	for c in $(seq 1 "$checks"); do
		n=$(( left < per ? left : per )); left=$((left - n))
		targets=$(for _ in $(seq 1 "$n"); do printf '"127.0.0.1:%d",' "$port"; done)
		printf '  "www-%d": { "kind": "https", "host": "www.example.test", "timeout": "30s",' "$c"
		printf ' "tls": { "ca_file": "%s" }, "targets": [%s] }%s\n' "$work/certs/ca.pem" \
			"${targets%,}" "$([ "$c" -lt "$checks" ] && echo ,)"
	done
	printf '} }\n'
} > "$work/plan.json"

url="https://www.example.test:$port/"
# every check connects and shakes hands afresh (a gate must not pass on a
# connection the target accepted earlier, nor on a resumed TLS session that
# shows no certificate), so curl does the same: the server closes after each
# answer and no session is resumed
curl_opts=(-s -o /dev/null --fail --cacert "$work/certs/ca.pem" --no-sessionid
	-H "Connection: close" --connect-to "www.example.test:$port:127.0.0.1:$port")
for _ in $(seq 1 "$count"); do printf 'url = "%s"\noutput = "/dev/null"\n' "$url"; done \
	> "$work/parallel.cfg"

ms() { date +%s%3N; }
t0=$(ms)
"$cutover" health --once "$work/plan.json" > "$work/cutover.out" || { tail -3 "$work/cutover.out"; exit 1; }
t1=$(ms)
for _ in $(seq 1 "$count"); do curl "${curl_opts[@]}" "$url"; done
t2=$(ms)
curl "${curl_opts[@]}" --parallel --parallel-max 50 -K "$work/parallel.cfg"
t3=$(ms)

healthy=$(grep -c ' healthy ' "$work/cutover.out" || true)
[ "$healthy" -eq "$count" ] || { echo "cutover: only $healthy of $count healthy"; exit 1; }
c=$((t1 - t0)) l=$((t2 - t1)) p=$((t3 - t2))
printf '%d HTTPS checks (verified, under the production name):\n' "$count"
printf '  cutover health --once   %6d ms\n' "$c"
printf '  curl, once per check    %6d ms\n' "$l"
printf '  curl --parallel (50)    %6d ms\n' "$p"
awk -v c="$c" -v l="$l" -v p="$p" 'BEGIN {
	printf "  cutover / curl loop      %.2fx\n", c / l
	printf "  cutover / curl --parallel %.2fx  (target: 1.5x or less)\n", c / p }'
