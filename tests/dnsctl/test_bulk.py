#!/usr/bin/env python3
"""1,000 records switched in one UPDATE and rolled back through the binary
(BIND primary, a Knot secondary verified too); 3,000 records that need two
messages over one connection, and killed between them; a conflict in the
first of several messages refuses the whole switch (no later message is
sent). Ports 15330-15339."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnslab import Cases, Lab, check, cutover, dig, nsupdate, wait_for  # noqa: E402
from test_crash import phases  # noqa: E402

BIND, KNOT = 15330, 15331


def addr(prefix, i):
    return f"{prefix}.{i // 250}.{i % 250 + 1}"


def zone(n):
    return [f"h{i} IN A {addr('10.1', i)}" for i in range(n)]


def records(n, z):
    return [{"name": f"h{i}.{z}", "type": "A", "from": [addr("10.1", i)],
             "to": [addr("10.2", i)]} for i in range(n)]


def sample(port, z, n, prefix):
    for i in (0, n // 2, n - 1):
        if dig(port, f"h{i}.{z}") != [addr(prefix, i)]:
            return False
    return True


def serial(port, z):
    return int(dig(port, z, "SOA")[0].split()[2])


def bulk(lab, z, n, secondaries, messages):
    plan = lab.plan({
        "primaries": [{"name": "bind", "address": "127.0.0.1", "port": BIND,
                       "key_file": lab.keyfile}],
        "servers": [{"name": "knot", "address": "127.0.0.1", "port": KNOT}],
        "zones": [{"name": z, "primary": "bind", "verify": secondaries, "verify_ns": False}],
        "records": records(n, z),
    }, name=f"{z}.json", change=f"CHG-{n}")
    before = serial(BIND, z)
    r = cutover("dns", "switch", "--ignore-ttl", "--wait", "30s", "--json", plan)
    doc = json.loads(r.stdout)
    # BIND raises the serial once per UPDATE message
    check(messages(serial(BIND, z) - before), f"serial moved by {serial(BIND, z) - before}")
    check(doc["summary"]["applied"] == n, r.stdout[:2000])
    check(doc["verify"]["checks"] >= n * (1 + len(secondaries)), r.stdout[-800:])
    check(sample(BIND, z, n, "10.2"), "primary not switched")
    r = cutover("rollback", "--journal", lab.journal)
    check(f"{n} undone" in r.stdout, r.stdout[-500:])
    check(sample(BIND, z, n, "10.1"), "primary not restored")
    for s in secondaries:
        wait_for(lambda: sample(KNOT, z, n, "10.1"), f"{s} to follow the rollback")
    os.unlink(lab.journal)


def crash_between_messages(lab, z, n):
    """Each message's intents are journaled just before it leaves, the next
    one's while the server works on the one before. SIGKILL once the second
    message's intents are durable (the first sent, the second not, the third
    not journaled): rollback restores every record."""
    plan = lab.plan({
        "primaries": [{"name": "bind", "address": "127.0.0.1", "port": BIND,
                       "key_file": lab.keyfile}],
        "zones": [{"name": z, "primary": "bind", "verify_ns": False}],
        "records": records(n, z),
    }, name=f"{z}-crash.json", change=f"CHG-{n}-crash")
    # a new journal: 1 its head written, 2/3 message one's intents written/
    # synced, 4/5 message two's
    env = dict(os.environ, CUTOVER_CRASH_AT="5")
    r = cutover("dns", "switch", "--ignore-ttl", "--no-verify", plan, expect=None, env=env)
    check(r.returncode == -9, f"expected SIGKILL, got {r.returncode}: {r.stderr}")
    ph = phases(lab)
    check(1000 < ph.count("intent") < n and "done" not in ph,
          f"journal after the crash: {ph.count('intent')} intents, {ph.count('done')} done")
    r = cutover("rollback", "--journal", lab.journal)
    check(sample(BIND, z, n, "10.1"), f"rollback did not restore the source: {r.stdout[-500:]}")
    os.unlink(lab.journal)


def conflict_in_first_message(lab, z, n):
    """h0 (the first record, in the first message) changed by someone else:
    BIND refuses message one (NXRRSET); the messages after it must not be
    sent, so the zone is not half switched, and the journal says why."""
    plan = lab.plan({
        "primaries": [{"name": "bind", "address": "127.0.0.1", "port": BIND,
                       "key_file": lab.keyfile}],
        "zones": [{"name": z, "primary": "bind", "verify_ns": False}],
        "records": records(n, z),
    }, name=f"{z}-conflict.json", change=f"CHG-{n}-conflict")
    nsupdate(BIND, [f"update delete h0.{z}. A", f"update add h0.{z}. 3600 A 10.9.9.9"],
             lab.keyfile)
    before = serial(BIND, z)
    r = cutover("dns", "switch", "--ignore-ttl", "--no-verify", "--json", plan, expect=3)
    doc = json.loads(r.stdout)
    check(serial(BIND, z) == before, f"serial moved by {serial(BIND, z) - before}: "
          "a message after the refused one was applied")
    check(dig(BIND, f"h{n - 1}.{z}") == [addr("10.1", n - 1)], "the zone was half switched")
    check(doc["summary"]["applied"] == 0, json.dumps(doc["summary"]))
    check("h0." + z in r.stdout and "10.9.9.9" in r.stdout, r.stdout[-2000:])
    if os.path.exists(lab.journal):
        ph = phases(lab)
        check("done" not in ph, "a refused switch journaled a change as done")
        cutover("rollback", "--journal", lab.journal)
        os.unlink(lab.journal)
    nsupdate(BIND, [f"update delete h0.{z}. A", f"update add h0.{z}. 3600 A {addr('10.1', 0)}"],
             lab.keyfile)
    check(sample(BIND, z, n, "10.1"), "records changed")


def main():
    cases = Cases()
    with Lab("bulk") as lab:
        zones = {"thousand.test": zone(1000), "three.test": zone(3000)}
        lab.bind(BIND, zones, notify=[KNOT])
        lab.knot(KNOT, zones, primary_port=BIND)
        wait_for(lambda: dig(KNOT, "h999.thousand.test") == [addr("10.1", 999)] and
                 dig(KNOT, "h2999.three.test") == [addr("10.1", 2999)], "knot to load", 30)
        cases.run("1,000 records: one UPDATE, verified on 2 servers, rolled back",
                  lambda: bulk(lab, "thousand.test", 1000, ["knot"], lambda m: m == 1))
        cases.run("3,000 records: split past 64 KiB, one connection, rolled back",
                  lambda: bulk(lab, "three.test", 3000, [], lambda m: 2 <= m <= 4))
        cases.run("3,000 records: SIGKILL between messages, rollback restores all",
                  lambda: crash_between_messages(lab, "three.test", 3000))
        cases.run("3,000 records: a conflict in message one refuses them all (exit 3)",
                  lambda: conflict_in_first_message(lab, "three.test", 3000))
    cases.finish()


if __name__ == "__main__":
    main()
