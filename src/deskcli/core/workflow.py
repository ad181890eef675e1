"""The states of a ticket and the moves between them: the one place where they are decided."""

from __future__ import annotations

from deskcli.core.errors import RuleRefused
from deskcli.i18n import N_, Join, label, say

# status -> what it means to the technician
STATUSES = {
    "open": N_("admissible call, being handled"),
    "pending": N_("waiting on the caller; the SLA clocks are paused"),
    "solved": N_("definitive solution recorded; the opener closes it"),
    "not_admissible": N_("no valid contract or warranty and no billed service agreed"),
    "closed": N_("closed and archived"),
}
CLOSED_STATUSES = frozenset({"closed"})
# The steps below, as a refusal names them.
ACTIONS = (N_("qualify"), N_("treat"), N_("defer"), N_("transfer"), N_("escalate"),
           N_("intervene"), N_("report"), N_("pending"), N_("solve"), N_("resume"),
           N_("close"), N_("reopen"))

# (status, action) -> next status. A pair that is not here is refused.
#
#   open ──qualify/treat/defer/transfer/escalate/intervene/report──> open
#   open ──pending──> pending ──resume──> open
#   open ──solve (definitive solution)──> solved ──close──> closed ──reopen──> open
#   not_admissible ──close──> closed
TRANSITIONS = {
    ("open", "qualify"): "open",
    ("open", "treat"): "open",
    ("open", "defer"): "open",
    ("open", "transfer"): "open",
    ("open", "escalate"): "open",
    ("open", "intervene"): "open",
    ("open", "report"): "open",
    ("open", "pending"): "pending",
    ("open", "solve"): "solved",
    ("pending", "qualify"): "pending",
    ("pending", "resume"): "open",
    ("pending", "report"): "pending",
    ("solved", "report"): "solved",
    ("solved", "close"): "closed",
    ("solved", "reopen"): "open",
    ("not_admissible", "close"): "closed",
    ("closed", "reopen"): "open",
}

# What would make a refused step possible, by status.
WAY_OUT = {
    "not_admissible": N_("open a new call with a valid --contract number, or as a --billable "
                         "service once the caller has sent a purchase order; `deskcli close ID` "
                         "files this one"),
    "closed": N_("`deskcli reopen ID --reason TEXT` brings it back"),
    "pending": N_("`deskcli resume ID` once the caller has answered"),
    "solved": N_("`deskcli close ID` by the opener, or `deskcli reopen ID --reason TEXT` "
                 "if the solution did not hold"),
    "open": "",
}


def initial_status(admissible: bool) -> str:
    return "open" if admissible else "not_admissible"


def allowed(status: str, action: str) -> bool:
    return (status, action) in TRANSITIONS


def next_status(ticket: dict, action: str) -> str:
    """The status after `action`, or a refusal that names the rule and the way out."""
    status = ticket["status"]
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        steps = sorted(a for (s, a) in TRANSITIONS if s == status)
        way_out = WAY_OUT.get(status)
        template = ("ticket #{number} is {status} ({meaning}), and a {status} ticket cannot "
                    "{action}: the steps allowed are {steps}; {way_out}" if way_out else
                    "ticket #{number} is {status} ({meaning}), and a {status} ticket cannot "
                    "{action}: the steps allowed are {steps}")
        raise RuleRefused(say(
            template, number=ticket["id"], status=label(status),
            meaning=label(STATUSES[status]) if status in STATUSES else status,
            action=label(action), steps=Join([label(s) for s in steps]) if steps else label("none"),
            way_out=label(way_out) if way_out else "")) from None
