"""The states of a ticket and the moves between them: the one place where they are decided."""

from __future__ import annotations

from deskcli.core.errors import RuleRefused

# status -> what it means to the technician
STATUSES = {
    "open": "admissible call, being handled",
    "pending": "waiting on the caller; the SLA clocks are paused",
    "not_admissible": "no valid contract or warranty and no billed service agreed",
    "closed": "solved definitively and archived",
}
CLOSED_STATUSES = frozenset({"closed"})

# (status, action) -> next status. A pair that is not here is refused.
TRANSITIONS = {
    ("open", "qualify"): "open",
    ("open", "pending"): "pending",
    ("open", "close"): "closed",
    ("pending", "qualify"): "pending",
    ("pending", "resume"): "open",
    ("not_admissible", "close"): "closed",
    ("closed", "reopen"): "open",
}

# What would make a refused step possible, by status.
WAY_OUT = {
    "not_admissible": "open a new call with a valid --contract number, or as a --billable "
    "service once the caller has sent a purchase order",
    "closed": "`deskcli reopen ID --reason TEXT` brings it back",
    "pending": "`deskcli resume ID` once the caller has answered",
    "open": "",
}


def initial_status(admissible: bool) -> str:
    return "open" if admissible else "not_admissible"


def next_status(ticket: dict, action: str) -> str:
    """The status after `action`, or a refusal that names the rule and the way out."""
    status = ticket["status"]
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        allowed = sorted(a for (s, a) in TRANSITIONS if s == status)
        way_out = WAY_OUT.get(status)
        raise RuleRefused(
            f"ticket #{ticket['id']} is {status} ({STATUSES.get(status, status)}), and a "
            f"{status} ticket cannot {action}: the steps allowed are "
            f"{', '.join(allowed) or 'none'}" + (f"; {way_out}" if way_out else "")
        ) from None
