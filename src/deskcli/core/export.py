"""Every ticket with its whole history, for a desk that takes its data elsewhere, and
for `deskcli open --from`, which reads an export back into an empty repository."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Iterable, Iterator

from deskcli.core.clock import to_iso
from deskcli.core.contracts import check_choice
from deskcli.core.desk import Desk
from deskcli.core.workflow import CLOSED_STATUSES

FORMATS = ("jsonl", "csv")
SCOPES = ("active", "closed", "all")
CSV_COLUMNS = (
    "id", "status", "type", "priority", "level", "channel", "opener", "assignee", "group",
    "opened_at", "taken_in_charge_at", "resolved_at", "closed_at", "caller_name", "caller_role",
    "caller_contact", "organisation", "organisation_kind", "contract", "device", "os", "network",
    "software", "summary", "description", "reformulation", "diagnosis", "solution",
    "solution_definitive", "time_spent_minutes", "problem", "history",
)
# The columns that are the ticket's own top-level keys, copied as they are.
_TOP_LEVEL = ("id", "status", "type", "priority", "level", "channel", "opener", "assignee",
              "group", "opened_at", "taken_in_charge_at", "resolved_at", "closed_at", "contract",
              "summary", "description", "reformulation", "diagnosis", "time_spent_minutes",
              "problem")


def opening_period(since: str | None, until: str | None,
                   now: datetime) -> tuple[datetime | None, datetime | None]:
    """The bounds of --since/--until on the opening time, read as `deskcli report` reads
    them; a bound not given is open (None), so with neither every ticket is in."""
    if since is None and until is None:
        return None, None
    from deskcli.core import indicators

    start, end = indicators.period(since, until, now)
    return (start if since is not None else None), (end if until is not None else None)


def selected(desk: Desk, scope: str = "all", since: datetime | None = None,
             until: datetime | None = None) -> list[dict]:
    """The stored tickets of a scope (active, closed or all), opened in [since, until), by
    number: each exactly as stored, with no derived view (no `sla`).

    The scopes are those of `deskcli list`: the active file's tickets that are not closed,
    the archive's, or both.
    """
    scope = check_choice(scope, SCOPES, "scope")
    start = to_iso(since) if since else None
    end = to_iso(until) if until else None
    found: list[dict] = []
    if scope in ("active", "all"):
        with desk.repo.reading() as store:
            active = store.tickets()
        if scope == "active":
            active = [t for t in active if t["status"] not in CLOSED_STATUSES]
        found += active
    if scope in ("closed", "all"):
        # The archive filters on the opening time itself: a recent export need not load
        # years of closed tickets.
        found += desk.repo.archived_tickets(opened_since=start)
    chosen = [t for t in found
              if (start is None or t["opened_at"] >= start) and (end is None or t["opened_at"] < end)]
    return sorted(chosen, key=lambda t: t["id"])


def jsonl_lines(chosen: Iterable[dict]) -> Iterator[str]:
    """One line of JSON per ticket, keys in their stored order, text left unescaped."""
    for ticket in chosen:
        yield json.dumps(ticket, ensure_ascii=False) + "\n"


def csv_row(ticket: dict) -> list:
    """A ticket's values in the order of CSV_COLUMNS: nested facts flattened, booleans as
    true/false, the history as compact JSON text; a missing value is None."""
    caller = ticket.get("caller") or {}
    org = ticket.get("organisation") or {}
    equipment = ticket.get("equipment") or {}
    solution = ticket.get("solution") or {}
    values = {
        **{k: ticket.get(k) for k in _TOP_LEVEL},
        "caller_name": caller.get("name"), "caller_role": caller.get("role"),
        "caller_contact": caller.get("contact"), "organisation": org.get("name"),
        "organisation_kind": org.get("kind"),
        **{k: equipment.get(k) for k in ("device", "os", "network", "software")},
        "solution": solution.get("text"), "solution_definitive": solution.get("definitive"),
        "history": json.dumps(ticket.get("history", []), ensure_ascii=False, separators=(",", ":")),
    }
    return [_flat(values[c]) for c in CSV_COLUMNS]


def _flat(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value
