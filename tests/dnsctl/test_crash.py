#!/usr/bin/env python3
"""SIGKILL at the journal's crash points (CUTOVER_CRASH_AT, rollback/journal.h):
after the intents are synced and before the UPDATE, and after the UPDATE
before the outcomes; `cutover rollback` restores the source both times.
Ports 15340-15349."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnslab import Cases, Lab, check, cutover, dig  # noqa: E402

BIND = 15340
SOURCE = [["192.0.2.10"], ["192.0.2.20"], []]
TARGET = [["198.51.100.10"], [], ["lb.example.net."]]


def state():
    return [dig(BIND, "www.crash.test"), dig(BIND, "api.crash.test"),
            dig(BIND, "api.crash.test", "CNAME")]


def phases(lab):
    r = cutover("journal", "show", "--json", lab.journal)
    import json
    doc = json.loads(r.stdout)
    recs = doc.get("records", doc if isinstance(doc, list) else [])
    out = []
    for x in recs:  # a group record stands for each step it names
        steps = x.get("steps")
        if steps is None:
            n = 1
        elif x.get("phase") == "intent":
            n = len(steps)
        else:
            n = sum(b - a + 1 for a, b in steps)
        out += [x.get("phase")] * n
    return out


def crash_at(lab, plan, n, want_state):
    # the journal exists (prelower made it): each sync has two crash points,
    # before its write and after its fsync. 2 = intents durable, UPDATE not
    # sent; 3 = UPDATE answered, outcomes not written.
    env = dict(os.environ, CUTOVER_CRASH_AT=str(n))
    r = cutover("dns", "switch", "--ignore-ttl", plan, expect=None, env=env)
    check(r.returncode == -9, f"expected SIGKILL, got {r.returncode}: {r.stderr}")
    check(state() == want_state, f"after the crash: {state()}")
    ph = phases(lab)
    check(ph.count("intent") == 4 and ph.count("done") == 2,
          f"journal after the crash: {ph}")
    r = cutover("rollback", "--journal", lab.journal)
    check(state() == SOURCE, f"rollback did not restore the source: {state()}")


def main():
    cases = Cases()
    with Lab("crash") as lab:
        lab.bind(BIND, {"crash.test": ["www IN A 192.0.2.10", "api IN A 192.0.2.20"]})
        plan = lab.plan({
            "primaries": [{"name": "bind", "address": "127.0.0.1", "port": BIND,
                           "key_file": lab.keyfile}],
            "zones": [{"name": "crash.test", "primary": "bind", "verify_ns": False}],
            "records": [
                {"name": "www.crash.test", "type": "A", "from": ["192.0.2.10"],
                 "to": ["198.51.100.10"]},
                {"name": "api.crash.test", "type": "A", "to_type": "CNAME",
                 "from": ["192.0.2.20"], "to": ["lb.example.net."]}],
        })

        def before_update():
            cutover("dns", "prelower", plan)
            crash_at(lab, plan, 2, SOURCE)

        def after_update():
            os.unlink(lab.journal)
            cutover("dns", "prelower", plan)
            crash_at(lab, plan, 3, TARGET)

        cases.run("SIGKILL after intents synced, before the UPDATE: rollback restores",
                  before_update)
        cases.run("SIGKILL after the UPDATE, before the outcomes: rollback restores",
                  after_update)
    cases.finish()


if __name__ == "__main__":
    main()
