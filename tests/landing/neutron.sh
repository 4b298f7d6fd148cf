# tests/landing/neutron.sh — a real Neutron (and PostgreSQL) on 127.0.0.1 for
# the landing tests; sourced by the test scripts. Each server gets its own
# config and temp dir; neutron_stop / pg_stop end exactly what was started.
#   neutron_start DIR PORT [sqlite|postgres PGPORT] [API_WORKERS]
#   pg_start DIR PGPORT
NEUTRON_PY=/usr/bin/python3

neutron_conf() { # dir port dbconn workers
	local dir=$1 port=$2 conn=$3 workers=$4
	cp /etc/neutron/api-paste.ini "$dir/api-paste.ini"
	mkdir -p "$dir/state/lock"
	cat >"$dir/neutron.conf" <<CONF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
auth_strategy = noauth
core_plugin = ml2
service_plugins = router,vpnaas
api_paste_config = $dir/api-paste.ini
transport_url = fake:/
api_workers = $workers
rpc_workers = 1
rpc_state_report_workers = 0
dhcp_agent_notification = false
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
state_path = $dir/state
log_file = $dir/neutron-server.log
[database]
connection = $conn
[oslo_concurrency]
lock_path = $dir/state/lock
[quotas]
quota_network = -1
quota_subnet = -1
quota_port = -1
quota_router = -1
quota_floatingip = -1
quota_security_group = -1
quota_security_group_rule = -1
[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
mechanism_drivers =
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
[ml2_type_vxlan]
vni_ranges = 1:10000
[securitygroup]
enable_security_group = true
[service_providers]
service_provider = VPN:strongswan:neutron_vpnaas.services.vpn.service_drivers.ipsec.IPsecVPNDriver:default
CONF
}

proc_alive() { # pid: /proc/PID/stat says R/S/D (kill -0 lies about zombies here)
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

pg_start() { # dir port
	local dir=$1 port=$2 bin
	bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
	mkdir -p "$dir/pg"
	chown postgres "$dir" "$dir/pg" 2>/dev/null || true
	runuser -u postgres -- "$bin/initdb" -D "$dir/pg" -A trust -U postgres >"$dir/initdb.log" 2>&1 || { echo "initdb failed" >>"$dir/initdb.log"; return 1; }
	runuser -u postgres -- "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -t 60 \
		-o "-h 127.0.0.1 -p $port -k $dir/pg -c jit=off -c fsync=off -c max_connections=200" start >/dev/null || return 1
	"$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc 'CREATE DATABASE neutron' || return 1
	PG_BIN=$bin
	PG_DIR=$dir/pg
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR" -m fast stop >/dev/null 2>&1
	PG_DIR=
}

neutron_start() { # dir port [sqlite|postgres pgport] [workers]
	local dir=$1 port=$2 db=${3:-sqlite} pgport=${4:-15432} workers=${5:-0} conn i
	mkdir -p "$dir"
	if [ "$db" = postgres ]; then
		conn="postgresql+psycopg2://postgres@127.0.0.1:$pgport/neutron"
	else
		conn="sqlite:///$dir/neutron.sqlite"
	fi
	neutron_conf "$dir" "$port" "$conn" "$workers"
	if [ "$db" = postgres ]; then
		neutron-db-manage --config-file "$dir/neutron.conf" upgrade heads >"$dir/db-manage.log" 2>&1 || return 1
		neutron-db-manage --config-file "$dir/neutron.conf" --subproject neutron-vpnaas upgrade head >>"$dir/db-manage.log" 2>&1 || return 1
	else
		"$NEUTRON_PY" "$(dirname "${BASH_SOURCE[0]}")/neutron-schema.py" "$dir/neutron.sqlite" || return 1
	fi
	setsid /usr/bin/neutron-server --config-file "$dir/neutron.conf" >"$dir/stdout.log" 2>&1 &
	NEUTRON_PID=$!
	NEUTRON_URL=http://127.0.0.1:$port
	for i in $(seq 1 120); do
		if curl -fs -o /dev/null "$NEUTRON_URL/v2.0/networks"; then
			return 0
		fi
		proc_alive "$NEUTRON_PID" || { tail -20 "$dir/neutron-server.log" >&2; return 1; }
		sleep 0.5
	done
	return 1
}

neutron_drain() { # port: wait (up to 30 s) until Neutron has finished the requests of
	# clients that died: the kernel closed their side, the server's side stays in
	# CLOSE-WAIT until the request it was serving is done (a create may still land)
	local i
	for i in $(seq 300); do
		[ -z "$(ss -Htn state close-wait "( sport = :$1 )" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	echo "neutron_drain: requests of dead clients still open after 30 s" >&2
}

# Stops the process group a server leads: TERM, up to 10 s, then KILL.
group_stop() { # pid
	local i
	kill -TERM -- "-$1" 2>/dev/null || kill -TERM "$1" 2>/dev/null
	for i in $(seq 1 40); do
		proc_alive "$1" || break
		sleep 0.25
	done
	if proc_alive "$1"; then kill -KILL -- "-$1" 2>/dev/null; fi
	return 0
}

neutron_stop() {
	[ -n "${NEUTRON_PID:-}" ] || return 0
	group_stop "$NEUTRON_PID"
	NEUTRON_PID=
}
