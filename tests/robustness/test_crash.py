"""A writer killed with SIGKILL at random instants never leaves a broken or short repository."""

import json
import random
import signal
import subprocess
import sys
import time

WRITER = """
import sys
from datetime import datetime, timezone
from deskcli.core.app.desk import open_desk
from deskcli.core.calls import tickets
desk = open_desk(sys.argv[1], "writer")
while True:
    t = tickets.open_ticket(desk, tickets.CallFacts(caller="Karim", summary="x" * 300,
                            description="y" * 2000, billable=True), datetime.now(timezone.utc))
    print(t["id"], flush=True)
"""


def killed_writers(home, script, rounds, seed):
    """Start `script` and SIGKILL it at a random instant, `rounds` times; after each kill,
    yield every number the writers had acknowledged so far."""
    rng = random.Random(seed)
    acknowledged: set[int] = set()
    for _ in range(rounds):
        writer = subprocess.Popen([sys.executable, "-c", script, str(home)],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        # The kill falls at a random instant of the writing, whatever the time its start
        # took: counted from its first acknowledged ticket, not from its launch.
        first = writer.stdout.readline()
        time.sleep(rng.random() * 0.5)
        writer.send_signal(signal.SIGKILL)
        out = first + writer.stdout.read()
        writer.wait(timeout=30)
        writer.stdout.close()
        acknowledged |= {int(line) for line in out.split() if line.strip().isdigit()}
        yield acknowledged
    assert len(acknowledged) > rounds, "the writers never got to write: the test proved nothing"


def test_killed_writers_leave_every_acknowledged_ticket(home):
    for acknowledged in killed_writers(home, WRITER, 20, 20261124):
        stored = json.loads((home / "active.json").read_text())  # must parse
        kept = {int(k) for k in stored["tickets"]}
        assert acknowledged <= kept
        assert sorted(kept) == list(range(1, max(kept) + 1))  # no gap, no duplicate


TWO_FILE_WRITER = """
import sys
from deskcli.core.store.storage import TinyDBRepository
repo = TinyDBRepository(sys.argv[1])
while True:
    with repo.writing() as store:
        ticket = {"status": "open", "opened_at": "2026-01-01T00:00:00Z", "history": [],
                  "description": "y" * 2000}
        store.insert_ticket(ticket)
        store.side("kb.json").insert_record("articles", {"ticket": ticket["id"], "text": "z" * 2000})
    print(ticket["id"], flush=True)
"""


def test_killed_writers_never_leave_a_change_of_two_files_half_done(home):
    from deskcli.core.store.storage import TinyDBRepository

    for acknowledged in killed_writers(home, TWO_FILE_WRITER, 12, 20261125):
        with TinyDBRepository(home).reading() as store:
            tickets = {t["id"] for t in store.tickets()}
            articles = [a["ticket"] for a in store.side("kb.json").records("articles")]
        assert acknowledged <= tickets
        assert sorted(articles) == sorted(tickets)  # both files hold the same changes


CLOSER = """
import sys
from datetime import datetime, timezone
from deskcli.core.app.desk import open_desk
from deskcli.core.calls import qualify, tickets
from deskcli.core.treating import treatment
now = lambda: datetime.now(timezone.utc)
desk = open_desk(sys.argv[1], "writer")
while True:
    number = tickets.open_ticket(desk, tickets.CallFacts(caller="Karim", summary="x" * 200,
                                 billable=True), now())["id"]
    qualify.qualify(desk, number, call_type="incident", impact="user", urgency="minor",
                    reason=None, now=now())
    treatment.treat(desk, number, now=now(), diagnosis="d", solution="s", definitive=True)
    treatment.close(desk, number, now=now())
    print(number, flush=True)
"""


def test_killed_closers_leave_every_closed_ticket_in_the_archive(home):
    """Closing moves a ticket from the daily file to the SQLite archive in steps; a writer
    killed between any two leaves every closed ticket findable, once, and a healthy repository."""
    from deskcli.core.app import doctor
    from deskcli.core.app.desk import open_desk

    for acknowledged in killed_writers(home, CLOSER, 12, 20261126):
        desk = open_desk(home, "reader")
        closed = {t["id"]: t for t in desk.repo.archived_tickets()}
        assert acknowledged <= set(closed)
        assert all(closed[n]["status"] == "closed" for n in acknowledged)
        with desk.repo.reading() as store:
            active = {t["id"] for t in store.tickets()}
        assert not active & set(closed)  # never both active and closed
        assert doctor.examine(home) == []
