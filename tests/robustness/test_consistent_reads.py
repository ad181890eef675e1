"""Readers during a close or a reopen see each ticket once: never twice (active and closed
at the same time), never missing (half-way between the two files)."""

import os
import select
import subprocess
import sys
import time
from datetime import datetime, timezone

from deskcli.core.calls import qualify, tickets
from deskcli.core.treating import treatment
from deskcli.core.app.desk import open_desk

CYCLER = """
import sys
from datetime import datetime, timezone
from deskcli.core.app.desk import open_desk
from deskcli.core.treating import treatment
now = lambda: datetime.now(timezone.utc)
desk = open_desk(sys.argv[1], "alice")
print("ready", flush=True)
while True:
    treatment.reopen(desk, 1, reason="fails again", now=now())
    treatment.treat(desk, 1, now=now(), solution="rebooted", definitive=True)
    treatment.close(desk, 1, now=now())
    print("cycle", flush=True)
"""

CYCLES = 30  # closes and reopens the readers must have watched


def test_readers_during_closes_and_reopens_see_the_ticket_once(home):
    now = lambda: datetime.now(timezone.utc)  # noqa: E731
    desk = open_desk(home, "alice")
    for caller in ("Karim", "Zoé"):
        tickets.open_ticket(desk, tickets.CallFacts(caller=caller, summary="PC", billable=True), now())
    qualify.qualify(desk, 1, call_type="incident", impact="user", urgency="minor", reason=None, now=now())
    treatment.treat(desk, 1, now=now(), solution="rebooted", definitive=True)
    treatment.close(desk, 1, now=now())
    cycler = subprocess.Popen([sys.executable, "-c", CYCLER, str(home)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert cycler.stdout.readline().strip() == "ready"
        # Read for as long as the cycler takes to close and reopen the ticket CYCLES times,
        # however loaded the machine is, rather than for a fixed time.
        seen, reads, cycles, deadline = [], 0, 0, time.monotonic() + 120
        while (cycles < CYCLES or reads <= 50) and time.monotonic() < deadline \
                and cycler.poll() is None:
            numbers = [t["id"] for t in tickets.list_tickets(desk, scope="all")]
            found = desk.repo.find_ticket(1)
            reads += 1
            if sorted(numbers) != [1, 2] or found is None:
                seen.append((numbers, found is not None))
            while select.select([cycler.stdout], [], [], 0)[0]:
                printed = os.read(cycler.stdout.fileno(), 4096)
                cycles += printed.count(b"cycle")
                if not printed:
                    break
        assert cycler.poll() is None, cycler.communicate()
        assert cycles >= CYCLES, f"the cycler closed the ticket only {cycles} times"
    finally:
        cycler.kill()
        cycler.communicate()
    assert reads > 50
    assert seen == [], f"{len(seen)} inconsistent views in {reads} reads: {seen[:3]}"
