#!/usr/bin/env bash
# bench/route-switch — 10,000 route replacements in a network namespace:
#   cutover route switch   (plan read, kernel state read, CAS check, journal
#                           with one fsync, one netlink batch, outcomes)
#   cutover rollback       (the command: journal read, batch, read-back)
#   ip -batch              (the same replacements, and back)
#   ip route replace       (1,000 separate processes, scaled to 10,000)
# and prints the ratios. Needs root; creates and deletes cut-rt-bench-PID.
#
#   bash bench/route-switch/run.sh [BUILD_DIR] [ROUTES] [ROUNDS]
# Times are the best of ROUNDS (default 5) runs of each.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-routes}
n=${2:-10000}
rounds=${3:-5}
cutover=$build/cli/cutover
ns=cut-rt-bench-$$
tmp=$(mktemp -d)
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"' EXIT

[ -x "$cutover" ] || { echo "build first: ninja -C $build" >&2; exit 2; }
# shellcheck source=../../tests/netplan/gateway.sh
. "$root/tests/netplan/gateway.sh"
make_gateway "$ns"

# the same generator as the tests: n IPv4 routes in main, switched to v1a
python3 "$root/tests/netplan/gen.py" "$tmp/plan.json" "$tmp/setup.batch" bench.journal "$ns" \
	"$n" 0 0
python3 - "$tmp/plan.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
# only the replacements: drop the added blackholes and the address move
h = d['routes']['hosts'][0]
h['routes'] = [r for r in h['routes'] if 'from' in r]
del h['addresses']
json.dump(d, open(sys.argv[1], 'w'))
PY
sed 's/^route add \(.*\) via 192.0.2.254 dev v0a$/route replace \1 via 198.51.100.254 dev v1a/' \
	"$tmp/setup.batch" >"$tmp/forward.batch"
sed 's/^route add /route replace /' "$tmp/setup.batch" >"$tmp/back.batch"
ip -n "$ns" -batch "$tmp/setup.batch"

now() { date +%s.%N; }
secs() { python3 -c "print('%.4f' % ($2 - $1))"; }

min() { python3 -c "import sys; print(min(float(a) for a in sys.argv[1:] if a))" "$@"; }

# best of $rounds (a busy machine makes single runs noisy); each round starts
# from the same tables and a fresh journal
cs=() cr=() fw=() bk=()
for _ in $(seq "$rounds"); do
	rm -f "$tmp/bench.journal" "$tmp/bench.journal.lock"
	t0=$(now); "$cutover" route switch "$tmp/plan.json" >/dev/null; t1=$(now)
	cs+=("$(secs "$t0" "$t1")")
	grep -q 198.51.100.254 <(ip -n "$ns" route show 10.0.5.0/24) ||
		{ echo "switch did not switch" >&2; exit 1; }
	t0=$(now); "$cutover" rollback --journal "$tmp/bench.journal" >/dev/null; t1=$(now)
	cr+=("$(secs "$t0" "$t1")")
	grep -q 192.0.2.254 <(ip -n "$ns" route show 10.0.5.0/24) ||
		{ echo "rollback did not roll back" >&2; exit 1; }
	t0=$(now); ip -n "$ns" -batch "$tmp/forward.batch"; t1=$(now)
	fw+=("$(secs "$t0" "$t1")")
	t0=$(now); ip -n "$ns" -batch "$tmp/back.batch"; t1=$(now)
	bk+=("$(secs "$t0" "$t1")")
done
cut_switch=$(min "${cs[@]}")
cut_rollback=
[ ${#cr[@]} -eq 0 ] || cut_rollback=$(min "${cr[@]}")
ip_fwd=$(min "${fw[@]}")
ip_back=$(min "${bk[@]}")

head -1000 "$tmp/forward.batch" >"$tmp/some.batch"
t0=$(now)
while read -r line; do ip -n "$ns" $line; done <"$tmp/some.batch"
t1=$(now)
ip_each=$(python3 -c "print('%.4f' % (($t1 - $t0) * $n / 1000))")

python3 - "$n" "$cut_switch" "$cut_rollback" "$ip_fwd" "$ip_back" "$ip_each" <<'PY'
import sys
n, cs, cr, fwd, back, each = sys.argv[1:]
n, cs, fwd, back, each = int(n), float(cs), float(fwd), float(back), float(each)
print("%d route replacements (best of several runs)" % n)
print("  cutover route switch        %7.3f s  (prior state read, journal, batch)" % cs)
if cr:
    print("  cutover rollback            %7.3f s  (with read-back)" % float(cr))
print("  ip -batch (forward)         %7.3f s" % fwd)
print("  ip -batch (back)            %7.3f s" % back)
print("  ip route replace x %d   %7.3f s  (1,000 processes, scaled)" % (n, each))
print("ratios (lower is faster; target: switch and rollback <= 0.5 x ip -batch)")
print("  switch   / ip -batch        %7.2f" % (cs / fwd))
if cr:
    print("  rollback / ip -batch        %7.2f" % (float(cr) / back))
print("  ip route replace / ip -batch %6.1f" % (each / fwd))
PY
