#!/usr/bin/env python3
"""Knot DNS and PowerDNS each as the primary (their own dynamic-update set-ups,
TSIG hmac-sha256 and hmac-sha384 — which ldns 1.8.3 cannot sign): prelower,
switch, verify, rollback through the binary; a switch to CNAME of a name that
holds other data refused (the ANY read, as each server answers it). Ports
15320-15329."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnslab import Cases, Lab, check, cutover, dig, dig_ttl  # noqa: E402

KNOT, PDNS = 15320, 15321
ZONE = {"example.net": ["www IN A 192.0.2.10", "app IN A 192.0.2.20",
                        "v6 IN AAAA 2001:db8::1",
                        "mix IN A 192.0.2.30", 'mix IN TXT "kept"']}
RECORDS = [
    {"name": "www.example.net", "type": "A", "from": ["192.0.2.10"], "to": ["198.51.100.10"]},
    {"name": "app.example.net", "type": "A", "to_type": "CNAME", "from": ["192.0.2.20"],
     "to": ["app.cloud.example."]},
    {"name": "v6.example.net", "type": "AAAA", "from": ["2001:db8::1"], "to": ["2001:db8::2"]},
    {"name": "new.example.net", "type": "A", "from": [], "to": ["198.51.100.99"]},
]


def state(port):
    return (dig(port, "www.example.net"), dig(port, "app.example.net", "A"),
            dig(port, "app.example.net", "CNAME"), dig(port, "v6.example.net", "AAAA"),
            dig(port, "new.example.net"))


SOURCE = (["192.0.2.10"], ["192.0.2.20"], [], ["2001:db8::1"], [])
TARGET = (["198.51.100.10"], [], ["app.cloud.example."], ["2001:db8::2"], ["198.51.100.99"])


def cycle(lab, port, name):
    plan = lab.plan({
        "primaries": [{"name": name, "address": "127.0.0.1", "port": port,
                       "key_file": lab.keyfile}],
        "zones": [{"name": "example.net", "primary": name, "verify_ns": False}],
        "lowered_ttl": "30s",
        "records": RECORDS,
    }, name=f"{name}.json", change=f"CHG-{name}")
    check(state(port) == SOURCE, f"{name} does not start from the source: {state(port)}")
    r = cutover("dns", "prelower", "--json", plan)
    doc = json.loads(r.stdout)
    check(doc["ok"] and "safe_at" in doc, r.stdout)
    check(dig_ttl(port, "www.example.net") == 30, "TTL not lowered")
    r = cutover("dns", "switch", "--ignore-ttl", "--json", plan)
    doc = json.loads(r.stdout)
    check(doc["summary"]["applied"] == len(RECORDS), r.stdout)
    check(state(port) == TARGET, f"{name} after switch: {state(port)}")
    cutover("dns", "verify", plan)
    cutover("rollback", "--journal", lab.journal)
    check(state(port) == SOURCE, f"{name} after rollback: {state(port)}")
    check(dig_ttl(port, "www.example.net") == 3600, "old TTL not restored")
    os.unlink(lab.journal)


def cname_beside_other_data(lab, port, name):
    plan = lab.plan({
        "primaries": [{"name": name, "address": "127.0.0.1", "port": port,
                       "key_file": lab.keyfile}],
        "zones": [{"name": "example.net", "primary": name, "verify_ns": False}],
        "records": [{"name": "mix.example.net", "type": "A", "to_type": "CNAME",
                     "from": ["192.0.2.30"], "to": ["mix.cloud.example."]}],
    }, name=f"{name}-mix.json", change=f"CHG-{name}-MIX")
    r = cutover("dns", "switch", "--ignore-ttl", plan, expect=3)
    for w in ("mix.example.net. A -> CNAME", f"127.0.0.1#{port}", "TXT", "nothing was changed"):
        check(w in r.stderr, f"{w!r} not in: {r.stderr}")
    check(dig(port, "mix.example.net") == ["192.0.2.30"], f"{name}: the A RRset changed")
    check(dig(port, "mix.example.net", "CNAME") == [], f"{name}: a CNAME was added")
    check(dig(port, "mix.example.net", "TXT") == ['"kept"'], f"{name}: the TXT changed")
    if os.path.exists(lab.journal):
        os.unlink(lab.journal)


def main():
    cases = Cases()
    with Lab("knot-primary") as lab:
        lab.knot(KNOT, ZONE)
        cases.run("Knot primary: prelower, switch, verify, rollback",
                  lambda: cycle(lab, KNOT, "knot"))
        cases.run("Knot primary: A -> CNAME beside TXT refused (exit 3)",
                  lambda: cname_beside_other_data(lab, KNOT, "knot"))
    with Lab("pdns-primary") as lab:
        lab.algorithm = "hmac-sha384"
        lab.write_key(lab.keyfile, lab.secret, lab.algorithm)
        lab.pdns(PDNS, ZONE)
        cases.run("PowerDNS primary (hmac-sha384): prelower, switch, verify, rollback",
                  lambda: cycle(lab, PDNS, "pdns"))
        cases.run("PowerDNS primary: A -> CNAME beside TXT refused (exit 3)",
                  lambda: cname_beside_other_data(lab, PDNS, "pdns"))
    cases.finish()


if __name__ == "__main__":
    main()
