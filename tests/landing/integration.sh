#!/usr/bin/env bash
# Landing zones against a real Neutron (SQLite in WAL mode, one API worker) on
# 127.0.0.1:19696, started and stopped here. Needs root-free nothing; needs the
# packages of scripts/packages/landing.txt. Every step says what it checks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/neutron.sh"
CUTOVER=${CUTOVER:?set by meson: the cutover binary}
ROOT=${SOURCE_ROOT:-$here/../..}
PORT=19696

work=$(mktemp -d /tmp/cutover-landing.XXXXXX)
cleanup() { neutron_stop; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/n/neutron-server.log" ] && grep -E 'ERROR' "$work/n/neutron-server.log" | tail -5 >&2; exit 1; }
ok() { echo "ok - $*"; }
jq_() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

neutron_start "$work/n" $PORT sqlite || fail "Neutron did not start"
export OS_ENDPOINT=$NEUTRON_URL OS_AUTH_TYPE=none
unset OS_AUTH_URL OS_TOKEN || true
U=$NEUTRON_URL/v2.0
api() { # METHOD PATH [BODY]: Neutron's answer, or fail naming the call; the
	# test's own calls meet SQLite's "database is locked" (500) too: retried
	local m=$1 p=$2 b=${3:-} out code i
	for i in 1 2 3 4 5 6; do
		out=$(curl -s -X"$m" "$U$p" ${b:+-d "$b"} -w '\n%{http_code}') || true
		code=${out##*$'\n'} out=${out%$'\n'*}
		case $code in 2??) printf '%s' "$out"; return 0 ;; 500) sleep 0.5 ;; *) break ;; esac
	done
	fail "$m $p: HTTP $code: $out"
}
ext=$(api POST /networks '{"network":{"name":"public","router:external":true,"provider:network_type":"flat","provider:physical_network":"public"}}' | jq_ 'd["network"]["id"]')
api POST /subnets "{\"subnet\":{\"network_id\":\"$ext\",\"cidr\":\"198.18.0.0/24\",\"ip_version\":4}}" >/dev/null

cp "$ROOT"/templates/two-tier.json "$ROOT"/templates/three-tier.json "$work/"
PSK='test-psk-Zq8v1sQkA9'
printf '%s\n' "$PSK" >"$work/dc-vpn.psk"
chmod 600 "$work/dc-vpn.psk"
cd "$work"
requests() { grep -c '"[A-Z]* /v2.0' n/neutron-server.log || true; }
owned() { # every object of a zone, by description (all types) and tag
	local zone=$1 n=0 c
	for c in networks subnets routers security-groups security-group-rules vpn/ikepolicies \
		vpn/ipsecpolicies vpn/endpoint-groups vpn/vpnservices vpn/ipsec-site-connections; do
		n=$((n + $(curl -fs "$U/$c?description=cutover%3A$zone" | jq_ 'len(list(d.values())[0])')))
	done
	for c in networks subnets routers security-groups; do
		n=$((n + $(curl -fs "$U/$c?tags=cutover%3A$zone" | jq_ 'len(list(d.values())[0])')))
	done
	echo $n
}
summary() { jq_ '"%d/%d/%d" % (d["summary"]["create"], d["summary"]["update"], d["summary"]["delete"])'; }

# 1. refused before any call
before=$(requests)
set +e
"$CUTOVER" landing apply --param cidr_base=192.168.0.0/16 two-tier.json 2>err.txt; rc=$?
set -e
[ $rc -eq 2 ] || fail "overlap with the data centre: exit $rc, want 2"
grep -q "two-tier.json:[0-9]*:[0-9]*: vpcs\[0\].cidr: 192.168.0.0/16 overlaps the data centre's prefix" err.txt ||
	fail "overlap error without file:line:col: $(cat err.txt)"
/usr/bin/python3 - <<'EOF'
import json
t = json.load(open("two-tier.json"))
t["security_groups"][0]["rules"][1]["remote"] = "0.0.0.0/0"
json.dump(t, open("open22.json", "w"), indent=2)
EOF
set +e
"$CUTOVER" landing apply open22.json 2>err.txt; rc=$?
set -e
[ $rc -eq 2 ] || fail "port 22 open to the world: exit $rc, want 2"
grep -q "open22.json:[0-9]*:[0-9]*: security_groups\[0\].rules\[1\]: administrative port 22 open to the internet" err.txt ||
	fail "port 22 error: $(cat err.txt)"
[ "$(requests)" = "$before" ] || fail "a refused template still reached the API"
ok "overlapping CIDRs and ssh open to the world refused before any API call"

# 2. apply both templates; a second apply changes nothing
"$CUTOVER" landing apply --parallel 4 two-tier.json >out.txt || fail "apply two-tier: $(cat out.txt)"
"$CUTOVER" landing apply --parallel 8 three-tier.json >out.txt 2>err.txt ||
	fail "apply three-tier (parallel writes on SQLite): $(cat out.txt err.txt)"
grep -q "applied: 39 to create" out.txt || fail "three-tier: $(cat out.txt)"
locked=$(grep -c 'database is locked' n/neutron-server.log || true)
ok "both templates applied (SQLite answered 'database is locked' $locked times; survived)"
for t in two-tier three-tier; do
	s=$("$CUTOVER" landing plan --json $t.json | summary)
	[ "$s" = "0/0/0" ] || fail "$t: plan after apply is $s, want 0/0/0: $("$CUTOVER" landing plan $t.json | grep -v no-op)"
	"$CUTOVER" landing apply --json $t.json >again.json || fail "second apply of $t"
	[ "$(summary <again.json)" = "0/0/0" ] || fail "$t: second apply changed $(summary <again.json)"
done
ok "second apply: zero changes"
[ "$(curl -fs "$U/networks?tags=cutover%3Ashop-dev" | jq_ 'len(d["networks"])')" = 2 ] || fail "three-tier: not 2 tagged networks"
curl -fs "$U/vpn/ipsec-site-connections?description=cutover%3Ashop-dev" | jq_ 'd["ipsec_site_connections"][0]["peer_address"]' | grep -q 198.51.100.10 ||
	fail "VPN connection missing"
ok "VPN connection made with the data centre's address"

# 2b. a create whose answer was lost, made again: two objects of one name. The
# plan keeps the tagged one and deletes the stray (its interfaces with it);
# a rollback never brings the stray back (checked in step 8).
r=$(curl -fs "$U/routers?description=cutover%3Ashop-dev" | jq_ 'd["routers"][0]["name"]')
api POST /routers "{\"router\":{\"name\":\"$r\",\"description\":\"cutover:shop-dev\"}}" >/dev/null
nw=$(curl -fs "$U/networks?description=cutover%3Ashop-dev" | jq_ 'd["networks"][0]["name"]')
api POST /networks "{\"network\":{\"name\":\"$nw\",\"description\":\"cutover:shop-dev\"}}" >/dev/null
"$CUTOVER" landing plan --json three-tier.json >plan.json
got=$(jq_ '" ".join(sorted(a["action"]+":"+a["type"] for a in d["actions"] if a["action"]!="no-op" and "second object of this name" in a["reason"]))' <plan.json)
[ "$(summary <plan.json)" = "0/0/2" ] && [ "$got" = "delete:network delete:router" ] ||
	fail "two objects of one name: plan $(summary <plan.json) [$got]: $("$CUTOVER" landing plan three-tier.json | grep -v no-op)"
"$CUTOVER" landing apply three-tier.json >out.txt 2>err.txt || fail "apply with strays: $(cat out.txt err.txt)"
[ "$("$CUTOVER" landing plan --json three-tier.json | summary)" = "0/0/0" ] || fail "strays: no convergence"
[ "$(curl -fs "$U/routers?name=$r" | jq_ 'len(d["routers"])')" = 1 ] || fail "the stray router is still there"
[ "$(curl -fs "$U/routers?name=$r" | jq_ 'd["routers"][0]["external_gateway_info"] is not None')" = True ] ||
	fail "the router with the gateway was not the one kept"
ok "two objects of one name (a lost create answer): the tagged one kept, the stray deleted"

# 2c. an interface add that failed half-way on the server (SQLite locked after
# Neutron made the port) leaves a router-interface port holding the subnet's
# gateway address: the next add gets 409 IpAddressAlreadyAllocated. Made here
# by hand: one interface removed, such a port put in its place.
rid=$(api GET "/routers?description=cutover%3Ashop-dev" | jq_ 'd["routers"][0]["id"]')
vpn_subnets=$(api GET /vpn/endpoint-groups | jq_ '" ".join(e for g in d["endpoint_groups"] for e in g["endpoints"])')
ip=$(api GET "/ports?device_id=$rid&device_owner=network%3Arouter_interface" |
	jq_ '[ "%s %s" % (p["fixed_ips"][0]["subnet_id"], p["fixed_ips"][0]["ip_address"]) for p in d["ports"] if p["fixed_ips"][0]["subnet_id"] not in "'"$vpn_subnets"'".split()][0]')
read -r sid gw <<<"$ip"
net=$(api GET "/subnets/$sid" | jq_ 'd["subnet"]["network_id"]')
api PUT "/routers/$rid/remove_router_interface" "{\"subnet_id\":\"$sid\"}" >/dev/null
api POST /ports "{\"port\":{\"network_id\":\"$net\",\"device_owner\":\"network:router_interface\",\"fixed_ips\":[{\"subnet_id\":\"$sid\",\"ip_address\":\"$gw\"}]}}" >/dev/null
[ "$("$CUTOVER" landing plan --json three-tier.json | summary)" = "1/0/0" ] ||
	fail "half-made interface: plan $("$CUTOVER" landing plan three-tier.json | grep -v no-op)"
"$CUTOVER" landing apply three-tier.json >out.txt 2>err.txt || fail "apply over a half-made interface: $(cat out.txt err.txt)"
[ "$("$CUTOVER" landing plan --json three-tier.json | summary)" = "0/0/0" ] || fail "half-made interface: no convergence"
holders=$(api GET "/ports?fixed_ips=subnet_id%3D$sid&fixed_ips=ip_address%3D$gw" | jq_ '" ".join(p["device_id"] == "'"$rid"'" and "router" or "other" for p in d["ports"])')
[ "$holders" = router ] || fail "half-made interface: the gateway address is held by [$holders], want [router]"
api PUT "/routers/$rid/remove_router_interface" "{\"subnet_id\":\"$sid\"}" >/dev/null
vm=$(api POST /ports "{\"port\":{\"network_id\":\"$net\",\"device_owner\":\"compute:nova\",\"device_id\":\"a-vm\",\"fixed_ips\":[{\"subnet_id\":\"$sid\",\"ip_address\":\"$gw\"}]}}" | jq_ 'd["port"]["id"]')
set +e
"$CUTOVER" landing apply three-tier.json >out.txt 2>err.txt; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "create interface shop-dev-.* to .*: Neutron answered 409 IpAddressAlreadyAllocated: the subnet's gateway address is held by a port that is not this router's" err.txt ||
	fail "a VM's port on the gateway address: exit $rc: $(cat err.txt)"
api GET "/ports/$vm" >/dev/null || fail "the VM's port was touched"
api DELETE "/ports/$vm" >/dev/null
"$CUTOVER" landing apply three-tier.json >out.txt 2>err.txt || fail "apply once the VM's port is gone: $(cat err.txt)"
# a repair cut off between freeing such a port and deleting it leaves it with
# no owner (named so by the repair): the next apply finds and deletes it
api PUT "/routers/$rid/remove_router_interface" "{\"subnet_id\":\"$sid\"}" >/dev/null
api POST /ports "{\"port\":{\"network_id\":\"$net\",\"name\":\"cutover-freed-interface\",\"device_owner\":\"\",\"fixed_ips\":[{\"subnet_id\":\"$sid\",\"ip_address\":\"$gw\"}]}}" >/dev/null
"$CUTOVER" landing apply three-tier.json >out.txt 2>err.txt || fail "apply over a freed, undeleted port: $(cat out.txt err.txt)"
holders=$(api GET "/ports?fixed_ips=subnet_id%3D$sid&fixed_ips=ip_address%3D$gw" | jq_ '" ".join(p["device_id"] == "'"$rid"'" and "router" or "other" for p in d["ports"])')
[ "$holders" = router ] || fail "freed port: the gateway address is held by [$holders], want [router]"
ok "a port left by a half-failed interface add is freed; a VM's port on the gateway address is named, not touched"

# 3. the pre-shared key never leaves its file
for f in three-tier.json.shop-dev.journal out.txt err.txt again.json; do
	! grep -q "$PSK" "$f" || fail "the VPN key appears in $f"
done
"$CUTOVER" journal show --json --journal three-tier.json.shop-dev.journal >show.json 2>&1 || true
! grep -q "$PSK" show.json || fail "the VPN key appears in journal show"
chmod 644 dc-vpn.psk
set +e
"$CUTOVER" landing check three-tier.json >out.txt 2>err.txt; rc=$?
set -e
chmod 600 dc-vpn.psk
[ $rc -eq 2 ] && grep -q "chmod 600" err.txt || fail "a readable key file was not refused: $rc $(cat err.txt)"
! grep -q "$PSK" err.txt out.txt || fail "the key leaked in an error"
ok "the VPN key is in no journal, output or error; a readable key file is refused"

# 3b. a rotated key file: the plan shows an update (never a key); apply sends
# the new key and first saves the old one (0600) beside the file for the
# inverse; a rollback of that change puts the old key back
NEWPSK='rotated-psk-Hn4v7TqP2w'
# Neutron refuses to update a connection while it is PENDING_CREATE, which is
# where it stays without a VPN agent: play the agent's part
/usr/bin/python3 -c "import sqlite3; c = sqlite3.connect('n/neutron.sqlite', timeout=30); c.execute(\"UPDATE ipsec_site_connections SET status='DOWN'\"); c.commit()"
printf '%s\n' "$NEWPSK" >dc-vpn.psk
conn_psk() { api GET "/vpn/ipsec-site-connections?description=cutover%3Ashop-dev" | jq_ 'd["ipsec_site_connections"][0]["psk"]'; }
"$CUTOVER" landing plan --json three-tier.json >plan.json
[ "$(summary <plan.json)" = "0/1/0" ] && grep -q "psk_file: the cloud's key is not the one in dc-vpn.psk" plan.json ||
	fail "rotated key: plan $(summary <plan.json): $("$CUTOVER" landing plan three-tier.json | grep -v no-op)"
"$CUTOVER" landing apply --journal rotate.journal three-tier.json >out.txt 2>err.txt ||
	fail "apply of a rotated key: $(cat out.txt err.txt)"
[ "$(conn_psk)" = "$NEWPSK" ] || fail "the cloud did not get the rotated key"
saved=$(ls dc-vpn.psk.before-*)
[ "$(stat -c %a "$saved")" = 600 ] && [ "$(cat "$saved")" = "$PSK" ] || fail "the old key was not saved 0600 in $saved"
[ "$("$CUTOVER" landing plan --json three-tier.json | summary)" = "0/0/0" ] || fail "rotated key: no convergence"
"$CUTOVER" journal show --json --journal rotate.journal >show.json 2>&1 || true
"$CUTOVER" rollback --journal rotate.journal >rb-out.txt 2>rb-err.txt || fail "rollback of a key rotation: $(cat rb-out.txt rb-err.txt)"
[ "$(conn_psk)" = "$PSK" ] || fail "rollback did not put the old key back"
for f in rotate.journal out.txt err.txt plan.json show.json rb-out.txt rb-err.txt; do
	! grep -q -e "$PSK" -e "$NEWPSK" "$f" || fail "a VPN key appears in $f"
done
printf '%s\n' "$PSK" >dc-vpn.psk
[ "$("$CUTOVER" landing plan --json three-tier.json | summary)" = "0/0/0" ] || fail "key file back: the plan is not empty"
ok "a rotated VPN key file: planned, applied, the old key saved 0600, rolled back; no key in any output"

# 3c. a VPN connection replaced along with its endpoint group (a data-centre
# prefix added: endpoint groups cannot change in place): its rollback makes
# the connection again with the key the cloud had (it failed: "no pre-shared
# key file")
/usr/bin/python3 - <<'EOF2'
import json
t = json.load(open("three-tier.json"))
t["parameters"]["dc_prefixes"]["default"].append("10.250.0.0/16")
json.dump(t, open("dc-more.json", "w"), indent=2)
EOF2
"$CUTOVER" landing plan --json dc-more.json >plan.json
jq_ '" ".join(sorted(a["action"]+":"+a["type"] for a in d["actions"] if a["action"]!="no-op"))' <plan.json | grep -q "delete:vpn_connection" ||
	fail "dc prefix added: the connection is not replaced: $("$CUTOVER" landing plan dc-more.json | grep -v no-op)"
"$CUTOVER" landing apply --journal dc-more.journal dc-more.json >out.txt 2>err.txt || fail "apply of a new dc prefix: $(cat out.txt err.txt)"
[ "$(conn_psk)" = "$PSK" ] || fail "the replaced connection does not have the key"
"$CUTOVER" rollback --journal dc-more.journal >rb-out.txt 2>rb-err.txt || fail "rollback of a replaced connection: $(cat rb-out.txt rb-err.txt)"
[ "$(conn_psk)" = "$PSK" ] || fail "the rolled back connection does not have the key"
[ "$("$CUTOVER" landing plan --json three-tier.json | summary)" = "0/0/0" ] || fail "after the rollback of a replaced connection: $("$CUTOVER" landing plan three-tier.json | grep -v no-op)"
for f in dc-more.journal out.txt err.txt rb-out.txt rb-err.txt; do
	! grep -q -e "$PSK" "$f" || fail "the VPN key appears in $f"
done
ok "a VPN connection replaced along with its endpoint group: applied and rolled back, with its key"

# 3d. an ownership tag put back adds that tag only: tags others set stay
nid=$(api GET "/networks?tags=cutover%3Aweb-dev" | jq_ 'd["networks"][0]["id"]')
api PUT "/networks/$nid/tags" '{"tags":["billing-42"]}' >/dev/null
[ "$("$CUTOVER" landing plan --json two-tier.json | summary)" = "0/1/0" ] || fail "tag removed: plan $("$CUTOVER" landing plan two-tier.json | grep -v no-op)"
"$CUTOVER" landing apply two-tier.json >out.txt 2>err.txt || fail "apply a missing tag: $(cat out.txt err.txt)"
[ "$(api GET "/networks/$nid" | jq_ '" ".join(sorted(d["network"]["tags"]))')" = "billing-42 cutover:web-dev" ] ||
	fail "tags after the ownership tag was put back: $(api GET "/networks/$nid")"
ok "putting the ownership tag back keeps the tags others set"

# 4. edit the template: add a subnet, change a rule -> the plan shows exactly that
/usr/bin/python3 - <<'EOF'
import json
t = json.load(open("two-tier.json"))
t["vpcs"][0]["subnets"].append({"name": "app-b", "tier": "app", "zone": "az2", "newbits": 8, "netnum": 12})
t["security_groups"][0]["rules"][0]["ports"] = 8443
json.dump(t, open("two-tier.json", "w"), indent=2)
EOF
"$CUTOVER" landing plan --json two-tier.json >plan.json
got=$(jq_ '" ".join(sorted(a["action"]+":"+a["type"]+":"+a["name"] for a in d["actions"] if a["action"]!="no-op"))' <plan.json)
want="create:rule:web-dev-web/ingress/IPv4/tcp/8443/8443/0.0.0.0/0/ create:subnet:web-dev-app-b delete:rule:web-dev-web/ingress/IPv4/tcp/443/443/0.0.0.0/0/"
[ "$got" = "$want" ] || fail "edited plan: got [$got] want [$want]"
jq_ '[a["reason"] for a in d["actions"] if a["action"]=="delete"][0]' <plan.json | grep -q "not in the template" || fail "delete without its reason"
"$CUTOVER" landing apply two-tier.json >out.txt || fail "apply the edit"
[ "$("$CUTOVER" landing plan --json two-tier.json | summary)" = "0/0/0" ] || fail "edit did not converge"
ok "an added subnet and a changed rule: the plan shows exactly that, apply converges"

# 4b. a subnet renamed, its CIDR kept: the new one is made after the old one
# (and its interface) are gone — Neutron refuses two overlapping subnets in
# one network, and the create went first and failed on every apply
/usr/bin/python3 - <<'EOF2'
import json
t = json.load(open("two-tier.json"))
t["vpcs"][0]["subnets"][-1]["name"] = "app-b2"
json.dump(t, open("two-tier.json", "w"), indent=2)
EOF2
"$CUTOVER" landing apply --parallel 1 two-tier.json >out.txt 2>err.txt || fail "apply a renamed subnet: $(cat out.txt err.txt)"
[ "$("$CUTOVER" landing plan --json two-tier.json | summary)" = "0/0/0" ] || fail "renamed subnet: no convergence"
ok "a subnet renamed with its CIDR kept: replaced in order, converges"

# 4c. a distributed (DVR) router's interfaces are owned by
# network:router_interface_distributed (an HA router's by
# network:ha_router_replicated_interface): still the zone's interfaces — the
# plan saw none and planned them again, destroy left them (step 6 removes them)
wr=$(api GET "/routers?description=cutover%3Aweb-dev" | jq_ 'd["routers"][0]["id"]')
api PUT "/routers/$wr" '{"router":{"admin_state_up":false}}' >/dev/null
api PUT "/routers/$wr" '{"router":{"distributed":true}}' >/dev/null
api PUT "/routers/$wr" '{"router":{"admin_state_up":true}}' >/dev/null
[ "$(api GET "/ports?device_id=$wr&device_owner=network%3Arouter_interface_distributed" | jq_ 'len(d["ports"])')" -ge 2 ] ||
	fail "DVR: the router's interfaces did not become distributed"
[ "$("$CUTOVER" landing plan --json two-tier.json | summary)" = "0/0/0" ] ||
	fail "DVR router: plan $("$CUTOVER" landing plan two-tier.json | grep -v no-op)"
ok "a distributed router's interfaces count as the zone's"

# 5. Neutron's errors: 409 in use, 400 invalid — resource, API message, what to do
sub=$(curl -fs "$U/subnets?name=web-dev-app-b2" | jq_ 'd["subnets"][0]["network_id"]')
port=$(api POST /ports "{\"port\":{\"network_id\":\"$sub\",\"name\":\"foreign\"}}" | jq_ 'd["port"]["id"]')
set +e
"$CUTOVER" landing destroy two-tier.json >out.txt 2>err.txt; rc=$?
set -e
[ $rc -eq 1 ] || fail "destroy with a foreign port: exit $rc, want 1"
grep -Eq "delete (subnet|network) web-dev-.*Neutron answered 409 (SubnetInUse|NetworkInUse|IpAddressGenerationFailure|PortInUse)?" err.txt || fail "409 not reported: $(cat err.txt)"
grep -q "what to do: something outside this zone still uses it" err.txt || fail "409 without what to do"
api DELETE "/ports/$port" >/dev/null
/usr/bin/python3 - <<'EOF'
import json
t = json.load(open("two-tier.json"))
# valid addresses (check refuses anything else) but more than Neutron's
# max_dns_nameservers (5): Neutron's own 400
t["vpcs"][0]["subnets"][0]["dns"] = ["10.9.9.%d" % i for i in range(1, 7)]
json.dump(t, open("bad-dns.json", "w"), indent=2)
EOF
set +e
"$CUTOVER" landing apply bad-dns.json >out.txt 2>err.txt; rc=$?
set -e
[ $rc -eq 1 ] || fail "400 from Neutron: exit $rc, want 1"
grep -q "subnet web-dev-web-a: Neutron answered 400" err.txt && grep -q "what to do: fix the value" err.txt ||
	fail "400 not reported with resource, message and what to do: $(cat err.txt)"
ok "409 in use and 400 invalid reported with the resource, Neutron's message and what to do"

# 6. destroy leaves nothing with the tag
"$CUTOVER" landing destroy two-tier.json >out.txt 2>err.txt || fail "destroy two-tier: $(cat err.txt)"
[ "$(owned web-dev)" = 0 ] || fail "objects of web-dev left after destroy"
ok "destroy: nothing left with the zone's tag or marker"

# 6b. a router of the zone without its gateway (a create Neutron failed to
# undo after the gateway met a locked database, or a gateway cleared by hand):
# made here by hand, marked and tagged, no gateway. The plan shows an update
# that sets the gateway, apply converges with the gateway and SNAT of the
# template, and a rollback of that apply clears the gateway again (the
# update's journaled inverse).
bare=$(api POST /routers '{"router":{"name":"web-dev-edge","description":"cutover:web-dev"}}' | jq_ 'd["router"]["id"]')
api PUT "/routers/$bare/tags" '{"tags":["cutover:web-dev"]}' >/dev/null
"$CUTOVER" landing plan --json two-tier.json >plan.json
got=$(jq_ '" ".join(a["action"]+":"+a["name"] for a in d["actions"] if a["type"]=="router")' <plan.json)
[ "$got" = "update:web-dev-edge" ] && grep -q "external_network (none) → public" plan.json ||
	fail "router without its gateway: plan [$got]: $("$CUTOVER" landing plan two-tier.json | grep -v no-op)"
"$CUTOVER" landing apply --journal bare.journal two-tier.json >out.txt 2>err.txt ||
	fail "apply over a router without its gateway: $(cat out.txt err.txt)"
[ "$("$CUTOVER" landing plan --json two-tier.json | summary)" = "0/0/0" ] || fail "router without its gateway: no convergence"
gwinfo() { api GET "/routers/$bare" | jq_ 'd["router"]["external_gateway_info"] and "%s/%s" % (d["router"]["external_gateway_info"]["network_id"], d["router"]["external_gateway_info"]["enable_snat"])'; }
[ "$(gwinfo)" = "$ext/True" ] || fail "router without its gateway: gateway after apply is [$(gwinfo)], want [$ext/True]"
"$CUTOVER" rollback --journal bare.journal >out.txt 2>err.txt || fail "rollback of the gateway set: $(cat out.txt err.txt)"
[ "$(gwinfo)" = "None" ] || fail "rollback did not clear the gateway it set: [$(gwinfo)]"
"$CUTOVER" landing destroy two-tier.json >/dev/null 2>err.txt || fail "destroy after the gateway check: $(cat err.txt)"
[ "$(owned web-dev)" = 0 ] || fail "objects of web-dev left after the gateway check"
ok "a router left without its gateway plans as the gateway's update, converges, and rolls back to no gateway"

# 7. SIGKILL mid-apply at several journal points -> apply converges, destroy cleans all
for n in 3 9 17; do
	set +e
	CUTOVER_CRASH_AT=$n "$CUTOVER" landing apply --parallel 4 two-tier.json >/dev/null 2>&1; rc=$?
	set -e
	[ $rc -eq 137 ] || fail "CUTOVER_CRASH_AT=$n: exit $rc, want 137 (SIGKILL)"
	neutron_drain $PORT # what the killed run had sent may still land; let it
	"$CUTOVER" landing apply two-tier.json >out.txt 2>err.txt || fail "apply after crash $n: $(cat err.txt)"
	[ "$("$CUTOVER" landing plan --json two-tier.json | summary)" = "0/0/0" ] ||
		fail "no convergence after crash $n: $("$CUTOVER" landing plan two-tier.json | grep -v no-op)"
	[ "$(curl -fs "$U/networks?description=cutover%3Aweb-dev" | jq_ 'len(d["networks"])')" = 1 ] || fail "duplicates after crash $n"
	"$CUTOVER" landing destroy two-tier.json >/dev/null || fail "destroy after crash $n"
	[ "$(owned web-dev)" = 0 ] || fail "objects left after crash $n and destroy"
done
ok "SIGKILL mid-apply: apply converges without duplicates, destroy cleans all"

# 8. rollback from the journal undoes the three-tier zone
"$CUTOVER" rollback --journal three-tier.json.shop-dev.journal >out.txt 2>err.txt ||
	fail "rollback: $(cat out.txt err.txt)"
left_after_rollback() { # names what is still there, for the failure message
	local c
	for c in networks subnets routers security-groups security-group-rules vpn/ikepolicies \
		vpn/ipsecpolicies vpn/endpoint-groups vpn/vpnservices vpn/ipsec-site-connections; do
		curl -fs "$U/$c?description=cutover%3Ashop-dev" | jq_ '" ".join("%s:%s" % (k, o.get("name") or o.get("id")) for k, v in d.items() for o in v)'
	done | tr '\n' ' '
}
[ "$(owned shop-dev)" = 0 ] || fail "objects of shop-dev left after rollback: $(left_after_rollback); rollback said: $(cat out.txt)"
"$CUTOVER" rollback --journal three-tier.json.shop-dev.journal >out.txt 2>err.txt || fail "second rollback"
ok "cutover rollback --journal undoes the zone; a second rollback changes nothing"

# 8b. a destroy's inverse makes the VPN connection again with the key the
# cloud had, not the one the key file holds now: destroy saves that key
# (0600) beside the file first; rolling the destroy back rebuilds the zone
rm -f dc-vpn.psk.before-*
"$CUTOVER" landing apply three-tier.json >/dev/null 2>err.txt || fail "apply before the destroy check: $(cat err.txt)"
/usr/bin/python3 -c "import sqlite3; c = sqlite3.connect('n/neutron.sqlite', timeout=30); c.execute(\"UPDATE ipsec_site_connections SET status='DOWN'\"); c.commit()"
printf '%s\n' "$NEWPSK" >dc-vpn.psk
"$CUTOVER" landing destroy --journal destroy.journal three-tier.json >out.txt 2>err.txt ||
	fail "destroy for the key check: $(cat out.txt err.txt)"
saved=$(ls dc-vpn.psk.before-* 2>/dev/null) || fail "destroy saved no copy of the cloud's VPN key"
[ "$(stat -c %a "$saved")" = 600 ] && [ "$(cat "$saved")" = "$PSK" ] || fail "destroy did not save the cloud's key 0600 in $saved"
"$CUTOVER" rollback --journal destroy.journal >out.txt 2>err.txt || fail "rollback of the destroy: $(cat out.txt err.txt)"
[ "$(conn_psk)" = "$PSK" ] || fail "the destroy's rollback made the connection with another key"
! grep -q -e "$PSK" -e "$NEWPSK" destroy.journal out.txt err.txt || fail "a VPN key appears in the destroy's journal or output"
printf '%s\n' "$PSK" >dc-vpn.psk
[ "$("$CUTOVER" landing plan --json three-tier.json | summary)" = "0/0/0" ] || fail "the destroy's rollback did not rebuild the zone"
"$CUTOVER" landing destroy three-tier.json >/dev/null 2>err.txt || fail "destroy after the key check: $(cat err.txt)"
[ "$(owned shop-dev)" = 0 ] || fail "objects of shop-dev left after the key check"
ok "a destroy's rollback rebuilds the zone, the VPN connection with the key the cloud had (saved 0600)"
echo "all landing integration checks passed"
