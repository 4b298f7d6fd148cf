#!/usr/bin/env python3
"""Bad input and refusals, each with its documented exit code and the journal
intact: a plan error (file:line:col), a name outside every zone, a zone the
server does not serve, a wrong secret (BADSIG), an unknown key name (BADKEY),
a world-readable key file, a server that is down, a server that is not the
primary, an unsigned primary without both overrides, a switch to CNAME of a
name that also holds other data (BIND would drop the CNAME), a TTL raised
after the prelower. Ports 15350-15359."""
import copy
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnslab import Cases, Lab, check, cutover, dig, make_secret, nsupdate  # noqa: E402

BIND, KNOT, DOWN = 15350, 15351, 15359
ZONES = {"bad.test": ["www IN A 192.0.2.10"], "open.test": ["www IN A 192.0.2.10"],
         "mixed.test": ["www IN A 192.0.2.10", "www IN AAAA 2001:db8::10",
                        'www IN TXT "hello"'],
         "ttl.test": ["www 1 IN A 192.0.2.10"]}


def base(lab, **primary):
    p = {"name": "bind", "address": "127.0.0.1", "port": BIND, "key_file": lab.keyfile}
    p.update(primary)
    return {
        "primaries": [{k: v for k, v in p.items() if v is not None}],
        "zones": [{"name": "bad.test", "primary": "bind", "verify_ns": False}],
        "records": [{"name": "www.bad.test", "type": "A", "from": ["192.0.2.10"],
                     "to": ["198.51.100.10"]}],
    }


def journal_ok(lab):
    if os.path.exists(lab.journal):
        cutover("journal", "verify", lab.journal)
        r = cutover("journal", "show", "--json", lab.journal)
        check('"done"' not in r.stdout, "a refused command recorded a change as done")
    check(dig(BIND, "www.bad.test") == ["192.0.2.10"], "a refused command changed the record")


def expect(lab, section, exit_code, words, *extra):
    plan = lab.plan(section, name="bad.json")
    for verb in ("prelower", "switch"):
        args = ["dns", verb, *extra, plan]
        if verb == "switch":
            args.insert(2, "--ignore-ttl")
        r = cutover(*args, expect=exit_code)
        for w in words:
            check(w in r.stderr, f"{verb}: {w!r} not in: {r.stderr}")
        journal_ok(lab)
        check(lab.secret not in r.stdout + r.stderr, "secret in output")
        check("no TTL to lower" not in r.stdout, f"{verb} failed yet said: {r.stdout}")


def main():
    cases = Cases()
    with Lab("badinput") as lab:
        lab.bind(BIND, ZONES, notify=[KNOT], unsigned=["open.test"])
        lab.knot(KNOT, ZONES, primary_port=BIND)

        def plan_errors():
            s = base(lab)
            s["primaries"][0]["adress"] = "x"
            s["records"][0]["to"] = ["not-an-ip"]
            s["records"].append({"name": "www.elsewhere.org", "type": "A", "from": [],
                                 "to": ["198.51.100.1"]})
            plan = lab.plan(s, name="bad.json")
            r = cutover("check", plan, expect=2)
            r = cutover("dns", "switch", "--ignore-ttl", plan, expect=2)
            for w in ('bad.json:', 'dns.primaries[0].adress', 'dns.records[0].to[0]',
                      'not valid A data', 'www.elsewhere.org. is in no zone'):
                check(w in r.stderr, f"{w!r} not in {r.stderr}")
            check(not os.path.exists(lab.journal), "a bad plan created a journal")

        def unknown_zone():
            s = base(lab)
            s["zones"][0]["name"] = "nothere.test"
            s["records"][0]["name"] = "www.nothere.test"
            expect(lab, s, 1, ["127.0.0.1#15350", "nothere.test"])

        def wrong_secret():
            bad = lab.path("wrong.key")
            lab.write_key(bad, make_secret(), "hmac-sha256")
            expect(lab, base(lab, key_file=bad), 1, ["BADSIG", "bad.test", "127.0.0.1#15350"],
                   )

        def wrong_key_name():
            bad = lab.path("other-name.key")
            lab.write_key(bad, lab.secret, "hmac-sha256", name="nobody")
            expect(lab, base(lab, key_file=bad), 1, ["BADKEY", "nobody"])

        def world_readable():
            bad = lab.path("open.key")
            lab.write_key(bad, lab.secret, "hmac-sha256")
            os.chmod(bad, 0o644)
            expect(lab, base(lab, key_file=bad), 3, ["open.key", "chmod"])

        def server_down():
            expect(lab, base(lab, port=DOWN), 1, ["127.0.0.1#15359", "connect"])

        def not_primary():
            s = base(lab, port=KNOT)
            plan = lab.plan(s, name="bad.json")
            r = cutover("dns", "switch", "--ignore-ttl", plan, expect=1)
            check("127.0.0.1#15351" in r.stderr and ("REFUSED" in r.stderr or
                                                     "NOTAUTH" in r.stderr), r.stderr)
            journal_ok(lab)

        def unsigned():
            s = base(lab, key_file=None)
            s["primaries"][0]["unsigned"] = True
            s["zones"][0]["name"] = "open.test"
            s["records"][0]["name"] = "www.open.test"
            plan = lab.plan(s, name="open.json", change="CHG-OPEN")
            jr = lab.path("cutover.journal")
            r = cutover("dns", "switch", "--ignore-ttl", plan, expect=3)
            check("--allow-unsigned" in r.stderr, r.stderr)
            check(dig(BIND, "www.open.test") == ["192.0.2.10"], "unsigned update sent")
            s2 = copy.deepcopy(s)
            del s2["primaries"][0]["unsigned"]
            r = cutover("check", lab.plan(s2, name="open2.json"), expect=2)
            if os.path.exists(jr):
                os.unlink(jr)
            cutover("dns", "switch", "--ignore-ttl", "--allow-unsigned", plan)
            check(dig(BIND, "www.open.test") == ["198.51.100.10"], "not switched")
            # verify only queries: it needs neither a key nor --allow-unsigned
            r = cutover("dns", "verify", "--wait", "5s", plan)
            check("key_file" not in r.stderr, r.stderr)
            cutover("rollback", "--journal", jr)
            check(dig(BIND, "www.open.test") == ["192.0.2.10"], "not rolled back")

        def cname_beside_other_data():
            s = base(lab)
            s["zones"][0]["name"] = "mixed.test"
            s["records"][0] = {"name": "www.mixed.test", "type": "A", "to_type": "CNAME",
                               "from": ["192.0.2.10"], "to": ["lb-1.example.net."]}
            plan = lab.plan(s, name="mixed.json", change="CHG-MIXED")
            if os.path.exists(lab.journal):
                os.unlink(lab.journal)
            r = cutover("dns", "switch", "--ignore-ttl", plan, expect=3)
            for w in ("www.mixed.test. A -> CNAME", "127.0.0.1#15350", "dns.records[0]",
                      "nothing was changed"):
                check(w in r.stderr, f"{w!r} not in: {r.stderr}")
            check("AAAA" in r.stderr or "TXT" in r.stderr, f"other type not named: {r.stderr}")
            check(dig(BIND, "www.mixed.test") == ["192.0.2.10"], "the A RRset was deleted")
            check(dig(BIND, "www.mixed.test", "CNAME") == [], "a CNAME was added")
            if os.path.exists(lab.journal):
                r = cutover("journal", "show", "--json", lab.journal)
                check('"intent"' not in r.stdout, "a refused switch journaled an intent")
            # once the name holds only the A RRset, the same switch goes through
            nsupdate(BIND, ["update delete www.mixed.test. AAAA",
                            "update delete www.mixed.test. TXT"], lab.keyfile)
            cutover("dns", "switch", "--ignore-ttl", plan)
            check(dig(BIND, "www.mixed.test", "CNAME") == ["lb-1.example.net."], "not switched")
            cutover("rollback", "--journal", lab.journal)
            check(dig(BIND, "www.mixed.test") == ["192.0.2.10"], "not rolled back")
            os.unlink(lab.journal)

        def ttl_raised_after_prelower():
            s = base(lab)
            s["zones"][0]["name"] = "ttl.test"
            s["records"][0]["name"] = "www.ttl.test"
            plan = lab.plan(s, name="ttl.json", change="CHG-TTL")
            if os.path.exists(lab.journal):
                os.unlink(lab.journal)
            cutover("dns", "prelower", plan)  # TTL 1 s: nothing to lower, safe in 1 s
            nsupdate(BIND, ["update delete www.ttl.test. A",
                            "update add www.ttl.test. 3600 A 192.0.2.10"], lab.keyfile)
            time.sleep(1.2)
            r = cutover("dns", "switch", plan, expect=3)
            for w in ("www.ttl.test. A has TTL 3600", "127.0.0.1#15350", "--ignore-ttl"):
                check(w in r.stderr, f"{w!r} not in: {r.stderr}")
            check(dig(BIND, "www.ttl.test") == ["192.0.2.10"], "switched before the TTL")
            cutover("dns", "switch", "--ignore-ttl", plan)
            check(dig(BIND, "www.ttl.test") == ["198.51.100.10"], "not switched")
            cutover("rollback", "--journal", lab.journal)
            check(dig(BIND, "www.ttl.test") == ["192.0.2.10"], "not rolled back")
            os.unlink(lab.journal)

        cases.run("plan errors: every one with file:line:col and path (exit 2)", plan_errors)
        cases.run("a zone the server does not serve (exit 1)", unknown_zone)
        cases.run("wrong secret: BADSIG named (exit 1)", wrong_secret)
        cases.run("unknown key name: BADKEY named (exit 1)", wrong_key_name)
        cases.run("world-readable key file refused (exit 3)", world_readable)
        cases.run("server down (exit 1)", server_down)
        cases.run("not the primary: REFUSED/NOTAUTH (exit 1)", not_primary)
        cases.run("unsigned refused without both overrides (exit 3), then allowed", unsigned)
        cases.run("A -> CNAME beside AAAA/TXT refused before journaling (exit 3)",
                  cname_beside_other_data)
        cases.run("a TTL raised after the prelower refuses the switch (exit 3)",
                  ttl_raised_after_prelower)
    cases.finish()


if __name__ == "__main__":
    main()
