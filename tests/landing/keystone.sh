#!/usr/bin/env bash
# cutover's Keystone v3 login (landing/auth.c) against a REAL Keystone and a
# REAL Neutron that validates the tokens:
#   - Keystone 22 (Debian 12's python3-keystone, Zed) on 127.0.0.1:19535: its
#     own config folder, SQLite database, fernet and credential keys in a temp
#     folder, served by keystone-wsgi-public (wsgiref, one thread) — no apache,
#     no uwsgi, no system service.
#   - Neutron (tests/landing/neutron.sh) on 127.0.0.1:19694 with
#     auth_strategy = keystone: keystonemiddleware's [keystone_authtoken] checks
#     every token with this Keystone as the service user "neutron", so a request
#     without a valid token is refused (401). Real validation, not the noauth
#     fallback.
# Keystone's catalogue has the network service: RegionOne public
# http://127.0.0.1:19694, RegionOne internal http://127.0.0.1:19694/ (trailing
# slash) and a RegionTwo public endpoint on 127.0.0.1:19695 where nothing
# listens (it must only be used when asked for). Cases: password login from a
# 0600 file, from the OS_* environment, an application credential, a user of
# another domain (by name and by id), OS_AUTH_URL spellings, a wrong password,
# a readable credentials file, a bad token; the secrets and tokens appear in no
# output, --json document or journal. Everything started here is stopped on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/neutron.sh"
CUTOVER=${CUTOVER:?set by meson: the cutover binary}
ROOT=${SOURCE_ROOT:-$here/../..}
PY=/usr/bin/python3
KS_PORT=19535
N_PORT=19694
KS=http://127.0.0.1:$KS_PORT
KS_PID=

work=$(mktemp -d /tmp/cutover-keystone.XXXXXX)
chmod 700 "$work"
keystone_stop() {
	[ -n "$KS_PID" ] || return 0
	group_stop "$KS_PID"
	KS_PID=
}
cleanup() { neutron_stop; keystone_stop; [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"; } # KEEP_WORK=1 to debug
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	[ -f "$work/ks/keystone.log" ] && grep -E ' ERROR ' "$work/ks/keystone.log" | tail -5 >&2
	[ -f "$work/n/neutron-server.log" ] && grep -E 'ERROR' "$work/n/neutron-server.log" | tail -5 >&2
	exit 1
}
ok() { echo "ok - $* ($(($(date +%s) - t0)) s)"; }
jq_() { $PY -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
summary() { jq_ '"%d/%d/%d" % (d["summary"]["create"], d["summary"]["update"], d["summary"]["delete"])'; }
secret() { head -c 24 /dev/urandom | base64 | tr -d '/+='; }
t0=$(date +%s)

# Secrets of this run: random, so a grep for them finds only a leak.
ADMIN_PW=adm-$(secret)
NEUTRON_PW=svc-$(secret)
OPS_PW=ops-$(secret)
AC_SECRET=ac-$(secret)
export ADMIN_PW NEUTRON_PW OPS_PW AC_SECRET

# 1. Keystone: config, database, keys, bootstrap, server
ks=$work/ks
mkdir -p -m 700 "$ks" "$ks/fernet-keys" "$ks/credential-keys"
cat >"$ks/keystone.conf" <<CONF
[DEFAULT]
log_file = $ks/keystone.log
[database]
connection = sqlite:///$ks/keystone.sqlite
[fernet_tokens]
key_repository = $ks/fernet-keys
[credential]
key_repository = $ks/credential-keys
[token]
provider = fernet
CONF
export OS_KEYSTONE_CONFIG_DIR=$ks OS_KEYSTONE_CONFIG_FILES=keystone.conf
kman() { # keystone-manage prints an eventlet traceback at exit; keep it in the log
	keystone-manage --config-file "$ks/keystone.conf" "$@" >>"$ks/manage.log" 2>&1 ||
		fail "keystone-manage $1: $(grep -v '^Exception ignored' "$ks/manage.log" | tail -5)"
}
kman fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)" &
p1=$!
kman credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)" &
p2=$!
kman db_sync
wait $p1 && wait $p2 || fail "keystone-manage fernet_setup / credential_setup"
# WAL: Keystone's pooled SQLite connections otherwise lock each other out
# ("database is locked", HTTP 500) even with one request at a time
$PY -c 'import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode=WAL")' \
	"$ks/keystone.sqlite"
OS_BOOTSTRAP_PASSWORD=$ADMIN_PW kman bootstrap --bootstrap-username admin \
	--bootstrap-project-name admin --bootstrap-role-name admin \
	--bootstrap-service-name keystone --bootstrap-region-id RegionOne \
	--bootstrap-public-url "$KS/v3" --bootstrap-internal-url "$KS/v3"
setsid keystone-wsgi-public --host 127.0.0.1 --port $KS_PORT >"$ks/access.log" 2>&1 &
KS_PID=$!
for i in $(seq 1 120); do
	curl -fs -o /dev/null "$KS/v3" && break
	proc_alive "$KS_PID" || fail "Keystone exited: $(tail -5 "$ks/access.log")"
	sleep 0.25
done
curl -fs -o /dev/null "$KS/v3" || fail "Keystone did not answer on $KS in 30 s"
ok "Keystone 22 on $KS from $ks"

# 2. the cloud's identities and catalogue, through Keystone's API: the network
# service, the service user Neutron validates tokens with, a user and project
# of another domain, an application credential of admin. The admin token the
# test uses goes into a 0600 curlrc (never on a command line).
mkdir -m 700 "$work/curl"
export CURL_HOME_FILE=$work/curl/.curlrc NEUTRON_URL_ONE=http://127.0.0.1:$N_PORT
$PY - "$KS/v3" >"$work/ids" <<'EOF' || fail "setting up Keystone's users and catalogue"
import json, os, sys, urllib.request
ks = sys.argv[1]
def call(method, path, body=None, token=None, want=(200, 201, 204)):
    req = urllib.request.Request(ks + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    with urllib.request.urlopen(req) as r:
        assert r.status in want, (method, path, r.status)
        return r.headers.get("X-Subject-Token"), json.loads(r.read() or b"{}")
def login(user, pw, project, domain="Default"):
    tok, doc = call("POST", "/auth/tokens", {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": pw, "domain": {"name": domain}}}},
        "scope": {"project": {"name": project, "domain": {"name": domain}}}}})
    return tok, doc["token"]
tok, t = login("admin", os.environ["ADMIN_PW"], "admin")
one = os.environ["NEUTRON_URL_ONE"]
def make(coll, key, body):
    return call("POST", "/" + coll, {key: body}, tok)[1][key]
svc = make("services", "service", {"type": "network", "name": "neutron"})
make("regions", "region", {"id": "RegionTwo"})
for region, iface, url in (("RegionTwo", "public", "http://127.0.0.1:19695"),
                           ("RegionOne", "public", one), ("RegionOne", "internal", one + "/")):
    make("endpoints", "endpoint", {"service_id": svc["id"], "interface": iface,
                                   "region_id": region, "url": url})
roles = {r["name"]: r["id"] for r in call("GET", "/roles", token=tok)[1]["roles"]}
service = make("projects", "project", {"name": "service", "domain_id": "default"})
neutron = make("users", "user", {"name": "neutron", "domain_id": "default",
                                 "password": os.environ["NEUTRON_PW"]})
call("PUT", "/projects/%s/users/%s/roles/%s" % (service["id"], neutron["id"], roles["admin"]),
     token=tok)
ops = make("domains", "domain", {"name": "ops"})
opsp = make("projects", "project", {"name": "migration", "domain_id": ops["id"]})
opsu = make("users", "user", {"name": "night", "domain_id": ops["id"],
                              "password": os.environ["OPS_PW"]})
call("PUT", "/projects/%s/users/%s/roles/%s" % (opsp["id"], opsu["id"], roles["member"]),
     token=tok)
# admin is admin in "migration" too: its token there lists every project's
# objects (Neutron's admin), the case step 7b checks
call("PUT", "/projects/%s/users/%s/roles/%s" % (opsp["id"], t["user"]["id"], roles["admin"]),
     token=tok)
ac = make("users/%s/application_credentials" % t["user"]["id"], "application_credential",
          {"name": "cutover-test", "secret": os.environ["AC_SECRET"]})
fd = os.open(os.environ["CURL_HOME_FILE"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
os.write(fd, ('header = "X-Auth-Token: %s"\n' % tok).encode())
os.close(fd)
print("AC_ID=%s OPS_DOMAIN_ID=%s OPS_PROJECT_ID=%s" % (ac["id"], ops["id"], opsp["id"]))
EOF
. "$work/ids"
export CURL_HOME=$work/curl # every curl below (and neutron.sh's probe) sends admin's token
ok "Keystone: network service in 2 regions, service user, domain 'ops', application credential"

# 3. Neutron with auth_strategy = keystone: neutron.sh's config, then the
# authtoken middleware pointed at this Keystone (0600: it holds a password)
eval "$(declare -f neutron_conf | sed '1s/^neutron_conf /neutron_conf_noauth /')"
neutron_conf() {
	neutron_conf_noauth "$@"
	sed -i 's/^auth_strategy = noauth$/auth_strategy = keystone/' "$1/neutron.conf"
	cat >>"$1/neutron.conf" <<CONF
[keystone_authtoken]
www_authenticate_uri = $KS/v3
auth_url = $KS/v3
auth_type = password
interface = public
region_name = RegionOne
username = neutron
password = $NEUTRON_PW
project_name = service
user_domain_name = Default
project_domain_name = Default
CONF
	chmod 600 "$1/neutron.conf"
}
neutron_start "$work/n" $N_PORT sqlite || fail "Neutron (keystone auth) did not start"
grep -q '^auth_strategy = keystone$' "$work/n/neutron.conf" || fail "Neutron is not in keystone mode"
U=$NEUTRON_URL/v2.0
code=$(curl -q -s -o /dev/null -w '%{http_code}' "$U/networks")
[ "$code" = 401 ] || fail "Neutron answered $code to a request without a token, want 401"
code=$(curl -q -s -o /dev/null -w '%{http_code}' -H 'X-Auth-Token: gAAAAAnot-a-token' "$U/networks")
[ "$code" = 401 ] || fail "Neutron answered $code to a forged token, want 401"
ok "Neutron on $NEUTRON_URL validates tokens with Keystone: none or forged -> 401, admin's -> 200"
# the template's external network (as admin, through the token check)
ext=$(curl -fs -XPOST "$U/networks" -d '{"network":{"name":"public","router:external":true,
	"provider:network_type":"flat","provider:physical_network":"public"}}' | jq_ 'd["network"]["id"]')
curl -fs -XPOST "$U/subnets" -d "{\"subnet\":{\"network_id\":\"$ext\",\"cidr\":\"198.18.0.0/24\",
	\"ip_version\":4}}" >/dev/null || fail "external subnet"

cp "$ROOT"/templates/two-tier.json "$work/"
cd "$work"
unset OS_ENDPOINT OS_AUTH_TYPE OS_TOKEN OS_CLOUD OS_AUTH_URL OS_USERNAME OS_PASSWORD OS_PROJECT_NAME \
	OS_PROJECT_ID OS_USER_DOMAIN_NAME OS_PROJECT_DOMAIN_NAME OS_USER_DOMAIN_ID \
	OS_PROJECT_DOMAIN_ID OS_APPLICATION_CREDENTIAL_ID OS_APPLICATION_CREDENTIAL_SECRET \
	OS_REGION_NAME OS_INTERFACE || true
logins() { grep -c '"POST /v3/auth/tokens HTTP/1.[01]" 201' "$ks/access.log" || true; }
nreq() { grep -c '"[A-Z]* /v2.0' n/neutron-server.log || true; }
outs=()
run() { # name, args…: runs cutover with stdout/stderr kept for the leak check
	local name=$1
	shift
	set +e
	"$CUTOVER" "$@" >"$name.out" 2>"$name.err"
	rc=$?
	set -e
	outs+=("$name.out" "$name.err")
}
expect_ok() { # name, args…
	local name=$1
	run "$@"
	[ $rc -eq 0 ] || fail "$name: exit $rc: $(cat "$name.err")"
}

# 4. password from a 0600 credentials file (export, quotes, a comment):
# plan, apply, a plan with nothing to change, destroy — through the catalogue
cat >creds.env <<EOF
# cutover test cloud
export OS_AUTH_URL=$KS/v3
OS_USERNAME=admin
OS_PASSWORD="$ADMIN_PW"
OS_PROJECT_NAME='admin'
OS_USER_DOMAIN_NAME=Default
OS_PROJECT_DOMAIN_NAME=Default
OS_REGION_NAME=RegionOne
EOF
chmod 600 creds.env
l0=$(logins) n0=$(nreq)
expect_ok file-plan landing plan --credentials creds.env --json two-tier.json
[ "$(summary <file-plan.out)" != 0/0/0 ] || fail "file: the plan has nothing to create"
expect_ok file-apply landing apply --credentials creds.env two-tier.json
expect_ok file-plan2 landing plan --credentials creds.env --json two-tier.json
[ "$(summary <file-plan2.out)" = 0/0/0 ] || fail "file: plan after apply is $(summary <file-plan2.out)"
[ "$(curl -fs "$U/networks?description=cutover%3Aweb-dev" | jq_ 'len(d["networks"])')" = 1 ] ||
	fail "file: the zone's network is not in Neutron"
expect_ok file-destroy landing destroy --credentials creds.env --json two-tier.json
[ "$(curl -fs "$U/networks?description=cutover%3Aweb-dev" | jq_ 'len(d["networks"])')" = 0 ] ||
	fail "file: destroy left the zone's network"
[ $(($(logins) - l0)) -ge 4 ] || fail "file: $(($(logins) - l0)) logins in Keystone's log, want 4"
[ $(($(nreq) - n0)) -gt 20 ] || fail "file: Neutron saw only $(($(nreq) - n0)) requests"
ok "password from a 0600 file: plan, apply, no-op plan, destroy through the catalogue's endpoint"

# 5. the same from the OS_* environment (no OS_ENDPOINT, no --endpoint);
# OS_AUTH_URL without /v3 and with a trailing slash after it
export OS_AUTH_URL=$KS OS_USERNAME=admin OS_PASSWORD=$ADMIN_PW OS_PROJECT_NAME=admin \
	OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne
expect_ok env-apply landing apply --json two-tier.json
[ "$(summary <env-apply.out)" != 0/0/0 ] || fail "env: apply created nothing"
expect_ok env-plan landing plan --json two-tier.json
[ "$(summary <env-plan.out)" = 0/0/0 ] || fail "env: plan after apply is $(summary <env-plan.out)"
OS_AUTH_URL=$KS/v3/ expect_ok env-slash landing plan two-tier.json
OS_AUTH_URL=$KS/ expect_ok env-slash2 landing plan two-tier.json
ok "password from OS_* variables: apply, no-op plan; OS_AUTH_URL as host, host/, host/v3/"

# 6. the catalogue: interface and region
OS_INTERFACE=internal expect_ok env-internal landing plan --json two-tier.json
[ "$(summary <env-internal.out)" = 0/0/0 ] || fail "internal endpoint: $(summary <env-internal.out)"
# nothing listens there: the default retries give up after a few attempts
# (a dozen list calls retrying 8 times each once took ~3 minutes)
OS_REGION_NAME=RegionTwo run region-two landing plan two-tier.json
[ $rc -eq 1 ] || fail "RegionTwo (nothing listens): exit $rc, want 1"
grep -q "127.0.0.1:19695" region-two.err || fail "RegionTwo: the error names no endpoint: $(cat region-two.err)"
OS_REGION_NAME=RegionThree run region-none landing plan two-tier.json
[ $rc -eq 1 ] &&
	grep -q "catalogue has no network endpoint for interface public in region RegionThree" \
		region-none.err && grep -q "what to do: check OS_REGION_NAME" region-none.err ||
	fail "unknown region: exit $rc: $(cat region-none.err)"
ok "catalogue: OS_INTERFACE=internal and OS_REGION_NAME pick their endpoint; an unknown region is named"

# 7. a user and project of another domain, by domain name and by domain id
export OS_USERNAME=night OS_PASSWORD=$OPS_PW OS_PROJECT_NAME=migration
OS_USER_DOMAIN_NAME=ops OS_PROJECT_DOMAIN_NAME=ops expect_ok ops-names landing plan --json two-tier.json
unset OS_USER_DOMAIN_NAME OS_PROJECT_DOMAIN_NAME
OS_USER_DOMAIN_ID=$OPS_DOMAIN_ID OS_PROJECT_DOMAIN_ID=$OPS_DOMAIN_ID \
	expect_ok ops-ids landing plan --json two-tier.json
OS_USER_DOMAIN_NAME=ops OS_PROJECT_ID=$OPS_PROJECT_ID expect_ok ops-pid landing plan two-tier.json
[ "$(summary <ops-ids.out)" != 0/0/0 ] || fail "ops: the member of another project sees admin's zone"
ok "a user of domain 'ops' (by domain name, by domain id, by project id) logs in; sees its own project"

# 7b. an admin's token lists every project's objects: a zone of the same name
# in another project is not this project's zone — not adopted, not deleted
export OS_USERNAME=admin OS_PASSWORD=$ADMIN_PW OS_PROJECT_NAME=migration
export OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=ops
expect_ok admin-other-plan landing plan --json two-tier.json
[ "$(summary <admin-other-plan.out)" != 0/0/0 ] ||
	fail "admin in another project takes project admin's zone web-dev for its own"
expect_ok admin-other-apply landing apply --json two-tier.json
[ "$(curl -fs "$U/networks?description=cutover%3Aweb-dev" | jq_ 'len(d["networks"])')" = 2 ] ||
	fail "admin in another project: not one web-dev network per project"
expect_ok admin-other-destroy landing destroy --json two-tier.json
[ "$(curl -fs "$U/networks?description=cutover%3Aweb-dev" | jq_ '" ".join(n["project_id"] for n in d["networks"])')" != "$OPS_PROJECT_ID" ] ||
	fail "destroy in project migration deleted project admin's zone"
[ "$(curl -fs "$U/networks?description=cutover%3Aweb-dev" | jq_ 'len(d["networks"])')" = 1 ] ||
	fail "destroy in project migration left its zone or took admin's"
unset OS_USER_DOMAIN_NAME OS_PROJECT_DOMAIN_NAME
ok "an admin's zone is looked for in its token's project only: same zone name in two projects"

# 8. application credential (environment, then file), apply and destroy
unset OS_USERNAME OS_PASSWORD OS_PROJECT_NAME OS_USER_DOMAIN_NAME OS_PROJECT_DOMAIN_NAME OS_AUTH_URL
export OS_AUTH_TYPE=v3applicationcredential OS_AUTH_URL=$KS/v3 \
	OS_APPLICATION_CREDENTIAL_ID=$AC_ID OS_APPLICATION_CREDENTIAL_SECRET=$AC_SECRET
expect_ok ac-plan landing plan --json two-tier.json
[ "$(summary <ac-plan.out)" = 0/0/0 ] || fail "application credential: not admin's project: $(summary <ac-plan.out)"
unset OS_AUTH_TYPE OS_AUTH_URL OS_APPLICATION_CREDENTIAL_ID OS_APPLICATION_CREDENTIAL_SECRET OS_REGION_NAME
cat >ac.env <<EOF
OS_AUTH_TYPE=v3applicationcredential
OS_AUTH_URL=$KS/v3
OS_APPLICATION_CREDENTIAL_ID=$AC_ID
OS_APPLICATION_CREDENTIAL_SECRET=$AC_SECRET
OS_REGION_NAME=RegionOne
EOF
chmod 600 ac.env
expect_ok ac-destroy landing destroy --credentials ac.env two-tier.json
expect_ok ac-apply landing apply --credentials ac.env --journal rb.journal --json two-tier.json
[ "$(summary <ac-apply.out)" != 0/0/0 ] || fail "application credential: apply created nothing"
ok "application credential (OS_* and 0600 file): plan, destroy, apply"

# 9. rollback logs in again from the credentials file the journal names
expect_ok ac-rollback rollback --journal rb.journal
[ "$(curl -fs "$U/networks?description=cutover%3Aweb-dev" | jq_ 'len(d["networks"])')" = 0 ] ||
	fail "rollback left the zone's network"
ok "cutover rollback --journal logs in with the journaled credentials file and undoes the apply"

# 10. refusals: a wrong password, a wrong secret, a readable file, a bad token
sed "s/^OS_PASSWORD=.*/OS_PASSWORD=wrong-$(secret)/" creds.env >bad.env
chmod 600 bad.env
run bad-pw landing plan --credentials bad.env two-tier.json
[ $rc -eq 1 ] || fail "wrong password: exit $rc, want 1"
grep -q "error: Keystone $KS/v3 refused the login: HTTP 401" bad-pw.err &&
	grep -q "what to do: check the user, project and password" bad-pw.err ||
	fail "wrong password: $(cat bad-pw.err)"
sed "s/^OS_APPLICATION_CREDENTIAL_SECRET=.*/OS_APPLICATION_CREDENTIAL_SECRET=wrong/" ac.env >bad-ac.env
chmod 600 bad-ac.env
run bad-ac landing plan --credentials bad-ac.env --json two-tier.json
[ $rc -eq 1 ] && grep -q "refused the login: HTTP 401" bad-ac.err &&
	grep -q "application credential" bad-ac.err || fail "wrong secret: exit $rc: $(cat bad-ac.err)"
chmod 644 creds.env
l0=$(logins)
run readable landing plan --credentials creds.env two-tier.json
chmod 600 creds.env
[ $rc -eq 3 ] || fail "a credentials file readable by others: exit $rc, want 3"
grep -q "creds.env: secret file is accessible by group or others (mode 0644): refused" readable.err &&
	grep -q "chmod 600" readable.err || fail "readable file: $(cat readable.err)"
[ "$(logins)" = "$l0" ] || fail "a readable credentials file still reached Keystone"
OS_AUTH_TYPE=none OS_ENDPOINT=$NEUTRON_URL OS_TOKEN=gAAAAAforged-$(secret) \
	run bad-token landing plan two-tier.json
[ $rc -eq 1 ] && grep -q "HTTP 401" bad-token.err && grep -q "check the endpoint and the credentials" \
	bad-token.err || fail "a forged token: exit $rc: $(cat bad-token.err)"
ok "wrong password or secret: exit 1 naming Keystone and what to check"
ok "0644 credentials file: exit 3 before any login; forged token: exit 1 with Neutron's 401"

# 11. no secret and no token anywhere cutover wrote
"$CUTOVER" journal show --json --journal two-tier.json.web-dev.journal >journal-show.json 2>&1 || true
"$CUTOVER" journal show --json --journal rb.journal >rb-show.json 2>&1 || true
files=("${outs[@]}" two-tier.json.web-dev.journal journal-show.json rb.journal rb-show.json)
for f in "${files[@]}"; do
	for s in "$ADMIN_PW" "$OPS_PW" "$AC_SECRET" "$NEUTRON_PW"; do
		! grep -qF -- "$s" "$f" || fail "a secret appears in $f"
	done
	! grep -qE 'gAAAAA[A-Za-z0-9_-]{60,}' "$f" || fail "a Keystone token appears in $f"
done
grep -q '"credentials_file"' rb.journal || fail "the journal does not name the credentials file"
ok "no password, secret or token in ${#files[@]} outputs, --json documents and the journal"
echo "all Keystone checks passed in $(($(date +%s) - t0)) s"
