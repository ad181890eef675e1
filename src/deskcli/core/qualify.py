"""Qualification: call type, impact and urgency give the priority and its SLA deadlines."""

from __future__ import annotations

from datetime import datetime

from deskcli.core import sla
from deskcli.core.clock import to_iso
from deskcli.core.desk import Desk
from deskcli.core.errors import InvalidInput, RuleRefused
from deskcli.core.names import name_key
from deskcli.core.tickets import changing, history_entry

TYPES = {"incident": "incident", "request": "request", "demande": "request",
         "service-request": "request"}
IMPACTS = {"company": "company", "entreprise": "company", "department": "department",
           "service": "department", "vip": "department", "user": "user",
           "utilisateur": "user"}
URGENCIES = {"blocked": "blocked", "bloque": "blocked", "degraded": "degraded",
             "ralenti": "degraded", "minor": "minor", "peut-vivre-avec": "minor",
             "can-live-with-it": "minor"}
IMPACT_LABELS = {"company": "whole company", "department": "a department or a VIP",
                 "user": "one user"}
URGENCY_LABELS = {"blocked": "blocked", "degraded": "degraded", "minor": "can live with it"}


def _pick(value: str, table: dict[str, str], option: str) -> str:
    # name_key folds accents, so "bloqué" is "bloque"; spaces count as dashes.
    key = name_key(value or "").replace(" ", "-")
    if key not in table:
        raise InvalidInput(f"{option}: {value!r} is not one of {', '.join(table)}")
    return table[key]


def explain(qualification: dict) -> str:
    """Which cell of the grid gave the priority, in words."""
    vip = " (a VIP counts as a department)" if qualification.get("vip") else ""
    return (
        f"priority {qualification['priority']} from the grid cell urgency "
        f"{URGENCY_LABELS[qualification['urgency']]} x impact "
        f"{IMPACT_LABELS[qualification['impact']]}{vip}"
    )


def qualify(desk: Desk, ticket_id: int, *, call_type: str, impact: str, urgency: str,
            reason: str | None, now: datetime) -> dict:
    """Qualify a call, or requalify it with a reason; deadlines count from the opening."""
    kind = _pick(call_type, TYPES, "--type")
    vip = name_key(impact or "") == "vip"
    impact = _pick(impact, IMPACTS, "--impact")
    urgency = _pick(urgency, URGENCIES, "--urgency")
    reason = (reason or "").strip() or None
    with changing(desk, ticket_id, "qualify") as (store, ticket):
        previous = ticket.get("qualification")
        if previous and not reason:
            raise RuleRefused(
                f"ticket #{ticket_id} is already qualified ({explain(previous)}); "
                f"a requalification is kept in the history with its reason: give --reason"
            )
        priority = sla.priority_for(desk.settings, impact, urgency)
        qualification = {"type": kind, "impact": impact, "urgency": urgency, "vip": vip,
                         "priority": priority, "at": to_iso(now), "by": desk.technician}
        ticket.update(type=kind, priority=priority, qualification=qualification)
        deadlines = {s.name: to_iso(s.deadline) for s in sla.clocks(ticket, desk.settings, now)}
        ticket["deadlines"] = deadlines
        ticket["history"].append(history_entry(
            "requalified" if previous else "qualified", now, desk.technician,
            type=kind, impact=impact, urgency=urgency, vip=vip or None, priority=priority,
            explanation=explain(qualification), deadlines=deadlines, reason=reason,
            previous={k: previous[k] for k in ("type", "impact", "urgency", "priority")}
            if previous else None,
        ))
        ticket["history"] += sla.stop_events(ticket, desk.settings, now, desk.technician)
    return ticket


def set_pending(desk: Desk, ticket_id: int, *, reason: str, now: datetime) -> dict:
    """The call waits on the caller: its SLA clocks pause until it resumes."""
    if not (reason or "").strip():
        raise InvalidInput("--reason: say what the call waits for (callback, a part, an answer)")
    with changing(desk, ticket_id, "pending") as (store, ticket):
        ticket["history"].append(history_entry("pending", now, desk.technician, reason=reason.strip()))
    return ticket


def resume(desk: Desk, ticket_id: int, *, now: datetime) -> dict:
    with changing(desk, ticket_id, "resume") as (store, ticket):
        ticket["history"].append(history_entry("resumed", now, desk.technician))
    return ticket
