"""Every ticket with its whole history, for a desk that takes its data elsewhere, and
for `deskcli open --from`, which reads an export back into an empty repository."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Iterator

from deskcli.core import tickets
from deskcli.core.clock import to_iso
from deskcli.core.desk import Desk

CSV_COLUMNS = (
    "id", "status", "type", "priority", "level", "channel", "opener", "assignee", "group",
    "opened_at", "taken_in_charge_at", "resolved_at", "closed_at", "caller_name", "caller_role",
    "caller_contact", "organisation", "organisation_kind", "contract", "device", "os", "network",
    "software", "summary", "description", "reformulation", "diagnosis", "solution",
    "solution_definitive", "time_spent_minutes", "problem", "attachments", "history",
)


def selected(desk: Desk, scope: str = "all", since: datetime | None = None,
             until: datetime | None = None) -> list[dict]:
    """The stored tickets of a scope (active, closed, all), opened in the period, by number."""
    found = tickets.list_tickets(desk, scope=scope, sort="oldest")
    start, end = (to_iso(since) if since else None), (to_iso(until) if until else None)
    chosen = [{k: v for k, v in t.items() if k != "sla"} for t in found
              if (start is None or t["opened_at"] >= start) and (end is None or t["opened_at"] < end)]
    return sorted(chosen, key=lambda t: t["id"])


def jsonl_lines(chosen: list[dict]) -> Iterator[str]:
    for ticket in chosen:
        yield json.dumps(ticket, ensure_ascii=False) + "\n"


def csv_row(ticket: dict) -> list:
    caller = ticket.get("caller") or {}
    org = ticket.get("organisation") or {}
    equipment = ticket.get("equipment") or {}
    solution = ticket.get("solution") or {}
    values = {
        **{k: ticket.get(k) for k in ("id", "status", "type", "priority", "level", "channel",
                                       "opener", "assignee", "group", "opened_at",
                                       "taken_in_charge_at", "resolved_at", "closed_at", "contract",
                                       "summary", "description", "reformulation", "diagnosis",
                                       "time_spent_minutes", "problem")},
        "caller_name": caller.get("name"), "caller_role": caller.get("role"),
        "caller_contact": caller.get("contact"), "organisation": org.get("name"),
        "organisation_kind": org.get("kind"), **{k: equipment.get(k) for k in ("device", "os", "network", "software")},
        "solution": solution.get("text"), "solution_definitive": solution.get("definitive"),
        "attachments": ";".join(ticket.get("attachments") or []) or None,
        "history": json.dumps(ticket.get("history", []), ensure_ascii=False, separators=(",", ":")),
    }
    return [values[c] for c in CSV_COLUMNS]
