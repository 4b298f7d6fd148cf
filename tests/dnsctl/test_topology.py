#!/usr/bin/env python3
"""BIND 9 primary with Knot and PowerDNS secondaries (NOTIFY + IXFR/AXFR):
prelower, the TTL guard, a switch of A, A->CNAME, CNAME->A and AAAA records in
two zones, verify on all three servers, compare-and-swap before the switch
and before the rollback, the rollback through the binary, and no secret in
the journal, stdout, stderr or --json. Ports 15310-15319."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnslab import Cases, Lab, check, cutover, dig, dig_ttl, nsupdate, wait_for  # noqa: E402

BIND, KNOT, PDNS = 15310, 15311, 15312

ZONES = {
    "example.com": ["www IN A 192.0.2.10", "www IN A 192.0.2.11", "api IN A 192.0.2.20",
                    "cdn IN CNAME old-cdn.example.net.", "v6 IN AAAA 2001:db8::10",
                    "mail IN A 192.0.2.30"],
    "example.org": ["www IN A 192.0.2.40"],
}

RECORDS = [
    {"name": "www.example.com", "type": "A", "from": ["192.0.2.10", "192.0.2.11"],
     "to": ["198.51.100.10", "198.51.100.11"]},
    {"name": "api.example.com", "type": "A", "to_type": "CNAME", "from": ["192.0.2.20"],
     "to": ["lb-123.cloud.example.net."]},
    {"name": "cdn.example.com", "type": "CNAME", "to_type": "A",
     "from": ["old-cdn.example.net."], "to": ["198.51.100.50"]},
    {"name": "v6.example.com", "type": "AAAA", "from": ["2001:db8::10"],
     "to": ["2001:db8:1::10"]},
    {"name": "www.example.org", "type": "A", "from": ["192.0.2.40"], "to": ["198.51.100.40"],
     "restore_ttl": "2h"},
]

SERVERS = [BIND, KNOT, PDNS]


def plan_for(lab, records=RECORDS, name="plan.json"):
    return lab.plan({
        "primaries": [{"name": "bind", "address": "127.0.0.1", "port": BIND,
                       "key_file": lab.keyfile, "key_name": "cutover-key"}],
        "servers": [{"name": "knot", "address": "127.0.0.1", "port": KNOT},
                    {"name": "pdns", "address": "127.0.0.1", "port": PDNS}],
        "zones": [{"name": z, "primary": "bind", "verify": ["knot", "pdns"], "verify_ns": False}
                  for z in ZONES],
        "lowered_ttl": "60s",
        "records": records,
    }, name=name)


def serial(port, zone):
    out = dig(port, zone, "SOA")
    return int(out[0].split()[2]) if out else -1


def state(port):
    return (dig(port, "www.example.com"), dig(port, "api.example.com", "A"),
            dig(port, "api.example.com", "CNAME"), dig(port, "cdn.example.com", "CNAME"),
            dig(port, "cdn.example.com", "A"), dig(port, "v6.example.com", "AAAA"),
            dig(port, "www.example.org"))


SOURCE = (["192.0.2.10", "192.0.2.11"], ["192.0.2.20"], [], ["old-cdn.example.net."], [],
          ["2001:db8::10"], ["192.0.2.40"])
TARGET = (["198.51.100.10", "198.51.100.11"], [], ["lb-123.cloud.example.net."], [],
          ["198.51.100.50"], ["2001:db8:1::10"], ["198.51.100.40"])


def all_servers_at(lab, want):
    def ok():
        return all(state(p) == want for p in SERVERS)
    wait_for(ok, f"all servers to hold {want}")


def no_secret(lab, *outputs):
    with open(lab.journal, "rb") as f:
        blob = f.read()
    for s in [lab.secret]:
        check(s.encode() not in blob, "the key's secret is in the journal")
        for o in outputs:
            check(s not in o, "the key's secret is in the output")


def main():
    cases = Cases()
    with Lab("topology") as lab:
        lab.bind(BIND, ZONES, notify=[KNOT, PDNS])
        lab.knot(KNOT, ZONES, primary_port=BIND)
        lab.pdns(PDNS, ZONES, primary_port=BIND)
        for z in ZONES:
            wait_for(lambda: serial(KNOT, z) == serial(BIND, z) and
                     serial(PDNS, z) == serial(BIND, z), f"secondaries to load {z}", 30)
        plan = plan_for(lab)
        outputs = []

        def switch_refused_before_prelower():
            r = cutover("dns", "switch", plan, expect=3)
            check("no prelower" in r.stderr, r.stderr)
            check(state(BIND) == SOURCE, "records changed")

        def prelower():
            r = cutover("dns", "prelower", "--dry-run", plan)
            check("update add www.example.com. 60 A 192.0.2.10" in r.stdout, r.stdout)
            check(not os.path.exists(lab.journal), "dry run wrote a journal")
            r = cutover("dns", "prelower", plan)
            outputs.extend([r.stdout, r.stderr])
            check("earliest safe switch" in r.stdout, r.stdout)
            check(dig_ttl(BIND, "www.example.com") == 60, "TTL not lowered")
            check(dig_ttl(BIND, "www.example.org") == 60, "TTL not lowered in example.org")
            check(state(BIND) == SOURCE, "prelower changed data")

        def switch_refused_too_early():
            r = cutover("dns", "switch", "--json", plan, expect=3)
            doc = json.loads(r.stdout)
            outputs.extend([r.stdout, r.stderr])
            check(doc["error"]["exit"] == 3 and "too early" in doc["error"]["message"], r.stdout)
            check(state(BIND) == SOURCE, "records changed")

        def cas_refuses_switch():
            nsupdate(BIND, ["update delete v6.example.com. AAAA",
                            "update add v6.example.com. 60 AAAA 2001:db8::99"], lab.keyfile)
            before = os.path.getsize(lab.journal)
            r = cutover("dns", "switch", "--ignore-ttl", plan, expect=3)
            check("v6.example.com. AAAA: expected 2001:db8::10, 127.0.0.1#15310 has "
                  "2001:db8::99" in r.stderr, r.stderr)
            want = list(SOURCE)
            want[5] = ["2001:db8::99"]
            check(state(BIND) == tuple(want), f"a refused switch changed records: {state(BIND)}")
            check(os.path.getsize(lab.journal) > before, "the refusal is not journaled")
            nsupdate(BIND, ["update delete v6.example.com. AAAA",
                            "update add v6.example.com. 60 AAAA 2001:db8::10"], lab.keyfile)

        def switch_and_verify_everywhere():
            r = cutover("dns", "switch", "--ignore-ttl", "--wait", "20s", "--json", plan)
            outputs.extend([r.stdout, r.stderr])
            doc = json.loads(r.stdout)
            check(doc["ok"] and doc["summary"]["applied"] == len(RECORDS), r.stdout)
            check(doc["verify"]["servers"] == 3 and not doc["verify"]["lagging"], r.stdout)
            all_servers_at(lab, TARGET)

        def verify_command():
            r = cutover("dns", "verify", "--json", plan)
            outputs.extend([r.stdout, r.stderr])
            doc = json.loads(r.stdout)
            check(doc["verify"]["servers"] == 3 and doc["ok"], r.stdout)

        def rerun_is_idempotent():
            r = cutover("dns", "switch", "--ignore-ttl", "--json", plan)
            doc = json.loads(r.stdout)
            check(doc["summary"]["applied"] == len(RECORDS), r.stdout)
            check(all(s.get("message") == "already in effect" for s in doc["steps"]), r.stdout)
            check(state(BIND) == TARGET, "re-run changed records")

        def verify_names_lagging_server():
            # a record nobody switched: verify must say who differs, and exit 1
            p2 = plan_for(lab, [{"name": "mail.example.com", "type": "A", "from": ["192.0.2.30"],
                                 "to": ["198.51.100.30"]}], name="plan2.json")
            r = cutover("dns", "verify", "--wait", "1s", p2, expect=1)
            check("mail.example.com. A: expected 198.51.100.30" in r.stderr + r.stdout, r.stderr)

        def rollback_leaves_changed_record():
            nsupdate(BIND, ["update delete www.example.org. A",
                            "update add www.example.org. 60 A 203.0.113.7"], lab.keyfile)
            r = cutover("rollback", "--journal", lab.journal, "--json", expect=3)
            outputs.extend([r.stdout, r.stderr])
            check("www.example.org. A: expected 198.51.100.40" in r.stdout + r.stderr,
                  r.stdout + r.stderr)
            doc = json.loads(r.stdout)  # one document: the report, with the error in it
            check(doc["left_alone"] >= 1 and doc["error"]["exit"] == 3, r.stdout)
            want = list(SOURCE)
            want[6] = ["203.0.113.7"]
            all_servers_at(lab, tuple(want))
            check(dig_ttl(BIND, "www.example.com") == 3600, "old TTL not restored")

        def rollback_force():
            r = cutover("rollback", "--journal", lab.journal, "--force", "--json")
            outputs.extend([r.stdout, r.stderr])
            all_servers_at(lab, SOURCE)
            check(dig_ttl(BIND, "www.example.org") == 3600, "example.org TTL not restored")
            r = cutover("rollback", "--journal", lab.journal)
            check(state(BIND) == SOURCE, "a second rollback changed something")

        def secrets_nowhere():
            no_secret(lab, *outputs)

        cases.run("switch refused before any prelower (exit 3)", switch_refused_before_prelower)
        cases.run("prelower lowers TTLs in both zones", prelower)
        cases.run("switch refused before the safe time (exit 3, --json)", switch_refused_too_early)
        cases.run("changed out of band: switch refuses, changes nothing", cas_refuses_switch)
        cases.run("switch A, A->CNAME, CNAME->A, AAAA, two zones; verify 3 servers",
                  switch_and_verify_everywhere)
        cases.run("dns verify reads BIND, Knot and PowerDNS", verify_command)
        cases.run("a re-run finds every record done", rerun_is_idempotent)
        cases.run("verify names the record and server that differ", verify_names_lagging_server)
        cases.run("rollback leaves a record changed since, says so, restores the rest",
                  rollback_leaves_changed_record)
        cases.run("rollback --force restores it; a second rollback is a no-op", rollback_force)
        cases.run("no secret in journal, stdout, stderr, --json", secrets_nowhere)
    cases.finish()


if __name__ == "__main__":
    main()
