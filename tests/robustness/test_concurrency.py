"""Several processes writing at once: every acknowledged change is kept, numbers are unique."""

import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from deskcli.core.calls import tickets

# Every test here runs on the embedded repository and on PostgreSQL, each worker a
# process of its own with its own connection, as technicians on several machines are.
pytestmark = pytest.mark.both_backends

# Each worker imports deskcli once and opens its tickets one by one; each opening is
# its own locked read-modify-write, exactly as separate `deskcli open` commands are.
WORKER = """
import sys
from datetime import datetime, timezone
from deskcli.core.app.desk import open_desk
from deskcli.core.calls import tickets
desk = open_desk(sys.argv[1], "worker" + sys.argv[2])
for n in range(int(sys.argv[3])):
    t = tickets.open_ticket(desk, tickets.CallFacts(caller="caller " + sys.argv[2], summary="call %d" % n,
                            billable=True), datetime.now(timezone.utc))
    print(t["id"], flush=True)
"""


def start_workers(home, processes, each, script=WORKER):
    return [subprocess.Popen([sys.executable, "-c", script, str(home), str(p), str(each)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for p in range(processes)]


def acknowledged_by(workers) -> list[int]:
    """The ticket numbers the workers printed, each once its change was written."""
    printed = []
    for worker in workers:
        out, err = worker.communicate(timeout=240)
        assert worker.returncode == 0, err
        printed += [int(line) for line in out.split()]
    return sorted(printed)


def test_eight_processes_open_two_hundred_tickets(home, desk, backend):
    assert acknowledged_by(start_workers(home, 8, 25)) == list(range(1, 201))
    if backend.name == "tinydb":
        stored = json.loads((home / "active.json").read_text())
        assert sorted(int(k) for k in stored["tickets"]) == list(range(1, 201))
    assert sorted(t["id"] for t in tickets.list_tickets(desk)) == list(range(1, 201))


def test_concurrent_commands_on_the_same_ticket_lose_no_history(home, run_cli, desk):
    opened = run_cli("open", "--caller", "Karim", "--summary", "Server down", "--billable")
    assert opened.returncode == 0, opened.stderr
    env = dict(os.environ, DESKCLI_HOME=str(home))
    procs = [subprocess.Popen([sys.executable, "-m", "deskcli", "--as", f"tech{n}", "treat", "1",
                               "--action", f"action {n}", "--minutes", "1"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              stdin=subprocess.DEVNULL)
             for n in range(6)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    ticket = tickets.get_ticket(desk, 1)
    actions = sorted(a for e in ticket["history"] if e["event"] == "treatment" for a in e["actions"])
    assert actions == [f"action {n}" for n in range(6)]
    assert ticket["time_spent_minutes"] == 6


def test_cli_processes_open_at_once(home, desk):
    env = dict(os.environ, DESKCLI_HOME=str(home), DESKCLI_USER="alice")
    script = ("for i in 1 2 3 4 5; do {py} -m deskcli open --caller c$i --summary s "
              "--no-input || exit 1; done").format(py=sys.executable)
    procs = [subprocess.Popen(["sh", "-c", script], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    printed = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        printed += [int(x) for x in out.split()]
    assert sorted(printed) == list(range(1, 21))
    assert len(tickets.list_tickets(desk)) == 20


LIFE = """
import sys
from datetime import datetime, timezone
from deskcli.core.app.desk import open_desk
from deskcli.core.calls import qualify, tickets
from deskcli.core.treating import treatment
now = lambda: datetime.now(timezone.utc)
desk = open_desk(sys.argv[1], "tech" + sys.argv[2])
for n in range(int(sys.argv[3])):
    number = tickets.open_ticket(desk, tickets.CallFacts(caller="caller " + sys.argv[2],
                                 summary="call %d" % n, billable=True), now())["id"]
    qualify.qualify(desk, number, call_type="incident", impact="user", urgency="blocked",
                    reason=None, now=now())
    treatment.treat(desk, 1, now=now(), actions=["shared by %s/%d" % (sys.argv[2], n)])
    treatment.treat(desk, number, now=now(), diagnosis="d", solution="s", definitive=True)
    treatment.close(desk, number, now=now())
    print(number, flush=True)
"""


def test_whole_calls_and_a_shared_ticket_change_at_once(home, desk):
    """Four processes each open, qualify, treat and close their calls while all of them
    add to one shared ticket: every call is closed with its whole history, and the shared
    ticket keeps every action."""
    shared = tickets.open_ticket(desk, tickets.CallFacts(caller="K", summary="shared", billable=True),
                                 datetime.now(timezone.utc))
    assert acknowledged_by(start_workers(home, 4, 6, LIFE)) == list(range(2, 26))
    archived = {t["id"]: t for t in desk.repo.archived_tickets()}
    assert sorted(archived) == list(range(2, 26))
    for ticket in archived.values():
        events = [e["event"] for e in ticket["history"]]
        assert events[0] == "opened" and ticket["status"] == "closed"
        assert {"qualified", "solution", "closed"} <= set(events), events
    actions = [a for e in tickets.get_ticket(desk, shared["id"])["history"]
               if e["event"] == "treatment" for a in e.get("actions", [])]
    assert sorted(actions) == sorted(f"shared by {p}/{n}" for p in range(4) for n in range(6))
