"""The desk's indicators over a period (procedure §7; seed 001 §1, §1.1).

What is counted: the calls received in the period (opened from `since` up to `until`),
each as it stood at `until`, replayed from its history; the backlog is every call still
open at `until`, whenever it arrived. Nothing depends on when the report is run.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, datetime, timedelta

from deskcli.core.calls import sla
from deskcli.core.model import timeline
from deskcli.core.base.clock import from_iso, local, parse_datetime, to_iso, typed_date
from deskcli.core.store.repository import Desk
from deskcli.core.base.errors import InvalidInput
from deskcli.i18n import fact, say

DEFAULT_DAYS = 30
# A desk performs well when level 1 solves about 80% of incidents (seed 001 §1.1).
FIRST_LEVEL_TARGET = 0.80
GROUPINGS = ("technician", "organisation", "priority", "channel")
SLA_CLOCKS = ("take_charge", "resolution")
# (label, upper bound in days) of the backlog's age buckets.
AGE_BUCKETS = (("< 1 day", 1), ("1-3 days", 3), ("3-7 days", 7), ("7-30 days", 30), ("> 30 days", None))
# An incident is recurring once the same words come back this many times in the period.
RECURRING_MINIMUM = 3
# How many of a recurring incident's tickets are listed (the latest ones).
RECURRING_SHOWN = 50
CALL_TYPES = ("incident", "request", "unqualified")


def _bound(text: str, what: str, end_of_day: bool) -> datetime:
    from datetime import time

    text = text.strip()
    day = typed_date(text)
    if day is None:
        return parse_datetime(text, what)
    if end_of_day:
        day += timedelta(days=1)
    return datetime.combine(day, time()).astimezone()


def period(since: str | None, until: str | None, now: datetime) -> tuple[datetime, datetime]:
    """The period of a report. A date is a whole local day, `until` included; `since` may
    also be a span back from `until` (7d, 12h). The default is the last 30 days."""
    if until:
        end = _bound(until, fact("until"), end_of_day=True)
    else:
        # Times are stored to the second: what was recorded this very second is in.
        end = now.replace(microsecond=0) + timedelta(seconds=1)
    reference = end if until else now
    if since is None:
        start = reference - timedelta(days=DEFAULT_DAYS)
    elif (span := sla.parse_duration(since)) is not None:
        start = reference - span
    else:
        start = _bound(since, fact("since"), end_of_day=False)
    if start >= end:
        raise InvalidInput(say("{since_field} ({start}) must come before {until_field} ({end})",
                               start=to_iso(start), end=to_iso(end),
                               since_field=fact("since"), until_field=fact("until")))
    return start, end


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _durations(values: list[float]) -> dict:
    return {
        "count": len(values),
        "mean_minutes": round(statistics.fmean(values), 1) if values else None,
        "median_minutes": round(statistics.median(values), 1) if values else None,
    }


# The expression each grouping of --by reads in the table of calls.
_GROUP_EXPRESSIONS = {
    "technician": "opener",
    "organisation": "organisation",
    "priority": "COALESCE(CAST(priority AS TEXT), 'unqualified')",
    "channel": "channel",
}


class _Calls:
    """The calls of the period, one row each (timeline.COLUMNS), in an in-memory table:
    every figure is an aggregate over it, for the whole desk or for one group."""

    TABLE = "calls"

    def __init__(self) -> None:
        import sqlite3

        from deskcli.core.model.timeline import COLUMNS

        self.db = sqlite3.connect("file:deskcli-indicators?mode=memory", uri=True,
                                  isolation_level=None)
        columns = ", ".join(f"{c} INTEGER PRIMARY KEY" if c == "id" else c for c in COLUMNS)
        self.db.execute(f"CREATE TABLE {self.TABLE} ({columns})")
        self.columns = COLUMNS

    def insert(self, rows: list[dict]) -> None:
        self.db.executemany(
            f"INSERT OR REPLACE INTO {self.TABLE} ({', '.join(self.columns)}) "
            f"VALUES ({', '.join('?' * len(self.columns))})",
            [[row[c] for c in self.columns] for row in rows])

    def remove(self, ids: set[int]) -> None:
        self.db.executemany(f"DELETE FROM {self.TABLE} WHERE id = ?", [(i,) for i in ids])

    def one(self, sql: str, parameters=()) -> tuple:
        return self.db.execute(sql, parameters).fetchone()

    def all(self, sql: str, parameters=()) -> list[tuple]:
        return self.db.execute(sql, parameters).fetchall()


def _sla(calls: _Calls, group: str, settings: dict) -> dict[object, dict]:
    """Per group, priority and clock: met, missed (late, or still running past the
    deadline) and running, against the target rate of the settings."""
    counts: dict[tuple, tuple] = {}
    # SUM of a group whose clocks all still run is NULL, not 0: COALESCE keeps it a count.
    sums = ", ".join(f"COALESCE(SUM({c}_met = 1), 0), COALESCE(SUM({c}_met = 0), 0), "
                     f"SUM({c}_met IS NULL)" for c in SLA_CLOCKS)
    for key, priority, *values in calls.all(
            f"SELECT {group}, priority, {sums} FROM calls WHERE priority IS NOT NULL GROUP BY 1, 2"):
        for index, clock in enumerate(SLA_CLOCKS):
            counts[(key, priority, clock)] = tuple(values[3 * index:3 * index + 3])
    tables: dict[object, dict] = {}
    for key in {k for k, _, _ in counts} | {None}:
        table = {}
        for priority in sla.PRIORITIES:
            row = {}
            for clock in SLA_CLOCKS:
                met, missed, running = counts.get((key, priority, clock), (0, 0, 0))
                target = settings["targets"][str(priority)][f"{clock}_rate"] / 100
                compliance = _rate(met, met + missed)
                row[clock] = {"met": met, "missed": missed, "running": running,
                              "compliance": compliance, "target": target,
                              "meets_target": None if compliance is None else compliance >= target}
            table[str(priority)] = row
        tables[key] = table
    return tables


def _figures(calls: _Calls, settings: dict, group: str = "'all'",
             keys: list | None = None) -> dict[object, dict]:
    """The figures of the calls, per value of the `group` expression (one pass each):
    the same rules for the whole desk (one group) and for --by. `keys` are the groups
    wanted even without a call (zeros)."""
    durations: dict[object, dict[object, list[float]]] = {}
    backwards: dict[object, int] = {}
    for key, priority, value in calls.all(f"SELECT {group}, priority, resolution_minutes FROM calls "
                                          f"WHERE resolution_minutes IS NOT NULL"):
        if value < 0:
            # Solved before it was opened: the clock was set back in between. Such a time
            # is flagged (and `deskcli doctor` names the ticket), never averaged in.
            backwards[key] = backwards.get(key, 0) + 1
            continue
        durations.setdefault(key, {}).setdefault(priority, []).append(value)
    slas = _sla(calls, group, settings)
    totals = {row[0]: row[1:] for row in calls.all(
        f"SELECT {group}, COUNT(*), TOTAL(admissible = 0), "
        "TOTAL(admissible AND closed AND type = 'incident'), "
        "TOTAL(admissible AND closed AND type = 'incident' AND NOT handed_over), "
        "TOTAL(transfers), TOTAL(functional), TOTAL(hierarchical), TOTAL(interventions), "
        "TOTAL(minutes) FROM calls GROUP BY 1 ORDER BY 1")}
    found = {}
    for key in keys if keys is not None else totals:
        (count, not_admissible, closed_incidents, first_level, transfers, functional,
         hierarchical, interventions, minutes) = totals.get(key, (0,) * 9)
        closed_incidents, first_level = int(closed_incidents), int(first_level)
        spans = durations.get(key, {})
        found[key] = {
            "calls": count,
            "not_admissible": int(not_admissible),
            "first_level_resolution_rate": _rate(first_level, closed_incidents),
            "first_level_resolution": {
                "closed_incidents": closed_incidents,
                "solved_at_level_1": first_level,
                "target": FIRST_LEVEL_TARGET,
            },
            "resolution_time": {
                "all": _durations([v for values in spans.values() for v in values]),
                "by_priority": {str(p or "unqualified"): _durations(spans.get(p, []))
                                for p in (*sla.PRIORITIES, None)},
                "clock_went_back": backwards.get(key, 0),
            },
            "sla": slas.get(key, slas[None]),
            "transfers": int(transfers),
            "escalations": {"functional": int(functional), "hierarchical": int(hierarchical),
                            "total": int(functional + hierarchical)},
            "interventions": int(interventions),
            "time_spent_minutes": round(minutes, 2),
        }
    return found


def _backlog(tickets: list[dict], settings: dict, until: datetime) -> tuple[dict, dict[int, dict]]:
    """Calls still open at `until`: by age and worst clock, and those past their maximum delay."""
    by_age = Counter()
    by_state = Counter()
    by_status = Counter()
    past_maximum = []
    clocks_of: dict[int, dict] = {}
    count = 0
    for ticket in tickets:
        then = timeline.as_of(ticket, until)
        if then["status"] == "closed":
            continue
        count += 1
        by_status[then["status"]] += 1
        age_days = (until - from_iso(then["opened_at"])).total_seconds() / 86400
        by_age[next(label for label, bound in AGE_BUCKETS if bound is None or age_days < bound)] += 1
        states = sla.clocks(then, settings, until)
        clocks_of[ticket["id"]] = {s.name: s.state for s in states}
        by_state[sla.worst(states) or "not qualified"] += 1
        maximum = next((s for s in states if s.name == "maximum"), None)
        if maximum is not None and maximum.deadline < until:
            past_maximum.append({
                "id": ticket["id"], "opened_at": then["opened_at"], "status": then["status"],
                "priority": then["priority"], "organisation": then["organisation"]["name"],
                "summary": then["summary"], "deadline": to_iso(maximum.deadline),
                "overdue_minutes": round((until - maximum.deadline).total_seconds() / 60),
            })
    past_maximum.sort(key=lambda t: (t["deadline"], t["id"]))
    states_order = [*sla.SEVERITY, "not qualified"]
    return {
        "as_of": to_iso(until),
        "total": count,
        "by_status": dict(sorted(by_status.items())),
        "by_age": {label: by_age[label] for label, _ in AGE_BUCKETS},
        "by_state": {s: by_state[s] for s in states_order if by_state[s]},
        "past_maximum": past_maximum,
    }, clocks_of


def bucket_start(day: date, unit: str) -> date:
    """The first day of the day, week (from Monday) or month that holds `day`."""
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _over_time(calls: _Calls, abandoned: list[dict], since: datetime, until: datetime) -> dict:
    """Calls and abandoned calls per day (per week or month over a long period)."""
    days = (local(until) - local(since)).days + 1
    unit = "day" if days <= 62 else "week" if days <= 366 else "month"

    def bucket(day: date) -> date:
        return bucket_start(day, unit)

    received = Counter()
    # SQLite's 'localtime' is the C library's: the same zone as the rest of the output.
    for day, count in calls.all("SELECT date(opened_at, 'localtime'), COUNT(*) FROM calls GROUP BY 1"):
        received[bucket(date.fromisoformat(day))] += count
    hung_up = Counter(bucket(local(a["at"]).date()) for a in abandoned)
    points = []
    current = bucket(local(since).date())
    last = bucket(local(until - timedelta(microseconds=1)).date())
    while current <= last:
        points.append({"start": current.isoformat(), "calls": received[current],
                       "abandoned": hung_up[current]})
        if unit == "day":
            current += timedelta(days=1)
        elif unit == "week":
            current += timedelta(days=7)
        else:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return {"unit": unit, "points": points}


def _recurring(calls: _Calls) -> list[dict]:
    calls.db.execute("CREATE INDEX IF NOT EXISTS calls_key ON calls (key)")
    found = []
    for key, count, organisations, problem in calls.all(
            "SELECT key, COUNT(*), COUNT(DISTINCT organisation), MAX(problem) FROM calls "
            "WHERE key != '' AND admissible AND COALESCE(type, '') != 'request' "
            "GROUP BY key HAVING COUNT(*) >= ?", (RECURRING_MINIMUM,)):
        numbers = [row[0] for row in calls.all(
            "SELECT id FROM calls WHERE key = ? AND admissible AND COALESCE(type, '') != 'request' "
            "ORDER BY id DESC LIMIT ?", (key, RECURRING_SHOWN))]
        latest = calls.one("SELECT summary FROM calls WHERE id = ?", (numbers[0],))[0]
        found.append({"words": key, "summary": latest, "count": count,
                      "tickets": sorted(numbers), "organisations": organisations,
                      "problem": problem})
    found.sort(key=lambda g: (-g["count"], g["tickets"][0]))
    return found


def _open_problems(records: list[dict], until: str) -> list[dict]:
    found = []
    for problem in records:
        if problem["opened_at"] > until:
            continue
        history = [e for e in problem.get("history", []) if e["at"] <= until]
        if any(e["event"] == "known_error" for e in history):
            continue
        incidents = {e["ticket"] for e in history if e["event"] in ("opened", "linked") and "ticket" in e}
        found.append({"id": problem["id"], "title": problem["title"], "opened_at": problem["opened_at"],
                      "incidents": len(incidents)})
    return sorted(found, key=lambda p: p["id"])


def report(desk: Desk, since: datetime, until: datetime, by: str | None = None) -> dict:
    """Every indicator of the period, ready for JSON: figures, tables and the backlog."""
    from deskcli.core.calls import conversation
    from deskcli.core.store.repository import MAIL_SIDE
    from deskcli.core.knowledge.problems import PROBLEMS

    if by is not None and by not in GROUPINGS:
        raise InvalidInput(say("{by_field}: {value!r} is not one of {choices}", value=by,
                               choices=", ".join(GROUPINGS), by_field=fact("by")))
    start, end = to_iso(since), to_iso(until)
    with desk.repo.reading() as store:
        active = store.tickets(include_archiving=True)
        problem_records = store.records(PROBLEMS)
        confirmation_records = store.side(MAIL_SIDE).records(conversation.CONFIRMATIONS)
    calls = _Calls()
    desk.repo.copy_archived_calls(calls.db, _Calls.TABLE, start, end)
    # A ticket whose move to the archive is not finished, or that came back from it, is
    # read from the daily file, which holds its latest state.
    calls.remove({t["id"] for t in active})
    calls.insert([timeline.row_at(timeline.digest(t), end) for t in active
                  if start <= t["opened_at"] < end])
    active_ids = {t["id"] for t in active}
    straddling = [i for i in desk.repo.archived_open_at(end) if i not in active_ids]
    open_then = [t for t in active if t["opened_at"] < end]
    open_then += desk.repo.archived_by_number(straddling) if straddling else []
    backlog, clocks_of = _backlog(open_then, desk.settings, until)
    # A clock still running past its deadline at the end of the period is missed already.
    for clock in SLA_CLOCKS:
        calls.db.executemany(f"UPDATE calls SET {clock}_met = 0 WHERE id = ? AND {clock}_met IS NULL",
                             [(i,) for i, states in clocks_of.items() if states.get(clock) == "breached"])
    abandoned = desk.repo.abandoned_calls(start, end)

    figures = _figures(calls, desk.settings, keys=["all"])["all"]
    document = {
        "period": {"since": start, "until": end,
                   "counts": "calls received in the period, as they stood at its end"},
        "calls": figures.pop("calls"),
        "calls_by_channel": dict(calls.all("SELECT channel, COUNT(*) FROM calls GROUP BY channel "
                                           "ORDER BY channel")),
        "calls_by_type": {kind: 0 for kind in CALL_TYPES} | dict(calls.all(
            "SELECT COALESCE(type, 'unqualified'), COUNT(*) FROM calls GROUP BY 1")),
        "not_admissible": figures.pop("not_admissible"),
        "abandoned": len(abandoned),
        "abandoned_rate": None,
        "abandoned_calls": abandoned,
        **figures,
        "backlog": backlog,
        "recurring_incidents": _recurring(calls),
        "open_problems": _open_problems(problem_records, end),
        "over_time": _over_time(calls, abandoned, since, until),
        "confirmations": conversation.confirmations(confirmation_records, start, end),
    }
    document["abandoned_rate"] = _rate(len(abandoned), len(abandoned) + document["calls"])
    if by is not None:
        document["by"] = by
        document["groups"] = [dict(key=key, **figures) for key, figures
                              in _figures(calls, desk.settings, _GROUP_EXPRESSIONS[by]).items()]
    calls.db.close()
    return document
