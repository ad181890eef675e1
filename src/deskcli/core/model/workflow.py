"""The states of a ticket and the moves between them: the one place where they are decided."""

from __future__ import annotations

from deskcli.core.base.errors import RuleRefused
from deskcli.i18n import Join, N_, fact, say, term

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
ACTIONS = {"qualify": N_("qualify"), "treat": N_("treat"), "defer": N_("defer"),
           "transfer": N_("transfer"), "escalate": N_("escalate"), "intervene": N_("intervene"),
           "report": N_("report"), "pending": N_("wait on the caller"), "solve": N_("solve"),
           "resume": N_("resume"), "close": N_("close"), "reopen": N_("reopen")}

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
    "not_admissible": N_("open a new call with a valid {contract_field} number, or as a "
                         "{billable_field} service once the caller has sent a purchase order; "
                         "`deskcli close ID` files this one"),
    "closed": N_("`deskcli reopen ID {reason_field} TEXT` brings it back"),
    "pending": N_("`deskcli resume ID` once the caller has answered"),
    "solved": N_("`deskcli close ID` by the opener, or `deskcli reopen ID {reason_field} TEXT` "
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
        template = (N_("ticket #{number} is {status} ({meaning}), and a {status} ticket cannot "
                       "{action}: the steps allowed are {steps}; {way_out}") if way_out else
                    N_("ticket #{number} is {status} ({meaning}), and a {status} ticket cannot "
                       "{action}: the steps allowed are {steps}"))
        raise RuleRefused(say(
            template, number=ticket["id"], status=term(status),
            meaning=term(STATUSES[status]) if status in STATUSES else status,
            action=term(ACTIONS.get(action, action)),
            steps=Join([term(ACTIONS.get(s, s)) for s in steps]) if steps else term("none"),
            way_out=say(way_out, contract_field=fact("contract"), billable_field=fact("billable"),
                        reason_field=fact("reason")) if way_out else ""),
            rule="workflow", value=status) from None
