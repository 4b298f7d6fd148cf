#!/usr/bin/env python3
"""`cutover dns switch` with health gates, --watch and --confirm-within, end to
end against a real BIND primary (tests/dnsctl/dnslab.py) and the local HTTP
servers of tests/health/server.py. Ports 18060-18069 on 127.0.0.1 only.

  - a gate on a server answering 503 refuses the switch (exit 4), nothing changes
  - --watch: the server behind the gate is stopped mid-window; cutover rolls
    back by itself (exit 1) and BIND answers the source again
  - --confirm-within: cutover exits, its session is gone; the detached
    watchdog rolls back at the deadline and verifies the source
  - --confirm-within then `cutover confirm`: the watchdog exits, the switch stays
  - --watch, the record changed out of band, then the gate fails: the
    rollback meets a conflict; exit 1 (every watch failure), the conflict named
  - SIGINT / SIGTERM during --watch: the watch stops, notes watch-aborted, the
    switch stays, exit 1 saying how to roll back; SIGHUP: the watch goes on
    (watch-hangup noted) and still rolls back when the target dies
  - --watch on records that name no gates: refused (exit 2) before anything is
    journaled or sent; --json's "watch" says how a watch ended
  - --confirm-within, the switch SIGKILLed (CUTOVER_CRASH_AT) after its UPDATE
    and before its switch-end note, then another engineer's switch of another
    record in the same journal: at the deadline the watchdog puts the killed
    switch's record back and leaves the later switch's alone
"""
import json
import os
import signal
import subprocess
import sys
import time

ROOT = os.environ.get("SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "dnsctl"))
from dnslab import (CUTOVER, Cases, Lab, check, cutover, dig, dig_ttl, nsupdate,  # noqa: E402
                    wait_for)

BIND, WEB, SICK = 18060, 18061, 18062
ZONES = {"example.com": ["www IN A 192.0.2.10", "api IN A 192.0.2.20"]}
SOURCE, TARGET = ["192.0.2.10"], ["198.51.100.10"]
API_SOURCE, API_TARGET = ["192.0.2.20"], ["198.51.100.20"]


def start_server(lab, spec):
    ready = lab.path(f"ready-{time.monotonic_ns()}")
    p = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "tests/health/server.py"),
                          ready, spec])
    lab.procs.append(p)
    wait_for(lambda: os.path.exists(ready), f"server {spec}", 10)
    return p


def write_plan(lab, gate):
    """A plan whose one record names the gate (None: no gates)."""
    path = lab.path(f"plan-{gate}.json")
    plan = {
        "change": "CHG-WATCH", "journal": "cutover.journal",
        "dns": {
            "primaries": [{"name": "bind", "address": "127.0.0.1", "port": BIND,
                           "key_file": lab.keyfile, "key_name": "cutover-key"}],
            "zones": [{"name": "example.com", "primary": "bind", "verify_ns": False}],
            "lowered_ttl": "60s",
            "records": [{"name": "www.example.com", "type": "A", "from": SOURCE, "to": TARGET}],
        },
        "health": {
            "www-http": {"kind": "http", "host": "www.example.com", "interval": "200ms",
                         "healthy_after": 1, "sick_after": 2, "targets": [f"127.0.0.1:{WEB}"]},
            "www-sick": {"kind": "http", "host": "www.example.com", "healthy_after": 1,
                         "sick_after": 1, "targets": [f"127.0.0.1:{SICK}"]},
        },
    }
    if gate:
        plan["dns"]["records"][0]["gates"] = [gate]
    with open(path, "w") as f:
        json.dump(plan, f, indent=1)
    return path


def write_api_plan(lab):
    """Another engineer's plan for the same change and journal: api only."""
    path = lab.path("plan-api.json")
    plan = {
        "change": "CHG-WATCH", "journal": "cutover.journal",
        "dns": {
            "primaries": [{"name": "bind", "address": "127.0.0.1", "port": BIND,
                           "key_file": lab.keyfile, "key_name": "cutover-key"}],
            "zones": [{"name": "example.com", "primary": "bind", "verify_ns": False}],
            "lowered_ttl": "60s",
            "records": [{"name": "api.example.com", "type": "A", "from": API_SOURCE,
                         "to": API_TARGET}],
        },
    }
    with open(path, "w") as f:
        json.dump(plan, f, indent=1)
    return path


def journal_text(journal):
    try:
        with open(journal, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def journal_size(journal):
    return os.path.getsize(journal) if os.path.exists(journal) else None


def watchdog_alive(journal):
    r = subprocess.run(["flock", "-n", journal + ".watchdog.lock", "true"])
    return r.returncode != 0


def main():
    cases = Cases()
    with Lab("health-watch") as lab:
        lab.bind(BIND, ZONES)
        web = start_server(lab, f"port={WEB},body=up")
        start_server(lab, f"port={SICK},status=503")
        good, sick = write_plan(lab, "www-http"), write_plan(lab, "www-sick")
        nogates = write_plan(lab, None)
        journal = lab.journal

        def watch_without_gates_is_refused():
            before = journal_size(journal)
            r = cutover("dns", "switch", "--ignore-ttl", "--watch", "10s", nogates, expect=2)
            check("no health gates" in r.stderr and "nothing was changed" in r.stderr, r.stderr)
            check('add "gates"' in r.stderr and "drop --watch" in r.stderr, r.stderr)
            r = cutover("dns", "switch", "--ignore-ttl", "--watch", "10s", "--json", nogates,
                        expect=2)
            doc = json.loads(r.stdout)
            check(doc["ok"] is False and doc["error"]["exit"] == 2, r.stdout)
            check("drop --watch" in doc["error"]["hint"], r.stdout)
            check(dig(BIND, "www.example.com") == SOURCE, "records changed")
            check(journal_size(journal) == before, "something was journaled")
            # the same switch without --watch goes through
            r = cutover("dns", "switch", "--ignore-ttl", "--json", nogates)
            check(json.loads(r.stdout)["watch"] is None, r.stdout)
            check(dig(BIND, "www.example.com") == TARGET, "not switched")
            cutover("rollback", "--journal", journal)
            check(dig(BIND, "www.example.com") == SOURCE, "not rolled back")

        def watch_json_says_passed():
            r = cutover("dns", "switch", "--ignore-ttl", "--watch", "1s", "--json", good)
            doc = json.loads(r.stdout)
            check(doc["watch"] == {"duration": "1 s", "duration_ms": 1000, "result": "passed"},
                  r.stdout)
            cutover("rollback", "--journal", journal)
            check(dig(BIND, "www.example.com") == SOURCE, "not rolled back")

        def gate_refuses_sick_target():
            r = cutover("dns", "switch", "--ignore-ttl", sick, expect=4)
            check(f"www-sick 127.0.0.1:{SICK}: HTTP 503" in r.stderr, r.stderr)
            check(dig(BIND, "www.example.com") == SOURCE, "records changed")

        def watch_rolls_back_when_server_stops():
            nonlocal web
            # the prelower is in the same journal: the watch undoes its own
            # switch only, so the TTL stays lowered for the next try
            nsupdate(BIND, ["update delete www.example.com A",
                            f"update add www.example.com 3600 A {SOURCE[0]}"], lab.keyfile)
            cutover("dns", "prelower", good)
            check(dig_ttl(BIND, "www.example.com") == 60, "TTL not lowered")
            p = subprocess.Popen([CUTOVER, "dns", "switch", "--ignore-ttl", "--watch", "60s", good],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for line in p.stdout:
                if line.startswith("watch: 1 target"):
                    break
            check(dig(BIND, "www.example.com") == TARGET, "not switched before the watch")
            web.send_signal(signal.SIGKILL)  # the target dies mid-window
            web.wait()
            out, err = p.communicate(timeout=60)
            check(p.returncode == 1, f"exit {p.returncode}: {out} {err}")
            check("connection refused" in err and "rolled back 1 step" in err, err)
            check(dig(BIND, "www.example.com") == SOURCE, "not rolled back")
            check(dig_ttl(BIND, "www.example.com") == 60, "the prelower was rolled back too")
            web = start_server(lab, f"port={WEB},body=up")

        def watchdog_rolls_back_after_session_dies():
            # cutover runs in a session of its own that is then killed whole
            p = subprocess.Popen([CUTOVER, "dns", "switch", "--ignore-ttl",
                                  "--confirm-within", "2s", good],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 start_new_session=True)
            out, err = p.communicate(timeout=60)
            check(p.returncode == 0, f"exit {p.returncode}: {out} {err}")
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            check("provisional" in out, out)
            check(dig(BIND, "www.example.com") == TARGET, "not switched")
            check(watchdog_alive(journal), "no watchdog")
            wait_for(lambda: dig(BIND, "www.example.com") == SOURCE, "the watchdog's rollback", 30)
            wait_for(lambda: not watchdog_alive(journal), "the watchdog to exit", 15)
            with open(journal + ".watchdog.log") as f:
                log = f.read()
            check("source is verified back" in log, log)
            r = cutover("confirm", "--journal", journal, expect=3)
            check("too late" in r.stderr, r.stderr)

        def confirm_keeps_the_switch():
            r = cutover("dns", "switch", "--ignore-ttl", "--confirm-within", "3s", good)
            check(watchdog_alive(journal), "no watchdog")
            r = cutover("confirm", "--journal", journal)
            check("final" in r.stdout, r.stdout)
            wait_for(lambda: not watchdog_alive(journal), "the watchdog to exit", 15)
            check(dig(BIND, "www.example.com") == TARGET, "rolled back after confirm")

        def watch_rollback_conflict_exits_1():
            nonlocal web
            cutover("rollback", "--journal", journal, expect=None)  # from the source
            check(dig(BIND, "www.example.com") == SOURCE, "not at the source")
            p = subprocess.Popen([CUTOVER, "dns", "switch", "--ignore-ttl", "--watch", "60s", good],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for line in p.stdout:
                if line.startswith("watch: 1 target"):
                    break
            check(dig(BIND, "www.example.com") == TARGET, "not switched before the watch")
            # someone else changes the switched record, then the target dies
            nsupdate(BIND, ["update delete www.example.com A",
                            "update add www.example.com 60 A 203.0.113.7"], lab.keyfile)
            web.send_signal(signal.SIGKILL)
            web.wait()
            out, err = p.communicate(timeout=60)
            check(p.returncode == 1, f"exit {p.returncode} (want 1): {out} {err}")
            check("the automatic rollback failed" in err, err)
            check("changed by someone else" in err and "www.example.com" in err, err)
            check(dig(BIND, "www.example.com") == ["203.0.113.7"], "the other change was undone")
            web = start_server(lab, f"port={WEB},body=up")

        def start_watch(*extra):
            """A watched switch in the background, once its watch has begun."""
            before = journal_text(journal).count('"watch"')
            p = subprocess.Popen([CUTOVER, "dns", "switch", "--ignore-ttl", "--watch", "60s",
                                  *extra, good],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            wait_for(lambda: journal_text(journal).count('"watch"') > before, "the watch", 30)
            check(dig(BIND, "www.example.com") == TARGET, "not switched before the watch")
            return p

        def signal_stops_the_watch(sig, json_out):
            p = start_watch(*(["--json"] if json_out else []))
            p.send_signal(sig)
            out, err = p.communicate(timeout=30)
            check(p.returncode == 1, f"exit {p.returncode} (want 1): {out} {err}")
            name = signal.Signals(sig).name
            if json_out:
                doc = json.loads(out)
                check(doc["watch"]["result"] == "aborted", out)
                msg, hint = doc["error"]["message"], doc["error"]["hint"]
            else:
                msg, hint = err, err
            check(f"stopped by {name}" in msg and "stays in place" in msg, msg)
            check(f"cutover rollback --journal {journal}" in hint, hint)
            check(journal_text(journal).count("watch-aborted") >= 1, "no watch-aborted note")
            check(dig(BIND, "www.example.com") == TARGET, "the switch did not stay")
            cutover("rollback", "--journal", journal)
            check(dig(BIND, "www.example.com") == SOURCE, "not rolled back")

        def sighup_keeps_watching():
            nonlocal web
            p = start_watch()
            p.send_signal(signal.SIGHUP)
            wait_for(lambda: "watch-hangup" in journal_text(journal), "the hangup note", 10)
            time.sleep(0.6)  # a few rounds: still watching
            check(p.poll() is None, f"cutover ended on SIGHUP: {p.returncode}")
            web.send_signal(signal.SIGKILL)  # the target dies: the rollback still happens
            web.wait()
            out, err = p.communicate(timeout=60)
            check(p.returncode == 1, f"exit {p.returncode}: {out} {err}")
            check("rolled back 1 step" in err, err)
            check(dig(BIND, "www.example.com") == SOURCE, "not rolled back")
            web = start_server(lab, f"port={WEB},body=up")

        def killed_switch_leaves_later_run(crash_at):
            """crash_at: the journal write the switch dies at (its crash
            points: provisional note 1-2, intents 3-4, UPDATE, outcomes 5,
            switch-end 6-7): 5 before its outcome, 6 before switch-end."""
            nsupdate(BIND, ["update delete www.example.com A",
                            f"update add www.example.com 60 A {SOURCE[0]}",
                            "update delete api.example.com A",
                            f"update add api.example.com 60 A {API_SOURCE[0]}"], lab.keyfile)
            ends = journal_text(journal).count("switch-end")
            env = dict(os.environ, CUTOVER_CRASH_AT=str(crash_at))
            r = cutover("dns", "switch", "--ignore-ttl", "--confirm-within", "6s", nogates,
                        expect=None, env=env)
            check(r.returncode == -signal.SIGKILL, f"not killed: exit {r.returncode} {r.stderr}")
            check(dig(BIND, "www.example.com") == TARGET, "the killed switch sent no UPDATE")
            check(journal_text(journal).count("switch-end") == ends, "switch-end written")
            check(watchdog_alive(journal), "no watchdog")
            cutover("dns", "switch", "--ignore-ttl", api_plan)  # another engineer's run
            check(dig(BIND, "api.example.com") == API_TARGET, "the later switch did not switch")
            check(dig(BIND, "www.example.com") == TARGET, "the watchdog fired too early")
            r = cutover("confirm", "--journal", journal, "--dry-run")
            check("did not finish" in r.stdout and "only the 1 step" in r.stdout, r.stdout)
            wait_for(lambda: dig(BIND, "www.example.com") == SOURCE, "the watchdog's rollback", 30)
            wait_for(lambda: not watchdog_alive(journal), "the watchdog to exit", 15)
            check(dig(BIND, "api.example.com") == API_TARGET, "the later switch was rolled back")
            with open(journal + ".watchdog.log") as f:
                log = f.read().split("guarding")[-1]
            check("source is verified back" in log and "had not finished" in log, log)
            r = cutover("confirm", "--journal", journal, expect=3)
            check("too late" in r.stderr and "source is verified back" in r.stderr, r.stderr)

        api_plan = write_api_plan(lab)
        cases.run("gate refuses a sick target", gate_refuses_sick_target)
        cases.run("--watch without gates is refused", watch_without_gates_is_refused)
        cases.run("--json says the watch passed", watch_json_says_passed)
        cases.run("SIGINT stops the watch, the switch stays",
                  lambda: signal_stops_the_watch(signal.SIGINT, False))
        cases.run("SIGTERM stops the watch (--json: aborted)",
                  lambda: signal_stops_the_watch(signal.SIGTERM, True))
        cases.run("SIGHUP: the watch goes on and rolls back", sighup_keeps_watching)
        cases.run("watch rolls back when the server stops", watch_rolls_back_when_server_stops)
        cases.run("watchdog rolls back after the session dies",
                  watchdog_rolls_back_after_session_dies)
        cases.run("confirm keeps the switch", confirm_keeps_the_switch)
        cases.run("a watch rollback that meets a conflict exits 1",
                  watch_rollback_conflict_exits_1)
        cases.run("switch killed before its outcome: the watchdog leaves a later run",
                  lambda: killed_switch_leaves_later_run(5))
        cases.run("switch killed before switch-end: the watchdog leaves a later run",
                  lambda: killed_switch_leaves_later_run(6))
    cases.finish()


if __name__ == "__main__":
    main()
