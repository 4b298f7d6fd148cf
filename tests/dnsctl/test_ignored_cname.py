#!/usr/bin/env python3
"""A CNAME the server ignores while it answers NOERROR (RFC 2136 §3.4.2.2),
on a Knot primary: Knot answers ANY with one RRset (RFC 8482), so a type
outside the switch's list of types it asks one by one (here TYPE65280, a
private type) goes unseen before the switch. The UPDATE deletes the A, the
CNAME is dropped, the name is left empty: the switch must read the name back
at once, fail naming the record, the server and the other type, journal the
step so that `cutover rollback` puts the A back. Also a rollback whose
CNAME is ignored, and that rollback run again once the other data is gone.
Port 16150."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnslab import Cases, Lab, check, cutover, dig, nsupdate  # noqa: E402

KNOT = 16150
PRIVATE = "TYPE65280"
ZONE = {"example.org": ["odd IN A 192.0.2.40", f"odd IN {PRIVATE} \\# 4 01020304",
                        "ok1 IN A 192.0.2.41", "ok2 IN A 192.0.2.42",
                        "back IN CNAME back.old.example."]}


def plan(lab, records, name):
    if os.path.exists(lab.journal):  # a case before failed half-way
        os.unlink(lab.journal)
    return lab.plan({
        "primaries": [{"name": "knot", "address": "127.0.0.1", "port": KNOT,
                       "key_file": lab.keyfile}],
        "zones": [{"name": "example.org", "primary": "knot", "verify_ns": False}],
        "records": records,
    }, name=name, change=f"CHG-{name}")


def a_to_cname(name):
    n = name.split(".")[0]
    return {"name": name, "type": "A", "to_type": "CNAME",
            "from": dig(KNOT, name), "to": [f"{n}.cloud.example."]}


def name_state(name):
    return dig(KNOT, name), dig(KNOT, name, "CNAME"), dig(KNOT, name, PRIVATE)


def ignored_cname_switch(lab):
    """One message of three A -> CNAME switches, one of them beside TYPE65280."""
    before = {n: name_state(n) for n in ("odd.example.org", "ok1.example.org",
                                         "ok2.example.org")}
    check(before["odd.example.org"][0] == ["192.0.2.40"] and before["odd.example.org"][2],
          f"the zone does not start as written: {before}")
    p = plan(lab, [a_to_cname("ok1.example.org"), a_to_cname("odd.example.org"),
                   a_to_cname("ok2.example.org")], "ignored.json")
    # --no-verify: the read-back belongs to the switch itself, not to verify
    r = cutover("dns", "switch", "--ignore-ttl", "--no-verify", "--json", p, expect=1)
    doc = json.loads(r.stdout)
    err = doc["error"]["message"]
    for w in ("odd.example.org. A -> CNAME", f"127.0.0.1#{KNOT}",
              "the server ignored the CNAME: other data at the name (type TYPE65280)",
              "the A RRset was deleted"):
        check(w in err, f"{w!r} not in the error: {err}")
    check("cutover rollback" in doc["error"]["hint"], f"no way out named: {doc['error']}")
    results = {s["describe"].split()[0]: s["result"] for s in doc["steps"]}
    check(results == {"ok1.example.org.": "applied", "odd.example.org.": "partial",
                      "ok2.example.org.": "applied"}, f"step results: {results}")
    check(name_state("odd.example.org") == ([], [], before["odd.example.org"][2]),
          f"not the state the test is about: {name_state('odd.example.org')}")
    check(dig(KNOT, "ok1.example.org", "CNAME") == ["ok1.cloud.example."], "ok1 not switched")
    r = cutover("rollback", "--journal", lab.journal)
    for n, st in before.items():
        check(name_state(n) == st, f"{n} after the rollback: {name_state(n)}, not {st}\n"
              f"{r.stdout}{r.stderr}")
    os.unlink(lab.journal)


def ignored_cname_rollback(lab):
    """CNAME -> A, then someone adds TYPE65280 beside the A: the rollback's
    CNAME is ignored; once the other data is gone, the rollback again."""
    p = plan(lab, [{"name": "back.example.org", "type": "CNAME", "to_type": "A",
                    "from": ["back.old.example."], "to": ["198.51.100.7"]}], "back.json")
    cutover("dns", "switch", "--ignore-ttl", "--no-verify", p)
    check(dig(KNOT, "back.example.org") == ["198.51.100.7"], "not switched")
    nsupdate(KNOT, [f"update add back.example.org 60 {PRIVATE} \\# 2 abcd"], lab.keyfile)
    r = cutover("rollback", "--journal", lab.journal, expect=1)
    for w in ("back.example.org. A -> CNAME", f"127.0.0.1#{KNOT}",
              "the server ignored the CNAME: other data at the name (type TYPE65280)",
              "run the rollback again"):
        check(w in r.stdout + r.stderr, f"{w!r} not in: {r.stdout}{r.stderr}")
    check(dig(KNOT, "back.example.org", "CNAME") == [], "the CNAME is there after all")
    nsupdate(KNOT, [f"update delete back.example.org {PRIVATE}"], lab.keyfile)
    r = cutover("rollback", "--journal", lab.journal)
    check(dig(KNOT, "back.example.org", "CNAME") == ["back.old.example."],
          f"CNAME not restored: {r.stdout}{r.stderr}")
    check(dig(KNOT, "back.example.org") == [], "the A is still there")
    os.unlink(lab.journal)


def main():
    cases = Cases()
    with Lab("ignored-cname") as lab:
        lab.knot(KNOT, ZONE)
        cases.run("Knot: A -> CNAME beside TYPE65280 ignored after NOERROR: switch fails, "
                  "rollback puts the A back", lambda: ignored_cname_switch(lab))
        cases.run("Knot: a rollback's CNAME ignored fails; run again once the name is "
                  "free, it restores the CNAME", lambda: ignored_cname_rollback(lab))
    cases.finish()


if __name__ == "__main__":
    main()
