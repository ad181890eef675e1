"""Qualification: call type, impact and urgency give the priority and its SLA deadlines."""

from __future__ import annotations

from datetime import datetime

from deskcli.core.calls import sla
from deskcli.core.calls.choices import pick
from deskcli.core.base.clock import to_iso
from deskcli.core.store.repository import Desk
from deskcli.core.base.errors import InvalidInput, RuleRefused
from deskcli.core.base.names import name_key
from deskcli.core.calls.tickets import changing, history_entry
from deskcli.i18n import N_, Text, fact, say, term

# The French names of types, impacts and urgencies are in core/calls/choices.py.
IMPACT_LABELS = {"company": N_("whole company"), "department": N_("a department or a VIP"),
                 "user": N_("one user")}
URGENCY_LABELS = {"blocked": N_("blocked"), "degraded": N_("degraded"), "minor": N_("can live with it")}


def explain(qualification: dict) -> Text:
    """Which cell of the grid gave the priority, in words (English as stored, `shown` in
    the session's language)."""
    template = (N_("priority {priority} from the grid cell urgency {urgency} x impact {impact} "
                   "(a VIP counts as a department)") if qualification.get("vip") else
                N_("priority {priority} from the grid cell urgency {urgency} x impact {impact}"))
    urgency = URGENCY_LABELS[qualification["urgency"]]
    impact = IMPACT_LABELS[qualification["impact"]]
    return say(template, priority=qualification["priority"], urgency=term(urgency),
               impact=term(impact))


def qualify(desk: Desk, ticket_id: int, *, call_type: str, impact: str, urgency: str,
            reason: str | None, now: datetime) -> dict:
    """Qualify a call, or requalify it with a reason; deadlines count from the opening."""
    kind = pick("type", call_type, fact("type"))
    vip = name_key(impact or "") == "vip"
    impact = pick("impact", impact, fact("impact"))
    urgency = pick("urgency", urgency, fact("urgency"))
    reason = (reason or "").strip() or None
    with changing(desk, ticket_id, "qualify") as (store, ticket):
        previous = ticket.get("qualification")
        if previous and not reason:
            raise RuleRefused(say(
                "ticket #{number} is already qualified ({explanation}); a requalification is "
                "kept in the history with its reason: give {reason_field}",
                number=ticket_id, explanation=explain(previous), reason_field=fact("reason")))
        priority = sla.priority_for(desk.settings, impact, urgency)
        qualification = {"type": kind, "impact": impact, "urgency": urgency, "vip": vip,
                         "priority": priority, "at": to_iso(now), "by": desk.technician}
        ticket.update(type=kind, priority=priority, qualification=qualification)
        deadlines = {s.name: to_iso(s.deadline) for s in sla.clocks(ticket, desk.settings, now)}
        ticket["deadlines"] = deadlines
        ticket["history"].append(history_entry(
            "requalified" if previous else "qualified", now, desk.technician,
            type=kind, impact=impact, urgency=urgency, vip=vip or None, priority=priority,
            explanation=str(explain(qualification)), deadlines=deadlines, reason=reason,
            previous={k: previous[k] for k in ("type", "impact", "urgency", "priority")}
            if previous else None,
        ))
        ticket["history"] += sla.stop_events(ticket, desk.settings, now, desk.technician)
    return ticket


def set_pending(desk: Desk, ticket_id: int, *, reason: str, now: datetime) -> dict:
    """The call waits on the caller: its SLA clocks pause until it resumes."""
    if not (reason or "").strip():
        raise InvalidInput(say("{reason_field}: say what the call waits for (callback, a part, an "
                               "answer)",
                               reason_field=fact("reason")))
    with changing(desk, ticket_id, "pending") as (store, ticket):
        ticket["history"].append(history_entry("pending", now, desk.technician, reason=reason.strip()))
    return ticket


def resume(desk: Desk, ticket_id: int, *, now: datetime) -> dict:
    with changing(desk, ticket_id, "resume") as (store, ticket):
        ticket["history"].append(history_entry("resumed", now, desk.technician))
    return ticket
