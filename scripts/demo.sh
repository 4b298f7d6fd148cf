#!/usr/bin/env bash
# The main job, end to end, on a fresh Debian 12 machine (as root): installs
# what cutover needs, builds it, and runs a whole cutover night on loopback:
#
#   first the landing zone: a real OpenStack Neutron on 127.0.0.1:19690 gets
#   the three-tier template (check, plan, apply, a second plan with nothing to
#   do; destroyed at the end). Then
#   a BIND primary and a Knot secondary (127.0.0.1:15453/15454) serving
#   example.test, the "target" web server (127.0.0.1:18180), and a gateway
#   host (network namespace cut-demo-gw) whose route to the data centre moves
#   from the old uplink to the new one. Then:
#     check -> health -> dns prelower -> (old TTL expires) -> dns switch
#     -> dns verify on both servers -> route plan -> route switch
#     -> journal show -> rollback -> everything is back at the source.
#
# Nothing is sent anywhere but 127.0.0.1 and the demo's own namespace; every
# server is stopped and the namespace removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build -Dbuildtype=release
ninja -C build
cutover=$root/build/cli/cutover

work=$(mktemp -d /tmp/cutover-demo-XXXXXX)
ns=cut-demo-gw
pids=()
. "$root/tests/landing/neutron.sh"
cleanup() {
	neutron_stop 2>/dev/null || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
dig1() { dig +short +norecurse -p "$1" @127.0.0.1 "$2" "${3:-A}" | tr '\n' ' '; echo; }
wait_port() {
	for _ in $(seq 100); do
		(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "demo: nothing listens on 127.0.0.1:$1" >&2
	return 1
}

say "0. land the target network on a local OpenStack Neutron (about a minute)"
neutron_start "$work/neutron" 19690 sqlite
export OS_ENDPOINT=$NEUTRON_URL OS_AUTH_TYPE=none
curl -fs -XPOST "$NEUTRON_URL/v2.0/networks" -o "$work/ext.json" \
	-d '{"network":{"name":"public","router:external":true,"provider:network_type":"flat","provider:physical_network":"public"}}'
ext=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["network"]["id"])' "$work/ext.json")
curl -fs -XPOST "$NEUTRON_URL/v2.0/subnets" -o /dev/null \
	-d "{\"subnet\":{\"network_id\":\"$ext\",\"cidr\":\"198.18.0.0/24\",\"ip_version\":4}}"
cp "$root/templates/three-tier.json" "$work/"
head -c 24 /dev/urandom | base64 > "$work/dc-vpn.psk"
chmod 600 "$work/dc-vpn.psk"
(
	cd "$work"
	run "$cutover" landing check three-tier.json
	run "$cutover" landing plan three-tier.json | tail -5
	run "$cutover" landing apply three-tier.json | tail -3
	echo "a second plan finds nothing to do:"
	run "$cutover" landing plan three-tier.json
)

say "set up: DNS servers, the target web server, a gateway namespace"
tsig-keygen -a hmac-sha256 cutover-key > "$work/cutover.key"
chmod 600 "$work/cutover.key"
mkdir -p "$work/bind" "$work/knot/db" "$work/web"
cat > "$work/bind/example.test.db" <<ZONE
\$ORIGIN example.test.
\$TTL 5
@    IN SOA ns1 hostmaster 1 3600 600 86400 5
@    IN NS  ns1
ns1  IN A   127.0.0.1
www  IN A   192.0.2.10
www  IN A   192.0.2.11
api  IN A   192.0.2.20
ZONE
cat > "$work/bind/named.conf" <<CONF
options {
  directory "$work/bind"; pid-file "$work/bind/named.pid";
  session-keyfile "$work/bind/session.key"; managed-keys-directory "$work/bind";
  listen-on port 15453 { 127.0.0.1; }; listen-on-v6 { none; };
  recursion no; dnssec-validation no; notify-delay 0;
  allow-transfer { 127.0.0.1; }; notify explicit; also-notify { 127.0.0.1 port 15454; };
};
controls { };
include "$work/cutover.key";
zone "example.test" { type primary; file "$work/bind/example.test.db"; allow-update { key cutover-key; }; };
CONF
named -g -n 2 -c "$work/bind/named.conf" > "$work/bind.log" 2>&1 &
pids+=($!)
cat > "$work/knot/knot.conf" <<CONF
server:
    listen: 127.0.0.1@15454
    rundir: $work/knot
database:
    storage: $work/knot/db
remote:
  - id: primary
    address: 127.0.0.1@15453
acl:
  - id: notify
    address: 127.0.0.1
    action: notify
zone:
  - domain: example.test
    master: primary
    acl: notify
    zonefile-load: none
    journal-content: all
    file: $work/knot/example.test.zone
CONF
wait_port 15453
knotd -c "$work/knot/knot.conf" > "$work/knot.log" 2>&1 &
pids+=($!)
wait_port 15454
echo ok > "$work/web/health"
python3 -m http.server 18180 --bind 127.0.0.1 --directory "$work/web" > "$work/web.log" 2>&1 &
pids+=($!)
wait_port 18180

ip netns add "$ns"
ip -n "$ns" link add old0 type veth peer name old1
ip -n "$ns" link add new0 type veth peer name new1
for l in old0 old1 new0 new1; do ip -n "$ns" link set "$l" up; done
ip -n "$ns" addr add 192.0.2.1/24 dev old0
ip -n "$ns" addr add 198.51.100.1/24 dev new0
ip -n "$ns" route add 10.20.0.0/16 via 192.0.2.254 dev old0

cat > "$work/plan.json" <<PLAN
{
  "change": "DEMO-1",
  "description": "Move www.example.test to the target cloud and the DC route to the new uplink",
  "journal": "demo.journal",
  "health": {
    "web-target": { "kind": "http", "host": "www.example.test",
                    "targets": ["127.0.0.1:18180"], "path": "/health",
                    "expect_status": [200], "body_contains": "ok",
                    "timeout": "2s", "interval": "250ms", "healthy_after": 2, "sick_after": 2 }
  },
  "dns": {
    "primaries": [ { "name": "bind", "address": "127.0.0.1", "port": 15453,
                     "key_file": "cutover.key", "key_name": "cutover-key" } ],
    "servers": [ { "name": "knot", "address": "127.0.0.1", "port": 15454 } ],
    "zones": [ { "name": "example.test", "primary": "bind", "verify": ["knot"],
                 "verify_ns": false } ],
    "lowered_ttl": "1s",
    "records": [
      { "name": "www.example.test", "type": "A", "to_type": "CNAME",
        "from": ["192.0.2.10", "192.0.2.11"], "to": ["lb-1.cloud.example.net."],
        "restore_ttl": "5s", "gates": ["web-target"] },
      { "name": "api.example.test", "type": "A", "from": ["192.0.2.20"],
        "to": ["198.51.100.20"], "restore_ttl": "5s", "gates": ["web-target"] }
    ]
  },
  "routes": {
    "gates": ["web-target"],
    "hosts": [ { "name": "gw1", "netns": "$ns",
      "routes": [ { "destination": "10.20.0.0/16",
                    "from": { "via": "192.0.2.254", "dev": "old0" },
                    "to": { "via": "198.51.100.254", "dev": "new0" } } ] } ]
  }
}
PLAN
cd "$work"

say "1. validate the plan"
run "$cutover" check plan.json
say "2. the target is healthy"
run "$cutover" health plan.json
say "3. days before: lower the TTLs (journaled, with the old TTLs as inverse)"
run "$cutover" dns prelower plan.json
echo "a switch now would be refused (exit 3) until the old TTL (5 s) has expired:"
set +e; "$cutover" dns switch plan.json; echo "exit $?"; set -e
sleep 6
say "4. cutover night: switch DNS (gated on health; one UPDATE with prerequisites)"
run "$cutover" dns switch plan.json
say "5. verify on every server"
run "$cutover" dns verify plan.json --wait 10s
echo "BIND: www -> $(dig1 15453 www.example.test CNAME)   Knot: www -> $(dig1 15454 www.example.test CNAME)"
say "6. the gateway: plan, then switch the route (compare-and-swap, one netlink batch)"
run "$cutover" route plan plan.json
run "$cutover" route switch plan.json
run ip -n "$ns" route show 10.20.0.0/16
say "7. the journal: who did what, when, and what a rollback would undo"
run "$cutover" journal show demo.journal
say "8. roll back everything, newest first"
run "$cutover" rollback --journal demo.journal --reason "demo: back to the source"
say "9. back at the source"
echo "BIND: www -> $(dig1 15453 www.example.test)  api -> $(dig1 15453 api.example.test)"
run ip -n "$ns" route show 10.20.0.0/16
run "$cutover" journal verify demo.journal
say "10. tear the landing zone down (dependents first)"
run "$cutover" landing destroy three-tier.json | tail -2
say "done: landed, switched and rolled back on loopback"
