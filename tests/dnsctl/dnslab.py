"""Real authoritative DNS servers on loopback for the dnsctl integration tests.

Each test starts its own BIND (named), Knot (knotd) and PowerDNS
(pdns_server) instances on 127.0.0.1 with ports from the range it is given
(15300-15399), in its own temp dir, and stops them at the end. Nothing is
sent anywhere but 127.0.0.1.
"""
import base64
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

CUTOVER = os.environ.get("CUTOVER", "cutover")
KEY_NAME = "cutover-key"


def _unwind_on_sigterm(signum, frame):
    """meson's timeout sends SIGTERM: unwind (SystemExit) so that every Lab
    stops its servers, rather than die and leave them on their ports for the
    next test (seen when a CI run was stopped half-way)."""
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _unwind_on_sigterm)


class Fail(Exception):
    pass


def wait_port(port, proc, what, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise Fail(f"{what} exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise Fail(f"{what} does not listen on 127.0.0.1#{port}")


def make_secret(nbytes=32):
    return base64.b64encode(os.urandom(nbytes)).decode()


class Lab:
    """Temp dir, processes, key; use as a context manager."""

    def __init__(self, name):
        self.dir = tempfile.mkdtemp(prefix=f"cutover-{name}-")
        self.procs = []
        self.secret = make_secret()
        self.algorithm = "hmac-sha256"
        self.keyfile = os.path.join(self.dir, "cutover.key")
        self.write_key(self.keyfile, self.secret, self.algorithm)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        if exc[0] is None:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print(f"lab kept in {self.dir}", file=sys.stderr)
        return False

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in reversed(self.procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write_key(self, path, secret, algorithm, name=KEY_NAME):
        with open(path, "w") as f:
            f.write(f'key "{name}" {{\n\talgorithm {algorithm};\n\tsecret "{secret}";\n}};\n')
        os.chmod(path, 0o600)

    def spawn(self, argv, logname, env=None):
        log = open(self.path(logname), "w")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
        self.procs.append(p)
        return p

    # ---- zones ----
    @staticmethod
    def zone_text(zone, records, serial=1, ttl=3600, minimum=300):
        lines = [f"$ORIGIN {zone}.", f"$TTL {ttl}",
                 f"@ IN SOA ns1.{zone}. hostmaster.{zone}. {serial} 3600 600 86400 {minimum}",
                 f"@ IN NS ns1.{zone}.", "ns1 IN A 127.0.0.1"]
        lines += records
        return "\n".join(lines) + "\n"

    # ---- BIND ----
    def bind(self, port, zones, notify=(), name="bind", unsigned=()):
        """zones: {zone: [zone file lines]}; notify: ports of secondaries;
        unsigned: zones that take unsigned updates from 127.0.0.1."""
        d = self.path(name)
        os.makedirs(d)
        also = "".join(f"127.0.0.1 port {p}; " for p in notify)
        conf = [
            "options {",
            f'  directory "{d}";', f'  pid-file "{d}/named.pid";',
            f'  session-keyfile "{d}/session.key";', f'  managed-keys-directory "{d}";',
            f"  listen-on port {port} {{ 127.0.0.1; }};", "  listen-on-v6 { none; };",
            "  recursion no;", "  dnssec-validation no;", "  notify-delay 0;",
            "  allow-transfer { 127.0.0.1; };",
            f"  notify explicit; also-notify {{ {also} }};" if notify else "  notify no;",
            "};", "controls { };", f'include "{self.keyfile}";',
        ]
        for zone, recs in zones.items():
            with open(os.path.join(d, f"{zone}.db"), "w") as f:
                f.write(self.zone_text(zone, recs))
            who = "127.0.0.1;" if zone in unsigned else f"key {KEY_NAME};"
            conf.append(f'zone "{zone}" {{ type primary; file "{d}/{zone}.db"; '
                        f"allow-update {{ {who} }}; }};")
        with open(os.path.join(d, "named.conf"), "w") as f:
            f.write("\n".join(conf) + "\n")
        p = self.spawn(["named", "-g", "-n", "2", "-c", os.path.join(d, "named.conf")],
                       f"{name}.log")
        wait_port(port, p, "named")
        self.wait_zones(port, zones)
        return p

    def wait_zones(self, port, zones):
        """A server listens before its zones are loaded (SERVFAIL until then)."""
        for zone in zones:
            wait_for(lambda: dig(port, zone, "SOA") != [], f"{zone} loaded on {port}", 20)

    # ---- Knot ----
    def knot(self, port, zones, primary_port=None, name="knot"):
        """A secondary of primary_port, or (primary_port None) a primary taking
        updates signed with the lab key."""
        d = self.path(name)
        os.makedirs(os.path.join(d, "db"))
        conf = ["server:", f"    listen: 127.0.0.1@{port}", f"    rundir: {d}",
                "log:", "  - target: stderr", "    any: info",
                "database:", f"    storage: {d}/db"]
        if primary_port:
            conf += ["remote:", "  - id: primary", f"    address: 127.0.0.1@{primary_port}",
                     "acl:", "  - id: notify", "    address: 127.0.0.1", "    action: notify"]
        else:
            conf += ["key:", f"  - id: {KEY_NAME}", f"    algorithm: {self.algorithm}",
                     f"    secret: {self.secret}",
                     "acl:", "  - id: update", f"    key: {KEY_NAME}", "    action: update"]
        conf += ["zone:"]
        for zone, recs in zones.items():
            conf += [f"  - domain: {zone}"]
            if primary_port:
                conf += ["    master: primary", "    acl: notify", "    zonefile-load: none",
                         "    journal-content: all", f"    file: {d}/{zone}.zone"]
            else:
                with open(os.path.join(d, f"{zone}.zone"), "w") as f:
                    f.write(self.zone_text(zone, recs))
                conf += [f"    file: {d}/{zone}.zone", "    acl: update",
                         "    zonefile-sync: -1", "    journal-content: changes"]
        with open(os.path.join(d, "knot.conf"), "w") as f:
            f.write("\n".join(conf) + "\n")
        p = self.spawn(["knotd", "-c", os.path.join(d, "knot.conf")], f"{name}.log")
        wait_port(port, p, "knotd")
        if not primary_port:
            self.wait_zones(port, zones)
        return p

    # ---- PowerDNS ----
    def pdns(self, port, zones, primary_port=None, name="pdns"):
        d = self.path(name)
        os.makedirs(d)
        db = os.path.join(d, "pdns.sqlite3")
        with open("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql") as f:
            con = sqlite3.connect(db)
            con.executescript(f.read())
            con.close()
        conf = ["launch=gsqlite3", f"gsqlite3-database={db}", "local-address=127.0.0.1",
                f"local-port={port}", f"socket-dir={d}", "daemon=no", "guardian=no",
                "security-poll-suffix=", "loglevel=4"]
        if primary_port:
            conf += ["secondary=yes", "xfr-cycle-interval=1", "allow-notify-from=127.0.0.0/8"]
        else:
            conf += ["dnsupdate=yes", "allow-dnsupdate-from=127.0.0.0/8", "primary=yes"]
        with open(os.path.join(d, "pdns.conf"), "w") as f:
            f.write("\n".join(conf) + "\n")
        util = ["pdnsutil", f"--config-dir={d}"]
        for zone, recs in zones.items():
            if primary_port:
                run(util + ["create-secondary-zone", zone, f"127.0.0.1:{primary_port}"])
            else:
                zf = os.path.join(d, f"{zone}.zone")
                with open(zf, "w") as f:
                    f.write(self.zone_text(zone, recs))
                run(util + ["load-zone", zone, zf])
                run(util + ["set-meta", zone, "TSIG-ALLOW-DNSUPDATE", KEY_NAME])
                run(util + ["set-meta", zone, "SOA-EDIT-DNSUPDATE", "INCREASE"])
        if not primary_port:
            run(util + ["import-tsig-key", KEY_NAME, self.algorithm, self.secret])
        p = self.spawn(["pdns_server", f"--config-dir={d}"], f"{name}.log")
        wait_port(port, p, "pdns_server")
        if not primary_port:
            self.wait_zones(port, zones)
        return p

    # ---- plans ----
    def plan(self, dns, name="plan.json", change="CHG-TEST-1"):
        path = self.path(name)
        with open(path, "w") as f:
            json.dump({"change": change, "journal": "cutover.journal", "dns": dns}, f, indent=1)
        return path

    @property
    def journal(self):
        return self.path("cutover.journal")


def run(argv, check=True, env=None, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, env=env, **kw)
    if check and r.returncode != 0:
        raise Fail(f"{' '.join(argv)}: exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def cutover(*args, expect=0, env=None):
    """Runs the binary; checks the exit status; returns the CompletedProcess."""
    r = run([CUTOVER, *args], check=False, env=env)
    if expect is not None and r.returncode != expect:
        raise Fail(f"cutover {' '.join(args)}: exit {r.returncode}, expected {expect}\n"
                   f"stdout: {r.stdout}\nstderr: {r.stderr}")
    return r


def dig(port, name, rtype="A"):
    """The RRset (name, rtype) as a sorted list of rdata strings, asked over TCP
    (a CNAME met on the way is not part of an A RRset)."""
    r = run(["dig", "+tcp", "+noall", "+answer", "+norecurse", "-p", str(port), "@127.0.0.1",
             name, rtype])
    owner = name.rstrip(".").lower() + "."
    out = []
    for line in r.stdout.splitlines():
        f = line.split(None, 4)
        if len(f) == 5 and f[0].lower() == owner and f[3] == rtype:
            out.append(f[4].strip())
    return sorted(out)


def dig_ttl(port, name, rtype="A"):
    r = run(["dig", "+tcp", "+noall", "+answer", "+norecurse", "-p", str(port), "@127.0.0.1",
             name, rtype])
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) >= 5 and f[3] == rtype:
            return int(f[1])
    return None


def nsupdate(port, lines, keyfile):
    """Changes a record out of band, as someone else would."""
    script = f"server 127.0.0.1 {port}\n" + "\n".join(lines) + "\nsend\n"
    run(["nsupdate", "-v", "-k", keyfile], input=script)


def wait_for(pred, what, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    raise Fail(f"timed out waiting for {what}")


def journal_phases(journal):
    r = cutover("journal", "show", "--json", journal, expect=None)
    return r


class Cases:
    """A tiny runner: named cases, each reported; the closing line counts them."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, name, fn):
        t0 = time.monotonic()
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - report every failure
            self.failed += 1
            print(f"not ok - {name}: {e}", flush=True)
            return
        self.passed += 1
        print(f"ok - {name} ({time.monotonic() - t0:.1f} s)", flush=True)

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed else 0)


def check(cond, msg):
    if not cond:
        raise Fail(msg)
