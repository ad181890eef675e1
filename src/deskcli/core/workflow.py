"""The states of a ticket and the moves between them: the one place where they are decided."""

from __future__ import annotations

from deskcli.core.errors import RuleRefused

# status -> what it means to the technician
STATUSES = {
    "open": "admissible call, being handled",
    "not_admissible": "no valid contract or warranty and no billed service agreed",
    "closed": "solved definitively and archived",
}
CLOSED_STATUSES = frozenset({"closed"})

# (status, action) -> next status. A pair that is not here is refused.
TRANSITIONS = {
    ("open", "close"): "closed",
    ("not_admissible", "close"): "closed",
    ("closed", "reopen"): "open",
}


def initial_status(admissible: bool) -> str:
    return "open" if admissible else "not_admissible"


def next_status(ticket: dict, action: str) -> str:
    """The status after `action`, or a refusal that names the rule."""
    status = ticket["status"]
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        allowed = sorted(a for (s, a) in TRANSITIONS if s == status)
        raise RuleRefused(
            f"ticket #{ticket['id']} is {status} ({STATUSES.get(status, status)}): "
            f"it cannot {action}; from {status} the allowed steps are: "
            f"{', '.join(allowed) or 'none'}"
        ) from None
