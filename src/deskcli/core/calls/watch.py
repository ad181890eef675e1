"""Clocks at risk and breached, raised once each: `deskcli notify` (cron, a timer, --every).

A raised alert is an `sla_alert` event in the ticket's history, written in the same
change that decides it is new: whichever machine or run comes next reads it there and
does not raise it again, on either backend (each change holds the repository's lock).
"""

from __future__ import annotations

from datetime import datetime

from deskcli.core.calls import sla
from deskcli.core.base.clock import to_iso
from deskcli.core.store.repository import Desk
from deskcli.core.calls.tickets import history_entry, tell
from deskcli.core.model.workflow import CLOSED_STATUSES

ALERT_STATES = ("at_risk", "breached")


def _raised(ticket: dict) -> set[tuple[str, str]]:
    return {(e.get("clock"), e.get("state")) for e in ticket["history"] if e["event"] == "sla_alert"}


def raise_alerts(desk: Desk, now: datetime) -> list[dict]:
    """Record every alert not yet raised; returns them as {ticket, clock, state, deadline}."""
    raised = []
    with desk.repo.writing() as store:
        for ticket in store.tickets():
            if ticket["status"] in CLOSED_STATUSES or not ticket.get("priority"):
                continue
            done = _raised(ticket)
            events = []
            for clock in sla.clocks(ticket, desk.settings, now):
                if clock.state not in ALERT_STATES or (clock.name, clock.state) in done:
                    continue
                # A clock that went past its deadline unseen is raised as breached only:
                # at risk would be news of the past.
                events.append(history_entry(
                    "sla_alert", now, desk.technician, clock=clock.name, state=clock.state,
                    deadline=to_iso(clock.deadline), used=round(clock.used, 3)))
            if not events:
                continue
            ticket["history"] += events
            tell(desk, store, ticket, events)
            store.update_ticket(ticket)
            raised += [{"ticket": ticket["id"], "clock": e["clock"], "state": e["state"],
                        "deadline": e["deadline"]} for e in events]
    return raised
