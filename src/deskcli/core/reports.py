"""The intervention report of a call (procedure §6; seed 001 §6.5), as one document.

Each on-site intervention carries the fields set when it was requested and those set by
whoever did it; the report gathers them with the call's facts and history, ready for a
template (screen, Markdown, a printable page) or for JSON.
"""

from __future__ import annotations

from datetime import datetime

from deskcli.core import sla
from deskcli.core.clock import to_iso
from deskcli.core.desk import Desk
from deskcli.core.tickets import get_ticket


def intervention_report(desk: Desk, ticket_id: int, now: datetime) -> dict:
    ticket = get_ticket(desk, ticket_id)
    admissibility = ticket.get("admissibility") or {}
    return {
        "company": desk.settings["desk"]["company"],
        "generated_at": to_iso(now),
        "ticket": {
            "id": ticket["id"],
            "status": ticket["status"],
            "summary": ticket["summary"],
            "opened_at": ticket["opened_at"],
            "opener": ticket["opener"],
            "channel": ticket["channel"],
            "type": ticket.get("type"),
            "priority": ticket.get("priority"),
            "level": ticket.get("level"),
            "caller": ticket["caller"],
            "organisation": ticket["organisation"],
            "contract": ticket.get("contract"),
            "coverage": admissibility.get("basis"),
            "admissibility": admissibility.get("reason"),
            "equipment": ticket.get("equipment") or {},
            "description": ticket.get("description"),
            "reformulation": ticket.get("reformulation"),
            "diagnosis": ticket.get("diagnosis"),
            "solution": ticket.get("solution"),
            "time_spent_minutes": ticket.get("time_spent_minutes", 0),
            "closed_at": ticket.get("closed_at"),
        },
        "interventions": ticket.get("interventions", []),
        "sla": sla.view(ticket, desk.settings, now),
        "history": ticket["history"],
    }
