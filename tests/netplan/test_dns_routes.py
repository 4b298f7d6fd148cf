#!/usr/bin/env python3
"""One change, one journal: a plan with a "dns" and a "routes" section,
switched by `cutover dns switch` then `cutover route switch`, and put back by
ONE `cutover rollback` — the routes first (the newest), then DNS — against a
real BIND primary (tests/dnsctl/dnslab.py, 127.0.0.1:15358) and a network
namespace this test creates (cut-rt-dr-PID).
"""
import json
import os
import subprocess
import sys

ROOT = os.environ.get("SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "dnsctl"))
from dnslab import Cases, Lab, check, cutover, dig, run  # noqa: E402

BIND = 15358
NS = f"cut-rt-dr-{os.getpid()}"
GATEWAY = os.path.join(ROOT, "tests", "netplan", "gateway.sh")


def route(dst):
    return run(["ip", "-n", NS, "route", "show", dst]).stdout.strip()


def write_plan(lab):
    plan = {
        "change": "CHG-DNS-ROUTES", "journal": "cutover.journal",
        "dns": {
            "primaries": [{"name": "bind", "address": "127.0.0.1", "port": BIND,
                           "key_file": lab.keyfile, "key_name": "cutover-key"}],
            "zones": [{"name": "example.com", "primary": "bind", "verify_ns": False}],
            "lowered_ttl": "60s",
            "records": [{"name": "www.example.com", "type": "A", "from": ["192.0.2.10"],
                         "to": ["198.51.100.10"]}],
        },
        "routes": {"hosts": [{"name": "gw", "netns": NS, "routes": [
            {"destination": "10.20.0.0/16", "from": {"via": "192.0.2.254", "dev": "v0a"},
             "to": {"via": "198.51.100.254", "dev": "v1a"}}]}]},
    }
    path = lab.path("plan.json")
    with open(path, "w") as f:
        json.dump(plan, f, indent=1)
    return path


def undo_order(journal):
    """The kinds of the undo-intent records, in journal order."""
    doc = json.loads(cutover("journal", "show", "--json", journal).stdout)
    return [r.get("kind") for r in doc["records"] if r.get("phase") == "undo-intent"]


def main():
    if os.geteuid() != 0:
        print("SKIP: network namespaces need root")
        sys.exit(77)
    cases = Cases()
    with Lab("dns-routes") as lab:
        try:
            run(["bash", "-c", f". {GATEWAY} && make_gateway {NS}"])
            run(["ip", "-n", NS, "route", "add", "10.20.0.0/16", "via", "192.0.2.254",
                 "dev", "v0a"])
            lab.bind(BIND, {"example.com": ["www IN A 192.0.2.10"]})
            plan = write_plan(lab)

            def both_switch():
                cutover("dns", "switch", "--ignore-ttl", "--no-verify", plan)
                cutover("route", "switch", plan)
                check(dig(BIND, "www.example.com") == ["198.51.100.10"], "DNS not switched")
                check("198.51.100.254" in route("10.20.0.0/16"), "route not switched")

            def one_rollback_restores_both():
                cutover("rollback", "--journal", lab.journal, "--reason", "test")
                check(dig(BIND, "www.example.com") == ["192.0.2.10"], "DNS not restored")
                check("192.0.2.254" in route("10.20.0.0/16"), "route not restored")

            def newest_first():
                kinds = undo_order(lab.journal)
                check(kinds and kinds[-1].startswith("dns"), f"DNS not undone last: {kinds}")
                check(kinds[0] == "routes", f"the route not undone first: {kinds}")

            cases.run("dns switch, then route switch, into one journal", both_switch)
            cases.run("one rollback puts DNS and the route back", one_rollback_restores_both)
            cases.run("the rollback undoes the newest first: routes, then DNS", newest_first)
        finally:
            subprocess.run(["ip", "netns", "del", NS], stderr=subprocess.DEVNULL)
    cases.finish()


if __name__ == "__main__":
    main()
