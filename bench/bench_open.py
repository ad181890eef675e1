"""Time `deskcli open` with flags on a repository holding many closed tickets.

    python bench/bench_open.py [--closed 10000] [--active 50] [--runs 15]

Prints the median, min and max wall time of the real command, on the large repository
and on an empty one, and their ratio: the daily commands must cost what the active
backlog costs, not the whole history.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from deskcli.core.calls import tickets
from deskcli.core.base.clock import to_iso
from deskcli.core.app.desk import open_desk
from timing import command, environment, report, scratch, timed


def closed_ticket(number: int, start: datetime) -> dict:
    opened = start + timedelta(minutes=17 * number)
    at = to_iso(opened)
    return {
        "id": number, "status": "closed", "type": "incident", "priority": 1 + number % 4,
        "level": 1 + number % 3, "opener": "alice", "assignee": "alice", "channel": "phone",
        "caller": {"name": f"Caller {number % 500}", "role": "Assistant", "contact": "0600000000"},
        "organisation": {"name": f"Organisation {number % 80}", "kind": "company"},
        "contract": f"C-{number % 80}", "admissibility": {"admissible": True, "basis": "contract"},
        "equipment": {"device": "Dell Optiplex 7010", "os": "Windows 11", "network": "LAN", "software": "Word"},
        "summary": f"Printer offline in office {number % 40}",
        "description": "The printer blinks orange and nothing prints since this morning. " * 3,
        "reformulation": "The printer is offline", "opened_at": at, "taken_in_charge_at": at,
        "resolved_at": to_iso(opened + timedelta(minutes=25)),
        "history": [
            {"at": at, "by": "alice", "event": "opened", "channel": "phone"},
            {"at": at, "by": "alice", "event": "qualified", "priority": 3},
            {"at": at, "by": "alice", "event": "treatment", "diagnosis": "cable", "minutes": 6},
            {"at": at, "by": "alice", "event": "solution", "text": "cable replaced", "kind": "definitive"},
            {"at": at, "by": "alice", "event": "closed"},
        ],
    }


def build(home: Path, closed: int, active: int) -> None:
    desk = open_desk(home, "alice")
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    desk.repo.write_archive([closed_ticket(n, start) for n in range(1, closed + 1)])
    now = datetime.now(timezone.utc)
    for n in range(active):
        tickets.open_ticket(desk, tickets.CallFacts(caller=f"Caller {n}", summary="Mail down",
                                                    billable=True), now)


def time_open(home: Path, runs: int) -> list[float]:
    args = [*command(), "open", "--no-input", "--caller", "Karim Benali", "--org", "Organisation 3",
            "--summary", "Printer offline", "--billable"]
    return timed(args, environment(home), runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, default=10_000)
    parser.add_argument("--active", type=int, default=50)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with scratch("deskcli-bench-") as root:
        large, empty = root / "large", root / "empty"
        began = time.perf_counter()
        build(large, args.closed, args.active)
        size = (large / "archive.sqlite3").stat().st_size / 1e6
        print(f"built {args.closed} closed + {args.active} active tickets "
              f"(archive {size:.1f} MB) in {time.perf_counter() - began:.1f} s; {os.cpu_count()} cores")
        big = report(f"deskcli open, {args.closed} closed tickets", time_open(large, args.runs), 42)
        small = report("deskcli open, empty repository", time_open(empty, args.runs), 42)
        print(f"ratio large/empty: {big / small:.2f}")


if __name__ == "__main__":
    main()
