"""A ticket's history read back at any instant: the one row of facts the indicators count.

Every figure of a report comes from the history, replayed up to the end of the period,
so a report over a past period gives the same numbers whenever it is run. A digest is
that row as it stands once the call has settled (after its last event), with the few
events that count, to replay it at an earlier instant. The archive stores one beside
each closed ticket, in columns, so that a report over years of calls is a few SQL
aggregates instead of 100,000 tickets parsed.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from deskcli.core.base.clock import from_iso, to_iso

# Raise when what a digest holds or how it is read changes: the archive makes them again.
DIGEST_VERSION = 2

# The row of one call, in this order; booleans are 0/1, the two clock results 1 (met),
# 0 (missed) or None (not decided).
COLUMNS = (
    "id", "opened_at", "closed_at", "last_at", "channel", "opener", "organisation",
    "admissible", "summary", "key", "type", "priority", "closed", "resolved_at",
    "resolution_minutes", "handed_over", "transfers", "functional", "hierarchical",
    "interventions", "minutes", "take_charge_met", "resolution_met", "problem",
)
# What a call is at the instant it is opened, before any of its events.
_FACTS = COLUMNS[:10]

# history event -> digest code
_CODES = {
    "qualified": "q", "requalified": "q", "taken_in_charge": "t", "transferred": "tr",
    "escalated": "es", "intervention_requested": "iv", "intervention_report": "ir",
    "treatment": "m", "solution": "s", "reopened": "r", "closed": "c",
    "sla_clock_stopped": "k", "problem_opened": "p", "problem_linked": "p",
}


@lru_cache(maxsize=4096)  # a batch of restored tickets repeats the same few summaries
def recurrence_key(summary: str) -> str:
    """The words that make two summaries the same incident: stems, numbers left out."""
    from deskcli.core.model.search import terms, words

    stems = {terms(w)[0] for w in words(summary or "") if not w.isdigit() and terms(w)}
    return " ".join(sorted(stems))


def _event(entry: dict) -> list | None:
    code = _CODES.get(entry.get("event"))
    at = entry.get("at")
    if code is None or not at:
        return None
    if code == "q":
        return [at, code, entry.get("type"), entry.get("priority")]
    if code == "es":
        return [at, code, entry.get("kind") or "functional"]
    if code in ("m", "ir"):
        minutes = entry.get("minutes") or 0
        return [at, code, minutes] if minutes or code == "ir" else None
    if code == "s":
        return [at, code] if entry.get("kind") == "definitive" else None
    if code == "k":
        return [at, code, entry.get("clock"), bool(entry.get("met"))]
    if code == "p":
        return [at, code, entry.get("problem")]
    return [at, code]


def events(ticket: dict) -> list[list]:
    found = [e for e in map(_event, ticket.get("history", [])) if e is not None]
    found.sort(key=lambda e: e[0])
    return found


def replay(facts: dict, events: list[list], until: str) -> dict:
    """The row of a call as it stood at `until` (UTC ISO): its facts and its events so far."""
    row = dict(facts, type=None, priority=None, closed=0, resolved_at=None,
               resolution_minutes=None, handed_over=0, transfers=0, functional=0,
               hierarchical=0, interventions=0, minutes=0.0, take_charge_met=None,
               resolution_met=None, problem=None)
    for event in events:
        at, code = event[0], event[1]
        if at > until:
            break
        if code == "q":
            row["type"], row["priority"] = event[2], event[3]
        elif code == "tr":
            row["transfers"] += 1
            row["handed_over"] = 1
        elif code == "es":
            row["hierarchical" if event[2] == "hierarchical" else "functional"] += 1
            row["handed_over"] = 1
        elif code == "iv":
            row["interventions"] += 1
            row["handed_over"] = 1
        elif code in ("ir", "m"):
            row["minutes"] += event[2]
        elif code == "s":
            row["resolved_at"] = at
        elif code == "r":
            row["closed"], row["resolved_at"] = 0, None
        elif code == "c":
            row["closed"] = 1
        elif code == "k" and event[2] in ("take_charge", "resolution"):
            row[f"{event[2]}_met"] = int(event[3])
        elif code == "p":
            row["problem"] = event[2]
    row["minutes"] = round(row["minutes"], 2)
    if row["resolved_at"]:
        span = from_iso(row["resolved_at"]) - from_iso(row["opened_at"])
        row["resolution_minutes"] = round(span.total_seconds() / 60, 2)
    return row


def _facts(ticket: dict, found: list[list]) -> dict:
    """What a call is from its opening on, before any of its events."""
    closes = [e[0] for e in found if e[1] == "c"]
    admissibility = ticket.get("admissibility") or {}
    return {
        "id": ticket["id"],
        "opened_at": ticket["opened_at"],
        "closed_at": closes[-1] if ticket.get("status") == "closed" and closes else None,
        "last_at": max([ticket["opened_at"], *(e[0] for e in found)]),
        "channel": ticket.get("channel") or "phone",
        "opener": ticket.get("opener") or "",
        "organisation": (ticket.get("organisation") or {}).get("name") or "",
        "admissible": int(bool(admissibility.get("admissible", True))),
        "summary": ticket.get("summary") or "",
    }


def digest(ticket: dict) -> dict:
    """The settled row of a ticket, with the events to replay it at an earlier instant."""
    found = events(ticket)
    facts = dict(_facts(ticket, found), key=recurrence_key(ticket.get("summary") or ""))
    return dict(replay(facts, found, facts["last_at"]), events=found)


def row_at(summary: dict, until: str) -> dict:
    """A digest's row at `until`: the settled row itself once every event is past."""
    if until >= summary["last_at"]:
        return {k: summary[k] for k in COLUMNS}
    return replay({k: summary[k] for k in _FACTS}, summary["events"], until)


def as_of(ticket: dict, until: datetime) -> dict:
    """The ticket as it stood at `until`: its history cut there and its state replayed."""
    from deskcli.core.base.clock import to_iso

    moment = to_iso(until)
    history = [e for e in ticket.get("history", []) if e.get("at", "") <= moment]
    found = events(ticket)
    row = replay(_facts(ticket, found), found, moment)  # no recurrence key: no stemming
    taken = next((e["at"] for e in history if e["event"] == "taken_in_charge"), None)
    pending = False
    for entry in history:
        if entry["event"] == "pending":
            pending = True
        elif entry["event"] in ("resumed", "reopened"):
            pending = False
    if row["closed"]:
        status = "closed"
    elif row["resolved_at"]:
        status = "solved"
    elif not row["admissible"]:
        status = "not_admissible"
    else:
        status = "pending" if pending else "open"
    return dict(ticket, history=history, status=status, type=row["type"],
                priority=row["priority"], taken_in_charge_at=taken,
                resolved_at=row["resolved_at"])


def history_entry(event: str, at: datetime, by: str, /, **details) -> dict:
    """One event of a ticket's history; details that are None are left out."""
    entry = {"at": to_iso(at), "by": by, "event": event}
    entry.update({k: v for k, v in details.items() if v is not None})
    return entry
