#!/usr/bin/env bash
# Integration tests of `cutover route` against the real kernel, in network
# namespaces (cut-rt-*, hnp-*) with veth pairs that this script creates and
# deletes. Needs root. Env: CUTOVER (the binary), NP_ROLLBACK (rollback_run
# with the netplan kinds), NP_DIFF (netplan_diff with nothing read ahead, as
# a switch with health gates compares), SOURCE_ROOT.
set -u
: "${CUTOVER:?}" "${NP_ROLLBACK:?}" "${NP_DIFF:?}" "${SOURCE_ROOT:?}"
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: network namespaces need root"
	exit 77
fi
here="$SOURCE_ROOT/tests/netplan"
tmp=$(mktemp -d)
tag="$$"
namespaces=()
pass=0
fail=0

cleanup() {
	local ns
	for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# shellcheck source=check.sh
. "$here/check.sh"

json_get() { # json_get FILE PYTHON-EXPRESSION-ON-d
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

# gateway NAME V4MAIN V4T100 V6T200 [gen options]: a namespace with the
# routes set up, the plan in $tmp/NAME.json, the prior state in $tmp/NAME.before
gateway() {
	local name=$1 ns="cut-rt-$1-$tag"
	shift 1
	namespaces+=("$ns")
	make_gateway "$ns" || return 1
	python3 "$here/gen.py" "$tmp/$name.json" "$tmp/$name.batch" "$name.journal" "$ns" "$@" ||
		return 1
	ip -n "$ns" -batch "$tmp/$name.batch" || return 1
	snapshot "$ns" "$tmp/$name.before"
}

same_as_before() { # same_as_before NAME [NS]
	snapshot "${2:-cut-rt-$1-$tag}" "$tmp/$1.after"
	diff -u "$tmp/$1.before" "$tmp/$1.after" >"$tmp/$1.diff"
}

# ---- 10,000 routes, IPv4 and IPv6, three tables: switch, re-run, roll back ----
test_big() {
	local ns="cut-rt-big-$tag" n
	gateway big 4000 3000 3000 || { bad "big: set-up"; return; }
	"$CUTOVER" route plan --json "$tmp/big.json" >"$tmp/big.plan.json"
	check "big: plan finds 10,003 changes to make" \
		test "$(json_get "$tmp/big.plan.json" "d['summary']['pending']")" = 10003
	"$CUTOVER" route switch "$tmp/big.json" >"$tmp/big.out" 2>&1
	check "big: switch exits 0" test $? = 0
	check "big: IPv4 main switched" \
		grep -q "198.51.100.254" <(ip -n "$ns" route show 10.3.7.0/24)
	check "big: IPv4 table 100 moved to metric 20" \
		grep -q "metric 20" <(ip -n "$ns" route show table 100 172.16.0.0/24)
	check "big: IPv4 table 100 old metric gone" \
		test -z "$(ip -n "$ns" route show table 100 172.16.0.0/24 metric 10)"
	check "big: IPv6 table 200 switched" \
		grep -q "2001:db8:b::fe" <(ip -n "$ns" -6 route show table 200 2001:db8:1:5::/64)
	check "big: address moved" grep -q "10.1.2.3/32" <(ip -n "$ns" addr show dev v1a)
	n=$(ip -n "$ns" route show table 100 | grep -c "proto bgp")
	check "big: every table 100 route written with its protocol ($n)" test "$n" = 3000
	"$CUTOVER" route plan --json "$tmp/big.json" >"$tmp/big.plan2.json"
	check "big: after the switch every change reads as done" \
		test "$(json_get "$tmp/big.plan2.json" "d['summary']['done']")" = 10003
	"$CUTOVER" route switch "$tmp/big.json" >"$tmp/big.out2" 2>&1
	check "big: a second switch changes nothing and exits 0" \
		grep -q "nothing to change" "$tmp/big.out2"
	"$CUTOVER" rollback --journal "$tmp/big.journal" --reason test >"$tmp/big.rb" 2>&1
	check "big: cutover rollback exits 0" test $? = 0
	check "big: rollback restores the exact tables and addresses" same_as_before big
	"$NP_ROLLBACK" "$tmp/big.journal" >"$tmp/big.rb2" 2>&1
	check "big: a second rollback changes nothing" grep -q "^undone 0," "$tmp/big.rb2"
}

# ---- many routes of one table changed by hand: the rollback names each ----
test_many_conflicts() {
	local ns="cut-rt-many-$tag" i
	gateway many 30 0 0 || { bad "many: set-up"; return; }
	"$CUTOVER" route switch "$tmp/many.json" >/dev/null 2>&1
	check "many: switch exits 0" test $? = 0
	for i in $(seq 0 11); do
		ip -n "$ns" route replace "10.0.$i.0/24" via 192.0.2.77 dev v0a
	done
	"$CUTOVER" rollback --journal "$tmp/many.journal" >"$tmp/many.rb" 2>&1
	check "many: rollback leaves the 12 alone (exit 3)" test $? = 3
	check "many: names ten of them" \
		test "$(grep -o "the kernel has 10.0.[0-9]*.0/24 via 192.0.2.77" "$tmp/many.rb" | sort -u | wc -l)" = 10
	check "many: and counts the rest" grep -q "… and 2 more" "$tmp/many.rb"
	check "many: the routes nobody touched are back" \
		grep -q "192.0.2.254" <(ip -n "$ns" route show 10.0.20.0/24)
	"$CUTOVER" rollback --journal "$tmp/many.journal" --force >/dev/null 2>&1
	check "many: --force puts them back" same_as_before many
}

# ---- a `from` that does not match: refused, nothing changed ----
test_refused() {
	gateway refused 100 0 0 --bad-from 50 || { bad "refused: set-up"; return; }
	"$CUTOVER" route switch "$tmp/refused.json" >"$tmp/refused.out" 2>"$tmp/refused.err"
	check "refused: exit 3" test $? = 3
	check "refused: names the route" grep -q "routes.hosts\[0\].routes\[50\]" "$tmp/refused.err"
	check "refused: says what the kernel has" grep -q "192.0.2.254" "$tmp/refused.err"
	check "refused: nothing changed" same_as_before refused
	check "refused: no journal written" test ! -e "$tmp/refused.journal"
	"$CUTOVER" route switch --dry-run "$tmp/refused.json" >"$tmp/refused.dry" 2>&1
	check "refused: --dry-run exits 3 too" test $? = 3
	check "refused: --dry-run does not say the changes would be made" \
		test -z "$(grep "dry run:" "$tmp/refused.dry")"
	check "refused: --dry-run says nothing changed, and the conflict" \
		grep -q "^[0-9]* changes to make, 1 in conflict; nothing was changed$" "$tmp/refused.dry"
	"$CUTOVER" route switch --json "$tmp/refused.json" >"$tmp/refused.json.out" 2>/dev/null
	check "refused: --json reports the conflict" \
		test "$(json_get "$tmp/refused.json.out" "d['summary']['conflicts']")" = 1
}

# ---- the kernel refuses a route half way: stop, roll back the done part ----
test_kernel_refuses() {
	local ns="cut-rt-half-$tag"
	gateway half 3000 0 0 --unreachable 1500 || { bad "half: set-up"; return; }
	"$CUTOVER" route switch "$tmp/half.json" >"$tmp/half.out" 2>"$tmp/half.err"
	check "half: exit 1" test $? = 1
	check "half: the kernel's extended ACK text is shown" \
		grep -q "Nexthop has invalid gateway" "$tmp/half.err"
	check "half: the refused route is named" grep -q "routes\[1500\]" "$tmp/half.err"
	check "half: the first routes were switched" \
		grep -q "198.51.100.254" <(ip -n "$ns" route show 10.0.1.0/24)
	check "half: the switch stopped at a window boundary" \
		grep -q "192.0.2.254" <(ip -n "$ns" route show 10.11.183.0/24)
	"$CUTOVER" journal show "$tmp/half.journal" >"$tmp/half.show" 2>&1
	check "half: the journal says which change of the table failed" \
		grep -q "done .*partly: routes.hosts\[0\].routes\[1500\] .*Nexthop has invalid gateway" \
		"$tmp/half.show"
	"$NP_ROLLBACK" "$tmp/half.journal" >"$tmp/half.rb" 2>&1
	check "half: rollback exits 0" test $? = 0
	check "half: rollback restores the exact tables" same_as_before half
}

# ---- SIGKILL mid-batch, and at every journal write/fsync point ----
test_crash() {
	local name ns at rc
	gateway crash 1500 500 500 || { bad "crash: set-up"; return; }
	ns="cut-rt-crash-$tag"
	CUTOVER_NETPLAN_CRASH_WINDOW=3 "$CUTOVER" route switch "$tmp/crash.json" \
		>/dev/null 2>&1
	rc=$?
	check "crash: SIGKILL mid-batch (exit $rc)" test "$rc" = 137
	check "crash: part of the batch was applied" \
		grep -q "198.51.100.254" <(ip -n "$ns" route show 10.0.1.0/24)
	"$NP_ROLLBACK" "$tmp/crash.journal" >"$tmp/crash.rb" 2>&1
	check "crash: rollback after SIGKILL exits 0" test $? = 0
	check "crash: rollback restores the exact tables" same_as_before crash
	for at in 1 2 3 4 5 6; do
		rm -f "$tmp/crash.journal" "$tmp/crash.journal.lock"
		CUTOVER_CRASH_AT=$at "$CUTOVER" route switch "$tmp/crash.json" >/dev/null 2>&1
		rc=$?
		if [ -e "$tmp/crash.journal" ]; then
			"$NP_ROLLBACK" "$tmp/crash.journal" >"$tmp/crash.rb$at" 2>&1
		fi
		check "crash: CUTOVER_CRASH_AT=$at (exit $rc) then rollback restores the tables" \
			same_as_before crash
	done
}

# ---- a journal written before "routes" tables (one "route" step per route) ----
# fixtures/route-v1.journal: `cutover route switch` of commit 0792562 on the
# plan `gen.py … route-v1.journal cut-rt-journal-v1 20 5 5` writes.
test_old_journal() {
	local ns=cut-rt-journal-v1
	if ip netns list | grep -qw "$ns"; then
		bad "old journal: namespace $ns exists (another run?)"
		return
	fi
	namespaces+=("$ns")
	make_gateway "$ns" || { bad "old journal: set-up"; return; }
	python3 "$here/gen.py" "$tmp/v1.json" "$tmp/v1.batch" "v1-new.journal" "$ns" 20 5 5 &&
		ip -n "$ns" -batch "$tmp/v1.batch" || { bad "old journal: set-up"; return; }
	snapshot "$ns" "$tmp/v1.before"
	"$CUTOVER" route switch "$tmp/v1.json" >/dev/null 2>&1
	check "old journal: the plan switched" \
		grep -q "198.51.100.254" <(ip -n "$ns" route show 10.0.3.0/24)
	cp "$here/fixtures/route-v1.journal" "$tmp/route-v1.journal"
	"$CUTOVER" rollback --journal "$tmp/route-v1.journal" --reason test >"$tmp/v1.rb" 2>&1
	check "old journal: cutover rollback of a per-route journal exits 0" test $? = 0
	snapshot "$ns" "$tmp/v1.after"
	check "old journal: and restores the exact tables" diff -u "$tmp/v1.before" "$tmp/v1.after"
}

# ---- routes the kernel reports with more than a request may carry back ----
# Routes using nexthop objects (the kernel reports the object's gateway and
# device beside RTA_NH_ID, nexthop_compat_mode=1, and refuses both in one
# request) and ECMP routes with a member's carrier down (RTNH_F_LINKDOWN in
# RTA_MULTIPATH, which IPv4 refuses in a request): replaced, deleted, moved
# to another metric, and rolled back exactly.
test_nexthops() {
	local ns="cut-rt-nh-$tag"
	namespaces+=("$ns")
	make_gateway "$ns" || { bad "nexthops: set-up"; return; }
	ip -n "$ns" nexthop add id 7 via 192.0.2.254 dev v0a &&
		ip -n "$ns" nexthop add id 8 via 192.0.2.253 dev v0a &&
		ip -n "$ns" nexthop add id 9 via 2001:db8:a::fe dev v0a &&
		ip -n "$ns" route add 10.60.0.0/16 nhid 7 &&
		ip -n "$ns" route add 10.61.0.0/16 nhid 7 &&
		ip -n "$ns" route add 10.62.0.0/16 nhid 8 metric 5 &&
		ip -n "$ns" -6 route add 2001:db8:60::/48 nhid 9 &&
		ip -n "$ns" -6 route add 2001:db8:61::/48 nhid 9 &&
		ip -n "$ns" route add 10.50.0.0/16 nexthop via 192.0.2.254 dev v0a \
			nexthop via 198.51.100.254 dev v1a &&
		ip -n "$ns" -6 route add 2001:db8:50::/48 nexthop via 2001:db8:a::fe dev v0a \
			nexthop via 2001:db8:b::fe dev v1a &&
		ip -n "$ns" link set v1b down || { bad "nexthops: set-up"; return; }
	# v1a's carrier is down now: its next hops are marked linkdown
	check "nexthops: an ECMP member is linkdown" \
		grep -q "198.51.100.254 dev v1a .*linkdown" <(ip -n "$ns" route show 10.50.0.0/16)
	snapshot "$ns" "$tmp/nh.before"
	cat >"$tmp/nh.json" <<EOF
{ "change": "CHG-NH", "journal": "nh.journal",
  "routes": { "hosts": [ { "netns": "$ns", "routes": [
    { "destination": "10.50.0.0/16", "from": {}, "to": { "via": "192.0.2.253", "dev": "v0a" } },
    { "destination": "10.60.0.0/16", "from": { "via": "192.0.2.254", "dev": "v0a" },
      "to": { "via": "192.0.2.253", "dev": "v0a" } },
    { "destination": "10.61.0.0/16", "from": { "via": "192.0.2.254" } },
    { "destination": "10.62.0.0/16", "metric": 5, "from": { "dev": "v0a" },
      "to": { "via": "192.0.2.254", "metric": 6 } },
    { "destination": "2001:db8:50::/48", "from": {},
      "to": { "via": "2001:db8:a::fd", "dev": "v0a" } },
    { "destination": "2001:db8:60::/48", "from": { "via": "2001:db8:a::fe" },
      "to": { "via": "2001:db8:a::fd", "dev": "v0a" } },
    { "destination": "2001:db8:61::/48", "from": { "dev": "v0a" } } ] } ] } }
EOF
	"$CUTOVER" route switch "$tmp/nh.json" >"$tmp/nh.out" 2>&1
	check "nexthops: switch exits 0 (deletes of nexthop routes included)" test $? = 0
	check "nexthops: the nexthop route was replaced" \
		grep -q "via 192.0.2.253 dev v0a proto static" <(ip -n "$ns" route show 10.60.0.0/16)
	check "nexthops: the ECMP route was replaced" \
		grep -q "via 192.0.2.253 dev v0a proto static" <(ip -n "$ns" route show 10.50.0.0/16)
	check "nexthops: a nexthop route was deleted" \
		test -z "$(ip -n "$ns" route show 10.61.0.0/16)"
	check "nexthops: an IPv6 one too" test -z "$(ip -n "$ns" -6 route show 2001:db8:61::/48)"
	check "nexthops: the one moved to another metric left the old one" \
		test -z "$(ip -n "$ns" route show 10.62.0.0/16 metric 5)"
	# nexthop object 8 is used by no route now; someone deletes it
	ip -n "$ns" nexthop del id 8
	"$CUTOVER" rollback --journal "$tmp/nh.journal" --reason test >"$tmp/nh.rb" 2>&1
	check "nexthops: a rollback needing a nexthop object that is gone exits 1" test $? = 1
	check "nexthops: and names the route and how to make the object again" \
		grep -q "routes\[3\] (route 10.62.0.0/16 table main metric 5): the kernel refused it: .*ip nexthop add id 8 via 192.0.2.253 dev v0a" \
		"$tmp/nh.rb"
	ip -n "$ns" nexthop add id 8 via 192.0.2.253 dev v0a
	"$CUTOVER" rollback --journal "$tmp/nh.journal" --reason test >"$tmp/nh.rb2" 2>&1
	check "nexthops: with the object back, the rollback exits 0" test $? = 0
	check "nexthops: and restores the exact tables (nhid, linkdown members)" same_as_before nh
	"$NP_ROLLBACK" "$tmp/nh.journal" >"$tmp/nh.rb3" 2>&1
	check "nexthops: a second rollback changes nothing" grep -q "^undone 0," "$tmp/nh.rb3"
}

# ---- removing an address takes routes with it, which no journal holds ----
# The kernel deletes IPv4 routes of table main whose preferred source leaves
# the host, takes it from IPv6 routes, and deletes the IPv4 routes through a
# device that loses its last IPv4 address: refused, unless the plan deletes
# those routes too (then they are journaled, and a rollback restores them).
test_addr_flush() {
	local ns="cut-rt-flush-$tag" l
	namespaces+=("$ns")
	make_gateway "$ns" || { bad "flush: set-up"; return; }
	ip -n "$ns" link add v2a type veth peer name v2b &&
		for l in v2a v2b; do
			ip -n "$ns" link set "$l" addrgenmode none && ip -n "$ns" link set "$l" up
		done &&
		ip -n "$ns" addr add 203.0.113.1/24 dev v2a &&
		ip -n "$ns" addr add 2001:db8:a::5/128 dev v0a nodad &&
		ip -n "$ns" route add 10.70.0.0/16 via 192.0.2.254 src 10.1.2.3 &&
		ip -n "$ns" route add 10.72.0.0/16 via 198.51.100.254 src 10.1.2.3 table 100 &&
		ip -n "$ns" route add 10.73.0.0/16 via 203.0.113.254 &&
		ip -n "$ns" route add 10.74.0.0/16 dev v2a table 100 &&
		ip -n "$ns" route add 10.75.0.0/16 nexthop via 203.0.113.254 dev v2a \
			nexthop via 198.51.100.254 dev v1a &&
		ip -n "$ns" -6 route add 2001:db8:70::/48 via 2001:db8:a::fe src 2001:db8:a::5 ||
		{ bad "flush: set-up"; return; }
	snapshot "$ns" "$tmp/flush.before"
	local addrs='"addresses": [
      { "address": "10.1.2.3/32", "from": "v0a" },
      { "address": "203.0.113.1/24", "from": "v2a", "to": "v1a" },
      { "address": "2001:db8:a::5/128", "from": "v0a" } ]'
	cat >"$tmp/flush.json" <<EOF
{ "change": "CHG-FLUSH", "journal": "flush.journal",
  "routes": { "hosts": [ { "netns": "$ns", $addrs } ] } }
EOF
	"$CUTOVER" route switch "$tmp/flush.json" >"$tmp/flush.out" 2>"$tmp/flush.err"
	check "flush: removing addresses that take routes along is refused (exit 3)" test $? = 3
	check "flush: names the route whose source leaves, and what to do" \
		grep -q "addresses\[0\].*10.70.0.0/16 via 192.0.2.254 dev v0a table main .*src 10.1.2.3.*; delete it in the plan too" \
		"$tmp/flush.err"
	check "flush: nothing changed, no journal" test ! -e "$tmp/flush.journal"
	check "flush: nothing changed" same_as_before flush
	# a switch with health gates reads the kernel after them, not ahead: an
	# address-only host's routes must be read all the same
	"$NP_DIFF" "$tmp/flush.json" >"$tmp/flush.nopf" 2>&1
	check "flush: compared without a read-ahead (gated), refused too (exit 3)" test $? = 3
	check "flush: and names the routes" \
		grep -q "addresses\[0\]: .*10.70.0.0/16 via 192.0.2.254" "$tmp/flush.nopf"
	"$CUTOVER" route plan "$tmp/flush.json" >"$tmp/flush.plan" 2>&1
	check "flush: plan names the routes through a device left without IPv4" \
		grep -q "conflict: .*its device keeps no IPv4 address.*10.74.0.0/16 dev v2a table 100.*10.73.0.0/16 via 203.0.113.254" \
		"$tmp/flush.plan"
	check "flush: and the IPv6 route whose source leaves" \
		grep -q "conflict: removing it makes the kernel take the preferred source from 1 route .*2001:db8:70::/48" \
		"$tmp/flush.plan"
	check "flush: not the routes the kernel keeps (table 100 source, a mixed ECMP)" \
		test -z "$(grep -e "10.72.0.0" -e "10.75.0.0" "$tmp/flush.plan")"
	cat >"$tmp/flush2.json" <<EOF
{ "change": "CHG-FLUSH2", "journal": "flush2.journal",
  "routes": { "hosts": [ { "netns": "$ns", $addrs,
    "routes": [
      { "destination": "10.70.0.0/16", "from": { "src": "10.1.2.3" } },
      { "destination": "10.73.0.0/16", "from": { "dev": "v2a" } },
      { "destination": "10.74.0.0/16", "table": 100, "from": { "dev": "v2a" } },
      { "destination": "2001:db8:70::/48", "from": {} } ] } ] } }
EOF
	"$CUTOVER" route switch "$tmp/flush2.json" >"$tmp/flush2.out" 2>&1
	check "flush: with those routes deleted in the plan too, the switch exits 0" test $? = 0
	check "flush: the routes the kernel keeps are there" \
		grep -q "10.72.0.0/16" <(ip -n "$ns" route show table 100)
	"$CUTOVER" rollback --journal "$tmp/flush2.journal" --reason test >"$tmp/flush2.rb" 2>&1
	check "flush: rollback exits 0" test $? = 0
	check "flush: rollback restores the addresses and every route" same_as_before flush
}

# ---- an address removal would take a route the same switch writes ----
# Routes are written before addresses are removed (docs/routes.md), so a
# route the plan adds or changes with the removed address as its IPv4 `src`
# (table main), out through a device left without IPv4 (named, or the one
# its gateway is on), or with a removed IPv6 `src`, would be deleted (or lose
# its source) right after it was journaled as written: refused. A move keeps
# the address on the host, so its routes stay and the switch goes through.
# Namespace hnp-wr-*.
test_addr_written() {
	local ns="hnp-wr-$tag" l
	namespaces+=("$ns")
	make_gateway "$ns" || { bad "written: set-up"; return; }
	ip -n "$ns" link add v2a type veth peer name v2b &&
		for l in v2a v2b; do
			ip -n "$ns" link set "$l" addrgenmode none && ip -n "$ns" link set "$l" up
		done &&
		ip -n "$ns" addr add 203.0.113.1/24 dev v2a &&
		ip -n "$ns" addr add 2001:db8:a::5/128 dev v0a nodad &&
		ip -n "$ns" route add 10.83.0.0/16 via 198.51.100.254 dev v1a ||
		{ bad "written: set-up"; return; }
	snapshot "$ns" "$tmp/written.before"
	local src_routes='
      { "destination": "10.80.0.0/16",
        "to": { "via": "198.51.100.254", "dev": "v1a", "src": "10.1.2.3" } },
      { "destination": "2001:db8:80::/48",
        "to": { "via": "2001:db8:b::fe", "dev": "v1a", "src": "2001:db8:a::5" } },
      { "destination": "10.83.0.0/16", "from": { "via": "198.51.100.254" },
        "to": { "via": "198.51.100.253", "dev": "v1a", "src": "10.1.2.3" } },'
	local kept='
      { "destination": "10.84.0.0/16", "table": 100,
        "to": { "via": "198.51.100.254", "dev": "v1a", "src": "10.1.2.3" } },
      { "destination": "10.85.0.0/16", "to": { "via": "192.0.2.254", "dev": "v0a" } }'
	printf '%s' '{ "change": "CHG-WRITTEN", "journal": "written.journal",
  "routes": { "hosts": [ { "netns": "'"$ns"'",
    "addresses": [
      { "address": "10.1.2.3/32", "from": "v0a" },
      { "address": "203.0.113.1/24", "from": "v2a" },
      { "address": "2001:db8:a::5/128", "from": "v0a" } ],
    "routes": [ '"$src_routes"'
      { "destination": "10.81.0.0/16", "to": { "via": "203.0.113.254" } },
      { "destination": "10.82.0.0/16", "table": 100, "to": { "dev": "v2a" } }, '"$kept"' ] } ] } }
' >"$tmp/written.json"
	"$CUTOVER" route switch "$tmp/written.json" >"$tmp/written.out" 2>"$tmp/written.err"
	check "written: removing an address that takes a route the plan writes is refused (exit 3)" \
		test $? = 3
	check "written: names the address, the routes, and what to do" \
		grep -q "addresses\[0\] .*address 10.1.2.3/32: removing it makes the kernel delete 2 routes the plan writes before it (the address leaves the host): routes.hosts\[0\].routes\[0\] (10.80.0.0/16 via 198.51.100.254 dev v1a table main proto static src 10.1.2.3 metric 0); routes.hosts\[0\].routes\[2\] (10.83.0.0/16 via 198.51.100.253 .*src 10.1.2.3.*: give them another \`src\`.*or keep the address" \
		"$tmp/written.err"
	check "written: nothing changed, no journal" test ! -e "$tmp/written.journal"
	check "written: nothing changed" same_as_before written "$ns"
	"$CUTOVER" route plan "$tmp/written.json" >"$tmp/written.plan" 2>&1
	check "written: plan names the routes through the device left without IPv4 (dev, gateway)" \
		grep -q "conflict: .*routes the plan writes before it (its device keeps no IPv4 address): routes.hosts\[0\].routes\[3\] (10.81.0.0/16 via 203.0.113.254 table main.*routes.hosts\[0\].routes\[4\] (10.82.0.0/16 dev v2a table 100.*: write them out through another device.*or keep an IPv4 address on v2a" \
		"$tmp/written.plan"
	check "written: and the IPv6 route whose source the kernel would take" \
		grep -q "conflict: removing it makes the kernel take the preferred source from 1 route the plan writes before it .*routes.hosts\[0\].routes\[1\] (2001:db8:80::/48" \
		"$tmp/written.plan"
	check "written: not the routes the kernel keeps (table 100 source, a device keeping IPv4)" \
		test -z "$(grep "conflict: " "$tmp/written.plan" | grep -e "routes\[5\]" -e "routes\[6\]")"
	check "written: three conflicts" grep -q ", 3 in conflict$" "$tmp/written.plan"
	# moved, the addresses stay on the host: the kernel keeps those routes; and
	# a gateway in a longer prefix the plan adds to v1a goes out there, not v2a
	printf '%s' '{ "change": "CHG-WRITTEN2", "journal": "written2.journal",
  "routes": { "hosts": [ { "netns": "'"$ns"'",
    "addresses": [
      { "address": "10.1.2.3/32", "from": "v0a", "to": "v1a" },
      { "address": "2001:db8:a::5/128", "from": "v0a", "to": "v1a" },
      { "address": "203.0.113.129/25", "to": "v1a" },
      { "address": "203.0.113.1/24", "from": "v2a" } ],
    "routes": [ '"$src_routes $kept"',
      { "destination": "10.81.0.0/16", "to": { "via": "203.0.113.254" } } ] } ] } }
' >"$tmp/written2.json"
	"$CUTOVER" route switch "$tmp/written2.json" >"$tmp/written2.out" 2>&1
	check "written: moving the addresses instead switches (exit 0)" test $? = 0
	check "written: the route with the moved source is there" \
		grep -q "10.80.0.0/16 via 198.51.100.254 dev v1a proto static src 10.1.2.3" \
		<(ip -n "$ns" route show 10.80.0.0/16)
	check "written: the IPv6 one keeps its source" \
		grep -q "src 2001:db8:a::5" <(ip -n "$ns" -6 route show 2001:db8:80::/48)
	check "written: the route via the added subnet is there, on v1a" \
		grep -q "via 203.0.113.254 dev v1a" <(ip -n "$ns" route show 10.81.0.0/16)
	"$CUTOVER" rollback --journal "$tmp/written2.journal" --reason test >"$tmp/written2.rb" 2>&1
	check "written: rollback exits 0" test $? = 0
	check "written: rollback restores the addresses and every route" same_as_before written "$ns"
}

# ---- an ECMP member's device went down since the switch ----
# The kernel takes no next hop through a device that is down, not even
# onlink, and a rollback does not bring links up: the ECMP routes the switch
# replaced cannot come back until it is up. The rollback fails naming the
# route, the device and what to do; once the device is up, the rollback
# restores them exactly. A switch writing a route through a device that is
# down says the same. Namespace hnp-ecmp-*.
test_ecmp_down() {
	local ns="hnp-ecmp-$tag"
	namespaces+=("$ns")
	make_gateway "$ns" &&
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.v1a.keep_addr_on_down=1 &&
		ip -n "$ns" route add 10.50.0.0/16 nexthop via 192.0.2.254 dev v0a \
			nexthop via 198.51.100.254 dev v1a &&
		ip -n "$ns" -6 route add 2001:db8:50::/48 nexthop via 2001:db8:a::fe dev v0a \
			nexthop via 2001:db8:b::fe dev v1a ||
		{ bad "ecmp-down: set-up"; return; }
	snapshot "$ns" "$tmp/ecmp.before"
	printf '%s' '{ "change": "CHG-ECMP", "journal": "ecmp.journal",
  "routes": { "hosts": [ { "netns": "'"$ns"'", "routes": [
    { "destination": "10.50.0.0/16", "from": {}, "to": { "via": "192.0.2.253", "dev": "v0a" } },
    { "destination": "2001:db8:50::/48", "from": {},
      "to": { "via": "2001:db8:a::fd", "dev": "v0a" } } ] } ] } }
' >"$tmp/ecmp.json"
	"$CUTOVER" route switch "$tmp/ecmp.json" >"$tmp/ecmp.out" 2>&1
	check "ecmp-down: switch exits 0" test $? = 0
	ip -n "$ns" link set v1a down
	"$CUTOVER" rollback --journal "$tmp/ecmp.journal" --reason test >"$tmp/ecmp.rb" 2>&1
	check "ecmp-down: a rollback of ECMP routes with a member's device down exits 1" test $? = 1
	check "ecmp-down: names the IPv4 route, the device that is down and what to do" \
		grep -q "routes\[0\] (route 10.50.0.0/16 table main metric 0): the kernel refused it: .*(a next hop goes out through v1a, which is down: bring it up, \`ip -n $ns link set v1a up\`, then run \`cutover rollback\` again)" \
		"$tmp/ecmp.rb"
	check "ecmp-down: and the IPv6 one" \
		grep -q "routes\[1\] (route 2001:db8:50::/48 table main metric 1024): the kernel refused it: .*(a next hop goes out through v1a, which is down" \
		"$tmp/ecmp.rb"
	check "ecmp-down: a rollback's hint says to run it again, not to roll back" \
		sh -c "grep -q 'run the same \`cutover rollback\` again' '$tmp/ecmp.rb' && ! grep -q 'undoes what was applied' '$tmp/ecmp.rb'"
	ip -n "$ns" link set v1a up
	"$CUTOVER" rollback --journal "$tmp/ecmp.journal" --reason test >"$tmp/ecmp.rb2" 2>&1
	check "ecmp-down: with the device up, the rollback exits 0" test $? = 0
	check "ecmp-down: and restores the ECMP routes exactly" same_as_before ecmp "$ns"
	# forward: a route written through a device that is down
	ip -n "$ns" link set v1a down
	printf '%s' '{ "change": "CHG-ECMP2", "journal": "ecmp2.journal",
  "routes": { "hosts": [ { "netns": "'"$ns"'", "routes": [
    { "destination": "10.51.0.0/16", "to": { "dev": "v1a" } } ] } ] } }
' >"$tmp/ecmp2.json"
	"$CUTOVER" route switch "$tmp/ecmp2.json" >"$tmp/ecmp2.out" 2>&1
	check "ecmp-down: a switch writing a route through a device that is down exits 1" \
		test $? = 1
	check "ecmp-down: and names the device and what to do" \
		grep -q "routes\[0\] (route 10.51.0.0/16 table main metric 0): the kernel refused it: .*(it goes out through v1a, which is down: bring it up, \`ip -n $ns link set v1a up\`, then run the switch again)" \
		"$tmp/ecmp2.out"
}

# secondaries_host NS PROMOTE: a gateway namespace whose v2a holds the primary
# 10.9.0.1/24 and its secondaries 10.9.0.2/24 and 10.9.0.3/24, with
# promote_secondaries PROMOTE on v2a (and 0 for `all`, which the kernel ORs in)
secondaries_host() {
	local ns=$1 l a
	make_gateway "$ns" || return 1
	ip -n "$ns" link add v2a type veth peer name v2b || return 1
	for l in v2a v2b; do
		ip -n "$ns" link set "$l" addrgenmode none || return 1
		ip -n "$ns" link set "$l" up || return 1
	done
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.promote_secondaries=0 \
		"net.ipv4.conf.v2a.promote_secondaries=$2" || return 1
	for a in 1 2 3; do ip -n "$ns" addr add "10.9.0.$a/24" dev v2a || return 1; done
}

v2a_inet() { ip -n "$1" -4 addr show dev v2a | grep "inet "; } # v2a_inet NS

# v2a's first address (its primary) is 10.9.0.N, the others its secondaries
primary_is() { # primary_is NS N
	v2a_inet "$1" | head -n 1 | grep -q "inet 10.9.0.$2/24 scope global v2a$" &&
		test "$(v2a_inet "$1" | tail -n +2 | grep -vc " secondary ")" = 0
}

# a plan of NAME that removes 10.9.0.N/24 from v2a of NS (+N: adds it there)
secondaries_plan() { # secondaries_plan NAME NS [+]N...
	local name=$1 ns=$2 a sep=""
	shift 2
	{
		printf '{ "change": "CHG-%s", "journal": "%s.journal",\n' "$name" "$name"
		printf '  "routes": { "hosts": [ { "netns": "%s", "addresses": [' "$ns"
		for a in "$@"; do
			printf '%s\n    { "address": "10.9.0.%s/24", "%s": "v2a" }' "$sep" "${a#+}" \
				"$([ "${a#+}" = "$a" ] && echo from || echo to)"
			sep=","
		done
		printf ' ] } ] } }\n'
	} >"$tmp/$name.json"
}

# ---- removing a primary IPv4 address deletes its secondaries with it ----
# unless promote_secondaries is set on the device: refused, unless the plan
# removes them too (then they go first, are journaled, and a rollback puts
# the primary back first, so it is the primary again).
test_secondaries() {
	local ns="cut-rt-sec-$tag" old=cut-rt-sec-v1
	namespaces+=("$ns")
	secondaries_host "$ns" 0 || { bad "secondaries: set-up"; return; }
	snapshot "$ns" "$tmp/sec.before"
	secondaries_plan sec1 "$ns" 1
	"$CUTOVER" route switch "$tmp/sec1.json" >"$tmp/sec1.out" 2>"$tmp/sec1.err"
	check "secondaries: removing the primary alone is refused (exit 3)" test $? = 3
	check "secondaries: names the address, its secondaries, and what to do" \
		grep -q "addresses\[0\] .*address 10.9.0.1/24: removing it makes the kernel delete 2 secondary addresses .*: 10.9.0.2/24, 10.9.0.3/24; the journal would not hold them.*: remove them in the plan too .*net.ipv4.conf.v2a.promote_secondaries=1" \
		"$tmp/sec1.err"
	check "secondaries: nothing changed, no journal" test ! -e "$tmp/sec1.journal"
	check "secondaries: nothing changed" same_as_before sec
	# an address the plan adds to the subnet comes as a secondary, and would go too
	secondaries_plan sec-add "$ns" 1 2 3 +4
	"$CUTOVER" route switch "$tmp/sec-add.json" >/dev/null 2>"$tmp/sec-add.err"
	check "secondaries: removing the primary after adding to its subnet is refused (exit 3)" \
		test $? = 3
	check "secondaries: and names the address the plan adds" \
		grep -q "addresses\[0\] .*: 10.9.0.4/24 (which the plan adds); the address the plan adds there would not stay" \
		"$tmp/sec-add.err"
	check "secondaries: nothing changed" same_as_before sec
	# the primary first in the plan: its secondaries must not go with it, unjournaled
	secondaries_plan sec2 "$ns" 1 2 3
	"$CUTOVER" route switch "$tmp/sec2.json" >"$tmp/sec2.out" 2>&1
	check "secondaries: removing the primary and its secondaries switches (exit 0)" test $? = 0
	check "secondaries: each of the three removals is in effect" \
		grep -q "^3 changes applied, 0 failed" "$tmp/sec2.out"
	check "secondaries: v2a holds none of them" test -z "$(v2a_inet "$ns")"
	"$CUTOVER" rollback --journal "$tmp/sec2.journal" --reason test >"$tmp/sec2.rb" 2>&1
	check "secondaries: rollback exits 0" test $? = 0
	check "secondaries: rollback puts 10.9.0.1 back as the primary" primary_is "$ns" 1
	check "secondaries: rollback restores the addresses exactly" same_as_before sec
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.v2a.promote_secondaries=1
	secondaries_plan sec3 "$ns" 1
	"$CUTOVER" route switch "$tmp/sec3.json" >"$tmp/sec3.out" 2>&1
	check "secondaries: with promote_secondaries=1 removing the primary alone switches" \
		test $? = 0
	check "secondaries: and the kernel promoted a secondary" primary_is "$ns" 2
	"$CUTOVER" rollback --journal "$tmp/sec3.journal" --reason test >"$tmp/sec3.rb" 2>&1
	check "secondaries: its rollback exits 0" test $? = 0
	check "secondaries: and puts 10.9.0.1 back, as a secondary of the promoted one" \
		grep -q "inet 10.9.0.1/24 scope global secondary v2a$" <(v2a_inet "$ns")
	# fixtures/addr-v1.journal: what `cutover route switch` of commit 068f46b
	# wrote for `secondaries_plan sec-v1 cut-rt-sec-v1 1 2 3` on
	# `secondaries_host cut-rt-sec-v1 1`: removals in the plan's order (the
	# primary's first; promote_secondaries=1 let the others through), no
	# "secondary" in the payloads
	if ip netns list | grep -qw "$old"; then
		bad "secondaries: namespace $old exists (another run?)"
		return
	fi
	namespaces+=("$old")
	secondaries_host "$old" 1 || { bad "secondaries: old journal set-up"; return; }
	snapshot "$old" "$tmp/sec-v1.before"
	secondaries_plan sec-v1 "$old" 1 2 3
	"$CUTOVER" route switch "$tmp/sec-v1.json" >/dev/null 2>&1
	check "secondaries: old journal: the plan switched" test -z "$(v2a_inet "$old")"
	cp "$here/fixtures/addr-v1.journal" "$tmp/addr-v1.journal"
	"$CUTOVER" rollback --journal "$tmp/addr-v1.journal" --reason test >"$tmp/sec-v1.rb" 2>&1
	check "secondaries: old journal: rollback exits 0" test $? = 0
	check "secondaries: old journal: 10.9.0.1 is the primary again" primary_is "$old" 1
	snapshot "$old" "$tmp/sec-v1.after"
	check "secondaries: old journal: and the addresses are exactly as before" \
		diff -u "$tmp/sec-v1.before" "$tmp/sec-v1.after"
}

pings() { ip netns exec "$1" ping -c 2 -i 0.2 -W 2 -q 10.1.2.3 >/dev/null 2>&1; }

# ---- an address move with the route to it: a ping across veths keeps working ----
test_ping() {
	local pa="cut-rt-pa-$tag" pb="cut-rt-pb-$tag" l rx0 rx1 loss
	ip netns add "$pa" && namespaces+=("$pa") && ip netns add "$pb" && namespaces+=("$pb") ||
		{ bad "ping: set-up"; return; }
	ip -n "$pa" link add c0 type veth peer name s0 netns "$pb"
	ip -n "$pa" link add c1 type veth peer name s1 netns "$pb"
	for l in lo c0 c1; do ip -n "$pa" link set "$l" addrgenmode none 2>/dev/null; ip -n "$pa" link set "$l" up; done
	for l in lo s0 s1; do ip -n "$pb" link set "$l" addrgenmode none 2>/dev/null; ip -n "$pb" link set "$l" up; done
	ip -n "$pa" addr add 192.0.2.1/24 dev c0
	ip -n "$pa" addr add 198.51.100.1/24 dev c1
	ip -n "$pb" addr add 192.0.2.2/24 dev s0
	ip -n "$pb" addr add 198.51.100.2/24 dev s1
	ip -n "$pb" addr add 10.1.2.3/32 dev s0
	ip -n "$pa" route add 10.1.2.3/32 via 192.0.2.2 dev c0
	snapshot "$pa" "$tmp/pa.before"
	snapshot "$pb" "$tmp/pb.before"
	cat >"$tmp/ping.json" <<EOF
{ "change": "CHG-PING", "journal": "ping.journal",
  "routes": { "hosts": [
    { "netns": "$pa", "routes": [ { "destination": "10.1.2.3/32",
        "from": { "via": "192.0.2.2", "dev": "c0" },
        "to": { "via": "198.51.100.2", "dev": "c1" } } ] },
    { "netns": "$pb", "addresses": [ { "address": "10.1.2.3/32", "from": "s0", "to": "s1" } ] } ] } }
EOF
	check "ping: works before" pings "$pa"
	rx0=$(ip netns exec "$pb" cat /sys/class/net/s1/statistics/rx_packets)
	ip netns exec "$pa" ping -c 40 -i 0.05 -W 2 10.1.2.3 >"$tmp/ping.log" 2>&1 &
	local pid=$!
	sleep 0.5
	"$CUTOVER" route switch "$tmp/ping.json" >"$tmp/ping.out" 2>&1
	check "ping: switch exits 0" test $? = 0
	wait "$pid"
	loss=$(grep -o '[0-9.]*% packet loss' "$tmp/ping.log")
	check "ping: no packet lost during the move ($loss)" test "$loss" = "0% packet loss"
	check "ping: works after" pings "$pa"
	rx1=$(ip netns exec "$pb" cat /sys/class/net/s1/statistics/rx_packets)
	check "ping: the traffic now crosses the second veth pair ($rx0 -> $rx1)" \
		test "$rx1" -gt "$((rx0 + 1))"
	check "ping: the address is on s1" grep -q "10.1.2.3/32" <(ip -n "$pb" addr show dev s1)
	"$CUTOVER" rollback --journal "$tmp/ping.journal" --reason test >"$tmp/ping.rb" 2>&1
	check "ping: cutover rollback exits 0" test $? = 0
	snapshot "$pa" "$tmp/pa.after"
	snapshot "$pb" "$tmp/pb.after"
	check "ping: rollback restores the client's tables" diff -u "$tmp/pa.before" "$tmp/pa.after"
	check "ping: rollback restores the server's addresses" diff -u "$tmp/pb.before" "$tmp/pb.after"
	check "ping: works after the rollback" pings "$pa"
}

# ---- the CLI's contract: --help, usage errors, dry run ----
test_cli() {
	local ns="cut-rt-cli-$tag"
	gateway cli 10 0 0 || { bad "cli: set-up"; return; }
	check "cli: --help exits 0 and lists exit codes" \
		grep -q "Exit codes" <("$CUTOVER" route --help)
	"$CUTOVER" route frobnicate "$tmp/cli.json" 2>/dev/null
	check "cli: unknown subcommand exits 2" test $? = 2
	"$CUTOVER" route switch --dry-run "$tmp/cli.json" >"$tmp/cli.dry" 2>&1
	check "cli: --dry-run exits 0" test $? = 0
	check "cli: --dry-run says each request" grep -q "would replace 10.0.3.0/24" "$tmp/cli.dry"
	check "cli: --dry-run changes nothing" same_as_before cli
	check "cli: --dry-run writes no journal" test ! -e "$tmp/cli.journal"
	"$CUTOVER" route switch --json "$tmp/cli.json" >"$tmp/cli.sw.json" 2>/dev/null
	check "cli: --json switch is one JSON document saying ok" \
		test "$(json_get "$tmp/cli.sw.json" "d['ok']")" = True
	# someone changes a switched route by hand: rollback leaves it alone
	ip -n "$ns" route replace 10.0.3.0/24 via 192.0.2.77 dev v0a
	# and the blackhole the switch added becomes unreachable: --force deletes it by its key
	ip -n "$ns" route replace unreachable 10.250.0.0/16
	"$NP_ROLLBACK" "$tmp/cli.journal" >"$tmp/cli.rb" 2>&1
	check "cli: rollback leaves a route changed since alone (exit 3)" test $? = 3
	check "cli: and names it" grep -q "conflict: .*[:;] routes.hosts\[0\].routes\[3\] (route 10.0.3.0/24 table main metric 0): the kernel has 10.0.3.0/24 via 192.0.2.77" "$tmp/cli.rb"
	check "cli: and the other one of the same table too" grep -q "conflict: .*[:;] routes.hosts\[0\].routes\[10\] (route 10.250.0.0/16 table main metric 0): the kernel has unreachable 10.250.0.0/16" "$tmp/cli.rb"
	check "cli: the other routes are back" \
		grep -q "192.0.2.254" <(ip -n "$ns" route show 10.0.4.0/24)
	"$NP_ROLLBACK" "$tmp/cli.journal" --force >"$tmp/cli.rb2" 2>&1
	check "cli: rollback --force puts it back too" test $? = 0
	check "cli: --force deleted the added route changed by hand" \
		test -z "$(ip -n "$ns" route show 10.250.0.0/16)"
	check "cli: and the tables are exactly as before" same_as_before cli
	echo '{"change": "X", "journal": "j", "routes": {"hosts": [{"routes": [{"destination": "10.0.0.1/8"}]}]}}' \
		>"$tmp/badplan.json"
	"$CUTOVER" route plan "$tmp/badplan.json" >/dev/null 2>"$tmp/badplan.err"
	check "cli: a bad plan exits 2" test $? = 2
	check "cli: and names file:line:col and path" \
		grep -q "badplan.json:1:[0-9]*: routes.hosts\[0\].routes\[0\].destination" "$tmp/badplan.err"
	# the kernel is read while the plan is checked: a bad plan still changes nothing
	sed 's/"destination": "10.0.7.0\/24"/"destination": "10.0.7.1\/24"/' "$tmp/cli.json" \
		>"$tmp/cli-bad.json"
	cp "$tmp/cli.journal" "$tmp/cli.journal.kept"
	"$CUTOVER" route switch "$tmp/cli-bad.json" >/dev/null 2>"$tmp/cli-bad.err"
	check "cli: a switch of a plan with one bad route exits 2" test $? = 2
	check "cli: and names the route" grep -q "routes\[7\].destination" "$tmp/cli-bad.err"
	check "cli: and writes nothing to the journal" cmp -s "$tmp/cli.journal" "$tmp/cli.journal.kept"
	"$CUTOVER" route plan --netns "cut-rt-none-$tag" "$tmp/cli.json" >/dev/null 2>"$tmp/nons.err"
	check "cli: a namespace that does not exist: exit 1, named" \
		grep -q "cut-rt-none-$tag" "$tmp/nons.err"
}

cd "$tmp" || exit 1
# ROUTES_TESTS="nexthops cli" runs only those
for t in ${ROUTES_TESTS:-cli many_conflicts refused kernel_refuses crash ping old_journal nexthops addr_flush addr_written ecmp_down secondaries big}; do
	"test_$t"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
