#!/usr/bin/env bash
# The parallel apply against a PostgreSQL-backed Neutron with two API workers
# (PostgreSQL on 127.0.0.1:15432, Neutron on 127.0.0.1:19698), both started
# and stopped here: parallel writes must all succeed with no retry storm, the
# zone must converge and destroy must leave nothing. Runs as root (PostgreSQL
# runs as the postgres user).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/neutron.sh"
CUTOVER=${CUTOVER:?set by meson: the cutover binary}
ROOT=${SOURCE_ROOT:-$here/../..}

work=$(mktemp -d /tmp/cutover-landing-pg.XXXXXX)
chmod 755 "$work"
cleanup() { neutron_stop; pg_stop; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
jq_() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
summary() { jq_ '"%d/%d/%d" % (d["summary"]["create"], d["summary"]["update"], d["summary"]["delete"])'; }

if ! pg_start "$work" 15432; then
	# say why (a busy port, initdb), then try once more from a clean folder
	echo "PostgreSQL did not start: $(tail -5 "$work/pg.log" "$work/initdb.log" 2>&1; ss -ltn | grep ':15432 ')" >&2
	pg_stop
	rm -rf "$work/pg"
	sleep 2
	pg_start "$work" 15432 || fail "PostgreSQL did not start twice: $(tail -5 "$work/pg.log" "$work/initdb.log" 2>&1)"
fi
neutron_start "$work/n" 19698 postgres 15432 2 || fail "Neutron (PostgreSQL, 2 workers) did not start: $(tail -5 "$work/n/db-manage.log")"
export OS_ENDPOINT=$NEUTRON_URL OS_AUTH_TYPE=none
unset OS_AUTH_URL OS_TOKEN || true
U=$NEUTRON_URL/v2.0
ext=$(curl -fs -XPOST "$U/networks" -d '{"network":{"name":"public","router:external":true,"provider:network_type":"flat","provider:physical_network":"public"}}' | jq_ 'd["network"]["id"]')
curl -fs -XPOST "$U/subnets" -d "{\"subnet\":{\"network_id\":\"$ext\",\"cidr\":\"198.18.0.0/24\",\"ip_version\":4}}" >/dev/null

cp "$ROOT"/templates/three-tier.json "$work/"
printf 'pg-psk-4b1d0c9e\n' >"$work/dc-vpn.psk"
chmod 600 "$work/dc-vpn.psk"
cd "$work"
for env in blue green; do
	"$CUTOVER" landing apply --parallel 8 --param env=$env --param cidr_base=10.$([ $env = blue ] && echo 20 || echo 30).0.0/15 \
		--json three-tier.json >apply-$env.json 2>err.txt || fail "parallel apply $env: $(cat err.txt)"
	[ "$(summary <apply-$env.json)" = "39/0/0" ] || fail "$env: $(summary <apply-$env.json)"
	! grep -q "one at a time" err.txt || fail "PostgreSQL Neutron made the apply fall back to serial writes"
done
echo "ok - two zones applied in parallel on PostgreSQL-backed Neutron (2 API workers)"
for env in blue green; do
	b=10.$([ $env = blue ] && echo 20 || echo 30).0.0/15
	[ "$("$CUTOVER" landing plan --json --param env=$env --param cidr_base=$b three-tier.json | summary)" = 0/0/0 ] ||
		fail "$env did not converge"
	"$CUTOVER" landing destroy --parallel 8 --param env=$env --param cidr_base=$b three-tier.json >/dev/null ||
		fail "destroy $env"
	n=$(curl -fs "$U/networks?tags=cutover%3Ashop-$env" | jq_ 'len(d["networks"])')
	[ "$n" = 0 ] || fail "$env: $n networks left"
done
echo "ok - plans converge; destroy in parallel leaves nothing"
