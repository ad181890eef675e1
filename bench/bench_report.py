"""Time `deskcli report` on a repository of many closed tickets with realistic histories.

    python bench/bench_report.py [--closed 100000] [--active 200] [--runs 7]

Closed tickets are spread over the four years before today, each with a history of 5 to
15 events (opening, checklist, admissibility, qualification, clocks, treatments,
sometimes a transfer, an escalation or an on-site intervention, solution, closing). The
real command is timed as a whole process: the indicators of the last 30 days, of the
whole history, by technician, the HTML dashboard, and one ticket's intervention report.
The target is a median under 1.5 s over 100,000 closed tickets.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from deskcli.core.calls import tickets
from deskcli.core.base.clock import to_iso
from deskcli.core.app.desk import open_desk
from timing import command, environment, report, scratch, timed

SUMMARIES = ["Imprimante hors ligne au bureau {n}", "Word plante à l'enregistrement",
             "Outlook demande le mot de passe", "VPN coupé toutes les heures", "Écran qui scintille",
             "Serveur de fichiers inaccessible", "Mot de passe expiré", "Wi-Fi très lent salle {n}",
             "Scanner introuvable", "Teams ne démarre pas"]
TECHNICIANS = ["alice", "bob", "carla", "driss"]


def closed_ticket(number: int, opened: datetime, rng: random.Random) -> dict:
    def at(minutes: float) -> str:
        return to_iso(opened + timedelta(minutes=minutes))

    tech = rng.choice(TECHNICIANS)
    priority = rng.choice([1, 2, 3, 3, 3, 4, 4])
    history = [
        {"at": at(0), "by": tech, "event": "opened", "channel": "phone"},
        {"at": at(0), "by": tech, "event": "taken_in_charge"},
        {"at": at(2), "by": tech, "event": "checklist", "step": "caller", "note": "identified"},
        {"at": at(3), "by": tech, "event": "admissibility", "admissible": True, "basis": "contract",
         "reason": "contract valid"},
        {"at": at(4), "by": tech, "event": "qualified", "type": "incident", "impact": "user",
         "urgency": "blocked", "priority": priority, "explanation": "grid"},
        {"at": at(4), "by": tech, "event": "sla_clock_stopped", "clock": "take_charge", "met": True},
    ]
    minute = 5
    for _ in range(rng.randint(0, 5)):
        minute += rng.randint(1, 20)
        history.append({"at": at(minute), "by": tech, "event": "treatment", "level": 1,
                        "diagnosis": "checked the configuration", "actions": ["restarted the service"],
                        "minutes": rng.randint(2, 10)})
    roll = rng.random()
    if roll < 0.1:
        minute += 10
        history.append({"at": at(minute), "by": tech, "event": "transferred", "to": "network",
                        "level": 2, "previous_level": 1, "reason": "beyond level 1"})
    elif roll < 0.15:
        minute += 10
        history.append({"at": at(minute), "by": tech, "event": "escalated", "kind": "functional",
                        "level": 2, "previous_level": 1, "reason": "not solved in time"})
    elif roll < 0.18:
        minute += 30
        history.append({"at": at(minute), "by": tech, "event": "intervention_requested", "number": number,
                        "nature": "replace the power supply"})
        minute += 90
        history.append({"at": at(minute), "by": "bob", "event": "intervention_report", "number": number,
                        "minutes": 60, "done": "replaced", "outcome": "works"})
    minute += rng.randint(5, 120)
    history += [
        {"at": at(minute), "by": tech, "event": "solution", "text": "fixed", "kind": "definitive"},
        {"at": at(minute), "by": tech, "event": "sla_clock_stopped", "clock": "resolution",
         "met": rng.random() < 0.9},
        {"at": at(minute + 5), "by": tech, "event": "closed", "previous_status": "solved"},
    ]
    summary = rng.choice(SUMMARIES).format(n=rng.randint(1, 40))
    return {
        "id": number, "status": "closed", "type": "incident", "priority": priority, "level": 1,
        "opener": tech, "assignee": tech, "channel": "phone",
        "caller": {"name": f"Appelant {number % 700}", "role": "Assistant", "contact": "0600000000"},
        "organisation": {"name": f"Organisation {number % 90}", "kind": "company"},
        "contract": f"C-{number % 90}", "admissibility": {"admissible": True, "basis": "contract"},
        "equipment": {"device": "Dell Optiplex 7010", "os": "Windows 11", "network": "LAN",
                      "software": "Word"},
        "summary": summary, "description": f"{summary}. Depuis ce matin, rien ne fonctionne.",
        "reformulation": summary, "opened_at": at(0), "taken_in_charge_at": at(0),
        "resolved_at": at(minute), "closed_at": at(minute + 5), "history": history,
    }


def build(home: Path, closed: int, active: int) -> None:
    rng = random.Random(7)
    desk = open_desk(home, "alice")
    now = datetime.now(timezone.utc)
    start = now - timedelta(days=4 * 365)
    step = (4 * 365 * 24 * 60 - 60 * 24) / max(1, closed)
    batch = []
    for n in range(1, closed + 1):
        batch.append(closed_ticket(n, start + timedelta(minutes=step * n), rng))
        if len(batch) == 10_000:
            desk.repo.write_archive(batch)
            batch = []
    desk.repo.write_archive(batch)
    for n in range(active):
        tickets.open_ticket(desk, tickets.CallFacts(caller=f"Caller {n}", summary="Mail down",
                                                    billable=True),
                            now - timedelta(hours=n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, default=100_000)
    parser.add_argument("--active", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with scratch("deskcli-bench-") as root:
        home = root / "repo"
        began = time.perf_counter()
        build(home, args.closed, args.active)
        size = (home / "archive.sqlite3").stat().st_size / 1e6
        print(f"built {args.closed} closed + {args.active} active tickets (archive {size:.0f} MB) "
              f"in {time.perf_counter() - began:.0f} s; {os.cpu_count()} cores")
        env = environment(home)
        base = command()
        everything = (datetime.now() - timedelta(days=5 * 365)).strftime("%Y-%m-%d")
        cases = [
            ("deskcli report (last 30 days)", ["report", "--no-chart"]),
            ("deskcli report with charts", ["report"]),
            (f"deskcli report over all {args.closed} closed", ["report", "--since", everything, "--no-chart"]),
            ("deskcli report, all, --by technician", ["report", "--since", everything, "--by", "technician",
                                                      "--no-chart"]),
            ("deskcli report, all, --json", ["report", "--since", everything, "--json"]),
            ("deskcli report, all, --format html", ["report", "--since", everything, "--format", "html"]),
            ("deskcli report ID (a closed ticket)", ["report", str(args.closed // 2)]),
            ("deskcli --version", ["--version"]),
        ]
        for label, extra in cases:
            report(label, timed([*base, *extra], env, args.runs), 44)


if __name__ == "__main__":
    main()
