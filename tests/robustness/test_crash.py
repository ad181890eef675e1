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
from deskcli.core.desk import open_desk
from deskcli.core import tickets
desk = open_desk(sys.argv[1], "writer")
while True:
    t = tickets.open_ticket(desk, tickets.CallFacts(caller="Karim", summary="x" * 300,
                            description="y" * 2000, billable=True), datetime.now(timezone.utc))
    print(t["id"], flush=True)
"""


def test_killed_writers_leave_every_acknowledged_ticket(home):
    rng = random.Random(20261124)
    acknowledged: set[int] = set()
    for _ in range(20):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(home)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.35 + rng.random() * 0.5)
        writer.send_signal(signal.SIGKILL)
        out, _ = writer.communicate(timeout=30)
        acknowledged |= {int(line) for line in out.split() if line.strip().isdigit()}
        stored = json.loads((home / "active.json").read_text())  # must parse
        kept = {int(k) for k in stored["tickets"]}
        assert acknowledged <= kept
        assert sorted(kept) == list(range(1, max(kept) + 1))  # no gap, no duplicate
    assert len(acknowledged) > 20, "the writers never got to write: the test proved nothing"
