"""Every ticket with its whole history, for a desk that takes its data elsewhere, and
for `deskcli open --from`, which reads an export back into an empty repository."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Iterable, Iterator

from deskcli.core.base.clock import to_iso
from deskcli.core.calls.contracts import check_choice
from deskcli.core.store.repository import Desk
from deskcli.core.model.workflow import CLOSED_STATUSES

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
    from deskcli.core.reporting import indicators

    start, end = indicators.period(since, until, now)
    return (start if since is not None else None), (end if until is not None else None)


def documents(desk: Desk, scope: str = "all", since: datetime | None = None,
              until: datetime | None = None) -> Iterator[str | dict]:
    """The stored tickets of a scope (active, closed or all), opened in [since, until), by
    number, exactly as stored, with no derived view (no `sla`), as they come: each archived one as its
    stored JSON text (read in batches, never decoded), each active one as a ticket. Memory
    does not grow with history."""
    import heapq

    scope = check_choice(scope, SCOPES, "scope")
    start = to_iso(since) if since else None
    end = to_iso(until) if until else None
    active: list[tuple[int, dict]] = []
    if scope in ("active", "all"):
        with desk.repo.reading() as store:
            active = [(t["id"], t) for t in store.tickets()
                      if (scope == "all" or t["status"] not in CLOSED_STATUSES)
                      and (start is None or t["opened_at"] >= start)
                      and (end is None or t["opened_at"] < end)]
        active.sort(key=lambda pair: pair[0])
    if scope == "active":
        yield from (ticket for _, ticket in active)
        return
    closed = desk.repo.archived_documents(start, end)
    for _, document in heapq.merge(active, closed, key=lambda pair: pair[0]):
        yield document


def as_ticket(document: str | dict) -> dict:
    return json.loads(document) if isinstance(document, str) else document


def jsonl_text(documents: Iterable[str | dict]) -> Iterator[str]:
    """One line of JSON per ticket: the stored text passed through as it is, a ticket
    written compactly as the archive stores it, keys in their stored order, text unescaped."""
    for document in documents:
        if isinstance(document, str):
            yield document + "\n"
        else:
            yield json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


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
